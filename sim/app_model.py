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

from sim import decisions
from sim.model import EscalationModel
from sim.scenario import Scenario, bundled_scenarios, load_scenario
from sim.state import CODE
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

_CODE_PARTY, _CODE_WITHDRAWN = CODE[Status.PARTY], CODE[Status.WITHDRAWN]
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
        self._status_before = self.arr.status.copy()
        self.running = scenario.months > 0

    def _rival_arms(self) -> list[float]:
        index = self.world.index
        return [float(self.arr.arms[index[c]]) for c in self.rivals]

    def step(self) -> None:
        """One month of the escalation model; remembers who decided, and the rivals' arms.

        After the scenario's last month it does nothing (Mesa's controller may ask for more
        months than are left when it steps several at a time).
        """
        if self.month >= self.config.months:
            self.running = False
            return
        self._status_before = self.arr.status.copy()
        super().step()
        self.rival_arms.append(self._rival_arms())
        self.running = self.month < self.config.months

    # ------------------------------------------------------------------ what the page reads
    def date(self) -> str:
        """``YYYY-MM`` of the month last simulated (the start month before any step)."""
        return self.config.date_of(max(self.month - 1, 0))

    def decision(self, code: str) -> list[dict[str, Any]]:
        """The breakdown of a state's last decision on each treaty (empty before any step).

        Recomputed from what the state saw in the month just simulated (its perceived threat,
        the neighbours' moves as observed at the start of the month, its alliance's advice, the
        eroded salience, its random draw): the same pure rules, so a state that gave notice
        gets exactly the terms in its notice record.
        """
        if self.month == 0:
            return []
        i = self.world.index[code]
        agent = self.states[i]
        d = self.config.decision
        last = self.month - 1
        out = []
        for t, rules in enumerate(self.treaties.values()):
            before = int(self._status_before[i, t])
            forced = any(
                r["month"] == last
                and r["iso3"] == code
                and r["treaty"] == rules.id
                and not np.isfinite(r.get("pressure", np.nan))
                for r in self.notices
            )
            deciding = not forced and (
                before == _CODE_PARTY or (before == _CODE_WITHDRAWN and d.reaccession)
            )
            row: dict[str, Any] = {
                "treaty": rules.id,
                "name": rules.name,
                "status": agent.status[rules.id].value,
                "held": bool(agent.held[rules.id]),
                "decided": deciding,
            }
            if deciding:
                terms = decisions.pressure(
                    agent.next_threat,
                    rules.military_value,
                    self.peer_share(i, t),
                    self.recommendation(agent.alliance, rules.id),
                    agent.norm,
                    self.salience_eff[t],
                    d.w_threat,
                    d.w_peer,
                    d.w_alliance,
                    d.w_norm,
                )
                noise = float(decisions.logistic_noise(self.draws[i, t], d.noise))
                if before == _CODE_PARTY:
                    moved = bool(decisions.gives_notice(terms.total, noise, agent.threshold))
                else:
                    moved = bool(
                        decisions.re_accedes(
                            terms.total, noise, agent.threshold, d.reaccession_margin
                        )
                    )
                row.update(
                    terms=dict(zip(("threat", "peer", "alliance", "norm"), terms, strict=True)),
                    pressure=terms.total,
                    noise=noise,
                    threshold=float(agent.threshold),
                    moved=moved,
                    rejoin=before == _CODE_WITHDRAWN,
                )
            out.append(row)
        return out

    def state_facts(self, code: str) -> dict[str, Any]:
        """What the inspector shows about a state now."""
        i = self.world.index[code]
        a = self.states[i]
        treaties = {}
        for tid, rules in self.treaties.items():
            nm, wm = a.notice_month[tid], a.withdrawn_month[tid]
            treaties[tid] = {
                "name": rules.name,
                "status": a.status[tid].value,
                "held": bool(a.held[tid]),
                "notice_date": self.config.date_of(nm) if nm is not None else None,
                "due_date": (
                    self.config.date_of(nm + rules.notice_months)
                    if nm is not None and a.status[tid] is Status.NOTICE
                    else None
                ),
                "withdrawn_date": self.config.date_of(wm) if wm is not None else None,
            }
        alliance = self.alliances.get(a.alliance) if a.alliance else None
        return {
            "iso3": a.iso3,
            "name": a.name,
            "threat": float(a.threat),
            "arms": float(a.arms),
            "stimulus": float(a.stimulus),
            "norm": float(a.norm),
            "threshold": float(a.threshold),
            "alliance": alliance.name if alliance else None,
            "credibility": alliance.credibility if alliance else None,
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
    for ev in reversed(model.log):
        if ev["kind"] == "incident" and not incidents:
            continue
        terms = None
        if ev["kind"] == "notice" and np.isfinite(ev.get("pressure", np.nan)):
            terms = {k: float(ev[k]) for k in ("threat", "peer", "alliance", "norm")}
        out.append(LogRow(ev["date"], ev["kind"], ev["iso3"], ev["treaty"], ev["message"], terms))
        if len(out) >= limit:
            break
    return out
