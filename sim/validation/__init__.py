"""``escalation validate``: the classic models as exact special cases of the escalation model.

Each case writes an ordinary scenario (DESIGN §3, docs/ODD.md §7.12) with the other mechanisms
switched off, validates it like a scenario file and runs the ordinary model through the one
runner (:mod:`sim.runner`). The reference values it is compared with come from the papers and
from :mod:`sim.classic`:

- Watts (2002), PNAS 99:5766, Fig. 1a: phi = 0.18, N = 10^4 (``WATTS_REFERENCE``);
- Granovetter (1978), AJS 83:1420: the riot of 100 (and of 1), critical sigma ~0.122;
- Richardson (1960), *Arms and Insecurity*: the linear recurrence, exactly.

Each result is a JSON-ready dict in the shape of issue 3, plus ``checks``: one row per
comparison with the reference (``what``, ``value``, ``reference``, ``ok``).
"""

from sim.validation.cases import (
    GRANOVETTER_CRITICAL,
    GRANOVETTER_SIGMAS,
    RICHARDSON_DEFAULTS,
    RICHARDSON_TOLERANCE,
    WATTS_REFERENCE,
    WATTS_Z,
    granovetter,
    richardson,
    watts,
    watts_checks,
)
from sim.validation.report import (
    OPTIONS,
    QUICK,
    check_options,
    checks_table,
    reproduced,
    run_case,
    table,
)
from sim.validation.scenarios import (
    build,
    granovetter_scenario,
    richardson_scenario,
    watts_scenario,
)

__all__ = [
    "GRANOVETTER_CRITICAL",
    "GRANOVETTER_SIGMAS",
    "OPTIONS",
    "QUICK",
    "RICHARDSON_DEFAULTS",
    "RICHARDSON_TOLERANCE",
    "WATTS_REFERENCE",
    "WATTS_Z",
    "build",
    "check_options",
    "checks_table",
    "granovetter",
    "granovetter_scenario",
    "reproduced",
    "richardson",
    "richardson_scenario",
    "run_case",
    "table",
    "watts",
    "watts_checks",
    "watts_scenario",
]
