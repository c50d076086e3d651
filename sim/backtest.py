"""``escalation backtest``: score a scenario's runs against the treaty notices that happened.

For every state and treaty the probability of a notice is the share of runs in which the state
gives notice (or, like Ukraine's "suspension", notifies) within the observed window, by default
from the scenario's start to 2025-08. The observed notices are kept in
``scenarios/data/europe/observed.csv`` with their sources; they are outcomes to score against
and never an input of the model. Scored are the states that were parties at the start.

Scores (per treaty, over its initial parties): the AUC (probability that an observed mover is
ranked above a non-mover, ties half; Hanley & McNeil 1982) and the Brier score (mean squared
error of the probabilities; Brier 1950), with the Brier score of the base rate beside it.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from sim import runner
from sim.errors import UserError
from sim.rng import run_seeds
from sim.scenario import Scenario, build_world, load_scenario, month_date, month_index, state_codes

OBSERVED = "data/europe/observed.csv"
WINDOW_END = "2025-08"  # the last month of observed notices (Poland, 2025-08-20)
_DATE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])(-\d{2})?$")
NEVER = np.inf  # notice month of a state that gave none


# --------------------------------------------------------------------------- observations
def load_observed(path: Path, scenario: Scenario) -> list[dict[str, str]]:
    """Rows of the observed-notices CSV (iso3, treaty, date, event, source), checked."""
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
    except OSError as exc:
        raise UserError(str(path), "", f"cannot read: {exc.strerror}") from None
    codes = set(state_codes(scenario))
    need = ("iso3", "treaty", "date", "source")
    for line, row in enumerate(rows, start=2):
        for col in need:
            if not (row.get(col) or "").strip():
                raise UserError(str(path), f"line {line}.{col}", "required value is missing")
        if row["treaty"] not in scenario.treaties:
            raise UserError(str(path), f"line {line}.treaty", f"unknown treaty {row['treaty']!r}")
        if row["iso3"] not in codes:
            raise UserError(str(path), f"line {line}.iso3", f"unknown state {row['iso3']!r}")
        if not _DATE.match(row["date"]):
            raise UserError(
                str(path), f"line {line}.date", f"expected YYYY-MM-DD, got {row['date']!r}"
            )
    return rows


def observed_months(rows: list[dict[str, str]], scenario: Scenario) -> dict[str, dict[str, int]]:
    """Treaty -> state -> month index (0 = the scenario's start) of its first observed notice."""
    out: dict[str, dict[str, int]] = {t: {} for t in scenario.treaties}
    for row in rows:
        m = month_index(row["date"][:7], scenario.start)
        out[row["treaty"]][row["iso3"]] = min(m, out[row["treaty"]].get(row["iso3"], m))
    return out


def outcome_matrix(
    observed: dict[str, dict[str, int]], codes: list[str], treaties: list[str], lo: int, hi: int
) -> np.ndarray:
    """(states, treaties) 0/1: the state's observed notice falls in months lo..hi."""
    y = np.zeros((len(codes), len(treaties)))
    for t, tid in enumerate(treaties):
        for i, code in enumerate(codes):
            m = observed[tid].get(code)
            y[i, t] = float(m is not None and lo <= m <= hi)
    return y


# --------------------------------------------------------------------------- runs
def simulate(
    scenario: Scenario,
    seeds: list[int],
    months: int,
    engine: str = "vectorized",
    progress: bool | None = False,
    desc: str = "backtest",
) -> tuple[np.ndarray, str]:
    """Run the scenario once per seed for ``months`` months (through :mod:`sim.runner`).

    Returns (runs, states, treaties) first-notice months (``inf``: none) and the engine.
    """
    world = build_world(scenario, 0)
    out = np.empty((len(seeds), world.n, len(world.treaty_ids)))
    jobs = [runner.Job(scenario, s) for s in seeds]
    disable = None if progress is None else not progress
    with tqdm(total=len(seeds), desc=desc, unit="run", disable=disable, leave=False) as bar:
        for positions, batch in runner.run(jobs, months, engine=engine):
            runner.raise_failed(batch)
            out[positions] = runner.first_notices(batch)
            bar.update(len(positions))
    return out, engine


def probabilities(months: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """(states, treaties): share of runs with a first notice in months lo..hi."""
    return ((months >= lo) & (months <= hi)).mean(axis=0)


# --------------------------------------------------------------------------- scores
def auc(p: np.ndarray, y: np.ndarray) -> float | None:
    """Area under the ROC curve: P(score of a positive > score of a negative), ties count 1/2.

    ``None`` when there are no positives or no negatives (the AUC is undefined).
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=bool)
    pos, neg = p[y], p[~y]
    if not len(pos) or not len(neg):
        return None
    greater = (pos[:, None] > neg[None, :]).sum()
    ties = (pos[:, None] == neg[None, :]).sum()
    return float((greater + 0.5 * ties) / (len(pos) * len(neg)))


def brier(p: np.ndarray, y: np.ndarray) -> float:
    """Brier score: the mean of (p - y)^2 (0 is perfect; lower is better)."""
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    return float(np.mean((p - y) ** 2))


def log_likelihood(p: np.ndarray, y: np.ndarray, runs: int) -> float:
    """Mean Bernoulli log-likelihood per state, with p shrunk to (k + 1/2) / (runs + 1).

    The shrinkage (Jeffreys' prior on the run count k) keeps a probability estimated as 0 or 1
    from a finite number of runs from scoring minus infinity.
    """
    p, y = np.asarray(p, dtype=float), np.asarray(y, dtype=float)
    q = (p * runs + 0.5) / (runs + 1.0)
    return float(np.mean(y * np.log(q) + (1.0 - y) * np.log(1.0 - q)))


def scores(
    p: np.ndarray, y: np.ndarray, eligible: np.ndarray, treaties: list[str], runs: int
) -> dict[str, dict[str, Any]]:
    """Per treaty: AUC, Brier, base-rate Brier, log-likelihood, over the eligible states."""
    out = {}
    for t, tid in enumerate(treaties):
        e = eligible[:, t]
        pt, yt = p[e, t], y[e, t]
        rate = float(yt.mean()) if len(yt) else 0.0
        out[tid] = {
            "auc": auc(pt, yt),
            "brier": brier(pt, yt) if len(yt) else None,
            "brier_base_rate": rate * (1.0 - rate),
            "log_likelihood": log_likelihood(pt, yt, runs) if len(yt) else None,
            "states": int(e.sum()),
            "observed": int(yt.sum()),
            "expected": float(pt.sum()),
        }
    return out


def period_probabilities(months: np.ndarray, ends: list[int]) -> np.ndarray:
    """(states, treaties, K + 1): share of runs whose first notice falls in each period.

    ``ends`` are the inclusive last months of K consecutive periods from month 0; the last
    category is "no notice by ends[-1]".
    """
    edges = [-np.inf, *ends]
    cats = [
        ((months > lo) & (months <= hi)).mean(axis=0) for lo, hi in zip(edges, ends, strict=False)
    ]
    cats.append((months > ends[-1]).mean(axis=0))
    return np.stack(cats, axis=-1)


def period_outcomes(
    observed: dict[str, dict[str, int]], codes: list[str], treaties: list[str], ends: list[int]
) -> np.ndarray:
    """(states, treaties, K + 1) one-hot: the period of each observed first notice (or none)."""
    months = np.full((len(codes), len(treaties)), NEVER)
    for t, tid in enumerate(treaties):
        for i, code in enumerate(codes):
            if code in observed[tid]:
                months[i, t] = observed[tid][code]
    return period_probabilities(months[None], ends)


def period_score(
    p: np.ndarray, y: np.ndarray, mask: np.ndarray, runs: int, score: str = "brier"
) -> float:
    """Mean score of the period forecasts over the masked (state, treaty) pairs (lower: better).

    ``brier``: Brier's (1950) original multi-category score, sum_k (p_k - y_k)^2, less its
    finite-run noise sum_k p_k (1 - p_k) / (runs - 1) (a share of ``runs`` runs has variance
    p(1-p)/runs; left in, the noise would favour parameters whose runs all agree).
    ``log_likelihood``: minus the mean log-probability of the observed period, with p shrunk to
    (k + 1/2) / (runs + K/2) so that no period has probability 0.
    """
    p, y = p[mask], y[mask]
    if score == "brier":
        noise = (p * (1.0 - p)).sum(axis=-1) / (runs - 1)
        return float(np.mean(((p - y) ** 2).sum(axis=-1) - noise))
    q = (p * runs + 0.5) / (runs + 0.5 * p.shape[-1])
    return float(-np.mean(np.log((q * y).sum(axis=-1))))


def median_first(months: np.ndarray, lo: int, hi: int) -> list[int | None]:
    """Per treaty: the median over runs of the first notice month in lo..hi.

    Runs without a notice in the window count as later than any month in it; ``None`` when
    most runs have none.
    """
    inside = np.where((months >= lo) & (months <= hi), months, NEVER)
    first = inside.min(axis=1)  # (runs, treaties)
    med = np.quantile(first, 0.5, axis=0, method="inverted_cdf")
    return [int(m) if np.isfinite(m) else None for m in med]


# --------------------------------------------------------------------------- the command
def observed_path(scenario: Scenario, observed: str | None) -> Path:
    """The observed-notices CSV: the option, else data/europe/observed.csv beside the scenario."""
    if observed is not None:
        p = Path(observed)
        if not p.is_file():
            raise UserError(observed, "--observed", "file not found")
        return p
    return scenario.data_path(OBSERVED, "observed")


def backtest(
    scenario: Scenario | str = "europe-2022",
    *,
    runs: int = 200,
    seed: int | None = None,
    engine: str = "vectorized",
    observed: str | None = None,
    end: str = WINDOW_END,
    periods: list[str] | None = None,
    progress: bool | None = False,
) -> dict[str, Any]:
    """Run and score a scenario over the observed window (the JSON of ``escalation backtest``).

    With ``periods`` (last months ``YYYY-MM`` splitting the window) it also reports, per treaty,
    the period score of :func:`period_score`: *when* each party gave notice, not only whether.
    """
    sc = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    obs = observed_months(load_observed(observed_path(sc, observed), sc), sc)
    hi = month_index(end, sc.start)
    if not 0 <= hi:
        raise UserError("--end", "", f"{end} is before the scenario's start {sc.start}")
    obs = {t: {c: m for c, m in v.items() if m <= hi} for t, v in obs.items()}
    ends = None
    if periods:
        for text in periods:
            if not _DATE.match(text) or len(text) != 7 or not 0 <= month_index(text, sc.start) < hi:
                raise UserError(
                    "--periods", "", f"expected months YYYY-MM inside the window, got {text!r}"
                )
        ends = sorted({month_index(m, sc.start) for m in periods} | {hi})
    root = sc.seed if seed is None else seed
    months, used = simulate(sc, run_seeds(root, runs), hi + 1, engine, progress)
    world = build_world(sc, 0)
    treaties = list(sc.treaties)
    p = probabilities(months, 0, hi)
    y = outcome_matrix(obs, world.codes, treaties, 0, hi)
    eligible = world.parties  # only a party can give notice: non-parties are not scored
    sc_by = scores(p, y, eligible, treaties, runs)
    med = median_first(months, 0, hi)
    out = {
        "scenario": sc.name,
        "window": [sc.start, end],
        "runs": runs,
        "seed": root,
        "engine": used,
        "observed": {t: sorted(c for c, m in obs[t].items() if m <= hi) for t in treaties},
        "probabilities": {
            code: {t: (float(p[i, k]) if eligible[i, k] else None) for k, t in enumerate(treaties)}
            for i, code in enumerate(world.codes)
        },
        "auc": {t: sc_by[t]["auc"] for t in treaties},
        "brier": {t: sc_by[t]["brier"] for t in treaties},
        "brier_base_rate": {t: sc_by[t]["brier_base_rate"] for t in treaties},
        "log_likelihood": {t: sc_by[t]["log_likelihood"] for t in treaties},
        "expected_notices": {t: sc_by[t]["expected"] for t in treaties},
        "median_first_notice": {
            t: (month_date(sc.start, m) if m is not None else None)
            for t, m in zip(treaties, med, strict=True)
        },
        "observed_first_notice": {
            t: (month_date(sc.start, min(obs[t].values())) if obs[t] else None) for t in treaties
        },
    }
    # Month by month: mean number of parties that have given notice, against the observed count.
    out["cumulative_notices"] = {
        t: {
            "expected": [
                float(np.sum((months[:, :, k] <= m) & eligible[:, k]) / runs) for m in range(hi + 1)
            ],
            "observed": [sum(v <= m for v in obs[t].values()) for m in range(hi + 1)],
        }
        for k, t in enumerate(treaties)
    }
    if ends is not None:
        pp = period_probabilities(months, ends)
        yy = period_outcomes(obs, world.codes, treaties, ends)
        out["periods"] = [month_date(sc.start, m) for m in ends]
        out["period_score"] = {}
        for k, t in enumerate(treaties):
            mask = np.zeros_like(eligible)
            mask[:, k] = eligible[:, k]
            out["period_score"][t] = period_score(pp, yy, mask, runs) if runs > 1 else None
    return out


def _g(v: Any) -> str:
    return "-" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def table(result: dict[str, Any], top: int = 12) -> str:
    """Scores per treaty, then the states most likely to give notice beside what happened."""
    lines = [
        f"Backtest of {result['scenario']}: {result['runs']} runs ({result['engine']} engine, root "
        f"seed {result['seed']}), notices from {result['window'][0]} to {result['window'][1]}",
        "",
        f"{'treaty':<8}{'AUC':>6}{'Brier':>8}{'base rate':>11}{'expected':>10}{'observed':>10}"
        f"  {'median first':<14}{'observed first':<16}"
        + ("periods" if "period_score" in result else ""),
    ]
    for t in result["auc"]:
        a = result["auc"][t]
        lines.append(
            f"{t:<8}{'-' if a is None else f'{a:.2f}':>6}{result['brier'][t]:>8.3f}"
            f"{result['brier_base_rate'][t]:>11.3f}{result['expected_notices'][t]:>10.1f}"
            f"{len(result['observed'][t]):>10}  {result['median_first_notice'][t] or '-':<14}"
            f"{result['observed_first_notice'][t] or '-':<16}"
            + _g(result.get("period_score", {}).get(t, ""))
        )
    if "periods" in result:
        lines += [
            "",
            "periods: Brier score of the period of each first notice (lower is better), "
            "periods ending " + ", ".join(result["periods"]),
        ]
    for t in result["auc"]:
        ranked = sorted(
            ((v[t], c) for c, v in result["probabilities"].items() if v[t] is not None),
            key=lambda pc: (-pc[0], pc[1]),
        )
        shown = [f"{c} {p:.2f}{'*' if c in result['observed'][t] else ''}" for p, c in ranked[:top]]
        missed = [c for c in result["observed"][t] if c not in {c for _, c in ranked[:top]}]
        lines += ["", f"{t}: most likely to give notice (* = did): " + ", ".join(shown)]
        if missed:
            lines.append(
                f"{t}: observed but not in the top {top}: "
                + ", ".join(f"{c} {result['probabilities'][c][t]:.2f}" for c in missed)
            )
    return "\n".join(lines)
