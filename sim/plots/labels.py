"""Words and units for outcome columns, factor names and monthly series."""

from __future__ import annotations

from typing import Any

#: Summary fields per treaty (``treaties.<tid>.<field>``): label and unit.
TREATY_FIELDS = {
    "notified": ("states that gave notice", "states"),
    "withdrawn": ("states withdrawn at the end", "states"),
    "blocked": ("withdrawals held by war at the end", "states"),
    "cascade_fraction": ("share of parties that gave notice", "share of initial parties"),
    "first_notice_month": ("month of the first notice", "months from start"),
    "initial_parties": ("parties at the start", "states"),
}
FIELDS = {
    "tension.max": ("highest monthly mean threat", "threat tau, 0-1"),
    "tension.mean_final": ("mean threat at the end", "threat tau, 0-1"),
    "arms.growth_ratio": ("total arms spending at the end, relative to the start", "ratio"),
    "arms.change_pct": ("change in total arms spending over the run", "% change"),
    "arms.final": ("total arms spending at the end", "capacity units"),
    "arms.initial": ("total arms spending at the start", "capacity units"),
    "incidents": ("incidents over the run", "incidents"),
    "wars": ("wars begun during the run", "wars"),
}
#: Monthly columns (``timeseries.parquet``): label and unit; ``{t}`` is the treaty's name.
SERIES = {
    "moved": ("{t}: states that have given notice (pending or withdrawn)", "states"),
    "notice": ("{t}: notices pending", "states"),
    "withdrawn": ("{t}: states withdrawn", "states"),
    "held": ("{t}: withdrawals held by war", "states"),
    "party": ("{t}: parties", "states"),
    "mean_threat": ("mean perceived threat", "threat tau, 0-1"),
    "max_threat": ("highest perceived threat of any state", "threat tau, 0-1"),
    "total_arms": ("change in total arms spending since month 0", "% change"),
    "incidents": ("incidents this month", "incidents"),
    "wars": ("wars ongoing", "wars"),
}


def outcome_label(
    column: str, treaties: dict[str, str], derived: dict[str, dict[str, Any]] | None = None
) -> tuple[str, str]:
    """(label, unit) of a sweep's outcome column."""
    parts = column.split(".")
    if len(parts) == 3 and parts[0] == "treaties" and parts[2] in TREATY_FIELDS:
        label, unit = TREATY_FIELDS[parts[2]]
        return f"{treaties.get(parts[1], parts[1])}: {label}", unit
    if column in FIELDS:
        return FIELDS[column]
    d = (derived or {}).get(column)
    if d:
        t = treaties.get(d.get("treaty") or "", d.get("treaty") or "")
        within = f" within {d['within']} months" if d.get("within") is not None else ""
        if d["kind"] == "cascade":
            return f"{column}: {d['min_states']}+ {t} notices{within}", "probability"
        if d["kind"] == "notices_by":
            return f"{column}: {t} notices{within}", "states"
        if d["kind"] in ("peak", "final", "mean"):
            return f"{column}: {d['kind']} of {d['column']}", SERIES.get(d["column"], ("", ""))[1]
        if d["kind"] == "condition":
            return f"{column}: {d['field']} {d['op']} {d['value']:g}", "probability"
    if len(parts) == 4 and parts[0] == "states":
        return f"{parts[1]} on {treaties.get(parts[2], parts[2])}: {parts[3]}", ""
    return column, ""


def series_label(column: str, treaties: dict[str, str]) -> tuple[str, str]:
    """(label, unit) of a monthly column (``ottawa_notice``, ``mean_threat``, ``moved:<tid>``)."""
    if column in SERIES:
        return SERIES[column]
    if column.startswith("moved:"):
        tid = column.split(":", 1)[1]
        label, unit = SERIES["moved"]
        return label.format(t=treaties.get(tid, tid)), unit
    for tid, name in treaties.items():
        if column.startswith(f"{tid}_"):
            what = column[len(tid) + 1 :]
            if what in SERIES:
                label, unit = SERIES[what]
                return label.format(t=name), unit
    return column, ""


def short_factor(name: str) -> str:
    """A factor's name for axis labels (the full dotted path is kept: it is what users set)."""
    return name
