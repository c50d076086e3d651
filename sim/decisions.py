"""Withdrawal decisions: the four pressure terms, logistic noise, threshold rules.

Pressure on state i to leave treaty T (DESIGN §3.4):
    pi = w_threat * tau_i * v_T + w_peer * q_i^T + w_alliance * r_A^T - w_norm * n_i * s_T_eff
where q is the weighted share of neighbours that gave notice or left, r the alliance's
recommendation and s_T_eff = s_T * (1 - erosion * share of initial parties gone): the norm
erodes as parties leave (Finnemore & Sikkink 1998, norm cascades run both ways).
i gives notice when pi + eps >= theta, eps ~ Logistic(0, sigma) (sigma = 0: deterministic,
Granovetter 1978 / Watts 2002 thresholds). All functions are pure and work on scalars or arrays.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from sim.network import segment_sum

# Thresholds are compared with a tolerance because a share computed in floating point can fall
# a hair short of phi: 9 of 50 ties of weight 0.7 give q = 0.17999999999999997 < 0.18, yet
# Watts' rule (share >= phi) says the state moves.
TOLERANCE = 1e-9


class Pressure(NamedTuple):
    """The four signed terms of the withdrawal pressure (threat, peer, alliance, norm)."""

    threat: float
    peer: float
    alliance: float
    norm: float

    @property
    def total(self) -> float:
        """Pi = threat + peer + alliance + norm (norm is negative)."""
        return self.threat + self.peer + self.alliance + self.norm

    def shares(self) -> tuple[float, float, float, float]:
        """Each term's share of the sum of absolute terms (for the 'why' log)."""
        mags = [abs(v) for v in self]
        total = sum(mags)
        return tuple(m / total if total > 0 else 0.0 for m in mags)  # type: ignore[return-value]


def peer_share(weights: ArrayLike, moved: ArrayLike, total: float | None = None) -> float:
    """Q = sum_j W_ij * moved_j / sum_j W_ij over i's neighbours (0 with no neighbours).

    ``total`` is sum_j W_ij when the caller has it (the model precomputes it for all states).
    """
    w = np.asarray(weights, dtype=float)
    total = float(w.sum()) if total is None else float(total)
    if total <= 0:
        return 0.0
    terms = w * np.asarray(moved, dtype=float)
    return segment_sum(terms) / total


def effective_salience(salience: float, gone_share: float, erosion: float) -> float:
    """s_T_eff = s_T * (1 - erosion * share of the initial parties that gave notice or left)."""
    return salience * (1.0 - erosion * gone_share)


def pressure(
    tau: float,
    military_value: float,
    q: float,
    recommendation: float,
    norm: float,
    salience_eff: float,
    w_threat: float,
    w_peer: float,
    w_alliance: float,
    w_norm: float,
) -> Pressure:
    """The withdrawal pressure's four terms."""
    return Pressure(
        threat=w_threat * tau * military_value,
        peer=w_peer * q,
        alliance=w_alliance * recommendation,
        norm=-w_norm * norm * salience_eff,
    )


def logistic_noise(u: ArrayLike, sigma: float) -> np.ndarray:
    """Logistic(0, sigma) noise from uniforms u in (0, 1) by the inverse CDF; 0 when sigma = 0."""
    u = np.minimum(np.maximum(np.asarray(u, dtype=float), 1e-12), 1.0 - 1e-12)
    if sigma == 0:
        return np.zeros_like(u)
    return sigma * np.log(u / (1.0 - u))


def gives_notice(total: ArrayLike, noise: ArrayLike, threshold: ArrayLike) -> np.ndarray:
    """A party gives notice when pressure + noise reaches its threshold."""
    return np.asarray(total) + np.asarray(noise) >= np.asarray(threshold) - TOLERANCE


def re_accedes(
    total: ArrayLike, noise: ArrayLike, threshold: ArrayLike, margin: float
) -> np.ndarray:
    """A state that left rejoins when pressure + noise falls below threshold - margin."""
    return np.asarray(total) + np.asarray(noise) < np.asarray(threshold) - margin
