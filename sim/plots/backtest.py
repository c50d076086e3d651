"""Figures of ``escalation backtest``, drawn from its saved JSON (never by re-running the model).

    python -m sim.plots.backtest RESULTS_DIR [OUT_DIR]

reads ``backtest-europe.json`` (``escalation backtest --json``), optionally
``backtest-europe-judgement.json`` (the same with the judgement values) and
``calibration-europe.json`` (``escalation backtest --calibrate ... --json``) from RESULTS_DIR,
whichever exist, and writes ``backtest-probabilities.png``, ``backtest-timing.png`` and
``calibration-search.png`` to OUT_DIR (default: RESULTS_DIR).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from sim.plots import results_and_out, save_figure


def plot_probabilities(result: dict[str, Any], path: Path, min_p: float = 0.005) -> None:
    """Per treaty, a bar per state: the share of runs with a notice in the window.

    Observed movers are drawn in red, the others in grey; states with p below ``min_p`` that
    did not move are left out (listed as a count), so the bars stay readable.
    """
    treaties = list(result["auc"])
    fig = Figure(figsize=(6.5 * len(treaties), 6.5))
    axes = fig.subplots(1, len(treaties), squeeze=False)
    for ax, t in zip(axes[0], treaties, strict=True):
        probs = {c: v[t] for c, v in result["probabilities"].items() if v[t] is not None}
        observed = set(result["observed"][t])
        shown = sorted(
            (c for c, p in probs.items() if p >= min_p or c in observed),
            key=lambda c: (probs[c], c),
        )
        colours = ["C3" if c in observed else "0.6" for c in shown]
        ax.barh(shown, [probs[c] for c in shown], color=colours)
        for k, c in enumerate(shown):
            ax.text(probs[c] + 0.01, k, f"{probs[c]:.2f}", va="center", fontsize=7)
        rest = len(probs) - len(shown)
        auc = result["auc"][t]
        ax.set(
            xlim=(0, 1.08),
            xlabel=f"probability of a notice {result['window'][0]}.."
            f"{result['window'][1]} ({result['runs']} runs)",
            title=f"{t}: AUC {'-' if auc is None else f'{auc:.2f}'}, Brier "
            f"{result['brier'][t]:.3f} (base rate {result['brier_base_rate'][t]:.3f})\n"
            f"{rest} other parties below {min_p}",
        )
        ax.set_ylim(len(shown) - max(len(shown), 12) - 0.5, len(shown) - 0.5)  # same bar size
        ax.tick_params(axis="y", labelsize=8)
        ax.title.set_fontsize(10)
    handles = [
        Patch(color="C3", label="gave notice (observed)"),
        Patch(color="0.6", label="did not"),
    ]
    axes[0][0].legend(handles=handles, loc="lower right", fontsize=9)
    fig.suptitle(
        f"Backtest of {result['scenario']}: model probabilities against what happened", fontsize=11
    )
    save_figure(fig, path)


def plot_timing(results: dict[str, dict[str, Any]], path: Path) -> None:
    """Mean number of parties that have given notice, month by month, beside the observed count.

    One panel per treaty, one line per labelled backtest result.
    """
    first = next(iter(results.values()))
    treaties = list(first["auc"])
    start = first["window"][0]
    y0, m0 = map(int, start.split("-"))
    fig = Figure(figsize=(6.5 * len(treaties), 4.2))
    axes = fig.subplots(1, len(treaties), squeeze=False)
    for ax, t in zip(axes[0], treaties, strict=True):
        n = len(first["cumulative_notices"][t]["observed"])
        x = y0 + (m0 - 1 + np.arange(n)) / 12.0
        for k, (label, r) in enumerate(results.items()):
            ax.plot(x, r["cumulative_notices"][t]["expected"], color=f"C{k}", label=label)
        ax.step(
            x,
            first["cumulative_notices"][t]["observed"],
            where="post",
            color="k",
            lw=2,
            label="observed notices",
        )
        ax.set(xlabel="year", ylabel="parties that have given notice", title=t)
        ax.legend(fontsize=8, loc="upper left")
    fig.suptitle(
        f"When the notices came: mean over runs ({first['runs']} per line) and observed",
        fontsize=11,
    )
    save_figure(fig, path)


def plot_search(result: dict[str, Any], path: Path) -> None:
    """The calibration's Latin hypercube: each point's stage-1 score against each parameter."""
    keys = list(result["parameters"])
    score = np.array([p["fit_score"] for p in result["points"]])
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig = Figure(figsize=(4.2 * cols, 3.3 * rows))
    axes = fig.subplots(rows, cols, squeeze=False)
    for ax, k in zip(axes.flat, keys, strict=False):
        x = np.array([p["params"][k] for p in result["points"]])
        ax.scatter(x, score, s=14, color="C0", alpha=0.7, label="LHS point (stage 1)")
        ax.axvline(result["best"]["params"][k], color="C3", lw=1.5, label="fit")
        before = result["baseline"]["params"][k]
        if before is not None:
            ax.axvline(before, color="0.3", ls="--", lw=1, label="before")
        ax.set(xlabel=k, ylabel=f"period {result['score']} ({', '.join(result['fit'])})")
        ax.set_yscale("log")  # the good points form a floor; log spreads it out
        ax.xaxis.label.set_fontsize(8)
    for ax in list(axes.flat)[len(keys) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(
        f"Calibration search: {result['samples']} points x {result['runs']} runs (lower is better)",
        fontsize=11,
    )
    save_figure(fig, path)


def main(argv: Sequence[str] | None = None) -> int:
    """Draw every figure whose results are in RESULTS_DIR."""
    dirs = results_and_out(argv, __doc__ or "")
    if dirs is None:
        return 2
    src, out = dirs
    written = []
    if (f := src / "backtest-europe.json").is_file():
        plot_probabilities(
            json.loads(f.read_text(encoding="utf-8")), out / "backtest-probabilities.png"
        )
        written.append("backtest-probabilities.png")
    labelled = {
        label: json.loads(f.read_text(encoding="utf-8"))
        for label, f in (
            ("calibrated", src / "backtest-europe.json"),
            ("judgement values", src / "backtest-europe-judgement.json"),
        )
        if f.is_file()
    }
    if labelled:
        plot_timing(labelled, out / "backtest-timing.png")
        written.append("backtest-timing.png")
    if (f := src / "calibration-europe.json").is_file():
        plot_search(json.loads(f.read_text(encoding="utf-8")), out / "calibration-search.png")
        written.append("calibration-search.png")
    print(f"wrote {', '.join(written) or 'nothing'} to {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
