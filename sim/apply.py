"""Carrying out what the month decided, for both engines: one ``apply``, Article 20 included.

The engines (:mod:`sim.agents`, :mod:`sim.kernel`) only *decide*: they return the month's
:class:`Decisions` (every state's new threat and arms, who deposits which instrument, and why).
:func:`apply` then changes the state all at once and writes the journal: threat and arms, the
deposits of the month, then the legal process of every pending instrument
(:func:`sim.treaties.article20`). The incidents and wars of the month (:func:`conflicts`) are
carried out here too, before anybody perceives.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import conflict
from sim.decisions import TERMS
from sim.journal import DECIDED, ESCALATION, FLOAT_COLUMNS, INT_COLUMNS, Journal, Kind
from sim.state import State
from sim.treaties import ACCEDING, NOTICE, PARTY, WITHDRAWN, article20


@dataclass(eq=False)
class Decisions:
    """What every state decided this month (shapes as in :mod:`sim.state`).

    The terms, pressure, noise and peer share are given for every state and treaty: the pressure
    a state feels whatever its status (the demo shows it). ``deciding`` says who could act on it:
    a party (give notice), or a state that left when re-accession is on (rejoin).
    """

    stimulus: np.ndarray  # (R, n) threat stimulus S
    threat: np.ndarray  # (R, n) perceived threat after this month
    arms: np.ndarray  # (R, n) arms after this month
    deciding: np.ndarray  # (R, n, T) bool: weighed the treaty this month
    notice: np.ndarray  # (R, n, T) bool: deposits an instrument of withdrawal
    accede: np.ndarray  # (R, n, T) bool: deposits an instrument of accession
    terms: np.ndarray  # (R, n, T, K) the pressure terms (sim.decisions.TERMS)
    pressure: np.ndarray  # (R, n, T) their sum
    noise: np.ndarray  # (R, n, T) the logistic noise
    q: np.ndarray  # (R, n, T) the weighted share of neighbours that had moved

    @classmethod
    def empty(cls, runs: int, n: int, treaties: int) -> Decisions:
        """Decisions to be filled in by an engine: nobody deposits anything yet.

        The float arrays are left uninitialised: both engines write every entry (the terms are
        given for every state and treaty, whatever its status).
        """
        fl = lambda *shape: np.empty(shape)  # noqa: E731
        no = lambda: np.zeros((runs, n, treaties), dtype=bool)  # noqa: E731
        return cls(
            stimulus=fl(runs, n),
            threat=fl(runs, n),
            arms=fl(runs, n),
            deciding=no(),
            notice=no(),
            accede=no(),
            terms=fl(runs, n, treaties, len(TERMS)),
            pressure=fl(runs, n, treaties),
            noise=fl(runs, n, treaties),
            q=fl(runs, n, treaties),
        )


# --------------------------------------------------------------------------- decisions
def apply(state: State, journal: Journal, d: Decisions, recommendation: np.ndarray) -> None:
    """Carry out the month's decisions, then let Article 20 run; record it all.

    ``recommendation`` is the alliance advice each state saw when it decided (for the log).
    """
    month = state.month
    state.stimulus = d.stimulus
    state.threat = d.threat
    state.arms = d.arms
    notice, accede = d.notice, d.accede
    state.status[notice] = NOTICE
    state.since[notice] = month
    state.notice_month[notice] = month
    state.first_notice[notice & (state.first_notice < 0)] = month
    state.status[accede] = ACCEDING
    state.since[accede] = month

    pending = (state.status == NOTICE) | (state.status == ACCEDING)
    if pending.any():
        step = article20(
            state.status,
            state.since,
            month,
            state.at_war[:, :, None],
            notice_months=state.notice_months[:, None, :],
            conflict_clause=state.conflict_clause[:, None, :],
            accession_months=state.accession_months[:, None, :],
        )
        withdrawn, held, rejoined = step
    else:  # nothing pending anywhere: Article 20 has nothing to do
        withdrawn = held = rejoined = pending
    first_held = held & ~state.held
    # What sim.treaties.after() says, done in place (most entries do not change).
    state.status[withdrawn] = WITHDRAWN
    state.status[rejoined] = PARTY
    state.withdrawn_month[withdrawn] = month
    state.held = held
    _record(state, journal, d, recommendation, first_held, withdrawn, rejoined)


def _record(
    state: State,
    journal: Journal,
    d: Decisions,
    recommendation: np.ndarray,
    first_held: np.ndarray,
    withdrawn: np.ndarray,
    rejoined: np.ndarray,
) -> None:
    """Journal rows of the month's deposits and legal events.

    Per run and state: a state's deposits (by treaty) before its legal events (by treaty).
    """
    masks = (
        (Kind.NOTICE, d.notice),
        (Kind.ACCESSION, d.accede),
        (Kind.WITHDRAWN, withdrawn),
        (Kind.HELD, first_held),
        (Kind.REJOINED, rejoined),
    )
    anything = d.notice | d.accede | withdrawn | first_held | rejoined
    if not anything.any():
        return
    r, i, t = np.nonzero(anything)
    # Classify each (run, state, treaty) with an event: a state may both deposit and see an
    # older instrument take effect in one month only on different treaties, but a withdrawal
    # and a first "held" are exclusive, so at most one kind per triple and mask.
    rows = []
    for kind, mask in masks:
        sel = mask[r, i, t]
        if sel.any():
            rows.append((r[sel], i[sel], t[sel], np.full(int(sel.sum()), int(kind))))
    r, i, t, kind = (np.concatenate(parts) for parts in zip(*rows, strict=True))
    deposit = (kind == Kind.NOTICE) | (kind == Kind.ACCESSION)
    # Per run and state: its deposits (by treaty) before its legal events (by treaty).
    order = np.lexsort((t, ~deposit, i, r))
    r, i, t, kind, deposit = r[order], i[order], t[order], kind[order], deposit[order]
    m = len(r)
    chunk = {
        "month": np.full(m, state.month, dtype=np.int64),
        "run": r.astype(np.int64),
        "kind": kind.astype(np.int64),
        "state": i.astype(np.int64),
        "treaty": t.astype(np.int64),
        "other": np.full(m, -1, dtype=np.int64),
        "ref": np.where(deposit, DECIDED, -1).astype(np.int64),
    }
    nan = np.full(m, np.nan)

    def at(values: np.ndarray) -> np.ndarray:
        return np.where(deposit, values[r, i, t], nan)

    terms = d.terms[r, i, t]
    for k, name in enumerate(TERMS):
        chunk[name] = np.where(deposit, terms[:, k], nan)
    chunk["pressure"] = at(d.pressure)
    chunk["noise"] = at(d.noise)
    chunk["q"] = at(d.q)
    chunk["recommendation"] = at(recommendation)
    chunk["threshold"] = np.where(deposit, state.threshold[r, i], nan)
    chunk["tau"] = np.where(deposit, d.threat[r, i], nan)
    chunk["commitment"] = np.where(deposit, state.norm[r, i], nan)
    chunk["value"] = nan
    assert set(chunk) == {*INT_COLUMNS, *FLOAT_COLUMNS}
    journal.extend(chunk)


# --------------------------------------------------------------------------- incidents and wars
def conflicts(state: State, journal: Journal, u_incident: np.ndarray, u_war: np.ndarray) -> None:
    """Phase 1 of a month: incidents and wars between hostile neighbours (sim.conflict)."""
    P = len(state.world.pairs)
    state.incidents_now = np.zeros((state.runs, state.n))
    if not P:
        return
    c = state.params.conflict
    pairs = state.war_pairs[:P]
    tau = state.threat
    incident, onset, end = conflict.hazards(
        tau[:, pairs[:, 0]],
        tau[:, pairs[:, 1]],
        state.war[:, :P],
        state.war_scheduled[:, :P],
        u_incident,
        u_war,
        incident_base=c.incident_base,
        incident_coupling=c.incident_coupling,
        war_onset=c.war_onset,
        war_end=c.war_end,
    )
    if incident.any():
        r, k = np.nonzero(incident)
        np.add.at(state.incidents_now, (r, pairs[k, 0]), 1.0)
        np.add.at(state.incidents_now, (r, pairs[k, 1]), 1.0)
        state.incident_total += np.add.reduce(incident, axis=1)
        journal.add(Kind.INCIDENT, state.month, r, state=pairs[k, 0], other=pairs[k, 1])
    if end.any():
        r, k = np.nonzero(end)
        end_wars(state, journal, r, k)
    if onset.any():
        r, k = np.nonzero(onset)
        start_wars(state, journal, r, k, scheduled=False)


def start_wars(
    state: State, journal: Journal, r: np.ndarray, k: np.ndarray, *, scheduled: bool
) -> None:
    """Wars begin in runs ``r`` between the pairs ``k`` of ``state.war_pairs`` (if not at war)."""
    new = ~state.war[r, k]
    r, k = r[new], k[new]
    if not len(r):
        return
    state.war[r, k] = True
    state.war_scheduled[r, k] = scheduled
    state.war_start[r, k] = state.month
    np.add.at(state.wars_begun, r, 1)
    state.wars_changed = True
    pairs = state.war_pairs
    journal.add(
        Kind.WAR_START,
        state.month,
        r,
        state=pairs[k, 0],
        other=pairs[k, 1],
        ref=1 if scheduled else ESCALATION,
    )


def end_wars(state: State, journal: Journal, r: np.ndarray, k: np.ndarray) -> None:
    """Wars end in runs ``r`` between the pairs ``k`` (where there is one)."""
    on = state.war[r, k]
    r, k = r[on], k[on]
    if not len(r):
        return
    state.war[r, k] = False
    state.war_scheduled[r, k] = False
    state.war_start[r, k] = -1
    state.wars_changed = True
    pairs = state.war_pairs
    journal.add(Kind.WAR_END, state.month, r, state=pairs[k, 0], other=pairs[k, 1])
