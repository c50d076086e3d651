"""Graph arithmetic: neighbour weights, proximity, hostile pairs and the one neighbour sum.

W_ij is the neighbour weight (land border 1.0, sea 0.5 by default) used for peer shares.
Proximity P_ij is W_ij for neighbours and ``decay ** (d - 1)`` at network distance
``2 <= d <= max_distance`` (0 beyond): threat and war fade with distance.

Everything here works on arrays already in memory (CSR structures of ``scipy.sparse``); no file
is read here (the scenario loader, :mod:`sim.scenario`, reads the data). Synthetic graphs are
drawn at numpy speed by :mod:`sim.graphs` from the run's own random stream.

Every neighbour sum of the model goes through :class:`Rows` in the kernel and
:func:`segment_sum` in an agent: each adds a state's neighbours one after another, left to
right, from 0.0 (``numpy.bincount`` with weights is that loop in C). A state's sum is therefore
the same whether it is computed alone, among the 53 states of Europe, or in a batch of a
thousand runs. A BLAS dot, scipy's mat-vec or ``numpy.add.reduceat`` (pairwise summation from 8
terms on) promise no such order, so they are never used inside the bit-identity contract.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim import graphs


# --------------------------------------------------------------------------- the neighbour sum
class Rows:
    """Row sums over a fixed CSR structure, for one run or a batch of runs.

    ``sums(values)`` takes values laid out like the CSR data, shaped ``(nnz,)`` or
    ``(runs, nnz)``, and returns ``(n,)`` or ``(runs, n)``: each row's entries added left to
    right from 0.0.
    """

    def __init__(self, indptr: np.ndarray) -> None:
        indptr = np.asarray(indptr, dtype=np.int64)
        self.n = len(indptr) - 1
        self.row = np.repeat(np.arange(self.n, dtype=np.intp), np.diff(indptr))
        self._batched: dict[int, np.ndarray] = {}  # runs -> row ids of a flattened batch

    def _ids(self, runs: int) -> np.ndarray:
        ids = self._batched.get(runs)
        if ids is None:
            if len(self._batched) > 8:  # a few batch sizes in use at a time
                self._batched.clear()
            offsets = self.n * np.arange(runs, dtype=np.intp)[:, None]
            ids = self._batched[runs] = (self.row[None, :] + offsets).reshape(-1)
        return ids

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Row sums of ``values`` (last axis laid out like the CSR data)."""
        values = np.asarray(values, dtype=np.float64)
        if not self.row.size:  # (bincount of nothing gives integers)
            return np.zeros((*values.shape[:-1], self.n))
        if values.ndim == 1:
            return np.bincount(self.row, weights=values, minlength=self.n)
        runs = values.shape[0]
        flat = np.bincount(self._ids(runs), weights=values.reshape(-1), minlength=runs * self.n)
        return flat.reshape(runs, self.n)


def segment_sum(values: Iterable[float]) -> float:
    """One state's sum, exactly as :class:`Rows` gives it among many: left to right from 0.0."""
    total = 0.0
    for v in values:
        total += v
    return total


# --------------------------------------------------------------------------- building graphs
@dataclass(frozen=True)
class Graph:
    """An undirected weighted graph on nodes ``0..n-1`` as a symmetric CSR matrix."""

    w: sp.csr_matrix

    @property
    def n(self) -> int:
        """The number of nodes."""
        return int(self.w.shape[0])

    def degrees(self) -> np.ndarray:
        """The number of neighbours of every node."""
        return np.diff(self.w.indptr)


def from_edges(n: int, u: np.ndarray, v: np.ndarray, weight: np.ndarray | float = 1.0) -> Graph:
    """A symmetric weight matrix from undirected edges (each once; rows sorted by column)."""
    u, v = np.asarray(u, dtype=np.int64), np.asarray(v, dtype=np.int64)
    wt = np.broadcast_to(np.asarray(weight, dtype=np.float64), u.shape)
    rows, cols = np.concatenate([u, v]), np.concatenate([v, u])
    data = np.concatenate([wt, wt])
    order = np.lexsort((cols, rows))
    counts = np.bincount(rows, minlength=n)
    indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    w = sp.csr_matrix((data[order], cols[order], indptr), shape=(n, n))
    return Graph(w)


def synthetic(
    kind: str,
    n: int,
    rng: np.random.Generator,
    *,
    mean_degree: float,
    k: int,
    rewire: float,
    m: int,
) -> Graph:
    """A synthetic graph drawn from ``rng`` (the run's network stream), unit weights.

    Raises:
        ValueError: the parameters do not fit the kind (the loader names the scenario key).

    """
    # The scenario's own limits (the loader maps "key: message" to the scenario file's key).
    if kind in ("ring", "small_world") and not 2 <= k < n:
        raise ValueError(f"k: must be at least 2 and below n={n}, got {k}")
    if kind in ("ring", "small_world") and k % 2:
        raise ValueError(f"k: must be even (k/2 neighbours on each side), got {k}")
    if kind == "scale_free" and not 1 <= m < n:
        raise ValueError(f"m: must be below n={n}, got {m}")
    match kind:
        case "ring":
            edges = graphs.ring(n, k)
        case "lattice":
            side = int(round(n**0.5))
            if side * side != n:
                raise ValueError(f"n: a lattice needs a square number, got {n}")
            edges = graphs.lattice(side, periodic=side > 2)
        case "erdos_renyi":
            edges = graphs.erdos_renyi(n, min(1.0, mean_degree / max(n - 1, 1)), rng)
        case "small_world":
            edges = graphs.watts_strogatz(n, k, rewire, rng)
        case "scale_free":
            edges = graphs.barabasi_albert(n, m, rng)
        case "complete":
            edges = graphs.complete(n)
        case _:
            raise ValueError(f"kind: not a synthetic kind: {kind}")
    indptr, indices = edges.csr()  # symmetric, each row sorted: as from_edges lays it out
    w = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))
    return Graph(w)


def hub(degrees: np.ndarray) -> int:
    """The highest-degree node (lowest index on ties): the synthetic scenarios' rival."""
    return int(np.argmax(degrees))


# --------------------------------------------------------------------------- proximity
def proximity_from(
    w: sp.csr_matrix, source: int, decay: float, max_distance: int
) -> dict[int, float]:
    """Proximity of every node within ``max_distance`` hops of ``source`` (excluding itself)."""
    out: dict[int, float] = {}
    frontier = np.array([source], dtype=np.int64)
    seen = np.zeros(w.shape[0], dtype=bool)
    seen[source] = True
    indptr, indices, data = w.indptr, w.indices, w.data
    for d in range(1, max_distance + 1):
        if not frontier.size:
            break
        nxt: list[int] = []
        for u in frontier.tolist():
            lo, hi = indptr[u], indptr[u + 1]
            for v, weight in zip(indices[lo:hi].tolist(), data[lo:hi].tolist(), strict=True):
                if seen[v]:
                    continue
                seen[v] = True
                nxt.append(v)
                out[v] = float(weight) if d == 1 else decay ** (d - 1)
        frontier = np.array(nxt, dtype=np.int64)
    return out


def hostile_proximity(
    w: sp.csr_matrix, hostility: sp.csr_matrix, decay: float, max_distance: int
) -> sp.csr_matrix:
    """HP_ij = H_ij * P_ij, with as few bounded breadth-first searches as it takes.

    Proximity is symmetric, so P_ij can come from a search from either end. The searches start
    from a greedy cover of the hostile pairs (most pairs first): one search from a rival hub
    serves all its n - 1 pairs, both ways.
    """
    n = w.shape[0]
    h = hostility.tocoo()
    keep = (h.data > 0) & (h.row != h.col)
    rows, cols, vals = h.row[keep], h.col[keep], h.data[keep]
    pending: dict[int, set[int]] = {}
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        pending.setdefault(i, set()).add(j)
        pending.setdefault(j, set()).add(i)
    prox: dict[tuple[int, int], float] = {}
    while pending:
        u = min(pending, key=lambda v: (-len(pending[v]), v))
        reach = proximity_from(w, u, decay, max_distance)
        for v in pending.pop(u):
            prox[(u, v)] = prox[(v, u)] = reach.get(v, 0.0)
            pending[v].discard(u)
            if not pending[v]:
                del pending[v]
    p = np.array([prox[(i, j)] for i, j in zip(rows.tolist(), cols.tolist(), strict=True)])
    near = p > 0 if len(p) else np.zeros(0, dtype=bool)
    out = sp.csr_matrix(
        (vals[near] * p[near], (rows[near], cols[near])), shape=(n, n), dtype=np.float64
    )
    out.sort_indices()
    return out


def hostile_neighbour_pairs(w: sp.csr_matrix, hostility: sp.csr_matrix) -> np.ndarray:
    """Unordered neighbouring pairs (i < j) where either side regards the other as a threat."""
    either = ((hostility + hostility.T) > 0).astype(np.float64)
    adj = sp.triu(sp.csr_matrix(w).multiply(either), k=1).tocoo()
    pairs = np.column_stack([adj.row, adj.col]).astype(np.int64).reshape(-1, 2)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
