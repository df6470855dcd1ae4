"""Kinds decided on a change over the period: ``growth`` (the average yearly growth) and
``reduction`` (the cumulative fall of an intensity). Both are decided on an index built from
yearly rates when the indicator publishes rates."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qcplan.model import grades
from qcplan.model.draws import Decision, Draws
from qcplan.model.kinds.base import Meets, Rates, TargetKind, empty_path
from qcplan.model.scenarios import Adjustment

if TYPE_CHECKING:
    from qcplan.model.target import Evaluation, TargetModel


class Growth(TargetKind):
    """The average yearly growth (%) from the base year to the target year."""

    name = "growth"
    in_year_schedule = True
    rates_as_index = True
    indicator_median = False
    chart_index = True
    marks_goal = True
    threshold_scale = "percent"

    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        base_year = model.growth_base_year()
        years = model.target_year - base_year
        base = float(model.history.loc[base_year])
        end = draws.at(model.target_year, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = ((end / base) ** (1.0 / years) - 1.0) * 100.0
        return Decision(stat, model.threshold, model.target_year in model.history.index,
                        {"base_year": base_year})

    def form_group(self, measure: str, direction: str, years: int | None = None) -> str:
        """A change over one year is a year's growth target; over more, a multi-year one."""
        return "annual_growth" if years == 1 else "multi_year_growth"

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        return grades.grade_growth(model.history, model.threshold, model.direction,
                                   model.base_year, model.target_year)

    def observed_from(self, model: TargetModel, grade: grades.Grade) -> float:
        """The base year, or the year after it where the figures are yearly rates."""
        if model.measure == "growth":
            return float(grade.base_year + 1)
        return float(grade.base_year)

    def rates(self, model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
              ) -> Rates:
        """The yearly growth still needed from the latest figure to meet the period's average;
        recent: the mean of the last five rates, or the compound growth of the levels."""
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

    def moving_away(self, model: TargetModel, req: float, obs: float) -> bool:
        """No growth of late while growth is needed."""
        return obs <= 0 < req

    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """The index growing from the latest figure at the pace still required."""
        last, n = float(h.iloc[-1]), len(years) - 1
        base_year = model.growth_base_year()
        base = float(model.history.loc[base_year])
        total = (1 + model.threshold / 100.0) ** (model.target_year - base_year) * base
        vals = [last * (total / last) ** (i / n) for i in range(n + 1)]
        return pd.Series(vals, index=years, dtype=float)


class Reduction(TargetKind):
    """The cumulative fall (%) of an intensity from the base year to the target year."""

    name = "reduction"
    rates_as_index = True
    falls = True
    grows_as = "reduction"
    decided_in_target_year = True
    can_fall_back = True
    chart_index = True
    target_line = "path_end"
    marks_goal = True
    threshold_scale = "percent"

    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        base_year = model.growth_base_year()
        base = float(model.history.loc[base_year])
        end = draws.at(model.target_year, n)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = (1.0 - end / base) * 100.0
        return Decision(stat, model.threshold, model.target_year in model.history.index,
                        {"base_year": base_year})

    def form_group(self, measure: str, direction: str, years: int | None = None) -> str:
        """A change over one year is a year's growth target; over more, a multi-year one."""
        return "annual_growth" if years == 1 else "multi_year_growth"

    def met_early(self, model: TargetModel, ev: Evaluation, meets: Meets) -> bool:
        """The fall from the base year to the latest figure meets the threshold."""
        h = model.history
        base_year = ev.extra.get("base_year")
        yrs = [y for y in h.index if base_year is not None and base_year < y <= model.target_year]
        if not yrs:
            return False
        fall = (1.0 - float(h.loc[max(yrs)]) / float(h.loc[base_year])) * 100.0
        return meets(fall, None)

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        return grades.grade_reduction(model.history, model.threshold, model.direction,
                                      model.base_year, model.target_year)

    def rates(self, model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
              ) -> Rates:
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

    def moving_away(self, model: TargetModel, req: float, obs: float) -> bool:
        """The intensity rises while a fall is needed."""
        return obs < 0 < req

    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """The intensity (or its index) falling at a constant rate to base × (1 − T/100)."""
        last, n = float(h.iloc[-1]), len(years) - 1
        base_year = model.growth_base_year()
        goal = float(model.history.loc[base_year]) * (1.0 - model.threshold / 100.0)
        if not (last > 0 and goal > 0):
            return empty_path()
        vals = [last * (goal / last) ** (i / n) for i in range(n + 1)]
        return pd.Series(vals, index=years, dtype=float)
