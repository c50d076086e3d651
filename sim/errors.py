"""User-facing errors: one line, naming the file and the key, exit code 2."""

from __future__ import annotations


class UserError(Exception):
    """A mistake in the user's input (scenario, experiment, command line).

    The CLI prints ``str(error)`` as a single line on stderr and exits with code 2.
    """

    exit_code = 2

    def __init__(self, source: str, key: str, message: str) -> None:
        self.source = source
        self.key = key
        self.message = " ".join(str(message).split())  # always one line
        super().__init__(f"{source}: {key}: {self.message}" if key else f"{source}: {self.message}")


class NumericError(ArithmeticError):
    """A state variable became non-finite (NaN or infinite): the run cannot go on.

    It names the state, the month and the variable. The usual cause is an unstable Richardson
    arms race (reactivity x the rival's capacity above fatigue) run for long enough to overflow.
    The CLI prints one line and exits with code 1; a sweep records it as the run's error.
    """

    exit_code = 1

    def __init__(self, source: str, state: str, month: int, date: str, variable: str, value: float):
        self.source, self.state, self.month, self.variable = source, state, month, variable
        hint = (
            " (an unstable arms race overflowed: lower reactivity or raise fatigue, or run fewer"
            " months)"
            if variable in ("arms", "stimulus")
            else ""
        )
        super().__init__(
            f"{source}: {state}.{variable}: became {value} in month {month} ({date}){hint}"
        )


class RunError(UserError):
    """The environment failed the command (a cluster that will not start, a full disk).

    Printed like a :class:`UserError`, as one line naming where, but with exit code 1: the
    input was fine, and the same command may succeed later (``--resume`` keeps finished work).
    """

    exit_code = 1
