"""Property tests of the legal process (Article 20) and of the model's invariants.

Everything runs through the real :class:`~sim.EscalationModel`, stepped month by month:
- statuses only move party -> notice -> withdrawn, and withdrawn -> acceding -> party only when
  ``decision.reaccession`` is on; non-parties never change;
- a notice takes effect exactly ``notice_months`` later when the state is not at war;
- under the armed-conflict clause a state at war stays at notice (held) and is withdrawn in the
  very month its war ends; without the clause it does not wait;
- arms are never negative, perceived threat stays in [0, 1], peer shares stay in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim import EscalationModel, UserError, load_scenario
from sim.model import Batch
from sim.scenario import Scenario, validate
from sim.treaties import STATUS_BY_CODE, TRANSITIONS, Status

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])

months_ = st.integers(min_value=0, max_value=12)
notice_ = st.integers(min_value=0, max_value=12)


# --------------------------------------------------------------------------- scripted worlds
def legal_world(*, record_states: bool = False, **kw: Any) -> EscalationModel:
    """The run of :func:`legal_scenario` (seed 0)."""
    return EscalationModel(legal_scenario(**kw), rng=0, record_states=record_states)


def legal_scenario(
    *,
    months: int,
    notice_months: int = 6,
    clause: bool = True,
    accession_months: int = 6,
    reaccession: bool = False,
    margin: float = 0.3,
    events: list[dict[str, Any]] = (),
) -> Scenario:
    """Four states on a cycle, one treaty; nobody decides to leave on their own.

    S0 and S1 regard each other as threats so that their pair is subject to the conflict
    hazards, with ``war_end = 1``: a hazard could end any war at once, but scheduled wars must
    only end when scheduled. There is no hazard of incidents or new wars.
    """
    raw = {
        "name": "legal",
        "description": "scripted legal process",
        "months": months,
        "network": {"kind": "ring", "n": 4, "k": 2, "rival": "none"},
        "decision": {
            "w_threat": 0.0,
            "w_peer": 0.0,
            "w_alliance": 0.0,
            "w_norm": 0.0,
            "noise": 0.0,
            "reaccession": reaccession,
            "reaccession_margin": margin,
        },
        "conflict": {"incident_base": 0.0, "incident_coupling": 0.0, "war_onset": 0.0,
                     "war_end": 1.0},
        # Pressure is always 0: below the threshold 0.5, so nobody gives notice on their own,
        # and below 0.5 - margin for margins under 0.5, so a state that left wants back.
        "states": {"defaults": {"threshold": 0.5, "threshold_spread": 0.0}},
        "treaties": {
            "t": {
                "name": "T",
                "notice_months": notice_months,
                "conflict_clause": clause,
                "accession_months": accession_months,
                "military_value": 0.5,
                "salience": 0.5,
                "parties": ["*"],
            }
        },
        "hostility": [{"source": ["S0"], "target": ["S1"], "mutual": True}],
        "events": list(events),
    }  # fmt: skip
    return validate(raw, "<legal>", ".")


def notice(month: int, *states: str) -> dict[str, Any]:
    return {"kind": "notice", "month": month, "treaty": "t", "states": list(states)}


def war(kind: str, month: int, states: tuple[str, str] = ("S0", "S1")) -> dict[str, Any]:
    return {"kind": kind, "month": month, "states": list(states)}


def record(model: EscalationModel, months: int | None = None) -> dict[tuple[str, str], list]:
    """Step the model, checking invariants every month; (state, treaty) -> statuses.

    Element 0 of each list is the status before the first month, element m + 1 the status at
    the end of month m.
    """
    seq = {(a.iso3, t): [a.status[t]] for a in model.states for t in model.treaties}
    for _ in range(model.config.months if months is None else months):
        model.step()
        check_invariants(model)
        live = model.state  # the treaty rules as they stand (interventions change them)
        for a in model.states:
            for k, t in enumerate(model.world.treaty_ids):
                old, new = seq[a.iso3, t][-1], a.status[t]
                # Two steps in one month only when the period they straddle is zero.
                if (old, new) == (Status.PARTY, Status.WITHDRAWN):
                    assert live.notice_months[0, k] == 0, f"{a.iso3} skipped the notice period"
                    assert a.notice_month[t] == a.withdrawn_month[t] == model.month - 1
                if (old, new) == (Status.WITHDRAWN, Status.PARTY):
                    assert live.accession_months[0, k] == 0, f"{a.iso3} skipped accession"
                seq[a.iso3, t].append(new)
    return seq


def check_invariants(model: EscalationModel) -> None:
    """What must hold at the end of every month."""
    month = model.month - 1
    live = model.state  # the treaty rules as they stand (interventions change them)
    decided = model.last_decisions  # what every state saw and decided this month
    for a in model.states:
        assert a.arms >= 0.0, f"{a.iso3} arms {a.arms} < 0 in month {month}"
        assert 0.0 <= a.threat <= 1.0, f"{a.iso3} threat {a.threat} outside [0, 1] in {month}"
        for k, tid in enumerate(model.world.treaty_ids):
            notice_months = int(live.notice_months[0, k])
            clause = bool(live.conflict_clause[0, k])
            q = float(decided.q[0, a.pos, k])  # the peer share its decision weighed
            assert 0.0 <= q <= 1.0 + 1e-12, f"{a.iso3} peer share {q} on {tid} in month {month}"
            status = a.status[tid]
            if status is Status.NOTICE:
                due = a.notice_month[tid] + notice_months
                assert month < due or (clause and a.in_conflict), (
                    f"{a.iso3}'s notice on {tid} (month {a.notice_month[tid]}) is overdue in "
                    f"month {month} although nothing holds it"
                )
                assert a.held[tid] == (month >= due), f"held flag of {a.iso3} in month {month}"
            if status is Status.WITHDRAWN and a.withdrawn_month[tid] == month:
                assert not (clause and a.in_conflict), (
                    f"{a.iso3} withdrew from {tid} in month {month} while at war under the clause"
                )
                assert month >= a.notice_month[tid] + notice_months


def events_of(model: EscalationModel, *kinds: str) -> list[tuple[int, str]]:
    """(month, state) of the run's logged events of the given kinds, in log order."""
    ev = model.events_frame()
    ev = ev[ev["kind"].isin(kinds)]
    return list(zip(ev["month"].astype(int).tolist(), ev["iso3"].tolist(), strict=True))


def check_transitions(
    seq: dict[tuple[str, str], list], reaccession: bool, initial: dict[tuple[str, str], Status]
) -> None:
    """Every month-to-month change is a step of the legal process."""
    for key, statuses in seq.items():
        assert statuses[0] is initial[key]
        for m, (old, new) in enumerate(zip(statuses, statuses[1:], strict=False)):
            if old is new:
                continue
            allowed = TRANSITIONS[old] | _skips(old)
            assert new in allowed, f"{key}: {old} -> {new} in month {m}"
            if old is Status.WITHDRAWN or new is Status.ACCEDING:
                assert reaccession, f"{key}: re-accession in month {m} although it is off"


def _skips(old: Status) -> set[Status]:
    # Steps that may complete within one month: a notice with 0 months' notice is deposited and
    # takes effect in the same month (party -> withdrawn); likewise an accession (withdrawn ->
    # party) with accession_months = 0.
    return {Status.PARTY: {Status.WITHDRAWN}, Status.WITHDRAWN: {Status.PARTY}}.get(old, set())


def statuses_of(seq: dict, iso3: str) -> list[Status]:
    return seq[iso3, "t"][1:]  # month by month


# --------------------------------------------------------------------------- notice periods
@SETTINGS
@given(tn=months_, nm=notice_)
def test_notice_takes_effect_exactly_after_the_notice_period(tn, nm):
    due = tn + nm
    model = legal_world(months=due + 3, notice_months=nm, events=[notice(tn, "S2")])
    seq = record(model)
    expected = [Status.PARTY] * tn + [Status.NOTICE] * nm + [Status.WITHDRAWN] * (model.month - due)
    assert statuses_of(seq, "S2") == expected
    agent = model.states[2]
    assert (agent.notice_month["t"], agent.withdrawn_month["t"]) == (tn, due)
    for other in ("S0", "S1", "S3"):
        assert set(statuses_of(seq, other)) == {Status.PARTY}


@SETTINGS
@given(
    tn=months_,
    nm=notice_,
    ws=st.integers(min_value=0, max_value=24),
    length=st.integers(min_value=1, max_value=18),
)
def test_clause_holds_a_notice_until_the_war_ends(tn, nm, ws, length):
    we = ws + length
    due = tn + nm
    at_war_when_due = ws <= due < we
    effective = we if at_war_when_due else due
    months = max(due, we) + 3
    model = legal_world(
        months=months,
        notice_months=nm,
        clause=True,
        events=[war("war_start", ws), war("war_end", we), notice(tn, "S0")],
    )
    seq = record(model)
    got = statuses_of(seq, "S0")
    assert got == (
        [Status.PARTY] * tn
        + [Status.NOTICE] * (effective - tn)
        + [Status.WITHDRAWN] * (months - effective)
    ), f"notice {tn}, due {due}, war {ws}..{we}: withdrawn must take effect in {effective}"
    assert model.states[0].withdrawn_month["t"] == effective
    held = events_of(model, "held")
    if at_war_when_due:
        assert held == [(due, "S0")], "held logged once"
    else:
        assert held == []
    # the war lasted exactly as scheduled, although war_end = 1 for hazard-born wars
    assert not model.state.war[0].any() and not model.state.at_war[0].any()
    wars = events_of(model, "war_start", "war_end")
    assert wars == [(ws, "S0"), (we, "S0")], "one scheduled war, ended only when scheduled"


@SETTINGS
@given(
    tn=months_,
    nm=notice_,
    ws=st.integers(min_value=0, max_value=24),
    length=st.integers(min_value=1, max_value=18),
)
def test_without_the_clause_war_does_not_delay_withdrawal(tn, nm, ws, length):
    we = ws + length
    due = tn + nm
    months = max(due, we) + 3
    model = legal_world(
        months=months,
        notice_months=nm,
        clause=False,
        events=[war("war_start", ws), war("war_end", we), notice(tn, "S1")],
    )
    seq = record(model)
    assert statuses_of(seq, "S1") == (
        [Status.PARTY] * tn + [Status.NOTICE] * nm + [Status.WITHDRAWN] * (months - due)
    )
    assert events_of(model, "held") == []


@FEW
@given(tn=months_, nm=st.integers(min_value=1, max_value=12), ws=st.integers(0, 12))
def test_a_war_that_never_ends_holds_the_notice_for_good(tn, nm, ws):
    due = tn + nm
    months = max(due, ws) + 12
    model = legal_world(
        months=months, notice_months=nm, events=[war("war_start", ws), notice(tn, "S0")]
    )
    seq = record(model)
    got = statuses_of(seq, "S0")
    if ws <= due:
        assert got == [Status.PARTY] * tn + [Status.NOTICE] * (months - tn)
        assert model.states[0].held["t"]
        assert model.summary()["treaties"]["t"]["blocked"] == 1
    else:
        assert got[due] is Status.WITHDRAWN, "a war that starts after the notice ran out is late"


def test_a_batch_runs_each_treaty_rule_as_its_run_alone():
    """Runs of a batch share the World and the schedule but not the treaty rules: each run's
    Article 20 (notice period, clause, accession period) is its own, as when it runs alone."""
    events = [war("war_start", 2), war("war_end", 11), notice(1, "S0", "S2"), notice(4, "S3")]
    rules = [
        dict(notice_months=6, clause=True),
        dict(notice_months=6, clause=False),
        dict(notice_months=0, clause=True),
        dict(notice_months=12, clause=True, reaccession=True, accession_months=0),
        dict(notice_months=3, clause=False, reaccession=True, accession_months=2, margin=0.1),
    ]
    scenarios = [legal_scenario(months=24, events=events, **kw) for kw in rules]
    batch = Batch(scenarios, [0] * len(scenarios)).run(24)
    got = batch.state
    assert len({int(n) for n in got.notice_months[:, 0]}) == 4, "the runs' rules differ"
    for r, sc in enumerate(scenarios):
        alone = EscalationModel(sc, rng=0, engine="vectorized", record_states=False).run()
        one = alone.state
        for name in ("status", "since", "notice_month", "withdrawn_month", "held"):
            assert np.array_equal(getattr(got, name)[r], getattr(one, name)[0]), (r, name)
        assert batch.outcomes().summary(r) == alone.summary()
    # ... and the rules did act on S0 (notice in month 1, at war in months 2-10): held until
    # the war ends under the clause, due in month 7 without it, at once with 0 months' notice;
    # with re-accession on, back as a party after its withdrawal (13, resp. 4).
    s0 = [STATUS_BY_CODE[c] for c in got.status[:, 0, 0]]
    assert s0 == [Status.WITHDRAWN] * 3 + [Status.PARTY] * 2
    assert got.withdrawn_month[:, 0, 0].tolist() == [11, 7, 1, 13, 4]


# --------------------------------------------------------------------------- re-accession
@SETTINGS
@given(
    tn=months_,
    nm=notice_,
    am=st.integers(min_value=0, max_value=12),
    margin=st.floats(min_value=0.0, max_value=0.45),
)
def test_reaccession_only_when_enabled(tn, nm, am, margin):
    # Pressure is 0 < threshold 0.5 - margin: a state that left wants back the next month.
    due = tn + nm
    months = due + am + 4
    events = [notice(tn, "S3")]
    for reaccession in (False, True):
        model = legal_world(
            months=months, notice_months=nm, accession_months=am, reaccession=reaccession,
            margin=margin, events=events,
        )  # fmt: skip
        seq = record(model)
        initial = {k: Status.PARTY for k in seq}
        check_transitions(seq, reaccession, initial)
        got = statuses_of(seq, "S3")
        head = [Status.PARTY] * tn + [Status.NOTICE] * nm + [Status.WITHDRAWN]
        if not reaccession:
            assert got == head + [Status.WITHDRAWN] * (months - due - 1)
        else:
            rest = months - due - 1
            tail = [Status.ACCEDING] * am + [Status.PARTY] * (rest - am)
            assert got == head + tail, f"rejoin deposited in {due + 1}, bound {am} months later"


# --------------------------------------------------------------------------- the full model
@st.composite
def random_worlds(draw) -> tuple[dict[str, Any], bool]:
    """A small synthetic world with every mechanism switched on at random strengths."""
    n = draw(st.integers(min_value=11, max_value=20))  # codes S00..S19
    kind = draw(st.sampled_from(["ring", "small_world", "erdos_renyi", "complete", "scale_free"]))
    reaccession = draw(st.booleans())
    unit = st.floats(min_value=0.0, max_value=1.0)
    events = [{"kind": "notice", "month": draw(st.integers(0, 6)), "treaty": "t",
               "random": draw(st.integers(0, 3))}]  # fmt: skip
    if draw(st.booleans()):
        start = draw(st.integers(0, 10))
        events.append(war("war_start", start, ("S00", "S01")))
        if draw(st.booleans()):
            events.append(war("war_end", start + draw(st.integers(0, 12)), ("S00", "S01")))
    if draw(st.booleans()):
        events.append(
            {"kind": "treaty_rule", "month": draw(st.integers(0, 20)), "treaty": "t",
             "notice_months": draw(st.integers(0, 8)), "conflict_clause": draw(st.booleans())}
        )  # fmt: skip
    raw = {
        "name": "random",
        "description": "random world",
        "months": draw(st.integers(min_value=6, max_value=36)),
        "network": {"kind": kind, "n": n, "k": 2 * draw(st.integers(1, 2)), "m": 2,
                    "mean_degree": 3.0, "rival": "hub"},
        "threat": {"scale": draw(st.floats(0.1, 5.0)), "memory": draw(unit),
                   "reassurance": draw(unit), "posture_delta": draw(st.floats(0.0, 1.0)),
                   "incident_boost": draw(unit), "war_boost": draw(unit)},
        "decision": {"w_threat": draw(st.floats(0.0, 2.0)), "w_peer": draw(st.floats(0.0, 2.0)),
                     "w_alliance": draw(st.floats(0.0, 1.0)), "w_norm": draw(st.floats(0.0, 2.0)),
                     "noise": draw(st.floats(0.0, 0.3)), "norm_erosion": draw(unit),
                     "reaccession": reaccession, "reaccession_margin": draw(st.floats(0.0, 0.5))},
        "conflict": {"incident_base": draw(st.floats(0.0, 0.3)),
                     "incident_coupling": draw(unit), "war_onset": draw(st.floats(0.0, 0.5)),
                     "war_end": draw(unit)},
        "states": {"defaults": {
            "norm": draw(unit), "threshold": draw(st.floats(-0.2, 1.0)),
            "threshold_spread": draw(st.floats(0.0, 0.3)),
            "reactivity": draw(st.floats(0.0, 0.5)), "fatigue": draw(unit),
            "grievance": draw(st.floats(-2.0, 0.5)),  # negative: arms hit the floor at 0
            "arms": draw(st.floats(0.0, 3.0)), "capacity": draw(st.floats(0.0, 3.0)),
        }},
        "treaties": {
            "t": {"name": "T", "notice_months": draw(st.integers(0, 8)),
                  "conflict_clause": draw(st.booleans()),
                  "accession_months": draw(st.integers(0, 8)),
                  "military_value": draw(unit), "salience": draw(unit),
                  "parties": ["@others"]},
            "u": {"name": "U", "military_value": draw(unit), "salience": draw(unit),
                  "parties": ["S00", "S02", "S03", "S05"]},
        },
        "alliances": {"a": {"name": "A", "members": ["@others"], "credibility": draw(unit),
                            "recommendation": {"t": draw(unit)}}},
        "hostility": [{"source": ["@others"], "target": ["@rival"], "mutual": True}],
        "events": events,
    }  # fmt: skip
    return raw, reaccession


@SETTINGS
@given(world=random_worlds(), seed=st.integers(min_value=0, max_value=2**32))
def test_statuses_move_forward_and_invariants_hold(world, seed):
    raw, reaccession = world
    model = EscalationModel(validate(raw, "<random>", "."), rng=seed, record_states=False)
    initial = {(a.iso3, t): a.status[t] for a in model.states for t in model.treaties}
    assert all(s in (Status.PARTY, Status.NON_PARTY) for s in initial.values())
    seq = record(model)
    check_transitions(seq, reaccession, initial)
    seen = {s for statuses in seq.values() for s in statuses}
    for status in (Status.NOTICE, Status.WITHDRAWN, Status.ACCEDING):
        event(f"some state reached {status.value}: {status in seen}")
    event(f"a withdrawal was held: {bool(events_of(model, 'held'))}")
    event(f"some arms hit the floor: {any(a.arms == 0.0 for a in model.states)}")
    for key, statuses in seq.items():
        if initial[key] is Status.NON_PARTY:
            assert set(statuses) == {Status.NON_PARTY}, f"{key}: a non-party changed status"


@FEW
@given(
    seed=st.integers(min_value=0, max_value=2**32),
    reaccession=st.booleans(),
    clause=st.booleans(),
    threshold=st.floats(min_value=0.3, max_value=0.7),
)
def test_europe_statuses_move_forward_and_invariants_hold(seed, reaccession, clause, threshold):
    scenario = load_scenario(
        "europe-2022",
        {
            "decision.reaccession": reaccession,
            "treaties.ottawa.conflict_clause": clause,
            "treaties.cmc.conflict_clause": clause,
            "states.defaults.threshold": threshold,
        },
    )
    model = EscalationModel(scenario, rng=seed, record_states=False)
    initial = {(a.iso3, t): a.status[t] for a in model.states for t in model.treaties}
    seq = record(model)
    check_transitions(seq, reaccession, initial)
    if clause:
        for tid in model.treaties:
            assert Status.WITHDRAWN not in seq["UKR", tid], (
                f"Ukraine is at war all run: its notice on {tid} can never take effect"
            )


def test_states_frame_agrees_with_stepping():
    """The recorded states frame tells the same status story as the agents."""
    events = [war("war_start", 2), war("war_end", 9), notice(1, "S0"), notice(3, "S2")]
    seq = record(legal_world(months=14, notice_months=4, events=events))
    framed = legal_world(months=14, notice_months=4, events=events, record_states=True).run()
    df = framed.states_frame()
    for iso3 in ("S0", "S1", "S2", "S3"):
        got = df[df["iso3"] == iso3].sort_values("month")["t_status"].tolist()
        assert got == [s.value for s in statuses_of(seq, iso3)], iso3
    s0 = df[df["iso3"] == "S0"].set_index("month")["t_status"]
    assert s0[4] == "notice" and s0[8] == "notice" and s0[9] == "withdrawn", (
        "S0's notice (month 1) is due in 5, held by the war, withdrawn when it ends in 9"
    )
    s2 = df[df["iso3"] == "S2"].set_index("month")["t_status"]
    assert s2[6] == "notice" and s2[7] == "withdrawn", "S2 is not at war: due in month 7"
    assert np.isfinite(df["threat"]).all()


def test_a_scheduled_war_named_by_selector_validates_only_if_it_runs():
    """A war event that passes validation must run; naming the rival by selector is either
    rejected up front with a UserError or resolved to the rival state."""
    events = [{"kind": "war_start", "month": 0, "states": ["@rival", "S01"]}]
    try:
        scenario = load_scenario("ring", {"events": events, "months": 2})
    except UserError:
        return
    model = EscalationModel(scenario, rng=0, record_states=False)
    model.step()
    rival = model.world.index[model.world.rivals[0]]
    assert model.state.at_war[0, rival] and model.state.at_war[0, model.world.index["S01"]]
