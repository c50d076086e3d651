"""The backtest against the observed notices, its scores and the calibration (issue 3)."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest

from sim import backtest as bt
from sim import calibration, load_scenario
from sim.rng import run_seeds

ROOT = Path(__file__).resolve().parent.parent
OBSERVED = ROOT / "scenarios" / "data" / "europe" / "observed.csv"
EXPERIMENT = ROOT / "experiments" / "calibration-europe.toml"

# --------------------------------------------------------------------------- scores by hand


def test_auc_by_hand():
    # Positives 0.9, 0.3; negatives 0.8, 0.1: pairs won 0.9>0.8, 0.9>0.1, 0.3>0.1 -> 3 of 4.
    assert bt.auc([0.9, 0.8, 0.3, 0.1], [1, 0, 1, 0]) == 0.75
    assert bt.auc([0.5, 0.5, 0.5], [1, 0, 0]) == 0.5, "ties count one half"
    assert bt.auc([0.2, 0.6, 0.6], [1, 1, 0]) == 0.25, "one tie (1/2) and one loss of two pairs"
    assert bt.auc([0.9, 0.1], [1, 0]) == 1.0
    assert bt.auc([0.3, 0.1], [0, 0]) is None, "undefined without positives"
    assert bt.auc([0.3, 0.1], [1, 1]) is None, "undefined without negatives"


def test_brier_by_hand():
    assert bt.brier([1.0, 0.0, 0.5], [1, 1, 0]) == pytest.approx((0 + 1 + 0.25) / 3)
    assert bt.brier([0.0, 0.0], [0, 0]) == 0.0


def test_log_likelihood_by_hand():
    # runs = 10: p = 0 becomes 0.5/11, p = 1 becomes 10.5/11.
    got = bt.log_likelihood([0.0, 1.0], [0, 1], runs=10)
    assert got == pytest.approx(math.log(10.5 / 11))
    assert bt.log_likelihood([0.0], [1], runs=10) == pytest.approx(math.log(0.5 / 11))


def test_periods_by_hand():
    # 4 runs, one state, one treaty: first notices in months 3, 10, inf, 10; periods end 5, 12.
    months = np.array([3.0, 10.0, np.inf, 10.0]).reshape(4, 1, 1)
    p = bt.period_probabilities(months, [5, 12])
    assert p[0, 0].tolist() == [0.25, 0.5, 0.25]
    y = bt.period_outcomes({"t": {"A": 11}}, ["A"], ["t"], [5, 12])
    assert y[0, 0].tolist() == [0.0, 1.0, 0.0]
    mask = np.ones((1, 1), dtype=bool)
    raw = 0.25**2 + 0.5**2 + 0.25**2
    noise = (0.25 * 0.75 + 0.5 * 0.5 + 0.25 * 0.75) / 3
    assert bt.period_score(p, y, mask, 4, "brier") == pytest.approx(raw - noise)
    q = (0.5 * 4 + 0.5) / (4 + 1.5)
    assert bt.period_score(p, y, mask, 4, "log_likelihood") == pytest.approx(-math.log(q))


def test_period_brier_noise_correction_is_unbiased():
    # The corrected score of shares of R runs averages to the score of the true probabilities.
    rng = np.random.default_rng(1)
    true = np.array([0.1, 0.3, 0.6])
    y = np.array([[[0.0, 1.0, 0.0]]])
    mask = np.ones((1, 1), dtype=bool)
    runs = 5
    draws = rng.multinomial(runs, true, size=40_000) / runs
    got = np.mean([bt.period_score(d.reshape(1, 1, 3), y, mask, runs) for d in draws[:4000]])
    exact = float(((true - y[0, 0]) ** 2).sum())
    assert got == pytest.approx(exact, abs=0.01)


def test_median_first_by_hand():
    months = np.array([[[2.0], [np.inf]], [[7.0], [5.0]], [[np.inf], [9.0]]])  # runs, states, 1
    assert bt.median_first(months, 0, 8) == [5]
    assert bt.median_first(months, 0, 4) == [None], "most runs have no notice by month 4"


# --------------------------------------------------------------------------- observations


def test_observed_notices_and_sources():
    with OBSERVED.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    by = {(r["treaty"], r["iso3"]): r for r in rows}
    assert {c for t, c in by if t == "ottawa"} == {"EST", "LVA", "LTU", "FIN", "POL", "UKR"}
    assert {c for t, c in by if t == "cmc"} == {"LTU"}
    assert by[("ottawa", "UKR")]["event"] == "suspension_notified"
    assert by[("cmc", "LTU")]["date"] == "2024-09-06"
    assert all(r["source"].startswith("http") for r in rows)
    # Observed notices are outcomes, never inputs: no scenario schedules them.
    sc = load_scenario("europe-2022")
    assert not [ev for ev in [*sc.events, *sc.interventions] if ev.kind == "notice"]


def test_bad_observed_file(tmp_path, run_cli):
    bad = tmp_path / "observed.csv"
    bad.write_text("iso3,treaty,date,source\nXXX,ottawa,2025-06-27,http://x\n", encoding="utf-8")
    res = run_cli("backtest", "--runs", "1", "--observed", bad)
    assert res.code == 2 and res.err == f"escalation: {bad}: line 2.iso3: unknown state 'XXX'\n"


# --------------------------------------------------------------------------- the backtest


@pytest.fixture(scope="module")
def quick_backtest(run_cli):
    res = run_cli("backtest", "--runs", "6", "--seed", "3", "--json")
    assert res.code == 0, res.err
    return json.loads(res.out)


def test_backtest_json_schema(quick_backtest):
    out = quick_backtest
    keys = {"window", "runs", "observed", "probabilities", "auc", "brier", "median_first_notice"}
    assert keys <= set(out)
    assert out["window"] == ["2022-02", "2025-08"] and out["runs"] == 6
    assert sorted(out["observed"]["ottawa"]) == ["EST", "FIN", "LTU", "LVA", "POL", "UKR"]
    assert out["observed"]["cmc"] == ["LTU"]
    assert set(out["auc"]) == set(out["brier"]) == {"ottawa", "cmc"}
    for t in ("ottawa", "cmc"):
        assert out["auc"][t] is None or 0.0 <= out["auc"][t] <= 1.0
        assert 0.0 <= out["brier"][t] <= 1.0
        m = out["median_first_notice"][t]
        assert m is None or (len(m) == 7 and m[4] == "-")


def test_backtest_probabilities(quick_backtest):
    probs = quick_backtest["probabilities"]
    assert len(probs) == 53
    for code, per in probs.items():
        for t, p in per.items():
            assert p is None or 0.0 <= p <= 1.0, (code, t, p)
    assert probs["RUS"] == {"ottawa": None, "cmc": None}, "non-parties are not scored"
    assert probs["POL"]["cmc"] is None and probs["POL"]["ottawa"] is not None
    # Six runs: every probability is a multiple of 1/6.
    assert all(abs(p * 6 - round(p * 6)) < 1e-9 for v in probs.values() for p in v.values() if p)


def test_backtest_is_seeded(run_cli):
    a = run_cli("backtest", "--runs", "3", "--seed", "11", "--json", "--engine", "agents")
    b = run_cli("backtest", "--runs", "3", "--seed", "11", "--json")
    assert a.code == b.code == 0
    ja, jb = json.loads(a.out), json.loads(b.out)
    assert ja["engine"] == "agents"
    ja.pop("engine"), jb.pop("engine")
    assert ja == jb, "same seed, same probabilities, whichever engine"


def test_backtest_table(run_cli):
    res = run_cli("backtest", "--runs", "2", "--seed", "1")
    assert res.code == 0 and "AUC" in res.out and "Brier" in res.out and "ottawa" in res.out


# --------------------------------------------------------------------------- calibration


def test_lhs_is_seeded_and_stratified():
    bounds = {"a": [0.0, 1.0], "b": [10.0, 20.0]}
    pts = calibration.lhs(bounds, 8, seed=5)
    assert pts == calibration.lhs(bounds, 8, seed=5)
    for key, (lo, hi) in bounds.items():
        strata = sorted(int((p[key] - lo) / (hi - lo) * 8) for p in pts)
        assert strata == list(range(8)), "one point per stratum of every parameter"


def test_calibrate_quick_json(run_cli):
    res = run_cli("backtest", "--calibrate", EXPERIMENT, "--quick", "--json")
    assert res.code == 0, res.err
    out = json.loads(res.out)
    assert set(out["best"]["params"]) == set(out["parameters"])
    for key, value in out["best"]["params"].items():
        lo, hi = out["parameters"][key]
        assert lo <= value <= hi
    assert len(out["points"]) == calibration.QUICK["samples"]
    oos = out["out_of_sample"]
    assert oos["treaty"]["held_out"] == ["cmc"] and set(oos["treaty"]["auc"]) == {"cmc"}
    assert oos["time"]["score_window"] == ["2025-04", "2025-08"]
    assert set(out["best"]["auc"]) == {"ottawa", "cmc"}
    assert out["toml"].splitlines()[1].split(" = ")[0] in out["parameters"]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('name = "x"\nfit = ["ottawa"]\n[parameters]\n"decision.w_peer" = [0, 1]\nbogus = 1\n',
         "parameters.bogus: "),
        ('name = "x"\nfit = ["ottawa"]\nsamples = 0\n[parameters]\n"decision.noise" = [0.0, 1.0]\n',
         "samples: "),
        ('name = "x"\nfit = ["ottawa"]\n[parameters]\n"decision.w_peer" = [1.0, 0.0]\n',
         "parameters.decision.w_peer: need low < high"),
        ('name = "x"\nfit = ["ottawa"]\n[parameters]\n"decision.w_bogus" = [0.0, 1.0]\n',
         "parameters.decision.w_bogus: unknown key"),
        ('name = "x"\nfit = ["ottawa"]\n[parameters]\n"decision.noise" = [-1.0, 1.0]\n',
         "parameters.decision.noise: "),
        ('name = "x"\nfit = ["nato"]\n[parameters]\n"decision.noise" = [0.0, 1.0]\n',
         "fit.0: unknown treaty"),
        ('name = "x"\nfit = ["ottawa"]\nextra = 1\n[parameters]\n"decision.noise" = [0.0, 1.0]\n',
         "extra: unknown key"),
    ],
)  # fmt: skip
def test_bad_experiment_one_line(tmp_path, run_cli, text, message):
    path = tmp_path / "exp.toml"
    path.write_text(text, encoding="utf-8")
    res = run_cli("backtest", "--calibrate", path, "--quick")
    assert res.code == 2 and res.out == ""
    assert len(res.err_lines) == 1 and res.err.startswith(f"escalation: {path}: {message}"), res.err


# --------------------------------------------------------------------------- runs


def test_run_seeds_keyed_by_index():
    assert run_seeds(7, 5)[:3] == run_seeds(7, 3)
    assert len(set(run_seeds(7, 50))) == 50 and run_seeds(7, 2) != run_seeds(8, 2)


def test_simulate_is_the_same_on_both_engines():
    sc = load_scenario("europe-2022")
    seeds = run_seeds(5, 3)
    agents, used_a = bt.simulate(sc, seeds, 30, engine="agents")
    vectorized, used_v = bt.simulate(sc, seeds, 30, engine="vectorized")
    assert (used_a, used_v) == ("agents", "vectorized")
    assert np.array_equal(agents, vectorized)
    assert np.isfinite(agents).any(), "some state gave notice within 30 months"
