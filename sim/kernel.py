"""The vectorised engine: the agents' monthly rule on whole arrays, for any number of runs.

:func:`decide` is the array twin of :meth:`sim.agents.StateAgent.perceive` and
:meth:`~sim.agents.StateAgent.decide`: it calls the same pure rules (:mod:`sim.threat`,
:mod:`sim.arms`, :mod:`sim.decisions`) on ``(runs, states)`` arrays instead of one state's
numbers, and sums over neighbours through :class:`sim.network.Rows`, which adds each state's
neighbours exactly as :func:`sim.network.segment_sum` adds them for one agent. Identical results
to the agent engine, and to a run alone, are a tested contract (tests/test_engines.py).
"""

from __future__ import annotations

import numpy as np

from sim import arms, decisions, threat
from sim.apply import Decisions
from sim.observe import Seen
from sim.state import State
from sim.treaties import PARTY, WITHDRAWN


class Kernel:
    """The vectorised engine (``engine="vectorized"``)."""

    name = "vectorized"

    def decide(self, state: State, seen: Seen, u: np.ndarray) -> Decisions:
        """Every state's threat, arms and treaty decisions this month.

        ``u`` holds the month's decision uniforms, ``(runs, states * treaties)``.
        """
        return decide(state, seen, u)


def decide(state: State, seen: Seen, u: np.ndarray) -> Decisions:
    """Perceive and decide, for every run and state at once (see :class:`Kernel`)."""
    world, p = state.world, state.params
    R, n, T = state.status.shape
    hp, w = world.hp, world.w
    d = Decisions.empty(R, n, T)
    # Perceive: the threat stimulus from hostile neighbours' posture, and perceived threat.
    d.stimulus = world.hp_rows.sums(state.hp_data * seen.posture[:, hp.indices])
    goal = threat.target(
        d.stimulus,
        seen.credibility,
        state.incidents_now,
        state.exposure,
        scale=p.threat.scale,
        reassurance=p.threat.reassurance,
        incident_boost=p.threat.incident_boost,
        war_boost=p.threat.war_boost,
    )
    d.threat = threat.update(state.threat, goal, memory=p.threat.memory)
    # Decide: Richardson rearmament, then each treaty.
    d.arms = arms.richardson(
        state.arms,
        d.stimulus,
        reactivity=state.reactivity,
        fatigue=state.fatigue,
        grievance=state.grievance,
    )
    total = world.neighbour_weight
    has_neighbours = total > 0
    u = u.reshape(R, n, T)
    dp = p.decision
    for t in range(T):
        status = state.status[:, :, t]
        party = status == PARTY
        rejoining = (status == WITHDRAWN) & dp.reaccession
        sums = world.w_rows.sums(w.data * seen.moved[t][:, w.indices])
        q = np.divide(sums, total, out=np.zeros_like(sums), where=has_neighbours)
        terms = decisions.pressure(
            d.threat,
            q,
            seen.recommendation[:, :, t],
            state.norm,
            military_value=p.military_value[:, t : t + 1],
            salience=seen.salience[:, t : t + 1],
            w_threat=dp.w_threat,
            w_peer=dp.w_peer,
            w_alliance=dp.w_alliance,
            w_norm=dp.w_norm,
        )
        noise = decisions.logistic_noise(u[:, :, t], sigma=dp.noise)
        total_p = terms.total
        d.notice[:, :, t] = party & decisions.gives_notice(total_p, noise, state.threshold)
        d.accede[:, :, t] = rejoining & decisions.re_accedes(
            total_p, noise, state.threshold, margin=dp.reaccession_margin
        )
        d.deciding[:, :, t] = party | rejoining
        for k, term in enumerate(terms):
            d.terms[:, :, t, k] = term
        d.pressure[:, :, t] = total_p
        d.noise[:, :, t] = noise
        d.q[:, :, t] = q
    return d
