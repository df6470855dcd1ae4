"""The columns, types and allowed values of the four tables: the one place that lists them."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any, Literal

TABLES: tuple[str, ...] = ("pillars", "indicators", "targets", "observations")
# Tables that may be absent: the generated illustrative histories (same columns as observations)
# and the registry of responsible units (their English names).
OPTIONAL_TABLES: tuple[str, ...] = ("illustrative", "responsible_units")

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
YEAR_MIN, YEAR_MAX = 1990, 2100
# Names of units differ more than ids do (区人社局 / 区人力资源社会保障局): a looser "did you
# mean" match (qcplan.text.suggest).
UNIT_CUTOFF = 0.5

KINDS: tuple[str, ...] = (
    "level", "growth", "share", "flow", "cumulative", "relative", "workpoint", "milestone",
    "reduction",
)
# at_least / at_most: ≥ / ≤ the threshold; above / below: strictly (">6.5%", "<5.5%").
DIRECTIONS: tuple[str, ...] = ("at_least", "at_most", "above", "below")
# Allowed `rule` per kind; a kind not listed takes a blank rule.
RULES: dict[str, tuple[str, ...]] = {
    "relative": ("reach", "exceed", "narrow_gap"),
    "flow": ("every_year", "average"),
}
# Kinds whose `threshold` must be given (relative: optional; milestone: blank or 1).
THRESHOLD_REQUIRED: frozenset[str] = frozenset(
    {"level", "growth", "share", "flow", "cumulative", "workpoint", "reduction"}
)
# Kinds whose threshold is on the indicator's own scale (so the measure's range applies to it).
THRESHOLD_ON_SCALE: frozenset[str] = frozenset(
    {"level", "share", "flow", "cumulative", "workpoint"}
)
# reduction: a yearly fall in % as published ("下降3.2%" is 3.2), for reduction targets.
MEASURES: tuple[str, ...] = ("amount", "count", "share", "rate", "growth", "flag", "reduction")
# Allowed range per measure (inclusive); measures not listed are unbounded.
MEASURE_RANGES: dict[str, tuple[float, float]] = {
    "amount": (0.0, float("inf")),
    "count": (0.0, float("inf")),
    "share": (0.0, 100.0),
    "flag": (0.0, 1.0),
}
# Kinds that need an indicator of a given measure.
KIND_MEASURE: dict[str, str] = {"milestone": "flag", "share": "share"}
# What the plan says about a target (targets' optional column `obligation`): binding (约束性)
# or expected (预期性), as a main-indicator table marks it; blank where the plan does not say.
OBLIGATIONS: tuple[str, ...] = ("binding", "expected")
STATUSES: tuple[str, ...] = ("official", "preliminary", "estimate", "derived", "illustrative")
REPORTED_STATUSES: tuple[str, ...] = ("official", "preliminary")
# Statuses of real figures (entered or ingested); "illustrative" figures are generated.
REAL_STATUSES: tuple[str, ...] = ("official", "preliminary", "estimate", "derived")
# Statuses a responsible unit may give in a returned workbook.
INGEST_STATUSES: tuple[str, ...] = ("official", "preliminary", "estimate")
# Statuses of figures read from published pages (`qcplan ingest --public`): also `derived`, a
# figure got by one subtraction or addition stated on the same page.
PUBLIC_STATUSES: tuple[str, ...] = INGEST_STATUSES + ("derived",)
# The words units write for them (a returned workbook or CSV file may hold either); the first
# word of each status is the one the workbook's drop-down list offers. 预计 and 快报 are read as
# preliminary, as data/README.md reads a work report's 预计 (a figure published before the
# final one); 估计 is an estimate.
STATUS_WORDS: dict[str, str] = {
    "正式": "official", "正式数": "official",
    "初步": "preliminary", "初步数": "preliminary", "预计": "preliminary",
    "快报": "preliminary",
    "估计": "estimate", "估计数": "estimate",
}
STATUS_LABELS: dict[str, str] = {"official": "正式", "preliminary": "初步", "estimate": "估计"}
# Blank is a whole year; sub-annual figures are cumulative from January unless `measure` says
# otherwise.
PERIODS: tuple[str, ...] = (
    ("", "Q1", "Q2", "Q3", "Q4", "H1") + tuple(f"M{m:02d}" for m in range(1, 13))
)
# Last month covered by each period (a whole year: 12).
PERIOD_MONTHS: dict[str, int] = {
    "": 12, "Q1": 3, "Q2": 6, "Q3": 9, "Q4": 12, "H1": 6,
    **{f"M{m:02d}": m for m in range(1, 13)},
}
# What an observation's value is (column `measure` of observations):
#   period      the period's own value (a whole year's value, March alone, the third quarter alone)
#   ytd         the cumulative value from January to the end of the period (1—9月累计值)
#   ytd_growth  the growth in % of that cumulative value over the same months a year before
#               (1—9月累计增长); its unit is always %
# Blank: `period` for a whole year; for a sub-annual figure `ytd` (`ytd_growth` when the
# indicator's own measure is growth), as the figures are published.
OBS_MEASURES: tuple[str, ...] = ("period", "ytd", "ytd_growth")
# An observation published only as a bound: blank (the value itself), or the value is a bound
# the true figure lies beyond ("超过60%": >, "60%以上": >=, "不足5%": <, "5%以下": <=).
QUALIFIERS: tuple[str, ...] = ("", ">", ">=", "<", "<=")
# A jump from one whole year to the next by more than this factor (either way) is a plausibility
# warning for amounts and counts (both values positive).
JUMP_FACTOR: float = 3.0
# A figure whose `received` is blank counts as known from the end of its period.
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

ColumnType = Literal["id", "text", "int", "year", "number"]


@dataclass(frozen=True)
class Column:
    """One column: its type, whether it must be present, whether a cell may be blank."""

    name: str
    type: ColumnType = "text"
    required: bool = True  # the column must be in the file
    nonblank: bool = False  # every cell must be filled
    allowed: tuple[str, ...] | None = None  # allowed values (blank is checked by `nonblank`)


@dataclass(frozen=True)
class Table:
    """A table: its columns, in the documented order, and its id column (if any)."""

    name: str
    columns: tuple[Column, ...]
    id_column: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _opt(name: str, type: ColumnType = "text") -> Column:
    return Column(name, type, required=False)


SCHEMAS: dict[str, Table] = {
    "pillars": Table(
        "pillars",
        (
            Column("pillar", "id", nonblank=True),
            Column("name_zh", nonblank=True),
            Column("name_en", nonblank=True),
            _opt("description_zh"),
            _opt("description_en"),
            Column("order", "int", nonblank=True),
        ),
        id_column="pillar",
    ),
    "indicators": Table(
        "indicators",
        (
            Column("indicator_id", "id", nonblank=True),
            Column("name_zh", nonblank=True),
            Column("name_en", nonblank=True),
            Column("unit"),  # blank only for a flag (checked in validate)
            _opt("unit_en"),  # the unit in English; required with a unit when the column is there
            Column("measure", nonblank=True, allowed=MEASURES),
            _opt("description"),
        ),
        id_column="indicator_id",
    ),
    "targets": Table(
        "targets",
        (
            Column("target_id", "id", nonblank=True),
            Column("indicator_id", "id", nonblank=True),
            Column("geography", nonblank=True),
            Column("pillar", "id", nonblank=True),
            Column("name_zh", nonblank=True),
            Column("name_en", nonblank=True),
            Column("unit"),
            Column("kind", nonblank=True, allowed=KINDS),
            Column("direction", nonblank=True, allowed=DIRECTIONS),
            Column("threshold", "number"),
            _opt("threshold_high", "number"),
            _opt("rule"),
            # binding (约束性) / expected (预期性) / blank where the plan does not say
            Column("obligation", required=False, allowed=OBLIGATIONS),
            Column("period_start", "year", nonblank=True),
            Column("target_year", "year", nonblank=True),
            _opt("benchmark"),
            # base year of the conventional grades (blank: period_start)
            _opt("base_year", "year"),
            _opt("section"),
            _opt("quote_zh"),
            _opt("responsible_units"),
            # the units that co-operate (协同单位), as the district's task tables list them
            _opt("cooperating_units"),
            _opt("note"),
        ),
        id_column="target_id",
    ),
    "observations": Table(
        "observations",
        (
            Column("indicator_id", "id", nonblank=True),
            Column("geography", nonblank=True),
            Column("year", "year", nonblank=True),
            _opt("period"),
            Column("measure", required=False, allowed=("",) + OBS_MEASURES),
            Column("value", "number", nonblank=True),
            # a figure published only as a bound: "超过60%" is value 60, qualifier ">"
            Column("qualifier", required=False, allowed=QUALIFIERS),
            Column("unit"),
            Column("status", nonblank=True, allowed=STATUSES),
            Column("source", nonblank=True),
            _opt("note"),
            # the passage of the source the figure was read from, verbatim (figures read from
            # published pages: `qcplan ingest --public`)
            _opt("excerpt"),
            # Provenance (all optional; blank for figures entered by hand):
            _opt("received"),  # YYYY-MM-DD the figure was received; blank: end of its period
            _opt("reporting_unit"),  # the responsible unit (责任单位) that reported it
            _opt("file"),  # the returned workbook (or CSV) it was ingested from
            _opt("file_sha256"),  # that file's SHA-256
        ),
    ),
}
# The generated illustrative histories: the same columns as observations.
SCHEMAS["illustrative"] = Table("illustrative", SCHEMAS["observations"].columns)
# The responsible units (责任单位) that targets.csv names, with their English names and the
# other names each goes by (``aliases``: short forms, former names, separated by ``|``).
SCHEMAS["responsible_units"] = Table(
    "responsible_units",
    (Column("name_zh", nonblank=True), Column("name_en", nonblank=True), _opt("aliases"),
     _opt("note")),
    id_column="name_zh",
)

# Key of an observation: one current figure per series, year, period and measure; the rows of
# one key are its vintages, told apart by `received`.
OBSERVATION_KEY: tuple[str, ...] = ("indicator_id", "geography", "year", "period", "measure")


def one_of(values: tuple[str, ...]) -> str:
    """'one of a, b, c' for an `expected` text (blank shown as '(blank)')."""
    return "one of " + ", ".join(v if v else "(blank)" for v in values)


def split_aliases(text: Any) -> list[str]:
    """The names of an ``aliases`` cell: separated by ``|`` (or ``;``; full-width forms too)."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return [n.strip() for n in re.split(r"[|;]", text) if n.strip()]
