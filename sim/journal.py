"""The journal: what happened in each run and why, recorded as arrays.

Every event (a notice with its pressure terms and noise, a withdrawal taking effect, a war, an
incident, a scheduled intervention) is a row of integer and float columns, appended a month at
a time for the whole batch. Nothing here builds a string: messages, dates and the lists of
neighbours that had moved are made only when a run's event log or cascade tree is asked for
(:mod:`sim.outcomes`).
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np

from sim.decisions import TERMS


class Kind(IntEnum):
    """What an event is (the ``kind`` column)."""

    NOTICE = 0  # an instrument of withdrawal deposited
    WITHDRAWN = 1  # a withdrawal took effect
    HELD = 2  # a withdrawal due but held by the armed-conflict clause (first month only)
    ACCESSION = 3  # an instrument of accession deposited (re-accession)
    REJOINED = 4  # an accession took effect
    INCIDENT = 5
    WAR_START = 6
    WAR_END = 7
    EVENT = 8  # a scheduled event or intervention (``ref``: its index in the schedule)


#: Integer columns (-1: does not apply) and float columns (NaN: does not apply).
INT_COLUMNS = ("month", "run", "kind", "state", "treaty", "other", "ref")
FLOAT_COLUMNS = (
    *TERMS,
    "pressure",
    "noise",
    "threshold",
    "tau",
    "q",
    "recommendation",
    "commitment",
    "value",
)

#: ``ref`` of a notice: decided by the state, or forced by the scenario (phase 0 of a month).
DECIDED, FORCED = 0, 1
#: ``ref`` of a war start: by escalation (a hazard), or scheduled by the scenario.
ESCALATION, SCHEDULED = 0, 1


class Journal:
    """The events of a batch of runs, in the order they happened."""

    def __init__(self) -> None:
        self._chunks: list[dict[str, np.ndarray]] = []
        self._table: dict[str, np.ndarray] | None = None

    def add(self, kind: Kind, month: int, run: np.ndarray, **columns: object) -> None:
        """Append events of one kind: ``run`` and any column given as arrays (or scalars).

        Columns left out are -1 (integers) or NaN (floats); they are filled in only when the
        table is read.
        """
        run = np.asarray(run, dtype=np.int64)
        if not run.shape[0]:
            return
        unknown = set(columns) - set(INT_COLUMNS[3:]) - set(FLOAT_COLUMNS)
        if unknown:
            raise TypeError(f"unknown journal columns: {sorted(unknown)}")
        chunk = {"month": month, "run": run, "kind": int(kind), **columns}
        self._chunks.append(chunk)
        self._table = None

    def extend(self, chunk: dict[str, np.ndarray]) -> None:
        """Append prepared rows (``run`` and any other columns, arrays of one length)."""
        if len(chunk["run"]):
            self._chunks.append(chunk)
            self._table = None

    def table(self) -> dict[str, np.ndarray]:
        """Every event of every run, as columns, in the order recorded."""
        if self._table is None:
            self._table = {
                c: np.concatenate(
                    [_column(ch, c, np.int64, -1) for ch in self._chunks]
                    or [np.zeros(0, dtype=np.int64)]
                )
                for c in INT_COLUMNS
            }
            for c in FLOAT_COLUMNS:
                parts = [_column(ch, c, np.float64, np.nan) for ch in self._chunks]
                self._table[c] = np.concatenate(parts or [np.zeros(0)])
            self._chunks = [self._table] if self._chunks else []
        return self._table

    def of_run(self, r: int) -> dict[str, np.ndarray]:
        """The events of run r, in order."""
        t = self.table()
        keep = t["run"] == r
        return {c: v[keep] for c, v in t.items()}

    def take(self, runs: np.ndarray) -> None:
        """Keep the events of the given runs only, renumbered to their new positions."""
        t = self.table()
        remap = np.full(
            max(int(t["run"].max(initial=-1)) + 1, int(np.max(runs, initial=-1)) + 1), -1
        )
        remap[np.asarray(runs, dtype=np.int64)] = np.arange(len(runs))
        new = remap[t["run"]] if len(t["run"]) else t["run"]
        keep = new >= 0
        self._chunks = [{**{c: v[keep] for c, v in t.items()}, "run": new[keep]}]
        self._table = None


def _column(chunk: dict[str, object], name: str, dtype: type, missing: float) -> np.ndarray:
    """One column of a chunk of rows, its default where the chunk does not give it."""
    m = len(chunk["run"])  # type: ignore[arg-type]
    value = chunk.get(name, missing)
    return np.broadcast_to(np.asarray(value, dtype=dtype), (m,))
