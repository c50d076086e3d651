"""The end of a sweep: the manifest, the final Parquet files and the analysis files."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from sim.experiment import analysis, provenance, storage
from sim.experiment.designs import DESIGN_SPAWN_KEY, DesignPoints, expand
from sim.experiment.spec import Experiment, ExperimentFile

if TYPE_CHECKING:
    from sim.experiment.plan import Plan
    from sim.experiment.runner import SweepReport

MANIFEST_VERSION = 1
SEED_RULE = (
    "run r = point * replicates + k; seed = SeedSequence(root, spawn_key=(k,))"
    ".generate_state(1, uint64)[0]: replicate k of every point shares its seed"
)


def manifest(
    plan: Plan, old: dict[str, Any] | None, command: list[str], started: str
) -> dict[str, Any]:
    """The manifest at the start of a session (a resumed sweep keeps its history)."""
    if old is not None:
        old["status"] = "running"
        return old
    exp, spec = plan.exp, plan.exp.spec
    return {
        "schema_version": MANIFEST_VERSION,
        "experiment": {
            "name": spec.name,
            "description": spec.description,
            "file": str(exp.path.resolve()),
            "quick": exp.quick,
            "spec": spec.model_dump(mode="json"),
        },
        "spec_hash": plan.spec_hash(),
        "scenario": {
            "reference": plan.context.scenario,
            "resolved": plan.base.model_dump(mode="json", exclude_none=True),
        },
        "design": {
            "kind": plan.design.kind,
            "points": len(plan.design),
            "replicates": plan.replicates,
            "runs": plan.n_runs,
            "factors": [
                {
                    "name": f.name,
                    "section": f.section,
                    "keys": f.keys,
                    **f.spec.model_dump(exclude_none=True, exclude={"keys"}),
                }
                for f in plan.design.factors
            ],
        },
        "columns": {"params": plan.params, "outcomes": plan.outcomes, "label": plan.label},
        "engine": spec.engine,
        "months": spec.months,
        "seeds": {"root": spec.seed, "rule": SEED_RULE, "replicates": plan.seeds},
        "versions": provenance.versions(),
        "git": provenance.git_commit(),
        "command": list(command),
        "started": started,
        "finished": None,
        "status": "running",
        "counts": {"runs": plan.n_runs, "done": 0, "failed": 0},
        "outputs": [],
        "sessions": [],
    }


def session(started: str, executor: str, workers: int, batch: int, missing: int) -> dict:
    """One session of a sweep (the first run, or a ``--resume``)."""
    return {
        "started": started,
        "command": list(sys.argv),
        "executor": executor,
        "workers": workers,
        "batch_size": batch,
        "runs_to_compute": missing,
    }


def _failed(store: storage.Store) -> int:
    # Counted from the parts on disk, so a killed session's runs are counted too.
    return sum(
        int(
            pq.read_table(store.parts / f"runs-{a:09d}-{b:09d}.parquet", columns=["status"])
            .column("status")
            .to_pandas()
            .ne("ok")
            .sum()
        )
        for a, b in store.done()
    )


def analysis_seed(root: int) -> int:
    """The seed of SALib's bootstrap confidence intervals (fixed by the root seed)."""
    ss = np.random.SeedSequence(int(root), spawn_key=(*DESIGN_SPAWN_KEY, 2))
    return int(ss.generate_state(1)[0])


def write_analysis(
    out: Path,
    spec: Experiment,
    design: DesignPoints,
    params: dict[str, str],
    outcomes: dict[str, str],
    label: bool,
) -> tuple[list[str], str]:
    """Write summary.csv, sensitivity.csv and discovery.csv; returns (files, boxes text)."""
    runs = pd.read_parquet(out / "runs.parquet")
    files = ["summary.csv"]
    storage.write_csv(out / "summary.csv", analysis.summarize(runs, list(params), outcomes, label))
    if design.kind in ("sobol", "morris"):
        sens = analysis.sensitivity(
            design,
            runs,
            outcomes,
            analysis_seed(spec.seed),
            spec.design.second_order,
            spec.design.levels,
        )
        storage.write_csv(out / "sensitivity.csv", sens)
        files.append("sensitivity.csv")
    text = ""
    if spec.discovery is not None:
        boxes = analysis.discover(runs, params, spec.discovery)
        storage.write_csv(out / "discovery.csv", boxes)
        files.append("discovery.csv")
        text = analysis.format_boxes(boxes, spec.discovery)
    return files, text


def finish(
    plan: Plan,
    store: storage.Store,
    man: dict[str, Any],
    report: SweepReport,
    interrupted: bool,
    retried: list[str] | None = None,
) -> SweepReport:
    """Assemble and analyse a complete sweep; record the session either way.

    A write that fails here (disk full, read-only folder) leaves the parts as they are: the
    report says so and ``--resume`` assembles them later.
    """
    out = store.out
    report.done = len(store.done_ids(plan.n_runs))
    report.failed = _failed(store)
    if report.done == plan.n_runs and not report.error:
        try:
            report.outputs = store.assemble(plan.n_runs)
        except OSError as exc:
            report.error = f"cannot write {exc.filename or out}: {exc.strerror or exc}"
    if report.done == plan.n_runs and not report.error:
        try:
            files, report.discovery = write_analysis(
                out, plan.exp.spec, plan.design, plan.params, plan.outcomes, plan.label
            )
            report.outputs += files
        except Exception as exc:  # noqa: BLE001 - keep the runs even if an analysis step fails
            man["analysis_error"] = f"{type(exc).__name__}: {exc}"
            print(f"escalation: analysis failed: {man['analysis_error']}", file=sys.stderr)
        report.status = "complete"
    else:
        report.status = "interrupted" if interrupted else "incomplete"
    man["status"] = report.status
    man["finished"] = provenance.now()
    man["counts"] = {"runs": plan.n_runs, "done": report.done, "failed": report.failed}
    man["outputs"] = ["manifest.json", *report.outputs]
    man["sessions"][-1].update(
        finished=man["finished"],
        computed=report.computed,
        seconds=round(report.seconds, 3),
        runs_per_second=round(report.computed / report.seconds, 3) if report.seconds else None,
        status=report.status,
        lost_tasks=retried if retried is not None else report.lost,
        error=report.error or None,
    )
    try:
        storage.write_json(out / "manifest.json", man)
    except OSError as exc:
        report.error = report.error or f"cannot write {out / 'manifest.json'}: {exc.strerror}"
    return report


def analyze(out: str | Path) -> list[str]:
    """Rewrite the analysis files of a complete results folder from its runs.parquet."""
    out = Path(out)
    man = storage.read_manifest(out)
    if man is None or man.get("status") != "complete":
        raise FileNotFoundError(f"{out}: no complete sweep here")
    spec = Experiment.model_validate(man["experiment"]["spec"])
    design = expand(ExperimentFile(spec, Path(man["experiment"]["file"]), False))
    cols = man["columns"]
    return write_analysis(out, spec, design, cols["params"], cols["outcomes"], cols["label"])[0]
