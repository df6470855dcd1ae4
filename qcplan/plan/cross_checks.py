"""Checks across tables: references, units, benchmarks, in-year order, values against their
indicator's range, and the plausibility warnings on jumps between years.

Each function checks one rule and returns a list of Problems (warnings for
:func:`plausibility`); the checks within one table are :mod:`qcplan.plan.table_checks`.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Mapping

from qcplan.errors import Problem
from qcplan.numbers import parse_number
from qcplan.plan.schema import (
    ID_PATTERN,
    JUMP_FACTOR,
    KIND_MEASURE,
    MEASURE_RANGES,
    PERIOD_MONTHS,
    SCHEMAS,
    THRESHOLD_ON_SCALE,
    UNIT_CUTOFF,
    split_aliases,
)
from qcplan.plan.table_checks import (
    BENCHMARK_PATTERN,
    REDUCTION_MEASURES,
    a_noun,
    has_unit,
    indicator_measures,
    missing_columns,
    row_key,
    row_received,
)
from qcplan.plan.tables import RawTable
from qcplan.text import suggest


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
    measures = indicator_measures(indicators)
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



def check_references(t: RawTable, column: str, other: RawTable) -> list[Problem]:
    """Every non-blank ``column`` of ``t`` is an id of table ``other``."""
    id_column = SCHEMAS[other.name].id_column
    known = {row[id_column] for row in other.rows}
    problems = []
    for i, row in enumerate(t.rows):
        v = row[column]
        if v and ID_PATTERN.match(v) and v not in known:
            problems.append(t.problem(
                i, column, v, f"{a_noun(id_column)} listed in {other.file}" + suggest(v, known)))
    return problems


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
                    f"{suggest(name, owner, UNIT_CUTOFF)}"))
    return problems


def _unit_problem(table: RawTable, i: int, row: dict, ind: dict,
                  indicators: RawTable) -> list[Problem]:
    """A row whose unit is not its indicator's unit in the registry (none, or one problem)."""
    if row["unit"] == ind["unit"] or not has_unit(ind):
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
                + suggest(ind, registry)))
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
    measures = indicator_measures(indicators)
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


