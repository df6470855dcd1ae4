"""Kinds decided on yearly amounts delivered over the period: ``flow`` (every year, or on
average, against ``threshold``) and ``cumulative`` (the running total against it)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qcplan.model import grades
from qcplan.model.draws import Decision, Draws
from qcplan.model.grades import is_downward
from qcplan.model.kinds.base import Meets, Rates, TargetKind, empty_path, trend_slope
from qcplan.model.scenarios import Adjustment

if TYPE_CHECKING:
    from qcplan.model.target import Evaluation, TargetModel


class Flow(TargetKind):
    """A yearly flow: every_year, the worst year of the period (the largest under a ceiling);
    average, the mean yearly value."""

    name = "flow"
    in_year_schedule = True
    target_line = "threshold"

    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        years = model.period_years()
        mat = np.vstack([draws.at(y, n) for y in years])
        if model.rule == "every_year":
            stat = mat.max(axis=0) if is_downward(model.direction) else mat.min(axis=0)
        else:
            stat = mat.mean(axis=0)
        return Decision(stat, model.threshold, all(y in model.history.index for y in years),
                        {"period_years": years})

    def failed_by_observation(self, model: TargetModel) -> bool:
        """An every-year flow with an observed year of the period that breaks its bound."""
        if model.rule != "every_year":
            return False
        h = model.history
        years = [y for y in model.period_years() if y in h.index]
        return any(not grades.meets(float(h.loc[y]), model.threshold, model.direction)
                   for y in years)

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        return grades.grade_flow(model.history, model.threshold, model.direction, model.rule,
                                 model.period_years(), model.target_year, missed)

    def observed_from(self, model: TargetModel, grade: grades.Grade) -> float:
        """The first observed year of the period."""
        h = model.raw_history.dropna().sort_index()
        years = [y for y in model.period_years() if y in h.index]
        return float(min(years)) if years else math.nan

    def rates(self, model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
              ) -> Rates:
        """Yearly amounts: the threshold itself; recent: the mean of the last three years."""
        recent = float(h.iloc[-3:].mean())
        return model.threshold, recent, f"{model.row.get('unit') or ''}/年", math.nan

    def moving_away(self, model: TargetModel, req: float, obs: float) -> bool:
        """The straight line through the last four figures runs away from the bound."""
        slope = trend_slope(model.history)
        return slope > 0 if is_downward(model.direction) else slope < 0

    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """The threshold every year after the latest figure."""
        last, n = float(h.iloc[-1]), len(years) - 1
        return pd.Series([last] + [model.threshold] * n, index=years, dtype=float)


    def implied_rate(self, model: TargetModel, ev: Evaluation, h: pd.Series, percent: bool
                     ) -> float:
        """The median of the decision quantity (the period's flow)."""
        return ev.quantile(0.5)


class Cumulative(Flow):
    """The running total of yearly deliveries over the period against ``threshold``."""

    name = "cumulative"
    running_total = True
    in_year_schedule = False

    def implied_rate(self, model: TargetModel, ev: Evaluation, h: pd.Series, percent: bool
                     ) -> float:
        """The median total still to deliver per remaining year of the period."""
        last_year = int(h.index[-1])
        years = model.period_years()
        delivered = float(sum(h.loc[y] for y in years if y in h.index))
        remaining = [y for y in years if y > last_year]
        return (ev.quantile(0.5) - delivered) / len(remaining) if remaining else math.nan

    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        years = model.period_years()
        mat = np.vstack([draws.at(y, n) for y in years])
        return Decision(mat.sum(axis=0), model.threshold,
                        all(y in model.history.index for y in years), {"period_years": years})

    def failed_by_observation(self, model: TargetModel) -> bool:
        return False

    def met_early(self, model: TargetModel, ev: Evaluation, meets: Meets) -> bool:
        """The total delivered so far meets an at-least threshold."""
        h = model.history
        years = [y for y in ev.extra.get("period_years", []) if y in h.index]
        return bool(years) and meets(float(h.loc[years].sum()), None) and \
            not is_downward(model.decision_direction)

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        return grades.grade_cumulative(model.history, model.threshold, model.direction,
                                       model.period_years(), model.latest_year)

    def observed_total(self, model: TargetModel) -> float:
        h = model.raw_history.dropna().sort_index()
        return float(sum(h.loc[y] for y in model.period_years() if y in h.index))

    def rates(self, model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
              ) -> Rates:
        """Yearly amounts still needed over the remaining years; the schedule ratio (share
        delivered over share of the period passed)."""
        last_year = int(h.index[-1])
        recent = float(h.iloc[-3:].mean())
        unit = f"{model.row.get('unit') or ''}/年"
        years = ev.extra.get("period_years", model.period_years())
        delivered = float(sum(h.loc[y] for y in years if y in h.index))
        observed_years = [y for y in years if y in h.index]
        remaining_years = len([y for y in years if y > last_year])
        req = (model.threshold - delivered) / remaining_years if remaining_years > 0 \
            else math.nan
        sched = math.nan
        if observed_years and model.threshold > 0:
            time_share = len([y for y in years if y <= last_year]) / len(years)
            sched = (delivered / model.threshold) / time_share if time_share > 0 else math.nan
        return req, recent, unit, sched

    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """The running total rising evenly to the threshold, as yearly deliveries."""
        last_year, last = years[0], float(h.iloc[-1])
        period = model.period_years()
        delivered = float(sum(h.loc[y] for y in period if y in h.index))
        rest = [y for y in period if y > last_year]
        if not rest:
            return empty_path()
        each = max(model.threshold - delivered, 0.0) / len(rest)
        return pd.Series([last] + [each] * len(rest), index=[last_year] + rest, dtype=float)

