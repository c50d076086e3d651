"""What the teaching demo draws: the Europe map, the network layout and the live charts.

Plain matplotlib ``Figure`` objects (no pyplot, so two browser sessions drawing at once share no
global state), in the colours of :mod:`sim.palette` so the page looks like the figures. The
Europe map uses :func:`sim.plots.geo.draw_states`; synthetic networks are drawn by Mesa's
``SpaceRenderer`` in :mod:`sim.app` on the positions :func:`network_layout` gives.
"""

from __future__ import annotations

import io
import math

import networkx as nx
import numpy as np
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from sim.app_model import DemoModel
from sim.palette import (
    BLUE,
    SERIES_COLOURS,
    STATUS_COLOURS,
    STATUS_LABELS,
    status_class,
    treaty_colour,
)
from sim.plots.geo import draw_states, in_frame, load_shapes

#: Perceived threat is shown by a state's outline: none below the first bound, then thicker.
THREAT_BANDS: tuple[tuple[float, float, str], ...] = (
    (0.25, 1.4, "threat 0.25-0.5"),
    (0.50, 2.6, "threat 0.5 and above"),
)
OUTLINE = "#222222"
FONT = 12  # points: readable on a classroom projector


def status_classes(model: DemoModel, treaty: str) -> dict[str, str]:
    """Each state's legend class in one treaty (``blocked`` for a notice held by war)."""
    return {
        a.iso3: status_class(a.status[treaty].value, bool(a.held[treaty])) for a in model.states
    }


def threat_width(tau: float) -> float:
    """The outline width (points) that shows a perceived threat (0: no outline)."""
    width = 0.0
    for bound, w, _ in THREAT_BANDS:
        if tau >= bound:
            width = w
    return width


def png(fig: Figure, dpi: int = 100) -> bytes:
    """A figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# --------------------------------------------------------------------------- Europe map
def has_geography(model: DemoModel) -> bool:
    """Whether the scenario's states have capitals to put on a map (Europe) or not (synthetic)."""
    return bool(np.isfinite(model.world.lat).any())


def europe_map(model: DemoModel, treaty: str, selected: str | None = None) -> Figure:
    """Europe filled by status in ``treaty``, outlined by perceived threat.

    Movers, rivals and the selected state are labelled with their codes; the selected state
    gets a blue outline. States outside the frame (USA, Canada) are listed in a corner.
    """
    fig = Figure(figsize=(8.4, 6.3), dpi=100)
    ax = fig.add_axes((0.0, 0.0, 1.0, 1.0))
    w = model.world
    classes = status_classes(model, treaty)
    colours = {c: STATUS_COLOURS[k] for c, k in classes.items()}
    lat = {c: float(v) for c, v in zip(w.codes, w.lat, strict=True) if math.isfinite(v)}
    lon = {c: float(v) for c, v in zip(w.codes, w.lon, strict=True) if math.isfinite(v)}
    threat = {a.iso3: float(a.threat) for a in model.states}
    edges = {c: OUTLINE for c in w.codes if threat_width(threat[c]) > 0}
    drawn = draw_states(ax, w.codes, colours, lat=lat, lon=lon, edgecolours=edges)
    shapes = load_shapes()
    polys = set(drawn.poly_codes)
    for bound, width, _ in THREAT_BANDS:
        rings = [
            ring
            for c in w.codes
            if c in polys and threat_width(threat[c]) == width and threat[c] >= bound
            for ring in shapes[c]
        ]
        if rings:
            ax.add_collection(
                PolyCollection(
                    rings, facecolors="none", edgecolors=OUTLINE, linewidths=width, zorder=2
                )
            )
    if selected in polys:
        ax.add_collection(
            PolyCollection(
                list(shapes[selected]), facecolors="none", edgecolors=BLUE, linewidths=3.5,
                zorder=4,
            )
        )  # fmt: skip
    labelled = {c for c, k in classes.items() if k in ("notice", "blocked", "withdrawn")}
    labelled |= set(model.rivals) | ({selected} if selected else set())
    for code in sorted(labelled):
        if code in lat and in_frame(lon[code], lat[code]):
            ax.annotate(
                code,
                (lon[code], lat[code]),
                ha="center",
                va="center",
                fontsize=FONT - 2,
                fontweight="bold",
                color=BLUE if code == selected else "black",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.75},
                zorder=5,
            )
    if drawn.off_map:
        note = "Not on the map: " + ", ".join(
            f"{c} ({STATUS_LABELS[classes[c]]})" for c in drawn.off_map
        )
        ax.text(0.01, 0.01, note, transform=ax.transAxes, fontsize=FONT - 3, color="#444444")
    return fig


# --------------------------------------------------------------------------- networks
def network_layout(graph: nx.Graph, kind: str, seed: int) -> dict[int, tuple[float, float]]:
    """Positions of a synthetic network's nodes (0..n-1): seeded, so a run always looks alike.

    A ring is drawn as a circle and a lattice as its grid; other graphs get a spring layout
    from ``seed`` (networkx layouts are random unless seeded).
    """
    nodes = sorted(graph.nodes)
    n = len(nodes)
    if kind == "ring":
        return {
            v: (math.cos(2 * math.pi * k / n), math.sin(2 * math.pi * k / n))
            for k, v in enumerate(nodes)
        }
    if kind == "lattice":
        side = max(1, round(math.sqrt(n)))
        return {v: (float(k % side), float(-(k // side))) for k, v in enumerate(nodes)}
    pos = nx.spring_layout(graph, seed=seed, k=1.5 / math.sqrt(max(n, 1)), iterations=80)
    return {v: (float(x), float(y)) for v, (x, y) in pos.items()}


# --------------------------------------------------------------------------- charts
def _month_axis(ax, model: DemoModel) -> None:
    months = model.config.months
    ax.set_xlim(-0.5, months - 0.5)
    step = 12 if months > 24 else 6
    ticks = list(range(0, months, step))
    ax.set_xticks(ticks, [model.config.date_of(t) for t in ticks])
    ax.tick_params(labelsize=FONT - 2)
    ax.grid(True, color="#dddddd", linewidth=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _empty_note(ax, model: DemoModel) -> None:
    if model.month == 0:
        ax.text(
            0.5, 0.5, "press Step or ▶ to start", transform=ax.transAxes, ha="center",
            va="center", fontsize=FONT - 1, color="#666666",
        )  # fmt: skip


def _chart(title: str) -> tuple[Figure, object]:
    fig = Figure(figsize=(5.0, 3.0), dpi=100)
    ax = fig.add_axes((0.14, 0.14, 0.78, 0.74))
    ax.set_title(title, fontsize=FONT, loc="left")
    return fig, ax


def chart_moves(model: DemoModel) -> Figure:
    """Per treaty: states that gave notice (solid) and withdrawals in effect (dashed)."""
    fig, ax = _chart("Notices and withdrawals")
    ts = model.timeseries()
    top = 1
    for k, (tid, rules) in enumerate(model.treaties.items()):
        colour = treaty_colour(k)
        if len(ts):
            gave = ts[f"{tid}_notice"] + ts[f"{tid}_withdrawn"]
            ax.step(ts["month"], gave, where="post", color=colour, lw=2.2,
                    label=f"{rules.name}: gave notice")  # fmt: skip
            ax.step(ts["month"], ts[f"{tid}_withdrawn"], where="post", color=colour, lw=2.2,
                    ls="--", label=f"{rules.name}: withdrawn")  # fmt: skip
            held = ts[f"{tid}_held"]
            if held.any():
                ax.step(ts["month"], held, where="post", color=SERIES_COLOURS["held"], lw=1.8,
                        ls=":", label=f"{rules.name}: held by war")  # fmt: skip
            top = max(top, int(gave.max()))
        else:
            ax.plot([], [], color=colour, lw=2.2, label=f"{rules.name}: gave notice")
            ax.plot([], [], color=colour, lw=2.2, ls="--", label=f"{rules.name}: withdrawn")
    ax.set_ylim(0, top * 1.15 + 0.5)
    ax.set_ylabel("states", fontsize=FONT - 1)
    ax.legend(fontsize=FONT - 2, loc="upper left", frameon=False, ncols=2)
    _month_axis(ax, model)
    _empty_note(ax, model)
    return fig


def chart_threat(model: DemoModel) -> Figure:
    """Mean (solid) and highest (dotted) perceived threat."""
    fig, ax = _chart("Perceived threat")
    ts = model.timeseries()
    colour = SERIES_COLOURS["threat"]
    if len(ts):
        ax.plot(ts["month"], ts["mean_threat"], color=colour, lw=2.2, label="mean")
        ax.plot(ts["month"], ts["max_threat"], color=colour, lw=1.6, ls=":", label="highest")
        ax.legend(fontsize=FONT - 2, loc="upper left", frameon=False, ncols=2)
    ax.set_ylim(0, 1.0)
    ax.set_ylabel("threat τ", fontsize=FONT - 1)
    _month_axis(ax, model)
    _empty_note(ax, model)
    return fig


def chart_rival(model: DemoModel) -> Figure:
    """The rivals' arms, as the change since the start in percent (one line per rival).

    The y range spans at least -1..+1 %, so that a flat line looks flat.
    """
    who = ", ".join(model.rivals) if model.rivals else "no rival"
    fig, ax = _chart(f"The rival arming: {who}")
    arms = np.asarray(model.rival_arms[1:], dtype=float).reshape(-1, len(model.rivals))
    start = np.asarray(model.rival_arms[0], dtype=float)
    change = 100.0 * (arms / np.where(start > 0, start, 1.0) - 1.0)
    styles = ("-", "--", ":", "-.")
    for k, code in enumerate(model.rivals):
        ax.plot(np.arange(len(change)), change[:, k], color=SERIES_COLOURS["arms"], lw=2.2,
                ls=styles[k % 4], label=code)  # fmt: skip
    lo = min(-1.0, float(change.min())) if change.size else -1.0
    hi = max(1.0, float(change.max())) if change.size else 1.0
    pad = 0.1 * (hi - lo)
    ax.set_ylim(lo - pad, hi + pad)
    ax.axhline(0.0, color="#999999", lw=0.8)
    if model.rivals:
        ax.legend(fontsize=FONT - 2, loc="upper left", frameon=False, ncols=4)
    ax.set_ylabel("arms, % change", fontsize=FONT - 1)
    _month_axis(ax, model)
    _empty_note(ax, model)
    return fig
