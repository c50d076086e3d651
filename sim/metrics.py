"""Run outcomes: Mesa reporters, the summary JSON, the event log and the cascade tree."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.state import CODE
from sim.treaties import MOVED, Status

if TYPE_CHECKING:
    from sim.agents import Move, StateAgent
    from sim.model import EscalationModel

#: Version of the ``run --json`` / ``summary.json`` schema (docs/output-schema.md).
SCHEMA_VERSION = 1

TERMS = ("threat", "peer", "alliance", "norm")


# --------------------------------------------------------------------------- reporters
def timeseries_columns(model: EscalationModel) -> list[str]:
    """Columns of the monthly timeseries table."""
    cols = ["month", "date"]
    for tid in model.treaties:
        cols += [f"{tid}_party", f"{tid}_notice", f"{tid}_withdrawn", f"{tid}_held"]
    return [*cols, "mean_threat", "max_threat", "total_arms", "incidents", "wars"]


_COUNTED = (CODE[Status.PARTY], CODE[Status.NOTICE], CODE[Status.WITHDRAWN])


def timeseries_row(model: EscalationModel) -> dict[str, Any]:
    """The timeseries row of the current month, read from the state arrays in one pass.

    (One table row per month rather than one Mesa model reporter per column: reporters
    deep-copy every value, which cost more than the whole vectorised step.)
    """
    arr = model.arr
    row: dict[str, Any] = {"month": model.month, "date": model.config.date_of(model.month)}
    held = arr.held.sum(axis=0)
    for t, tid in enumerate(model.treaties):
        counts = np.bincount(arr.status[:, t], minlength=len(CODE))
        row[f"{tid}_party"], row[f"{tid}_notice"], row[f"{tid}_withdrawn"] = (
            int(counts[c]) for c in _COUNTED
        )
        row[f"{tid}_held"] = int(held[t])
    row["mean_threat"] = float(np.mean(arr.threat))
    row["max_threat"] = float(np.max(arr.threat))
    row["total_arms"] = model.total_arms()
    row["incidents"] = int(model.incidents_now.sum() // 2)
    row["wars"] = len(model.wars)
    return row


def agent_reporters(model: EscalationModel) -> dict[str, Any]:
    """Mesa agent reporters: one row per state per month."""
    rep: dict[str, Any] = {
        "iso3": "iso3",
        "threat": "threat",
        "stimulus": "stimulus",
        "arms": "arms",
        "norm": "norm",
        "in_conflict": "in_conflict",
        "alliance": lambda a: a.alliance or "",
    }
    for tid in model.treaties:
        rep[f"{tid}_status"] = lambda a, tid=tid: a.status[tid].value
        rep[f"{tid}_held"] = lambda a, tid=tid: bool(a.held[tid])
    return rep


# --------------------------------------------------------------------------- notices
def notice_record(
    model: EscalationModel,
    agent: StateAgent,
    treaty: str,
    move: Move | None,
    moved: list[str],
) -> dict[str, Any]:
    """A notice with why: the four pressure terms, the neighbours that had moved, the month."""
    name = model.treaties[treaty].name
    rec: dict[str, Any] = {
        "month": model.month,
        "date": model.config.date_of(model.month),
        "kind": "notice",
        "iso3": agent.iso3,
        "treaty": treaty,
        "other": ";".join(moved),
    }
    if move is None:
        rec["message"] = f"{agent.iso3} gives notice on {name} (scheduled by the scenario)"
        rec.update({k: np.nan for k in (*TERMS, "pressure", "noise", "threshold")})
        return rec
    p = move.pressure
    shares = p.shares()
    neighbours = len(
        model.world.w.indices[model.world.w.indptr[agent.pos] : model.world.w.indptr[agent.pos + 1]]
    )
    rec["message"] = (
        f"{agent.iso3} gives notice on {name}: threat {agent.next_threat:.2f} ({shares[0]:.0%}), "
        f"{len(moved)} of {neighbours} neighbours moved ({shares[1]:.0%}), "
        f"alliance advice {model.recommendation(agent.alliance, treaty):.2f} ({shares[2]:.0%}), "
        f"norm {agent.norm:.2f} ({shares[3]:.0%}); pressure {p.total:.2f}"
        f"{move.noise:+.2f} >= threshold {agent.threshold:.2f}"
    )
    rec.update(dict(zip(TERMS, p, strict=True)))
    rec.update(pressure=p.total, noise=move.noise, threshold=agent.threshold)
    return rec


# --------------------------------------------------------------------------- frames
def timeseries(model: EscalationModel) -> pd.DataFrame:
    """One row per month."""
    return model.datacollector.get_table_dataframe("timeseries")


def states_frame(model: EscalationModel) -> pd.DataFrame:
    """One row per state per month (empty if the model did not record states)."""
    if not model.datacollector.agent_reporters:
        return pd.DataFrame()
    df = model.datacollector.get_agent_vars_dataframe().reset_index()
    df["month"] = df.pop("Step").astype(int) - 1
    df.insert(1, "date", [model.config.date_of(int(m)) for m in df["month"]])
    df = df.drop(columns=["AgentID"])
    return df[["month", "date", *[c for c in df.columns if c not in ("month", "date")]]]


EVENT_COLUMNS = [
    "month",
    "date",
    "kind",
    "iso3",
    "treaty",
    "other",
    *TERMS,
    "pressure",
    "noise",
    "threshold",
    "message",
]


def events_frame(model: EscalationModel) -> pd.DataFrame:
    """The event log, with the pressure terms on notices (NaN elsewhere)."""
    return pd.DataFrame(model.log, columns=EVENT_COLUMNS)


# --------------------------------------------------------------------------- cascade tree
def cascade(model: EscalationModel) -> dict[str, Any]:
    """Per treaty: who followed whom.

    A mover's parent is the neighbour, among those that had moved when it decided, with the
    strongest tie (then the earliest notice, then the code); movers with none are roots.
    """
    w, index = model.world.w, model.world.index
    out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "treaties": {}}
    for tid in model.treaties:
        recs = [r for r in model.notices if r["treaty"] == tid]
        first: dict[str, int] = {}
        for r in recs:
            first.setdefault(r["iso3"], r["month"])
        nodes: dict[str, dict[str, Any]] = {}
        for r in recs:
            if r["iso3"] in nodes:
                continue  # the tree follows first notices; a later one (after rejoining) is logged
            infl = [c for c in r["other"].split(";") if c]
            parent = min(
                infl,
                key=lambda c: (-w[index[r["iso3"]], index[c]], first.get(c, 0), c),
                default=None,
            )
            nodes[r["iso3"]] = {
                "month": r["month"],
                "date": r["date"],
                "parent": parent,
                "influencers": infl,
                "children": [],
            }
        roots = []
        for code, node in nodes.items():
            (nodes[node["parent"]]["children"] if node["parent"] else roots).append(code)

        def tree(code: str, nodes: dict[str, dict[str, Any]] = nodes) -> dict[str, Any]:
            node = nodes[code]
            return {
                "iso3": code,
                "month": node["month"],
                "date": node["date"],
                "children": [tree(c) for c in node["children"]],
            }

        out["treaties"][tid] = {
            "edges": [[n["parent"], c, n["month"]] for c, n in nodes.items() if n["parent"]],
            "roots": roots,
            "tree": [tree(c) for c in roots],
            "depth": max((_depth(nodes, c) for c in nodes), default=0),
        }
    return out


def _depth(nodes: dict[str, dict[str, Any]], code: str) -> int:
    # Parents always gave notice in an earlier month, so this walk ends at a root.
    d = 1
    while nodes[code]["parent"]:
        code = nodes[code]["parent"]
        d += 1
    return d


# --------------------------------------------------------------------------- summary
def summary(model: EscalationModel) -> dict[str, Any]:
    """The run's outcomes (schema: docs/output-schema.md)."""
    sc = model.config
    ts = timeseries(model)
    treaties: dict[str, Any] = {}
    states: dict[str, Any] = {a.iso3: {} for a in model.states}
    for t, (tid, rules) in enumerate(model.treaties.items()):
        notices = [r for r in model.notices if r["treaty"] == tid]
        first = min((r["month"] for r in notices), default=None)
        initial = int(model.initial_parties[t])
        treaties[tid] = {
            "name": rules.name,
            "initial_parties": initial,
            "notified": len({r["iso3"] for r in notices}),
            "withdrawn": sum(a.status[tid] is Status.WITHDRAWN for a in model.states),
            "blocked": sum(a.held[tid] for a in model.states),
            "cascade_fraction": len({r["iso3"] for r in notices}) / initial if initial else 0.0,
            "first_notice_month": first,
            "first_notice_date": sc.date_of(first) if first is not None else None,
        }
        for a in model.states:
            nm, wm = a.notice_month[tid], a.withdrawn_month[tid]
            states[a.iso3][tid] = {
                "status": a.status[tid].value,
                "notice_month": nm,
                "notice_date": sc.date_of(nm) if nm is not None else None,
                "withdrawn_month": wm,
                "withdrawn_date": sc.date_of(wm) if wm is not None else None,
            }
    mean_threat = ts["mean_threat"] if len(ts) else pd.Series([0.0])
    return {
        "schema_version": SCHEMA_VERSION,
        "scenario": sc.name,
        "seed": model.seed,
        "months": model.month,
        "start": sc.start,
        "end": sc.date_of(max(model.month - 1, 0)),
        "engine": model.engine,
        "treaties": treaties,
        "states": states,
        "tension": {"mean_final": float(mean_threat.iloc[-1]), "max": float(mean_threat.max())},
        "arms": {
            "initial": model.initial_arms,
            "final": model.total_arms(),
            "growth_ratio": growth_ratio(model.initial_arms, model.total_arms()),
        },
        "incidents": model.incident_total,
        "wars": model.wars_begun,
    }


def growth_ratio(initial: float, final: float) -> float:
    """The ratio of final to initial total arms (1 when unchanged).

    An initial total below 1e-12 counts as 1e-12, so a start from (almost) nothing gives a large
    but finite ratio, never inf or NaN (the summary is strict JSON).
    """
    if final == initial:
        return 1.0
    return final / max(initial, 1e-12)


def moved_codes(model: EscalationModel, tid: str) -> list[str]:
    """States that have given notice on or left a treaty."""
    return [a.iso3 for a in model.states if a.status[tid] in MOVED]
