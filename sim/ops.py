"""Element-wise operations the rules use, for one number or whole arrays, with numpy's results.

``numpy.maximum`` and ``numpy.minimum`` are exact, but called on one Python number they cost
about half a microsecond each, more than the rest of an agent's arithmetic. For plain floats
these functions give numpy's exact result without the call: numpy returns its second argument
when the two compare equal (so ``maximum(-0.0, 0.0)`` is ``0.0`` and ``maximum(0.0, -0.0)`` is
``-0.0``) and propagates a NaN from either side. Transcendental functions (``exp``, ``log``)
are not here: numpy's vectorised versions differ from the C library's in the last bit, so the
rules call numpy for them, one number or many. ``tests/test_ops.py`` checks the twins against
numpy on the special values.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike


def maximum(a: ArrayLike, b: ArrayLike) -> ArrayLike:
    """``numpy.maximum(a, b)``; for two floats, the same float without calling numpy."""
    if isinstance(a, float) and isinstance(b, float):
        if a != a:  # NaN
            return a
        if b != b:
            return b
        return a if a > b else b
    return np.maximum(a, b)


def minimum(a: ArrayLike, b: ArrayLike) -> ArrayLike:
    """``numpy.minimum(a, b)``; for two floats, the same float without calling numpy."""
    if isinstance(a, float) and isinstance(b, float):
        if a != a:
            return a
        if b != b:
            return b
        return a if a < b else b
    return np.minimum(a, b)


def clip(x: ArrayLike, low: float, high: float) -> ArrayLike:
    """``minimum(maximum(x, low), high)``, element-wise."""
    return minimum(maximum(x, low), high)
