"""Fan charts of a sweep's monthly series: median with 50% and 90% bands, month by month.

The series are the columns the experiment kept (``[outcomes.series]``), read from the sweep's
``timeseries.parquet``. Per treaty, the states that have given notice (pending or withdrawn) are
shown when both counts were kept; total arms are shown relative to each run's month 0.
"""

from __future__ import annotations

import math

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from sim import palette
from sim.plots.groups import Group, grouping
from sim.plots.labels import series_label
from sim.plots.results import SweepResults
from sim.plots.style import Plot, footer, month_label, month_ticks

QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _series_columns(sweep: SweepResults, ts: pd.DataFrame) -> list[str]:
    """Which series to draw, in order: per treaty moved/withdrawn/held, then the rest."""
    cols = []
    for tid in sweep.treaties:
        if f"{tid}_notice" in ts and f"{tid}_withdrawn" in ts:
            cols.append(f"moved:{tid}")
        elif f"{tid}_notice" in ts:
            cols.append(f"{tid}_notice")
        cols += [c for c in (f"{tid}_withdrawn", f"{tid}_held") if c in ts]
    cols += [
        c
        for c in ("mean_threat", "max_threat", "total_arms", "incidents", "wars")
        if c in ts.columns
    ]
    return cols


def _values(ts: pd.DataFrame, col: str) -> pd.Series:
    if col.startswith("moved:"):
        tid = col.split(":", 1)[1]
        return ts[f"{tid}_notice"] + ts[f"{tid}_withdrawn"]
    if col == "total_arms":
        first = ts.groupby("run_id")["total_arms"].transform("first")
        return (ts["total_arms"] / first.where(first != 0, 1.0) - 1.0) * 100.0
    return ts[col]


def _colour(col: str) -> str:
    """The series' own colour (status colours for status counts)."""
    if col.startswith("moved:") or col.endswith("_notice"):
        return palette.SERIES_COLOURS["notice"]
    for what in ("withdrawn", "held", "party"):
        if col.endswith(f"_{what}"):
            return palette.SERIES_COLOURS[what]
    if "threat" in col:
        return palette.SERIES_COLOURS["threat"]
    if col == "total_arms":
        return palette.SERIES_COLOURS["arms"]
    return palette.BLACK


def _bands(frame: pd.DataFrame) -> pd.DataFrame:
    """Quantiles of ``v`` per month."""
    q = frame.groupby("month")["v"].quantile(list(QUANTILES)).unstack()
    q.columns = [f"q{int(round(c * 100)):02d}" for c in q.columns]
    return q


def fan_charts(sweep: SweepResults) -> list[Plot]:
    """One figure per kept monthly series: a fan per group, in small multiples."""
    ts = sweep.series
    if ts is None or ts.empty:
        return []
    ok_ids = sweep.ok["run_id"].to_numpy()
    ts = ts[ts["run_id"].isin(ok_ids)]
    split = grouping(sweep)
    group_of = pd.Series(-1, index=ok_ids)
    for k, g in enumerate(split.groups):
        group_of[ok_ids[g.mask]] = k
    gid = ts["run_id"].map(group_of).to_numpy()
    months = sweep.months or int(ts["month"].max()) + 1
    nrows, ncols, cells = _layout(split.groups)
    end = month_label(sweep.start, int(ts["month"].max()))
    plots = []
    for col in _series_columns(sweep, ts):
        label, unit = series_label(col, sweep.treaties)
        values = _values(ts, col).to_numpy(dtype=float)
        colour = _colour(col)
        bands = []
        for k in range(len(split.groups)):
            sel = gid == k
            frame = pd.DataFrame({"month": ts["month"].to_numpy()[sel], "v": values[sel]})
            bands.append(None if frame.empty else _bands(frame))
        # The same fan for every group (e.g. notices that a legal rule does not change):
        # one panel that says so, rather than identical small multiples.
        same = len(bands) > 1 and all(
            b is not None and bands[0] is not None and b.equals(bands[0]) for b in bands[1:]
        )
        rows, cols, where = (1, 1, [(0, 0)] * len(bands)) if same else (nrows, ncols, cells)
        fig = Figure(figsize=(3.5 * cols + (4.0 if cols == 1 else 0.6), 2.7 * rows + 1.2))
        axes = fig.subplots(rows, cols, squeeze=False, sharex=True, sharey=True)
        finals = []
        for k, (g, q) in enumerate(zip(split.groups, bands, strict=True)):
            ax = axes[where[k]]
            if q is None:
                ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center")
                continue
            if same and k > 0:
                continue
            ax.fill_between(q.index, q["q05"], q["q95"], color=colour, alpha=0.18, lw=0)
            ax.fill_between(q.index, q["q25"], q["q75"], color=colour, alpha=0.4, lw=0)
            ax.plot(q.index, q["q50"], color=colour, lw=1.8)
            last = q.iloc[-1]
            text = f"{last['q50']:.3g} ({last['q05']:.3g}-{last['q95']:.3g})"
            if same:
                ax.set_title(f"the same for every {split.title}", fontsize=9)
                finals.append(f"every {split.title}: {text}")
            elif len(split.groups) > 1:
                ax.set_title(f"{g.panel}\n{g.inner}" if g.inner else g.label, fontsize=9)
                finals.append(f"{g.full}: {text}")
            else:
                finals.append(text)
        for ax in axes.flat:
            month_ticks(ax, sweep.start, months, every=12 if cols > 1 else 6)
        for ax in list(axes.flat):
            if not ax.has_data() and not ax.texts:
                ax.set_visible(False)
        for ax in axes[:, 0]:
            ax.set_ylabel(unit)
        for ax in axes[-1, :]:
            ax.set_xlabel("month")
        if "threat" in col:
            axes[0][0].set_ylim(bottom=0)
        elif unit in ("states", "incidents", "wars"):  # counts: whole numbers from zero
            axes[0][0].set_ylim(bottom=0, top=max(1.0, axes[0][0].get_ylim()[1]))
            axes[0][0].yaxis.set_major_locator(MaxNLocator(integer=True))
        handles = [
            Patch(color=colour, alpha=0.4, label="50% of runs"),
            Patch(color=colour, alpha=0.18, label="90% of runs"),
            Line2D([], [], color=colour, lw=1.8, label="median"),
        ]
        axes[0][0].legend(handles=handles, loc="best", fontsize=8)
        fig.suptitle(f"{sweep.name}: {label}", x=0.01, ha="left")
        footer(fig, sweep.provenance + (f"; {split.note}" if split.note else ""))
        every = (
            sweep.manifest["experiment"].get("spec", {}).get("outcomes", {}).get("series") or {}
        ).get("every")
        caption = (
            f"{label[0].upper()}{label[1:]} month by month: median and the bands holding 50% "
            "and 90% of runs"
            + (f", per {split.title}" if split.title else "")
            + (f" (recorded every {every} months)" if every else "")
            + "."
        )
        safe = col.replace("moved:", "notices-").replace("_", "-")
        plots.append(
            Plot(
                f"fan-{safe}",
                fig,
                caption,
                "fan",
                {f"at {end}, median (5%-95%)": "; ".join(finals)},
            )
        )
    return plots


def _layout(groups: list[Group]) -> tuple[int, int, list[tuple[int, int]]]:
    """Rows, columns and the cell of each group: two factors as a grid, else rows of four."""
    if any(g.inner for g in groups):
        cols = list(dict.fromkeys(g.panel for g in groups))
        rows = list(dict.fromkeys(g.inner for g in groups))
        return len(rows), len(cols), [(rows.index(g.inner), cols.index(g.panel)) for g in groups]
    ncols = min(4, len(groups))
    nrows = math.ceil(len(groups) / ncols)
    return nrows, ncols, [(k // ncols, k % ncols) for k in range(len(groups))]
