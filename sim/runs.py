"""Running the ordinary model many times: the engine, per-run seeds, running until settled.

Used by ``escalation validate`` and ``escalation backtest``. Every run is an ordinary
:class:`sim.model.EscalationModel` built from a validated scenario: there is no second
implementation of the model here, only the loop around it.
"""

from __future__ import annotations

import inspect
import sys
from functools import cache

import numpy as np

from sim.model import EscalationModel
from sim.scenario import Scenario

#: Engines a command may ask for; ``vectorized`` is the default of validate and backtest.
ENGINES = ("agents", "vectorized")


@cache
def _engine_keyword() -> bool:
    return "engine" in inspect.signature(EscalationModel.__init__).parameters


def make_model(scenario: Scenario, seed: int, engine: str = "vectorized") -> EscalationModel:
    """An :class:`EscalationModel` for one run, on ``engine`` when the model offers it.

    Transitional: until ``EscalationModel`` takes an ``engine`` keyword (issue 4) this falls
    back to the agent engine, which gives identical results, and says so once on stderr.
    Delete the fallback when the keyword exists. ``model.engine`` tells which engine ran.
    """
    if _engine_keyword():
        return EscalationModel(scenario, rng=seed, record_states=False, engine=engine)
    if engine != "agents":
        _warn_fallback(engine)
    return EscalationModel(scenario, rng=seed, record_states=False)


@cache
def _warn_fallback(engine: str) -> None:
    print(
        f"escalation: engine {engine!r} is not available yet; using the agent engine "
        "(identical results, slower)",
        file=sys.stderr,
    )


def run_seeds(root: int, count: int) -> list[int]:
    """Seeds of runs ``0..count-1``: child ``k`` of ``SeedSequence(root)``, as an int.

    Keyed by run index, so run ``k`` gets the same seed whatever else is run (and in whatever
    order): adding parameter values or runs never changes the existing ones.
    """
    return [
        int(np.random.SeedSequence(int(root), spawn_key=(k,)).generate_state(1, np.uint64)[0])
        for k in range(count)
    ]


def run_until_settled(model: EscalationModel, max_months: int) -> int:
    """Step until a month adds no notice (or ``max_months``); returns the months run.

    Only valid for deterministic threshold models (no noise, no threat, alliance or norm
    terms, no events after month 0): there the only input that changes is who has moved, so a
    month without a new notice is a fixed point and every later month would repeat it.
    """
    for _ in range(max_months):
        before = len(model.notices)
        model.step()
        if len(model.notices) == before:
            break
    return model.month
