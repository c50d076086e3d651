"""Contracts of ``escalation run`` and ``escalation scenarios`` (DESIGN §5, README)."""

from __future__ import annotations

import json
import math
import re

import pandas as pd
import pytest

import sim
from sim.cli import build_parser
from sim.output import RUN_FILES
from sim.scenario import month_date, state_codes

LOG_LINE = re.compile(r"^\d{4}-\d{2}  \S")
STATUSES = {"non_party", "party", "notice", "withdrawn", "acceding"}
TERMS = ["threat", "peer", "alliance", "norm"]
BUNDLED = [
    "europe-2022",
    "europe-unified-alliance-policy",
    "europe-mediation",
    "europe-credibility-shock",
    "europe-no-conflict-clause",
    "ring",
    "lattice",
    "erdos-renyi",
    "small-world",
    "scale-free",
]
DEFAULT_MONTHS = 49  # europe-2022: 2022-02 .. 2026-02


def _json(result) -> dict:
    assert result.code == 0, result.err
    return json.loads(result.out)


# --------------------------------------------------------------------------- shared runs
@pytest.fixture(scope="module")
def default_json(run_cli):
    return _json(run_cli("run", "--json"))


@pytest.fixture(scope="module")
def default_out(run_cli, tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "run"
    result = run_cli("run", "--quiet", "--out", out)
    assert result.code == 0, result.err
    return out


@pytest.fixture(scope="module")
def notice12(run_cli, tmp_path_factory):
    """europe-2022 with Ottawa's notice period at 12 months: (summary, out dir)."""
    out = tmp_path_factory.mktemp("notice12") / "run"
    result = run_cli("run", "--json", "--set", "treaties.ottawa.notice_months=12", "--out", out)
    return _json(result), out


# --------------------------------------------------------------------------- the story
def test_default_run_prints_the_log_then_the_summary_table(run_cli, default_json):
    r = run_cli("run")
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    assert lines[0].startswith("europe-2022: ")
    assert lines[1].startswith(f"seed {default_json['seed']}, {DEFAULT_MONTHS} months from 2022-02")
    summary_at = next(i for i, line in enumerate(lines) if line.startswith("Summary: europe-2022"))
    log = [line for line in lines[:summary_at] if LOG_LINE.match(line)]
    assert log, "no month-by-month log lines before the summary"
    assert not any(LOG_LINE.match(line) for line in lines[summary_at:])
    dates = [line[:7] for line in log]
    assert dates == sorted(dates), "log lines are not in month order"
    assert all("2022-02" <= d <= default_json["end"] for d in dates)
    notices = [line for line in log if " gives notice on " in line]
    assert len(notices) == sum(t["notified"] for t in default_json["treaties"].values())
    # Incidents are printed only with --verbose.
    assert not any("Incident between" in line for line in log)
    assert "War between UKR and RUS" in r.out
    table = lines[summary_at:]
    assert any(line.startswith("treaty") and "notified" in line for line in table)
    # The same outcome as --json: every treaty row carries the JSON's numbers.
    for t in default_json["treaties"].values():
        row = next(line for line in table if line.startswith(t["name"] + " "))
        name, parties, notified, withdrawn, blocked, cascade, first = row.split()
        assert (int(parties), int(notified), int(withdrawn), int(blocked)) == (
            t["initial_parties"],
            t["notified"],
            t["withdrawn"],
            t["blocked"],
        )
        assert cascade == f"{t['cascade_fraction']:.0%}"
        assert first == (t["first_notice_date"] or "-")


def test_verbose_adds_incidents(run_cli, default_json):
    r = run_cli("run", "--verbose")
    assert r.code == 0
    incidents = [line for line in r.out.splitlines() if LOG_LINE.match(line) and "Incident" in line]
    assert len(incidents) == default_json["incidents"]


def test_quiet_prints_only_the_summary(run_cli, default_json):
    r = run_cli("run", "--quiet")
    assert r.code == 0 and r.err == ""
    lines = r.out.splitlines()
    assert lines[0].startswith("Summary: europe-2022, seed ")
    assert not any(LOG_LINE.match(line) for line in lines)
    assert "gives notice on" not in r.out
    assert "Ottawa notices:" in r.out and "tension:" in r.out and "arms:" in r.out


def test_json_prints_exactly_one_object_and_nothing_else(run_cli):
    r = run_cli("run", "--json", "--months", "12")
    assert r.code == 0 and r.err == ""
    obj, end = json.JSONDecoder().raw_decode(r.out)
    assert isinstance(obj, dict)
    assert r.out[end:].strip() == "", "text after the JSON object"
    assert r.out.lstrip().startswith("{")


def test_json_schema_types(default_json):
    s = default_json
    assert s["schema_version"] == 1
    assert s["scenario"] == "europe-2022"
    assert isinstance(s["seed"], int) and not isinstance(s["seed"], bool)
    assert s["months"] == DEFAULT_MONTHS
    assert s["engine"] == "agents"
    assert s["start"] == "2022-02" and s["end"] == "2026-02"
    assert set(s["treaties"]) == {"ottawa", "cmc"}
    for t in s["treaties"].values():
        for key in ("initial_parties", "notified", "withdrawn", "blocked"):
            assert type(t[key]) is int and t[key] >= 0, key
        assert isinstance(t["cascade_fraction"], float)
        assert 0.0 <= t["cascade_fraction"] <= 1.0
        fm = t["first_notice_month"]
        assert fm is None or (type(fm) is int and 0 <= fm < s["months"])
        fd = t["first_notice_date"]
        assert (fd is None) == (fm is None)
        if fd is not None:
            assert fd == month_date(s["start"], fm)
    assert list(s["states"]) == state_codes(sim.load_scenario("europe-2022"))
    for code, per in s["states"].items():
        assert re.fullmatch(r"[A-Z]{3}", code)
        assert set(per) == set(s["treaties"])
        for st in per.values():
            assert st["status"] in STATUSES
            for m, d in (
                (st["notice_month"], st["notice_date"]),
                (st["withdrawn_month"], st["withdrawn_date"]),
            ):
                assert m is None or type(m) is int
                assert (m is None) == (d is None)
                if m is not None:
                    assert 0 <= m < s["months"] and d == month_date(s["start"], m)
    assert isinstance(s["tension"]["mean_final"], float)
    assert isinstance(s["tension"]["max"], float)
    assert 0.0 <= s["tension"]["mean_final"] <= s["tension"]["max"] <= 1.0 + 1e-12
    assert isinstance(s["arms"]["growth_ratio"], float) and s["arms"]["growth_ratio"] > 0
    assert type(s["incidents"]) is int and s["incidents"] >= 0
    assert type(s["wars"]) is int and s["wars"] >= 1  # the scheduled Russia-Ukraine war


def test_json_counts_are_consistent(default_json):
    s = default_json
    for tid, t in s["treaties"].items():
        per = [v[tid] for v in s["states"].values()]
        noticed = [p for p in per if p["notice_month"] is not None]
        assert t["notified"] == len(noticed)
        assert t["withdrawn"] == sum(p["status"] == "withdrawn" for p in per)
        assert t["initial_parties"] == sum(p["status"] != "non_party" for p in per)
        assert t["blocked"] <= sum(p["status"] == "notice" for p in per)
        assert math.isclose(t["cascade_fraction"], t["notified"] / t["initial_parties"])
        first = min((p["notice_month"] for p in noticed), default=None)
        assert t["first_notice_month"] == first
        for p in per:
            if p["status"] == "withdrawn":
                assert p["withdrawn_month"] is not None and p["notice_month"] is not None
                assert p["withdrawn_month"] - p["notice_month"] >= 6  # Article 20
            if p["status"] in ("notice", "withdrawn"):
                assert p["notice_month"] is not None
            if p["status"] in ("party", "non_party"):
                assert p["notice_month"] is None and p["withdrawn_month"] is None
    # The default run tells a story: at least one notice on some treaty.
    assert any(t["notified"] for t in s["treaties"].values())


def test_months_and_seed_are_honoured(run_cli):
    s = _json(run_cli("run", "--json", "--months", "12", "--seed", "7"))
    assert s["months"] == 12 and s["seed"] == 7
    assert s["end"] == month_date("2022-02", 11)
    for per in s["states"].values():
        for st in per.values():
            for m in (st["notice_month"], st["withdrawn_month"]):
                assert m is None or m < 12


def test_seed_changes_the_run_and_the_table_reports_it(run_cli):
    r = run_cli("run", "--quiet", "--seed", "7", "--months", "3")
    assert r.code == 0
    assert r.out.startswith("Summary: europe-2022, seed 7, 2022-02 to 2022-04 (3 months")


def test_set_notice_months_changes_outcomes_consistently(notice12, default_json):
    s, out = notice12
    withdrawals = 0
    for per in s["states"].values():
        st = per["ottawa"]
        if st["withdrawn_month"] is not None:
            withdrawals += 1
            assert st["withdrawn_month"] - st["notice_month"] >= 12, st
        if st["notice_month"] is not None and st["status"] == "withdrawn":
            assert st["withdrawn_month"] is not None
    # Notices given in the last 12 months cannot have taken effect.
    late = [
        p["ottawa"]
        for p in s["states"].values()
        if p["ottawa"]["notice_month"] is not None and p["ottawa"]["notice_month"] > 49 - 12
    ]
    assert all(p["status"] == "notice" for p in late)
    assert s["treaties"]["ottawa"]["withdrawn"] == withdrawals
    # The override is visible in the outcome relative to the default run.
    assert s != default_json
    resolved = sim.load_scenario(out / "scenario.toml")
    assert resolved.treaties["ottawa"].notice_months == 12
    assert resolved.treaties["cmc"].notice_months == 6
    assert "notice_months = 12" in (out / "scenario.toml").read_text(encoding="utf-8")


def test_set_notice_months_delays_a_scheduled_withdrawal(run_cli, tmp_path):
    """A forced notice at month 0 takes effect after exactly notice_months (France: no war)."""
    path = tmp_path / "forced.toml"
    path.write_text(
        'extends = "europe-2022"\n'
        "[[events]]\n"
        'kind = "notice"\n'
        'month = "2022-02"\n'
        'treaty = "ottawa"\n'
        'states = ["FRA"]\n',
        encoding="utf-8",
    )
    gaps = {}
    for months in (6, 12):
        s = _json(
            run_cli(
                "run", path, "--json", "--months", "24",
                "--set", f"treaties.ottawa.notice_months={months}",
            )
        )  # fmt: skip
        fra = s["states"]["FRA"]["ottawa"]
        assert fra["notice_month"] == 0 and fra["status"] == "withdrawn"
        gaps[months] = fra["withdrawn_month"] - fra["notice_month"]
    assert gaps == {6: 6, 12: 12}


# --------------------------------------------------------------------------- --out
def test_out_writes_exactly_the_seven_files(default_out, default_json):
    assert sorted(p.name for p in default_out.iterdir()) == sorted(RUN_FILES)
    assert len(RUN_FILES) == 7
    assert json.loads((default_out / "summary.json").read_text()) == default_json
    png = (default_out / "timeline.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000
    # No temporary directories are left beside the output.
    assert [p.name for p in default_out.parent.iterdir()] == [default_out.name]


def test_out_prints_where_it_wrote(run_cli, tmp_path):
    out = tmp_path / "x"
    r = run_cli("run", "--quiet", "--months", "2", "--out", out)
    assert r.code == 0
    assert r.out.rstrip().endswith(f"wrote {out}/")
    r = run_cli("run", "--json", "--months", "2", "--out", tmp_path / "y")
    assert "wrote" not in r.out
    json.loads(r.out)


def test_timeseries_parquet(default_out, default_json):
    ts = pd.read_parquet(default_out / "timeseries.parquet")
    assert len(ts) == DEFAULT_MONTHS
    assert ts["month"].tolist() == list(range(DEFAULT_MONTHS))
    assert ts["date"].iloc[0] == "2022-02" and ts["date"].iloc[-1] == "2026-02"
    expected = {"month", "date", "mean_threat", "max_threat", "total_arms", "incidents", "wars"}
    for tid in default_json["treaties"]:
        expected |= {f"{tid}_{x}" for x in ("party", "notice", "withdrawn", "held")}
    assert expected <= set(ts.columns)
    last = ts.iloc[-1]
    for tid, t in default_json["treaties"].items():
        assert last[f"{tid}_withdrawn"] == t["withdrawn"]
        assert last[f"{tid}_held"] == t["blocked"]
        assert last[f"{tid}_notice"] + last[f"{tid}_withdrawn"] == t["notified"]
    assert math.isclose(ts["mean_threat"].iloc[-1], default_json["tension"]["mean_final"])
    assert math.isclose(ts["mean_threat"].max(), default_json["tension"]["max"])
    assert ts["incidents"].sum() == default_json["incidents"]
    assert (ts["max_threat"] >= ts["mean_threat"] - 1e-12).all()


def test_states_parquet(default_out, default_json):
    st = pd.read_parquet(default_out / "states.parquet")
    n = len(default_json["states"])
    assert len(st) == n * DEFAULT_MONTHS
    expected = {"month", "date", "iso3", "threat", "stimulus", "arms", "norm", "in_conflict"}
    expected |= {"alliance", *(f"{tid}_status" for tid in default_json["treaties"])}
    assert expected <= set(st.columns)
    assert list(st.columns[:2]) == ["month", "date"]
    assert not st.duplicated(["month", "iso3"]).any()
    assert (st.groupby("month")["iso3"].nunique() == n).all()
    assert set(st["month"]) == set(range(DEFAULT_MONTHS))
    final = st[st["month"] == DEFAULT_MONTHS - 1].set_index("iso3")
    for code, per in default_json["states"].items():
        for tid, v in per.items():
            assert final.loc[code, f"{tid}_status"] == v["status"], (code, tid)
    assert (st["arms"] >= 0).all()


def test_events_csv_has_the_notices_with_pressure_terms(default_out, default_json):
    ev = pd.read_csv(default_out / "events.csv")
    for col in ["month", "date", "kind", "iso3", "treaty", *TERMS, "message"]:
        assert col in ev.columns, col
    notices = ev[ev["kind"] == "notice"]
    expected = {
        (code, tid, v["notice_month"])
        for code, per in default_json["states"].items()
        for tid, v in per.items()
        if v["notice_month"] is not None
    }
    got = {(r.iso3, r.treaty, int(r.month)) for r in notices.itertuples()}
    assert got == expected
    # europe-2022 schedules no notices: every notice is a decision with its four terms.
    assert notices[TERMS].notna().all().all()
    assert (notices[["threat", "peer", "alliance"]] >= 0).all().all()
    assert (notices["norm"] <= 0).all()  # the norm restrains
    total = notices[TERMS].sum(axis=1)
    assert ((total - notices["pressure"]).abs() < 1e-9).all()
    assert (notices["pressure"] + notices["noise"] >= notices["threshold"] - 1e-9).all()
    assert notices["message"].str.contains(" gives notice on ").all()
    assert ev["month"].is_monotonic_increasing


def test_cascade_json(default_out, default_json):
    c = json.loads((default_out / "cascade.json").read_text())
    assert set(c["treaties"]) == set(default_json["treaties"])
    for tid, tree in c["treaties"].items():
        assert {"edges", "roots", "tree"} <= set(tree)
        movers = {
            code
            for code, per in default_json["states"].items()
            if per[tid]["notice_month"] is not None
        }
        children = {child for _, child, _ in tree["edges"]}
        assert set(tree["roots"]) | children == movers
        assert not set(tree["roots"]) & children
        for parent, child, month in tree["edges"]:
            assert parent in movers
            assert month == default_json["states"][child][tid]["notice_month"]
            assert default_json["states"][parent][tid]["notice_month"] <= month

        def walk(nodes):
            for node in nodes:
                yield node["iso3"]
                yield from walk(node["children"])

        assert [n["iso3"] for n in tree["tree"]] == tree["roots"]
        assert sorted(walk(tree["tree"])) == sorted(movers)


def test_resolved_scenario_reloads_to_the_same_run(run_cli, default_out, tmp_path):
    resolved = sim.load_scenario(default_out / "scenario.toml")
    original = sim.load_scenario("europe-2022")
    assert resolved.model_dump() == original.model_dump()
    r = run_cli("run", default_out / "scenario.toml", "--quiet", "--out", tmp_path / "again")
    assert r.code == 0, r.err
    assert (tmp_path / "again" / "summary.json").read_bytes() == (
        default_out / "summary.json"
    ).read_bytes()


def test_resolved_scenario_carries_overrides_seed_and_months(run_cli, tmp_path):
    out = tmp_path / "run"
    args = ["--months", "5", "--seed", "11", "--set", "decision.w_peer=0.8"]
    r = run_cli("run", "--json", *args, "--out", out)
    assert r.code == 0, r.err
    sc = sim.load_scenario(out / "scenario.toml")
    assert (sc.months, sc.seed, sc.decision.w_peer) == (5, 11, 0.8)
    again = run_cli("run", out / "scenario.toml", "--json")
    assert again.out == r.out
    assert (out / "summary.json").read_text(encoding="utf-8") == r.out


def test_out_into_an_existing_directory_keeps_other_files(run_cli, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert run_cli("run", "--quiet", "--months", "2", "--out", out).code == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([*RUN_FILES, "notes.txt"])


# --------------------------------------------------------------------------- scenarios
def test_scenarios_lists_every_bundled_scenario_with_a_description(run_cli):
    r = run_cli("scenarios")
    assert r.code == 0 and r.err == ""
    rows = {}
    for line in r.out.splitlines():
        name, _, desc = line.partition(" ")
        rows[name] = desc.strip()
    assert set(BUNDLED) <= set(rows)
    for name in rows:
        assert rows[name], f"{name} has no description"
        assert rows[name] != "(unreadable)", name
        assert "\n" not in rows[name]
    assert set(rows) == set(sim.bundled_scenarios())


@pytest.mark.parametrize("name", BUNDLED)
def test_every_bundled_scenario_runs(run_cli, name):
    r = run_cli("run", name, "--months", "6", "--quiet")
    assert r.code == 0, r.err
    assert r.err == ""
    assert r.out.startswith(f"Summary: {name}, seed ")
    assert "(6 months, agents engine)" in r.out.splitlines()[0]


# --------------------------------------------------------------------------- help
def _commands() -> list[str]:
    sub = next(a for a in build_parser()._actions if a.dest == "command")
    return sorted(sub.choices)


def test_run_and_scenarios_are_commands():
    assert {"run", "scenarios"} <= set(_commands())


@pytest.mark.parametrize("argv", [["--help"], *[[c, "--help"] for c in _commands()]])
def test_help(run_cli, argv):
    r = run_cli(*argv)
    assert r.code == 0
    assert r.out.startswith("usage: escalation")
    assert r.err == ""


def test_run_help_lists_the_options(run_cli):
    out = run_cli("run", "--help").out
    for opt in ("--months", "--seed", "--engine", "--set", "--out", "--json", "--quiet"):
        assert opt in out, opt


def test_version(run_cli):
    r = run_cli("--version")
    assert r.code == 0 and sim.__version__ in r.out


@pytest.mark.parametrize(
    "argv",
    [[], ["frobnicate"], ["run", "--bogus"], ["run", "--months", "x"], ["run", "--engine", "x"]],
    ids=["no-command", "unknown-command", "unknown-option", "bad-int", "bad-choice"],
)
def test_usage_errors_exit_2_with_one_line(run_cli, argv):
    r = run_cli(*argv)
    assert r.code == 2
    assert r.out == ""
    assert len(r.err.splitlines()) == 1 and "Traceback" not in r.err, r.err
    assert r.err.startswith("escalation")


# --------------------------------------------------------------------------- end to end
def test_console_script_json_end_to_end(run_cli, run_script, tmp_path):
    r = run_script("run", "--json", "--months", "6", "--seed", "3")
    assert r.code == 0 and r.err == ""
    s = json.loads(r.out)
    assert (s["months"], s["seed"], s["scenario"]) == (6, 3, "europe-2022")
    assert r.out == run_cli("run", "--json", "--months", "6", "--seed", "3").out


def test_console_script_user_error_end_to_end(run_script, tmp_path):
    r = run_script("run", "no-such-scenario", "--out", tmp_path / "out")
    assert r.code == 2
    assert r.out == ""
    assert len(r.err_lines) == 1 and "Traceback" not in r.err
    assert "no-such-scenario" in r.err
    assert not (tmp_path / "out").exists()
