"""The ``escalation`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from sim import __version__
from sim.errors import NumericError, UserError

QUIET_KINDS = {"incident"}  # printed only with --verbose: frequent and rarely the story
#: Defaults shown by ``validate richardson --help`` (equal to sim.validation.RICHARDSON_DEFAULTS,
#: kept here so that --help does not import the model).
RICHARDSON_HELP = {
    "a": 0.05,
    "b": 0.08,
    "m": 0.1,
    "n": 0.12,
    "g": 0.4,
    "h": 0.3,
    "x0": 1.0,
    "y0": 2.0,
}


def _overrides(pairs: Sequence[str]) -> dict[str, Any]:
    from sim.scenario import parse_value

    out: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise UserError(
                "--set", pair, "expected KEY=VALUE, e.g. treaties.ottawa.notice_months=12"
            )
        out[key.strip()] = parse_value(value.strip())
    return out


def cmd_run(args: argparse.Namespace) -> int:
    """Run one scenario and tell its story."""
    from sim.model import EscalationModel
    from sim.output import to_json, write_run
    from sim.scenario import load_scenario

    overrides = _overrides(args.set)
    if args.months is not None and not 1 <= args.months <= 6000:
        raise UserError("--months", "months", f"must be between 1 and 6000, got {args.months}")
    if args.seed is not None and args.seed < 0:
        raise UserError("--seed", "seed", f"must be a non-negative integer, got {args.seed}")
    if args.months is not None:
        overrides["months"] = args.months
    if args.seed is not None:
        overrides["seed"] = args.seed
    scenario = load_scenario(args.scenario, overrides)
    model = EscalationModel(scenario, engine=args.engine)
    talk = not (args.quiet or args.json)
    if talk:
        print(f"{scenario.name}: {scenario.description}")
        print(
            f"seed {model.seed}, {scenario.months} months from {scenario.start}, "
            f"{len(model.states)} states, engine {model.engine}\n"
        )
    for _ in range(scenario.months):
        model.step()
    if talk:  # the log is built from the journal once the run is done
        for ev in model.events_frame().itertuples(index=False):
            if args.verbose or ev.kind not in QUIET_KINDS:
                print(f"{ev.date}  {ev.message}")
    summary = model.summary()
    if args.out:
        write_run(model, Path(args.out))
    if args.json:
        sys.stdout.write(to_json(summary))
    else:
        print(("\n" if talk else "") + summary_table(summary))
        if args.out:
            print(f"\nwrote {args.out}/")
    return 0


def summary_table(s: dict[str, Any]) -> str:
    """A plain-text table of a run's summary."""
    lines = [
        f"Summary: {s['scenario']}, seed {s['seed']}, {s['start']} to {s['end']} "
        f"({s['months']} months, {s['engine']} engine)",
        "",
    ]
    head = (
        f"{'treaty':<10}{'parties':>8}{'notified':>9}{'withdrawn':>10}{'blocked':>8}"
        f"{'cascade':>9}  first notice"
    )
    lines += [head, "-" * len(head)]
    for t in s["treaties"].values():
        lines.append(
            f"{t['name']:<10}{t['initial_parties']:>8}{t['notified']:>9}"
            f"{t['withdrawn']:>10}{t['blocked']:>8}{t['cascade_fraction']:>9.0%}  "
            f"{t['first_notice_date'] or '-'}"
        )
    lines.append("")
    for tid, t in s["treaties"].items():
        movers = sorted(
            (
                (v[tid]["notice_month"], code)
                for code, v in s["states"].items()
                if v[tid]["notice_month"] is not None
            )
        )
        who = ", ".join(f"{c} {s['states'][c][tid]['notice_date']}" for _, c in movers) or "none"
        lines.append(f"{t['name']} notices: {who}")
    lines += [
        "",
        f"tension: final mean threat {s['tension']['mean_final']:.2f}, "
        f"highest monthly mean {s['tension']['max']:.2f}",
        f"arms: total x{s['arms']['growth_ratio']:.3f} over the run; "
        f"incidents {s['incidents']}; wars {s['wars']}",
    ]
    return "\n".join(lines)


def cmd_scenarios(args: argparse.Namespace) -> int:
    """List the bundled scenarios."""
    from sim.scenario import bundled_scenarios

    items = bundled_scenarios()
    width = max(map(len, items), default=0)
    for name, (_, desc) in items.items():
        print(f"{name:<{width}}  {desc}")
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    """Reproduce the classic models (Watts, Granovetter, Richardson) with the ordinary model."""
    from sim import validation as v
    from sim.output import to_json

    opts = {k: getattr(args, k) for k in v.OPTIONS[args.case]}
    result = v.run_case(
        args.case, quick=args.quick, progress=None, seed=args.seed, engine=args.engine, **opts
    )
    if args.json:
        sys.stdout.write(to_json(result))
    else:
        cases = (
            [result[c] for c in ("watts", "granovetter", "richardson")]
            if args.case == "all"
            else [result]
        )
        print("\n\n".join(v.table(r) for r in cases))
        print(f"\nreproduced: {'yes' if result['reproduced'] else 'NO'}")
    return 0 if result["reproduced"] else 1


def cmd_backtest(args: argparse.Namespace) -> int:
    """Score a scenario against the observed notices; with --calibrate, calibrate it first."""
    from sim import backtest as bt
    from sim.output import to_json

    if args.runs is not None and args.runs < 1:
        raise UserError("--runs", "", f"must be at least 1, got {args.runs}")
    if args.seed is not None and args.seed < 0:
        raise UserError("--seed", "", f"must be a non-negative integer, got {args.seed}")
    if args.calibrate:
        from sim import calibration

        for opt, given in (("--set", args.set), ("--periods", args.periods)):
            if given:
                raise UserError(opt, "", "not with --calibrate: the experiment file sets it")
        result = calibration.calibrate(
            args.calibrate,
            engine=args.engine,
            quick=args.quick,
            progress=None,
            scenario=args.scenario,
            runs=args.runs,
            seed=args.seed,
            observed=args.observed,
        )
        text = calibration.table(result)
    else:
        from sim.scenario import load_scenario

        scenario = load_scenario(args.scenario or "europe-2022", _overrides(args.set))
        result = bt.backtest(
            scenario,
            runs=args.runs or (20 if args.quick else 200),
            seed=args.seed,
            engine=args.engine,
            observed=args.observed,
            periods=args.periods.split(",") if args.periods else None,
            progress=None,
        )
        text = bt.table(result)
    sys.stdout.write(to_json(result) if args.json else text + "\n")
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    """Run (or resume) the sweep of an experiment file; write a results folder."""
    from sim.experiment import format_report, run_sweep

    if args.scheduler and args.executor != "dask":
        raise UserError("--scheduler", "", "needs --executor dask")
    report = run_sweep(
        args.experiment,
        out=args.out,
        workers=args.workers,
        executor=args.executor,
        scheduler=args.scheduler,
        resume=args.resume,
        quick=args.quick,
    )
    print(format_report(report))
    return {"complete": 0, "interrupted": 130}.get(report.status, 1)


def cmd_plot(args: argparse.Namespace) -> int:
    """Draw the figures and the report of a results folder (never runs the model)."""
    from sim.plots.report import make_report, parse_formats

    report = make_report(
        args.results, out=args.out, formats=parse_formats(args.format), dpi=args.dpi
    )
    for path in report.files:
        print(path)
    for note in report.notes:
        print(f"note: {note}")
    print(f"{len(report.figures)} figures and report.md, report.html in {report.out}/")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Serve the teaching demo (sim/app.py) in the browser until interrupted."""
    import socket

    from sim.scenario import load_scenario

    if not 0 <= args.port <= 65535:
        raise UserError("--port", "", f"must be between 0 and 65535, got {args.port}")
    load_scenario(args.scenario)  # an unknown name or a bad file: one line, exit 2
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((args.host, args.port))
        except OSError as exc:
            raise UserError(
                "--port", "", f"cannot listen on {args.host}:{args.port}: {exc.strerror}"
            ) from None
        port = probe.getsockname()[1]  # --port 0: a free port
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"escalation: warning: --host {args.host} lets other machines open the demo "
            "(it has no login); the default 127.0.0.1 keeps it on this one",
            file=sys.stderr,
        )
    host = f"[{args.host}]" if ":" in args.host else args.host
    print(f"Teaching demo ({args.scenario}) at http://{host}:{port}/  (Ctrl-C to stop)", flush=True)
    from sim.app_server import serve

    serve(args.host, port, args.scenario)
    return 0


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line (exit 2), like every user error."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see '{self.prog} --help')\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``escalation``."""
    parser = _Parser(
        prog="escalation",
        description="Agent-based simulation of arms-control treaty withdrawal and rearmament.",
    )
    parser.add_argument("--version", action="version", version=f"escalation-sim {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run one scenario and tell its story month by month",
        description="Run one scenario; print the event log and a summary.",
    )
    run.add_argument(
        "scenario",
        nargs="?",
        default="europe-2022",
        help="bundled name or path to a TOML file (default: europe-2022)",
    )
    run.add_argument("--months", type=int, help="months to simulate (default: the scenario's)")
    run.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    run.add_argument(
        "--engine",
        choices=["agents", "vectorized"],
        default="agents",
        help="agents: the Mesa reference (default); vectorized: same results on arrays, faster",
    )
    run.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key by dotted path; repeatable",
    )
    run.add_argument("--out", metavar="DIR", help="write summary, tables, log, tree and figure")
    run.add_argument("--json", action="store_true", help="print only the summary JSON")
    run.add_argument("--quiet", action="store_true", help="print only the summary table")
    run.add_argument("--verbose", action="store_true", help="also print every incident")
    run.set_defaults(func=cmd_run)

    sc = sub.add_parser(
        "scenarios",
        help="list the bundled scenarios",
        description="List bundled scenarios with one-line descriptions.",
    )
    sc.set_defaults(func=cmd_scenarios)

    val = sub.add_parser(
        "validate",
        help="reproduce the classic models the escalation model contains",
        description="Reproduce Watts (2002), Granovetter (1978) and Richardson (1960) as exact "
        "special cases of the ordinary model; print each result beside its reference. Exit "
        "status 1 if a result misses its reference.",
    )
    cases = val.add_subparsers(dest="case", required=True, metavar="CASE")

    def case(name: str, help_: str) -> argparse.ArgumentParser:
        p = cases.add_parser(name, help=help_, description=help_)
        p.add_argument("--json", action="store_true", help="print one JSON object")
        p.add_argument("--quick", action="store_true", help="small sizes, for CI (seconds)")
        p.add_argument("--seed", type=int, help="root seed of the runs (default 0)")
        p.add_argument(
            "--engine",
            choices=["agents", "vectorized"],
            default="vectorized",
            help="simulation engine (default: vectorized)",
        )
        p.set_defaults(func=cmd_validate)
        return p

    w = case("watts", "Watts (2002) cascade window on Erdős–Rényi graphs")
    w.add_argument("--phi", type=float, default=0.18, help="threshold (default 0.18)")
    w.add_argument(
        "--z",
        dest="zs",
        metavar="Z,...",
        help="comma list of mean degrees (default 1,1.5,2,3,4,5,5.5,6,6.5,7,8,10)",
    )
    w.add_argument("--n", type=int, help="states per graph (default 10000; quick 2000)")
    w.add_argument("--runs", type=int, help="runs per z (default 200; quick 40)")
    w.add_argument(
        "--global-share",
        type=float,
        default=0.01,
        help="final share of movers that counts as a global cascade (default 0.01)",
    )
    g = case("granovetter", "Granovetter (1978) riot and normally distributed thresholds")
    g.add_argument(
        "--crowd", type=int, help="crowd for normal thresholds (default 1000; quick 300)"
    )
    r = case("richardson", "Richardson (1960) arms race of two hostile states")
    for name, what in (
        ("a", "x's reaction to y"),
        ("b", "y's reaction to x"),
        ("m", "x's fatigue"),
        ("n", "y's fatigue"),
        ("g", "x's grievance"),
        ("h", "y's grievance"),
        ("x0", "x at the start"),
        ("y0", "y at the start"),
    ):
        r.add_argument(f"--{name}", type=float, help=f"{what} (default {RICHARDSON_HELP[name]})")
    r.add_argument("--months", type=int, help="months (default 120)")
    case("all", "all three cases with their default options")

    bt = sub.add_parser(
        "backtest",
        help="score a scenario against the observed treaty notices (2022-02 to 2025-08)",
        description="For each state and treaty, the share of runs in which it gives notice by "
        "the end of the observed window, scored against the observed notices (AUC, Brier). With "
        "--calibrate, first search the experiment's parameter ranges (Latin hypercube) and "
        "report the fit and its out-of-sample checks.",
    )
    bt.add_argument(
        "scenario",
        nargs="?",
        default=None,
        help="bundled name or path (default: europe-2022, or the experiment's)",
    )
    bt.add_argument(
        "--runs", type=int, help="runs (default 200; quick 20); with --calibrate: runs per point"
    )
    bt.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario key by dotted path, as for run (not with --calibrate)",
    )
    bt.add_argument(
        "--seed", type=int, help="root seed (default: the scenario's, or the experiment's)"
    )
    bt.add_argument(
        "--engine",
        choices=["agents", "vectorized"],
        default="vectorized",
        help="simulation engine (default: vectorized)",
    )
    bt.add_argument(
        "--observed",
        metavar="CSV",
        help="observed notices (default: data/europe/observed.csv beside the scenario)",
    )
    bt.add_argument(
        "--calibrate",
        metavar="EXPERIMENT",
        help="calibrate first, e.g. experiments/calibration-europe.toml",
    )
    bt.add_argument(
        "--periods",
        metavar="YYYY-MM,...",
        help="also score when notices came: last months of the periods (e.g. 2023-12,2025-03)",
    )
    bt.add_argument("--quick", action="store_true", help="small sizes, for CI")
    bt.add_argument("--json", action="store_true", help="print one JSON object")
    bt.set_defaults(func=cmd_backtest)

    sw = sub.add_parser(
        "sweep",
        help="run an experiment: many runs over a design, resumable Parquet results",
        description="Run every design point of an experiment file (experiments/*.toml) with its "
        "replicates; write OUT/manifest.json, runs.parquet, timeseries.parquet, summary.csv "
        "and, where the design asks, sensitivity.csv and discovery.csv (docs/experiments.md).",
    )
    sw.add_argument("experiment", help="experiment TOML, or a bundled name (article20, ...)")
    sw.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="worker processes (default: all cores; 0: serially in this process)",
    )
    sw.add_argument(
        "--executor",
        choices=["local", "dask"],
        default="local",
        help="local: a process pool (default); dask: Dask distributed",
    )
    sw.add_argument(
        "--scheduler",
        metavar="ADDR",
        help="Dask scheduler address (default with dask: a LocalCluster)",
    )
    sw.add_argument("--out", metavar="DIR", help="results folder (default: results/NAME)")
    sw.add_argument("--resume", action="store_true", help="compute only the missing runs")
    sw.add_argument("--quick", action="store_true", help="a small version that runs in seconds")
    sw.set_defaults(func=cmd_sweep)

    pl = sub.add_parser(
        "plot",
        help="figures and a report (report.md, report.html) from a run or sweep folder",
        description="Read a results folder (escalation run --out, or escalation sweep) and "
        "write the figures that fit it, with report.md and a self-contained report.html; "
        "never runs the model (docs/figures.md).",
    )
    pl.add_argument("results", metavar="RESULTS_DIR", help="a run folder or a sweep folder")
    pl.add_argument("--out", metavar="DIR", help="where to write (default: RESULTS_DIR/report)")
    pl.add_argument(
        "--format",
        default="png",
        metavar="png,svg",
        help="figure formats, comma-separated: png, svg or png,svg (default: png)",
    )
    pl.add_argument(
        "--dpi", type=int, default=150, metavar="N", help="PNG resolution (default 150)"
    )
    pl.set_defaults(func=cmd_plot)

    dm = sub.add_parser(
        "demo",
        help="the teaching demo in the browser: map, controls, live charts, why states moved",
        description="Serve the teaching demo (a Mesa/Solara page) and print its address: a "
        "map of Europe coloured by treaty status month by month, the debate's levers, live "
        "charts and the plain-language log of why each state moved (docs/teaching.md). "
        "Works offline; every browser tab gets its own model.",
    )
    dm.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    dm.add_argument("--port", type=int, default=8765, help="port (default 8765; 0: a free one)")
    dm.add_argument(
        "--scenario",
        default="europe-2022",
        help="the scenario the page opens with: a bundled name or a TOML path (default "
        "europe-2022)",
    )
    dm.set_defaults(func=cmd_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``escalation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (UserError, NumericError) as err:
        print(f"escalation: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
