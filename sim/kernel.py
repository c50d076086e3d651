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


def _peer_share(
    state: State, moved: np.ndarray, t: int, total: np.ndarray, has_neighbours: np.ndarray
) -> np.ndarray:
    """Q for every run and state on treaty t: the weighted share of neighbours that moved.

    A run's shares change only when who has moved changes (a notice, a withdrawal, a
    re-accession), about one month in six in europe-2022. The last shares are kept with the
    ``moved`` they came from, and only the runs whose ``moved`` changed are summed again: a
    run's sums do not depend on the other runs, so this is exactly the full computation.
    """
    w, rows = state.world.w, state.world.w_rows
    cached = state.peer_cache.get(t)
    if cached is None:
        redo = np.arange(state.runs)
        q = np.zeros(moved.shape)
    else:
        before, q = cached
        redo = np.flatnonzero((moved != before).any(axis=-1))
    if len(redo):
        sub = moved[redo] if len(redo) < state.runs else moved
        sums = rows.sums(w.data * sub[:, w.indices])
        q[redo] = np.divide(sums, total, out=np.zeros_like(sums), where=has_neighbours)
    state.peer_cache[t] = (moved, q)
    return q


def _calm(state: State) -> bool:
    """Nothing can make any state of the batch feel a threat this month (see :func:`decide`)."""
    return state.world.hp.nnz == 0 and len(state.war_pairs) == 0 and not state.threat.any()


def decide(state: State, seen: Seen, u: np.ndarray) -> Decisions:
    """Perceive and decide, for every run and state at once (see :class:`Kernel`)."""
    world, p = state.world, state.params
    R, n, T = state.status.shape
    hp = world.hp
    d = Decisions.empty(R, n, T)
    if _calm(state):
        # Exact shortcut: with no threat source, no pair that can go to war, and nobody feeling
        # any threat, the stimulus is 0.0, the target (1 - e^0) * (...) + 0 + 0 is 0.0, and
        # memory * 0 + (1 - memory) * 0 is 0.0 for every state: what the rules give, bit for bit.
        d.stimulus = np.zeros((R, n))
        d.threat = np.zeros((R, n))
    else:
        # Perceive: the threat stimulus from hostile neighbours' posture, and perceived threat.
        if seen.posture is None:  # nobody regards anybody as a threat: every sum is empty
            d.stimulus = np.zeros((R, n))
        else:
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
    if not d.stimulus.any() and not state.arms.any() and not state.grievance.any():
        # Exact shortcut: max(0, 0 + a*0 - m*0 + 0) is 0.0 whatever a and m.
        d.arms = np.zeros((R, n))
    else:
        d.arms = arms.richardson(
            state.arms,
            d.stimulus,
            reactivity=state.reactivity,
            fatigue=state.fatigue,
            grievance=state.grievance,
        )
    quiet = not p.decision.noise.any()  # no noise in any run: every draw gives exactly 0.0
    total = world.neighbour_weight
    has_neighbours = total > 0
    u = u.reshape(R, n, T)
    dp = p.decision
    for t in range(T):
        status = state.status[:, :, t]
        party = status == PARTY
        rejoining = (status == WITHDRAWN) & dp.reaccession
        q = _peer_share(state, seen.moved[t], t, total, has_neighbours)
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
        if quiet:
            noise = np.zeros((R, n))
        else:
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
