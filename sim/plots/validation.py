"""Figures of ``escalation validate``, drawn from its saved JSON (never by re-running the model).

    python -m sim.plots.validation RESULTS_DIR [OUT_DIR]

reads ``watts.json``, ``granovetter.json``, ``richardson-stable.json``,
``richardson-unstable.json`` and ``richardson-floor.json`` (the ``--json`` output of
``escalation validate``) from RESULTS_DIR, whichever exist, and writes ``validation-watts.png``,
``validation-granovetter.png`` and
``validation-richardson.png`` to OUT_DIR (default: RESULTS_DIR).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from sim import classic
from sim.plots import results_and_out, save_figure
from sim.validation import GRANOVETTER_CRITICAL, WATTS_REFERENCE


def plot_watts(result: dict[str, Any], path: Path) -> None:
    """Frequency and mean size of global cascades against z, beside Watts (2002) Fig. 1a."""
    rows = result["rows"]
    z = np.array([r["z"] for r in rows])
    freq = np.array([r["global_cascade_frequency"] for r in rows])
    size = np.array(
        [
            np.nan if r["mean_global_cascade_size"] is None else r["mean_global_cascade_size"]
            for r in rows
        ]
    )
    fig = Figure(figsize=(8, 4.8))
    ax = fig.subplots()
    lo, hi = result["analytic_window"]
    ax.axvspan(lo, hi, color="0.92", label=f"analytic window {lo:.2f} < z < {hi:.2f}")
    fine = np.linspace(max(0.5, z.min() - 0.5), z.max() + 0.5, 300)
    ax.plot(
        fine,
        [classic.watts_frequency(v, result["phi"]) for v in fine],
        color="C0",
        lw=1,
        label="analytic frequency (infinite graph)",
    )
    ax.plot(z, freq, "o", color="C0", label="model: frequency of global cascades")
    ax.plot(z, size, "^", color="C1", mfc="none", ms=8, label="model: mean size of global cascades")
    if abs(result["phi"] - 0.18) < 1e-12:
        rz = [k for k, v in WATTS_REFERENCE.items() if "frequency" in v]
        ax.plot(
            rz,
            [WATTS_REFERENCE[k]["frequency"] for k in rz],
            "s",
            color="k",
            mfc="none",
            ms=10,
            label="Watts (2002) Fig. 1a: frequency",
        )
        sz = [k for k, v in WATTS_REFERENCE.items() if "size" in v]
        ax.plot(
            sz,
            [WATTS_REFERENCE[k]["size"] for k in sz],
            "D",
            color="k",
            mfc="none",
            ms=9,
            label="Watts (2002) Fig. 1a: mean size",
        )
        ax.plot([6.0], [0.1], "v", color="k", ms=8, label="Watts: frequency below 0.1 at z = 6")
    ax.set(
        xlabel="mean degree z",
        ylabel="frequency / share of states",
        ylim=(-0.03, 1.05),
        title=f"Watts cascades in the escalation model: phi = {result['phi']}, "
        f"N = {result['n']:,}, {result['runs']} runs per z",
    )
    ax.legend(fontsize=8, loc="center right")
    save_figure(fig, path)


def plot_granovetter(result: dict[str, Any], path: Path) -> None:
    """Final share of movers against the spread of normal thresholds (mean 0.25)."""
    rows = result["normal_rows"]
    s = np.array([r["sigma"] for r in rows])
    fig = Figure(figsize=(8, 4.5))
    ax = fig.subplots()
    fine = np.linspace(s.min(), s.max(), 400)
    ax.plot(
        fine,
        [classic.granovetter_mean_field(v, result["mean"]) for v in fine],
        color="0.5",
        lw=1,
        label="mean field (infinite crowd)",
    )
    ax.plot(
        s,
        [r["final_share"] for r in rows],
        "o-",
        color="C0",
        label=f"model: crowd of {result['crowd']:,}",
    )
    ax.axvline(
        GRANOVETTER_CRITICAL,
        color="k",
        ls="--",
        lw=1,
        label=f"Granovetter (1978): critical sigma {GRANOVETTER_CRITICAL}",
    )
    if result["critical_sigma"] is not None:
        ax.axvline(
            result["critical_sigma"],
            color="C0",
            ls=":",
            lw=1.5,
            label=f"model: critical sigma {result['critical_sigma']:.3f}",
        )
    ax.set(
        xlabel="sigma of the thresholds (share of the crowd)",
        ylabel="final share that moved",
        ylim=(-0.03, 1.05),
        title=f"Granovetter's riot: thresholds N({result['mean']}, sigma); "
        f"uniform 0..99: {result['riot_uniform']} move, with the 1 moved to 2: "
        f"{result['riot_perturbed']}",
    )
    ax.title.set_fontsize(9)
    ax.legend(fontsize=8, loc="lower right")
    save_figure(fig, path)


def plot_richardson(results: Sequence[dict[str, Any]], path: Path) -> None:
    """Model trajectories (markers) on the linear recurrence (lines), one panel per result."""
    fig = Figure(figsize=(6 * len(results), 4.5))
    axes = fig.subplots(1, len(results), squeeze=False)
    for ax, r in zip(axes[0], results, strict=True):
        p = r["params"]
        rx, ry = classic.richardson_recurrence(
            p["a"], p["b"], p["m"], p["n"], p["g"], p["h"], p["x0"], p["y0"], p["months"]
        )
        t = np.arange(len(r["x"]))
        ax.plot(t, rx, color="C0", lw=1, label="recurrence x")
        ax.plot(t, ry, color="C1", lw=1, label="recurrence y")
        step = max(1, len(t) // 30)
        ax.plot(t[::step], r["x"][::step], "o", color="C0", mfc="none", ms=5, label="model x")
        ax.plot(t[::step], r["y"][::step], "s", color="C1", mfc="none", ms=5, label="model y")
        if r["equilibrium"]:
            for v, c in zip(r["equilibrium"], ("C0", "C1"), strict=True):
                ax.axhline(v, color=c, ls=":", lw=1)
        verdict = "stable (mn > ab)" if r["stable"] else "unstable (mn < ab)"
        second = f"max |model - recurrence| = {r['max_abs_error']:.2g}"
        if r["floor_month"] is not None:
            ax.axhline(0.0, color="k", lw=0.8)
            ax.axvline(r["floor_month"], color="k", ls="--", lw=0.8)
            second = f"floor at 0 from month {r['floor_month']}: the model leaves the recurrence"
        ax.set(
            xlabel="month",
            ylabel="arms",
            title=f"{verdict}: a={p['a']} b={p['b']} m={p['m']} n={p['n']} g={p['g']} "
            f"h={p['h']}\n{second}",
        )
        ax.title.set_fontsize(9)
        ax.legend(fontsize=8)
    save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Draw every figure whose results are in RESULTS_DIR."""
    dirs = results_and_out(argv, __doc__ or "")
    if dirs is None:
        return 2
    src, out = dirs

    def load(name: str) -> dict[str, Any] | None:
        f = src / name
        return json.loads(f.read_text(encoding="utf-8")) if f.is_file() else None

    written = []
    if (w := load("watts.json")) is not None:
        plot_watts(w, out / "validation-watts.png")
        written.append("validation-watts.png")
    if (g := load("granovetter.json")) is not None:
        plot_granovetter(g, out / "validation-granovetter.png")
        written.append("validation-granovetter.png")
    names = ("richardson-stable.json", "richardson-unstable.json", "richardson-floor.json")
    rich = [r for r in map(load, names) if r]
    if rich:
        plot_richardson(rich, out / "validation-richardson.png")
        written.append("validation-richardson.png")
    print(f"wrote {', '.join(written) or 'nothing'} to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
