"""Seeded synthetic graphs at numpy speed, drawn from the caller's ``numpy.random.Generator``.

Every generator returns an :class:`Edges` value: an undirected simple graph on nodes
``0..n-1`` with each edge once, ``u < v``, sorted by ``(u, v)``, so a graph is a pure function
of its edge set and two equal graphs have byte-equal arrays.

Randomness comes only from the ``rng`` argument (the run's own stream): never ``random`` or the
``np.random`` module functions. Draws are integers wherever the model allows it (the only
floating-point draws are the binomial edge count of :func:`erdos_renyi` and the rewiring coins
of :func:`watts_strogatz`, compared against ``p``), and no result depends on hash or set
iteration order, so the same generator state gives the same graph on every machine.

Memory is O(n + edges) throughout. The distributions are those of networkx's generators (the
project's previous implementation); the draws are not.

References:
    Batagelj, V. & Brandes, U. (2005). Efficient generation of large random networks.
    Physical Review E 71, 036113.
    Watts, D. J. & Strogatz, S. H. (1998). Collective dynamics of 'small-world' networks.
    Nature 393, 440-442.
    Barabási, A.-L. & Albert, R. (1999). Emergence of scaling in random networks.
    Science 286, 509-512.

"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from math import isqrt

import numpy as np

#: The largest n for :func:`erdos_renyi`: pair indices below n(n-1)/2 < 2**61 and the integer
#: checks of :func:`_pairs_from_index` (a * (a + 1) with a < n) stay inside int64.
MAX_ERDOS_RENYI_N = 2**31

#: Below this n, sort keys u * n + v fit in int64 (n * n < 2**63).
_KEY_N = isqrt(2**63 - 1)


@dataclass(frozen=True)
class Edges:
    """An undirected simple graph on nodes 0..n-1: each edge once, u < v, sorted by (u, v).

    The arrays are stored read-only (a frozen value should not change under its holder); the
    constructor checks the invariants, so an ``Edges`` built elsewhere is as safe as ours.

    Attributes:
        n: The number of nodes.
        u: The smaller endpoint of each edge (int64).
        v: The larger endpoint of each edge (int64).

    """

    n: int
    u: np.ndarray  # int64
    v: np.ndarray  # int64

    def __post_init__(self) -> None:
        n = _integer("n", self.n, minimum=1)
        u = _frozen_int64("u", self.u)
        v = _frozen_int64("v", self.v)
        if u.shape != v.shape:
            raise ValueError(f"u and v must have the same length, got {u.size} and {v.size}")
        if u.size:
            if u.min() < 0 or v.max() >= n:
                raise ValueError(f"node ids must be in 0..{n - 1}")
            if not np.all(u < v):
                raise ValueError("every edge must have u < v (no self-loops, each edge once)")
            # Strictly increasing (u, v): sorted and free of duplicates in one test.
            du, dv = np.diff(u), np.diff(v)
            if not np.all((du > 0) | ((du == 0) & (dv > 0))):
                raise ValueError("edges must be unique and sorted by (u, v)")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "u", u)
        object.__setattr__(self, "v", v)

    def __eq__(self, other: object) -> bool:
        # The generated __eq__ would compare arrays with ``==`` and fail on their truth value.
        if not isinstance(other, Edges):
            return NotImplemented
        return (
            self.n == other.n
            and np.array_equal(self.u, other.u)
            and np.array_equal(self.v, other.v)
        )

    def __hash__(self) -> int:
        # Consistent with __eq__; the arrays are read-only, so the hash cannot go stale.
        return hash((self.n, self.u.tobytes(), self.v.tobytes()))

    def __len__(self) -> int:
        """The number of edges."""
        return int(self.u.size)

    def degrees(self) -> np.ndarray:
        """The degree of every node (int64, length n)."""
        return np.bincount(self.u, minlength=self.n) + np.bincount(self.v, minlength=self.n)

    def csr(self) -> tuple[np.ndarray, np.ndarray]:
        """Symmetric adjacency as CSR (indptr int64 of length n+1, indices int64).

        Each row's neighbours are sorted ascending, so the layout is a pure function of the
        edge set.

        Returns:
            ``(indptr, indices)``: the neighbours of node i are
            ``indices[indptr[i]:indptr[i + 1]]``.

        """
        # Row r holds its smaller neighbours (edges (u, r), u ascending because the edges are
        # sorted) and then its larger ones (edges (r, v), v ascending). Listing the reversed
        # half first makes a stable sort by row enough to sort every row.
        rows = np.concatenate([self.v, self.u])
        cols = np.concatenate([self.u, self.v])
        indices = cols[np.argsort(rows, kind="stable")]
        indptr = np.zeros(self.n + 1, dtype=np.int64)
        np.cumsum(self.degrees(), out=indptr[1:])
        return indptr, indices


def ring(n: int, k: int) -> Edges:
    """Each node tied to its k nearest on a circle (k/2 on each side; k = 2 is a plain cycle).

    This is the Watts-Strogatz lattice before rewiring (``watts_strogatz(n, k, 0, rng)``).

    Args:
        n: The number of nodes.
        k: The degree of every node: even, ``2 <= k < n``.

    Raises:
        ValueError: For a bad ``n`` or ``k``.

    """
    n, k = _ring_arguments(n, k)
    u, v = _ring_pairs(n, k // 2)
    return _edges(n, u, v)


def lattice(side: int, periodic: bool) -> Edges:
    """A ``side x side`` grid with von Neumann neighbours; node ``row * side + col``.

    The labelling is networkx's ``grid_2d_graph`` relabelled in sorted order. With
    ``periodic`` the grid wraps into a torus (every node has degree 4 when ``side >= 3``); for
    ``side <= 2`` the wrap-around ties would be self-loops or repeat existing edges, so the
    simple graph is the same as without wrapping.

    Args:
        side: The number of rows and of columns, at least 1.
        periodic: Whether the grid wraps around (a torus).

    Raises:
        ValueError: For a bad ``side``.

    """
    side = _integer("side", side, minimum=1)
    if not isinstance(periodic, bool | np.bool_):
        raise ValueError(f"periodic must be a bool, got {periodic!r}")
    n = side * side
    node = np.arange(n, dtype=np.int64).reshape(side, side)
    us = [node[:, :-1].ravel(), node[:-1, :].ravel()]  # right and down neighbours
    vs = [node[:, 1:].ravel(), node[1:, :].ravel()]
    if periodic and side >= 3:
        us += [node[:, 0], node[0, :]]  # last column to first, last row to first
        vs += [node[:, -1], node[-1, :]]
    return _edges(n, np.concatenate(us), np.concatenate(vs))


def complete(n: int) -> Edges:
    """All n(n-1)/2 pairs.

    Args:
        n: The number of nodes, at least 1.

    Raises:
        ValueError: For a bad ``n``.

    """
    n = _integer("n", n, minimum=1)
    u, v = np.triu_indices(n, k=1)  # row-major: already sorted by (u, v)
    return Edges(n, u.astype(np.int64), v.astype(np.int64))


def erdos_renyi(n: int, p: float, rng: np.random.Generator) -> Edges:
    """Exact G(n, p): each of the n(n-1)/2 pairs present independently with probability p.

    G(n, p) is G(n, M) with M ~ Binomial(n(n-1)/2, p). So: draw M, then M distinct pair
    indices uniformly from ``range(n(n-1)/2)``, and decode each index to its pair (u, v) in
    row-major order with exact integer arithmetic (Batagelj & Brandes 2005 sample G(n, M) by
    drawing pair indices and discarding repeats, as here). When M is more than half of the
    pairs, the absent pairs are drawn instead, so the work is O(n + M) either way. The edge
    count is the one floating-point draw (numpy's binomial); the pairs are integer draws.

    Args:
        n: The number of nodes, ``1 <= n <= MAX_ERDOS_RENYI_N``.
        p: The probability of each edge, in [0, 1].
        rng: The stream to draw from.

    Raises:
        ValueError: For a bad ``n`` or ``p``.
        TypeError: When ``rng`` is not a ``numpy.random.Generator``.

    """
    n = _integer("n", n, minimum=1)
    if n > MAX_ERDOS_RENYI_N:
        raise ValueError(f"n must be at most {MAX_ERDOS_RENYI_N}, got {n}")
    p = _probability("p", p)
    _check_rng(rng)
    pairs = n * (n - 1) // 2
    m = int(rng.binomial(pairs, p)) if pairs else 0
    if 2 * m <= pairs:
        index = _distinct_sorted(rng, pairs, m)
    else:
        present = np.ones(pairs, dtype=bool)  # pairs < 2m: still O(edges)
        present[_distinct_sorted(rng, pairs, pairs - m)] = False
        index = np.flatnonzero(present).astype(np.int64)
    u, v = _pairs_from_index(n, index)
    return Edges(n, u, v)  # increasing indices decode to sorted (u, v)


def watts_strogatz(n: int, k: int, p: float, rng: np.random.Generator) -> Edges:
    """Watts & Strogatz (1998) small world, with networkx's ``watts_strogatz_graph`` rewiring.

    Start from :func:`ring` (n, k). Then for j = 1..k/2 (outer) and u = 0..n-1 (inner), the
    edge (u, u + j mod n) is rewired with probability p: it is replaced by (u, w) for w uniform
    among the nodes that are neither u nor already tied to u at that moment; when u is tied to
    every other node, the edge stays. Same distribution as networkx, not the same draws.

    The coins are drawn at once (they do not depend on the graph); only the rewired edges are
    visited one by one, because each one's choice of w depends on the rewirings before it. A
    tie is tested without a full edge set: it is a ring tie not yet rewired, or a tie added by
    rewiring.

    Args:
        n: The number of nodes.
        k: The degree before rewiring: even, ``2 <= k < n``.
        p: The probability of rewiring each edge, in [0, 1].
        rng: The stream to draw from.

    Raises:
        ValueError: For a bad ``n``, ``k`` or ``p``.
        TypeError: When ``rng`` is not a ``numpy.random.Generator``.

    """
    n, k = _ring_arguments(n, k)
    p = _probability("p", p)
    _check_rng(rng)
    half = k // 2
    u_ring, v_ring = _ring_pairs(n, half)  # edge e = (j - 1) * n + u: networkx's visiting order
    rewired = np.flatnonzero(rng.random(u_ring.size) < p)
    # A first candidate per rewired edge, uniform over the n - 1 nodes other than u (skipping u
    # by shifting the upper part); repeats and ties are redrawn below.
    first = rng.integers(0, n - 1, size=rewired.size, dtype=np.int64).tolist()

    degree = [k] * n
    removed: set[int] = set()  # keys lo * n + hi of ring ties rewired away
    added: dict[int, None] = {}  # keys of ties made by rewiring (a dict keeps insertion order)
    kept = np.ones(u_ring.size, dtype=bool)

    def tied(a: int, b: int) -> bool:
        key = a * n + b if a < b else b * n + a
        if key in added:
            return True
        gap = (b - a) % n
        return (gap <= half or gap >= n - half) and key not in removed

    for e, w in zip(rewired.tolist(), first, strict=True):
        u, v = e % n, (e % n + e // n + 1) % n
        if degree[u] >= n - 1:
            continue  # u is tied to everyone: networkx skips this rewiring
        w += w >= u
        while tied(u, w):
            w = int(rng.integers(0, n - 1))
            w += w >= u
        removed.add(u * n + v if u < v else v * n + u)
        added[u * n + w if u < w else w * n + u] = None
        kept[e] = False
        degree[v] -= 1
        degree[w] += 1

    new = np.fromiter(added, dtype=np.int64, count=len(added))
    return _edges(
        n,
        np.concatenate([u_ring[kept], new // n]),
        np.concatenate([v_ring[kept], new % n]),
    )


def barabasi_albert(n: int, m: int, rng: np.random.Generator) -> Edges:
    """Barabási & Albert (1999) preferential attachment, as networkx's ``barabasi_albert_graph``.

    networkx's convention (3.x): start from a star on m + 1 nodes (node 0 tied to 1..m; the
    same graph as "node m joins the m initial nodes" of networkx 2.x, relabelled). Each later
    node s = m+1..n-1 then ties to m distinct earlier nodes, each drawn with probability
    proportional to its degree: uniform picks from the list that holds every node once per
    tie (Batagelj & Brandes 2005), repeated until m distinct nodes are drawn. The result has
    (n - m) * m edges; every node has degree at least m except the star's leaves 1..m, which
    start with one tie (in practice they gain more: early nodes attract the most).

    The list's length before node s joins is known in advance (2m(s - m)), so the first m
    picks of every node are drawn at once; the loop over nodes only looks them up, redraws
    repeats and appends, O(m) per node.

    Args:
        n: The number of nodes.
        m: The ties of each new node, ``1 <= m < n``.
        rng: The stream to draw from.

    Raises:
        ValueError: For a bad ``n`` or ``m``.
        TypeError: When ``rng`` is not a ``numpy.random.Generator``.

    """
    n = _integer("n", n, minimum=1)
    m = _integer("m", m, minimum=1)
    if m >= n:
        raise ValueError(f"m must be below n={n}, got {m}")
    _check_rng(rng)
    joining = n - m - 1  # nodes after the star
    length = 2 * m * np.arange(1, joining + 1, dtype=np.int64)  # list length as each joins
    picks = rng.integers(0, length[:, None], size=(joining, m), dtype=np.int64).tolist()

    ends = [0] * m + list(range(1, m + 1))  # the star's list: node 0 m times, then 1..m
    targets: list[int] = []
    for s, row in enumerate(picks, start=m + 1):
        chosen = [ends[i] for i in row]
        if len(set(chosen)) < m:
            # Keep the first of each repeated node and draw on until m distinct (networkx's
            # _random_subset), in draw order so that no set order leaks into the result.
            chosen = list(dict.fromkeys(chosen))
            while len(chosen) < m:
                node = ends[int(rng.integers(0, len(ends)))]
                if node not in chosen:
                    chosen.append(node)
        targets += chosen
        ends += chosen
        ends += [s] * m

    star = np.arange(1, m + 1, dtype=np.int64)
    source = np.repeat(np.arange(m + 1, n, dtype=np.int64), m)
    return _edges(
        n,
        np.concatenate([np.zeros(m, dtype=np.int64), np.asarray(targets, dtype=np.int64)]),
        np.concatenate([star, source]),
    )


def _distinct_sorted(rng: np.random.Generator, population: int, count: int) -> np.ndarray:
    """``count`` distinct integers drawn uniformly from ``range(population)``, sorted.

    Draw with replacement and keep the distinct values until there are at least ``count``,
    then keep a uniform ``count`` of them. Exact: how many to draw depends only on how many
    distinct values are held, which is the same for every subset of a given size, so the held
    set is a uniform subset of its size; a uniform subset of it is a uniform ``count``-subset.
    With ``2 * count <= population`` (the caller's duty) the draws are at most about
    ``1.4 * count``, and memory is O(count) however large the population.
    """
    held = np.empty(0, dtype=np.int64)
    while held.size < count:
        need = count - held.size
        # Expected draws to reach ``count`` distinct: sum over i of population / (population
        # - i) <= need * population / (population - count); integer arithmetic so that the
        # draw sizes (and so the stream) are the same on every machine. The slack makes a
        # second round rare.
        draws = need + need * count // (population - count) + 2 * isqrt(need) + 16
        held = np.sort(np.concatenate([held, rng.integers(0, population, draws, np.int64)]))
        # Sort and drop repeats by hand: numpy 2.5's hash-based np.unique is ~100 times slower
        # here (2 s for 2e6 int64 against 20 ms for the sort).
        held = held[np.concatenate([[True], held[1:] != held[:-1]])]
    if held.size > count:
        drop = rng.choice(held.size, size=held.size - count, replace=False)
        held = np.delete(held, drop)
    return held


def _pairs_from_index(n: int, index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pairs (u, v), u < v, at the given row-major indices among all pairs of n nodes.

    Row-major order (0,1), (0,2), ..., (1,2), ... reversed is the order (a, b) = (n-1-u, n-1-v)
    by a then b, whose index is a(a-1)/2 + b (b < a). So ``a`` is the largest integer with
    a(a-1)/2 <= j, where j = N - 1 - index: a float square root gives it to within one and
    integer checks make it exact (int64 throughout, for n <= MAX_ERDOS_RENYI_N).
    """
    j = (n * (n - 1) // 2 - 1) - np.asarray(index, dtype=np.int64)
    a = np.floor((1.0 + np.sqrt(1.0 + 8.0 * j.astype(np.float64))) / 2.0).astype(np.int64)
    while True:
        over = a * (a - 1) // 2 > j
        under = a * (a + 1) // 2 <= j
        if not (over.any() or under.any()):
            break
        a = a - over + under
    b = j - a * (a - 1) // 2
    return (n - 1) - a, (n - 1) - b


def _ring_pairs(n: int, half: int) -> tuple[np.ndarray, np.ndarray]:
    """The ring ties (u, u + j mod n) for j = 1..half (outer) and u = 0..n-1 (inner)."""
    u = np.tile(np.arange(n, dtype=np.int64), half)
    v = (u + np.repeat(np.arange(1, half + 1, dtype=np.int64), n)) % n
    return u, v


def _edges(n: int, a: np.ndarray, b: np.ndarray) -> Edges:
    """``Edges`` from distinct unordered pairs in any order: put u < v and sort."""
    u, v = np.minimum(a, b), np.maximum(a, b)
    if n <= _KEY_N:
        order = np.argsort(u * n + v)  # the keys are distinct, so any sort gives one order
    else:
        order = np.lexsort((v, u))
    return Edges(n, u[order], v[order])


def _ring_arguments(n: int, k: int) -> tuple[int, int]:
    n = _integer("n", n, minimum=1)
    k = _integer("k", k, minimum=2)
    if k % 2:
        raise ValueError(f"k must be even, got {k}")
    if k >= n:
        raise ValueError(f"k must be below n={n}, got {k}")
    return n, k


def _integer(name: str, value: object, minimum: int) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise ValueError(f"{name} must be an integer, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _probability(name: str, value: object) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a number in [0, 1], got {value!r}")
    p = float(value)
    if not 0.0 <= p <= 1.0:  # also refuses NaN
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return p


def _check_rng(rng: object) -> None:
    # A programming error, not a user's: the run's stream must be passed, never a seed.
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")


def _frozen_int64(name: str, values: object) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise ValueError(f"{name} must hold integers, got {array.dtype}")
    # A read-only view: the caller's array keeps its own flags.
    array = array.astype(np.int64, copy=False).view()
    array.flags.writeable = False
    return array
