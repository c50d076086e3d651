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
from sim.journal import DECIDED, ESCALATION, Journal, Kind
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
        # Stored treaty-major, so that an engine writes one treaty's (runs, states) block in
        # one contiguous sweep; the arrays are (runs, states, treaties[, terms]) views of it.
        per_treaty = lambda: fl(treaties, runs, n).transpose(1, 2, 0)  # noqa: E731
        return cls(
            stimulus=fl(runs, n),
            threat=fl(runs, n),
            arms=fl(runs, n),
            deciding=no(),
            notice=no(),
            accede=no(),
            terms=fl(treaties, len(TERMS), runs, n).transpose(2, 3, 0, 1),
            pressure=per_treaty(),
            noise=per_treaty(),
            q=per_treaty(),
        )


# --------------------------------------------------------------------------- decisions
Where = tuple[np.ndarray, np.ndarray, np.ndarray]  # (runs, states, treaties) of some entries


def apply(state: State, journal: Journal, d: Decisions, recommendation: np.ndarray) -> None:
    """Carry out the month's decisions, then let Article 20 run; record it all.

    ``recommendation`` is the alliance advice each state saw when it decided (for the log).
    """
    month = state.month
    state.stimulus = d.stimulus
    state.threat = d.threat
    state.arms = d.arms
    notices, accessions = np.nonzero(d.notice), np.nonzero(d.accede)
    state.status[notices] = NOTICE
    state.since[notices] = month
    state.notice_month[notices] = month
    first = state.first_notice[notices] < 0
    state.first_notice[tuple(x[first] for x in notices)] = month
    state.status[accessions] = ACCEDING
    state.since[accessions] = month

    # Article 20 (and Article 17(2)) for every pending instrument: a few per run.
    r, i, t = np.nonzero((state.status == NOTICE) | (state.status == ACCEDING))
    step = article20(
        state.status[r, i, t],
        state.since[r, i, t],
        month,
        state.at_war[r, i],
        notice_months=state.notice_months[r, t],
        conflict_clause=state.conflict_clause[r, t],
        accession_months=state.accession_months[r, t],
    )
    withdrawn = (r[step.withdrawn], i[step.withdrawn], t[step.withdrawn])
    rejoined = (r[step.rejoined], i[step.rejoined], t[step.rejoined])
    held = (r[step.held], i[step.held], t[step.held])
    first_held = tuple(x[~state.held[held]] for x in held)
    # What sim.treaties.after() says, done in place (most entries do not change).
    state.status[withdrawn] = WITHDRAWN
    state.status[rejoined] = PARTY
    state.withdrawn_month[withdrawn] = month
    state.held = np.zeros_like(state.held)
    state.held[held] = True
    _record(state, journal, d, recommendation, notices, accessions, withdrawn, first_held, rejoined)


def _record(
    state: State,
    journal: Journal,
    d: Decisions,
    recommendation: np.ndarray,
    *events: Where,
) -> None:
    """Journal rows of the month's deposits and legal events.

    ``events`` are the entries of notices, accessions, withdrawals, first "held" and rejoins,
    in that order. Per run and state: a state's deposits (by treaty) before its legal events
    (by treaty).
    """
    kinds = (Kind.NOTICE, Kind.ACCESSION, Kind.WITHDRAWN, Kind.HELD, Kind.REJOINED)
    if not any(len(e[0]) for e in events):
        return
    r, i, t = (np.concatenate([e[k] for e in events]) for k in range(3))
    kind = np.concatenate([np.full(len(e[0]), int(k)) for k, e in zip(kinds, events, strict=True)])
    deposit = (kind == Kind.NOTICE) | (kind == Kind.ACCESSION)
    order = np.lexsort((t, ~deposit, i, r))
    r, i, t, kind, deposit = r[order], i[order], t[order], kind[order], deposit[order]
    chunk: dict[str, np.ndarray] = {
        "run": r,
        "kind": kind,
        "state": i,
        "treaty": t,
        "ref": np.where(deposit, DECIDED, -1),
        "month": np.full(len(r), state.month),
    }
    # What a deposit was decided on (NaN for the legal events, which nothing decided).
    nan = np.full(len(r), np.nan)
    terms = d.terms[r, i, t]
    for k, name in enumerate(TERMS):
        chunk[name] = np.where(deposit, terms[:, k], nan)
    for name, values in (
        ("pressure", d.pressure[r, i, t]),
        ("noise", d.noise[r, i, t]),
        ("q", d.q[r, i, t]),
        ("recommendation", recommendation[r, i, t]),
        ("threshold", state.threshold[r, i]),
        ("tau", d.threat[r, i]),
        ("commitment", state.norm[r, i]),
    ):
        chunk[name] = np.where(deposit, values, nan)
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
