"""Look and file format shared by the figures of ``escalation plot``.

One place for the things every figure must get right: fonts readable at 100 dpi, the
colour-blind-safe colours of :mod:`sim.palette`, a provenance footer (scenario, runs, seeds),
month axes labelled with calendar dates, and files without timestamps (the same results give
byte-identical PNG and SVG files).

Figures are plain :class:`matplotlib.figure.Figure` objects: nothing here imports
``matplotlib.pyplot`` or sets a backend, so drawing a figure in a notebook leaves its backend as
it was. ``savefig`` picks the canvas for the file's format.
"""

from __future__ import annotations

import textwrap
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim import palette, stats
from sim.scenario import month_date

#: Sizes in points: at 100 dpi the smallest text (ticks, footers) is about 12 pixels high.
RC: dict[str, Any] = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 9,
    "figure.titlesize": 12,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#DDDDDD",
    "grid.linewidth": 0.6,
    "axes.axisbelow": True,
    "axes.prop_cycle": matplotlib.cycler(color=list(palette.TREATY_COLOURS)),
    "image.cmap": palette.PROBABILITY_CMAP,
    "savefig.facecolor": "white",
    # Constrained layout keeps titles, suptitles, legends and colour bars apart.
    "figure.constrained_layout.use": True,
    # Deterministic SVG: ids are hashed with a fixed salt instead of a random one.
    "svg.hashsalt": "escalation-sim",
    "svg.fonttype": "path",
    "path.simplify": True,
}

#: No timestamp and no software version in the files: same results, same bytes.
METADATA = {
    "png": {"Software": None},
    "svg": {"Date": None, "Creator": None},
}

#: Colours of compared groups (design points, factor values): Okabe-Ito without yellow,
#: which is too pale for lines on white.
GROUP_COLOURS: tuple[str, ...] = (
    palette.BLUE,
    palette.ORANGE,
    palette.BLUISH_GREEN,
    palette.REDDISH_PURPLE,
    palette.SKY_BLUE,
    palette.VERMILLION,
    palette.BLACK,
)
LINESTYLES: tuple[str, ...] = ("-", "--", ":", "-.")


@dataclass
class Plot:
    """A figure of the report, before it is written.

    Attributes:
        name: file stem (``phase-regional_cascade``).
        fig: the matplotlib figure.
        caption: one line for the report.
        kind: what sort of figure it is (``distribution``, ``phase``, ``fan``, ...).
        numbers: key numbers shown beside the caption in the report (label -> text).

    """

    name: str
    fig: Figure
    caption: str
    kind: str
    numbers: dict[str, str] = field(default_factory=dict)
    tight: bool = True  # lay out with constrained layout (False: axes placed by hand)


@contextmanager
def style() -> Iterator[None]:
    """The report's matplotlib settings, restored afterwards (the backend is left alone)."""
    with matplotlib.rc_context(RC):
        yield


FOOTER_PT = 8


def footer(fig: Figure, text: str) -> None:
    """Write the provenance line (scenario, runs, seeds) at the bottom left of a figure.

    Long text is wrapped to the figure's width. It is the figure's ``supxlabel``, so that
    constrained layout keeps room for it under the axes.
    """
    width = max(40, int(fig.get_figwidth() * 72 / (0.55 * FOOTER_PT)))
    fig.supxlabel(
        "\n".join(textwrap.wrap(text, width)),
        x=0.005,  # y left to the layout (given, it would no longer keep room for the text)
        ha="left",
        fontsize=FOOTER_PT,
        color="#444444",
        multialignment="left",
    )


def suptitle(fig: Figure, text: str, **kw: Any) -> None:
    """A figure title, wrapped to the figure's width."""
    size = matplotlib.rcParams["figure.titlesize"]
    size = size if isinstance(size, int | float) else 12
    width = max(30, int(fig.get_figwidth() * 72 / (0.55 * size)))
    fig.suptitle("\n".join(textwrap.wrap(text, width)), **kw)


def save(plot: Plot, folder: Path, formats: Sequence[str], dpi: int) -> list[str]:
    """Write a plot as ``name.<format>`` for each format; return the file names."""
    fig, name = plot.fig, plot.name
    names = []
    if not plot.tight:
        fig.set_layout_engine("none")  # axes placed by hand
    for fmt in formats:
        path = folder / f"{name}.{fmt}"
        fig.savefig(path, format=fmt, dpi=dpi, metadata=METADATA[fmt])
        names.append(path.name)
    return names


def month_ticks(ax: Axes, start: str, months: int, every: int | None = None) -> None:
    """Label a month axis (0 = ``start``, ``YYYY-MM``) with calendar dates.

    Ticks fall on January (and July for runs of up to four years); the axis label says so.
    """
    year, month = (int(p) for p in start.split("-"))
    first = (year * 12 + month - 1) if start else 0
    if every is None:
        every = 6 if months <= 60 else 12 if months <= 180 else 12 * ((months // 180) + 1)
    ticks = [m for m in range(months) if (first + m) % every == 0]
    labels = [f"{(first + m) // 12}-{(first + m) % 12 + 1:02d}" for m in ticks]
    ax.set_xticks(ticks, labels)
    ax.set_xlim(0, max(months - 1, 1))
    ax.tick_params(axis="x", labelrotation=0)


def month_label(start: str, m: int) -> str:
    """The ``YYYY-MM`` of month ``m`` counted from ``start``."""
    return month_date(start, int(m))


def group_colours(values: Sequence[Any]) -> list[str]:
    """Colours for the values of a compared factor.

    Ordered numbers with more than two values get shades of the probability colour map (light
    to dark as the value grows); anything else gets the categorical :data:`GROUP_COLOURS`.
    """
    numeric = all(
        isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool)
        for v in values
    )
    if numeric and len(values) > 2:
        cmap = matplotlib.colormaps[palette.PROBABILITY_CMAP]
        shades = np.linspace(0.0, 0.8, len(values))
        return [matplotlib.colors.to_hex(cmap(s)) for s in shades]
    return [GROUP_COLOURS[k % len(GROUP_COLOURS)] for k in range(len(values))]


def fmt_value(value: Any) -> str:
    """A factor value as people write it (``true``, ``0.25``, ``12``)."""
    if isinstance(value, bool | np.bool_):
        return "on" if value else "off"
    if isinstance(value, float | np.floating):
        return f"{float(value):.4g}"
    return str(value)


def wilson(successes: int, n: int) -> tuple[float, float]:
    """95% Wilson score interval of ``successes`` in ``n`` runs; (nan, nan) for n = 0."""
    low, high = stats.wilson(successes / n if n else np.nan, n)
    return float(low), float(high)


def text_colour(rgba: Sequence[float]) -> str:
    """Black or white, whichever reads better on a fill colour."""
    r, g, b = rgba[:3]
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.5 else "white"
