"""Random streams: one root seed, one independent stream per mechanism.

Each stream is ``SeedSequence(seed, spawn_key=(k,))`` for a fixed k per mechanism, so a
mechanism's draws do not depend on how many numbers another mechanism used (common random
numbers across compared worlds, Starsim-style), and nothing touches ``random``/``np.random``
globals.
"""

from __future__ import annotations

import numpy as np

#: Mechanisms with their own stream; append only (the position is the spawn key).
STREAMS = ("mesa", "network", "init", "interventions", "incidents", "wars", "decisions")


def seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of one mechanism's stream."""
    return np.random.SeedSequence(int(seed), spawn_key=(STREAMS.index(name),))


def streams(seed: int) -> dict[str, np.random.Generator]:
    """A fresh generator for every mechanism."""
    return {name: np.random.default_rng(seed_sequence(seed, name)) for name in STREAMS}


def graph_seed(seed: int) -> int:
    """A 32-bit integer seed for networkx generators, derived from the root seed."""
    return int(seed_sequence(seed, "network").generate_state(1)[0])
