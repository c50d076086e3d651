"""The vectorised engine: the agents' monthly rule on whole arrays (DESIGN §4).

Each function is the array twin of a :class:`~sim.agents.StateAgent` method and calls the same
pure rules (:mod:`sim.threat`, :mod:`sim.arms`, :mod:`sim.decisions`) with arrays instead of
scalars; neighbour sums go through :func:`sim.network.segment_sums` in both engines. The legal
process runs :func:`sim.treaties.legal_step`'s rule on arrays, and the log is written through
the same model methods, in the same order, as the agent engine writes it.
Identical results to the agent engine are a tested contract (tests/test_engines.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim import arms, decisions, threat
from sim.agents import Move
from sim.state import ACCEDING, NOTICE, PARTY, WITHDRAWN

if TYPE_CHECKING:
    from sim.model import EscalationModel


def perceive(model: EscalationModel) -> None:
    """Every state's stimulus and perceived threat (``StateAgent.perceive``)."""
    arr, hp, p = model.arr, model.hp, model.config.threat
    arr.stimulus[:] = model.hp_rows.sums(hp.data * model.postures[hp.indices])
    target = threat.threat_target(
        arr.stimulus,
        p.scale,
        model.credibilities(),
        p.reassurance,
        model.incidents_now,
        model.exposure,
        p.incident_boost,
        p.war_boost,
    )
    arr.next_threat[:] = threat.update_threat(arr.threat, target, p.memory)


@dataclass
class Decisions:
    """What every state decided this month, as arrays (one column per treaty)."""

    notice: np.ndarray  # (n, T) bool
    accede: np.ndarray  # (n, T) bool
    terms: dict[int, tuple[np.ndarray | float, ...]]  # column -> threat, peer, alliance, norm
    noise: dict[int, np.ndarray]  # treaty column -> logistic noise


def decide(model: EscalationModel) -> Decisions:
    """Arms for all, and who deposits an instrument on which treaty (``StateAgent.decide``)."""
    arr, d, w = model.arr, model.config.decision, model.world.w
    arr.next_arms[:] = arms.richardson(
        arr.arms, arr.stimulus, arr.reactivity, arr.fatigue, arr.grievance
    )
    n, n_treaties = arr.status.shape
    out = Decisions(np.zeros((n, n_treaties), bool), np.zeros((n, n_treaties), bool), {}, {})
    total = model.world.neighbour_weight
    for t, rules in enumerate(model.treaties.values()):
        status = arr.status[:, t]
        party, withdrawn = status == PARTY, (status == WITHDRAWN) & d.reaccession
        if not (party.any() or withdrawn.any()):
            continue
        sums = model.world.w_rows.sums(w.data * model.moved[w.indices, t])
        q = np.divide(sums, total, out=np.zeros_like(sums), where=total > 0)
        terms = decisions.pressure(
            arr.next_threat,
            rules.military_value,
            q,
            model.recommendations(t),
            arr.norm,
            model.salience_eff[t],
            d.w_threat,
            d.w_peer,
            d.w_alliance,
            d.w_norm,
        )
        noise = decisions.logistic_noise(model.draws[:, t], d.noise)
        pi = terms.total
        out.notice[:, t] = party & decisions.gives_notice(pi, noise, arr.threshold)
        out.accede[:, t] = withdrawn & decisions.re_accedes(
            pi, noise, arr.threshold, d.reaccession_margin
        )
        out.terms[t] = tuple(terms)  # a term may be a scalar (e.g. no recommendation at all)
        out.noise[t] = noise
    return out


def advance(model: EscalationModel, decided: Decisions) -> None:
    """Apply everything at once: threat, arms, deposits, then Article 20 (``StateAgent.advance``).

    The legal process is :func:`sim.treaties.legal_step` on arrays; the log is then written in
    agent order, each state's deposits before its legal events, as the agent engine writes it.
    """
    arr, month = model.arr, model.month
    arr.threat[:] = arr.next_threat
    arr.arms[:] = arr.next_arms
    notice, accede = decided.notice, decided.accede
    arr.status[notice] = NOTICE
    arr.since[notice] = month
    arr.notice_month[notice] = month
    arr.status[accede] = ACCEDING
    arr.since[accede] = month

    rules = list(model.treaties.values())
    notice_months = np.array([r.notice_months for r in rules], dtype=np.int64)
    clause = np.array([r.conflict_clause for r in rules], dtype=bool)
    accession_months = np.array([r.accession_months for r in rules], dtype=np.int64)
    due = (arr.status == NOTICE) & (month >= arr.since + notice_months)
    held = due & clause & model.at_war[:, None]
    withdrawn = due & ~held
    rejoined = (arr.status == ACCEDING) & (month >= arr.since + accession_months)
    first_held = held & ~arr.held
    arr.status[withdrawn] = WITHDRAWN
    arr.withdrawn_month[withdrawn] = month
    arr.status[rejoined] = PARTY
    arr.held[:] = held

    events = notice | accede | withdrawn | first_held | rejoined
    for i in np.flatnonzero(events.any(axis=1)).tolist():  # agent order, as the agent engine
        agent = model.states[i]
        for t, r in enumerate(rules):
            if notice[i, t] or accede[i, t]:
                pressure = decisions.Pressure(*(_at(x, i) for x in decided.terms[t]))
                if notice[i, t]:
                    moved = model.moved_neighbours(i, t)
                    move = Move("notice", r.id, pressure, float(decided.noise[t][i]), moved)
                    model.record_notice(agent, r.id, move, list(moved))
                else:
                    move = Move("accede", r.id, pressure, float(decided.noise[t][i]), ())
                    model.log_accession(agent, r.id, move)
        for t, r in enumerate(rules):
            if withdrawn[i, t]:
                model.log_withdrawal(agent, r.id)
            elif first_held[i, t]:
                model.log_held(agent, r.id)
            elif rejoined[i, t]:
                model.log_rejoined(agent, r.id)


def _at(term: np.ndarray | float, i: int) -> float:
    """State i's value of a pressure term that is an array or a scalar shared by all."""
    return float(term[i]) if np.ndim(term) else float(term)
