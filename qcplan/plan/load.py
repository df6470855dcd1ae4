"""Read the four tables from CSV or XLSX, keeping where every cell came from; ``load_plan()``."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import os
import re
import textwrap
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from qcplan.errors import DataError, Problem
from qcplan.numbers import parse_int, parse_number
from qcplan.plan.cross_checks import plausibility
from qcplan.plan.meta import (
    PlanInfo,
    choose_plan_dir,
    read_plan_info,
)
from qcplan.plan.schema import (
    OPTIONAL_TABLES,
    PERIOD_MONTHS,
    PERIODS,
    REPORTED_STATUSES,
    SCHEMAS,
    STATUSES,
    TABLES,
)
from qcplan.plan.tables import RawTable
from qcplan.plan.validate import assumptions, validate
from qcplan.plan.vintages import default_received, resolve, resolve_measure

COMMENT = "#"  # a record whose first cell starts with this is a comment


def _table_from_records(
    name: str, path: Path, records: list[tuple[int, list[str]]], sheet: str | None
) -> tuple[RawTable | None, list[Problem]]:
    """Header = first non-blank record; blank records and comment records (first cell starting
    with ``#``, as in the templates of ``qcplan new``; no id starts with one) are skipped; ragged
    rows are problems."""
    records = [(n, [c.strip() for c in cells]) for n, cells in records]
    records = [(n, cells) for n, cells in records
               if any(cells) and not cells[0].startswith(COMMENT)]
    if not records:
        return None, [Problem(path.name, "", "", None, "a header row and data rows (empty file)")]
    header_row, header = records[0]
    while header and not header[-1]:
        header.pop()
    table = RawTable(name, path, header, [], [], header_row, sheet)
    problems = []
    for n, cells in records[1:]:
        extra = cells[len(header) :]
        if any(extra) or (sheet is None and len(cells) < len(header)):
            loc = f"line {n}" if sheet is None else f"sheet {sheet}, row {n}"
            problems.append(
                Problem(path.name, loc, "", ",".join(cells),
                        f"{len(header)} cells, as many as the header has (found {len(cells)})")
            )
            continue
        cells = cells + [""] * (len(header) - len(cells))
        table.rows.append(dict(zip(header, cells, strict=False)))
        table.row_numbers.append(n)
    return table, problems


def read_csv_table(name: str, path: Path) -> tuple[RawTable | None, list[Problem]]:
    """Read a UTF-8 CSV (BOM accepted); rows are numbered by the line where they start."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        return None, [Problem(path.name, f"line {line}", "", None,
                              "UTF-8 text (save the file as 'CSV UTF-8')")]
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[tuple[int, list[str]]] = []
    last = 0
    try:
        for cells in reader:
            records.append((last + 1, cells))
            last = reader.line_num
    except csv.Error as e:
        return None, [Problem(path.name, f"line {last + 1}", "", None, f"well-formed CSV ({e})")]
    return _table_from_records(name, path, records, None)


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    if isinstance(v, datetime | date):
        return v.isoformat()
    return str(v)


def read_xlsx_table(name: str, path: Path) -> tuple[RawTable | None, list[Problem]]:
    """Read the first sheet of a workbook (header in row 1); a corrupt file is a problem."""
    import openpyxl

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                ws = wb.worksheets[0]
                sheet = ws.title
                records = [
                    (n, [_cell_text(v) for v in row])
                    for n, row in enumerate(ws.iter_rows(values_only=True), start=1)
                ]
            finally:
                wb.close()
    except Exception as e:  # openpyxl raises many types for a damaged file
        return None, [Problem(path.name, "", "", None,
                              f"a readable .xlsx workbook ({type(e).__name__}: {e})")]
    return _table_from_records(name, path, records, sheet)


def find_table_file(data_dir: Path, name: str) -> tuple[Path | None, list[Problem]]:
    """``<name>.csv`` or ``<name>.xlsx``: exactly one must exist."""
    csv_path, xlsx_path = data_dir / f"{name}.csv", data_dir / f"{name}.xlsx"
    found = [p for p in (csv_path, xlsx_path) if p.is_file()]
    if len(found) == 2:
        return None, [Problem(csv_path.name, "", "", None,
                              f"one file per table, but both {csv_path} and {xlsx_path} exist")]
    if not found:
        return None, [Problem(csv_path.name, "", "", None,
                              f"a file {csv_path} (or {xlsx_path.name}); it does not exist")]
    return found[0], []


def read_tables(data_dir: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Read every table that can be read; return them with the problems met on the way."""
    tables: dict[str, RawTable] = {}
    problems: list[Problem] = []
    for name in TABLES + OPTIONAL_TABLES:
        path, found = find_table_file(data_dir, name)
        if path is None and name in OPTIONAL_TABLES and not any(
            (data_dir / f"{name}.{ext}").exists() for ext in ("csv", "xlsx")
        ):
            continue
        problems += found
        if path is None:
            continue
        reader = read_xlsx_table if path.suffix == ".xlsx" else read_csv_table
        table, found = reader(name, path)
        problems += found
        if table is not None:
            tables[name] = table
    return tables, problems


def _frame(t: RawTable) -> pd.DataFrame:
    """Typed DataFrame of a validated table (blank text stays ``""``, blank numbers are NaN)."""
    data: dict[str, object] = {}
    for c in SCHEMAS[t.name].columns:
        cells = [r.get(c.name, "") for r in t.rows]
        if c.type in ("int", "year"):
            # an optional whole-number column may be blank: nullable integers
            data[c.name] = pd.array([parse_int(v) for v in cells],
                                    dtype="int64" if c.nonblank else "Int64")
        elif c.type == "number":
            data[c.name] = pd.array([parse_number(v) for v in cells], dtype="float64")
        else:
            data[c.name] = pd.array(cells, dtype="str")
    data["row_ref"] = pd.array([t.ref(i) for i in range(len(t.rows))], dtype="str")
    return pd.DataFrame(data)


def _figures_frame(t: RawTable, indicator_measures: Mapping[str, str]) -> pd.DataFrame:
    """Typed observations (or illustrative) with ``measure`` and ``received`` resolved to their
    documented defaults; ``assumed_received`` marks the defaults, ``seq`` is the file order."""
    frame = _frame(t)
    frame["measure"] = pd.array([
        resolve_measure(p, m, indicator_measures.get(i, ""))
        for p, m, i in zip(frame["period"], frame["measure"], frame["indicator_id"])
    ], dtype="str")
    assumed = frame["received"] == ""
    frame["assumed_received"] = assumed.to_numpy(dtype=bool)
    frame["received"] = pd.array([
        default_received(y, p) if a else r
        for y, p, r, a in zip(frame["year"], frame["period"], frame["received"], assumed)
    ], dtype="str")
    frame["seq"] = np.arange(len(frame), dtype="int64")
    return frame


def _empty_like(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[0:0].copy()


@dataclass
class Plan:
    """The validated tables of a plan, with where they came from.

    ``observations`` are the figures in use: the current vintage of every real figure (received
    on or before ``as_of`` when one is set) and, where no real figure of the same indicator,
    geography, year, period and measure exists, the illustrative one. ``vintages`` holds every
    row of ``observations.csv`` (all vintages, with provenance), ``illustrative`` the rows of
    ``illustrative.csv``. ``warnings`` are plausibility warnings (not errors); ``assumptions``
    say which documented defaults were applied to columns left out or blank.
    """

    pillars: pd.DataFrame
    indicators: pd.DataFrame
    targets: pd.DataFrame
    observations: pd.DataFrame
    data_dir: Path
    files: dict[str, Path]
    vintages: pd.DataFrame | None = None
    illustrative: pd.DataFrame | None = None
    as_of: date | None = None
    warnings: list[Problem] = field(default_factory=list)
    assumptions: list[str] = field(default_factory=list)
    info: PlanInfo | None = None
    #: ``name_zh, name_en`` of the responsible units (empty without responsible_units.csv)
    responsible_units: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["name_zh", "name_en", "note"]))

    def known_at(self, as_of: date | str | None) -> Plan:
        """The plan as it was known on ``as_of``: only figures received on or before that date,
        each key at the vintage current then (``None``: every figure held)."""
        if self.vintages is None:
            return self
        if as_of is not None and not isinstance(as_of, date):
            as_of = date.fromisoformat(str(as_of)[:10])
        if as_of == self.as_of:
            return self
        ill = self.illustrative if self.illustrative is not None else _empty_like(self.vintages)
        obs = resolve(self.vintages, ill, as_of)
        return dataclasses.replace(self, observations=obs, as_of=as_of)

    def subannual(self, indicator_id: str, geography: str,
                  measure: str | None = None) -> pd.DataFrame:
        """The in-year figures of one series in use (current vintages), one row per year, period
        and measure, in calendar order.

        Columns: ``year``, ``period`` (M01-M12, Q1-Q4, H1), ``months`` (the last month the period
        covers: M09 and Q3 -> 9), ``measure`` (``period`` the period's own value, ``ytd`` the
        cumulative value January to the period's end, ``ytd_growth`` that value's growth in %
        over the same months a year earlier), ``value``, ``status``, ``received``,
        ``received_assumed`` (True: no received date was given, the period's end is assumed),
        ``source``.
        ``measure`` keeps only that measure. Empty when there are none; an unknown series raises
        ``KeyError`` as :meth:`series` does.
        """
        rows = self._rows(indicator_id, geography)
        rows = rows[rows["period"] != ""]
        if measure is not None:
            rows = rows[rows["measure"] == measure]
        out = pd.DataFrame({
            "year": rows["year"].to_numpy(dtype="int64"),
            "period": rows["period"].to_numpy(dtype=object),
            "months": rows["period"].map(PERIOD_MONTHS).to_numpy(dtype="int64"),
            "measure": rows["measure"].to_numpy(dtype=object),
            "value": rows["value"].to_numpy(dtype=float),
            "status": rows["status"].to_numpy(dtype=object),
            "received": rows["received"].to_numpy(dtype=object),
            "received_assumed": rows["assumed_received"].to_numpy(dtype=bool)
            if "assumed_received" in rows else np.zeros(len(rows), dtype=bool),
            "source": rows["source"].to_numpy(dtype=object),
        })
        return out.sort_values(["year", "months", "period", "measure"],
                               kind="stable").reset_index(drop=True)

    def __post_init__(self) -> None:
        if self.info is None:
            self.info, _ = read_plan_info(self.data_dir)

    @property
    def plan_dir(self) -> Path:
        """The plan folder (the same as ``data_dir``)."""
        return self.data_dir

    @property
    def id(self) -> str:
        return self.info.id

    def title(self, lang: str = "zh") -> str:
        """The plan's title from ``plan.yaml`` (the folder's name without one)."""
        return self.info.title(lang)

    @property
    def workpoint_years(self) -> tuple[int, ...]:
        """The years of annual work points: ``plan.yaml``'s ``workpoint_years``, or without that
        key the target years of the targets of kind ``workpoint``."""
        if self.info.workpoint_years is not None:
            return self.info.workpoint_years
        t = self.targets
        return tuple(sorted({int(y) for y in t.loc[t["kind"] == "workpoint", "target_year"]}))

    def is_workpoint(self, target_year: int) -> bool:
        return int(target_year) in self.workpoint_years

    def _rows(self, indicator_id: str, geography: str) -> pd.DataFrame:
        obs = self.observations
        rows = obs[(obs["indicator_id"] == indicator_id) & (obs["geography"] == geography)]
        if len(rows) or (indicator_id, geography) in self._used_series():
            return rows
        if indicator_id not in set(self.indicators["indicator_id"]):
            raise KeyError(f"no series {indicator_id}@{geography}: "
                           f"indicator {indicator_id!r} is not in the registry")
        geos = sorted(set(obs.loc[obs["indicator_id"] == indicator_id, "geography"]))
        known = ", ".join(geos) if geos else "none"
        raise KeyError(f"no series {indicator_id}@{geography}: "
                       f"geographies with observations of {indicator_id}: {known}")

    def _used_series(self) -> set[tuple[str, str]]:
        """Series named by a target or a benchmark (they may have no observations yet)."""
        t = self.targets
        used = set(zip(t["indicator_id"], t["geography"], strict=True))
        for b in t["benchmark"]:
            if "@" in b:
                ind, geo = b.split("@", 1)
                used.add((ind, geo))
        return used

    def series(self, indicator_id: str, geography: str, annual_only: bool = True) -> pd.Series:
        """Values of one series, indexed by year (whole years only), sorted.

        With ``annual_only=False`` sub-annual figures are included and the index is
        (year, period), a whole year after its months and quarters. A series named by a target but
        without observations is empty; an unknown series raises ``KeyError``.
        """
        rows = self._rows(indicator_id, geography)
        name = f"{indicator_id}@{geography}"
        if annual_only:
            rows = rows[(rows["period"] == "") & (rows["measure"] == "period")].sort_values("year")
            index = pd.Index(rows["year"].to_numpy(dtype="int64"), name="year")
            return pd.Series(rows["value"].to_numpy(dtype=float), index=index, name=name)
        rows = rows.sort_values(["year", "period"], key=_period_sort_key)
        index = pd.MultiIndex.from_arrays(
            [rows["year"].to_numpy(dtype="int64"), rows["period"].to_numpy(dtype=object)],
            names=["year", "period"],
        )
        return pd.Series(rows["value"].to_numpy(dtype=float), index=index, name=name)

    def series_frame(self, indicator_id: str, geography: str) -> pd.DataFrame:
        """The observation rows of one series (value, status, source, note, row_ref), sorted."""
        rows = self._rows(indicator_id, geography).sort_values(
            ["year", "period"], key=_period_sort_key
        )
        cols = ["year", "period", "measure", "value", "unit", "status", "source", "note",
                "received", "row_ref"]
        return rows[cols].reset_index(drop=True)

    def file_hashes(self) -> dict[str, str]:
        """SHA-256 of each table file (and of ``plan.yaml``), by table name."""
        out = {n: hashlib.sha256(p.read_bytes()).hexdigest() for n, p in self.files.items()}
        if self.info.path is not None and self.info.path.is_file():
            out["plan"] = hashlib.sha256(self.info.path.read_bytes()).hexdigest()
        return out

    def vintage(self) -> dict:
        """The data's vintage: latest official year, latest year, rows per status, file dates.

        Keys: ``latest_official_year`` (latest year of an official or preliminary figure, or None),
        ``latest_year``, ``status_counts`` (status -> rows), ``modified`` (table -> ISO date).
        """
        obs = self.observations
        reported = obs.loc[obs["status"].isin(REPORTED_STATUSES), "year"]
        return {
            "latest_official_year": int(reported.max()) if len(reported) else None,
            "latest_year": int(obs["year"].max()) if len(obs) else None,
            "status_counts": {s: int((obs["status"] == s).sum()) for s in STATUSES},
            "modified": {
                n: date.fromtimestamp(p.stat().st_mtime).isoformat() for n, p in self.files.items()
            },
        }

    def _figures_line(self) -> str:
        """Where the figures in use come from: real (current vintages) and illustrative."""
        obs = self.observations
        n_ill = int((obs["status"] == "illustrative").sum())
        held = len(self.vintages) if self.vintages is not None else len(obs)
        known = f" received by {self.as_of.isoformat()}" if self.as_of is not None else ""
        return (f"Figures in use{known}: {len(obs) - n_ill} real (current vintages of {held} rows "
                f"held in observations), {n_ill} illustrative (only where no real figure)")

    def targets_without_observations(self) -> list[str]:
        """Targets whose own series has no observation at all (assessed as insufficient data)."""
        obs = self.observations
        have = set(zip(obs["indicator_id"], obs["geography"], strict=True))
        t = self.targets
        return [
            tid
            for tid, ind, geo in zip(t["target_id"], t["indicator_id"], t["geography"], strict=True)
            if (ind, geo) not in have
        ]

    def summary(self) -> str:
        """One screen: targets per pillar and kind, series per status, latest year per indicator."""
        obs, t = self.observations, self.targets
        n_series = len(obs.groupby(["indicator_id", "geography"]))
        v = self.vintage()
        files = ", ".join(p.name for p in self.files.values())
        info = self.info
        head = f"Plan: {info.id} · {info.title('zh')} · {info.title('en')}"
        facts = [x for x in (info.geography, info.issuer("zh"), info.status_text("en"),
                             info.period_text() and f"period {info.period_text()}",
                             info.base_year and f"base year {info.base_year}",
                             f"work-point years {', '.join(map(str, self.workpoint_years))}"
                             if self.workpoint_years else "") if x]
        lines = [
            head,
            *(["  " + "; ".join(facts)] if facts else []),
            *([] if info.path is not None else
              ["  (no plan.yaml: the folder's name stands in for the title; see `qcplan new`)"]),
            f"Data: {self.data_dir} ({files})",
            f"{len(self.pillars)} pillars, {len(self.indicators)} indicators, {len(t)} targets, "
            f"{len(obs)} observations in {n_series} series; latest official/preliminary year: "
            f"{v['latest_official_year']}",
            self._figures_line(),
            "",
            "Targets per pillar and kind:",
        ]
        if len(t):
            order = list(self.pillars.sort_values("order", kind="stable")["pillar"])
            table = pd.crosstab(t["pillar"], t["kind"], margins=True, margins_name="total")
            kinds = [k for k in SCHEMAS["targets"].column("kind").allowed or () if k in table]
            table = table.reindex(
                index=[p for p in order if p in table.index] + ["total"], columns=kinds + ["total"]
            )
            table.index.name, table.columns.name = None, None
            lines += ["  " + row for row in table.to_string().splitlines()]
        else:
            lines.append("  (none)")
        per_status = obs.groupby("status")[["indicator_id", "geography"]].apply(
            lambda g: len(g.drop_duplicates())
        )
        lines += ["", "Series per status (a series counts under each status it has):",
                  "  " + ", ".join(f"{s} {int(per_status.get(s, 0))}" for s in STATUSES)]
        latest = obs.groupby("indicator_id")["year"].max()
        by_year: dict[str, list[str]] = {}
        for ind in self.indicators["indicator_id"]:
            key = str(int(latest[ind])) if ind in latest.index else "no observations"
            by_year.setdefault(key, []).append(ind)
        lines += ["", "Latest year of each indicator:"]
        newest = max((k for k in by_year if k.isdigit()), default=None)
        for key in sorted(by_year, key=lambda k: (not k.isdigit(), k)):
            names = by_year[key]
            if key == newest and len(names) > 12:  # keep one screen: the rest are up to date
                lines.append(f"  {key}: {len(names)} indicators (all those not listed)")
                continue
            lines += textwrap.wrap(", ".join(names), width=96,
                                   initial_indent=f"  {key}: ", subsequent_indent="    ")
        missing = self.targets_without_observations()
        if missing:
            lines += ["", f"Targets with no observations ({len(missing)}; assessed as insufficient "
                      "data):"]
            lines += textwrap.wrap(", ".join(missing), width=96, initial_indent="  ",
                                   subsequent_indent="  ")
        return "\n".join(lines)


def _period_sort_key(col: pd.Series) -> pd.Series:
    """Sort key: years as they are; periods in calendar order, the whole year ("") last."""
    if col.name != "period":
        return col
    rank = {p: i for i, p in enumerate(PERIODS[1:])}
    return col.map(lambda p: rank.get(p, len(rank)))


def resolve_data_dir(data_dir: str | os.PathLike[str] | None = None) -> Path:
    """The plan folder: the argument, else ``$QCPLAN_PLAN`` (or ``$QCPLAN_DATA``), else
    ``./data`` when it is a plan folder, else the shipped example (:func:`choose_plan_dir`)."""
    return choose_plan_dir(data_dir).path


def load_plan(data_dir: str | os.PathLike[str] | None = None,
              as_of: date | str | None = None) -> Plan:
    """Read, validate and type the tables of ``data_dir`` (the four tables, and
    ``illustrative.csv`` when present).

    ``as_of``: only figures received on or before that date (default: every figure held).
    Raises ``DataError`` listing every problem of every file, or ``FileNotFoundError`` when the
    directory itself does not exist.
    """
    path = resolve_data_dir(data_dir)
    if not path.is_dir():
        raise FileNotFoundError(f"plan folder not found: {path}")
    info, problems = read_plan_info(path)
    tables, found = read_tables(path)
    problems += found
    problems += validate(tables)
    if problems:
        raise DataError(_sorted(problems))
    frames = {n: _frame(t) for n, t in tables.items() if n in TABLES and n != "observations"}
    measures = dict(zip(frames["indicators"]["indicator_id"], frames["indicators"]["measure"]))
    vintages = _figures_frame(tables["observations"], measures)
    ill = (_figures_frame(tables["illustrative"], measures) if "illustrative" in tables
           else _empty_like(vintages))
    if "responsible_units" in tables:
        frames["responsible_units"] = _frame(tables["responsible_units"])
    plan = Plan(**frames, observations=resolve(vintages, ill), data_dir=path,
                files={n: t.path for n, t in tables.items()}, vintages=vintages,
                illustrative=ill, warnings=plausibility(tables), assumptions=assumptions(tables),
                info=info)
    return plan.known_at(as_of) if as_of is not None else plan


def _sorted(problems: list[Problem]) -> list[Problem]:
    """Problems in table order, then by line (stable within a line)."""

    def key(p: Problem) -> tuple[int, int]:
        stem = Path(p.file).stem
        m = re.search(r"(\d+)$", p.location)
        order = TABLES + OPTIONAL_TABLES
        return (order.index(stem) if stem in order else len(order), int(m.group(1)) if m else 0)

    return sorted(problems, key=key)
