"""The escalation model: states leaving arms-control treaties and rearming, month by month.

The step order is written here, and only here (STYLE: one numbered place):

0. scheduled events and interventions of the month;
1. incidents and wars between hostile neighbours (hazards on the world as it is);
2. perceive: every state computes its threat stimulus and perceived threat;
3. decide: every state decides on arms and on each treaty, on the world as of step 2;
4. apply: all decisions take effect at once, then the legal process (Article 20) runs;
5. record: Mesa's DataCollector takes the month's row.

Two engines run phases 2-4: ``"agents"`` (the reference: each Mesa agent runs its rule) and
``"vectorized"`` (:mod:`sim.kernel`: the same rules on whole arrays). Both read and write the
same state arrays and draw the same random numbers, so they give identical results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import mesa
import numpy as np
import pandas as pd

from sim import arms, conflict, decisions, interventions, kernel, metrics, threat
from sim import rng as rngs
from sim.agents import Move, StateAgent
from sim.conflict import War
from sim.errors import NumericError, UserError
from sim.network import Rows
from sim.scenario import Scenario, load_scenario
from sim.state import ACCEDING, CODE, NOTICE, WITHDRAWN, StateArrays
from sim.treaties import Status, TreatyRules
from sim.world import World, build_world


@dataclass
class Alliance:
    """An alliance's mutable state: credibility and per-treaty recommendations."""

    id: str
    name: str
    credibility: float
    recommendation: dict[str, float] = field(default_factory=dict)


class EscalationModel(mesa.Model):
    """Treaty withdrawal cascades and rearmament among states (DESIGN §3).

    Args:
        scenario: a :class:`~sim.scenario.Scenario`, or a bundled name / path to load.
        rng: the root seed of the run (default: the scenario's ``seed``).
        record_states: collect one row per state per month (off for large sweeps).
        engine: ``"agents"`` (the Mesa reference) or ``"vectorized"`` (same results, faster).

    """

    def __init__(
        self,
        scenario: Scenario | str = "europe-2022",
        *,
        rng: int | None = None,
        record_states: bool = True,
        engine: str = "agents",
    ) -> None:
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        seed = scenario.seed if rng is None else rng
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise UserError("--seed", "seed", f"must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)
        self.streams = _streams = rng_streams(self.seed)
        super().__init__(rng=_streams["mesa"])
        self.config = scenario  # the validated Scenario (Mesa reserves `model.scenario`)
        if engine not in ENGINES:
            raise UserError("--engine", "engine", f"must be one of {', '.join(ENGINES)}")
        self.engine = engine
        self.world: World = build_world(scenario, rngs.graph_seed(self.seed))
        self.month = 0
        self.treaties = {
            tid: TreatyRules(
                tid,
                t.name,
                t.notice_months,
                t.conflict_clause,
                t.accession_months,
                t.military_value,
                t.salience,
            )
            for tid, t in scenario.treaties.items()
        }
        self.treaty_index = {tid: t for t, tid in enumerate(self.treaties)}
        self.alliances = {
            aid: Alliance(aid, a.name, a.credibility, dict(a.recommendation))
            for aid, a in scenario.alliances.items()
        }
        self.alliance_ids = list(self.alliances)
        self._schedule = interventions.schedule(scenario)
        self.hp = self.world.hp.copy()  # mediation scales its data; the structure stays
        self.hp_rows = Rows(self.hp.indptr)
        self.wars: dict[tuple[int, int], War] = {}
        self._wars_changed, self._wars_seen = 0, -1
        pairs = self.world.pairs
        self._pair_index = {(int(a), int(b)): k for k, (a, b) in enumerate(pairs)}
        self._pair_at_war = np.zeros(len(pairs), dtype=bool)
        self._pair_scheduled = np.zeros(len(pairs), dtype=bool)
        self.wars_begun = 0
        self.incident_total = 0
        self.log: list[dict[str, Any]] = []
        self.notices: list[dict[str, Any]] = []
        n = len(self.world.codes)
        self.at_war = np.zeros(n, dtype=bool)
        self.exposure = np.zeros(n)
        self.incidents_now = np.zeros(n)
        self.initial_parties = self.world.parties.sum(axis=0)
        self._make_agents()
        self._observe()
        self.initial_arms = self.total_arms()
        self.record_states = record_states
        self.datacollector = mesa.DataCollector(
            tables={"timeseries": metrics.timeseries_columns(self)},
            agent_reporters=metrics.agent_reporters(self) if record_states else None,
        )

    def _make_agents(self) -> None:
        w, n = self.world, len(self.world.codes)
        p = w.params
        self.arr = arr = StateArrays.empty(n, len(self.treaties))
        for name in ("arms", "capacity", "norm", "reactivity", "fatigue", "grievance"):
            getattr(arr, name)[:] = p[name]
        # Heterogeneous thresholds: theta_i = theta + spread * z_i (init stream, one draw each).
        spread = np.nan_to_num(p["threshold_spread"])
        arr.threshold[:] = p["threshold"] + spread * self.streams["init"].standard_normal(n)
        arr.alliance[:] = [self.alliance_ids.index(a) if a else -1 for a in w.alliance_of]
        arr.status[:] = np.where(w.parties, CODE[Status.PARTY], CODE[Status.NON_PARTY])
        self.states: list[StateAgent] = [
            StateAgent(self, i, code, w.names[i]) for i, code in enumerate(w.codes)
        ]
        # States without a given grievance start in Richardson equilibrium (sim.arms).
        moves = np.zeros(n)
        postures = threat.posture(arr.arms, arr.capacity, moves, self.config.threat.posture_delta)
        s0 = self.hp_rows.sums(self.hp.data * postures[self.hp.indices])
        with np.errstate(over="ignore", invalid="ignore"):  # overflow: caught in month 0
            g0 = arms.equilibrium_grievance(arr.arms, s0, arr.reactivity, arr.fatigue)
        arr.grievance[:] = np.where(np.isnan(arr.grievance), g0, arr.grievance)
        # Perceived threat starts in equilibrium with the starting posture, before any incident
        # or war: tau_0 = target(S_0). A scheduled war then raises it from month 0 on.
        c = self.config.threat
        tau0 = threat.threat_target(
            s0, c.scale, self.credibilities(), c.reassurance, 0.0, 0.0, c.incident_boost,
            c.war_boost,
        )  # fmt: skip
        arr.stimulus[:] = s0
        arr.threat[:] = arr.next_threat[:] = tau0
        arr.next_arms[:] = arr.arms

    # ------------------------------------------------------------------ the step
    def step(self) -> None:
        """Advance one month (see the module docstring for the order)."""
        # An unstable arms race may overflow; _check_finite stops the run with a clear error
        # right after perceiving, so numpy's warnings would only repeat it.
        with np.errstate(over="ignore", invalid="ignore"):
            self._step()

    def _step(self) -> None:
        t = self.month
        for ev in self._schedule.get(t, ()):  # 0. scheduled events and interventions
            interventions.apply(self, ev)
        self._conflicts()  # 1. incidents and wars
        self._observe()
        vectorized = self.engine == "vectorized"
        if vectorized:  # 2. perceive
            kernel.perceive(self)
        else:
            self.agents.do("perceive")
        self._check_finite()
        self.draws = self.streams["decisions"].random((len(self.states), len(self.treaties)))
        if vectorized:  # 3. decide and 4. apply
            kernel.advance(self, kernel.decide(self))
        else:
            self.agents.do("decide")
            self.agents.do("advance")
        self.datacollector.add_table_row("timeseries", metrics.timeseries_row(self))  # 5. record
        if self.record_states:
            self.datacollector.collect(self)
        self.month += 1

    def run(self, months: int | None = None) -> EscalationModel:
        """Run ``months`` months (default: the scenario's); returns the model for chaining."""
        for _ in range(self.config.months if months is None else months):
            self.step()
        return self

    def _check_finite(self) -> None:
        """Stop with a :class:`NumericError` naming the first non-finite state variable."""
        arr = self.arr
        for name in ("arms", "threat", "stimulus"):  # the cause before its effects
            values = getattr(arr, name)
            if not np.isfinite(values).all():
                i = int(np.flatnonzero(~np.isfinite(values))[0])
                raise NumericError(
                    self.config.source,
                    self.states[i].iso3,
                    self.month,
                    self.config.date_of(self.month),
                    name,
                    float(values[i]),
                )

    # ------------------------------------------------------------------ what states see
    def _observe(self) -> None:
        """Shared observations of the world as it stands: moves, norm erosion, war exposure."""
        arr = self.arr
        self.moved = (arr.status == NOTICE) | (arr.status == WITHDRAWN)
        gone = self.moved | (arr.status == ACCEDING)
        share = (gone & self.world.parties).sum(axis=0) / np.maximum(self.initial_parties, 1)
        erosion = self.config.decision.norm_erosion
        salience = np.array([r.salience for r in self.treaties.values()])
        self.salience_eff = salience * (1.0 - erosion * share)
        delta = self.config.threat.posture_delta
        self.postures = threat.posture(arr.arms, arr.capacity, self.moved.sum(axis=1), delta)
        if self._wars_seen != self._wars_changed:  # exposure only changes with the wars
            self._wars_seen = self._wars_changed
            self.exposure = conflict.war_exposure(
                self.at_war,
                {int(j): self.world.proximity(int(j)) for j in np.flatnonzero(self.at_war)},
                len(self.states),
            )

    def threat_sources(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """States i regards as a threat, and H_ij * P_ij for each."""
        lo, hi = self.hp.indptr[i], self.hp.indptr[i + 1]
        return self.hp.indices[lo:hi], self.hp.data[lo:hi]

    def peer_share(self, i: int, t: int) -> float:
        """Weighted share of i's neighbours that moved on treaty t (sim.decisions.peer_share)."""
        w = self.world.w
        lo, hi = w.indptr[i], w.indptr[i + 1]
        return decisions.peer_share(
            w.data[lo:hi], self.moved[w.indices[lo:hi], t], self.world.neighbour_weight[i]
        )

    def moved_neighbours(self, i: int, t: int) -> tuple[str, ...]:
        """The codes of i's neighbours that have given notice on or left treaty t."""
        w = self.world.w
        nbrs = w.indices[w.indptr[i] : w.indptr[i + 1]]
        return tuple(self.world.codes[j] for j in nbrs[self.moved[nbrs, t]])

    def credibility(self, alliance: str | None) -> float:
        """The credibility of a state's alliance (0 without one)."""
        return self.alliances[alliance].credibility if alliance else 0.0

    def credibilities(self) -> np.ndarray:
        """c_A(i) for every state (0 without an alliance)."""
        table = np.array([a.credibility for a in self.alliances.values()] + [0.0])
        return table[self.arr.alliance]  # index -1 picks the trailing 0

    def recommendations(self, t: int) -> np.ndarray:
        """r_A^T(t) for every state and treaty column t (0 without an alliance)."""
        tid = list(self.treaties)[t]
        table = np.array([a.recommendation.get(tid, 0.0) for a in self.alliances.values()] + [0.0])
        return table[self.arr.alliance]

    def recommendation(self, alliance: str | None, treaty: str) -> float:
        """The alliance's recommendation to leave a treaty (0 without one)."""
        return self.alliances[alliance].recommendation.get(treaty, 0.0) if alliance else 0.0

    def total_arms(self) -> float:
        """Total military effort weighted by capacity (spending, in the scenario's units)."""
        return float(np.add.reduce(self.arr.arms * self.arr.capacity))

    # ------------------------------------------------------------------ conflict
    def _conflicts(self) -> None:
        pairs = self.world.pairs
        u_inc = self.streams["incidents"].random(len(pairs))
        u_war = self.streams["wars"].random(len(pairs))
        self.incidents_now = np.zeros(len(self.states))
        if not len(pairs):
            return
        tau = self.arr.threat
        c = self.config.conflict
        incident, onset, end = conflict.hazards(
            tau[pairs[:, 0]],
            tau[pairs[:, 1]],
            self._pair_at_war,
            self._pair_scheduled,
            u_inc,
            u_war,
            c.incident_base,
            c.incident_coupling,
            c.war_onset,
            c.war_end,
        )
        keys = pairs.tolist()
        for k in np.flatnonzero(incident):
            a, b = keys[k]
            self.incidents_now[[a, b]] += 1
            self.incident_total += 1
            self.log_event(
                "incident",
                f"Incident between {self.states[a].iso3} and {self.states[b].iso3}",
                self.states[a].iso3,
                other=self.states[b].iso3,
            )
        for k in np.flatnonzero(end):
            self.end_war(*keys[k])
        for k in np.flatnonzero(onset):
            self.start_war(*keys[k], scheduled=False)

    def start_war(self, a: int, b: int, scheduled: bool) -> None:
        """An armed conflict begins between states a and b."""
        key = (min(a, b), max(a, b))
        if key in self.wars:
            return
        self.wars[key] = War(key[0], key[1], self.month, scheduled)
        self.wars_begun += 1
        self._wars_updated()
        how = "scheduled" if scheduled else "escalation"
        ca, cb = self.states[key[0]].iso3, self.states[key[1]].iso3
        self.log_event("war_start", f"War between {ca} and {cb} ({how})", ca, other=cb)

    def _wars_updated(self) -> None:
        """Refresh who is at war (states and hostile pairs) after a war starts or ends."""
        self.at_war[:] = False
        self._pair_at_war[:] = False
        self._pair_scheduled[:] = False
        for key, war in self.wars.items():
            self.at_war[list(key)] = True
            k = self._pair_index.get(key)
            if k is not None:
                self._pair_at_war[k], self._pair_scheduled[k] = True, war.scheduled
        self._wars_changed += 1

    def end_war(self, a: int, b: int) -> None:
        """The armed conflict between a and b ends."""
        key = (min(a, b), max(a, b))
        if self.wars.pop(key, None) is None:
            return
        self._wars_updated()
        ca, cb = self.states[key[0]].iso3, self.states[key[1]].iso3
        self.log_event("war_end", f"War between {ca} and {cb} ends", ca, other=cb)

    def scale_hostility(self, group: list[int], others: list[int], factor: float) -> None:
        """Multiply H (hence H*P) between two groups of states by ``factor``, both ways.

        Each directed tie i -> j with one end in each group is scaled once, also when the
        groups overlap (e.g. ``counterparts = ["*"]``).
        """
        n = len(self.states)
        in_group, in_others = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
        in_group[group], in_others[others] = True, True
        hp = self.hp.copy()
        rows = np.repeat(np.arange(n), np.diff(hp.indptr))
        cols = hp.indices
        between = (in_group[rows] & in_others[cols]) | (in_others[rows] & in_group[cols])
        hp.data[between] *= factor
        self.hp = hp

    # ------------------------------------------------------------------ the legal process
    def give_notice(
        self, agent: StateAgent, treaty: str, move: Move | None, moved: list[str]
    ) -> None:
        """Agent deposits its instrument of withdrawal from ``treaty`` this month."""
        agent.status[treaty] = Status.NOTICE
        agent.since[treaty] = agent.notice_month[treaty] = self.month
        self.record_notice(agent, treaty, move, moved)

    def record_notice(
        self, agent: StateAgent, treaty: str, move: Move | None, moved: list[str]
    ) -> None:
        """Record a notice with why (the pressure terms, the neighbours that had moved)."""
        record = metrics.notice_record(self, agent, treaty, move, moved)
        self.notices.append(record)
        self.log.append(record)

    def start_accession(self, agent: StateAgent, treaty: str, move: Move) -> None:
        """Agent deposits an instrument of accession to a treaty it had left."""
        agent.status[treaty] = Status.ACCEDING
        agent.since[treaty] = self.month
        self.log_accession(agent, treaty, move)

    def log_accession(self, agent: StateAgent, treaty: str, move: Move) -> None:
        """Log an instrument of accession."""
        self.log_event(
            "accession",
            f"{agent.iso3} moves to rejoin {self.treaties[treaty].name} "
            f"(pressure {move.pressure.total:.2f})",
            agent.iso3,
            treaty,
        )

    def log_rejoined(self, agent: StateAgent, treaty: str) -> None:
        """Log a state becoming a party again."""
        name = self.treaties[treaty].name
        self.log_event("rejoined", f"{agent.iso3} is a party to {name} again", agent.iso3, treaty)

    def log_withdrawal(self, agent: StateAgent, treaty: str) -> None:
        """Log a withdrawal taking effect."""
        since = self.config.date_of(agent.notice_month[treaty])
        self.log_event(
            "withdrawn",
            f"{agent.iso3}'s withdrawal from {self.treaties[treaty].name} "
            f"takes effect (notice {since})",
            agent.iso3,
            treaty,
        )

    def log_held(self, agent: StateAgent, treaty: str) -> None:
        """Log a withdrawal held by the armed-conflict clause."""
        self.log_event(
            "held",
            f"{agent.iso3}'s withdrawal from {self.treaties[treaty].name} is "
            "due but held by Article 20: engaged in armed conflict",
            agent.iso3,
            treaty,
        )

    def log_event(
        self, kind: str, message: str, iso3: str = "", treaty: str = "", other: str = ""
    ) -> None:
        """Append a plain-language event to the run's log."""
        self.log.append(
            {
                "month": self.month,
                "date": self.config.date_of(self.month),
                "kind": kind,
                "iso3": iso3,
                "treaty": treaty,
                "other": other,
                "message": message,
            }
        )

    # ------------------------------------------------------------------ outputs
    def summary(self) -> dict[str, Any]:
        """The run's outcomes: the object ``escalation run --json`` prints."""
        return metrics.summary(self)

    def timeseries(self) -> pd.DataFrame:
        """One row per month: per-treaty counts, threat, arms, incidents, wars."""
        return metrics.timeseries(self)

    def states_frame(self) -> pd.DataFrame:
        """One row per state per month."""
        return metrics.states_frame(self)

    def events_frame(self) -> pd.DataFrame:
        """The event log with the pressure terms of every notice."""
        return metrics.events_frame(self)

    def cascade(self) -> dict[str, Any]:
        """The cascade tree per treaty: who followed whom."""
        return metrics.cascade(self)


ENGINES = ("agents", "vectorized")


def rng_streams(seed: int) -> dict[str, np.random.Generator]:
    """Per-mechanism generators from one root seed (see :mod:`sim.rng`)."""
    return rngs.streams(seed)
