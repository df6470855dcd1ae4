"""Whole-table checks: :func:`validate` runs every check of every table that could be read,
:func:`assumptions` says what loading assumed.

The checks within one table are :mod:`qcplan.plan.table_checks`, those across tables
:mod:`qcplan.plan.cross_checks`. Each returns a list of Problems; the tables are checked as read
(every cell text), so a problem can show the value as written.
"""

from __future__ import annotations

from collections.abc import Mapping

from qcplan.errors import Problem
from qcplan.plan.cross_checks import (
    check_benchmarks,
    check_observation_measures,
    check_observation_values,
    check_references,
    check_responsible_units,
    check_target_indicators,
    check_ytd_order,
)
from qcplan.plan.schema import SCHEMAS
from qcplan.plan.table_checks import (
    check_cells,
    check_columns,
    check_english_units,
    check_illustrative_status,
    check_indicator_units,
    check_observation_dates,
    check_periods,
    check_target_rules,
    check_unique_ids,
    check_unique_observations,
    missing_columns,
)
from qcplan.plan.tables import RawTable


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
