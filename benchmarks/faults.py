"""Fault injection at scale: kill workers and the sweep itself, resume, count what was lost.

    python benchmarks/faults.py [--runs 400] [--kills 6] [--executor local|dask] [--json FILE]

Runs one experiment three ways: serially (the reference), then on a 2-worker pool while this
script SIGKILLs a worker process every few seconds (``--kills`` times), SIGKILLs the whole sweep
once half-way and restarts it with ``--resume``, and finally compares the results with the
reference: rows lost, duplicated and different must all be 0. Prints (and with ``--json``
writes) the figures quoted in docs/robustness.md.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

EXPERIMENT = """
name = "faults"
scenario = "europe-2022"
months = 24
replicates = {replicates}
seed = 99
batch_size = 4

[levers."decision.w_peer"]
values = [0.3, 0.5, 0.7, 0.9]

[outcomes.series]
columns = ["ottawa_notice"]
every = 6
"""


def sweep(exp: Path, out: Path, *extra: str) -> subprocess.Popen:
    """Start ``escalation sweep`` in its own session (so the whole sweep can be killed)."""
    cmd = [sys.executable, "-m", "sim.cli", "sweep", str(exp), "--out", str(out), *extra]
    return subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def children(pid: int) -> list[int]:
    """The direct children of a process (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return out


def cmdline(pid: int) -> str:
    """A process's command line (empty if it is gone)."""
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def workers(pid: int, executor: str) -> list[int]:
    """The worker processes of a sweep: Dask's spawned workers, or the fork server's children."""
    if executor == "dask":
        return [c for c in children(pid) if "spawn_main" in cmdline(c)]
    return [w for c in children(pid) if "forkserver" in cmdline(c) for w in children(c)]


def parts_done(out: Path) -> int:
    """How many Parquet parts the sweep has written."""
    parts = out / "parts"
    return sum(1 for _ in parts.glob("runs-*.parquet")) if parts.is_dir() else 0


def main(argv: list[str] | None = None) -> int:
    """Reference sweep, faulty sweep with kills and a resume, comparison; 0 if nothing lost."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400, help="runs in the sweep (multiple of 4)")
    ap.add_argument("--kills", type=int, default=6, help="workers to SIGKILL")
    ap.add_argument("--executor", choices=["local", "dask"], default="local")
    ap.add_argument("--json", type=Path, help="write the figures here")
    args = ap.parse_args(argv)
    rng = random.Random(1)
    tmp = Path(tempfile.mkdtemp(prefix="faults-"))
    exp = tmp / "faults.toml"
    exp.write_text(EXPERIMENT.format(replicates=max(args.runs // 4, 1)), encoding="utf-8")
    total = max(args.runs // 4, 1) * 4

    t0 = time.perf_counter()
    ref = tmp / "reference"
    subprocess.run(
        [sys.executable, "-m", "sim.cli", "sweep", str(exp), "--out", str(ref), "--workers", "0"],
        check=True,
        capture_output=True,
    )
    print(f"reference: {total} runs serially in {time.perf_counter() - t0:.0f} s")

    out = tmp / "faulty"
    extra = ("--workers", "2", "--executor", args.executor)
    proc = sweep(exp, out, *extra)
    killed = sweeps_killed = resumes = 0
    total_parts = total // 4
    killed_sweep = False
    while True:
        if proc.poll() is not None:
            if proc.returncode == 0:
                break
            if not killed_sweep or resumes:
                tail = (proc.stdout.read() + proc.stderr.read()).strip().splitlines()[-3:]
                print(f"sweep exited {proc.returncode}: {' | '.join(tail)}", file=sys.stderr)
            resumes += 1
            if resumes > 10:
                print(proc.stderr.read(), file=sys.stderr)
                return 1
            proc = sweep(exp, out, *extra, "--resume")
            continue
        done = parts_done(out)
        if not killed_sweep and done >= total_parts // 2:
            os.killpg(proc.pid, signal.SIGKILL)  # the whole sweep, no chance to flush
            proc.wait()
            killed_sweep, sweeps_killed = True, sweeps_killed + 1
            continue
        if killed < args.kills and done >= (killed + 1) * total_parts // (args.kills + 2):
            victims = workers(proc.pid, args.executor)
            if victims:
                os.kill(rng.choice(victims), signal.SIGKILL)
                killed += 1
        time.sleep(0.05)
    stderr = proc.stderr.read()

    got = pd.read_parquet(out / "runs.parquet")
    want = pd.read_parquet(ref / "runs.parquet")
    lost = len(set(want["run_id"]) - set(got["run_id"]))
    duplicated = int(got["run_id"].duplicated().sum())
    got_sorted = got.drop_duplicates("run_id").set_index("run_id").sort_index()
    want_sorted = want.set_index("run_id").sort_index()
    common = want_sorted.index.intersection(got_sorted.index)
    different = sum(
        not want_sorted.loc[common, c].equals(got_sorted.loc[common, c]) for c in want_sorted
    )
    ts_equal = pd.read_parquet(out / "timeseries.parquet").equals(
        pd.read_parquet(ref / "timeseries.parquet")
    )
    figures = {
        "executor": args.executor,
        "runs": total,
        "workers_killed": killed,
        "sweep_processes_killed": sweeps_killed,
        "resumes": resumes,
        "retry_messages": stderr.count("retrying"),
        "rows_lost": lost,
        "rows_duplicated": duplicated,
        "columns_different": different,
        "timeseries_identical": bool(ts_equal),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    print(json.dumps(figures, indent=2))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0 if lost == duplicated == different == 0 and ts_equal else 1


if __name__ == "__main__":
    sys.exit(main())
