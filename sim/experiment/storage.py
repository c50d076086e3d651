"""Results on disk: atomic Parquet part files, the manifest, the final ``runs.parquet``.

Layout of a results folder::

    manifest.json            spec, resolved scenario, seeds, versions, git, command, times, counts
    parts/runs-A-B.parquet   runs A..B (inclusive), written atomically as each batch finishes
    parts/ts-A-B.parquet     their monthly rows, written before the runs part
    runs.parquet             every run, sorted by run_id (written when all runs are done)
    timeseries.parquet       every kept monthly row, sorted by run_id then month (optional)

A part's name says which runs it holds, so ``--resume`` knows what is done without reading it.
Every file is written to a temporary name in the same folder and renamed: a crash leaves either
the whole file or none. The final files are streamed part by part into fixed-size row groups,
so memory stays bounded however many runs there are, and the layout does not depend on how the
runs were batched.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

PARTS = "parts"
ROW_GROUP = 65_536
_PART = re.compile(r"^(runs|ts)-(\d{9})-(\d{9})\.parquet$")
_ARROW = {"bool": pa.bool_(), "int": pa.int64(), "float": pa.float64(), "str": pa.string()}


def arrow_type(kind: str) -> pa.DataType:
    """The Arrow type of a column kind (``json`` columns are text)."""
    return {"uint64": pa.uint64(), "json": pa.string()}.get(kind) or _ARROW[kind]


def schema(columns: list[tuple[str, str]]) -> pa.Schema:
    """An Arrow schema from ``(name, kind)`` pairs."""
    return pa.schema([pa.field(name, arrow_type(kind)) for name, kind in columns])


def atomic(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` on a temporary sibling of ``path``, then rename it onto ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json(path: Path, obj: Any) -> None:
    """Write JSON atomically (2-space indent, trailing newline)."""
    text = json.dumps(obj, indent=2, allow_nan=False, default=str) + "\n"
    atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_csv(path: Path, frame: Any) -> None:
    """Write a pandas frame as CSV atomically (no index, Unix line ends)."""
    atomic(path, lambda tmp: frame.to_csv(tmp, index=False, lineterminator="\n"))


def read_manifest(out: Path) -> dict[str, Any] | None:
    """The manifest of a results folder, or ``None`` if there is none."""
    path = Path(out) / "manifest.json"
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


class Store:
    """The part files of one sweep and the final files assembled from them."""

    def __init__(self, out: Path, runs: pa.Schema, series: pa.Schema | None) -> None:
        self.out = Path(out)
        self.parts = self.out / PARTS
        self.runs_schema = runs
        self.series_schema = series

    def prepare(self) -> None:
        """Create the folders; drop temporary files and monthly parts whose runs part is lost.

        (A process killed between writing ``ts-A-B`` and ``runs-A-B`` leaves the first alone;
        those runs are not done and will be written again, possibly in other batches.)
        """
        self.parts.mkdir(parents=True, exist_ok=True)
        for f in self.parts.iterdir():
            if f.name.startswith("."):
                f.unlink(missing_ok=True)
        done = {(a, b) for a, b in self.done()}
        for kind, a, b, f in self._scan():
            if kind == "ts" and (a, b) not in done:
                f.unlink(missing_ok=True)

    def _scan(self) -> Iterator[tuple[str, int, int, Path]]:
        if not self.parts.is_dir():
            return
        for f in self.parts.iterdir():
            m = _PART.match(f.name)
            if m:
                yield m.group(1), int(m.group(2)), int(m.group(3)), f

    def done(self) -> list[tuple[int, int]]:
        """Ranges ``(first, last)`` of the run parts on disk, sorted."""
        return sorted((a, b) for kind, a, b, _ in self._scan() if kind == "runs")

    def done_ids(self, total: int) -> set[int]:
        """Run ids already written (within ``0..total-1``)."""
        return {i for a, b in self.done() for i in range(a, min(b, total - 1) + 1)}

    def missing_ids(self, total: int) -> list[int]:
        """Run ids ``0..total-1`` not yet written, in order."""
        return sorted(set(range(total)) - self.done_ids(total))

    def write(self, first: int, last: int, runs: pa.Table, series: pa.Table | None) -> None:
        """Write one task's rows: its monthly rows first, then its runs (the 'done' marker)."""
        name = f"{first:09d}-{last:09d}.parquet"
        if self.series_schema is not None:
            ts = series if series is not None else self.series_schema.empty_table()
            atomic(self.parts / f"ts-{name}", lambda tmp: pq.write_table(ts, tmp))
        atomic(self.parts / f"runs-{name}", lambda tmp: pq.write_table(runs, tmp))

    def assemble(self, total: int) -> list[str]:
        """Write ``runs.parquet`` (and ``timeseries.parquet``) from the parts, sorted by run id.

        Raises:
            RuntimeError: if the parts do not hold runs ``0..total-1`` exactly once.

        """
        ranges = self.done()
        expected = 0
        for a, b in ranges:
            if a != expected:
                raise RuntimeError(f"parts do not cover run {expected} exactly once (next: {a})")
            expected = b + 1
        if expected != total:
            raise RuntimeError(f"parts hold {expected} runs, expected {total}")
        names = [f"{a:09d}-{b:09d}.parquet" for a, b in ranges]
        outputs = ["runs.parquet"]
        self._stream(self.out / "runs.parquet", self.runs_schema, [f"runs-{n}" for n in names])
        if self.series_schema is not None:
            self._stream(
                self.out / "timeseries.parquet", self.series_schema, [f"ts-{n}" for n in names]
            )
            outputs.append("timeseries.parquet")
        return outputs

    def _stream(self, path: Path, sch: pa.Schema, parts: list[str]) -> None:
        def write(tmp: Path) -> None:
            with pq.ParquetWriter(tmp, sch) as writer:
                buffer: list[pa.Table] = []
                held = 0
                for name in parts:
                    table = pq.read_table(self.parts / name, schema=sch)
                    buffer.append(table)
                    held += table.num_rows
                    while held >= ROW_GROUP:  # fixed row groups: same file for any batching
                        whole = pa.concat_tables(buffer)
                        writer.write_table(whole.slice(0, ROW_GROUP), row_group_size=ROW_GROUP)
                        rest = whole.slice(ROW_GROUP)
                        buffer, held = [rest], rest.num_rows
                if held or not parts:
                    whole = pa.concat_tables(buffer) if buffer else sch.empty_table()
                    writer.write_table(whole, row_group_size=ROW_GROUP)

        atomic(path, write)
