"""Figures of one run (``escalation run --out``): timeline, cascade tree, threat and arms."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.ticker import MaxNLocator

from sim import palette
from sim.plots.results import RunResults
from sim.plots.style import Plot, footer, month_label, month_ticks


def timeline(run: RunResults) -> Plot:
    """Per treaty, the states in each status month by month (stacked): who left, and when."""
    ts = run.timeseries
    treaties = run.treaties
    fig = Figure(figsize=(10, 2.9 * len(treaties) + 0.9))
    axes = fig.subplots(len(treaties), 1, sharex=True, squeeze=False)
    x = ts["month"].to_numpy()
    numbers = {}
    for ax, (tid, name) in zip(axes[:, 0], treaties.items(), strict=True):
        withdrawn = ts[f"{tid}_withdrawn"].to_numpy()
        held = ts[f"{tid}_held"].to_numpy() if f"{tid}_held" in ts else np.zeros_like(withdrawn)
        pending = ts[f"{tid}_notice"].to_numpy() - held
        layers = [
            (withdrawn, "withdrawn"),
            (held, "blocked"),
            (pending, "notice"),
        ]
        ax.stackplot(
            x,
            *[v for v, _ in layers],
            colors=[palette.STATUS_COLOURS[k] for _, k in layers],
            labels=[palette.STATUS_LABELS[k] for _, k in layers],
            step="post",
        )
        s = run.summary["treaties"][tid]
        ax.set_title(
            f"{name}: {s['notified']} of {s['initial_parties']} parties gave notice, "
            f"{s['withdrawn']} withdrawn, {s['blocked']} held by war at the end",
            fontsize=10,
            loc="left",
        )
        ax.set_ylabel("states")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        top = max(1, int((withdrawn + held + pending).max()))
        ax.set_ylim(0, top * 1.15 + 0.5)
        numbers[name] = (
            f"{s['notified']} notices (first {s['first_notice_date'] or 'none'}), "
            f"{s['withdrawn']} withdrawn, {s['blocked']} held"
        )
    handles = [
        Rectangle((0, 0), 1, 1, color=palette.STATUS_COLOURS[k])
        for k in ("notice", "blocked", "withdrawn")
    ]
    axes[0, 0].legend(
        handles,
        [palette.STATUS_LABELS[k] for k in ("notice", "blocked", "withdrawn")],
        loc="upper left",
    )
    month_ticks(axes[-1, 0], run.start, run.months)
    axes[-1, 0].set_xlabel("month")
    fig.suptitle(f"{run.name}: treaty withdrawals month by month", x=0.01, ha="left")
    footer(fig, run.provenance)
    return Plot(
        "timeline",
        fig,
        "States with a notice pending, held by the armed-conflict clause, or withdrawn, month "
        "by month, per treaty.",
        "timeline",
        numbers,
    )


def _walk(nodes: list[dict[str, Any]], depth: int, out: list[tuple[dict[str, Any], int]]) -> None:
    for node in nodes:
        out.append((node, depth))
        _walk(node.get("children", []), depth + 1, out)


def cascade_tree(run: RunResults) -> Plot | None:
    """Who followed whom: per treaty, each mover at its notice month, linked to its parent."""
    if not run.cascade:
        return None
    trees = {tid: t for tid, t in run.cascade.get("treaties", {}).items() if t.get("tree")}
    if not trees:
        return None
    final = run.final_states()
    sizes = {}
    for tid, t in trees.items():
        flat: list[tuple[dict[str, Any], int]] = []
        _walk(t["tree"], 0, flat)
        sizes[tid] = flat
    fig = Figure(figsize=(10, sum(0.32 * len(f) + 1.2 for f in sizes.values()) + 0.8))
    axes = fig.subplots(
        len(trees), 1, squeeze=False, height_ratios=[len(f) + 2 for f in sizes.values()]
    )
    lo = min(n["month"] for f in sizes.values() for n, _ in f)
    hi = max(n["month"] for f in sizes.values() for n, _ in f)
    numbers = {}
    for ax, (tid, flat) in zip(axes[:, 0], sizes.items(), strict=True):
        name = run.treaties.get(tid, tid)
        ypos = {node["iso3"]: k for k, (node, _) in enumerate(flat)}
        for node, _ in flat:
            for child in node.get("children", []):
                xp, yp = node["month"], ypos[node["iso3"]]
                xc, yc = child["month"], ypos[child["iso3"]]
                ax.plot([xp, xp, xc], [yp, yc, yc], color="#888888", lw=1.1, zorder=1)
        for node, _depth in flat:
            code = node["iso3"]
            status = run.summary["states"].get(code, {}).get(tid, {}).get("status", "notice")
            held = False
            if final is not None and f"{tid}_held" in final and code in final.index:
                held = bool(final.loc[code, f"{tid}_held"])
            klass = palette.status_class(status, held)
            root = code in t_roots(run, tid)
            ax.scatter(
                node["month"],
                ypos[code],
                s=70,
                marker="s" if root else "o",
                color=palette.STATUS_COLOURS[klass],
                edgecolor=palette.BLACK,
                lw=0.8,
                zorder=3,
            )
            ax.annotate(
                f"{code}  {node['date']}",
                (node["month"], ypos[code]),
                xytext=(7, 0),
                textcoords="offset points",
                va="center",
                fontsize=9,
            )
        ax.set_ylim(len(flat) - 0.4, -0.8)
        ax.set_yticks([])
        ax.grid(axis="y", visible=False)
        ax.spines["left"].set_visible(False)
        tree = run.cascade["treaties"][tid]
        roots, depth = len(tree.get("roots", [])), tree.get("depth", 0)
        ax.set_title(
            f"{name}: {plural(len(flat), 'notice')}, {plural(roots, 'first mover')}, "
            f"longest chain {plural(depth, 'state')}",
            loc="left",
            fontsize=10,
        )
        month_ticks(ax, run.start, run.months, every=3 if hi - lo <= 30 else None)
        ax.set_xlim(max(lo - 2, 0), hi + 5)
        numbers[name] = (
            "first movers " + ", ".join(tree.get("roots", [])) + f"; depth {tree.get('depth', 0)}"
        )
    axes[-1, 0].set_xlabel("month of the notice")
    handles = [
        Line2D([], [], marker="s", ls="", color="#DDDDDD", mec="black", label="first mover"),
        Line2D(
            [], [], marker="o", ls="", color="#DDDDDD", mec="black", label="followed a neighbour"
        ),
    ] + [
        Line2D(
            [],
            [],
            marker="o",
            ls="",
            color=palette.STATUS_COLOURS[k],
            mec="black",
            label=f"at the end: {palette.STATUS_LABELS[k]}",
        )
        for k in ("notice", "blocked", "withdrawn")
    ]
    axes[0, 0].legend(handles=handles, loc="upper right", fontsize=8)
    fig.suptitle(f"{run.name}: who followed whom", x=0.01, ha="left")
    footer(
        fig,
        run.provenance + "; a mover's parent is the neighbour with the strongest tie that had "
        "already moved",
    )
    return Plot(
        "cascade-tree",
        fig,
        "The cascade tree: each state that gave notice, at its month, linked to the neighbour "
        "it followed; squares are first movers.",
        "cascade",
        numbers,
    )


def t_roots(run: RunResults, tid: str) -> set[str]:
    """The first movers of a treaty's cascade."""
    return set((run.cascade or {}).get("treaties", {}).get(tid, {}).get("roots", []))


def threat_arms(run: RunResults) -> Plot:
    """Perceived threat (mean, highest, spread across states) and arms, month by month."""
    ts = run.timeseries
    x = ts["month"].to_numpy()
    fig = Figure(figsize=(11, 6.6))
    ax1, ax2 = fig.subplots(2, 1, sharex=True)
    threat = palette.SERIES_COLOURS["threat"]
    if run.states is not None and "threat" in run.states:
        q = run.states.groupby("month")["threat"].quantile([0.05, 0.5, 0.95]).unstack()
        ax1.fill_between(
            q.index, q[0.05], q[0.95], color=threat, alpha=0.15, lw=0, label="5-95% of states"
        )
    ax1.plot(x, ts["mean_threat"], color=threat, lw=2, label="mean over states")
    ax1.plot(x, ts["max_threat"], color=threat, lw=1.2, ls=":", label="highest state")
    ax1.set_ylim(0, 1.02)
    ax1.set_ylabel("perceived threat tau (0-1)")
    ax1.set_title("Perceived threat", loc="left", fontsize=10)
    arms = palette.SERIES_COLOURS["arms"]
    base = float(ts["total_arms"].iloc[0]) or 1.0
    ax2.plot(x, (ts["total_arms"] / base - 1) * 100, color=arms, lw=2, label="total spending")
    if run.states is not None and "arms" in run.states:
        st = run.states.sort_values(["iso3", "month"])
        first = st.groupby("iso3")["arms"].transform("first")
        rel = (st["arms"] / first.where(first > 0) - 1) * 100
        q = rel.groupby(st["month"]).quantile([0.05, 0.5, 0.95]).unstack()
        ax2.fill_between(
            q.index,
            q[0.05],
            q[0.95],
            color=arms,
            alpha=0.12,
            lw=0,
            label="5-95% of states (own effort)",
        )
        ax2.plot(q.index, q[0.5], color=arms, lw=1, ls="--", label="median state")
    ax2.axhline(0.0, color="#999999", lw=0.8)
    ax2.set_ylabel("arms, % change since month 0")
    ax2.set_title("Arms", loc="left", fontsize=10)
    month_ticks(ax2, run.start, run.months)
    ax2.set_xlabel("month")
    wars = run.events[run.events["kind"] == "war_start"] if run.events is not None else None
    if wars is not None and len(wars):
        for ax in (ax1, ax2):
            for m in wars["month"]:
                ax.axvline(m, color=palette.VERMILLION, lw=1, ls="--", alpha=0.7)
        pairs = [f"{r.iso3}-{r.other} {month_label(run.start, r.month)}" for r in wars.itertuples()]
        what = "; ".join(pairs[:3]) + ("; ..." if len(pairs) > 3 else "")
        ax1.plot([], [], color=palette.VERMILLION, lw=1, ls="--", label=f"war begins: {what}")
    for ax in (ax1, ax2):
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.suptitle(f"{run.name}: threat and arms", x=0.01, ha="left")
    footer(fig, run.provenance)
    s = run.summary
    return Plot(
        "threat-arms",
        fig,
        "Perceived threat (mean, highest and spread over states) and arms spending as a "
        "change since month 0, month by month.",
        "series",
        {
            "threat": f"final mean {s['tension']['mean_final']:.3f}, highest monthly mean "
            f"{s['tension']['max']:.3f}",
            "arms": f"total spending {(s['arms']['growth_ratio'] - 1) * 100:+.2f}% over the run",
            "conflict": f"{s['incidents']} incidents, {s['wars']} wars begun",
        },
    )


def month_of(run: RunResults, m: int) -> str:
    """The date of a month of the run."""
    return month_label(run.start, m)


def plural(n: int, word: str) -> str:
    """``1 notice``, ``2 notices``."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
