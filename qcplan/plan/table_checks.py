"""Checks within one table: columns, cells, ids, periods, dates, a table's own rules.

Each function checks one rule and returns a list of Problems; the tables are checked as read
(every cell text), so a problem can show the value as written. The checks that compare tables
(references, units, benchmarks, values against their indicator) are
:mod:`qcplan.plan.cross_checks`; :func:`qcplan.plan.validate.validate` runs them all.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from qcplan.errors import Problem
from qcplan.numbers import parse_int, parse_number
from qcplan.plan.schema import (
    DATE_PATTERN,
    ID_PATTERN,
    KINDS,
    PERIODS,
    RULES,
    SCHEMAS,
    THRESHOLD_REQUIRED,
    YEAR_MAX,
    YEAR_MIN,
    Column,
    one_of,
)
from qcplan.plan.tables import RawTable
from qcplan.plan.vintages import default_received, resolve_measure
from qcplan.text import UNSAFE_TEXT, suggest, unsafe_character

# An intensity reduction is decided on levels (amount, rate) or on yearly rates (growth: signed
# change; reduction: the fall as published).
REDUCTION_MEASURES: tuple[str, ...] = ("amount", "rate", "growth", "reduction")
BENCHMARK_PATTERN = re.compile(r"^([a-z][a-z0-9_]*)@(.+)$")
ID_TEXT = f"an id matching {ID_PATTERN.pattern} (lower-case letters, digits and _)"
NUMBER_TEXT = "a finite number (digits and an optional '.', no thousands separator)"
YEAR_TEXT = f"a whole year between {YEAR_MIN} and {YEAR_MAX}"






def parse_year(text: str) -> int | None:
    """The year written in ``text`` if it is within the allowed range, or None."""
    year = parse_int(text)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None



def a_noun(noun: str) -> str:
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def missing_columns(t: RawTable) -> list[str]:
    return [c for c in SCHEMAS[t.name].required if c not in t.positions]


def check_columns(t: RawTable) -> list[Problem]:
    """Required columns present; no unknown, unnamed or repeated column."""
    schema = SCHEMAS[t.name]
    problems = [
        t.problem(None, c, None, f"a column {c!r} (required)") for c in missing_columns(t)
    ]
    seen: set[str] = set()
    for name in t.header:
        if name in seen:
            problems.append(t.problem(None, name, name, "each column once"))
        elif not name:
            problems.append(t.problem(None, "", name, "a column name in the header"))
        elif name not in schema.names:
            problems.append(t.problem(None, name, name, one_of(schema.names) + suggest(
                name, schema.names)))
        seen.add(name)
    return problems


def _check_cell(t: RawTable, i: int, c: Column, v: str) -> Problem | None:
    unsafe = unsafe_character(v) if v else None
    if unsafe is not None:
        return t.problem(i, c.name, v, f"{UNSAFE_TEXT}; found {unsafe}")
    if not v:
        if not c.nonblank:
            return None
        if c.type == "id":
            return t.problem(i, c.name, v, "a non-empty id")
        if c.allowed:
            return t.problem(i, c.name, v, one_of(c.allowed))
        return t.problem(i, c.name, v, {"year": YEAR_TEXT, "number": NUMBER_TEXT}.get(
            c.type, "a value (blank is not allowed)"))
    if c.type == "id" and not ID_PATTERN.match(v):
        return t.problem(i, c.name, v, ID_TEXT)
    if c.type == "int" and parse_int(v) is None:
        return t.problem(i, c.name, v, "a whole number")
    if c.type == "year" and parse_year(v) is None:
        return t.problem(i, c.name, v, YEAR_TEXT)
    if c.type == "number" and parse_number(v) is None:
        return t.problem(i, c.name, v, NUMBER_TEXT)
    if c.allowed and v not in c.allowed:
        return t.problem(i, c.name, v, one_of(c.allowed) + suggest(v, c.allowed))
    return None


def check_cells(t: RawTable) -> list[Problem]:
    """Each cell on its own: no control or bidirectional characters (:mod:`qcplan.text`), filled
    where needed, ids, whole numbers, years, numbers, codes."""
    problems = []
    columns = [c for c in SCHEMAS[t.name].columns if c.name in t.positions]
    for i, row in enumerate(t.rows):
        for c in columns:
            p = _check_cell(t, i, c, row[c.name])
            if p is not None:
                problems.append(p)
    return problems


def check_periods(obs: RawTable) -> list[Problem]:
    """Period codes: blank (whole year), Q1-Q4, H1, M01-M12."""
    if "period" not in obs.positions:
        return []
    return [
        obs.problem(i, "period", row["period"], one_of(PERIODS))
        for i, row in enumerate(obs.rows)
        if row["period"] not in PERIODS
    ]


def check_unique_ids(t: RawTable) -> list[Problem]:
    """Ids of pillars, indicators and targets are unique."""
    column = SCHEMAS[t.name].id_column
    assert column is not None
    first: dict[str, int] = {}
    problems = []
    for i, row in enumerate(t.rows):
        v = row[column]
        if not v:
            continue
        if v in first:
            problems.append(t.problem(i, column, v,
                                      f"a unique {column} (already used at {t.where(first[v])})"))
        else:
            first[v] = i
    return problems


def indicator_measures(indicators: RawTable | None) -> dict[str, str]:
    return {} if indicators is None else {r["indicator_id"]: r["measure"] for r in indicators.rows}


def row_key(row: Mapping[str, str], measures: Mapping[str, str]) -> tuple[str, ...]:
    """(indicator_id, geography, year, period, measure) with the measure's default filled in."""
    period = row.get("period", "")
    measure = resolve_measure(period, row.get("measure", ""), measures.get(row["indicator_id"], ""))
    return (row["indicator_id"], row["geography"], row["year"], period, measure)


def row_received(row: Mapping[str, str]) -> str:
    """The row's received date, or the end of its period when blank (the documented default)."""
    given = row.get("received", "")
    if given:
        return given
    year = parse_year(row["year"])
    return default_received(year, row.get("period", "")) if year is not None else ""


def check_unique_observations(obs: RawTable, indicators: RawTable | None = None) -> list[Problem]:
    """One figure per indicator_id, geography, year, period and measure received on one date
    (a revision is a row with a later ``received`` date)."""
    measures = indicator_measures(indicators)
    first: dict[tuple[str, ...], int] = {}
    problems = []
    for i, row in enumerate(obs.rows):
        key = row_key(row, measures) + (row_received(row),)
        if key in first:
            ind, geo, year, period, measure, received = key
            what = period or "whole year"
            if measure != "period":
                what += f" {measure}"
            problems.append(obs.problem(
                i, "year", year,
                f"one figure per indicator_id, geography, year, period and measure received on "
                f"one date ({ind}@{geo} {year} {what} received {received} already at "
                f"{obs.where(first[key])}; a revision needs a later received date)",
            ))
        else:
            first[key] = i
    return problems


def check_observation_dates(obs: RawTable) -> list[Problem]:
    """``received`` is a real date YYYY-MM-DD, not before the figure's period began."""
    import datetime as _dt

    if "received" not in obs.positions:
        return []
    problems = []
    for i, row in enumerate(obs.rows):
        text = row["received"]
        if not text:
            continue
        try:
            if not DATE_PATTERN.match(text):
                raise ValueError
            day = _dt.date.fromisoformat(text)
        except ValueError:
            problems.append(obs.problem(i, "received", text, "a date YYYY-MM-DD (or blank: the "
                                        "end of the figure's period)"))
            continue
        year = parse_year(row["year"])
        if year is not None and day.year < year:
            problems.append(obs.problem(i, "received", text,
                                        f"a date in or after {year}, the year of the figure"))
    return problems



def check_illustrative_status(ill: RawTable) -> list[Problem]:
    """Every row of the generated illustrative table has status illustrative."""
    return [ill.problem(i, "status", row["status"], "illustrative (real figures go in "
                        "observations.csv)")
            for i, row in enumerate(ill.rows) if row["status"] != "illustrative"]


def has_unit(indicator: Mapping[str, str]) -> bool:
    return bool(indicator["unit"]) or indicator["measure"] == "flag"


def check_english_units(indicators: RawTable) -> list[Problem]:
    """With a ``unit_en`` column, every indicator with a unit has its English form."""
    if "unit_en" not in indicators.positions:
        return []
    return [indicators.problem(i, "unit_en", row.get("unit_en", ""),
                               f"the English form of the unit {row['unit']!r} (e.g. 'beds', "
                               "'per 1,000 people', 'hundred million yuan')")
            for i, row in enumerate(indicators.rows)
            if row["unit"] and not row.get("unit_en")]


def check_indicator_units(indicators: RawTable) -> list[Problem]:
    """Every indicator has a unit (a flag may have none)."""
    return [
        indicators.problem(i, "unit", row["unit"], "a unit (blank only for a flag)")
        for i, row in enumerate(indicators.rows)
        if not has_unit(row)
    ]


def check_target_rules(targets: RawTable) -> list[Problem]:
    """Rule, threshold, direction, years and benchmark fit the target's kind."""
    problems = []
    for i, row in enumerate(targets.rows):
        kind = row["kind"]
        if kind not in KINDS:
            continue
        rule, threshold = row.get("rule", ""), row["threshold"]
        allowed = RULES.get(kind, ())
        if allowed and rule not in allowed:
            problems.append(targets.problem(
                i, "rule", rule, f"for kind {kind}: {one_of(allowed)}" + suggest(rule, allowed)))
        elif not allowed and rule:
            problems.append(targets.problem(i, "rule", rule, f"blank for kind {kind}"))
        if kind in THRESHOLD_REQUIRED and not threshold:
            problems.append(targets.problem(
                i, "threshold", threshold, f"a number (kind {kind} needs a threshold)"))
        if kind == "milestone":
            if threshold and parse_number(threshold) != 1:
                problems.append(targets.problem(
                    i, "threshold", threshold, "blank or 1 for a milestone"))
            if row["direction"] not in ("", "at_least"):
                problems.append(targets.problem(
                    i, "direction", row["direction"], "at_least for a milestone"))
        if kind == "reduction":
            fall = parse_number(threshold)
            if fall is not None and not 0 < fall < 100:
                problems.append(targets.problem(
                    i, "threshold", threshold,
                    "a fall in % between 0 and 100 (单位GDP能耗降低13.5% is 13.5)"))
        low, high = parse_number(threshold), parse_number(row.get("threshold_high", ""))
        if low is not None and high is not None and high < low:
            problems.append(targets.problem(
                i, "threshold_high", row["threshold_high"], f"a number ≥ threshold {threshold}"))
        start, due = parse_year(row["period_start"]), parse_year(row["target_year"])
        if start is not None and due is not None and due < start:
            problems.append(targets.problem(
                i, "target_year", row["target_year"],
                f"a year not before period_start {row['period_start']}"))
        base = parse_year(row.get("base_year", ""))
        if base is not None and due is not None and base >= due:
            problems.append(targets.problem(
                i, "base_year", row["base_year"],
                f"a year before target_year {row['target_year']} (or blank: period_start)"))
        benchmark = row.get("benchmark", "")
        if kind == "relative" and not benchmark:
            problems.append(targets.problem(
                i, "benchmark", benchmark,
                "indicator_id@geography of the benchmark series (kind relative needs one)"))
        elif kind == "relative" and not BENCHMARK_PATTERN.match(benchmark):
            problems.append(targets.problem(
                i, "benchmark", benchmark, "the form indicator_id@geography, e.g. gdp@安徽省"))
        elif kind != "relative" and benchmark:
            problems.append(targets.problem(
                i, "benchmark", benchmark, f"blank for kind {kind} (benchmarks are for relative)"))
    return problems


