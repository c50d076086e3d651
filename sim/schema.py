"""The scenario schema: what a scenario file may say, as validated, immutable pydantic models.

Pure data: no file is read here. :mod:`sim.scenario` reads TOML (``extends``, ``--set``),
validates it with these models and builds the :class:`~sim.world.World`; errors name the file
and the dotted key (``file: key: message``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

from sim.errors import UserError

MonthSpec = int | Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")]
Unit = Annotated[float, Field(ge=0.0, le=1.0)]
NonNeg = Annotated[float, Field(ge=0.0)]


class _Strict(BaseModel):
    # No NaN or infinity anywhere: a non-finite parameter is a typo, never a setting.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)


# --------------------------------------------------------------------------- model parameters
class ThreatParams(_Strict):
    """Perceived threat: tau <- memory*tau + (1-memory)*target(S)."""

    scale: Annotated[float, Field(gt=0.0)] = 5.0
    memory: Unit = 0.85
    reassurance: Unit = 0.5
    posture_delta: NonNeg = 0.25
    incident_boost: Unit = 0.05
    war_boost: Unit = 0.3


class DecisionParams(_Strict):
    """Withdrawal pressure weights, noise scale and norm erosion."""

    w_threat: NonNeg = 1.0
    w_peer: NonNeg = 0.5
    w_alliance: NonNeg = 0.5
    w_norm: NonNeg = 0.5
    noise: NonNeg = 0.05
    norm_erosion: Unit = 0.5
    reaccession: bool = False
    reaccession_margin: NonNeg = 0.3


class ConflictParams(_Strict):
    """Monthly hazards of incidents and wars between hostile neighbours."""

    incident_base: Unit = 0.01
    incident_coupling: Unit = 0.2
    war_onset: Unit = 0.0002
    war_end: Unit = 0.02


class StateParams(_Strict):
    """Behavioural parameters of a state; ``None`` means 'use the default / the data'."""

    norm: Unit | None = None
    threshold: Annotated[float, Field(ge=-10.0, le=10.0)] | None = None
    threshold_spread: NonNeg | None = None
    reactivity: NonNeg | None = None
    fatigue: Unit | None = None
    grievance: float | None = None
    arms: NonNeg | None = None
    capacity: NonNeg | None = None


class StatesConfig(_Strict):
    """Which states exist and their parameters."""

    file: str | None = None
    include: list[str] | None = None
    arms_column: str = "military_expenditure_pct_gdp_2024"
    capacity_column: str = "gdp_usd_billions_2024"
    capacity_scale: Annotated[float, Field(gt=0.0)] = 0.001
    defaults: StateParams = StateParams()  # keys left out fall back to STATE_DEFAULTS
    overrides: dict[str, StateParams] = {}


#: Built-in state parameters, used where neither an override, the data nor
#: ``[states.defaults]`` gives a value. No grievance means "start in Richardson equilibrium".
STATE_DEFAULTS: dict[str, float | None] = {
    "norm": 0.5,
    "threshold": 0.5,
    "threshold_spread": 0.0,
    "reactivity": 0.001,
    "fatigue": 0.02,
    "grievance": None,
    "arms": 1.0,
    "capacity": 1.0,
}


class NetworkConfig(_Strict):
    """The neighbour graph: real borders or a seeded synthetic generator."""

    kind: Literal[
        "borders", "ring", "lattice", "erdos_renyi", "small_world", "scale_free", "complete"
    ] = "borders"
    file: str | None = None
    land_weight: NonNeg = 1.0
    sea_weight: NonNeg = 0.5
    n: Annotated[int, Field(ge=2, le=10_000_000)] = 100
    mean_degree: Annotated[float, Field(ge=0.0)] = 4.0
    k: Annotated[int, Field(ge=2)] = 4
    rewire: Unit = 0.1
    m: Annotated[int, Field(ge=1)] = 2
    rival: Literal["hub", "none"] = "hub"
    seed: int | None = None
    proximity_decay: Unit = 0.3
    proximity_max_distance: Annotated[int, Field(ge=1, le=10)] = 3


class TreatyConfig(_Strict):
    """A treaty's rules (Article 20) and what it bans."""

    name: str
    notice_months: Annotated[int, Field(ge=0, le=240)] = 6
    conflict_clause: bool = True
    accession_months: Annotated[int, Field(ge=0, le=240)] = 6
    military_value: Unit
    salience: Unit
    parties: list[str]


class AllianceConfig(_Strict):
    """An alliance: members, credibility and per-treaty recommendations to leave."""

    name: str
    members: list[str]
    credibility: Unit = 0.7
    recommendation: dict[str, Unit] = {}


class HostilityConfig(_Strict):
    """States in ``source`` regard states in ``target`` as a threat (H_ij = weight)."""

    source: list[str]
    target: list[str]
    weight: NonNeg = 1.0
    mutual: bool = False


class _Event(_Strict):
    month: MonthSpec
    note: str = ""


class WarStart(_Event):
    """A scheduled war between two states (ends only when scheduled)."""

    kind: Literal["war_start"]
    states: Annotated[list[str], Field(min_length=2, max_length=2)]


class WarEnd(_Event):
    """The scheduled end of a war."""

    kind: Literal["war_end"]
    states: Annotated[list[str], Field(min_length=2, max_length=2)]


class JoinAlliance(_Event):
    """A state joins an alliance (and leaves any other)."""

    kind: Literal["join_alliance"]
    state: str
    alliance: str


class Mediation(_Event):
    """Diplomatic mediation: hostility between the two groups falls by ``strength``."""

    kind: Literal["mediation"]
    states: list[str]
    counterparts: list[str]
    strength: Unit = 0.5


class Credibility(_Event):
    """Alliance credibility is set to ``value``."""

    kind: Literal["credibility"]
    alliance: str
    value: Unit


class Recommendation(_Event):
    """An alliance recommends (value 1) or stops recommending (0) leaving a treaty."""

    kind: Literal["recommendation"]
    alliance: str
    treaty: str
    value: Unit = 1.0


class Advocacy(_Event):
    """Humanitarian advocacy raises norm commitment of the states by ``delta``."""

    kind: Literal["advocacy"]
    states: list[str]
    delta: Annotated[float, Field(ge=-1.0, le=1.0)] = 0.1


class TreatyRule(_Event):
    """A change of a treaty's withdrawal rules from this month on."""

    kind: Literal["treaty_rule"]
    treaty: str
    notice_months: Annotated[int, Field(ge=0, le=240)] | None = None
    conflict_clause: bool | None = None


class ForcedNotice(_Event):
    """States give notice regardless of pressure (named, or ``random`` of the parties)."""

    kind: Literal["notice"]
    treaty: str
    states: list[str] = []
    random: Annotated[int, Field(ge=0)] = 0


Event = Annotated[
    WarStart
    | WarEnd
    | JoinAlliance
    | Mediation
    | Credibility
    | Recommendation
    | Advocacy
    | TreatyRule
    | ForcedNotice,
    Field(discriminator="kind"),
]


class Scenario(_Strict):
    """A validated scenario. ``source`` and ``base_dir`` say where it came from."""

    name: str
    description: str
    start: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] = "2022-02"
    months: Annotated[int, Field(ge=1, le=6000)] = 48
    seed: Annotated[int, Field(ge=0)] = 0
    threat: ThreatParams = ThreatParams()
    decision: DecisionParams = DecisionParams()
    conflict: ConflictParams = ConflictParams()
    states: StatesConfig = StatesConfig()
    network: NetworkConfig = NetworkConfig()
    treaties: dict[str, TreatyConfig] = {}
    alliances: dict[str, AllianceConfig] = {}
    hostility: list[HostilityConfig] = []
    events: list[Event] = []
    interventions: list[Event] = []
    source: str = Field(default="<memory>", exclude=True)
    base_dir: str = Field(default=".", exclude=True)
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True, repr=False)
    _world_cache: Any = PrivateAttr(default=None)  # sim.world.World shared by runs
    _params_cache: Any = PrivateAttr(default=None)  # (world, sim.world.state_params)
    _batch_key: Any = PrivateAttr(default=None)  # sim.runner.structure_key

    def _check_months(self) -> Scenario:
        for group in ("events", "interventions"):
            for k, ev in enumerate(getattr(self, group)):
                m = month_index(ev.month, self.start)
                if m < 0:
                    raise UserError(
                        self.source,
                        f"{group}.{k}.month",
                        f"{ev.month} is before start {self.start}",
                    )
        return self

    def month_of(self, spec: int | str) -> int:
        """Month index (0 = start) of an int or ``YYYY-MM`` spec."""
        return month_index(spec, self.start)

    def date_of(self, month: int) -> str:
        """``YYYY-MM`` of a month index."""
        return month_date(self.start, month)

    def data_path(self, relative: str, key: str) -> Path:
        """Resolve a data file: beside the scenario file, else among the bundled scenarios."""
        for base in (Path(self.base_dir), bundled_dir()):
            p = (base / relative).resolve()
            if p.is_file():
                return p
        raise UserError(self.source, key, f"data file not found: {relative}")


# --------------------------------------------------------------------------- months
def month_index(spec: int | str, start: str) -> int:
    """Months from ``start`` (``YYYY-MM``) to ``spec`` (``YYYY-MM`` or already an int)."""
    if isinstance(spec, int):
        return spec
    y, m = map(int, spec.split("-"))
    y0, m0 = map(int, start.split("-"))
    return (y - y0) * 12 + (m - m0)


def month_date(start: str, month: int) -> str:
    """``YYYY-MM`` of ``month`` months after ``start``."""
    y0, m0 = map(int, start.split("-"))
    total = y0 * 12 + (m0 - 1) + month
    return f"{total // 12:04d}-{total % 12 + 1:02d}"


# --------------------------------------------------------------------------- loading
def bundled_dir() -> Path:
    """Directory of the bundled scenarios (repo checkout or installed wheel)."""
    installed = Path(str(resources.files("sim"))) / "_bundled" / "scenarios"
    if installed.is_dir():
        return installed
    return Path(__file__).resolve().parent.parent / "scenarios"
