"""Loading scenarios: TOML -> validated, immutable :class:`~sim.schema.Scenario` -> World.

The loader sits above the schema (:mod:`sim.schema`) and the world (:mod:`sim.world`): it
parses, builds and checks. A scenario file is read with :mod:`tomllib`, merged onto the
scenario it ``extends`` (tables are merged key by key, everything else is replaced), patched
with ``--set`` style overrides, and validated by the schema's pydantic models. Unknown keys and
out-of-range values are errors; cross references (state codes, treaty and alliance ids) are
checked once the state list is read. Every error is a :class:`~sim.errors.UserError` of the
form ``file: key: message``. The data files (states, borders) are read here, once per file, and
handed to :mod:`sim.network` and :mod:`sim.world` as arrays.
"""

from __future__ import annotations

import copy
import re
import tomllib
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import ValidationError

from sim import network as net
from sim import rng as rngs
from sim import world as wd
from sim.datafiles import read_rows
from sim.errors import UserError
from sim.schema import (  # noqa: F401 - re-exported: the loader is where users find them
    STATE_DEFAULTS,
    AllianceConfig,
    ConflictParams,
    DecisionParams,
    Event,
    HostilityConfig,
    NetworkConfig,
    Scenario,
    StateParams,
    StatesConfig,
    ThreatParams,
    TreatyConfig,
    bundled_dir,
    month_date,
    month_index,
)
from sim.world import SELECTORS, World


def bundled_scenarios() -> dict[str, tuple[Path, str]]:
    """Bundled scenario names -> (path, one-line description)."""
    out = {}
    for path in sorted(bundled_dir().glob("*.toml")):
        try:
            desc = _read_toml(path).get("description", "")
        except UserError:
            desc = "(unreadable)"
        out[path.stem] = (path, str(desc))
    return out


def resolve_path(name_or_path: str | Path) -> Path:
    """A scenario path from a path or a bundled name."""
    p = Path(name_or_path)
    if p.suffix == ".toml" or p.exists():
        if not p.is_file():
            raise UserError(str(p), "", "scenario file not found")
        return p
    candidate = bundled_dir() / f"{name_or_path}.toml"
    if candidate.is_file():
        return candidate
    names = ", ".join(bundled_scenarios())
    raise UserError(
        str(name_or_path), "", f"no such scenario file or bundled name (bundled: {names})"
    )


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise UserError(str(path), "", f"malformed TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise UserError(
            str(path), "", f"not UTF-8 text (byte {exc.start}): TOML must be UTF-8"
        ) from None
    except OSError as exc:
        raise UserError(str(path), "", f"cannot read: {exc.strerror}") from None


def _merge(base: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _read_with_extends(path: Path, seen: tuple[Path, ...] = ()) -> dict[str, Any]:
    data = _read_toml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise UserError(str(path), "extends", "must be a scenario name or path")
    parent_path = Path(parent)
    if not parent_path.is_absolute():
        beside = path.parent / parent
        try:
            parent_path = beside if beside.is_file() else resolve_path(parent)
        except UserError as err:
            raise UserError(str(path), "extends", f"{parent}: {err.message}") from None
    parent_path = parent_path.resolve()
    if parent_path in seen:
        raise UserError(str(path), "extends", "circular extends")
    return _merge(_read_with_extends(parent_path, (*seen, parent_path)), data)


_INDEX = re.compile(r"^\d+$")


def parse_value(text: str) -> Any:
    """A ``--set`` value: TOML syntax (``12``, ``0.5``, ``true``, ``["LTU"]``), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(raw: dict[str, Any], dotted: str, value: Any, source: str) -> None:
    """Set ``raw[dotted.path] = value``; list items are addressed by index (``events.0.month``)."""
    parts = dotted.split(".")
    if not dotted or any(not p for p in parts):
        raise UserError(source, dotted, "override key must be a dotted path like a.b.c")
    node: Any = raw
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        here = ".".join(parts[: depth + 1])
        if isinstance(node, list):
            if not _INDEX.match(part) or int(part) >= len(node):
                raise UserError(source, here, f"no list item {part} (the list has {len(node)})")
            if last:
                node[int(part)] = value
            else:
                node = node[int(part)]
        elif isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        else:
            raise UserError(source, here, "cannot set a key inside a plain value")


def _error_key(loc: tuple[Any, ...]) -> str:
    # Drop pydantic's discriminator tags (e.g. 'war_start') so keys read like the TOML.
    parts = []
    for k, p in enumerate(loc):
        tag = (
            isinstance(p, str)
            and p in _EVENT_KINDS
            and k >= 2
            and isinstance(loc[k - 1], int)
            and loc[k - 2] in ("events", "interventions")
        )
        union_member = (
            isinstance(p, str) and k == len(loc) - 1 and p in ("int", "str", "constrained-str")
        )
        if not (tag or union_member):
            parts.append(str(p))
    return ".".join(parts)


_EVENT_KINDS = {
    "war_start",
    "war_end",
    "join_alliance",
    "mediation",
    "credibility",
    "recommendation",
    "advocacy",
    "treaty_rule",
    "notice",
}


def validate(raw: dict[str, Any], source: str, base_dir: str) -> Scenario:
    """Validate a raw scenario dict; errors name the source and the dotted key."""
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = _error_key(tuple(err["loc"]))
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        elif (
            "input" in err
            and err["type"] not in ("missing",)
            and not isinstance(err["input"], dict | list)
        ):
            msg = f"{msg} (got {err['input']!r})"
        raise UserError(source, key, msg) from None
    scenario = scenario.model_copy(update={"source": source, "base_dir": base_dir, "raw": raw})
    scenario._check_months()
    return scenario


def load_scenario(
    name_or_path: str | Path = "europe-2022",
    overrides: dict[str, Any] | None = None,
    **kw_overrides: Any,
) -> Scenario:
    """Load, merge, override and validate a scenario.

    Args:
        name_or_path: a bundled name (``europe-2022``) or a path to a TOML file.
        overrides: dotted keys to values, e.g. ``{"treaties.ottawa.notice_months": 12}``.
        **kw_overrides: the same as keywords; ``__`` stands for ``.`` (``decision__w_peer=1``).

    Returns:
        The validated :class:`Scenario`; ``scenario.raw`` is the fully resolved TOML data.

    Raises:
        UserError: on any malformed, unknown or out-of-range input.

    """
    path = resolve_path(name_or_path)
    raw = copy.deepcopy(_cached_raw(path.resolve()))
    items = dict(overrides or {})
    items.update({k.replace("__", "."): v for k, v in kw_overrides.items()})
    for key, value in items.items():
        apply_override(raw, key, value, "--set")
    try:
        scenario = validate(raw, str(path), str(path.parent.resolve()))
        check_references(scenario)
    except UserError as err:
        # An error in an overridden key is the user's --set, not the file.
        if any(err.key == k or err.key.startswith(k + ".") for k in items):
            raise UserError("--set", err.key, err.message) from None
        raise
    return scenario


@cache
def _cached_raw(path: Path) -> dict[str, Any]:
    # Parsing is cached per file so that sweeps do not re-read TOML per run.
    return _read_with_extends(path, (path,))


# --------------------------------------------------------------------------- the states file
@dataclass(frozen=True)
class StatesFile:
    """Every row of the states file (or the synthetic states), read and checked once."""

    source: str  # the file's path, for errors (the scenario file's for synthetic states)
    rows: list[dict[str, str]]

    def included(self, scenario: Scenario) -> list[dict[str, str]]:
        """The rows of the scenario's states: all, or those of ``states.include``."""
        if scenario.states.include is None:
            return self.rows
        known = {r["iso3"] for r in self.rows}
        for k, code in enumerate(scenario.states.include):
            if code not in known:
                raise UserError(scenario.source, f"states.include.{k}", f"unknown state {code!r}")
        keep = set(scenario.states.include)
        return [r for r in self.rows if r["iso3"] in keep]


def read_states(scenario: Scenario) -> StatesFile:
    """The scenario's states: its states file, or ``S0..`` for a synthetic network."""
    cfg = scenario.states
    if cfg.file is None:
        if scenario.network.kind == "borders":
            raise UserError(scenario.source, "states.file", "a borders network needs a states file")
        return StatesFile(scenario.source, _synthetic_rows(scenario.network.n))
    return _states_file(scenario.data_path(cfg.file, "states.file"))


@lru_cache(maxsize=4)  # a few sizes (a sweep over n); rows of 10^7 states are large
def _synthetic_rows(n: int) -> list[dict[str, str]]:
    """The states of a synthetic network: ``S0..S{n-1}`` (zero-padded)."""
    width = len(str(n - 1))
    return [{"iso3": f"S{i:0{width}d}", "name": f"State {i}"} for i in range(n)]


@cache
def _states_file(path: Path) -> StatesFile:
    rows = read_rows(path, required=("iso3",))
    if not rows:
        raise UserError(str(path), "iso3", "no states: one row per state is needed")
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):  # line 1 is the header
        code = row["iso3"]
        if not code:
            raise UserError(str(path), f"iso3 (line {line})", "empty state code")
        if code in seen:
            raise UserError(str(path), f"iso3 (line {line})", f"duplicate state {code!r}")
        seen.add(code)
    return StatesFile(str(path), rows)


def state_codes(scenario: Scenario) -> list[str]:
    """The codes of the scenario's states (cheap: no network is built)."""
    return [r["iso3"] for r in read_states(scenario).included(scenario)]


# --------------------------------------------------------------------------- borders
@cache
def _border_rows(path: Path) -> list[dict[str, str]]:
    return read_rows(path, required=("iso3_a", "iso3_b", "kind"))


def read_borders(
    path: Path, codes: list[str], scenario: Scenario, known: set[str]
) -> tuple[net.Graph, sp.csr_matrix]:
    """The neighbour graph and land border lengths (km) of ``codes`` from a borders CSV.

    Pairs that name a state of the states file outside the scenario are skipped (a scenario may
    include a subset). A code that is not in the states file (``known``), a state bordering
    itself, a pair listed twice with the same kind, or a ``kind`` other than land/sea is an
    error. A pair listed as both land and sea keeps the stronger tie.
    """
    cfg = scenario.network
    index = {c: i for i, c in enumerate(codes)}
    weights = {"land": cfg.land_weight, "sea": cfg.sea_weight}
    seen: set[tuple[str, str, str]] = set()
    where = str(path)
    ties: dict[tuple[int, int], float] = {}
    km: dict[tuple[int, int], float] = {}
    for line, row in enumerate(_border_rows(path), start=2):
        a, b, kind = row["iso3_a"], row["iso3_b"], row["kind"]
        if kind not in weights:
            raise UserError(where, f"line {line}.kind", f"must be land or sea, got {kind!r}")
        for col, code in (("iso3_a", a), ("iso3_b", b)):
            if code not in known:
                raise UserError(where, f"line {line}.{col}", f"unknown state {code!r}")
        if a == b:
            raise UserError(where, f"line {line}", f"{a} cannot border itself")
        pair = (min(a, b), max(a, b), kind)
        if pair in seen:
            raise UserError(where, f"line {line}", f"{a}-{b} ({kind}) is listed twice")
        seen.add(pair)
        if a in index and b in index:
            i, j = sorted((index[a], index[b]))
            ties[(i, j)] = max(weights[kind], ties.get((i, j), 0.0))
            if kind == "land":
                km[(i, j)] = _km(row, where, line)
    if not ties:
        raise UserError(
            scenario.source, "network.file", "no border pairs between the scenario's states"
        )
    keys = sorted(ties)
    u = np.array([k[0] for k in keys], dtype=np.int64)
    v = np.array([k[1] for k in keys], dtype=np.int64)
    graph = net.from_edges(len(codes), u, v, np.array([ties[k] for k in keys]))
    lengths = net.from_edges(len(codes), u, v, np.array([km.get(k, 0.0) for k in keys])).w
    return graph, lengths


def _km(row: dict[str, str], where: str, line: int) -> float:
    text = (row.get("border_km") or "").strip()
    if not text:
        return 0.0
    try:
        value = float(text)
    except ValueError:
        raise UserError(where, f"line {line}.border_km", f"not a number: {text!r}") from None
    if not (np.isfinite(value) and value >= 0):
        raise UserError(
            where, f"line {line}.border_km", f"must be a finite number >= 0, got {text!r}"
        )
    return value


# --------------------------------------------------------------------------- checks
def check_references(scenario: Scenario) -> None:
    """Every state code, treaty id and alliance id that the scenario names must exist."""
    codes = set(state_codes(scenario))
    src = scenario.source

    def states(items: list[str], key: str) -> None:
        for k, item in enumerate(items):
            if item not in codes and item not in SELECTORS:
                raise UserError(src, f"{key}.{k}", f"unknown state {item!r}")

    for code in scenario.states.overrides:
        if code not in codes:
            raise UserError(src, f"states.overrides.{code}", f"unknown state {code!r}")
    for tid, t in scenario.treaties.items():
        states(t.parties, f"treaties.{tid}.parties")
    for aid, a in scenario.alliances.items():
        states(a.members, f"alliances.{aid}.members")
        for tid in a.recommendation:
            if tid not in scenario.treaties:
                raise UserError(src, f"alliances.{aid}.recommendation.{tid}", "unknown treaty")
    for k, h in enumerate(scenario.hostility):
        states(h.source, f"hostility.{k}.source")
        states(h.target, f"hostility.{k}.target")
    for group in ("events", "interventions"):
        for k, ev in enumerate(getattr(scenario, group)):
            key = f"{group}.{k}"
            for attr in ("states", "counterparts"):
                if hasattr(ev, attr):
                    states(getattr(ev, attr), f"{key}.{attr}")
            if hasattr(ev, "state"):
                if ev.state not in codes:
                    raise UserError(src, f"{key}.state", f"unknown state {ev.state!r}")
            if hasattr(ev, "alliance") and ev.alliance not in scenario.alliances:
                raise UserError(src, f"{key}.alliance", f"unknown alliance {ev.alliance!r}")
            if hasattr(ev, "treaty") and ev.treaty not in scenario.treaties:
                raise UserError(src, f"{key}.treaty", f"unknown treaty {ev.treaty!r}")


# --------------------------------------------------------------------------- the world
def seed_dependent(scenario: Scenario) -> bool:
    """Whether the world changes with the run's seed (a synthetic graph without a fixed seed)."""
    return scenario.network.kind != "borders" and scenario.network.seed is None


def graph_rng(scenario: Scenario, seed: int) -> np.random.Generator:
    """The network stream of a run (or of ``network.seed``, which fixes the graph)."""
    fixed = scenario.network.seed
    if fixed is not None:
        return np.random.default_rng(np.random.SeedSequence(int(fixed)))
    return np.random.default_rng(rngs.seed_sequence(seed, "network"))


def build_world(scenario: Scenario, seed: int = 0) -> World:
    """The world of a run of ``scenario`` with root seed ``seed``.

    A world that does not depend on the seed (real borders, or a synthetic graph with a fixed
    ``network.seed``) is built once and cached on the scenario, so every run shares it.
    """
    shared = not seed_dependent(scenario)
    if shared and scenario._world_cache is not None:
        return scenario._world_cache
    states = read_states(scenario)
    rows = states.included(scenario)
    codes = [r["iso3"] for r in rows]
    cfg = scenario.network
    rivals: list[str] = []
    km = None
    if cfg.kind == "borders":
        if cfg.file is None:
            raise UserError(scenario.source, "network.file", "a borders network needs a file")
        every = {r["iso3"] for r in states.rows}
        graph, km = read_borders(
            scenario.data_path(cfg.file, "network.file"), codes, scenario, every
        )
    else:
        try:
            graph = net.synthetic(
                cfg.kind,
                cfg.n,
                graph_rng(scenario, seed),
                mean_degree=cfg.mean_degree,
                k=cfg.k,
                rewire=cfg.rewire,
                m=cfg.m,
            )
        except ValueError as exc:
            key, _, msg = str(exc).partition(": ")
            raise UserError(scenario.source, f"network.{key}", msg) from None
        if cfg.rival == "hub":
            rivals = [codes[net.hub(graph.degrees())]]
    world = wd.build(scenario, rows, states.source, graph, km, rivals)
    if shared:
        scenario._world_cache = world
    return world
