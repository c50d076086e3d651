"""Reading a results folder for ``escalation plot``: a single run or a sweep.

Only saved files are read (never the model): a run folder is what ``escalation run --out``
writes (docs/output-schema.md), a sweep folder what ``escalation sweep --out`` writes
(docs/experiments.md). Anything else is a :class:`~sim.errors.UserError` naming the folder.
"""

from __future__ import annotations

import csv
import json
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.errors import UserError

RUN_MARKERS = ("summary.json", "timeseries.parquet")
#: Column added to a sweep's runs: ``arms.growth_ratio`` as a percentage change.
ARMS_PCT = "arms.change_pct"
SWEEP_MARKERS = ("manifest.json",)
#: Per-state outcome columns of a sweep (``states.LTU.ottawa.notice_month``), if the
#: experiment asked for them.
STATE_FIELD = re.compile(
    r"^states\.(?P<iso3>[^.]+)\.(?P<tid>[^.]+)\.(?P<what>notice_month|notice_date|status)$"
)


def _read_json(path: Path, folder: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise UserError(str(folder), path.name, f"cannot read: {exc}") from None


def _read_parquet(path: Path, folder: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for damaged files
        raise UserError(str(folder), path.name, f"cannot read: {exc}") from None


@dataclass
class Geography:
    """Where the scenario's states are: ISO3 codes with capitals (for states without a polygon)."""

    codes: tuple[str, ...]
    lat: dict[str, float] = field(default_factory=dict)
    lon: dict[str, float] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)


def geography(scenario: dict[str, Any], codes: list[str] | None = None) -> Geography:
    """Capitals and names of the states from the scenario's states file, when it has them.

    ``codes`` are the scenario's states; None takes every state of the file (a sweep's
    manifest has the scenario, not the list of its states).
    """
    geo = Geography(tuple(codes or ()))
    found: list[str] = []
    rel = (scenario.get("states") or {}).get("file")
    if not rel:
        return geo
    path = Path(rel)
    if not path.is_absolute():
        from sim.scenario import bundled_dir  # pydantic only: not the model

        path = bundled_dir() / path
    try:
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                code = row.get("iso3", "")
                found.append(code)
                try:
                    geo.lat[code] = float(row["lat"])
                    geo.lon[code] = float(row["lon"])
                except (KeyError, TypeError, ValueError):
                    pass
                if row.get("name"):
                    geo.names[code] = row["name"]
    except OSError:
        pass  # no capitals: states without a polygon are listed as off the map
    if codes is None:
        geo.codes = tuple(c for c in found if c)
    return geo


@dataclass
class RunResults:
    """The saved files of one run (``escalation run --out``)."""

    folder: Path
    summary: dict[str, Any]
    timeseries: pd.DataFrame
    states: pd.DataFrame | None
    events: pd.DataFrame | None
    cascade: dict[str, Any] | None
    scenario: dict[str, Any]

    kind = "run"

    @property
    def treaties(self) -> dict[str, str]:
        """Treaty id -> display name, in scenario order."""
        return {tid: t["name"] for tid, t in self.summary["treaties"].items()}

    @property
    def codes(self) -> list[str]:
        """The scenario's states, in order."""
        return list(self.summary["states"])

    @property
    def start(self) -> str:
        """``YYYY-MM`` of month 0."""
        return self.summary["start"]

    @property
    def months(self) -> int:
        """Months simulated."""
        return int(self.summary["months"])

    @property
    def name(self) -> str:
        """The scenario's name."""
        return self.summary["scenario"]

    @property
    def provenance(self) -> str:
        """One line: scenario, run, seed, months, engine."""
        s = self.summary
        return (
            f"{s['scenario']}, one run, seed {s['seed']}, {s['months']} months "
            f"{s['start']} to {s['end']}, {s['engine']} engine"
        )

    @cached_property
    def geography(self) -> Geography:
        """Capitals and names of the states."""
        return geography(self.scenario, self.codes)

    def final_states(self) -> pd.DataFrame | None:
        """The per-state rows of the last month (None without ``states.parquet``)."""
        if self.states is None or self.states.empty:
            return None
        last = self.states["month"].max()
        return self.states[self.states["month"] == last].set_index("iso3")


@dataclass
class Factor:
    """A varied column of a sweep and its distinct values, in design order."""

    name: str
    values: list[Any]
    dtype: str  # bool | int | float | str
    limit: int = 12  # most values shown one by one (25 for grid and zip designs)

    @property
    def title(self) -> str:
        """The factor's name for people (a labelled table's label is the design point)."""
        return "design point" if self.name == "label" else self.name

    @property
    def discrete(self) -> bool:
        """Few enough values to give each its own box or cell (else they are binned)."""
        return len(self.values) <= self.limit or self.dtype in ("str", "bool")


@dataclass
class SweepResults:
    """The saved files of a sweep (``escalation sweep --out``)."""

    folder: Path
    manifest: dict[str, Any]
    runs: pd.DataFrame  # every run, failed ones included
    series: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    discovery: pd.DataFrame | None

    kind = "sweep"

    @property
    def experiment(self) -> str:
        """The experiment's name."""
        return self.manifest["experiment"]["name"]

    @property
    def name(self) -> str:
        """Experiment name (and quick mark)."""
        quick = " (quick)" if self.manifest["experiment"].get("quick") else ""
        return f"{self.experiment}{quick}"

    @property
    def scenario(self) -> dict[str, Any]:
        """The resolved base scenario (constants applied)."""
        return self.manifest["scenario"]["resolved"]

    @property
    def treaties(self) -> dict[str, str]:
        """Treaty id -> display name, in scenario order."""
        return {tid: t.get("name", tid) for tid, t in self.scenario.get("treaties", {}).items()}

    @property
    def start(self) -> str:
        """``YYYY-MM`` of month 0 of the base scenario."""
        return self.scenario.get("start", "2000-01")

    @property
    def months(self) -> int:
        """Months of each run."""
        return int(self.manifest.get("months") or self.scenario.get("months") or 0)

    @cached_property
    def ok(self) -> pd.DataFrame:
        """The successful runs, with the arms growth ratio also as a percentage change."""
        ok = self.runs if "status" not in self.runs else self.runs[self.runs["status"] == "ok"]
        if "arms.growth_ratio" in ok:
            ok = ok.assign(**{ARMS_PCT: (ok["arms.growth_ratio"] - 1.0) * 100.0})
        return ok

    @property
    def failed(self) -> int:
        """Runs that raised."""
        return len(self.runs) - len(self.ok)

    @property
    def design(self) -> dict[str, Any]:
        """The manifest's design block (kind, points, replicates, runs, factors)."""
        return self.manifest.get("design", {})

    @property
    def outcome_types(self) -> dict[str, str]:
        """Outcome column -> bool | int | float | str, in manifest order."""
        cols = self.manifest.get("columns", {}).get("outcomes", {})
        # Arms growth is shown as a percentage change (a ratio of 1.0014 reads badly).
        return {
            (ARMS_PCT if c == "arms.growth_ratio" else c): t
            for c, t in cols.items()
            if c in self.runs.columns
        }

    @property
    def derived(self) -> dict[str, dict[str, Any]]:
        """Derived outcomes of the experiment, by name (kind, treaty, within, ...)."""
        spec = self.manifest["experiment"].get("spec", {}).get("outcomes", {})
        return {d["name"]: d for d in spec.get("derived", []) or []}

    def label(self, column: str) -> tuple[str, str]:
        """(label, unit) of an outcome column."""
        from sim.plots.labels import outcome_label

        return outcome_label(column, self.treaties, self.derived)

    @property
    def state_columns(self) -> dict[tuple[str, str], tuple[str, str]]:
        """(iso3, treaty) -> (column, what) of saved per-state outcomes (notice month first)."""
        found: dict[tuple[str, str], tuple[str, str]] = {}
        rank = {"notice_month": 0, "notice_date": 1, "status": 2}
        for col in self.runs.columns:
            m = STATE_FIELD.match(col)
            if not m:
                continue
            key = (m["iso3"], m["tid"])
            if key not in found or rank[m["what"]] < rank[found[key][1]]:
                found[key] = (col, m["what"])
        return found

    @cached_property
    def factors(self) -> list[Factor]:
        """The varied columns (label first if the design has labels), with their values."""
        cols = self.manifest.get("columns", {})
        params = dict(cols.get("params", {}))
        if cols.get("label") and "label" in self.runs.columns:
            # A labelled table: the label names each point; its other columns follow it.
            params = {"label": "str"}
        out = []
        ordered = self.runs.sort_values("run_id") if "run_id" in self.runs else self.runs
        for name, dtype in params.items():
            if name not in ordered.columns:
                continue
            values = list(pd.unique(ordered[name].dropna()))
            if len(values) < 2:
                continue
            if dtype != "str":  # numbers and yes/no in order; labels in design order
                try:
                    values = sorted(values)
                except TypeError:
                    pass
            limit = 25 if self.design.get("kind") in ("grid", "zip") else 12
            out.append(Factor(name, [_plain(v) for v in values], dtype, limit))
        return out

    @property
    def seeds_text(self) -> str:
        """How the runs' seeds were made, in a few words."""
        seeds = self.manifest.get("seeds", {})
        reps = int(self.design.get("replicates") or len(seeds.get("replicates", [])) or 1)
        root = seeds.get("root", "?")
        return f"replicate seeds 0..{reps - 1} of root seed {root}"

    @property
    def provenance(self) -> str:
        """One line: experiment, scenario, runs, design, seeds, failures."""
        d = self.design
        ref = self.manifest["scenario"].get("reference", self.scenario.get("name", "?"))
        scen = "several scenarios" if "scenario" in self.runs.columns else ref
        runs = len(self.runs)
        points = d.get("points", "?")
        text = (
            f"{self.name} on {scen}: {runs:,} runs ({points} design "
            f"point{'' if points == 1 else 's'} x {d.get('replicates', '?')} replicates, "
            f"{d.get('kind', '?')} design), {self.seeds_text}"
        )
        if self.failed:
            text += f", {self.failed} failed (left out)"
        return text

    @cached_property
    def geography(self) -> Geography:
        """The base scenario's states (from its states file), with capitals and names."""
        return geography(self.scenario)

    def parties(self, tid: str) -> set[str] | None:
        """The base scenario's initial parties to a treaty (None if it says ``*``)."""
        parties = self.scenario.get("treaties", {}).get(tid, {}).get("parties", [])
        return None if "*" in parties else set(parties)


def _plain(v: Any) -> Any:
    """Python values of numpy scalars (for labels and comparisons)."""
    if isinstance(v, np.bool_):
        return bool(v)
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        return float(v)
    return v


def load(folder: str | Path) -> RunResults | SweepResults:
    """Read a results folder: a single run or a sweep. UserError for anything else."""
    folder = Path(folder)
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a directory"
        raise UserError(str(folder), "", f"{what}: expected a results folder")
    if (folder / "manifest.json").is_file():
        return _load_sweep(folder)
    if all((folder / m).is_file() for m in RUN_MARKERS):
        return _load_run(folder)
    raise UserError(
        str(folder),
        "",
        "not a results folder: expected summary.json and timeseries.parquet "
        "(escalation run --out) or manifest.json and runs.parquet (escalation sweep)",
    )


def _load_run(folder: Path) -> RunResults:
    summary = _read_json(folder / "summary.json", folder)
    for key in ("scenario", "seed", "months", "start", "treaties", "states"):
        if key not in summary:
            raise UserError(str(folder), "summary.json", f"missing key {key!r}: not a run summary")
    ts = _read_parquet(folder / "timeseries.parquet", folder)
    states = (
        _read_parquet(folder / "states.parquet", folder)
        if (folder / "states.parquet").is_file()
        else None
    )
    events = None
    if (folder / "events.csv").is_file():
        try:
            events = pd.read_csv(folder / "events.csv", dtype={"iso3": str, "treaty": str})
        except Exception as exc:
            raise UserError(str(folder), "events.csv", f"cannot read: {exc}") from None
    cascade = (
        _read_json(folder / "cascade.json", folder) if (folder / "cascade.json").is_file() else None
    )
    scenario: dict[str, Any] = {}
    if (folder / "scenario.toml").is_file():
        try:
            scenario = tomllib.loads((folder / "scenario.toml").read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise UserError(str(folder), "scenario.toml", f"cannot read: {exc}") from None
    return RunResults(folder, summary, ts, states, events, cascade, scenario)


def _load_sweep(folder: Path) -> SweepResults:
    manifest = _read_json(folder / "manifest.json", folder)
    for key in ("experiment", "scenario", "design"):
        if key not in manifest:
            raise UserError(str(folder), "manifest.json", f"missing key {key!r}: not a sweep")
    if not (folder / "runs.parquet").is_file():
        status = manifest.get("status", "?")
        raise UserError(
            str(folder),
            "runs.parquet",
            f"missing (sweep status {status!r}): finish the sweep first with "
            f"'escalation sweep {manifest['experiment'].get('name', 'EXPERIMENT')} "
            f"--out {folder} --resume'",
        )
    runs = _read_parquet(folder / "runs.parquet", folder)
    if runs.empty:
        raise UserError(str(folder), "runs.parquet", "holds no runs")
    if "status" in runs and not (runs["status"] == "ok").any():
        first = (
            runs["error"].dropna().iloc[0]
            if "error" in runs and runs["error"].notna().any()
            else "?"
        )
        raise UserError(
            str(folder),
            "runs.parquet",
            f"no successful run to plot: all {len(runs)} runs failed (first error: {first})",
        )
    series = (
        _read_parquet(folder / "timeseries.parquet", folder)
        if (folder / "timeseries.parquet").is_file()
        else None
    )

    def csv_or_none(name: str) -> pd.DataFrame | None:
        path = folder / name
        if not path.is_file():
            return None
        try:
            return pd.read_csv(path)
        except Exception as exc:
            raise UserError(str(folder), name, f"cannot read: {exc}") from None

    return SweepResults(
        folder, manifest, runs, series, csv_or_none("sensitivity.csv"), csv_or_none("discovery.csv")
    )
