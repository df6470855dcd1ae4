"""Whole-table checks. Each function checks one rule and returns a list of Problems.

The tables are checked as read (every cell text), so a problem can show the value as written.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Iterable, Mapping

from qcplan.errors import Problem
from qcplan.numbers import parse_int, parse_number
from qcplan.plan.schema import (
    DATE_PATTERN,
    ID_PATTERN,
    JUMP_FACTOR,
    KIND_MEASURE,
    KINDS,
    MEASURE_RANGES,
    PERIOD_MONTHS,
    PERIODS,
    RULES,
    SCHEMAS,
    THRESHOLD_ON_SCALE,
    THRESHOLD_REQUIRED,
    YEAR_MAX,
    YEAR_MIN,
    Column,
    one_of,
    split_aliases,
)
from qcplan.plan.tables import RawTable
from qcplan.text import UNSAFE_TEXT, unsafe_character

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


# Names of units differ more than ids do (区人社局 / 区人力资源社会保障局): a looser match.
UNIT_CUTOFF = 0.5


def _suggest(value: str, known: Iterable[str], cutoff: float = 0.75) -> str:
    close = difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)
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
        return t.problem(i, c.name, v, one_of(c.allowed) + _suggest(v, c.allowed))
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


def _measures(indicators: RawTable | None) -> dict[str, str]:
    return {} if indicators is None else {r["indicator_id"]: r["measure"] for r in indicators.rows}


def row_key(row: Mapping[str, str], measures: Mapping[str, str]) -> tuple[str, ...]:
    """(indicator_id, geography, year, period, measure) with the measure's default filled in."""
    from qcplan.plan.vintages import resolve_measure

    period = row.get("period", "")
    measure = resolve_measure(period, row.get("measure", ""), measures.get(row["indicator_id"], ""))
    return (row["indicator_id"], row["geography"], row["year"], period, measure)


def row_received(row: Mapping[str, str]) -> str:
    """The row's received date, or the end of its period when blank (the documented default)."""
    from qcplan.plan.vintages import default_received

    given = row.get("received", "")
    if given:
        return given
    year = parse_year(row["year"])
    return default_received(year, row.get("period", "")) if year is not None else ""


def check_unique_observations(obs: RawTable, indicators: RawTable | None = None) -> list[Problem]:
    """One figure per indicator_id, geography, year, period and measure received on one date
    (a revision is a row with a later ``received`` date)."""
    measures = _measures(indicators)
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


def check_observation_measures(obs: RawTable, indicators: RawTable | None) -> list[Problem]:
    """A whole-year figure is the year's own value; a ``ytd_growth`` figure is in %."""
    if "measure" not in obs.positions:
        return []
    problems = []
    for i, row in enumerate(obs.rows):
        m = row["measure"]
        if not row.get("period", "") and m in ("ytd", "ytd_growth"):
            problems.append(obs.problem(i, "measure", m, "blank or period for a whole-year "
                                        "figure (ytd and ytd_growth need a period M01-M12, Q1-Q4)"))
        if m == "ytd_growth" and row["unit"] != "%":
            problems.append(obs.problem(i, "unit", row["unit"],
                                        "'%' for a year-to-date growth rate (measure ytd_growth)"))
    return problems


def check_ytd_order(obs: RawTable, indicators: RawTable) -> list[Problem]:
    """A year-to-date value of a non-negative flow (an amount or a count) does not fall from one
    period to a later one of the same year (current vintages compared)."""
    measures = _measures(indicators)
    latest: dict[tuple[str, ...], tuple[str, int]] = {}
    for i, row in enumerate(obs.rows):
        if measures.get(row["indicator_id"]) not in ("amount", "count"):
            continue
        key = row_key(row, measures)
        if key[4] != "ytd" or row.get("status") == "illustrative":
            continue
        received = row_received(row)
        if key not in latest or received >= latest[key][0]:
            latest[key] = (received, i)
    by_year: dict[tuple[str, ...], list[tuple[int, int]]] = {}
    for key, (_, i) in latest.items():
        by_year.setdefault(key[:3], []).append((PERIOD_MONTHS.get(key[3], 12), i))
    problems = []
    for items in by_year.values():
        items.sort()
        for (m0, i0), (m1, i1) in zip(items, items[1:]):
            v0, v1 = parse_number(obs.rows[i0]["value"]), parse_number(obs.rows[i1]["value"])
            if m1 > m0 and v0 is not None and v1 is not None and v1 < v0:
                p0 = obs.rows[i0]["period"]
                problems.append(obs.problem(
                    i1, "value", obs.rows[i1]["value"],
                    f"a year-to-date value not below the {p0} year-to-date value {v0:g} at "
                    f"{obs.where(i0, 'value')} (a non-negative flow cannot fall)"))
    return problems


def check_illustrative_status(ill: RawTable) -> list[Problem]:
    """Every row of the generated illustrative table has status illustrative."""
    return [ill.problem(i, "status", row["status"], "illustrative (real figures go in "
                        "observations.csv)")
            for i, row in enumerate(ill.rows) if row["status"] != "illustrative"]


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


def check_english_units(indicators: RawTable) -> list[Problem]:
    """With a ``unit_en`` column, every indicator with a unit has its English form."""
    if "unit_en" not in indicators.positions:
        return []
    return [indicators.problem(i, "unit_en", row.get("unit_en", ""),
                               f"the English form of the unit {row['unit']!r} (e.g. 'beds', "
                               "'per 1,000 people', 'hundred million yuan')")
            for i, row in enumerate(indicators.rows)
            if row["unit"] and not row.get("unit_en")]


def check_responsible_units(targets: RawTable, registry: RawTable) -> list[Problem]:
    """Every responsible unit a target names (joined with 、) is in the registry, by its name or
    one of its ``aliases``; no name stands for two units."""

    problems = []
    owner: dict[str, str] = {}
    for i, r in enumerate(registry.rows):
        name = unicodedata.normalize("NFKC", r["name_zh"]).strip()
        if name in owner and owner[name] != name:
            problems.append(registry.problem(i, "name_zh", name, f"a name that is not already "
                                             f"another unit's alias (an alias of {owner[name]})"))
        owner[name] = name
    for i, r in enumerate(registry.rows):
        name = unicodedata.normalize("NFKC", r["name_zh"]).strip()
        for alias in split_aliases(r.get("aliases", "")):
            if owner.get(alias, name) != name:
                problems.append(registry.problem(
                    i, "aliases", alias, f"a name of no other unit (it names {owner[alias]})"))
            owner.setdefault(alias, name)
    for i, row in enumerate(targets.rows):
        for name in (n.strip() for n in row.get("responsible_units", "").split("、")):
            if name and unicodedata.normalize("NFKC", name) not in owner:
                problems.append(targets.problem(
                    i, "responsible_units", name,
                    f"a unit listed in {registry.file} (name_zh, or one of its aliases)"
                    f"{_suggest(name, owner, UNIT_CUTOFF)}"))
    return problems


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
        elif kind == "reduction" and measure not in REDUCTION_MEASURES:
            problems.append(targets.problem(
                i, "kind", kind, f"an indicator of measure {', '.join(REDUCTION_MEASURES)} for "
                f"kind reduction (levels, or yearly rates; {row['indicator_id']} is {measure!r})"))
        elif measure == "reduction" and kind != "reduction":
            problems.append(targets.problem(
                i, "kind", kind, f"kind reduction for an indicator of measure reduction "
                f"({row['indicator_id']} holds yearly falls in %)"))
        low, high = MEASURE_RANGES.get(measure, (-math.inf, math.inf))
        if kind in THRESHOLD_ON_SCALE:
            for column in ("threshold", "threshold_high"):
                value = parse_number(row.get(column, ""))
                if value is not None and not low <= value <= high:
                    problems.append(targets.problem(
                        i, column, row[column], _range_text(measure, row["indicator_id"])))
    return problems


def check_benchmarks(
    targets: RawTable, indicators: RawTable, figures: list[RawTable]
) -> list[Problem]:
    """A benchmark names a registered indicator and a series that has observations (real or
    illustrative)."""
    registry = {row["indicator_id"] for row in indicators.rows}
    observations = figures[0] if figures else None
    series = None
    if figures:
        series = {(row["indicator_id"], row["geography"]) for t in figures for row in t.rows}
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
    """An observation carries the registry's unit and a value within its measure's range
    (a year-to-date growth rate is in % and unbounded)."""
    registry = {row["indicator_id"]: row for row in indicators.rows}
    problems = []
    for i, row in enumerate(observations.rows):
        ind = registry.get(row["indicator_id"])
        if ind is None or row.get("measure", "") == "ytd_growth":
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


def plausibility(tables: Mapping[str, RawTable]) -> list[Problem]:
    """Warnings, not errors: a whole-year amount or count that jumps by more than JUMP_FACTOR
    from the previous year's figure of the same series (current vintages of real figures)."""
    indicators, obs = tables.get("indicators"), tables.get("observations")
    if indicators is None or obs is None or missing_columns(obs) or missing_columns(indicators):
        return []
    measures = _measures(indicators)
    latest: dict[tuple[str, ...], tuple[str, int]] = {}
    for i, row in enumerate(obs.rows):
        if row.get("period", "") or measures.get(row["indicator_id"]) not in ("amount", "count"):
            continue
        if row.get("measure", "") not in ("", "period") or row["status"] == "illustrative":
            continue
        key = (row["indicator_id"], row["geography"], row["year"])
        received = row_received(row)
        if key not in latest or received >= latest[key][0]:
            latest[key] = (received, i)
    return jump_warnings(obs, latest)


def jump_warnings(t: RawTable, latest: Mapping[tuple[str, ...], tuple[str, int]],
                  only: set[int] | None = None) -> list[Problem]:
    """Rows of ``t`` (in ``only``, or all) whose value jumps by more than JUMP_FACTOR from the
    figure of the year before; ``latest`` maps (indicator, geography, year) to (received, row)."""
    warnings = []
    for (ind, geo, year), (_, i) in latest.items():
        if only is not None and i not in only:
            continue
        prev = latest.get((ind, geo, str(int(year) - 1))) if year.isdigit() else None
        if prev is None:
            continue
        v0, v1 = parse_number(t.rows[prev[1]]["value"]), parse_number(t.rows[i]["value"])
        if v0 is None or v1 is None or v0 <= 0 or v1 <= 0:
            continue
        if max(v1 / v0, v0 / v1) > JUMP_FACTOR:
            warnings.append(t.problem(
                i, "value", t.rows[i]["value"],
                f"a value within a factor {JUMP_FACTOR:g} of {int(year) - 1}'s {v0:g} "
                f"(plausibility warning: check the unit and the figure)"))
    return warnings


def assumptions(tables: Mapping[str, RawTable]) -> list[str]:
    """What loading assumed where a plan folder leaves the newer columns out or blank."""
    obs, ill = tables.get("observations"), tables.get("illustrative")
    lines = []
    if obs is None:
        return lines
    n_rec = sum(1 for r in obs.rows if not r.get("received", ""))
    if n_rec:
        lines.append(f"{n_rec} of {len(obs.rows)} figures in {obs.file} have no received date: "
                     "each is taken as known from the end of its period (for --as-of)")
    n_meas = sum(1 for r in obs.rows if r.get("period", "") and not r.get("measure", ""))
    if n_meas:
        lines.append(f"{n_meas} sub-annual figures in {obs.file} have no measure: taken as "
                     "cumulative from January (ytd; ytd_growth for growth indicators)")
    n_ill = sum(1 for r in obs.rows if r["status"] == "illustrative")
    if n_ill:
        lines.append(f"{n_ill} illustrative figures in {obs.file}: used only where no real figure "
                     "of the same indicator, geography, year and period exists")
    if ill is None:
        lines.append("no illustrative.csv: only the figures of "
                     f"{obs.file} are used")
    return lines


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
    figures = [ok[n] for n in ("observations", "illustrative") if n in ok]
    if indicators is not None:
        problems += check_indicator_units(indicators)
        problems += check_english_units(indicators)
    if targets is not None and "responsible_units" in ok:
        problems += check_responsible_units(targets, ok["responsible_units"])
    if targets is not None:
        problems += check_target_rules(targets)
        if pillars is not None:
            problems += check_references(targets, "pillar", pillars)
        if indicators is not None:
            problems += check_references(targets, "indicator_id", indicators)
            problems += check_target_indicators(targets, indicators)
            problems += check_benchmarks(targets, indicators, figures)
    for obs in figures:
        problems += check_periods(obs)
        problems += check_unique_observations(obs, indicators)
        problems += check_observation_dates(obs)
        problems += check_observation_measures(obs, indicators)
        if indicators is not None:
            problems += check_references(obs, "indicator_id", indicators)
            problems += check_observation_values(obs, indicators)
    if observations is not None and indicators is not None:
        problems += check_ytd_order(observations, indicators)
    if "illustrative" in ok:
        problems += check_illustrative_status(ok["illustrative"])
    return problems
