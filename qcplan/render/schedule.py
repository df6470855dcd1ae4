"""The 序时进度 view of a yearly-targets plan: for each one-year target whose year has in-year
figures, the figure so far against the time-proportional schedule, the full-year nowcast and
what the remaining months must deliver (computed by :mod:`qcplan.model.schedule`), as table
cells, sentences and HTML. A leaf used by the report and the Word documents alike.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from qcplan.model.schedule import schedule_rows
from qcplan.render.html import STYLE, esc, fmt, pct
from qcplan.render.i18n import basis_label, schedule_word


def _month_span(months: int, lang: str) -> str:
    return basis_label(int(months), 12, lang)


def _level_unit(plan: Any, indicator_id: str, lang: str) -> str:
    ind = plan.indicators.set_index("indicator_id")
    if indicator_id not in ind.index:
        return ""
    col = "unit_en" if lang == "en" and "unit_en" in ind.columns else "unit"
    unit = ind.loc[indicator_id, col]
    return "" if not isinstance(unit, str) else unit


def schedule_finding(row: Mapping[str, Any], target: Mapping[str, Any], lang: str = "zh",
                     unit: str = "") -> str:
    """One target's 序时进度 sentence: the growth so far against the year's target, the
    full-year nowcast and what the remaining months must deliver (all computed)."""
    w = schedule_word
    zh = lang == "zh"
    name = str(target.get("name_zh" if zh else "name_en", row["target_id"]))
    thr = fmt(target.get("threshold"))
    k = int(row.get("months") or 0)
    if row.get("note") == "no_figure" or k == 0:
        return f"{name}:{w('no_figure', lang)}。" if zh else f"{name}: {w('no_figure', lang)}."
    span = _month_span(k, lang)
    if math.isfinite(float(row.get("ytd_growth", math.nan))):
        r, gap = float(row["ytd_growth"]), float(row["gap"])
        level = (f"({fmt(row['ytd_level'])}{unit})" if zh else
                 f" ({fmt(row['ytd_level'])} {unit})") if math.isfinite(
                     float(row.get("ytd_level", math.nan))) else ""
        if zh:
            text = (f"{name}:{span}增长{fmt(r)}%{level},"
                    + (f"高于全年目标{thr}%{fmt(gap)}个百分点,{w('on', lang)}"
                       if gap >= 0 else
                       f"低于全年目标{thr}%{fmt(-gap)}个百分点,{w('behind', lang)}"))
        else:
            text = (f"{name}: {span} {fmt(r)}%{level}, "
                    + (f"{fmt(gap)} points above the year's target of {thr}%: {w('on', lang)}"
                       if gap >= 0 else
                       f"{fmt(-gap)} points below the year's target of {thr}%: "
                       f"{w('behind', lang)}"))
        if math.isfinite(float(row.get("prob_reach", math.nan))):
            text += (f";全年预计增长{fmt(row['median'])}%(80%区间{fmt(row['p10'])}%—"
                     f"{fmt(row['p90'])}%),达标概率约{pct(row['prob_reach'])}(模型估计)"
                     if zh else
                     f"; the full year is nowcast at {fmt(row['median'])}% (80% interval "
                     f"{fmt(row['p10'])}–{fmt(row['p90'])}%), P(reach) about "
                     f"{pct(row['prob_reach'])} (model estimate)")
        else:
            text += (";" if zh else "; ") + w("no_nowcast", lang)
        if math.isfinite(float(row.get("required_rest", math.nan))):
            left = 12 - k
            text += (f";其余{left}个月需增长{fmt(row['required_rest'])}%左右才能完成全年目标"
                     f"({w('time_weights', lang)})" if zh else
                     f"; the other {left} months must grow about {fmt(row['required_rest'])}% "
                     f"for the year to meet it ({w('time_weights', lang)})")
        return text + ("。" if zh else ".")
    if math.isfinite(float(row.get("task_progress", math.nan))):
        done, time = pct(row["task_progress"]), pct(row["time_progress"])
        verdict = w("on" if row.get("on_schedule") else "behind", lang)
        return (f"{name}:{span}完成{fmt(row['ytd_level'])}{unit},为全年目标的{done},时间进度{time},"
                f"{verdict};其余月份需完成"
                f"{fmt(row['remaining_amount'])}{unit}。" if zh else
                f"{name}: {span} {fmt(row['ytd_level'])} {unit}, {done} of the year's target "
                f"with {time} of the year gone: {verdict}; "
                f"the remaining months must deliver {fmt(row['remaining_amount'])} {unit}.")
    return (f"{name}:{span}{fmt(row['ytd_level'])}{unit};{w('level_only', lang)}。" if zh else
            f"{name}: {span} {fmt(row['ytd_level'])} {unit}; {w('level_only', lang)}.")


def schedule_cells(plan: Any, table: pd.DataFrame, lang: str = "zh"
                   ) -> tuple[list[str], list[list[str]], list[str]]:
    """The 序时进度 table of the pillar's one-year targets as text: column heads (考核指标 /
    序时进度 / … / 责任单位), rows, and one sentence per target (:func:`schedule_finding`).
    No rows when no one-year target's year has in-year figures."""
    w = schedule_word
    heads = [w(k, lang) for k in ("indicator", "target", "so_far", "time", "verdict", "nowcast",
                                  "prob", "rest", "units", "coop")]
    rows = schedule_rows(plan, table)
    if rows.empty:
        return heads, [], []
    zh = lang == "zh"
    targets = plan.targets.set_index("target_id")
    body, sentences = [], []
    for r in rows.to_dict("records"):
        t = targets.loc[r["target_id"]].to_dict()
        unit = _level_unit(plan, str(r["level_id"]), lang)
        k = int(r["months"] or 0)
        name = str(t.get("name_zh" if zh else "name_en"))
        if k:
            so_far = _month_span(k, lang) + " "
            if math.isfinite(float(r["ytd_growth"])):
                so_far += f"{fmt(r['ytd_growth'])}%"
                if math.isfinite(float(r["ytd_level"])):
                    so_far += f" ({fmt(r['ytd_level'])} {unit})"
            elif math.isfinite(float(r["ytd_level"])):
                so_far += f"{fmt(r['ytd_level'])} {unit}"
            time = pct(r["time_progress"])
        else:
            so_far, time = w("no_figure", lang), "—"
        if r["on_schedule"] is None or (isinstance(r["on_schedule"], float)
                                        and math.isnan(r["on_schedule"])):
            verdict = w("level_only", lang) if r["note"] == "level_only" else "—"
        else:
            verdict = w("on" if r["on_schedule"] else "behind", lang)
            if math.isfinite(float(r["gap"])):
                verdict += f" ({float(r['gap']):+.1f} pp)" if not zh else \
                    f"({float(r['gap']):+.1f}个百分点)"
        nowcast = (f"{fmt(r['median'])}% ({fmt(r['p10'])}–{fmt(r['p90'])}%)"
                   if math.isfinite(float(r["median"])) else "—")
        rest = (f"{fmt(r['required_rest'])}%" if math.isfinite(float(r["required_rest"])) else
                f"{fmt(r['remaining_amount'])} {unit}"
                if math.isfinite(float(r["remaining_amount"])) else "—")
        coop = t.get("cooperating_units", "")
        units = t.get("responsible_units", "")
        body.append([name, f"{fmt(t.get('threshold'))}{t.get('unit', '')}", so_far, time,
                     verdict, nowcast, pct(r["prob_reach"]), rest,
                     units if isinstance(units, str) and units else "—",
                     coop if isinstance(coop, str) and coop else "—"])
        sentences.append(schedule_finding(r, t, lang, unit))
    return heads, body, sentences


def schedule_html(plan: Any, table: pd.DataFrame, lang: str = "zh") -> str:
    """The 序时进度 table of the pillar's one-year targets, then one sentence per target.
    Empty when no one-year target's year has in-year figures."""
    w = schedule_word
    heads, body, sentences = schedule_cells(plan, table, lang)
    if not body:
        return ""
    return (f'<p class="qc-note">{esc(w("intro", lang))}</p>' + STYLE
            + '<table class="qc-table qc-schedule"><thead><tr>'
            + "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>"
            + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>"
                      for cells in body)
            + "</tbody></table><ul>" + "".join(f"<li>{esc(x)}</li>" for x in sentences)
            + "</ul>")
