"""The scenarios of the three classic cases: ordinary scenario dicts, validated like files.

Each switches off every mechanism but the one under test (docs/ODD.md §7.12): Watts (2002) and
Granovetter (1978) keep only the peer term of the withdrawal pressure; Richardson (1960) keeps
only the arms equation between two mutually hostile states.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sim.scenario import Scenario, check_references, validate

# Everything but the mechanism under test is switched off: no threat, alliance or norm terms,
# no noise, no incidents or wars, no posture signal.
_THRESHOLD_ONLY = {
    "decision": {"w_threat": 0.0, "w_peer": 1.0, "w_alliance": 0.0, "w_norm": 0.0, "noise": 0.0},
    "threat": {"posture_delta": 0.0},
    "conflict": {"incident_base": 0.0, "incident_coupling": 0.0, "war_onset": 0.0},
}
_STATE_BASE = {
    "norm": 0.0,
    "threshold_spread": 0.0,
    "arms": 0.0,
    "capacity": 0.0,
    "reactivity": 0.0,
    "fatigue": 0.0,
    "grievance": 0.0,
}
_BAN = {"name": "Ban", "military_value": 0.0, "salience": 0.0, "parties": ["*"]}


def build(raw: dict[str, Any], source: str) -> Scenario:
    """Validate a scenario dict exactly as a scenario file is validated."""
    scenario = validate(raw, source, ".")
    check_references(scenario)
    return scenario


# --------------------------------------------------------------------------- scenarios
def watts_scenario(n: int, z: float, phi: float) -> dict[str, Any]:
    """Watts (2002): Erdős–Rényi graph of mean degree z, thresholds phi, one random mover."""
    return {
        "name": f"watts-z{z:g}",
        "description": f"Watts (2002) threshold cascade: ER graph n={n}, z={z:g}, phi={phi:g}",
        "months": min(n + 1, 6000),  # a bound only: runs stop when settled
        "network": {"kind": "erdos_renyi", "n": n, "mean_degree": float(z), "rival": "none"},
        **_THRESHOLD_ONLY,
        "states": {"defaults": {**_STATE_BASE, "threshold": float(phi)}},
        "treaties": {"ban": _BAN},
        "interventions": [{"kind": "notice", "month": 0, "treaty": "ban", "random": 1}],
    }


def granovetter_scenario(
    n: int, *, thresholds: Sequence[float] | None = None, mean: float = 0.25, sigma: float = 0.0
) -> dict[str, Any]:
    """Granovetter (1978): a complete graph; thresholds given per person, or N(mean, sigma).

    A threshold t in shares of the others is "join when at least t*(N-1) others have": with
    t = k/N that is "at least k others" (docs/ODD.md §7.12).
    """
    width = len(str(n - 1))
    overrides = {f"S{i:0{width}d}": {"threshold": float(t)} for i, t in enumerate(thresholds or ())}
    return {
        "name": "granovetter",
        "description": f"Granovetter (1978) riot: complete graph of {n}",
        "months": min(n + 1, 6000),
        # The complete graph does not depend on the seed: fix it so every run shares the world.
        "network": {"kind": "complete", "n": n, "rival": "none", "seed": 0},
        **_THRESHOLD_ONLY,
        "states": {
            "defaults": {**_STATE_BASE, "threshold": float(mean), "threshold_spread": sigma},
            "overrides": overrides,
        },
        "treaties": {"ban": _BAN},
    }


def richardson_scenario(
    a: float, b: float, m: float, n: float, g: float, h: float, x0: float, y0: float, months: int
) -> dict[str, Any]:
    """Richardson (1960): two mutually hostile states, proximity 1, no treaties, no posture factor.

    S0 is x (reactivity a, fatigue m, grievance g), S1 is y (b, n, h); capacity 1 so that the
    posture y_j = c_j x_j (1 + delta L_j) is the arms level itself.
    """
    return {
        "name": "richardson",
        "description": "Richardson (1960) arms race between two mutually hostile states",
        "months": months,
        "network": {"kind": "complete", "n": 2, "rival": "none", "seed": 0},
        **_THRESHOLD_ONLY,
        "states": {
            "defaults": {**_STATE_BASE, "capacity": 1.0},
            "overrides": {
                "S0": {"arms": x0, "reactivity": a, "fatigue": m, "grievance": g},
                "S1": {"arms": y0, "reactivity": b, "fatigue": n, "grievance": h},
            },
        },
        "hostility": [{"source": ["*"], "target": ["*"], "weight": 1.0}],
    }
