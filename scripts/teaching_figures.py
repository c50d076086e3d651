"""The numbers and figures of docs/teaching.md: each classroom exercise, over many seeds.

Each exercise compares europe-2022 as it is with the same scenario under one of the demo's
controls (the same switches and sliders as ``escalation demo``, applied by
:func:`sim.app_model.demo_scenario`), over the same seeds: common random numbers, so two runs
with one seed differ only by the lever. Two steps, as the project's figures do:

    python scripts/teaching_figures.py run    # runs the model, writes docs/results/teaching.json
    python scripts/teaching_figures.py plot   # draws docs/figures/teaching-*.png from the JSON
    python scripts/teaching_figures.py        # both

``--runs N`` sets the seeds per variant (default 200); the page's own run (seed 20220224,
the scenario's) is reported separately, since that is the one a class sees.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "docs" / "results" / "teaching.json"
FIGURES = ROOT / "docs" / "figures"
ROOT_SEED = 20220224  # europe-2022's seed; run k gets child k of SeedSequence(ROOT_SEED)

#: Exercise -> (title, {variant: demo controls}); "baseline" is europe-2022 as it is.
EXERCISES: dict[str, tuple[str, dict[str, dict]]] = {
    "credibility": (
        "If the alliance's credibility collapses",
        {
            "credibility 0.3 from the start": {"credibility": 0.3},
            "credibility falls to 0.3 in 2025-01": {"scenario_name": "europe-credibility-shock"},
        },
    ),
    "war-clause": (
        "If Article 20 had no armed-conflict clause",
        {"no armed-conflict clause": {"conflict_clause": False}},
    ),
    "mediation": (
        "Mediation from 2025-01",
        {"mediation from 2025-01": {"mediation": True}},
    ),
    "alliance-policy": (
        "A unified alliance policy: leave the CMC from 2025-01",
        {"alliance recommends leaving the CMC": {"unified_policy": True}},
    ),
}
BASELINE = "europe-2022 as it is"


def _variants() -> dict[str, dict]:
    out = {BASELINE: {}}
    for _, variants in EXERCISES.values():
        out.update(variants)
    return out


def _one_run(controls: dict, seed: int, engine: str) -> dict:
    from sim.app_model import demo_scenario, rival_codes
    from sim.model import EscalationModel

    controls = dict(controls)
    name = controls.pop("scenario_name", "europe-2022")
    scenario = demo_scenario(name, **controls)
    model = EscalationModel(scenario, rng=seed, engine=engine, record_states=False)
    rivals = model.world.select(rival_codes(scenario), scenario.source, "rivals")
    arms0 = model.state.arms[0, rivals].copy()
    model.run()
    ts = model.timeseries()
    events = model.events_frame()
    notices = events[events["kind"] == "notice"]
    out: dict = {"months": ts["date"].tolist()}
    for tid in model.treaties:
        mine = notices[notices["treaty"] == tid]
        out[f"{tid}_gave"] = (ts[f"{tid}_notice"] + ts[f"{tid}_withdrawn"]).tolist()
        out[f"{tid}_withdrawn"] = ts[f"{tid}_withdrawn"].tolist()
        out[f"{tid}_held"] = ts[f"{tid}_held"].tolist()
        out[f"{tid}_who"] = sorted(set(mine["iso3"]))
        out[f"{tid}_notices"] = [
            f"{c} {d}" for c, d in zip(mine["iso3"], mine["date"], strict=True)
        ]
    out["allied"] = sorted(a.iso3 for a in model.states if a.alliance)
    out["mean_threat"] = float(ts["mean_threat"].iloc[-1])
    out["rival_arms_change_pct"] = float(
        100 * (model.state.arms[0, rivals].sum() / max(arms0.sum(), 1e-12) - 1)
    )
    return out


def _summarise(runs: list[dict], treaties: list[str]) -> dict:
    out: dict = {"dates": runs[0]["months"], "runs": len(runs)}
    for tid in treaties:
        for key in ("gave", "withdrawn", "held"):
            series = np.array([r[f"{tid}_{key}"] for r in runs], dtype=float)
            out[f"{tid}_{key}"] = {
                "mean": series.mean(axis=0).tolist(),
                "median": np.median(series, axis=0).tolist(),
                "p10": np.percentile(series, 10, axis=0).tolist(),
                "p90": np.percentile(series, 90, axis=0).tolist(),
                "final_mean": float(series[:, -1].mean()),
            }
        final = np.array([r[f"{tid}_gave"][-1] for r in runs], dtype=float)
        out[f"{tid}_notified"] = {
            "share_none": float((final == 0).mean()),
            "share_five_or_more": float((final >= 5).mean()),
            "mean": float(final.mean()),
            "median": float(np.median(final)),
            "p10": float(np.percentile(final, 10)),
            "p90": float(np.percentile(final, 90)),
        }
        counts: dict[str, int] = {}
        for r in runs:
            for code in r[f"{tid}_who"]:
                counts[code] = counts.get(code, 0) + 1
        out[f"{tid}_share_of_runs"] = {
            c: round(k / len(runs), 3) for c, k in sorted(counts.items(), key=lambda x: -x[1])
        }
    out["mean_threat_final"] = float(np.mean([r["mean_threat"] for r in runs]))
    out["rival_arms_change_pct"] = float(np.mean([r["rival_arms_change_pct"] for r in runs]))
    return out


def run(runs: int, engine: str) -> dict:
    """Run every variant over the same seeds (and the page's own seed); write the JSON."""
    from sim.rng import run_seeds

    seeds = run_seeds(ROOT_SEED, runs)
    treaties = ["ottawa", "cmc"]
    result: dict = {
        "root_seed": ROOT_SEED,
        "runs": runs,
        "engine": engine,
        "scenario": "europe-2022",
        "variants": {},
        "page_seed": {},
    }
    for name, controls in _variants().items():
        t0 = time.perf_counter()
        many = [_one_run(controls, s, engine) for s in seeds]
        result["variants"][name] = {"controls": controls, **_summarise(many, treaties)}
        own = _one_run(controls, ROOT_SEED, engine)
        result.setdefault("allied_at_end", own["allied"])
        result["page_seed"][name] = {
            f"{tid}_{k}": own[f"{tid}_{k}"] if k == "who" else own[f"{tid}_{k}"][-1]
            for tid in treaties
            for k in ("who", "gave", "withdrawn", "held")
        }
        for tid in treaties:
            result["page_seed"][name][f"{tid}_notices"] = own[f"{tid}_notices"]
        result["page_seed"][name]["rival_arms_change_pct"] = own["rival_arms_change_pct"]
        print(f"{name}: {runs} runs in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return result


# --------------------------------------------------------------------------- figures
def _band(ax, dates, summary, colour, label) -> None:
    x = np.arange(len(dates))
    ax.fill_between(x, summary["p10"], summary["p90"], color=colour, alpha=0.15, lw=0)
    ax.plot(x, summary["mean"], color=colour, lw=2.2, label=label)


def _axis(ax, dates, title, ylabel="states") -> None:
    ticks = list(range(0, len(dates), 12))
    ax.set_xticks(ticks, [dates[t][:4] for t in ticks])
    ax.set_title(title, loc="left", fontsize=11)
    ax.set_ylabel(ylabel)
    ax.grid(True, color="#dddddd", lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def _shares(ax, result, tid, names, colours, allied, top=12) -> None:
    variants = result["variants"]
    groups = [BASELINE, *names]
    shares = [variants[g][f"{tid}_share_of_runs"] for g in groups]
    # Ties broken by the code: a set's order changes with PYTHONHASHSEED, the figure must not.
    codes = sorted(
        {c for sh in shares for c in sh}, key=lambda c: (-max(sh.get(c, 0) for sh in shares), c)
    )
    codes = codes[:top][::-1]
    height = 0.8 / len(groups)
    y = np.arange(len(codes))
    for k, (sh, colour) in enumerate(zip(shares, colours, strict=True)):
        ax.barh(y + (k - (len(groups) - 1) / 2) * height, [sh.get(c, 0) for c in codes],
                height=height, color=colour)  # fmt: skip
    ax.set_yticks(y, [c if c in allied else f"{c}*" for c in codes], fontsize=9)
    ax.set_xlim(0, 1)
    ax.set_title(f"{tid.upper() if tid == 'cmc' else 'Ottawa'}: share of runs with a notice",
                 loc="left", fontsize=11)  # fmt: skip
    ax.set_xlabel("share of runs  (* outside the alliance)")
    ax.grid(True, axis="x", color="#dddddd", lw=0.6)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def plot(result: dict) -> list[Path]:
    """One figure per exercise: mean and 10-90% of the runs over time, and who moves."""
    from matplotlib.figure import Figure

    from sim.palette import GREY, TREATY_COLOURS
    from sim.plots import save_figure

    variants = result["variants"]
    base = variants[BASELINE]
    dates = base["dates"]
    allied = set(result.get("allied_at_end", []))
    written = []
    palette = (TREATY_COLOURS[1], TREATY_COLOURS[2], TREATY_COLOURS[3])
    for key, (title, chosen) in EXERCISES.items():
        names = list(chosen)
        colours = [GREY, *palette[: len(names)]]
        fig = Figure(figsize=(14, 4.0))
        axes = fig.subplots(1, 3, gridspec_kw={"width_ratios": [1, 1, 0.8]})
        if key == "war-clause":
            panels = [
                ("ottawa_withdrawn", "Ottawa: withdrawals in effect"),
                ("ottawa_held", "Ottawa: withdrawals held by the war"),
            ]
        else:
            panels = [("ottawa_gave", "Ottawa: states that gave notice"),
                      ("cmc_gave", "CMC: states that gave notice")]  # fmt: skip
        for ax, (series, panel_title) in zip(axes[:2], panels, strict=True):
            for name, colour in zip([BASELINE, *names], colours, strict=True):
                _band(ax, dates, variants[name][series], colour, name)
            _axis(ax, dates, panel_title)
        _shares(axes[2], result, "cmc" if key == "alliance-policy" else "ottawa", names,
                colours, allied)  # fmt: skip
        axes[0].legend(loc="upper left", fontsize=9, frameon=False)
        fig.suptitle(
            f"{title} (europe-2022, {result['runs']} seeds each; lines: mean, bands: 10-90%)",
            fontsize=12,
        )
        path = FIGURES / f"teaching-{key}.png"
        save_figure(fig, path, dpi=110)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run``, ``plot`` or both (default)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["run", "plot", "all"], default="all")
    parser.add_argument("--runs", type=int, default=200, help="seeds per variant (default 200)")
    parser.add_argument("--engine", default="vectorized", choices=["agents", "vectorized"])
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.what in ("run", "all"):
        result = run(args.runs, args.engine)
    else:
        result = json.loads(RESULTS.read_text(encoding="utf-8"))
    if args.what in ("plot", "all"):
        for path in plot(result):
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
