"""Sensitivity figures of a sweep: Sobol' S1/ST bars with intervals, Morris mu*-sigma plots.

Drawn from the sweep's ``sensitivity.csv`` (SALib's indices, docs/experiments.md): nothing is
recomputed here.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import palette
from sim.plots.results import SweepResults
from sim.plots.style import Plot, footer

S1_COLOUR = palette.BLUE
ST_COLOUR = palette.BLUISH_GREEN


def _usable(frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Rows with indices (outcomes skipped by the analysis carry a note and no numbers)."""
    if any(c not in frame.columns for c in cols):
        return frame.iloc[0:0]
    return frame.dropna(subset=cols, how="all")


def _grid(n: int, w: float, h: float, **kw: object) -> tuple[Figure, np.ndarray]:
    ncols = min(3, n)
    nrows = math.ceil(n / ncols)
    fig = Figure(figsize=(w * ncols, h * nrows + 1.0))
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    for ax in list(axes.flat)[n:]:
        ax.set_visible(False)
    return fig, axes


def _skipped(frame: pd.DataFrame) -> str:
    if "note" not in frame:
        return ""
    notes = frame.dropna(subset=["note"]).drop_duplicates("outcome")
    return "; ".join(f"{r.outcome}: {r.note}" for r in notes.itertuples())


def sobol(sweep: SweepResults) -> Plot | None:
    """Horizontal bars of first-order (S1) and total (ST) indices per outcome, 95% intervals."""
    sens = sweep.sensitivity
    if sens is None or "method" not in sens:
        return None
    frame = _usable(sens[sens["method"] == "sobol"], ["S1", "ST"])
    if frame.empty:
        return None
    outcomes = list(dict.fromkeys(frame["outcome"]))
    params = list(dict.fromkeys(frame["parameter"]))
    width = 0.075 * max(len(p) for p in params)  # the parameter names, first column only
    fig, axes = _grid(len(outcomes), 3.6, 0.42 * len(params) + 1.6, sharey=True)
    fig.set_figwidth(fig.get_figwidth() + width)
    numbers = {}
    y = np.arange(len(params))
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = frame[frame["outcome"] == outcome].set_index("parameter").reindex(params)
        ax.barh(
            y - 0.2,
            rows["S1"],
            height=0.38,
            xerr=rows["S1_conf"],
            color=S1_COLOUR,
            label="S1 (first order)",
            error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8},
        )
        ax.barh(
            y + 0.2,
            rows["ST"],
            height=0.38,
            xerr=rows["ST_conf"],
            color=ST_COLOUR,
            label="ST (total)",
            error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8},
        )
        ax.axvline(0, color=palette.BLACK, lw=0.8)
        ax.set_yticks(y, params)
        lo = min(0.0, float(np.nanmin(rows["S1"] - rows["S1_conf"])))
        hi = max(1.0, float(np.nanmax(rows["ST"] + rows["ST_conf"])))
        ax.set_xlim(lo - 0.02, hi + 0.02)
        ax.set_xlabel("Sobol' index")
        label, _ = sweep.label(outcome)
        ax.set_title("\n".join(textwrap.wrap(label, 42)), fontsize=10)
        ax.grid(axis="y", visible=False)
        top = rows["ST"].idxmax()
        numbers[label] = (
            f"largest total effect {top}: ST {rows.loc[top, 'ST']:.2f} "
            f"± {rows.loc[top, 'ST_conf']:.2f}, S1 {rows.loc[top, 'S1']:.2f}"
        )
    axes.flat[0].invert_yaxis()  # shared: once for all panels
    axes.flat[0].legend(loc="lower right", fontsize=8)
    fig.suptitle(
        f"{sweep.name}: Sobol' indices (share of each outcome's variance), 95% bootstrap intervals"
    )
    skipped = _skipped(sens[sens["method"] == "sobol"])
    footer(fig, sweep.provenance + "; replicates averaged per design point before the analysis")
    caption = (
        "Sobol' first-order (S1) and total (ST) indices of each outcome per parameter, with 95% "
        "bootstrap intervals (SALib); ST well above S1 means interactions."
        + (f" Skipped: {skipped}." if skipped else "")
    )
    return Plot("sensitivity-sobol", fig, caption, "sensitivity", numbers)


def morris(sweep: SweepResults) -> Plot | None:
    """mu* against sigma per outcome: influential parameters to the right, interacting above."""
    sens = sweep.sensitivity
    if sens is None or "method" not in sens:
        return None
    frame = _usable(sens[sens["method"] == "morris"], ["mu_star", "sigma"])
    if frame.empty:
        return None
    outcomes = list(dict.fromkeys(frame["outcome"]))
    fig, axes = _grid(len(outcomes), 4.6, 3.9)
    numbers = {}
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        rows = frame[frame["outcome"] == outcome]
        ax.errorbar(
            rows["mu_star"],
            rows["sigma"],
            xerr=rows["mu_star_conf"],
            fmt="o",
            color=palette.BLUE,
            ecolor="#777777",
            capsize=2,
            ms=6,
        )
        for r in rows.itertuples():
            ax.annotate(
                r.parameter,
                (r.mu_star, r.sigma),
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=8,
            )
        top = float(max(rows["mu_star"].max(), rows["sigma"].max(), 1e-12)) * 1.15
        ax.plot([0, top], [0, top], ls="--", color="#999999", lw=1, label="sigma = mu*")
        ax.set_xlim(0, top)
        ax.set_ylim(0, top)
        ax.set_xlabel("mu* (mean absolute elementary effect)")
        ax.set_ylabel("sigma (spread of effects)")
        label, _ = sweep.label(outcome)
        ax.set_title("\n".join(textwrap.wrap(label, 42)), fontsize=10)
        best = rows.loc[rows["mu_star"].idxmax()]
        numbers[label] = f"largest mu*: {best['parameter']} ({best['mu_star']:.3g})"
    axes.flat[0].legend(loc="upper left", fontsize=8)
    fig.suptitle(f"{sweep.name}: Morris screening, mu* and sigma per parameter")
    footer(fig, sweep.provenance + "; replicates averaged per design point before the analysis")
    skipped = _skipped(sens[sens["method"] == "morris"])
    caption = (
        "Morris elementary effects per parameter: mu* (influence, with its 95% interval) "
        "against sigma (non-linearity or interactions)."
        + (f" Skipped: {skipped}." if skipped else "")
    )
    return Plot("sensitivity-morris", fig, caption, "sensitivity", numbers)
