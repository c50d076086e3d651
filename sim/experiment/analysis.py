"""Analysis of a finished sweep: summaries with CIs, sensitivity indices, scenario discovery.

- ``summary.csv``: per design point and outcome, n, mean with a 95% confidence interval (t
  interval; Wilson score interval for yes/no outcomes, whose mean is a probability), standard
  deviation and quantiles. Failed runs are counted, not averaged.
- ``sensitivity.csv`` (``sobol`` and ``morris`` designs): SALib indices per outcome on the
  replicate means of each design point (replicates averaged first): S1, ST with confidence
  intervals (Sobol'), or mu, mu*, sigma (Morris).
- ``discovery.csv`` (with ``[discovery]``): boxes of factor space from a scikit-learn decision
  tree fitted to "did the outcome of interest happen" over all runs, one row per leaf, with its
  density (share of its runs with the outcome) and coverage (share of all such runs it holds).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd

from sim.experiment.designs import DesignPoints
from sim.experiment.outcomes import OPS
from sim.experiment.spec import Discovery
from sim.stats import Z95, wilson

QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


# --------------------------------------------------------------------------- summary.csv
def summarize(
    runs: pd.DataFrame, params: list[str], outcomes: dict[str, str], label: bool
) -> pd.DataFrame:
    """One row per design point and numeric or yes/no outcome (see the module docstring)."""
    from scipy import stats

    keys = ["point", *(["label"] if label else []), *params]
    points = runs.groupby("point", sort=True)[keys[1:]].first() if keys[1:] else None
    index = pd.Index(sorted(runs["point"].unique()), name="point")
    failed = (runs["status"] != "ok").groupby(runs["point"]).sum().reindex(index, fill_value=0)
    ok = runs[runs["status"] == "ok"]
    frames = []
    for col, kind in outcomes.items():
        if kind not in ("bool", "int", "float"):
            continue
        values = ok[col].astype("float64")
        g = values.groupby(ok["point"])
        n = g.count().reindex(index, fill_value=0)
        mean, std = g.mean().reindex(index), g.std().reindex(index)
        if kind == "bool":
            low, high = (pd.Series(v, index=index) for v in wilson(mean, n, Z95))
        else:
            half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * std / np.sqrt(n.clip(lower=1))
            low, high = mean - half, mean + half
        q = g.quantile(list(QUANTILES.values())).unstack() if len(ok) else None
        frame = pd.DataFrame(
            {
                "outcome": col,
                "n": n,
                "failed": failed,
                "mean": mean,
                "std": std,
                "ci_low": low,
                "ci_high": high,
            },
            index=index,
        )
        for name, p in QUANTILES.items():
            frame[name] = q[p].reindex(index) if q is not None and p in q else np.nan
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=[*keys, "outcome"])
    out = pd.concat(frames)
    if points is not None:
        out = points.join(out, how="right")
    return out.reset_index()[[*keys, *[c for c in frames[0].columns]]]


# --------------------------------------------------------------------------- sensitivity.csv
def point_means(runs: pd.DataFrame, column: str, n_points: int) -> np.ndarray:
    """Mean over a point's successful replicates, for points 0..n-1 (NaN if none)."""
    ok = runs[runs["status"] == "ok"]
    means = ok[column].astype("float64").groupby(ok["point"]).mean()
    return means.reindex(range(n_points)).to_numpy()


def sensitivity(
    design: DesignPoints,
    runs: pd.DataFrame,
    outcomes: dict[str, str],
    seed: int,
    second_order: bool = False,
    levels: int = 4,
) -> pd.DataFrame:
    """SALib indices for every numeric outcome of a ``sobol`` or ``morris`` design."""
    from SALib.analyze import morris, sobol

    assert design.problem is not None and design.x is not None
    names = design.problem["names"]
    rows: list[dict[str, Any]] = []
    for col, kind in outcomes.items():
        if kind not in ("bool", "int", "float"):
            continue
        y = point_means(runs, col, len(design))
        note = ""
        if np.isnan(y).any():
            note = f"skipped: {int(np.isnan(y).sum())} design points have no value"
        elif np.ptp(y) == 0:
            note = "skipped: the outcome does not vary"
        if note:
            rows += [
                {"outcome": col, "parameter": p, "method": design.kind, "note": note} for p in names
            ]
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SALib warns about sample sizes it was given
            if design.kind == "sobol":
                si = sobol.analyze(
                    design.problem,
                    y,
                    calc_second_order=second_order,
                    seed=seed,
                    print_to_console=False,
                )
                keys = ("S1", "S1_conf", "ST", "ST_conf")
            else:
                si = morris.analyze(
                    design.problem,
                    design.x,
                    y,
                    num_levels=levels,
                    seed=seed,
                    print_to_console=False,
                )
                keys = ("mu", "mu_star", "mu_star_conf", "sigma")
        for k, p in enumerate(names):
            row = {"outcome": col, "parameter": p, "method": design.kind}
            row.update({key: float(si[key][k]) for key in keys})
            row["note"] = ""
            rows.append(row)
    return pd.DataFrame(rows)


# --------------------------------------------------------------------------- discovery.csv
def interest(runs: pd.DataFrame, spec: Discovery) -> pd.Series:
    """Per successful run: did the outcome of interest happen."""
    values = runs[spec.outcome]
    if spec.op is None:
        return values.astype(bool)
    return OPS[spec.op](values.astype("float64"), spec.value).fillna(False).astype(bool)


def _features(runs: pd.DataFrame, params: dict[str, str]) -> pd.DataFrame:
    """Numeric factors as they are; text factors one-hot (``name = value``)."""
    cols: dict[str, pd.Series] = {}
    for p, kind in params.items():
        if runs[p].nunique(dropna=False) < 2:
            continue
        if kind in ("bool", "int", "float"):
            cols[p] = runs[p].astype("float64")
        else:
            for v in sorted(runs[p].dropna().astype(str).unique()):
                cols[f"{p} = {v}"] = (runs[p].astype(str) == v).astype("float64")
    return pd.DataFrame(cols, index=runs.index)


def discover(runs: pd.DataFrame, params: dict[str, str], spec: Discovery) -> pd.DataFrame:
    """Boxes of factor space where the outcome of interest is frequent (one row per leaf)."""
    from sklearn.tree import DecisionTreeClassifier

    ok = runs[runs["status"] == "ok"]
    y = interest(ok, spec).to_numpy()
    x = _features(ok, params)
    columns = ["box", "conditions", "runs", "of_interest", "density", "coverage", "lift"]
    if not len(ok) or x.empty or y.all() or not y.any():
        rate = float(y.mean()) if len(y) else math.nan
        return pd.DataFrame(
            [[1, "all runs", len(ok), int(y.sum()), rate, 1.0 if y.any() else 0.0, 1.0]],
            columns=columns,
        )
    leaf = max(1, math.ceil(spec.min_leaf * len(ok)))
    tree = DecisionTreeClassifier(max_depth=spec.max_depth, min_samples_leaf=leaf, random_state=0)
    tree.fit(x.to_numpy(), y)
    leaves = tree.apply(x.to_numpy())
    t = tree.tree_
    total, base = int(y.sum()), float(y.mean())
    rows = []
    for node, conds in _paths(t, 0, []):
        mask = leaves == node
        hits = int(y[mask].sum())
        density = hits / int(mask.sum())
        rows.append(
            [
                _readable(conds, list(x.columns), params),
                int(mask.sum()),
                hits,
                density,
                hits / total,
                density / base,
            ]
        )
    rows.sort(key=lambda r: (-r[3], -r[1], r[0]))
    return pd.DataFrame([[k + 1, *r] for k, r in enumerate(rows)], columns=columns)


def _paths(t: Any, node: int, conds: list[tuple[int, str, float]]) -> list[tuple[int, list]]:
    if t.children_left[node] == -1:
        return [(node, conds)]
    f, thr = int(t.feature[node]), float(t.threshold[node])
    return _paths(t, int(t.children_left[node]), [*conds, (f, "<=", thr)]) + _paths(
        t, int(t.children_right[node]), [*conds, (f, ">", thr)]
    )


def _bound(name: str, a: float | None, b: float | None, kind: str) -> str:
    """One factor's interval in words; whole numbers for int factors, true/false for bools."""
    if kind == "bool":
        return f"{name} is {'true' if a is not None else 'false'}"
    if kind == "int":  # x > 4.5 is x >= 5; x <= 4.5 is x <= 4
        lo = None if a is None else math.floor(a) + 1
        hi = None if b is None else math.floor(b)
        if lo is not None and hi is not None:
            return f"{name} = {lo}" if lo == hi else f"{lo} <= {name} <= {hi}"
        return f"{name} >= {lo}" if lo is not None else f"{name} <= {hi}"
    if a is not None and b is not None:
        return f"{a:.4g} < {name} <= {b:.4g}"
    return f"{name} > {a:.4g}" if a is not None else f"{name} <= {b:.4g}"


def _readable(conds: list[tuple[int, str, float]], names: list[str], kinds: dict[str, str]) -> str:
    """Merge a leaf's splits into one bound per factor: ``0.3 < decision.w_peer <= 0.6``."""
    lo: dict[str, float] = {}
    hi: dict[str, float] = {}
    cats: dict[str, list[str]] = {}
    for f, op, thr in conds:
        name = names[f]
        if " = " in name:  # a one-hot text factor: <= 0.5 means "is not"
            p, v = name.split(" = ", 1)
            cats.setdefault(p, []).append(f"is {v}" if op == ">" else f"is not {v}")
        elif op == "<=":
            hi[name] = min(hi.get(name, math.inf), thr)
        else:
            lo[name] = max(lo.get(name, -math.inf), thr)
    parts = [
        _bound(name, lo.get(name), hi.get(name), kinds.get(name, "float"))
        for name in dict.fromkeys(names[f] for f, _, _ in conds)
        if " = " not in name
    ]
    for p, items in cats.items():
        positive = [i for i in items if not i.startswith("is not ")]
        parts.append(f"{p} {positive[0]}" if positive else f"{p} " + " and ".join(items))
    return " and ".join(parts) or "all runs"


def format_boxes(boxes: pd.DataFrame, spec: Discovery) -> str:
    """The discovery table as plain text."""
    what = spec.outcome if spec.op is None else f"{spec.outcome} {spec.op} {spec.value:g}"
    lines = [f"Scenario discovery: where does '{what}' happen?", ""]
    lines.append(f"{'box':>3}  {'runs':>6}  {'density':>7}  {'coverage':>8}  conditions")
    for r in boxes.itertuples(index=False):
        lines.append(
            f"{r.box:>3}  {r.runs:>6}  {r.density:>7.0%}  {r.coverage:>8.0%}  {r.conditions}"
        )
    return "\n".join(lines)
