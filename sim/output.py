"""Writing a run's results to a directory, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

import tomli_w

from sim.files import atomic_dir
from sim.scenario import bundled_dir

if TYPE_CHECKING:
    from sim.model import EscalationModel

RUN_FILES = (
    "summary.json",
    "timeseries.parquet",
    "states.parquet",
    "events.csv",
    "cascade.json",
    "scenario.toml",
    "timeline.png",
)


def to_json(obj: Any) -> str:
    """Stable, human-readable JSON (fixed key order, NaN-free)."""
    return json.dumps(obj, indent=2, allow_nan=False) + "\n"


def resolved_scenario(model: EscalationModel) -> dict[str, Any]:
    """The scenario as run: merged, overridden, defaults filled in, with the run's seed and months.

    Data paths are written so that the file loads from anywhere: relative to the bundled
    scenarios when the data is bundled, absolute otherwise.
    """
    sc = model.config
    data = sc.model_dump(mode="json", exclude_none=True)
    data["seed"] = model.seed
    data["months"] = model.month
    bundled = bundled_dir().resolve()
    for section in ("states", "network"):
        rel = data.get(section, {}).get("file")
        if rel:
            path = sc.data_path(rel, f"{section}.file")
            data[section]["file"] = (
                path.relative_to(bundled).as_posix() if path.is_relative_to(bundled) else str(path)
            )
    return data


def write_run(model: EscalationModel, out: Path) -> None:
    """Write the files of one run (see docs/output-schema.md)."""
    from sim.plots.timeline import timeline

    def write(d: Path) -> None:
        ts, events = model.timeseries(), model.events_frame()
        (d / "summary.json").write_text(to_json(model.summary()), encoding="utf-8")
        ts.to_parquet(d / "timeseries.parquet", index=False)
        model.states_frame().to_parquet(d / "states.parquet", index=False)
        events.to_csv(d / "events.csv", index=False, lineterminator="\n")
        (d / "cascade.json").write_text(to_json(model.cascade()), encoding="utf-8")
        header = (
            f"# Resolved scenario {model.config.name!r} (from {Path(model.config.source).name}),\n"
            "# with all overrides, the seed and the months of this run.\n"
        )
        (d / "scenario.toml").write_text(
            header + tomli_w.dumps(resolved_scenario(model)), encoding="utf-8"
        )
        names = {tid: r.name for tid, r in model.treaties.items()}
        timeline(ts, events, names, f"{model.config.name}, seed {model.seed}", d / "timeline.png")

    atomic_dir(out, write)
