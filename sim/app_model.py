"""The teaching demo's model: a scenario plus the page's controls, and what the page shows.

Nothing here imports Solara, so the page's logic is testable (and usable in a notebook) without
a browser. :class:`DemoModel` is an :class:`~sim.model.EscalationModel` built from a scenario
name and the demo's controls, given as keyword arguments the way Mesa's SolaraViz re-creates a
model on Reset. Each control starts at the scenario's own value (:func:`scenario_controls`); only
a control moved away from it changes the scenario (:func:`control_overrides`), so an untouched
page runs exactly what ``escalation run SCENARIO`` runs.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.decisions import TERMS
from sim.journal import FORCED, Kind
from sim.model import EscalationModel
from sim.scenario import Scenario, bundled_scenarios, load_scenario
from sim.treaties import Status

#: The page's controls: keyword arguments of :class:`DemoModel` (``rng`` is the root seed).
CONTROLS = (
    "scenario_name",
    "credibility",
    "norm",
    "w_threat",
    "w_peer",
    "notice_months",
    "conflict_clause",
    "mediation",
    "unified_policy",
    "rng",
)

#: When the mediation and unified-policy switches act: the month of the bundled counterfactuals
#: (``europe-mediation``, ``europe-unified-alliance-policy``), else a year into the run.
POLICY_DATE = "2025-01"
#: Strength of the mediation switch (as in ``europe-mediation``).
MEDIATION_STRENGTH = 0.5
#: The treaty a unified alliance policy tells members to leave (the debate's case); scenarios
#: without it get the recommendation for every treaty.
POLICY_TREATY = "cmc"

_SERIALS = itertools.count(1)


# --------------------------------------------------------------------------- the controls
def scenario_names(extra: str | None = None) -> list[str]:
    """The scenario picker's entries: every bundled scenario (and ``extra``, e.g. a path)."""
    names = list(bundled_scenarios())
    if extra and extra not in names:
        names.append(extra)
    return names


def rival_codes(scenario: Scenario) -> list[str]:
    """The rival(s) the charts follow and mediation addresses.

    A synthetic network names its rival (``@rival``, the hub). With real borders, the rivals are
    the states that the most states regard as a threat (europe-2022: Russia and Belarus).
    """
    if scenario.network.kind != "borders":
        return ["@rival"]
    counts: Counter[str] = Counter()
    for rule in scenario.hostility:
        for target in rule.target:
            counts[target] += len(rule.source) * rule.weight
        if rule.mutual:
            for source in rule.source:
                counts[source] += len(rule.target) * rule.weight
    if not counts:
        return []
    top = max(counts.values())
    return [c for c, k in counts.items() if k == top and c not in ("*", "@others")]


def policy_month(scenario: Scenario) -> int:
    """The month from which the mediation and unified-policy switches act."""
    m = scenario.month_of(POLICY_DATE)
    return m if 0 < m < scenario.months else min(12, scenario.months - 1)


def policy_treaties(scenario: Scenario) -> list[str]:
    """The treaties a unified alliance policy recommends leaving."""
    if POLICY_TREATY in scenario.treaties:
        return [POLICY_TREATY]
    return list(scenario.treaties)


def _has_mediation(scenario: Scenario) -> bool:
    return any(ev.kind == "mediation" for ev in scenario.interventions)


def _has_policy(scenario: Scenario) -> bool:
    return any(
        ev.kind == "recommendation" and ev.value > 0 for ev in scenario.interventions
    ) or any(v > 0 for a in scenario.alliances.values() for v in a.recommendation.values())


def scenario_controls(name: str) -> dict[str, Any]:
    """The controls' starting values: the scenario's own settings and seed."""
    sc = load_scenario(name)
    return {"scenario_name": name, **scenario_controls_of(sc), "rng": sc.seed}


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=0.0, abs_tol=1e-9)


def control_overrides(scenario: Scenario, **controls: Any) -> dict[str, Any]:
    """Dotted scenario overrides for the controls that differ from the scenario's values.

    ``None`` (or a value equal to the scenario's) leaves the scenario as it is. Credibility,
    notice months and the armed-conflict clause apply to every alliance or treaty.
    """
    out: dict[str, Any] = {}
    own = scenario_controls_of(scenario)
    changed = {
        k: v
        for k, v in controls.items()
        if v is not None
        and (
            not _close(float(v), float(own[k]))
            if isinstance(v, float) and not isinstance(v, bool)
            else v != own[k]
        )
    }
    if "credibility" in changed:
        for aid in scenario.alliances:
            out[f"alliances.{aid}.credibility"] = float(changed["credibility"])
    if "norm" in changed:
        out["states.defaults.norm"] = float(changed["norm"])
    for key in ("w_threat", "w_peer"):
        if key in changed:
            out[f"decision.{key}"] = float(changed[key])
    for key, cast in (("notice_months", int), ("conflict_clause", bool)):
        if key in changed:
            for tid in scenario.treaties:
                out[f"treaties.{tid}.{key}"] = cast(changed[key])
    if "mediation" in changed or "unified_policy" in changed:
        events = [ev.model_dump(exclude_defaults=False) for ev in scenario.interventions]
        month = scenario.date_of(policy_month(scenario))
        if "mediation" in changed:
            events = [e for e in events if e["kind"] != "mediation"]
            if changed["mediation"]:
                events.append(
                    {
                        "kind": "mediation",
                        "month": month,
                        "states": rival_codes(scenario),
                        "counterparts": ["*"],
                        "strength": MEDIATION_STRENGTH,
                        "note": "mediation (demo switch)",
                    }
                )
        if "unified_policy" in changed:
            events = [e for e in events if e["kind"] != "recommendation"]
            for aid, alliance in scenario.alliances.items():
                if alliance.recommendation:
                    out[f"alliances.{aid}.recommendation"] = {}
                if changed["unified_policy"]:
                    events += [
                        {
                            "kind": "recommendation",
                            "month": month,
                            "alliance": aid,
                            "treaty": tid,
                            "value": 1.0,
                            "note": "unified alliance policy (demo switch)",
                        }
                        for tid in policy_treaties(scenario)
                    ]
        out["interventions"] = events
    return out


def scenario_controls_of(scenario: Scenario) -> dict[str, Any]:
    """:func:`scenario_controls` of an already loaded scenario (without its name)."""
    first_alliance = next(iter(scenario.alliances.values()), None)
    first_treaty = next(iter(scenario.treaties.values()), None)
    norm = scenario.states.defaults.norm
    return {
        "credibility": first_alliance.credibility if first_alliance else 0.0,
        "norm": 0.5 if norm is None else norm,
        "w_threat": scenario.decision.w_threat,
        "w_peer": scenario.decision.w_peer,
        "notice_months": first_treaty.notice_months if first_treaty else 6,
        "conflict_clause": first_treaty.conflict_clause if first_treaty else True,
        "mediation": _has_mediation(scenario),
        "unified_policy": _has_policy(scenario),
    }


def demo_scenario(scenario_name: str = "europe-2022", **controls: Any) -> Scenario:
    """The scenario with the demo's controls applied (validated like ``--set``)."""
    base = load_scenario(scenario_name)
    return load_scenario(scenario_name, control_overrides(base, **controls))


# --------------------------------------------------------------------------- the model
class DemoModel(EscalationModel):
    """An escalation model built from a scenario name and the demo page's controls.

    Every control defaults to ``None``: the scenario's own value. The reference engine
    (``agents``) runs it, so each state is a Mesa agent applying its rule. The model stops
    (``running = False``) at the end of the scenario's months.

    Args:
        scenario_name: a bundled scenario or a path to a TOML file.
        credibility: every alliance's credibility at the start.
        norm: every state's commitment to the humanitarian norm (``states.defaults.norm``).
        w_threat: weight of the threat term of the withdrawal pressure.
        w_peer: weight of the peer term (neighbours that moved).
        notice_months: months from notice to effect, for every treaty (Art. 20: 6).
        conflict_clause: Article 20's armed-conflict clause, for every treaty.
        mediation: mediation between the rivals and everybody from 2025-01 (or month 12).
        unified_policy: every alliance recommends leaving the CMC (or every treaty) then.
        rng: the run's root seed (default: the scenario's).

    """

    def __init__(
        self,
        scenario_name: str = "europe-2022",
        *,
        credibility: float | None = None,
        norm: float | None = None,
        w_threat: float | None = None,
        w_peer: float | None = None,
        notice_months: int | None = None,
        conflict_clause: bool | None = None,
        mediation: bool | None = None,
        unified_policy: bool | None = None,
        rng: int | None = None,
    ) -> None:
        controls = {
            "credibility": credibility,
            "norm": norm,
            "w_threat": w_threat,
            "w_peer": w_peer,
            "notice_months": notice_months,
            "conflict_clause": conflict_clause,
            "mediation": mediation,
            "unified_policy": unified_policy,
        }
        scenario = demo_scenario(scenario_name, **controls)
        super().__init__(scenario, rng=None if rng is None else int(rng), record_states=False)
        self.scenario_name = scenario_name
        self.serial = next(_SERIALS)  # tells models apart (ids are reused after a Reset)
        self.grid = None  # a Mesa Network space, added by sim.app for the network view
        self.controls = {**scenario_controls_of(scenario), "scenario_name": scenario_name}
        self.controls["rng"] = self.seed
        rivals = self.world.select(rival_codes(scenario), scenario.source, "rivals")
        self.rivals = [self.world.codes[i] for i in sorted(set(rivals))]
        self.rival_arms: list[list[float]] = [self._rival_arms()]
        self.running = scenario.months > 0

    def _rival_arms(self) -> list[float]:
        index = self.world.index
        return [float(self.state.arms[0, index[c]]) for c in self.rivals]

    def step(self) -> None:
        """One month of the escalation model; remembers who decided, and the rivals' arms.

        After the scenario's last month it does nothing (Mesa's controller may ask for more
        months than are left when it steps several at a time).
        """
        if self.month >= self.config.months:
            self.running = False
            return
        super().step()
        self.rival_arms.append(self._rival_arms())
        self.running = self.month < self.config.months

    # ------------------------------------------------------------------ what the page reads
    def date(self) -> str:
        """``YYYY-MM`` of the month last simulated (the start month before any step)."""
        return self.config.date_of(max(self.month - 1, 0))

    def decision(self, code: str) -> list[dict[str, Any]]:
        """The breakdown of a state's last decision on each treaty (empty before any step).

        Read from the month's decisions (:class:`sim.apply.Decisions`): the same numbers the
        engine decided on, so a state that gave notice gets exactly the terms in its notice
        record. A notice the scenario forced was not decided.
        """
        d = self.last_decisions
        if d is None:
            return []
        i = self.world.index[code]
        agent = self.states[i]
        last = self.month - 1
        events = self.batch.journal.of_run(0)
        forced = {
            int(t)
            for k, t in enumerate(events["treaty"])
            if events["month"][k] == last
            and events["state"][k] == i
            and events["kind"][k] == Kind.NOTICE
            and events["ref"][k] == FORCED
        }
        out = []
        for t, (tid, rules) in enumerate(self.treaties.items()):
            deciding = bool(d.deciding[0, i, t]) and t not in forced
            row: dict[str, Any] = {
                "treaty": tid,
                "name": rules.name,
                "status": agent.status[tid].value,
                "held": bool(agent.held[tid]),
                "decided": deciding,
            }
            if deciding:
                # It weighed rejoining if it had left before this month: it deposited an
                # accession, or it is still out and gave no notice now.
                rejoin = bool(d.accede[0, i, t]) or (
                    agent.status[tid] is Status.WITHDRAWN and not d.notice[0, i, t]
                )
                row.update(
                    terms={k: float(d.terms[0, i, t, j]) for j, k in enumerate(TERMS)},
                    pressure=float(d.pressure[0, i, t]),
                    noise=float(d.noise[0, i, t]),
                    threshold=float(agent.threshold),
                    moved=bool(d.notice[0, i, t] or d.accede[0, i, t]),
                    rejoin=rejoin,
                )
            out.append(row)
        return out

    def state_facts(self, code: str) -> dict[str, Any]:
        """What the inspector shows about a state now."""
        i = self.world.index[code]
        a = self.states[i]
        treaties = {}
        for t, (tid, rules) in enumerate(self.treaties.items()):
            nm, wm = a.notice_month[tid], a.withdrawn_month[tid]
            notice_months = int(self.state.notice_months[0, t])  # the rules now
            treaties[tid] = {
                "name": rules.name,
                "status": a.status[tid].value,
                "held": bool(a.held[tid]),
                "notice_date": self.config.date_of(nm) if nm is not None else None,
                "due_date": (
                    self.config.date_of(nm + notice_months)
                    if nm is not None and a.status[tid] is Status.NOTICE
                    else None
                ),
                "withdrawn_date": self.config.date_of(wm) if wm is not None else None,
            }
        k = int(self.state.alliance[0, i])
        alliance = self.config.alliances[a.alliance] if a.alliance else None
        credibility = float(self.state.credibility[0, k]) if k >= 0 else None
        return {
            "iso3": a.iso3,
            "name": a.name,
            "threat": float(a.threat),
            "arms": float(a.arms),
            "stimulus": float(a.stimulus),
            "norm": float(a.norm),
            "threshold": float(a.threshold),
            "alliance": alliance.name if alliance else None,
            "credibility": credibility,
            "at_war": a.in_conflict,
            "treaties": treaties,
        }


#: How the page names each control when it reports a change from the scenario.
CONTROL_NAMES = {
    "credibility": "alliance credibility",
    "norm": "norm commitment",
    "w_threat": "threat weight",
    "w_peer": "peer weight",
    "notice_months": "notice period (months)",
    "conflict_clause": "armed-conflict clause",
    "mediation": "mediation",
    "unified_policy": "alliance policy",
}


def changed_controls(model: DemoModel) -> list[str]:
    """The model's settings that differ from its scenario's, e.g. ``notice period 12 (6)``."""
    own = scenario_controls(model.scenario_name)
    out = []
    for key, name in CONTROL_NAMES.items():
        mine, theirs = model.controls[key], own[key]
        if isinstance(mine, bool) or isinstance(theirs, bool):
            if bool(mine) != bool(theirs):
                out.append(f"{name} {'on' if mine else 'off'}")
        elif not _close(float(mine), float(theirs)):
            fmt = "{:g}"
            out.append(f"{name} {fmt.format(mine)} (scenario: {fmt.format(theirs)})")
    return out


@dataclass(frozen=True)
class LogRow:
    """One line of the page's event log."""

    date: str
    kind: str
    iso3: str
    treaty: str
    message: str
    terms: dict[str, float] | None  # the four pressure terms of a notice


def log_rows(model: EscalationModel, limit: int = 80, incidents: bool = False) -> list[LogRow]:
    """The newest ``limit`` events, newest first (incidents only when asked for)."""
    out: list[LogRow] = []
    for ev in reversed(model.events_frame().to_dict("records")):
        if ev["kind"] == "incident" and not incidents:
            continue
        terms = None
        if ev["kind"] == "notice" and np.isfinite(ev.get("pressure", np.nan)):
            terms = {k: float(ev[k]) for k in TERMS}
        out.append(LogRow(ev["date"], ev["kind"], ev["iso3"], ev["treaty"], ev["message"], terms))
        if len(out) >= limit:
            break
    return out
