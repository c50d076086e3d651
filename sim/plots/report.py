"""``escalation plot``: figures and a report from a results folder, never by re-running the model.

:func:`make_report` reads a single run (``escalation run --out``) or a sweep
(``escalation sweep``), picks the figures that fit (docs/figures.md), writes them with
``report.md`` and a self-contained ``report.html`` (images embedded), all at once: the files are
built in a temporary folder beside the target, which then replaces a previous report. The same
results give byte-identical files.
"""

from __future__ import annotations

import base64
import html
import math
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim import __version__
from sim.errors import UserError
from sim.files import scratch_dir
from sim.plots.results import RunResults, SweepResults, load
from sim.plots.style import Plot, fmt_value, save, style, wilson

FORMATS = ("png", "svg")
DEFAULT_DPI = 150
REPORT_FILES = {".png", ".svg", ".md", ".html"}
MAX_POINT_ROWS = 40  # design points listed one by one in the key numbers


@dataclass
class Written:
    """A figure on disk: its files and what the report says about it."""

    name: str
    files: list[str]
    caption: str
    kind: str
    numbers: dict[str, str]


@dataclass
class Report:
    """What :func:`make_report` wrote."""

    out: Path
    kind: str  # run | sweep
    figures: list[Written] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def files(self) -> list[Path]:
        """Every file written, figures first."""
        names = [f for w in self.figures for f in w.files] + ["report.md", "report.html"]
        return [self.out / n for n in names]


def parse_formats(text: str) -> tuple[str, ...]:
    """``png``, ``svg`` or ``png,svg`` as a tuple; UserError for anything else."""
    parts = [p.strip().lower() for p in text.split(",") if p.strip()]
    bad = [p for p in parts if p not in FORMATS]
    if bad or not parts:
        raise UserError("--format", text, f"expected png, svg or png,svg (got {text!r})")
    return tuple(dict.fromkeys(parts))


# --------------------------------------------------------------------------------------------
# Which figures fit which results


def _run_figures(run: RunResults, notes: list[str]) -> Iterable[Plot]:
    from sim.plots import europe, single_run

    yield single_run.timeline(run)
    tree = single_run.cascade_tree(run)
    if tree is None:
        notes.append("No cascade tree: no state gave notice (or cascade.json is missing).")
    else:
        yield tree
    yield single_run.threat_arms(run)
    maps = europe.status_maps(run)
    if not maps:
        notes.append(
            "No map: the scenario's states are not in the bundled Europe shapes "
            "(synthetic network)."
        )
    yield from maps


def _sweep_figures(sweep: SweepResults, notes: list[str]) -> Iterable[Plot]:
    from sim.plots import distributions, europe, fan, phase, sensitivity

    constant = distributions.constant_outcomes(sweep)
    if constant:
        notes.append(
            "Not drawn, the same in every run: "
            + ", ".join(
                f"{c} = {'no value' if v is None else fmt_value(v)}" for c, v in constant.items()
            )
            + "."
        )
    phases = phase.phase_diagrams(sweep)
    if not phases and sweep.factors:
        notes.append(
            f"No phase diagram: it needs exactly two varied factors ({len(sweep.factors)} "
            "varied here)."
        )
    yield from phases
    size = distributions.cascade_size(sweep)
    if size is not None:
        yield size
    yield from distributions.by_factor(sweep)
    fans = fan.fan_charts(sweep)
    if not fans:
        notes.append(
            "No fan charts: the sweep kept no monthly series (add [outcomes.series] to the "
            "experiment)."
        )
    yield from fans
    sens = [p for p in (sensitivity.sobol(sweep), sensitivity.morris(sweep)) if p is not None]
    if not sens and sweep.design.get("kind") in ("sobol", "morris"):
        notes.append("No sensitivity figure: sensitivity.csv is missing or has no indices.")
    yield from sens
    maps = europe.notice_probability_maps(sweep)
    if not maps:
        notes.append(
            "No map: the scenario's states are not in the bundled Europe shapes (synthetic "
            "network)."
            if not (sweep.scenario.get("states") or {}).get("file")
            or (sweep.state_columns and not europe.mappable([i for i, _ in sweep.state_columns]))
            else "No map: the sweep saved no per-state outcomes. List them in the experiment's "
            '[outcomes] fields (e.g. "states.LTU.*.notice_month", one per state) to map each '
            "state's probability of giving notice."
        )
    yield from maps


# --------------------------------------------------------------------------------------------
# Key numbers


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return str(value).replace("|", "\\|")


def _run_numbers(run: RunResults) -> tuple[list[str], list[list[str]]]:
    head = ["treaty", "parties", "notices", "withdrawn", "held by war", "cascade", "first notice"]
    rows = []
    for t in run.summary["treaties"].values():
        rows.append(
            [
                t["name"],
                str(t["initial_parties"]),
                str(t["notified"]),
                str(t["withdrawn"]),
                str(t["blocked"]),
                f"{t['cascade_fraction']:.0%}",
                t["first_notice_date"] or "-",
            ]
        )
    return head, rows


def _key_outcomes(sweep: SweepResults) -> list[tuple[str, str]]:
    types = sweep.outcome_types
    chosen = [(c, t) for c, t in types.items() if t == "bool"]
    for what in ("notified", "blocked"):
        chosen += [
            (f"treaties.{tid}.{what}", types[f"treaties.{tid}.{what}"])
            for tid in sweep.treaties
            if f"treaties.{tid}.{what}" in types
        ]
    return chosen[:8]


def _fmt_outcome(values: Any, kind: str) -> str:
    v = values.dropna()
    if not len(v):
        return "-"
    if kind == "bool":
        k, n = int(v.astype(bool).sum()), len(v)
        lo, hi = wilson(k, n)
        return f"{k / n:.2f} ({lo:.2f}-{hi:.2f})"
    arr = v.to_numpy(dtype=float)
    # Counts keep whole numbers: the quantiles are values that occurred.
    q05, q95 = np.quantile(arr, [0.05, 0.95], method="inverted_cdf" if kind == "int" else "linear")
    return f"{arr.mean():.3g} ({q05:.3g}-{q95:.3g})"


def _sweep_numbers(sweep: SweepResults) -> tuple[list[str], list[list[str]], str]:
    """A table of key outcomes per design point, or over all runs for large designs."""
    ok = sweep.ok
    outcomes = _key_outcomes(sweep)
    names = [sweep.label(c)[0] for c, _ in outcomes]
    keys = [f.name for f in sweep.factors]
    points = ok.groupby(keys, sort=False).ngroups if keys else 1
    legend = (
        "Probabilities of yes/no outcomes with 95% Wilson intervals; other outcomes as mean "
        "(5%-95% of runs)."
    )
    if keys and points <= MAX_POINT_ROWS:
        head = [*keys, "runs", *names]
        rows = []
        for key, frame in ok.groupby(keys, sort=False):
            key = key if isinstance(key, tuple) else (key,)
            rows.append(
                [fmt_value(k) for k in key]
                + [str(len(frame))]
                + [_fmt_outcome(frame[c], t) for c, t in outcomes]
            )
        return head, rows, legend
    head = ["outcome", "all runs"]
    rows = [[n, _fmt_outcome(ok[c], t)] for n, (c, t) in zip(names, outcomes, strict=True)]
    return (
        head,
        rows,
        legend
        + f" Over all {len(ok):,} runs ({points:,} design point{'' if points == 1 else 's'}).",
    )


def _provenance(results: RunResults | SweepResults) -> list[tuple[str, str]]:
    if isinstance(results, RunResults):
        s = results.summary
        return [
            ("scenario", f"{s['scenario']}"),
            (
                "run",
                f"seed {s['seed']}, {s['months']} months, {s['start']} to {s['end']}, "
                f"{s['engine']} engine",
            ),
            ("results", str(results.folder)),
        ]
    m = results.manifest
    exp = m["experiment"]
    d = results.design
    git = m.get("git") or {}
    items = [
        (
            "experiment",
            results.name + (f": {exp['description']}" if exp.get("description") else ""),
        ),
        ("scenario", m["scenario"].get("reference", "?")),
        (
            "design",
            f"{d.get('kind')}, {d.get('points')} point{'' if d.get('points') == 1 else 's'} x "
            f"{d.get('replicates')} "
            f"replicates = {d.get('runs')} runs",
        ),
        ("runs", f"{len(results.runs):,} ({results.failed} failed), status {m.get('status', '?')}"),
        (
            "seeds",
            results.seeds_text
            + (" (shared across design points)" if d.get("points", 1) != 1 else ""),
        ),
        (
            "engine",
            f"{m.get('engine', '?')}, escalation-sim "
            f"{(m.get('versions') or {}).get('escalation-sim', '?')}",
        ),
    ]
    if git.get("commit"):
        items.append(
            ("git", f"{git['commit'][:12]}{' (with local changes)' if git.get('dirty') else ''}")
        )
    items.append(("results", str(results.folder)))
    return items


# --------------------------------------------------------------------------------------------
# Writing


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(_cell(h) for h in head) + " |"]
    lines.append("|" + "---|" * len(head))
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def _html_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:1100px;
margin:2em auto;padding:0 1em;color:#222;line-height:1.45}
h1{font-size:1.6em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:.9em;margin:.8em 0}
td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}th{background:#f3f3f3}
figure{margin:2em 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{margin-top:.4em}ul.numbers{font-size:.9em;color:#333}dt{font-weight:600}
"""


def _documents(results: RunResults | SweepResults, report: Report, folder: Path) -> None:
    """Write report.md and report.html into ``folder`` (the figures are already there)."""
    if isinstance(results, RunResults):
        title = f"Report: {results.name}, one run (seed {results.summary['seed']})"
        head, rows = _run_numbers(results)
        legend = ""
        extra: list[tuple[str, list[str], list[list[str]]]] = []
        movers = []
        for tid, tname in results.treaties.items():
            who = sorted(
                (v[tid]["notice_month"], c)
                for c, v in results.summary["states"].items()
                if v[tid]["notice_month"] is not None
            )
            names = ", ".join(
                f"{c} {results.summary['states'][c][tid]['notice_date']}" for _, c in who
            )
            movers.append([tname, names or "none"])
        extra.append(("Notices", ["treaty", "states (month of notice)"], movers))
    else:
        title = f"Report: {results.name}"
        head, rows, legend = _sweep_numbers(results)
        extra = []
        disc = results.discovery
        if disc is not None and not disc.empty:
            spec = results.manifest["experiment"].get("spec", {}).get("discovery") or {}
            what = spec.get("outcome", "the outcome")
            if spec.get("op"):
                what += f" {spec['op']} {spec.get('value')}"
            cols = [c for c in ("box", "conditions", "runs", "density", "coverage") if c in disc]
            top = disc[cols].head(6).copy()
            for c in ("density", "coverage"):
                if c in top:
                    top[c] = top[c].map(lambda v: f"{v:.0%}")
            extra.append(
                (
                    f"Scenario discovery: where {what} happens (from discovery.csv)",
                    cols,
                    top.astype(str).values.tolist(),
                )
            )
    prov = _provenance(results)

    md = [f"# {title}", ""]
    md += [f"- **{k}**: {v}" for k, v in prov]
    md += ["", "## Key numbers", ""]
    md += _md_table(head, rows)
    if legend:
        md += ["", legend]
    for name, h, r in extra:
        md += ["", f"## {name}", ""]
        md += _md_table(h, r)
    md += ["", "## Figures", ""]
    for k, w in enumerate(report.figures, 1):
        main = w.files[0]
        md += [f"![{w.caption}]({main})", "", f"**Figure {k}** ({w.name}). {w.caption}"]
        if len(w.files) > 1:
            md += ["", "Also: " + ", ".join(f"[{f}]({f})" for f in w.files[1:])]
        if w.numbers:
            md += [""] + [f"- {k2}: {v}" for k2, v in w.numbers.items()]
        md += [""]
    if report.notes:
        md += ["## Not drawn", ""] + [f"- {n}" for n in report.notes] + [""]
    md += [
        f"Written by `escalation plot` (escalation-sim {__version__}) from the saved results; "
        "the model was not run.",
        "",
    ]
    (folder / "report.md").write_text("\n".join(md), encoding="utf-8")

    h = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{html.escape(title)}</h1><ul>",
    ]
    h += [f"<li><b>{html.escape(k)}</b>: {html.escape(v)}</li>" for k, v in prov]
    h += ["</ul><h2>Key numbers</h2>", _html_table(head, rows)]
    if legend:
        h.append(f"<p>{html.escape(legend)}</p>")
    for name, hh, r in extra:
        h += [f"<h2>{html.escape(name)}</h2>", _html_table(hh, r)]
    h.append("<h2>Figures</h2>")
    for k, w in enumerate(report.figures, 1):
        main = w.files[0]
        mime = "image/png" if main.endswith(".png") else "image/svg+xml"
        data = base64.b64encode((folder / main).read_bytes()).decode("ascii")
        h.append(
            f'<figure id="{html.escape(w.name)}"><img alt="{html.escape(w.caption)}" '
            f'src="data:{mime};base64,{data}"><figcaption><b>Figure {k}</b> '
            f"({html.escape(w.name)}). {html.escape(w.caption)}</figcaption>"
        )
        if w.numbers:
            h.append(
                '<ul class="numbers">'
                + "".join(
                    f"<li>{html.escape(k2)}: {html.escape(v)}</li>" for k2, v in w.numbers.items()
                )
                + "</ul>"
            )
        h.append("</figure>")
    if report.notes:
        h += ["<h2>Not drawn</h2><ul>"] + [f"<li>{html.escape(n)}</li>" for n in report.notes]
        h.append("</ul>")
    h.append(
        f"<p><small>Written by escalation plot (escalation-sim {html.escape(__version__)}) "
        "from the saved results; the model was not run.</small></p></body></html>\n"
    )
    (folder / "report.html").write_text("\n".join(h), encoding="utf-8")


def _is_old_report(folder: Path) -> bool:
    entries = list(folder.iterdir())
    if not entries:
        return True
    return (folder / "report.md").is_file() and all(
        e.is_file() and e.suffix in REPORT_FILES for e in entries
    )


def publish(out: Path, write: Callable[[Path], None]) -> None:
    """Build the report in a temporary folder beside ``out``, then put it in place.

    A previous report in ``out`` (only figures, report.md and report.html) is replaced as a
    whole, so no stale figure survives; a folder holding other files keeps them and only the
    report's files are replaced. If ``write`` fails, nothing is left behind.
    """
    tmp = scratch_dir(out)
    try:
        write(tmp)
        os.chmod(tmp, 0o755)
        if not out.exists():
            tmp.rename(out)
        elif _is_old_report(out):
            old = out.parent / f"{tmp.name}.old"
            out.rename(old)
            tmp.rename(out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            for f in sorted(tmp.iterdir()):
                os.replace(f, out / f.name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def make_report(
    results_dir: str | Path,
    out: str | Path | None = None,
    formats: Sequence[str] = ("png",),
    dpi: int = DEFAULT_DPI,
) -> Report:
    """Read a results folder and write its figures, report.md and report.html.

    Args:
        results_dir: a run folder (``escalation run --out``) or a sweep folder.
        out: where to write (default ``RESULTS_DIR/report``).
        formats: ``png`` and/or ``svg``; the report shows the first.
        dpi: resolution of PNG files.

    Returns:
        What was written, with the notes on figures that did not apply.

    """
    results = load(results_dir)
    target = Path(out) if out is not None else results.folder / "report"
    if target.resolve() == results.folder.resolve():
        raise UserError(
            str(target),
            "--out",
            "is the results folder itself: choose another (default: RESULTS_DIR/report)",
        )
    if not 20 <= dpi <= 600:
        raise UserError("--dpi", str(dpi), "must be between 20 and 600")
    formats = tuple(formats)
    report = Report(target, results.kind)

    def write(folder: Path) -> None:
        with style():
            source = (
                _run_figures(results, report.notes)
                if isinstance(results, RunResults)
                else _sweep_figures(results, report.notes)
            )
            for plot in source:  # each figure is written and let go before the next is drawn
                files = save(plot, folder, formats, dpi)
                report.figures.append(
                    Written(plot.name, files, plot.caption, plot.kind, plot.numbers)
                )
        _documents(results, report, folder)

    publish(target, write)
    return report
