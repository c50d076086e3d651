"""Direction-of-effect tests: vary one thing, the outcome must move the stated way.

Starsim style: each test compares two arms over many seeds with common random numbers (the same
seeds in both arms, so the two worlds differ only by the parameter), states its tolerance and
says in its message what went wrong. Each assertion has a margin, so it fails if the mechanism
were switched off (the arms would tie) as well as if it were reversed. A small share of seeds
may go the other way (paths diverge once one state decides differently); the tests allow
``MAX_REVERSED`` of them.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
import pytest

from sim import EscalationModel, load_scenario

EUROPE_SEEDS = tuple(range(16))
SYNTHETIC_SEEDS = tuple(range(12))
MAX_REVERSED = 0.1  # share of seeds allowed to go against the expected direction

# The synthetic networks are run smaller and shorter than bundled, to keep the file fast.
SYNTHETIC = {"network.n": 100, "months": 36}


@cache
def _outcome(name: str, overrides: tuple[tuple[str, Any], ...], seed: int) -> dict[str, Any]:
    scenario = _scenario(name, overrides)
    model = EscalationModel(scenario, rng=seed, record_states=False).run()
    summary = model.summary()
    events = model.events_frame()
    return {
        "notices": int((events["kind"] == "notice").sum()),
        "cascade": {t: v["cascade_fraction"] for t, v in summary["treaties"].items()},
        "mean_threat": model.timeseries()["mean_threat"].to_numpy(),
    }


@cache
def _scenario(name: str, overrides: tuple[tuple[str, Any], ...]):
    return load_scenario(name, dict(overrides))


def outcomes(name: str, overrides: dict[str, Any], seeds: tuple[int, ...]) -> list[dict]:
    """One outcome per seed (cached: arms shared between tests are run once)."""
    key = tuple(sorted(overrides.items()))
    return [_outcome(name, key, s) for s in seeds]


def notices(name: str, overrides: dict[str, Any], seeds=EUROPE_SEEDS) -> np.ndarray:
    return np.array([o["notices"] for o in outcomes(name, overrides, seeds)])


def reversed_share(more: np.ndarray, less: np.ndarray) -> float:
    """Share of seeds in which the arm expected to be larger is smaller."""
    return float(np.mean(more < less))


def assert_more(more: np.ndarray, less: np.ndarray, *, ratio: float, what: str) -> None:
    """``more`` exceeds ``less`` in total by the factor ``ratio``, seed by seed as a rule."""
    assert less.sum() > 0 or more.sum() > 0, f"{what}: degenerate, nothing happens in either arm"
    assert more.sum() >= ratio * less.sum() and more.sum() > less.sum(), (
        f"{what}: expected at least {ratio:.2f} times as many in the first arm, got "
        f"{more.sum()} vs {less.sum()} over {len(more)} seeds"
    )
    assert reversed_share(more, less) <= MAX_REVERSED, (
        f"{what}: the direction is reversed in {reversed_share(more, less):.0%} of seeds "
        f"(tolerance {MAX_REVERSED:.0%}): {more.tolist()} vs {less.tolist()}"
    )


# --------------------------------------------------------------------------- alliances and norms
def test_more_credible_alliance_fewer_notices():
    low = notices("europe-2022", {"alliances.nato.credibility": 0.3})
    high = notices("europe-2022", {"alliances.nato.credibility": 1.0})
    assert low.sum() >= len(EUROPE_SEEDS), "the low-credibility arm should see notices at all"
    assert_more(
        low, high, ratio=1.5,
        what="NATO credibility 0.3 vs 1.0 (reassurance lowers threat): notices",
    )  # fmt: skip


def test_stronger_norm_commitment_fewer_notices():
    weak = notices("europe-2022", {"states.defaults.norm": 0.4})
    strong = notices("europe-2022", {"states.defaults.norm": 0.6})
    assert weak.sum() >= len(EUROPE_SEEDS), "the weak-norm arm should see notices at all"
    assert_more(weak, strong, ratio=1.5, what="norm commitment 0.4 vs 0.6: notices")


def test_alliance_recommendation_more_cmc_notices():
    # A policy lever in the same family: advice to leave works through w_alliance.
    base = notices("europe-2022", {})
    advised = notices("europe-unified-alliance-policy", {})
    assert_more(advised, base, ratio=1.2, what="NATO recommends leaving the CMC: notices")


# --------------------------------------------------------------------------- peer influence
@pytest.mark.parametrize("name", ["small-world", "erdos-renyi"])
def test_more_peer_weight_larger_cascades(name):
    def cascades(w_peer: float) -> np.ndarray:
        runs = outcomes(name, {**SYNTHETIC, "decision.w_peer": w_peer}, SYNTHETIC_SEEDS)
        return np.array([o["cascade"]["ban"] for o in runs])

    weak, strong = cascades(0.2), cascades(0.8)
    assert strong.mean() >= weak.mean() + 0.1, (
        f"{name}: w_peer 0.8 vs 0.2 should raise the mean cascade fraction by at least 0.10, "
        f"got {strong.mean():.3f} vs {weak.mean():.3f}"
    )
    assert_more(strong, weak, ratio=2.0, what=f"{name}: w_peer 0.8 vs 0.2, cascade fraction")


# --------------------------------------------------------------------------- mediation
def _tension_after(name: str, month: int, overrides: dict[str, Any] | None = None):
    runs = outcomes(name, overrides or {}, EUROPE_SEEDS)
    before = np.array([o["mean_threat"][:month] for o in runs])
    after = np.array([o["mean_threat"][month:].mean() for o in runs])
    return before, after


def test_mediation_lowers_tension():
    start = load_scenario("europe-mediation").month_of("2025-01")
    base_before, base = _tension_after("europe-2022", start)
    med_before, med = _tension_after("europe-mediation", start)
    assert np.array_equal(base_before, med_before), (
        "common random numbers: the two worlds must be identical before the mediation"
    )
    assert (base - med).mean() >= 0.01, (
        f"mediation from 2025-01 should lower the mean perceived threat after it by at least "
        f"0.01, got {base.mean():.4f} -> {med.mean():.4f}"
    )
    assert reversed_share(base, med) <= MAX_REVERSED, (
        f"mediation raised tension in {reversed_share(base, med):.0%} of seeds"
    )


def test_early_mediation_lowers_tension():
    start = 6
    early = {"interventions.0.month": start}
    base_before, base = _tension_after("europe-2022", start)
    med_before, med = _tension_after("europe-mediation", start, early)
    assert np.array_equal(base_before, med_before)
    assert (base - med).mean() >= 0.02, (
        f"mediation from month {start} should lower mean perceived threat by at least 0.02, "
        f"got {base.mean():.4f} -> {med.mean():.4f}"
    )
    assert reversed_share(base, med) <= MAX_REVERSED


# --------------------------------------------------------------------------- the rival
def test_better_armed_rival_more_notices():
    rus = load_scenario("europe-2022")
    model = EscalationModel(rus, record_states=False)
    arms = model.states[model.world.index["RUS"]].arms
    base = notices("europe-2022", {})
    armed = notices("europe-2022", {"states.overrides.RUS.arms": 2 * arms})
    assert_more(armed, base, ratio=1.3, what=f"Russia's arms {arms} -> {2 * arms}: notices")


def test_faster_arming_rival_more_notices():
    # A more reactive Russia answers each neighbour's withdrawal (a posture signal) by arming
    # faster, which raises threat and pressure on the others: the chain reaction.
    base = notices("europe-2022", {})
    reactive = notices("europe-2022", {"states.overrides.RUS.reactivity": 0.2})
    assert_more(reactive, base, ratio=1.15, what="Russia's reactivity 0.002 -> 0.2: notices")


def test_faster_arming_rival_needs_the_posture_signal():
    # Control for the test above: without the posture signal of withdrawals, Russia's
    # reactivity has nothing to react to (it starts in Richardson equilibrium).
    off = {"threat.posture_delta": 0.0}
    seeds = EUROPE_SEEDS[:6]
    base = notices("europe-2022", off, seeds)
    reactive = notices("europe-2022", {**off, "states.overrides.RUS.reactivity": 0.2}, seeds)
    assert base.sum() > 0, "the control must still see notices"
    assert np.array_equal(base, reactive), (
        "with posture_delta = 0, a rival in equilibrium never changes its arms"
    )
