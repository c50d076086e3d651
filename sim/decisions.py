"""Withdrawal decisions: the pressure terms, logistic noise, threshold rules.

Pressure on state i to leave treaty T (DESIGN §3.4):
    pi = w_threat * tau_i * v_T + w_peer * q_i^T + w_alliance * r_A^T - w_norm * n_i * s_T_eff
where q is the weighted share of neighbours that gave notice or left, r the alliance's
recommendation and s_T_eff = s_T * (1 - erosion * share of initial parties gone): the norm
erodes as parties leave (Finnemore & Sikkink 1998, norm cascades run both ways).
i gives notice when pi + eps >= theta, eps ~ Logistic(0, sigma) (sigma = 0: deterministic,
Granovetter 1978 / Watts 2002 thresholds). All functions are pure and work on scalars (the
agent engine) or arrays (the kernel), with the same operations in the same order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from sim import ops

# Thresholds are compared with a tolerance because a share computed in floating point can fall
# a hair short of phi: 9 of 50 ties of weight 0.7 give q = 0.17999999999999997 < 0.18, yet
# Watts' rule (share >= phi) says the state moves.
TOLERANCE = 1e-9

#: The names of the pressure terms, in the order they are summed and recorded.
TERMS = ("threat", "peer", "alliance", "norm")


class Pressure(NamedTuple):
    """The signed terms of the withdrawal pressure (each a scalar or an array)."""

    threat: ArrayLike
    peer: ArrayLike
    alliance: ArrayLike
    norm: ArrayLike

    @property
    def total(self) -> ArrayLike:
        """Pi = threat + peer + alliance + norm (norm is negative), summed in that order."""
        return self.threat + self.peer + self.alliance + self.norm

    def shares(self) -> tuple[float, ...]:
        """Each term's share of the sum of absolute terms (one state: the 'why' log)."""
        mags = [abs(float(v)) for v in self]
        total = sum(mags)
        return tuple(m / total if total > 0 else 0.0 for m in mags)


def peer_share(weights: Sequence[float], moved: Sequence[bool], total: float) -> float:
    """Q = sum_j W_ij * moved_j / sum_j W_ij over one state's neighbours (0 with none).

    ``total`` is sum_j W_ij (the world's ``neighbour_weight``), computed once for everybody.
    """
    if total <= 0:
        return 0.0
    share = 0.0  # left to right from 0.0, as sim.network.Rows sums a row
    for w, m in zip(weights, moved, strict=True):
        share += w * m
    return share / total


def effective_salience(
    salience: ArrayLike, gone_share: ArrayLike, *, erosion: ArrayLike
) -> ArrayLike:
    """s_T_eff = s_T * (1 - erosion * share of the initial parties that gave notice or left)."""
    return salience * (1.0 - erosion * gone_share)


def pressure(
    tau: ArrayLike,
    q: ArrayLike,
    recommendation: ArrayLike,
    norm: ArrayLike,
    *,
    military_value: ArrayLike,
    salience: ArrayLike,
    w_threat: ArrayLike,
    w_peer: ArrayLike,
    w_alliance: ArrayLike,
    w_norm: ArrayLike,
) -> Pressure:
    """The withdrawal pressure's terms (``salience`` is the eroded s_T_eff)."""
    return Pressure(
        threat=w_threat * tau * military_value,
        peer=w_peer * q,
        alliance=w_alliance * recommendation,
        norm=-(w_norm * norm * salience),
    )


def logistic_noise(u: ArrayLike, *, sigma: ArrayLike) -> ArrayLike:
    """Logistic(0, sigma) noise from uniforms u in (0, 1) by the inverse CDF; 0 when sigma = 0."""
    u = ops.clip(u, 1e-12, 1.0 - 1e-12)
    # "+ 0.0" turns the -0.0 of sigma = 0 times a negative logarithm into 0.0: no noise is one
    # exact value (which the kernel can then give without drawing a logarithm).
    return sigma * np.log(u / (1.0 - u)) + 0.0


def gives_notice(total: ArrayLike, noise: ArrayLike, threshold: ArrayLike) -> ArrayLike:
    """A party gives notice when pressure + noise reaches its threshold."""
    return total + noise >= threshold - TOLERANCE


def re_accedes(
    total: ArrayLike, noise: ArrayLike, threshold: ArrayLike, *, margin: ArrayLike
) -> ArrayLike:
    """A state that left rejoins when pressure + noise falls below threshold - margin."""
    return total + noise < threshold - margin
