"""``escalation sweep --resume`` after the sweep process is killed or interrupted mid-way."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiment import run_sweep

pytestmark = pytest.mark.skipif(os.name != "posix", reason="process groups and signals")

# 4 points x 20 replicates of a 12-month Europe run, 2 runs per part: 40 parts.
EXPERIMENT = """
name = "resume"
scenario = "europe-2022"
months = 12
replicates = 20
seed = 11
batch_size = 2

[levers."decision.w_peer"]
values = [0.3, 0.5, 0.7, 0.9]

[outcomes.series]
columns = ["ottawa_notice"]
every = 6
"""
TOTAL = 80


def rows(out: Path, name: str = "runs.parquet") -> pd.DataFrame:
    return pd.read_parquet(out / name)


@pytest.fixture(scope="module")
def experiment(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("resume") / "resume.toml"
    path.write_text(EXPERIMENT, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reference(experiment, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("reference") / "out"
    assert run_sweep(experiment, out=out, workers=0, progress=False).status == "complete"
    return out


def start_sweep(experiment: Path, out: Path) -> subprocess.Popen:
    """The sweep in its own process group (its pool workers too), like a terminal job."""
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sim.cli",
            "sweep",
            str(experiment),
            "--out",
            str(out),
            "--workers",
            "2",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def wait_for_parts(proc: subprocess.Popen, out: Path, parts: int, timeout: float = 90) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = list((out / "parts").glob("runs-*.parquet")) if (out / "parts").exists() else []
        if len(found) >= parts:
            return
        if proc.poll() is not None:
            pytest.fail(f"the sweep ended before {parts} parts: {proc.stderr.read()}")
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)
    pytest.fail("no parts written in time")


def done_runs(out: Path) -> int:
    return sum(len(pd.read_parquet(p)) for p in (out / "parts").glob("runs-*.parquet"))


def test_resume_after_kill(experiment, reference, tmp_path):
    out = tmp_path / "out"
    proc = start_sweep(experiment, out)
    wait_for_parts(proc, out, 3)
    os.killpg(proc.pid, signal.SIGKILL)  # no chance to flush or write anything more
    proc.wait(timeout=30)
    done = done_runs(out)
    assert 0 < done < TOTAL, "the sweep must be killed mid-way for this test to mean anything"
    assert not (out / "runs.parquet").exists()
    report = run_sweep(experiment, out=out, workers=2, resume=True, progress=False)
    assert report.status == "complete" and report.done == TOTAL
    assert report.computed == TOTAL - done  # only the missing runs
    pd.testing.assert_frame_equal(rows(out), rows(reference))
    pd.testing.assert_frame_equal(
        rows(out, "timeseries.parquet"), rows(reference, "timeseries.parquet")
    )
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and len(man["sessions"]) == 2


def test_ctrl_c_flushes_then_resume(experiment, reference, tmp_path):
    out = tmp_path / "out"
    proc = start_sweep(experiment, out)
    wait_for_parts(proc, out, 3)
    os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground group
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "interrupted"
    done = done_runs(out)
    assert man["counts"]["done"] == done and 0 < done < TOTAL
    report = run_sweep(experiment, out=out, workers=2, resume=True, progress=False)
    assert report.status == "complete" and report.computed == TOTAL - done
    pd.testing.assert_frame_equal(rows(out), rows(reference))
