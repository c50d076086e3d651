"""Reports and options of ``escalation validate``: tables beside the references, ``all``."""

from __future__ import annotations

import math
from typing import Any

from sim.errors import UserError
from sim.validation.cases import (
    GRANOVETTER_CRITICAL,
    WATTS_REFERENCE,
    granovetter,
    richardson,
    watts,
)


# --------------------------------------------------------------------------- tables
def _fmt(v: Any) -> str:
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:.3g}" if abs(v) < 1e-3 and v != 0 else f"{v:.3f}"
    return str(v)


def checks_table(checks: list[dict[str, Any]]) -> str:
    """The comparisons with the references, one per line."""
    values = [_fmt(c["value"]) for c in checks]
    w1 = max([len("check"), *(len(c["what"]) for c in checks)]) + 2
    w2 = max([len("model"), *map(len, values)])
    w3 = max([len("reference"), *(len(c["reference"]) for c in checks)]) + 2
    lines = [f"{'check':<{w1}}{'model':>{w2}}  {'reference':<{w3}}ok"]
    for c, v in zip(checks, values, strict=True):
        ok = "yes" if c["ok"] else "NO"
        lines.append(f"{c['what']:<{w1}}{v:>{w2}}  {c['reference']:<{w3}}{ok}")
    return "\n".join(lines)


def table(result: dict[str, Any]) -> str:
    """A plain-text report of one case: its rows beside the references, then the checks."""
    case = result["case"]
    if case == "watts":
        lo, hi = result["analytic_window"]
        out = [
            f"Watts (2002) cascades: ER graph n={result['n']}, phi={result['phi']}, "
            f"{result['runs']} runs per z, global >= {result['global_share']:g} "
            f"({result['engine']} engine)",
            f"analytic window (infinite graph): {lo:.2f} < z < {hi:.2f}",
            "",
            f"{'z':>5}{'frequency':>11}{'analytic':>10}{'Watts':>8}{'mean size':>11}{'Watts':>8}",
        ]
        for r in result["rows"]:
            ref = WATTS_REFERENCE.get(r["z"], {})
            rf = ref.get("frequency")
            if "frequency_below" in ref:
                rf = f"<{ref['frequency_below']}"
            out.append(
                f"{r['z']:>5g}{r['global_cascade_frequency']:>11.3f}{r['analytic_frequency']:>10.3f}"
                f"{_fmt(rf):>8}{_fmt(r['mean_global_cascade_size']):>11}{_fmt(ref.get('size')):>8}"
            )
    elif case == "granovetter":
        out = [
            f"Granovetter (1978) riot, crowd of 100: {result['riot_uniform']} move "
            f"(thresholds 0..99), {result['riot_perturbed']} with the 1 moved to 2 "
            f"({result['engine']} engine)",
            f"normal thresholds, mean {result['mean']}, crowd of {result['crowd']}: critical "
            f"sigma {_fmt(result['critical_sigma'])} (mean field "
            f"{result['mean_field_critical_sigma']:.4f}, Granovetter {GRANOVETTER_CRITICAL})",
            "",
            f"{'sigma':>7}{'final share':>13}{'mean field':>12}",
        ]
        out += [
            f"{r['sigma']:>7.3f}{r['final_share']:>13.3f}{r['mean_field_share']:>12.3f}"
            for r in result["normal_rows"]
        ]
    else:
        p = result["params"]
        eq = result["equilibrium"]
        out = [
            f"Richardson (1960) arms race ({result['engine']} engine): a={p['a']} b={p['b']} "
            f"m={p['m']} n={p['n']} g={p['g']} h={p['h']}, x0={p['x0']} y0={p['y0']}, "
            f"{p['months']} months",
            f"stable (m*n > a*b): {_fmt(result['stable'])}; equilibrium: "
            + (f"x*={eq[0]:.4f} y*={eq[1]:.4f}" if eq else "none (unstable)"),
            f"final: x={result['x'][-1]:.4f} y={result['y'][-1]:.4f}; max |model - recurrence| "
            f"= {result['max_abs_error']:.3g}; recurrence below 0 from month "
            f"{_fmt(result['floor_month'])}",
        ]
    return "\n".join([*out, "", checks_table(result["checks"])])


def reproduced(result: dict[str, Any]) -> bool:
    """Whether every check of a case (or of all cases) passed."""
    if result["case"] == "all":
        return all(reproduced(result[c]) for c in ("watts", "granovetter", "richardson"))
    return all(c["ok"] for c in result["checks"])


# --------------------------------------------------------------------------- the command
#: Smaller sizes for ``--quick`` (CI); options given explicitly win over these.
QUICK = {
    "watts": {"n": 2000, "runs": 40, "zs": (1.0, 2.0, 4.0, 7.0)},
    "granovetter": {"crowd": 300},
    "richardson": {},
}


def parse_floats(text: str, option: str) -> tuple[float, ...]:
    """A comma list of non-negative numbers (``--z 1,2,4``)."""
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        raise UserError(option, "", f"expected a comma list of numbers, got {text!r}") from None
    if not values or any(not math.isfinite(v) or v < 0 for v in values):
        raise UserError(option, "", f"expected non-negative numbers, got {text!r}")
    return values


def check_range(option: str, value: float, lo: float, hi: float = math.inf) -> None:
    """A user error unless lo <= value <= hi."""
    if not (lo <= value <= hi):
        upper = "" if hi == math.inf else f" and {hi:g}"
        raise UserError(
            option,
            "",
            f"must be between {lo:g}{upper}, got {value:g}"
            if upper
            else f"must be at least {lo:g}, got {value:g}",
        )


#: The command-line options of each case (``escalation validate CASE --help``).
OPTIONS = {
    "watts": ("phi", "zs", "n", "runs", "global_share"),
    "granovetter": ("crowd",),
    "richardson": ("a", "b", "m", "n", "g", "h", "x0", "y0", "months"),
    "all": (),
}


def check_options(case: str, opts: dict[str, Any]) -> dict[str, Any]:
    """Check a case's options (user errors name the option); parse ``--z``."""
    opts = {k: v for k, v in opts.items() if v is not None}
    bounds = {
        "watts": {
            "phi": (1e-9, 1.0),
            "n": (2, 10_000_000),
            "runs": (1, 10**7),
            "global_share": (1e-9, 1.0),
        },
        "granovetter": {"crowd": (2, 5999)},
        "richardson": {
            "a": (0.0, math.inf),
            "b": (0.0, math.inf),
            "m": (0.0, 1.0),
            "n": (0.0, 1.0),
            "x0": (0.0, math.inf),
            "y0": (0.0, math.inf),
            "months": (1, 6000),
        },
    }.get(case, {})
    for key, (lo, hi) in bounds.items():
        if key in opts:
            check_range("--" + key.replace("_", "-"), opts[key], lo, hi)
    if "seed" in opts and opts["seed"] < 0:
        raise UserError("--seed", "", f"must be a non-negative integer, got {opts['seed']}")
    if isinstance(opts.get("zs"), str):
        opts["zs"] = parse_floats(opts["zs"], "--z")
    return opts


def run_case(case: str, *, quick: bool, progress: bool | None, **opts: Any) -> dict[str, Any]:
    """Run one case (or ``all``) with the options given (``None`` = default, or quick size)."""
    opts = check_options(case, opts)
    if case == "all":
        out: dict[str, Any] = {"case": "all"}
        for c in ("watts", "granovetter", "richardson"):
            common = {k: opts[k] for k in ("seed", "engine") if opts.get(k) is not None}
            out[c] = run_case(c, quick=quick, progress=progress, **common)
        out["reproduced"] = reproduced(out)
        return out
    kwargs = {**(QUICK[case] if quick else {}), **opts}
    func = {"watts": watts, "granovetter": granovetter, "richardson": richardson}[case]
    if case != "richardson":
        kwargs["progress"] = progress
    result = func(**kwargs)
    result["reproduced"] = reproduced(result)
    return result
