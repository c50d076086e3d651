"""Safety: input files are data, results are read without unpickling, data paths are local.

Scenario and experiment files are TOML (tomllib) and CSV; results are Parquet, JSON and CSV. No
code path may evaluate, execute or unpickle what it reads.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

from sim.scenario import bundled_dir

SIM = Path(__file__).resolve().parent.parent / "sim"
FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__"}
FORBIDDEN_MODULES = {"pickle", "cPickle", "dill", "cloudpickle", "marshal", "shelve", "yaml"}
FORBIDDEN_ATTRS = {"read_pickle", "to_pickle"}


def sources() -> list[Path]:
    return sorted(p for p in SIM.rglob("*.py") if "_bundled" not in p.parts)


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(SIM)))
def test_no_eval_exec_or_unpickling(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        where = f"{path}:{getattr(node, 'lineno', '?')}"
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            assert node.func.id not in FORBIDDEN_CALLS, f"{where}: {node.func.id}()"
        if isinstance(node, ast.Import):
            for alias in node.names:
                assert alias.name.split(".")[0] not in FORBIDDEN_MODULES, f"{where}: {alias.name}"
        if isinstance(node, ast.ImportFrom) and node.module:
            assert node.module.split(".")[0] not in FORBIDDEN_MODULES, f"{where}: {node.module}"
        if isinstance(node, ast.Attribute):
            assert node.attr not in FORBIDDEN_ATTRS, f"{where}: .{node.attr}"
        if isinstance(node, ast.keyword) and node.arg == "allow_pickle":
            assert isinstance(node.value, ast.Constant) and node.value.value is False, where


def _copy_scenario(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    shutil.copytree(bundled_dir() / "data" / "europe", folder / "data" / "europe")
    path = folder / "mine.toml"
    path.write_text((bundled_dir() / "europe-2022.toml").read_text("utf-8"), encoding="utf-8")
    return path


def test_data_paths_resolve_beside_the_scenario_not_the_working_directory(tmp_path, run_script):
    mine = _copy_scenario(tmp_path / "project")
    # A decoy in the working directory: must never be read.
    decoy = tmp_path / "elsewhere" / "data" / "europe"
    decoy.mkdir(parents=True)
    (decoy / "countries.csv").write_text("not,a,states,file\n", encoding="utf-8")
    (decoy / "borders.csv").write_text("", encoding="utf-8")
    ok = run_script("run", mine, "--months", "1", "--quiet", cwd=tmp_path / "elsewhere")
    assert ok.code == 0, ok.err
    # A broken file beside the scenario is the one reported, by its full path.
    (mine.parent / "data" / "europe" / "borders.csv").write_text("iso3_a,iso3_b\n", "utf-8")
    bad = run_script("run", mine, "--months", "1", "--quiet", cwd=tmp_path / "elsewhere")
    assert bad.code == 2
    assert str(mine.parent / "data" / "europe" / "borders.csv") in bad.err
