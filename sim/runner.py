"""The one loop that runs the model many times: sweeps, backtest, calibration and validation.

A caller lists its runs as :class:`Job` values (a validated scenario and a root seed). The
runner groups the jobs whose scenarios share a World and a schedule (they may differ in every
number: the design points of an experiment), cuts each group into batches of at most
``batch_size`` runs, runs each batch on the vectorised engine (:class:`sim.model.Batch`) and
hands it back with the positions of its jobs. The caller reads what it needs from the finished
batch (outcome columns, notice months, series) and lets it go, so memory stays bounded by one
batch whatever the number of runs.

Run r of a batch gives exactly the results it gives alone (tests/test_engines.py): grouping and
batch size change the speed, never a number.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.model import ENGINES, Batch, EscalationModel
from sim.scenario import Scenario, build_world, seed_dependent

#: Runs per batch: large enough that numpy's per-call cost is spread over many runs, small
#: enough to stay in cache (measured in benchmarks/bench.py).
BATCH_SIZE = 256

#: The numbers a batch's runs may differ in (everything else must be equal to share a batch).
PER_RUN = ("name", "description", "seed", "months", "threat", "decision", "conflict")


@dataclass(frozen=True)
class Job:
    """One run: a validated scenario and its root seed."""

    scenario: Scenario
    seed: int


def structure_key(scenario: Scenario) -> str:
    """What runs must share to be batched: World, schedule, treaty ids (not the numbers).

    Per-state parameters, treaty rules and alliance credibility and advice may differ between
    the runs of a batch; so may the threat, decision and conflict parameters.
    """
    cached = scenario._batch_key
    if cached is not None:
        return cached
    data = scenario.model_dump(mode="json", exclude=set(PER_RUN))
    data["states"].pop("defaults", None)
    data["states"].pop("overrides", None)
    data["states"].pop("capacity_scale", None)
    for t in data["treaties"].values():
        for k in ("name", "notice_months", "conflict_clause", "accession_months"):
            t.pop(k, None)
        t.pop("military_value", None)
        t.pop("salience", None)
    for a in data["alliances"].values():
        a.pop("credibility", None)
        a.pop("recommendation", None)
    data["_where"] = [scenario.base_dir, scenario.source]  # data files resolve from here
    key = json.dumps(data, sort_keys=True)
    scenario._batch_key = key
    return key


def groups(jobs: list[Job], batch_size: int = BATCH_SIZE) -> list[list[int]]:
    """Job positions in batches of at most ``batch_size``, in job order.

    A batch's jobs share their structure and months; a job whose world depends on its seed
    runs alone.
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    open_: dict[str, list[int]] = {}
    out: list[list[int]] = []
    keys: dict[int, str] = {}
    for k, job in enumerate(jobs):
        sc = job.scenario
        if seed_dependent(sc):
            out.append([k])
            continue
        key = keys.get(id(sc))
        if key is None:  # runs of different lengths never share a batch
            key = keys[id(sc)] = f"{sc.months}:{structure_key(sc)}"
        group = open_.setdefault(key, [])
        group.append(k)
        if len(group) == batch_size:
            out.append(group)
            open_[key] = []
    out.extend(g for g in open_.values() if g)
    return sorted(out, key=lambda g: g[0])


def run(
    jobs: list[Job],
    months: int | None = None,
    *,
    batch_size: int = BATCH_SIZE,
    engine: str = "vectorized",
    record_states: bool = False,
) -> Iterator[tuple[list[int], Batch]]:
    """Run every job for ``months`` months (default: each scenario's); yield finished batches.

    Yields ``(positions, batch)``: run r of the batch is job ``positions[r]``. With the agent
    engine every job runs alone as a Mesa model (same results, slower).
    """
    check_engine(engine)
    size = 1 if engine == "agents" else batch_size
    for positions in groups(jobs, size):
        yield (
            positions,
            run_group(jobs, positions, months, engine=engine, record_states=record_states),
        )


def check_engine(engine: str) -> None:
    """A user error unless ``engine`` is one of :data:`sim.model.ENGINES`."""
    if engine not in ENGINES:
        raise UserError("--engine", "engine", f"must be one of {', '.join(ENGINES)}")


def run_group(
    jobs: list[Job],
    positions: list[int],
    months: int | None,
    *,
    engine: str = "vectorized",
    record_states: bool = False,
) -> Batch:
    """Run one group of :func:`groups` as a batch; returns it finished."""
    first = jobs[positions[0]]
    if engine == "agents":
        if len(positions) != 1:
            raise ValueError("the agent engine runs one job at a time")
        model = EscalationModel(
            first.scenario, rng=first.seed, engine="agents", record_states=record_states
        )
        return model.run(months).batch
    scenarios = [jobs[k].scenario for k in positions]
    seeds = [jobs[k].seed for k in positions]
    world = build_world(first.scenario, first.seed)
    batch = Batch(scenarios, seeds, world=world, record_states=record_states)
    return batch.run(first.scenario.months if months is None else months)


def run_until_settled(
    jobs: list[Job], max_months: int, *, batch_size: int = BATCH_SIZE, engine: str = "vectorized"
) -> Iterator[tuple[list[int], Batch]]:
    """Run each job until a month adds no notice (or ``max_months``); yield finished batches.

    Only valid for deterministic threshold models (no noise, no threat, alliance or norm terms,
    no events after month 0): there the only input that changes is who has moved, so a month
    without a new notice is a fixed point and every later month would repeat it. A settled run
    leaves its batch at once, so it runs exactly the months it would run alone.
    """
    check_engine(engine)
    for positions in groups(jobs, 1 if engine == "agents" else batch_size):
        first = jobs[positions[0]]
        if engine == "agents":
            batch = EscalationModel(
                first.scenario, rng=first.seed, engine="agents", record_states=False
            ).batch
        else:
            batch = Batch(
                [jobs[k].scenario for k in positions],
                [jobs[k].seed for k in positions],
                world=build_world(first.scenario, first.seed),
            )
        left = list(positions)
        for _ in range(max_months):
            batch.step()
            settled = ~_noticed(batch)
            if settled.any():
                done = np.flatnonzero(settled)
                yield [left[r] for r in done.tolist()], split(batch, done)
                rest = np.flatnonzero(~settled)
                if not len(rest):
                    break
                batch.take(rest)
                left = [left[r] for r in rest.tolist()]
        else:
            if left:
                yield left, batch


def _noticed(batch: Batch) -> np.ndarray:
    """Per run: whether the month just run added a notice (decided or forced)."""
    return (batch.state.notice_month == batch.month - 1).any(axis=(1, 2))


def split(batch: Batch, runs: np.ndarray) -> Batch:
    """A new batch holding copies of the given runs (the original keeps all of its runs)."""
    other = copy.copy(batch)
    other.state = copy.copy(batch.state)
    other.state.draws = copy.copy(batch.state.draws)
    other.journal = copy.copy(batch.journal)
    other.series = copy.copy(batch.series)
    other.take(np.asarray(runs))
    return other


def raise_failed(batch: Batch) -> None:
    """Raise the error of the batch's first failed run, if any (for callers that need all)."""
    if batch.state.failed.any():
        raise batch.state.errors[int(np.flatnonzero(batch.state.failed)[0])]


def first_notices(batch: Batch) -> np.ndarray:
    """(runs, states, treaties): the month of each state's first notice, ``inf`` if none."""
    months = batch.state.first_notice.astype(np.float64)
    months[batch.state.first_notice < 0] = np.inf
    return months


def describe(jobs: list[Job], batch_size: int = BATCH_SIZE) -> dict[str, Any]:
    """How the runner will cut the jobs (for progress messages and the manifest)."""
    g = groups(jobs, batch_size)
    return {"runs": len(jobs), "batches": len(g), "largest": max((len(x) for x in g), default=0)}
