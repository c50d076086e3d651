"""Analytic results of the three classic models the escalation model contains (DESIGN §3).

These are the reference values ``escalation validate`` compares the model's runs against. They
are computed here from the papers' equations, independently of the model code:

- Watts, D. J. (2002). A simple model of global cascades on random networks. *PNAS* 99(9),
  5766-5771: the cascade condition and the frequency of global cascades on an Erdős–Rényi
  (Poisson) graph with a uniform threshold phi.
- Granovetter, M. (1978). Threshold models of collective behavior. *American Journal of
  Sociology* 83(6), 1420-1443: the riot and the equilibrium of normally distributed thresholds.
- Richardson, L. F. (1960). *Arms and Insecurity*. Boxwood Press: the linear arms-race
  recurrence, its stability condition m*n > a*b and its equilibrium.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq
from scipy.stats import norm, poisson

# --------------------------------------------------------------------------- Watts (2002)


def watts_vulnerable_degree(phi: float) -> int:
    """Largest degree k >= 1 at which one moved neighbour suffices: 1/k >= phi.

    The same 1e-9 tolerance as the model's threshold rule (``sim.decisions.TOLERANCE``), so
    that e.g. phi = 0.2 counts degree 5 as vulnerable although 1/5 is not exactly 0.2.
    """
    return math.floor(1.0 / phi + 1e-9) if phi > 0 else 10**9


def _poisson_terms(z: float) -> tuple[np.ndarray, np.ndarray]:
    kmax = int(z + 12 * math.sqrt(z + 1) + 20)  # the Poisson tail beyond is below 1e-15
    k = np.arange(kmax + 1)
    return k, poisson.pmf(k, z)


def watts_cascade_condition(z: float, phi: float) -> float:
    """Watts' eq. (4) on a Poisson graph: sum_k k(k-1) rho_k p_k - z (> 0 inside the window)."""
    k, p = _poisson_terms(z)
    rho = (k >= 1) & (k <= watts_vulnerable_degree(phi))
    return float(np.sum(k * (k - 1) * rho * p) - z)


def watts_window(phi: float) -> tuple[float, float]:
    """The analytic cascade window (z_low, z_high) of an infinite Erdős–Rényi graph.

    Watts (2002) Fig. 1: 1.02 < z < 5.76 at phi = 0.18. Found as the two roots of the cascade
    condition around its maximum.
    """
    zs = np.linspace(0.05, 40.0, 4000)
    vals = np.array([watts_cascade_condition(z, phi) for z in zs])
    inside = np.flatnonzero(vals > 0)
    if not len(inside):
        return (math.nan, math.nan)
    lo_i, hi_i = inside[0], inside[-1]
    f = lambda z: watts_cascade_condition(z, phi)  # noqa: E731
    lo = brentq(f, zs[lo_i - 1], zs[lo_i]) if lo_i > 0 else zs[0]
    hi = brentq(f, zs[hi_i], zs[hi_i + 1]) if hi_i + 1 < len(zs) else zs[-1]
    return (float(lo), float(hi))


def watts_frequency(z: float, phi: float) -> float:
    """Probability that one random initial mover triggers a global cascade (infinite graph).

    The initial mover triggers a global cascade when one of its neighbours belongs to the
    giant vulnerable cluster: 1 - G(u), with G the Poisson generating function and u the
    probability that an edge does not lead into that cluster, the smallest root of
    u = 1 - G1_v(1) + G1_v(u) (Watts 2002, eqs. 2-3, the "extended vulnerable cluster").
    """
    k, p = _poisson_terms(z)
    rho = (k >= 1) & (k <= watts_vulnerable_degree(phi))
    if z <= 0:
        return 0.0
    excess = k * rho * p / z  # edge-end distribution of vulnerable neighbours, by degree

    def g1(u: float) -> float:
        return float(np.sum(excess * u ** np.maximum(k - 1, 0)))

    f = lambda u: 1.0 - g1(1.0) + g1(u) - u  # noqa: E731
    # The smallest root in [0, 1]; u = 1 is always a root, a smaller one exists inside the window.
    u = 1.0
    if f(0.0) > 0 and f(1.0 - 1e-9) < 0:
        u = brentq(f, 0.0, 1.0 - 1e-9, xtol=1e-14)
    return float(np.clip(1.0 - np.sum(p * u**k), 0.0, 1.0))  # no -1e-16 outside the window


# --------------------------------------------------------------------------- Granovetter (1978)


def granovetter_mean_field(sigma: float, mean: float) -> float:
    """Final share of an infinite crowd with thresholds N(mean, sigma): the first fixed point.

    The share r moves as r' = F(r) with F the normal CDF of thresholds (Granovetter 1978,
    the equilibrium of the distribution); from r = 0 it climbs to the smallest fixed point.
    """
    if sigma <= 0:
        return 1.0 if mean <= 0 else 0.0
    r = 0.0
    for _ in range(100_000):
        nxt = float(norm.cdf((r - mean) / sigma))
        if abs(nxt - r) < 1e-13:
            break
        r = nxt
    return r


def granovetter_critical_sigma(mean: float) -> float:
    """The sigma at which the low equilibrium disappears (infinite crowd).

    At the critical point F(r) = r is tangent: with u = (r - mean) / sigma, phi(u) = sigma and
    Phi(u) = mean + sigma * u, so Phi(u) - u * phi(u) = mean. Granovetter's 12.2 for a crowd of
    100 with mean 25 is 0.122 in shares; this gives 0.1222 at mean 0.25.
    """
    u = brentq(lambda u: norm.cdf(u) - u * norm.pdf(u) - mean, -20.0, 0.0)
    return float(norm.pdf(u))


# --------------------------------------------------------------------------- Richardson (1960)


def richardson_recurrence(
    a: float, b: float, m: float, n: float, g: float, h: float, x0: float, y0: float, months: int
) -> tuple[list[float], list[float]]:
    """X' = x + a*y - m*x + g, y' = y + b*x - n*y + h, from (x0, y0); months + 1 values each.

    Plain linear recurrence, no floor at zero (that is where the model departs from it).
    """
    xs, ys = [float(x0)], [float(y0)]
    for _ in range(months):
        x, y = xs[-1], ys[-1]
        xs.append(x + a * y - m * x + g)
        ys.append(y + b * x - n * y + h)
    return xs, ys


def richardson_stable(a: float, b: float, m: float, n: float) -> bool:
    """Richardson's stability condition m*n > a*b (for 0 < m, n <= 1)."""
    return m * n > a * b


def richardson_equilibrium(
    a: float, b: float, m: float, n: float, g: float, h: float
) -> tuple[float, float] | None:
    """The fixed point (x*, y*) when the race is stable, else ``None``.

    From m x = a y + g and n y = b x + h: x* = (a h + n g) / (m n - a b),
    y* = (b g + m h) / (m n - a b).
    """
    if not richardson_stable(a, b, m, n):
        return None
    det = m * n - a * b
    return ((a * h + n * g) / det, (b * g + m * h) / det)
