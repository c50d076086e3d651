"""Synthetic graphs: sim.graphs (numpy) against the networkx generators it replaces.

Run from the repository root::

    python benchmarks/graphs.py [--reps 5]

Each row builds the same kind of graph both ways, alternating the two implementations in one
process (seed = repetition), and reports the median wall time per graph. networkx is timed as
``sim/network.py`` calls it (``fast_gnp_random_graph`` for Erdős–Rényi, ``watts_strogatz_graph``
with p = 0 for the ring, ``grid_2d_graph`` relabelled for the lattice). The numpy side is the
generator alone; the ``csr`` column adds what the model will need next (``Edges.csr()``).

Numerical libraries are pinned to one thread (set before numpy is imported): "per core". The
load average is printed before and after: numbers from a busy machine are not comparable.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import gc  # noqa: E402
import platform  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from typing import Any  # noqa: E402

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402

from sim import graphs  # noqa: E402

Make = Callable[[int], Any]


def cases() -> list[tuple[str, str, Make, Make]]:
    """(graph, size, numpy maker, networkx maker); each maker takes a seed."""
    n_er, z = 10_000, 4.0
    p_er = z / (n_er - 1)
    n, side = 100_000, 316
    return [
        (
            "erdos_renyi",
            f"N=10^4 z={z:g}",
            lambda s: graphs.erdos_renyi(n_er, p_er, np.random.default_rng(s)),
            lambda s: nx.fast_gnp_random_graph(n_er, p_er, seed=s),
        ),
        (
            "watts_strogatz",
            "N=10^5 k=6 p=0.1",
            lambda s: graphs.watts_strogatz(n, 6, 0.1, np.random.default_rng(s)),
            lambda s: nx.watts_strogatz_graph(n, 6, 0.1, seed=s),
        ),
        (
            "barabasi_albert",
            "N=10^5 m=2",
            lambda s: graphs.barabasi_albert(n, 2, np.random.default_rng(s)),
            lambda s: nx.barabasi_albert_graph(n, 2, seed=s),
        ),
        (
            "ring",
            "N=10^5 k=6",
            lambda s: graphs.ring(n, 6),
            lambda s: nx.watts_strogatz_graph(n, 6, 0.0, seed=s),
        ),
        (
            "lattice",
            f"{side}x{side} torus",
            lambda s: graphs.lattice(side, True),
            lambda s: nx.convert_node_labels_to_integers(
                nx.grid_2d_graph(side, side, periodic=True), ordering="sorted"
            ),
        ),
        (
            "complete",
            "N=1000",
            lambda s: graphs.complete(1000),
            lambda s: nx.complete_graph(1000),
        ),
    ]


def timed(make: Make, seed: int) -> tuple[float, Any]:
    """Seconds to build one graph (after a collection, so garbage from before is not billed)."""
    gc.collect()
    start = time.perf_counter()
    graph = make(seed)
    return time.perf_counter() - start, graph


def main() -> None:
    """Time every case and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5, help="repetitions per implementation")
    reps = parser.parse_args().reps

    load_before = os.getloadavg()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, networkx {nx.__version__},"
        f" {platform.machine()}, {os.cpu_count()} CPUs; {reps} repetitions, alternating"
    )
    print(f"load average before: {' '.join(f'{x:.2f}' for x in load_before)}")
    header = (
        f"{'graph':<16}{'size':<19}{'edges':>9}{'numpy ms':>10}{'csr ms':>9}"
        f"{'networkx ms':>13}{'speed-up':>10}"
    )
    print(header)
    print("-" * len(header))
    for name, size, ours, theirs in cases():
        t_ours, t_csr, t_theirs, edges = [], [], [], 0
        for seed in range(reps):
            dt, graph = timed(ours, seed)
            t_ours.append(dt)
            edges = len(graph)
            t_csr.append(timed(lambda _s, g=graph: g.csr(), seed)[0])
            del graph
            dt, graph = timed(theirs, seed)
            t_theirs.append(dt)
            del graph
        a, c, b = (statistics.median(t) * 1e3 for t in (t_ours, t_csr, t_theirs))
        print(f"{name:<16}{size:<19}{edges:>9}{a:>10.1f}{c:>9.1f}{b:>13.1f}{b / a:>9.0f}x")
    print(f"load average after:  {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
