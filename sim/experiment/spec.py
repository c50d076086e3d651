"""Experiment files: declarative TOML -> a validated, immutable :class:`Experiment`.

An experiment names a scenario, the **uncertainties** (what we don't know) and **levers**
(policy choices) it varies, the **constants** it fixes, the **design** that turns factors into
design points, the **outcomes** kept per run, and optionally a scenario-discovery question
(EMA Workbench's vocabulary). Factor and constant keys are dotted scenario keys, exactly as
``--set`` takes them; they may be written quoted (``"decision.w_peer" = [...]``) or as nested
tables (``[levers.decision] w_peer = [...]``): both flatten to the same dotted key.

Every error is a :class:`~sim.errors.UserError` ``file: key: message``, like a scenario's.
"""

from __future__ import annotations

import copy
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.errors import UserError
from sim.scenario import _read_toml, resolve_path

#: Keys that mark a table as a factor specification rather than a nested table of keys.
SPEC_KEYS = {"values", "low", "high", "keys", "steps", "integer"}
#: Column names the runner writes itself; factors and outcomes may not take them.
RESERVED = {"run_id", "point", "replicate", "seed", "label", "status", "error"}
#: The pseudo-key that varies the scenario itself (a bundled name or a path).
SCENARIO_KEY = "scenario"
DesignKind = Literal["grid", "zip", "lhs", "sobol", "morris"]
Op = Literal[">=", ">", "<=", "<", "==", "!="]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_.\-]*$")]
PosInt = Annotated[int, Field(ge=1)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


class Factor(_Strict):
    """One varied factor: a list of ``values``, or a range ``low``..``high``.

    ``keys`` lets one factor set several scenario keys at once (e.g. the notice period of both
    conventions); without it the factor's name is its scenario key. ``steps`` turns a range
    into evenly spaced values for a grid; ``integer`` rounds sampled values.
    """

    keys: list[str] | None = None
    values: list[Any] | None = None
    low: float | None = None
    high: float | None = None
    steps: Annotated[int, Field(ge=2)] | None = None
    integer: bool = False

    @model_validator(mode="after")
    def _one_form(self) -> Factor:
        has_range = self.low is not None or self.high is not None
        if self.values is None and not has_range:
            raise ValueError("give values = [...] or low and high")
        if self.values is not None and has_range:
            raise ValueError("give either values or low/high, not both")
        if self.values is not None and not self.values:
            raise ValueError("values must not be empty")
        if has_range and (self.low is None or self.high is None):
            raise ValueError("a range needs both low and high")
        if has_range and not self.low < self.high:  # type: ignore[operator]
            raise ValueError(f"low must be below high (got {self.low} and {self.high})")
        if self.keys is not None and not self.keys:
            raise ValueError("keys must not be empty")
        return self

    @property
    def is_range(self) -> bool:
        """Whether the factor is a continuous range (else a list of values)."""
        return self.values is None


class Design(_Strict):
    """How factors become design points.

    ``grid``: full factorial. ``zip``: factor lists taken in lockstep, or an explicit table of
    ``[[design.points]]``. ``lhs``: Latin hypercube (scipy.stats.qmc) of ``samples`` points.
    ``sobol``: Saltelli/Sobol' sampling (SALib), ``samples`` = N (a power of 2), N*(D+2)
    points (N*(2D+2) with ``second_order``). ``morris``: ``samples`` trajectories of D+1 points
    on a ``levels``-level grid (SALib).
    """

    kind: DesignKind = "grid"
    samples: PosInt | None = None
    levels: Annotated[int, Field(ge=2, le=100)] = 4
    second_order: bool = False
    points: list[dict[str, Any]] = []


class Derived(_Strict):
    """An outcome computed from a run's summary or monthly series.

    ``cascade``: at least ``min_states`` states gave notice on ``treaty`` before month
    ``within`` (bool). ``notices_by``: how many did (int). ``peak``/``final``/``mean``: of a
    monthly ``column``. ``condition``: ``field op value`` on a summary field or an earlier
    outcome (bool).
    """

    name: Name
    kind: Literal["cascade", "notices_by", "peak", "final", "mean", "condition"]
    treaty: str | None = None
    min_states: PosInt | None = None
    within: Annotated[int, Field(ge=0)] | None = None
    column: str | None = None
    field: str | None = None
    op: Op | None = None
    value: float | None = None

    @model_validator(mode="after")
    def _needs(self) -> Derived:
        need = {
            "cascade": ("treaty", "min_states"),
            "notices_by": ("treaty",),
            "peak": ("column",),
            "final": ("column",),
            "mean": ("column",),
            "condition": ("field", "op", "value"),
        }[self.kind]
        for attr in need:
            if getattr(self, attr) is None:
                raise ValueError(f"kind {self.kind!r} needs {attr}")
        return self


class Series(_Strict):
    """Monthly series to keep per run (``timeseries.parquet``), every ``every`` months."""

    columns: list[str] = []
    every: PosInt = 1


DEFAULT_FIELDS = (
    "treaties.*.notified",
    "treaties.*.withdrawn",
    "treaties.*.blocked",
    "treaties.*.cascade_fraction",
    "treaties.*.first_notice_month",
    "tension.mean_final",
    "tension.max",
    "arms.growth_ratio",
    "incidents",
    "wars",
)


class Outcomes(_Strict):
    """What each run keeps: summary fields (``*`` ranges over treaty ids) and derived ones."""

    fields: list[str] = list(DEFAULT_FIELDS)
    derived: list[Derived] = []
    series: Series | None = None


class Discovery(_Strict):
    """Scenario discovery: which factor regions lead to ``outcome op value`` (or a bool)."""

    outcome: str
    op: Op | None = None
    value: float | None = None
    max_depth: Annotated[int, Field(ge=1, le=8)] = 3
    min_leaf: Annotated[float, Field(gt=0.0, lt=0.5)] = 0.05

    @model_validator(mode="after")
    def _pair(self) -> Discovery:
        if (self.op is None) != (self.value is None):
            raise ValueError("give both op and value, or neither (for a boolean outcome)")
        return self


class Quick(_Strict):
    """What ``--quick`` changes so that the sweep finishes in seconds."""

    replicates: PosInt = 2
    samples: PosInt | None = None
    months: PosInt | None = None
    steps: Annotated[int, Field(ge=2)] | None = None
    values: dict[str, list[Any]] = {}
    constants: dict[str, Any] = {}


class Experiment(_Strict):
    """A validated experiment file (see docs/experiments.md)."""

    name: Name
    description: str = ""
    scenario: str = "europe-2022"
    months: Annotated[int, Field(ge=1, le=6000)] | None = None
    replicates: PosInt = 1
    seed: Annotated[int, Field(ge=0)] = 0
    engine: Literal["vectorized", "agents"] = "vectorized"
    batch_size: PosInt | None = None
    constants: dict[str, Any] = {}
    uncertainties: dict[str, Factor] = {}
    levers: dict[str, Factor] = {}
    design: Design = Design()
    outcomes: Outcomes = Outcomes()
    discovery: Discovery | None = None
    quick: Quick = Quick()


@dataclass(frozen=True)
class ExperimentFile:
    """An experiment as loaded: the spec (``--quick`` applied when asked) and where it is."""

    spec: Experiment
    path: Path
    quick: bool

    @property
    def source(self) -> str:
        """The file name used in error messages."""
        return str(self.path)

    def scenario_ref(self, name_or_path: str, key: str = SCENARIO_KEY) -> str:
        """A scenario reference workers can load: a bundled name, or an absolute path.

        A path is taken relative to the experiment file first, then to the working directory.
        """
        for candidate in (self.path.parent / name_or_path, Path(name_or_path)):
            if candidate.is_file():
                return str(candidate.resolve())
        try:
            resolve_path(name_or_path)  # a bundled name: workers resolve it in their install
        except UserError as err:
            raise UserError(self.source, key, f"{name_or_path}: {err.message}") from None
        return name_or_path

    def canonical(self) -> str:
        """Canonical JSON of the spec (for the manifest and the ``--resume`` check)."""
        return json.dumps(
            {"spec": self.spec.model_dump(mode="json"), "quick": self.quick}, sort_keys=True
        )


# --------------------------------------------------------------------------- loading
def flatten(table: dict[str, Any], prefix: str = "", is_spec: bool = False) -> dict[str, Any]:
    """Nested tables -> dotted keys. With ``is_spec``, a table holding factor keys is a leaf."""
    out: dict[str, Any] = {}
    for key, value in table.items():
        dotted = f"{prefix}.{key}" if prefix else str(key)
        leaf = not isinstance(value, dict) or (is_spec and SPEC_KEYS & set(value))
        out.update({dotted: value} if leaf else flatten(value, dotted, is_spec))
    return out


def _prepare(raw: dict[str, Any], source: str) -> dict[str, Any]:
    """Flatten the key tables and normalise factor shorthand (a bare list = its values)."""
    raw = copy.deepcopy(raw)
    for section in ("constants",):
        if isinstance(raw.get(section), dict):
            raw[section] = flatten(raw[section])
    if isinstance(raw.get("quick"), dict) and isinstance(raw["quick"].get("constants"), dict):
        raw["quick"]["constants"] = flatten(raw["quick"]["constants"])
    for section in ("uncertainties", "levers"):
        if not isinstance(raw.get(section), dict):
            continue
        factors = {}
        for name, spec in flatten(raw[section], is_spec=True).items():
            if isinstance(spec, list):
                spec = {"values": spec}
            elif not isinstance(spec, dict):
                raise UserError(
                    source,
                    f"{section}.{name}",
                    "a factor needs values = [...] or low and high (fixed values go in "
                    "[constants])",
                )
            factors[name] = spec
        raw[section] = factors
    design = raw.get("design")
    if isinstance(design, dict) and isinstance(design.get("points"), list):
        design["points"] = [flatten(p) if isinstance(p, dict) else p for p in design["points"]]
    return raw


def _error_key(loc: tuple[Any, ...]) -> str:
    # Drop pydantic's union-member tags so the key reads like the TOML.
    return ".".join(str(p) for p in loc if p not in ("int", "float", "str", "constrained-str"))


def validate_experiment(raw: dict[str, Any], source: str) -> Experiment:
    """Validate a raw experiment dict; errors are ``source: key: message``."""
    try:
        spec = Experiment.model_validate(_prepare(raw, source))
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _error_key(tuple(err["loc"]))
        msg = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif "input" in err and not isinstance(err["input"], dict | list):
            msg = f"{msg} (got {err['input']!r})"
        raise UserError(source, key, msg) from None
    _check(spec, source)
    return spec


def _check(spec: Experiment, source: str) -> None:
    """Cross-field checks pydantic cannot express per field."""
    factors = {**spec.uncertainties, **spec.levers}
    both = set(spec.uncertainties) & set(spec.levers)
    if both:
        raise UserError(source, f"levers.{sorted(both)[0]}", "also declared as an uncertainty")
    for section in ("uncertainties", "levers"):
        for name, f in getattr(spec, section).items():
            key = f"{section}.{name}"
            if name in RESERVED:
                raise UserError(source, key, f"{name!r} is a reserved column name")
            if name == SCENARIO_KEY and (f.is_range or f.keys is not None):
                raise UserError(source, key, "the scenario factor takes values = [names or paths]")
            for k, dotted in enumerate(f.keys or []):
                if not re.match(r"^[^.\s]+(\.[^.\s]+)*$", dotted):
                    raise UserError(source, f"{key}.keys.{k}", "must be a dotted scenario key")
    kind, d = spec.design.kind, spec.design
    if d.points and kind != "zip":
        raise UserError(source, "design.points", "an explicit table of points needs kind = 'zip'")
    if d.points and factors:
        raise UserError(source, "design.points", "give factors or a table of points, not both")
    for k, point in enumerate(d.points):
        for col in point:
            if col in RESERVED - {"label"}:
                raise UserError(source, f"design.points.{k}.{col}", "reserved column name")
    if kind in ("lhs", "sobol", "morris"):
        if d.samples is None:
            raise UserError(source, "design.samples", f"a {kind} design needs samples")
        if not factors:
            raise UserError(source, "uncertainties", f"a {kind} design needs factors to sample")
    if kind == "sobol" and d.samples is not None and d.samples & (d.samples - 1):
        raise UserError(source, "design.samples", f"must be a power of 2 for sobol ({d.samples})")
    if kind == "grid":
        for name, f in factors.items():
            if f.is_range and f.steps is None:
                sec = "uncertainties" if name in spec.uncertainties else "levers"
                raise UserError(source, f"{sec}.{name}", "a range in a grid needs steps")
    for name in spec.quick.values:
        if name not in factors:
            raise UserError(source, f"quick.values.{name}", "not a factor of this experiment")
    names = [d.name for d in spec.outcomes.derived]
    for k, n in enumerate(names):
        if n in RESERVED or n in factors or n in names[:k]:
            raise UserError(source, f"outcomes.derived.{k}.name", f"{n!r} is already a column")


def apply_quick(spec: Experiment, source: str) -> Experiment:
    """The spec that ``--quick`` runs: fewer replicates, samples, steps and values."""
    q = spec.quick
    samples = spec.design.samples
    if samples is not None:
        samples = q.samples if q.samples is not None else min(samples, 8)
    update: dict[str, Any] = {
        "replicates": min(q.replicates, spec.replicates),
        "design": spec.design.model_copy(update={"samples": samples}),
        "constants": {**spec.constants, **q.constants},
    }
    if q.months is not None:
        update["months"] = q.months
    for section in ("uncertainties", "levers"):
        factors = {}
        for name, f in getattr(spec, section).items():
            if name in q.values:
                f = Factor(keys=f.keys, values=q.values[name], integer=f.integer)
            elif f.is_range and f.steps is not None:
                f = f.model_copy(update={"steps": q.steps or min(f.steps, 3)})
            factors[name] = f
        update[section] = factors
    quick = spec.model_copy(update=update)
    _check(quick, source)
    return quick


def load_experiment(path: str | Path, quick: bool = False) -> ExperimentFile:
    """Read and validate an experiment file (a path, or the name of a bundled experiment).

    Raises:
        UserError: on a missing, malformed, unknown or out-of-range entry.

    """
    p = resolve_experiment(path)
    raw = _read_toml(p)
    if "window_end" in raw and "fit" in raw:  # the other kind of file in experiments/
        raise UserError(
            str(p), "", f"a calibration file, not a sweep: run escalation backtest --calibrate {p}"
        )
    spec = validate_experiment(raw, str(p))
    if quick:
        spec = apply_quick(spec, str(p))
    return ExperimentFile(spec, p, quick)


def bundled_experiments_dir() -> Path:
    """Directory of the bundled experiments (installed wheel, else the repository checkout)."""
    from importlib import resources

    installed = Path(str(resources.files("sim"))) / "_bundled" / "experiments"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent.parent / "experiments"


def sweep_names() -> list[str]:
    """Names of the bundled sweep experiments (calibration files are for ``backtest``)."""
    found = bundled_experiments_dir().glob("*.toml")
    return sorted(q.stem for q in found if not q.stem.startswith("calibration-"))


def resolve_experiment(path: str | Path) -> Path:
    """An experiment path from a path or a bundled experiment name (``article20``)."""
    p = Path(path)
    if p.is_file():
        return p
    if p.suffix != ".toml" and not p.exists():
        candidate = bundled_experiments_dir() / f"{path}.toml"
        if candidate.is_file():
            return candidate
        names = ", ".join(sweep_names())
        raise UserError(str(path), "", f"no such experiment file or bundled name ({names})")
    raise UserError(str(path), "", "experiment file not found")
