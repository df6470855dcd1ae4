"""What depends on a target's kind, apart from its decision quantity
(:meth:`qcplan.model.target.TargetModel.evaluate`): the pace needed and seen, the window of the
observed rate, the conventional grade, whether observed figures alone decide it, and the path that
exactly meets it (for charts).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model import grades
from qcplan.model.target import Evaluation, TargetModel


def decided_by_observation(model: TargetModel) -> bool:
    """The target year is observed and its figure alone decides the target."""
    return model.kind in ("level", "share", "workpoint", "reduction") and \
        model.target_year in model.history.index


def rates(model: TargetModel, ev: Evaluation) -> tuple[float, float, str, float]:
    """(required rate, recent rate, unit of the rates, schedule ratio).

    The required rate is the pace still needed from the latest figure; the recent rate (over the
    last five years at most) only decides whether a target off track is ``moving_away``. The
    observed rate of the reports is the conventional grade's, from the base year.
    """
    h = model.raw_history
    h = h.dropna().sort_index()
    if len(h) == 0:
        return math.nan, math.nan, "", math.nan
    last_year = int(h.index[-1])
    window = h[h.index >= last_year - 5]
    return _RATES.get(model.kind, _rates_level)(model, ev, h, window)


def _rates_reduction(model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
                     ) -> tuple[float, float, str, float]:
    """Yearly falls in %: still needed from the latest figure to base × (1 − T); recent: the
    average yearly fall over the last five years at most."""
    idx = model.history.dropna().sort_index()
    base_year = ev.extra.get("base_year")
    if base_year is None or idx.empty:
        return math.nan, math.nan, "%/年", math.nan
    goal = float(idx.loc[base_year]) * (1.0 - model.threshold / 100.0)
    ly, lv = int(idx.index[-1]), float(idx.iloc[-1])
    remaining = model.target_year - ly
    req = -grades.cagr(lv, goal, remaining) if remaining > 0 else math.nan
    win = idx[idx.index >= ly - 5]
    recent = -grades.cagr(float(win.iloc[0]), lv, ly - int(win.index[0])) \
        if ly > int(win.index[0]) else math.nan
    return req, recent, "%/年", math.nan


def _rates_growth(model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
                  ) -> tuple[float, float, str, float]:
    """Growth: the yearly growth still needed from the latest figure to meet the period's
    average; recent: the mean of the last five rates, or the compound growth of the levels."""
    last_year, last = int(h.index[-1]), float(h.iloc[-1])
    base_year = ev.extra.get("base_year")
    idx = model.history
    obs_years = [y for y in idx.index if base_year is not None and y > base_year]
    n = model.target_year - (base_year if base_year is not None else last_year)
    remaining = model.target_year - (max(obs_years) if obs_years else base_year)
    achieved_factor = (float(idx.loc[max(obs_years)]) / float(idx.loc[base_year])
                       if obs_years else 1.0)
    r = model.threshold / 100.0
    req = (((1 + r) ** n / achieved_factor) ** (1.0 / remaining) - 1.0) * 100.0 \
        if remaining > 0 else math.nan
    if model.measure == "growth":
        obs = float(window.iloc[-5:].mean())
    else:
        first_year = int(window.index[0])
        obs = grades.cagr(float(window.iloc[0]), last, last_year - first_year)
    return req, obs, "%/年", math.nan


def _rates_delivered(model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
                     ) -> tuple[float, float, str, float]:
    """Flows and cumulative targets: yearly amounts; a cumulative target's schedule ratio."""
    last_year = int(h.index[-1])
    kind = model.kind
    recent = float(h.iloc[-3:].mean())
    unit = f"{model.row.get('unit') or ''}/年"
    if kind == "flow":
        return model.threshold, recent, unit, math.nan
    years = ev.extra.get("period_years", model.period_years())
    delivered = float(sum(h.loc[y] for y in years if y in h.index))
    observed_years = [y for y in years if y in h.index]
    remaining_years = len([y for y in years if y > last_year])
    remaining = model.threshold - delivered
    req = remaining / remaining_years if remaining_years > 0 else math.nan
    sched = math.nan
    if observed_years and model.threshold > 0:
        time_share = len([y for y in years if y <= last_year]) / len(years)
        sched = (delivered / model.threshold) / time_share if time_share > 0 else math.nan
    return req, recent, unit, sched


def _rates_level(model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
                 ) -> tuple[float, float, str, float]:
    """Level, share, workpoint, relative: compound growth in % (yearly amounts where a figure is
    not positive)."""
    last_year, last = int(h.index[-1]), float(h.iloc[-1])
    kind = model.kind
    target_value = model.threshold
    if kind == "relative":
        bm = ev.extra.get("benchmark_median", math.nan)
        target_value = ev.threshold * bm
    horizon = model.target_year - last_year
    if horizon <= 0:
        return math.nan, math.nan, "%/年", math.nan
    first_year = int(window.index[0])
    if last > 0 and target_value > 0 and float(window.iloc[0]) > 0:
        req = grades.cagr(last, target_value, horizon)
        obs = grades.cagr(float(window.iloc[0]), last, last_year - first_year) \
            if last_year > first_year else math.nan
        return req, obs, "%/年", math.nan
    unit = f"{model.row.get('unit') or ''}/年"
    req = (target_value - last) / horizon
    obs = (last - float(window.iloc[0])) / (last_year - first_year) \
        if last_year > first_year else math.nan
    return req, obs, unit, math.nan


_RATES = {"reduction": _rates_reduction, "growth": _rates_growth, "flow": _rates_delivered,
          "cumulative": _rates_delivered}




def observed_window(model: TargetModel, grade: grades.Grade) -> dict[str, float]:
    """The first year of the figures behind ``observed_rate`` (the conventional grade's) and,
    for cumulative targets, the total delivered in the observed years of the period."""
    h = model.raw_history.dropna().sort_index()
    out = {"observed_from": math.nan, "observed_total": math.nan}
    if not np.isfinite(grade.observed_rate) or grade.base_year is None:
        return out
    if model.kind in ("flow", "cumulative"):
        years = [y for y in model.period_years() if y in h.index]
        first = min(years) if years else math.nan
    elif model.kind == "growth" and model.measure == "growth":
        first = grade.base_year + 1  # the yearly rates after the base year
    else:
        first = grade.base_year
    out["observed_from"] = float(first)
    if model.kind == "cumulative":
        out["observed_total"] = float(sum(h.loc[y] for y in model.period_years()
                                          if y in h.index))
    return out


def conventional_grade(model: TargetModel, missed: bool = False) -> grades.Grade:
    """The target's conventional grades (:mod:`qcplan.model.grades`) from its observed figures.

    Independent of the projection and of the scenario; ``missed`` marks a target that observed
    figures already decided against (an every-year flow that broke its bound).
    """
    kind, thr, d, ty = model.kind, model.threshold, model.direction, model.target_year
    by = model.base_year
    if kind in ("level", "share", "workpoint"):
        return grades.grade_level(model.raw_history, thr, d, by, ty, model.qualifiers)
    if kind == "reduction":
        return grades.grade_reduction(model.history, thr, d, by, ty)
    if kind == "relative":
        if model.bench_history is None:
            return grades.Grade()
        ratio = (model.raw_history / model.bench_history).dropna()
        return grades.grade_level(ratio, model.relative_threshold(), model.decision_direction,
                                  by, ty)
    if kind == "growth":
        return grades.grade_growth(model.history, thr, d, by, ty)
    if kind == "flow":
        return grades.grade_flow(model.history, thr, d, model.rule, model.period_years(), ty,
                                 missed)
    if kind == "cumulative":
        return grades.grade_cumulative(model.history, thr, d, model.period_years(),
                                       model.latest_year)
    return grades.Grade()


def grade_columns(g: grades.Grade) -> dict[str, Any]:
    return {"eurostat_class": g.eurostat_class, "review_grade": g.review_grade,
            "progress_ratio": g.progress_ratio, "observed_rate": g.observed_rate,
            "planned_rate": g.planned_rate,
            "grade_base_year": g.base_year if g.base_year is not None else math.nan}


def meeting_path(model: TargetModel, ev: Evaluation | None = None) -> pd.Series:
    """The path from the latest observation that exactly meets the target (for charts).

    Levels and shares: constant compound growth to the threshold; relative targets: to the
    benchmark's projected median times the required ratio; reductions: the intensity (or its
    index) falling at a constant rate to base × (1 − T/100); growth targets: the index growing at
    the pace still required; flows: the threshold every year; cumulative targets: the running total
    rising evenly to the threshold (returned as yearly deliveries).
    """
    h = model.history.dropna().sort_index()
    if h.empty or model.kind == "milestone":
        return pd.Series(dtype=float)
    last_year = int(h.index[-1])
    years = list(range(last_year, model.target_year + 1))
    if len(years) < 2:
        return pd.Series(dtype=float)
    path = _PATHS.get(model.kind)
    return path(model, ev, h, years) if path is not None else pd.Series(dtype=float)


def _path_level(model: TargetModel, ev: Evaluation | None, h: pd.Series, years: list[int]
                ) -> pd.Series:
    last, n = float(h.iloc[-1]), len(years) - 1
    goal = model.threshold
    if model.kind == "relative":
        if ev is None:
            return pd.Series(dtype=float)
        goal = ev.threshold * ev.extra.get("benchmark_median", math.nan)
    if last > 0 and goal > 0:
        vals = [last * (goal / last) ** (i / n) for i in range(n + 1)]
    else:
        vals = [last + (goal - last) * i / n for i in range(n + 1)]
    return pd.Series(vals, index=years, dtype=float)


def _path_reduction(model: TargetModel, ev: Evaluation | None, h: pd.Series, years: list[int]
                    ) -> pd.Series:
    last, n = float(h.iloc[-1]), len(years) - 1
    base_year = model.growth_base_year()
    goal = float(model.history.loc[base_year]) * (1.0 - model.threshold / 100.0)
    if not (last > 0 and goal > 0):
        return pd.Series(dtype=float)
    vals = [last * (goal / last) ** (i / n) for i in range(n + 1)]
    return pd.Series(vals, index=years, dtype=float)


def _path_growth(model: TargetModel, ev: Evaluation | None, h: pd.Series, years: list[int]
                 ) -> pd.Series:
    last, n = float(h.iloc[-1]), len(years) - 1
    base_year = model.growth_base_year()
    base = float(model.history.loc[base_year])
    total = (1 + model.threshold / 100.0) ** (model.target_year - base_year) * base
    vals = [last * (total / last) ** (i / n) for i in range(n + 1)]
    return pd.Series(vals, index=years, dtype=float)


def _path_flow(model: TargetModel, ev: Evaluation | None, h: pd.Series, years: list[int]
               ) -> pd.Series:
    last, n = float(h.iloc[-1]), len(years) - 1
    return pd.Series([last] + [model.threshold] * n, index=years, dtype=float)


def _path_cumulative(model: TargetModel, ev: Evaluation | None, h: pd.Series, years: list[int]
                     ) -> pd.Series:
    last_year, last = years[0], float(h.iloc[-1])
    period = model.period_years()
    delivered = float(sum(h.loc[y] for y in period if y in h.index))
    rest = [y for y in period if y > last_year]
    if not rest:
        return pd.Series(dtype=float)
    each = max(model.threshold - delivered, 0.0) / len(rest)
    return pd.Series([last] + [each] * len(rest), index=[last_year] + rest, dtype=float)


_PATHS = {"level": _path_level, "share": _path_level, "workpoint": _path_level,
          "relative": _path_level, "reduction": _path_reduction, "growth": _path_growth,
          "flow": _path_flow, "cumulative": _path_cumulative}
