"""What every state can see at the start of a month, computed once for all runs and states.

Both engines decide on the same observations: who has moved on each treaty, every state's
posture as its rivals see it, each treaty's eroded salience, alliance credibility and advice,
and how close the nearest war is. A state's own rule (:mod:`sim.agents`, :mod:`sim.kernel`)
then turns what it sees into its threat, its arms and its decisions.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim import conflict, decisions, threat
from sim.state import State
from sim.treaties import ACCEDING, NOTICE, WITHDRAWN


@dataclass(eq=False)
class Seen:
    """The month's shared observations (shapes as in :mod:`sim.state`)."""

    moved: list[np.ndarray]  # per treaty, (R, n) bool: gave notice on or left the treaty
    posture: np.ndarray | None  # (R, n) as rivals see it (None: nobody regards anyone as a threat)
    salience: np.ndarray  # (R, T) eroded salience s_T_eff
    credibility: np.ndarray  # (R, n) of each state's alliance (0 without one)
    recommendation: np.ndarray  # (R, n, T) of each state's alliance (0 without one)


def observe(state: State) -> Seen:
    """The observations of the current month (and war exposure, when the wars changed)."""
    if state.wars_changed:
        update_exposure(state)
    status = state.status
    parties = state.world.parties
    moved, gone = [], []
    for t in range(status.shape[2]):
        s = status[:, :, t]
        moved.append((s == NOTICE) | (s == WITHDRAWN))
        gone.append(np.add.reduce((moved[-1] | (s == ACCEDING)) & parties[:, t], axis=-1))
    initial = np.maximum(parties.sum(axis=0), 1)
    gone_n = np.stack(gone, axis=-1) if gone else np.zeros((state.runs, 0))
    share = gone_n / initial  # (R, T): share of the initial parties gone
    salience = decisions.effective_salience(
        state.params.salience, share, erosion=state.params.decision.norm_erosion
    )
    posture = None
    if state.world.hp.nnz:  # a posture matters only to those who regard the state as a threat
        moves = sum(m.astype(np.int64) for m in moved)  # treaties each state has moved on
        posture = threat.posture(
            state.arms, state.capacity, moves, delta=state.params.threat.posture_delta
        )
    if state.alliances_changed:  # alliance views change only with events
        state.alliances_changed = False
        state.seen_credibility = state.credibility_of_states()
        state.seen_recommendation = state.recommendation_of_states()
    return Seen(
        moved=moved,
        posture=posture,
        salience=salience,
        credibility=state.seen_credibility,
        recommendation=state.seen_recommendation,
    )


def update_exposure(state: State) -> None:
    """Who is at war, and every state's war exposure, after wars started or ended."""
    pairs = state.war_pairs
    at_war = np.zeros((state.runs, state.n), dtype=bool)
    for k in np.flatnonzero(state.war.any(axis=0)).tolist():
        a, b = pairs[k]
        at_war[:, a] |= state.war[:, k]
        at_war[:, b] |= state.war[:, k]
    state.at_war = at_war
    world, cache = state.world, state._exposure_cache
    for r in range(state.runs):
        key = tuple(np.flatnonzero(at_war[r]).tolist())
        if key not in cache:
            cache[key] = conflict.exposure(list(key), {j: world.proximity(j) for j in key}, state.n)
        state.exposure[r] = cache[key]
    state.wars_changed = False
