"""Random streams: one root seed per run, one independent stream per mechanism.

Each stream is ``SeedSequence(seed, spawn_key=(k,))`` for a fixed k per mechanism, so a
mechanism's draws do not depend on how many numbers another mechanism used (common random
numbers across compared worlds, Starsim-style), and nothing touches ``random``/``np.random``
globals.

The monthly uniforms (incidents, wars, decisions) are drawn in blocks of :data:`BLOCK` months,
each run from its own generators. ``Generator.random`` fills doubles one after another, so a
block of twelve months holds exactly the numbers twelve monthly calls would give: a run's
draws, and where each of its streams ends, depend neither on the block size nor on the other
runs of its batch.
"""

from __future__ import annotations

import numpy as np

#: Mechanisms with their own stream; append only (the position is the spawn key).
STREAMS = ("mesa", "network", "init", "interventions", "incidents", "wars", "decisions")

#: Months of uniforms drawn at a time, per run and stream.
BLOCK = 12


def seed_sequence(seed: int, name: str) -> np.random.SeedSequence:
    """The seed sequence of one mechanism's stream."""
    return np.random.SeedSequence(int(seed), spawn_key=(STREAMS.index(name),))


def stream(seed: int, name: str) -> np.random.Generator:
    """A fresh generator for one mechanism of one run."""
    return np.random.default_rng(seed_sequence(seed, name))


def streams(seed: int) -> dict[str, np.random.Generator]:
    """A fresh generator for every mechanism."""
    return {name: stream(seed, name) for name in STREAMS}


def run_seed(root: int, k: int) -> int:
    """The seed of run (or replicate) ``k``: child k of ``SeedSequence(root)``, as a uint64.

    Keyed by index, so run ``k`` gets the same seed whatever else is run, and in any order.
    """
    return int(np.random.SeedSequence(int(root), spawn_key=(k,)).generate_state(1, np.uint64)[0])


def run_seeds(root: int, count: int) -> list[int]:
    """Seeds of runs ``0..count-1`` (:func:`run_seed`)."""
    return [run_seed(root, k) for k in range(count)]


class Draws:
    """The monthly uniforms of a batch of runs, drawn per run in blocks of :data:`BLOCK` months.

    ``sizes`` maps a stream name to the number of uniforms it draws per month (0: none).
    ``month(t)`` returns, per stream, a ``(runs, size)`` array; months are asked for in order.
    """

    def __init__(self, seeds: list[int], sizes: dict[str, int]) -> None:
        self.names = list(sizes)
        self.sizes = {k: v for k, v in sizes.items() if v > 0}  # a stream of size 0 draws none
        self.generators = [{k: stream(s, k) for k in self.sizes} for s in seeds]
        self.runs = len(seeds)
        self._start = -BLOCK  # first month of the current block
        self._block: dict[str, np.ndarray] = {}

    def month(self, t: int) -> dict[str, np.ndarray]:
        """The uniforms of month ``t`` for every run: ``(runs, size)`` views of the block."""
        if not self._start <= t < self._start + BLOCK:
            if t != self._start + BLOCK:
                raise ValueError(
                    f"months must be drawn in order (block at {self._start}, asked {t})"
                )
            self._refill(t)
        j = t - self._start
        return {
            k: self._block[k][:, j] if k in self._block else np.zeros((self.runs, 0))
            for k in self.names
        }

    def _refill(self, t: int) -> None:
        self._start = t
        self._block = {}
        for name, size in self.sizes.items():
            # (runs, months, size): each run fills its own contiguous block. A month's slice is
            # a strided view; the rules read it element by element (exact operations first).
            buf = np.empty((self.runs, BLOCK, size))
            for r, gens in enumerate(self.generators):
                gens[name].random(out=buf[r])
            self._block[name] = buf

    def keep(self, runs: np.ndarray) -> None:
        """Keep only the given runs (their positions in this batch), in that order."""
        self.generators = [self.generators[int(r)] for r in runs]
        self._block = {k: b[runs] for k, b in self._block.items()}
        self.runs = len(self.generators)
