"""Experiments at scale: sweeps, replicates, sensitivity, resumable Parquet results.

``escalation sweep EXPERIMENT`` runs :func:`run_sweep`; docs/experiments.md describes the
experiment file, the outputs and the measured performance. Modules, in pipeline order:
:mod:`~sim.experiment.spec` (the TOML schema), :mod:`~sim.experiment.designs` (design points),
:mod:`~sim.experiment.outcomes` (what a run keeps), :mod:`~sim.experiment.plan` (checks, seeds,
probe), :mod:`~sim.experiment.worker` (running batches), :mod:`~sim.experiment.runner`
(executors, resume), :mod:`~sim.experiment.storage` (Parquet parts, manifest),
:mod:`~sim.experiment.finish` and :mod:`~sim.experiment.analysis` (summary, sensitivity,
scenario discovery).
"""

from __future__ import annotations

import importlib
from typing import Any

# Names resolved on first use: a worker process imports sim.experiment.worker alone, without
# the samplers, the analysis (scipy.stats, scikit-learn) or tqdm.
_EXPORTS = {
    "SerialExecutor": "runner",
    "SweepReport": "runner",
    "format_report": "runner",
    "run_sweep": "runner",
    "analyze": "finish",
    "make_plan": "plan",
    "replicate_seeds": "plan",
    "load_experiment": "spec",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'sim.experiment' has no attribute {name!r}")
    return getattr(importlib.import_module(f"sim.experiment.{_EXPORTS[name]}"), name)
