"""Where the figures a report shows come from: the sources table (one row per series, status and
source, with the years it covers), the in-year figures table, the plan's title and its data
vintage in words.

A leaf of :mod:`qcplan.render` used by the report (:mod:`qcplan.render.report`) and the Word
documents (:mod:`qcplan.render.documents`) alike.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from qcplan.render.html import STYLE, esc, fmt
from qcplan.render.i18n import data_status_label, pick

#: The words of the sources and in-year tables, (zh, en).
WORDS = {
    "source_heads": (("指标", "地区/口径", "年份", "数据性质", "来源", "备注"),
                     ("Indicator", "Geography (coverage)", "Years", "Status", "Source", "Note")),
    "in_year_heads": (("指标", "地区/口径", "期间", "类型", "数值", "数据性质", "收到日期"),
                      ("Indicator", "Geography", "Period", "Measure", "Value", "Status",
                       "Received")),
    "in_year_title": ("年内数据(月度、季度累计,仅展示,不进入预测)",
                      "In-year figures (monthly and quarterly, shown but not projected)"),
    "assumed": ("(期末,假定)", " (period end, assumed)"),
    "vintage": ("数据截至 {latest}; 最新正式/初步数据年份 {official}",
                "Data up to {latest}; latest official/preliminary year {official}"),
}
#: What an in-year figure's measure is.
MEASURE = {"ytd": ("累计值", "year to date"), "ytd_growth": ("累计增长", "growth, year to date"),
           "period": ("当期值", "period value")}
#: The column of an indicator's name in ``lang``.
NAME_COLUMN = ("name_zh", "name_en")


def series_shown(table: pd.DataFrame) -> list[tuple[str, str]]:
    """The series (indicator, geography) behind ``table``'s targets and their benchmarks, in
    order, each once."""
    series = []
    for _, r in table.iterrows():
        series.append((r["indicator_id"], r["geography"]))
        if isinstance(r.get("benchmark"), str) and "@" in r["benchmark"]:
            b_ind, _, b_geo = r["benchmark"].partition("@")
            series.append((b_ind, b_geo))
    return list(dict.fromkeys(series))


def source_rows(plan: Any, table: pd.DataFrame,
                lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """The sources of every figure shown for ``table``'s targets: header and rows (one row per
    series, status and source, with the years it covers and the notes), as plain text."""
    heads = list(pick(WORDS["source_heads"], lang))
    series = series_shown(table)
    obs = plan.observations
    obs = obs[obs["indicator_id"].isin({ind for ind, _ in series})]
    cols = ["indicator_id", "geography", "status", "source", "year"]
    periods = obs["period"] if "period" in obs else pd.Series([""] * len(obs), index=obs.index)
    notes = obs["note"] if "note" in obs else pd.Series([""] * len(obs), index=obs.index)
    # (indicator, geography) -> (status, source) -> [(year, period, note)], in the table's order
    groups: dict[tuple[str, str], dict[tuple[Any, Any], list[tuple[Any, Any, str]]]] = {}
    for (ind, geo, status, source, year), period, note in zip(
            obs[cols].itertuples(index=False, name=None), periods, notes):
        if _missing(status) or _missing(source):
            continue
        key = (status, source)
        groups.setdefault((ind, geo), {}).setdefault(key, []).append(
            (year, period, "" if _missing(note) else str(note)))
    names = plan.indicators.set_index("indicator_id")
    rows = []
    for ind, geo in series:
        label = names.loc[ind, pick(NAME_COLUMN, lang)] if ind in names.index else ind
        for (status, source), items in groups.get((ind, geo), {}).items():
            notes_text = "; ".join(dict.fromkeys(n for _, _, n in items if n))
            grp = {"year": [y for y, _, _ in items], "period": [p for _, p, _ in items]}
            rows.append([str(label), str(geo), _year_ranges(grp),
                         data_status_label(str(status), lang), str(source), notes_text])
    return heads, rows


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def sources_html(plan: Any, table: pd.DataFrame, lang: str = "zh") -> str:
    """:func:`source_rows` as an HTML table (illustrative figures marked)."""
    return sources_table_html(*source_rows(plan, table, lang), lang=lang)


def sources_table_html(heads: list[str], rows: list[list[str]], lang: str = "zh") -> str:
    """The rows of :func:`source_rows` as an HTML table."""
    illustrative = data_status_label("illustrative", lang)
    body = []
    for cells in rows:
        cls = ' class="qc-illus"' if cells[3] == illustrative else ""
        out = [esc(c) for c in cells]
        out[3] = f"<span{cls}>{out[3]}</span>"
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in out) + "</tr>")
    return (STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(body) + "</tbody></table>")


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: An in-year figure's period: a year to date (of the first month alone, or of several), a
#: quarter, the first half or a month; filled with ``year``, ``months`` and ``month`` (the last
#: month's English name).
IN_YEAR = {
    "ytd_1": ("{year}年1月", "Jan {year}"),
    "ytd": ("{year}年1—{months}月", "Jan–{month} {year}"),
    "Q1": ("{year}年第一季度", "Q1 {year}"),
    "Q2": ("{year}年第二季度", "Q2 {year}"),
    "Q3": ("{year}年第三季度", "Q3 {year}"),
    "Q4": ("{year}年第四季度", "Q4 {year}"),
    "H1": ("{year}年上半年", "H1 {year}"),
    "month": ("{year}年{months}月", "{month} {year}"),
}


def in_year_label(year: int, period: str, measure: str, months: int, lang: str = "zh") -> str:
    """'2025年1—9月' (a year-to-date figure), '2025年9月', '2025年第三季度' (a period's own value);
    'Jan–Sep 2025', 'Sep 2025', 'Q3 2025' in English."""
    if measure in ("ytd", "ytd_growth"):
        key = "ytd_1" if months == 1 else "ytd"
    else:
        key = period if period in ("Q1", "Q2", "Q3", "Q4", "H1") else "month"
    return pick(IN_YEAR[key], lang).format(year=year, months=months,
                                           month=MONTHS_EN[(months - 1) % 12])


def subannual_html(plan: Any, table: pd.DataFrame, lang: str = "zh") -> str:
    """The in-year figures (monthly, quarterly, year-to-date) of the pillar's series, the latest
    year of each: shown, not projected. Empty when there are none."""
    series = series_shown(table)
    if not hasattr(plan, "subannual"):
        return ""
    obs = plan.observations
    if "period" in obs:  # only the series that have in-year figures
        inyear = obs[obs["period"].fillna("").astype(str) != ""]
        have = set(zip(inyear["indicator_id"], inyear["geography"]))
        series = [(ind, geo) for ind, geo in series if (ind, geo) in have]
    names = plan.indicators.set_index("indicator_id")
    rows = []
    for ind, geo in series:
        try:
            sub = plan.subannual(ind, geo)
        except KeyError:
            continue
        if sub.empty:
            continue
        sub = sub[sub["year"] == sub["year"].max()]
        label = names.loc[ind, pick(NAME_COLUMN, lang)] if ind in names.index else ind
        unit = names.loc[ind, "unit"] if ind in names.index else ""
        for r in sub.itertuples():
            u = "%" if r.measure == "ytd_growth" else unit
            cells = [esc(label), esc(geo),
                     esc(in_year_label(int(r.year), r.period, r.measure, int(r.months), lang)),
                     esc(pick(MEASURE[r.measure], lang)), f"{fmt(r.value)} {esc(u)}",
                     esc(data_status_label(str(r.status), lang)),
                     esc(r.received) + (esc(pick(WORDS["assumed"], lang))
                                        if r.received_assumed else "")]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if not rows:
        return ""
    heads = pick(WORDS["in_year_heads"], lang)
    title = pick(WORDS["in_year_title"], lang)
    return (f"<h3>{esc(title)}</h3>" + STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")


def year_ranges(years: Iterable[int]) -> str:
    """'2001, 2003–2006' from the years 2001, 2003, 2004, 2005, 2006 (any order, repeats once)."""
    parts: list[str] = []
    start = prev = None
    for y in sorted(set(years)):
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = y
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    return ", ".join(parts)


def _year_ranges(grp: Mapping[str, Any]) -> str:
    """'2016–2020, 2022 Q1' from the rows' years and periods (columns ``year`` and, if any,
    ``period``)."""
    whole = [int(y) for y, p in zip(grp["year"], grp.get("period", [""] * len(grp)))
             if not (isinstance(p, str) and p)]
    parts = [year_ranges(whole)] if whole else []
    if "period" in grp:
        parts += [f"{int(y)} {p}" for y, p in zip(grp["year"], grp["period"])
                  if isinstance(p, str) and p]
    return ", ".join(parts)


def plan_title(plan: Any, lang: str) -> str:
    """The plan's title in ``lang`` (from its ``plan.yaml``)."""
    return str(plan.title(lang))


def vintage_text(plan: Any, lang: str) -> str:
    """'Data up to 2031; latest official/preliminary year 2030' in ``lang``."""
    vintage = plan.vintage()
    return pick(WORDS["vintage"], lang).format(latest=vintage.get("latest_year", "—"),
                                                official=vintage.get("latest_official_year", "—"))
