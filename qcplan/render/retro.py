"""The retrospective view in HTML: what the workbook would have said before each outcome, and
how reliable that was (:mod:`qcplan.model.retrospect` computes both)."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from qcplan.model.retrospect import reliability
from qcplan.render.html import STYLE, badge, esc, fmt, pct
from qcplan.render.i18n import pick, t

OUTCOME = {1: ("达标", "met"), 0: ("未达标", "missed")}

#: The words of the two tables, (zh, en).
WORDS = {
    "none": ("(本次运行未计算预测回顾。)", "(No retrospective was computed in this run.)"),
    "empty": ("本领域尚无目标年份已有实际数据的目标,暂无可回顾的预测。",
              "No target of this pillar has an observed target year yet: nothing to "
              "look back on."),
    "target": ("目标", "Target"),
    "target_year": ("目标年份 Y", "Target year Y"),
    "said_at_lag": ("截至Y−{k}年末的判断", "Said at the end of Y−{k}"),
    "outcome": ("实际结果", "What happened"),
    "note": ("“截至X年末”指只用规划文件夹中X年及以前年份的全年数据(这些数据在X+1年初发布),"
             "按基准情景(仅模型)重新评估;括号内为X。某年没有数据时,该年的判断与前一年相同。达标概率为模型估计,"
             "不是统计数据。",
             "\"At the end of X\": assessed again under the baseline scenario (the models alone) "
             "with only the plan folder's whole-year figures of X and before (published early in "
             "X+1); X in brackets. Where the folder holds no figure for a year, the call made then "
             "repeats the one before. P(reach) is a model estimate, not a statistic."),
    "sentence_gap": ("", " "),
    "illustrative": (" 含示意数据(非官方)的目标,其“实际结果”也是示意值。",
                     " Where a target rests on illustrative (not official) figures, its outcome "
                     "is illustrative too."),
    "reliability_heads": (("判断时点", "目标数", "有概率的判断", "Brier分数(综合 / 仅按趋势)",
                           "实际达标比例", "“有望达标”判断 → 达标",
                           "“未必达标”判断(P<0.8) → 未达标"),
                          ("Said at", "Targets", "Calls with P",
                           "Brier score (combined / trend only)", "Share met",
                           "\"On track\" calls → met", "Calls below 0.8 → missed")),
    "all": ("全部", "all"),
    "reliability_note": ("Brier分数为达标概率与实际结果(达标=1,未达标=0)之差的平方的平均值:0为完美,"
                         "始终给出50%得0.25。“有望达标”指P≥0.8。目标数少时这些数字说明不了多少。",
                         "The Brier score is the mean squared gap between P(reach) and the "
                         "outcome (1 met, 0 missed): 0 is perfect, always saying 50% scores "
                         "0.25. \"On track\" means P ≥ 0.8. With few targets these figures say "
                         "little."),
}


def _w(key: str, lang: str) -> Any:
    return pick(WORDS[key], lang)


def _outcome(r: Any, lang: str) -> str:
    colour = "#1a7f37" if int(r.outcome) else "#c62828"
    value = "" if not math.isfinite(float(r.outcome_value)) else fmt(r.outcome_value, 2) + " · "
    return f'{value}<b style="color:{colour}">{esc(pick(OUTCOME[int(r.outcome)], lang))}</b>'


def retro_table_html(retro: pd.DataFrame | None, lang: str = "zh",
                     pillar: str | None = None) -> str:
    """One row per decided target: P(reach) and status as of Y−3, Y−2, Y−1, and the outcome."""
    if retro is None:
        return "<p>" + _w("none", lang) + "</p>"
    sub = retro if pillar is None else retro[retro["pillar"] == pillar]
    if sub.empty:
        return "<p>" + _w("empty", lang) + "</p>"
    lags = sorted(set(int(k) for k in sub["lag"]), reverse=True)
    heads = [_w("target", lang), _w("target_year", lang)]
    heads += [_w("said_at_lag", lang).format(k=k) for k in lags]
    heads.append(_w("outcome", lang))
    rows = []
    for _tid, g in sub.groupby("target_id", sort=False):
        first = g.iloc[0]
        name = pick((first["name_zh"], first["name_en"] or first["name_zh"]), lang)
        cells = [esc(name), str(int(first["target_year"]))]
        by_lag = {int(r.lag): r for r in g.itertuples(index=False)}
        for k in lags:
            r = by_lag.get(k)
            if r is None:
                cells.append("—")
                continue
            p = "—" if not math.isfinite(float(r.prob_reach)) else pct(r.prob_reach)
            cells.append(f'{p} {badge(str(r.status), lang)} <span class="qc-note">'
                         f"({int(r.as_of_year)})</span>")
        cells.append(_outcome(first, lang))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    note = _w("note", lang) + _w("sentence_gap", lang) + t("retro_combined", lang)
    if "illustrative" in sub and sub["illustrative"].any():
        note += _w("illustrative", lang)
    return (STYLE + '<table class="qc-table"><thead><tr>'
            + "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>"
            + "".join(rows) + f'</tbody></table><p class="qc-note">{esc(note)}</p>')


def reliability_html(retro: pd.DataFrame | None, lang: str = "zh") -> str:
    """Across the plan's decided targets: Brier score and how often the calls came true."""
    if retro is None or retro.empty:
        return ""
    rel = reliability(retro)
    heads = list(_w("reliability_heads", lang))
    rows = []
    for r in rel.itertuples(index=False):
        when = _w("all", lang) if r.lag == "all" else f"Y−{r.lag}"
        brier = "—" if not math.isfinite(r.brier) else f"{r.brier:.3f}"
        if math.isfinite(getattr(r, "brier_trend", math.nan)):
            brier += f" / {r.brier_trend:.3f}"
        on = (f"{r.on_track_met}/{r.on_track_calls}" if r.on_track_calls else "—")
        off = (f"{r.not_on_track_missed}/{r.not_on_track_calls}" if r.not_on_track_calls
               else "—")
        cells = [esc(when), str(r.targets), str(r.calls), brier, pct(r.met_share), on, off]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    note = _w("reliability_note", lang)
    return (STYLE + '<table class="qc-table"><thead><tr>'
            + "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>"
            + "".join(rows) + f'</tbody></table><p class="qc-note">{esc(note)}</p>')
