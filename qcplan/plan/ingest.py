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
limits); this module checks each row and applies the figures.

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
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qcplan.errors import DataError, Problem, QcplanError
from qcplan.files import neutralise_cell
from qcplan.numbers import read_cell_number
from qcplan.plan.collect import (
    INFO_SHEET,
    INPUT_FIELDS,
    UNIT_CELL,
    plan_years,
    unit_aliases,
    unit_names,
    units_series,
)
from qcplan.plan.returns import Cell, Sheet, read_csv_file, read_workbook
from qcplan.plan.schema import (
    INGEST_STATUSES,
    JUMP_FACTOR,
    MEASURE_RANGES,
    OBS_MEASURES,
    PERIOD_MONTHS,
    PERIODS,
    PUBLIC_STATUSES,
    SCHEMAS,
    STATUS_WORDS,
    UNIT_CUTOFF,
)
from qcplan.plan.vintages import resolve_measure
from qcplan.text import suggest

STATUS_EXPECTED = ("a status: 正式 (正式数), 初步 (初步数, 预计, 快报) or 估计, or the codes "
                   + ", ".join(INGEST_STATUSES))


def read_status(text: str) -> str:
    """The status code of a status cell: a code (any case) or a word units write
    (:data:`qcplan.plan.schema.STATUS_WORDS`: 正式 -> official, 预计 -> preliminary, ...); the
    text as it is when it is neither."""
    t = unicodedata.normalize("NFKC", text).strip()
    return STATUS_WORDS.get(t, t.lower() if t.lower() in INGEST_STATUSES else t)


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
class Figure:
    """One figure read from a returned file, with the cell it came from."""

    indicator_id: str
    geography: str
    year: int
    period: str
    measure: str
    value: float
    status: str
    source: str
    note: str
    unit: str
    reporting_unit: str
    file: str
    sha256: str
    where: str  # file!sheet!cell of the value
    row_where: str  # file!sheet!row
    excerpt: str = ""  # the source's passage, verbatim (public figures)

    @property
    def key(self) -> tuple[str, str, int, str, str]:
        return (self.indicator_id, self.geography, self.year, self.period, self.measure)


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
            lines.append(f"  new        {_label(f)} = {f.value:g} {f.status}  ({f.where})")
        for f, old, st in self.revised:
            lines.append(f"  revised    {_label(f)}: {old:g} {st} -> {f.value:g} {f.status}  "
                         f"({f.where})")
        for f, old, st in self.conflicts:
            lines.append(f"  CONFLICT   {_label(f)}: {old:g} {st} held, {f.value:g} {f.status} "
                         f"given ({f.where}); not applied (use --accept-revisions)")
        for w in self.warnings:
            lines.append(f"  warning    {w}")
        if self.written is not None:
            lines.append(f"written: {self.written}")
        else:
            lines.append("nothing written")
        return "\n".join(lines)


def _label(f: Figure) -> str:
    when = f"{f.year}" + (f" {f.period}" if f.period else "")
    if f.measure != "period":
        when += f" {f.measure}"
    return f"{f.indicator_id}@{f.geography} {when}"


# ------------------------------------------------------------------ reading a cell's figure


def _is_blank(cell: Cell | None) -> bool:
    return cell is None or cell.value is None or (isinstance(cell.value, str)
                                                  and not cell.value.strip())


# ------------------------------------------------------------------ checking rows
class _Checker:
    def __init__(self, plan: Any, received: _dt.date, public: bool = False):
        self.plan = plan
        self.received = received
        self.public = public
        self.statuses = PUBLIC_STATUSES if public else INGEST_STATUSES
        self.status_expected = STATUS_EXPECTED + (
            ", or derived (one subtraction or addition stated on the page)" if public else "")
        self.geographies = plan_geographies(plan)
        ind = plan.indicators.set_index("indicator_id")
        self.units = dict(zip(ind.index, ind["unit"]))
        self.measures = dict(zip(ind.index, ind["measure"]))
        self.known_units = unit_names(plan)
        self.aliases = unit_aliases(plan)
        self.series_of = units_series(plan)
        self.years = plan_years(plan)

    def canonical(self, name: str | None) -> str | None:
        """The unit a name stands for (its own name when it is no other unit's alias)."""
        if name is None:
            return None
        name = unicodedata.normalize("NFKC", name).strip()
        return self.aliases.get(name, name)

    def figures(self, sheet: Sheet, path: Path) -> tuple[list[Figure], list[Problem]]:
        problems = list(sheet.problems)
        name = sheet.name
        if self.public:
            if path.suffix.lower() != ".csv":
                return [], problems + [Problem(name, "", "", None,
                                               "a CSV file (--public reads figures read from "
                                               "published pages, one a row, with source and "
                                               "excerpt)")]
            for f in ("source", "excerpt"):
                if sheet.rows and f not in sheet.rows[0][1]:
                    problems.append(Problem(name, "line 1", "", None,
                                            f"a column {f!r} (--public: the page and the "
                                            "passage each figure was read from)"))
            if problems:
                return [], problems
            figures = []
            for r, cells in sheet.rows:
                fig, found = self._row(sheet, "", r, cells)
                problems += found
                if fig is not None:
                    figures.append(fig)
            return figures, problems
        unit = self.canonical(sheet.unit)
        if unit is None and any(not p.location for p in problems):
            return [], problems  # the file as a whole was refused: nothing more to say
        if unit is None:
            problems.append(Problem(name, f"{INFO_SHEET}!{UNIT_CELL}", "", None,
                                    "the reporting unit the workbook was issued to (for a CSV "
                                    "file: --unit, or a file named after the unit)"))
            return [], problems
        if unit not in self.known_units:
            problems.append(Problem(name, f"{INFO_SHEET}!{UNIT_CELL}", "", unit,
                                    "a unit named in responsible_units of targets.csv (or one "
                                    "of its other names in responsible_units.csv)"
                                    + suggest(unit, list(self.aliases) or self.known_units,
                                               UNIT_CUTOFF)))
            return [], problems
        stem = unicodedata.normalize("NFKC", path.stem).strip()
        named = max((u for u in self.aliases if stem.startswith(u)), key=len, default=None)
        named = self.aliases.get(named, named) if named is not None else None
        if named is not None and named != unit:
            problems.append(Problem(name, f"{INFO_SHEET}!{UNIT_CELL}", "", unit,
                                    f"the unit the file is named after ({named}): this is "
                                    f"{unit}'s workbook under another unit's name"))
        figures = []
        for r, cells in sheet.rows:
            fig, found = self._row(sheet, unit, r, cells)
            problems += found
            if fig is not None:
                figures.append(fig)
        return figures, problems

    def _row(self, sheet: Sheet, unit: str, r: int,
             cells: dict[str, Cell]) -> tuple[Figure | None, list[Problem]]:
        name = sheet.name
        problems: list[Problem] = []

        def bad(f: str, expected: str, show: bool = True) -> None:
            c = cells[f]
            problems.append(Problem(name, c.ref, f, c.text if show else None, expected))

        for f, c in cells.items():
            if c.formula and f in INPUT_FIELDS:
                problems.append(Problem(name, c.ref, f, c.text,
                                        "a typed value, not a formula (copy, then paste values)"))
        if problems:
            return None, problems
        if _is_blank(cells.get("value")):
            return None, []  # a figure not yet available: left blank
        required = ("indicator_id", "geography", "year") + (
            ("source", "excerpt") if self.public else ())
        for f in required:  # status: checked below
            if f in cells and _is_blank(cells[f]):
                bad(f, {"status": self.status_expected,
                        "year": "a year such as 2025"}.get(f, "a value (this cell is required "
                                                              "when a value is given)"))
        if problems:
            return None, problems
        ind = unicodedata.normalize("NFKC", cells["indicator_id"].text)
        geo = cells["geography"].text
        if ind not in self.units:
            bad("indicator_id", "an indicator_id of indicators.csv"
                + suggest(ind, self.units))
            return None, problems
        if self.public:
            if geo not in self.geographies:
                bad("geography", "a geography of the plan (targets, benchmarks or figures held: "
                    + ", ".join(sorted(self.geographies)) + ")" + suggest(geo, self.geographies))
                return None, problems
        elif (ind, geo) not in self.series_of[unit]:
            owners = [u for u, s in self.series_of.items() if (ind, geo) in s]
            who = f"; it is reported by {'、'.join(owners)}" if owners else ""
            bad("indicator_id", f"a series of {unit}'s targets (this workbook was issued to "
                f"{unit}; {ind}@{geo} is not one of them{who})")
            return None, problems
        year_text = unicodedata.normalize("NFKC", cells["year"].text)
        low, high = self.years
        high = min(high, self.received.year)
        year = 0
        if not re.fullmatch(r"[0-9]{4}", year_text):
            bad("year", "a year such as 2025")
        elif not low <= int(year_text) <= high:
            bad("year", f"a year of the plan from {low} to {high} (not after the year received)")
        else:
            year = int(year_text)
        period = unicodedata.normalize("NFKC", cells["period"].text).upper() \
            if "period" in cells else ""
        if period not in PERIODS:
            bad("period", "blank (whole year), M01-M12, Q1-Q4 or H1")
        measure = cells["measure"].text if "measure" in cells else ""
        if measure and measure not in OBS_MEASURES:
            bad("measure", "one of " + ", ".join(OBS_MEASURES) + suggest(measure, OBS_MEASURES))
        elif not period and measure in ("ytd", "ytd_growth"):
            bad("measure", "period (or blank) for a whole-year figure")
        status = read_status(cells["status"].text)
        if status not in self.statuses:
            bad("status", self.status_expected + suggest(cells["status"].text,
                                                          list(STATUS_WORDS) + list(self.statuses)))
        if period not in PERIODS or (measure and measure not in OBS_MEASURES):
            return None, problems
        measure = resolve_measure(period, measure, self.measures[ind])
        unit_expected = "%" if measure == "ytd_growth" else self.units[ind]
        given_unit = cells["unit"].text if "unit" in cells else ""
        if given_unit and given_unit != unit_expected:
            bad("unit", f"{unit_expected!r}, the unit of {ind} (the unit cannot be changed)")
        value, expected = read_cell_number(cells["value"].value, unit_expected,
                                           cells["value"].percent)
        if value is None:
            bad("value", expected or "a number")
            return None, problems
        m = self.measures[ind]
        if measure != "ytd_growth" and m in MEASURE_RANGES:
            lo, hi = MEASURE_RANGES[m]
            if m == "flag" and value not in (0.0, 1.0):
                bad("value", f"0 or 1 ({ind} is a milestone: 1 done, 0 not yet)")
            elif not lo <= value <= hi:
                what = f"between {lo:g} and {hi:g}" if hi != math.inf else f"≥ {lo:g}"
                bad("value", f"a value {what} ({ind} is of measure {m})")
        if problems:
            return None, problems
        vc = cells["value"]
        return Figure(ind, geo, year, period, measure, value, status,
                      cells["source"].text if "source" in cells else "",
                      cells["note"].text if "note" in cells else "", unit_expected, unit, name,
                      sheet.sha256, f"{name}!{vc.ref}", f"{name}!{vc.ref.split('!')[0]}!{r}",
                      cells["excerpt"].text if "excerpt" in cells else ""), []


# ------------------------------------------------------------------ applying
def plan_geographies(plan: Any) -> set[str]:
    """Every geography the plan uses: of its targets, their benchmarks and the figures held."""
    geos = set(plan.targets["geography"]) | set(plan.observations["geography"])
    for b in plan.targets.get("benchmark", []):
        if isinstance(b, str) and "@" in b:
            geos.add(b.split("@", 1)[1])
    return {str(g) for g in geos if str(g) and str(g) != "nan"}


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
    from qcplan.plan.load import load_plan
    from qcplan.plan.writer import plan_lock

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
    checker = _Checker(plan, received, public)
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
                                    f"one value for {_label(fig)} (also given as "
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
    from qcplan.plan.load import load_plan

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
    from qcplan.plan.writer import write_file

    return write_file(plan.data_dir, path, new_text)
