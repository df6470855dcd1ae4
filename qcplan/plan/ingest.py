"""A collection round, the incoming half: read returned workbooks (or CSV files of the same
columns) and append their figures to ``observations.csv`` (``qcplan ingest``).

All or nothing: every file is read and checked first; if any has a problem, every problem is
reported (``file.xlsx!填报!F7: expected a number (column value), got "约12"``) and nothing is
written. Otherwise each figure is compared with the current vintage held for its key:

``new``        no real figure held: appended;
``revised``    a different value (or a firmer status) than a preliminary or estimated figure
               held: appended as a new vintage (the earlier row stays);
``unchanged``  the same value and status (or a weaker status than the one held): not written,
               so ingesting the same file twice changes nothing;
``conflict``   a different value than an official (or derived) figure held: reported and not
               applied unless ``accept_revisions``.

Appended rows carry the provenance: ``received`` (the day of ingest unless given),
``reporting_unit``, ``file`` and ``file_sha256``.

Figures read from published pages (``public=True``, ``qcplan ingest --public``: a statistical
bulletin, a work report, a district progress table) come from no responsible unit: a CSV file
whose every row names its page (``source``) and the passage the figure was read from, verbatim
(``excerpt``, kept in ``observations.csv``). Any series of the plan is accepted (an indicator of
the registry on a geography the plan uses: targets, benchmarks, observations held), not only a
unit's target series; status may also be ``derived`` (one subtraction stated on the page);
``reporting_unit`` stays blank. The new ``observations.csv`` is validated as a
whole before it replaces the old one (atomically).

The files are read by :mod:`qcplan.plan.returns` (archive checks, the streamed sheet, the
limits) and their rows checked by :mod:`qcplan.plan.returned_rows`; this module applies the
figures.

Reading a cell (:func:`qcplan.numbers.read_cell_number`): a number is taken as it is; a text is
read as a number when its meaning is certain (full-width digits ``１２``, a trailing ``%`` on an
indicator in %, a cell formatted as a percentage on an indicator in %); a comma (``12,5``), a
unit word (``12亿元``), words (``约12``), a formula, a merged cell, a renamed header, an extra
sheet with content are errors.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qcplan.errors import DataError, Problem, QcplanError
from qcplan.files import neutralise_cell
from qcplan.plan.load import load_plan
from qcplan.plan.returned_rows import Figure, RowChecker, figure_label
from qcplan.plan.returns import Sheet, read_csv_file, read_workbook
from qcplan.plan.schema import JUMP_FACTOR, PERIOD_MONTHS, SCHEMAS
from qcplan.plan.writer import plan_lock, write_file

FIRM = {"official": 3, "derived": 3, "preliminary": 2, "estimate": 1}
OUT_COLUMNS = SCHEMAS["observations"].names


class IngestError(QcplanError):
    """Problems in the files given to ``ingest``: nothing was written."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = list(problems)
        super().__init__(self.report())

    def report(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the files; nothing was written"]
        lines += [f"  {format_problem(p)}" for p in self.problems]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()


def format_problem(p: Problem) -> str:
    """``file.xlsx!填报!F7: expected a number (column value), got "约12"``."""
    place = p.file + (f"!{p.location}" if p.location else "")
    column = f" (column {p.column})" if p.column else ""
    got = "" if p.value is None else f', got "{p.value}"'
    return f"{place}: expected {p.expected}{column}{got}"


@dataclass
class IngestResult:
    new: list[Figure] = field(default_factory=list)
    revised: list[tuple[Figure, float, str]] = field(default_factory=list)
    unchanged: list[Figure] = field(default_factory=list)
    conflicts: list[tuple[Figure, float, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: Path | None = None

    def summary(self) -> str:
        lines = [f"{len(self.new)} new, {len(self.revised)} revised, {len(self.unchanged)} "
                 f"unchanged, {len(self.conflicts)} conflicts held back"]
        for f in self.new:
            lines.append(f"  new        {figure_label(f)} = {f.value:g} {f.status}  ({f.where})")
        for f, old, st in self.revised:
            lines.append(f"  revised    {figure_label(f)}: {old:g} {st} -> {f.value:g} "
                         f"{f.status}  ({f.where})")
        for f, old, st in self.conflicts:
            lines.append(f"  CONFLICT   {figure_label(f)}: {old:g} {st} held, {f.value:g} "
                         f"{f.status} given ({f.where}); not applied (use --accept-revisions)")
        for w in self.warnings:
            lines.append(f"  warning    {w}")
        if self.written is not None:
            lines.append(f"written: {self.written}")
        else:
            lines.append("nothing written")
        return "\n".join(lines)


# ------------------------------------------------------------------ applying
def _held(plan: Any) -> dict[tuple, tuple[float, str]]:
    """Current real figures held: key -> (value, status)."""
    obs = plan.observations
    real = obs[obs["status"] != "illustrative"]
    return {(r.indicator_id, r.geography, int(r.year), r.period, r.measure):
            (float(r.value), str(r.status)) for r in real.itertuples()}


def ingest(plan: Any, files: Sequence[str | Path], accept_revisions: bool = False,
           received: _dt.date | None = None, unit: str | None = None,
           dry_run: bool = False, wait: float | None = None,
           log: Callable[[str], None] | None = None, public: bool = False) -> IngestResult:
    """Read ``files`` and append their figures to the plan's ``observations.csv``.

    Raises :class:`IngestError` (nothing written) when any file has a problem. ``received``:
    the date recorded (default today); ``unit``: the reporting unit of CSV files; ``public``:
    the files hold figures read from published pages (CSV with ``source`` and ``excerpt``), of
    no responsible unit.

    The files are read first; then, holding the plan folder's lock
    (:func:`qcplan.plan.writer.plan_lock`; ``wait`` seconds at most, messages to ``log``), the
    plan is read again from its folder, the figures are checked and compared with those held
    and ``observations.csv`` is replaced: another ingest cannot slip in between the read and
    the replace. A dry run reads and compares under the lock too, and writes nothing.
    """
    if public and unit:
        raise QcplanError("--public figures come from published pages, not from a unit: "
                          "give --public or --unit, not both")
    received = received or _dt.date.today()
    read: list[tuple[Path, Sheet | None, str | None]] = []
    for f in files:
        path = Path(f)
        if not path.is_file():
            read.append((path, None, None))
        elif path.suffix.lower() == ".csv":
            read.append((path, None, "csv"))
        else:
            read.append((path, read_workbook(path), None))
    with plan_lock(plan.data_dir, "ingest", wait=wait, log=log):
        plan = load_plan(plan.data_dir)  # what is held now, not when the caller read it
        return _ingest(plan, read, accept_revisions, received, unit, dry_run, public)


def _ingest(plan: Any, read: list[tuple[Path, Sheet | None, str | None]],
            accept_revisions: bool, received: _dt.date, unit: str | None,
            dry_run: bool, public: bool = False) -> IngestResult:
    checker = RowChecker(plan, received, public)
    problems: list[Problem] = []
    figures: list[Figure] = []
    for path, sheet, kind in read:
        if sheet is None and kind is None:
            problems.append(Problem(path.name, "", "", None, f"a file ({path} does not exist)"))
            continue
        if kind == "csv" and public:
            sheet = read_csv_file(path, None)
        elif kind == "csv":
            csv_unit = checker.canonical(unit) if unit else None
            if csv_unit is None:
                csv_unit = checker.canonical(unicodedata.normalize("NFKC", path.stem).strip())
            sheet = read_csv_file(path, csv_unit if csv_unit in checker.known_units else unit)
        assert sheet is not None
        found, bad = checker.figures(sheet, path)
        figures += found
        problems += bad
    # the same figure twice with different values (within a file or across files)
    first: dict[tuple, Figure] = {}
    unique: list[Figure] = []
    for fig in figures:
        other = first.get(fig.key)
        if other is None:
            first[fig.key] = fig
            unique.append(fig)
        elif other.value != fig.value:
            problems.append(Problem(fig.file, fig.where.split("!", 1)[1], "value", f"{fig.value:g}",
                                    f"one value for {figure_label(fig)} (also given as "
                                    f"{other.value:g} at {other.where})"))
    problems += _ytd_problems(plan, unique)
    if problems:
        raise IngestError(problems)
    result = IngestResult()
    held = _held(plan)
    to_write: list[Figure] = []
    for fig in unique:
        h = held.get(fig.key)
        if h is None:
            result.new.append(fig)
            to_write.append(fig)
            continue
        old, old_status = h
        if math.isclose(old, fig.value, rel_tol=1e-12, abs_tol=1e-12):
            if FIRM[fig.status] > FIRM.get(old_status, 0):
                result.revised.append((fig, old, old_status))
                to_write.append(fig)
            else:
                result.unchanged.append(fig)
        elif old_status in ("official", "derived") and not accept_revisions:
            result.conflicts.append((fig, old, old_status))
        else:
            result.revised.append((fig, old, old_status))
            to_write.append(fig)
    result.warnings = _jump_warnings(plan, to_write)
    if to_write and not dry_run:
        result.written = _append(plan, to_write, received)
    return result


def _ytd_problems(plan: Any, figures: list[Figure]) -> list[Problem]:
    """A year-to-date value of an amount or count below an earlier period's of the same year
    (the figures given and those held)."""
    measures = dict(zip(plan.indicators["indicator_id"], plan.indicators["measure"]))
    values: dict[tuple, dict[int, tuple[float, str]]] = {}
    obs = plan.observations
    held = obs[(obs["measure"] == "ytd") & (obs["status"] != "illustrative")]
    for r in held.itertuples():
        values.setdefault((r.indicator_id, r.geography, int(r.year)), {})[
            PERIOD_MONTHS[r.period]] = (float(r.value), f"held {r.period}")
    given = {}
    for f in figures:
        if f.measure == "ytd" and measures.get(f.indicator_id) in ("amount", "count"):
            months = PERIOD_MONTHS[f.period]
            values.setdefault((f.indicator_id, f.geography, f.year), {})[months] = (
                f.value, f.where)
            given[(f.indicator_id, f.geography, f.year, months)] = f
    problems = []
    for key, by_month in values.items():
        ordered = sorted(by_month.items())
        for (m0, (v0, w0)), (m1, (v1, _)) in zip(ordered, ordered[1:]):
            f = given.get(key + (m1,))
            if f is not None and v1 < v0:
                problems.append(Problem(f.file, f.where.split("!", 1)[1], "value", f"{v1:g}",
                                        f"a year-to-date value not below {v0:g}, the value up to "
                                        f"month {m0} ({w0}): a flow cannot fall"))
    return problems


def _jump_warnings(plan: Any, figures: list[Figure]) -> list[str]:
    held = _held(plan)
    measures = dict(zip(plan.indicators["indicator_id"], plan.indicators["measure"]))
    given = {f.key: f.value for f in figures}
    out = []
    for f in figures:
        if f.period or f.measure != "period" or measures.get(f.indicator_id) not in (
                "amount", "count"):
            continue
        prev_key = (f.indicator_id, f.geography, f.year - 1, "", "period")
        prev = given.get(prev_key, held.get(prev_key, (None,))[0])
        if prev is None or prev <= 0 or f.value <= 0:
            continue
        if max(f.value / prev, prev / f.value) > JUMP_FACTOR:
            out.append(f"{f.where}: {f.value:g} is more than {JUMP_FACTOR:g} times away from "
                       f"{f.year - 1}'s {prev:g} (check the unit and the figure)")
    return out


def _append(plan: Any, figures: list[Figure], received: _dt.date) -> Path:
    """observations.csv with the figures appended (new columns added to the header), validated
    as a whole in a scratch copy of the plan folder, then written atomically."""
    path = plan.files["observations"]
    if path.suffix != ".csv":
        raise QcplanError(f"{path.name}: ingest appends to observations.csv; this plan keeps "
                          "its observations as a workbook (save it as CSV first)")
    text = path.read_bytes().decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    header = records[0] if records else []
    header = header + [c for c in OUT_COLUMNS if c not in header]
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(header)
    for rec in records[1:]:
        if any(c.strip() for c in rec):
            w.writerow(rec + [""] * (len(header) - len(rec)))
    for f in figures:
        row = {"indicator_id": f.indicator_id, "geography": f.geography, "year": str(f.year),
               "period": f.period, "measure": f.measure, "value": f"{f.value:.10g}",
               "unit": f.unit, "status": f.status, "source": f.source or f.file,
               "note": f.note, "excerpt": f.excerpt, "received": received.isoformat(),
               "reporting_unit": f.reporting_unit, "file": f.file, "file_sha256": f.sha256}
        w.writerow([neutralise_cell(row.get(c, "")) if c in ("source", "note", "excerpt",
                                                              "reporting_unit", "file")
                    else row.get(c, "")
                    for c in header])
    new_text = out.getvalue()
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        for p in plan.files.values():
            shutil.copy2(p, scratch / p.name)
        meta = Path(plan.data_dir) / "plan.yaml"
        if meta.is_file() and not (scratch / meta.name).exists():
            shutil.copy2(meta, scratch / meta.name)
        (scratch / path.name).write_text(new_text, encoding="utf-8")
        try:
            load_plan(scratch)
        except DataError as e:
            raise IngestError([Problem(p.file, p.location, p.column, p.value,
                                       p.expected + " (after appending; nothing written)")
                               for p in e.problems]) from None

    return write_file(plan.data_dir, path, new_text)
