"""The teaching demo without a browser: its model, its controls and its page (solara.render).

Every test here runs with Python warnings turned into errors (``pytestmark``), so a deprecated
Mesa or Solara call, or a broken rule of hooks, fails the suite. The browser test is
tests/test_demo_browser.py.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import ipyvuetify as v
import ipywidgets
import numpy as np
import pytest
import solara
from matplotlib.colors import to_hex

import sim.app
from sim.app_draw import network_layout
from sim.app_model import (
    DemoModel,
    changed_controls,
    control_overrides,
    log_rows,
    rival_codes,
    scenario_controls,
    scenario_names,
)
from sim.cli import main
from sim.model import EscalationModel
from sim.palette import STATUS_COLOURS
from sim.scenario import bundled_scenarios, load_scenario

pytestmark = pytest.mark.filterwarnings("error")


# --------------------------------------------------------------------------- the model
@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_controls_start_at_the_scenarios_values(name):
    controls = scenario_controls(name)
    base = load_scenario(name)
    assert control_overrides(base, **{k: v for k, v in controls.items() if k not in (
        "scenario_name", "rng")}) == {}  # fmt: skip
    model = DemoModel(**controls)
    assert model.controls == controls
    assert changed_controls(model) == []


def test_an_untouched_page_runs_what_escalation_run_runs():
    demo = DemoModel(**scenario_controls("europe-2022"))
    ref = EscalationModel(load_scenario("europe-2022"))
    for _ in range(30):
        demo.step()
        ref.step()
    assert demo.events_frame()["message"].tolist() == ref.events_frame()["message"].tolist()
    np.testing.assert_array_equal(demo.state.status, ref.state.status)


def test_controls_change_the_scenario():
    m = DemoModel(
        "europe-2022",
        credibility=0.3,
        conflict_clause=False,
        notice_months=12,
        w_peer=1.2,
        mediation=True,
        unified_policy=True,
        rng=5,
    )
    sc = m.config
    assert sc.alliances["nato"].credibility == 0.3
    assert all(not t.conflict_clause and t.notice_months == 12 for t in sc.treaties.values())
    assert sc.decision.w_peer == 1.2 and m.seed == 5
    kinds = {ev.kind: ev for ev in sc.interventions}
    assert kinds["mediation"].states == ["RUS", "BLR"] and kinds["mediation"].month == "2025-01"
    assert kinds["recommendation"].treaty == "cmc"
    assert "notice period (months) 12 (scenario: 6)" in changed_controls(m)
    # Switching a scenario's own counterfactual off removes it.
    assert DemoModel("europe-mediation", mediation=False).config.interventions == []
    assert (
        DemoModel("europe-unified-alliance-policy", unified_policy=False).config.interventions == []
    )


def test_synthetic_scenarios_have_a_rival_and_one_treaty():
    ring = load_scenario("ring")
    assert rival_codes(ring) == ["@rival"]
    assert rival_codes(load_scenario("europe-2022")) == ["RUS", "BLR"]
    m = DemoModel("ring", unified_policy=True)
    assert [ev.treaty for ev in m.config.interventions] == ["ban"]
    assert m.rivals == ["S00"]


def test_the_model_stops_at_the_end_of_the_scenario():
    m = DemoModel("europe-2022")
    for _ in range(60):
        m.step()
    assert m.month == 49 and not m.running and m.date() == "2026-02"


def test_decision_breakdown_is_exactly_the_notice_record():
    m = DemoModel("europe-2022")
    assert m.decision("LTU") == []  # nothing decided before the first month
    checked = 0
    while m.running:
        m.step()
        ev = m.events_frame()
        notices = ev[(ev["kind"] == "notice") & (ev["month"] == m.month - 1)]
        for rec in notices.to_dict("records"):
            row = next(d for d in m.decision(rec["iso3"]) if d["treaty"] == rec["treaty"])
            assert row["decided"] and row["moved"]
            assert row["terms"] == {k: rec[k] for k in ("threat", "peer", "alliance", "norm")}
            assert row["noise"] == rec["noise"] and row["threshold"] == rec["threshold"]
            checked += 1
    assert checked >= 5, "europe-2022 should have several notices"
    assert m.month == m.config.months and not m.running
    stays = next(d for d in m.decision("FRA") if d["treaty"] == "ottawa")
    assert stays["decided"] and not stays["moved"]
    assert stays["pressure"] + stays["noise"] < stays["threshold"]


def test_log_is_newest_first_and_hides_incidents():
    m = DemoModel("europe-2022")
    for _ in range(49):
        m.step()
    rows = log_rows(m, limit=500)
    assert [r.date for r in rows] == sorted((r.date for r in rows), reverse=True)
    assert all(r.kind != "incident" for r in rows)
    assert any(r.kind == "incident" for r in log_rows(m, limit=500, incidents=True))
    notice = next(r for r in rows if r.kind == "notice")
    assert set(notice.terms) == {"threat", "peer", "alliance", "norm"}


def test_network_layout_is_seeded():
    import networkx as nx

    g = nx.erdos_renyi_graph(40, 0.1, seed=3)
    assert network_layout(g, "erdos_renyi", 7) == network_layout(g, "erdos_renyi", 7)
    ring = network_layout(nx.cycle_graph(8), "ring", 0)
    assert all(abs(np.hypot(*p) - 1) < 1e-12 for p in ring.values())


def test_scenario_picker_lists_every_bundled_scenario():
    assert scenario_names() == list(bundled_scenarios())
    assert scenario_names("my.toml")[-1] == "my.toml"


# --------------------------------------------------------------------------- the page
def _html(rc, cls: str) -> str:
    return "".join(
        w.unsafe_innerHTML or ""
        for w in rc.find(solara.widgets.HTML).widgets
        if cls in (w.attributes or {}).get("class", "")
    )


def _date(rc) -> str:
    return next(
        w.unsafe_innerHTML
        for w in rc.find(solara.widgets.HTML).widgets
        if "demo-date" in (w.unsafe_innerHTML or "")
    )


def test_components_follow_the_rules_of_hooks():
    importlib.reload(sim.app)  # Solara checks hooks when components are defined


def test_page_renders_steps_and_resets(monkeypatch):
    monkeypatch.delenv(sim.app.SCENARIO_ENV, raising=False)
    _, rc = solara.render(sim.app.Page(), handle_error=False)
    assert "2022-02" in _date(rc) and "start" in _date(rc)
    assert "Nothing has happened yet" in _html(rc, "demo-log")
    images = rc.find(ipywidgets.Image).widgets
    assert len(images) == 4, "the map and three charts"
    assert all(bytes(img.value[:4]) == b"\x89PNG" for img in images)
    map_before = bytes(images[0].value)
    toggle = next(w for w in rc.find(v.BtnToggle).widgets if "12 mo" in str(w.children))
    toggle.v_model = 2  # a year per click of Step
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "2023-01" in _date(rc) and "month 12 of 49" in _date(rc)
    assert bytes(rc.find(ipywidgets.Image).widgets[0].value) != map_before, "map redrawn"
    assert "War between" in _html(rc, "demo-log")
    inspector = _html(rc, "demo-inspector-body")
    assert "Its decision in 2023-01" in inspector and "threshold" in inspector

    peer, notice = rc.find(v.Slider).widgets[3:5]  # the order of sim.app.SLIDERS
    peer.v_model = 0.65  # the slider's rounding of w_peer 0.654439 is not a change
    assert not rc.find(v.Alert).widgets
    notice.v_model = 12
    assert rc.find(v.Alert).widgets, "the page says that Reset applies the change"
    rc.find(v.Btn, children=["Reset"]).widget.click()
    assert "start" in _date(rc)
    assert "notice period (months) 12 (scenario: 6)" in _html(rc, "demo-applied")
    assert not rc.find(v.Alert).widgets


def test_scenario_picker_loads_a_network_scenario():
    _, rc = solara.render(sim.app.Page(), handle_error=False)
    picker = rc.find(v.Select, label="Scenario").widget
    picker.v_model = "ring"
    assert "<b>ring</b>" in _html(rc, "demo-scenario")
    assert "2030-01" in _date(rc)
    rc.find(v.Btn, children=["Step"]).widget.click()
    assert "month 1 of 60" in _date(rc)
    assert len(rc.find(ipywidgets.Image).widgets) == 4, "Mesa's SpaceRenderer draws the network"


def test_network_view_draws_edges_and_states():
    model = DemoModel("ring")
    view = {"treaty": "ban", "selected": "S05"}
    renderer = sim.app.network_renderer(model, view)
    drawn = [to_hex(c) for coll in renderer.canvas.collections for c in coll.get_facecolors()]
    assert drawn.count(STATUS_COLOURS["party"].lower()) == len(model.states) - 1
    assert drawn.count(STATUS_COLOURS["non_party"].lower()) == 1, "the rival"


def test_two_pages_have_their_own_models():
    _, a = solara.render(sim.app.Page(), handle_error=False)
    _, b = solara.render(sim.app.Page(), handle_error=False)
    for _ in range(2):
        a.find(v.Btn, children=["Step"]).widget.click()
    assert "month 2 of" in _date(a)
    assert "start" in _date(b)


# --------------------------------------------------------------------------- the command
def test_demo_unknown_scenario_is_one_line_and_exit_2(capsys):
    assert main(["demo", "--scenario", "no-such-scenario"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no-such-scenario" in err


def test_demo_prints_the_url_and_warns_off_localhost(monkeypatch, capsys):
    calls = []
    monkeypatch.setattr("sim.app_server.serve", lambda *a: calls.append(a))
    assert main(["demo", "--port", "0", "--scenario", "ring"]) == 0
    out, err = capsys.readouterr()
    host, port, scenario = calls[0]
    assert (host, scenario) == ("127.0.0.1", "ring") and port > 0
    assert f"http://127.0.0.1:{port}/" in out and err == ""
    assert main(["demo", "--port", "0", "--host", "0.0.0.0"]) == 0
    assert "warning" in capsys.readouterr().err


def test_help_stays_fast_without_solara():
    code = (
        "import sys, sim.cli\n"
        "sim.cli.build_parser()\n"
        "assert 'solara' not in sys.modules and 'mesa' not in sys.modules, 'heavy import'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
