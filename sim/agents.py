"""The state agent: perceives threat, decides on treaties and arms, then applies both at once.

Reads like DESIGN §3: each method calls the pure rules of :mod:`sim.threat`,
:mod:`sim.decisions`, :mod:`sim.arms` and :mod:`sim.treaties`; the model supplies what a state
can see (rivals' posture, neighbours' moves, its alliance) as of the start of the month.
The agent's variables are views of the model's arrays (:mod:`sim.state`), so the vectorised
engine (:mod:`sim.kernel`), which runs the same rules on whole arrays, shares them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import mesa

from sim import arms, decisions, threat
from sim.decisions import Pressure
from sim.state import AllianceField, Field, TreatyField
from sim.treaties import MOVED, Status, legal_step

if TYPE_CHECKING:
    from sim.model import EscalationModel


@dataclass(frozen=True)
class Move:
    """A decision taken this month, carried out when all states apply theirs."""

    kind: str  # "notice" | "accede"
    treaty: str
    pressure: Pressure
    noise: float
    moved_neighbours: tuple[str, ...]


class StateAgent(mesa.Agent):
    """A state: arms x, threat tau, norm commitment n, threshold theta, treaty statuses."""

    model: EscalationModel

    arms = Field()  # x_i, military effort (% of GDP in europe-2022)
    capacity = Field()  # economic size: posture = capacity * arms * (...)
    threat = Field()  # tau_i in [0, 1], perceived threat
    stimulus = Field()  # S_i, this month's threat stimulus
    norm = Field()  # n_i in [0, 1], commitment to the humanitarian norm
    threshold = Field()  # theta_i
    reactivity = Field()  # a_i (Richardson)
    fatigue = Field()  # m_i (Richardson)
    grievance = Field()  # g_i (Richardson)
    next_threat = Field()  # decided this month, applied in advance()
    next_arms = Field()
    alliance = AllianceField()
    status = TreatyField("status")  # treaty id -> Status
    since = TreatyField("month")  # month the pending instrument was deposited
    notice_month = TreatyField("month")
    withdrawn_month = TreatyField("month")
    held = TreatyField("bool")  # due, but held by the armed-conflict clause

    def __init__(self, model: EscalationModel, pos: int, iso3: str, name: str) -> None:
        super().__init__(model)
        self.pos = pos  # row in the model's arrays
        self.iso3 = iso3
        self.name = name
        self._moves: list[Move] = []

    def __repr__(self) -> str:
        treaties = ", ".join(f"{t}={s.value}" for t, s in self.status.items())
        return (
            f"StateAgent({self.iso3}, threat={self.threat:.2f}, arms={self.arms:.2f}, "
            f"alliance={self.alliance}, {treaties})"
        )

    # ------------------------------------------------------------------ what others see
    @property
    def in_conflict(self) -> bool:
        """Engaged in an armed conflict this month."""
        return bool(self.model.at_war[self.pos])

    def moves(self) -> int:
        """Treaties this state has given notice on or left."""
        return sum(s in MOVED for s in self.status.values())

    def posture(self) -> float:
        """Its posture as a rival sees it: arms scaled by capacity and by treaties left."""
        delta = self.model.config.threat.posture_delta
        return float(threat.posture(self.arms, self.capacity, self.moves(), delta))

    # ------------------------------------------------------------------ the monthly rule
    def perceive(self) -> None:
        """Threat stimulus from hostile neighbours' posture; perceived threat with memory."""
        m, p = self.model, self.model.config.threat
        sources, weights = m.threat_sources(self.pos)
        # Postures as of the start of the month (the model takes them once for everybody).
        self.stimulus = threat.stimulus(weights, m.postures[sources])
        target = threat.threat_target(
            self.stimulus,
            p.scale,
            m.credibility(self.alliance),
            p.reassurance,
            m.incidents_now[self.pos],
            m.exposure[self.pos],
            p.incident_boost,
            p.war_boost,
        )
        self.next_threat = threat.update_threat(self.threat, target, p.memory)

    def decide(self) -> None:
        """Richardson rearmament, and for each treaty whether to give notice (or rejoin)."""
        m, d = self.model, self.model.config.decision
        self.next_arms = arms.richardson(
            self.arms, self.stimulus, self.reactivity, self.fatigue, self.grievance
        )
        self._moves = []
        for t, rules in enumerate(m.treaties.values()):
            status = self.status[rules.id]
            if status not in (Status.PARTY, Status.WITHDRAWN):
                continue
            terms = decisions.pressure(
                self.next_threat,
                rules.military_value,
                m.peer_share(self.pos, t),
                m.recommendation(self.alliance, rules.id),
                self.norm,
                m.salience_eff[t],
                d.w_threat,
                d.w_peer,
                d.w_alliance,
                d.w_norm,
            )
            noise = float(decisions.logistic_noise(m.draws[self.pos, t], d.noise))
            if status is Status.PARTY and decisions.gives_notice(
                terms.total, noise, self.threshold
            ):
                self._moves.append(
                    Move("notice", rules.id, terms, noise, m.moved_neighbours(self.pos, t))
                )
            elif (
                status is Status.WITHDRAWN
                and d.reaccession
                and decisions.re_accedes(terms.total, noise, self.threshold, d.reaccession_margin)
            ):
                self._moves.append(Move("accede", rules.id, terms, noise, ()))

    def advance(self) -> None:
        """Apply this month's threat, arms and decisions, then run the legal process."""
        self.threat, self.arms = self.next_threat, self.next_arms
        self.carry_out(self._moves)

    def carry_out(self, moves: list[Move]) -> None:
        """Deposit this month's instruments, then let Article 20 run (shared by both engines)."""
        m = self.model
        for move in moves:
            if move.kind == "notice":
                m.give_notice(self, move.treaty, move, list(move.moved_neighbours))
            else:
                m.start_accession(self, move.treaty, move)
        for rules in m.treaties.values():
            before = self.status[rules.id]
            if before is not Status.NOTICE and before is not Status.ACCEDING:
                continue  # nothing pending: the legal process has nothing to do
            status, what = legal_step(
                before, self.since[rules.id], m.month, self.in_conflict, rules
            )
            self.status[rules.id] = status
            if what == "withdrawn":
                self.withdrawn_month[rules.id] = m.month
                m.log_withdrawal(self, rules.id)
            elif what == "held" and not self.held[rules.id]:
                m.log_held(self, rules.id)
            elif what == "rejoined":
                m.log_rejoined(self, rules.id)
            self.held[rules.id] = what == "held"
