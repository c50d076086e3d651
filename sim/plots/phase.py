"""Phase diagrams of a sweep with two varied factors: a heatmap per outcome over the two.

A yes/no outcome (a regional cascade) gives the probability in each cell, on a fixed 0-1 scale;
numeric outcomes give their mean. Every cell is annotated with its value and its number of runs.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from sim import palette
from sim.plots.distributions import _outcomes
from sim.plots.groups import bins
from sim.plots.results import Factor, SweepResults
from sim.plots.style import Plot, footer, text_colour, wilson

#: Units of counts: their colour scale starts at 0.
COUNT_UNITS = {"states", "wars", "incidents"}


def _axes_factors(sweep: SweepResults) -> tuple[Factor, Factor] | None:
    factors = sweep.factors
    if len(factors) != 2 or any(f.dtype == "str" and not f.discrete for f in factors):
        return None
    x, y = factors
    if len(y.values) > len(x.values):  # the factor with more values across
        x, y = y, x
    return x, y


def _cells(
    sweep: SweepResults, col: str, x: Factor, y: Factor
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str], list[str]]:
    """Mean, successes (for yes/no) and runs in each (y, x) cell."""
    ok = sweep.ok
    cx, xorder = bins(ok[x.name], x)
    cy, yorder = bins(ok[y.name], y)
    values = ok[col]
    frame = pd.DataFrame({"x": cx, "y": cy, "v": values.astype(float)})
    g = frame.dropna(subset=["v"]).groupby(["y", "x"])["v"]
    mean = g.mean().unstack().reindex(index=yorder, columns=xorder)
    n = g.count().unstack().reindex(index=yorder, columns=xorder).fillna(0)
    k = g.sum().unstack().reindex(index=yorder, columns=xorder).fillna(0)
    return mean.to_numpy(float), k.to_numpy(float), n.to_numpy(int), xorder, yorder


def _heatmap(
    ax: Axes,
    mean: np.ndarray,
    n: np.ndarray,
    xorder: list[str],
    yorder: list[str],
    x: Factor,
    y: Factor,
    *,
    vmin: float,
    vmax: float,
    fmt: str,
    same_n: bool,
) -> AxesImage:
    cmap = matplotlib.colormaps[palette.PROBABILITY_CMAP].with_extremes(bad=palette.LIGHT_GREY)
    im = ax.imshow(
        np.ma.masked_invalid(mean),
        origin="lower",
        cmap=cmap,
        vmin=vmin,
        vmax=vmax,
        aspect="auto",
        interpolation="nearest",
    )
    small = mean.size > 30
    for (i, j), v in np.ndenumerate(mean):
        if math.isnan(v):
            ax.text(j, i, "no runs", ha="center", va="center", fontsize=8)
            continue
        colour = text_colour(cmap((v - vmin) / (vmax - vmin) if vmax > vmin else 0.5))
        text = format(v, fmt) + ("" if same_n else f"\nn={n[i, j]}")
        ax.text(j, i, text, ha="center", va="center", color=colour, fontsize=7 if small else 9)
    ax.set_xticks(range(len(xorder)), xorder, rotation=30 if len(xorder) > 6 else 0)
    ax.set_yticks(range(len(yorder)), yorder)
    ax.set_xlabel(x.name + ("" if x.discrete else " (bins)"))
    ax.set_ylabel(y.name + ("" if y.discrete else " (bins)"))
    ax.grid(False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    return im


def _describe(cells: tuple, flat: int, x: Factor, y: Factor) -> str:
    """A cell's probability, its 95% interval, runs and coordinates, in words."""
    mean, k, n, xorder, yorder = cells
    i, j = np.unravel_index(flat, mean.shape)
    lo, hi = wilson(int(k[i, j]), int(n[i, j]))
    return (
        f"{mean[i, j]:.2f} (95% CI {lo:.2f}-{hi:.2f}, n={n[i, j]}) at "
        f"{x.name} = {xorder[j]}, {y.name} = {yorder[i]}"
    )


def phase_diagrams(sweep: SweepResults) -> list[Plot]:
    """Heatmaps over two varied factors: one per yes/no outcome, one of all numeric means."""
    pair = _axes_factors(sweep)
    if pair is None:
        return []
    x, y = pair
    outcomes = _outcomes(sweep)
    plots = []
    for col, kind in outcomes:
        if kind != "bool":
            continue
        mean, k, n, xorder, yorder = _cells(sweep, col, x, y)
        same_n = len(np.unique(n[n > 0])) == 1
        label, _ = sweep.label(col)
        fig = Figure(figsize=(1.1 * len(xorder) + 3.6, 0.75 * len(yorder) + 2.6))
        ax = fig.subplots()
        im = _heatmap(
            ax, mean, n, xorder, yorder, x, y, vmin=0.0, vmax=1.0, fmt=".2f", same_n=same_n
        )
        fig.colorbar(im, ax=ax, label="probability", fraction=0.05, pad=0.03)
        per = f"{int(n.max())} runs per cell" if same_n else "n = runs per cell"
        width = int(fig.get_figwidth() * 72 / (0.55 * 11))
        ax.set_title("\n".join([*textwrap.wrap(f"Probability of {label}", width), per]))
        footer(fig, sweep.provenance)
        cells = (mean, k, n, xorder, yorder)
        if np.nanmax(mean) == np.nanmin(mean):
            numbers = {"every cell": f"{np.nanmax(mean):.2f}"}
        else:
            numbers = {
                "highest": _describe(cells, np.nanargmax(mean), x, y),
                "lowest": _describe(cells, np.nanargmin(mean), x, y),
            }
        plots.append(
            Plot(
                f"phase-{col.replace('.', '-')}",
                fig,
                f"Probability of {label} over {x.name} and {y.name}, with the runs in each cell.",
                "phase",
                numbers,
            )
        )
    numeric, uniform = [], {}
    for col, kind in outcomes:
        if kind == "bool":
            continue
        mean = _cells(sweep, col, x, y)[0]
        finite = mean[np.isfinite(mean)]
        if len(finite) and np.ptp(finite) <= 1e-12 * max(1.0, float(np.abs(finite).max())):
            uniform[sweep.label(col)[0]] = f"{finite[0]:.4g}"
        else:
            numeric.append(col)
    if numeric:
        cells = {col: _cells(sweep, col, x, y) for col in numeric}
        # One colour scale per unit, shared by its panels, from 0 for counts: a difference of
        # 0.005 states does not get the whole colour range next to one of 2 states.
        scales: dict[str, tuple[float, float]] = {}
        for col in numeric:
            unit = sweep.label(col)[1]
            finite = cells[col][0][np.isfinite(cells[col][0])]
            if not len(finite):
                continue
            lo, hi = scales.get(unit, (float(finite.min()), float(finite.max())))
            scales[unit] = (min(lo, float(finite.min())), max(hi, float(finite.max())))
        for unit, (lo, hi) in scales.items():
            if unit in COUNT_UNITS and lo >= 0:
                scales[unit] = (0.0, hi)
        ncols = 2 if len(numeric) == 4 else min(3, len(numeric))
        nrows = math.ceil(len(numeric) / ncols)
        w = 0.75 * len(x.values if x.discrete else range(5)) + 3.0
        h = 0.5 * len(y.values if y.discrete else range(5)) + 2.0
        fig = Figure(figsize=(w * ncols, h * nrows + 0.8))
        axes = fig.subplots(nrows, ncols, squeeze=False)
        for ax, col in zip(axes.flat, numeric, strict=False):
            mean, _, n, xorder, yorder = cells[col]
            label, unit = sweep.label(col)
            lo, hi = scales.get(unit, (0.0, 1.0))
            finite = mean[np.isfinite(mean)]
            spread = float(np.ptp(finite)) if len(finite) else 0.0
            fmt = ".0f" if spread >= 10 else ".3f" if spread < 0.05 and hi < 5 else ".2f"
            same_n = len(np.unique(n[n > 0])) == 1
            im = _heatmap(
                ax, mean, n, xorder, yorder, x, y, vmin=lo, vmax=hi, fmt=fmt, same_n=same_n
            )
            fig.colorbar(im, ax=ax, label=f"mean, {unit}" if unit else "mean", fraction=0.06)
            ax.set_title("\n".join(textwrap.wrap(label, 40)), fontsize=10)
        for ax in list(axes.flat)[len(numeric) :]:
            ax.set_visible(False)
        fig.suptitle(f"{sweep.name}: mean of each outcome over {x.name} and {y.name}")
        footer(fig, sweep.provenance)
        plots.append(
            Plot(
                "phase-means",
                fig,
                f"Mean of each numeric outcome over {x.name} and {y.name} (one colour scale "
                "per unit, from 0 for counts)"
                + (
                    f"; {len(uniform)} outcomes with the same mean in every cell are left out"
                    if uniform
                    else ""
                )
                + ".",
                "phase",
                {f"same mean in every cell: {k}": v for k, v in uniform.items()},
            )
        )
    return plots
