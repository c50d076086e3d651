"""Provenance of a results folder: package and dependency versions, git commit, times."""

from __future__ import annotations

import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

DISTRIBUTIONS = (
    "escalation-sim",
    "mesa",
    "numpy",
    "scipy",
    "pandas",
    "pyarrow",
    "networkx",
    "pydantic",
    "SALib",
    "scikit-learn",
    "tqdm",
    "dask",
    "distributed",
)


def now() -> str:
    """The current UTC time, ISO 8601 to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def versions() -> dict[str, str | None]:
    """Python, platform and the versions of the package and its dependencies (None: absent)."""
    out: dict[str, str | None] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    for name in DISTRIBUTIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_commit() -> dict[str, Any] | None:
    """The commit of the checkout the package runs from, if it is one (read-only git calls)."""
    root = Path(__file__).resolve().parent.parent.parent
    if not (root / ".git").exists():
        return None
    # GIT_OPTIONAL_LOCKS=0: `git status` must not refresh (write) the index of the checkout.
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            env=env,
            check=True,
        ).stdout.strip()

    try:
        commit = git("rev-parse", "HEAD")
        dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    except (OSError, subprocess.SubprocessError):
        return None
    return {"commit": commit, "dirty": dirty}
