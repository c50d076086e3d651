"""Outcomes kept per run: summary fields, derived outcomes and downsampled monthly series.

The parent process resolves the outcome columns once (:func:`resolve`) against a probe run, so
typos fail up front with ``file: key: message``; workers then call :func:`compute` and
:func:`series` on every run with the plain :class:`OutcomePlan` it produced.
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any

import pandas as pd

from sim.errors import UserError
from sim.experiment.spec import Derived, Outcomes

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


def get_field(summary: dict[str, Any], dotted: str) -> Any:
    """The value of a dotted summary path (``treaties.ottawa.notified``)."""
    node: Any = summary
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise KeyError(dotted)
        node = node[part]
    return node


def _leaves(node: Any, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, f"{prefix}{k}.")]
    return [prefix[:-1]]


def expand(summary: dict[str, Any], pattern: str) -> list[str]:
    """The summary paths a field pattern names; ``*`` ranges over the keys at its level.

    ``treaties.*.notified`` gives one field per treaty, ``states.*.ottawa.notice_month`` one
    per state, ``states.*.*.notice_month`` one per state and treaty (in summary order).
    """
    paths = [("", summary)]
    for part in pattern.split("."):
        nxt = []
        for prefix, node in paths:
            keys = list(node) if part == "*" and isinstance(node, dict) else [part]
            for key in keys:
                child = node.get(key) if isinstance(node, dict) else None
                nxt.append((f"{prefix}{key}.", child))
        paths = nxt
    return [prefix[:-1] for prefix, _ in paths]


def _type_of(name: str, value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "str"
    # None in the probe: the schema says months are ints and dates strings.
    if name.endswith("_month"):
        return "int"
    return "str" if name.endswith("_date") else "float"


def resolve(
    spec: Outcomes, summary: dict[str, Any], ts: pd.DataFrame, source: str, taken: set[str]
) -> OutcomePlan:
    """Check the outcome spec against a probe run's summary and series; fix column types."""
    treaties = list(summary.get("treaties", {}))
    fields: list[str] = []
    for k, pattern in enumerate(spec.fields):
        for name in expand(summary, pattern):
            try:
                value = get_field(summary, name)
            except KeyError:
                known = ", ".join(p for p in _leaves(summary) if not p.startswith("states."))
                raise UserError(
                    source, f"outcomes.fields.{k}", f"{name!r} is not a run summary field ({known})"
                ) from None
            if isinstance(value, dict | list):
                raise UserError(source, f"outcomes.fields.{k}", f"{name!r} is not a single value")
            if name in taken:
                raise UserError(source, f"outcomes.fields.{k}", f"{name!r} is already a column")
            if name not in fields:
                fields.append(name)
    types = {name: _type_of(name, get_field(summary, name)) for name in fields}
    for k, d in enumerate(spec.derived):
        key = f"outcomes.derived.{k}"
        if d.treaty is not None and d.treaty not in treaties:
            raise UserError(source, f"{key}.treaty", f"unknown treaty {d.treaty!r} ({treaties})")
        if d.column is not None and d.column not in ts.columns:
            raise UserError(source, f"{key}.column", f"no monthly column {d.column!r}")
        if d.field is not None and d.field not in types:
            try:
                get_field(summary, d.field)
            except KeyError:
                raise UserError(source, f"{key}.field", f"unknown field {d.field!r}") from None
        types[d.name] = {"cascade": "bool", "condition": "bool", "notices_by": "int"}.get(
            d.kind, "float"
        )
    if spec.series is None:
        return OutcomePlan(tuple(fields), tuple(spec.derived), types)
    cols = list(spec.series.columns) or [c for c in ts.columns if c not in ("month", "date")]
    for k, c in enumerate(cols):
        if c not in ts.columns:
            raise UserError(source, f"outcomes.series.columns.{k}", f"no monthly column {c!r}")
    cols = [c for c in cols if c != "month"]
    stypes = {"month": "int", "run_id": "int"}
    for c in cols:
        kind = ts[c].dtype.kind
        stypes[c] = {"b": "bool", "i": "int", "u": "int", "f": "float"}.get(kind, "str")
    return OutcomePlan(
        tuple(fields), tuple(spec.derived), types, tuple(cols), spec.series.every, stypes
    )


def _notices_before(summary: dict[str, Any], treaty: str, within: int | None) -> int:
    months = [v[treaty]["notice_month"] for v in summary["states"].values() if treaty in v]
    return sum(m is not None and (within is None or m < within) for m in months)


def _derived(d: Derived, summary: dict[str, Any], ts: pd.DataFrame, done: dict[str, Any]) -> Any:
    if d.kind in ("cascade", "notices_by"):
        count = _notices_before(summary, d.treaty, d.within)  # type: ignore[arg-type]
        return count if d.kind == "notices_by" else count >= d.min_states  # type: ignore[operator]
    if d.kind in ("peak", "final", "mean"):
        col = ts[d.column]
        if not len(col):
            return math.nan
        return float({"peak": col.max, "final": lambda: col.iloc[-1], "mean": col.mean}[d.kind]())
    value = done[d.field] if d.field in done else get_field(summary, d.field)  # type: ignore[arg-type]
    return value is not None and bool(OPS[d.op](value, d.value))  # type: ignore[index]


def coerce(value: Any, kind: str) -> Any:
    """A value as its column's type (None stays None; NaN floats stay NaN)."""
    if value is None:
        return None
    if kind == "bool":
        return bool(value)
    if kind == "int":
        return int(value)
    if kind == "float":
        return float(value)
    return str(value)


def compute(plan: OutcomePlan, summary: dict[str, Any], ts: pd.DataFrame) -> dict[str, Any]:
    """Every outcome column of one run."""
    out: dict[str, Any] = {}
    for name in plan.fields:
        out[name] = coerce(get_field(summary, name), plan.types[name])
    for d in plan.derived:
        out[d.name] = coerce(_derived(d, summary, ts, out), plan.types[d.name])
    return out


def series(plan: OutcomePlan, ts: pd.DataFrame, run_id: int) -> dict[str, list[Any]]:
    """The kept monthly rows of one run (every ``every`` months, and always the last)."""
    if not plan.series_every or not len(ts):
        return {}
    months = ts["month"].to_numpy()
    keep = (months % plan.series_every == 0) | (months == months[-1])
    sub = ts.loc[keep]
    out: dict[str, list[Any]] = {"run_id": [run_id] * len(sub), "month": sub["month"].tolist()}
    types = plan.series_types or {}
    for c in plan.series_columns:
        out[c] = [coerce(v, types.get(c, "float")) for v in sub[c].tolist()]
    return out
