"""Outcome distributions of a sweep: cascade sizes (histogram, ECDF) and outcomes by factor."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim import palette
from sim.plots.groups import bins, grouping
from sim.plots.results import Factor, SweepResults
from sim.plots.style import Plot, footer, suptitle, wilson

#: Box fills of outcomes that count states in a treaty status: the status's colour.
STATUS_OF_FIELD = {"notified": "notice", "withdrawn": "withdrawn", "blocked": "blocked"}
NEUTRAL = "#D9D9D9"


def cascade_size(sweep: SweepResults) -> Plot | None:
    """Histogram (all runs) and ECDF (per group) of the number of notices, per treaty."""
    ok = sweep.ok
    cols = [
        (tid, name, f"treaties.{tid}.notified")
        for tid, name in sweep.treaties.items()
        if f"treaties.{tid}.notified" in ok.columns
    ]
    if not cols:
        return None
    split = grouping(sweep)
    fig = Figure(figsize=(12, 3.7 * len(cols) + 0.5))
    axes = fig.subplots(len(cols), 2, squeeze=False, width_ratios=[1, 1.25])
    numbers = {}
    for row, (_tid, name, col) in enumerate(cols):
        x = ok[col].to_numpy(dtype=float)
        x = x[~np.isnan(x)]
        hist, ecdf = axes[row]
        top = int(x.max()) if len(x) else 0
        edges = np.arange(-0.5, top + 1.5, 1.0)
        hist.hist(x, bins=edges, color=palette.STATUS_COLOURS["notice"], edgecolor="white")
        med = float(np.median(x)) if len(x) else math.nan
        hist.axvline(med, color=palette.BLACK, ls="--", lw=1.2, label=f"median {med:g}")
        hist.legend(loc="upper right")
        hist.set(
            title=f"{name}: cascade size, all {len(x):,} runs",
            xlabel=f"states that gave notice on {name}",
            ylabel="runs",
        )
        hist.xaxis.set_major_locator(MaxNLocator(integer=True))
        samples = [
            np.sort(ok.loc[g.mask, col].dropna().to_numpy(dtype=float)) for g in split.groups
        ]
        identical = len(samples) > 1 and all(np.array_equal(samples[0], v) for v in samples[1:])
        if identical:  # one curve, said so, rather than eight hidden under each other
            ecdf.ecdf(samples[0], color=palette.BLUE, lw=1.8)
            ecdf.text(
                0.98,
                0.04,
                f"identical for every {split.title}\n({len(samples[0]):,} runs each)",
                transform=ecdf.transAxes,
                ha="right",
                va="bottom",
            )
        else:
            for g, xs in zip(split.groups, samples, strict=True):
                if len(xs):
                    ecdf.ecdf(xs, color=g.colour, ls=g.linestyle, lw=1.6, label=g.label)
        ecdf.set(
            title=f"{name}: cumulative distribution"
            + (f" by {split.title}" if split.title else ""),
            xlabel=f"states that gave notice on {name}",
            ylabel="share of runs with at most x",
            ylim=(0, 1.02),
        )
        ecdf.xaxis.set_major_locator(MaxNLocator(integer=True))
        q05, q95 = (
            np.quantile(x, [0.05, 0.95], method="inverted_cdf") if len(x) else (math.nan,) * 2
        )
        numbers[f"{name} notices"] = (
            f"median {med:g}, 90% of runs {q05:g} to {q95:g}, "
            f"at least one notice in {np.mean(x > 0):.0%} of runs"
        )
    if axes[0][1].get_legend_handles_labels()[0]:
        axes[0][1].legend(
            title=split.title, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False
        )
    footer(fig, sweep.provenance + (f"; curves {split.note}" if split.note else ""))
    fig.suptitle(f"{sweep.name}: how many states gave notice (cascade size)")
    caption = (
        "Histogram of the number of states that gave notice per run (all runs pooled) and its "
        "cumulative distribution" + (f" for each {split.title}" if split.title else "") + "."
    )
    return Plot("cascade-size", fig, caption, "distribution", numbers)


def _candidates(sweep: SweepResults) -> list[tuple[str, str]]:
    return [
        (c, t)
        for c, t in sweep.outcome_types.items()
        if t in ("int", "float", "bool") and not c.startswith("states.")
    ]


def _outcomes(sweep: SweepResults) -> list[tuple[str, str]]:
    """(column, type) of the outcomes drawn: numbers and yes/no that vary, per-state left out."""
    ok = sweep.ok
    return [(c, t) for c, t in _candidates(sweep) if ok[c].nunique(dropna=True) > 1]


def constant_outcomes(sweep: SweepResults) -> dict[str, object]:
    """Outcomes with one value over all successful runs (not drawn): column -> value."""
    ok = sweep.ok
    out: dict[str, object] = {}
    for c, _ in _candidates(sweep):
        values = ok[c].dropna().unique()
        if len(values) <= 1:
            out[c] = values[0] if len(values) else None
    return out


def by_factor(sweep: SweepResults) -> list[Plot]:
    """One figure per varied factor: each outcome's distribution by the factor's value."""
    outcomes = _outcomes(sweep)
    if not outcomes:
        return []
    return [_by_factor(sweep, f, outcomes) for f in sweep.factors]


def _wrap(label: str, width: int = 14) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _by_factor(sweep: SweepResults, factor: Factor, outcomes: list[tuple[str, str]]) -> Plot:
    ok = sweep.ok
    cats, order = bins(ok[factor.name], factor)
    ncols = 3 if len(outcomes) > 4 else min(2, len(outcomes))
    nrows = math.ceil(len(outcomes) / ncols)
    long_ticks = len(order) > 6 and max(len(o) for o in order) > 4
    fig = Figure(figsize=(4.3 * ncols, 3.2 * nrows + 0.9))
    axes = fig.subplots(nrows, ncols, squeeze=False)
    pos = np.arange(len(order))
    counts = cats.value_counts().reindex(order, fill_value=0)
    for ax, (col, kind) in zip(axes.flat, outcomes, strict=False):
        label, unit = sweep.label(col)
        values = ok[col]
        if kind == "bool":
            k = values.astype(bool).groupby(cats).sum().reindex(order, fill_value=0)
            n = values.groupby(cats).count().reindex(order, fill_value=0)
            p = (k / n.replace(0, np.nan)).to_numpy(dtype=float)
            lo, hi = np.array([wilson(int(a), int(b)) for a, b in zip(k, n, strict=True)]).T
            ax.errorbar(
                pos,
                p,
                yerr=[np.clip(p - lo, 0, None), np.clip(hi - p, 0, None)],
                fmt="o",
                color=palette.BLUE,
                ecolor=palette.BLUE,
                capsize=3,
                ms=6,
            )
            ax.set_ylim(-0.02, 1.02)
            ax.set_ylabel("probability (95% CI)")
        else:
            data = [values[cats == c].dropna().to_numpy(dtype=float) for c in order]
            field = col.split(".")[-1] if col.startswith("treaties.") else ""
            fill = palette.STATUS_COLOURS.get(STATUS_OF_FIELD.get(field, ""), NEUTRAL)
            nonempty = [k for k, d in enumerate(data) if len(d)]
            if nonempty:
                bp = ax.boxplot(
                    [data[k] for k in nonempty],
                    positions=pos[nonempty],
                    widths=0.6,
                    whis=(5, 95),
                    showfliers=False,
                    patch_artist=True,
                    medianprops={"color": palette.BLACK, "lw": 1.5},
                )
                for box in bp["boxes"]:
                    box.set(facecolor=fill, edgecolor="#333333")
                means = [float(np.mean(data[k])) for k in nonempty]
                ax.plot(pos[nonempty], means, "D", color=palette.BLACK, ms=4, zorder=4)
            ax.set_ylabel(unit or "value")
            missing = int(values.isna().sum())
            if missing:
                label += f" ({len(values) - missing:,} of {len(values):,} runs have one)"
            if kind == "int" and nonempty:
                # Whole numbers: the whiskers' range (at least one unit, so that ticks stay
                # integers); fliers are not drawn, so the extremes would only add white space.
                shown = np.concatenate([data[k] for k in nonempty])
                lo = float(np.quantile(shown, 0.0))
                hi = max(
                    max(float(np.percentile(data[k], 95)) for k in nonempty),
                    max(means),
                )
                pad = 0.06 * max(hi - lo, 1.0)
                ax.set_ylim(lo - pad, max(hi, lo + 1) + pad)
                ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(_wrap(label, 44), fontsize=10)
        ax.set_xticks(pos, [_wrap(o) for o in order], rotation=30 if long_ticks else 0)
        ax.set_xlim(-0.6, len(order) - 0.4)
        ax.set_xlabel(factor.title + ("" if factor.discrete else " (bins)"))
        ax.grid(axis="x", visible=False)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_visible(False)
    others = [f.title for f in sweep.factors if f is not factor]
    runs_per = (
        f"{int(counts.iloc[0]):,} runs per value"
        if counts.nunique() == 1
        else f"{int(counts.min()):,} to {int(counts.max()):,} runs per value"
    )
    suptitle(
        fig,
        f"{sweep.name}: outcomes by {factor.title} ({runs_per}"
        + (f", pooled over {', '.join(others)}" if others else "")
        + ")",
    )
    footer(
        fig,
        sweep.provenance + "; boxes: quartiles, whiskers: 5-95%, line: median, diamond: mean; "
        "dots: probability with 95% Wilson interval",
    )
    caption = (
        f"Each outcome by {factor.title}"
        + ("" if factor.discrete else f" (cut into {len(order)} bins)")
        + (f", pooled over {', '.join(others)}" if others else "")
        + ": boxes for numbers (quartiles, 5-95% whiskers), probabilities with 95% intervals "
        "for yes/no outcomes."
    )
    safe = factor.name.replace(".", "-").replace(" ", "_")
    return Plot(f"outcomes-by-{safe}", fig, caption, "distribution")


def probability_table(sweep: SweepResults) -> pd.DataFrame:
    """Per design point (labels or factor values): runs and the mean of each outcome."""
    ok = sweep.ok
    keys = [f.name for f in sweep.factors]
    outcomes = _outcomes(sweep)
    if not keys:
        ok = ok.assign(design="all runs")
        keys = ["design"]
    grouped = ok.groupby(keys, sort=False, dropna=False)
    table = grouped.size().to_frame("runs")
    for col, _ in outcomes:
        table[col] = grouped[col].mean()
    return table.reset_index()
