"""escalation-sim: an agent-based model of arms-control treaty withdrawal and rearmament."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sim.errors import UserError

if TYPE_CHECKING:
    from sim.model import EscalationModel
    from sim.scenario import Scenario, bundled_scenarios, load_scenario

__all__ = ["EscalationModel", "Scenario", "UserError", "bundled_scenarios", "load_scenario"]
__version__ = "0.1.0"

#: Imported on first use (PEP 562), so that ``import sim.cli`` (``escalation --help``) and
#: ``escalation plot`` do not import the model and Mesa.
_LAZY = {
    "EscalationModel": "sim.model",
    "Scenario": "sim.scenario",
    "bundled_scenarios": "sim.scenario",
    "load_scenario": "sim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
