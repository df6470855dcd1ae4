"""Kinds decided on the indicator's value in the target year: ``level``, ``share``,
``workpoint``, and ``relative`` (the value over a benchmark's)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from qcplan.model import grades
from qcplan.model.draws import Decision, Draws, seed_for
from qcplan.model.grades import is_downward
from qcplan.model.kinds.base import Meets, TargetKind, compound_path, empty_path
from qcplan.model.scenarios import Adjustment

if TYPE_CHECKING:
    from qcplan.model.target import Evaluation, TargetModel

CEILING_DIRECTIONS = ("at_most", "below")


class Level(TargetKind):
    """A level: the value in the target year against ``threshold``."""

    name = "level"
    in_year_schedule = True
    decided_in_target_year = True
    can_fall_back = True
    reads_bounds = True
    target_line = "threshold"

    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        return Decision(draws.at(model.target_year, n), model.threshold,
                        model.target_year in model.history.index, {})

    def form_group(self, measure: str, direction: str, years: int | None = None) -> str:
        return "ceiling" if direction in CEILING_DIRECTIONS else "level"

    def met_early(self, model: TargetModel, ev: Evaluation, meets: Meets) -> bool:
        """The latest figure of the period (after ``period_start``) meets the threshold."""
        h = model.history
        start = model.period_start if model.period_start is not None else -10**9
        yrs = [y for y in h.index if start < y <= model.target_year]
        return bool(yrs) and meets(float(h.loc[max(yrs)]), max(yrs))

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        return grades.grade_level(model.raw_history, model.threshold, model.direction,
                                  model.base_year, model.target_year, model.qualifiers)

    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """Constant compound growth from the latest figure to the threshold."""
        return compound_path(float(h.iloc[-1]), model.threshold, years)


class Share(Level):
    """A share (of a bounded measure, projected on the logit scale): as a level; 100% counts as
    met within the ceiling tolerance."""

    name = "share"
    caps_share = True
    in_year_schedule = False


class Workpoint(Level):
    """A one-year work point: the value in the target year (observed when it is)."""

    name = "workpoint"
    caps_share = True
    can_fall_back = False
    own_chart = False

    def form_group(self, measure: str, direction: str, years: int | None = None) -> str:
        if direction in CEILING_DIRECTIONS:
            return "ceiling"
        return "annual_growth" if measure in ("growth", "reduction") else "level"

    def met_early(self, model: TargetModel, ev: Evaluation, meets: Meets) -> bool:
        return False


class Relative(TargetKind):
    """The ratio indicator / benchmark in the target year, against 1 (reach, exceed) or the
    base year's ratio (narrow_gap)."""

    name = "relative"
    needs_benchmark = True
    can_fall_back = True
    marks_goal = True
    threshold_scale = "ratio"

    def decide(self, model: TargetModel, draws: Draws, adj: Adjustment, n: int,
               seed: int | None) -> Decision:
        """The ratio in the target year (the benchmark drawn unshifted)."""
        bench_proj = model._simulate(model.bench_fitted, Adjustment(scale=adj.scale), n,
                                     seed_for(seed, model.target_id, "benchmark"), 0.0)
        bdraws = Draws(model.bench_history, bench_proj)
        with np.errstate(divide="ignore", invalid="ignore"):
            stat = draws.at(model.target_year, n) / bdraws.at(model.target_year, n)
        complete = (model.target_year in model.history.index
                    and model.target_year in model.bench_history.index)
        extra = {"benchmark_median": float(np.nanmedian(bdraws.at(model.target_year, n)))}
        return Decision(stat, self.threshold(model), complete, extra, bench_proj)

    def threshold(self, model: TargetModel) -> float:
        """The ratio to meet: 1 to reach or exceed the benchmark; to narrow the gap, the ratio
        in the base year (or the latest common year up to it)."""
        if model.rule in ("reach", "exceed"):
            return 1.0
        common = sorted(set(model.history.index) & set(model.bench_history.index))
        base = model.period_start if model.period_start is not None else model.target_year - 1
        before = [y for y in common if y <= base] or common[:1]
        if not before:
            return math.nan
        y = before[-1]
        return float(model.history.loc[y] / model.bench_history.loc[y])

    def decision_direction(self, model: TargetModel) -> str:
        """Strict for a target that must exceed its benchmark or narrow its gap."""
        if model.rule in ("exceed", "narrow_gap"):
            return "below" if is_downward(model.direction) else "above"
        return model.direction

    def grade(self, model: TargetModel, missed: bool = False) -> grades.Grade:
        """The level grades of the ratio (none without a benchmark series)."""
        if model.bench_history is None:
            return grades.Grade()
        ratio = (model.raw_history / model.bench_history).dropna()
        return grades.grade_level(ratio, self.threshold(model), model.decision_direction,
                                  model.base_year, model.target_year)

    def rate_goal(self, model: TargetModel, ev: Evaluation) -> float:
        """The benchmark's projected median times the ratio to meet."""
        return ev.threshold * ev.extra.get("benchmark_median", math.nan)

    def meeting_path(self, model: TargetModel, ev: Evaluation | None, h: pd.Series,
                     years: list[int]) -> pd.Series:
        """Constant compound growth to the benchmark's projected median times the ratio."""
        if ev is None:
            return empty_path()
        return compound_path(float(h.iloc[-1]), self.rate_goal(model, ev), years)
