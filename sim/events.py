"""Scheduled events and policy interventions (DESIGN §3.7), applied at the start of a month.

A scenario lists historical ``events`` (wars, alliance accessions) and counterfactual
``interventions`` (mediation, credibility shocks, alliance recommendations, humanitarian
advocacy, treaty rule changes, forced notices); both have the same kinds and are applied here,
to every run of a batch at once (the runs of a batch share their schedule).
"""

from __future__ import annotations

import numpy as np

from sim import apply
from sim import schema as sc
from sim.journal import FORCED, Journal, Kind
from sim.state import State
from sim.treaties import NOTICE, PARTY


def schedule(scenario: sc.Scenario) -> dict[int, list[tuple[int, sc.Event]]]:
    """Events by month, events before interventions, each in file order, with their index."""
    out: dict[int, list[tuple[int, sc.Event]]] = {}
    for k, ev in enumerate([*scenario.events, *scenario.interventions]):
        out.setdefault(scenario.month_of(ev.month), []).append((k, ev))
    return out


def where(scenario: sc.Scenario, k: int) -> str:
    """The dotted key of event ``k`` of :func:`schedule` (``events.0`` or ``interventions.2``)."""
    n = len(scenario.events)
    return f"events.{k}" if k < n else f"interventions.{k - n}"


def apply_event(state: State, journal: Journal, k: int, ev: sc.Event) -> None:
    """Apply event ``k`` of the schedule to every run and record it."""
    world, scenario = state.world, state.scenarios[0]
    runs = np.arange(state.runs)
    key = where(scenario, k)

    def sel(items: list[str], name: str) -> list[int]:
        return world.select(items, scenario.source, f"{key}.{name}")

    def record(**columns: object) -> None:
        journal.add(Kind.EVENT, state.month, runs, ref=k, **columns)

    state.alliances_changed = True  # cheap to recompute; most events touch alliances

    match ev:
        case sc.WarStart(states=[a, b]):
            for pair in _pairs(state, sel([a], "states.0"), sel([b], "states.1")):
                apply.start_wars(state, journal, runs, np.full(state.runs, pair), scheduled=True)
        case sc.WarEnd(states=[a, b]):
            for pair in _pairs(state, sel([a], "states.0"), sel([b], "states.1")):
                apply.end_wars(state, journal, runs, np.full(state.runs, pair))
        case sc.JoinAlliance(state=code, alliance=aid):
            i = world.index[code]
            state.alliance[:, i] = world.alliance_ids.index(aid)
            record(state=i)
        case sc.Mediation(states=group, counterparts=others, strength=s):
            between = _between(state, sel(group, "states"), sel(others, "counterparts"))
            state.hp_data[:, between] *= 1.0 - s
            record(value=s)
        case sc.Credibility(alliance=aid, value=v):
            a = world.alliance_ids.index(aid)
            record(value=state.credibility[:, a])  # the old value, for the log
            state.credibility[:, a] = v
        case sc.Recommendation(alliance=aid, treaty=tid, value=v):
            a, t = world.alliance_ids.index(aid), world.treaty_ids.index(tid)
            state.recommendation[:, a, t] = v
            record(treaty=t, value=v)
        case sc.Advocacy(states=group, delta=d):
            idx = sel(group, "states")
            state.norm[:, idx] = np.minimum(np.maximum(state.norm[:, idx] + d, 0.0), 1.0)
            record(value=d)
        case sc.TreatyRule(treaty=tid, notice_months=nm, conflict_clause=cc):
            t = world.treaty_ids.index(tid)
            if nm is not None:
                state.notice_months[:, t] = nm
            if cc is not None:
                state.conflict_clause[:, t] = cc
            record(treaty=t)
        case sc.ForcedNotice(treaty=tid, states=group, random=count):
            _forced_notices(
                state, journal, world.treaty_ids.index(tid), sel(group, "states"), count
            )


def _pairs(state: State, left: list[int], right: list[int]) -> list[int]:
    """Positions in ``state.war_pairs`` of the pairs of a war event (each side a selector)."""
    index = {(int(a), int(b)): k for k, (a, b) in enumerate(state.war_pairs.tolist())}
    out = []
    for i in left:
        for j in right:
            k = index.get((min(i, j), max(i, j)))
            if i != j and k is not None:
                out.append(k)
    return out


def _between(state: State, group: list[int], others: list[int]) -> np.ndarray:
    """HP entries with one end in each group (each directed tie once, also if groups overlap)."""
    n, hp = state.n, state.world.hp
    in_group, in_others = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    in_group[group], in_others[others] = True, True
    rows = np.repeat(np.arange(n), np.diff(hp.indptr))
    cols = hp.indices
    return (in_group[rows] & in_others[cols]) | (in_others[rows] & in_group[cols])


def _forced_notices(state: State, journal: Journal, t: int, named: list[int], count: int) -> None:
    """Named states, and ``count`` random parties (each run's interventions stream), give notice."""
    runs, states = [], []
    for r in range(state.runs):
        chosen = list(named)
        if count:
            party = state.status[r, :, t] == PARTY
            party[chosen] = False
            parties = np.flatnonzero(party)
            pick = state.stream(r, "interventions").choice(
                len(parties), size=min(count, len(parties)), replace=False
            )
            chosen += sorted(int(parties[int(p)]) for p in pick)
        for i in chosen:
            if state.status[r, i, t] == PARTY:
                runs.append(r)
                states.append(i)
    if not runs:
        return
    r, i = np.array(runs, dtype=np.int64), np.array(states, dtype=np.int64)
    state.status[r, i, t] = NOTICE
    state.since[r, i, t] = state.month
    state.notice_month[r, i, t] = state.month
    first = state.first_notice[r, i, t] < 0
    state.first_notice[r[first], i[first], t] = state.month
    journal.add(Kind.NOTICE, state.month, r, state=i, treaty=t, ref=FORCED)
