"""The plain-float twins of numpy.maximum / numpy.minimum give numpy's exact bits."""

from __future__ import annotations

import math
import struct

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim import ops

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, 1e-300, -1e-300, 5e-324, math.inf, -math.inf, math.nan]
floats = st.one_of(st.sampled_from(SPECIAL), st.floats(allow_nan=True, allow_infinity=True))


def bits(x: float) -> bytes:
    return struct.pack("<d", float(x))


@given(a=floats, b=floats)
def test_twins_match_numpy_bit_for_bit(a, b):
    assert bits(ops.maximum(a, b)) == bits(np.maximum(a, b)), (a, b)
    assert bits(ops.minimum(a, b)) == bits(np.minimum(a, b)), (a, b)
    assert bits(ops.clip(a, 0.0, 1.0)) == bits(np.minimum(np.maximum(a, 0.0), 1.0)), a


def test_every_pair_of_special_values():
    for a in SPECIAL:
        for b in SPECIAL:
            assert bits(ops.maximum(a, b)) == bits(np.maximum(a, b)), (a, b)
            assert bits(ops.minimum(a, b)) == bits(np.minimum(a, b)), (a, b)


def test_numpy_scalars_and_arrays_go_to_numpy():
    x = np.array([-0.0, 2.0, math.nan])
    assert np.array_equal(ops.maximum(x, 0.0), np.maximum(x, 0.0), equal_nan=True)
    assert bits(ops.maximum(np.float64(-0.0), 0.0)) == bits(0.0)  # np.float64 is a float too
