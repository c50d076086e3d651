"""One model, two engines, any batch (DESIGN §4, issue 12): same seed, identical everything.

The contract, tested here bit for bit (raw bytes of every array, not ``==`` on floats):

- the agent engine (``engine="agents"``: every state a Mesa agent applying its rule) and the
  vectorised engine (``engine="vectorized"``, :mod:`sim.kernel`) give the same state after
  every month, the same journal, and the same ``summary()``, ``timeseries()``,
  ``states_frame()``, ``events_frame()`` and ``cascade()``;
- run r of a batch (:class:`sim.model.Batch`, R runs stepped together) is the same run as alone,
  whatever the batch size (1, 2, 7, 64) and wherever it is placed (first, last, among runs of
  other seeds and of other design points): same state every month, same place where each of its
  random streams ends, same journal, same outputs.

Checked on every bundled scenario and on hypothesis-generated small scenarios with every
mechanism switched on at random.
"""

from __future__ import annotations

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
from sim.model import Batch
from sim.outcomes import Story, states_frame
from sim.output import to_json
from sim.rng import run_seeds
from sim.scenario import Scenario, check_references, load_scenario, validate
from sim.treaties import STATUS_BY_CODE, Status

AGENTS, VECTORIZED = "agents", "vectorized"
FRAMES = ("timeseries", "states_frame", "events_frame")
#: State attributes shared by every run of a batch (not indexed by run).
SHARED = {"world", "scenarios", "seeds", "params", "draws", "month", "war_pairs", "errors",
          "streams", "wars_changed", "alliances_changed", "_exposure_cache"}  # fmt: skip


# --------------------------------------------------------------------------- one run of a batch
def bits(a: np.ndarray) -> np.ndarray:
    """The raw bytes of an array (so NaN == NaN and -0.0 != 0.0)."""
    a = np.ascontiguousarray(a)
    return a.view(np.uint8).reshape(-1)


def run_arrays(batch: Batch, r: int) -> dict[str, np.ndarray]:
    """Every per-run array of run r: state variables, parameters, last month's decisions."""
    st_ = batch.state
    out = {
        name: value[r]
        for name, value in vars(st_).items()
        if isinstance(value, np.ndarray) and name not in SHARED
    }
    for name in ("seen_credibility", "seen_recommendation"):
        if getattr(st_, name) is not None:
            out[name] = getattr(st_, name)[r]
    p = st_.params
    for section in ("threat", "decision", "conflict"):
        for k, v in vars(getattr(p, section)).items():
            out[f"params.{section}.{k}"] = v[r]
    out["params.military_value"], out["params.salience"] = p.military_value[r], p.salience[r]
    if batch.last is not None:
        for k, v in vars(batch.last).items():
            out[f"decided.{k}"] = v[r]
    out["series"] = batch.series.data[r, : batch.series.months]
    return out


def stream_ends(batch: Batch, r: int) -> dict[str, Any]:
    """Where each of run r's random streams stands (generator states)."""
    ends = {k: g.bit_generator.state for k, g in batch.state.draws.generators[r].items()}
    ends.update({k: g.bit_generator.state for k, g in batch.state.streams[r].items()})
    d = batch.state.draws
    ends["block"] = (d._start, {k: bits(b[r]).tobytes() for k, b in d._block.items()})
    return ends


def journal_of(batch: Batch, r: int) -> dict[str, np.ndarray]:
    return {k: v for k, v in batch.journal.of_run(r).items() if k != "run"}


def assert_same_run(a: Batch, ra: int, b: Batch, rb: int, where: str) -> None:
    """Run ra of batch a and run rb of batch b are the same run, to the bit."""
    assert a.month == b.month, where
    xa, xb = run_arrays(a, ra), run_arrays(b, rb)
    assert xa.keys() == xb.keys(), f"{where}: different arrays"
    for name in xa:
        x, y = xa[name], xb[name]
        assert (x.dtype, x.shape) == (y.dtype, y.shape), f"{where}: {name} dtype/shape"
        if not np.array_equal(bits(x), bits(y)):
            diff = np.flatnonzero(bits(x) != bits(y))[:5]
            raise AssertionError(f"{where}: {name} differs (bytes {diff.tolist()}):\n{x}\n{y}")
    assert a.state.seeds[ra] == b.state.seeds[rb], where
    assert stream_ends(a, ra) == stream_ends(b, rb), f"{where}: random streams stand elsewhere"
    ja, jb = journal_of(a, ra), journal_of(b, rb)
    for name in ja:
        assert np.array_equal(bits(ja[name]), bits(jb[name])), f"{where}: journal {name} differs"
    assert bool(a.state.failed[ra]) == bool(b.state.failed[rb]), where


def assert_same_outputs(a: Batch, ra: int, b: Batch, rb: int, where: str) -> None:
    """The run's summary, frames and cascade tree, exactly (the engine's name aside)."""
    sa, sb = a.outcomes().summary(ra), b.outcomes().summary(rb)
    sa.pop("engine"), sb.pop("engine")
    assert sa == sb, f"{where}: summaries differ"
    assert json.dumps(sa) == json.dumps(sb), f"{where}: summaries differ as JSON"
    start = a.state.scenarios[ra].start
    frames = {
        "timeseries": (a.series.frame(ra, start), b.series.frame(rb, start)),
        "states_frame": (states_frame(a.series, a.state, ra), states_frame(b.series, b.state, rb)),
        "events_frame": (
            Story(a.state, a.journal, ra).frame(),
            Story(b.state, b.journal, rb).frame(),
        ),
    }
    for name, (fa, fb) in frames.items():
        assert_frame_equal(fa, fb, check_exact=True, obj=f"{where} {name}")
        assert fa.equals(fb), f"{where}: {name} differs"
    assert Story(a.state, a.journal, ra).cascade() == Story(b.state, b.journal, rb).cascade(), (
        f"{where}: cascade trees differ"
    )


def engines(scenario: Scenario, seed: int, record_states: bool = True):
    """The same run on both engines (Mesa models)."""
    return (
        EscalationModel(scenario, rng=seed, engine=AGENTS, record_states=record_states),
        EscalationModel(scenario, rng=seed, engine=VECTORIZED, record_states=record_states),
    )


# --------------------------------------------------------------------------- bundled scenarios
BUNDLED = sorted(sim.bundled_scenarios())
SEEDS = (None, 7)  # None: the scenario's own seed (what `escalation run` uses)


def test_every_bundled_scenario_is_covered():
    assert "europe-2022" in BUNDLED and any(name != "europe-2022" for name in BUNDLED)


@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed={s}")
@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_scenario_both_engines_month_by_month(name, seed):
    a, b = engines(load_scenario(name), seed)
    where = f"{name} seed={seed}"
    assert_same_run(a.batch, 0, b.batch, 0, f"{where} after construction")
    for month in range(a.config.months):
        a.step()
        b.step()
        assert_same_run(a.batch, 0, b.batch, 0, f"{where} month {month}")
    assert a.month == b.month == a.config.months
    assert_same_outputs(a.batch, 0, b.batch, 0, where)
    sa, sb = a.summary(), b.summary()
    assert (sa.pop("engine"), sb.pop("engine")) == (AGENTS, VECTORIZED)
    assert sa == sb
    for name_ in FRAMES:
        assert getattr(a, name_)().equals(getattr(b, name_)()), name_
    assert a.cascade() == b.cascade()


def _shareable(name: str, **overrides: Any) -> Scenario:
    """A bundled scenario whose World is shared by its runs (a synthetic graph gets a seed)."""
    fixed = {"network.seed": 5} if sim.scenario.seed_dependent(load_scenario(name)) else {}
    return load_scenario(name, {**fixed, **overrides})


def _design_points(name: str) -> list[Scenario]:
    """Other design points of a scenario that share its World: other numbers, same structure."""
    tid = next(iter(load_scenario(name).treaties), None)
    points = [
        _shareable(name, **{"decision.w_peer": 1.3, "decision.noise": 0.2}),
        _shareable(name, **{"states.defaults.threshold": 0.2, "threat.memory": 0.5}),
    ]
    if tid is not None:
        points.append(_shareable(name, **{f"treaties.{tid}.notice_months": 0}))
    return points


@pytest.mark.parametrize("size", [1, 2, 7, 64])
@pytest.mark.parametrize("name", BUNDLED)
def test_run_of_a_batch_is_the_run_alone(name, size):
    scenario = _shareable(name)
    target = run_seeds(3, 1)[0]
    fillers = [(s, seed) for seed in run_seeds(99, size) for s in (scenario, *_design_points(name))]
    alone = Batch([scenario], [target], record_states=True)
    batches = []
    for place in sorted({0, size // 2, size - 1}):  # first, among others, last
        jobs = fillers[: size - 1]
        jobs.insert(place, (scenario, target))
        batch = Batch([s for s, _ in jobs], [seed for _, seed in jobs], record_states=True)
        batches.append((place, batch))
    for month in range(scenario.months):
        alone.step()
        for place, batch in batches:
            batch.step()
            assert_same_run(alone, 0, batch, place, f"{name} R={size} run {place} month {month}")
    for place, batch in batches:
        assert_same_outputs(alone, 0, batch, place, f"{name} R={size} run {place}")


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
        network["k"] = 2 * draw(st.integers(1, min(4, (n - 1) // 2)))  # even: k/2 each side
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
@given(raw=scenarios(), seed=st.integers(min_value=0, max_value=2**32), size=st.integers(2, 9))
def test_generated_scenarios_identical_month_by_month(raw, seed, size):
    # One Scenario object per model, so that nothing reaches one run through the other's World.
    a = EscalationModel(build(raw), rng=seed, engine=AGENTS)
    b = EscalationModel(build(raw), rng=seed, engine=VECTORIZED)
    where = f"<hyp> ({raw['network']['kind']}, n={raw['network']['n']}) seed={seed}"
    # The same run among others in a batch (it shares its World, so it needs a fixed graph seed).
    fixed = build({**raw, "network": {**raw["network"], "seed": raw["network"].get("seed", 3)}})
    alone = Batch([fixed], [seed], record_states=True)
    other = build(
        {
            **raw,
            "network": fixed.network.model_dump(),
            "decision": {**raw["decision"], "w_peer": 0.7},
        }
    )
    jobs = [(fixed, s) for s in run_seeds(seed % 1000, size - 1)] + [(other, seed)]
    place = seed % size
    jobs.insert(place, (fixed, seed))
    batch = Batch([s for s, _ in jobs], [s for _, s in jobs], record_states=True)
    assert_same_run(a.batch, 0, b.batch, 0, f"{where} after construction")
    for month in range(raw["months"]):
        for m in (a, b):
            m.step()
        alone.step()
        batch.step()
        assert_same_run(a.batch, 0, b.batch, 0, f"{where} month {month}")
        assert_same_run(alone, 0, batch, place, f"{where} R={len(jobs)} month {month}")
    assert_same_outputs(a.batch, 0, b.batch, 0, where)
    assert_same_outputs(alone, 0, batch, place, f"{where} in a batch")
    kinds = set(b.events_frame()["kind"])
    for kind in ("notice", "withdrawn", "held", "accession", "incident", "war_start", "war_end"):
        event(f"log has {kind}: {kind in kinds}")


# --------------------------------------------------------------------------- agents as views
def test_agents_are_mesa_agents_viewing_the_arrays():
    model = EscalationModel(load_scenario("europe-2022", months=30), rng=3, engine=VECTORIZED)
    model.run()
    st_, n = model.state, len(model.world.codes)
    # Mesa 3.5's model.agents is an AgentSet (a _HardKeyAgentSet), as in the agent engine.
    assert isinstance(model.agents, mesa.agentset.AbstractAgentSet)
    reference = EscalationModel(load_scenario("europe-2022", months=1), rng=3, engine=AGENTS)
    assert type(model.agents) is type(reference.agents)
    assert len(model.agents) == len(model.states) == n
    assert all(isinstance(agent, StateAgent) for agent in model.agents)
    assert set(model.agents) == set(model.states)
    assert st_.threat.max() > 0 and st_.arms.max() > 0, "a run that did something"
    for i, agent in enumerate(model.states):
        assert (agent.pos, agent.iso3) == (i, model.world.codes[i])
        for name in ("threat", "stimulus", "arms", "norm", "threshold", "grievance"):
            assert getattr(agent, name) == getattr(st_, name)[0, i], (agent.iso3, name)
        for t, tid in enumerate(model.treaties):
            assert agent.status[tid] is STATUS_BY_CODE[st_.status[0, i, t]]
    assert model.agents.get("threat") == [float(x) for x in st_.threat[0]]
    high = model.agents.select(lambda agent: agent.threat > 0.3)
    assert len(high) == int((st_.threat[0] > 0.3).sum())

    # Writing through an agent writes the array, and the other way round.
    ltu = model.states[model.world.index["LTU"]]
    ltu.norm = 0.125
    assert st_.norm[0, ltu.pos] == 0.125
    st_.threat[0, ltu.pos] = 0.75
    assert ltu.threat == 0.75
    ltu.status["ottawa"] = Status.NOTICE
    t = model.world.treaty_ids.index("ottawa")
    assert STATUS_BY_CODE[st_.status[0, ltu.pos, t]] is Status.NOTICE


def test_edits_through_agents_reach_both_engines_alike():
    """An edit made through agent attributes mid-run steers both engines the same way."""
    a, b = engines(load_scenario("europe-2022"), 5, record_states=False)
    for model in (a, b):
        model.run(12)
        for code in ("FRA", "DEU", "ESP"):
            agent = model.states[model.world.index[code]]
            agent.norm, agent.threshold = 0.0, -1.0  # now certain to give notice
    a.run(12)
    b.run(12)
    assert_same_run(a.batch, 0, b.batch, 0, "europe-2022 seed=5 after edits")
    assert_same_outputs(a.batch, 0, b.batch, 0, "europe-2022 seed=5 after edits")
    ev = b.events_frame()
    notified = set(ev[(ev["kind"] == "notice") & (ev["month"] == 12)]["iso3"])
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
    assert a.state is not b.state
    assert not np.shares_memory(a.state.threat, b.state.threat)
    assert not np.shares_memory(a.state.hp_data, a.world.hp.data)


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
    assert not np.array_equal(first.state.hp_data[0], hp.data), "mediation changed this run"
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
