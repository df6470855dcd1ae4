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
from qcplan.render.i18n import SCHEDULE_SENTENCE, basis_label, pick, schedule_word


def _month_span(months: int, lang: str) -> str:
    return basis_label(int(months), 12, lang)


def _level_unit(plan: Any, indicator_id: str, lang: str) -> str:
    ind = plan.indicators.set_index("indicator_id")
    if indicator_id not in ind.index:
        return ""
    col = pick(("unit", "unit_en"), lang) if "unit_en" in ind.columns else "unit"
    unit = ind.loc[indicator_id, col]
    return "" if not isinstance(unit, str) else unit


def schedule_finding(row: Mapping[str, Any], target: Mapping[str, Any], lang: str = "zh",
                     unit: str = "") -> str:
    """One target's 序时进度 sentence: the growth so far against the year's target, the
    full-year nowcast and what the remaining months must deliver (all computed)."""
    w = schedule_word

    def s(key: str) -> str:
        return pick(SCHEDULE_SENTENCE[key], lang)

    name = str(target.get(pick(("name_zh", "name_en"), lang), row["target_id"]))
    thr = fmt(target.get("threshold"))
    k = int(row.get("months") or 0)
    if row.get("note") == "no_figure" or k == 0:
        return s("no_figure").format(name=name, no_figure=w("no_figure", lang))
    span = _month_span(k, lang)
    if math.isfinite(float(row.get("ytd_growth", math.nan))):
        r, gap = float(row["ytd_growth"]), float(row["gap"])
        level = s("level").format(level=fmt(row["ytd_level"]), unit=unit) if math.isfinite(
            float(row.get("ytd_level", math.nan))) else ""
        text = s("above" if gap >= 0 else "below").format(
            name=name, span=span, r=fmt(r), level=level, thr=thr,
            gap=fmt(gap if gap >= 0 else -gap), verdict=w("on" if gap >= 0 else "behind", lang))
        if math.isfinite(float(row.get("prob_reach", math.nan))):
            text += s("nowcast").format(median=fmt(row["median"]), p10=fmt(row["p10"]),
                                        p90=fmt(row["p90"]), p=pct(row["prob_reach"]))
        else:
            text += s("clause").format(w("no_nowcast", lang))
        if math.isfinite(float(row.get("required_rest", math.nan))):
            text += s("rest").format(left=12 - k, rate=fmt(row["required_rest"]),
                                     weights=w("time_weights", lang))
        return text + s("end")
    if math.isfinite(float(row.get("task_progress", math.nan))):
        return s("task").format(
            name=name, span=span, level=fmt(row["ytd_level"]), unit=unit,
            done=pct(row["task_progress"]), time=pct(row["time_progress"]),
            verdict=w("on" if row.get("on_schedule") else "behind", lang),
            remaining=fmt(row["remaining_amount"]))
    return s("level_only").format(name=name, span=span, level=fmt(row["ytd_level"]), unit=unit,
                                  level_only=w("level_only", lang))


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
    targets = plan.targets.set_index("target_id")
    body, sentences = [], []
    for r in rows.to_dict("records"):
        t = targets.loc[r["target_id"]].to_dict()
        unit = _level_unit(plan, str(r["level_id"]), lang)
        k = int(r["months"] or 0)
        name = str(t.get(pick(("name_zh", "name_en"), lang)))
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
                verdict += pick(SCHEDULE_SENTENCE["gap"], lang).format(gap=float(r["gap"]))
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
