"""The state agent: each month it perceives threat, then decides on its arms and on each treaty.

Reads like DESIGN §3: each method calls the pure rules of :mod:`sim.threat`, :mod:`sim.arms`
and :mod:`sim.decisions` with one state's numbers; the model supplies what a state can see
(rivals' postures, neighbours' moves, its alliance: :mod:`sim.observe`) as of the start of the
month. An agent only decides: it writes its decisions into the month's
:class:`~sim.apply.Decisions`, and :func:`sim.apply.apply` carries out everybody's at once, as
it does for the vectorised engine (:mod:`sim.kernel`).

The agent's variables are views of its element of the model's state arrays (run 0 of a batch of
one), so the Mesa agents, the kernel, the outputs and the demo all see the same numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import mesa
import numpy as np

from sim import arms, decisions, threat
from sim.apply import Decisions
from sim.observe import Seen
from sim.state import State
from sim.treaties import CODE, MOVED, PARTY, STATUS_BY_CODE, WITHDRAWN, Status

if TYPE_CHECKING:
    from sim.model import EscalationModel


# --------------------------------------------------------------------------- views of the arrays
class Field:
    """A float attribute of an agent that is its element of a state array (run 0)."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return float(getattr(agent.model.state, self.name)[0, agent.pos])

    def __set__(self, agent: Any, value: float) -> None:
        getattr(agent.model.state, self.name)[0, agent.pos] = value


class TreatyView:
    """An agent's per-treaty values (``agent.status["ottawa"]``) as a view of an (R, n, T) array."""

    def __init__(self, agent: Any, name: str, kind: str) -> None:
        self._agent, self._name, self._kind = agent, name, kind

    def _column(self, treaty: str) -> int:
        return self._agent.model.world.treaty_ids.index(treaty)

    def __getitem__(self, treaty: str) -> Any:
        a = self._agent
        v = getattr(a.model.state, self._name)[0, a.pos, self._column(treaty)]
        if self._kind == "status":
            return STATUS_BY_CODE[v]
        if self._kind == "month":
            return None if v < 0 else int(v)
        return bool(v)

    def __setitem__(self, treaty: str, value: Any) -> None:
        if self._kind == "status":
            value = CODE[Status(value)]
        elif self._kind == "month":
            value = -1 if value is None else value
        a = self._agent
        getattr(a.model.state, self._name)[0, a.pos, self._column(treaty)] = value

    def keys(self) -> list[str]:
        """The treaty ids."""
        return list(self._agent.model.world.treaty_ids)

    def items(self) -> list[tuple[str, Any]]:
        """(treaty, value) pairs."""
        return [(t, self[t]) for t in self.keys()]

    def values(self) -> list[Any]:
        """The values, in treaty order."""
        return [self[t] for t in self.keys()]

    def __iter__(self):  # noqa: D105
        return iter(self.keys())

    def __len__(self) -> int:  # noqa: D105
        return len(self.keys())

    def __repr__(self) -> str:  # noqa: D105
        return repr(dict(self.items()))


class TreatyField:
    """Descriptor giving an agent a :class:`TreatyView` of one (R, n, T) array."""

    def __init__(self, kind: str, array: str | None = None) -> None:
        self.kind, self.array = kind, array

    def __set_name__(self, owner: type, name: str) -> None:
        self.array = self.array or name

    def __get__(self, agent: Any, owner: type | None = None) -> Any:
        if agent is None:
            return self
        return TreatyView(agent, self.array, self.kind)


# --------------------------------------------------------------------------- the agent
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
    status = TreatyField("status")  # treaty id -> Status
    since = TreatyField("month")  # month the pending instrument was deposited
    notice_month = TreatyField("month")
    withdrawn_month = TreatyField("month")
    held = TreatyField("bool")  # due, but held by the armed-conflict clause

    def __init__(self, model: EscalationModel, pos: int, iso3: str, name: str) -> None:
        super().__init__(model)
        self.pos = pos  # column in the model's state arrays
        self.iso3 = iso3
        self.name = name

    def __repr__(self) -> str:
        treaties = ", ".join(f"{t}={s.value}" for t, s in self.status.items())
        return (
            f"StateAgent({self.iso3}, threat={self.threat:.2f}, arms={self.arms:.2f}, "
            f"alliance={self.alliance}, {treaties})"
        )

    # ------------------------------------------------------------------ what others see
    @property
    def alliance(self) -> str | None:
        """The id of its alliance, or None."""
        k = int(self.model.state.alliance[0, self.pos])
        return self.model.world.alliance_ids[k] if k >= 0 else None

    @property
    def in_conflict(self) -> bool:
        """Engaged in an armed conflict this month."""
        return bool(self.model.state.at_war[0, self.pos])

    def moves(self) -> int:
        """Treaties this state has given notice on or left."""
        return sum(s in MOVED for s in self.status.values())

    # ------------------------------------------------------------------ the monthly rule
    def perceive(self) -> None:
        """Threat stimulus from hostile neighbours' postures; perceived threat with memory."""
        m, i = self.model, self.pos
        st, seen, p = m.state, m.seen, m.run_params.threat
        hp = m.world.hp
        lo, hi = hp.indptr[i], hp.indptr[i + 1]
        # Postures as of the start of the month (observed once for everybody).
        s = threat.stimulus(st.hp_data[0, lo:hi], seen.posture[0, hp.indices[lo:hi]])
        goal = threat.target(
            s,
            seen.credibility[0, i],
            st.incidents_now[0, i],
            st.exposure[0, i],
            scale=p.scale,
            reassurance=p.reassurance,
            incident_boost=p.incident_boost,
            war_boost=p.war_boost,
        )
        d = m.decisions
        d.stimulus[0, i] = s
        d.threat[0, i] = threat.update(self.threat, goal, memory=p.memory)

    def decide(self) -> None:
        """Richardson rearmament, and for each treaty whether to give notice (or rejoin)."""
        m, i = self.model, self.pos
        st, seen, d, p = m.state, m.seen, m.decisions, m.run_params
        dp = p.decision
        d.arms[0, i] = arms.richardson(
            self.arms,
            d.stimulus[0, i],
            reactivity=self.reactivity,
            fatigue=self.fatigue,
            grievance=self.grievance,
        )
        w = m.world.w
        lo, hi = w.indptr[i], w.indptr[i + 1]
        tau = d.threat[0, i]
        for t in range(st.status.shape[2]):
            status = st.status[0, i, t]
            q = decisions.peer_share(
                w.data[lo:hi], seen.moved[t][0, w.indices[lo:hi]], m.world.neighbour_weight[i]
            )
            terms = decisions.pressure(
                tau,
                q,
                seen.recommendation[0, i, t],
                self.norm,
                military_value=p.military_value[t],
                salience=seen.salience[0, t],
                w_threat=dp.w_threat,
                w_peer=dp.w_peer,
                w_alliance=dp.w_alliance,
                w_norm=dp.w_norm,
            )
            noise = decisions.logistic_noise(m.uniforms[0, i, t], sigma=dp.noise)
            total = terms.total
            # The pressure is felt whatever the status; only a party can give notice, and only
            # a state that left can rejoin (when re-accession is on).
            if status == PARTY:
                d.notice[0, i, t] = decisions.gives_notice(total, noise, self.threshold)
                d.deciding[0, i, t] = True
            elif status == WITHDRAWN and dp.reaccession:
                d.accede[0, i, t] = decisions.re_accedes(
                    total, noise, self.threshold, margin=dp.reaccession_margin
                )
                d.deciding[0, i, t] = True
            d.terms[0, i, t] = terms
            d.pressure[0, i, t] = total
            d.noise[0, i, t] = noise
            d.q[0, i, t] = q


class AgentEngine:
    """The Mesa reference engine (``engine="agents"``): every agent runs its own rule."""

    name = "agents"

    def __init__(self, model: EscalationModel) -> None:
        self.model = model

    def decide(self, state: State, seen: Seen, u: np.ndarray) -> Decisions:
        """Let every agent perceive, then decide; return what they decided."""
        m = self.model
        R, n, T = state.status.shape
        m.seen, m.uniforms = seen, u.reshape(R, n, T)
        m.decisions = Decisions.empty(R, n, T)
        m.agents.do("perceive")
        m.agents.do("decide")
        return m.decisions
