"""The escalation model: states leaving arms-control treaties and rearming, month by month.

The order of a month is written here, and only here (:meth:`Batch.step`, STYLE: one numbered
place):

0. scheduled events and interventions of the month (:mod:`sim.events`);
1. incidents and wars between hostile neighbours, on the world as it is
   (:func:`sim.apply.conflicts`);
2. observe: what every state can see (:mod:`sim.observe`);
3. decide: the engine's states perceive threat and decide on arms and on each treaty, on the world
   as of step 2, and return their decisions (:mod:`sim.agents` or :mod:`sim.kernel`);
4. apply: all decisions take effect at once, then the legal process (Article 20) runs
   (:func:`sim.apply.apply`);
5. record: the month's row of the series (and Mesa's DataCollector, for a Mesa model).

A :class:`Batch` runs R runs of scenarios that share a World on the vectorised engine, with no
per-run Python objects. :class:`EscalationModel` is one run as a Mesa model: its states are real
Mesa agents (views of its slice of the arrays), and either engine decides for it. Both step
through :meth:`Batch.step`, so they give identical results, bit for bit.
"""

from __future__ import annotations

from typing import Any, Protocol

import mesa
import numpy as np
import pandas as pd

from sim import apply as applying
from sim import events, observe, outcomes
from sim import rng as rngs
from sim import state as st
from sim.agents import AgentEngine, StateAgent
from sim.errors import NumericError, UserError
from sim.journal import Journal
from sim.kernel import Kernel
from sim.scenario import Scenario, build_world, load_scenario
from sim.world import World

ENGINES = ("agents", "vectorized")


class Engine(Protocol):
    """What an engine does: decide, for every run and state of the month."""

    name: str

    def decide(self, state: st.State, seen: observe.Seen, u: np.ndarray) -> applying.Decisions:
        """The month's decisions (``u``: the month's decision uniforms)."""


class Batch:
    """R runs of scenarios that share a World, stepped together.

    Args:
        scenarios: one validated scenario per run (they must share their World and schedule).
        seeds: one root seed per run.
        world: the shared World (default: built from the first scenario and seed).
        engine: the engine that decides (default: the vectorised kernel).
        record_states: keep every state's variables every month (single runs' ``states_frame``).
        strict: raise :class:`NumericError` when a run turns non-finite (a single run);
            otherwise the run is marked failed and the others go on.

    """

    def __init__(
        self,
        scenarios: list[Scenario],
        seeds: list[int],
        *,
        world: World | None = None,
        engine: Engine | None = None,
        record_states: bool = False,
        strict: bool = False,
    ) -> None:
        if len(scenarios) != len(seeds) or not scenarios:
            raise ValueError("a batch needs one seed per scenario, and at least one run")
        self.world = world if world is not None else build_world(scenarios[0], int(seeds[0]))
        self.state = st.build(self.world, scenarios, [int(s) for s in seeds])
        self.journal = Journal()
        self.series = outcomes.Series(len(seeds), self.world.treaty_ids, record_states)
        self.engine: Engine = engine or Kernel()
        self.schedule = events.schedule(scenarios[0])
        self.strict = strict
        self.last: applying.Decisions | None = None  # the decisions of the last month
        self.seen: observe.Seen | None = None  # what states saw in the last month

    @property
    def month(self) -> int:
        """Months simulated so far (0 = the scenario's start)."""
        return self.state.month

    def step(self) -> None:
        """Advance every run by one month (the order of a month: see the module docstring)."""
        state, journal = self.state, self.journal
        # An unstable arms race may overflow: the check below names the run, state and
        # variable, so numpy's warnings would only repeat it.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            u = state.draws.month(state.month)
            for k, ev in self.schedule.get(state.month, ()):  # 0. events and interventions
                events.apply_event(state, journal, k, ev)
            applying.conflicts(state, journal, u.get("incidents"), u.get("wars"))  # 1.
            seen = observe.observe(state)  # 2. observe
            decided = self.engine.decide(state, seen, u["decisions"])  # 3. decide
            self._check_finite(decided)
            applying.apply(state, journal, decided, seen.recommendation)  # 4. apply
            self.series.record(state)  # 5. record
        self.seen, self.last = seen, decided
        state.month += 1

    def run(self, months: int) -> Batch:
        """Run ``months`` months; returns the batch for chaining."""
        for _ in range(months):
            self.step()
        return self

    def _check_finite(self, d: applying.Decisions) -> None:
        """Mark (or, if strict, stop) runs whose decided arms, threat or stimulus are not finite.

        The month a value is made is the month it is named.
        """
        state = self.state
        # The cause before its effects: the state as the month found it (a value set by hand
        # between months), then what the month decided from it.
        checks = (
            ("arms", state.arms),
            ("threat", state.threat),
            ("arms", d.arms),
            ("threat", d.threat),
            ("stimulus", d.stimulus),
        )
        # A NaN or an infinity anywhere makes a run's sum non-finite (a sum of finite values
        # may overflow too: such a run is looked at closely below and found fine).
        bad = np.zeros(state.runs, dtype=bool)
        for _, values in checks:
            bad |= ~np.isfinite(np.add.reduce(values, axis=-1))
        bad &= ~state.failed
        for r in np.flatnonzero(bad).tolist():
            for name, values in checks:  # the cause before its effects
                row = values[r]
                if not np.isfinite(row).all():
                    i = int(np.flatnonzero(~np.isfinite(row))[0])
                    sc = state.scenarios[r]
                    err = NumericError(
                        sc.source,
                        self.world.codes[i],
                        state.month,
                        sc.date_of(state.month),
                        name,
                        float(row[i]),
                    )
                    if self.strict:
                        raise err
                    state.failed[r] = True
                    state.errors[r] = err
                    break

    # ------------------------------------------------------------------ outcomes
    def outcomes(self) -> outcomes.Outcomes:
        """Every summary field as a column over the runs."""
        return outcomes.Outcomes(self.state, self.series, self.journal, self.engine.name)

    def take(self, runs: np.ndarray) -> None:
        """Keep only the given runs (their positions), e.g. the ones not yet settled."""
        self.state.take(runs)
        self.journal.take(runs)
        self.series.take(runs)


# --------------------------------------------------------------------------- the Mesa model
class EscalationModel(mesa.Model):
    """Treaty withdrawal cascades and rearmament among states (DESIGN §3): one run, Mesa agents.

    Args:
        scenario: a :class:`~sim.schema.Scenario`, or a bundled name / path to load.
        rng: the root seed of the run (default: the scenario's ``seed``).
        record_states: collect one row per state per month (off for large sweeps).
        engine: ``"agents"`` (the Mesa reference) or ``"vectorized"`` (same results, faster).
        **overrides: scenario keys to override, ``__`` for dots (``decision__w_peer=0.8``), so
            that ``mesa.batch_run(EscalationModel, {"decision__w_peer": [0.4, 0.8]})`` works.

    ``running`` turns false when the scenario's months are done, so Mesa's ``run_model()`` and
    ``batch_run`` stop there; ``step()`` may still be called for more months.

    """

    def __init__(
        self,
        scenario: Scenario | str = "europe-2022",
        *,
        rng: int | None = None,
        record_states: bool = True,
        engine: str = "agents",
        **overrides: Any,
    ) -> None:
        if not isinstance(scenario, Scenario) or overrides:
            base = scenario if isinstance(scenario, str) else scenario.source
            if isinstance(scenario, Scenario) and overrides:
                raise UserError("--set", "", "pass overrides with a scenario name or path")
            scenario = load_scenario(base, **overrides)
        seed = scenario.seed if rng is None else rng
        if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
            raise UserError("--seed", "seed", f"must be a non-negative integer, got {seed!r}")
        if engine not in ENGINES:
            raise UserError("--engine", "engine", f"must be one of {', '.join(ENGINES)}")
        self.seed = int(seed)
        super().__init__(rng=rngs.stream(self.seed, "mesa"))
        self.config = scenario  # the validated Scenario (Mesa reserves `model.scenario`)
        self.world: World = build_world(scenario, self.seed)
        decider: Engine = AgentEngine(self) if engine == "agents" else Kernel()
        self.batch = Batch(
            [scenario],
            [self.seed],
            world=self.world,
            engine=decider,
            record_states=record_states,
            strict=True,
        )
        self.engine = engine
        self.run_params = self.batch.state.params.run(0)  # what an agent reads
        self.world_weight = self.world.neighbour_weight.tolist()  # sum_j W_ij of each state
        self.states: list[StateAgent] = [
            StateAgent(self, i, code, self.world.names[i])
            for i, code in enumerate(self.world.codes)
        ]
        self.datacollector = mesa.DataCollector(model_reporters=model_reporters(self))
        self.running = scenario.months > 0

    # ------------------------------------------------------------------ stepping
    @property
    def state(self) -> st.State:
        """The run's state arrays (a batch of one)."""
        return self.batch.state

    @property
    def month(self) -> int:
        """Months simulated so far (0 = the scenario's start)."""
        return self.batch.month

    def step(self) -> None:
        """Advance one month (the order: :meth:`Batch.step`)."""
        self.batch.step()
        self.datacollector.collect(self)
        self.running = self.month < self.config.months

    def run(self, months: int | None = None) -> EscalationModel:
        """Run ``months`` months (default: the scenario's); returns the model for chaining."""
        for _ in range(self.config.months if months is None else months):
            self.step()
        return self

    # ------------------------------------------------------------------ what the month saw
    @property
    def treaties(self) -> dict[str, Any]:
        """Treaty id -> its configuration in the scenario."""
        return dict(self.config.treaties)

    @property
    def last_decisions(self) -> applying.Decisions | None:
        """The decisions of the month last simulated (None before the first step)."""
        return self.batch.last

    def total_arms(self) -> float:
        """Total military effort weighted by capacity."""
        return float(self.state.total_arms()[0])

    # ------------------------------------------------------------------ outputs
    def _outcomes(self) -> outcomes.Outcomes:
        return self.batch.outcomes()

    def summary(self) -> dict[str, Any]:
        """The run's outcomes: the object ``escalation run --json`` prints."""
        out = self.batch.outcomes().summary(0)
        out["engine"] = self.engine
        return out

    def timeseries(self) -> pd.DataFrame:
        """One row per month: per-treaty counts, threat, arms, incidents, wars."""
        return self.batch.series.frame(0, self.config.start)

    def states_frame(self) -> pd.DataFrame:
        """One row per state per month (empty unless ``record_states``)."""
        return outcomes.states_frame(self.batch.series, self.state, 0)

    def events_frame(self) -> pd.DataFrame:
        """The event log with the pressure terms of every notice."""
        return outcomes.Story(self.state, self.batch.journal, 0).frame()

    def cascade(self) -> dict[str, Any]:
        """The cascade tree per treaty: who followed whom."""
        return outcomes.Story(self.state, self.batch.journal, 0).cascade()


def model_reporters(model: EscalationModel) -> dict[str, Any]:
    """Mesa model reporters (what ``mesa.batch_run`` returns per run): counts, threat, arms."""
    series = model.batch.series
    reporters: dict[str, Any] = {}
    for tid in model.world.treaty_ids:
        for what in ("notice", "withdrawn"):
            col = series.names.index(f"{tid}_{what}")
            reporters[f"{tid}_{what}"] = lambda m, col=col: int(
                m.batch.series.data[0, m.batch.series.months - 1, col]
            )
    for name in ("mean_threat", "total_arms", "wars"):
        col = series.names.index(name)
        reporters[name] = lambda m, col=col: float(
            m.batch.series.data[0, m.batch.series.months - 1, col]
        )
    return reporters
