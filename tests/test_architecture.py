"""The package's architecture (DESIGN §4): layers that only point down, no import circles.

The contracts live in pyproject.toml (``[tool.importlinter]``); ``lint-imports`` checks them,
in CI and here, so that the README's test command catches an upward import too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_are_kept():
    exe = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[test]'")
    result = subprocess.run([exe, "--no-cache"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "2 kept, 0 broken" in result.stdout


def test_rules_import_nothing_above_them():
    """A rule module is pure: numpy, the element-wise twins and the neighbour sum below it."""
    for name in ("threat", "arms", "decisions", "treaties", "conflict"):
        text = (ROOT / "sim" / f"{name}.py").read_text(encoding="utf-8")
        imports = [ln for ln in text.splitlines() if ln.startswith(("import ", "from "))]
        sim_imports = [ln for ln in imports if ln.startswith(("from sim", "import sim"))]
        allowed = ("from sim.network import segment_sum", "from sim import ops")
        assert all(ln in allowed for ln in sim_imports), (name, sim_imports)
