"""``escalation plot``: every figure kind from small saved results, headless, and the report.

The results are made once per session: a Europe run and a ring run (``escalation run --out``),
a 2 x 2 Europe grid sweep with monthly series and per-state outcomes, and small Sobol' and
Morris sweeps on a ring. Figures are checked for their axes, labels and content; the command
for its files, its errors and for never importing the model. The figures are plain ``Figure``
objects: drawing them leaves matplotlib's backend alone and never imports pyplot.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib

# The session's backend (Mesa's drawing in the demo tests uses pyplot); the figures of
# sim.plots do not need one (test_drawing_leaves_the_backend_alone).
matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import PolyCollection  # noqa: E402
from matplotlib.colors import to_hex as _to_hex  # noqa: E402
from matplotlib.image import AxesImage  # noqa: E402

from sim import palette  # noqa: E402
from sim.plots import distributions, europe, fan, phase, sensitivity, single_run  # noqa: E402
from sim.plots.report import make_report  # noqa: E402
from sim.plots.results import load  # noqa: E402
from sim.plots.style import style  # noqa: E402

# A 2 x 2 grid on Europe with monthly series and per-state notice months for a few states
# (Andorra has no polygon: a point at its capital).
GRID = """
name = "plot-grid"
scenario = "europe-2022"
replicates = 3
seed = 11

[levers."decision.w_peer"]
values = [0.3, 0.9]

[uncertainties."states.defaults.threshold"]
values = [0.3, 0.37]

[outcomes]
fields = ["treaties.*.notified", "treaties.*.blocked", "tension.max", "arms.growth_ratio",
          "states.LTU.*.notice_month", "states.LVA.*.notice_month", "states.POL.*.notice_month",
          "states.FIN.*.notice_month", "states.UKR.*.notice_month", "states.AND.*.notice_month",
          "states.FRA.*.notice_month"]

[[outcomes.derived]]
name = "regional_cascade"
kind = "cascade"
treaty = "ottawa"
min_states = 5

[outcomes.series]
columns = ["ottawa_notice", "ottawa_withdrawn", "ottawa_held", "mean_threat", "total_arms"]
every = 6
"""

RING = """
scenario = "ring"
months = 24
seed = 5

[constants]
"network.n" = 20
"""

SOBOL = (
    'name = "plot-sobol"\nreplicates = 1\n'
    + RING
    + """
[design]
kind = "sobol"
samples = 4

[uncertainties."decision.w_peer"]
low = 0.0
high = 1.0

[uncertainties."states.defaults.threshold"]
low = 0.2
high = 0.6

[outcomes]
fields = ["treaties.ban.notified", "tension.max"]
"""
)

MORRIS = SOBOL.replace('"plot-sobol"', '"plot-morris"').replace(
    'kind = "sobol"\nsamples = 4', 'kind = "morris"\nsamples = 4\nlevels = 4'
)


def to_hex(colour) -> str:
    """A colour as ``#RRGGBB`` in capitals, as the palette writes them."""
    return _to_hex(colour).upper()


FIGURE = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")


@pytest.fixture(scope="session")
def results(tmp_path_factory, run_cli) -> dict[str, Path]:
    """Saved results of every kind, made once."""
    from sim.experiment import run_sweep

    base = tmp_path_factory.mktemp("results")
    out = {}
    # Europe, the default seed: notices on both treaties, a held withdrawal (docs example).
    out["run"] = base / "run"
    res = run_cli("run", "--engine", "vectorized", "--quiet", "--out", out["run"])
    assert res.code == 0, res.err
    out["ring_run"] = base / "ring_run"
    res = run_cli(
        "run",
        "ring",
        "--months",
        "24",
        "--set",
        "network.n=20",
        "--quiet",
        "--out",
        out["ring_run"],
    )
    assert res.code == 0, res.err
    for name, text in (("grid", GRID), ("sobol", SOBOL), ("morris", MORRIS)):
        exp = base / f"{name}.toml"
        exp.write_text(text, encoding="utf-8")
        out[name] = base / name
        report = run_sweep(exp, out=out[name], workers=0, progress=False)
        assert report.status == "complete" and report.failed == 0
    return out


def facecolours(ax) -> set[str]:
    """Fill colours of a map's polygons and points."""
    found = set()
    for coll in ax.collections:
        found |= {to_hex(c) for c in coll.get_facecolors()}
    return found


# --------------------------------------------------------------------------------------------
# One run


def test_run_report(results, tmp_path, run_cli):
    out = tmp_path / "report"
    res = run_cli("plot", results["run"], "--out", out, "--dpi", "50")
    assert res.code == 0, res.err
    names = {p.name for p in out.iterdir()}
    expected = {
        "timeline.png",
        "cascade-tree.png",
        "threat-arms.png",
        "map-status-ottawa.png",
        "map-status-cmc.png",
        "report.md",
        "report.html",
    }
    assert names == expected
    printed = res.out.splitlines()
    assert str(out / "report.md") in printed and printed[-1].startswith("5 figures")
    md = (out / "report.md").read_text()
    assert FIGURE.findall(md) == [
        n
        for n in [
            "timeline.png",
            "cascade-tree.png",
            "threat-arms.png",
            "map-status-ottawa.png",
            "map-status-cmc.png",
        ]
    ]
    assert "seed 20220224" in md and "| Ottawa |" in md
    html = (out / "report.html").read_text()
    assert html.count('src="data:image/png;base64,') == 5
    assert not re.search(r'(src|href)="(?!data:)', html), "report.html must be self-contained"
    assert "http://" not in html and "https://" not in html


def test_run_figures(results):
    run = load(results["run"])
    summary = json.loads((results["run"] / "summary.json").read_text())
    with style():
        tl = single_run.timeline(run)
        axes = tl.fig.axes
        assert len(axes) == 2 and all(ax.get_ylabel() == "states" for ax in axes)
        assert axes[-1].get_xlabel() == "month"
        assert axes[0].get_title(loc="left").startswith("Ottawa:")
        # Stacked status layers in the status colours, in the legend with their labels.
        fills = {to_hex(c.get_facecolor()[0]) for c in axes[0].collections}
        assert {palette.STATUS_COLOURS[k] for k in ("notice", "withdrawn", "blocked")} <= fills
        legend = [t.get_text() for t in axes[0].get_legend().get_texts()]
        assert palette.STATUS_LABELS["withdrawn"] in legend
        assert any("20220224" in t.get_text() for t in tl.fig.texts + [tl.fig._supxlabel])

        tree = single_run.cascade_tree(run)
        notices = [
            sum(1 for v in summary["states"].values() if v[t]["notice_month"] is not None)
            for t in ("ottawa", "cmc")
        ]
        for ax, n in zip(tree.fig.axes, notices, strict=False):
            marks = sum(len(c.get_offsets()) for c in ax.collections)
            assert marks == n and len(ax.texts) == n  # one node and one label per notice
        assert tree.fig.axes[-1].get_xlabel() == "month of the notice"

        ta = single_run.threat_arms(run)
        assert ta.fig.axes[0].get_ylabel() == "perceived threat tau (0-1)"
        assert ta.fig.axes[0].get_ylim() == (0, 1.02)
        assert "% change" in ta.fig.axes[1].get_ylabel()

        maps = europe.status_maps(run)
        assert [m.name for m in maps] == ["map-status-ottawa", "map-status-cmc"]
        ax = maps[0].fig.axes[0]
        fills = facecolours(ax)
        final = {v["ottawa"]["status"] for v in summary["states"].values()}
        # A distinct fill per state class, in the shared colours.
        for status in final & {"party", "withdrawn", "non_party"}:
            assert palette.STATUS_COLOURS[status] in fills
        assert palette.STATUS_COLOURS["outside"] in fills
        assert palette.STATUS_COLOURS["blocked"] in fills  # UKR: held by the war clause
        assert ax.get_xticks().size == 0 and "status of each state" in ax.get_title()


def test_synthetic_run_has_no_map(results, tmp_path):
    report = make_report(results["ring_run"], tmp_path / "r", dpi=30)
    kinds = [w.kind for w in report.figures]
    assert "map" not in kinds and "timeline" in kinds
    assert any("No map" in n for n in report.notes)
    assert "## Not drawn" in (tmp_path / "r" / "report.md").read_text()


def test_same_results_same_bytes(results, tmp_path):
    """PNG and SVG carry no date: the same results give byte-identical files."""
    for name, formats in (("ring_run", ("png", "svg")), ("run", ("png",))):
        a = make_report(results[name], tmp_path / name / "a", formats=formats, dpi=40)
        make_report(results[name], tmp_path / name / "b", formats=formats, dpi=40)
        files = sorted(p.name for p in (tmp_path / name / "a").iterdir())
        assert len(files) == len(formats) * len(a.figures) + 2
        for f in files:
            assert (tmp_path / name / "a" / f).read_bytes() == (
                tmp_path / name / "b" / f
            ).read_bytes(), f
    svg = (tmp_path / "ring_run" / "a" / "timeline.svg").read_text()
    assert "<dc:date>" not in svg
    html = (tmp_path / "ring_run" / "a" / "report.html").read_text()
    assert "data:image/png;base64," in html  # the first format is the one shown


def test_timeline_png_uses_the_palette(results):
    from sim.plots import timeline as tl

    run = load(results["run"])
    fig = tl.timeline_figure(run.timeseries, run.events, run.treaties, "t")
    ax1, ax2 = fig.axes[:2]
    colours = {to_hex(line.get_color()) for line in ax1.get_lines()}
    assert colours == {palette.STATUS_COLOURS["notice"], palette.STATUS_COLOURS["withdrawn"]}
    assert to_hex(ax2.get_lines()[0].get_color()) == palette.SERIES_COLOURS["threat"]


# --------------------------------------------------------------------------------------------
# A sweep


def test_sweep_report(results, run_cli):
    res = run_cli("plot", results["grid"], "--dpi", "50")  # default --out: RESULTS_DIR/report
    assert res.code == 0, res.err
    out = results["grid"] / "report"
    names = sorted(p.name for p in out.iterdir())
    for expected in (
        "phase-regional_cascade.png",
        "phase-means.png",
        "cascade-size.png",
        "outcomes-by-decision-w_peer.png",
        "fan-notices-ottawa.png",
        "fan-mean-threat.png",
        "map-notice-ottawa.png",
        "map-notice-cmc.png",
    ):
        assert expected in names
    md = (out / "report.md").read_text()
    pngs = [n for n in names if n.endswith(".png")]
    assert sorted(FIGURE.findall(md)) == pngs  # every figure listed, with its caption
    assert "grid, 4 points x 3 replicates = 12 runs" in md
    assert "| decision.w_peer |" in md or "decision.w_peer" in md.split("## Figures")[0]
    html = (out / "report.html").read_text()
    assert html.count("data:image/png;base64,") == len(pngs)
    assert "http://" not in html and "https://" not in html


def test_a_new_report_replaces_the_old_one(tmp_path):
    from sim.plots.report import publish

    def write(names):
        def w(folder):
            for n in names:
                (folder / n).write_text(n)

        return w

    out = tmp_path / "report"
    publish(out, write(["report.md", "old.png"]))
    publish(out, write(["report.md", "new.png"]))
    assert sorted(p.name for p in out.iterdir()) == ["new.png", "report.md"]  # no stale figure
    # A folder holding other files keeps them: only the report's files are replaced.
    (out / "notes.txt").write_text("mine")
    publish(out, write(["report.md"]))
    assert sorted(p.name for p in out.iterdir()) == ["new.png", "notes.txt", "report.md"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary folder


def test_phase_diagram(results):
    sweep = load(results["grid"])
    with style():
        plots = {p.name: p for p in phase.phase_diagrams(sweep)}
    fig = plots["phase-regional_cascade"].fig
    ax = fig.axes[0]
    image = next(a for a in ax.get_children() if isinstance(a, AxesImage))
    assert image.get_array().shape == (2, 2) and image.get_clim() == (0.0, 1.0)
    assert {ax.get_xlabel(), ax.get_ylabel()} == {"decision.w_peer", "states.defaults.threshold"}
    assert "3 runs per cell" in ax.get_title()
    assert len([t for t in ax.texts if re.fullmatch(r"\d\.\d\d", t.get_text())]) == 4
    assert fig.axes[1].get_ylabel() == "probability"  # the colour bar
    assert set(plots["phase-regional_cascade"].numbers) <= {"highest", "lowest", "every cell"}


def test_distributions(results):
    sweep = load(results["grid"])
    with style():
        size = distributions.cascade_size(sweep)
        by = distributions.by_factor(sweep)
    hist, ecdf = size.fig.axes[:2]
    assert hist.get_xlabel() == "states that gave notice on Ottawa" and hist.get_ylabel() == "runs"
    assert sum(p.get_height() for p in hist.patches) == 12  # every run in the histogram
    assert ecdf.get_ylim() == (0, 1.02) and ecdf.get_ylabel() == "share of runs with at most x"
    assert len(ecdf.get_lines()) in (1, 4)  # one curve per design point, or one if identical
    assert [p.name for p in by] == [
        "outcomes-by-states-defaults-threshold",
        "outcomes-by-decision-w_peer",
    ]
    panels = [ax for ax in by[0].fig.axes if ax.get_visible()]
    titles = " ".join(ax.get_title() for ax in panels)
    assert "Ottawa: states that gave notice" in titles and "regional_cascade" in titles
    assert all(ax.get_xlabel() == "states.defaults.threshold" for ax in panels)
    prob = next(ax for ax in panels if "regional_cascade" in ax.get_title())
    assert prob.get_ylabel() == "probability (95% CI)" and prob.get_ylim() == (-0.02, 1.02)


def test_fan_charts(results):
    sweep = load(results["grid"])
    with style():
        fans = {p.name: p for p in fan.fan_charts(sweep)}
    assert set(fans) == {
        "fan-notices-ottawa",
        "fan-ottawa-withdrawn",
        "fan-ottawa-held",
        "fan-mean-threat",
        "fan-total-arms",
    }
    fig = fans["fan-notices-ottawa"].fig
    axes = [ax for ax in fig.axes if ax.has_data()]
    assert len(axes) in (1, 4)  # 2 x 2 design points, or one panel if they are identical
    for ax in axes:
        bands = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert len(bands) == 2 and len(ax.get_lines()) == 1  # 90% and 50% bands, the median
        assert to_hex(ax.get_lines()[0].get_color()) == palette.SERIES_COLOURS["notice"]
    assert axes[0].get_ylabel() == "states" and axes[-1].get_xlabel() == "month"
    assert re.fullmatch(r"\d{4}-\d\d", axes[-1].get_xticklabels()[0].get_text())
    assert fans["fan-total-arms"].fig.axes[0].get_ylabel() == "% change"


def test_probability_map(results):
    sweep = load(results["grid"])
    with style():
        maps = {p.name: p for p in europe.notice_probability_maps(sweep)}
    assert set(maps) == {"map-notice-ottawa", "map-notice-cmc"}
    fig = maps["map-notice-ottawa"].fig
    ax = fig.axes[0]
    fills = facecolours(ax)
    # Not a party (Russia), party but not recorded, land outside the scenario, and shades of
    # the probability colour map for the recorded states: a distinct fill per class.
    assert palette.STATUS_COLOURS["non_party"] in fills
    assert europe.NOT_RECORDED.upper() in fills
    assert palette.STATUS_COLOURS["outside"] in fills
    cmap = europe.notice_cmap()
    shades = {to_hex(cmap(v)) for v in np.linspace(0, 1, 256)}
    assert len(fills & shades) >= 2  # recorded states, in shades of the P(notice) map
    assert palette.STATUS_COLOURS["non_party"] not in shades  # no grey in the ramp
    points = [c for c in ax.collections if not isinstance(c, PolyCollection)]
    assert points and len(points[0].get_offsets()) >= 1  # Andorra at its capital
    bars = fig.axes[-1]
    assert bars.get_xlabel() == "P(notice), 95% CI" and bars.get_xlim() == (0, 1)
    assert "probability of a notice" in fig.axes[1].get_xlabel()  # the colour bar


def test_sensitivity_figures(results):
    sobol_sweep, morris_sweep = load(results["sobol"]), load(results["morris"])
    with style():
        sob = sensitivity.sobol(sobol_sweep)
        mor = sensitivity.morris(morris_sweep)
        assert sensitivity.morris(sobol_sweep) is None
    ax = sob.fig.axes[0]
    assert "Sobol' index" in ax.get_xlabel()
    assert len(ax.patches) == 4  # S1 and ST for two parameters
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "decision.w_peer",
        "states.defaults.threshold",
    ]
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"S1 (first order)", "ST (total)"}
    ax = mor.fig.axes[0]
    assert ax.get_xlabel().startswith("mu*") and ax.get_ylabel().startswith("sigma")
    assert {t.get_text() for t in ax.texts} == {"decision.w_peer", "states.defaults.threshold"}


def test_sensitivity_report_says_what_is_missing(results, tmp_path):
    report = make_report(results["sobol"], tmp_path / "r", dpi=30)
    names = [w.name for w in report.figures]
    assert "sensitivity-sobol" in names and "sensitivity-morris" not in names
    # Two sampled factors: the phase diagram bins them.
    assert "phase-means" in names
    assert any("No fan charts" in n for n in report.notes)
    assert any("No map" in n for n in report.notes)


# --------------------------------------------------------------------------------------------
# Errors, and the model left alone


@pytest.mark.parametrize("case", ["missing", "empty", "file", "unfinished", "bad-format"])
def test_user_errors(results, tmp_path, case, run_cli):
    target = tmp_path / "x"
    args = ["plot", target, "--out", tmp_path / "out"]
    if case == "empty":
        target.mkdir()
    elif case == "file":
        target.write_text("not a folder")
    elif case == "unfinished":
        target.mkdir()
        (target / "manifest.json").write_text(
            json.dumps(
                {"experiment": {"name": "e"}, "scenario": {}, "design": {}, "status": "interrupted"}
            )
        )
    elif case == "bad-format":
        args = ["plot", results["run"], "--out", tmp_path / "out", "--format", "pdf"]
    res = run_cli(*args)
    assert res.code == 2
    assert len(res.err_lines) == 1 and res.err.startswith("escalation: ")
    assert {
        "missing": "does not exist",
        "empty": "not a results folder",
        "file": "is not a directory",
        "unfinished": "--resume",
        "bad-format": "png, svg",
    }[case] in res.err
    assert not (tmp_path / "out").exists()


def test_failed_runs_are_left_out(results, tmp_path, run_cli):
    import shutil

    import pandas as pd

    folder = tmp_path / "grid"
    shutil.copytree(results["grid"], folder, ignore=shutil.ignore_patterns("report"))
    runs = pd.read_parquet(folder / "runs.parquet")
    runs.loc[[0, 5], "status"] = "error"
    runs.loc[[0, 5], "error"] = "RuntimeError: boom"
    runs.to_parquet(folder / "runs.parquet", index=False)
    sweep = load(folder)
    assert len(sweep.ok) == 10 and "2 failed (left out)" in sweep.provenance
    with style():
        size = distributions.cascade_size(sweep)
    assert sum(p.get_height() for p in size.fig.axes[0].patches) == 10
    # Every run failed: one line, exit 2.
    runs["status"] = "error"
    runs.to_parquet(folder / "runs.parquet", index=False)
    res = run_cli("plot", folder, "--out", tmp_path / "out")
    assert res.code == 2 and len(res.err_lines) == 1 and "no successful run" in res.err
    assert not (tmp_path / "out").exists()


def test_a_failure_leaves_nothing_behind(results, tmp_path, monkeypatch):
    from sim.plots import report as rep

    def boom(run):
        raise RuntimeError("boom")

    monkeypatch.setattr(single_run, "threat_arms", boom)
    with pytest.raises(RuntimeError):
        rep.make_report(results["run"], tmp_path / "out", dpi=30)
    assert list(tmp_path.iterdir()) == []  # no report, no temporary folder


def test_plot_never_imports_the_model(results, tmp_path):
    code = f"""
import sys
from sim.cli import main
for src, out in (({str(results["run"])!r}, {str(tmp_path / "a")!r}),
                 ({str(results["sobol"])!r}, {str(tmp_path / "b")!r})):
    assert main(['plot', src, '--out', out, '--dpi', '30']) == 0
bad = sorted(m for m in sys.modules
             if m in ('sim.model', 'sim.agents', 'sim.kernel', 'sim.runs', 'mesa')
             or m.startswith('mesa.'))
print('IMPORTED', bad)
"""
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "IMPORTED []" in proc.stdout
    assert (tmp_path / "a" / "report.html").is_file() and (tmp_path / "b" / "report.md").is_file()


# --------------------------------------------------------------------------------------------
# The user's backend left alone

ROOT = Path(__file__).resolve().parent.parent

#: Run in a fresh interpreter with a non-Agg backend chosen first, as a notebook would: import
#: every module of sim.plots (and sim.output, sim.app_draw), draw every kind of figure, then
#: report the backend and whether pyplot was imported. (With no backend chosen at all,
#: matplotlib itself imports pyplot to pick its default when a box plot reads rcParams.)
DRAW_EVERYTHING = """
import importlib, importlib.util, json, pkgutil, sys
from pathlib import Path

import matplotlib

matplotlib.use("svg")

import sim.plots

modules = sorted(m.name for m in pkgutil.iter_modules(sim.plots.__path__))
for name in modules:
    importlib.import_module(f"sim.plots.{name}")
import sim.app_draw as draw
import sim.output
from sim.app_model import DemoModel
from sim.plots import backtest, timeline, validation
from sim.plots.report import make_report
from sim.plots.results import load

results, root, out = (Path(a) for a in sys.argv[1:4])
docs = root / "docs" / "results"
for name in ("run", "grid", "sobol", "morris"):
    formats = ("png", "svg") if name in ("run", "sobol") else ("png",)
    make_report(results / name, out / name, formats=formats, dpi=20)
run = load(results / "run")
timeline.timeline(run.timeseries, run.events, run.treaties, "t", out / "timeline.png")
assert backtest.main([str(docs), str(out / "backtest")]) == 0
assert validation.main([str(docs), str(out / "validation")]) == 0
spec = importlib.util.spec_from_file_location("teaching", root / "scripts" / "teaching_figures.py")
teaching = importlib.util.module_from_spec(spec)
spec.loader.exec_module(teaching)
teaching.FIGURES = out / "teaching"
teaching.plot(json.loads((docs / "teaching.json").read_text(encoding="utf-8")))
model = DemoModel("europe-2022")
model.step()
figures = [draw.europe_map(model, "ottawa", "POL"), draw.chart_moves(model),
           draw.chart_threat(model), draw.chart_rival(model)]
for k, fig in enumerate(figures):
    (out / "demo").mkdir(exist_ok=True)
    (out / "demo" / f"{k}.png").write_bytes(draw.png(fig))
print("RESULT", json.dumps({"backend": matplotlib.get_backend(), "modules": modules,
                            "pyplot": "matplotlib.pyplot" in sys.modules}))
"""


def test_drawing_leaves_the_backend_alone(results, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    out = tmp_path / "out"
    proc = subprocess.run(
        [sys.executable, "-c", DRAW_EVERYTHING, str(results["run"].parent), str(ROOT), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    found = json.loads(proc.stdout.split("RESULT ", 1)[1])
    assert found["backend"] == "svg"
    assert found["pyplot"] is False
    assert {"style", "timeline", "backtest", "validation", "europe"} <= set(found["modules"])
    # Every figure written, in both formats where asked for: savefig finds its canvas.
    pngs = sorted(out.rglob("*.png"))
    svgs = sorted(out.rglob("*.svg"))
    assert {p.parent.name for p in pngs} == {
        "out",
        "run",
        "grid",
        "sobol",
        "morris",
        "backtest",
        "validation",
        "teaching",
        "demo",
    }
    assert all(p.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") for p in pngs)
    assert {p.parent.name for p in svgs} == {"run", "sobol"}
    assert all(b"<svg" in p.read_bytes()[:2000] for p in svgs)
    assert {p.stem for p in svgs} == {p.stem for p in pngs if p.parent.name in ("run", "sobol")}


def backend_offences(source: str) -> list[str]:
    """Lines that import pyplot or set matplotlib's backend."""
    tree = ast.parse(source)
    names = {"matplotlib"}  # names bound to the matplotlib module
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name == "matplotlib" and a.asname}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bad = any(a.name.split(".")[:2] == ["matplotlib", "pyplot"] for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            bad = parts[:2] == ["matplotlib", "pyplot"] or (
                parts == ["matplotlib"] and any(a.name in ("pyplot", "use") for a in node.names)
            )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            value = node.func.value
            bad = node.func.attr == "use" and isinstance(value, ast.Name) and value.id in names
        else:
            bad = False
        if bad:
            found.append(ast.get_source_segment(source, node) or "?")
    return found


@pytest.mark.parametrize(
    ("source", "bad"),
    [
        ("import matplotlib.pyplot as plt", True),
        ("def f():\n    import matplotlib.pyplot\n", True),
        ("from matplotlib import pyplot", True),
        ("from matplotlib.pyplot import subplots", True),
        ("import matplotlib\nmatplotlib.use('Agg')", True),
        ("import matplotlib as mpl\nmpl.use('Agg')", True),
        ("from matplotlib import use", True),
        ('"""Never imports ``matplotlib.pyplot``; see matplotlib.use."""', False),
        (
            "import matplotlib\nfrom matplotlib.figure import Figure\nmatplotlib.rc_context({})",
            False,
        ),
    ],
)
def test_backend_offences_are_found(source, bad):
    assert bool(backend_offences(source)) is bad


def test_no_module_imports_pyplot_or_sets_the_backend():
    files = sorted((ROOT / "sim").rglob("*.py")) + [ROOT / "scripts" / "teaching_figures.py"]
    assert ROOT / "sim" / "plots" / "style.py" in files and len(files) > 20
    offences = {
        str(f.relative_to(ROOT)): found
        for f in files
        if (found := backend_offences(f.read_text(encoding="utf-8")))
    }
    assert offences == {}
