"""Outcomes kept per run: summary fields, derived outcomes and downsampled monthly series.

The parent process resolves the outcome columns once (:func:`resolve`) against the fields a
batch offers (:class:`sim.outcomes.Outcomes`), so typos fail up front with
``file: key: message``; workers then call :func:`compute` and :func:`series` on every finished
batch with the plain :class:`OutcomePlan` it produced. Everything is computed for a whole batch
at once, as Arrow-ready columns.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.errors import UserError
from sim.experiment.spec import Derived, Outcomes
from sim.outcomes import Column
from sim.outcomes import Outcomes as BatchOutcomes

OPS = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}


@dataclass(frozen=True)
class OutcomePlan:
    """Resolved outcome columns: summary fields, derived outcomes, their types, series."""

    fields: tuple[str, ...]
    derived: tuple[Derived, ...]
    types: dict[str, str]  # column -> bool | int | float | str
    series_columns: tuple[str, ...] = ()
    series_every: int = 0  # 0: no series kept
    series_types: dict[str, str] | None = None

    @property
    def columns(self) -> list[str]:
        """Outcome column names, in order."""
        return [*self.fields, *(d.name for d in self.derived)]


def expand(paths: list[str], pattern: str) -> list[str]:
    """The summary fields a pattern names; ``*`` ranges over the keys at its level.

    ``treaties.*.notified`` gives one field per treaty, ``states.*.ottawa.notice_month`` one
    per state, ``states.*.*.notice_month`` one per state and treaty (in summary order). A
    pattern without ``*`` names itself, whether or not it exists (the caller checks).
    """
    if "*" not in pattern.split("."):
        return [pattern]
    parts = pattern.split(".")
    return [
        p
        for p in paths
        if len(q := p.split(".")) == len(parts)
        and all(a == "*" or a == b for a, b in zip(parts, q, strict=True))
    ]


def resolve(
    spec: Outcomes,
    offered: BatchOutcomes,
    series_names: list[str],
    source: str,
    taken: set[str],
) -> OutcomePlan:
    """Check the outcome spec against the fields and monthly columns a run offers."""
    paths = offered.paths()
    known = set(paths)
    treaties = offered.world.treaty_ids
    fields: list[str] = []
    for k, pattern in enumerate(spec.fields):
        names = expand(paths, pattern)
        if not names:
            raise UserError(source, f"outcomes.fields.{k}", f"{pattern!r} matches no field")
        for name in names:
            if name not in known:
                if any(p.startswith(name + ".") for p in paths):
                    raise UserError(
                        source, f"outcomes.fields.{k}", f"{name!r} is not a single value"
                    )
                listed = ", ".join(p for p in paths if not p.startswith("states."))
                raise UserError(
                    source,
                    f"outcomes.fields.{k}",
                    f"{name!r} is not a run summary field ({listed})",
                )
            if name in taken:
                raise UserError(source, f"outcomes.fields.{k}", f"{name!r} is already a column")
            if name not in fields:
                fields.append(name)
    types = {name: offered.column(name).kind for name in fields}
    for k, d in enumerate(spec.derived):
        key = f"outcomes.derived.{k}"
        if d.treaty is not None and d.treaty not in treaties:
            raise UserError(source, f"{key}.treaty", f"unknown treaty {d.treaty!r} ({treaties})")
        if d.column is not None and d.column not in series_names:
            raise UserError(source, f"{key}.column", f"no monthly column {d.column!r}")
        if d.field is not None and d.field not in types and d.field not in known:
            raise UserError(source, f"{key}.field", f"unknown field {d.field!r}")
        types[d.name] = {"cascade": "bool", "condition": "bool", "notices_by": "int"}.get(
            d.kind, "float"
        )
    if spec.series is None:
        return OutcomePlan(tuple(fields), tuple(spec.derived), types)
    cols = list(spec.series.columns) or list(series_names)
    for k, c in enumerate(cols):
        if c not in series_names and c != "month":
            raise UserError(source, f"outcomes.series.columns.{k}", f"no monthly column {c!r}")
    cols = [c for c in cols if c not in ("month", "date")]
    kinds = dict(offered.series.columns)
    stypes = {"month": "int", "run_id": "int", **{c: kinds[c] for c in cols}}
    return OutcomePlan(
        tuple(fields), tuple(spec.derived), types, tuple(cols), spec.series.every, stypes
    )


def compute(plan: OutcomePlan, offered: BatchOutcomes) -> dict[str, Column]:
    """Every outcome column over the runs of a batch."""
    out: dict[str, Column] = {name: offered.column(name) for name in plan.fields}
    for d in plan.derived:
        out[d.name] = _derived(d, offered, out)
    return out


def _derived(d: Derived, offered: BatchOutcomes, done: dict[str, Column]) -> Column:
    st = offered.state
    if d.kind in ("cascade", "notices_by"):
        t = offered.world.treaty_ids.index(d.treaty)  # type: ignore[arg-type]
        nm = st.notice_month[:, :, t]
        moved = nm >= 0 if d.within is None else (nm >= 0) & (nm < d.within)
        count = np.add.reduce(moved, axis=-1).astype(np.int64)
        if d.kind == "notices_by":
            return Column(count, "int")
        return Column(count >= d.min_states, "bool")
    if d.kind in ("peak", "final", "mean"):
        col = np.ascontiguousarray(offered.series.column(d.column))  # type: ignore[arg-type]
        if not col.shape[1]:
            return Column(np.full(st.runs, np.nan), "float")
        if d.kind == "peak":
            return Column(col.max(axis=1), "float")
        if d.kind == "final":
            return Column(col[:, -1].copy(), "float")
        return Column(np.add.reduce(col, axis=1) / col.shape[1], "float")
    field = done[d.field] if d.field in done else offered.column(d.field)  # type: ignore[index]
    holds = np.asarray(OPS[d.op](field.values, d.value), dtype=bool)  # type: ignore[index]
    if field.missing is not None:
        holds &= ~field.missing  # a field that is None satisfies no condition
    return Column(holds, "bool")


def series(plan: OutcomePlan, offered: BatchOutcomes, run_ids: list[int]) -> dict[str, Any]:
    """The kept monthly rows of a batch's runs, run by run.

    Every ``every`` months, and always the last.
    """
    ser = offered.series
    if not plan.series_every or not ser.months:
        return {}
    months = np.arange(ser.months)
    keep = np.flatnonzero((months % plan.series_every == 0) | (months == months[-1]))
    R = len(run_ids)
    out: dict[str, Any] = {
        "run_id": np.repeat(np.asarray(run_ids, dtype=np.int64), len(keep)),
        "month": np.tile(keep, R).astype(np.int64),
    }
    types = plan.series_types or {}
    for c in plan.series_columns:
        values = ser.column(c)[:, keep].reshape(-1)
        out[c] = values.astype(np.int64) if types.get(c) == "int" else values
    return out
