"""Run outcomes, for a whole batch at once: monthly series, summary fields, event log, cascade.

:class:`Series` records one row per run per month into an array (runs x months x columns).
:class:`Outcomes` computes every field of the run summary (the object ``escalation run --json``
prints) as one column over the batch's runs; a single run's :meth:`Outcomes.summary` is
assembled from the same columns, so a sweep's outcome columns and a run's summary cannot
disagree. The event log and the cascade tree of one run are built from the journal when asked
for: only then are messages, dates and neighbour lists made.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.decisions import TERMS, Pressure
from sim.journal import FORCED, SCHEDULED, Journal, Kind
from sim.schema import month_date
from sim.state import State
from sim.treaties import NOTICE, PARTY, STATUS_BY_CODE, WITHDRAWN

#: Version of the ``run --json`` / ``summary.json`` schema (docs/output-schema.md).
SCHEMA_VERSION = 1


# --------------------------------------------------------------------------- monthly series
def series_columns(treaties: list[str]) -> list[tuple[str, str]]:
    """The columns of the monthly series (name, kind), after ``month``."""
    cols: list[tuple[str, str]] = []
    for tid in treaties:
        cols += [(f"{tid}_{s}", "int") for s in ("party", "notice", "withdrawn", "held")]
    return [
        *cols,
        ("mean_threat", "float"),
        ("max_threat", "float"),
        ("total_arms", "float"),
        ("incidents", "int"),
        ("wars", "int"),
    ]


class Series:
    """One row per run per month: per-treaty counts, threat, arms, incidents, wars."""

    def __init__(self, runs: int, treaties: list[str], record_states: bool = False) -> None:
        self.columns = series_columns(treaties)
        self.names = [c for c, _ in self.columns]
        self.data = np.zeros((runs, 0, len(self.columns)))
        self.months = 0
        self.record_states = record_states
        self.states: list[dict[str, np.ndarray]] = []  # per month, when recording states

    def record(self, state: State) -> None:
        """Append the current month's row of every run."""
        if self.months == self.data.shape[1]:
            grow = np.zeros((self.data.shape[0], max(12, self.months), self.data.shape[2]))
            self.data = np.concatenate([self.data, grow], axis=1)
        row = self.data[:, self.months]
        status = state.status
        R, _, T = status.shape
        codes = len(STATUS_BY_CODE)
        offsets = codes * np.arange(R)[:, None]
        k = 0
        for t in range(T):
            # How many states of each run have each status: one count over (run, status).
            counts = np.bincount((status[:, :, t] + offsets).reshape(-1), minlength=R * codes)
            counts = counts.reshape(R, codes)
            for code in (PARTY, NOTICE, WITHDRAWN):
                row[:, k] = counts[:, code]
                k += 1
            row[:, k] = np.add.reduce(state.held[:, :, t], axis=-1)
            k += 1
        row[:, k] = np.add.reduce(state.threat, axis=-1) / state.n
        row[:, k + 1] = np.maximum.reduce(state.threat, axis=-1)
        row[:, k + 2] = state.total_arms()
        row[:, k + 3] = np.add.reduce(state.incidents_now, axis=-1) // 2
        row[:, k + 4] = np.add.reduce(state.war, axis=-1)
        if self.record_states:
            self.states.append(
                {
                    "threat": state.threat.copy(),
                    "stimulus": state.stimulus.copy(),
                    "arms": state.arms.copy(),
                    "norm": state.norm.copy(),
                    "in_conflict": state.at_war.copy(),
                    "alliance": state.alliance.copy(),
                    "status": state.status.copy(),
                    "held": state.held.copy(),
                }
            )
        self.months += 1

    def column(self, name: str) -> np.ndarray:
        """One column of every run: (runs, months)."""
        return self.data[:, : self.months, self.names.index(name)]

    def take(self, runs: np.ndarray) -> None:
        """Keep the given runs only."""
        self.data = self.data[runs]
        self.states = [{k: v[runs] for k, v in m.items()} for m in self.states]

    def frame(self, r: int, start: str) -> pd.DataFrame:
        """The series of run r: one row per month, with its date."""
        months = np.arange(self.months)
        out: dict[str, Any] = {
            "month": months,
            "date": [month_date(start, int(m)) for m in months],
        }
        for j, (name, kind) in enumerate(self.columns):
            values = self.data[r, : self.months, j]
            out[name] = values.astype(np.int64) if kind == "int" else values.copy()
        return pd.DataFrame(out)


# --------------------------------------------------------------------------- summary fields
@dataclass(frozen=True)
class Column:
    """One summary field over the runs of a batch: values, and where they are ``None``."""

    values: np.ndarray
    kind: str  # bool | int | float | str
    missing: np.ndarray | None = None  # True where the field is None

    def at(self, r: int) -> Any:
        """Run r's value as a plain Python value (``None`` where missing)."""
        if self.missing is not None and self.missing[r]:
            return None
        v = self.values[r]
        return v.item() if isinstance(v, np.generic) else v


class Outcomes:
    """The run summary's fields as columns over a batch (see the module docstring)."""

    def __init__(self, state: State, series: Series, journal: Journal, engine: str) -> None:
        self.state, self.series, self.journal, self.engine = state, series, journal, engine
        self.world = state.world
        self._fields: dict[str, Callable[[], Column]] = {}
        self._cache: dict[str, Column] = {}
        self._define()

    # ------------------------------------------------------------------ the fields
    def _define(self) -> None:
        st, world = self.state, self.world
        R = st.runs
        sc = st.scenarios[0]
        names = {tid: t.name for tid, t in sc.treaties.items()}
        start = sc.start
        months = st.month

        def const(value: Any, kind: str) -> Callable[[], Column]:
            return lambda: Column(np.full(R, value, dtype=object if kind == "str" else None), kind)

        def date_of(col: Callable[[], Column]) -> Callable[[], Column]:
            def f() -> Column:
                c = col()
                values = np.array(
                    [
                        None if c.missing[r] else month_date(start, int(c.values[r]))
                        for r in range(R)
                    ],
                    dtype=object,
                )
                return Column(values, "str", c.missing)

            return f

        def month_col(values: np.ndarray) -> Column:
            return Column(values.astype(np.int64), "int", values < 0)

        f = self._fields
        f["schema_version"] = const(SCHEMA_VERSION, "int")
        f["scenario"] = lambda: Column(
            np.array([s.name for s in st.scenarios], dtype=object), "str"
        )
        f["seed"] = lambda: Column(np.array(st.seeds, dtype=np.uint64), "int")
        f["months"] = const(months, "int")
        f["start"] = const(start, "str")
        f["end"] = const(month_date(start, max(months - 1, 0)), "str")
        f["engine"] = const(self.engine, "str")
        initial = world.parties.sum(axis=0)
        for t, tid in enumerate(world.treaty_ids):
            first = st.first_notice[:, :, t]

            def first_month(first: np.ndarray = first) -> Column:
                masked = np.where(first >= 0, first, np.iinfo(np.int64).max)
                m = masked.min(axis=1) if first.shape[1] else np.full(R, np.iinfo(np.int64).max)
                return month_col(np.where(m == np.iinfo(np.int64).max, -1, m))

            notified = lambda first=first: np.add.reduce(first >= 0, axis=-1)  # noqa: E731
            init = int(initial[t])
            p = f"treaties.{tid}."
            f[p + "name"] = const(names[tid], "str")
            f[p + "initial_parties"] = const(init, "int")
            f[p + "notified"] = lambda notified=notified: Column(notified().astype(np.int64), "int")
            f[p + "withdrawn"] = lambda t=t: Column(
                np.add.reduce(st.status[:, :, t] == WITHDRAWN, axis=-1).astype(np.int64), "int"
            )
            f[p + "blocked"] = lambda t=t: Column(
                np.add.reduce(st.held[:, :, t], axis=-1).astype(np.int64), "int"
            )
            f[p + "cascade_fraction"] = lambda notified=notified, init=init: Column(
                notified() / init if init else np.zeros(R), "float"
            )
            f[p + "first_notice_month"] = first_month
            f[p + "first_notice_date"] = date_of(first_month)
        for i, code in enumerate(world.codes):
            for t, tid in enumerate(world.treaty_ids):
                p = f"states.{code}.{tid}."
                status = lambda i=i, t=t: Column(  # noqa: E731
                    np.array([STATUS_BY_CODE[c].value for c in st.status[:, i, t]], dtype=object),
                    "str",
                )
                nm = lambda i=i, t=t: month_col(st.notice_month[:, i, t])  # noqa: E731
                wm = lambda i=i, t=t: month_col(st.withdrawn_month[:, i, t])  # noqa: E731
                f[p + "status"] = status
                f[p + "notice_month"] = nm
                f[p + "notice_date"] = date_of(nm)
                f[p + "withdrawn_month"] = wm
                f[p + "withdrawn_date"] = date_of(wm)
        ser = self.series
        f["tension.mean_final"] = lambda: Column(
            ser.column("mean_threat")[:, -1] if ser.months else np.zeros(R), "float"
        )
        f["tension.max"] = lambda: Column(
            ser.column("mean_threat").max(axis=1) if ser.months else np.zeros(R), "float"
        )
        f["arms.initial"] = lambda: Column(st.initial_arms.copy(), "float")
        f["arms.final"] = lambda: Column(st.total_arms(), "float")
        f["arms.growth_ratio"] = lambda: Column(
            growth_ratio(st.initial_arms, st.total_arms()), "float"
        )
        f["incidents"] = lambda: Column(st.incident_total.astype(np.int64), "int")
        f["wars"] = lambda: Column(st.wars_begun.astype(np.int64), "int")

    def paths(self) -> list[str]:
        """Every summary field, in summary order."""
        return list(self._fields)

    def column(self, path: str) -> Column:
        """One field over every run."""
        if path not in self._cache:
            self._cache[path] = self._fields[path]()
        return self._cache[path]

    def summary(self, r: int = 0) -> dict[str, Any]:
        """Run r's summary: the object ``escalation run --json`` prints."""
        out: dict[str, Any] = {}
        for path in self._fields:
            node = out
            *parents, leaf = path.split(".")
            for p in parents:
                node = node.setdefault(p, {})
            node[leaf] = self.column(path).at(r)
        order = ["schema_version", "scenario", "seed", "months", "start", "end", "engine"]
        order += ["treaties", "states", "tension", "arms", "incidents", "wars"]
        return {k: out[k] for k in order if k in out}


def growth_ratio(initial: np.ndarray, final: np.ndarray) -> np.ndarray:
    """The ratio of final to initial total arms (1 when unchanged).

    An initial total below 1e-12 counts as 1e-12, so a start from (almost) nothing gives a large
    but finite ratio, never inf or NaN (the summary is strict JSON).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        ratio = final / np.maximum(initial, 1e-12)
    return np.where(final == initial, 1.0, ratio)


# --------------------------------------------------------------------------- one run's story
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
_KIND_NAMES = {
    Kind.NOTICE: "notice",
    Kind.WITHDRAWN: "withdrawn",
    Kind.HELD: "held",
    Kind.ACCESSION: "accession",
    Kind.REJOINED: "rejoined",
    Kind.INCIDENT: "incident",
    Kind.WAR_START: "war_start",
    Kind.WAR_END: "war_end",
}


class Story:
    """One run's event log and cascade tree, built from the journal."""

    def __init__(self, state: State, journal: Journal, r: int) -> None:
        self.state, self.r = state, r
        self.world = state.world
        self.scenario = state.scenarios[r]
        self.events = journal.of_run(r)
        self.schedule = [*self.scenario.events, *self.scenario.interventions]

    def moved_before(self, k: int) -> list[int]:
        """The neighbours of event k's state that had moved on its treaty when it decided."""
        ev = self.events
        i, t, month = int(ev["state"][k]), int(ev["treaty"][k]), int(ev["month"][k])
        w = self.world.w
        nbrs = w.indices[w.indptr[i] : w.indptr[i + 1]]
        # A deposit decided in month m counts from month m + 1; a forced notice (phase 0 of a
        # month) already counts in its own month. An accession ends "moved".
        deposit = (ev["kind"] == Kind.NOTICE) | (ev["kind"] == Kind.ACCESSION)
        seen = (
            deposit
            & (ev["treaty"] == t)
            & ((ev["month"] < month) | ((ev["month"] == month) & (ev["ref"] == FORCED)))
        )
        moved = []
        for j in nbrs.tolist():
            mine = np.flatnonzero(seen & (ev["state"] == j))
            if len(mine) and ev["kind"][mine[-1]] == Kind.NOTICE:
                moved.append(j)
        return moved

    def frame(self) -> pd.DataFrame:
        """The event log, with the pressure terms on decided notices (NaN elsewhere)."""
        ev, codes = self.events, self.world.codes
        sc = self.scenario
        tnames = {tid: t.name for tid, t in sc.treaties.items()}
        tids = self.world.treaty_ids
        rows = []
        last_notice: dict[tuple[int, int], int] = {}
        for k in range(len(ev["month"])):
            kind = Kind(int(ev["kind"][k]))
            month = int(ev["month"][k])
            i, t, o = int(ev["state"][k]), int(ev["treaty"][k]), int(ev["other"][k])
            iso3 = codes[i] if i >= 0 else ""
            tid = tids[t] if t >= 0 else ""
            other = codes[o] if o >= 0 else ""
            row: dict[str, Any] = {"month": month, "date": sc.date_of(month), "iso3": iso3}
            row.update({c: float(ev[c][k]) for c in (*TERMS, "pressure", "noise", "threshold")})
            name = tnames.get(tid, "")
            if kind == Kind.NOTICE:
                last_notice[(i, t)] = month
                if int(ev["ref"][k]) == FORCED:
                    message = f"{iso3} gives notice on {name} (scheduled by the scenario)"
                else:
                    moved = self.moved_before(k)
                    other = ";".join(codes[j] for j in moved)
                    message = self._notice_message(k, iso3, name, len(moved), i)
                kind_name = "notice"
            elif kind == Kind.WITHDRAWN:
                since = sc.date_of(last_notice.get((i, t), month))
                message = f"{iso3}'s withdrawal from {name} takes effect (notice {since})"
                kind_name = "withdrawn"
            elif kind == Kind.HELD:
                message = (
                    f"{iso3}'s withdrawal from {name} is due but held by Article 20: engaged in "
                    "armed conflict"
                )
                kind_name = "held"
            elif kind == Kind.ACCESSION:
                message = f"{iso3} moves to rejoin {name} (pressure {ev['pressure'][k]:.2f})"
                kind_name = "accession"
            elif kind == Kind.REJOINED:
                message = f"{iso3} is a party to {name} again"
                kind_name = "rejoined"
            elif kind == Kind.INCIDENT:
                message = f"Incident between {iso3} and {other}"
                kind_name = "incident"
            elif kind == Kind.WAR_START:
                how = "scheduled" if int(ev["ref"][k]) == SCHEDULED else "escalation"
                message = f"War between {iso3} and {other} ({how})"
                kind_name = "war_start"
            elif kind == Kind.WAR_END:
                message = f"War between {iso3} and {other} ends"
                kind_name = "war_end"
            else:
                kind_name, message = self._event_message(k)
                other = ""
            row.update(kind=kind_name, treaty=tid, other=other, message=message)
            rows.append(row)
        return pd.DataFrame(rows, columns=EVENT_COLUMNS)

    def _notice_message(self, k: int, iso3: str, name: str, moved: int, i: int) -> str:
        ev = self.events
        terms = Pressure(*(float(ev[c][k]) for c in TERMS))
        shares = terms.shares()
        neighbours = int(self.world.degree[i])
        return (
            f"{iso3} gives notice on {name}: threat {ev['tau'][k]:.2f} ({shares[0]:.0%}), "
            f"{moved} of {neighbours} neighbours moved ({shares[1]:.0%}), "
            f"alliance advice {ev['recommendation'][k]:.2f} ({shares[2]:.0%}), "
            f"norm {ev['commitment'][k]:.2f} ({shares[3]:.0%}); pressure {ev['pressure'][k]:.2f}"
            f"{ev['noise'][k]:+.2f} >= threshold {ev['threshold'][k]:.2f}"
        )

    def _event_message(self, k: int) -> tuple[str, str]:
        from sim import schema as sc  # the event classes

        ev = self.schedule[int(self.events["ref"][k])]
        value = float(self.events["value"][k])
        w, scn = self.world, self.scenario
        alliances = {aid: a.name for aid, a in scn.alliances.items()}

        def names(items: list[str]) -> str:
            idx = w.select(items, scn.source, "")
            codes = [w.codes[j] for j in idx]
            return ", ".join(codes) if len(codes) <= 4 else f"{len(codes)} states"

        match ev:
            case sc.JoinAlliance(state=code, alliance=aid):
                return "join_alliance", f"{code} joins {alliances[aid]}"
            case sc.Mediation(states=a, counterparts=b, strength=s):
                return (
                    "mediation",
                    f"Mediation between {names(a)} and {names(b)}: hostility -{s:.0%}",
                )
            case sc.Credibility(alliance=aid, value=v):
                return "credibility", f"{alliances[aid]} credibility {value:.2f} -> {v:.2f}"
            case sc.Recommendation(alliance=aid, treaty=tid, value=v):
                verb = "recommends leaving" if v > 0 else "withdraws its advice to leave"
                return (
                    "recommendation",
                    f"{alliances[aid]} {verb} {scn.treaties[tid].name} ({v:.2f})",
                )
            case sc.Advocacy(states=group, delta=d):
                return "advocacy", f"Humanitarian advocacy: norm {d:+.2f} in {names(group)}"
            case sc.TreatyRule(treaty=tid):
                t = w.treaty_ids.index(tid)
                nm = int(self.state.notice_months[self.r, t])
                cc = bool(self.state.conflict_clause[self.r, t])
                return "treaty_rule", (
                    f"{scn.treaties[tid].name} rules: notice {nm} months, "
                    f"armed-conflict clause {'on' if cc else 'off'}"
                )
        return ev.kind, ev.kind  # pragma: no cover - every kind is handled above

    def cascade(self) -> dict[str, Any]:
        """Per treaty: who followed whom.

        A mover's parent is the neighbour, among those that had moved when it decided, with the
        strongest tie (then the earliest notice, then the code); movers with none are roots.
        """
        ev, codes, w = self.events, self.world.codes, self.world.w
        sc = self.scenario
        out: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "treaties": {}}
        notices = np.flatnonzero(ev["kind"] == Kind.NOTICE)
        for t, tid in enumerate(self.world.treaty_ids):
            mine = [k for k in notices.tolist() if ev["treaty"][k] == t]
            first: dict[str, int] = {}
            for k in mine:
                first.setdefault(codes[ev["state"][k]], int(ev["month"][k]))
            nodes: dict[str, dict[str, Any]] = {}
            for k in mine:
                i = int(ev["state"][k])
                code = codes[i]
                if code in nodes:
                    continue  # the tree follows first notices; a later one is logged
                infl = (
                    [] if int(ev["ref"][k]) == FORCED else [codes[j] for j in self.moved_before(k)]
                )
                parent = min(
                    infl,
                    key=lambda c, i=i: (-w[i, self.world.index[c]], first.get(c, 0), c),
                    default=None,
                )
                month = int(ev["month"][k])
                nodes[code] = {
                    "month": month,
                    "date": sc.date_of(month),
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


def states_frame(series: Series, state: State, r: int = 0) -> pd.DataFrame:
    """One row per state per month of run r (empty unless states were recorded)."""
    if not series.states:
        return pd.DataFrame()
    world = state.world
    sc = state.scenarios[r]
    n = world.n
    frames = []
    aids = world.alliance_ids
    for month, snap in enumerate(series.states):
        data: dict[str, Any] = {
            "month": np.full(n, month),
            "date": [sc.date_of(month)] * n,
            "iso3": world.codes,
            "threat": snap["threat"][r],
            "stimulus": snap["stimulus"][r],
            "arms": snap["arms"][r],
            "norm": snap["norm"][r],
            "in_conflict": snap["in_conflict"][r],
            "alliance": [aids[a] if a >= 0 else "" for a in snap["alliance"][r].tolist()],
        }
        for t, tid in enumerate(world.treaty_ids):
            data[f"{tid}_status"] = [STATUS_BY_CODE[c].value for c in snap["status"][r, :, t]]
            data[f"{tid}_held"] = snap["held"][r, :, t]
        frames.append(pd.DataFrame(data))
    return pd.concat(frames, ignore_index=True)
