"""The ``escalation`` command line."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from sim import __version__
from sim.errors import UserError

QUIET_KINDS = {"incident"}  # printed only with --verbose: frequent and rarely the story


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
    shown = 0
    for _ in range(scenario.months):
        model.step()
        if talk:
            for ev in model.log[shown:]:
                if args.verbose or ev["kind"] not in QUIET_KINDS:
                    print(f"{ev['date']}  {ev['message']}")
        shown = len(model.log)
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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``escalation`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as err:
        print(f"escalation: {err}", file=sys.stderr)
        return err.exit_code
    except KeyboardInterrupt:
        print("escalation: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
