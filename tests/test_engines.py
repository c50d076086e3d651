"""The two engines, one model (DESIGN §4, issue 4): same seed, identical everything.

The vectorised engine (``engine="vectorized"``, :mod:`sim.kernel`) must give exactly the
trajectories and outputs of the Mesa reference (``engine="agents"``): not close, equal. Checked

- on every bundled scenario for a few seeds: ``summary()`` (but its ``engine`` field),
  ``timeseries()``, ``states_frame()``, ``events_frame()`` and ``cascade()``;
- on hypothesis-generated small scenarios with every mechanism switched on at random: every
  state array, the event log, the wars and the hostility after every month, then the outputs.

Also here: in the vectorised engine the agents are real Mesa agents whose attributes are views
of the model's arrays, and a World that does not depend on the seed is built once and shared.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

import mesa.agentset
import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import sim
from sim import EscalationModel
from sim.agents import StateAgent
from sim.output import to_json
from sim.scenario import Scenario, load_scenario, validate
from sim.state import STATUS_BY_CODE
from sim.treaties import Status
from sim.world import check_references

AGENTS, VECTORIZED = "agents", "vectorized"
FRAMES = ("timeseries", "states_frame", "events_frame")


# --------------------------------------------------------------------------- comparing runs
def _same(x: Any, y: Any) -> bool:
    """Exact equality, with NaN equal to NaN (the log's pressure terms on forced notices)."""
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return bool(x == y)


def assert_same_log(a: list[dict[str, Any]], b: list[dict[str, Any]], where: str) -> None:
    for k, (ra, rb) in enumerate(zip(a, b, strict=False)):
        assert ra.keys() == rb.keys(), f"{where}: log entry {k} has other keys"
        bad = [key for key in ra if not _same(ra[key], rb[key])]
        assert not bad, f"{where}: log entry {k} differs in {bad}:\n  {ra}\n  {rb}"
    assert len(a) == len(b), f"{where}: {len(a)} log entries (agents) vs {len(b)} (vectorized)"


def assert_same_state(a: EscalationModel, b: EscalationModel, where: str) -> None:
    """Every state array, the log, wars, counters, hostility, alliances and treaty rules."""
    assert a.month == b.month, where
    for f in dataclasses.fields(a.arr):
        x, y = getattr(a.arr, f.name), getattr(b.arr, f.name)
        assert (x.dtype, x.shape) == (y.dtype, y.shape), f"{where}: arr.{f.name} dtype/shape"
        if not np.array_equal(x, y):
            rows = np.flatnonzero((x != y).reshape(len(x), -1).any(axis=1))
            codes = [a.world.codes[i] for i in rows[:8]]
            raise AssertionError(
                f"{where}: arr.{f.name} differs for states {codes} (agents "
                f"{x[rows[:3]].tolist()} vs vectorized {y[rows[:3]].tolist()})"
            )
    assert_same_log(a.log, b.log, where)
    assert_same_log(a.notices, b.notices, f"{where} (notices)")
    assert a.wars == b.wars, f"{where}: wars {a.wars} vs {b.wars}"
    assert (a.wars_begun, a.incident_total) == (b.wars_begun, b.incident_total), where
    assert np.array_equal(a.at_war, b.at_war), f"{where}: at_war"
    assert np.array_equal(a.incidents_now, b.incidents_now), f"{where}: incidents_now"
    for part in ("indptr", "indices", "data"):
        assert np.array_equal(getattr(a.hp, part), getattr(b.hp, part)), f"{where}: hp.{part}"
    assert a.alliances == b.alliances, f"{where}: alliances"
    assert a.treaties == b.treaties, f"{where}: treaty rules"


def assert_same_outputs(a: EscalationModel, b: EscalationModel, where: str) -> None:
    """summary() but ``engine``, the three frames and the cascade tree, exactly."""
    assert (a.engine, b.engine) == (AGENTS, VECTORIZED)
    sa, sb = a.summary(), b.summary()
    assert (sa.pop("engine"), sb.pop("engine")) == (AGENTS, VECTORIZED)
    assert sa == sb, f"{where}: summaries differ"
    # Same keys in the same order, same types (int vs float) as JSON text too.
    assert json.dumps(sa) == json.dumps(sb), f"{where}: summaries differ as JSON"
    for name in FRAMES:
        fa, fb = getattr(a, name)(), getattr(b, name)()
        assert_frame_equal(fa, fb, check_exact=True, obj=f"{where} {name}")
        assert fa.equals(fb), f"{where}: {name} differs"
    assert a.cascade() == b.cascade(), f"{where}: cascade trees differ"


# --------------------------------------------------------------------------- bundled scenarios
BUNDLED = sorted(sim.bundled_scenarios())
SEEDS = (None, 7)  # None: the scenario's own seed (what `escalation run` uses)


def test_every_bundled_scenario_is_covered():
    assert "europe-2022" in BUNDLED and any(name != "europe-2022" for name in BUNDLED)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed={s}")
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_identical_outputs(name, seed):
    a = EscalationModel(load_scenario(name), rng=seed, engine=AGENTS).run()
    b = EscalationModel(load_scenario(name), rng=seed, engine=VECTORIZED).run()
    assert a.month == b.month == a.config.months
    assert_same_state(a, b, f"{name} seed={seed} at the end")
    assert_same_outputs(a, b, f"{name} seed={seed}")


@pytest.mark.parametrize("name", ["europe-mediation", "scale-free"])
def test_bundled_scenario_identical_month_by_month(name):
    # Shared Scenario object as in sweeps; sweeps do not record states.
    scenario = load_scenario(name)
    a = EscalationModel(scenario, rng=11, engine=AGENTS, record_states=False)
    b = EscalationModel(scenario, rng=11, engine=VECTORIZED, record_states=False)
    assert_same_state(a, b, f"{name} after construction")
    for month in range(scenario.months):
        a.step()
        b.step()
        assert_same_state(a, b, f"{name} seed=11 month {month}")
    assert_same_outputs(a, b, name)
    assert b.states_frame().empty


# --------------------------------------------------------------------------- generated scenarios
KINDS = ("ring", "erdos_renyi", "small_world", "scale_free", "complete")
unit = st.floats(min_value=0.0, max_value=1.0)


@st.composite
def scenarios(draw) -> dict[str, Any]:
    """A small synthetic scenario dict with every mechanism at random strengths."""
    n = draw(st.integers(min_value=5, max_value=40))
    kind = draw(st.sampled_from(KINDS))
    months = draw(st.integers(min_value=4, max_value=30))
    width = len(str(n - 1))
    codes = [f"S{i:0{width}d}" for i in range(n)]
    state = st.sampled_from(codes)
    group = st.one_of(
        st.sampled_from([["*"], ["@others"], ["@rival"]]),
        st.lists(state, min_size=1, max_size=6, unique=True),
    )
    month = st.integers(min_value=0, max_value=months - 1)

    network: dict[str, Any] = {
        "kind": kind,
        "n": n,
        "rival": draw(st.sampled_from(["hub", "hub", "none"])),
        "proximity_decay": draw(unit),
        "proximity_max_distance": draw(st.integers(1, 4)),
    }
    if draw(st.booleans()):
        network["seed"] = draw(st.integers(0, 2**31))  # else the graph comes from the run seed
    if kind in ("ring", "small_world"):
        network["k"] = draw(st.integers(2, min(8, n - 1)))
    if kind == "small_world":
        network["rewire"] = draw(unit)
    if kind == "erdos_renyi":
        network["mean_degree"] = draw(st.floats(0.5, 8.0))
    if kind == "scale_free":
        network["m"] = draw(st.integers(1, min(4, n - 1)))

    params = {
        "norm": unit,
        "threshold": st.floats(-0.5, 1.5),
        "threshold_spread": st.one_of(st.just(0.0), st.floats(0.0, 0.3)),
        "reactivity": st.floats(0.0, 0.2),
        "fatigue": st.floats(0.0, 0.3),
        "grievance": st.floats(-1.0, 0.5),  # absent: start in Richardson equilibrium
        "arms": st.floats(0.0, 4.0),
        "capacity": st.floats(0.0, 4.0),
    }
    defaults = {k: draw(v) for k, v in params.items() if k == "threshold" or draw(st.booleans())}
    overrides = {}
    for code in draw(st.lists(state, max_size=4, unique=True)):
        keys = draw(st.lists(st.sampled_from(list(params)), min_size=1, max_size=3, unique=True))
        overrides[code] = {k: draw(params[k]) for k in keys}

    treaty_ids = ["ban", "cmc"][: draw(st.integers(1, 2))]
    treaties = {
        tid: {
            "name": tid.upper(),
            "notice_months": draw(st.integers(0, 12)),
            "conflict_clause": draw(st.booleans()),
            "accession_months": draw(st.integers(0, 8)),
            "military_value": draw(unit),
            "salience": draw(unit),
            "parties": draw(group),
        }
        for tid in treaty_ids
    }
    alliance_ids = ["north", "south"][: draw(st.integers(0, 2))]
    alliances = {
        aid: {
            "name": aid.title(),
            "members": draw(group),
            "credibility": draw(unit),
            "recommendation": {t: draw(unit) for t in treaty_ids if draw(st.booleans())},
        }
        for aid in alliance_ids
    }
    hostility = [{"source": ["@others"], "target": ["@rival"], "mutual": True}]
    hostility += draw(
        st.lists(
            st.fixed_dictionaries(
                {"source": group, "target": group, "weight": st.floats(0.0, 2.0)},
                optional={"mutual": st.booleans()},
            ),
            max_size=3,
        )
    )
    side = st.one_of(state, st.just("@rival"))
    war_pair = st.tuples(side, side).map(list)
    kinds = [
        st.fixed_dictionaries({"kind": st.just("war_start"), "month": month, "states": war_pair}),
        st.fixed_dictionaries({"kind": st.just("war_end"), "month": month, "states": war_pair}),
        st.fixed_dictionaries(
            {"kind": st.just("notice"), "month": month, "treaty": st.sampled_from(treaty_ids)},
            optional={"random": st.integers(0, 5), "states": group},
        ),
        st.fixed_dictionaries(
            {"kind": st.just("mediation"), "month": month, "states": group, "counterparts": group},
            optional={"strength": unit},
        ),
        st.fixed_dictionaries(
            {"kind": st.just("advocacy"), "month": month, "states": group},
            optional={"delta": st.floats(-1.0, 1.0)},
        ),
        st.fixed_dictionaries(
            {"kind": st.just("treaty_rule"), "month": month, "treaty": st.sampled_from(treaty_ids)},
            optional={"notice_months": st.integers(0, 12), "conflict_clause": st.booleans()},
        ),
    ]
    if alliance_ids:
        alliance = st.sampled_from(alliance_ids)
        kinds += [
            st.fixed_dictionaries(
                {
                    "kind": st.just("join_alliance"),
                    "month": month,
                    "state": state,
                    "alliance": alliance,
                }  # fmt: skip
            ),
            st.fixed_dictionaries(
                {
                    "kind": st.just("credibility"),
                    "month": month,
                    "alliance": alliance,
                    "value": unit,
                }  # fmt: skip
            ),
            st.fixed_dictionaries(
                {
                    "kind": st.just("recommendation"),
                    "month": month,
                    "alliance": alliance,
                    "treaty": st.sampled_from(treaty_ids),
                },
                optional={"value": unit},
            ),  # fmt: skip
        ]
    event_ = st.one_of(*kinds)
    # A forced notice early on, so that some cascade always gets going.
    events = [
        {"kind": "notice", "month": 0, "treaty": treaty_ids[0], "random": draw(st.integers(1, 3))}
    ]
    events += draw(st.lists(event_, max_size=5))
    interventions = draw(st.lists(event_, max_size=4))

    return {
        "name": "generated",
        "description": "hypothesis-generated small scenario",
        "months": months,
        "network": network,
        "threat": {
            "scale": draw(st.floats(0.1, 5.0)),
            "memory": draw(unit),
            "reassurance": draw(unit),
            "posture_delta": draw(st.floats(0.0, 1.0)),
            "incident_boost": draw(unit),
            "war_boost": draw(unit),
        },
        "decision": {
            "w_threat": draw(st.floats(0.0, 2.0)),
            "w_peer": draw(st.floats(0.0, 2.0)),
            "w_alliance": draw(st.floats(0.0, 1.0)),
            "w_norm": draw(st.floats(0.0, 2.0)),
            "noise": draw(st.one_of(st.just(0.0), st.floats(0.0, 0.3))),
            "norm_erosion": draw(unit),
            "reaccession": draw(st.sampled_from([True, True, False])),
            "reaccession_margin": draw(st.floats(0.0, 0.3)),
        },
        "conflict": {
            "incident_base": draw(st.floats(0.0, 0.3)),
            "incident_coupling": draw(unit),
            "war_onset": draw(st.sampled_from([0.05, 0.3, 1.0])),  # > 0: wars do happen
            "war_end": draw(unit),
        },
        "states": {"defaults": defaults, "overrides": overrides},
        "treaties": treaties,
        "alliances": alliances,
        "hostility": hostility,
        "events": events,
        "interventions": interventions,
    }


def build(raw: dict[str, Any]) -> Scenario:
    scenario = validate(raw, "<hyp>", ".")
    check_references(scenario)
    return scenario


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=scenarios(), seed=st.integers(min_value=0, max_value=2**32))
def test_generated_scenarios_identical_month_by_month(raw, seed):
    # One Scenario object per model, so that nothing reaches one run through the other's World.
    a = EscalationModel(build(raw), rng=seed, engine=AGENTS)
    b = EscalationModel(build(raw), rng=seed, engine=VECTORIZED)
    where = f"<hyp> ({raw['network']['kind']}, n={raw['network']['n']}) seed={seed}"
    assert_same_state(a, b, f"{where} after construction")
    for month in range(raw["months"]):
        a.step()
        b.step()
        assert_same_state(a, b, f"{where} month {month}")
    assert_same_outputs(a, b, where)
    kinds = {e["kind"] for e in a.log}
    for kind in ("notice", "withdrawn", "held", "accession", "incident", "war_start", "war_end"):
        event(f"log has {kind}: {kind in kinds}")


# --------------------------------------------------------------------------- agents as views
def test_vectorized_agents_are_mesa_agents_viewing_the_arrays():
    model = EscalationModel(load_scenario("europe-2022", months=30), rng=3, engine=VECTORIZED)
    model.run()
    arr, n = model.arr, len(model.world.codes)
    # Mesa 3.5's model.agents is an AgentSet (a _HardKeyAgentSet), as in the agent engine.
    assert isinstance(model.agents, mesa.agentset.AbstractAgentSet)
    reference = EscalationModel(load_scenario("europe-2022", months=1), rng=3, engine=AGENTS)
    assert type(model.agents) is type(reference.agents)
    assert len(model.agents) == len(model.states) == n
    assert all(isinstance(agent, StateAgent) for agent in model.agents)
    assert set(model.agents) == set(model.states)
    assert arr.threat.max() > 0 and arr.arms.max() > 0, "a run that did something"
    for i, agent in enumerate(model.states):
        assert (agent.pos, agent.iso3) == (i, model.world.codes[i])
        for name in ("threat", "stimulus", "arms", "norm", "threshold", "grievance"):
            assert getattr(agent, name) == getattr(arr, name)[i], (agent.iso3, name)
        for t, tid in enumerate(model.treaties):
            assert agent.status[tid] is STATUS_BY_CODE[arr.status[i, t]]
    assert model.agents.get("threat") == [float(x) for x in arr.threat]
    high = model.agents.select(lambda agent: agent.threat > 0.3)
    assert len(high) == int((arr.threat > 0.3).sum())

    # Writing through an agent writes the array, and the other way round.
    ltu = model.states[model.world.index["LTU"]]
    ltu.norm = 0.125
    assert arr.norm[ltu.pos] == 0.125
    arr.threat[ltu.pos] = 0.75
    assert ltu.threat == 0.75
    ltu.status["ottawa"] = Status.NOTICE
    assert STATUS_BY_CODE[arr.status[ltu.pos, model.treaty_index["ottawa"]]] is Status.NOTICE
    ltu.alliance = None
    assert arr.alliance[ltu.pos] == -1


def test_edits_through_agents_reach_both_engines_alike():
    """An edit made through agent attributes mid-run steers both engines the same way."""
    a, b = (
        EscalationModel(load_scenario("europe-2022"), rng=5, engine=e, record_states=False)
        for e in (AGENTS, VECTORIZED)
    )
    for model in (a, b):
        model.run(12)
        for code in ("FRA", "DEU", "ESP"):
            agent = model.states[model.world.index[code]]
            agent.norm, agent.threshold = 0.0, -1.0  # now certain to give notice
    a.run(12)
    b.run(12)
    assert_same_state(a, b, "europe-2022 seed=5 after edits")
    assert_same_outputs(a, b, "europe-2022 seed=5 after edits")
    notified = {r["iso3"] for r in b.notices if r["month"] == 12}
    assert {"FRA", "DEU", "ESP"} <= notified, "the kernel must read what agents wrote"


# --------------------------------------------------------------------------- shared World
@pytest.mark.parametrize("engine", [AGENTS, VECTORIZED])
def test_world_built_once_for_a_seed_independent_scenario(engine):
    scenario = load_scenario("europe-2022")
    a = EscalationModel(scenario, rng=1, engine=engine)
    b = EscalationModel(scenario, rng=2, engine=engine)
    c = EscalationModel(scenario, rng=1, engine=AGENTS if engine == VECTORIZED else VECTORIZED)
    assert a.world is b.world is c.world
    # ... while every run's mutable state is its own.
    assert a.arr is not b.arr and a.hp is not b.hp and a.alliances is not b.alliances
    assert not np.shares_memory(a.arr.threat, b.arr.threat)
    assert not np.shares_memory(a.hp.data, a.world.hp.data)


def test_world_shared_for_a_synthetic_graph_with_a_fixed_seed():
    scenario = load_scenario("erdos-renyi", {"network.seed": 99})
    a = EscalationModel(scenario, rng=1, engine=VECTORIZED)
    assert EscalationModel(scenario, rng=2, engine=VECTORIZED).world is a.world


def test_world_not_shared_for_a_synthetic_graph_drawn_from_the_run_seed():
    scenario = load_scenario("erdos-renyi")
    assert scenario.network.seed is None
    a = EscalationModel(scenario, rng=1, engine=VECTORIZED)
    b = EscalationModel(scenario, rng=2, engine=VECTORIZED)
    again = EscalationModel(scenario, rng=1, engine=AGENTS)
    assert a.world is not b.world and a.world is not again.world
    edges = lambda m: {tuple(sorted(e)) for e in m.world.graph.edges()}  # noqa: E731
    assert edges(a) != edges(b), "another run seed, another graph"
    assert edges(a) == edges(again), "same run seed, same graph, whichever engine"


@pytest.mark.parametrize("engine", [AGENTS, VECTORIZED])
def test_a_run_does_not_change_the_shared_world(engine):
    scenario = load_scenario("europe-mediation")
    first = EscalationModel(scenario, rng=4, engine=engine, record_states=False)
    hp = first.world.hp.copy()
    first.run()
    assert not np.array_equal(first.hp.data, hp.data), "mediation changed this run's hostility"
    assert (first.world.hp != hp).nnz == 0, "... but not the shared World's"
    second = EscalationModel(scenario, rng=4, engine=engine, record_states=False).run()
    fresh = EscalationModel(load_scenario("europe-mediation"), rng=4, engine=engine).run()
    assert second.summary() == fresh.summary()


# --------------------------------------------------------------------------- found on the way
def test_summary_is_json_even_when_initial_arms_are_tiny():
    """Found by the generated scenarios: a tiny (subnormal) but positive initial total of arms
    makes ``growth_ratio = final / initial`` overflow to inf, and ``to_json`` (allow_nan=False,
    as ``escalation run --json`` and summary.json use it) then raises ValueError."""
    raw = {
        "name": "tiny-arms",
        "description": "initial arms near zero, then growth",
        "months": 4,
        "network": {"kind": "complete", "n": 5, "rival": "none", "seed": 0},
        "states": {"defaults": {"arms": 1e-310}, "overrides": {"S1": {"grievance": 0.5}}},
    }
    for engine in (AGENTS, VECTORIZED):
        summary = EscalationModel(build(raw), rng=0, engine=engine).run().summary()
        assert summary["arms"]["initial"] > 0
        assert math.isfinite(summary["arms"]["growth_ratio"]), summary["arms"]
        to_json(summary)  # the schema promises NaN- and inf-free JSON
