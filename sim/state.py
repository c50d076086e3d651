"""The model's state arrays, and the agent attributes that are views of them.

Both engines keep every state variable in one set of numpy arrays (``StateArrays``). A
:class:`~sim.agents.StateAgent` reads and writes its own element through the descriptors below,
so the Mesa agent engine, the vectorised kernel, data collection and the demo all see the same
numbers. Statuses are stored as small integer codes; ``None`` months as -1.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.treaties import Status

#: Status <-> code. The codes index this tuple.
STATUS_BY_CODE: tuple[Status, ...] = tuple(Status)
CODE = {s: np.int8(k) for k, s in enumerate(STATUS_BY_CODE)}
PARTY, NOTICE, WITHDRAWN, ACCEDING = (
    CODE[Status.PARTY],
    CODE[Status.NOTICE],
    CODE[Status.WITHDRAWN],
    CODE[Status.ACCEDING],
)
NONE = -1  # a month that has not happened (no notice, not withdrawn)


@dataclass(eq=False)
class StateArrays:
    """Every state variable, one row per state (and one column per treaty where it applies)."""

    arms: np.ndarray
    capacity: np.ndarray
    threat: np.ndarray
    stimulus: np.ndarray
    norm: np.ndarray
    threshold: np.ndarray
    reactivity: np.ndarray
    fatigue: np.ndarray
    grievance: np.ndarray
    alliance: np.ndarray  # index into the model's alliance ids, -1 for none
    status: np.ndarray  # (n, T) int8 status codes
    since: np.ndarray  # (n, T) month the pending notice/accession was deposited, -1
    notice_month: np.ndarray  # (n, T) month of the (first) notice, -1
    withdrawn_month: np.ndarray  # (n, T) month the withdrawal took effect, -1
    held: np.ndarray  # (n, T) bool: due but held by the armed-conflict clause
    next_threat: np.ndarray  # pending values, applied all at once
    next_arms: np.ndarray

    @classmethod
    def empty(cls, n: int, n_treaties: int) -> StateArrays:
        """Arrays for n states and n_treaties treaties (zeros, no alliance, no months)."""
        f = lambda: np.zeros(n)  # noqa: E731
        months = lambda: np.full((n, n_treaties), NONE, dtype=np.int64)  # noqa: E731
        return cls(
            arms=f(), capacity=f(), threat=f(), stimulus=f(), norm=f(), threshold=f(),
            reactivity=f(), fatigue=f(), grievance=f(),
            alliance=np.full(n, -1, dtype=np.int64),
            status=np.zeros((n, n_treaties), dtype=np.int8),
            since=months(), notice_month=months(), withdrawn_month=months(),
            held=np.zeros((n, n_treaties), dtype=bool),
            next_threat=f(), next_arms=f(),
        )  # fmt: skip


class Field:
    """A float attribute of an agent that is its element of a model array."""

    def __init__(self, array: str | None = None) -> None:
        self.name = array

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = self.name or name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return float(getattr(agent.model.arr, self.name)[agent.pos])

    def __set__(self, agent: Any, value: float) -> None:
        getattr(agent.model.arr, self.name)[agent.pos] = value


class AllianceField:
    """An agent's alliance id (or None), stored as an index in ``arr.alliance``."""

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        k = int(agent.model.arr.alliance[agent.pos])
        return agent.model.alliance_ids[k] if k >= 0 else None

    def __set__(self, agent: Any, value: str | None) -> None:
        ids = agent.model.alliance_ids
        agent.model.arr.alliance[agent.pos] = ids.index(value) if value is not None else -1


class TreatyView(MutableMapping):
    """An agent's per-treaty values (``agent.status["ottawa"]``) as a view of an (n, T) array."""

    def __init__(self, agent: Any, name: str, kind: str) -> None:
        self._agent, self._name, self._kind = agent, name, kind

    def _column(self, treaty: str) -> int:
        return self._agent.model.treaty_index[treaty]

    def __getitem__(self, treaty: str) -> Any:
        v = getattr(self._agent.model.arr, self._name)[self._agent.pos, self._column(treaty)]
        if self._kind == "status":
            return STATUS_BY_CODE[v]
        if self._kind == "month":
            return None if v < 0 else int(v)
        return bool(v)

    def __setitem__(self, treaty: str, value: Any) -> None:
        if self._kind == "status":
            value = CODE[Status(value)]
        elif self._kind == "month":
            value = NONE if value is None else value
        getattr(self._agent.model.arr, self._name)[self._agent.pos, self._column(treaty)] = value

    def __delitem__(self, treaty: str) -> None:
        raise TypeError("treaty columns cannot be deleted")

    def __iter__(self) -> Iterator[str]:
        return iter(self._agent.model.treaty_index)

    def __len__(self) -> int:
        return len(self._agent.model.treaty_index)

    def __repr__(self) -> str:
        return repr(dict(self))


class TreatyField:
    """Descriptor giving an agent a :class:`TreatyView` of one (n, T) array."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return TreatyView(agent, self.name, self.kind)
