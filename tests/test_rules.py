"""Each rule of the model against scripted inputs, with exact expected results.

In the spirit of Axelrod-Python's ``versus_test``: a rule is fed a scripted situation (own
state, what it sees, parameters, the random draw) and must answer exactly as DESIGN §3 says.
The last part runs the real model on tiny scripted neighbourhoods where the threshold rule must
reproduce a Granovetter (1978) / Watts (2002) cascade month by month.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from sim import EscalationModel, threat
from sim.arms import equilibrium_grievance, richardson
from sim.conflict import exposure, hazards
from sim.decisions import (
    TERMS,
    Pressure,
    effective_salience,
    gives_notice,
    logistic_noise,
    peer_share,
    pressure,
    re_accedes,
)
from sim.network import proximity_from, segment_sum
from sim.scenario import validate
from sim.state import NONE
from sim.threat import posture, stimulus
from sim.treaties import CODE, STATUS_BY_CODE, LegalStep, Status, after, article20

approx = pytest.approx


# =========================================================================== decisions
#: A pure threshold model: only the peer term counts (Watts 2002).
WATTS = dict(w_threat=0.0, w_peer=1.0, w_alliance=0.0, w_norm=0.0)


def share(weights, moved) -> float:
    """peer_share with the total the model gives it: the row sum of W (one neighbour sum)."""
    w = np.asarray(weights, dtype=float)
    return peer_share(w, np.asarray(moved), segment_sum(w))


class TestPressure:
    def test_four_terms_exactly(self):
        p = pressure(
            tau=0.5,
            q=0.25,
            recommendation=1.0,
            norm=0.4,
            military_value=0.6,
            salience=0.8,
            w_threat=1.0,
            w_peer=0.5,
            w_alliance=0.3,
            w_norm=0.6,
        )
        assert p.threat == approx(0.5 * 0.6)
        assert p.peer == approx(0.5 * 0.25)
        assert p.alliance == approx(0.3 * 1.0)
        assert p.norm == approx(-0.6 * 0.4 * 0.8), "the norm term must pull against leaving"
        assert p.total == approx(0.3 + 0.125 + 0.3 - 0.192)

    def test_total_is_the_signed_sum(self):
        assert Pressure(0.2, 0.1, 0.0, -0.5).total == approx(-0.2)

    def test_terms_are_named_in_the_order_they_are_summed(self):
        assert Pressure._fields == TERMS == ("threat", "peer", "alliance", "norm")

    def test_shares_of_absolute_terms(self):
        shares = Pressure(0.3, 0.1, 0.0, -0.6).shares()
        assert shares == approx((0.3, 0.1, 0.0, 0.6))
        assert sum(shares) == approx(1.0)

    def test_shares_all_zero_pressure(self):
        assert Pressure(0.0, 0.0, 0.0, 0.0).shares() == (0.0, 0.0, 0.0, 0.0)

    def test_zero_weights_switch_terms_off(self):
        p = pressure(0.9, 0.9, 1.0, 1.0, military_value=0.9, salience=1.0, **WATTS)
        assert p.threat == 0 and p.alliance == 0 and p.norm == 0
        assert p.total == approx(0.9), "with w_peer = 1 only, pressure is the peer share (Watts)"

    def test_parameters_are_keyword_only(self):
        # The old positional order (tau, military_value, q, ...) must not silently mean another
        # thing: every parameter of a rule is named.
        with pytest.raises(TypeError):
            pressure(0.9, 0.9, 0.9, 1.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0)

    def test_on_arrays(self):
        # (runs, states) variables against (runs, 1) parameter columns, as the kernel calls it.
        tau = np.array([[0.5, 0.0], [1.0, 0.2]])
        q = np.array([[0.25, 1.0], [0.0, 0.5]])
        p = pressure(
            tau,
            q,
            np.array([[1.0, 0.0], [0.5, 0.5]]),
            np.array([[0.4, 0.4], [1.0, 0.0]]),
            military_value=np.array([[0.6], [0.6]]),
            salience=np.array([[0.8], [0.4]]),
            w_threat=np.array([[1.0], [2.0]]),
            w_peer=np.array([[0.5], [0.5]]),
            w_alliance=np.array([[0.3], [0.3]]),
            w_norm=np.array([[0.6], [0.6]]),
        )
        assert p.total.shape == (2, 2)
        assert p.total[0, 0] == approx(0.3 + 0.125 + 0.3 - 0.192)
        assert p.threat[1].tolist() == approx([2.0 * 1.0 * 0.6, 2.0 * 0.2 * 0.6])
        assert p.norm[1].tolist() == approx([-0.6 * 1.0 * 0.4, 0.0])


class TestPeerShare:
    def test_unweighted(self):
        assert share([1, 1, 1, 1], [1, 0, 0, 1]) == approx(0.5)

    def test_weighted_land_and_sea(self):
        # One land neighbour (1.0) moved, two sea neighbours (0.5) of which one moved.
        assert share([1.0, 0.5, 0.5], [1, 0, 1]) == approx(1.5 / 2.0)
        assert share([1.0, 0.5, 0.5], [0, 1, 1]) == approx(1.0 / 2.0)

    def test_boolean_moved(self):
        assert share(np.array([2.0, 1.0]), np.array([True, False])) == approx(2 / 3)

    def test_no_neighbours_is_zero(self):
        assert share([], []) == 0.0
        assert share(np.zeros(3), [1, 1, 1]) == 0.0

    def test_all_moved_is_one(self):
        assert share([0.5, 1.0, 0.7], [1, 1, 1]) == approx(1.0)

    def test_total_is_given_not_recomputed(self):
        # The total is the world's row sum of W, computed once for everybody.
        w = np.array([1.0, 0.5, 0.5])
        assert peer_share(w, np.array([1, 0, 1]), 3.0) == approx(1.5 / 3.0)
        assert peer_share(w, np.array([1, 1, 1]), 0.0) == 0.0, "total 0: no neighbours"


def test_effective_salience_erodes_with_departures():
    assert effective_salience(0.8, 0.0, erosion=0.5) == approx(0.8)
    assert effective_salience(0.8, 0.25, erosion=0.5) == approx(0.8 * (1 - 0.125))
    assert effective_salience(0.8, 1.0, erosion=1.0) == approx(0.0)
    assert effective_salience(0.8, 0.6, erosion=0.0) == approx(0.8), (
        "no erosion: salience unchanged"
    )


class TestLogisticNoise:
    def test_sigma_zero_is_deterministic(self):
        out = logistic_noise(np.array([0.001, 0.3, 0.5, 0.999]), sigma=0.0)
        assert np.array_equal(out, np.zeros(4)), "zeros (0 * log u/(1-u): -0.0 equals 0.0)"

    def test_median_draw_is_zero(self):
        assert logistic_noise(0.5, sigma=0.2) == approx(0.0, abs=1e-15)

    def test_inverse_cdf(self):
        # F^-1(u) = sigma * ln(u / (1 - u)) for Logistic(0, sigma).
        assert logistic_noise(0.75, sigma=0.1) == approx(0.1 * math.log(3.0))
        assert logistic_noise(0.25, sigma=0.1) == approx(-0.1 * math.log(3.0))
        assert logistic_noise(0.9, sigma=2.0) == approx(2.0 * math.log(9.0))

    def test_extreme_uniforms_stay_finite(self):
        out = logistic_noise(np.array([0.0, 1.0]), sigma=0.05)
        assert np.all(np.isfinite(out))
        assert out[0] < 0 < out[1]

    def test_sigma_zero_extreme_uniforms_are_zero(self):
        out = logistic_noise(np.array([0.0, 1.0]), sigma=0.0)
        assert np.array_equal(out, np.zeros(2)) and np.all(np.isfinite(out))


class TestGivesNotice:
    def test_threshold_reached_exactly(self):
        assert gives_notice(0.5, 0.0, 0.5)

    def test_below_threshold(self):
        assert not gives_notice(0.5 - 1e-6, 0.0, 0.5)

    def test_noise_can_push_over_or_hold_back(self):
        assert gives_notice(0.45, 0.06, 0.5)
        assert not gives_notice(0.55, -0.06, 0.5)

    def test_vectorised(self):
        got = gives_notice(np.array([0.1, 0.5, 0.9]), np.zeros(3), np.array([0.5, 0.5, 0.5]))
        assert got.tolist() == [False, True, True]

    def test_floating_point_tolerance_nine_of_fifty(self):
        # Watts' rule is share >= phi. 9 of 50 neighbours, each tied with weight 0.7, is a share
        # of 9/50 = 0.18 exactly, but in binary floating point it comes out just below 0.18.
        q = share(np.full(50, 0.7), [1] * 9 + [0] * 41)
        assert q == approx(0.18)
        p = pressure(0.0, q, 0.0, 0.5, military_value=0.6, salience=0.8, **WATTS)
        assert gives_notice(p.total, 0.0, 0.18), (
            f"9 of 50 neighbours (q={q!r}) must meet phi = 0.18 despite rounding"
        )
        # ... while 8 of 50 must not.
        q8 = share(np.full(50, 0.7), [1] * 8 + [0] * 42)
        assert not gives_notice(q8, 0.0, 0.18)


class TestReAccedes:
    def test_well_below_threshold(self):
        assert re_accedes(0.1, 0.0, 0.5, margin=0.3)

    def test_strictly_below_threshold_minus_margin(self):
        assert not re_accedes(0.2, 0.0, 0.5, margin=0.3)
        assert re_accedes(0.2 - 1e-6, 0.0, 0.5, margin=0.3)

    def test_not_when_pressure_only_slightly_below(self):
        assert not re_accedes(0.45, 0.0, 0.5, margin=0.3)

    def test_noise_counts(self):
        assert re_accedes(0.25, -0.1, 0.5, margin=0.3)
        assert not re_accedes(0.1, 0.2, 0.5, margin=0.3)


# =========================================================================== threat
#: threat.target's parameters in the scripted cases below.
TARGET = dict(scale=5.0, reassurance=0.5, incident_boost=0.05, war_boost=0.3)


def target(s, credibility=0.0, incidents=0.0, exposure=0.0, **kw):
    return threat.target(s, credibility, incidents, exposure, **{**TARGET, **kw})


class TestThreat:
    def test_posture(self):
        assert posture(2.0, 3.0, 0, delta=0.25) == approx(6.0)
        assert posture(2.0, 3.0, 2, delta=0.25) == approx(2.0 * 3.0 * 1.5), "+25% per treaty left"
        assert posture(2.0, 3.0, 2, delta=0.0) == approx(6.0)

    def test_stimulus_weighted_sum(self):
        got = stimulus(np.array([0.5, 1.0, 0.09]), np.array([2.0, 4.0, 10.0]))
        assert got == approx(1.0 + 4.0 + 0.9)
        assert stimulus(np.array([]), np.array([])) == 0.0

    def test_target_saturates(self):
        assert target(0.0) == approx(0.0)
        assert target(5.0 * math.log(2.0)) == approx(0.5), (
            "S = scale*ln 2 is half way to saturation"
        )
        assert target(5.0) == approx(1.0 - math.exp(-1.0))
        assert target(1e6) == approx(1.0)

    def test_reassurance_by_credible_alliance(self):
        bare = target(5.0)
        allied = target(5.0, credibility=0.8)
        assert allied == approx(bare * (1.0 - 0.5 * 0.8))
        assert target(1e6, credibility=1.0) == approx(0.5)

    def test_incidents_and_war_raise_it(self):
        base = target(5.0)
        assert target(5.0, incidents=2.0) == approx(base + 0.1)
        assert target(5.0, exposure=0.5) == approx(base + 0.15)
        assert target(0.0, exposure=1.0) == approx(0.3)

    def test_target_clipped_to_unit_interval(self):
        assert target(1e6, incidents=10.0, exposure=1.0) == 1.0
        got = target(
            np.array([0.0, 50.0]),
            np.array([0.0, 0.0]),
            np.array([30.0, 0.0]),
            np.array([1.0, 1.0]),
        )
        assert got.tolist() == [1.0, 1.0]
        assert target(0.0) >= 0.0

    def test_update_with_memory(self):
        assert threat.update(0.2, 1.0, memory=0.85) == approx(0.85 * 0.2 + 0.15 * 1.0)
        assert threat.update(0.7, 0.7, memory=0.85) == approx(0.7), "the target is a fixed point"
        assert threat.update(0.2, 1.0, memory=0.0) == approx(1.0), "no memory: jump to the target"
        assert threat.update(0.2, 1.0, memory=1.0) == approx(0.2), "full memory: never moves"

    def test_parameters_are_keyword_only(self):
        # The old order was (s, scale, credibility, ...): a positional call must fail loudly.
        with pytest.raises(TypeError):
            threat.target(5.0, 5.0, 0.0, 0.5, 0.0, 0.0, 0.05, 0.3)
        with pytest.raises(TypeError):
            threat.update(0.2, 1.0, 0.85)
        with pytest.raises(TypeError):
            posture(2.0, 3.0, 0, 0.25)


# =========================================================================== arms
class TestRichardson:
    def test_one_month(self):
        got = richardson(1.0, 2.0, reactivity=0.1, fatigue=0.05, grievance=0.01)
        assert got == approx(1.0 + 0.2 - 0.05 + 0.01)

    def test_fatigue_only(self):
        assert richardson(4.0, 0.0, reactivity=0.1, fatigue=0.25, grievance=0.0) == approx(3.0)

    def test_floor_at_zero(self):
        assert richardson(1.0, 0.0, reactivity=0.1, fatigue=0.05, grievance=-5.0) == 0.0
        assert richardson(0.0, 0.0, reactivity=0.0, fatigue=0.0, grievance=-1e-9) == 0.0

    def test_vectorised(self):
        got = richardson(
            np.array([1.0, 2.0]),
            np.array([1.0, 0.0]),
            reactivity=np.array([0.5, 0.5]),
            fatigue=np.array([0.1, 0.1]),
            grievance=np.array([0.0, -3.0]),
        )
        assert got == approx([1.0 + 0.5 - 0.1, 0.0])

    def test_linear_recurrence_two_states(self):
        # x' = x + a*y - m*x + g, y' = y + b*x - n*y + h (Richardson 1960), no floor reached.
        a, b, m, n, g, h = 0.1, 0.2, 0.3, 0.25, 0.05, 0.02
        x, y = 1.0, 2.0
        for _ in range(10):
            x, y = (
                float(richardson(x, y, reactivity=a, fatigue=m, grievance=g)),
                float(richardson(y, x, reactivity=b, fatigue=n, grievance=h)),
            )
        xs, ys = 1.0, 2.0
        for _ in range(10):
            xs, ys = xs + a * ys - m * xs + g, ys + b * xs - n * ys + h
        assert (x, y) == approx((xs, ys))

    @pytest.mark.parametrize(
        ("x0", "s0", "a", "m"),
        [(1.0, 2.0, 0.1, 0.05), (7.05, 18.66, 0.002, 0.02), (3, 0, 0.5, 0.1)],
    )
    def test_equilibrium_grievance_is_a_fixed_point(self, x0, s0, a, m):
        g = equilibrium_grievance(x0, s0, reactivity=a, fatigue=m)
        assert g == approx(m * x0 - a * s0)
        x = x0
        for _ in range(12):
            x = float(richardson(x, s0, reactivity=a, fatigue=m, grievance=g))
        assert x == approx(x0, rel=1e-12), "starting arms must be a steady state"

    def test_parameters_are_keyword_only(self):
        with pytest.raises(TypeError):
            richardson(1.0, 2.0, 0.1, 0.05, 0.01)
        with pytest.raises(TypeError):
            equilibrium_grievance(1.0, 2.0, 0.1, 0.05)


# =========================================================================== treaties
#: The rules of Ottawa's Article 20 (and 17(2)) in the scripted cases below.
RULES = dict(notice_months=6, conflict_clause=True, accession_months=6)


def legal_step(
    status: Status, since: int | None, month: int, at_war: bool, **rules
) -> tuple[Status, str | None]:
    """One state's legal step, through article20 and after: (new status, what happened).

    What happened is the name of the one LegalStep field that is true ("withdrawn", "held",
    "rejoined"), or None. ``since`` None is a month that has not happened (sim.state.NONE).
    """
    code = CODE[status]
    step = article20(code, NONE if since is None else since, month, at_war, **{**RULES, **rules})
    happened = [name for name, flag in zip(LegalStep._fields, step, strict=True) if flag]
    assert len(happened) <= 1, f"{status} in month {month}: {happened} at once"
    new = STATUS_BY_CODE[int(after(code, step))]
    return new, (happened[0] if happened else None)


class TestArticle20:
    def test_notice_not_yet_due(self):
        for month in range(10, 16):
            assert legal_step(Status.NOTICE, 10, month, False) == (Status.NOTICE, None)

    def test_notice_takes_effect_exactly_at_since_plus_notice(self):
        assert legal_step(Status.NOTICE, 10, 16, False) == (Status.WITHDRAWN, "withdrawn")

    def test_overdue_notice_takes_effect(self):
        # e.g. a held notice once the war is over
        assert legal_step(Status.NOTICE, 10, 40, False) == (Status.WITHDRAWN, "withdrawn")

    def test_held_while_at_war(self):
        for month in (16, 17, 30):
            assert legal_step(Status.NOTICE, 10, month, True) == (Status.NOTICE, "held")

    def test_war_before_due_does_not_hold(self):
        assert legal_step(Status.NOTICE, 10, 15, True) == (Status.NOTICE, None)

    def test_clause_off_does_not_wait_for_peace(self):
        got = legal_step(Status.NOTICE, 10, 16, True, conflict_clause=False)
        assert got == (Status.WITHDRAWN, "withdrawn")

    def test_zero_notice_is_immediate(self):
        got = legal_step(Status.NOTICE, 3, 3, False, notice_months=0)
        assert got == (Status.WITHDRAWN, "withdrawn")

    def test_rule_change_applies_to_pending_notice(self):
        assert legal_step(Status.NOTICE, 10, 16, False, notice_months=12) == (
            Status.NOTICE,
            None,
        )
        assert legal_step(Status.NOTICE, 10, 22, False, notice_months=12)[0] == (Status.WITHDRAWN)

    def test_accession_becomes_party(self):
        assert legal_step(Status.ACCEDING, 20, 25, False) == (Status.ACCEDING, None)
        assert legal_step(Status.ACCEDING, 20, 26, False) == (Status.PARTY, "rejoined")
        assert legal_step(Status.ACCEDING, 20, 26, True) == (Status.PARTY, "rejoined"), (
            "the armed-conflict clause concerns withdrawal only"
        )

    @pytest.mark.parametrize("status", [Status.PARTY, Status.WITHDRAWN, Status.NON_PARTY])
    def test_settled_statuses_stay(self, status):
        for at_war in (False, True):
            assert legal_step(status, 0, 100, at_war) == (status, None)

    def test_notice_without_date_stays(self):
        assert legal_step(Status.NOTICE, None, 100, False) == (Status.NOTICE, None)

    def test_accession_without_date_stays(self):
        assert legal_step(Status.ACCEDING, None, 100, False) == (Status.ACCEDING, None)

    def test_codes_are_the_statuses(self):
        assert [STATUS_BY_CODE[CODE[s]] for s in Status] == list(Status)
        assert sorted(int(CODE[s]) for s in Status) == list(range(len(Status)))

    def test_an_array_of_cases_answers_each_case_alone(self):
        # Every scripted case above, side by side in one (runs, states, treaties) array with
        # per-run, per-treaty rules (R, 1, T) as sim.apply passes them: each element must
        # answer exactly what it answers alone.
        cases = [  # status, since, month, at_war, rules
            (Status.NOTICE, 10, 15, False, {}),
            (Status.NOTICE, 10, 16, False, {}),
            (Status.NOTICE, 10, 40, False, {}),
            (Status.NOTICE, 10, 16, True, {}),
            (Status.NOTICE, 10, 15, True, {}),
            (Status.NOTICE, 10, 16, True, {"conflict_clause": False}),
            (Status.NOTICE, 3, 3, False, {"notice_months": 0}),
            (Status.NOTICE, 10, 16, False, {"notice_months": 12}),
            (Status.ACCEDING, 20, 25, False, {}),
            (Status.ACCEDING, 20, 26, True, {}),
            (Status.PARTY, 0, 100, True, {}),
            (Status.WITHDRAWN, 0, 100, False, {}),
            (Status.NON_PARTY, 0, 100, True, {}),
        ]
        # Run r, treaty t = case r * T + t; one state; one month for all, so since shifts.
        R, T, month = len(cases), 1, 50
        shape = (R, 1, T)
        status = np.array([CODE[c[0]] for c in cases], dtype=np.int8).reshape(shape)
        since = np.array([c[1] + month - c[2] for c in cases], dtype=np.int64).reshape(shape)
        at_war = np.array([c[3] for c in cases]).reshape(R, 1)[:, :, None]
        rules = {
            k: np.array([c[4].get(k, v) for c in cases]).reshape(R, 1, T) for k, v in RULES.items()
        }
        step = article20(status, since, month, at_war, **rules)
        new = after(status, step)
        assert new.shape == shape and new.dtype == np.int8
        for r, (st, sn, m, war, kw) in enumerate(cases):
            alone = article20(CODE[st], sn, m, war, **{**RULES, **kw})
            for field, got, want in zip(LegalStep._fields, step, alone, strict=True):
                assert bool(got[r, 0, 0]) == bool(want), f"case {r} {st} {field}"
            assert new[r, 0, 0] == after(CODE[st], alone), f"case {r} {st}"


# =========================================================================== conflict
def _a(values, dtype=float) -> np.ndarray:
    return np.array(values, dtype=dtype)


class TestHazards:
    KW = dict(incident_base=0.1, incident_coupling=0.5, war_onset=0.2, war_end=0.3)

    def test_scripted_uniforms(self):
        # tension = 0.5 * 0.8 = 0.4: p_incident = 0.1 + 0.5 * 0.4 = 0.3, p_onset = 0.2 * 0.4 = 0.08
        tau_a = _a([0.5] * 6)
        tau_b = _a([0.8] * 6)
        at_war = _a([False, False, False, False, True, True], bool)
        scheduled = _a([False, False, False, False, False, True], bool)
        u_inc = _a([0.29, 0.31, 0.0, 0.9, 0.0, 0.0])
        u_war = _a([0.5, 0.5, 0.079, 0.081, 0.29, 0.0])
        incident, onset, end = hazards(tau_a, tau_b, at_war, scheduled, u_inc, u_war, **self.KW)
        assert incident.tolist() == [True, False, True, False, False, False]
        assert onset.tolist() == [False, False, True, False, False, False]
        assert end.tolist() == [False, False, False, False, True, False], (
            "a hazard-born war ends when u < war_end; a scheduled war never ends by hazard"
        )

    def test_scheduled_war_never_ends_by_hazard(self):
        kw = dict(self.KW, war_end=1.0)
        yes = _a([True], bool)
        _, _, end = hazards(_a([1.0]), _a([1.0]), yes, yes, _a([0.0]), _a([0.0]), **kw)
        assert not end.any()

    def test_no_incident_or_onset_during_war(self):
        kw = dict(self.KW, incident_base=1.0, war_onset=1.0)
        yes, no = _a([True], bool), _a([False], bool)
        incident, onset, _ = hazards(_a([1.0]), _a([1.0]), yes, no, _a([0.0]), _a([0.0]), **kw)
        assert not incident.any() and not onset.any()

    def test_incident_probability_clipped(self):
        kw = dict(self.KW, incident_base=0.9, incident_coupling=1.0)
        no = _a([False], bool)
        incident, _, _ = hazards(_a([1.0]), _a([1.0]), no, no, _a([0.999999]), _a([1.0]), **kw)
        assert incident.tolist() == [True]

    def test_no_tension_no_war(self):
        no = _a([False], bool)
        _, onset, _ = hazards(_a([0.0]), _a([1.0]), no, no, _a([1.0]), _a([0.0]), **self.KW)
        assert not onset.any()

    def test_runs_by_pairs(self):
        # (runs, pairs) arrays with (runs, 1) parameter columns, as sim.apply calls it: run 1
        # has no incident base and a certain war end.
        tau = _a([[0.5, 0.5], [0.5, 0.5]])
        at_war = _a([[False, True], [False, True]], bool)
        scheduled = np.zeros((2, 2), dtype=bool)
        u = _a([[0.2, 0.5], [0.2, 0.5]])
        incident, onset, end = hazards(
            tau, tau, at_war, scheduled, u, u,
            incident_base=_a([[0.1], [0.0]]), incident_coupling=_a([[0.5], [0.5]]),
            war_onset=_a([[0.0], [0.0]]), war_end=_a([[0.3], [1.0]]),
        )  # fmt: skip
        # p_incident = base + 0.5 * 0.25: 0.225 in run 0, 0.125 in run 1
        assert incident.tolist() == [[True, False], [False, False]]
        assert not onset.any()
        assert end.tolist() == [[False, False], [False, True]]


def test_war_exposure():
    proximity = {0: {1: 1.0, 2: 0.3, 3: 0.09}, 4: {3: 0.5, 5: 1.0}}
    got = exposure([0, 4], proximity, 7)
    assert got.tolist() == [1.0, 1.0, 0.3, 0.5, 1.0, 1.0, 0.0], (
        "belligerents 1, others the proximity of the nearest belligerent, far states 0"
    )
    assert exposure([], {}, 3).tolist() == [0.0, 0.0, 0.0]


# =========================================================================== scalars and arrays
def test_threat_target_on_an_array_is_the_target_of_each_element():
    """The kernel calls the rules on (runs, states) arrays, an agent on one state's numbers:
    element (r, i) of the array call must equal the scalar call, bit for bit."""
    gen = np.random.default_rng(7)
    R, n = 4, 9
    s = gen.uniform(0.0, 40.0, (R, n))
    s[0, 0], s[1, 1] = 0.0, 1e6
    cred, inc = gen.uniform(0.0, 1.0, (R, n)), gen.integers(0, 4, (R, n)).astype(float)
    exp_ = gen.choice([0.0, 0.09, 0.3, 1.0], (R, n))
    p = {k: gen.uniform(0.01, 1.0, (R, 1)) for k in ("reassurance", "incident_boost", "war_boost")}
    p["scale"] = gen.uniform(0.1, 10.0, (R, 1))
    got = threat.target(s, cred, inc, exp_, **p)
    assert got.shape == (R, n)
    tau = gen.uniform(0.0, 1.0, (R, n))
    memory = gen.uniform(0.0, 1.0, (R, 1))
    updated = threat.update(tau, got, memory=memory)
    for r in range(R):
        kw = {k: float(v[r, 0]) for k, v in p.items()}
        for i in range(n):
            one = threat.target(
                float(s[r, i]), float(cred[r, i]), float(inc[r, i]), float(exp_[r, i]), **kw
            )
            assert got[r, i] == one, (r, i)
            assert updated[r, i] == threat.update(
                float(tau[r, i]), one, memory=float(memory[r, 0])
            ), (r, i)


def test_decision_rules_on_an_array_are_the_rules_of_each_element():
    gen = np.random.default_rng(11)
    R, n = 3, 8
    x, s = gen.uniform(0.0, 5.0, (R, n)), gen.uniform(0.0, 20.0, (R, n))
    a, m = gen.uniform(0.0, 0.3, (R, n)), gen.uniform(0.0, 0.3, (R, n))
    g = gen.uniform(-2.0, 0.5, (R, n))  # some hit the floor
    cap, moves = gen.uniform(0.1, 3.0, (R, n)), gen.integers(0, 3, (R, n))
    delta = gen.uniform(0.0, 0.5, (R, 1))
    tau, q = gen.uniform(0.0, 1.0, (R, n)), gen.uniform(0.0, 1.0, (R, n))
    rec, norm = gen.uniform(0.0, 1.0, (R, n)), gen.uniform(0.0, 1.0, (R, n))
    u = gen.uniform(0.0, 1.0, (R, n))
    u[0, :2] = 0.0, 1.0  # clipped uniforms
    theta = gen.uniform(-0.2, 1.0, (R, n))
    cols = {
        k: gen.uniform(0.0, 1.0, (R, 1))
        for k in ("military_value", "salience", "w_threat", "w_peer", "w_alliance", "w_norm")
    }
    sigma, margin = _a([[0.0], [0.1], [2.0]]), gen.uniform(0.0, 0.5, (R, 1))

    arms_ = richardson(x, s, reactivity=a, fatigue=m, grievance=g)
    grievance = equilibrium_grievance(x, s, reactivity=a, fatigue=m)
    post = posture(x, cap, moves, delta=delta)
    terms = pressure(tau, q, rec, norm, **cols)
    noise = logistic_noise(u, sigma=sigma)
    notice = gives_notice(terms.total, noise, theta)
    rejoin = re_accedes(terms.total, noise, theta, margin=margin)
    assert (arms_ == 0.0).any(), "the case must reach the floor somewhere"
    for r in range(R):
        c = {k: float(v[r, 0]) for k, v in cols.items()}
        for i in range(n):

            def one(v: np.ndarray, r: int = r, i: int = i) -> float:
                return float(v[r, i])

            assert arms_[r, i] == richardson(
                one(x), one(s), reactivity=one(a), fatigue=one(m), grievance=one(g)
            )
            assert grievance[r, i] == equilibrium_grievance(
                one(x), one(s), reactivity=one(a), fatigue=one(m)
            )
            assert post[r, i] == posture(one(x), one(cap), int(moves[r, i]), delta=delta[r, 0])
            alone = pressure(one(tau), one(q), one(rec), one(norm), **c)
            assert tuple(t[r, i] for t in terms) == tuple(alone)
            assert terms.total[r, i] == alone.total
            eps = logistic_noise(one(u), sigma=float(sigma[r, 0]))
            assert noise[r, i] == eps
            assert notice[r, i] == gives_notice(alone.total, eps, one(theta))
            assert rejoin[r, i] == re_accedes(
                alone.total, eps, one(theta), margin=float(margin[r, 0])
            )


def test_hazards_on_an_array_are_the_hazards_of_each_pair():
    gen = np.random.default_rng(3)
    R, P = 4, 10
    tau_a, tau_b = gen.uniform(0.0, 1.0, (R, P)), gen.uniform(0.0, 1.0, (R, P))
    at_war, scheduled = gen.random((R, P)) < 0.4, gen.random((R, P)) < 0.5
    u_inc, u_war = gen.uniform(0.0, 1.0, (R, P)), gen.uniform(0.0, 1.0, (R, P))
    kw = {
        k: gen.uniform(0.0, 1.0, (R, 1))
        for k in ("incident_base", "incident_coupling", "war_onset", "war_end")
    }
    incident, onset, end = hazards(tau_a, tau_b, at_war, scheduled, u_inc, u_war, **kw)
    assert incident.any() and end.any(), "the case must exercise the mechanisms"
    for r in range(R):
        one = {k: float(v[r, 0]) for k, v in kw.items()}
        for k in range(P):
            alone = hazards(
                tau_a[r, k], tau_b[r, k], at_war[r, k], scheduled[r, k], u_inc[r, k],
                u_war[r, k], **one,
            )  # fmt: skip
            assert (incident[r, k], onset[r, k], end[r, k]) == tuple(bool(v) for v in alone)


# =========================================================================== network
def _path_w(n: int, first_weight: float = 1.0) -> sp.csr_matrix:
    g = nx.path_graph(n)
    nx.set_edge_attributes(g, 1.0, "weight")
    g.edges[0, 1]["weight"] = first_weight
    return nx.to_scipy_sparse_array(g, nodelist=list(range(n)), format="csr").astype(float)


class TestProximity:
    def test_path_graph(self):
        w = _path_w(6, first_weight=0.5)
        assert proximity_from(w, 0, 0.3, 3) == approx({1: 0.5, 2: 0.3, 3: 0.09}), (
            "d=1: the neighbour weight (sea 0.5); d>=2: decay**(d-1); beyond max distance: absent"
        )

    def test_from_the_middle(self):
        w = _path_w(7)
        assert proximity_from(w, 3, 0.5, 2) == approx({2: 1.0, 4: 1.0, 1: 0.5, 5: 0.5})

    def test_max_distance_one(self):
        w = _path_w(5)
        assert proximity_from(w, 2, 0.3, 1) == {1: 1.0, 3: 1.0}

    def test_shortest_distance_counts(self):
        # A cycle 0-1-2-3-4-5-0: node 3 is at distance 3 both ways, node 2 at distance 2.
        g = nx.cycle_graph(6)
        nx.set_edge_attributes(g, 1.0, "weight")
        w = nx.to_scipy_sparse_array(g, nodelist=list(range(6)), format="csr").astype(float)
        assert proximity_from(w, 0, 0.5, 3) == approx({1: 1.0, 5: 1.0, 2: 0.5, 4: 0.5, 3: 0.25})

    def test_isolated_node(self):
        w = sp.csr_matrix((3, 3))
        assert proximity_from(w, 1, 0.5, 3) == {}


# ======================================================================= scripted neighbourhoods
def code(i: int, n: int) -> str:
    """The code a synthetic scenario gives state i (S0..S9, S00..S99, ...)."""
    return f"S{i:0{len(str(n - 1))}d}"


def threshold_world(
    n: int,
    kind: str,
    phi: float,
    *,
    overrides: dict[str, float] | None = None,
    seeds: list[str] = (),
    months: int = 20,
) -> dict:
    """A pure threshold model: w_peer = 1, other weights 0, noise 0, thresholds phi."""
    raw = {
        "name": "scripted",
        "description": "scripted threshold cascade",
        "months": months,
        "network": {"kind": kind, "n": n, "k": 2, "rival": "none"},
        "decision": {"w_threat": 0.0, "w_peer": 1.0, "w_alliance": 0.0, "w_norm": 0.0,
                     "noise": 0.0},
        "conflict": {"incident_base": 0.0, "incident_coupling": 0.0, "war_onset": 0.0},
        "states": {
            "defaults": {"threshold": phi, "threshold_spread": 0.0, "norm": 0.5, "arms": 1.0,
                         "capacity": 1.0},
            "overrides": {c: {"threshold": t} for c, t in (overrides or {}).items()},
        },
        "treaties": {
            "t": {"name": "T", "military_value": 0.5, "salience": 0.5, "parties": ["*"]}
        },
    }  # fmt: skip
    if seeds:
        raw["events"] = [{"kind": "notice", "month": 0, "treaty": "t", "states": list(seeds)}]
    return raw


def notice_months(raw: dict, base_dir: str = ".") -> dict[str, int]:
    """Run the scenario; state code -> month of its notice on treaty t."""
    model = EscalationModel(validate(raw, "<test>", base_dir), rng=0, record_states=False).run()
    ev = model.events_frame()
    notices = ev[(ev["kind"] == "notice") & (ev["treaty"] == "t")]
    got = dict(zip(notices["iso3"], notices["month"].astype(int), strict=True))
    assert got == {
        a.iso3: a.notice_month["t"] for a in model.states if a.notice_month["t"] is not None
    }
    return got


class TestThresholdCascades:
    def test_ring_cascade_spreads_two_per_month(self):
        # A 10-cycle, phi = 1/2: one neighbour of two is enough. S0 is forced at month 0 and its
        # neighbours see it the same month (events come first in the step order).
        got = notice_months(threshold_world(10, "ring", 0.5, seeds=["S0"]))
        assert got == {
            "S0": 0, "S1": 0, "S9": 0, "S2": 1, "S8": 1, "S3": 2, "S7": 2, "S4": 3, "S6": 3,
            "S5": 4,
        }  # fmt: skip

    def test_ring_cascade_blocked_above_one_half(self):
        got = notice_months(threshold_world(10, "ring", 0.51, seeds=["S0"]))
        assert got == {"S0": 0}, "phi > 1/2 on a cycle: nobody follows the seed"

    def test_ring_two_adjacent_seeds_do_not_help_above_one_half(self):
        got = notice_months(threshold_world(10, "ring", 0.6, seeds=["S0", "S1"]))
        assert got == {"S0": 0, "S1": 0}

    def test_granovetter_riot_everyone_moves(self):
        # Complete graph, thresholds k/N: state k moves once k others have (Granovetter 1978).
        n = 10
        over = {code(k, n): k / n for k in range(n)}
        got = notice_months(threshold_world(n, "complete", 0.5, overrides=over, months=15))
        assert got == {code(k, n): k for k in range(n)}, "one more state each month, all N move"

    def test_granovetter_riot_stops_when_the_second_waits(self):
        # Moving the threshold-1 person to 2: the instigator acts alone.
        n = 10
        over = {code(k, n): k / n for k in range(n)}
        over[code(1, n)] = 2 / n
        got = notice_months(threshold_world(n, "complete", 0.5, overrides=over, months=15))
        assert got == {code(0, n): 0}

    def test_complete_graph_all_follow_a_low_threshold(self):
        n = 8
        got = notice_months(threshold_world(n, "complete", 1 / 7, seeds=[code(3, n)]))
        assert got == {code(k, n): 0 for k in range(n)}

    @pytest.mark.parametrize(("movers", "hub_moves"), [(9, True), (8, False)])
    def test_nine_of_fifty_neighbours_meet_phi_018(self, tmp_path: Path, movers, hub_moves):
        # A star on a real borders file: HUB borders 50 states with weight 0.7 each, so its peer
        # share with 9 movers is 9*0.7/35, a hair under 0.18 in floating point.
        leaves = [f"L{i:02d}" for i in range(50)]
        with (tmp_path / "states.csv").open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["iso3", "name", "arms", "gdp"])
            for c in ["HUB", *leaves]:
                out.writerow([c, c, 1.0, 1.0])
        with (tmp_path / "borders.csv").open("w", newline="") as fh:
            out = csv.writer(fh)
            out.writerow(["iso3_a", "iso3_b", "kind"])
            for c in leaves:
                out.writerow(["HUB", c, "land"])
        raw = threshold_world(51, "complete", 10.0, overrides={"HUB": 0.18},
                              seeds=leaves[:movers], months=3)  # fmt: skip
        raw["network"] = {"kind": "borders", "file": "borders.csv", "land_weight": 0.7}
        raw["states"].update(file="states.csv", arms_column="arms", capacity_column="gdp",
                             capacity_scale=1.0)  # fmt: skip
        got = notice_months(raw, str(tmp_path))
        expected = {c: 0 for c in leaves[:movers]}
        if hub_moves:
            expected["HUB"] = 0
        assert got == expected, f"{movers} of 50 neighbours vs phi = 0.18"


# =========================================================================== interventions
def _mediation_model(states: list[str], counterparts: list[str]) -> EscalationModel:
    raw = threshold_world(4, "ring", 10.0, months=2)
    raw["hostility"] = [
        {"source": ["S0"], "target": ["S1"], "mutual": True, "weight": 1.0},
        {"source": ["S2"], "target": ["S0"], "weight": 0.8},
    ]
    raw["interventions"] = [
        {"kind": "mediation", "month": 0, "states": states, "counterparts": counterparts,
         "strength": 0.5}
    ]  # fmt: skip
    return EscalationModel(validate(raw, "<mediation>", "."), rng=0, record_states=False)


def hp_of(model: EscalationModel) -> np.ndarray:
    """The run's H*P as a dense matrix: its data (mediation scales it) on the world's structure."""
    hp = model.world.hp
    return sp.csr_matrix((model.state.hp_data[0], hp.indices, hp.indptr), shape=hp.shape).toarray()


@pytest.mark.parametrize(
    ("states", "counterparts"),
    [(["S0"], ["S1", "S2"]), (["S0", "S1"], ["*"]), (["*"], ["S0"]), (["S0", "S1", "S2"], ["*"])],
)
def test_mediation_halves_each_hostile_tie_once(states, counterparts):
    # Strength 0.5 must halve each hostile tie between the two groups exactly once, also when
    # the groups overlap (e.g. counterparts = "*").
    model = _mediation_model(states, counterparts)
    before = hp_of(model)
    model.step()
    after = hp_of(model)
    pairs = {(0, 1), (1, 0), (2, 0)}
    for i, j in pairs:
        assert after[i, j] == approx(0.5 * before[i, j]), (
            f"mediation {states} x {counterparts}: H*P[S{i}, S{j}] {before[i, j]} -> "
            f"{after[i, j]}, expected exactly half"
        )


def test_mediation_leaves_other_ties_alone():
    model = _mediation_model(["S1"], ["S0"])
    before = hp_of(model)
    model.step()
    after = hp_of(model)
    assert after[0, 1] == approx(0.5) and after[1, 0] == approx(0.5)
    # S2 is two hops from S0 on the 4-cycle: H*P = 0.8 * decay (0.3 by default)
    assert after[2, 0] == before[2, 0] == approx(0.8 * 0.3), "S2 -> S0 is not between the groups"


def test_mediation_scales_the_run_not_the_shared_world():
    # The World is shared by every run of a batch: mediation must scale the run's own H*P.
    model = _mediation_model(["S0"], ["S1", "S2"])
    world_before = model.world.hp.toarray()
    model.step()
    assert np.array_equal(model.world.hp.toarray(), world_before)
    assert not np.array_equal(hp_of(model), world_before)
