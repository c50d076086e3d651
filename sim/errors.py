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
