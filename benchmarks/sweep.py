"""Throughput and dispatch overhead of ``escalation sweep`` executors (docs/experiments.md).

    python benchmarks/sweep.py [--runs 2000] [--overhead-runs 400] [--repeat 2]

For each executor (serial; local process pool with 1 and 2 workers; Dask LocalCluster with 1
and 2 worker processes) the executor is started and warmed up first (its start-up time is
reported on its own), then the runs of a Europe sweep (europe-2022, 49 months, vectorised
engine) are executed through :func:`sim.experiment.runner.execute`, exactly as a sweep does:
batches submitted, results written as Parquet parts. Reported per configuration:

- runs/s: runs / wall time of the execution (start-up excluded);
- overhead per run: (wall time x workers - the tasks' own time in their worker) / runs, i.e.
  all time a worker slot was not running tasks: submitting, pickling, moving results, the
  parent writing parts, idle slots at the end. Each task is timed where it runs (a wrapper
  around :func:`sim.experiment.worker.run_task`; the sweep itself no longer records per-run
  seconds). Measured at one run per task (the raw dispatch cost) and at the automatic batch
  size (about a second of work per task);
- CPU per run: CPU time of this process and its children (the workers) per run, which does not
  depend on what else the machine is running.

2-worker efficiency = runs/s with 2 workers / (2 x runs/s with 1 worker). Other processes on
the machine take cores too, so ``--efficiency K`` alternates 1- and 2-worker local pools K
times on the same sweep (so both see the same background load) and reports each pair.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import Executor, Future
from pathlib import Path
from typing import Any

import psutil
from tqdm import tqdm

from sim.experiment import runner, storage
from sim.experiment.plan import make_plan
from sim.experiment.worker import run_task

EXPERIMENT = """
name = "bench"
scenario = "europe-2022"
replicates = {replicates}
seed = 1
[levers."decision.w_peer"]
values = [0.2, 0.4, 0.6, 0.8]
"""


def timed(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a task in its worker and attach how long it took there (``busy_s``)."""
    t0 = time.perf_counter()
    result = fn(*args)
    result.busy_s = time.perf_counter() - t0
    return result


class Timed(Executor):
    """An executor that times every task where it runs and adds up the tasks' own time."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner
        self.busy = 0.0

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Submit ``timed(fn, ...)`` to the inner executor; count its time when it is done."""
        future = self.inner.submit(timed, fn, *args, **kwargs)
        future.add_done_callback(self._count)
        return future

    def _count(self, future: Future) -> None:
        if not future.cancelled() and future.exception() is None:
            self.busy += future.result().busy_s


def execute(plan, ex, workers: int, batch: int, label: str) -> dict:
    """Run every run of the plan on an open executor; time it."""
    with tempfile.TemporaryDirectory() as tmp:
        store = storage.Store(Path(tmp), plan.runs_schema(), plan.series_schema())
        store.prepare()
        todo = runner.batches(list(range(plan.n_runs)), batch)
        bar = tqdm(total=plan.n_runs, disable=True)
        timing = Timed(ex)
        cpu0 = cpu_seconds()
        t0 = time.perf_counter()
        done = runner.execute(
            plan, store, timing, todo, max(workers, 1) * runner.IN_FLIGHT_PER_WORKER, bar
        )
        wall = time.perf_counter() - t0
        cpu = cpu_seconds() - cpu0
        assert done.computed == plan.n_runs and not done.failed and not done.lost, done
        busy = timing.busy
    slots = max(workers, 1)
    return {
        "config": label,
        "workers": workers,
        "batch": batch,
        "runs": plan.n_runs,
        "wall_s": round(wall, 3),
        "runs_per_s": round(plan.n_runs / wall, 2),
        "model_s_per_run": round(busy / plan.n_runs, 5),
        "overhead_ms_per_run": round(1000 * (wall * slots - busy) / plan.n_runs, 2),
        "cpu_ms_per_run": round(1000 * cpu / plan.n_runs, 2),
    }


def cpu_seconds() -> float:
    """CPU time (user + system) of this process and all its children (pool and Dask workers)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def bench(kind: str, workers: int, runs: int, overhead_runs: int, tmp: Path) -> list[dict]:
    """Start one executor, warm it up, then measure throughput and dispatch overhead."""
    label = "serial" if kind == "serial" else f"{kind} x{workers}"
    out = []
    exp = tmp / f"bench-{runs}.toml"
    exp.write_text(EXPERIMENT.format(replicates=max(runs // 4, 1)), encoding="utf-8")
    plan = make_plan(str(exp))
    small = tmp / f"bench-{overhead_runs}.toml"
    small.write_text(EXPERIMENT.format(replicates=max(overhead_runs // 4, 1)), encoding="utf-8")
    plan_small = make_plan(str(small))
    t0 = time.perf_counter()
    with runner.open_executor(kind, workers) as ex:
        # Warm-up: one task per worker starts the processes and imports the model.
        warm = [ex.submit(run_task, plan.task([k])) for k in range(max(workers, 1))]
        for f in warm:
            f.result()
        startup = time.perf_counter() - t0
        auto = runner.batch_size(plan, plan.n_runs, workers)
        for p, batch in ((plan, auto), (plan_small, 1)):
            row = execute(p, ex, workers, batch, label)
            row["startup_s"] = round(startup, 2)
            out.append(row)
            print(json.dumps(row), flush=True)
    return out


def efficiency(pairs: int, runs: int, tmp: Path) -> list[dict]:
    """Alternate warm 1- and 2-worker pools on the same sweep; one row per measurement."""
    exp = tmp / f"eff-{runs}.toml"
    exp.write_text(EXPERIMENT.format(replicates=max(runs // 4, 1)), encoding="utf-8")
    plan = make_plan(str(exp))
    rows = []
    with runner.open_executor("local", 1) as one, runner.open_executor("local", 2) as two:
        for ex, w in ((one, 1), (two, 2)):  # warm both pools
            for f in [ex.submit(run_task, plan.task([k])) for k in range(w)]:
                f.result()
        for k in range(pairs):
            for ex, w in ((one, 1), (two, 2)):
                load = os.getloadavg()[0]
                row = execute(plan, ex, w, runner.batch_size(plan, plan.n_runs, w), f"local x{w}")
                rows.append({**row, "pair": k, "load_avg_1min_before": round(load, 2)})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    """Measure every configuration ``--repeat`` times; write the rows as JSON."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--overhead-runs", type=int, default=400)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--efficiency", type=int, default=0, metavar="K")
    ap.add_argument("--out", default="benchmarks/sweep-results.json")
    args = ap.parse_args()
    if args.efficiency:
        with tempfile.TemporaryDirectory() as tmp:
            rows = efficiency(args.efficiency, args.runs, Path(tmp))
        meta = {"cpus": os.cpu_count(), "python": platform.python_version(), "rows": rows}
        Path(args.out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        return
    configs = [("serial", 0), ("local", 1), ("local", 2), ("dask", 1), ("dask", 2)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.repeat):
            for kind, workers in configs:
                load = os.getloadavg()[0]
                for row in bench(kind, workers, args.runs, args.overhead_runs, Path(tmp)):
                    rows.append({**row, "repeat": rep, "load_avg_1min_before": round(load, 2)})
    meta = {"cpus": os.cpu_count(), "python": platform.python_version(), "rows": rows}
    Path(args.out).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
