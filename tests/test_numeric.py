"""Numeric robustness: for any parameters the schema accepts, the state stays finite and bounded.

Threat is a smoothed saturating signal, so it must stay in [0, 1]; arms are floored at 0. An
unstable Richardson race (reactivity times the rival's capacity above fatigue) grows without
bound and can overflow over long runs: then, and only then, the run stops with a
:class:`~sim.errors.NumericError` naming the state, the month and the variable.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim import EscalationModel, load_scenario, runner
from sim.errors import NumericError, UserError
from sim.model import Batch
from sim.runner import Job, raise_failed

EXAMPLES = int(os.environ.get("ESCALATION_FUZZ_EXAMPLES", "0"))


def unit() -> st.SearchStrategy[float]:
    return st.floats(0.0, 1.0)


def nonneg(top: float = 1e3) -> st.SearchStrategy[float]:
    """Non-negative values, with the extremes drawn often."""
    return st.one_of(st.sampled_from([0.0, top]), st.floats(0.0, top))


PARAMETERS: dict[str, st.SearchStrategy] = {
    "threat.scale": st.floats(1e-6, 1e3),
    "threat.memory": unit(),
    "threat.reassurance": unit(),
    "threat.posture_delta": nonneg(50.0),
    "threat.incident_boost": unit(),
    "threat.war_boost": unit(),
    "decision.w_threat": nonneg(),
    "decision.w_peer": nonneg(),
    "decision.w_alliance": nonneg(),
    "decision.w_norm": nonneg(),
    "decision.noise": nonneg(10.0),
    "decision.norm_erosion": unit(),
    "decision.reaccession": st.booleans(),
    "decision.reaccession_margin": nonneg(10.0),
    "conflict.incident_base": unit(),
    "conflict.incident_coupling": unit(),
    "conflict.war_onset": unit(),
    "conflict.war_end": unit(),
    "states.defaults.norm": unit(),
    "states.defaults.threshold": st.floats(-10.0, 10.0),
    "states.defaults.threshold_spread": nonneg(10.0),
    "states.defaults.reactivity": nonneg(10.0),
    "states.defaults.fatigue": unit(),
    "states.defaults.grievance": st.floats(-100.0, 100.0),
}
TREATY = {
    "notice_months": st.integers(0, 240),
    "conflict_clause": st.booleans(),
    "accession_months": st.integers(0, 240),
    "military_value": unit(),
    "salience": unit(),
}
SCENARIOS = {"ring": ["ban"], "small-world": ["ban"], "europe-2022": ["ottawa", "cmc"]}


@st.composite
def parameter_sets(draw: st.DrawFn) -> tuple[str, dict, str, int]:
    name = draw(st.sampled_from(sorted(SCENARIOS)))
    keys = draw(st.lists(st.sampled_from(sorted(PARAMETERS)), min_size=1, max_size=10, unique=True))
    overrides = {k: draw(PARAMETERS[k]) for k in keys}
    for tid in SCENARIOS[name]:
        for field in draw(st.lists(st.sampled_from(sorted(TREATY)), max_size=3, unique=True)):
            overrides[f"treaties.{tid}.{field}"] = draw(TREATY[field])
    if name != "europe-2022":
        overrides["network.n"] = draw(st.integers(5, 60))
    engine = draw(st.sampled_from(["agents", "vectorized"]))
    return name, overrides, engine, draw(st.integers(0, 2**32 - 1))


def check_state(model: EscalationModel) -> None:
    state = model.state  # a batch of one run: (1, n) arrays
    assert state.threat.shape == state.arms.shape == state.stimulus.shape == (1, state.n)
    assert np.isfinite(state.threat).all() and np.isfinite(state.arms).all()
    assert ((state.threat >= 0.0) & (state.threat <= 1.0)).all(), state.threat
    assert (state.arms >= 0.0).all(), state.arms
    assert (state.stimulus >= 0.0).all()
    assert not state.failed.any(), "a single run raises; it is never marked failed"


@settings(
    max_examples=EXAMPLES or 30,
    deadline=None,
    derandomize=not EXAMPLES,
    database=None,
    suppress_health_check=list(HealthCheck),
)
@given(parameter_sets())
def test_state_stays_finite_and_bounded_or_stops_clearly(params):
    name, overrides, engine, seed = params
    try:
        model = EscalationModel(
            load_scenario(name, overrides), rng=seed, engine=engine, record_states=False
        )
    except UserError:  # a combination the cross-checks refuse (e.g. too few states): not here
        return
    months = 36
    try:
        for _ in range(months):
            model.step()
            check_state(model)
    except NumericError as err:
        codes = [a.iso3 for a in model.states]
        assert err.state in codes and 0 <= err.month < months
        assert err.variable in ("stimulus", "threat", "arms")
        assert f"{err.state}.{err.variable}" in str(err) and f"month {err.month}" in str(err)
        return
    ts = model.timeseries()
    assert ts["mean_threat"].between(0, 1).all() and ts["max_threat"].between(0, 1).all()


def test_an_unstable_arms_race_stops_with_a_clear_error(run_cli):
    """Richardson's unstable case (reactivity >> fatigue) overflows; the run names where."""
    result = run_cli(
        "run",
        "ring",
        "--months",
        "3000",
        "--quiet",
        "--set",
        "states.defaults.reactivity=1",
        "--set",
        "states.defaults.fatigue=0",
        "--engine",
        "vectorized",
    )
    assert result.code == 1
    (line,) = result.err_lines
    assert "became inf" in line and "month" in line and ".stimulus" in line or ".arms" in line
    assert "Traceback" not in result.err and "RuntimeWarning" not in result.err


def test_non_finite_values_are_refused(run_cli):
    for text in ("inf", "-inf", "nan"):
        result = run_cli("run", "ring", "--months", "1", "--set", f"decision.w_peer={text}")
        assert result.code == 2 and "finite" in result.err, result.err


def test_a_non_finite_state_names_state_month_and_variable():
    model = EscalationModel(load_scenario("ring"), rng=1, engine="vectorized")
    model.step()
    model.state.arms[0, 3] = math.nan
    with pytest.raises(NumericError) as info:
        model.step()
    assert info.value.state == model.states[3].iso3 and info.value.month == 1
    assert info.value.variable == "arms"


# --------------------------------------------------------------------------- batches
RING = {"network.seed": 7, "months": 300}  # a fixed graph, so that seeds share one World
UNSTABLE = {"states.defaults.reactivity": 10.0, "states.defaults.fatigue": 0.0}


def _without_engine(summary: dict) -> dict:
    return {k: v for k, v in summary.items() if k != "engine"}


@pytest.mark.parametrize("unstable_at", [0, 1])
def test_a_batch_fails_only_its_unstable_run(unstable_at):
    """In a batch an overflowing run is marked failed with its NumericError; the others go on
    and give exactly what they give alone."""
    unstable = load_scenario("ring", {**RING, **UNSTABLE})
    stable = load_scenario("ring", RING)
    scenarios = [stable, stable]
    scenarios[unstable_at] = unstable
    seeds = [1, 2]
    jobs = [Job(sc, seed) for sc, seed in zip(scenarios, seeds, strict=True)]
    ((positions, batch),) = list(runner.run(jobs))
    assert positions == [0, 1], "the two runs differ only in numbers: one batch"
    ok = 1 - unstable_at

    state = batch.state
    assert state.failed.tolist() == [r == unstable_at for r in range(2)]
    assert set(state.errors) == {unstable_at}
    err = state.errors[unstable_at]
    assert isinstance(err, NumericError)
    with pytest.raises(NumericError) as alone:  # the same run alone stops with the same error
        EscalationModel(
            unstable, rng=seeds[unstable_at], engine="vectorized", record_states=False
        ).run()
    assert (err.state, err.month, err.variable) == (
        alone.value.state,
        alone.value.month,
        alone.value.variable,
    )
    assert str(err) == str(alone.value)
    assert 0 < err.month < RING["months"], "the run must fail before the batch ends"
    with pytest.raises(NumericError) as raised:
        raise_failed(batch)
    assert raised.value is err

    # The stable run: finite, and exactly its summary and series alone, on either engine.
    assert np.isfinite(state.arms[ok]).all() and np.isfinite(state.threat[ok]).all()
    got = batch.outcomes().summary(ok)
    single = EscalationModel(stable, rng=seeds[ok], engine="vectorized", record_states=False)
    single.run()
    assert got == single.summary()
    mesa = EscalationModel(stable, rng=seeds[ok], engine="agents", record_states=False).run()
    assert _without_engine(got) == _without_engine(mesa.summary())
    pd.testing.assert_frame_equal(
        batch.series.frame(ok, stable.start), single.timeseries(), check_exact=True
    )


def test_a_batch_of_one_unstable_run_is_marked_not_raised():
    batch = Batch([load_scenario("ring", {**RING, **UNSTABLE})], [1]).run(RING["months"])
    assert batch.state.failed.tolist() == [True]
    assert batch.state.errors[0].variable in ("stimulus", "threat", "arms")


@pytest.mark.parametrize("engine", ["agents", "vectorized"])
def test_a_non_finite_decision_is_named_in_the_month_it_is_made(engine):
    # The check runs after each month's decisions: arms that a month's Richardson step makes
    # non-finite stop that month, not the next one (and the last month is checked too).
    model = EscalationModel(load_scenario("ring"), rng=1, engine=engine)
    model.step()
    model.state.grievance[0, 3] = math.nan  # month 1's arms of S03 become NaN
    with pytest.raises(NumericError) as info:
        model.step()
    assert (info.value.state, info.value.month, info.value.variable) == (
        model.states[3].iso3,
        1,
        "arms",
    )
