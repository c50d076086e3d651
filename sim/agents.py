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
        world = model.world
        # Whom it watches, fixed by the world: its neighbours with their tie weights W_ij, and
        # the states it regards as a threat (with where H_ij * P_ij sits in the run's array).
        w, hp = world.w, world.hp
        self.neighbours = w.indices[w.indptr[pos] : w.indptr[pos + 1]].tolist()
        self.ties = w.data[w.indptr[pos] : w.indptr[pos + 1]].tolist()
        self.lo, self.hi = int(hp.indptr[pos]), int(hp.indptr[pos + 1])  # its row of HP
        self.rivals = hp.indices[hp.indptr[pos] : hp.indptr[pos + 1]].tolist()

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
        see, p = m.sight, m.run_params.threat
        # S_i = sum_j (H_ij * P_ij) * y_j over the states i regards as a threat, with their
        # postures as of the start of the month (observed once for everybody).
        posture = see.posture
        s = threat.stimulus(see.hostility[self.lo : self.hi], [posture[j] for j in self.rivals])
        goal = threat.target(
            s,
            see.credibility[i],
            see.incidents[i],
            see.exposure[i],
            scale=p.scale,
            reassurance=p.reassurance,
            incident_boost=p.incident_boost,
            war_boost=p.war_boost,
        )
        mine = m.choices
        mine.stimulus[i] = s
        mine.threat[i] = threat.update(see.threat[i], goal, memory=p.memory)

    def decide(self) -> None:
        """Richardson rearmament, and for each treaty whether to give notice (or rejoin)."""
        m, i = self.model, self.pos
        see, mine, p = m.sight, m.choices, m.run_params
        dp = p.decision
        mine.arms[i] = arms.richardson(
            see.arms[i],
            mine.stimulus[i],
            reactivity=see.reactivity[i],
            fatigue=see.fatigue[i],
            grievance=see.grievance[i],
        )
        tau, threshold, norm = mine.threat[i], see.threshold[i], see.norm[i]
        ties, neighbours, total_ties = self.ties, self.neighbours, m.world_weight[i]
        for t, status in enumerate(see.status):
            moved = see.moved[t]
            q = decisions.peer_share(ties, [moved[j] for j in neighbours], total_ties)
            terms = decisions.pressure(
                tau,
                q,
                see.recommendation[t][i],
                norm,
                military_value=p.military_value[t],
                salience=see.salience[t],
                w_threat=dp.w_threat,
                w_peer=dp.w_peer,
                w_alliance=dp.w_alliance,
                w_norm=dp.w_norm,
            )
            noise = decisions.logistic_noise(see.uniforms[t][i], sigma=dp.noise)
            total = terms.total
            # The pressure is felt whatever the status; only a party can give notice, and only
            # a state that left can rejoin (when re-accession is on).
            if status[i] == PARTY:
                mine.notice[t][i] = bool(decisions.gives_notice(total, noise, threshold))
                mine.deciding[t][i] = True
            elif status[i] == WITHDRAWN and dp.reaccession:
                mine.accede[t][i] = bool(
                    decisions.re_accedes(total, noise, threshold, margin=dp.reaccession_margin)
                )
                mine.deciding[t][i] = True
            mine.terms[t][i] = terms
            mine.pressure[t][i] = total
            mine.noise[t][i] = noise
            mine.q[t][i] = q


# --------------------------------------------------------------------------- the engine
class Sight:
    """What the states of a run see this month, as plain Python numbers.

    The agent engine reads the month's arrays once into lists (indexing a numpy array for one
    number costs more than an agent's arithmetic); the numbers are the arrays' own, exactly.
    Per-treaty lists are indexed ``[treaty][state]``.
    """

    def __init__(self, state: State, seen: Seen, u: np.ndarray) -> None:
        _, n, T = state.status.shape
        self.threat = state.threat[0].tolist()
        self.arms = state.arms[0].tolist()
        self.reactivity = state.reactivity[0].tolist()
        self.fatigue = state.fatigue[0].tolist()
        self.grievance = state.grievance[0].tolist()
        self.norm = state.norm[0].tolist()
        self.threshold = state.threshold[0].tolist()
        self.incidents = state.incidents_now[0].tolist()
        self.exposure = state.exposure[0].tolist()
        self.hostility = state.hp_data[0].tolist()  # H_ij * P_ij, laid out like world.hp
        self.posture = [] if seen.posture is None else seen.posture[0].tolist()
        self.credibility = seen.credibility[0].tolist()
        self.salience = seen.salience[0].tolist()
        self.status = state.status[0].T.tolist()
        self.moved = [moved[0].tolist() for moved in seen.moved]
        self.recommendation = seen.recommendation[0].T.tolist()
        self.uniforms = u[0].reshape(n, T).T.tolist()


class Choices:
    """What the agents decide this month, collected in lists, then handed over as arrays."""

    def __init__(self, n: int, treaties: int) -> None:
        self.n, self.treaties = n, treaties
        self.stimulus = [0.0] * n
        self.threat = [0.0] * n
        self.arms = [0.0] * n
        per_treaty = lambda value: [[value] * n for _ in range(treaties)]  # noqa: E731
        self.notice, self.accede, self.deciding = (per_treaty(False) for _ in range(3))
        self.terms = per_treaty((0.0,) * len(decisions.TERMS))
        self.pressure, self.noise, self.q = (per_treaty(0.0) for _ in range(3))

    def decisions(self) -> Decisions:
        """The month's decisions as the arrays :func:`sim.apply.apply` takes (a run of one)."""
        n, T = self.n, self.treaties
        by_treaty = lambda rows, dtype: np.array(rows, dtype=dtype).reshape(T, n).T[None]  # noqa: E731
        return Decisions(
            stimulus=np.array([self.stimulus], dtype=np.float64),
            threat=np.array([self.threat], dtype=np.float64),
            arms=np.array([self.arms], dtype=np.float64),
            deciding=np.ascontiguousarray(by_treaty(self.deciding, bool)),
            notice=np.ascontiguousarray(by_treaty(self.notice, bool)),
            accede=np.ascontiguousarray(by_treaty(self.accede, bool)),
            terms=np.ascontiguousarray(
                np.array(self.terms, dtype=np.float64)
                .reshape(T, n, len(decisions.TERMS))
                .transpose(1, 0, 2)[None]
            ),
            pressure=np.ascontiguousarray(by_treaty(self.pressure, np.float64)),
            noise=np.ascontiguousarray(by_treaty(self.noise, np.float64)),
            q=np.ascontiguousarray(by_treaty(self.q, np.float64)),
        )


class AgentEngine:
    """The Mesa reference engine (``engine="agents"``): every agent runs its own rule."""

    name = "agents"

    def __init__(self, model: EscalationModel) -> None:
        self.model = model

    def decide(self, state: State, seen: Seen, u: np.ndarray) -> Decisions:
        """Let every agent perceive, then decide; return what they decided."""
        m = self.model
        _, n, T = state.status.shape
        m.seen, m.sight, m.choices = seen, Sight(state, seen, u), Choices(n, T)
        m.agents.do("perceive")
        m.agents.do("decide")
        return m.choices.decisions()
