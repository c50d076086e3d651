"""escalation-sim: an agent-based model of arms-control treaty withdrawal and rearmament."""

from sim.errors import UserError
from sim.model import EscalationModel
from sim.scenario import Scenario, bundled_scenarios, load_scenario

__all__ = ["EscalationModel", "Scenario", "UserError", "bundled_scenarios", "load_scenario"]
__version__ = "0.1.0"
