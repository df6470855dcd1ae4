"""``qcplan new DIR``: an empty plan folder with commented templates, ready to fill in.

The folder holds ``plan.yaml`` (filled from the options, the rest commented), the four tables with
their header row, one line per column saying what goes there and one example row, all commented
out (a record whose first cell starts with ``#`` is skipped on reading), an empty ``scenarios/``
folder and a ``README.md``. As written it validates, and ``qcplan run`` renders an honest empty
overview ("no pillars or targets yet"). ``docs/NEW_PLAN.md`` walks through entering a plan's
main-indicator table.

With ``fmt="xlsx"`` the tables are workbooks: the first sheet has the header and the commented
example row, a second sheet (说明) the column notes.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import yaml

from qcplan.errors import ParameterError
from qcplan.plan.meta import PLAN_FILE, folder_id
from qcplan.plan.meta import STATUSES as PLAN_STATUSES
from qcplan.plan.schema import KINDS, MEASURES, SCHEMAS, STATUSES, TABLES
from qcplan.plan.writer import lock_wait, plan_lock, write_file

HELP: dict[str, dict[str, str]] = {
    "pillars": {
        "pillar": "id of the group of targets (lower-case letters, digits, _), e.g. economy",
        "name_zh": "名称 (Chinese name)", "name_en": "English name",
        "description_zh": "optional: 说明", "description_en": "optional: description",
        "order": "display order, 1, 2, 3 ...",
    },
    "indicators": {
        "indicator_id": "id of the indicator, e.g. gdp; one row per indicator",
        "name_zh": "指标名称", "name_en": "English name",
        "unit": "unit as published, e.g. 亿元, %, 万人 (blank only for a flag)",
        "unit_en": "the unit in English, written after the number as is (e.g. hundred "
                   "million yuan); needed for every unit while the column is there",
        "measure": "one of " + ", ".join(MEASURES)
        + " (growth: a published yearly growth rate; flag: 0/1 milestones)",
        "description": "optional: coverage, vintage, anything a reader must know",
    },
    "targets": {
        "target_id": "id of the target, e.g. gdp_2030",
        "indicator_id": "the indicator it is measured on (indicators table)",
        "geography": "where it is measured, e.g. the district's name as in the observations",
        "pillar": "its group (pillars table)",
        "name_zh": "目标的简短名称", "name_en": "short English name", "unit": "unit",
        "kind": "one of " + ", ".join(KINDS) + " (see docs/DESIGN.md)",
        "direction": "at_least or at_most",
        "threshold": "the number to reach, on the unit's scale (e.g. 1000 for 1000亿元)",
        "threshold_high": "optional: upper end of a range (5–8: threshold 5, threshold_high 8)",
        "rule": "relative: reach/exceed/narrow_gap; flow: every_year/average; else blank",
        "obligation": "optional: binding (约束性) or expected (预期性) as the plan marks it; "
                      "blank where the plan does not say",
        "period_start": "the plan's base year (growth and running totals count after it)",
        "target_year": "the year the target is due",
        "benchmark": "relative targets: indicator@geography of the benchmark",
        "base_year": "optional: base year if not period_start",
        "section": "optional: where the plan states it, e.g. 表1 or 一(三)",
        "quote_zh": "optional: the plan's own words, copied verbatim",
        "responsible_units": "optional: 责任单位, joined with 、",
        "note": "optional: how an ambiguous wording was read",
    },
    "observations": {
        "indicator_id": "the indicator", "geography": "as in the targets",
        "year": "the year of the figure", "period": "blank for a whole year; Q1-Q4, H1, M01-M12",
        "measure": "optional (blank: the documented default)",
        "value": "the figure, digits and '.', no thousands separator",
        "qualifier": "optional: >, >=, <, <= for a figure published only as a bound "
                     "(超过60%: value 60, qualifier >)",
        "unit": "the indicator's unit",
        "status": "one of " + ", ".join(STATUSES) + " (illustrative only for made-up figures)",
        "source": "where the figure was read: publication, page or address",
        "note": "optional: caveats, the excerpt", "received": "optional: date it became known",
        "reporting_unit": "optional", "file": "optional", "file_sha256": "optional",
    },
}
EXAMPLE: dict[str, dict[str, str]] = {
    "pillars": {"pillar": "economy", "name_zh": "经济发展", "name_en": "Economy", "order": "1"},
    "indicators": {"indicator_id": "gdp", "name_zh": "地区生产总值", "name_en": "GDP",
                   "unit": "亿元", "measure": "amount",
                   "description": "current prices; the district's own coverage"},
    "targets": {"target_id": "gdp_level", "indicator_id": "gdp", "geography": "(your district)",
                "pillar": "economy", "name_zh": "地区生产总值达到XXX亿元",
                "name_en": "GDP reaches XXX 100m yuan", "unit": "亿元", "kind": "level",
                "direction": "at_least", "threshold": "1000", "obligation": "expected",
                "period_start": "(base year)",
                "target_year": "(target year)", "section": "表1",
                "quote_zh": "(copy the plan's words)"},
    "observations": {"indicator_id": "gdp", "geography": "(your district)",
                     "year": "(year)", "value": "850.1", "unit": "亿元", "status": "official",
                     "source": "(statistical bulletin, page)"},
}


def _csv_text(name: str) -> str:
    cols = [c.name for c in SCHEMAS[name].columns]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    w.writerow([f"# {name}: one row per {_row_word(name)}. Lines starting with # are notes and "
                "are skipped; delete them when you like."])
    for c in cols:
        w.writerow([f"# {c}: {HELP[name].get(c, '')}"])
    example = EXAMPLE[name]
    row = [example.get(c, "") for c in cols]
    row[0] = "# example: " + row[0]
    w.writerow(row)
    return buf.getvalue()


def _row_word(name: str) -> str:
    return {"pillars": "group of targets", "indicators": "indicator",
            "targets": "quantified target of the plan",
            "observations": "published figure (indicator, geography, year)"}[name]


def _plan_yaml(title_zh: str, title_en: str, geography: str, issuer: str, status: str,
               period_start: int | None, period_end: int | None, base_year: int | None,
               plan_id: str) -> str:
    def q(v: object) -> str:
        return yaml.safe_dump(v, allow_unicode=True, default_flow_style=True,
                              width=1000).strip().removesuffix("...").strip()

    def year(v: int | None) -> str:
        return "" if v is None else str(v)

    return f"""# What this plan is (read by every qcplan command; see docs/NEW_PLAN.md).
id: {q(plan_id)}                 # used in run outputs (summary.csv, manifest.json)
title_zh: {q(title_zh)}
title_en: {q(title_en)}
issuer_zh: {q(issuer)}           # the issuing body (optional: issuer_en)
geography: {q(geography)}
status: {q(status)}              # draft or adopted
status_date:                     # YYYY-MM-DD of the draft or of the adoption
period_start: {year(period_start)}              # first year of the plan's period
period_end: {year(period_end)}                # last year (the usual target year)
base_year: {year(base_year)}                 # the year the plan's figures start from
workpoint_years: []              # years of annual work points, e.g. [2026, 2028]
source:                          # the source document: title, number, address
"""


def new_plan(folder: str | Path, *, title_zh: str, title_en: str = "", geography: str,
             issuer: str = "", status: str = "draft", period_start: int | None = None,
             period_end: int | None = None, base_year: int | None = None, fmt: str = "csv",
             plan_id: str | None = None, wait: float | None = None) -> list[Path]:
    """Write an empty plan folder; refuses a folder that already holds a plan file.

    The folder is checked and written under its lock (:func:`qcplan.plan.writer.plan_lock`,
    waiting ``wait`` seconds at most for another writer). Returns the files written. Raises
    :class:`~qcplan.errors.ParameterError` for a bad option.
    """
    folder = Path(folder)
    if fmt not in ("csv", "xlsx"):
        raise ParameterError("command line", "--format", fmt, "csv or xlsx")
    if status not in PLAN_STATUSES:
        raise ParameterError("command line", "--status", status, "draft or adopted")
    for key, value in (("--title", title_zh), ("--geography", geography)):
        if not str(value).strip():
            raise ParameterError("command line", key, value, "a non-empty text")
    if plan_id is not None and not re.match(r"^[a-z][a-z0-9_]{0,63}$", plan_id):
        raise ParameterError("command line", "--id", plan_id,
                             "a safe id: lower-case letters, digits and _, starting with a letter")
    lock_wait(wait)  # a bad --wait is an error before anything is made
    folder.mkdir(parents=True, exist_ok=True)
    # The check and the writing under the folder's lock: of two `new` into one folder, the
    # second finds the first's files and refuses.
    with plan_lock(folder, "new", wait=wait):
        taken = [p.name for p in [folder / PLAN_FILE] + [folder / f"{t}.{e}" for t in TABLES
                                                         for e in ("csv", "xlsx")] if p.exists()]
        if taken:
            raise ParameterError("command line", "DIR", str(folder),
                                 "a new or empty folder (it holds " + ", ".join(taken) + ")")
        written = [write_file(folder, PLAN_FILE, _plan_yaml(
            title_zh.strip(), (title_en or title_zh).strip(), geography.strip(), issuer.strip(),
            status, period_start, period_end, base_year, plan_id or folder_id(folder)))]
        for name in TABLES:
            if fmt == "csv":
                written.append(write_file(folder, f"{name}.csv", _csv_text(name)))
            else:
                written.append(_write_xlsx(folder, f"{name}.xlsx", name))
        (folder / "scenarios").mkdir(exist_ok=True)
        written.append(write_file(folder, "README.md", README.format(title=title_zh.strip())))
    return written


def _write_xlsx(folder: Path, file_name: str, name: str) -> Path:
    import openpyxl

    rows = list(csv.reader(io.StringIO(_csv_text(name))))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = name
    ws.append(rows[0])
    ws.append(rows[-1])  # the commented example row
    notes = wb.create_sheet("说明 notes")
    for r in rows[1:-1]:
        notes.append([r[0].lstrip("# ")])
    buf = io.BytesIO()
    wb.save(buf)
    return write_file(folder, file_name, buf.getvalue())


README = """# {title}

A plan folder for qcplan (made by `qcplan new`). Fill it in as `docs/NEW_PLAN.md` shows:

1. `plan.yaml`: the plan's title, issuer, geography, status and date, period, base year,
   work-point years, source document.
2. `pillars`: the groups of targets (the plan's chapters or the main-indicator table's groups).
3. `indicators`: one row per indicator of the main-indicator table (主要指标表), with its unit.
4. `targets`: one row per target: its number, target year, kind and direction.
5. `observations`: the published figures of each indicator, with their source.
6. `qcplan validate --plan .` until it passes, then `qcplan run --plan .`.

Lines starting with `#` in the tables are notes; they are skipped and can be deleted.
`scenarios/` may hold this plan's own scenarios (they replace the generic ones by name).
"""
