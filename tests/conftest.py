"""Shared test helpers: run the ``escalation`` command in-process or as the real console script."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class Result:
    """What a command did: exit code, stdout and stderr."""

    code: int
    out: str
    err: str

    @property
    def err_lines(self) -> list[str]:
        return self.err.splitlines()


def cli(*argv: str | os.PathLike[str]) -> Result:
    """Run ``escalation ARGV`` in-process (``sim.cli.main``), capturing stdout and stderr.

    Works at any fixture scope (no capsys). argparse's ``SystemExit`` becomes the exit code; an
    exception escaping ``main`` becomes exit code 1 with its traceback on stderr, as it would
    from the console script.
    """
    from sim.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main([str(a) for a in argv])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        except Exception:  # noqa: BLE001 - report it like the interpreter would
            traceback.print_exc()
            code = 1
    return Result(int(code or 0), out.getvalue(), err.getvalue())


@pytest.fixture(scope="session")
def run_cli():
    """``run_cli("run", "--quiet")`` -> :class:`Result` (in-process)."""
    return cli


def _console_script() -> str:
    beside = Path(sys.executable).parent / "escalation"
    if beside.is_file():
        return str(beside)
    found = shutil.which("escalation")
    if found is None:
        pytest.skip("the escalation console script is not installed")
    return found


@pytest.fixture
def run_script(tmp_path):
    """Run the real ``escalation`` console script in a subprocess (cwd: tmp_path)."""

    def run(*argv: str | os.PathLike[str], cwd: Path | None = None) -> Result:
        proc = subprocess.run(
            [_console_script(), *map(str, argv)],
            capture_output=True,
            text=True,
            cwd=cwd or tmp_path,
            timeout=120,
            env={**os.environ, "PYTHONHASHSEED": "random"},
        )
        return Result(proc.returncode, proc.stdout, proc.stderr)

    return run
