"""Designs: factors -> design points (grid, zip/table, LHS, Sobol, Morris).

Sampled designs (``lhs``, ``sobol``, ``morris``) draw from their own stream of the root seed
(:func:`design_seed`), separate from the runs' seeds, so the same file always gives the same
points. A factor given as a list of ``values`` is sampled as a categorical factor: the sampler
works on [0, 1] and value ``floor(u * len(values))`` is taken; a range is sampled on
[low, high] and rounded if ``integer``.
"""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.experiment.spec import SCENARIO_KEY, ExperimentFile, Factor

#: Spawn key of the design stream: two entries, so it can never equal a run's ``(k,)``.
DESIGN_SPAWN_KEY = (0x5EED, 1)


def design_seed(root: int) -> np.random.SeedSequence:
    """The seed sequence of the design sampler (independent of every run's seed)."""
    return np.random.SeedSequence(int(root), spawn_key=DESIGN_SPAWN_KEY)


def plain(value: Any) -> Any:
    """A numpy scalar as the Python scalar the strict scenario schema accepts."""
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return float(value)
    return value


@dataclass(frozen=True)
class FactorInfo:
    """A factor of the design with its section (``uncertainties`` or ``levers``)."""

    name: str
    section: str
    spec: Factor

    @property
    def keys(self) -> list[str]:
        """The scenario keys this factor sets (none for the scenario factor itself)."""
        if self.name == SCENARIO_KEY:
            return []
        return list(self.spec.keys or [self.name])

    @property
    def where(self) -> str:
        """Its key in the experiment file, for error messages."""
        return f"{self.section}.{self.name}"

    def grid_values(self) -> list[Any]:
        """Values in a grid or zip design."""
        f = self.spec
        if f.values is not None:
            return list(f.values)
        xs = np.linspace(f.low, f.high, f.steps or 2)
        return [self._round(x) for x in xs]

    def bounds(self) -> list[float]:
        """The sampler's bounds: [low, high] for a range, [0, 1] for a list of values."""
        f = self.spec
        return [0.0, 1.0] if f.values is not None else [float(f.low), float(f.high)]  # type: ignore[arg-type]

    def value_at(self, x: float) -> Any:
        """The factor value at sampler coordinate ``x`` (see :meth:`bounds`)."""
        f = self.spec
        if f.values is not None:
            k = min(int(math.floor(x * len(f.values))), len(f.values) - 1)
            return f.values[max(k, 0)]
        return self._round(x)

    def _round(self, x: float) -> Any:
        # Rounded to 12 decimals so that linspace's 0.30000000000000004 reads 0.3.
        return int(round(x)) if self.spec.integer else round(float(x), 12)


@dataclass
class DesignPoints:
    """The expanded design: one dict of column values per design point."""

    kind: str
    factors: list[FactorInfo]
    columns: list[str]
    points: list[dict[str, Any]]
    labels: list[str] | None = None
    problem: dict[str, Any] | None = None
    x: np.ndarray | None = None
    _where: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.points)

    def scenario_of(self, i: int) -> str | None:
        """The scenario point ``i`` overrides the experiment's with, if any."""
        value = self.points[i].get(SCENARIO_KEY)
        return None if value is None else str(value)

    def overrides(self, i: int) -> dict[str, Any]:
        """Dotted scenario keys -> values of point ``i``."""
        point = self.points[i]
        if self.factors:
            return {k: plain(point[f.name]) for f in self.factors for k in f.keys}
        return {
            k: plain(v)
            for k, v in point.items()
            if k not in ("label", SCENARIO_KEY) and v is not None
        }

    def where(self, key: str, i: int) -> str:
        """The experiment-file key that sets scenario key ``key`` at point ``i``."""
        if self.factors:
            return self._where.get(key, key)
        return f"design.points.{i}.{key}"


def expand(exp: ExperimentFile) -> DesignPoints:
    """Expand the experiment's design into points (deterministic for a given file)."""
    spec = exp.spec
    factors = [FactorInfo(n, "uncertainties", f) for n, f in spec.uncertainties.items()]
    factors += [FactorInfo(n, "levers", f) for n, f in spec.levers.items()]
    kind = spec.design.kind
    if kind == "zip" and spec.design.points:
        return _table(exp)
    columns = [f.name for f in factors]
    where = {k: f.where for f in factors for k in (f.keys or [f.name])}
    if not factors:  # no factors: one point, the scenario with the constants
        return DesignPoints(kind, [], [], [{}], _where=where)
    if kind == "grid":
        points = [
            dict(zip(columns, combo, strict=True))
            for combo in itertools.product(*(f.grid_values() for f in factors))
        ]
        return DesignPoints(kind, factors, columns, points, _where=where)
    if kind == "zip":
        lists = [f.grid_values() for f in factors]
        lengths = {len(v) for v in lists}
        if len(lengths) > 1:
            longest = max(factors, key=lambda f: len(f.grid_values()))
            raise UserError(
                exp.source,
                longest.where,
                f"zip needs factors of equal length (lengths {sorted(lengths)})",
            )
        points = [dict(zip(columns, row, strict=True)) for row in zip(*lists, strict=True)]
        return DesignPoints(kind, factors, columns, points, _where=where)
    problem = {
        "num_vars": len(factors),
        "names": columns,
        "bounds": [f.bounds() for f in factors],
    }
    x = _sample(kind, problem, spec.design, spec.seed, exp.source)
    points = [
        {f.name: f.value_at(float(v)) for f, v in zip(factors, row, strict=True)} for row in x
    ]
    return DesignPoints(kind, factors, columns, points, problem=problem, x=x, _where=where)


def _sample(kind: str, problem: dict[str, Any], design: Any, root: int, source: str) -> np.ndarray:
    """The sampler's matrix, one row per point, in the problem's bounds."""
    n = int(design.samples)
    if kind == "lhs":
        from scipy.stats import qmc

        rng = np.random.default_rng(design_seed(root))
        try:
            sampler = qmc.LatinHypercube(d=problem["num_vars"], rng=rng)
        except TypeError:  # scipy < 1.15 calls it seed
            sampler = qmc.LatinHypercube(d=problem["num_vars"], seed=rng)
        unit = sampler.random(n)
        lo, hi = np.array(problem["bounds"]).T
        return lo + unit * (hi - lo)
    seed = int(design_seed(root).generate_state(1)[0])
    if kind == "sobol":
        from SALib.sample import sobol

        return sobol.sample(problem, n, calc_second_order=design.second_order, seed=seed)
    if kind == "morris":
        from SALib.sample import morris

        return morris.sample(problem, n, num_levels=design.levels, seed=seed)
    raise UserError(source, "design.kind", f"unknown design {kind!r}")  # pragma: no cover


def _table(exp: ExperimentFile) -> DesignPoints:
    """An explicit table of points; columns are the union of their keys, in order."""
    rows = exp.spec.design.points
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    labels = None
    if "label" in columns:
        labels = [str(r.get("label", f"point {i}")) for i, r in enumerate(rows)]
        columns.remove("label")
    points = [{c: r.get(c) for c in columns} for r in rows]
    if labels is not None:
        for p, label in zip(points, labels, strict=True):
            p["label"] = label
    return DesignPoints("zip", [], columns, points, labels=labels)


def column_type(values: list[Any]) -> str:
    """The Parquet type of a parameter column: bool, int, float, str, or json."""
    seen = {type(plain(v)) for v in values if v is not None}
    if not seen:
        return "str"
    if seen == {bool}:
        return "bool"
    if seen == {int}:
        return "int"
    if seen <= {int, float}:
        return "float"
    if seen == {str}:
        return "str"
    return "json"


def encode(value: Any, kind: str) -> Any:
    """A parameter value as stored in its column (lists and tables as JSON text)."""
    if value is None:
        return None
    if kind == "json":
        return json.dumps(plain(value), sort_keys=True)
    if kind == "float":
        return float(value)
    return plain(value)
