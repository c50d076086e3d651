"""Writing result folders all or nothing: a fresh scratch folder beside the target, then moved.

Used by ``escalation run --out`` (:mod:`sim.output`) and ``escalation plot`` (:mod:`sim.plots`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from sim.errors import UserError


def scratch_dir(out: Path) -> Path:
    """A fresh hidden folder beside ``out`` (same file system, so renames are atomic).

    Raises:
        UserError: ``out`` is a file, or its parent cannot be written.

    """
    if out.exists() and not out.is_dir():
        raise UserError(str(out), "--out", "exists and is not a directory")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    except OSError as exc:
        raise UserError(str(out), "--out", f"cannot write: {exc.strerror}") from None


def atomic_dir(out: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a fresh directory, then move its files into ``out``.

    If ``write`` fails nothing is left behind; an existing ``out`` keeps its other files.
    """
    out = Path(out)
    tmp = scratch_dir(out)
    try:
        write(tmp)
        if not out.exists():
            tmp.rename(out)
            return
        for f in sorted(tmp.iterdir()):
            os.replace(f, out / f.name)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
