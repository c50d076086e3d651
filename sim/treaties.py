"""Treaties and the legal state machine of withdrawal (Ottawa and CMC, Article 20).

Both conventions' Article 20: a withdrawal takes effect six months after the depositary
receives the instrument, but if the withdrawing state is engaged in an armed conflict when the
six months run out, not before the end of that conflict. Article 17(2) of both: a state that
(re)joins is bound from the first day of the sixth month after deposit (modelled as
``accession_months`` = 6). Sources: scenarios/data/europe/treaty_rules.md.

Statuses only move forward: party -> notice -> withdrawn (-> acceding -> party when
re-accession is enabled). Non-parties stay non-parties. Statuses are stored as small integer
codes (:data:`CODE`) in the state arrays.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike


class Status(StrEnum):
    """A state's standing in one treaty."""

    NON_PARTY = "non_party"
    PARTY = "party"
    NOTICE = "notice"
    WITHDRAWN = "withdrawn"
    ACCEDING = "acceding"


#: Status <-> code. The codes index this tuple.
STATUS_BY_CODE: tuple[Status, ...] = tuple(Status)
CODE = {s: np.int8(k) for k, s in enumerate(STATUS_BY_CODE)}
NON_PARTY, PARTY, NOTICE, WITHDRAWN, ACCEDING = (CODE[s] for s in STATUS_BY_CODE)

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


class LegalStep(NamedTuple):
    """What Article 20 (and Article 17(2)) does this month, element by element."""

    withdrawn: ArrayLike  # a withdrawal took effect
    held: ArrayLike  # due, but held by the armed-conflict clause
    rejoined: ArrayLike  # an accession took effect


def article20(
    status: ArrayLike,
    since: ArrayLike,
    month: int,
    at_war: ArrayLike,
    *,
    notice_months: ArrayLike,
    conflict_clause: ArrayLike,
    accession_months: ArrayLike,
) -> LegalStep:
    """Which pending notices and accessions take effect (or are held) this month.

    A notice deposited in month ``since`` takes effect in month ``since + notice_months``, unless
    the state is engaged in an armed conflict then and the clause is on: it is held until the
    conflict ends. An accession takes effect ``accession_months`` after its deposit.
    """
    status = np.asarray(status)
    dated = since >= 0  # an instrument without a deposit month (-1) never takes effect
    due = (status == NOTICE) & dated & (month >= since + notice_months)
    held = due & conflict_clause & at_war
    withdrawn = due & ~held
    rejoined = (status == ACCEDING) & dated & (month >= since + accession_months)
    return LegalStep(withdrawn, held, rejoined)


def after(status: ArrayLike, step: LegalStep) -> ArrayLike:
    """The statuses once the step's withdrawals and accessions have taken effect."""
    return np.where(step.withdrawn, WITHDRAWN, np.where(step.rejoined, PARTY, status))
