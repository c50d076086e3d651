"""The world a scenario describes: states, their parameters, network, hostility and memberships.

Building it reads data files and computes proximity once; a world that does not depend on the
run's seed (real borders, or a synthetic graph with a fixed ``network.seed``) is cached on the
scenario and shared by every run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import networkx as nx
import numpy as np
import scipy.sparse as sp

from sim import network as net
from sim.datafiles import read_rows
from sim.errors import UserError
from sim.scenario import STATE_DEFAULTS, Scenario, StateParams

ALL, RIVAL, OTHERS = "*", "@rival", "@others"


@dataclass(frozen=True, eq=False)
class World:
    """Static structure of a run (arrays are indexed by state position)."""

    codes: list[str]
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    params: dict[str, np.ndarray]  # norm, threshold, threshold_spread, reactivity, ...
    graph: nx.Graph
    w: sp.csr_matrix  # neighbour weights
    hostility: sp.csr_matrix  # H_ij: i regards j as a threat
    hp: sp.csr_matrix  # H_ij * P_ij
    pairs: np.ndarray  # hostile neighbouring pairs (k, 2), i < j
    rivals: list[str]
    treaty_ids: list[str]
    parties: np.ndarray  # bool (n, n_treaties): party at start
    alliance_ids: list[str]
    alliance_of: list[str | None]
    decay: float
    max_distance: int
    _prox: dict[int, dict[int, float]] = field(default_factory=dict, repr=False)

    @cached_property
    def index(self) -> dict[str, int]:
        """State code -> position."""
        return {c: i for i, c in enumerate(self.codes)}

    @cached_property
    def w_rows(self) -> net.Rows:
        """Row-sum helper over W's structure (peer shares)."""
        return net.Rows(self.w.indptr)

    @cached_property
    def neighbour_weight(self) -> np.ndarray:
        """Row sums of W (0 for isolated states)."""
        return np.asarray(self.w.sum(axis=1)).ravel()

    def proximity(self, source: int) -> dict[int, float]:
        """Proximity of states near ``source`` (cached; used for war exposure)."""
        if source not in self._prox:
            self._prox[source] = net.proximity_from(self.w, source, self.decay, self.max_distance)
        return self._prox[source]

    def select(self, items: list[str], source: str, key: str) -> list[int]:
        """Positions of the states named by codes and selectors (``*``, ``@rival``, ...)."""
        out: list[int] = []
        for item in items:
            if item == ALL:
                out.extend(range(len(self.codes)))
            elif item == RIVAL:
                out.extend(self.index[c] for c in self.rivals)
            elif item == OTHERS:
                rivals = set(self.rivals)
                out.extend(i for i, c in enumerate(self.codes) if c not in rivals)
            elif item in self.index:
                out.append(self.index[item])
            else:
                raise UserError(source, key, f"unknown state {item!r}")
        return list(dict.fromkeys(out))


# --------------------------------------------------------------------------- states
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


def _read_states(scenario: Scenario) -> StatesFile:
    cfg = scenario.states
    if cfg.file is None:
        if scenario.network.kind == "borders":
            raise UserError(scenario.source, "states.file", "a borders network needs a states file")
        width = len(str(scenario.network.n - 1))
        rows = [
            {"iso3": f"S{i:0{width}d}", "name": f"State {i}"} for i in range(scenario.network.n)
        ]
        return StatesFile(scenario.source, rows)
    path = scenario.data_path(cfg.file, "states.file")
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
    return [r["iso3"] for r in _read_states(scenario).included(scenario)]


def _num(
    row: dict[str, str], column: str, source: str, lo: float = 0.0, hi: float = math.inf
) -> float:
    """A finite figure in ``[lo, hi]`` from a states-file column; blank means 0."""
    text = (row.get(column) or "").strip()
    if not text:
        return 0.0  # no figure (microstates, Iceland): no military effort
    key = f"{column} ({row.get('iso3', '?')})"
    try:
        value = float(text)
    except ValueError:
        raise UserError(source, key, f"not a number: {text!r}") from None
    if not (math.isfinite(value) and lo <= value <= hi):
        bounds = f">= {lo:g}" if hi == math.inf else f"in [{lo:g}, {hi:g}]"
        raise UserError(source, key, f"must be a finite number {bounds}, got {text!r}")
    return value


def _params(scenario: Scenario, rows: list[dict[str, str]], source: str) -> dict[str, np.ndarray]:
    cfg = scenario.states
    defaults = cfg.defaults.model_dump()
    base = StateParams().model_dump()
    fields = list(base)
    out = {f: np.empty(len(rows)) for f in fields}
    for i, row in enumerate(rows):
        over = cfg.overrides.get(row["iso3"])
        over_d = over.model_dump() if over else {}
        for f in fields:
            value = over_d.get(f)
            if value is None and cfg.file is not None and f in ("arms", "capacity"):
                column = cfg.arms_column if f == "arms" else cfg.capacity_column
                if column not in row:
                    raise UserError(scenario.source, f"states.{f}_column", f"no column {column!r}")
                value = _num(row, column, source) * (cfg.capacity_scale if f == "capacity" else 1.0)
            if value is None:
                value = defaults.get(f)
            if value is None:
                value = STATE_DEFAULTS[f]
            # NaN grievance means 'start in equilibrium' (see sim.arms.equilibrium_grievance).
            out[f][i] = math.nan if value is None else float(value)
    return out


# --------------------------------------------------------------------------- checks
def check_references(scenario: Scenario) -> None:
    """Every state code, treaty id and alliance id that the scenario names must exist."""
    codes = set(state_codes(scenario))
    selectors = {ALL, RIVAL, OTHERS}
    src = scenario.source

    def states(items: list[str], key: str) -> None:
        for k, item in enumerate(items):
            if item not in codes and item not in selectors:
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


# --------------------------------------------------------------------------- building
def seed_dependent(scenario: Scenario) -> bool:
    """Whether the world changes with the run's seed (a synthetic graph without a fixed seed)."""
    return scenario.network.kind != "borders" and scenario.network.seed is None


def build_world(scenario: Scenario, graph_seed: int) -> World:
    """Build (or fetch from the scenario's cache) the world of one run."""
    shared = not seed_dependent(scenario)
    if shared and scenario._world_cache is not None:
        return scenario._world_cache
    world = _build(scenario, graph_seed if scenario.network.seed is None else scenario.network.seed)
    if shared:
        scenario._world_cache = world
    return world


def _build(scenario: Scenario, graph_seed: int) -> World:
    states = _read_states(scenario)
    rows = states.included(scenario)
    codes = [r["iso3"] for r in rows]
    src = states.source
    cfg = scenario.network
    rivals: list[str] = []
    if cfg.kind == "borders":
        if cfg.file is None:
            raise UserError(scenario.source, "network.file", "a borders network needs a file")
        every = {r["iso3"] for r in states.rows}
        graph = net.read_borders(
            scenario.data_path(cfg.file, "network.file"), codes, cfg, scenario.source, every
        )
    else:
        graph = net.synthetic_graph(cfg, graph_seed, scenario.source)
        if cfg.rival == "hub":
            rivals = [codes[net.hub(graph)]]
        graph = nx.relabel_nodes(graph, dict(enumerate(codes)))
    w = net.weight_matrix(graph, codes)
    n = len(codes)

    world = World(
        codes=codes,
        names=[r.get("name", r["iso3"]) for r in rows],
        lat=np.array([_num(r, "lat", src, -90, 90) if r.get("lat") else math.nan for r in rows]),
        lon=np.array([_num(r, "lon", src, -180, 180) if r.get("lon") else math.nan for r in rows]),
        params=_params(scenario, rows, src),
        graph=graph,
        w=w,
        hostility=sp.csr_matrix((n, n)),
        hp=sp.csr_matrix((n, n)),
        pairs=np.zeros((0, 2), dtype=np.int64),
        rivals=rivals,
        treaty_ids=list(scenario.treaties),
        parties=np.zeros((n, len(scenario.treaties)), dtype=bool),
        alliance_ids=list(scenario.alliances),
        alliance_of=[None] * n,
        decay=cfg.proximity_decay,
        max_distance=cfg.proximity_max_distance,
    )
    src = scenario.source
    for t, (tid, treaty) in enumerate(scenario.treaties.items()):
        world.parties[world.select(treaty.parties, src, f"treaties.{tid}.parties"), t] = True
    for aid, alliance in scenario.alliances.items():
        for i in world.select(alliance.members, src, f"alliances.{aid}.members"):
            world.alliance_of[i] = aid
    hostility = _hostility_matrix(scenario, world)
    object.__setattr__(world, "hostility", hostility)
    object.__setattr__(
        world,
        "hp",
        net.hostile_proximity(w, hostility, cfg.proximity_decay, cfg.proximity_max_distance),
    )
    object.__setattr__(world, "pairs", net.hostile_neighbour_pairs(w, hostility))
    return world


def _hostility_matrix(scenario: Scenario, world: World) -> sp.csr_matrix:
    """H from the hostility rules; a later rule overrides an earlier one for the same pair."""
    n = len(world.codes)
    rows, cols, vals = [np.zeros(0, np.int64)], [np.zeros(0, np.int64)], [np.zeros(0)]
    for k, rule in enumerate(scenario.hostility):
        s_idx = np.array(world.select(rule.source, scenario.source, f"hostility.{k}.source"))
        t_idx = np.array(world.select(rule.target, scenario.source, f"hostility.{k}.target"))
        i, j = np.repeat(s_idx, len(t_idx)), np.tile(t_idx, len(s_idx))
        if rule.mutual:
            i, j = np.concatenate([i, j]), np.concatenate([j, i])
        keep = i != j
        rows.append(i[keep])
        cols.append(j[keep])
        vals.append(np.full(int(keep.sum()), rule.weight))
    r, c, v = (np.concatenate(a) for a in (rows, cols, vals))
    # Keep the last assignment of each (i, j): unique over the reversed key list.
    _, last = np.unique((r * n + c)[::-1], return_index=True)
    pick = len(r) - 1 - last
    return sp.csr_matrix((v[pick], (r[pick], c[pick])), shape=(n, n))
