"""Incidents and wars between hostile neighbours (DESIGN §3.6).

Each month, for every neighbouring pair in which either side regards the other as a threat:
- not at war: an incident with probability base + coupling * tau_i * tau_j (tension begets
  incidents), and a war with probability onset * tau_i * tau_j;
- at war (a war that began by hazard): the war ends with probability ``war_end``.
Wars that a scenario schedules end only when scheduled. One uniform per pair and mechanism is
drawn every month whatever happens, so both engines consume the same random numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike


@dataclass
class War:
    """An armed conflict between two states."""

    a: int
    b: int
    start: int
    scheduled: bool


def hazards(
    tau_a: ArrayLike,
    tau_b: ArrayLike,
    at_war: ArrayLike,
    scheduled: ArrayLike,
    u_incident: ArrayLike,
    u_war: ArrayLike,
    incident_base: float,
    incident_coupling: float,
    war_onset: float,
    war_end: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which pairs have an incident, start a war, end a (hazard-born) war this month."""
    tension = np.asarray(tau_a, dtype=float) * np.asarray(tau_b, dtype=float)
    at_war = np.asarray(at_war, dtype=bool)
    p_incident = np.clip(incident_base + incident_coupling * tension, 0.0, 1.0)
    incident = ~at_war & (np.asarray(u_incident) < p_incident)
    onset = ~at_war & (np.asarray(u_war) < war_onset * tension)
    end = at_war & ~np.asarray(scheduled, dtype=bool) & (np.asarray(u_war) < war_end)
    return incident, onset, end


def war_exposure(
    at_war: np.ndarray, proximity_of: dict[int, dict[int, float]], n: int
) -> np.ndarray:
    """For each state, the proximity of the nearest belligerent (1 for a belligerent itself)."""
    out = np.zeros(n)
    for j in np.flatnonzero(at_war):
        out[j] = 1.0
        for i, p in proximity_of[int(j)].items():
            if p > out[i]:
                out[i] = p
    return out
