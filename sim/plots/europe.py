"""Europe maps: each state's probability of giving notice (a sweep), or its status (one run).

The shapes are drawn by :func:`sim.plots.geo.draw_states` from the bundled GeoJSON; states
without a polygon at 1:110m (Andorra, Liechtenstein, Malta, Monaco, San Marino, the Vatican) are
points at their capitals, and states outside the frame (Canada, the United States) are listed
under the map. A scenario gets a map when most of its states have a shape (Europe); synthetic
networks (``S0``, ``S1``, ...) do not.

Sweeps save per-state outcomes only when the experiment lists them
(``states.<ISO3>.*.notice_month`` in ``[outcomes] fields``); the probability of a notice is then
the share of successful runs in which that field is set. Without them there is no map.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.collections import PolyCollection
from matplotlib.colors import Colormap, ListedColormap, Normalize
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim import palette
from sim.plots.geo import draw_states, load_shapes
from sim.plots.results import Geography, RunResults, SweepResults
from sim.plots.style import Plot, footer, month_label, wilson

NOT_RECORDED = "#FFFFFF"
HATCH = "////"
OFF_MAP_WORDS = {"non_party": "not a party", "not_recorded": "not recorded"}
MAP_BOX = (0.01, 0.16, 0.66, 0.78)  # the map's axes in the figure (left, bottom, width, height)
TOP = 16  # states listed beside the probability map


def notice_cmap() -> Colormap:
    """The colour map of P(notice): light yellow (0) to dark brown (1), no grey."""
    base = matplotlib.colormaps[palette.NOTICE_PROBABILITY_CMAP]
    lo = palette.NOTICE_PROBABILITY_FROM
    return ListedColormap(base(np.linspace(lo, 1.0, 256)), name="notice-probability")


def mappable(codes: Sequence[str]) -> bool:
    """Whether most of the states have a shape in the bundled GeoJSON (i.e. this is Europe)."""
    if not codes:
        return False
    shapes = load_shapes()
    return sum(c in shapes for c in codes) >= 0.5 * len(codes)


def _hatch(ax: Axes, codes: Sequence[str]) -> None:
    """Hatch the polygons of ``codes`` (parties whose outcome the sweep did not record)."""
    shapes = load_shapes()
    rings = [r for c in codes for r in shapes.get(c, ())]
    if rings:
        ax.add_collection(
            PolyCollection(rings, facecolors="none", edgecolors="#999999", hatch=HATCH, lw=0.5)
        )


def _off_map_note(off: Sequence[str], text: dict[str, str]) -> str:
    if not off:
        return ""
    return "Off the map: " + ", ".join(f"{c} {text.get(c, '')}".strip() for c in off)


def notice_probability_maps(sweep: SweepResults) -> list[Plot]:
    """Per treaty: a choropleth of P(notice) per state, with the most likely movers listed."""
    found = sweep.state_columns
    if not found:
        return []
    ok = sweep.ok
    n = len(ok)
    geo = sweep.geography
    every = list(geo.codes) or sorted({iso for iso, _ in found})
    if not mappable(every):
        return []
    cmap = notice_cmap()
    plots = []
    for tid, tname in sweep.treaties.items():
        cols = {iso: found[(iso, t)] for iso, t in found if t == tid}
        if not cols:
            continue
        parties = sweep.parties(tid)
        codes = every + sorted(set(cols) - set(every))
        prob: dict[str, float] = {}
        hits: dict[str, int] = {}
        for iso, (col, what) in cols.items():
            v = ok[col]
            hit = v.isin(["notice", "withdrawn"]) if what == "status" else v.notna()
            hits[iso] = int(hit.sum())
            prob[iso] = hits[iso] / n if n else float("nan")
        colours, klass = {}, {}
        for code in codes:
            if parties is not None and code not in parties:
                colours[code], klass[code] = palette.STATUS_COLOURS["non_party"], "non_party"
            elif code in prob:
                colours[code] = matplotlib.colors.to_hex(cmap(prob[code]))
                klass[code] = "p"
            else:
                colours[code], klass[code] = NOT_RECORDED, "not_recorded"
        fig = Figure(figsize=(12.5, 8.0))
        ax = fig.add_axes(MAP_BOX)
        art = draw_states(
            ax,
            codes,
            colours,
            lat=geo.lat,
            lon=geo.lon,
            edgecolours={c: "#999999" for c in codes if klass[c] == "not_recorded"},
        )
        _hatch(ax, [c for c in codes if klass[c] == "not_recorded"])
        cax = fig.add_axes((0.12, 0.115, 0.4, 0.02))
        fig.colorbar(
            ScalarMappable(Normalize(0, 1), cmap),
            cax=cax,
            orientation="horizontal",
            label=f"probability of a notice on {tname} during the run",
        )
        handles = [Patch(facecolor=palette.STATUS_COLOURS["non_party"], label="not a party")]
        if "not_recorded" in klass.values():
            handles.append(
                Patch(
                    facecolor=NOT_RECORDED,
                    edgecolor="#999999",
                    hatch=HATCH,
                    label="party, not recorded",
                )
            )
        handles.append(Patch(facecolor=palette.STATUS_COLOURS["outside"], label="not modelled"))
        ax.legend(handles=handles, loc="lower left", fontsize=8, frameon=True)
        ax.set_title(f"{tname}: probability that each state gives notice ({n:,} runs)")
        # The most likely movers, with 95% intervals.
        bax = fig.add_axes((0.8, 0.16, 0.18, 0.74))
        top = sorted(prob, key=lambda c: (-prob[c], c))[:TOP]
        top = [c for c in top if prob[c] > 0] or top[:1]
        y = np.arange(len(top))
        p = np.array([prob[c] for c in top])
        ci = np.array([wilson(hits[c], n) for c in top]).reshape(-1, 2)
        bax.barh(
            y,
            p,
            xerr=[p - ci[:, 0], ci[:, 1] - p],
            color=[cmap(v) for v in p],
            edgecolor="#333333",
            lw=0.5,
            error_kw={"ecolor": "#333333", "capsize": 2, "lw": 0.8},
        )
        bax.set_yticks(y, [f"{geo.names.get(c, c)} ({c})" for c in top], fontsize=8)
        bax.invert_yaxis()
        bax.set_xlim(0, 1)
        bax.set_xlabel("P(notice), 95% CI")
        bax.set_title("most likely movers", fontsize=10)
        bax.grid(axis="y", visible=False)
        note = _off_map_note(
            art.off_map,
            {c: f"{prob[c]:.2f}" if klass[c] == "p" else OFF_MAP_WORDS[klass[c]] for c in codes},
        )
        if note:
            fig.text(0.01, 0.045, note, fontsize=8)
        footer(fig, sweep.provenance)
        numbers = {
            "most likely": ", ".join(f"{c} {prob[c]:.2f}" for c in top[:6]),
            "states recorded": f"{len(cols)} of {len(codes)}",
        }
        plots.append(
            Plot(
                f"map-notice-{tid}",
                fig,
                f"Probability that each state gives notice on {tname} during the run, over "
                f"{n:,} runs (all design points pooled), from the per-state outcome fields.",
                "map",
                numbers,
                tight=False,
            )
        )
    return plots


def status_maps(run: RunResults) -> list[Plot]:
    """Per treaty: each state's status at the end of the run, and who gave notice when."""
    geo: Geography = run.geography
    codes = run.codes
    if not mappable(codes):
        return []
    final = run.final_states()
    plots = []
    for tid, tname in run.treaties.items():
        klass = {}
        for code in codes:
            status = run.summary["states"][code][tid]["status"]
            held = False
            if final is not None and f"{tid}_held" in final and code in final.index:
                held = bool(final.loc[code, f"{tid}_held"])
            klass[code] = palette.status_class(status, held)
        colours = {c: palette.STATUS_COLOURS[k] for c, k in klass.items()}
        fig = Figure(figsize=(12.5, 8.0))
        ax = fig.add_axes(MAP_BOX)
        art = draw_states(ax, codes, colours, lat=geo.lat, lon=geo.lon)
        present = [k for k in palette.STATUS_COLOURS if k in klass.values()] + ["outside"]
        handles = [
            Patch(facecolor=palette.STATUS_COLOURS[k], label=palette.STATUS_LABELS[k])
            for k in present
        ]
        ax.legend(handles=handles, loc="lower left", fontsize=9, title="at the end")
        ax.set_title(f"{tname}: status of each state at {run.summary['end']}")
        # Who moved, and when.
        movers = sorted(
            (
                (v[tid]["notice_month"], code)
                for code, v in run.summary["states"].items()
                if v[tid]["notice_month"] is not None
            )
        )
        lines = []
        for month, code in movers:
            s = run.summary["states"][code][tid]
            text = f"{month_label(run.start, month)}  {code}  notice"
            if s["withdrawn_date"]:
                text += f", withdrawn {s['withdrawn_date']}"
            elif klass[code] == "blocked":
                text += ", held by war"
            lines.append(text)
        tax = fig.add_axes((0.69, 0.08, 0.3, 0.86))
        tax.axis("off")
        tax.set_title(f"notices on {tname} ({len(movers)})", fontsize=10, loc="left")
        shown = lines[:34] + ([f"... and {len(lines) - 34} more"] if len(lines) > 34 else [])
        tax.text(
            0.0,
            1.0,
            "\n".join(shown) if shown else "no state gave notice",
            va="top",
            ha="left",
            family="monospace",
            fontsize=9,
            transform=tax.transAxes,
        )
        note = _off_map_note(art.off_map, {c: palette.STATUS_LABELS[klass[c]] for c in codes})
        if note:
            fig.text(0.01, 0.045, note, fontsize=8)
        footer(fig, run.provenance)
        counts = {palette.STATUS_LABELS[k]: sum(v == k for v in klass.values()) for k in present}
        plots.append(
            Plot(
                f"map-status-{tid}",
                fig,
                f"Status of each state in {tname} at the end of the run, and the month of each "
                "notice.",
                "map",
                {"states": ", ".join(f"{k} {v}" for k, v in counts.items() if k != "not modelled")},
                tight=False,
            )
        )
    return plots
