"""A collection round, the outgoing half: one workbook per responsible unit (``qcplan collect``).

Each workbook lists the figures the unit's targets need (the series of every target whose
``responsible_units`` names the unit) for the years asked (by default the plan period up to last
year, and the earlier years now filled by illustrative figures), one row per figure that is still
missing or only preliminary/estimated, with the figures already held officially shown as locked
rows for context. Sheets:

``填报`` (fill in)
    Row 1 holds the field names read back by ``qcplan ingest`` (:data:`FIELDS`), row 2 their
    Chinese labels, data from row 3. Only ``value``, ``status``, ``source`` and ``note`` of a
    row to fill are unlocked (data validation: a number in the indicator's range; status from a
    list). Below them, :data:`FREE_ROWS` open rows take any other figure of the unit's series,
    in-year figures (period M01-M12 / Q1-Q4, measure period / ytd / ytd_growth) included.
``说明`` (instructions)
    How to fill and return the workbook, in Chinese and English; cell ``B2`` names the unit the
    workbook was issued to (``ingest`` checks it).
``lists``
    Hidden: the allowed values the drop-down lists read.

Every sheet goes through :func:`qcplan.files.neutralise_sheet` before it is saved, so no text
from the plan's tables can become a formula.
"""

from __future__ import annotations

import datetime as _dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qcplan.errors import ParameterError
from qcplan.files import neutralise_sheet, write_atomic
from qcplan.plan.schema import (
    INGEST_STATUSES,
    MEASURE_RANGES,
    OBS_MEASURES,
    PERIODS,
    STATUS_LABELS,
    UNIT_CUTOFF,
    split_aliases,
)
from qcplan.text import suggest

SHEET = "填报"
INFO_SHEET = "说明"
LISTS_SHEET = "lists"
UNIT_CELL = "B2"
HEADER_ROW, LABEL_ROW, FIRST_ROW = 1, 2, 3
FREE_ROWS = 30
# Years before the earliest period_start that a workbook (and ingest) accepts: history that
# replaces illustrative years.
HISTORY_YEARS = 10

# (field, Chinese label, width, filled by the unit)
FIELDS: tuple[tuple[str, str, int, bool], ...] = (
    ("indicator_id", "指标代码", 26, False),
    ("geography", "地区/口径", 18, False),
    ("year", "年份", 7, False),
    ("period", "期别(空=全年)", 10, False),
    ("measure", "数值类型", 11, False),
    ("value", "数值", 12, True),
    ("status", "数据性质", 12, True),
    ("source", "来源", 28, True),
    ("note", "备注", 24, True),
    ("name_zh", "指标名称", 26, False),
    ("name_en", "Indicator", 26, False),
    ("unit", "单位", 9, False),
    ("definition", "指标解释", 40, False),
    ("coverage", "口径/用于目标", 40, False),
    ("held_value", "现有数值", 11, False),
    ("held_status", "现有数据性质", 12, False),
    ("held_received", "现有数值收到日期", 14, False),
)
FIELD_NAMES: tuple[str, ...] = tuple(f[0] for f in FIELDS)
LABELS: dict[str, str] = {f[0]: f[1] for f in FIELDS}
# Fields a returned row must fill, and those read back by ingest (the rest is context).
INPUT_FIELDS: tuple[str, ...] = ("indicator_id", "geography", "year", "period", "measure", "value",
                                 "status", "source", "note")
REQUIRED_FIELDS: tuple[str, ...] = ("indicator_id", "geography", "year", "value", "status")

INSTRUCTIONS_ZH = (
    "填报说明",
    "1. 请在“填报”表中填写黄色单元格:数值、数据性质(从下拉列表选择:正式 / 初步 / 估计;"
    "写作 正式数、初步数、预计、快报 也可)、来源(文件名称或网址)、备注。"
    "灰色单元格为已有数据或说明,已锁定。",
    "2. 数值只填数字,不填单位、不加“约”“左右”,小数点用“.”,不用千分位逗号;单位见“单位”列"
    "(百分数填 12.5 表示 12.5%)。",
    "3. 暂时没有的数据请留空,不要填 0 或“—”。",
    "4. 月度、季度数据(如 1—9月累计值)请填在表格下方的空行:期别填 M01—M12 或 Q1—Q4,"
    "数值类型填 ytd(1—N月累计值)、ytd_growth(累计增长%)或 period(当月/当季值)。",
    "5. 不要修改表头、不要合并单元格、不要增加工作表、不要使用公式;"
    "修改已锁定的正式数据须另附说明。",
    "6. 填好后按原文件名保存为 .xlsx,交回牵头单位。",
)
INSTRUCTIONS_EN = (
    "How to fill in this workbook",
    "1. In sheet 填报 fill the yellow cells: value, status (from the list: 正式 official / 初步 "
    "preliminary / 估计 estimate; 正式数, 初步数, 预计 (read as preliminary) and 快报 are read "
    "too), source (document or web address) and note. Grey cells are figures already held or "
    "explanations, and are locked.",
    "2. Write the value as a plain number: no unit, no 'about', '.' as the decimal point, no "
    "thousands separator. The unit is in column unit (12.5 for 12.5%).",
    "3. Leave a figure you do not have yet blank; do not write 0 or a dash.",
    "4. Monthly or quarterly figures (e.g. January-September cumulative) go in the open rows at "
    "the bottom: period M01-M12 or Q1-Q4, measure ytd (cumulative from January), ytd_growth "
    "(cumulative growth in %) or period (the month's or quarter's own value).",
    "5. Do not change the header, merge cells, add sheets or use formulas.",
    "6. Save as .xlsx under the same file name and return it to the planning office.",
)


@dataclass
class CollectRow:
    indicator_id: str
    geography: str
    year: int
    held_value: float | None = None
    held_status: str = ""
    held_received: str = ""
    fill: bool = True  # False: an official figure held, shown locked for context


def unit_aliases(plan: Any) -> dict[str, str]:
    """Every name a responsible unit goes by -> the unit's own name (``name_zh`` of
    responsible_units.csv): its name itself and each of its ``aliases``. A name of targets.csv
    found in neither stands for itself."""
    out: dict[str, str] = {}
    reg = getattr(plan, "responsible_units", None)
    if reg is None or "name_zh" not in getattr(reg, "columns", ()):
        return out
    for _, r in reg.iterrows():
        name = unicodedata.normalize("NFKC", str(r["name_zh"])).strip()
        out[name] = name
        for alias in split_aliases(r.get("aliases", "")):
            out.setdefault(alias, name)
    return out


def _target_units(plan: Any, text: Any, aliases: dict[str, str] | None = None) -> list[str]:
    aliases = unit_aliases(plan) if aliases is None else aliases
    out: list[str] = []
    for name in str(text).split("、"):
        name = unicodedata.normalize("NFKC", name).strip()
        if name and aliases.get(name, name) not in out:
            out.append(aliases.get(name, name))
    return out


def unit_names(plan: Any) -> list[str]:
    """Every responsible unit named in targets.csv, in order of first appearance, each once
    under its own name however targets.csv names it (:func:`unit_aliases`)."""
    aliases = unit_aliases(plan)
    seen: dict[str, None] = {}
    for text in plan.targets["responsible_units"]:
        for name in _target_units(plan, text, aliases):
            seen.setdefault(name, None)
    return list(seen)


def unit_series(plan: Any, unit: str) -> dict[tuple[str, str], list[Any]]:
    """(indicator_id, geography) -> the unit's targets on that series (rows of targets), the
    unit given by any of its names."""
    aliases = unit_aliases(plan)
    unit = aliases.get(unit, unit)
    out: dict[tuple[str, str], list[Any]] = {}
    for _, t in plan.targets.iterrows():
        units = _target_units(plan, t["responsible_units"], aliases)
        if unit in units:
            out.setdefault((t["indicator_id"], t["geography"]), []).append(t)
    return out


def units_series(plan: Any) -> dict[str, set[tuple[str, str]]]:
    """Every unit (its own name) -> the (indicator_id, geography) of its targets, in one pass."""
    aliases = unit_aliases(plan)
    out: dict[str, set[tuple[str, str]]] = {u: set() for u in unit_names(plan)}
    t = plan.targets
    for ind, geo, text in zip(t["indicator_id"], t["geography"], t["responsible_units"]):
        for u in _target_units(plan, text, aliases):
            out.setdefault(u, set()).add((ind, geo))
    return out


def plan_years(plan: Any) -> tuple[int, int]:
    """The years figures may be given for: HISTORY_YEARS before the earliest period_start up to
    the last target year."""
    t = plan.targets
    return int(t["period_start"].min()) - HISTORY_YEARS, int(t["target_year"].max())


def held_figures(plan: Any) -> dict[tuple, Any]:
    """Current real whole-year figures: (indicator, geography, year) -> row of observations."""
    obs = plan.observations
    real = obs[(obs["status"] != "illustrative") & (obs["period"] == "")
               & (obs["measure"] == "period")]
    return {(r.indicator_id, r.geography, int(r.year)): r for r in real.itertuples()}


def collect_rows(plan: Any, unit: str, year: int | None = None,
                 today: _dt.date | None = None) -> list[CollectRow]:
    """The rows of one unit's workbook: for every series of its targets and every year from the
    target's period_start (or the first year the series now takes from the illustrative table,
    if earlier: returning those makes the series real) to its target year (at most last year;
    only ``year`` when given), a row to fill unless an official or derived figure is held (then
    a locked context row)."""
    today = today or _dt.date.today()
    last = today.year - 1 if year is None else year
    held = held_figures(plan)
    obs = plan.observations
    ill = obs[obs["status"] == "illustrative"]
    first_ill = ill.groupby(["indicator_id", "geography"])["year"].min().to_dict()
    rows: list[CollectRow] = []
    for (ind, geo), targets in unit_series(plan, unit).items():
        start = min(int(t["period_start"]) for t in targets)
        start = min(start, int(first_ill.get((ind, geo), start)))
        end = min(max(int(t["target_year"]) for t in targets), last)
        years = [year] if year is not None and start <= year <= end else (
            [] if year is not None else list(range(start, end + 1)))
        for y in years:
            h = held.get((ind, geo, y))
            if h is None:
                rows.append(CollectRow(ind, geo, y))
            else:
                rows.append(CollectRow(ind, geo, y, float(h.value), str(h.status),
                                       str(h.received), fill=h.status not in ("official",
                                                                                "derived")))
    return rows


def _safe_name(unit: str) -> str:
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", unit).strip(". ") or "unit"


class _EntrySheet:
    """The 填报 sheet being written: its cells (locked grey or editable yellow) and validations."""

    def __init__(self, ws: Any):
        # imported here: openpyxl takes about a second to import, which only `collect` needs
        from openpyxl.styles import Font, PatternFill

        self.ws = ws
        self.col = {name: i + 1 for i, name in enumerate(FIELD_NAMES)}
        self.grey = PatternFill("solid", fgColor="EEEEEE")
        self.yellow = PatternFill("solid", fgColor="FFF2CC")
        self.bold = Font(bold=True)
        self.number_dvs: dict[tuple[float, float], Any] = {}
        self.lists: dict[str, Any] = {}

    def put(self, r: int, name: str, value: Any, editable: bool = False) -> None:
        from openpyxl.styles import Protection

        cell = self.ws.cell(row=r, column=self.col[name], value=value)
        cell.protection = Protection(locked=not editable)
        cell.fill = self.yellow if editable else self.grey

    def cell(self, r: int, name: str) -> Any:
        return self.ws.cell(row=r, column=self.col[name])

    def list_dv(self, name: str, letter: str, n: int) -> None:
        """A drop-down for column ``name`` from column ``letter`` of the hidden lists sheet."""
        from openpyxl.worksheet.datavalidation import DataValidation

        ref = f"{LISTS_SHEET}!${letter}$1:${letter}${max(n, 1)}"
        dv = DataValidation(type="list", formula1=ref, allow_blank=True, showErrorMessage=True)
        dv.errorTitle = "请从列表中选择 Choose from the list"
        dv.error = f"请从列表中选择{name} / choose {name} from the list"
        self.ws.add_data_validation(dv)
        self.lists[name] = dv

    def number_dv(self, low: float, high: float) -> Any:
        """The validation of numbers from ``low`` to ``high`` (one per range)."""
        from openpyxl.worksheet.datavalidation import DataValidation

        key = (low, high)
        if key not in self.number_dvs:
            dv = DataValidation(type="decimal", operator="between", formula1=str(low),
                                formula2=str(high), allow_blank=True, showErrorMessage=True)
            dv.errorTitle = "只填数字 Numbers only"
            dv.error = (f"请填写 {low:g} 到 {high:g} 之间的数字,不带单位 / a number between "
                        f"{low:g} and {high:g}, without unit")
            self.ws.add_data_validation(dv)
            self.number_dvs[key] = dv
        return self.number_dvs[key]


def workbook_bytes(plan: Any, unit: str, rows: list[CollectRow], issued: _dt.date) -> bytes:
    """The workbook of one unit, as .xlsx bytes: the 填报 sheet (header, issued rows, free
    rows, protection), the hidden lists sheet behind its drop-downs, and the 说明 sheet."""
    # imported here: openpyxl takes about a second to import, which only `collect` needs
    from openpyxl import Workbook

    series = unit_series(plan, unit)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    info = wb.create_sheet(INFO_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    sheet = _EntrySheet(ws)
    _write_header(sheet)
    _write_lists(sheet, lists, series)
    first_free = _write_issued_rows(sheet, plan, rows, series)
    _write_free_rows(sheet, plan, first_free)
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widening a column stays allowed
    ws.protection.formatRows = False
    _write_info(info, unit, issued, rows, sheet.bold)
    for s in wb.worksheets:
        neutralise_sheet(s)
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _write_header(sheet: _EntrySheet) -> None:
    """Field names (read back by ingest) and labels; column widths; frozen panes."""
    from openpyxl.utils import get_column_letter

    ws, col = sheet.ws, sheet.col
    for name, label, width, _ in FIELDS:
        c = ws.cell(row=HEADER_ROW, column=col[name], value=name)
        c.font = sheet.bold
        ws.cell(row=LABEL_ROW, column=col[name], value=label).font = sheet.bold
        ws.column_dimensions[get_column_letter(col[name])].width = width
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=col["value"])


def _write_lists(sheet: _EntrySheet, lists: Any,
                 series: dict[tuple[str, str], list[dict[str, str]]]) -> None:
    """The drop-down lists (a hidden sheet: a list written inline is limited to 255
    characters) and their validations."""
    ids = sorted({ind for ind, _ in series})
    geos = sorted({geo for _, geo in series})
    columns = {"A": ids, "B": geos, "C": list(PERIODS[1:]), "D": list(OBS_MEASURES),
               "E": [STATUS_LABELS[s] for s in INGEST_STATUSES]}  # 正式, 初步, 估计
    for letter, values in columns.items():
        for i, v in enumerate(values, start=1):
            lists[f"{letter}{i}"] = v
    sheet.list_dv("status", "E", len(INGEST_STATUSES))
    sheet.list_dv("indicator_id", "A", len(ids))
    sheet.list_dv("geography", "B", len(geos))
    sheet.list_dv("period", "C", len(PERIODS) - 1)
    sheet.list_dv("measure", "D", len(OBS_MEASURES))


def _value_range(indicators: Any, ind: str) -> tuple[float, float]:
    """The range a figure of ``ind`` may take (its measure's, within ±1e12)."""
    m = str(indicators.loc[ind, "measure"]) if ind in indicators.index else ""
    low, high = MEASURE_RANGES.get(m, (-1e12, 1e12))
    return (max(low, -1e12), min(high, 1e12))


def _write_issued_rows(sheet: _EntrySheet, plan: Any, rows: list[CollectRow],
                       series: dict[tuple[str, str], list[dict[str, str]]]) -> int:
    """One row per figure asked for: editable where a figure is to fill, locked where an
    official figure is held. Returns the first row after them."""
    indicators = plan.indicators.set_index("indicator_id")
    put = sheet.put
    r = FIRST_ROW
    for row in rows:
        ind = indicators.loc[row.indicator_id] if row.indicator_id in indicators.index else None
        targets = series.get((row.indicator_id, row.geography), [])
        coverage = f"{row.geography}; " + "; ".join(
            f"{t['target_id']} {t['name_zh']}" for t in targets)
        put(r, "indicator_id", row.indicator_id)
        put(r, "geography", row.geography)
        put(r, "year", row.year)
        put(r, "period", "")
        put(r, "measure", "period")
        put(r, "name_zh", "" if ind is None else ind["name_zh"])
        put(r, "name_en", "" if ind is None else ind["name_en"])
        put(r, "unit", "" if ind is None else ind["unit"])
        put(r, "definition", "" if ind is None else ind.get("description", ""))
        put(r, "coverage", coverage)
        put(r, "held_value", row.held_value)
        put(r, "held_status", row.held_status)
        put(r, "held_received", row.held_received)
        if row.fill:
            for name in ("value", "status", "source", "note"):
                put(r, name, None, editable=True)
            sheet.number_dv(*_value_range(indicators, row.indicator_id)).add(
                sheet.cell(r, "value"))
            sheet.lists["status"].add(sheet.cell(r, "status"))
        else:  # an official figure held: shown, locked
            put(r, "value", row.held_value)
            put(r, "status", row.held_status)
            put(r, "source", "")
            put(r, "note", "已有正式数据(锁定) official figure held (locked)")
        r += 1
    return r


def _write_free_rows(sheet: _EntrySheet, plan: Any, first_free: int) -> None:
    """FREE_ROWS editable rows for figures not asked for, with their drop-downs and checks."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    r = first_free
    for _ in range(FREE_ROWS):
        for name in INPUT_FIELDS:
            sheet.put(r, name, None, editable=True)
        for name in FIELD_NAMES:
            if name not in INPUT_FIELDS:
                sheet.put(r, name, None)
        r += 1
    if not FREE_ROWS:
        return
    span = f"{{}}{first_free}:{{}}{r - 1}"
    letter = {n: get_column_letter(sheet.col[n]) for n in FIELD_NAMES}
    for name in ("indicator_id", "geography", "period", "measure", "status"):
        sheet.lists[name].add(span.format(letter[name], letter[name]))
    dv_year = DataValidation(type="whole", operator="between",
                             formula1=str(plan_years(plan)[0]),
                             formula2=str(plan_years(plan)[1]), allow_blank=True,
                             showErrorMessage=True)
    dv_year.error = "请填写四位年份 / a year such as 2025"
    sheet.ws.add_data_validation(dv_year)
    dv_year.add(span.format(letter["year"], letter["year"]))
    sheet.number_dv(-1e12, 1e12).add(span.format(letter["value"], letter["value"]))


def _write_info(info: Any, unit: str, issued: _dt.date, rows: list[CollectRow],
                bold: Any) -> None:
    """The 说明 sheet: the unit, the issue date, the rows to fill and the instructions."""
    from openpyxl.styles import Alignment

    info.column_dimensions["A"].width = 22
    info.column_dimensions["B"].width = 110
    info["A1"] = "qcplan 数据填报 / figures requested"
    info["A1"].font = bold
    info["A2"] = "填报单位 Reporting unit"
    info[UNIT_CELL] = unit
    info["A3"] = "发出日期 Issued"
    info["B3"] = issued.isoformat()
    info["A4"] = "待填报行数 Rows to fill"
    info["B4"] = sum(1 for x in rows if x.fill)
    line = 6
    for block in (INSTRUCTIONS_ZH, INSTRUCTIONS_EN):
        for i, text in enumerate(block):
            c = info.cell(row=line, column=2 if i else 1, value=text)
            c.alignment = Alignment(wrap_text=True, vertical="top")
            if i == 0:
                c.font = bold
            line += 1
        line += 1
    info.protection.sheet = True


def collect(plan: Any, out: str | Path, units: list[str] | None = None, year: int | None = None,
            today: _dt.date | None = None) -> dict[str, tuple[Path, int]]:
    """Write one workbook per responsible unit into ``out``; return unit -> (path, rows to fill).

    ``units`` limits the units (each must be named in targets.csv); ``year`` asks for that year
    only (default: every year from each target's period_start to last year).
    """
    today = today or _dt.date.today()
    known = unit_names(plan)
    aliases = unit_aliases(plan)
    chosen: list[str] = []
    for u in units or known:
        name = aliases.get(unicodedata.normalize("NFKC", u).strip(), u.strip())
        if name not in known:
            raise ParameterError("command line", "--units", u,
                                 "a unit named in responsible_units of targets.csv (or one of "
                                 "its other names in responsible_units.csv)"
                                 + suggest(u, list(known) + list(aliases), UNIT_CUTOFF))
        if name not in chosen:
            chosen.append(name)
    low, high = plan_years(plan)
    if year is not None and not low <= year <= high:
        raise ParameterError("command line", "--year", year, f"a year from {low} to {high}")
    written: dict[str, tuple[Path, int]] = {}
    for unit in chosen:
        rows = collect_rows(plan, unit, year, today)
        path = Path(out) / f"{_safe_name(unit)}.xlsx"
        write_atomic(path, workbook_bytes(plan, unit, rows, today))
        written[unit] = (path, sum(1 for r in rows if r.fill))
    return written
