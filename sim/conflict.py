"""Incidents and wars between hostile neighbours (DESIGN §3.6).

Each month, for every neighbouring pair in which either side regards the other as a threat:
- not at war: an incident with probability base + coupling * tau_i * tau_j (tension begets
  incidents), and a war with probability onset * tau_i * tau_j;
- at war (a war that began by hazard): the war ends with probability ``war_end``.
Wars that a scenario schedules end only when scheduled. One uniform per pair and mechanism is
drawn every month whatever happens, so every engine and batch consumes the same numbers.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from sim import ops


def hazards(
    tau_a: ArrayLike,
    tau_b: ArrayLike,
    at_war: ArrayLike,
    scheduled: ArrayLike,
    u_incident: ArrayLike,
    u_war: ArrayLike,
    *,
    incident_base: ArrayLike,
    incident_coupling: ArrayLike,
    war_onset: ArrayLike,
    war_end: ArrayLike,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which pairs have an incident, start a war, end a (hazard-born) war this month."""
    tension = tau_a * tau_b
    p_incident = ops.clip(incident_base + incident_coupling * tension, 0.0, 1.0)
    incident = ~at_war & (u_incident < p_incident)
    onset = ~at_war & (u_war < war_onset * tension)
    end = at_war & ~scheduled & (u_war < war_end)
    return incident, onset, end


def exposure(belligerents: list[int], proximity: dict[int, dict[int, float]], n: int) -> np.ndarray:
    """For each state, the proximity of the nearest belligerent (1 for a belligerent itself)."""
    out = np.zeros(n)
    for j in belligerents:
        out[j] = 1.0
        for i, p in proximity[j].items():
            if p > out[i]:
                out[i] = p
    return out
