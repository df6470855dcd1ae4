"""Build ``data/illustrative.csv``, the illustrative histories, from the written assumptions.

Real figures are never generated: they live in ``data/observations.csv`` (entered by hand or
ingested from the responsible units' workbooks with ``qcplan ingest``). The illustrative table
is used only where no real figure of the same indicator, geography and year exists; that choice
is made when the plan is loaded (``qcplan.plan.vintages``), so a real figure entered for a year
replaces the illustrative one in the next run without rerunning this script.

Inputs
------
``data/observations.csv``
    The real figures (every vintage). Read only for the ``published`` anchors below (the
    current vintage of the whole-year figure).
``data/sources/illustrative.csv``
    One row per illustrative series: the written-down assumptions. Used only where no
    official history exists, so that every target can be assessed end to end. Each row
    generates yearly values ``first_year`` .. ``last_year`` with one of four models
    (``e`` is a standard-normal draw per year, ``shock`` the optional one-off shift given
    in ``shocks`` as ``year:amount;...``):

    ``trend``     value(y) = anchor_value + mean_change * (y - anchor_year) + sd * e + shock
                  (a straight line through the anchor with independent noise: used for
                  growth rates, shares and yearly deliveries);
    ``abs_walk``  value(y) = value(y-1) + mean_change + sd * e + shock, pinned to
                  anchor_value in anchor_year and run backwards and forwards from it
                  (stocks that accumulate: firms, beds, population);
    ``pct_walk``  value(y) = value(y-1) * (1 + (mean_change + sd * e + shock) / 100), pinned
                  the same way (money and quantities that grow by a percentage). An
                  ``anchor_value`` of ``published`` takes the published whole-year figure of
                  the same series in ``anchor_year`` (e.g. GDP 辖区 back-cast from the
                  official 2023 850.1亿元);
    ``explicit``  the values listed in ``values`` as ``year:value;...`` (milestone flags,
                  small counts that move in steps).

    Values are clipped to [lower, upper] where given and rounded to ``decimals``
    (counts to integers, shares to one decimal, flags 0/1). The reasoning behind each
    series, and the outcome it was meant to illustrate, is in the same row.

Rules
-----
* Every year first_year .. last_year of a series is written, also a year that has a real
  figure (the loader prefers the real one); walks pass through the ``published`` anchor.
* Illustrative rows are whole years (blank ``period``), status ``illustrative``, source
  ``illustrative: data/sources/illustrative.csv (seed N)`` and a note saying they are not
  official figures.
* Every unit must equal the unit of the indicator in ``data/indicators.csv``.
* Deterministic: each series draws from ``numpy.random.default_rng([SEED, crc32(series)])``,
  so the output is byte-identical from run to run and adding a series does not change the
  others.

Run from the repository root::

    python data/scripts/build_illustrative.py

To use an official figure instead of an illustrative one, add it to ``data/observations.csv``
(or ingest it): the illustrative value of that year is no longer used. To drop an illustrative
series, delete its row in ``data/sources/illustrative.csv`` and rerun.
"""

from __future__ import annotations

import csv
import math
import sys
import zlib
from pathlib import Path

import numpy as np

SEED = 20240822
DATA = Path(__file__).resolve().parents[1]
OBSERVATIONS = DATA / "observations.csv"
ILLUSTRATIVE = DATA / "sources" / "illustrative.csv"
INDICATORS = DATA / "indicators.csv"
OUTPUT = DATA / "illustrative.csv"

COLUMNS = ["indicator_id", "geography", "year", "period", "value", "unit", "status", "source", "note"]
SOURCE = f"illustrative: data/sources/illustrative.csv (seed {SEED})"
NOTE = "示意值,非官方统计数字 (illustrative, not an official figure); assumptions in data/sources/illustrative.csv"
MODELS = ("trend", "abs_walk", "pct_walk", "explicit")
REAL_STATUSES = ("official", "preliminary", "estimate", "derived")


class BuildError(Exception):
    """A problem in the source files; the message names the file, line and column."""


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [dict(row) for row in csv.DictReader(f)]


def parse_pairs(text: str, where: str) -> dict[int, float]:
    """'2020:-4.5;2021:1' -> {2020: -4.5, 2021: 1.0}."""
    pairs: dict[int, float] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        try:
            year, value = part.split(":")
            pairs[int(year)] = float(value)
        except ValueError as exc:
            raise BuildError(f"{where}: cannot read {part!r} (expected year:value)") from exc
    return pairs


def number(row: dict[str, str], column: str, where: str, default: float | None = None) -> float:
    text = row.get(column, "").strip()
    if not text:
        if default is None:
            raise BuildError(f"{where}, column {column}: a number is needed")
        return default
    try:
        return float(text)
    except ValueError as exc:
        raise BuildError(f"{where}, column {column}: {text!r} is not a number") from exc


def fmt(value: float, decimals: int) -> str:
    """Round to `decimals` places; never write a negative zero."""
    text = f"{value:.{decimals}f}"
    return f"{0:.{decimals}f}" if float(text) == 0 else text


def generate(spec: dict[str, str], where: str, published: dict[tuple, str]) -> dict[int, float]:
    """The illustrative values of one series, {year: value} (not yet clipped or rounded)."""
    model = spec["model"]
    if model not in MODELS:
        raise BuildError(f"{where}, column model: {model!r} is not one of {', '.join(MODELS)}")
    first, last = int(spec["first_year"]), int(spec["last_year"])
    years = list(range(first, last + 1))
    series = f"{spec['indicator_id']}@{spec['geography']}"
    rng = np.random.default_rng([SEED, zlib.crc32(series.encode("utf-8"))])
    draws = dict(zip(years, rng.standard_normal(len(years))))
    shocks = parse_pairs(spec.get("shocks", ""), f"{where}, column shocks")
    if model == "explicit":
        values = parse_pairs(spec.get("values", ""), f"{where}, column values")
        missing = [y for y in years if y not in values]
        if missing:
            raise BuildError(f"{where}, column values: no value for {missing}")
        return {y: values[y] for y in years}
    mu, sd = number(spec, "mean_change", where), number(spec, "sd", where, 0.0)
    anchor_year = int(number(spec, "anchor_year", where))
    step = {y: mu + sd * draws[y] + shocks.get(y, 0.0) for y in years}
    if model == "trend":
        base = number(spec, "anchor_value", where)
        return {y: base + mu * (y - anchor_year) + sd * draws[y] + shocks.get(y, 0.0) for y in years}
    if not first <= anchor_year <= last:
        raise BuildError(f"{where}, column anchor_year: {anchor_year} outside {first}-{last}")
    if spec["anchor_value"].strip() == "published":
        key = (spec["indicator_id"], spec["geography"], anchor_year, "")
        if key not in published:
            raise BuildError(f"{where}, column anchor_value: no published whole-year figure for {key}")
        base = float(published[key])
    else:
        base = number(spec, "anchor_value", where)
    values = {anchor_year: base}
    for y in range(anchor_year + 1, last + 1):
        values[y] = values[y - 1] + step[y] if model == "abs_walk" else values[y - 1] * (1 + step[y] / 100)
    for y in range(anchor_year, first, -1):  # step[y] moves y-1 -> y; invert it
        values[y - 1] = values[y] - step[y] if model == "abs_walk" else values[y] / (1 + step[y] / 100)
    return {y: values[y] for y in years}


def published_anchors() -> dict[tuple, str]:
    """The current whole-year real figure of each (indicator, geography, year): the one received
    last (a blank received date counts as the year's end; on one date, the later row)."""
    latest: dict[tuple, tuple[str, str]] = {}
    for row in read_csv(OBSERVATIONS):
        if row.get("period", "") or row.get("status") not in REAL_STATUSES:
            continue
        if row.get("measure", "") not in ("", "period"):
            continue
        key = (row["indicator_id"], row["geography"], int(row["year"]), "")
        received = row.get("received", "") or f"{row['year']}-12-31"
        if key not in latest or received >= latest[key][0]:
            latest[key] = (received, row["value"])
    return {k: v for k, (_, v) in latest.items()}


def build() -> list[dict[str, str]]:
    units = {row["indicator_id"]: row["unit"] for row in read_csv(INDICATORS)}
    rows: list[dict[str, str]] = []
    published = published_anchors()
    seen: set[tuple[str, str]] = set()
    for line, spec in enumerate(read_csv(ILLUSTRATIVE), start=2):
        where = f"{ILLUSTRATIVE.relative_to(DATA.parent)} line {line}"
        ind, geo = spec["indicator_id"], spec["geography"]
        if ind not in units:
            raise BuildError(f"{where}, column indicator_id: {ind!r} not in {INDICATORS.name}")
        if spec["unit"] != units[ind]:
            raise BuildError(f"{where}, column unit: {spec['unit']!r}, expected {units[ind]!r}")
        if (ind, geo) in seen:
            raise BuildError(f"{where}: a second illustrative series for {ind}@{geo}")
        seen.add((ind, geo))
        lower = number(spec, "lower", where, -math.inf)
        upper = number(spec, "upper", where, math.inf)
        decimals = int(number(spec, "decimals", where, 0))
        for year, value in generate(spec, where, published).items():
            value = min(max(value, lower), upper)
            rows.append({
                "indicator_id": ind, "geography": geo, "year": str(year), "period": "",
                "value": fmt(value, decimals), "unit": units[ind], "status": "illustrative",
                "source": SOURCE, "note": NOTE,
            })
    rows.sort(key=lambda r: (r["indicator_id"], r["geography"], int(r["year"]), r["period"]))
    return rows


def main() -> int:
    try:
        rows = build()
    except BuildError as exc:
        print(f"build_illustrative: {exc}", file=sys.stderr)
        return 2
    # written next to the output and renamed onto it: never a half-written illustrative.csv
    tmp = OUTPUT.with_name(f".{OUTPUT.name}.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(OUTPUT)
    n_ill = sum(r["status"] == "illustrative" for r in rows)
    print(f"wrote {OUTPUT.relative_to(DATA.parent)}: {n_ill} illustrative rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
