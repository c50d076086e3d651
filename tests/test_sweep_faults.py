"""Faults during a sweep: dead workers, full or read-only disks, failed writes.

After each: no finished run lost, no duplicate rows, the final files identical to an
uninterrupted sweep's, and a clear message. (Runs that raise, the sweep process killed and
Ctrl-C are in ``test_sweep.py`` and ``test_sweep_resume.py``.)
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from test_sweep_resume import TOTAL, experiment, reference, rows, wait_for_parts  # noqa: F401

from sim.experiment import run_sweep, storage

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc, signals, mounts")


def start(exp: Path, out: Path, *extra: str) -> subprocess.Popen:
    """``escalation sweep`` in its own process group, as a terminal job would run it."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim.cli", "sweep", str(exp), "--out", str(out), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def children(pid: int) -> list[int]:
    """Direct children of a process (from /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # the process ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def workers_of(pid: int, marker: str, timeout: float = 60) -> list[int]:
    """Worker processes under ``pid``: children of a process whose command line has ``marker``
    (the forkserver of a local pool), or children with it themselves (Dask's spawned workers)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        found = []
        for child in children(pid):
            if marker in cmdline(child):
                found += children(child) if marker == "forkserver" else [child]
        if found:
            return found
        time.sleep(0.05)
    pytest.fail(f"no worker processes ({marker}) found under {pid}")


def assert_identical(out: Path, ref: Path) -> None:
    got = rows(out)
    assert got["run_id"].is_unique and len(got) == TOTAL
    pd.testing.assert_frame_equal(got, rows(ref))
    pd.testing.assert_frame_equal(rows(out, "timeseries.parquet"), rows(ref, "timeseries.parquet"))


@pytest.mark.parametrize(
    ("executor", "marker"),
    [("local", "forkserver"), ("dask", "spawn_main")],
)
def test_a_worker_killed_with_sigkill_loses_nothing(
    experiment,  # noqa: F811
    reference,  # noqa: F811
    tmp_path,
    executor,
    marker,
):
    out = tmp_path / "out"
    proc = start(experiment, out, "--workers", "2", "--executor", executor)
    wait_for_parts(proc, out, 2)
    victim = workers_of(proc.pid, marker)[0]
    os.kill(victim, signal.SIGKILL)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr
    assert f"of {TOTAL} runs done (0 failed)" in stdout
    if executor == "local":  # the parent saw the pool break and retried on a fresh one
        assert "retrying" in stderr and "fresh pool" in stderr, stderr
    else:  # Dask's nanny restarted the worker and the scheduler re-ran its tasks
        assert "Restarting worker" in stderr or "killed by signal" in stderr, stderr
    assert_identical(out, reference)
    man = json.loads((out / "manifest.json").read_text())
    assert man["status"] == "complete" and man["counts"]["done"] == TOTAL


def test_a_write_that_fails_stops_cleanly_then_resume_completes(
    experiment,  # noqa: F811
    reference,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    """The disk fills after some parts: the sweep stops, says why; --resume finishes."""
    out = tmp_path / "out"
    real = storage.pq.write_table
    calls = {"n": 0}

    def full_after_ten(table, where, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 10:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(where))
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr(storage.pq, "write_table", full_after_ten)
    report = run_sweep(experiment, out=out, workers=2, progress=False)
    assert report.status == "incomplete" and "No space left on device" in report.error
    assert 0 < report.done < TOTAL
    assert not list((out / "parts").glob(".*")), "no temporary files left behind"
    monkeypatch.setattr(storage.pq, "write_table", real)
    again = run_sweep(experiment, out=out, workers=2, resume=True, progress=False)
    assert again.status == "complete" and again.computed == TOTAL - report.done
    assert_identical(out, reference)


@pytest.fixture
def tmpfs(tmp_path):
    """A small tmpfs mounted for the test (needs root; skipped otherwise)."""
    where = tmp_path / "mnt"
    where.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=160k", "tmpfs", str(where)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield where
    subprocess.run(["umount", "-l", str(where)], check=False)


def remount(where: Path, options: str) -> None:
    subprocess.run(["mount", "-o", f"remount,{options}", str(where)], check=True)


def test_a_full_disk_then_resume(experiment, reference, tmpfs):  # noqa: F811
    """A real full file system: exit 1 with the reason; after more space, --resume completes."""
    out = tmpfs / "out"
    proc = start(experiment, out, "--workers", "2")
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 1, stdout + stderr
    assert "No space left on device" in stdout and "--resume" in stdout
    assert "Traceback" not in stderr
    saved = len(storage.Store(out, None, None).done_ids(TOTAL))
    assert 0 < saved < TOTAL
    remount(tmpfs, "size=20m")
    report = run_sweep(experiment, out=out, workers=2, resume=True, progress=False)
    assert report.status == "complete" and report.computed == TOTAL - saved
    assert_identical(out, reference)


def test_a_read_only_folder_is_refused_then_resume_completes(
    experiment,  # noqa: F811
    reference,  # noqa: F811
    tmpfs,
    run_cli,
):
    out = tmpfs / "out"
    remount(tmpfs, "size=20m")
    proc = start(experiment, out, "--workers", "2")
    wait_for_parts(proc, out, 3)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    saved = len(storage.Store(out, None, None).done_ids(TOTAL))
    remount(tmpfs, "ro")
    result = run_cli("sweep", experiment, "--out", out, "--resume", "--workers", "0")
    assert result.code == 2 and len(result.err_lines) == 1, result.err
    assert "Read-only file system" in result.err and str(out) in result.err
    remount(tmpfs, "rw")
    report = run_sweep(experiment, out=out, workers=2, resume=True, progress=False)
    assert report.status == "complete" and report.computed == TOTAL - saved
    assert_identical(out, reference)


def test_a_pool_that_breaks_at_submission_loses_nothing(experiment, reference, tmp_path):  # noqa: F811
    """The pool may be broken before any future reports it: submit() itself raises."""
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiment.runner import SerialExecutor

    class BreaksOnce(SerialExecutor):
        submitted = 0

        def submit(self, fn, /, *args, **kwargs):
            BreaksOnce.submitted += 1
            if BreaksOnce.submitted == 5:
                raise BrokenProcessPool("A child process terminated abruptly")
            return super().submit(fn, *args, **kwargs)

    out = tmp_path / "out"
    report = run_sweep(experiment, out=out, executor=BreaksOnce(), workers=1, progress=False)
    assert report.status == "incomplete" and report.lost and 0 < report.done < TOTAL
    again = run_sweep(experiment, out=out, workers=0, resume=True, progress=False)
    assert again.status == "complete" and again.computed == TOTAL - report.done
    assert_identical(out, reference)
