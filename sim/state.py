"""The state of a batch of runs: every variable of the world as arrays with a leading runs axis.

A batch is R runs of scenarios that share a :class:`~sim.world.World` (the same states,
network, hostility and schedule of events); they may differ in every number (thresholds,
weights, Richardson coefficients, treaty rules: the design points of an experiment) and in
their seeds. State variables are ``(R, n)`` arrays (``(R, n, T)`` per treaty); per-run
parameters are ``(R, 1)`` columns that broadcast against them. One run is R = 1.

Run r of a batch computes exactly what it computes alone: every operation is element-wise along
the runs axis, neighbour sums go through :class:`sim.network.Rows`, and each run draws from its
own streams (:class:`sim.rng.Draws`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np
from pydantic import BaseModel

from sim import arms, rng, threat
from sim.schema import Scenario, WarStart
from sim.treaties import NON_PARTY, PARTY
from sim.world import World, state_params

NONE = -1  # a month that has not happened (no notice, not withdrawn)
#: Per-state parameters that may differ between runs of a batch.
STATE_FIELDS = ("norm", "threshold", "reactivity", "fatigue", "grievance", "arms", "capacity")


# --------------------------------------------------------------------------- parameters
class Block(SimpleNamespace):
    """One section of parameters (threat, decision, conflict): each a ``(R, 1)`` column."""


def _block(models: list[BaseModel]) -> Block:
    cls = type(models[0])
    out = {}
    for name in cls.model_fields:
        values = [getattr(m, name) for m in models]
        dtype = bool if isinstance(values[0], bool) else np.float64
        out[name] = np.array(values, dtype=dtype).reshape(-1, 1)
    return Block(**out)


@dataclass(eq=False)
class Params:
    """The per-run parameters of a batch (``(R, 1)`` columns; ``(R, T)`` per treaty)."""

    threat: Block
    decision: Block
    conflict: Block
    military_value: np.ndarray  # (R, T)
    salience: np.ndarray  # (R, T)
    _scalars: dict[int, SimpleNamespace] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, scenarios: list[Scenario]) -> Params:
        """Stack the parameters of one scenario per run."""
        return cls(
            threat=_block([s.threat for s in scenarios]),
            decision=_block([s.decision for s in scenarios]),
            conflict=_block([s.conflict for s in scenarios]),
            military_value=np.array(
                [[t.military_value for t in s.treaties.values()] for s in scenarios], dtype=float
            ).reshape(len(scenarios), -1),
            salience=np.array(
                [[t.salience for t in s.treaties.values()] for s in scenarios], dtype=float
            ).reshape(len(scenarios), -1),
        )

    def run(self, r: int) -> SimpleNamespace:
        """Run r's parameters as plain Python numbers (what an agent reads)."""
        if r not in self._scalars:
            self._scalars[r] = SimpleNamespace(
                **{
                    name: SimpleNamespace(**{k: v[r, 0].item() for k, v in vars(blk).items()})
                    for name, blk in (
                        ("threat", self.threat),
                        ("decision", self.decision),
                        ("conflict", self.conflict),
                    )
                },
                military_value=self.military_value[r].tolist(),
                salience=self.salience[r].tolist(),
            )
        return self._scalars[r]

    def take(self, runs: np.ndarray) -> Params:
        """The parameters of a subset of runs."""

        def sub(b: Block) -> Block:
            return Block(**{k: v[runs] for k, v in vars(b).items()})

        return Params(
            sub(self.threat),
            sub(self.decision),
            sub(self.conflict),
            self.military_value[runs],
            self.salience[runs],
        )


# --------------------------------------------------------------------------- wars
def war_pairs(world: World, scenario: Scenario) -> np.ndarray:
    """Every pair that can be at war: the hostile neighbours (hazards), then scheduled pairs."""
    pairs = [tuple(p) for p in world.pairs.tolist()]
    known = set(pairs)
    src = scenario.source
    for group in ("events", "interventions"):
        for k, ev in enumerate(getattr(scenario, group)):
            if not isinstance(ev, WarStart):
                continue
            left = world.select([ev.states[0]], src, f"{group}.{k}.states.0")
            right = world.select([ev.states[1]], src, f"{group}.{k}.states.1")
            for i in left:
                for j in right:
                    key = (min(i, j), max(i, j))
                    if i != j and key not in known:
                        known.add(key)
                        pairs.append(key)
    return np.array(pairs, dtype=np.int64).reshape(-1, 2)


# --------------------------------------------------------------------------- the state
@dataclass(eq=False)
class State:
    """Every variable of R runs. See the module docstring for shapes."""

    world: World
    scenarios: list[Scenario]  # one per run
    seeds: list[int]
    params: Params
    draws: rng.Draws
    month: int
    # states: (R, n)
    arms: np.ndarray
    capacity: np.ndarray
    threat: np.ndarray
    stimulus: np.ndarray
    norm: np.ndarray
    threshold: np.ndarray
    reactivity: np.ndarray
    fatigue: np.ndarray
    grievance: np.ndarray
    alliance: np.ndarray  # int64 alliance index, -1 for none
    # treaties: (R, n, T)
    status: np.ndarray  # int8 status codes (sim.treaties.CODE)
    since: np.ndarray  # month the pending notice or accession was deposited, -1
    notice_month: np.ndarray  # month of the latest notice, -1
    first_notice: np.ndarray  # month of the first notice, -1
    withdrawn_month: np.ndarray  # month the (latest) withdrawal took effect, -1
    held: np.ndarray  # bool: due but held by the armed-conflict clause
    # alliances and treaty rules (interventions change them): (R, A), (R, A, T), (R, T)
    credibility: np.ndarray
    recommendation: np.ndarray
    notice_months: np.ndarray
    conflict_clause: np.ndarray
    accession_months: np.ndarray
    # hostility x proximity, laid out like world.hp.data (mediation scales it): (R, nnz)
    hp_data: np.ndarray
    # conflict: (R, W) over war_pairs, (R, n) per state
    war_pairs: np.ndarray  # (W, 2); the first len(world.pairs) have hazards
    war: np.ndarray
    war_scheduled: np.ndarray
    war_start: np.ndarray
    at_war: np.ndarray
    exposure: np.ndarray
    incidents_now: np.ndarray
    incident_total: np.ndarray  # (R,)
    wars_begun: np.ndarray  # (R,)
    initial_arms: np.ndarray  # (R,) total capacity-weighted arms at the start
    failed: np.ndarray  # (R,) bool: a numeric error stopped the run
    errors: dict[int, Exception] = field(default_factory=dict)  # run -> why it failed
    streams: list[dict[str, np.random.Generator]] = field(default_factory=list)
    wars_changed: bool = True  # exposure must be recomputed
    alliances_changed: bool = True  # the alliance views below must be recomputed
    seen_credibility: np.ndarray | None = None  # (R, n) credibility of each state's alliance
    seen_recommendation: np.ndarray | None = None  # (R, n, T) its alliance's advice
    # The kernel's last peer shares per treaty, with the `moved` they came from (sim.kernel).
    peer_cache: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _exposure_cache: dict[tuple[int, ...], np.ndarray] = field(default_factory=dict)

    @property
    def runs(self) -> int:
        """R, the number of runs."""
        return len(self.seeds)

    @property
    def n(self) -> int:
        """The number of states."""
        return self.world.n

    def stream(self, r: int, name: str) -> np.random.Generator:
        """Run r's generator of a mechanism drawn at irregular times (made when first used)."""
        gens = self.streams[r]
        if name not in gens:
            gens[name] = rng.stream(self.seeds[r], name)
        return gens[name]

    def credibility_of_states(self) -> np.ndarray:
        """c_A(i) for every run and state (0 without an alliance)."""
        table = np.concatenate([self.credibility, np.zeros((self.runs, 1))], axis=1)
        return np.take_along_axis(table, self.alliance % table.shape[1], axis=1)

    def recommendation_of_states(self) -> np.ndarray:
        """r_A^T(t) for every run, state and treaty (0 without an alliance): (R, n, T)."""
        R, _, T = self.recommendation.shape
        table = np.concatenate([self.recommendation, np.zeros((R, 1, T))], axis=1)
        idx = (self.alliance % table.shape[1])[:, :, None]
        return np.take_along_axis(table, np.broadcast_to(idx, (*idx.shape[:2], T)), axis=1)

    def total_arms(self) -> np.ndarray:
        """Total military effort weighted by capacity, per run: (R,)."""
        return np.add.reduce(self.arms * self.capacity, axis=-1)

    def take(self, runs: np.ndarray) -> None:
        """Keep only the given runs (positions), in that order: the rest of the batch is done."""
        runs = np.asarray(runs, dtype=np.int64)
        for name, value in vars(self).items():
            if isinstance(value, np.ndarray) and name not in ("war_pairs",):
                setattr(self, name, np.ascontiguousarray(value[runs]))
        self.scenarios = [self.scenarios[int(r)] for r in runs]
        self.seeds = [self.seeds[int(r)] for r in runs]
        self.streams = [self.streams[int(r)] for r in runs]
        self.errors = {k: self.errors[int(r)] for k, r in enumerate(runs) if int(r) in self.errors}
        self.params = self.params.take(runs)
        self.draws.keep(runs)
        self.peer_cache = {}  # recomputed for the runs kept


def build(world: World, scenarios: list[Scenario], seeds: list[int]) -> State:
    """The state of R runs at month 0, before anything has happened.

    Heterogeneous thresholds: theta_i = theta + spread * z_i, one standard normal per state from
    the run's ``init`` stream. States without a given grievance start in Richardson equilibrium
    (:func:`sim.arms.equilibrium_grievance`), and perceived threat starts in equilibrium with the
    starting posture, before any incident or war: tau_0 = target(S_0).
    """
    R, n, T = len(scenarios), world.n, len(world.treaty_ids)
    A = len(world.alliance_ids)
    first = scenarios[0]
    per_run = [state_params(s, world) for s in scenarios]

    def stack(name: str) -> np.ndarray:
        return np.array([p[name] for p in per_run], dtype=np.float64).reshape(R, n)

    params = Params.of(scenarios)
    streams: list[dict[str, Any]] = [{} for _ in range(R)]
    threshold = stack("threshold")
    spread = np.nan_to_num(stack("threshold_spread"))
    for r in range(R):
        z = rng.stream(seeds[r], "init").standard_normal(n)
        threshold[r] = threshold[r] + spread[r] * z
    pairs = war_pairs(world, first)
    draws = rng.Draws(
        seeds, {"incidents": len(world.pairs), "wars": len(world.pairs), "decisions": n * T}
    )
    months = lambda: np.full((R, n, T), NONE, dtype=np.int64)  # noqa: E731
    state = State(
        world=world,
        scenarios=list(scenarios),
        seeds=[int(s) for s in seeds],
        params=params,
        draws=draws,
        month=0,
        arms=stack("arms"),
        capacity=stack("capacity"),
        threat=np.zeros((R, n)),
        stimulus=np.zeros((R, n)),
        norm=stack("norm"),
        threshold=threshold,
        reactivity=stack("reactivity"),
        fatigue=stack("fatigue"),
        grievance=stack("grievance"),
        alliance=np.broadcast_to(world.alliance_of, (R, n)).copy(),
        status=np.broadcast_to(np.where(world.parties, PARTY, NON_PARTY), (R, n, T)).copy(),
        since=months(),
        notice_month=months(),
        first_notice=months(),
        withdrawn_month=months(),
        held=np.zeros((R, n, T), dtype=bool),
        credibility=np.array(
            [[a.credibility for a in s.alliances.values()] for s in scenarios], dtype=float
        ).reshape(R, A),
        recommendation=np.array(
            [
                [
                    [a.recommendation.get(t, 0.0) for t in world.treaty_ids]
                    for a in s.alliances.values()
                ]
                for s in scenarios
            ],
            dtype=float,
        ).reshape(R, A, T),
        notice_months=_treaty_column(scenarios, "notice_months", np.int64),
        conflict_clause=_treaty_column(scenarios, "conflict_clause", bool),
        accession_months=_treaty_column(scenarios, "accession_months", np.int64),
        hp_data=np.broadcast_to(world.hp.data, (R, world.hp.nnz)).copy(),
        war_pairs=pairs,
        war=np.zeros((R, len(pairs)), dtype=bool),
        war_scheduled=np.zeros((R, len(pairs)), dtype=bool),
        war_start=np.full((R, len(pairs)), NONE, dtype=np.int64),
        at_war=np.zeros((R, n), dtype=bool),
        exposure=np.zeros((R, n)),
        incidents_now=np.zeros((R, n)),
        incident_total=np.zeros(R, dtype=np.int64),
        wars_begun=np.zeros(R, dtype=np.int64),
        initial_arms=np.zeros(R),
        failed=np.zeros(R, dtype=bool),
        streams=streams,
    )
    # Starting posture (nobody has moved) and the stimulus it sends.
    p = params.threat
    postures = threat.posture(state.arms, state.capacity, 0.0, delta=p.posture_delta)
    with np.errstate(over="ignore", invalid="ignore"):  # overflow: the first month reports it
        s0 = world.hp_rows.sums(state.hp_data * postures[:, world.hp.indices])
        g0 = arms.equilibrium_grievance(
            state.arms, s0, reactivity=state.reactivity, fatigue=state.fatigue
        )
    state.grievance = np.where(np.isnan(state.grievance), g0, state.grievance)
    tau0 = threat.target(
        s0,
        state.credibility_of_states(),
        0.0,
        0.0,
        scale=p.scale,
        reassurance=p.reassurance,
        incident_boost=p.incident_boost,
        war_boost=p.war_boost,
    )
    state.stimulus = s0
    state.threat = np.ascontiguousarray(np.broadcast_to(tau0, (R, n)), dtype=np.float64)
    state.initial_arms = state.total_arms()
    return state


def _treaty_column(scenarios: list[Scenario], name: str, dtype: Any) -> np.ndarray:
    values = [[getattr(t, name) for t in s.treaties.values()] for s in scenarios]
    return np.array(values, dtype=dtype).reshape(len(scenarios), -1)
