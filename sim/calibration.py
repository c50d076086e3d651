"""Calibrating a scenario's behavioural parameters to the observed notices (issue 3).

``escalation backtest --calibrate EXPERIMENT`` runs the procedure an experiment file describes
(``experiments/calibration-europe.toml``):

1. **Search.** A Latin hypercube (McKay, Beckman & Conover 1979; ``scipy.stats.qmc``, seeded)
   of ``samples`` points over the parameters' bounds. Each point runs ``runs`` times with the
   same seeds (common random numbers, so points differ only by their parameters) and is scored
   on the ``fit`` treaties: for every party, in which of the ``periods`` (or not at all within
   the window) its first notice falls, by Brier's multi-category score less its finite-run
   noise, or by minus the log-likelihood (:func:`sim.backtest.period_score`). The periods make
   the fit match *when* states moved (nobody in 2022-2023), not only who moved by the end.
2. **Refine.** The ``refine`` best points run again with ``refine_runs`` fresh seeds; the best
   of them is the fit. Re-running guards against choosing a point for its lucky seeds.
3. **Out of sample.** (a) Treaty split: the treaties not in ``fit`` were never scored during
   the search; their AUC and Brier at the fit are out of sample. (b) Time split: the same
   search, scored on every treaty up to ``time_split.fit_end`` only, chooses a second fit, which
   is scored on the notices of the months after (``fit_end`` + 1 to the window's end).

Everything runs the ordinary model through the one runner (:mod:`sim.runner`); seeds come
from the experiment's root seed by run index (stage 1: runs ``0..runs-1``; refinement: the runs
after).
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from scipy.stats import qmc

from sim import backtest as bt
from sim.errors import UserError
from sim.rng import run_seeds
from sim.scenario import Scenario, build_world, load_scenario, month_date, month_index

MonthText = Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
QUICK = {"samples": 6, "runs": 4, "refine": 2, "refine_runs": 6}
_SCORES = ("auc", "brier", "brier_base_rate", "expected", "observed", "median_first_notice")
_HELD = (*_SCORES, "period_score")


class TimeSplit(BaseModel):
    """Fit on the notices up to ``fit_end``; score the months after it."""

    model_config = ConfigDict(extra="forbid", strict=True)
    fit_end: MonthText


class Experiment(BaseModel):
    """A calibration experiment file (TOML), validated like a scenario."""

    model_config = ConfigDict(extra="forbid", strict=True)
    name: str
    description: str = ""
    scenario: str = "europe-2022"
    seed: Annotated[int, Field(ge=0)] = 0
    window_end: MonthText = bt.WINDOW_END
    score: Literal["brier", "log_likelihood"] = "brier"
    fit: list[str]
    periods: list[MonthText] = []
    samples: Annotated[int, Field(ge=1, le=100_000)] = 48
    runs: Annotated[int, Field(ge=2, le=100_000)] = 16
    refine: Annotated[int, Field(ge=1)] = 4
    refine_runs: Annotated[int, Field(ge=2, le=100_000)] = 60
    parameters: dict[str, Annotated[list[float], Field(min_length=2, max_length=2)]]
    time_split: TimeSplit | None = None


def _resolve(path: str | Path) -> Path:
    """A path, or the name of a bundled experiment (``calibration-europe``)."""
    p = Path(path)
    if p.suffix == ".toml" or p.exists():
        return p
    installed = Path(str(resources.files("sim"))) / "_bundled" / "experiments"
    checkout = Path(__file__).resolve().parent.parent / "experiments"
    for d in (installed, checkout):
        if (d / f"{p.name}.toml").is_file():
            return d / f"{p.name}.toml"
    return p


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; errors are ``file: key: message``."""
    path = _resolve(path)
    try:
        with path.open("rb") as fh:
            raw = tomllib.load(fh)
    except OSError as exc:
        raise UserError(str(path), "", f"cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(str(path), "", f"malformed TOML: {exc}") from None
    try:
        exp = Experiment.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(p) for p in err["loc"])
        msg = {"extra_forbidden": "unknown key", "missing": "required key is missing"}.get(
            err["type"], err["msg"]
        )
        raise UserError(str(path), key, msg) from None
    if not exp.parameters:
        raise UserError(str(path), "parameters", "name at least one parameter with its bounds")
    for key, (lo, hi) in exp.parameters.items():
        if not lo < hi:
            raise UserError(str(path), f"parameters.{key}", f"need low < high, got [{lo}, {hi}]")
    return exp


def _scenario(base: str, values: dict[str, float], source: str) -> Scenario:
    try:
        return load_scenario(base, values)
    except UserError as err:
        if err.source != "--set":
            raise
        # An out-of-range or unknown parameter: name the experiment file and its key.
        key = err.key if err.key in values else next(iter(values), "")
        raise UserError(source, f"parameters.{key}", err.message) from None


def lhs(bounds: dict[str, list[float]], samples: int, seed: int) -> list[dict[str, float]]:
    """A seeded Latin hypercube over the bounds, as one dict of parameter values per point."""
    keys = list(bounds)
    unit = qmc.LatinHypercube(d=len(keys), seed=np.random.default_rng(seed)).random(samples)
    lo, hi = np.array([bounds[k][0] for k in keys]), np.array([bounds[k][1] for k in keys])
    points = qmc.scale(unit, lo, hi)
    return [{k: float(round(v, 6)) for k, v in zip(keys, row, strict=True)} for row in points]


class _Setup:
    """What every evaluation shares: scenario, observations, windows, eligible states."""

    def __init__(
        self, exp: Experiment, base: str, source: str, engine: str, observed: str | None
    ) -> None:
        self.exp, self.base, self.source, self.engine = exp, base, source, engine
        self.sc = _scenario(base, {}, source)
        for key, bounds in exp.parameters.items():  # fail fast on a bad key or bound
            for v in bounds:
                _scenario(base, {key: v}, source)
        self.treaties = list(self.sc.treaties)
        for k, t in enumerate(exp.fit):
            if t not in self.sc.treaties:
                raise UserError(source, f"fit.{k}", f"unknown treaty {t!r}")
        self.obs = bt.observed_months(
            bt.load_observed(bt.observed_path(self.sc, observed), self.sc), self.sc
        )
        self.hi = month_index(exp.window_end, self.sc.start)
        self.ends = sorted({month_index(m, self.sc.start) for m in exp.periods} | {self.hi})
        if not 0 <= self.ends[0] or self.ends[-1] != self.hi:
            raise UserError(source, "periods", f"must lie in {self.sc.start}..{exp.window_end}")
        world = build_world(self.sc, 0)
        self.codes, self.parties = world.codes, world.parties
        self.y = bt.outcome_matrix(self.obs, self.codes, self.treaties, 0, self.hi)
        self.fit_mask = self.parties & np.isin(self.treaties, exp.fit)[None, :]
        self.engine_used = engine
        self._cache: dict[tuple, np.ndarray] = {}

    def run(self, values: dict[str, float], seeds: list[int]) -> np.ndarray:
        """First-notice months of one parameter point's runs (cached: both searches refine)."""
        key = (tuple(sorted(values.items())), tuple(seeds))
        if key not in self._cache:
            sc = _scenario(self.base, values, self.source)
            self._cache[key], self.engine_used = bt.simulate(sc, seeds, self.hi + 1, self.engine)
        return self._cache[key]

    def objective(self, ends: list[int], mask: np.ndarray):
        """The fit score of a set of runs over the periods ending at ``ends`` (lower is better)."""
        y = bt.period_outcomes(self.obs, self.codes, self.treaties, ends)

        def score(months: np.ndarray) -> float:
            p = bt.period_probabilities(months, ends)
            return bt.period_score(p, y, mask, len(months), self.exp.score)

        return score


def _search(
    setup: _Setup,
    points: list[dict[str, float]],
    months: list[np.ndarray],
    objective,
    refine_seeds: list[int],
    bar,
) -> tuple[int, list[float], np.ndarray]:
    """Stage-1 scores, then refine the best points; returns (best index, scores, its runs)."""
    stage1 = [objective(m) for m in months]
    top = list(np.argsort(stage1, kind="stable")[: setup.exp.refine])
    best, best_score, best_runs = top[0], np.inf, months[top[0]]
    for k in top:
        runs = setup.run(points[k], refine_seeds)
        bar.update(len(refine_seeds))
        s = objective(runs)
        if s < best_score:
            best, best_score, best_runs = int(k), s, runs
    return int(best), stage1, best_runs


def calibrate(
    path: str | Path,
    *,
    engine: str = "vectorized",
    quick: bool = False,
    progress: bool | None = False,
    scenario: str | None = None,
    runs: int | None = None,
    seed: int | None = None,
    observed: str | None = None,
) -> dict[str, Any]:
    """Run a calibration experiment; returns the JSON ``backtest --calibrate`` prints."""
    from tqdm import tqdm

    exp = load_experiment(path)
    if runs is not None and runs < 2:
        raise UserError("--runs", "", f"must be at least 2 with --calibrate, got {runs}")
    update = {
        **(QUICK if quick else {}),
        **({"runs": runs} if runs else {}),
        **({"seed": seed} if seed is not None else {}),
    }
    exp = exp.model_copy(update=update)
    setup = _Setup(exp, scenario or exp.scenario, str(path), engine, observed)
    points = lhs(exp.parameters, exp.samples, exp.seed)
    seeds = run_seeds(exp.seed, exp.runs + exp.refine_runs)
    stage1_seeds, refine_seeds = seeds[: exp.runs], seeds[exp.runs :]
    split = exp.time_split
    total = exp.samples * exp.runs + exp.refine_runs * (1 + exp.refine * (2 if split else 1))
    bar = tqdm(
        total=total,
        desc="calibrate",
        unit="run",
        leave=False,
        disable=None if progress is None else not progress,
    )
    months = []
    for values in points:
        months.append(setup.run(values, stage1_seeds))
        bar.update(exp.runs)
    # The scenario as it stands, on the same fresh seeds as the refined points: the baseline.
    baseline = setup.run({}, refine_seeds)
    bar.update(exp.refine_runs)
    hi = setup.hi
    full = setup.objective(setup.ends, setup.fit_mask)
    best, stage1, best_runs = _search(setup, points, months, full, refine_seeds, bar)
    result: dict[str, Any] = {
        "experiment": exp.name,
        "scenario": setup.sc.name,
        "window": [setup.sc.start, exp.window_end],
        "seed": exp.seed,
        "engine": setup.engine_used,
        "score": exp.score,
        "fit": exp.fit,
        "periods": [month_date(setup.sc.start, m) for m in setup.ends],
        "parameters": exp.parameters,
        "samples": exp.samples,
        "runs": exp.runs,
        "refine": exp.refine,
        "refine_runs": exp.refine_runs,
        "baseline": {
            "params": _current(setup.sc, exp.parameters),
            "fit_score": full(baseline),
            **_report(setup, baseline, 0, hi, setup.y),
            "period_score": _per_treaty(setup, baseline),
        },
        "points": [{"params": pt, "fit_score": s} for pt, s in zip(points, stage1, strict=True)],
        "best": {
            "index": best,
            "params": points[best],
            "fit_score": full(best_runs),
            **_report(setup, best_runs, 0, hi, setup.y),
            "period_score": _per_treaty(setup, best_runs),
        },
    }
    held_out = [t for t in setup.treaties if t not in exp.fit]
    result["out_of_sample"] = {
        "treaty": {
            "held_out": held_out,
            **{k: {t: v[t] for t in held_out} for k, v in result["best"].items() if k in _HELD},
        }
    }
    if split:
        result["out_of_sample"]["time"] = _time_split(setup, points, months, refine_seeds, bar)
    bar.close()
    result["toml"] = toml_snippet(result)
    return result


def _per_treaty(setup: _Setup, months: np.ndarray) -> dict[str, float]:
    """The fit's period score of each treaty on its own (held-out treaties included)."""
    out = {}
    for t, tid in enumerate(setup.treaties):
        mask = np.zeros_like(setup.parties)
        mask[:, t] = setup.parties[:, t]
        out[tid] = setup.objective(setup.ends, mask)(months)
    return out


def _report(
    setup: _Setup,
    months: np.ndarray,
    lo: int,
    hi: int,
    y: np.ndarray,
    eligible: np.ndarray | None = None,
) -> dict[str, dict[str, Any]]:
    """AUC and Brier per treaty of a set of runs over months lo..hi."""
    p = bt.probabilities(months, lo, hi)
    s = bt.scores(
        p, y, setup.parties if eligible is None else eligible, setup.treaties, len(months)
    )
    out = {k: {t: s[t][k] for t in setup.treaties} for k in _SCORES[:-1]}
    med = bt.median_first(months, lo, hi)
    out["median_first_notice"] = {
        t: None if m is None else month_date(setup.sc.start, m)
        for t, m in zip(setup.treaties, med, strict=True)
    }
    return out


def _time_split(setup: _Setup, points, months, refine_seeds, bar) -> dict[str, Any]:
    """Fit on every treaty up to fit_end, then score the notices of the months after."""
    cut = month_index(setup.exp.time_split.fit_end, setup.sc.start)
    if not 0 <= cut < setup.hi:
        raise UserError(setup.source, "time_split.fit_end", "must lie inside the window")
    y_fit = bt.outcome_matrix(setup.obs, setup.codes, setup.treaties, 0, cut)
    y_after = bt.outcome_matrix(setup.obs, setup.codes, setup.treaties, cut + 1, setup.hi)
    # States that had already moved by fit_end are not forecast again.
    eligible = setup.parties & (y_fit == 0)
    # Fit on every treaty (one may have no notice before the cut), periods cut at fit_end.
    early = setup.objective(sorted({e for e in setup.ends if e < cut} | {cut}), setup.parties)
    best, _, runs = _search(setup, points, months, early, refine_seeds, bar)
    return {
        "fit_window": [setup.sc.start, setup.exp.time_split.fit_end],
        "score_window": [month_date(setup.sc.start, cut + 1), setup.exp.window_end],
        "params": points[best],
        **_report(setup, runs, cut + 1, setup.hi, y_after, eligible),
    }


def _current(sc: Scenario, bounds: dict[str, list[float]]) -> dict[str, Any]:
    """The scenario's present values of the calibrated parameters."""
    out = {}
    for key in bounds:
        node: Any = sc.model_dump()
        for part in key.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        out[key] = node
    return out


def toml_snippet(result: dict[str, Any]) -> str:
    """The fitted values as ``dotted.key = value`` lines, to paste into the scenario."""
    lines = [
        f"# calibrated: {result['experiment']} ({result['score']}, fit on "
        f"{', '.join(result['fit'])}, periods ending {', '.join(result['periods'])})"
    ]
    lines += [f"{k} = {v!r}" for k, v in result["best"]["params"].items()]
    return "\n".join(lines)


def table(result: dict[str, Any]) -> str:
    """The calibration's report: parameters, fit, scores in and out of sample."""
    b, base = result["best"], result["baseline"]
    lines = [
        f"Calibration {result['experiment']} of {result['scenario']}: {result['samples']} Latin "
        f"hypercube points x {result['runs']} runs, best {result['refine']} re-run "
        f"{result['refine_runs']} times ({result['engine']} engine, seed {result['seed']})",
        f"score: {result['score']} on {', '.join(result['fit'])}, periods ending "
        f"{', '.join(result['periods'])} (window from {result['window'][0]})",
        "",
        f"{'parameter':<28}{'low':>8}{'high':>8}{'before':>9}{'fit':>9}",
    ]
    for k, (lo, hi) in result["parameters"].items():
        before = base["params"][k]
        lines.append(f"{k:<28}{lo:>8.3g}{hi:>8.3g}{_g(before):>9}{b['params'][k]:>9.4g}")
    lines += [
        "",
        f"{'':<30}{'periods':>8}{'AUC':>6}{'Brier':>8}{'base rate':>11}{'expected':>10}"
        f"{'observed':>10}  median first",
    ]
    rows = [("before", base), ("fit", b)]
    for label, rep in rows:
        for t in rep["auc"]:
            tag = "" if t in result["fit"] else " (held out)"
            lines.append(_score_row(f"{label}: {t}{tag}", rep, t))
    ts = result["out_of_sample"].get("time")
    if ts:
        lines += [
            "",
            f"time split: fit on {ts['fit_window'][0]}..{ts['fit_window'][1]}, "
            f"score {ts['score_window'][0]}..{ts['score_window'][1]}",
        ]
        lines += [_score_row(f"forecast: {t}", ts, t) for t in ts["auc"]]
        lines.append("  its fit: " + ", ".join(f"{k}={v:.4g}" for k, v in ts["params"].items()))
    lines += [
        "",
        "periods: the fit's score (lower is better) of each treaty on its own; AUC and Brier: "
        "notice by the window's end",
        "",
        "to store in the scenario:",
        result["toml"],
    ]
    return "\n".join(lines)


def _g(v: Any) -> str:
    return "-" if v is None else f"{v:.4g}"


def _score_row(label: str, rep: dict[str, Any], t: str) -> str:
    a, ps = rep["auc"][t], rep.get("period_score", {}).get(t)
    return (
        f"{label:<30}{'-' if ps is None else f'{ps:.3f}':>8}"
        f"{'-' if a is None else f'{a:.2f}':>6}{rep['brier'][t]:>8.3f}"
        f"{rep['brier_base_rate'][t]:>11.3f}{rep['expected'][t]:>10.1f}"
        f"{rep['observed'][t]:>10}  {rep['median_first_notice'][t] or '-'}"
    )
