"""Mutations of scenario and experiment files, for the hypothesis fuzz tests.

Each strategy draws one *case*: a folder of input files (a scenario TOML, its CSV data, maybe an
experiment TOML) derived from a valid bundled file by one or a few mutations: a key removed,
renamed or added; a value of the wrong type, out of range, NaN or infinite; a CSV column dropped
or added; a row duplicated, a state unknown or bordering itself; the text truncated, emptied,
or written in another encoding. :func:`check` runs the command on it and asserts the contract:
exit 0, or exit 2 with one line ``escalation: FILE: KEY: message``, never a traceback, and no
output folder unless the run succeeded.
"""

from __future__ import annotations

import copy
import csv
import io
import math
import re
import shutil
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import strategies as st

from sim.scenario import bundled_dir

DATA = bundled_dir() / "data" / "europe"
BASE_SCENARIOS = ("europe-2022", "ring", "small-world")
#: One line, three fields: where, which key, what is wrong.
LINE = re.compile(r"^escalation: [^:\n]+(: [^\n]+)?: [^\n]+$")

WEIRD_VALUES = [
    math.nan,
    math.inf,
    -math.inf,
    -1,
    0,
    -1e308,
    1e308,
    2**63,
    -(2**63) - 1,
    1.5,
    "",
    "x",
    "NaN",
    "2022-13",
    "@nobody",
    "ZZZ",
    True,
    False,
    [],
    [1, "a"],
    ["ZZZ"],
    {},
    {"x": 1},
]


def weird() -> st.SearchStrategy[Any]:
    """One of :data:`WEIRD_VALUES`, copied: a shared list or table could be nested in itself."""
    return st.sampled_from(WEIRD_VALUES).map(copy.deepcopy)


@dataclass
class Case:
    """A mutated input set, written by :meth:`write` into a folder."""

    scenario: dict[str, Any] | None  # parsed TOML to serialise, or None with ``text``
    text: bytes | None = None  # raw file content (broken TOML, other encodings)
    csvs: dict[str, str | bytes] = field(default_factory=dict)  # file name -> content
    label: str = ""

    def write(self, folder: Path) -> Path:
        """Write the files; return the scenario path."""
        data = folder / "data" / "europe"
        data.mkdir(parents=True, exist_ok=True)
        for f in DATA.iterdir():
            if f.is_file() and not (data / f.name).exists():
                shutil.copy(f, data / f.name)
        for name, content in self.csvs.items():
            raw = content if isinstance(content, bytes) else content.encode("utf-8")
            (data / name).write_bytes(raw)
        path = folder / "case.toml"
        if self.text is not None:
            path.write_bytes(self.text)
        else:
            path.write_text(tomli_w.dumps(self.scenario), encoding="utf-8")
        return path


def base(name: str) -> dict[str, Any]:
    """A bundled scenario, parsed."""
    return tomllib.loads((bundled_dir() / f"{name}.toml").read_text(encoding="utf-8"))


def paths(obj: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path (tuples of keys and list indices) of a parsed TOML document."""
    out = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            out.append((*prefix, k))
            out += paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            out.append((*prefix, i))
            out += paths(v, (*prefix, i))
    return out


def _parent(doc: Any, path: tuple) -> tuple[Any, Any]:
    for k in path[:-1]:
        doc = doc[k]
    return doc, path[-1]


def _tomlable(value: Any) -> bool:
    try:
        tomli_w.dumps({"v": value})
    except (TypeError, ValueError):
        return False
    return True


def mutate(
    draw: st.DrawFn,
    doc: dict[str, Any],
    added: list[str],
    values: st.SearchStrategy[Any],
    small: set[str] = frozenset(),
) -> tuple[dict[str, Any], list[str]] | None:
    """One to three mutations of a parsed TOML ``doc`` in place; None if it can't be written.

    ``added`` are names for new keys, ``values`` the replacement values; keys in ``small`` never
    get a value above 5 (they size the work: a valid but huge sweep is not what is fuzzed).
    """
    labels = []
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(doc)))
        parent, key = _parent(doc, path)
        op = draw(st.sampled_from(["delete", "rename", "value", "value", "add", "wrap"]))
        if op == "delete":
            del parent[key]
        elif op == "rename" and isinstance(key, str):
            parent[key + draw(st.sampled_from(["_", "s", "X"]))] = parent.pop(key)
        elif op == "add" and isinstance(parent, dict):
            parent[draw(st.sampled_from(added))] = draw(weird())
        elif op == "wrap":
            parent[key] = [parent[key]]
        else:
            value = draw(values)
            big = isinstance(value, int | float) and not isinstance(value, bool) and value > 5
            parent[key] = -1 if key in small and big else value
        labels.append(f"{op} {'.'.join(map(str, path))}")
        if not _tomlable(doc):  # e.g. a list of mixed tables
            return None
    return doc, labels


@st.composite
def scenario_mutation(draw: st.DrawFn) -> Case:
    """One to three structural or value mutations of a bundled scenario."""
    values = st.one_of(
        weird(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.integers(-(10**6), 10**6),
        st.text(max_size=8),
    )
    doc = base(draw(st.sampled_from(BASE_SCENARIOS)))
    done = mutate(draw, doc, ["extra", "seed2", "threshold", "file"], values)
    if done is None:
        return Case(base("ring"), label="untomlable")
    return Case(done[0], label="; ".join(done[1]))


def _csv_rows(name: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO((DATA / name).read_text(encoding="utf-8"))))
    return rows[0], rows[1:]


def _csv_text(header: list[str], rows: list[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


@st.composite
def csv_mutation(draw: st.DrawFn) -> Case:
    """The Europe scenario with its states or borders CSV mutated."""
    name = draw(st.sampled_from(["countries.csv", "borders.csv"]))
    header, rows = _csv_rows(name)
    op = draw(
        st.sampled_from(
            [
                "drop_column",
                "extra_column",
                "duplicate_row",
                "unknown_state",
                "self_border",
                "bad_number",
                "empty",
                "header_only",
                "short_row",
                "blank_code",
                "latin1",
                "unclosed_quote",
                "nul",
            ]
        )
    )
    r = draw(st.integers(0, len(rows) - 1))
    c = draw(st.integers(0, len(header) - 1))
    if op == "drop_column":
        header = header[:c] + header[c + 1 :]
        rows = [row[:c] + row[c + 1 :] for row in rows]
    elif op == "extra_column":
        header = [*header, "extra"]
        rows = [[*row, "1"] for row in rows]
    elif op == "duplicate_row":
        rows = [*rows, rows[r]]
    elif op == "unknown_state":
        rows[r] = (
            ["ZZZ", *rows[r][1:]] if name == "countries.csv" else [rows[r][0], "ZZZ", *rows[r][2:]]
        )
    elif op == "self_border" and name == "borders.csv":
        rows = [*rows, [rows[r][0], rows[r][0], *rows[r][2:]]]
    elif op == "bad_number":
        rows[r][c] = draw(st.sampled_from(["nan", "inf", "-inf", "-5", "abc", "1e400", ""]))
    elif op == "empty":
        return Case(base("europe-2022"), csvs={name: ""}, label=f"{name}: empty")
    elif op == "header_only":
        rows = []
    elif op == "short_row":
        rows[r] = rows[r][: max(1, c)]
    elif op == "blank_code":
        rows[r][0] = ""
    elif op in ("latin1", "unclosed_quote", "nul"):
        rows[r][-1] = {"latin1": "Curaçao", "unclosed_quote": '"open', "nul": "a\x00b"}[op]
        text = _csv_text(header, rows)
        if op == "unclosed_quote":
            text = text.replace('"""open"', '"open')
        raw = text.encode("latin-1", errors="replace") if op == "latin1" else text.encode()
        return Case(base("europe-2022"), csvs={name: raw}, label=f"{name}: {op}")
    return Case(base("europe-2022"), csvs={name: _csv_text(header, rows)}, label=f"{name}: {op}")


@st.composite
def text_mutation(draw: st.DrawFn) -> Case:
    """A scenario file's bytes broken: truncated, emptied, garbled or in another encoding."""
    text = (bundled_dir() / f"{draw(st.sampled_from(BASE_SCENARIOS))}.toml").read_text("utf-8")
    op = draw(st.sampled_from(["truncate", "empty", "garble", "utf16", "latin1", "bom", "nul"]))
    if op == "truncate":
        raw = text[: draw(st.integers(0, len(text)))].encode()
    elif op == "empty":
        raw = b""
    elif op == "garble":
        i = draw(st.integers(0, len(text)))
        junk = draw(st.sampled_from(['"', "[", "]]", "=", "\\", "\n[x\n", "= =", "\x00", "é"]))
        raw = (text[:i] + junk + text[i:]).encode()
    elif op == "utf16":
        raw = text.encode("utf-16")
    elif op == "latin1":
        raw = ("# café à l'Élysée\n" + text.replace("Synthetic", "Synthétique")).encode("latin-1")
    elif op == "bom":
        raw = b"\xef\xbb\xbf" + text.encode()
    else:
        raw = text.encode() + b"\x00\xff"
    return Case(None, text=raw, label=f"text: {op}")


def any_case() -> st.SearchStrategy[Case]:
    """Any kind of mutated scenario input."""
    return st.one_of(scenario_mutation(), csv_mutation(), text_mutation())


def check(result: Any, out: Path, label: str) -> None:
    """The bad-input contract for one command result."""
    where = f"[{label}] exit {result.code}\n{result.err[-2000:]}"
    assert "Traceback" not in result.err, where
    assert result.code in (0, 2), where
    if result.code == 2:
        lines = result.err.strip().splitlines()
        assert len(lines) == 1 and LINE.match(lines[0]), where
        assert not out.exists(), f"{where}\npartial output left in {out}"
    else:
        assert out.is_dir(), where


#: A tiny experiment (8 runs of 3 months on the ring): cheap enough to run per fuzz case.
BASE_EXPERIMENT = """
name = "fuzz"
description = "fuzz base"
scenario = "ring"
months = 3
replicates = 2
seed = 5

[design]
kind = "grid"

[levers."decision.w_peer"]
values = [0.3, 0.9]

[uncertainties.notice]
keys = ["treaties.ban.notice_months"]
values = [0, 6]

[constants]
"network.n" = 20

[outcomes]
fields = ["treaties.*.notified", "tension.max"]

[[outcomes.derived]]
name = "cascade"
kind = "cascade"
treaty = "ban"
min_states = 3
within = 3

[outcomes.series]
columns = ["ban_notice"]
every = 1

[quick]
replicates = 1
"""

#: Keys whose large values mean long (valid) sweeps: mutated only to small or invalid values.
SIZE_KEYS = {"replicates", "samples", "steps", "months", "network.n", "batch_size", "n"}


@st.composite
def experiment_mutation(draw: st.DrawFn) -> Case:
    """One to three mutations of :data:`BASE_EXPERIMENT` (or its text broken)."""
    if draw(st.integers(0, 9)) == 0:
        text = BASE_EXPERIMENT
        i = draw(st.integers(0, len(text)))
        junk = draw(st.sampled_from(["", '"', "[", "= =", "\x00", "[[x]]\n"]))
        return Case(None, text=(text[:i] + junk).encode(), label="experiment text")
    values = st.one_of(
        weird(),
        st.sampled_from(["lhs", "sobol", "morris", "zip", "ring", "europe-2022"]),
        st.integers(-5, 5),
        st.floats(allow_nan=True, allow_infinity=True, width=32),
    )
    doc = tomllib.loads(BASE_EXPERIMENT)
    done = mutate(draw, doc, ["extra", "kind", "values", "low"], values, SIZE_KEYS)
    if done is None:
        return Case(tomllib.loads(BASE_EXPERIMENT), label="untomlable")
    return Case(done[0], label="experiment: " + "; ".join(done[1]))
