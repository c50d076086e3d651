"""Threat: the rivals' posture, the stimulus it sends, and the threat a state perceives.

Stimulus (DESIGN §3.1): S_i = sum_j H_ij * P_ij * y_j, with posture
y_j = capacity_j * x_j * (1 + delta * L_j), L_j = treaties j has left or given notice on: a
withdrawal next door is itself a threat signal to the rival.

Perceived threat (§3.2) moves toward a saturating target with memory mu:
tau <- mu * tau + (1 - mu) * clip((1 - exp(-S / k)) * (1 - rho * c_A)
                                  + b_inc * incidents + b_war * war_exposure, 0, 1).
The saturating form keeps tau in [0, 1]; reassurance rho * c_A is the alliance's credibility
discounting the threat (Walt 1987's balance of threat: allies' commitment lowers perceived threat).

Every function works on a scalar (one state, the agent engine) or on arrays of any shape (the
kernel's runs x states), with the same operations in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike

from sim import ops


def posture(
    arms: ArrayLike, capacity: ArrayLike, moves: ArrayLike, *, delta: ArrayLike
) -> ArrayLike:
    """Posture y = capacity * arms * (1 + delta * moves), as a rival sees it."""
    return capacity * arms * (1.0 + delta * moves)


def stimulus(weights: Sequence[float], rival_postures: Sequence[float]) -> float:
    """S_i = sum over threat sources of (H_ij * P_ij) * y_j (one state's row).

    Added left to right from 0.0, as :class:`sim.network.Rows` sums a row for the kernel.
    """
    total = 0.0
    for w, y in zip(weights, rival_postures, strict=True):
        total += w * y
    return total


def target(
    s: ArrayLike,
    credibility: ArrayLike,
    incidents: ArrayLike,
    exposure: ArrayLike,
    *,
    scale: ArrayLike,
    reassurance: ArrayLike,
    incident_boost: ArrayLike,
    war_boost: ArrayLike,
) -> ArrayLike:
    """The level tau moves toward this month, in [0, 1]."""
    base = (1.0 - np.exp(-(s / scale))) * (1.0 - reassurance * credibility)
    raised = base + incident_boost * incidents + war_boost * exposure
    return ops.clip(raised, 0.0, 1.0)


def update(tau: ArrayLike, goal: ArrayLike, *, memory: ArrayLike) -> ArrayLike:
    """Exponential smoothing: tau' = memory * tau + (1 - memory) * target."""
    return memory * tau + (1.0 - memory) * goal
