"""Synthetic graphs as edge lists (transitional: networkx underneath until numpy generators land)."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np


@dataclass(frozen=True)
class Edges:
    n: int
    u: np.ndarray
    v: np.ndarray

    def degrees(self) -> np.ndarray:
        return np.bincount(np.concatenate([self.u, self.v]), minlength=self.n)


def _edges(g: nx.Graph) -> Edges:
    e = np.array(sorted((min(a, b), max(a, b)) for a, b in g.edges()), dtype=np.int64).reshape(
        -1, 2
    )
    return Edges(g.number_of_nodes(), e[:, 0], e[:, 1])


def ring(n, k):
    return _edges(nx.watts_strogatz_graph(n, k, 0.0, seed=0))


def lattice(side, periodic):
    g = nx.convert_node_labels_to_integers(
        nx.grid_2d_graph(side, side, periodic=periodic), ordering="sorted"
    )
    return _edges(g)


def complete(n):
    return _edges(nx.complete_graph(n))


def erdos_renyi(n, p, rng):
    return _edges(nx.fast_gnp_random_graph(n, p, seed=int(rng.integers(2**31))))


def watts_strogatz(n, k, p, rng):
    return _edges(nx.watts_strogatz_graph(n, k, p, seed=int(rng.integers(2**31))))


def barabasi_albert(n, m, rng):
    return _edges(nx.barabasi_albert_graph(n, m, seed=int(rng.integers(2**31))))
