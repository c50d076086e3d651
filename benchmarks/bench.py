"""Benchmarks of issue 4: the vectorised engine against the agent engine and against the limit.

One command, run from the repository root::

    python benchmarks/bench.py [--quick] [--out benchmarks/results.json]

Three sections, each measured side by side in the same process so that the ratios hold on a
noisy machine (docs/performance.md explains them and shows the last measured table):

1. **Watts case** (Watts 2002: N = 10,000, Erdős–Rényi mean degree z = 4, phi = 0.18, one
   random initial mover). The graph is built once, outside every timing, by the model's own
   World (``network.seed`` fixed); then, for the same run seeds: the vectorised engine, the
   agent engine, a minimal numpy + scipy threshold kernel written here (the lower bound) and
   NDlib's ``ThresholdModel`` (when ``ndlib`` is installed: ``pip install -e ".[bench]"``).
   Every implementation steps until a step adds no mover, and all must end with the same set
   of movers. Timed per cascade run (stepping only) and end to end (construction included).
2. **Europe**, europe-2022 for 60 months, ``record_states=False`` as sweeps run it: runs per
   second on one core, both engines, alternating.
3. **Scaling**: the bundled small-world scenario (mean degree 6, a rival hub, one treaty)
   scaled to N = 10^3, 10^4, 10^5 states, vectorised engine, each size in a fresh subprocess
   (time per month, world and model construction, peak resident memory), with a linear fit of
   time per month against states + edges.

Numerical libraries are pinned to one thread (set before numpy is imported): "per core".
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from importlib import metadata  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402

import sim  # noqa: E402
from sim import EscalationModel  # noqa: E402
from sim.scenario import Scenario, load_scenario, validate  # noqa: E402
from sim.state import NOTICE, WITHDRAWN  # noqa: E402
from sim.world import check_references  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
WATTS_N, WATTS_Z, WATTS_PHI = 10_000, 4.0, 0.18
WATTS_GRAPH_SEED = 2002  # fixed: the World (graph) is built once and shared by every run
TOLERANCE = 1e-9  # the model's threshold tolerance (sim.decisions.TOLERANCE), share >= phi

#: Repetitions per mode. Watts: run seeds for the fast implementations and for the agent
#: engine, repetitions per seed. Europe: runs per engine. Scaling: months per size.
MODES: dict[str, dict[str, Any]] = {
    "quick": {
        "watts_seeds": [0, 1],
        "watts_agent_seeds": 1,
        "watts_reps": 1,
        "kernel_reps": 20,
        "europe_runs": {"vectorized": 20, "agents": 4},
        "scaling_sizes": [1_000, 10_000, 100_000],
        "scaling_months": 20,
    },
    "full": {
        "watts_seeds": [0, 1, 2, 3, 4],
        "watts_agent_seeds": 2,
        "watts_reps": 3,
        "kernel_reps": 50,
        "europe_runs": {"vectorized": 200, "agents": 30},
        "scaling_sizes": [1_000, 10_000, 100_000],
        "scaling_months": 100,
    },
}

#: Issue 4's targets.
TARGETS = {
    "watts_cascade_vs_kernel": 1.5,
    "watts_end_to_end_vs_kernel": 3.0,
    "watts_speedup_vs_ndlib": 100.0,
    "europe_runs_per_s_vectorized": 200.0,
    "europe_runs_per_s_agents": 20.0,
    "scaling_1e5_seconds": 30.0,
    "scaling_1e5_peak_mb": 1024.0,
}


# =========================================================================== helpers
def build(raw: dict[str, Any], source: str) -> Scenario:
    """Validate a scenario dict exactly as a scenario file is validated."""
    scenario = validate(raw, source, ".")
    check_references(scenario)
    return scenario


def watts_raw(n: int, z: float, phi: float, graph_seed: int) -> dict[str, Any]:
    """Watts (2002) as a scenario: peer term only, threshold phi, one random initial mover."""
    return {
        "name": "watts-bench",
        "description": f"Watts (2002) cascade: ER n={n}, z={z:g}, phi={phi:g}, one mover",
        "months": 500,  # a bound only: runs stop when a month adds no mover
        "network": {
            "kind": "erdos_renyi",
            "n": n,
            "mean_degree": z,
            "rival": "none",
            "seed": graph_seed,
        },
        "decision": {
            "w_threat": 0.0,
            "w_peer": 1.0,
            "w_alliance": 0.0,
            "w_norm": 0.0,
            "noise": 0.0,
        },
        "threat": {"posture_delta": 0.0},
        "conflict": {"incident_base": 0.0, "incident_coupling": 0.0, "war_onset": 0.0},
        "states": {"defaults": {"threshold": phi, "threshold_spread": 0.0}},
        "treaties": {"t": {"name": "T", "military_value": 0.0, "salience": 0.0, "parties": ["*"]}},
        "interventions": [{"kind": "notice", "month": 0, "treaty": "t", "random": 1}],
    }


def movers(model: EscalationModel) -> np.ndarray:
    """Positions of the states that gave notice on or left a treaty."""
    status = model.arr.status
    return np.flatnonzero(((status == NOTICE) | (status == WITHDRAWN)).any(axis=1))


def run_model(scenario: Scenario, seed: int, engine: str) -> dict[str, Any]:
    """Construct a model, step until a month adds no mover; time both parts."""
    gc.collect()
    t0 = time.perf_counter()
    model = EscalationModel(scenario, rng=seed, engine=engine, record_states=False)
    t1, c1 = time.perf_counter(), time.process_time()
    count = -1
    while model.month < scenario.months:
        model.step()
        now = len(movers(model))
        if now == count:
            break
        count = now
    t2, c2 = time.perf_counter(), time.process_time()
    return {
        "construct_s": t1 - t0,
        "cascade_s": t2 - t1,
        "cascade_cpu_s": c2 - c1,
        "steps": model.month,
        "movers": movers(model),
    }


def kernel_setup(a: sp.csr_matrix, phi: float, first: int) -> tuple[np.ndarray, np.ndarray]:
    """The lower bound's setup: how many moved neighbours each node needs, the start vector."""
    degree = np.diff(a.indptr)
    need = np.ceil((phi - TOLERANCE) * degree)  # share >= phi - tol  <=>  count >= need
    need[degree == 0] = np.inf  # no neighbours: share 0, never moves (phi > 0)
    active = np.zeros(a.shape[0])
    active[first] = 1.0
    return need, active


def kernel_cascade(
    a: sp.csr_matrix, need: np.ndarray, active: np.ndarray
) -> tuple[np.ndarray, int]:
    """Synchronous threshold updates (Watts 2002) until no change: one sparse mat-vec a step."""
    steps = 0
    while True:
        steps += 1
        new = (a @ active >= need) & (active == 0.0)
        if not new.any():
            return np.flatnonzero(active), steps
        active[new] = 1.0


def run_kernel(a: sp.csr_matrix, phi: float, first: int) -> dict[str, Any]:
    """Time the minimal numpy + scipy kernel: setup and cascade."""
    t0 = time.perf_counter()
    need, active = kernel_setup(a, phi, first)
    t1, c1 = time.perf_counter(), time.process_time()
    final, steps = kernel_cascade(a, need, active)
    t2, c2 = time.perf_counter(), time.process_time()
    return {"construct_s": t1 - t0, "cascade_s": t2 - t1, "cascade_cpu_s": c2 - c1,
            "steps": steps, "movers": final}  # fmt: skip


def run_ndlib(graph: nx.Graph, phi: float, first: int, seed: int) -> dict[str, Any]:
    """Time NDlib's ThresholdModel: construction and configuration, then iterations."""
    import ndlib.models.epidemics as ep
    from ndlib.models import ModelConfig as mc

    gc.collect()
    t0 = time.perf_counter()
    model = ep.ThresholdModel(graph, seed=seed)
    config = mc.Configuration()
    config.add_model_initial_configuration("Infected", [first])
    for node in graph.nodes:
        config.add_node_configuration("threshold", node, phi)
    model.set_initial_status(config)
    t1, c1 = time.perf_counter(), time.process_time()
    count, steps = -1, 0
    while True:
        # Iteration 0 only reports the initial status; node_status=False skips its copies.
        now = model.iteration(node_status=False)["node_count"][1]
        steps += 1
        if now == count:
            break
        count = now
    t2, c2 = time.perf_counter(), time.process_time()
    final = np.array(sorted(u for u, s in model.status.items() if s == 1))
    return {"construct_s": t1 - t0, "cascade_s": t2 - t1, "cascade_cpu_s": c2 - c1,
            "steps": steps, "movers": final}  # fmt: skip


def peak_rss_mb() -> float:
    """Peak resident memory of this process (Linux VmHWM; else getrusage's ru_maxrss).

    VmHWM is reset by exec, whereas ru_maxrss can carry the parent's peak into a subprocess.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _median(values: list[float]) -> float:
    return float(statistics.median(values)) if values else float("nan")


# =========================================================================== 1. Watts
def bench_watts(mode: dict[str, Any]) -> dict[str, Any]:
    """The Watts case, all implementations on the same graph, seeds and initial movers."""
    try:
        import ndlib  # noqa: F401

        have_ndlib = True
    except ImportError:
        have_ndlib = False
    scenario = build(watts_raw(WATTS_N, WATTS_Z, WATTS_PHI, WATTS_GRAPH_SEED), "<watts-bench>")
    t0 = time.perf_counter()
    probe = EscalationModel(scenario, rng=0, engine="vectorized", record_states=False)
    world_s = time.perf_counter() - t0  # graph + World, built once and cached on the scenario
    world = probe.world
    n = len(world.codes)
    # The same graph for the kernel and NDlib: the World's own graph with integer nodes.
    graph = nx.relabel_nodes(world.graph, world.index)
    adjacency = nx.to_scipy_sparse_array(graph, nodelist=range(n), format="csr", dtype=np.float64)
    adjacency.data[:] = 1.0
    edges = graph.number_of_edges()

    seeds = list(mode["watts_seeds"])
    agent_seeds = seeds[: mode["watts_agent_seeds"]]
    first: dict[int, int] = {}
    for s in seeds:  # the model's own initial mover for each seed (its interventions stream)
        m = EscalationModel(scenario, rng=s, engine="vectorized", record_states=False)
        m.step()
        first[s] = world.index[m.notices[0]["iso3"]]

    impls = ["kernel", "vectorized", "agents"] + (["ndlib"] if have_ndlib else [])
    runs: dict[str, dict[int, list[dict[str, Any]]]] = {k: {} for k in impls}
    reference: dict[int, np.ndarray] = {}
    same = True
    for s in seeds:
        todo = [("vectorized", mode["watts_reps"]), ("kernel", mode["kernel_reps"])]
        if have_ndlib:
            todo.append(("ndlib", mode["watts_reps"]))
        if s in agent_seeds:
            todo.append(("agents", 1))
        for impl, reps in todo:
            for _ in range(reps):
                if impl == "kernel":
                    r = run_kernel(adjacency, WATTS_PHI, first[s])
                elif impl == "ndlib":
                    r = run_ndlib(graph, WATTS_PHI, first[s], s)
                else:
                    r = run_model(scenario, s, impl)
                ref = reference.setdefault(s, r["movers"])
                r["same_movers"] = bool(np.array_equal(r["movers"], ref))
                same &= r["same_movers"]
                r["n_movers"] = len(r.pop("movers"))
                runs[impl].setdefault(s, []).append(r)
            print(
                f"  watts seed {s}: {impl:<10} {runs[impl][s][-1]['cascade_s']:.4f} s", flush=True
            )

    def per_seed(impl: str, key: str) -> dict[int, float]:
        return {
            s: _median([r[key] if key != "e2e" else r["construct_s"] + r["cascade_s"] for r in rs])
            for s, rs in runs[impl].items()
        }

    out: dict[str, Any] = {
        "n": n,
        "edges": edges,
        "z": WATTS_Z,
        "phi": WATTS_PHI,
        "graph_seed": WATTS_GRAPH_SEED,
        "seeds": seeds,
        "initial_movers": {str(s): world.codes[first[s]] for s in seeds},
        "world_build_s": world_s,
        "ndlib": have_ndlib,
        "ndlib_version": _version("ndlib") if have_ndlib else None,
        "same_final_movers": same,
        "final_movers": {str(s): int(len(reference[s])) for s in seeds},
        "implementations": {},
    }
    for impl in impls:
        cascade, e2e = per_seed(impl, "cascade_s"), per_seed(impl, "e2e")
        out["implementations"][impl] = {
            "seeds": sorted(runs[impl]),
            "runs": sum(len(v) for v in runs[impl].values()),
            "steps": {str(s): rs[0]["steps"] for s, rs in runs[impl].items()},
            "cascade_s": {str(s): v for s, v in cascade.items()},
            "end_to_end_s": {str(s): v for s, v in e2e.items()},
            "construct_s": {str(s): v for s, v in per_seed(impl, "construct_s").items()},
            "mean_cascade_s": float(np.mean(list(cascade.values()))),
            "mean_cascade_cpu_s": float(
                np.mean([r["cascade_cpu_s"] for rs in runs[impl].values() for r in rs])
            ),
            "mean_end_to_end_s": float(np.mean(list(e2e.values()))),
            "same_movers": all(r["same_movers"] for rs in runs[impl].values() for r in rs),
        }

    def ratio(a: str, b: str, key: str) -> float:
        # Mean over the seeds both ran, so that cascades of different length compare fairly.
        ka, kb = out["implementations"][a][key], out["implementations"][b][key]
        common = sorted(set(ka) & set(kb))
        return sum(ka[s] for s in common) / sum(kb[s] for s in common)

    out["ratios"] = {
        "vectorized_vs_kernel_cascade": ratio("vectorized", "kernel", "cascade_s"),
        "vectorized_vs_kernel_end_to_end": ratio("vectorized", "kernel", "end_to_end_s"),
        "agents_vs_vectorized_cascade": ratio("agents", "vectorized", "cascade_s"),
        "agents_vs_vectorized_end_to_end": ratio("agents", "vectorized", "end_to_end_s"),
        "agents_vs_kernel_cascade": ratio("agents", "kernel", "cascade_s"),
    }
    if have_ndlib:
        out["ratios"].update(
            {
                "ndlib_vs_vectorized_cascade": ratio("ndlib", "vectorized", "cascade_s"),
                "ndlib_vs_vectorized_end_to_end": ratio("ndlib", "vectorized", "end_to_end_s"),
                "ndlib_vs_kernel_cascade": ratio("ndlib", "kernel", "cascade_s"),
            }
        )
    return out


# =========================================================================== 2. Europe
def bench_europe(mode: dict[str, Any]) -> dict[str, Any]:
    """europe-2022, 60 months, record_states=False: runs per second, engines alternating."""
    scenario = load_scenario("europe-2022", months=60)
    want = mode["europe_runs"]
    for engine in want:  # warm-up: the shared World, imports, caches
        EscalationModel(scenario, rng=0, engine=engine, record_states=False).run()
    times: dict[str, list[float]] = {e: [] for e in want}
    cpu: dict[str, list[float]] = {e: [] for e in want}
    summaries: dict[str, dict[int, Any]] = {e: {} for e in want}
    every = max(1, want["vectorized"] // max(want["agents"], 1))
    for k in range(want["vectorized"]):
        engines = ["vectorized"] + (
            ["agents"] if k % every == 0 and len(times["agents"]) < want["agents"] else []
        )
        for engine in engines:
            gc.collect()
            t0, c0 = time.perf_counter(), time.process_time()
            model = EscalationModel(scenario, rng=1000 + k, engine=engine, record_states=False)
            model.run()
            times[engine].append(time.perf_counter() - t0)
            cpu[engine].append(time.process_time() - c0)
            if engine == "agents" or k % every == 0:
                s = model.summary()
                s.pop("engine")
                summaries[engine][k] = s
    identical = all(summaries["vectorized"][k] == s for k, s in summaries["agents"].items())
    out: dict[str, Any] = {
        "scenario": "europe-2022",
        "months": 60,
        "states": len(sim.EscalationModel(scenario, rng=0).world.codes),
        "identical_summaries": identical,
        "engines": {},
    }
    for engine, ts in times.items():
        out["engines"][engine] = {
            "runs": len(ts),
            "mean_s": float(np.mean(ts)),
            "median_s": _median(ts),
            "runs_per_s": len(ts) / float(np.sum(ts)),
            "cpu_mean_s": float(np.mean(cpu[engine])),
            "runs_per_cpu_s": len(ts) / float(np.sum(cpu[engine])),
        }
    out["speedup_vectorized_vs_agents"] = (
        out["engines"]["vectorized"]["runs_per_s"] / out["engines"]["agents"]["runs_per_s"]
    )
    return out


# =========================================================================== 3. scaling
def scaling_child(n: int, months: int) -> dict[str, Any]:
    """One size, in its own process: construction, time per month, peak memory."""
    baseline_mb = peak_rss_mb()  # the interpreter with sim and its dependencies imported
    t0 = time.perf_counter()
    scenario = load_scenario(
        "small-world", {"network.n": n, "network.seed": 1, "months": months, "seed": 1}
    )
    t1 = time.perf_counter()
    model = EscalationModel(scenario, rng=1, engine="vectorized", record_states=False)
    first_s = time.perf_counter() - t1  # the first model builds the World (graph, proximity,
    t2 = time.perf_counter()  # hostility); later models share it and build only themselves
    model = EscalationModel(scenario, rng=1, engine="vectorized", record_states=False)
    construct_s = time.perf_counter() - t2
    world_s = max(first_s - construct_s, 0.0)
    per_month, cpu_month = [], []
    for _ in range(months):
        t, c = time.perf_counter(), time.process_time()
        model.step()
        per_month.append(time.perf_counter() - t)
        cpu_month.append(time.process_time() - c)
    w = model.world.w
    return {
        "n": n,
        "edges": int(w.nnz // 2),
        "months": months,
        "load_s": t1 - t0,
        "world_build_s": world_s,
        "construct_s": construct_s,
        "run_s": float(np.sum(per_month)),
        "per_month_mean_s": float(np.mean(per_month)),
        "per_month_median_s": _median(per_month),
        "cpu_per_month_median_s": _median(cpu_month),
        "notices": len(model.notices),
        "baseline_rss_mb": baseline_mb,
        "peak_rss_mb": peak_rss_mb(),
    }


def bench_scaling(mode: dict[str, Any]) -> dict[str, Any]:
    """Each size in a fresh subprocess (clean peak memory), then a linear fit."""
    rows = []
    for n in mode["scaling_sizes"]:
        proc = subprocess.run(
            [sys.executable, __file__, "--scaling-child", str(n), str(mode["scaling_months"])],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        row = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(row)
        print(
            f"  scaling n={n}: {row['per_month_median_s'] * 1e3:.2f} ms/month (median)", flush=True
        )
    x = np.array([r["n"] + r["edges"] for r in rows], dtype=float)
    # Medians over the months: robust to another process taking the core for a while.
    wall = linear_fit(x, np.array([r["per_month_median_s"] for r in rows]))
    cpu = linear_fit(x, np.array([r["cpu_per_month_median_s"] for r in rows]))
    for k, r in enumerate(rows):
        r["fit_s"] = wall["fitted_s"][k]
        r["per_month_per_unit_us"] = r["per_month_median_s"] / (r["n"] + r["edges"]) * 1e6
    return {
        "scenario": "small-world (k = 6: mean degree 6; rival hub; one treaty)",
        "engine": "vectorized",
        "rows": rows,
        "fit": {"model": "median time per month = intercept + slope * (states + edges)", **wall},
        "fit_cpu": cpu,
    }


def linear_fit(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Least squares y = intercept + slope * x, its R^2, and the log-log slope of the last two."""
    slope, intercept = np.polyfit(x, y, 1)
    fitted = intercept + slope * x
    r2 = 1.0 - float(np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2))
    exponent = float(np.log(y[-1] / y[-2]) / np.log(x[-1] / x[-2])) if len(x) > 1 else None
    return {
        "intercept_s": float(intercept),
        "slope_us_per_unit": float(slope) * 1e6,
        "r2": r2,
        "loglog_exponent_last_two": exponent,
        "fitted_s": [float(f) for f in fitted],
    }


# =========================================================================== report
def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Each target of issue 4 with the measured value and whether it is met."""
    out = []

    def add(name: str, measured: float, limit: float, op: str, unit: str = "") -> None:
        met = measured <= limit if op == "<=" else measured >= limit
        out.append(
            {
                "target": name,
                "measured": measured,
                "limit": f"{op} {limit:g}{unit}",
                "met": bool(met),
            }
        )

    if "watts" in res:
        r = res["watts"]["ratios"]
        add(
            "Watts: vectorised / kernel, per cascade",
            r["vectorized_vs_kernel_cascade"],
            TARGETS["watts_cascade_vs_kernel"],
            "<=",
            "x",
        )
        add(
            "Watts: vectorised / kernel, end to end",
            r["vectorized_vs_kernel_end_to_end"],
            TARGETS["watts_end_to_end_vs_kernel"],
            "<=",
            "x",
        )
        if "ndlib_vs_vectorized_cascade" in r:
            add(
                "Watts: NDlib / vectorised, per cascade (speed-up)",
                r["ndlib_vs_vectorized_cascade"],
                TARGETS["watts_speedup_vs_ndlib"],
                ">=",
                "x",
            )
        out.append(
            {
                "target": "Watts: same final set of movers (all implementations)",
                "measured": res["watts"]["same_final_movers"],
                "limit": "true",
                "met": bool(res["watts"]["same_final_movers"]),
            }
        )
    if "europe" in res:
        e = res["europe"]["engines"]
        add(
            "Europe 60 months: vectorised runs/s per core",
            e["vectorized"]["runs_per_s"],
            TARGETS["europe_runs_per_s_vectorized"],
            ">=",
        )
        add(
            "Europe 60 months: agent runs/s per core",
            e["agents"]["runs_per_s"],
            TARGETS["europe_runs_per_s_agents"],
            ">=",
        )
    if "scaling" in res:
        big = max(res["scaling"]["rows"], key=lambda r: r["n"])
        if big["n"] >= 100_000:
            scale = 100 / big["months"]  # the target is for 100 months
            add(
                f"10^5 states, 100 months: run time (s){' (extrapolated)' if scale != 1 else ''}",
                big["run_s"] * scale,
                TARGETS["scaling_1e5_seconds"],
                "<=",
                " s",
            )
            add(
                "10^5 states, 100 months: incl. world + model construction (s)",
                big["run_s"] * scale + big["world_build_s"] + big["construct_s"],
                TARGETS["scaling_1e5_seconds"],
                "<=",
                " s",
            )
            add(
                "10^5 states: peak resident memory (MB)",
                big["peak_rss_mb"],
                TARGETS["scaling_1e5_peak_mb"],
                "<=",
                " MB",
            )
        fit = res["scaling"]["fit"]
        slope = fit["loglog_exponent_last_two"]
        out.append(
            {
                "target": "time per month linear in states + edges (R^2; log-log slope)",
                "measured": f"{fit['r2']:.4f}; {slope:.2f}",
                "limit": "R^2 >= 0.99 and slope <= 1.1",
                "met": bool(fit["r2"] >= 0.99 and slope <= 1.1),
            }
        )
    return out


def print_table(res: dict[str, Any]) -> None:
    """The human-readable table."""
    m = res["machine"]
    print(
        f"\nescalation-sim benchmarks ({res['mode']}), {m['cpu']} x{m['cpus']}, "
        f"Python {m['python']}, commit {m['git_commit'][:10]}{' (dirty)' if m['git_dirty'] else ''}"
    )
    if "watts" in res:
        w = res["watts"]
        print(
            f"\n1. Watts case: ER N={w['n']}, {w['edges']} edges, z={w['z']:g}, "
            f"phi={w['phi']:g}, seeds {w['seeds']}; final movers {w['final_movers']}, "
            f"same set for all: {w['same_final_movers']}"
        )
        print(f"   graph + World built once: {w['world_build_s']:.2f} s (not timed below)")
        kc = w["implementations"]["kernel"]
        head = f"   {'implementation':<26}{'runs':>5}{'cascade ms':>13}{'(cpu ms)':>11}"
        print(head + f"{'end-to-end ms':>15}{'x kernel':>10}{'x kernel e2e':>14}")
        names = {
            "kernel": "numpy+scipy kernel",
            "vectorized": "vectorised engine",
            "agents": "agent engine",
            "ndlib": f"NDlib {w['ndlib_version']}",
        }
        for impl, r in w["implementations"].items():
            common = [s for s in r["cascade_s"] if s in kc["cascade_s"]]
            rc = sum(r["cascade_s"][s] for s in common) / sum(kc["cascade_s"][s] for s in common)
            re = sum(r["end_to_end_s"][s] for s in common) / sum(
                kc["end_to_end_s"][s] for s in common
            )
            print(
                f"   {names[impl]:<26}{r['runs']:>5}{r['mean_cascade_s'] * 1e3:>13.2f}"
                f"{r['mean_cascade_cpu_s'] * 1e3:>11.2f}"
                f"{r['mean_end_to_end_s'] * 1e3:>15.2f}{rc:>10.1f}{re:>14.1f}"
            )
        if not w["ndlib"]:
            print('   NDlib not installed (pip install -e ".[bench]"): skipped')
    if "europe" in res:
        e = res["europe"]
        print(
            f"\n2. Europe ({e['scenario']}, {e['states']} states, {e['months']} months, "
            f"record_states=False), one core; identical summaries: {e['identical_summaries']}"
        )
        for engine, r in e["engines"].items():
            print(
                f"   {engine:<12} {r['runs']:>4} runs  {r['mean_s'] * 1e3:8.1f} ms/run  "
                f"{r['runs_per_s']:8.1f} runs/s  (CPU time: {r['cpu_mean_s'] * 1e3:.1f} ms/run, "
                f"{r['runs_per_cpu_s']:.1f} runs per CPU-second)"
            )
        print(f"   vectorised / agents: {e['speedup_vectorized_vs_agents']:.1f}x")
    if "scaling" in res:
        s = res["scaling"]
        print(f"\n3. Scaling: {s['scenario']}, {s['engine']} engine")
        print(
            f"   {'states':>8}{'edges':>9}{'months':>7}{'world s':>9}{'model s':>9}"
            f"{'ms/month':>10}{'cpu ms':>8}{'fit ms':>9}{'us/(n+e)':>10}{'run s':>8}"
            f"{'peak MB':>9}{'base MB':>9}"
        )
        for r in s["rows"]:
            print(
                f"   {r['n']:>8}{r['edges']:>9}{r['months']:>7}{r['world_build_s']:>9.2f}"
                f"{r['construct_s']:>9.3f}{r['per_month_median_s'] * 1e3:>10.3f}"
                f"{r['cpu_per_month_median_s'] * 1e3:>8.3f}"
                f"{r['fit_s'] * 1e3:>9.3f}{r['per_month_per_unit_us']:>10.4f}"
                f"{r['run_s']:>8.2f}{r['peak_rss_mb']:>9.0f}{r['baseline_rss_mb']:>9.0f}"
            )
        f = s["fit"]
        print(
            f"   fit: time/month = {f['intercept_s'] * 1e3:.3f} ms + "
            f"{f['slope_us_per_unit']:.4f} us x (states + edges), R^2 = {f['r2']:.4f}; "
            f"log-log slope between the two largest sizes {f['loglog_exponent_last_two']:.2f}"
        )
        c = s["fit_cpu"]
        print(
            f"   same fit on CPU time: {c['intercept_s'] * 1e3:.3f} ms + "
            f"{c['slope_us_per_unit']:.4f} us x (states + edges), R^2 = {c['r2']:.4f}; "
            f"log-log slope {c['loglog_exponent_last_two']:.2f}"
        )
    print("\nTargets (issue 4)")
    for t in res["targets"]:
        v = t["measured"]
        shown = f"{v:.3g}" if isinstance(v, float) else str(v)
        print(
            f"   {'MET   ' if t['met'] else 'MISSED'} {t['target']:<62} {shown:>10}  ({t['limit']})"
        )


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str:
    try:
        return subprocess.run(
            ["git", *args], capture_output=True, text=True, cwd=ROOT, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def machine() -> dict[str, Any]:
    """Where the numbers come from."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            d: _version(d)
            for d in ("escalation-sim", "mesa", "numpy", "scipy", "networkx", "pandas", "ndlib")
        },
        "git_commit": _git("rev-parse", "HEAD") or "unknown",
        "git_dirty": bool(_git("status", "--porcelain", "--", "sim")),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "load_average_at_start": list(os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="fewer repetitions, 20 months scaling")
    p.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.json")
    p.add_argument(
        "--only", nargs="+", choices=["watts", "europe", "scaling"], help="run some sections"
    )
    p.add_argument(
        "--scaling-child", nargs=2, type=int, metavar=("N", "MONTHS"), help=argparse.SUPPRESS
    )
    args = p.parse_args(argv)
    if args.scaling_child:
        print(json.dumps(scaling_child(*args.scaling_child)))
        return 0
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]
    sections = args.only or ["watts", "europe", "scaling"]
    res: dict[str, Any] = {"mode": mode_name, "machine": machine(), "targets_spec": TARGETS}
    started = time.perf_counter()
    if "watts" in sections:
        print("1. Watts case ...", flush=True)
        res["watts"] = bench_watts(mode)
    if "europe" in sections:
        print("2. Europe ...", flush=True)
        res["europe"] = bench_europe(mode)
    if "scaling" in sections:
        print("3. Scaling ...", flush=True)
        res["scaling"] = bench_scaling(mode)
    res["targets"] = targets(res)
    res["wall_s"] = time.perf_counter() - started
    res["machine"]["load_average_at_end"] = list(os.getloadavg())
    print_table(res)
    load = res["machine"]["load_average_at_start"][0], res["machine"]["load_average_at_end"][0]
    print(f"\n(benchmark wall time {res['wall_s']:.0f} s; 1-minute load average {load[0]:.1f} "
          f"at start, {load[1]:.1f} at end, on {res['machine']['cpus']} CPUs)")  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0 if res.get("watts", {}).get("same_final_movers", True) else 1


if __name__ == "__main__":
    sys.exit(main())
