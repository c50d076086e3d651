"""Benchmarks of issue 12: the batched engine against its targets, measured end to end.

One command, run from the repository root::

    python benchmarks/bench.py [--quick] [--only SECTION ...] [--out benchmarks/results.json]

Five sections (docs/performance.md explains each and shows the last measured table):

1. ``sweep``: a Europe sweep on one core, end to end. A temporary experiment file with the
   design and outcome set of ``experiments/article20.toml`` (8 design points, every state's notice
   month, derived outcomes, a monthly series, scenario discovery), europe-2022 for 60 months,
   20,000 runs (quick: 4,000), run by ``run_sweep(executor="serial", workers=0)`` in this
   process: runs/s over the whole call (wall and CPU) and over its compute part (the manifest's
   session ``seconds``). For context, the bare kernel: a ``Batch`` of 256 runs x 60 months with
   the same outcome columns computed, alternated with the sweep.
2. ``parallel``: the same experiment with 100,000 runs (quick: 20,000, and a scaled estimate
   labelled as such) on the local executor with 2 workers, in a fresh subprocess whose process
   tree (parent, fork server, workers) is polled in /proc every 0.2 s for resident memory and CPU.
3. ``watts``: Watts (2002), N = 10^4, z = 4, phi = 0.18, one random initial mover, on one
   shared graph (``network.seed`` fixed) and with a graph drawn per run. The model (vectorised
   engine, stepped until a month adds no notice) against a minimal numpy + scipy kernel (one
   sparse mat-vec per step; end to end it draws the graph with ``sim.graphs.erdos_renyi`` from
   the same generator and builds the CSR), NDlib's ``ThresholdModel`` when installed
   (``pip install -e ".[bench]"``), and an independent pure-Python kernel (a queue of newly
   activated nodes and a count of active neighbours, on adjacency lists). All must end with
   the same set of movers for every seed, or the benchmark stops.
   ``validate``: ``escalation validate all`` with its defaults, in a subprocess (wall time).
4. ``agents``: ``EscalationModel(europe-2022, engine="agents", record_states=False)`` for 60
   months, alternating with the vectorised engine on the same seeds; summaries must be equal.
5. ``scale``: the bundled ``small-world`` scenario at 10^3, 10^4 and 10^5 states
   (``network.seed`` fixed), 100 months, vectorised, each size in its own subprocess: World,
   construction, time per month, peak resident memory, and a fit of time per month against
   states + edges.

Numerical libraries are pinned to one thread before numpy is imported, and the benchmark
measures the checkout it lives in (it puts its repository first on ``sys.path`` and on
``PYTHONPATH`` for its subprocesses and pool workers). Every timing records wall and CPU time;
the load average is recorded before and after each section, because the machine may be shared.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"  # one core: set before numpy (or anything importing it) is loaded

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # measure this checkout, whatever is installed
os.environ["PYTHONPATH"] = os.pathsep.join(
    [str(ROOT), *[p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]]
)

import argparse  # noqa: E402
import gc  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import tomllib  # noqa: E402
from collections import deque  # noqa: E402
from importlib import metadata  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
import tomli_w  # noqa: E402

import sim  # noqa: E402
from sim import EscalationModel, graphs, runner  # noqa: E402
from sim.experiment import run_sweep  # noqa: E402
from sim.experiment.outcomes import compute, series  # noqa: E402
from sim.experiment.plan import make_plan  # noqa: E402
from sim.journal import FORCED, Kind  # noqa: E402
from sim.model import Batch  # noqa: E402
from sim.rng import run_seeds  # noqa: E402
from sim.scenario import Scenario, build_world, graph_rng, load_scenario  # noqa: E402
from sim.validation.scenarios import build, watts_scenario  # noqa: E402

WATTS_N, WATTS_Z, WATTS_PHI = 10_000, 4.0, 0.18
WATTS_GRAPH_SEED = 2002  # the shared-graph variant's network.seed
TOLERANCE = 1e-9  # the model's threshold tolerance (sim.decisions.TOLERANCE): share >= phi - tol
EUROPE_MONTHS = 60
KERNEL_BATCH = 256
SCALE_MONTHS = 100
POLL_S = 0.2
PSS_EVERY = 10  # the tree's PSS every 10th sample (reading smaps_rollup costs CPU)

#: What each mode runs. Times are for the 2-core machine of docs/performance.md.
MODES: dict[str, dict[str, Any]] = {
    "quick": {
        "sweep_runs": 4_000,
        "kernel_reps": 2,  # batches of 256, before and after the sweep each
        "parallel_runs": 20_000,
        "watts_seeds": 3,
        "watts_reps": 2,
        "watts_free_seeds": 6,
        "ndlib_seeds": 1,
        "validate_quick": True,
        "agent_runs": 8,
        "scale_sizes": [1_000, 10_000, 100_000],
    },
    "full": {
        "sweep_runs": 20_000,
        "kernel_reps": 4,
        "parallel_runs": 100_000,
        "watts_seeds": 10,
        "watts_reps": 3,
        "watts_free_seeds": 40,
        "ndlib_seeds": 3,
        "validate_quick": False,
        "agent_runs": 40,
        "scale_sizes": [1_000, 10_000, 100_000],
    },
}
WATTS_NAMES = {
    "model": "model (vectorised)",
    "kernel": "numpy+scipy kernel",
    "python": "pure-Python kernel*",
    "ndlib": "NDlib ThresholdModel",
}
SECTIONS = ("sweep", "parallel", "watts", "validate", "agents", "scale")

#: Issue 12's targets (and the criteria this benchmark adds where the issue gives none).
TARGETS = {
    "sweep_runs_per_s": 1_000.0,  # per core, end to end; aim 2,000
    "sweep_runs_per_s_aim": 2_000.0,
    "parallel_runs": 100_000,
    "parallel_wall_s": 120.0,
    "parallel_peak_mb": 1_024.0,  # per process (criterion of this benchmark)
    "parallel_growth": 1.2,  # RSS growth over the compute phase (criterion of this benchmark)
    "watts_cascade_vs_kernel": 1.5,
    "watts_end_to_end_vs_kernel": 3.0,
    "validate_wall_s": 120.0,
    "agents_runs_per_s": 20.0,
    "scale_seconds": 30.0,
    "scale_peak_mb": 1_024.0,
}


# =========================================================================== helpers
def clock() -> tuple[float, float]:
    """Wall and CPU time of this process (all its threads)."""
    return time.perf_counter(), time.process_time()


def load() -> float:
    """The 1-minute load average."""
    return round(os.getloadavg()[0], 2)


def median(values: list[float]) -> float:
    """The median (NaN for none)."""
    return float(statistics.median(values)) if values else float("nan")


def status_kb(pid: int | str, key: str) -> int | None:
    """A ``kB`` field of /proc/PID/status (VmRSS, VmHWM), or None if the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def smaps_pss_kb(pid: int) -> int | None:
    """Proportional set size of a process (its shared pages divided among their users)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def peak_rss_mb() -> float:
    """Peak resident memory of this process (VmHWM, reset by exec; else ru_maxrss)."""
    kb = status_kb("self", "VmHWM")
    if kb is None:
        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return kb / 1024


def children_cpu_s() -> float:
    """CPU seconds of the waited-for children of this process (subprocess.run's)."""
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def child_env() -> dict[str, str]:
    """The environment of a subprocess: this checkout first, one thread."""
    return dict(os.environ)


def run_child(args: list[str], timeout: float = 1800) -> tuple[dict[str, Any], float, float]:
    """Run ``bench.py --child ...`` in a fresh interpreter: its JSON, wall and CPU seconds."""
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        timeout=timeout,
    )
    wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"child {args} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1]), wall, cpu


# =========================================================================== 1. sweep
def europe_experiment(path: Path, runs: int) -> dict[str, Any]:
    """Write article20's experiment as a ``runs``-run sweep of europe-2022 over 60 months."""
    spec = tomllib.loads((ROOT / "experiments" / "article20.toml").read_text(encoding="utf-8"))
    spec.pop("quick", None)
    points = math.prod(len(lever["values"]) for lever in spec["levers"].values())
    if runs % points:
        raise ValueError(f"runs must be a multiple of the {points} design points, got {runs}")
    spec.update(name="bench-europe", months=EUROPE_MONTHS, replicates=runs // points)
    spec["description"] = f"benchmarks/bench.py: article20's design and outcomes, {runs} runs"
    path.write_text(tomli_w.dumps(spec), encoding="utf-8")
    return {
        "file": "experiments/article20.toml (design, outcomes, discovery)",
        "scenario": spec["scenario"],
        "months": EUROPE_MONTHS,
        "points": points,
        "replicates": runs // points,
        "runs": runs,
        "outcome_fields": spec["outcomes"]["fields"],
        "derived": [d["name"] for d in spec["outcomes"].get("derived", [])],
        "series": spec["outcomes"].get("series"),
    }


def bare_kernel(plan: Any, scenario: Scenario, seeds: list[int]) -> dict[str, float]:
    """One Batch of the runs: construction, 60 months, the sweep's outcome columns."""
    gc.collect()
    t0, c0 = clock()
    batch = Batch([scenario] * len(seeds), seeds).run(EUROPE_MONTHS)
    t1, c1 = clock()
    offered = batch.outcomes()
    compute(plan.context.plan, offered)
    series(plan.context.plan, offered, list(range(len(seeds))))
    t2, c2 = clock()
    return {"wall_s": t2 - t0, "cpu_s": c2 - c0, "run_s": t1 - t0, "outcomes_s": t2 - t1}


def bench_sweep(mode: dict[str, Any], tmp: Path) -> dict[str, Any]:
    """Section 1: the Europe sweep on one core, end to end, and the bare kernel beside it."""
    exp = tmp / "bench-europe.toml"
    info = europe_experiment(exp, mode["sweep_runs"])
    plan = make_plan(str(exp))  # for the kernel's outcome plan (the sweep makes its own)
    point0 = load_scenario(plan.context.scenario, plan.design.overrides(0))
    seeds = plan.seeds[:KERNEL_BATCH]
    bare_kernel(plan, point0, seeds)  # warm-up: World, caches
    kernel: list[dict[str, float]] = []
    for _ in range(mode["kernel_reps"]):
        kernel.append(bare_kernel(plan, point0, seeds))
    out_dir = tmp / "sweep-serial"
    gc.collect()
    before = load()
    t0, c0 = clock()
    report = run_sweep(
        exp, out=out_dir, workers=0, executor="serial", progress=False, command=["bench.py"]
    )
    t1, c1 = clock()
    after = load()
    for _ in range(mode["kernel_reps"]):  # the kernel again, after the sweep: alternation
        kernel.append(bare_kernel(plan, point0, seeds))
    if report.status != "complete" or report.computed != info["runs"] or report.failed:
        raise RuntimeError(f"the sweep did not complete: {report}")
    man = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    session = man["sessions"][-1]
    wall, cpu = t1 - t0, c1 - c0
    runs = info["runs"]
    files = {f: (out_dir / f).stat().st_size for f in report.outputs if (out_dir / f).is_file()}
    k_wall = median([k["wall_s"] for k in kernel])
    k_cpu = median([k["cpu_s"] for k in kernel])
    res = {
        "experiment": info,
        "executor": "serial (workers=0, in this process)",
        "task_size": report.batch,
        "wall_s": wall,
        "cpu_s": cpu,
        "runs_per_s": runs / wall,
        "runs_per_cpu_s": runs / cpu,
        "compute_s": session["seconds"],
        "compute_runs_per_s": runs / session["seconds"],
        "other_s": wall - session["seconds"],
        "files_bytes": files,
        "load_during": [before, after],
        "kernel": {
            "what": f"Batch of {KERNEL_BATCH} runs x {EUROPE_MONTHS} months (design point 0) "
            "+ the sweep's outcome columns and series",
            "reps": len(kernel),
            "wall_s_median": k_wall,
            "cpu_s_median": k_cpu,
            "runs_per_s": KERNEL_BATCH / k_wall,
            "runs_per_cpu_s": KERNEL_BATCH / k_cpu,
            "outcomes_share": median([k["outcomes_s"] / k["wall_s"] for k in kernel]),
            "reps_wall_s": [k["wall_s"] for k in kernel],
        },
    }
    shutil.rmtree(out_dir, ignore_errors=True)
    return res


# =========================================================================== 2. parallel
class TreePoller(threading.Thread):
    """Polls /proc every ``POLL_S`` s: RSS, peak RSS and CPU of this process and its descendants."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.root = os.getpid()
        self.stop = threading.Event()
        self.tick = os.sysconf("SC_CLK_TCK")
        self.procs: dict[int, dict[str, Any]] = {}  # pid -> role, hwm_kb, cpu_s, first, last
        self.timeline: list[tuple[float, dict[str, int]]] = []  # (t, role -> summed RSS kB)
        self.pss_peak_kb = 0  # the tree's summed PSS (shared pages split, not counted twice)
        self.t0 = time.perf_counter()

    def _stat(self, pid: int) -> tuple[int, float] | None:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return int(fields[1]), (int(fields[11]) + int(fields[12])) / self.tick
        except (OSError, IndexError, ValueError):
            return None

    def _cmdline(self, pid: int) -> str:
        try:
            return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return ""

    def sample(self) -> None:
        """One look at the tree: new processes, peaks, CPU, RSS by role."""
        parent: dict[int, int] = {}
        cpu: dict[int, float] = {}
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                got = self._stat(int(entry.name))
                if got is not None:
                    parent[int(entry.name)], cpu[int(entry.name)] = got
        tree, todo = [self.root], deque([self.root])  # breadth first: parents before children
        kids: dict[int, list[int]] = {}
        for pid, ppid in parent.items():
            kids.setdefault(ppid, []).append(pid)
        while todo:
            for c in kids.get(todo.popleft(), []):
                if c not in tree:
                    tree.append(c)
                    todo.append(c)
        now = time.perf_counter() - self.t0
        rss_by_role: dict[str, int] = {}
        pss = 0
        for pid in tree:
            p = self.procs.get(pid)
            if p is None:
                p = self.procs[pid] = {"role": self._role(pid, parent), "hwm_kb": 0, "first": now}
            hwm, rss = status_kb(pid, "VmHWM"), status_kb(pid, "VmRSS")
            if hwm is None or rss is None:
                continue
            p["hwm_kb"] = max(p["hwm_kb"], hwm)
            p["cpu_s"] = cpu.get(pid, p.get("cpu_s", 0.0))
            p["last"] = now
            rss_by_role[p["role"]] = rss_by_role.get(p["role"], 0) + rss
            if len(self.timeline) % PSS_EVERY == 0:  # ~7 ms per process: not every sample
                pss += smaps_pss_kb(pid) or 0
        self.timeline.append((now, rss_by_role))
        self.pss_peak_kb = max(self.pss_peak_kb, pss)

    def _role(self, pid: int, parent: dict[int, int]) -> str:
        # A worker forks from the fork server and keeps its command line: look at the parent.
        if pid == self.root:
            return "parent"
        up = self.procs.get(parent.get(pid, 0), {}).get("role")
        if up == "forkserver":
            return "worker"
        cmd = self._cmdline(pid)
        if up == "parent" and "forkserver" in cmd:
            return "forkserver"
        if "resource_tracker" in cmd:
            return "resource_tracker"
        return "other"

    def run(self) -> None:
        """Sample until stopped."""
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(POLL_S)

    def finish(self) -> None:
        """Stop, then take a last sample."""
        self.stop.set()
        self.join()
        self.sample()


def parallel_child(runs: int, workers: int) -> dict[str, Any]:
    """In a fresh interpreter: the sweep on the local executor, its process tree polled."""
    with tempfile.TemporaryDirectory(prefix="bench-parallel-") as tmp:
        exp = Path(tmp) / "bench-europe.toml"
        info = europe_experiment(exp, runs)
        base_mb = peak_rss_mb()
        poller = TreePoller()
        before = load()
        poller.start()
        t0, c0 = clock()
        report = run_sweep(
            exp,
            out=Path(tmp) / "out",
            workers=workers,
            executor="local",
            progress=False,
            command=["bench.py"],
        )
        t1, c1 = clock()
        poller.finish()
        after = load()
        man = json.loads((Path(tmp) / "out" / "manifest.json").read_text(encoding="utf-8"))
    if report.status != "complete" or report.computed != runs or report.failed:
        raise RuntimeError(f"the sweep did not complete: {report}")
    session = man["sessions"][-1]
    procs = list(poller.procs.values())
    workers_seen = [p for p in procs if p["role"] == "worker"]
    # Compute phase: from the first worker's appearance to the last sample it was seen alive.
    start = min((p["first"] for p in workers_seen), default=0.0)
    end = max((p.get("last", 0.0) for p in workers_seen), default=0.0)
    span = max(end - start, 1e-9)

    def quarter_max(role: str, lo: float, hi: float) -> int:
        vals = [
            rss.get(role, 0)
            for t, rss in poller.timeline
            if start + lo * span <= t <= start + hi * span
        ]
        return max(vals, default=0)

    parent_rss = [(t, rss.get("parent", 0)) for t, rss in poller.timeline]
    growth = {}
    for role in ("parent", "worker"):
        first, last = quarter_max(role, 0.0, 0.25), quarter_max(role, 0.75, 1.0)
        growth[role] = last / first if first else None
    return {
        "experiment": info,
        "workers": workers,
        "task_size": report.batch,
        "wall_s": t1 - t0,
        "parent_cpu_s": c1 - c0,
        # This process's CPU during the sweep plus the last sample of every other process's.
        "tree_cpu_s_sampled": (c1 - c0)
        + sum(p.get("cpu_s", 0.0) for p in procs if p["role"] != "parent"),
        "compute_s": session["seconds"],
        "load_during": [before, after],
        "parent_base_mb": base_mb,
        "parent_peak_mb": peak_rss_mb(),
        "forkserver_peak_mb": max(
            (p["hwm_kb"] / 1024 for p in procs if p["role"] == "forkserver"), default=None
        ),
        "worker_peak_mb": max((p["hwm_kb"] / 1024 for p in workers_seen), default=None),
        # The parent's sampled RSS while the workers ran, and after (assembly and analysis).
        "parent_rss_compute_max_mb": max((r for t, r in parent_rss if t <= end), default=0) / 1024,
        "parent_rss_finish_max_mb": max((r for t, r in parent_rss if t > end), default=0) / 1024,
        "worker_processes": len(workers_seen),
        "tree_rss_peak_mb": max((sum(r.values()) for _, r in poller.timeline), default=0) / 1024,
        "tree_pss_peak_mb": poller.pss_peak_kb / 1024,
        "rss_growth_last_vs_first_quarter": growth,
        "samples": len(poller.timeline),
    }


def bench_parallel(mode: dict[str, Any]) -> dict[str, Any]:
    """Section 2: the 100,000-run sweep on 2 workers, in a fresh process (clean peaks)."""
    runs = mode["parallel_runs"]
    res, wall, cpu = run_child(["parallel", str(runs), "2"])
    res["subprocess_wall_s"] = wall  # interpreter start and imports included
    res["subprocess_cpu_s"] = cpu  # the child only: its pool's processes are not its waited-for
    res["runs_per_s"] = runs / res["wall_s"]
    target = TARGETS["parallel_runs"]
    if runs == target:
        res["wall_s_100k"] = res["wall_s"]
        res["wall_s_100k_kind"] = "measured"
    else:  # quick mode: the fixed part as measured, the compute part scaled
        fixed = res["wall_s"] - res["compute_s"]
        res["wall_s_100k"] = fixed + res["compute_s"] * target / runs
        res["wall_s_100k_kind"] = (
            f"ESTIMATE from {runs:,} runs: (wall - compute) + compute x {target / runs:g}"
        )
    return res


# =========================================================================== 3. watts
def movers_of(batch: Batch) -> np.ndarray:
    """Run 0's states that gave notice (positions)."""
    return np.flatnonzero((batch.state.first_notice[0] >= 0).any(axis=1))


def model_cascade(scenario: Scenario, seed: int) -> dict[str, Any]:
    """The model end to end: World (graph), Batch, steps until a month adds no notice."""
    gc.collect()
    t0, c0 = clock()
    world = build_world(scenario, seed)
    t1 = time.perf_counter()
    batch = Batch([scenario], [seed], world=world)
    t2, c2 = clock()
    while batch.month < scenario.months:
        batch.step()
        if not (batch.state.notice_month == batch.month - 1).any():
            break
    t3, c3 = clock()
    table = batch.journal.table()
    forced = table["state"][(table["kind"] == Kind.NOTICE) & (table["ref"] == FORCED)]
    return {
        "world_s": t1 - t0,
        "construct_s": t2 - t1,
        "cascade_s": t3 - t2,
        "cascade_cpu_s": c3 - c2,
        "end_to_end_s": t3 - t0,
        "end_to_end_cpu_s": c3 - c0,
        "steps": batch.month,
        "movers": movers_of(batch),
        "first": int(forced[0]),
        "csr": (world.w.indptr, world.w.indices),
    }


def kernel_cascade(scenario: Scenario, seed: int, first: int) -> dict[str, Any]:
    """The minimal kernel: draw the graph, build the CSR, then one sparse mat-vec per step."""
    n, z = scenario.network.n, scenario.network.mean_degree
    gc.collect()
    t0, c0 = clock()
    edges = graphs.erdos_renyi(n, min(1.0, z / (n - 1)), graph_rng(scenario, seed))
    indptr, indices = edges.csr()
    a = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(n, n))
    degree = np.diff(indptr)
    need = np.ceil((WATTS_PHI - TOLERANCE) * degree)  # share >= phi - tol <=> count >= need
    need[degree == 0] = np.inf  # no neighbours: share 0, never moves
    active = np.zeros(n)
    active[first] = 1.0
    t1, c1 = clock()
    steps = 0
    while True:
        steps += 1
        new = (a @ active >= need) & (active == 0.0)
        if not new.any():
            break
        active[new] = 1.0
    t2, c2 = clock()
    return {
        "setup_s": t1 - t0,
        "cascade_s": t2 - t1,
        "cascade_cpu_s": c2 - c1,
        "end_to_end_s": t2 - t0,
        "end_to_end_cpu_s": c2 - c0,
        "steps": steps,
        "movers": np.flatnonzero(active),
        "edges": edges,
        "csr": (indptr, indices),
    }


def python_cascade(edges: graphs.Edges, phi: float, first: int) -> tuple[np.ndarray, float]:
    """The independent check: pure Python, asynchronous, on adjacency lists (no numpy, no CSR).

    A node moves once the share of its neighbours that moved reaches phi (less the model's
    tolerance); the threshold rule is monotone, so the final set does not depend on the order of
    updates and equals the synchronous cascade's.
    """
    t0 = time.perf_counter()
    n = edges.n
    adj: list[list[int]] = [[] for _ in range(n)]
    for u, v in zip(edges.u.tolist(), edges.v.tolist(), strict=True):
        adj[u].append(v)
        adj[v].append(u)
    active = [False] * n
    count = [0] * n
    active[first] = True
    queue = deque([first])
    while queue:
        u = queue.popleft()
        for v in adj[u]:
            if active[v]:
                continue
            count[v] += 1
            if count[v] / len(adj[v]) >= phi - TOLERANCE:
                active[v] = True
                queue.append(v)
    return np.array([i for i in range(n) if active[i]], dtype=np.int64), time.perf_counter() - t0


def ndlib_cascade(edges: graphs.Edges, phi: float, first: int, seed: int) -> dict[str, Any]:
    """NDlib's ThresholdModel on the same graph: networkx graph, configuration, iterations."""
    import ndlib.models.epidemics as ep
    import networkx as nx
    from ndlib.models import ModelConfig as mc

    gc.collect()
    t0, c0 = clock()
    graph = nx.Graph()
    graph.add_nodes_from(range(edges.n))
    graph.add_edges_from(zip(edges.u.tolist(), edges.v.tolist(), strict=True))
    model = ep.ThresholdModel(graph, seed=seed % 2**32)  # NB: it reseeds np.random's global state
    config = mc.Configuration()
    config.add_model_initial_configuration("Infected", [first])
    for node in graph.nodes:
        config.add_node_configuration("threshold", node, phi)
    model.set_initial_status(config)
    t1, c1 = clock()
    count, steps = -1, 0
    while True:  # iteration 0 only reports the initial status
        now = model.iteration(node_status=False)["node_count"][1]
        steps += 1
        if now == count:
            break
        count = now
    t2, c2 = clock()
    final = np.array(sorted(u for u, s in model.status.items() if s == 1), dtype=np.int64)
    return {
        "cascade_s": t2 - t1,
        "cascade_cpu_s": c2 - c1,
        "end_to_end_s": t2 - t0,
        "end_to_end_cpu_s": c2 - c0,
        "steps": steps,
        "movers": final,
    }


def check_same(what: str, seed: int, got: np.ndarray, want: np.ndarray) -> None:
    """Stop the benchmark if two implementations end with different movers."""
    if not np.array_equal(got, want):
        raise AssertionError(
            f"Watts seed {seed}: {what} ended with {len(got)} movers, the model with {len(want)}"
            f" ({len(np.setxor1d(got, want))} differ)"
        )


def watts_variant(raw: dict[str, Any], seeds: list[int], reps: int, ndlib_seeds: int) -> dict:
    """One variant (shared or per-run graph): every implementation, alternating, per seed."""
    have_ndlib = _version("ndlib") is not None
    impls = ["model", "kernel", "python"] + (["ndlib"] if have_ndlib else [])
    per: dict[str, dict[int, dict[str, list[float]]]] = {k: {} for k in impls}
    info: dict[int, dict[str, Any]] = {}
    # One shared-graph scenario object would cache its World after the first run; a fresh one
    # per run keeps the World (graph included) inside every model's end-to-end time.
    scenarios = [build(raw, "<watts-bench>") for _ in range(len(seeds) * reps)]
    for k, s in enumerate(seeds):
        for rep in range(reps):
            m = model_cascade(scenarios[k * reps + rep], s)
            kr = kernel_cascade(scenarios[k * reps + rep], s, m["first"])
            for impl, r in (("model", m), ("kernel", kr)):
                row = per[impl].setdefault(s, {})
                for key in ("cascade_s", "cascade_cpu_s", "end_to_end_s", "end_to_end_cpu_s"):
                    row.setdefault(key, []).append(r[key])
            if rep == 0:  # the checks: same graph, same movers (every implementation)
                for a, b in zip(m["csr"], kr["csr"], strict=True):
                    if not np.array_equal(a, b):
                        raise AssertionError(f"Watts seed {s}: the kernel drew another graph")
                check_same("the numpy kernel", s, kr["movers"], m["movers"])
                final, py_s = python_cascade(kr["edges"], WATTS_PHI, m["first"])
                check_same("the pure-Python kernel", s, final, m["movers"])
                # Its time: adjacency lists from the drawn edges + the cascade.
                per["python"].setdefault(s, {}).setdefault("cascade_s", []).append(py_s)
                if have_ndlib and k < ndlib_seeds:
                    nd = ndlib_cascade(kr["edges"], WATTS_PHI, m["first"], s)
                    check_same("NDlib", s, nd["movers"], m["movers"])
                    row = per["ndlib"].setdefault(s, {})
                    for key in ("cascade_s", "cascade_cpu_s", "end_to_end_s", "end_to_end_cpu_s"):
                        row.setdefault(key, []).append(nd[key])
                info[s] = {
                    "first": m["first"],
                    "movers": len(m["movers"]),
                    "steps_model": m["steps"],
                    "steps_kernel": kr["steps"],
                    "edges": len(kr["edges"]),
                    "world_s": m["world_s"],
                    "construct_s": m["construct_s"],
                }

    def mean_of(impl: str, key: str, only: list[int] | None = None) -> float | None:
        rows = [v[key] for s, v in per[impl].items() if key in v and (only is None or s in only)]
        return float(np.mean([median(r) for r in rows])) if rows else None

    out: dict[str, Any] = {"seeds": len(seeds), "reps": reps, "per_seed": info, "impl": {}}
    for impl in impls:
        done = sorted(per[impl])
        out["impl"][impl] = {
            "seeds": len(done),
            "cascade_ms": _ms(mean_of(impl, "cascade_s")),
            "cascade_cpu_ms": _ms(mean_of(impl, "cascade_cpu_s")),
            "end_to_end_ms": _ms(mean_of(impl, "end_to_end_s")),
            "end_to_end_cpu_ms": _ms(mean_of(impl, "end_to_end_cpu_s")),
        }

    def ratio(a: str, key: str) -> float | None:
        # Over the seeds both ran: cascades of different lengths compare fairly.
        common = sorted(set(per[a]) & set(per["kernel"]))
        x, y = mean_of(a, key, common), mean_of("kernel", key, common)
        return x / y if x is not None and y else None

    out["ratios_vs_kernel"] = {
        impl: {"cascade": ratio(impl, "cascade_s"), "end_to_end": ratio(impl, "end_to_end_s")}
        for impl in impls
        if impl != "kernel"
    }
    out["model_phases_ms"] = {
        "world": _ms(float(np.mean([i["world_s"] for i in info.values()]))),
        "construct": _ms(float(np.mean([i["construct_s"] for i in info.values()]))),
    }
    out["movers"] = {
        "min": min(i["movers"] for i in info.values()),
        "max": max(i["movers"] for i in info.values()),
        "global_cascades": sum(i["movers"] >= 0.01 * WATTS_N for i in info.values()),
    }
    out["edges"] = sorted({i["edges"] for i in info.values()})
    out["same_movers"] = True  # check_same raised otherwise
    return out


def batched_watts(raw: dict[str, Any], seeds: list[int]) -> dict[str, Any]:
    """Context: the same shared-graph cascades through runner.run_until_settled, one batch."""
    scenario = build(raw, "<watts-bench>")
    build_world(scenario, seeds[0])  # the shared World, outside the timing
    jobs = [runner.Job(scenario, s) for s in seeds]
    gc.collect()
    t0, c0 = clock()
    sizes = {}
    for positions, batch in runner.run_until_settled(jobs, scenario.months, batch_size=len(seeds)):
        counts = np.add.reduce(batch.state.first_notice >= 0, axis=(1, 2))
        sizes.update({seeds[p]: int(c) for p, c in zip(positions, counts.tolist(), strict=True)})
    t1, c1 = clock()
    return {
        "runs": len(seeds),
        "batch_size": len(seeds),
        "cascade_ms": 1e3 * (t1 - t0) / len(seeds),
        "cascade_cpu_ms": 1e3 * (c1 - c0) / len(seeds),
        "movers": sizes,
    }


def bench_watts(mode: dict[str, Any]) -> dict[str, Any]:
    """Section 3: the Watts case, shared graph and per-run graph."""
    shared_raw = watts_scenario(WATTS_N, WATTS_Z, WATTS_PHI)
    shared_raw["network"]["seed"] = WATTS_GRAPH_SEED
    free_raw = watts_scenario(WATTS_N, WATTS_Z, WATTS_PHI)
    model_cascade(build(shared_raw, "<warm-up>"), 0)  # warm-up: imports, caches
    seeds = run_seeds(0, mode["watts_seeds"])
    free = run_seeds(1, mode["watts_free_seeds"])
    print("  shared graph ...", flush=True)
    shared = watts_variant(shared_raw, seeds, mode["watts_reps"], mode["ndlib_seeds"])
    print("  graph per run ...", flush=True)
    per_run = watts_variant(free_raw, free, 1, 0)
    batched = batched_watts(shared_raw, seeds)
    for s in seeds:
        if batched["movers"][s] != shared["per_seed"][s]["movers"]:
            raise AssertionError(f"Watts seed {s}: run_until_settled gave another cascade size")
    return {
        "n": WATTS_N,
        "z": WATTS_Z,
        "phi": WATTS_PHI,
        "graph_seed": WATTS_GRAPH_SEED,
        "ndlib": _version("ndlib"),
        "shared_graph": shared,
        "graph_per_run": per_run,
        "batched_shared_graph": batched,
    }


VALIDATE_CHILD = """
import json, time
from sim.validation import run_case
t0, c0 = time.perf_counter(), time.process_time()
r = run_case("all", quick={quick}, progress=False)
t1, c1 = time.perf_counter(), time.process_time()
failed = [dict(case=c, **k) for c in ("watts", "granovetter", "richardson")
          for k in r[c]["checks"] if not k["ok"]]
print(json.dumps({{"inner_wall_s": t1 - t0, "inner_cpu_s": c1 - c0,
                   "reproduced": r["reproduced"], "failed_checks": failed}}, default=str))
"""


def bench_validate(mode: dict[str, Any]) -> dict[str, Any]:
    """Section 3, last part: ``escalation validate all`` with its defaults, in a subprocess."""
    quick = mode["validate_quick"]
    cpu0, t0 = children_cpu_s(), time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", VALIDATE_CHILD.format(quick=quick)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=child_env(),
        timeout=1800,
    )
    wall, cpu = time.perf_counter() - t0, children_cpu_s() - cpu0
    if proc.returncode != 0:
        raise RuntimeError(f"validate all failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    res = json.loads(proc.stdout.strip().splitlines()[-1])
    return {"quick": quick, "wall_s": wall, "cpu_s": cpu, **res}


# =========================================================================== 4. agents
def bench_agents(mode: dict[str, Any]) -> dict[str, Any]:
    """Section 4: the agent engine, alternating with the vectorised engine on the same seeds."""
    scenario = load_scenario("europe-2022", months=EUROPE_MONTHS)
    engines = ("agents", "vectorized")
    for engine in engines:  # warm-up: the shared World, imports
        EscalationModel(scenario, rng=0, engine=engine, record_states=False).run()
    seeds = run_seeds(4, mode["agent_runs"])
    wall: dict[str, list[float]] = {e: [] for e in engines}
    cpu: dict[str, list[float]] = {e: [] for e in engines}
    same, differ = 0, []
    for s in seeds:
        summary = {}
        for engine in engines:
            gc.collect()
            t0, c0 = clock()
            model = EscalationModel(scenario, rng=s, engine=engine, record_states=False).run()
            t1, c1 = clock()
            wall[engine].append(t1 - t0)
            cpu[engine].append(c1 - c0)
            out = model.summary()
            out.pop("engine")
            summary[engine] = json.dumps(out, sort_keys=True)
        if summary["agents"] == summary["vectorized"]:
            same += 1
        else:
            differ.append(s)
    return {
        "scenario": "europe-2022",
        "months": EUROPE_MONTHS,
        "record_states": False,
        "states": len(scenario_world(scenario).codes),
        "timed": "construction (the World shared, as in a sweep) + 60 months",
        "engines": {
            e: {
                "runs": len(wall[e]),
                "ms_per_run": 1e3 * float(np.mean(wall[e])),
                "runs_per_s": len(wall[e]) / float(np.sum(wall[e])),
                # The host's speed varies by up to 2x from minute to minute (CPU time follows
                # wall time): the fastest run shows what the code does, the median what the
                # host gave.
                "best_ms": 1e3 * float(np.min(wall[e])),
                "median_ms": 1e3 * float(np.median(wall[e])),
                "runs_per_s_best": 1.0 / float(np.min(wall[e])),
                "runs_per_s_median": 1.0 / float(np.median(wall[e])),
                "cpu_ms_per_run": 1e3 * float(np.mean(cpu[e])),
                "runs_per_cpu_s": len(cpu[e]) / float(np.sum(cpu[e])),
            }
            for e in engines
        },
        "identical_summaries": same,
        "compared": len(seeds),
        "differing_seeds": differ,
    }


def scenario_world(scenario: Scenario) -> Any:
    """The scenario's (cached) World."""
    return build_world(scenario, scenario.seed)


# =========================================================================== 5. scale
def scale_child(n: int, months: int) -> dict[str, Any]:
    """One size in a fresh interpreter: World, construction, every month, peak memory."""
    base_mb = peak_rss_mb()  # the interpreter with sim and its dependencies imported
    t0, c0 = clock()
    scenario = load_scenario(
        "small-world", {"network.n": n, "network.seed": 1, "months": months, "seed": 1}
    )
    t1, c1 = clock()
    world = build_world(scenario, 1)
    t2, c2 = clock()
    model = EscalationModel(scenario, rng=1, engine="vectorized", record_states=False)
    t3, c3 = clock()
    per_month, cpu_month = [], []
    for _ in range(months):
        a, b = clock()
        model.step()
        c, d = clock()
        per_month.append(c - a)
        cpu_month.append(d - b)
    t4, c4 = clock()
    return {
        "n": n,
        "edges": int(world.w.nnz // 2),
        "months": months,
        "load_s": t1 - t0,
        "world_s": t2 - t1,
        "construct_s": t3 - t2,
        "run_s": t4 - t3,
        "total_s": t4 - t1,  # World + construction + the months
        "total_cpu_s": c4 - c1,
        "per_month_median_s": median(per_month),
        "cpu_per_month_median_s": median(cpu_month),
        "notices": int((model.state.first_notice >= 0).sum()),
        "base_rss_mb": base_mb,
        "peak_rss_mb": peak_rss_mb(),
    }


def linear_fit(x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    """Least squares y = intercept + slope * x, R^2, and the log-log slope of the last two."""
    slope, intercept = np.polyfit(x, y, 1)
    fitted = intercept + slope * x
    r2 = 1.0 - float(np.sum((y - fitted) ** 2) / np.sum((y - y.mean()) ** 2))
    exponent = float(np.log(y[-1] / y[-2]) / np.log(x[-1] / x[-2])) if len(x) > 1 else None
    return {
        "intercept_ms": float(intercept) * 1e3,
        "slope_us_per_unit": float(slope) * 1e6,
        "r2": r2,
        "loglog_slope_last_two": exponent,
    }


def bench_scale(mode: dict[str, Any]) -> dict[str, Any]:
    """Section 5: each size in a fresh subprocess (clean peak memory), then the fit."""
    rows = []
    for n in mode["scale_sizes"]:
        row, wall, cpu = run_child(["scale", str(n), str(SCALE_MONTHS)])
        row["subprocess_wall_s"], row["subprocess_cpu_s"] = wall, cpu
        rows.append(row)
        print(f"  n={n}: {row['total_s']:.2f} s, {row['peak_rss_mb']:.0f} MB", flush=True)
    x = np.array([r["n"] + r["edges"] for r in rows], dtype=float)
    return {
        "scenario": "small-world (Watts-Strogatz k = 6, rival hub, one treaty), network.seed = 1",
        "engine": "vectorized",
        "record_states": False,
        "rows": rows,
        "fit": linear_fit(x, np.array([r["per_month_median_s"] for r in rows])),
        "fit_cpu": linear_fit(x, np.array([r["cpu_per_month_median_s"] for r in rows])),
    }


# =========================================================================== targets
def targets(res: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target with its measured figure, met or missed, and by how much."""
    out: list[dict[str, Any]] = []

    def add(
        section: str, name: str, value: Any, limit: float, op: str, unit: str, note: str = ""
    ) -> None:
        if value is None:
            out.append(
                {
                    "section": section,
                    "target": name,
                    "measured": None,
                    "limit": f"{op} {limit:g}{unit}",
                    "met": None,
                    "note": note,
                }
            )
            return
        met = value >= limit if op == ">=" else value <= limit
        by = (limit / value if op == ">=" else value / limit) if value else math.inf
        out.append(
            {
                "section": section,
                "target": name,
                "measured": value,
                "unit": unit,
                "limit": f"{op} {limit:g}{unit}",
                "met": bool(met),
                "missed_by": None if met else f"{by:.2f}x",
                "note": note,
            }
        )

    def check(section: str, name: str, ok: bool, shown: str, note: str = "") -> None:
        out.append(
            {
                "section": section,
                "target": name,
                "measured": shown,
                "limit": "yes",
                "met": bool(ok),
                "missed_by": None,
                "note": note,
            }
        )

    if "sweep" in res:
        s = res["sweep"]
        add(
            "1",
            "Europe sweep, one core, end to end (runs/s, wall)",
            s["runs_per_s"],
            TARGETS["sweep_runs_per_s"],
            ">=",
            " runs/s",
            f"aim 2,000: {'reached' if s['runs_per_s'] >= 2000 else 'not reached'}; "
            f"{s['runs_per_cpu_s']:.0f} per CPU-second; compute part "
            f"{s['compute_runs_per_s']:.0f} runs/s; "
            f"bare kernel {s['kernel']['runs_per_s']:.0f}",
        )
    if "parallel" in res:
        p = res["parallel"]
        kind = p["wall_s_100k_kind"]
        add(
            "2",
            "100,000-run sweep, 2 workers: wall time (s)"
            + ("" if kind == "measured" else " [ESTIMATE, quick]"),
            p["wall_s_100k"],
            TARGETS["parallel_wall_s"],
            "<=",
            " s",
            kind,
        )
        peak = max(p["parent_peak_mb"], p["worker_peak_mb"] or 0.0)
        add(
            "2",
            "100,000-run sweep: peak RSS of any process (MB)",
            peak,
            TARGETS["parallel_peak_mb"],
            "<=",
            " MB",
            f"parent {p['parent_peak_mb']:.0f} MB (sampled: {p['parent_rss_compute_max_mb']:.0f}"
            f" MB while the workers ran, {p['parent_rss_finish_max_mb']:.0f} MB in assembly and "
            f"analysis), worker {p['worker_peak_mb'] or 0:.0f} MB, "
            f"tree {p['tree_pss_peak_mb']:.0f} MB PSS",
        )
        grow = [g for g in p["rss_growth_last_vs_first_quarter"].values() if g is not None]
        add(
            "2",
            "memory bounded: RSS growth, last vs first quarter of the compute",
            max(grow) if grow else None,
            TARGETS["parallel_growth"],
            "<=",
            "x",
            json.dumps(
                {
                    k: round(v, 3) if v else v
                    for k, v in p["rss_growth_last_vs_first_quarter"].items()
                }
            ),
        )
    if "watts" in res:
        for key, label in (("shared_graph", "shared graph"), ("graph_per_run", "graph per run")):
            r = res["watts"][key]["ratios_vs_kernel"]["model"]
            add(
                "3",
                f"Watts ({label}): model / kernel, per cascade",
                r["cascade"],
                TARGETS["watts_cascade_vs_kernel"],
                "<=",
                "x",
            )
            add(
                "3",
                f"Watts ({label}): model / kernel, end to end",
                r["end_to_end"],
                TARGETS["watts_end_to_end_vs_kernel"],
                "<=",
                "x",
            )
        w = res["watts"]
        seeds = w["shared_graph"]["seeds"] + w["graph_per_run"]["seeds"]
        impls = ", ".join(w["shared_graph"]["impl"])
        check(
            "3",
            "Watts: same final movers, every seed and implementation",
            True,
            f"yes ({seeds} seeds; {impls})",
        )
    if "validate" in res:
        v = res["validate"]
        if v["quick"]:
            add(
                "3",
                "escalation validate all (defaults), wall (s)",
                None,
                TARGETS["validate_wall_s"],
                "<=",
                " s",
                f"not measured in quick mode (validate all --quick: {v['wall_s']:.1f} s)",
            )
        else:
            add(
                "3",
                "escalation validate all (defaults), wall (s)",
                v["wall_s"],
                TARGETS["validate_wall_s"],
                "<=",
                " s",
                f"reproduced: {v['reproduced']}",
            )
    if "agents" in res:
        a = res["agents"]
        ag = a["engines"]["agents"]
        add(
            "4",
            "Agent engine, Europe 60 months (runs/s)",
            ag["runs_per_s"],
            TARGETS["agents_runs_per_s"],
            ">=",
            " runs/s",
            f"fastest run {ag.get('runs_per_s_best', 0):.1f} runs/s, median "
            f"{ag.get('runs_per_s_median', 0):.1f} (the host's speed varies)",
        )
        check(
            "4",
            "Agent summaries equal the vectorised engine's (same seeds)",
            a["identical_summaries"] == a["compared"],
            f"{a['identical_summaries']} of {a['compared']}",
        )
    if "scale" in res:
        big = [r for r in res["scale"]["rows"] if r["n"] == 100_000]
        if big:
            b = big[0]
            add(
                "5",
                "10^5 states, 100 months: World + construction + months (s)",
                b["total_s"],
                TARGETS["scale_seconds"],
                "<=",
                " s",
                f"World {b['world_s']:.1f} s, construction {b['construct_s']:.1f} s, "
                f"months {b['run_s']:.1f} s",
            )
            add(
                "5",
                "10^5 states: peak RSS (MB)",
                b["peak_rss_mb"],
                TARGETS["scale_peak_mb"],
                "<=",
                " MB",
                f"interpreter + imports {b['base_rss_mb']:.0f} MB",
            )
    return out


# =========================================================================== report
def _ms(x: float | None) -> float | None:
    return None if x is None else x * 1e3


def _f(x: Any, spec: str = ".1f") -> str:
    return "-" if x is None else format(x, spec)


def print_report(res: dict[str, Any]) -> None:
    """The human-readable tables."""
    m = res["machine"]
    print(
        f"\nescalation-sim benchmarks ({res['mode']}): {m['cpu']} x{m['cpus']}, Python "
        f"{m['python']}, commit {m['git_commit'][:10]}{' (dirty)' if m['git_dirty'] else ''}"
    )
    print(f"sim from {m['sim_file']}")
    if "sweep" in res:
        s = res["sweep"]
        e, k = s["experiment"], s["kernel"]
        print(
            f"\n1. Europe sweep, one core: {e['runs']:,} runs ({e['points']} points x "
            f"{e['replicates']}), {e['months']} months, serial, {s['task_size']} runs per task"
        )
        print(
            f"   end to end {s['wall_s']:.1f} s wall, {s['cpu_s']:.1f} s CPU: "
            f"{s['runs_per_s']:.0f} runs/s ({s['runs_per_cpu_s']:.0f} per CPU-second)"
        )
        print(
            f"   compute part (session seconds) {s['compute_s']:.1f} s: "
            f"{s['compute_runs_per_s']:.0f} runs/s; plan, assembly and analysis "
            f"{s['other_s']:.1f} s"
        )
        print(
            f"   bare kernel ({k['what']}): {k['runs_per_s']:.0f} runs/s "
            f"({k['runs_per_cpu_s']:.0f} per CPU-second), outcomes {100 * k['outcomes_share']:.0f}%"
        )
        print(f"   load average {s['load_during'][0]} -> {s['load_during'][1]}")
    if "parallel" in res:
        p = res["parallel"]
        print(
            f"\n2. Europe sweep on {p['workers']} workers (local): {p['experiment']['runs']:,} "
            f"runs in {p['wall_s']:.1f} s ({p['runs_per_s']:.0f} runs/s), compute part "
            f"{p['compute_s']:.1f} s, {p['task_size']} runs per task"
        )
        print(f"   100,000 runs: {p['wall_s_100k']:.1f} s ({p['wall_s_100k_kind']})")
        print(
            f"   peak RSS: parent {p['parent_peak_mb']:.0f} MB (base {p['parent_base_mb']:.0f}), "
            f"workers {_f(p['worker_peak_mb'], '.0f')} MB each at most "
            f"({p['worker_processes']} seen), fork server {_f(p['forkserver_peak_mb'], '.0f')} MB, "
            f"tree {p['tree_rss_peak_mb']:.0f} MB RSS, {p['tree_pss_peak_mb']:.0f} MB PSS"
        )
        print(
            f"   CPU: parent {p['parent_cpu_s']:.1f} s, tree {p['tree_cpu_s_sampled']:.1f} s "
            f"(sampled); load average {p['load_during'][0]} -> {p['load_during'][1]}"
        )
    if "watts" in res:
        w = res["watts"]
        print(f"\n3. Watts: N={w['n']}, z={w['z']:g}, phi={w['phi']:g}, one random initial mover")
        for key, label in (
            ("shared_graph", f"shared graph (network.seed = {w['graph_seed']})"),
            ("graph_per_run", "graph drawn per run"),
        ):
            v = w[key]
            print(
                f"   {label}: {v['seeds']} seeds x {v['reps']}, movers {v['movers']['min']}.."
                f"{v['movers']['max']}, model World {v['model_phases_ms']['world']:.1f} ms, "
                f"Batch {v['model_phases_ms']['construct']:.1f} ms"
            )
            print(
                f"     {'implementation':<22}{'seeds':>6}{'cascade ms':>12}{'cpu ms':>9}"
                f"{'e2e ms':>10}{'cpu ms':>9}{'x kernel':>10}{'x kernel e2e':>14}"
            )
            for impl, r in v["impl"].items():
                q = v["ratios_vs_kernel"].get(impl, {"cascade": 1.0, "end_to_end": 1.0})
                print(
                    f"     {WATTS_NAMES[impl]:<22}{r['seeds']:>6}{_f(r['cascade_ms'], '.2f'):>12}"
                    f"{_f(r['cascade_cpu_ms'], '.2f'):>9}{_f(r['end_to_end_ms'], '.2f'):>10}"
                    f"{_f(r['end_to_end_cpu_ms'], '.2f'):>9}{_f(q['cascade'], '.2f'):>10}"
                    f"{_f(q['end_to_end'], '.2f'):>14}"
                )
        print("     * adjacency lists from the drawn edges + the cascade (the independent check)")
        b = w["batched_shared_graph"]
        print(
            f"   run_until_settled, one batch of {b['runs']} (shared graph): "
            f"{b['cascade_ms']:.1f} ms per cascade ({b['cascade_cpu_ms']:.1f} CPU)"
        )
    if "validate" in res:
        v = res["validate"]
        print(
            f"   escalation validate all{' --quick' if v['quick'] else ''}: {v['wall_s']:.1f} s "
            f"wall, {v['cpu_s']:.1f} s CPU; reproduced: {v['reproduced']}"
        )
        for c in v["failed_checks"]:
            print(f"     failed check: {c['case']}: {c['what']} = {c['value']} ({c['reference']})")
    if "agents" in res:
        a = res["agents"]
        print(f"\n4. Europe, {a['months']} months, one run at a time ({a['timed']})")
        for e, r in a["engines"].items():
            print(
                f"   {e:<11}{r['runs']:>4} runs {r['ms_per_run']:8.1f} ms/run "
                f"{r['runs_per_s']:7.1f} runs/s  (CPU {r['cpu_ms_per_run']:.1f} ms/run)"
            )
        print(f"   identical summaries: {a['identical_summaries']} of {a['compared']}")
    if "scale" in res:
        s = res["scale"]
        print(f"\n5. Scale: {s['scenario']}, {s['engine']}, {SCALE_MONTHS} months")
        print(
            f"   {'states':>8}{'edges':>9}{'World s':>9}{'model s':>9}{'months s':>9}"
            f"{'total s':>9}{'ms/month':>10}{'cpu ms':>8}{'peak MB':>9}{'base MB':>9}"
        )
        for r in s["rows"]:
            print(
                f"   {r['n']:>8}{r['edges']:>9}{r['world_s']:>9.2f}{r['construct_s']:>9.2f}"
                f"{r['run_s']:>9.2f}{r['total_s']:>9.2f}{r['per_month_median_s'] * 1e3:>10.3f}"
                f"{r['cpu_per_month_median_s'] * 1e3:>8.3f}{r['peak_rss_mb']:>9.0f}"
                f"{r['base_rss_mb']:>9.0f}"
            )
        f = s["fit"]
        print(
            f"   fit: time/month = {f['intercept_ms']:.3f} ms + {f['slope_us_per_unit']:.4f} us"
            f" x (states + edges), R^2 = {f['r2']:.4f}, log-log slope of the last two "
            f"{f['loglog_slope_last_two']:.2f}"
        )
    print("\nTargets")
    for t in res["targets"]:
        v = t["measured"]
        shown = f"{v:,.2f}" if isinstance(v, float) else str(v)
        state = "n/a   " if t["met"] is None else ("MET   " if t["met"] else "MISSED")
        by = f" by {t['missed_by']}" if t.get("missed_by") else ""
        print(f"   {t['section']} {state} {t['target']:<66} {shown:>12}  ({t['limit']}){by}")
        if t.get("note"):
            print(f"              {t['note']}")
    load_ = res["machine"]["load_average_before"][0], res["machine"]["load_average_after"][0]
    print(
        f"\nwall time {res['wall_s']:.0f} s; 1-minute load average {load_[0]:.2f} before, "
        f"{load_[1]:.2f} after, on {res['machine']['cpus']} CPUs"
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
    try:
        total = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        mem = int(total) // 1024
    except (OSError, IndexError, ValueError):
        mem = None
    return {
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "memory_mb": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            d: _version(d)
            for d in (
                "escalation-sim",
                "mesa",
                "numpy",
                "scipy",
                "networkx",
                "pandas",
                "pyarrow",
                "ndlib",
            )
        },
        "sim_file": sim.__file__,
        "git_commit": _git("rev-parse", "HEAD") or "unknown",
        "git_branch": _git("rev-parse", "--abbrev-ref", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--", "sim")),
        "threads": os.environ.get("OMP_NUM_THREADS"),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the sections, print the tables, write the JSON."""
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="smaller runs: about 1 to 2 minutes")
    p.add_argument(
        "--out",
        type=Path,
        default=ROOT / "benchmarks" / "results.json",
        help="where to write the JSON (default: benchmarks/results.json)",
    )
    p.add_argument(
        "--only",
        nargs="+",
        choices=SECTIONS,
        metavar="SECTION",
        help=f"run some sections: {' '.join(SECTIONS)}",
    )
    p.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        fn = {"parallel": parallel_child, "scale": scale_child}[kind]
        print(json.dumps(fn(*(int(x) for x in rest))))
        return 0
    if not Path(sim.__file__).resolve().is_relative_to(ROOT):
        print(f"warning: sim comes from {sim.__file__}, not {ROOT}", file=sys.stderr)
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]
    wanted = args.only or list(SECTIONS)
    res: dict[str, Any] = {
        "benchmark": "benchmarks/bench.py (issue 12)",
        "mode": mode_name,
        "mode_settings": mode,
        "machine": machine(),
        "targets_spec": TARGETS,
        "section_load": {},
        "section_wall_s": {},
    }
    run = {
        "sweep": bench_sweep,
        "parallel": bench_parallel,
        "watts": bench_watts,
        "validate": bench_validate,
        "agents": bench_agents,
        "scale": bench_scale,
    }
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        for name in SECTIONS:
            if name not in wanted:
                continue
            print(f"{name} ...", flush=True)
            before, t0 = load(), time.perf_counter()
            fn = run[name]
            res[name] = fn(mode, Path(tmp)) if name == "sweep" else fn(mode)
            res["section_wall_s"][name] = round(time.perf_counter() - t0, 2)
            res["section_load"][name] = [before, load()]
    res["targets"] = targets(res)
    res["wall_s"] = time.perf_counter() - started
    res["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    print_report(res)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(res, indent=2, default=_plain) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")
    return 0


def _plain(x: Any) -> Any:
    """JSON for numpy scalars."""
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    raise TypeError(f"not JSON: {type(x).__name__}")


if __name__ == "__main__":
    sys.exit(main())
