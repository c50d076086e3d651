"""Reading the scenario's CSV data strictly: one clear error per problem, never a traceback.

Scenario data files are hand-edited; a stray encoding, a short row or an unclosed quote must end
in a one-line ``file: key: message`` (:class:`sim.errors.UserError`), like a bad TOML key.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sim.errors import UserError


def read_rows(path: Path, required: tuple[str, ...] = ()) -> list[dict[str, str]]:
    """The rows of a CSV file with a header, as dicts of stripped strings.

    Raises:
        UserError: the file is missing or unreadable, not UTF-8, not valid CSV, lacks a
            ``required`` column, or has a row with more or fewer fields than the header.

    """
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is harmless
    except FileNotFoundError:
        raise UserError(source, "", "file not found") from None
    except UnicodeDecodeError as exc:
        raise UserError(
            source, "", f"not UTF-8 text (byte {exc.start}): save it as UTF-8"
        ) from None
    except OSError as exc:
        raise UserError(source, "", f"cannot read: {exc.strerror or exc}") from None
    if "\x00" in text:
        raise UserError(source, "", "contains NUL bytes: not a text CSV file")
    # A quoted field may hold a line break (newline="" keeps it), so each row's line number
    # comes from the reader, not from counting records.
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        table = [(reader.line_num, cells) for cells in reader]
    except csv.Error as exc:
        raise UserError(source, f"line {reader.line_num}", f"malformed CSV: {exc}") from None
    if not table or not any(cell.strip() for cell in table[0][1]):
        raise UserError(source, "", "empty file: a header row is needed")
    header = [h.strip() for h in table[0][1]]
    for col in required:
        if col not in header:
            raise UserError(source, col, f"missing column (the header has: {', '.join(header)})")
    if len(set(header)) != len(header):
        dup = next(h for h in header if header.count(h) > 1)
        raise UserError(source, dup, "column appears twice in the header")
    rows: list[dict[str, str]] = []
    for line, cells in table[1:]:
        if not cells or not any(c.strip() for c in cells):
            continue  # blank lines are allowed
        if len(cells) != len(header):
            raise UserError(
                source, f"line {line}", f"{len(cells)} fields, the header has {len(header)}"
            )
        rows.append({h: c.strip() for h, c in zip(header, cells, strict=True)})
    return rows
