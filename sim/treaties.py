"""Treaties and the legal state machine of withdrawal (Ottawa and CMC, Article 20).

Both conventions' Article 20: a withdrawal takes effect six months after the depositary
receives the instrument, but if the withdrawing state is engaged in an armed conflict when the
six months run out, not before the end of that conflict. Article 17(2) of both: a state that
(re)joins is bound from the first day of the sixth month after deposit (modelled as
``accession_months`` = 6). Sources: scenarios/data/europe/treaty_rules.md.

Statuses only move forward: party -> notice -> withdrawn (-> acceding -> party when
re-accession is enabled). Non-parties stay non-parties.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Status(StrEnum):
    """A state's standing in one treaty."""

    NON_PARTY = "non_party"
    PARTY = "party"
    NOTICE = "notice"
    WITHDRAWN = "withdrawn"
    ACCEDING = "acceding"


#: Statuses in which a state counts as having moved (given notice on or left the treaty).
MOVED = frozenset({Status.NOTICE, Status.WITHDRAWN})

#: Allowed transitions of the legal process.
TRANSITIONS = {
    Status.PARTY: {Status.NOTICE},
    Status.NOTICE: {Status.WITHDRAWN},
    Status.WITHDRAWN: {Status.ACCEDING},
    Status.ACCEDING: {Status.PARTY},
    Status.NON_PARTY: set(),
}


@dataclass
class TreatyRules:
    """A treaty's current rules; interventions may change them during a run."""

    id: str
    name: str
    notice_months: int
    conflict_clause: bool
    accession_months: int
    military_value: float
    salience: float


def legal_step(
    status: Status,
    since: int | None,
    month: int,
    at_war: bool,
    rules: TreatyRules,
) -> tuple[Status, str | None]:
    """Advance a pending notice or accession by one month.

    Args:
        status: the current status.
        since: the month the notice (or accession instrument) was deposited.
        month: the current month.
        at_war: whether the state is engaged in an armed conflict this month.
        rules: the treaty's rules now.

    Returns:
        The new status and what happened: ``"withdrawn"``, ``"held"`` (due, but the
        armed-conflict clause holds it), ``"rejoined"`` or ``None``.

    """
    if status is Status.NOTICE and since is not None and month >= since + rules.notice_months:
        if rules.conflict_clause and at_war:
            return status, "held"
        return Status.WITHDRAWN, "withdrawn"
    if status is Status.ACCEDING and since is not None and month >= since + rules.accession_months:
        return Status.PARTY, "rejoined"
    return status, None
