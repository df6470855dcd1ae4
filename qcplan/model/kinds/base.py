"""The base of every target kind: what a kind says about a target, and the behaviour most kinds
share (a value compared with a threshold, paces as compound growth).

A kind holds no words: the render layer looks its words up by :attr:`TargetKind.name`
(``render/i18n.py``'s ``KIND`` and the kind's sentences there).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

import numpy as np
import pandas as pd

from qcplan.model import grades
from qcplan.model.draws import Decision, Draws
from qcplan.model.grades import is_downward
from qcplan.model.scenarios import Adjustment

if TYPE_CHECKING:
    from qcplan.model.target import Evaluation, TargetModel

#: (required rate, recent rate, unit of the rates, schedule ratio): see :meth:`TargetKind.rates`.
Rates = tuple[float, float, str, float]
#: Whether a figure meets the target: ``meets(value, year)`` (the year's published bound read).
Meets = Callable[[float, "int | None"], bool]


def empty_path() -> pd.Series:
    """A meeting path with no points (a kind or a target that has none)."""
    return pd.Series(dtype=float)


class TargetKind:
    """What a target's kind decides: its decision quantity and everything that follows from it.

    Class attributes (the facts of a kind; a subclass overrides the ones that differ):

    ``name``
        the kind as ``targets.csv`` writes it (and the key of its words in ``render/i18n.py``).
    ``drawn``
        decided on simulated draws (every kind but ``milestone``); an undrawn kind is neither
        projected nor given paces.
    ``rates_as_index``
        decided on an index built from yearly rates when the indicator holds rates.
    ``falls``
        the decision quantity is a fall of the indicator (a growth shift works against it).
    ``grows_as``
        the measure a scenario's broad growth assumptions treat the target as (None: its
        indicator's own measure).
    ``needs_benchmark``
        compared with a benchmark series (``benchmark`` column), fitted beside the indicator.
    ``caps_share``
        a share target of 100% counts as met within ``SHARE_CEILING_TOLERANCE`` of it.
    ``decided_in_target_year``
        an observed figure of the target year alone decides it.
    ``can_fall_back``
        met early by an observed figure, it may still fall back (kept ``achieved`` only while
        P(reach) stays ≥ 0.5).
    ``reads_bounds``
        figures published only as a bound (``>`` 60) are read as bounds when deciding.
    ``indicator_median``
        the table shows the indicator's projected median in the target year.
    ``in_year_schedule``
        a one-year target of this kind is followed against the year's schedule (序时进度,
        :mod:`qcplan.model.schedule`).

    For the charts (:mod:`qcplan.render.charts`, :mod:`qcplan.render.bundles`):

    ``chart_index``
        charted as a growth index (base 100) when the indicator holds yearly rates.
    ``running_total``
        charted as the running total since the period start.
    ``target_line``
        the horizontal target line: ``"threshold"``, ``"path_end"`` (where the meeting path
        ends) or ``""`` (none).
    ``marks_goal``
        a star where the meeting path ends.
    ``own_chart``
        charted one by one in a pillar's report (work points share one chart; milestones have
        none).
    ``threshold_scale``
        what the decision threshold is written in: ``"unit"`` (the indicator's unit),
        ``"percent"`` (a rate or a fall in %) or ``"ratio"`` (times the benchmark).
    """

    name: ClassVar[str] = ""
    drawn: ClassVar[bool] = True
    rates_as_index: ClassVar[bool] = False
    falls: ClassVar[bool] = False
    grows_as: ClassVar[str | None] = None
    needs_benchmark: ClassVar[bool] = False
    caps_share: ClassVar[bool] = False
    decided_in_target_year: ClassVar[bool] = False
    can_fall_back: ClassVar[bool] = False
    reads_bounds: ClassVar[bool] = False
    indicator_median: ClassVar[bool] = True
    in_year_schedule: ClassVar[bool] = False
    chart_index: ClassVar[bool] = False
    running_total: ClassVar[bool] = False
    target_line: ClassVar[str] = ""
    marks_goal: ClassVar[bool] = False
    own_chart: ClassVar[bool] = True
    threshold_scale: ClassVar[str] = "unit"

    def __repr__(self) -> str:
        return f"<target kind {self.name}>"

    # -- the decision ---------------------------------------------------------
    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        """The decision quantity on the draws.

        Parameters
        ----------
        model : TargetModel
            The target.
        draws : Draws
            The indicator's draws (observed years as observed).
        adj : Adjustment
            The scenario's adjustment (a benchmark is drawn under its scale only).
        n : int
            Number of draws.
        seed : int or None
            The run's seed.

        Returns
        -------
        Decision
            The quantity, its threshold, whether observations alone decide it, extras.
        """
        raise ValueError(f"kind {self.name!r} is not evaluated by draws")

    def decision_direction(self, model: TargetModel) -> str:
        """The direction the decision quantity is compared in (the target's own by default)."""
        return model.direction

    def form_group(self, measure: str, direction: str, years: int | None = None) -> str:
        """The outside view's form group of a target of this kind whose indicator has
        ``measure``, with ``direction`` and a period of ``years`` years (None: not known; see
        :func:`qcplan.model.outside_view.form_group_of`)."""
        return "level"

    # -- observed figures -----------------------------------------------------
    def met_early(self, model: TargetModel, ev: Evaluation, meets: Meets) -> bool:
        """Observed figures meet the target before its decision is complete (none by default)."""
        return False

    def failed_by_observation(self, model: TargetModel) -> bool:
        """Observed figures already decided against the target before its year (never by
        default)."""
        return False

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        """The conventional grades (:mod:`qcplan.model.grades`) from observed figures (none by
        default)."""
        return grades.Grade()

    def observed_from(self, model: TargetModel, grade: grades.Grade) -> float:
        """The first year of the figures behind the grade's observed rate."""
        return float(grade.base_year)

    def observed_total(self, model: TargetModel) -> float:
        """The total delivered in the observed years of the period (nan: not a total)."""
        return math.nan

    # -- paces ----------------------------------------------------------------
    def rate_goal(self, model: TargetModel, ev: Evaluation) -> float:
        """The value the indicator must reach in the target year (for the pace needed)."""
        return model.threshold

    def implied_rate(self, model: TargetModel, ev: Evaluation, h: pd.Series, percent: bool
                     ) -> float:
        """The pace the projection's median implies from the latest figure of ``h`` to the target
        year, in the unit of the required rate: compound growth in % where ``percent`` (a
        falling kind: the yearly fall), the yearly change otherwise; a kind whose rates are on
        the growth index reads the index."""
        series = model.history.dropna().sort_index() if self.rates_as_index else h
        start_year, start = int(series.index[-1]), float(series.iloc[-1])
        n = model.target_year - start_year
        med = float(np.nanmedian(ev.projection.values(model.target_year)))
        if n <= 0 or not math.isfinite(med):
            return math.nan
        if percent and start > 0 and med > 0:
            rate = ((med / start) ** (1.0 / n) - 1.0) * 100.0
            return -rate if self.falls else rate
        return (med - start) / n

    def rates(self, model: TargetModel, ev: Evaluation, h: pd.Series, window: pd.Series
              ) -> Rates:
        """(required rate, recent rate, unit, schedule ratio) from the figures ``h`` and their
        last five years ``window``: compound growth in % (yearly amounts where a figure is not
        positive), no schedule ratio."""
        last_year, last = int(h.index[-1]), float(h.iloc[-1])
        target_value = self.rate_goal(model, ev)
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

    def moving_away(self, model: TargetModel, req: float, obs: float) -> bool:
        """Still short of the target and the recent change points the other way (``req`` and
        ``obs`` finite)."""
        h = model.history.dropna()
        if h.empty:
            return False
        gap = model.threshold - float(h.iloc[-1])
        if is_downward(model.direction):
            gap = -gap
        return gap > 0 and req * obs < 0

    # -- the path that meets it -------------------------------------------------
    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """The path from the latest figure (``h``'s last) over ``years`` that exactly meets the
        target (none by default)."""
        return empty_path()


def compound_path(last: float, goal: float, years: list[int]) -> pd.Series:
    """From ``last`` to ``goal`` over ``years`` at a constant compound rate (linearly where
    either is not positive)."""
    n = len(years) - 1
    if last > 0 and goal > 0:
        vals = [last * (goal / last) ** (i / n) for i in range(n + 1)]
    else:
        vals = [last + (goal - last) * i / n for i in range(n + 1)]
    return pd.Series(vals, index=years, dtype=float)


def trend_slope(h: pd.Series) -> float:
    """The slope of a straight line through the last four figures of ``h`` (nan with fewer
    than two)."""
    h = h.dropna().sort_index().iloc[-4:]
    if len(h) < 2:
        return math.nan
    return float(np.polyfit(h.index.astype(float), h.to_numpy(float), 1)[0])
