"""Rearmament: Richardson's (1960) arms-race equations in monthly discrete time.

x_i <- max(0, x_i + a_i * S_i - m_i * x_i + g_i): reaction a to the threat stimulus, fatigue
(cost) m, grievance g. With two states, proximity 1 and no posture factor this is exactly the
linear recurrence x' = x + a*y - m*x + g (Richardson, *Arms and Insecurity*, 1960); the floor at 0
is where the model leaves it (arms cannot be negative). Stable when m*n > a*b.
"""

from __future__ import annotations

from numpy.typing import ArrayLike

from sim import ops


def richardson(
    x: ArrayLike, s: ArrayLike, *, reactivity: ArrayLike, fatigue: ArrayLike, grievance: ArrayLike
) -> ArrayLike:
    """One month of rearmament, floored at zero."""
    return ops.maximum(0.0, x + reactivity * s - fatigue * x + grievance)


def equilibrium_grievance(
    x0: ArrayLike, s0: ArrayLike, *, reactivity: ArrayLike, fatigue: ArrayLike
) -> ArrayLike:
    """The grievance g = m*x0 - a*S0 that makes the starting arms a steady state.

    Used when a state's grievance is not given: arms then move only when the threat changes
    (a rival arms, a neighbour leaves a treaty), not because the data year was off-equilibrium.
    """
    return fatigue * x0 - reactivity * s0
