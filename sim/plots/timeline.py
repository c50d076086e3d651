"""The timeline figure of one run: treaty counts, threat and arms, and who moved when."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.palette import SERIES_COLOURS, STATUS_COLOURS

#: Line style per treaty in the first panel (colour is the status, as in every figure).
TREATY_STYLES = ("-", "--", ":", "-.")


def timeline(
    timeseries: pd.DataFrame,
    events: pd.DataFrame,
    treaties: dict[str, str],
    title: str,
    path: Path,
) -> None:
    """Write ``timeline.png``: three stacked panels sharing the month axis.

    Args:
        timeseries: one row per month (``sim.metrics.timeseries``).
        events: the event log (``sim.metrics.events_frame``).
        treaties: treaty id -> display name.
        title: the figure title.
        path: where to write the PNG.

    """
    fig = timeline_figure(timeseries, events, treaties, title)
    fig.tight_layout()
    # No timestamps in the file: the same run gives the same bytes.
    fig.savefig(path, dpi=100, metadata={"Software": None})


def timeline_figure(
    timeseries: pd.DataFrame,
    events: pd.DataFrame,
    treaties: dict[str, str],
    title: str,
) -> Figure:
    """The figure of :func:`timeline`, not laid out or written (arguments as there)."""
    fig = Figure(figsize=(10, 9))
    ax1, ax2, ax3 = fig.subplots(3, 1, sharex=True, gridspec_kw={"height_ratios": [2, 2, 3]})
    x = timeseries["month"]
    for k, (tid, name) in enumerate(treaties.items()):
        style = TREATY_STYLES[k % len(TREATY_STYLES)]
        moved = timeseries[f"{tid}_notice"] + timeseries[f"{tid}_withdrawn"]
        ax1.step(
            x,
            moved,
            where="post",
            ls=style,
            color=STATUS_COLOURS["notice"],
            label=f"{name}: notice or withdrawn",
        )
        ax1.step(
            x,
            timeseries[f"{tid}_withdrawn"],
            where="post",
            ls=style,
            color=STATUS_COLOURS["withdrawn"],
            label=f"{name}: withdrawn",
        )
    ax1.set_ylabel("states")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.set_title(title)

    threat = SERIES_COLOURS["threat"]
    ax2.plot(x, timeseries["mean_threat"], color=threat, label="mean perceived threat")
    ax2.plot(x, timeseries["max_threat"], color=threat, ls=":", label="max perceived threat")
    ax2.set_ylim(0, 1.02)
    ax2.set_ylabel("threat")
    ax2b = ax2.twinx()
    base = timeseries["total_arms"].iloc[0] or 1.0
    ax2b.plot(
        x,
        timeseries["total_arms"] / base,
        color=SERIES_COLOURS["arms"],
        lw=1,
        label="total arms (x start)",
    )
    ax2b.set_ylabel("arms, x start")
    lines = ax2.get_legend_handles_labels()
    lines_b = ax2b.get_legend_handles_labels()
    ax2.legend(lines[0] + lines_b[0], lines[1] + lines_b[1], loc="upper left", fontsize=8)

    notices = events[events["kind"] == "notice"]
    states = list(dict.fromkeys(notices["iso3"]))
    ypos = {code: k for k, code in enumerate(states)}
    markers = dict(zip(treaties, "os^vD", strict=False))
    for tid, name in treaties.items():
        sel = notices[notices["treaty"] == tid]
        ax3.scatter(
            sel["month"],
            sel["iso3"].map(ypos),
            marker=markers.get(tid, "o"),
            color=STATUS_COLOURS["notice"],
            edgecolors="k",
            linewidths=0.5,
            label=f"notice: {name}",
        )
        done = events[(events["kind"] == "withdrawn") & (events["treaty"] == tid)]
        ax3.scatter(
            done["month"],
            done["iso3"].map(ypos),
            marker=markers.get(tid, "o"),
            facecolors="none",
            edgecolors=STATUS_COLOURS["withdrawn"],
            linewidths=1.5,
            label=f"withdrawn: {name}",
        )
    ax3.set_yticks(range(len(states)), states, fontsize=7)
    ax3.invert_yaxis()
    ax3.set_ylabel("state")
    if states:
        ax3.legend(loc="lower right", fontsize=8)
    else:
        ax3.text(0.5, 0.5, "no notices", transform=ax3.transAxes, ha="center")
    ticks = timeseries[timeseries["date"].str.endswith(("-01", "-07"))]
    ax3.set_xticks(ticks["month"], ticks["date"], rotation=45, fontsize=8)
    ax3.set_xlabel("month")
    return fig
