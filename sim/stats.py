"""Small statistics shared by the sweep analysis and the figures (numpy only)."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

Z95 = 1.959963984540054  # two-sided 95% quantile of the standard normal


def wilson(p: ArrayLike, n: ArrayLike, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of proportions ``p`` observed in ``n`` runs (NaN where n = 0).

    Works elementwise on scalars, arrays and pandas Series (Wilson 1927; 95% by default).
    """
    p = np.asarray(p, dtype=float)
    nn = np.where(np.asarray(n, dtype=float) > 0, np.asarray(n, dtype=float), np.nan)
    denom = 1 + z * z / nn
    centre = (p + z * z / (2 * nn)) / denom
    half = z * np.sqrt(p * (1 - p) / nn + z * z / (4 * nn * nn)) / denom
    return np.clip(centre - half, 0.0, None), np.clip(centre + half, None, 1.0)
