"""How a sweep's runs are split for comparison: by design point, by factor value, or pooled.

Figures that overlay distributions (ECDFs, fan charts) compare at most a handful of groups: one
per design point when the design is small (two factors: colour for one, line style for the
other), else one per value of the first factor with few values (pooled over the others), else
all runs pooled. The split, its colours and its legend title are decided here, once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim import palette
from sim.plots.results import Factor, SweepResults
from sim.plots.style import LINESTYLES, fmt_value, group_colours

MAX_COLOURS = 7
GROUP_COLOURS_FIRST = palette.BLUE  # one group


@dataclass
class Group:
    """Runs compared as one curve or fan."""

    label: str
    mask: np.ndarray  # over ``SweepResults.ok`` rows
    colour: str
    linestyle: str = "-"
    panel: str = ""  # fan charts: the value of the panel factor ("" for one panel)
    inner: str = ""  # fan charts: the label within its panel
    inner_colour: str = ""  # fan charts: the colour within its panel ("" = ``colour``)
    full: str = ""  # the label with factor names, for text ("" = ``label``)

    def __post_init__(self) -> None:
        self.full = self.full or self.label


@dataclass
class Grouping:
    """The groups of a comparison and how to describe them."""

    groups: list[Group]
    title: str  # legend title, e.g. "notice_months, conflict_clause"
    pooled_over: list[str]  # factors whose values are pooled within each group

    @property
    def note(self) -> str:
        """Caption words about pooling ("" if nothing is pooled)."""
        if not self.pooled_over:
            return ""
        return "pooled over " + ", ".join(self.pooled_over)


def label_of(factor: str, value: Any) -> str:
    """``factor = value`` as shown in legends (a design point's label alone)."""
    return fmt_value(value) if factor == "label" else f"{factor} = {fmt_value(value)}"


def _eq(col: pd.Series, value: Any) -> np.ndarray:
    return (col == value).to_numpy()


def grouping(sweep: SweepResults) -> Grouping:
    """Split the successful runs of a sweep for overlaid comparisons."""
    ok = sweep.ok
    factors = sweep.factors
    small = [f for f in factors if f.discrete and len(f.values) <= MAX_COLOURS]
    everything = np.ones(len(ok), dtype=bool)
    if not factors:
        return Grouping([Group("all runs", everything, GROUP_COLOURS_FIRST)], "", [])
    if len(factors) == 2 and len(small) == 2:
        a, b = sorted(small, key=lambda f: -len(f.values))  # a: more values, b: fewer
        if len(b.values) <= len(LINESTYLES):
            return _two(ok, a, b)
    if small:
        f = small[0]
        colours = group_colours(f.values)
        groups = [
            Group(label_of(f.name, v), _eq(ok[f.name], v), c, panel=fmt_value(v))
            for v, c in zip(f.values, colours, strict=True)
        ]
        return Grouping(groups, f.title, [g.title for g in factors if g is not f])
    return Grouping(
        [Group("all runs", everything, GROUP_COLOURS_FIRST)], "", [f.name for f in factors]
    )


def _two(ok: pd.DataFrame, a: Factor, b: Factor) -> Grouping:
    colours = group_colours(a.values)
    inner = group_colours(b.values)
    groups = []
    for va, ca in zip(a.values, colours, strict=True):
        for k, vb in enumerate(b.values):
            groups.append(
                Group(
                    f"{fmt_value(va)}, {fmt_value(vb)}",
                    _eq(ok[a.name], va) & _eq(ok[b.name], vb),
                    ca,
                    LINESTYLES[k],
                    panel=label_of(a.name, va),
                    inner=label_of(b.name, vb),
                    inner_colour=inner[k],
                    full=f"{label_of(a.name, va)}, {label_of(b.name, vb)}",
                )
            )
    return Grouping(groups, f"{a.name}, {b.name}", [])


def bins(values: pd.Series, factor: Factor, n: int = 5) -> tuple[pd.Series, list[str]]:
    """Each run's position on a factor's axis: its value, or its bin for continuous factors.

    Returns the category of every run (as a label) and the categories in order. Continuous
    factors (more than 12 values, e.g. sampled designs) are cut into ``n`` equal-width bins.
    """
    if factor.discrete:
        order = [fmt_value(v) for v in factor.values]
        return values.map(fmt_value), order
    lo, hi = float(np.min(factor.values)), float(np.max(factor.values))
    edges = np.linspace(lo, hi, n + 1)
    step = (hi - lo) / n if hi > lo else 1.0
    decimals = max(0, 1 - int(np.floor(np.log10(step))))  # 0.2 wide: 2 decimals
    labels = [f"{edges[k]:.{decimals}f}\u2013{edges[k + 1]:.{decimals}f}" for k in range(n)]
    idx = np.clip(np.searchsorted(edges, values.to_numpy(dtype=float), side="right") - 1, 0, n - 1)
    return pd.Series(np.asarray(labels, dtype=object)[idx], index=values.index), labels
