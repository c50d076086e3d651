"""Plots. They read a run's (or a sweep's) saved results; they never re-run the model."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> None:
    """Lay out and write a figure (creating the folder).

    ``fig`` is a plain :class:`~matplotlib.figure.Figure` (not made by pyplot), so there is
    nothing to close: it is freed with its last reference.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)


def results_and_out(argv: Sequence[str] | None, usage: str) -> tuple[Path, Path] | None:
    """Parse ``RESULTS_DIR [OUT_DIR]`` for a figure script; None (usage printed) if malformed."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not 1 <= len(args) <= 2:
        print(usage, file=sys.stderr)
        return None
    src = Path(args[0])
    return src, Path(args[1]) if len(args) > 1 else src
