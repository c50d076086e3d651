"""Running a sweep: batches of runs on any ``concurrent.futures.Executor``, resumable.

The parent process plans the sweep (:mod:`sim.experiment.plan`), cuts the runs still missing
into batches of consecutive run ids (about a second of work each, so dispatch overhead stays
small), keeps a few batches per worker in flight, and writes each finished batch as a Parquet
part (:mod:`sim.experiment.storage`). Results depend only on the experiment file: each run's
seed is fixed by its index, and the final files are sorted by run id, so the worker count, the
executor, the batch size, and interruptions followed by ``--resume`` change not a byte of them.

Executors: ``serial`` (in this process; ``--workers 0``), ``local`` (a process pool whose
workers fork from a server that has already imported the model), ``dask`` (Dask distributed:
a ``LocalCluster``, or the scheduler at an address), or any ``Executor`` object passed in.
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from sim.errors import RunError, UserError
from sim.experiment import provenance, storage
from sim.experiment.finish import finish, manifest, session
from sim.experiment.plan import Plan, make_plan
from sim.experiment.worker import init_worker, one_line, run_task

TARGET_TASK_SECONDS = 1.0
MAX_TASK = 4096
IN_FLIGHT_PER_WORKER = 3
#: Rounds of retrying the runs of tasks lost to dead workers (a fresh pool each round).
MAX_RETRIES = 3


class SerialExecutor(Executor):
    """Runs each task at submission, in this process (``--workers 0``, and the reference)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future:
        """Run ``fn`` now; return a finished future."""
        future: Future = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as exc:  # noqa: BLE001 - delivered through the future, as a pool would
            future.set_exception(exc)
        return future


@contextlib.contextmanager
def open_executor(kind: str, workers: int, scheduler: str | None = None) -> Iterator[Executor]:
    """An executor of the given kind, shut down on exit."""
    if kind == "serial" or (kind == "local" and workers == 0):
        yield SerialExecutor()
    elif kind == "local":
        ctx = multiprocessing.get_context("forkserver")
        # Workers fork from a server that has imported the model once: cheap, clean starts.
        ctx.set_forkserver_preload(["sim.experiment.worker"])
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=init_worker)
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    elif kind == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise UserError(
                "--executor", "dask", "Dask is not installed: pip install 'distributed'"
            ) from None
        cluster = None
        if scheduler:
            try:
                client = Client(scheduler)
            except (OSError, TimeoutError) as exc:
                raise UserError("--scheduler", scheduler, f"cannot connect: {exc}") from None
        else:
            try:
                cluster = LocalCluster(
                    n_workers=max(workers, 1),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                )
            except (RuntimeError, OSError, TimeoutError) as exc:  # e.g. a worker killed at birth
                raise RunError(
                    "--executor", "dask", f"the local Dask cluster did not start ({exc}); run again"
                ) from None
            client = Client(cluster)
        try:
            yield client.get_executor(pure=False)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    else:
        raise UserError("--executor", "executor", f"unknown executor {kind!r}")


def batches(missing: list[int], size: int) -> list[list[int]]:
    """Consecutive run ids in batches of at most ``size``, never spanning a gap."""
    out: list[list[int]] = []
    for r in missing:
        if out and r == out[-1][-1] + 1 and len(out[-1]) < size:
            out[-1].append(r)
        else:
            out.append([r])
    return out


def batch_size(plan: Plan, missing: int, workers: int) -> int:
    """About a second of work per task, but enough tasks to keep every worker busy."""
    if plan.exp.spec.batch_size is not None:
        return plan.exp.spec.batch_size
    by_time = max(1, round(TARGET_TASK_SECONDS / max(plan.seconds_per_run, 1e-6)))
    by_spread = max(1, math.ceil(missing / (4 * max(workers, 1))))
    return min(by_time, by_spread, MAX_TASK)


@dataclass
class SweepReport:
    """What a sweep did."""

    out: Path
    name: str
    total: int
    done: int
    failed: int
    computed: int
    seconds: float
    status: str  # complete | interrupted | incomplete
    executor: str
    workers: int
    batch: int
    outputs: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    discovery: str = ""
    error: str = ""  # why the sweep stopped early (a failed write), if it did


@dataclass
class Outcome:
    """What one call of :func:`execute` did."""

    computed: int = 0
    failed: int = 0
    interrupted: bool = False
    lost: list[str] = field(default_factory=list)  # tasks whose runs stay missing, and why
    broken: bool = False  # the process pool died (a worker was killed)
    write_error: str = ""  # a result that could not be written: the sweep stops


def execute(
    plan: Plan,
    store: storage.Store,
    executor: Executor,
    todo: list[list[int]],
    in_flight: int,
    bar: tqdm,
) -> Outcome:
    """Run the batches; write each as it finishes.

    A task lost to a dead worker leaves its runs missing (the caller retries them); a write
    that fails (disk full, read-only folder) stops the sweep, keeping every part already
    written; Ctrl-C flushes what finishes within a few seconds.
    """
    res = Outcome()
    pending: dict[Future, list[int]] = {}
    queue = iter(todo)

    def handle(fut: Future) -> None:
        ids = pending.pop(fut)
        try:
            result = fut.result()
        except Exception as exc:  # noqa: BLE001 - a lost task: its runs stay missing
            res.lost.append(f"runs {ids[0]}-{ids[-1]}: {one_line(exc, limit=300)}")
            res.broken = res.broken or isinstance(exc, BrokenProcessPool)
            return
        if res.write_error:
            return  # nothing more is written once a write has failed
        try:
            store.write(ids[0], ids[-1], result.runs, result.series)
        except OSError as exc:
            res.write_error = f"cannot write {exc.filename or store.parts}: {exc.strerror or exc}"
            return
        bad = result.failed
        res.computed, res.failed = res.computed + len(ids), res.failed + bad
        bar.update(len(ids))
        if bad:
            bar.set_postfix(failed=res.failed)

    def fill() -> None:
        while not (res.broken or res.write_error) and len(pending) < in_flight:
            ids = next(queue, None)
            if ids is None:
                return
            try:
                future = executor.submit(run_task, plan.task(ids))
            except BrokenProcessPool as exc:  # a worker died before its future said so
                res.lost.append(f"runs {ids[0]}-{ids[-1]}: {one_line(exc, limit=300)}")
                res.broken = True
                return
            pending[future] = ids

    try:
        fill()
        while pending:
            done, _ = wait(list(pending), return_when=FIRST_COMPLETED)
            for fut in done:
                handle(fut)
            if res.write_error:
                for fut in list(pending):  # let running tasks end; their runs stay missing
                    fut.cancel()
                    pending.pop(fut)
                break
            fill()
    except KeyboardInterrupt:
        for fut in list(pending):
            fut.cancel()
        with contextlib.suppress(KeyboardInterrupt):
            # Running tasks end within about a second: flush what finishes, drop the rest.
            wait([f for f in pending if not f.cancelled()], timeout=10)
            for fut in [f for f in pending if f.done() and not f.cancelled()]:
                handle(fut)
        res.interrupted = True
    return res


def run_sweep(
    experiment: str | Path,
    *,
    out: str | Path | None = None,
    workers: int | None = None,
    executor: str | Executor = "local",
    scheduler: str | None = None,
    resume: bool = False,
    quick: bool = False,
    progress: bool | None = None,
    command: list[str] | None = None,
) -> SweepReport:
    """Run (or resume) the sweep of an experiment file; write the results folder.

    Args:
        experiment: path of an experiment TOML, or the name of a bundled experiment.
        out: results folder (default ``results/NAME``, ``results/NAME-quick`` with ``quick``).
        workers: worker processes (default: all cores; 0 runs serially in this process).
        executor: ``"local"``, ``"dask"``, ``"serial"``, or any ``concurrent.futures.Executor``.
        scheduler: address of a Dask scheduler (with ``executor="dask"``).
        resume: continue the sweep in ``out``, computing only the runs not yet written.
        quick: the experiment's ``--quick`` version (fewer points and replicates).
        progress: show a progress bar (None: only on a terminal).
        command: the command line to record (default ``sys.argv``).

    Raises:
        UserError: a bad experiment file or results folder (nothing is written then).

    """
    workers = (os.cpu_count() or 1) if workers is None else workers
    if workers < 0:
        raise UserError("--workers", "workers", f"must be 0 or more, got {workers}")
    plan = make_plan(str(experiment), quick)
    spec = plan.exp.spec
    out_dir = Path(out) if out else Path("results") / (spec.name + ("-quick" if quick else ""))
    old = _check_out(out_dir, resume, plan)
    store = storage.Store(out_dir, plan.runs_schema(), plan.series_schema())
    missing = store.missing_ids(plan.n_runs)
    size = batch_size(plan, len(missing), workers)
    kind = executor if isinstance(executor, str) else type(executor).__name__
    t0 = time.perf_counter()
    in_flight = max(workers, 1) * IN_FLIGHT_PER_WORKER
    pool = _Pool(executor, workers, scheduler)
    # The executor first: a scheduler that cannot be reached leaves nothing written.
    ex = pool.open()
    try:
        try:
            store.prepare()
            started = provenance.now()
            man = manifest(plan, old, command or sys.argv, started)
            man["sessions"].append(session(started, kind, workers, size, len(missing)))
            storage.write_json(out_dir / "manifest.json", man)
        except OSError as exc:
            raise UserError(str(out_dir), "--out", f"cannot write: {exc.strerror or exc}") from None
        bar = tqdm(
            total=plan.n_runs,
            initial=plan.n_runs - len(missing),
            unit="run",
            desc=spec.name,
            disable=None if progress is None else not progress,
            dynamic_ncols=True,
            file=sys.stderr,
        )
        with bar:
            last = execute(plan, store, ex, batches(missing, size), in_flight, bar)
            computed, lost = last.computed, list(last.lost)
            for attempt in range(1, MAX_RETRIES + 1):
                if not last.lost or last.interrupted or last.write_error:
                    break
                if last.broken and not pool.renewable:
                    break
                again = store.missing_ids(plan.n_runs)
                bar.write(
                    f"escalation: {len(last.lost)} tasks lost ({last.lost[0]}); retrying "
                    f"{len(again)} runs on {'a fresh pool' if last.broken else 'the pool'} "
                    f"(attempt {attempt} of {MAX_RETRIES})",
                    file=sys.stderr,
                )
                if last.broken:
                    ex = pool.renew()
                last = execute(plan, store, ex, batches(again, size), in_flight, bar)
                computed += last.computed
                lost += last.lost
    finally:
        pool.close()
    report = SweepReport(
        out=out_dir,
        name=spec.name,
        total=plan.n_runs,
        done=0,
        failed=0,
        computed=computed,
        seconds=time.perf_counter() - t0,
        status="",
        executor=kind,
        workers=workers,
        batch=size,
        lost=lost if last.lost else [],
        error=last.write_error,
    )
    return finish(plan, store, man, report, last.interrupted, retried=lost)


class _Pool:
    """The sweep's executor; a local process pool is replaced when a worker dies."""

    def __init__(self, executor: str | Executor, workers: int, scheduler: str | None) -> None:
        self.spec, self.workers, self.scheduler = executor, workers, scheduler
        self._stack: contextlib.ExitStack | None = None

    @property
    def renewable(self) -> bool:
        """Whether a broken pool can be replaced (only pools this sweep made)."""
        return self.spec == "local" and self.workers > 0

    def open(self) -> Executor:
        if isinstance(self.spec, Executor):
            return self.spec
        self._stack = contextlib.ExitStack()
        return self._stack.enter_context(open_executor(self.spec, self.workers, self.scheduler))

    def renew(self) -> Executor:
        self.close()
        return self.open()

    def close(self) -> None:
        if self._stack is not None:
            stack, self._stack = self._stack, None
            stack.close()


def _check_out(out: Path, resume: bool, plan: Plan) -> dict[str, Any] | None:
    """The previous manifest when resuming; refuse to mix or overwrite results."""
    if out.exists() and not out.is_dir():
        raise UserError(str(out), "--out", "exists and is not a directory")
    old = storage.read_manifest(out)
    if resume:
        if old is None:
            raise UserError(str(out), "--resume", "no sweep to resume here (no manifest.json)")
        if old.get("spec_hash") != plan.spec_hash():
            raise UserError(
                str(out / "manifest.json"),
                "spec_hash",
                "these results come from a different experiment, scenario or package version; "
                "use another --out",
            )
        return old
    if old is not None or (out / storage.PARTS).exists():
        raise UserError(str(out), "--out", "holds results already: add --resume, or another --out")
    return None


def format_report(r: SweepReport) -> str:
    """What the ``sweep`` command prints at the end."""
    rate = f", {r.computed / r.seconds:.1f} runs/s" if r.seconds and r.computed else ""
    lines = [
        f"{r.name}: {r.done} of {r.total} runs done ({r.failed} failed); this session computed "
        f"{r.computed} in {r.seconds:.1f} s{rate} ({r.executor}, {r.workers} workers, "
        f"{r.batch} runs per task)",
    ]
    for msg in r.lost[:5]:
        lines.append(f"lost task: {msg}")
    if r.error:
        lines.append(f"stopped: {r.error}; every run finished before it is saved")
    if r.status == "complete":
        lines.append(f"results in {r.out}/: {', '.join(['manifest.json', *r.outputs])}")
        lines.append(f'load with: pandas.read_parquet("{r.out / "runs.parquet"}")')
        if r.failed:
            lines.append(f"{r.failed} runs failed: see their 'error' column in runs.parquet")
    else:
        lines.append(f"{r.status}: continue with the same command and --resume (--out {r.out})")
    if r.discovery:
        lines += ["", r.discovery]
    return "\n".join(lines)
