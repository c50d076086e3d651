"""The worker side of a sweep: run a task's runs in batches, hand back Arrow tables.

This module is what a worker process imports (the local pool preloads it in its fork server;
Dask workers import it on first use). A task is a range of consecutive run ids. Its runs go
through the one runner (:mod:`sim.runner`): replicates and design points that share a World run
as one batch on the vectorised engine, and every outcome is computed for the whole batch. The
loaded scenarios of recent design points are kept, so a task parses and validates each point's
scenario once.

A run that turns non-finite is recorded as failed with its error; an exception that stops a
whole batch is recorded as the error of each of its runs. Neither touches the other runs.
"""

from __future__ import annotations

import json
import os
import signal
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from sim import runner
from sim.experiment.outcomes import OutcomePlan, compute, series
from sim.scenario import load_scenario
from sim.schema import Scenario

#: Test-only hook: comma-separated run ids that raise instead of running (tests of error
#: capture). Read by the parent when it plans the sweep, so it reaches workers of any executor.
FAIL_ENV = "ESCALATION_SWEEP_FAIL_RUNS"
_CACHE_SIZE = 64
_scenarios: OrderedDict[str, Scenario] = OrderedDict()


@dataclass(frozen=True)
class Context:
    """What every run of a sweep shares."""

    scenario: str  # bundled name or absolute path
    constants: dict[str, Any]
    engine: str
    months: int | None
    plan: OutcomePlan
    fail: frozenset[int] = frozenset()  # the test-only FAIL_ENV hook
    batch_size: int = runner.BATCH_SIZE


@dataclass(frozen=True)
class Task:
    """Consecutive runs, with the overrides and parameter columns of the points they use."""

    context: Context
    points: dict[int, tuple[str | None, dict[str, Any]]]  # point -> (scenario, overrides)
    runs: tuple[tuple[int, int, int, int], ...]  # (run_id, point, replicate, seed)
    head: dict[int, dict[str, Any]]  # point -> its parameter (and label) columns
    schema: pa.Schema  # of runs.parquet
    series_schema: pa.Schema | None = None


@dataclass
class TaskResult:
    """The task's rows of ``runs.parquet`` and of ``timeseries.parquet``."""

    runs: pa.Table
    series: pa.Table | None = None
    failed: int = 0


def init_worker() -> None:
    """Pool initializer: Ctrl-C is the parent's to handle; it stops cleanly after flushing."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def scenario_for(ref: str, overrides: dict[str, Any]) -> Scenario:
    """The validated scenario of a design point (cached per process, least recently used out)."""
    key = json.dumps([ref, overrides], sort_keys=True, default=str)
    hit = _scenarios.get(key)
    if hit is not None:
        _scenarios.move_to_end(key)
        return hit
    scenario = load_scenario(ref, overrides)
    _scenarios[key] = scenario
    if len(_scenarios) > _CACHE_SIZE:
        _scenarios.popitem(last=False)
    return scenario


def failing_runs() -> frozenset[int]:
    """Run ids the test-only :data:`FAIL_ENV` hook makes fail (none unless it is set)."""
    text = os.environ.get(FAIL_ENV, "")
    return frozenset(int(x) for x in text.split(",") if x.strip())


def run_task(task: Task) -> TaskResult:
    """Run every run of the task; outcomes and status per run, as Arrow tables."""
    ctx = task.context
    errors: dict[int, str] = {}  # run_id -> why it failed
    jobs: list[runner.Job] = []
    ids: list[int] = []
    for run_id, point, _, seed in task.runs:
        try:
            if run_id in ctx.fail:
                raise RuntimeError(f"injected failure of run {run_id} ({FAIL_ENV})")
            ref, overrides = task.points[point]
            scenario = scenario_for(ref or ctx.scenario, {**ctx.constants, **overrides})
        except Exception as exc:  # noqa: BLE001 - one run's failure is recorded, not fatal
            errors[run_id] = one_line(exc)
            continue
        jobs.append(runner.Job(scenario, seed))
        ids.append(run_id)
    names = ctx.plan.columns
    types = {f.name: f.type for f in task.schema}
    done: list[tuple[np.ndarray, dict[str, pa.Array]]] = []  # (run ids, outcome columns)
    series_parts: list[dict[str, Any]] = []
    size = 1 if ctx.engine == "agents" else ctx.batch_size
    for positions in runner.groups(jobs, size):
        run_ids = np.array([ids[k] for k in positions], dtype=np.int64)
        try:
            batch = runner.run_group(jobs, positions, ctx.months, engine=ctx.engine)
        except Exception as exc:  # noqa: BLE001 - this batch's runs fail, the others go on
            errors.update(dict.fromkeys(run_ids.tolist(), one_line(exc)))
            continue
        offered = batch.outcomes()
        cols = compute(ctx.plan, offered)
        failed = batch.state.failed
        for r in np.flatnonzero(failed).tolist():
            errors[int(run_ids[r])] = one_line(batch.state.errors[r])
        done.append(
            (run_ids, {c: _arrow(cols[c].values, cols[c].missing, failed, types[c]) for c in names})
        )
        part = series(ctx.plan, offered, run_ids.tolist())
        if part:
            keep = ~np.repeat(failed, len(part["run_id"]) // len(run_ids))
            series_parts.append({k: v[keep] for k, v in part.items()})
    return _tables(task, done, errors, series_parts)


def _arrow(
    values: np.ndarray, missing: np.ndarray | None, failed: np.ndarray, kind: pa.DataType
) -> pa.Array:
    """An outcome column as Arrow, null where the value is None or the run failed."""
    mask = failed if missing is None else (missing | failed)
    if values.dtype == object:
        return pa.array([None if m else v for v, m in zip(values, mask, strict=True)], type=kind)
    return pa.array(values, type=kind, mask=mask)


def _tables(
    task: Task,
    done: list[tuple[np.ndarray, dict[str, pa.Array]]],
    errors: dict[int, str],
    series_parts: list[dict[str, Any]],
) -> TaskResult:
    """The task's rows, in run id order, as Arrow tables of the sweep's schemas."""
    schema = task.schema
    run_ids = np.array([r[0] for r in task.runs], dtype=np.int64)
    names = [c for c in task.context.plan.columns]
    # Outcome columns in run id order: the batches' rows, then nulls for runs without one.
    lost = np.array(sorted(set(errors) - {int(i) for ids, _ in done for i in ids}), dtype=np.int64)
    order_ids = np.concatenate([*(ids for ids, _ in done), lost])
    where = {int(r): k for k, r in enumerate(order_ids.tolist())}
    take = pa.array([where[int(r)] for r in run_ids], type=pa.int64())
    columns: dict[str, pa.Array] = {}
    for c in names:
        kind = schema.field(c).type
        pieces = [cols[c] for _, cols in done] + [pa.nulls(len(lost), type=kind)]
        columns[c] = pa.concat_arrays(pieces).take(take) if len(order_ids) else pa.nulls(0, kind)
    head = [task.head[p] for _, p, _, _ in task.runs]
    data: dict[str, Any] = {
        "run_id": run_ids,
        "point": [p for _, p, _, _ in task.runs],
        "replicate": [k for _, _, k, _ in task.runs],
        "seed": pa.array([s for _, _, _, s in task.runs], type=pa.uint64()),
    }
    for name in schema.names:
        if name in data or name in columns or name in ("status", "error"):
            continue
        data[name] = [h.get(name) for h in head]
    data.update(columns)
    data["status"] = ["error" if int(r) in errors else "ok" for r in run_ids]
    data["error"] = [errors.get(int(r)) for r in run_ids]
    table = pa.table({n: data[n] for n in schema.names}, schema=schema)
    if task.series_schema is None:
        return TaskResult(table, None, len(errors))
    names = task.series_schema.names
    if series_parts:
        merged = {c: np.concatenate([p[c] for p in series_parts]) for c in names}
        order = np.lexsort((merged["month"], merged["run_id"]))
        ts = pa.table({c: merged[c][order] for c in names}, schema=task.series_schema)
    else:
        ts = task.series_schema.empty_table()
    return TaskResult(table, ts, len(errors))


def one_line(exc: BaseException, limit: int = 500) -> str:
    """``Type: message`` on one line, cut to ``limit`` characters."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
