"""The vectorised engine: the agents' monthly rule on whole arrays (DESIGN §4).

Each function is the array twin of a :class:`~sim.agents.StateAgent` method and calls the same
pure rules (:mod:`sim.threat`, :mod:`sim.arms`, :mod:`sim.decisions`) with arrays instead of
scalars; neighbour sums go through :func:`sim.network.segment_sums` in both engines. The few
states that deposit an instrument or have one pending are then handed to the agent's own
:meth:`~sim.agents.StateAgent.carry_out`, so the legal process and its log are one piece of code.
Identical results to the agent engine are a tested contract (tests/test_engines.py).
"""

from __future__ import annotations

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


def decide(model: EscalationModel) -> dict[int, list[Move]]:
    """Arms for all, and the states that deposit an instrument (``StateAgent.decide``).

    Returns:
        state position -> its moves this month, in treaty order (only states that move).

    """
    arr, d, w = model.arr, model.config.decision, model.world.w
    arr.next_arms[:] = arms.richardson(
        arr.arms, arr.stimulus, arr.reactivity, arr.fatigue, arr.grievance
    )
    total = model.world.neighbour_weight
    moves: dict[int, list[Move]] = {}
    for t, rules in enumerate(model.treaties.values()):
        status = arr.status[:, t]
        eligible = (status == PARTY) | ((status == WITHDRAWN) & d.reaccession)
        if not eligible.any():
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
        notice = (status == PARTY) & decisions.gives_notice(pi, noise, arr.threshold)
        accede = (
            (status == WITHDRAWN)
            & d.reaccession
            & decisions.re_accedes(pi, noise, arr.threshold, d.reaccession_margin)
        )
        for i in np.flatnonzero(notice | accede):
            i = int(i)
            kind = "notice" if notice[i] else "accede"
            moved = model.moved_neighbours(i, t) if kind == "notice" else ()
            pressure = decisions.Pressure(*(float(term[i]) for term in _broadcast(terms)))
            moves.setdefault(i, []).append(Move(kind, rules.id, pressure, float(noise[i]), moved))
    return moves


def advance(model: EscalationModel, moves: dict[int, list[Move]]) -> None:
    """Apply threat and arms to all at once; deposits and Article 20 for those concerned."""
    arr = model.arr
    arr.threat[:] = arr.next_threat
    arr.arms[:] = arr.next_arms
    pending = ((arr.status == NOTICE) | (arr.status == ACCEDING)).any(axis=1)
    concerned = sorted(set(np.flatnonzero(pending).tolist()) | set(moves))
    for i in concerned:  # in agent order, so the log reads as the agent engine's
        model.states[i].carry_out(moves.get(i, []))


def _broadcast(terms: decisions.Pressure) -> list[np.ndarray]:
    # A term can be a scalar (e.g. no alliance recommendation anywhere); give every term a row.
    n = max(np.size(term) for term in terms)
    return [np.broadcast_to(np.asarray(term, dtype=float), (n,)) for term in terms]
