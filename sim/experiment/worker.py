"""The worker side of a sweep: run a batch of runs, catching each run's error.

This module is what a worker process imports (the local pool preloads it in its fork server;
Dask workers import it on first use). It keeps the loaded scenarios of recent design points, so
a batch of replicates of one point parses and validates the scenario once and shares its
:class:`~sim.world.World` (cached on the scenario when the world does not depend on the seed).
"""

from __future__ import annotations

import json
import os
import signal
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from sim.experiment.outcomes import OutcomePlan, compute, series
from sim.model import EscalationModel
from sim.scenario import Scenario, load_scenario

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


@dataclass(frozen=True)
class Batch:
    """A task: consecutive runs, with the overrides of the design points they use."""

    context: Context
    points: dict[int, tuple[str | None, dict[str, Any]]]  # point -> (scenario, overrides)
    runs: tuple[tuple[int, int, int], ...]  # (run_id, point, seed)


@dataclass
class BatchResult:
    """One row per run (outcomes, status, error, seconds) and the kept monthly rows."""

    rows: list[dict[str, Any]]
    series: dict[str, list[Any]] = field(default_factory=dict)


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


def run_batch(batch: Batch) -> BatchResult:
    """Run every run of the batch; a run that raises is recorded with status ``error``."""
    ctx, plan = batch.context, batch.context.plan
    result = BatchResult(rows=[])
    for run_id, point, seed in batch.runs:
        t0 = time.perf_counter()
        row: dict[str, Any] = {"run_id": run_id, "status": "ok", "error": None}
        try:
            if run_id in ctx.fail:
                raise RuntimeError(f"injected failure of run {run_id} ({FAIL_ENV})")
            ref, overrides = batch.points[point]
            scenario = scenario_for(ref or ctx.scenario, {**ctx.constants, **overrides})
            model = EscalationModel(scenario, rng=seed, record_states=False, engine=ctx.engine)
            model.run(ctx.months)
            ts = model.timeseries()
            row.update(compute(plan, model.summary(), ts))
            for col, values in series(plan, ts, run_id).items():
                result.series.setdefault(col, []).extend(values)
        except Exception as exc:  # noqa: BLE001 - any failure of one run is recorded, not fatal
            row = {"run_id": run_id, "status": "error", "error": one_line(exc)}
        row["seconds"] = time.perf_counter() - t0
        result.rows.append(row)
    return result


def one_line(exc: BaseException, limit: int = 500) -> str:
    """``Type: message`` on one line, cut to ``limit`` characters."""
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
