"""Fuzzing the inputs: every mutated scenario, CSV or experiment file ends in exit 0 or exit 2.

Exit 2 comes with exactly one line ``escalation: FILE: KEY: message`` on stderr, no traceback
and no output folder. CI runs a quick, derandomised subset; set ``ESCALATION_FUZZ_EXAMPLES``
for a long run (``docs/robustness.md``: 1,500 cases per test).
"""

from __future__ import annotations

import itertools
import os
import shutil

import fuzz
import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

EXAMPLES = int(os.environ.get("ESCALATION_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXAMPLES or 40,
    deadline=None,
    derandomize=not EXAMPLES,  # CI: the same cases every time
    database=None,
    suppress_health_check=list(HealthCheck),
)
_counter = itertools.count()


@pytest.fixture(scope="module")
def root(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


@FUZZ
@given(case=fuzz.any_case())
def test_mutated_scenarios_give_exit_0_or_one_line(root, run_cli, case):
    folder = root / f"s{next(_counter)}"
    path = case.write(folder)
    out = folder / "out"
    result = run_cli("run", path, "--months", "2", "--quiet", "--out", out)
    fuzz.check(result, out, case.label)
    shutil.rmtree(folder)


@FUZZ
@given(case=fuzz.experiment_mutation())
def test_mutated_experiments_give_exit_0_or_one_line(root, run_cli, case):
    folder = root / f"e{next(_counter)}"
    folder.mkdir()
    path = folder / "exp.toml"
    if case.text is not None:
        path.write_bytes(case.text)
    else:
        path.write_text(tomli_w.dumps(case.scenario), encoding="utf-8")
    out = folder / "out"
    result = run_cli("sweep", path, "--workers", "0", "--out", out)
    fuzz.check(result, out, case.label)
    shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("op", "message"),
    [
        ("self_border", "cannot border itself"),
        ("duplicate_row", "listed twice"),
        ("unknown_state", "unknown state 'ZZZ'"),
        ("latin1", "not UTF-8"),
        ("nul", "NUL"),
        ("short_row", "fields, the header has"),
    ],
)
def test_broken_borders_file_is_named(root, run_cli, op, message):
    """Each class of broken data gets its own message, naming the CSV file."""
    header, rows = fuzz._csv_rows("borders.csv")
    if op == "self_border":
        rows.append([rows[0][0], rows[0][0], *rows[0][2:]])
    elif op == "duplicate_row":
        rows.append(rows[3])
    elif op == "unknown_state":
        rows[5][1] = "ZZZ"
    elif op == "short_row":
        rows[2] = rows[2][:2]
    text = fuzz._csv_text(header, rows)
    if op == "latin1":
        raw = text.replace("CIA", "Curaçao", 1).encode("latin-1")
    elif op == "nul":
        raw = text.encode() + b"\x00"
    else:
        raw = text.encode()
    folder = root / f"b-{op}"
    path = fuzz.Case(fuzz.base("europe-2022"), csvs={"borders.csv": raw}).write(folder)
    result = run_cli("run", path, "--months", "1", "--quiet", "--out", folder / "out")
    assert result.code == 2, result.err
    assert "borders.csv" in result.err and message in result.err, result.err
    assert len(result.err_lines) == 1 and not (folder / "out").exists()


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("military_expenditure_pct_gdp_2024", "nan", "finite number >= 0"),
        ("military_expenditure_pct_gdp_2024", "-1", "finite number >= 0"),
        ("gdp_usd_billions_2024", "lots", "not a number"),
        ("lat", "91", "in [-90, 90]"),
        ("iso3", "", "empty state code"),
    ],
)
def test_bad_figures_in_the_states_file_are_named(root, run_cli, column, value, message):
    header, rows = fuzz._csv_rows("countries.csv")
    rows[4][header.index(column)] = value
    folder = root / f"c-{column}-{value}"
    text = fuzz._csv_text(header, rows)
    path = fuzz.Case(fuzz.base("europe-2022"), csvs={"countries.csv": text}).write(folder)
    result = run_cli("run", path, "--months", "1", "--quiet", "--out", folder / "out")
    assert result.code == 2, result.err
    assert "countries.csv" in result.err and message in result.err, result.err
    assert len(result.err_lines) == 1


@settings(max_examples=25, deadline=None, derandomize=True, database=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_as_scenario(tmp_path_factory, run_cli, raw):
    folder = tmp_path_factory.mktemp("bytes")
    path = folder / "x.toml"
    path.write_bytes(raw)
    result = run_cli("run", path, "--months", "1", "--quiet", "--out", folder / "out")
    fuzz.check(result, folder / "out", "bytes")


def test_a_quoted_line_break_in_the_data_is_one_field(root, run_cli):
    header, rows = fuzz._csv_rows("countries.csv")
    rows[3][header.index("notes")] = "first line\nsecond line"
    folder = root / "multiline"
    text = fuzz._csv_text(header, rows)
    path = fuzz.Case(fuzz.base("europe-2022"), csvs={"countries.csv": text}).write(folder)
    result = run_cli("run", path, "--months", "1", "--quiet", "--out", folder / "out")
    assert result.code == 0, result.err
