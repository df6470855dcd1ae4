"""Whole-table checks. Each function checks one rule and returns a list of Problems.

The tables are checked as read (every cell text), so a problem can show the value as written.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from qcplan.errors import Problem
from qcplan.plan.schema import (
    ID_PATTERN,
    INTEGER_PATTERN,
    KIND_MEASURE,
    KINDS,
    MEASURE_RANGES,
    NUMBER_PATTERN,
    OBSERVATION_KEY,
    PERIODS,
    RULES,
    SCHEMAS,
    THRESHOLD_ON_SCALE,
    THRESHOLD_REQUIRED,
    YEAR_MAX,
    YEAR_MIN,
    Column,
    one_of,
)

if TYPE_CHECKING:
    from qcplan.plan.load import RawTable

BENCHMARK_PATTERN = re.compile(r"^([a-z][a-z0-9_]*)@(.+)$")
ID_TEXT = f"an id matching {ID_PATTERN.pattern} (lower-case letters, digits and _)"
NUMBER_TEXT = "a finite number (digits and an optional '.', no thousands separator)"
YEAR_TEXT = f"a whole year between {YEAR_MIN} and {YEAR_MAX}"


def parse_number(text: str) -> float | None:
    """The finite float written in ``text``, or None (blank, 'nan', 'inf', '1,2', ...)."""
    if not NUMBER_PATTERN.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_int(text: str) -> int | None:
    """The integer written in ``text``, or None."""
    return int(text) if INTEGER_PATTERN.match(text) else None


def parse_year(text: str) -> int | None:
    """The year written in ``text`` if it is within the allowed range, or None."""
    year = parse_int(text)
    return year if year is not None and YEAR_MIN <= year <= YEAR_MAX else None


def _suggest(value: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=0.75)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _a(noun: str) -> str:
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
            problems.append(t.problem(None, name, name, one_of(schema.names) + _suggest(
                name, schema.names)))
        seen.add(name)
    return problems


def _check_cell(t: RawTable, i: int, c: Column, v: str) -> Problem | None:
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
        return t.problem(i, c.name, v, one_of(c.allowed) + _suggest(v, c.allowed))
    return None


def check_cells(t: RawTable) -> list[Problem]:
    """Each cell on its own: filled where needed, ids, whole numbers, years, numbers, codes."""
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


def check_unique_observations(obs: RawTable) -> list[Problem]:
    """One figure per indicator_id, geography, year and period."""
    first: dict[tuple[str, ...], int] = {}
    problems = []
    for i, row in enumerate(obs.rows):
        key = tuple(row.get(c, "") for c in OBSERVATION_KEY)
        if key in first:
            ind, geo, year, period = key
            problems.append(obs.problem(
                i, "year", year,
                f"one figure per indicator_id, geography, year and period "
                f"({ind}@{geo} {year} {period or 'whole year'} already at {obs.where(first[key])})",
            ))
        else:
            first[key] = i
    return problems


def check_references(t: RawTable, column: str, other: RawTable) -> list[Problem]:
    """Every non-blank ``column`` of ``t`` is an id of table ``other``."""
    id_column = SCHEMAS[other.name].id_column
    known = {row[id_column] for row in other.rows}
    problems = []
    for i, row in enumerate(t.rows):
        v = row[column]
        if v and ID_PATTERN.match(v) and v not in known:
            problems.append(t.problem(
                i, column, v, f"{_a(id_column)} listed in {other.file}" + _suggest(v, known)))
    return problems


def _has_unit(indicator: Mapping[str, str]) -> bool:
    return bool(indicator["unit"]) or indicator["measure"] == "flag"


def check_indicator_units(indicators: RawTable) -> list[Problem]:
    """Every indicator has a unit (a flag may have none)."""
    return [
        indicators.problem(i, "unit", row["unit"], "a unit (blank only for a flag)")
        for i, row in enumerate(indicators.rows)
        if not _has_unit(row)
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
                i, "rule", rule, f"for kind {kind}: {one_of(allowed)}" + _suggest(rule, allowed)))
        elif not allowed and rule:
            problems.append(targets.problem(i, "rule", rule, f"blank for kind {kind}"))
        if kind in THRESHOLD_REQUIRED and not threshold:
            problems.append(targets.problem(
                i, "threshold", threshold, f"a number (kind {kind} needs a threshold)"))
        if kind == "milestone":
            if threshold and parse_number(threshold) != 1:
                problems.append(targets.problem(
                    i, "threshold", threshold, "blank or 1 for a milestone"))
            if row["direction"] == "at_most":
                problems.append(targets.problem(
                    i, "direction", row["direction"], "at_least for a milestone"))
        low, high = parse_number(threshold), parse_number(row.get("threshold_high", ""))
        if low is not None and high is not None and high < low:
            problems.append(targets.problem(
                i, "threshold_high", row["threshold_high"], f"a number ≥ threshold {threshold}"))
        start, due = parse_year(row["period_start"]), parse_year(row["target_year"])
        if start is not None and due is not None and due < start:
            problems.append(targets.problem(
                i, "target_year", row["target_year"],
                f"a year not before period_start {row['period_start']}"))
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


def _unit_problem(table: RawTable, i: int, row: dict, ind: dict,
                  indicators: RawTable) -> list[Problem]:
    """A row whose unit is not its indicator's unit in the registry (none, or one problem)."""
    if row["unit"] == ind["unit"] or not _has_unit(ind):
        return []
    return [table.problem(i, "unit", row["unit"],
                          f"{ind['unit']!r}, the unit of {row['indicator_id']} in "
                          f"{indicators.file}")]


def check_target_indicators(targets: RawTable, indicators: RawTable) -> list[Problem]:
    """A target carries its indicator's unit; its kind fits the indicator's measure and range."""
    registry = {row["indicator_id"]: row for row in indicators.rows}
    problems = []
    for i, row in enumerate(targets.rows):
        ind = registry.get(row["indicator_id"])
        if ind is None:
            continue
        problems += _unit_problem(targets, i, row, ind, indicators)
        kind, measure = row["kind"], ind["measure"]
        if kind in KIND_MEASURE and measure != KIND_MEASURE[kind]:
            problems.append(targets.problem(
                i, "kind", kind, f"an indicator of measure {KIND_MEASURE[kind]} for kind {kind} "
                f"({row['indicator_id']} is {measure!r})"))
        low, high = MEASURE_RANGES.get(measure, (-math.inf, math.inf))
        if kind in THRESHOLD_ON_SCALE:
            for column in ("threshold", "threshold_high"):
                value = parse_number(row.get(column, ""))
                if value is not None and not low <= value <= high:
                    problems.append(targets.problem(
                        i, column, row[column], _range_text(measure, row["indicator_id"])))
    return problems


def check_benchmarks(
    targets: RawTable, indicators: RawTable, observations: RawTable | None
) -> list[Problem]:
    """A benchmark names a registered indicator and a series that has observations."""
    registry = {row["indicator_id"] for row in indicators.rows}
    series = None
    if observations is not None:
        series = {(row["indicator_id"], row["geography"]) for row in observations.rows}
    problems = []
    for i, row in enumerate(targets.rows):
        m = BENCHMARK_PATTERN.match(row.get("benchmark", ""))
        if row["kind"] != "relative" or m is None:
            continue
        ind, geo = m.groups()
        if ind not in registry:
            problems.append(targets.problem(
                i, "benchmark", row["benchmark"],
                f"a benchmark whose indicator is listed in {indicators.file}"
                + _suggest(ind, registry)))
        elif observations is not None and series is not None and (ind, geo) not in series:
            problems.append(targets.problem(
                i, "benchmark", row["benchmark"],
                f"a benchmark series with observations in {observations.file}"))
    return problems


def _range_text(measure: str, indicator_id: str) -> str:
    if measure == "flag":
        return f"0 or 1 ({indicator_id} is a flag)"
    low, high = MEASURE_RANGES[measure]
    if high == math.inf:
        return f"a value ≥ {low:g} ({indicator_id} is of measure {measure})"
    return f"a value between {low:g} and {high:g} ({indicator_id} is of measure {measure})"


def check_observation_values(observations: RawTable, indicators: RawTable) -> list[Problem]:
    """An observation carries the registry's unit and a value within its measure's range."""
    registry = {row["indicator_id"]: row for row in indicators.rows}
    problems = []
    for i, row in enumerate(observations.rows):
        ind = registry.get(row["indicator_id"])
        if ind is None:
            continue
        problems += _unit_problem(observations, i, row, ind, indicators)
        value, measure = parse_number(row["value"]), ind["measure"]
        if value is None or measure not in MEASURE_RANGES:
            continue
        low, high = MEASURE_RANGES[measure]
        bad = value not in (0.0, 1.0) if measure == "flag" else not low <= value <= high
        if bad:
            problems.append(observations.problem(
                i, "value", row["value"], _range_text(measure, row["indicator_id"])))
    return problems


def validate(tables: Mapping[str, RawTable]) -> list[Problem]:
    """Every problem of every table that could be read.

    A table that lacks required columns gets only its column problems (the rest would cascade).
    """
    problems: list[Problem] = []
    ok: dict[str, RawTable] = {}
    for name, t in tables.items():
        problems += check_columns(t)
        if not missing_columns(t):
            ok[name] = t
    for t in ok.values():
        problems += check_cells(t)
        if SCHEMAS[t.name].id_column:
            problems += check_unique_ids(t)
    pillars, indicators = ok.get("pillars"), ok.get("indicators")
    targets, observations = ok.get("targets"), ok.get("observations")
    if indicators is not None:
        problems += check_indicator_units(indicators)
    if targets is not None:
        problems += check_target_rules(targets)
        if pillars is not None:
            problems += check_references(targets, "pillar", pillars)
        if indicators is not None:
            problems += check_references(targets, "indicator_id", indicators)
            problems += check_target_indicators(targets, indicators)
            problems += check_benchmarks(targets, indicators, observations)
    if observations is not None:
        problems += check_periods(observations)
        problems += check_unique_observations(observations)
        if indicators is not None:
            problems += check_references(observations, "indicator_id", indicators)
            problems += check_observation_values(observations, indicators)
    return problems
