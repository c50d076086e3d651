"""Plots. They read a run's (or a sweep's) saved results; they never re-run the model."""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure


def save_figure(fig: Figure, path: Path, dpi: int = 120) -> None:
    """Lay out, write (creating the folder) and close a figure."""
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
