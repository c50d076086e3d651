"""Threat: the rivals' posture, the stimulus it sends, and the threat a state perceives.

Stimulus (DESIGN §3.1): S_i = sum_j H_ij * P_ij * y_j, with posture
y_j = capacity_j * x_j * (1 + delta * L_j), L_j = treaties j has left or given notice on: a
withdrawal next door is itself a threat signal to the rival.

Perceived threat (§3.2) moves toward a saturating target with memory mu:
tau <- mu * tau + (1 - mu) * clip((1 - exp(-S / k)) * (1 - rho * c_A)
                                  + b_inc * incidents + b_war * war_exposure, 0, 1).
The saturating form keeps tau in [0, 1]; reassurance rho * c_A is the alliance's credibility
discounting the threat (Walt 1987's balance of threat: allies' commitment lowers perceived threat).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim.network import segment_sum


def posture(arms: ArrayLike, capacity: ArrayLike, moves: ArrayLike, delta: float) -> np.ndarray:
    """Posture y = capacity * arms * (1 + delta * moves), as a rival sees it."""
    return np.asarray(capacity) * np.asarray(arms) * (1.0 + delta * np.asarray(moves))


def stimulus(weights: ArrayLike, rival_postures: ArrayLike) -> float:
    """S_i = sum over threat sources of (H_ij * P_ij) * y_j (one state's row)."""
    terms = np.asarray(weights, dtype=float) * np.asarray(rival_postures, dtype=float)
    return segment_sum(terms)


def threat_target(
    s: ArrayLike,
    scale: float,
    credibility: ArrayLike,
    reassurance: float,
    incidents: ArrayLike,
    war_exposure: ArrayLike,
    incident_boost: float,
    war_boost: float,
) -> np.ndarray:
    """The level tau moves toward this month, in [0, 1]."""
    base = (1.0 - np.exp(-np.asarray(s, dtype=float) / scale)) * (
        1.0 - reassurance * np.asarray(credibility)
    )
    raised = base + incident_boost * np.asarray(incidents) + war_boost * np.asarray(war_exposure)
    return np.minimum(np.maximum(raised, 0.0), 1.0)


def update_threat(tau: ArrayLike, target: ArrayLike, memory: float) -> np.ndarray:
    """Exponential smoothing: tau' = memory * tau + (1 - memory) * target."""
    return memory * np.asarray(tau) + (1.0 - memory) * np.asarray(target)
