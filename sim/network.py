"""Networks: real borders from CSV, seeded synthetic graphs, neighbour weights and proximity.

W_ij is the neighbour weight (land border 1.0, sea 0.5 by default) used for peer shares.
Proximity P_ij is W_ij for neighbours and ``decay ** (d - 1)`` at network distance
``2 <= d <= max_distance`` (0 beyond): threat and war fade with distance.
"""

from __future__ import annotations

from math import isqrt
from pathlib import Path

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim.datafiles import read_rows
from sim.errors import UserError
from sim.scenario import NetworkConfig


def read_borders(
    path: Path, codes: list[str], cfg: NetworkConfig, source: str, known: set[str] | None = None
) -> nx.Graph:
    """Undirected weighted graph of the states in ``codes`` from a borders CSV.

    Pairs that name a state of the states file outside the scenario are skipped (a scenario may
    include a subset). A code that is not in the states file (``known``), a state bordering
    itself, a pair listed twice with the same kind, or a ``kind`` other than land/sea is an
    error.
    """
    graph = nx.Graph()
    graph.add_nodes_from(codes)
    inside = set(codes)
    known = inside if known is None else known
    weights = {"land": cfg.land_weight, "sea": cfg.sea_weight}
    seen: set[tuple[str, str, str]] = set()
    where = str(path)
    for line, row in enumerate(read_rows(path, required=("iso3_a", "iso3_b", "kind")), start=2):
        a, b, kind = row["iso3_a"], row["iso3_b"], row["kind"]
        if kind not in weights:
            raise UserError(where, f"line {line}.kind", f"must be land or sea, got {kind!r}")
        for col, code in (("iso3_a", a), ("iso3_b", b)):
            if code not in known:
                raise UserError(where, f"line {line}.{col}", f"unknown state {code!r}")
        if a == b:
            raise UserError(where, f"line {line}", f"{a} cannot border itself")
        pair = (min(a, b), max(a, b), kind)
        if pair in seen:
            raise UserError(where, f"line {line}", f"{a}-{b} ({kind}) is listed twice")
        seen.add(pair)
        if a in inside and b in inside:
            # A pair listed as both land and sea keeps the stronger tie.
            w = max(weights[kind], graph.edges[a, b]["weight"] if graph.has_edge(a, b) else 0)
            graph.add_edge(a, b, weight=w)
    if graph.number_of_edges() == 0:
        raise UserError(source, "network.file", "no border pairs between the scenario's states")
    return graph


def synthetic_graph(cfg: NetworkConfig, seed: int, source: str) -> nx.Graph:
    """A seeded synthetic graph with nodes ``0..n-1`` and unit edge weights."""
    n = cfg.n
    match cfg.kind:
        case "ring":
            # Each state tied to its k nearest on a circle (k = 2: a plain cycle).
            if cfg.k >= n:
                raise UserError(source, "network.k", f"must be below n={n}")
            g = nx.watts_strogatz_graph(n, cfg.k, 0.0, seed=seed)
        case "lattice":
            side = isqrt(n)
            if side * side != n:
                raise UserError(source, "network.n", f"a lattice needs a square number, got {n}")
            g = nx.convert_node_labels_to_integers(
                nx.grid_2d_graph(side, side, periodic=side > 2), ordering="sorted"
            )
        case "erdos_renyi":
            p = min(1.0, cfg.mean_degree / (n - 1))
            g = nx.fast_gnp_random_graph(n, p, seed=seed)
        case "small_world":
            if cfg.k >= n:
                raise UserError(source, "network.k", f"must be below n={n}")
            g = nx.watts_strogatz_graph(n, cfg.k, cfg.rewire, seed=seed)
        case "scale_free":
            if cfg.m >= n:
                raise UserError(source, "network.m", f"must be below n={n}")
            g = nx.barabasi_albert_graph(n, cfg.m, seed=seed)
        case "complete":
            g = nx.complete_graph(n)
        case _:  # pragma: no cover - pydantic restricts kind
            raise UserError(source, "network.kind", f"not a synthetic kind: {cfg.kind}")
    nx.set_edge_attributes(g, 1.0, "weight")
    return g


def segment_sums(values: np.ndarray, indptr: np.ndarray) -> np.ndarray:
    """Sum ``values[indptr[i]:indptr[i+1]]`` for every i (0 for an empty segment).

    Every neighbour sum of the model goes through this one function, in both engines, so that
    their floating-point results agree to the bit (numpy's ``add.reduceat`` sums a segment the
    same way whether it is alone or one of many; a BLAS dot or scipy's matvec do not promise
    that).
    """
    return Rows(indptr).sums(values)


class Rows:
    """:func:`segment_sums` over a fixed CSR structure, with its bookkeeping done once."""

    def __init__(self, indptr: np.ndarray) -> None:
        indptr = np.asarray(indptr)
        self.n = len(indptr) - 1
        self.nonempty = np.diff(indptr) > 0
        self.starts = indptr[:-1][self.nonempty]

    def sums(self, values: np.ndarray) -> np.ndarray:
        """Row sums of ``values`` laid out like the CSR data."""
        out = np.zeros(self.n)
        if self.starts.size:
            out[self.nonempty] = np.add.reduceat(np.asarray(values, dtype=float), self.starts)
        return out


_FIRST = np.zeros(1, dtype=np.intp)


def segment_sum(values: np.ndarray) -> float:
    """The sum of one segment, exactly as :func:`segment_sums` would give it among many."""
    return float(np.add.reduceat(values, _FIRST)[0]) if len(values) else 0.0


def hub(graph: nx.Graph) -> int:
    """The highest-degree node (lowest index on ties): the synthetic scenarios' rival."""
    return min(graph.nodes, key=lambda v: (-graph.degree(v), v))


def weight_matrix(graph: nx.Graph, order: list) -> sp.csr_matrix:
    """Symmetric neighbour-weight matrix W in the order of ``order``."""
    return nx.to_scipy_sparse_array(graph, nodelist=order, weight="weight", format="csr").astype(
        np.float64
    )


def proximity_from(
    w: sp.csr_matrix, source: int, decay: float, max_distance: int
) -> dict[int, float]:
    """Proximity of every node within ``max_distance`` hops of ``source`` (excluding itself)."""
    out: dict[int, float] = {}
    frontier = [source]
    seen = {source}
    for d in range(1, max_distance + 1):
        nxt = []
        for u in frontier:
            lo, hi = w.indptr[u], w.indptr[u + 1]
            for v, weight in zip(w.indices[lo:hi], w.data[lo:hi], strict=True):
                v = int(v)
                if v in seen:
                    continue
                seen.add(v)
                nxt.append(v)
                out[v] = float(weight) if d == 1 else decay ** (d - 1)
        frontier = nxt
    return out


def hostile_proximity(
    w: sp.csr_matrix, hostility: sp.csr_matrix, decay: float, max_distance: int
) -> sp.csr_matrix:
    """HP_ij = H_ij * P_ij, with as few bounded BFS as it takes.

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
    near = p > 0
    return sp.csr_matrix(
        (vals[near] * p[near], (rows[near], cols[near])), shape=(n, n), dtype=np.float64
    )


def hostile_neighbour_pairs(w: sp.csr_matrix, hostility: sp.csr_matrix) -> np.ndarray:
    """Unordered neighbouring pairs (i < j) where either side regards the other as a threat."""
    either = ((hostility + hostility.T) > 0).astype(np.float64)
    adj = sp.triu(sp.csr_matrix(w).multiply(either), k=1).tocoo()
    pairs = np.column_stack([adj.row, adj.col]).astype(np.int64).reshape(-1, 2)
    return pairs[np.lexsort((pairs[:, 1], pairs[:, 0]))]
