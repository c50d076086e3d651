"""Planning a sweep before anything is written: validation, seeds, a probe run, the schema.

Every design point's overrides are validated up front by loading the scenario with them (the
scenario loader's own validation), so a bad experiment file fails with one line
``file: key: message`` and writes nothing. A probe run of the first point then checks the
outcome names against a real summary, fixes the column types and times one run (to size the
batches to about a second of work).
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pyarrow as pa

from sim import __version__
from sim.errors import UserError
from sim.experiment import outcomes as oc
from sim.experiment import storage
from sim.experiment.designs import DesignPoints, column_type, encode, expand
from sim.experiment.spec import RESERVED, SCENARIO_KEY, ExperimentFile, load_experiment
from sim.experiment.worker import Context, Task, failing_runs
from sim.model import Batch
from sim.rng import run_seeds
from sim.scenario import Scenario, _cached_raw, load_scenario, resolve_path

#: Above this many design points, validate the first ones and every factor's extremes only.
FULL_CHECK_LIMIT = 5000
#: Runs of the probe batch that times the model (to size the tasks) and checks the outcomes.
PROBE_RUNS = 32


def replicate_seeds(root: int, replicates: int) -> list[int]:
    """The seed of replicate k: child k of ``SeedSequence(root)`` as a 64-bit integer.

    Run ``r`` (point ``p = r // replicates``, replicate ``k = r % replicates``) gets seed k:
    replicate k of every design point shares its draws (common random numbers), and a seed
    depends only on the run's index, never on the order, worker or executor that ran it.
    (The same rule as :func:`sim.rng.run_seeds` of ``escalation validate``.)
    """
    return run_seeds(root, replicates)


@dataclass
class Plan:
    """Everything a sweep needs, checked; nothing written yet."""

    exp: ExperimentFile
    design: DesignPoints
    context: Context
    seeds: list[int]
    params: dict[str, str]  # column -> kind
    label: bool
    base: Scenario
    seconds_per_run: float
    ref: Callable[[int], str | None]  # point -> its own scenario reference, if it has one

    @property
    def replicates(self) -> int:
        """Replicates per design point."""
        return self.exp.spec.replicates

    @property
    def n_runs(self) -> int:
        """Design points x replicates."""
        return len(self.design) * self.replicates

    @property
    def outcomes(self) -> dict[str, str]:
        """Outcome column -> kind."""
        return {c: self.context.plan.types[c] for c in self.context.plan.columns}

    @cached_property
    def columns(self) -> list[tuple[str, str]]:
        """Every column of ``runs.parquet`` with its kind, in order."""
        head = [("run_id", "int"), ("point", "int"), ("replicate", "int"), ("seed", "uint64")]
        head += [("label", "str")] if self.label else []
        tail = [("status", "str"), ("error", "str")]
        return [*head, *self.params.items(), *self.outcomes.items(), *tail]

    def runs_schema(self) -> pa.Schema:
        """The Arrow schema of ``runs.parquet`` and its parts."""
        return storage.schema(self.columns)

    def series_schema(self) -> pa.Schema | None:
        """The Arrow schema of ``timeseries.parquet``, if series are kept."""
        p = self.context.plan
        if not p.series_every:
            return None
        types = p.series_types or {}
        return storage.schema(
            [("run_id", "int"), ("month", "int")] + [(c, types[c]) for c in p.series_columns]
        )

    def task(self, run_ids: list[int]) -> Task:
        """The task for consecutive runs."""
        k = self.replicates
        runs = tuple((r, r // k, r % k, self.seeds[r % k]) for r in run_ids)
        points = {p: (self.ref(p), self.design.overrides(p)) for _, p, _, _ in runs}
        head = {p: self.param_row(p) for p in points}
        return Task(self.context, points, runs, head, self.runs_schema(), self.series_schema())

    def param_row(self, point: int) -> dict[str, Any]:
        """The parameter columns of a point, encoded for Parquet."""
        values = self.design.points[point]
        row = {c: encode(values.get(c), kind) for c, kind in self.params.items()}
        if self.label:
            row["label"] = values.get("label")
        return row

    def spec_hash(self) -> str:
        """What must not change between a sweep and its ``--resume``.

        The experiment spec, the package version and the merged TOML of every scenario the
        design runs (the experiment's and those of a ``scenario`` factor).
        """
        refs = sorted(
            {self.context.scenario} | {self.ref(i) or "" for i in range(len(self.design))}
        )
        raws = [_cached_raw(resolve_path(r).resolve()) for r in refs if r]
        text = self.exp.canonical() + json.dumps(raws, sort_keys=True, default=str)
        return hashlib.sha256((text + __version__).encode()).hexdigest()[:16]


def _map_error(
    err: UserError, exp: ExperimentFile, design: DesignPoints, i: int, point: dict[str, Any]
) -> UserError:
    """A scenario error caused by an override, as an error of the experiment file."""
    constants = exp.spec.constants
    for k, value in {**constants, **point}.items():
        if err.key == k or err.key.startswith(k + ".") or k.startswith(err.key + "."):
            if k in point:
                where, what = design.where(k, i), f" (design point {i}: {k} = {value!r})"
            else:
                where, what = f"constants.{k}", ""
            return UserError(exp.source, where, err.message + what)
    if err.source == "--set":
        return UserError(exp.source, err.key, err.message)
    return err  # an error of the scenario file itself


def _checks(design: DesignPoints) -> list[int]:
    """Point indices to validate (all of them, unless there are very many)."""
    return list(range(min(len(design), FULL_CHECK_LIMIT)))


def _extremes(design: DesignPoints) -> list[dict[str, Any]]:
    """Override sets with every factor at each of its values or range ends (large designs)."""
    out = []
    for f in design.factors:
        ends = f.spec.values if f.spec.values is not None else [f.spec.low, f.spec.high]
        for v in ends:
            value = f.value_at(v) if f.spec.values is None else v
            out.append({**design.overrides(0), **dict.fromkeys(f.keys, value)})
    return out


def scenario_refs(exp: ExperimentFile, design: DesignPoints) -> Callable[[int], str | None]:
    """Point -> the scenario it runs instead of the experiment's (resolved once per name)."""
    cache: dict[str, str] = {}

    def ref(i: int) -> str | None:
        name = design.scenario_of(i)
        if name is not None and name not in cache:
            cache[name] = exp.scenario_ref(name, design.where(SCENARIO_KEY, i))
        return None if name is None else cache[name]

    return ref


def check_points(
    exp: ExperimentFile, design: DesignPoints, ref_of: Callable[[int], str | None], base: str
) -> Scenario:
    """Load the scenario of every design point once; returns the first point's scenario."""
    for i in range(len(design)):
        ref_of(i)  # every scenario name resolves (cheap: once per name)
    seen: dict[str, Scenario] = {}
    first: Scenario | None = None
    todo = [(i, design.overrides(i)) for i in _checks(design)]
    if len(design) > FULL_CHECK_LIMIT:
        todo += [(0, o) for o in _extremes(design)]
    for i, point in todo:
        ref = ref_of(i) or base
        key = json.dumps([ref, point], sort_keys=True, default=str)
        if key not in seen:
            try:
                seen[key] = load_scenario(ref, {**exp.spec.constants, **point})
            except UserError as err:
                raise _map_error(err, exp, design, i, point) from None
        first = first or seen[key]
    assert first is not None
    return first


def make_plan(path: str, quick: bool = False) -> Plan:
    """Load, expand and check an experiment; run the probe. Writes nothing.

    Raises:
        UserError: anything wrong with the experiment file, its design or its outcomes.

    """
    exp = load_experiment(path, quick)
    spec = exp.spec
    design = expand(exp)
    params = {c: column_type([p.get(c) for p in design.points]) for c in design.columns}
    base_ref = exp.scenario_ref(spec.scenario)
    ref_of = scenario_refs(exp, design)
    first = check_points(exp, design, ref_of, base_ref)
    seeds = replicate_seeds(spec.seed, spec.replicates)
    # The probe: a batch of the first point's first replicates, timed (to size the tasks) and
    # summarised (to check the outcome names and fix the column types).
    probe = seeds[:PROBE_RUNS]
    t0 = time.perf_counter()
    batch = Batch([first] * len(probe), probe).run(
        first.months if spec.months is None else spec.months
    )
    offered = batch.outcomes()
    seconds = (time.perf_counter() - t0) / len(probe)
    outcome_plan = oc.resolve(
        spec.outcomes, offered, batch.series.names, exp.source, set(params) | RESERVED
    )
    if spec.discovery is not None:
        d = spec.discovery
        kind = outcome_plan.types.get(d.outcome)
        if kind is None:
            raise UserError(exp.source, "discovery.outcome", f"not an outcome: {d.outcome!r}")
        if d.op is None and kind != "bool":
            raise UserError(exp.source, "discovery.op", f"{d.outcome!r} is not yes/no: give op")
    context = Context(
        base_ref, dict(spec.constants), spec.engine, spec.months, outcome_plan, failing_runs()
    )
    try:
        base = load_scenario(base_ref, dict(spec.constants))  # for the manifest
    except UserError as err:
        raise _map_error(err, exp, design, 0, {}) from None
    label = design.labels is not None
    return Plan(exp, design, context, seeds, params, label, base, seconds, ref_of)
