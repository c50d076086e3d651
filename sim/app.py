"""The teaching demo: a Solara page built from Mesa's SolaraViz parts (``escalation demo``).

A map of Europe whose states change colour month by month (or, for the synthetic scenarios, the
network drawn by Mesa's ``SpaceRenderer``), the controls of the debate's counterfactuals, live
charts, and the plain-language event log that says why each state moved.

Run it with ``escalation demo``, or in Jupyter::

    from sim.app import Page
    Page()

Layout of the module (Mesa's example shape: the model, its drawing, then the page):

- :mod:`sim.app_model`: :class:`~sim.app_model.DemoModel` (scenario + controls) and what the
  page reads from it (decision breakdown, state facts, log rows); no Solara.
- :mod:`sim.app_draw`: the map, network layout and charts as matplotlib figures; no Solara.
- :mod:`sim.app_server`: serving the page offline (``escalation demo``).
- here: the Solara components.

Each browser session renders its own :func:`Page`, which creates its own model: two students
never share one. Mesa's ``ModelController`` gives Step, Play/Pause and Reset; Reset re-creates the
model from the controls (Mesa's way of applying model parameters); picking a scenario loads it at
once, with every control set to that scenario's values.
"""

from __future__ import annotations

import html
import math
import os
from typing import Any

import networkx as nx
import solara
from mesa.discrete_space import Network
from mesa.visualization import SpaceRenderer
from mesa.visualization.components import AgentPortrayalStyle
from mesa.visualization.solara_viz import ModelController, SpaceRendererComponent
from mesa.visualization.space_drawers import NetworkSpaceDrawer
from mesa.visualization.utils import update_counter

from sim import app_draw
from sim.app_model import (
    DemoModel,
    LogRow,
    changed_controls,
    log_rows,
    policy_month,
    policy_treaties,
    scenario_controls,
    scenario_names,
)
from sim.app_server import SCENARIO_ENV
from sim.palette import (
    BLUE,
    BLUISH_GREEN,
    ORANGE,
    REDDISH_PURPLE,
    STATUS_COLOURS,
    STATUS_LABELS,
    status_class,
)

DEFAULT_SCENARIO = "europe-2022"
#: Play speeds: label -> milliseconds between months (drawing a month takes ~0.3 s more).
SPEEDS = {"slow": 1200, "normal": 400, "fast": 50}
#: Months one click of Step advances (Mesa's render interval; also the months between redraws
#: while playing).
MONTHS_PER_STEP = (1, 6, 12)
#: The sliders: control, label, range and step (an int step makes an integer slider).
SLIDERS: tuple[tuple[str, str, float, float, float], ...] = (
    ("credibility", "Alliance credibility", 0.0, 1.0, 0.05),
    ("norm", "Norm commitment", 0.0, 1.0, 0.05),
    ("w_threat", "Threat weight", 0.0, 2.0, 0.05),
    ("w_peer", "Peer weight", 0.0, 2.0, 0.05),
    ("notice_months", "Notice period, months", 0, 36, 1),
)
TERM_COLOURS = {"threat": BLUE, "peer": ORANGE, "alliance": REDDISH_PURPLE, "norm": BLUISH_GREEN}
TERM_LABELS = {
    "threat": "threat × military value",
    "peer": "neighbours that moved",
    "alliance": "alliance advice",
    "norm": "humanitarian norm",
}

CSS = """
.demo-date { font-size: 2.1rem; font-weight: 700; letter-spacing: 0.02em; line-height: 1; }
.demo-date-note { font-size: 0.95rem; opacity: 0.85; margin-left: 0.6rem; }
.demo-legend { display: flex; flex-wrap: wrap; gap: 0.35rem 1.1rem; font-size: 0.95rem;
  margin-top: 0.4rem; align-items: center; }
.demo-swatch { display: inline-block; width: 1.05rem; height: 1.05rem; border-radius: 3px;
  vertical-align: -0.2rem; margin-right: 0.35rem; border: 1px solid #777; }
.demo-outline { display: inline-block; width: 1.3rem; height: 1.0rem; vertical-align: -0.2rem;
  margin-right: 0.35rem; background: #56B4E9; }
.demo-log { max-height: 14rem; overflow-y: auto; font-size: 0.98rem; }
.demo-log table { border-collapse: collapse; width: 100%; }
.demo-log td { padding: 0.28rem 0.4rem; border-bottom: 1px solid #e4e4e4; vertical-align: top; }
.demo-log td.date { white-space: nowrap; font-weight: 600; color: #333; }
.demo-kind { font-size: 0.78rem; text-transform: uppercase; letter-spacing: 0.04em;
  padding: 0.05rem 0.35rem; border-radius: 3px; color: white; white-space: nowrap; }
.demo-terms { display: flex; gap: 0.8rem; flex-wrap: wrap; font-size: 0.88rem; margin-top: 0.2rem;
  color: #333; }
.demo-inspector-body { max-height: 17rem; overflow-y: auto; }
.demo-facts td { padding: 0.12rem 0.6rem 0.12rem 0; font-size: 1rem; }
.demo-bars { width: 100%; border-collapse: collapse; font-size: 0.95rem; }
.demo-bars td { padding: 0.12rem 0.3rem; }
.demo-bar-cell { width: 45%; position: relative; height: 1.1rem; }
.demo-verdict { font-weight: 700; margin: 0.3rem 0 0.7rem 0; }
.demo-slider-label { font-size: 0.98rem; margin-bottom: -0.6rem; }
.demo-switches .v-input--switch { margin-top: 0.2rem; }
.demo-switches .v-messages { display: none; }
.demo-help { font-size: 0.9rem; opacity: 0.85; }
.demo-chart img, .demo-map img { display: block; }
"""

KIND_COLOURS = {
    "notice": STATUS_COLOURS["notice"],
    "withdrawn": STATUS_COLOURS["withdrawn"],
    "held": STATUS_COLOURS["blocked"],
    "accession": STATUS_COLOURS["acceding"],
    "rejoined": STATUS_COLOURS["party"],
    "war_start": "#333333",
    "war_end": "#777777",
    "incident": "#999999",
    "credibility": BLUE,
    "mediation": BLUISH_GREEN,
    "recommendation": REDDISH_PURPLE,
}


def initial_scenario() -> str:
    """The scenario the page opens with (``escalation demo --scenario``)."""
    return os.environ.get(SCENARIO_ENV) or DEFAULT_SCENARIO


# --------------------------------------------------------------------------- network view
def attach_network(model: DemoModel) -> None:
    """Give a synthetic scenario's model a Mesa ``Network`` space holding its states.

    The states already know their neighbours (``model.world``); the space exists so that Mesa's
    ``SpaceRenderer`` can draw them, on the seeded layout of :func:`app_draw.network_layout`.
    """
    if model.grid is not None:
        return
    graph = nx.relabel_nodes(model.world.graph, model.world.index)
    model.layout = app_draw.network_layout(graph, model.config.network.kind, model.seed)
    model.grid = Network(graph, capacity=1, random=model.random, layout=model.layout)
    for agent in model.states:
        cell = model.grid[agent.pos]
        cell.add_agent(agent)
        agent.cell = cell  # what Mesa's renderers read a network agent's position from


class NetworkRenderer(SpaceRenderer):
    """Mesa's ``SpaceRenderer`` on the model's seeded layout (Mesa's default is unseeded)."""

    def __init__(self, model: DemoModel, backend: str = "matplotlib") -> None:
        attach_network(model)
        self.positions = model.layout
        super().__init__(model, backend=backend)
        self.canvas.get_figure().set_size_inches(8.4, 6.3)

    def _get_space_drawer(self) -> NetworkSpaceDrawer:
        return NetworkSpaceDrawer(
            self.space, layout_alg=lambda _graph, pos: pos, layout_kwargs={"pos": self.positions}
        )


def network_renderer(model: DemoModel, view: dict[str, Any]) -> NetworkRenderer:
    """A renderer whose agents take their status colour in ``view["treaty"]``."""
    n = len(model.states)
    size = 140 if n <= 60 else 70 if n <= 150 else 45

    def portrayal(agent) -> AgentPortrayalStyle:
        treaty = view["treaty"]
        cls = status_class(agent.status[treaty].value, bool(agent.held[treaty]))
        selected = agent.iso3 == view.get("selected")
        width = app_draw.threat_width(float(agent.threat))
        return AgentPortrayalStyle(
            color=STATUS_COLOURS[cls],
            size=size * (2.2 if selected else 1.0),
            edgecolors=BLUE if selected else app_draw.OUTLINE,
            linewidths=3.0 if selected else max(width, 0.4),
            zorder=3 if selected else 2,
        )

    renderer = NetworkRenderer(model)
    renderer.setup_structure(
        node_kwargs={"node_size": 0},
        edge_kwargs={"edge_color": "#8a8a8a", "alpha": 0.6, "style": "-", "width": 0.7},
    )
    renderer.setup_agents(portrayal)
    renderer.render()  # draws once, so that SpaceRendererComponent redraws it every month
    renderer.canvas.set_aspect("equal")
    return renderer


# --------------------------------------------------------------------------- small pieces
def _swatch(colour: str) -> str:
    return f'<span class="demo-swatch" style="background:{colour}"></span>'


@solara.component
def Legend(model: DemoModel, treaty: str) -> None:
    """Colour legend of the map: statuses present in the scenario, threat outlines."""
    classes = ["party", "notice", "blocked", "withdrawn"]
    if model.config.decision.reaccession:
        classes.append("acceding")
    classes.append("non_party")
    if app_draw.has_geography(model):
        classes.append("outside")
    items = [f"<span>{_swatch(STATUS_COLOURS[c])}{STATUS_LABELS[c]}</span>" for c in classes]
    for _, width, label in app_draw.THREAT_BANDS:
        items.append(
            f'<span><span class="demo-outline" style="outline:{width:.1f}px solid '
            f'{app_draw.OUTLINE};outline-offset:-{width:.1f}px"></span>{label}</span>'
        )
    items.append(
        f'<span><span class="demo-outline" style="outline:3px solid {BLUE};'
        'outline-offset:-3px;background:none"></span>picked state</span>'
    )
    solara.HTML(unsafe_innerHTML="".join(items), classes=["demo-legend"])


@solara.component
def EuropeMap(model: DemoModel, treaty: str, selected: str | None) -> None:
    """Europe's states filled by status in one treaty, outlined by perceived threat."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    image = solara.use_memo(
        lambda: app_draw.png(app_draw.europe_map(model, treaty, selected)),
        [model.serial, model.month, treaty, selected],
    )
    solara.Image(image, width="100%", classes=["demo-map-image"])


@solara.component
def NetworkMap(model: DemoModel, treaty: str, selected: str | None) -> None:
    """A synthetic scenario's network, drawn by Mesa's SpaceRenderer."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    view = solara.use_memo(lambda: {"treaty": treaty, "selected": selected}, [model.serial])
    view.update(treaty=treaty, selected=selected)
    renderer = solara.use_memo(lambda: network_renderer(model, view), [model.serial])
    with solara.Div(classes=["demo-map-image"]):
        SpaceRendererComponent(
            model, renderer, dependencies=[model.serial, model.month, treaty, selected]
        )


def MapView(model: DemoModel, treaty: str, selected: str | None):
    """The map of Europe, or the network of a synthetic scenario."""
    if app_draw.has_geography(model):
        return EuropeMap(model, treaty, selected)
    return NetworkMap(model, treaty, selected)


@solara.component
def Chart(model: DemoModel, which: str) -> None:
    """One live chart, redrawn when the month changes."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    draw = {
        "moves": app_draw.chart_moves,
        "threat": app_draw.chart_threat,
        "rival": app_draw.chart_rival,
    }[which]
    image = solara.use_memo(lambda: app_draw.png(draw(model)), [model.serial, model.month])
    with solara.Card(classes=["demo-chart", f"demo-chart-{which}"], style="padding: 4px"):
        solara.Image(image, width="100%")


def _log_html(rows: list[LogRow]) -> str:
    if not rows:
        return '<p class="demo-help">Nothing has happened yet: press Step or ▶.</p>'
    out = ["<table>"]
    for r in rows:
        colour = KIND_COLOURS.get(r.kind, "#555555")
        kind = html.escape(r.kind.replace("_", " "))
        body = html.escape(r.message)
        if r.terms:
            chips = " ".join(
                f'<span><span style="color:{TERM_COLOURS[k]}">●</span> {k} {v:+.2f}</span>'
                for k, v in r.terms.items()
            )
            body += f'<div class="demo-terms">{chips}</div>'
        out.append(
            f'<tr><td class="date">{r.date}</td><td><span class="demo-kind" '
            f'style="background:{colour}">{kind}</span></td><td>{body}</td></tr>'
        )
    out.append("</table>")
    return "".join(out)


@solara.component
def EventLog(model: DemoModel) -> None:
    """The plain-language event log of ``escalation run``, newest first."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    incidents = solara.use_reactive(False)
    solara.Checkbox(label="show incidents", value=incidents)
    rows = log_rows(model, limit=120, incidents=incidents.value)
    solara.HTML(unsafe_innerHTML=_log_html(rows), classes=["demo-log"])


def _bar(value: float, scale: float, colour: str) -> str:
    half = 50.0 * min(abs(value) / scale, 1.0) if scale > 0 else 0.0
    left = 50.0 if value >= 0 else 50.0 - half
    return (
        '<div style="position:absolute;left:50%;top:0;bottom:0;border-left:1px solid #888">'
        f'</div><div style="position:absolute;left:{left:.1f}%;width:{half:.1f}%;top:15%;'
        f'height:70%;background:{colour}"></div>'
    )


def _status_text(t: dict[str, Any]) -> str:
    cls = status_class(t["status"], t["held"])
    text = STATUS_LABELS[cls]
    if t["status"] == "notice" and t["notice_date"]:
        text = f"notice given in {t['notice_date']}, " + (
            "held: the state is at war (Art. 20)" if t["held"] else f"takes effect {t['due_date']}"
        )
    elif t["status"] == "withdrawn" and t["withdrawn_date"]:
        text += f" (in effect {t['withdrawn_date']}, notice {t['notice_date']})"
    return f"{_swatch(STATUS_COLOURS[cls])}{html.escape(text)}"


def inspector_html(model: DemoModel, code: str) -> str:
    """The inspector's text: a state's facts, statuses and its last decision, term by term."""
    f = model.state_facts(code)
    alliance = (
        f"{html.escape(f['alliance'])} (credibility {f['credibility']:.2f})"
        if f["alliance"]
        else "none"
    )
    rows = [
        ("perceived threat τ", f"{f['threat']:.2f}"),
        ("arms", f"{f['arms']:.2f}" + (" % of GDP" if app_draw.has_geography(model) else "")),
        ("threat stimulus", f"{f['stimulus']:.2f}"),
        ("norm commitment", f"{f['norm']:.2f}"),
        ("threshold θ", f"{f['threshold']:.2f}"),
        ("alliance", alliance),
        ("at war", "yes" if f["at_war"] else "no"),
    ]
    out = [f"<h3>{html.escape(f['name'])} ({html.escape(code)})</h3>"]
    out.append('<table class="demo-facts">')
    out += [f"<tr><td>{k}</td><td><b>{v}</b></td></tr>" for k, v in rows]
    for t in f["treaties"].values():
        out.append(f"<tr><td>{html.escape(t['name'])}</td><td>{_status_text(t)}</td></tr>")
    out.append("</table>")
    decisions = model.decision(code)
    if not decisions:
        out.append('<p class="demo-help">Its first decision comes with the first month.</p>')
        return "".join(out)
    out.append(f"<h4>Its decision in {model.date()}</h4>")
    for d in decisions:
        name = html.escape(d["name"])
        if not d["decided"]:
            label = STATUS_LABELS[status_class(d["status"], d["held"])]
            out.append(f'<p class="demo-help">{name}: nothing to decide ({label}).</p>')
            continue
        scale = max(0.5, max(abs(v) for v in d["terms"].values()))
        out.append(f'<div><b>{name}</b></div><table class="demo-bars">')
        for k, v in d["terms"].items():
            out.append(
                f"<tr><td>{TERM_LABELS[k]}</td><td style='text-align:right'>{v:+.2f}</td>"
                f'<td class="demo-bar-cell">{_bar(v, scale, TERM_COLOURS[k])}</td></tr>'
            )
        out.append("</table>")
        verb = ("rejoins" if d["rejoin"] else "gives notice") if d["moved"] else "stays"
        compare = "≥" if d["moved"] else "<"
        out.append(
            f'<div class="demo-verdict">pressure {d["pressure"]:+.2f}, chance {d["noise"]:+.2f}: '
            f"{d['pressure'] + d['noise']:+.2f} {compare} threshold {d['threshold']:.2f} → "
            f"{verb}</div>"
        )
    return "".join(out)


@solara.component
def Inspector(model: DemoModel, selected: solara.Reactive[str | None]) -> None:
    """Pick a state: its threat, arms, statuses and the breakdown of its last decision."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    labels = {a.iso3: f"{a.iso3} · {a.name}" for a in model.states}
    ordered = sorted(labels.values())
    code = selected.value if selected.value in labels else None

    def pick(label: str | None) -> None:
        selected.set(label.split(" · ")[0] if label else None)

    solara.Select("State", values=ordered, value=labels.get(code), on_value=pick)
    if code is None:
        solara.HTML(unsafe_innerHTML='<p class="demo-help">Pick a state to see why it moves.</p>')
        return
    solara.HTML(unsafe_innerHTML=inspector_html(model, code), classes=["demo-inspector-body"])


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return not math.isclose(float(a), float(b), abs_tol=0.005)
    return a != b


def pending_changes(model: DemoModel, params: dict[str, Any]) -> list[str]:
    """The controls whose values differ from the running model's."""
    return [k for k, v in params.items() if _differs(v, model.controls.get(k))]


@solara.component
def Controls(
    model: solara.Reactive[DemoModel],
    params: solara.Reactive[dict[str, Any]],
    scenarios: list[str],
) -> None:
    """Scenario picker, the debate's levers, the seed, and Mesa's Step / Play / Reset."""
    p = params.value
    m = model.value
    speed = solara.use_reactive("normal")
    interval = solara.use_reactive(SPEEDS["normal"])  # Mesa's controller reads .value
    months_per_click = solara.use_reactive(1)
    threads = solara.use_reactive(False)

    def pick_scenario(name: str) -> None:
        controls = scenario_controls(name)
        params.set(controls)
        model.set(DemoModel(**controls))

    def setter(key: str, step: float | None = None):
        def set_value(value: Any) -> None:
            # A slider shown a value off its grid (w_peer 0.654439) may send back the rounded
            # value (0.65) without anybody moving it: that is not a change.
            old = params.value[key]
            if step is not None and abs(float(value) - float(old)) < step / 2:
                return
            params.set({**params.value, key: value})

        return set_value

    def set_seed(value: int | None) -> None:
        if value is not None and value >= 0:
            params.set({**params.value, "rng": int(value)})

    solara.Select("Scenario", values=scenarios, value=p["scenario_name"], on_value=pick_scenario)
    solara.HTML(unsafe_innerHTML=f'<p class="demo-help">{html.escape(m.config.description)}</p>')
    with solara.Div(classes=["demo-controller"]):
        ModelController(
            model,
            model_parameters=params,
            play_interval=interval,
            render_interval=months_per_click,
            use_threads=threads,
        ).key(f"controller-{m.serial}")

    def set_speed(name: str) -> None:
        speed.set(name)
        interval.set(SPEEDS[name])

    with solara.Row(style="align-items: center", classes=["demo-speed"]):
        solara.Text("Play", style="min-width: 3.2rem")
        solara.ToggleButtonsSingle(
            value=speed.value, values=list(SPEEDS), on_value=set_speed, dense=True
        )
    with solara.Row(style="align-items: center", classes=["demo-months-per-step"]):
        solara.Text("Step", style="min-width: 3.2rem")
        solara.ToggleButtonsSingle(
            value=f"{months_per_click.value} mo",
            values=[f"{k} mo" for k in MONTHS_PER_STEP],
            on_value=lambda label: months_per_click.set(int(label.split()[0])),
            dense=True,
        )
    with solara.Div(classes=["demo-pending"]):  # a fixed place: siblings keep their widgets
        if pending_changes(m, p):
            solara.Warning("Settings changed: press Reset to run with them.", dense=True)
    month = m.config.date_of(policy_month(m.config))
    rivals = ", ".join(m.rivals) or "the rival"
    leave = ", ".join(m.treaties[t].name for t in policy_treaties(m.config))
    for key, label, lo, hi, step in SLIDERS:
        # The value is shown beside the label, outside the slider, so that a slider keeps the
        # keyboard focus while its value changes.
        with solara.Div(classes=[f"demo-slider-{key}", "demo-slider"]):
            value = f"{p[key]}" if isinstance(step, int) else f"{p[key]:.2f}"
            solara.HTML(unsafe_innerHTML=f"{label}: <b>{value}</b>", classes=["demo-slider-label"])
            slider = solara.SliderInt if isinstance(step, int) else solara.SliderFloat
            slider("", value=p[key], min=lo, max=hi, step=step, on_value=setter(key, step),
                   thumb_label=False)  # fmt: skip
    with solara.Div(classes=["demo-switches"]):
        solara.Switch(label="Armed-conflict clause (Art. 20)", value=p["conflict_clause"],
                      on_value=setter("conflict_clause"))  # fmt: skip
        solara.Switch(label=f"Mediation with {rivals} from {month}", value=p["mediation"],
                      on_value=setter("mediation"))  # fmt: skip
        solara.Switch(label=f"Alliance policy: leave {leave} from {month}",
                      value=p["unified_policy"], on_value=setter("unified_policy"))  # fmt: skip
    with solara.Div(classes=["demo-seed"]):
        solara.InputInt("Seed", value=p["rng"], on_value=set_seed)
    solara.HTML(
        unsafe_innerHTML='<p class="demo-help">Sliders, switches and the seed apply on '
        "<b>Reset</b>; the same seed and settings give the same run as "
        "<code>escalation run</code>.</p>"
    )


@solara.component
def DateBadge(model: DemoModel) -> None:
    """The month last simulated, as ``YYYY-MM``, with how far the run has come."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    if model.month == 0:
        note = f"start · {model.config.months} months to run"
    else:
        note = f"month {model.month} of {model.config.months}"
    solara.HTML(
        unsafe_innerHTML=f'<span class="demo-date">{model.date()}</span>'
        f'<span class="demo-date-note">{note}</span>',
        classes=["demo-date-badge"],
    )


def _default_selected(model: DemoModel) -> str | None:
    """The party (not a rival) most threatened at the start: a state worth watching."""
    tid = next(iter(model.treaties), None)
    parties = [
        a
        for a in model.states
        if tid and a.status[tid].value == "party" and a.iso3 not in model.rivals
    ]
    return max(parties, key=lambda a: (a.threat, a.iso3)).iso3 if parties else None


# --------------------------------------------------------------------------- the page
@solara.component
def Page() -> None:
    """The demo page; every browser session renders its own, with its own model."""
    first = solara.use_memo(lambda: DemoModel(**scenario_controls(initial_scenario())), [])
    model = solara.use_reactive(first)
    params = solara.use_reactive(solara.use_memo(lambda: dict(first.controls), []))
    scenarios = solara.use_memo(lambda: scenario_names(initial_scenario()), [])
    treaty = solara.use_reactive(next(iter(first.treaties), ""))
    selected = solara.use_reactive(solara.use_memo(lambda: _default_selected(first), []))
    m = model.value
    tid = treaty.value if treaty.value in m.treaties else next(iter(m.treaties), "")

    solara.Style(CSS)
    with solara.AppBar():  # shown by Solara's server (its default layout is an AppLayout)
        solara.AppBarTitle("Treaty withdrawal: the chain reaction")
    solara.Title("Treaty withdrawal: the chain reaction")
    with solara.Columns([2.4, 10], classes=["demo-page"]):
        with solara.Card("Controls", classes=["demo-controls"]):
            Controls(model, params, scenarios)
        with solara.Column():
            with solara.Columns([8, 4]):
                with solara.Card(classes=["demo-map"], style="padding: 8px"):
                    MapHeader(m, tid, treaty)
                    if tid:
                        MapView(m, tid, selected.value)
                        Legend(m, tid)
                with solara.Column(gap="8px"):
                    with solara.Card("Why states moved", classes=["demo-log-card"]):
                        EventLog(m)
                    with solara.Card("A state up close", classes=["demo-inspector"]):
                        Inspector(m, selected)
            with solara.Columns([1, 1, 1], classes=["demo-charts"]):
                for which in ("moves", "threat", "rival"):
                    Chart(m, which)


@solara.component
def MapHeader(model: DemoModel, tid: str, treaty: solara.Reactive[str]) -> None:
    """The date, the scenario and seed, and the treaty shown on the map."""
    update_counter.get()  # re-render after every step (Mesa's signal)
    with solara.Row(style="align-items: center; flex-wrap: wrap"):
        DateBadge(model)
        solara.HTML(
            unsafe_innerHTML=f"<b>{html.escape(model.config.name)}</b> · seed {model.seed}",
            style="margin-left: 1rem; font-size: 1.05rem",
            classes=["demo-scenario"],
        )
        solara.v.Spacer()
        if len(model.treaties) > 1:
            names = {r.name: t for t, r in model.treaties.items()}
            solara.ToggleButtonsSingle(
                value=model.treaties[tid].name,
                values=list(names),
                on_value=lambda name: treaty.set(names[name]),
                classes=["demo-treaty"],
            )
        elif tid:
            solara.Text(f"Treaty: {model.treaties[tid].name}", style="font-size: 1.05rem")
    changes = changed_controls(model)
    solara.HTML(
        unsafe_innerHTML=(
            "Changed from the scenario: " + html.escape("; ".join(changes))
            if changes
            else "Settings as in the scenario."
        ),
        classes=["demo-help", "demo-applied"],
    )
