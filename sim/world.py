"""The world a scenario describes: states, network, hostility, memberships (the static structure).

A :class:`World` is what every run of a batch shares: who the states are, who borders whom, who
regards whom as a threat, who is party to what and allied with whom at the start. It is built
from data already read and validated (:mod:`sim.scenario` reads the files); no file is read
here. The numbers that may differ between the runs of a batch (thresholds, norms, Richardson
coefficients, ...) come from :func:`state_params`, per scenario.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp

from sim import network as net
from sim.errors import UserError
from sim.schema import STATE_DEFAULTS, Scenario, StateParams

if TYPE_CHECKING:
    import networkx as nx

ALL, RIVAL, OTHERS = "*", "@rival", "@others"
SELECTORS = frozenset({ALL, RIVAL, OTHERS})


@dataclass(frozen=True, eq=False)
class World:
    """Static structure of a run (arrays are indexed by state position)."""

    codes: list[str]
    names: list[str]
    lat: np.ndarray
    lon: np.ndarray
    rows: list[dict[str, str]]  # the states file's rows (for the per-scenario parameters)
    source: str  # the states file (the scenario file for synthetic states), for errors
    w: sp.csr_matrix  # neighbour weights
    border_km: sp.csr_matrix  # land border length in km (0 where unknown or sea)
    hostility: sp.csr_matrix  # H_ij: i regards j as a threat
    hp: sp.csr_matrix  # H_ij * P_ij
    pairs: np.ndarray  # hostile neighbouring pairs (k, 2), i < j
    rivals: list[str]
    treaty_ids: list[str]
    parties: np.ndarray  # bool (n, n_treaties): party at start
    alliance_ids: list[str]
    alliance_of: np.ndarray  # (n,) alliance index at start, -1 for none
    decay: float
    max_distance: int
    _prox: dict[int, dict[int, float]] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """The number of states."""
        return len(self.codes)

    @cached_property
    def index(self) -> dict[str, int]:
        """State code -> position."""
        return {c: i for i, c in enumerate(self.codes)}

    @cached_property
    def w_rows(self) -> net.Rows:
        """Row sums over W's structure (peer shares)."""
        return net.Rows(self.w.indptr)

    @cached_property
    def hp_rows(self) -> net.Rows:
        """Row sums over HP's structure (threat stimulus)."""
        return net.Rows(self.hp.indptr)

    @cached_property
    def neighbour_weight(self) -> np.ndarray:
        """Row sums of W (0 for isolated states), through the model's one neighbour sum."""
        return self.w_rows.sums(self.w.data)

    @cached_property
    def degree(self) -> np.ndarray:
        """The number of neighbours of every state."""
        return np.diff(self.w.indptr)

    @cached_property
    def graph(self) -> nx.Graph:
        """The neighbour graph as a networkx graph (layouts and analysis; not used to run)."""
        import networkx as nx

        g = nx.Graph()
        g.add_nodes_from(self.codes)
        coo = sp.triu(self.w, k=1).tocoo()
        g.add_weighted_edges_from(
            (self.codes[i], self.codes[j], float(v))
            for i, j, v in zip(coo.row.tolist(), coo.col.tolist(), coo.data.tolist(), strict=True)
        )
        return g

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


# --------------------------------------------------------------------------- building
def build(
    scenario: Scenario,
    rows: list[dict[str, str]],
    source: str,
    graph: net.Graph,
    border_km: sp.csr_matrix | None = None,
    rivals: list[str] | None = None,
) -> World:
    """The World of a scenario from its (already read) state rows and neighbour graph."""
    codes = [r["iso3"] for r in rows]
    n = len(codes)
    cfg = scenario.network
    w = graph.w
    alliance_ids = list(scenario.alliances)
    world = World(
        codes=codes,
        names=[r.get("name") or r["iso3"] for r in rows],
        lat=_coordinate(rows, "lat", source, 90),
        lon=_coordinate(rows, "lon", source, 180),
        rows=rows,
        source=source,
        w=w,
        border_km=border_km if border_km is not None else sp.csr_matrix((n, n)),
        hostility=sp.csr_matrix((n, n)),
        hp=sp.csr_matrix((n, n)),
        pairs=np.zeros((0, 2), dtype=np.int64),
        rivals=list(rivals or []),
        treaty_ids=list(scenario.treaties),
        parties=np.zeros((n, len(scenario.treaties)), dtype=bool),
        alliance_ids=alliance_ids,
        alliance_of=np.full(n, -1, dtype=np.int64),
        decay=cfg.proximity_decay,
        max_distance=cfg.proximity_max_distance,
    )
    src = scenario.source
    for t, (tid, treaty) in enumerate(scenario.treaties.items()):
        world.parties[world.select(treaty.parties, src, f"treaties.{tid}.parties"), t] = True
    for a, (aid, alliance) in enumerate(scenario.alliances.items()):
        world.alliance_of[world.select(alliance.members, src, f"alliances.{aid}.members")] = a
    hostility = _hostility_matrix(scenario, world)
    hp = net.hostile_proximity(w, hostility, cfg.proximity_decay, cfg.proximity_max_distance)
    object.__setattr__(world, "hostility", hostility)
    object.__setattr__(world, "hp", hp)
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
    out = sp.csr_matrix((v[pick], (r[pick], c[pick])), shape=(n, n))
    out.sort_indices()
    return out


def _coordinate(rows: list[dict[str, str]], column: str, source: str, bound: float) -> np.ndarray:
    """Capital coordinates in degrees (NaN where not given; all NaN for synthetic states)."""
    if not rows or column not in rows[0]:
        return np.full(len(rows), math.nan)
    return np.array(
        [_num(r, column, source, -bound, bound) if r.get(column) else math.nan for r in rows]
    )


# --------------------------------------------------------------------------- state parameters
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


def state_params(scenario: Scenario, world: World) -> dict[str, np.ndarray]:
    """Every state's behavioural parameters and starting arms: override, data, default.

    A NaN grievance means "start in Richardson equilibrium"
    (:func:`sim.arms.equilibrium_grievance`). Cached on the scenario (a batch shares the world,
    not the parameters).
    """
    cached = scenario._params_cache
    if cached is not None and cached[0] is world:
        return cached[1]
    cfg = scenario.states
    defaults = cfg.defaults.model_dump()
    rows, n = world.rows, world.n
    out: dict[str, np.ndarray] = {}
    for f in StateParams.model_fields:
        value = defaults.get(f)
        value = STATE_DEFAULTS[f] if value is None else value
        # No default grievance means "start in equilibrium": NaN until sim.state fills it in.
        out[f] = np.full(n, math.nan if value is None else float(value))
        if cfg.file is not None and f in ("arms", "capacity"):
            column = cfg.arms_column if f == "arms" else cfg.capacity_column
            if rows and column not in rows[0]:
                raise UserError(scenario.source, f"states.{f}_column", f"no column {column!r}")
            scale = cfg.capacity_scale if f == "capacity" else 1.0
            out[f] = np.array([_num(row, column, world.source) * scale for row in rows])
    for code, over in cfg.overrides.items():  # an override beats the data and the defaults
        i = world.index[code]
        for f, value in over.model_dump().items():
            if value is not None:
                out[f][i] = float(value)
    scenario._params_cache = (world, out)
    return out
