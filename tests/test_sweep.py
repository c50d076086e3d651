"""``escalation sweep``: determinism across executors, error capture, analysis, bad files."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.experiment import replicate_seeds, run_sweep
from sim.experiment.analysis import sensitivity, summarize
from sim.experiment.designs import expand
from sim.experiment.spec import ExperimentFile, validate_experiment
from sim.experiment.worker import FAIL_ENV

# 2 x 2 design points x 3 replicates of a short Europe run, 2 runs per task: several parts.
SMALL = """
name = "small"
scenario = "europe-2022"
months = 12
replicates = 3
seed = 7
batch_size = 2

[levers."decision.w_peer"]
values = [0.4, 0.9]

[uncertainties.notice]
keys = ["treaties.ottawa.notice_months", "treaties.cmc.notice_months"]
values = [0, 6]

[constants.decision]
noise = 0.2

[[outcomes.derived]]
name = "any_notice"
kind = "cascade"
treaty = "ottawa"
min_states = 1

[outcomes.series]
columns = ["ottawa_notice", "mean_threat"]
every = 4

[discovery]
outcome = "treaties.ottawa.notified"
op = ">="
value = 1
"""


def rows(out: Path, name: str = "runs.parquet") -> pd.DataFrame:
    """The rows of a results file."""
    return pd.read_parquet(out / name)


#: The files that must be byte-equal whatever ran the sweep (batch size, workers, executor).
SAME_BYTES = ("runs.parquet", "timeseries.parquet", "summary.csv")


def assert_same_files(out: Path, reference: Path) -> None:
    for name in SAME_BYTES:
        assert (out / name).read_bytes() == (reference / name).read_bytes(), name


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("exp") / "small.toml"
    path.write_text(SMALL, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def serial(small, tmp_path_factory) -> Path:
    """The reference: every run in this process, in order."""
    out = tmp_path_factory.mktemp("serial") / "out"
    report = run_sweep(small, out=out, workers=0, progress=False)
    assert report.status == "complete" and report.done == 12 and report.failed == 0
    return out


def test_results_folder(serial):
    df = pd.read_parquet(serial / "runs.parquet")
    assert list(df["run_id"]) == list(range(12))
    # Uncertainties, then levers (each in file order), then outcomes.
    assert list(df.columns[:6]) == [
        "run_id",
        "point",
        "replicate",
        "seed",
        "notice",
        "decision.w_peer",
    ]
    assert {"treaties.ottawa.notified", "any_notice", "status", "error"} <= set(df)
    # Runs are computed in batches: a per-run time would say nothing (and differ by batch).
    assert "seconds" not in df
    assert (df["status"] == "ok").all() and df["error"].isna().all()
    # Common random numbers: replicate k of every point has seed k of the root seed.
    seeds = replicate_seeds(7, 3)
    assert list(df["seed"]) == [seeds[k] for k in df["replicate"]]
    ts = pd.read_parquet(serial / "timeseries.parquet")
    assert list(ts.columns) == ["run_id", "month", "ottawa_notice", "mean_threat"]
    assert sorted(ts["month"].unique()) == [0, 4, 8, 11]
    man = json.loads((serial / "manifest.json").read_text())
    assert man["status"] == "complete" and man["counts"] == {"runs": 12, "done": 12, "failed": 0}
    assert man["seeds"]["root"] == 7 and man["seeds"]["replicates"] == seeds
    assert man["scenario"]["resolved"]["decision"]["noise"] == 0.2  # the constant applied
    assert man["versions"]["escalation-sim"] and man["command"]
    for f in ("summary.csv", "discovery.csv"):
        assert (serial / f).is_file()


def test_common_random_numbers(serial):
    """Replicate k of every design point shares a seed; replicates of a point differ."""
    df = rows(serial)
    assert df.groupby("replicate")["seed"].nunique().eq(1).all()
    assert df.groupby("point")["seed"].nunique().eq(3).all()


@pytest.mark.parametrize("workers", [1, 2])
def test_local_pool_gives_identical_rows(small, serial, tmp_path, workers):
    report = run_sweep(small, out=tmp_path / "out", workers=workers, progress=False)
    assert report.status == "complete"
    assert_same_files(tmp_path / "out", serial)


@pytest.mark.parametrize("size", [1, 5, 12])
def test_any_batch_size_gives_the_same_bytes(small, serial, tmp_path, size):
    """Runs go through the kernel in batches of the task's runs: the files do not change."""
    sized = tmp_path / "sized.toml"
    sized.write_text(
        small.read_text(encoding="utf-8").replace("batch_size = 2", f"batch_size = {size}"),
        encoding="utf-8",
    )
    report = run_sweep(sized, out=tmp_path / "out", workers=0, progress=False)
    assert report.status == "complete" and report.batch == size
    assert_same_files(tmp_path / "out", serial)


def test_dask_gives_identical_rows(small, serial, tmp_path):
    distributed = pytest.importorskip("distributed")
    # An in-process cluster (threads): Dask's own scheduler and futures, without the seconds
    # that starting worker processes takes.
    with (
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        report = run_sweep(
            small, out=tmp_path / "out", workers=2, executor=client.get_executor(), progress=False
        )
    assert report.status == "complete"
    assert_same_files(tmp_path / "out", serial)


def test_failing_runs_are_recorded_and_the_rest_complete(small, serial, tmp_path, monkeypatch):
    monkeypatch.setenv(FAIL_ENV, "1,6")
    report = run_sweep(small, out=tmp_path / "out", workers=0, progress=False)
    assert report.status == "complete" and report.done == 12 and report.failed == 2
    df = rows(tmp_path / "out")
    bad = df[df["status"] == "error"]
    assert list(bad["run_id"]) == [1, 6]
    assert bad["error"].str.contains("injected failure").all()
    assert bad["treaties.ottawa.notified"].isna().all()
    good = df["status"] == "ok"
    pd.testing.assert_frame_equal(df[good], rows(serial)[good], check_dtype=False)  # NaN: float
    summary = pd.read_csv(tmp_path / "out" / "summary.csv")
    one = summary[(summary["point"] == 0) & (summary["outcome"] == "tension.max")].iloc[0]
    assert (one["n"], one["failed"]) == (2, 1)
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["counts"]["failed"] == 2


def test_existing_results_are_not_overwritten(small, serial, run_cli):
    before = (serial / "runs.parquet").read_bytes()
    res = run_cli("sweep", small, "--out", serial, "--workers", "0")
    assert res.code == 2 and len(res.err_lines) == 1 and "--resume" in res.err
    assert (serial / "runs.parquet").read_bytes() == before


def test_resume_of_a_complete_sweep_computes_nothing(small, serial, tmp_path):
    import shutil

    out = tmp_path / "copy"
    shutil.copytree(serial, out)
    report = run_sweep(small, out=out, workers=0, resume=True, progress=False)
    assert report.status == "complete" and report.computed == 0
    assert_same_files(out, serial)
    assert len(json.loads((out / "manifest.json").read_text())["sessions"]) == 2


def test_resume_refuses_another_experiment(small, serial, tmp_path, run_cli):
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("seed = 7", "seed = 8"), encoding="utf-8")
    res = run_cli("sweep", other, "--out", serial, "--resume", "--workers", "0")
    assert res.code == 2 and len(res.err_lines) == 1 and "different experiment" in res.err


# --------------------------------------------------------------------------- analysis
def test_summary_intervals():
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 0, 1, 1, 1, 1],
            "status": ["ok"] * 7 + ["error"],
            "x": [1.0, 2.0, 3.0, 4.0, 5.0, 5.0, 5.0, None],
            "hit": [True, False, True, True, False, False, False, None],
        }
    )
    s = summarize(runs, [], {"x": "float", "hit": "bool"}, label=False)
    x0 = s[(s.point == 0) & (s.outcome == "x")].iloc[0]
    assert x0["mean"] == 2.5 and x0["n"] == 4 and x0["median"] == 2.5
    half = 3.182446305284263 * np.std([1, 2, 3, 4], ddof=1) / 2  # t(0.975, 3) * s / sqrt(4)
    assert math.isclose(x0["ci_high"] - x0["mean"], half, rel_tol=1e-9)
    x1 = s[(s.point == 1) & (s.outcome == "x")].iloc[0]
    assert (x1["n"], x1["failed"], x1["std"]) == (3, 1, 0.0)
    h0 = s[(s.point == 0) & (s.outcome == "hit")].iloc[0]
    assert h0["mean"] == 0.75 and 0.0 < h0["ci_low"] < 0.75 < h0["ci_high"] <= 1.0  # Wilson


ISHIGAMI = """
name = "ishigami"
replicates = 2
seed = 3
[design]
kind = "sobol"
samples = 1024
[uncertainties]
x1 = { low = -3.141592653589793, high = 3.141592653589793 }
x2 = { low = -3.141592653589793, high = 3.141592653589793 }
x3 = { low = -3.141592653589793, high = 3.141592653589793 }
"""


def test_sobol_path_recovers_ishigami_indices():
    """The design and analysis code of sobol sweeps, on a function with known indices."""
    import tomllib

    spec = validate_experiment(tomllib.loads(ISHIGAMI), "ishigami.toml")
    design = expand(ExperimentFile(spec, Path("ishigami.toml"), False))
    x = np.array([[p["x1"], p["x2"], p["x3"]] for p in design.points])
    y = np.sin(x[:, 0]) + 7 * np.sin(x[:, 1]) ** 2 + 0.1 * x[:, 2] ** 4 * np.sin(x[:, 0])
    n = len(design)
    assert n == 1024 * 5
    # Two replicates per point that average to the function: the analysis averages first.
    runs = pd.DataFrame(
        {
            "point": np.repeat(np.arange(n), 2),
            "status": "ok",
            "y": np.column_stack([y - 0.5, y + 0.5]).ravel(),
        }
    )
    si = sensitivity(design, runs, {"y": "float"}, seed=1).set_index("parameter")
    # Analytic values (Ishigami & Homma 1990; a = 7, b = 0.1).
    s1 = {"x1": 0.3139, "x2": 0.4424, "x3": 0.0}
    st = {"x1": 0.5576, "x2": 0.4424, "x3": 0.2437}
    for p in s1:
        assert abs(si.loc[p, "S1"] - s1[p]) < 0.05, (p, si.loc[p, "S1"])
        assert abs(si.loc[p, "ST"] - st[p]) < 0.05, (p, si.loc[p, "ST"])
        assert si.loc[p, "S1_conf"] > 0


# --------------------------------------------------------------------------- bad files
BAD = [
    ("name = 'x'\nreplicatez = 3\n", "replicatez", "unknown key"),
    ("name = 'x'\nreplicates = 0\n", "replicates", "greater than or equal to 1"),
    ("name = 'x'\n[levers]\n'decision.w_peer' = 0.5\n", "levers.decision.w_peer", "a factor"),
    ("name = 'x'\n[levers.'decision.w_peer']\nlow = 0.9\nhigh = 0.1\nsteps = 3\n",
     "levers.decision.w_peer", "low must be below high"),
    ("name = 'x'\n[levers]\n'decision.w_peerx' = [0.1, 0.2]\n", "levers.decision.w_peerx",
     "unknown key"),
    ("name = 'x'\n[levers]\n'decision.w_peer' = [0.5, -1.0]\n", "levers.decision.w_peer",
     "design point 1"),
    ("name = 'x'\n[constants]\n'treaties.ottawa.notice_months' = 999\n",
     "constants.treaties.ottawa.notice_months", "less than or equal to 240"),
    ("name = 'x'\n[levers.scenario]\nvalues = ['no-such-scenario']\n", "levers.scenario",
     "no such scenario"),
    ("name = 'x'\n[design]\nkind = 'sobol'\nsamples = 100\n[uncertainties]\n"
     "'decision.w_peer' = {low = 0.1, high = 0.9}\n", "design.samples", "power of 2"),
    ("name = 'x'\n[design]\nkind = 'lhs'\n[uncertainties]\n"
     "'decision.w_peer' = {low = 0.1, high = 0.9}\n", "design.samples", "needs samples"),
    ("name = 'x'\n[outcomes]\nfields = ['treaties.ottawa.notifed']\n", "outcomes.fields.0",
     "not a run summary field"),
    ("name = 'x'\n[[outcomes.derived]]\nname = 'c'\nkind = 'cascade'\ntreaty = 'ottawa'\n",
     "outcomes.derived.0", "needs min_states"),
    ("name = 'x'\n[discovery]\noutcome = 'tension.max'\n", "discovery.op", "give op"),
    ("name = 'x'\n[design]\nkind = 'zip'\n[levers]\n'decision.w_peer' = [0.1, 0.2]\n"
     "'decision.w_norm' = [0.1]\n", "levers.decision.w_peer", "equal length"),
    ("name = 'x\n", "", "malformed TOML"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "key", "message"), BAD)
def test_bad_experiment_files(tmp_path, run_cli, text, key, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    res = run_cli("sweep", path, "--out", out, "--workers", "0")
    assert res.code == 2, res.err
    assert len(res.err_lines) == 1, res.err
    line = res.err_lines[0]
    assert line.startswith(f"escalation: {path}: {key}" if key else f"escalation: {path}: "), line
    assert message in line, line
    assert not out.exists()


def test_missing_experiment_file(tmp_path, run_cli):
    res = run_cli("sweep", tmp_path / "nope.toml", "--out", tmp_path / "out")
    assert res.code == 2 and len(res.err_lines) == 1 and "not found" in res.err
    assert not (tmp_path / "out").exists()


def design_of(text: str):
    import tomllib

    spec = validate_experiment(tomllib.loads(text), "d.toml")
    return expand(ExperimentFile(spec, Path("d.toml"), False))


SAMPLED = """
name = "d"
seed = 4
[design]
kind = "{kind}"
samples = {samples}
[uncertainties]
a = {{ low = 0.0, high = 1.0 }}
b = {{ keys = ["treaties.ottawa.notice_months"], low = 0, high = 12, integer = true }}
c = {{ keys = ["treaties.ottawa.conflict_clause"], values = [true, false] }}
"""


@pytest.mark.parametrize(("kind", "samples", "points"), [("lhs", 10, 10), ("sobol", 8, 40),
                                                         ("morris", 3, 12)])  # fmt: skip
def test_sampled_designs_are_reproducible_and_in_range(kind, samples, points):
    text = SAMPLED.format(kind=kind, samples=samples)
    a, b = design_of(text), design_of(text)
    assert len(a) == points and a.points == b.points
    assert design_of(text.replace("seed = 4", "seed = 5")).points != a.points
    for i, p in enumerate(a.points):
        assert 0.0 <= p["a"] <= 1.0 and isinstance(p["b"], int) and 0 <= p["b"] <= 12
        assert a.overrides(i) == {
            "a": p["a"], "treaties.ottawa.notice_months": p["b"],
            "treaties.ottawa.conflict_clause": p["c"],
        }  # fmt: skip
    assert {p["c"] for p in a.points} == {True, False}


def test_morris_path_ranks_an_inert_factor_last():
    design = design_of(SAMPLED.format(kind="morris", samples=20))
    x = np.array([[p["a"], p["b"]] for p in design.points], dtype=float)
    y = 3.0 * x[:, 0] + 0.0 * x[:, 1]  # b and c are inert
    runs = pd.DataFrame({"point": np.arange(len(design)), "status": "ok", "y": y})
    mi = sensitivity(design, runs, {"y": "float"}, seed=1).set_index("parameter")
    assert mi.loc["a", "mu_star"] == pytest.approx(3.0)
    assert mi.loc["b", "mu_star"] == 0.0 and mi.loc["c", "mu_star"] == 0.0


def test_grid_expands_ranges_and_values_in_order():
    design = design_of(
        "name = 'g'\n[uncertainties.u]\nkeys = ['decision.w_peer']\nlow = 0.1\nhigh = 0.3\n"
        "steps = 3\n[levers.l]\nkeys = ['decision.noise']\nvalues = [0.01, 0.02]\n"
    )
    assert design.points == [{"u": u, "l": v} for u in (0.1, 0.2, 0.3) for v in (0.01, 0.02)]


def test_a_star_ranges_over_every_key_at_its_level():
    from sim.experiment.outcomes import expand

    summary = [  # the summary's fields, in order
        "treaties.ottawa.notified",
        "treaties.cmc.notified",
        "states.LTU.ottawa.notice_month",
        "states.LTU.cmc.notice_month",
        "tension.max",
    ]
    assert expand(summary, "treaties.*.notified") == [
        "treaties.ottawa.notified",
        "treaties.cmc.notified",
    ]
    assert expand(summary, "states.*.*.notice_month") == [
        "states.LTU.ottawa.notice_month",
        "states.LTU.cmc.notice_month",
    ]
    assert expand(summary, "tension.max") == ["tension.max"]
    assert expand(summary, "*.LTU.*.notice_month") == summary[2:4]
    assert expand(summary, "treaties.*") == [], "a star matches keys at its own level only"


def test_a_calibration_file_is_pointed_to_backtest(run_cli):
    result = run_cli("sweep", "calibration-europe", "--workers", "0")
    assert result.code == 2 and len(result.err_lines) == 1
    assert "escalation backtest --calibrate" in result.err
    listing = run_cli("sweep", "no-such-experiment").err
    assert "article20" in listing and "calibration-europe" not in listing
