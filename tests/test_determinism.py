"""Determinism: one seed, one run, byte for byte (STYLE: 'Determinism')."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest

import sim
from sim.output import RUN_FILES, to_json

SEED = "424242"


def _bytes(directory) -> dict[str, bytes]:
    return {name: (directory / name).read_bytes() for name in RUN_FILES}


def _run_out(run_cli, out, *args) -> dict[str, bytes]:
    r = run_cli("run", "--quiet", "--out", out, *args)
    assert r.code == 0, r.err
    return _bytes(out)


@pytest.fixture(scope="module")
def reference(run_cli, tmp_path_factory):
    """The 7 files of europe-2022 with SEED, run in-process."""
    return _run_out(run_cli, tmp_path_factory.mktemp("ref") / "run", "--seed", SEED)


def _assert_same_files(a: dict[str, bytes], b: dict[str, bytes]) -> None:
    assert sorted(a) == sorted(b) == sorted(RUN_FILES)
    differ = [name for name in RUN_FILES if a[name] != b[name]]
    assert not differ, f"files differ between two runs with the same seed: {differ}"


def test_same_seed_byte_identical_files_in_process(run_cli, reference, tmp_path):
    _assert_same_files(reference, _run_out(run_cli, tmp_path / "again", "--seed", SEED))


def test_same_seed_byte_identical_files_in_a_subprocess(run_script, reference, tmp_path):
    out = tmp_path / "script"
    r = run_script("run", "--quiet", "--seed", SEED, "--out", out)
    assert r.code == 0, r.err
    _assert_same_files(reference, _bytes(out))


def test_another_seed_gives_another_summary(run_cli, reference, tmp_path):
    other = _run_out(run_cli, tmp_path / "other", "--seed", "424243")
    assert other["summary.json"] != reference["summary.json"]
    a, b = json.loads(other["summary.json"]), json.loads(reference["summary.json"])
    assert a["seed"] == 424243 and b["seed"] == int(SEED)
    a.pop("seed"), b.pop("seed")
    assert a != b, "only the seed field differs: the seed does not reach the model"


def test_python_api_equals_cli_json(run_cli, reference):
    model = sim.EscalationModel(sim.load_scenario("europe-2022"), rng=int(SEED)).run()
    summary = model.summary()
    cli_out = run_cli("run", "--json", "--seed", SEED).out
    assert summary == json.loads(cli_out)
    assert to_json(summary) == cli_out
    assert cli_out.encode() == reference["summary.json"]


def test_scenario_seed_is_the_default_rng():
    sc = sim.load_scenario("europe-2022", months=12)
    a = sim.EscalationModel(sc).run().summary()
    b = sim.EscalationModel(sim.load_scenario("europe-2022", months=12), rng=sc.seed).run()
    assert a == b.summary()
    assert a["seed"] == sc.seed


# --------------------------------------------------------------------------- synthetic graphs
def _edges(model) -> set[tuple[str, str]]:
    return {tuple(sorted(e)) for e in model.world.graph.edges()}


def test_synthetic_scenario_is_reproducible(run_cli, tmp_path):
    args = ["erdos-renyi", "--months", "12", "--seed", "5"]
    a = _run_out(run_cli, tmp_path / "a", *args)
    b = _run_out(run_cli, tmp_path / "b", *args)
    _assert_same_files(a, b)
    # The graph is drawn from the run's seed: same seed, same graph; another seed, another.
    sc = sim.load_scenario("erdos-renyi", months=1)
    g5 = _edges(sim.EscalationModel(sc, rng=5))
    assert g5 == _edges(sim.EscalationModel(sim.load_scenario("erdos-renyi", months=1), rng=5))
    assert g5 != _edges(sim.EscalationModel(sc, rng=6))


def test_resolved_synthetic_scenario_reproduces_the_run(run_cli, tmp_path):
    first = _run_out(run_cli, tmp_path / "a", "small-world", "--months", "8", "--seed", "9")
    r = run_cli("run", tmp_path / "a" / "scenario.toml", "--quiet", "--out", tmp_path / "b")
    assert r.code == 0, r.err
    assert _bytes(tmp_path / "b")["summary.json"] == first["summary.json"]


# --------------------------------------------------------------------------- no hidden state
def _outcome(model) -> tuple[str, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    return (
        to_json(model.summary()),
        model.timeseries(),
        model.states_frame(),
        model.events_frame(),
    )


def _assert_same_outcome(a, b, label: str) -> None:
    assert a[0] == b[0], f"{label}: summaries differ"
    for x, y in zip(a[1:], b[1:], strict=True):
        pd.testing.assert_frame_equal(x, y, obj=label)


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (("europe-mediation", 1), ("europe-mediation", 2)),  # one Scenario object, shared world
        (("erdos-renyi", 3), ("europe-2022", 4)),
    ],
)
def test_interleaved_models_match_separate_runs(first, second):
    months = 40  # past europe-mediation's mediation (2025-01), which changes hostility
    separate = [
        _outcome(sim.EscalationModel(sim.load_scenario(name, months=months), rng=s).run())
        for name, s in (first, second)
    ]
    if first[0] == second[0]:
        sc = sim.load_scenario(first[0], months=months)
        scenarios = (sc, sc)
    else:
        scenarios = tuple(sim.load_scenario(n, months=months) for n, _ in (first, second))
    a = sim.EscalationModel(scenarios[0], rng=first[1])
    b = sim.EscalationModel(scenarios[1], rng=second[1])
    for _ in range(months):
        a.step()
        b.step()
    _assert_same_outcome(_outcome(a), separate[0], f"{first} interleaved")
    _assert_same_outcome(_outcome(b), separate[1], f"{second} interleaved")
    # And a run after others is still the same run (nothing leaks into the next model).
    again = sim.EscalationModel(sim.load_scenario(first[0], months=months), rng=first[1]).run()
    _assert_same_outcome(_outcome(again), separate[0], f"{first} rerun")


def test_global_random_state_is_neither_used_nor_consumed():
    sc = sim.load_scenario("europe-2022", months=12)
    random.seed(1)
    np.random.seed(1)
    a = sim.EscalationModel(sc, rng=7).run().summary()
    state_py, state_np = random.getstate(), np.random.get_state()
    random.seed(2)
    np.random.seed(2)
    b = sim.EscalationModel(sim.load_scenario("europe-2022", months=12), rng=7).run().summary()
    assert a == b, "the run depends on the global random / numpy.random state"
    random.seed(1)
    np.random.seed(1)
    sim.EscalationModel(sim.load_scenario("europe-2022", months=12), rng=7).run()
    assert random.getstate() == state_py, "the run consumed the global `random` stream"
    saved = np.random.get_state()
    assert saved[0] == state_np[0] and np.array_equal(saved[1], state_np[1])
    assert saved[2:] == state_np[2:], "the run consumed the global numpy.random stream"
