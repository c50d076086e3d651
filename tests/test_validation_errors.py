"""User errors: one line ``file: key: message`` on stderr, exit code 2, no traceback, no output.

Every bad scenario is written to tmp_path; most extend the bundled europe-2022. Note that a child
scenario's list (``events``, ``hostility``) replaces the parent's, so the first item is index 0.
"""

from __future__ import annotations

from pathlib import Path

import pytest

PREFIX = "escalation: "


def expect_error(
    result,
    out: Path,
    source: str | Path,
    key: str | None,
    *fragments: str,
) -> str:
    """Assert the contract of a user error and return its message.

    ``source`` is a file (matched by name, since the message may give it relative or absolute)
    or a literal like ``--set``; ``key`` None means the error has no key (e.g. a missing file).
    """
    assert result.code == 2, f"exit {result.code}, stderr: {result.err}"
    assert "Traceback" not in result.err, result.err
    lines = result.err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {len(lines)}: {result.err!r}"
    assert result.out == "", f"nothing on stdout on error, got {result.out!r}"
    assert not out.exists(), "the output directory was created despite the error"
    line = lines[0]
    assert line.startswith(PREFIX), line
    body = line[len(PREFIX) :]
    if key is None:
        src, _, message = body.partition(": ")
    else:
        parts = body.split(": ", 2)
        assert len(parts) == 3, f"not 'source: key: message': {body!r}"
        src, got_key, message = parts
        assert got_key == key, f"key {got_key!r}, expected {key!r} in {body!r}"
    if isinstance(source, Path):
        assert Path(src).name == source.name, f"source {src!r} does not name {source.name}"
    else:
        assert src == source, f"source {src!r}, expected {source!r}"
    assert message.strip(), body
    for fragment in fragments:
        assert fragment.lower() in message.lower(), f"{fragment!r} not in {message!r}"
    return message


@pytest.fixture
def bad(tmp_path):
    """bad(text, name) writes a scenario to tmp_path and returns its path."""

    def write(text: str, name: str = "bad.toml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture
def run_bad(run_cli, tmp_path):
    """run_bad(*args) runs ``escalation run ARGS --quiet --out OUT``; returns (result, OUT)."""

    def run(*args):
        out = tmp_path / "out"
        return run_cli("run", *args, "--quiet", "--out", out), out

    return run


BASE = 'extends = "europe-2022"\n'


# --------------------------------------------------------------------------- the file itself
def test_malformed_toml(bad, run_bad):
    path = bad('name = "unterminated\n')
    r, out = run_bad(path)
    expect_error(r, out, path, None, "malformed TOML", "line 1")


def test_malformed_toml_duplicate_key(bad, run_bad):
    path = bad(BASE + "months = 12\nmonths = 13\n")
    r, out = run_bad(path)
    expect_error(r, out, path, None, "malformed TOML", "line 3")


def test_file_that_is_not_utf8(tmp_path, run_bad):
    path = tmp_path / "latin1.toml"
    path.write_bytes(BASE.encode() + b'description = "caf\xe9"\n')
    r, out = run_bad(path)
    expect_error(r, out, path, None)


def test_missing_scenario_file(tmp_path, run_bad):
    path = tmp_path / "nowhere.toml"
    r, out = run_bad(path)
    expect_error(r, out, path, None, "not found")


def test_unknown_scenario_name(run_bad):
    r, out = run_bad("europe-2099")
    message = expect_error(r, out, "europe-2099", None, "no such scenario")
    assert "europe-2022" in message  # the bundled names are offered


# --------------------------------------------------------------------------- schema
@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ("bogus = 1\n", "bogus", "unknown key"),
        ("[threat]\nscal = 1\n", "threat.scal", "unknown key"),
        ("[treaties.ottawa]\nbogus = true\n", "treaties.ottawa.bogus", "unknown key"),
        ("[states.overrides.FRA]\nnrom = 0.3\n", "states.overrides.FRA.nrom", "unknown key"),
        (
            '[[events]]\nkind = "credibility"\nmonth = "2023-01"\nalliance = "nato"\n'
            "value = 0.2\nstrenght = 1\n",
            "events.0.strenght",
            "unknown key",
        ),
    ],
    ids=["top-level", "nested", "treaty", "state-override", "event"],
)
def test_unknown_key(bad, run_bad, text, key, fragment):
    path = bad(BASE + text)
    r, out = run_bad(path)
    expect_error(r, out, path, key, fragment)


@pytest.mark.parametrize(
    ("text", "key", "fragments"),
    [
        ("[decision]\nnoise = -1\n", "decision.noise", ("greater than or equal to 0", "-1")),
        ("[threat]\nmemory = 2\n", "threat.memory", ("less than or equal to 1", "2")),
        ("months = 0\n", "months", ("greater than or equal to 1",)),
        ("[treaties.ottawa]\nnotice_months = 999\n", "treaties.ottawa.notice_months", ("240",)),
        ("[alliances.nato]\ncredibility = 1.5\n", "alliances.nato.credibility", ("1",)),
        (
            "[alliances.nato.recommendation]\ncmc = 2\n",
            "alliances.nato.recommendation.cmc",
            ("less than or equal to 1",),
        ),
        ('start = "2022-13"\n', "start", ("pattern",)),
        ('[network]\nkind = "torus"\n', "network.kind", ("borders",)),
    ],
    ids=[
        "noise",
        "memory",
        "months",
        "notice",
        "credibility",
        "recommendation",
        "start",
        "network-kind",
    ],
)
def test_value_out_of_range(bad, run_bad, text, key, fragments):
    path = bad(BASE + text)
    r, out = run_bad(path)
    expect_error(r, out, path, key, *fragments)


@pytest.mark.parametrize(
    ("text", "key", "fragment"),
    [
        ('months = "lots"\n', "months", "integer"),
        ('[threat]\nscale = "big"\n', "threat.scale", "number"),
        ("treaties = 5\n", "treaties", "dictionary"),
        ('[treaties.ottawa]\nparties = "FRA"\n', "treaties.ottawa.parties", "list"),
        ("[decision]\nreaccession = 3\n", "decision.reaccession", "boolean"),
        # Strict types: TOML is typed, so a quoted number or a "yes" is a mistake, not a value.
        ('months = "3"\n', "months", "integer"),
        ('[decision]\nreaccession = "yes"\n', "decision.reaccession", "boolean"),
        ('[threat]\nmemory = "0.5"\n', "threat.memory", "number"),
    ],
    ids=["int", "float", "table", "list", "bool", "quoted-int", "yes-bool", "quoted-float"],
)
def test_wrong_type(bad, run_bad, text, key, fragment):
    path = bad(BASE + text)
    r, out = run_bad(path)
    expect_error(r, out, path, key, fragment)


def test_missing_required_key(bad, run_bad):
    path = bad(BASE + '[treaties.npt]\nname = "NPT"\nsalience = 0.5\nparties = ["FRA"]\n')
    r, out = run_bad(path)
    expect_error(r, out, path, "treaties.npt.military_value", "required", "missing")


def test_missing_required_top_level_key(bad, run_bad):
    path = bad(
        'description = "no name"\n[network]\nkind = "ring"\nn = 10\n'
        '[treaties.t]\nname = "T"\nmilitary_value = 0.5\nsalience = 0.5\nparties = ["*"]\n'
    )
    r, out = run_bad(path)
    expect_error(r, out, path, "name", "required", "missing")


def test_unknown_event_kind(bad, run_bad):
    path = bad(BASE + '[[events]]\nkind = "explode"\nmonth = "2023-01"\n')
    r, out = run_bad(path)
    expect_error(r, out, path, "events.0", "explode")


def test_event_month_not_a_month(bad, run_bad):
    path = bad(
        BASE + '[[events]]\nkind = "credibility"\nmonth = "2023-13"\nalliance = "nato"\n'
        "value = 0.2\n"
    )
    r, out = run_bad(path)
    expect_error(r, out, path, "events.0.month", "2023-13")


def test_event_month_before_the_start(bad, run_bad):
    path = bad(
        BASE + '[[events]]\nkind = "credibility"\nmonth = "2021-06"\nalliance = "nato"\n'
        "value = 0.2\n"
    )
    r, out = run_bad(path)
    message = expect_error(r, out, path, "events.0.month", "before", "2022-02")
    assert not message.lower().startswith("value error"), "pydantic's prefix leaks into the message"


def test_intervention_month_before_the_start(bad, run_bad):
    path = bad(BASE + '[[interventions]]\nkind = "advocacy"\nmonth = -1\nstates = ["FRA"]\n')
    r, out = run_bad(path)
    expect_error(r, out, path, "interventions.0.month", "before")


# --------------------------------------------------------------------------- references
@pytest.mark.parametrize(
    ("text", "key"),
    [
        ('[treaties.ottawa]\nparties = ["FRA", "XXX"]\n', "treaties.ottawa.parties.1"),
        ('[alliances.nato]\nmembers = ["FRA", "XXX"]\n', "alliances.nato.members.1"),
        ('[[hostility]]\nsource = ["XXX"]\ntarget = ["RUS"]\n', "hostility.0.source.0"),
        ('[[hostility]]\nsource = ["POL"]\ntarget = ["RUS", "XXX"]\n', "hostility.0.target.1"),
        (
            '[[events]]\nkind = "war_start"\nmonth = "2023-01"\nstates = ["RUS", "XXX"]\n',
            "events.0.states.1",
        ),
        (
            '[[events]]\nkind = "mediation"\nmonth = "2023-01"\nstates = ["RUS"]\n'
            'counterparts = ["XXX"]\n',
            "events.0.counterparts.0",
        ),
        (
            '[[events]]\nkind = "join_alliance"\nmonth = "2023-01"\nstate = "XXX"\n'
            'alliance = "nato"\n',
            "events.0.state",
        ),
        ("[states.overrides.XXX]\nnorm = 0.2\n", "states.overrides.XXX"),
        ('[states]\ninclude = ["FRA", "XXX"]\n', "states.include.1"),
    ],
    ids=[
        "treaty-parties",
        "alliance-members",
        "hostility-source",
        "hostility-target",
        "event-states",
        "event-counterparts",
        "event-state",
        "state-override",
        "states-include",
    ],
)
def test_unknown_state_code(bad, run_bad, text, key):
    path = bad(BASE + text)
    r, out = run_bad(path)
    expect_error(r, out, path, key, "unknown state", "XXX")


@pytest.mark.parametrize(
    ("text", "key", "fragments"),
    [
        (
            '[[events]]\nkind = "credibility"\nmonth = "2023-01"\nalliance = "warsaw"\n'
            "value = 0.2\n",
            "events.0.alliance",
            ("unknown alliance", "warsaw"),
        ),
        (
            '[[events]]\nkind = "join_alliance"\nmonth = "2023-01"\nstate = "FIN"\n'
            'alliance = "warsaw"\n',
            "events.0.alliance",
            ("unknown alliance", "warsaw"),
        ),
        (
            '[[events]]\nkind = "notice"\nmonth = "2023-01"\ntreaty = "npt"\nstates = ["FRA"]\n',
            "events.0.treaty",
            ("unknown treaty", "npt"),
        ),
        (
            '[[events]]\nkind = "treaty_rule"\nmonth = "2023-01"\ntreaty = "npt"\n'
            "notice_months = 3\n",
            "events.0.treaty",
            ("unknown treaty", "npt"),
        ),
        (
            '[[interventions]]\nkind = "recommendation"\nmonth = "2023-01"\nalliance = "nato"\n'
            'treaty = "npt"\n',
            "interventions.0.treaty",
            ("unknown treaty", "npt"),
        ),
        (
            "[alliances.nato.recommendation]\nnpt = 1.0\n",
            "alliances.nato.recommendation.npt",
            ("unknown treaty",),
        ),
    ],
    ids=[
        "credibility-alliance",
        "join-alliance",
        "notice-treaty",
        "rule-treaty",
        "recommendation-treaty",
        "alliance-recommendation",
    ],
)
def test_dangling_reference(bad, run_bad, text, key, fragments):
    path = bad(BASE + text)
    r, out = run_bad(path)
    expect_error(r, out, path, key, *fragments)


def test_unknown_state_in_a_synthetic_scenario(bad, run_bad):
    path = bad('extends = "ring"\n[[hostility]]\nsource = ["S05"]\ntarget = ["S100"]\n')
    r, out = run_bad(path)
    expect_error(r, out, path, "hostility.0.target.0", "unknown state", "S100")


def test_missing_data_file(bad, run_bad):
    path = bad(BASE + '[states]\nfile = "no/such/countries.csv"\n')
    r, out = run_bad(path)
    expect_error(r, out, path, "states.file", "not found", "no/such/countries.csv")


# --------------------------------------------------------------------------- extends
def test_circular_extends(bad, run_bad):
    a = bad('extends = "b.toml"\nname = "a"\n', "a.toml")
    b = bad('extends = "a.toml"\nname = "b"\n', "b.toml")
    r, out = run_bad(a)
    assert r.code == 2
    src = Path(r.err.removeprefix(PREFIX).split(": ")[0])
    assert src.name in (a.name, b.name)
    expect_error(r, out, src, "extends", "circular")


def test_extends_itself(bad, run_bad):
    path = bad('extends = "self.toml"\n', "self.toml")
    r, out = run_bad(path)
    expect_error(r, out, path, "extends", "circular")


def test_extends_an_unknown_scenario(bad, run_bad):
    path = bad('extends = "europe-2099"\n')
    r, out = run_bad(path)
    # The line names the file that says 'extends', not only the missing parent.
    expect_error(r, out, path, "extends", "europe-2099")


def test_extends_not_a_string(bad, run_bad):
    path = bad("extends = 5\n")
    r, out = run_bad(path)
    expect_error(r, out, path, "extends")


def test_an_error_in_the_parent_names_the_parent(bad, run_bad):
    parent = bad(BASE + "[threat]\nmemory = 2\n", "parent.toml")
    child = bad('extends = "parent.toml"\n', "child.toml")
    r, out = run_bad(child)
    assert r.code == 2
    # The merged scenario is validated as the child; either file is an acceptable source.
    body = r.err.removeprefix(PREFIX)
    assert Path(body.split(": ")[0]).name in (parent.name, child.name)
    assert body.split(": ")[1] == "threat.memory"


# --------------------------------------------------------------------------- --set
def test_set_without_equals(run_bad):
    r, out = run_bad("--set", "treaties.ottawa.notice_months")
    expect_error(r, out, "--set", "treaties.ottawa.notice_months", "KEY=VALUE")


def test_set_with_empty_key(run_bad):
    r, out = run_bad("--set", "=12")
    expect_error(r, out, "--set", "=12", "KEY=VALUE")


@pytest.mark.parametrize(
    ("pair", "key"),
    [
        ("bogus=1", "bogus"),
        ("threat.scal=1", "threat.scal"),
        ("treaties.ottawa.notice_period=12", "treaties.ottawa.notice_period"),
    ],
)
def test_set_unknown_key(run_bad, pair, key):
    r, out = run_bad("--set", pair)
    expect_error(r, out, "--set", key, "unknown key")


@pytest.mark.parametrize(
    ("pair", "key", "fragment"),
    [
        ("decision.noise=-1", "decision.noise", "greater than or equal to 0"),
        ("threat.memory=2", "threat.memory", "less than or equal to 1"),
        ("treaties.ottawa.notice_months=abc", "treaties.ottawa.notice_months", "integer"),
        ("treaties.ottawa.notice_months=-3", "treaties.ottawa.notice_months", "0"),
    ],
)
def test_set_out_of_range(run_bad, pair, key, fragment):
    r, out = run_bad("--set", pair)
    expect_error(r, out, "--set", key, fragment)
    assert r.err.removeprefix(PREFIX).startswith("--set:")


def test_set_unknown_state(run_bad):
    r, out = run_bad("--set", 'treaties.ottawa.parties=["FRA", "XXX"]')
    expect_error(r, out, "--set", "treaties.ottawa.parties.1", "unknown state", "XXX")


def test_set_event_month_before_the_start(run_bad):
    r, out = run_bad("--set", "events.0.month=2021-01")
    expect_error(r, out, "--set", "events.0.month", "before")


@pytest.mark.parametrize(
    ("pair", "key", "fragment"),
    [
        ("events.9.month=3", "events.9", "no list item"),
        ("name.first=x", "name.first", "plain value"),
        ("a..b=1", "a..b", "dotted path"),
    ],
)
def test_set_bad_path(run_bad, pair, key, fragment):
    r, out = run_bad("--set", pair)
    expect_error(r, out, "--set", key, fragment)


@pytest.mark.parametrize(("flag", "value"), [("--months", "0"), ("--seed", "-1")])
def test_bad_months_or_seed(run_bad, flag, value):
    r, out = run_bad(flag, value)
    body = r.err.removeprefix(PREFIX)
    source = body.split(": ")[0]
    assert source in (flag, "--set"), body
    expect_error(r, out, source, flag.removeprefix("--"))


def test_out_is_an_existing_file(run_cli, tmp_path):
    target = tmp_path / "file"
    target.write_text("keep me")
    r = run_cli("run", "--months", "2", "--quiet", "--out", target)
    assert r.code == 2 and len(r.err.splitlines()) == 1 and "Traceback" not in r.err
    assert "--out" in r.err and str(target) in r.err
    assert target.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"], "leftover temporary files"


def test_json_mode_errors_go_to_stderr_only(bad, run_cli, tmp_path):
    path = bad(BASE + "[threat]\nmemory = 2\n")
    r = run_cli("run", path, "--json", "--out", tmp_path / "out")
    expect_error(r, tmp_path / "out", path, "threat.memory")
