"""Scheduled events and policy interventions (DESIGN §3.7), applied at the start of a month.

A scenario lists historical ``events`` (wars, alliance accessions) and counterfactual
``interventions`` (mediation, credibility shocks, alliance recommendations, humanitarian
advocacy, treaty rule changes, forced notices); both have the same kinds and are applied here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim import scenario as sc
from sim.treaties import Status

if TYPE_CHECKING:
    from sim.model import EscalationModel


def schedule(scenario: sc.Scenario) -> dict[int, list[sc.Event]]:
    """Events by month, events before interventions, each in file order."""
    out: dict[int, list[sc.Event]] = {}
    for ev in [*scenario.events, *scenario.interventions]:
        out.setdefault(scenario.month_of(ev.month), []).append(ev)
    return out


def apply(model: EscalationModel, ev: sc.Event) -> None:
    """Apply one event to the model and log it."""
    world = model.world
    sel = lambda items, key: world.select(items, model.config.source, key)  # noqa: E731
    match ev:
        case sc.WarStart(states=[a, b]):
            for i, j in _sides(model, a, b):
                model.start_war(i, j, scheduled=True)
        case sc.WarEnd(states=[a, b]):
            for i, j in _sides(model, a, b):
                model.end_war(i, j)
        case sc.JoinAlliance(state=code, alliance=aid):
            model.states[world.index[code]].alliance = aid
            model.log_event("join_alliance", f"{code} joins {model.alliances[aid].name}", code)
        case sc.Mediation(states=group, counterparts=others, strength=s):
            a, b = sel(group, "mediation.states"), sel(others, "mediation.counterparts")
            model.scale_hostility(a, b, 1.0 - s)
            model.log_event(
                "mediation",
                f"Mediation between {_names(model, a)} and {_names(model, b)}: hostility -{s:.0%}",
            )
        case sc.Credibility(alliance=aid, value=v):
            old = model.alliances[aid].credibility
            model.alliances[aid].credibility = v
            model.log_event(
                "credibility", f"{model.alliances[aid].name} credibility {old:.2f} -> {v:.2f}"
            )
        case sc.Recommendation(alliance=aid, treaty=tid, value=v):
            model.alliances[aid].recommendation[tid] = v
            name = model.treaties[tid].name
            verb = "recommends leaving" if v > 0 else "withdraws its advice to leave"
            model.log_event(
                "recommendation", f"{model.alliances[aid].name} {verb} {name} ({v:.2f})", treaty=tid
            )
        case sc.Advocacy(states=group, delta=d):
            idx = sel(group, "advocacy.states")
            for i in idx:
                agent = model.states[i]
                agent.norm = float(np.clip(agent.norm + d, 0.0, 1.0))
            model.log_event(
                "advocacy", f"Humanitarian advocacy: norm {d:+.2f} in {_names(model, idx)}"
            )
        case sc.TreatyRule(treaty=tid, notice_months=nm, conflict_clause=cc):
            rules = model.treaties[tid]
            if nm is not None:
                rules.notice_months = nm
            if cc is not None:
                rules.conflict_clause = cc
            model.log_event(
                "treaty_rule",
                f"{rules.name} rules: notice {rules.notice_months} months, "
                f"armed-conflict clause {'on' if rules.conflict_clause else 'off'}",
                treaty=tid,
            )
        case sc.ForcedNotice(treaty=tid, states=group, random=k):
            chosen = sel(group, "notice.states")
            if k:
                parties = [
                    a.pos
                    for a in model.states
                    if a.status[tid] is Status.PARTY and a.pos not in chosen
                ]
                pick = model.streams["interventions"].choice(
                    len(parties), size=min(k, len(parties)), replace=False
                )
                chosen += sorted(parties[int(p)] for p in pick)
            for i in chosen:
                if model.states[i].status[tid] is Status.PARTY:
                    model.give_notice(model.states[i], tid, None, [])


def _sides(model: EscalationModel, a: str, b: str) -> list[tuple[int, int]]:
    """The pairs of a war event; each side may be a code or a selector such as ``@rival``."""
    src = model.config.source
    left = model.world.select([a], src, "war.states.0")
    right = model.world.select([b], src, "war.states.1")
    return [(i, j) for i in left for j in right if i != j]


def _names(model: EscalationModel, idx: list[int]) -> str:
    codes = [model.world.codes[i] for i in idx]
    return ", ".join(codes) if len(codes) <= 4 else f"{len(codes)} states"
