"""序时进度: a one-year target against the time-proportional schedule of its year.

A district follows its yearly targets (政府工作报告 主要预期目标) through the year in progress
tables that read 考核指标 / 序时进度 / 责任单位: at the end of June, "时间过半、任务过半" asks that
half the year's task be done. For each one-year target (``target_year - period_start == 1``)
whose year has in-year figures, :func:`schedule_rows` gives:

- the latest year-to-date figure of the target's year (its growth rate, and the level of the
  same months where the registry has the level indicator: ``X`` beside ``X_growth``);
- the time elapsed (k/12) and the verdict against the schedule: a growth target is on schedule
  when the growth so far is at least the year's target rate; an amount target when the share of
  the year's task done is at least k/12;
- the nowcast of the full year, its 80 % interval and P(reach): the assessment's own, when it
  rests on the in-year figures (:func:`qcplan.model.nowcast.rate_nowcast` with earlier years'
  rates at the same month, or its blend with the yearly model); otherwise, with no earlier year
  and no yearly model, :func:`qcplan.model.nowcast.ytd_rate_only` (this year's rates alone);
- what the remaining months must deliver (:func:`qcplan.model.nowcast.required_rest_rate`, or
  the amount still to do).

Every number is computed from the plan's figures; the nowcasts are model estimates and say so.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from qcplan.model import nowcast as _nowcast
from qcplan.model.kinds import KINDS

COLUMNS = ("target_id", "year", "months", "period", "ytd_growth", "ytd_level", "level_id",
           "time_progress", "task_progress", "gap", "on_schedule", "median", "p10", "p90",
           "prob_reach", "method", "required_rest", "remaining_amount", "note")


def one_year_targets(plan: Any) -> pd.DataFrame:
    """The targets due one year after their period starts (a yearly target)."""
    t = plan.targets
    one = (t["target_year"].astype(int) - t["period_start"].astype(int)) == 1
    return t[one & t["kind"].isin([k.name for k in KINDS.values() if k.in_year_schedule])]


def _in_year(plan: Any, indicator_id: str, geography: str, year: int) -> pd.DataFrame:
    if not hasattr(plan, "subannual"):
        return pd.DataFrame()
    try:
        rows = plan.subannual(indicator_id, geography)
    except KeyError:
        return pd.DataFrame()
    return rows[rows["year"] == year] if len(rows) else rows


def has_schedule(plan: Any, target_ids: Any = None) -> bool:
    """True when a one-year target (of ``target_ids``, default all) has in-year figures of its
    year (or its level indicator has)."""
    t = one_year_targets(plan)
    if target_ids is not None:
        t = t[t["target_id"].isin(list(target_ids))]
    known = set(plan.indicators["indicator_id"])
    for r in t.itertuples():
        ids = [r.indicator_id] + ([r.indicator_id[:-7]] if r.indicator_id.endswith("_growth")
                                  and r.indicator_id[:-7] in known else [])
        if any(len(_in_year(plan, i, r.geography, int(r.target_year))) for i in ids):
            return True
    return False


def schedule_rows(plan: Any, table: pd.DataFrame) -> pd.DataFrame:
    """One row per one-year target of ``table`` (assessment rows) whose year has in-year figures
    in the plan; columns :data:`COLUMNS`."""
    measures = dict(zip(plan.indicators["indicator_id"], plan.indicators["measure"]))
    targets = one_year_targets(plan).set_index("target_id")
    out = []
    years_with_figures = set()

    for tid in table["target_id"]:
        if tid not in targets.index:
            continue
        t = targets.loc[tid]
        year, ind, geo = int(t["target_year"]), t["indicator_id"], t["geography"]
        level_id = ind[:-7] if ind.endswith("_growth") and ind[:-7] in measures else None
        rows = _in_year(plan, ind, geo, year)
        level_rows = _in_year(plan, level_id, geo, year) if level_id else pd.DataFrame()
        if len(rows) or len(level_rows):
            years_with_figures.add(year)
        out.append(_row(plan, tid, t, year, rows, level_rows, measures.get(ind, ""),
                        level_id or ind, table))
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    # the targets of a year with in-year figures (a target without any is listed, as the
    # district's tables list every indicator)
    return frame[frame["year"].isin(years_with_figures)].reset_index(drop=True)


def _row(plan: Any, tid: str, t: Any, year: int, rows: pd.DataFrame, level_rows: pd.DataFrame,
         measure: str, level_id: str, table: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COLUMNS, math.nan)
    row.update(target_id=tid, year=year, months=0, period="", method="", note="",
               on_schedule=None, level_id=level_id)
    thr = float(t["threshold"]) if pd.notna(t["threshold"]) else math.nan
    growth = rows[rows["measure"] == "ytd_growth"] if len(rows) else rows
    if measure == "growth" and not len(growth) and len(level_rows):
        growth = _growth_from_levels(plan, t, level_id, year, level_rows)
        if len(growth):
            row["note"] = "derived_growth"
    if measure == "growth" and len(growth):
        latest = growth.sort_values("months").iloc[-1]
        k, r_k = int(latest["months"]), float(latest["value"])
        row.update(months=k, period=str(latest["period"]), ytd_growth=r_k,
                   time_progress=k / 12, gap=r_k - thr, on_schedule=bool(r_k >= thr))
        if k < 12:
            row["required_rest"] = _nowcast.required_rest_rate(thr, r_k, k)
        level = level_rows[(level_rows["measure"] == "ytd") & (level_rows["months"] == k)] \
            if len(level_rows) else level_rows
        if len(level):
            row["ytd_level"] = float(level["value"].iloc[-1])
        _nowcast_into(row, t, thr, growth, table)
    elif len(level_rows) or (measure in ("amount", "count") and len(rows)):
        src = level_rows if len(level_rows) else rows
        ytd = src[src["measure"] == "ytd"]
        if len(ytd):
            latest = ytd.sort_values("months").iloc[-1]
            k = int(latest["months"])
            row.update(months=k, period=str(latest["period"]), ytd_level=float(latest["value"]),
                       time_progress=k / 12)
            if measure in ("amount", "count") and math.isfinite(thr) and thr > 0:
                done = float(latest["value"]) / thr
                row.update(task_progress=done, on_schedule=bool(done >= k / 12),
                           remaining_amount=max(thr - float(latest["value"]), 0.0))
            else:
                row["note"] = "level_only"  # a level with no growth of the same months
    else:
        row["note"] = "no_figure"
    return row


def _growth_from_levels(plan: Any, t: Any, level_id: str, year: int,
                        level_rows: pd.DataFrame) -> pd.DataFrame:
    """Year-to-date growth rates computed from year-to-date levels of this year and the same
    months a year earlier (a level published with no growth): empty without the earlier year."""
    before = _in_year(plan, level_id, t["geography"], year - 1)
    if not len(before):
        return level_rows[:0]
    now = level_rows[level_rows["measure"] == "ytd"].drop_duplicates("months", keep="last")
    then = before[before["measure"] == "ytd"].drop_duplicates("months", keep="last")
    both = now.merge(then[["months", "value"]], on="months", suffixes=("", "_before"))
    both = both[both["value_before"] > 0]
    if both.empty:
        return level_rows[:0]
    out = both.copy()
    out["value"] = (both["value"] / both["value_before"] - 1.0) * 100.0
    out["measure"] = "ytd_growth"
    return out.drop(columns=["value_before"])


def _nowcast_into(row: dict[str, Any], t: Any, thr: float, growth: pd.DataFrame,
                  table: pd.DataFrame) -> None:
    """The full year's nowcast: the assessment's when it rests on these months, otherwise this
    year's rates alone."""
    a = table[table["target_id"] == row["target_id"]]
    if len(a):
        a = a.iloc[0]
        if (int(a.get("in_year_months") or 0) == row["months"]
                and math.isfinite(float(a.get("prob_reach", math.nan)))):
            row.update(median=float(a["projected_median"]), p10=float(a["projected_p10"]),
                       p90=float(a["projected_p90"]), prob_reach=float(a["prob_reach"]),
                       method="assessment")
            return
    nc = _nowcast.ytd_rate_only(list(zip(growth["months"], growth["value"])), row["year"])
    if nc is None or nc.predictive is None:
        row["method"] = "none"
        return
    p = nc.predictive
    p10, med, p90 = (float(x) for x in p.ppf([0.1, 0.5, 0.9]))
    direction = str(t.get("direction", "at_least"))
    above = float(p.sf(thr))
    prob = above if direction in ("at_least", "above") else 1.0 - above
    row.update(median=med, p10=p10, p90=p90, prob_reach=prob, method="ytd_only",
               note=nc.notes[-1] if nc.notes else "")
