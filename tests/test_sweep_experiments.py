"""The bundled experiments (experiments/*.toml) in their ``--quick`` versions, as CI runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment.spec import bundled_experiments_dir

BUNDLED = ["article20", "credibility-vs-threat", "remedies", "cascade-window", "sensitivity"]


@pytest.fixture(scope="module")
def quick(tmp_path_factory, run_cli):
    """Run each bundled experiment's --quick version once (serially, in this process)."""
    done: dict[str, Path] = {}

    def get(name: str) -> Path:
        if name not in done:
            out = tmp_path_factory.mktemp(name) / "out"
            res = run_cli("sweep", name, "--quick", "--out", out, "--workers", "0")
            assert res.code == 0, res.err
            assert "results in" in res.out
            done[name] = out
        return done[name]

    return get


def test_bundled_files_are_there():
    for name in BUNDLED:
        assert (bundled_experiments_dir() / f"{name}.toml").is_file()


@pytest.mark.parametrize("name", BUNDLED)
def test_quick_version_runs(quick, name):
    out = quick(name)
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["experiment"]["quick"] is True
    runs = pd.read_parquet(out / "runs.parquet")
    design = man["design"]
    assert len(runs) == man["counts"]["runs"] == design["points"] * design["replicates"]
    assert (runs["status"] == "ok").all(), runs.loc[runs["status"] != "ok", "error"].tolist()
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["point"]) == set(runs["point"])
    # (first_)notice_month is missing in runs without a notice
    assert summary["n"].le(man["design"]["replicates"]).all()
    always = summary[~summary["outcome"].str.endswith("notice_month")]
    assert always["n"].eq(man["design"]["replicates"]).all()


def test_article20_varies_both_rules(quick):
    runs = pd.read_parquet(quick("article20") / "runs.parquet")
    assert sorted(runs["notice_months"].unique()) == [0, 3, 6, 12]
    assert sorted(runs["conflict_clause"].unique()) == [False, True]
    assert {"treaties.ottawa.blocked", "ottawa_notices_by_36", "regional_cascade"} <= set(runs)
    assert (quick("article20") / "timeseries.parquet").is_file()
    assert (quick("article20") / "discovery.csv").is_file()


def test_remedies_labels_and_common_seeds(quick):
    runs = pd.read_parquet(quick("remedies") / "runs.parquet")
    assert list(runs.groupby("point")["label"].first()) == [
        "baseline",
        "mediation",
        "humanitarian advocacy",
        "unified alliance policy",
    ]
    assert runs.groupby("replicate")["seed"].nunique().eq(1).all()


def test_sensitivity_writes_sobol_indices(quick):
    sens = pd.read_csv(quick("sensitivity") / "sensitivity.csv")
    assert {"outcome", "parameter", "S1", "S1_conf", "ST", "ST_conf"} <= set(sens.columns)
    assert set(sens["parameter"]) == {
        "decision.w_threat",
        "decision.w_peer",
        "decision.w_norm",
        "states.defaults.threshold",
        "states.defaults.threshold_spread",
    }


def test_cascade_window_finds_the_window(quick):
    boxes = pd.read_csv(quick("cascade-window") / "discovery.csv")
    assert "network.mean_degree" in boxes.iloc[0]["conditions"]


def test_dask_command_line_gives_the_same_rows(quick, run_cli, tmp_path):
    pytest.importorskip("distributed")
    res = run_cli(
        "sweep",
        "remedies",
        "--quick",
        "--executor",
        "dask",
        "--workers",
        "1",
        "--out",
        tmp_path / "out",
    )
    assert res.code == 0, res.err
    for name in ("runs.parquet", "summary.csv"):
        ours, ref = tmp_path / "out" / name, quick("remedies") / name
        assert ours.read_bytes() == ref.read_bytes(), name
