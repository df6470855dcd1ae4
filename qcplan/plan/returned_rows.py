"""The rows of a returned sheet checked one by one into :class:`Figure` records.

A :class:`RowChecker` knows the plan (its indicators, units, series per responsible unit, years)
and reads a sheet (:class:`qcplan.plan.returns.Sheet`, from a workbook or a CSV file): first the
file as a whole (the reporting unit it was issued to, or for ``--public`` the source and excerpt
columns), then each row in named steps: formulas, required cells, the series, the year, the
period, measure and status, the value (:func:`qcplan.numbers.read_cell_number`) and its range.
Every problem names the file, the cell, the column and what was expected.
:mod:`qcplan.plan.ingest` applies the figures.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qcplan.errors import Problem
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
from qcplan.plan.returns import Cell, Sheet
from qcplan.plan.schema import (
    INGEST_STATUSES,
    MEASURE_RANGES,
    OBS_MEASURES,
    PERIODS,
    PUBLIC_STATUSES,
    STATUS_WORDS,
    UNIT_CUTOFF,
)
from qcplan.plan.vintages import resolve_measure
from qcplan.text import suggest

__all__ = ["Figure", "RowChecker", "figure_label", "plan_geographies", "read_status"]

STATUS_EXPECTED = ("a status: 正式 (正式数), 初步 (初步数, 预计, 快报) or 估计, or the codes "
                   + ", ".join(INGEST_STATUSES))


def read_status(text: str) -> str:
    """The status code of a status cell: a code (any case) or a word units write
    (:data:`qcplan.plan.schema.STATUS_WORDS`: 正式 -> official, 预计 -> preliminary, ...); the
    text as it is when it is neither."""
    t = unicodedata.normalize("NFKC", text).strip()
    return STATUS_WORDS.get(t, t.lower() if t.lower() in INGEST_STATUSES else t)



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




def figure_label(f: Figure) -> str:
    """``gdp@<geography> 2025 M09 ytd``: a figure's series and period in a line."""
    when = f"{f.year}" + (f" {f.period}" if f.period else "")
    if f.measure != "period":
        when += f" {f.measure}"
    return f"{f.indicator_id}@{f.geography} {when}"



def _is_blank(cell: Cell | None) -> bool:
    return cell is None or cell.value is None or (isinstance(cell.value, str)
                                                  and not cell.value.strip())



def plan_geographies(plan: Any) -> set[str]:
    """Every geography the plan uses: of its targets, their benchmarks and the figures held."""
    geos = set(plan.targets["geography"]) | set(plan.observations["geography"])
    for b in plan.targets.get("benchmark", []):
        if isinstance(b, str) and "@" in b:
            geos.add(b.split("@", 1)[1])
    return {str(g) for g in geos if str(g) and str(g) != "nan"}



Bad = Callable[..., None]


class RowChecker:
    """Checks the rows of returned sheets against a plan (see the module documentation)."""

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

    # -- a sheet -------------------------------------------------------------
    def figures(self, sheet: Sheet, path: Path) -> tuple[list[Figure], list[Problem]]:
        """The figures of ``sheet`` (read from ``path``) and the problems found in it."""
        problems = list(sheet.problems)
        if self.public:
            problems += self._public_file_problems(sheet, path)
            unit: str | None = ""
        else:
            unit = self._reporting_unit(sheet, path, problems)
        if unit is None or (self.public and problems):
            return [], problems
        figures = []
        for r, cells in sheet.rows:
            fig, found = self.row(sheet, unit, r, cells)
            problems += found
            if fig is not None:
                figures.append(fig)
        return figures, problems

    def _public_file_problems(self, sheet: Sheet, path: Path) -> list[Problem]:
        """--public: a CSV file with the columns source and excerpt."""
        name = sheet.name
        if path.suffix.lower() != ".csv":
            return [Problem(name, "", "", None, "a CSV file (--public reads figures read from "
                            "published pages, one a row, with source and excerpt)")]
        return [Problem(name, "line 1", "", None, f"a column {f!r} (--public: the page and the "
                        "passage each figure was read from)")
                for f in ("source", "excerpt") if sheet.rows and f not in sheet.rows[0][1]]

    def _reporting_unit(self, sheet: Sheet, path: Path, problems: list[Problem]) -> str | None:
        """The unit the workbook was issued to (None, with a problem added, when unknown)."""
        name = sheet.name
        unit = self.canonical(sheet.unit)
        if unit is None and any(not p.location for p in problems):
            return None  # the file as a whole was refused: nothing more to say
        if unit is None:
            problems.append(Problem(name, f"{INFO_SHEET}!{UNIT_CELL}", "", None,
                                    "the reporting unit the workbook was issued to (for a CSV "
                                    "file: --unit, or a file named after the unit)"))
            return None
        if unit not in self.known_units:
            problems.append(Problem(name, f"{INFO_SHEET}!{UNIT_CELL}", "", unit,
                                    "a unit named in responsible_units of targets.csv (or one "
                                    "of its other names in responsible_units.csv)"
                                    + suggest(unit, list(self.aliases) or self.known_units,
                                              UNIT_CUTOFF)))
            return None
        stem = unicodedata.normalize("NFKC", path.stem).strip()
        named = max((u for u in self.aliases if stem.startswith(u)), key=len, default=None)
        named = self.aliases.get(named, named) if named is not None else None
        if named is not None and named != unit:
            problems.append(Problem(name, f"{INFO_SHEET}!{UNIT_CELL}", "", unit,
                                    f"the unit the file is named after ({named}): this is "
                                    f"{unit}'s workbook under another unit's name"))
        return unit

    # -- a row ---------------------------------------------------------------
    def row(self, sheet: Sheet, unit: str, r: int,
            cells: dict[str, Cell]) -> tuple[Figure | None, list[Problem]]:
        """The figure of row ``r`` (None for a row whose value is blank), or its problems."""
        name = sheet.name
        problems: list[Problem] = []

        def bad(f: str, expected: str, show: bool = True) -> None:
            c = cells[f]
            problems.append(Problem(name, c.ref, f, c.text if show else None, expected))

        problems += [Problem(name, c.ref, f, c.text,
                             "a typed value, not a formula (copy, then paste values)")
                     for f, c in cells.items() if c.formula and f in INPUT_FIELDS]
        if problems:
            return None, problems
        if _is_blank(cells.get("value")):
            return None, []  # a figure not yet available: left blank
        self._required_cells(cells, bad)
        series = None if problems else self._series(cells, unit, bad)
        if series is None:
            return None, problems
        ind, geo = series
        year = self._year(cells, bad)
        period, measure, status = self._period_measure_status(cells, bad)
        if period not in PERIODS or (measure and measure not in OBS_MEASURES):
            return None, problems
        measure = resolve_measure(period, measure, self.measures[ind])
        unit_expected = "%" if measure == "ytd_growth" else self.units[ind]
        value = self._value(cells, ind, measure, unit_expected, bad)
        if value is None or problems:
            return None, problems
        vc = cells["value"]
        return Figure(ind, geo, year, period, measure, value, status,
                      cells["source"].text if "source" in cells else "",
                      cells["note"].text if "note" in cells else "", unit_expected, unit, name,
                      sheet.sha256, f"{name}!{vc.ref}", f"{name}!{vc.ref.split('!')[0]}!{r}",
                      cells["excerpt"].text if "excerpt" in cells else ""), []

    def _required_cells(self, cells: dict[str, Cell], bad: Bad) -> None:
        required = ("indicator_id", "geography", "year") + (
            ("source", "excerpt") if self.public else ())
        for f in required:  # status: checked below
            if f in cells and _is_blank(cells[f]):
                bad(f, {"status": self.status_expected,
                        "year": "a year such as 2025"}.get(f, "a value (this cell is required "
                                                              "when a value is given)"))

    def _series(self, cells: dict[str, Cell], unit: str, bad: Bad) -> tuple[str, str] | None:
        """(indicator, geography) of the row when the plan (or the unit's workbook) has it."""
        ind = unicodedata.normalize("NFKC", cells["indicator_id"].text)
        geo = cells["geography"].text
        if ind not in self.units:
            bad("indicator_id", "an indicator_id of indicators.csv"
                + suggest(ind, self.units))
            return None
        if self.public:
            if geo not in self.geographies:
                bad("geography", "a geography of the plan (targets, benchmarks or figures held: "
                    + ", ".join(sorted(self.geographies)) + ")" + suggest(geo, self.geographies))
                return None
        elif (ind, geo) not in self.series_of[unit]:
            owners = [u for u, s in self.series_of.items() if (ind, geo) in s]
            who = f"; it is reported by {'、'.join(owners)}" if owners else ""
            bad("indicator_id", f"a series of {unit}'s targets (this workbook was issued to "
                f"{unit}; {ind}@{geo} is not one of them{who})")
            return None
        return ind, geo

    def _year(self, cells: dict[str, Cell], bad: Bad) -> int:
        """The row's year (0 after a problem)."""
        year_text = unicodedata.normalize("NFKC", cells["year"].text)
        low, high = self.years
        high = min(high, self.received.year)
        if not re.fullmatch(r"[0-9]{4}", year_text):
            bad("year", "a year such as 2025")
        elif not low <= int(year_text) <= high:
            bad("year", f"a year of the plan from {low} to {high} (not after the year received)")
        else:
            return int(year_text)
        return 0

    def _period_measure_status(self, cells: dict[str, Cell],
                               bad: Bad) -> tuple[str, str, str]:
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
        return period, measure, status

    def _value(self, cells: dict[str, Cell], ind: str, measure: str, unit_expected: str,
               bad: Bad) -> float | None:
        """The row's value in its indicator's unit and range (None when it is not a number)."""
        given_unit = cells["unit"].text if "unit" in cells else ""
        if given_unit and given_unit != unit_expected:
            bad("unit", f"{unit_expected!r}, the unit of {ind} (the unit cannot be changed)")
        value, expected = read_cell_number(cells["value"].value, unit_expected,
                                           cells["value"].percent)
        if value is None:
            bad("value", expected or "a number")
            return None
        m = self.measures[ind]
        if measure != "ytd_growth" and m in MEASURE_RANGES:
            lo, hi = MEASURE_RANGES[m]
            if m == "flag" and value not in (0.0, 1.0):
                bad("value", f"0 or 1 ({ind} is a milestone: 1 done, 0 not yet)")
            elif not lo <= value <= hi:
                what = f"between {lo:g} and {hi:g}" if hi != math.inf else f"≥ {lo:g}"
                bad("value", f"a value {what} ({ind} is of measure {m})")
        return value
