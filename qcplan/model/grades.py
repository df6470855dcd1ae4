"""The conventional grades of a target: deterministic, from observed figures only.

Beside qcplan's probabilistic status every target carries the two grades its readers know:

**Eurostat's progress ratio and class**, exactly as Statistics Canada's method is implemented by
Open SDG (``sdg-build``, ``sdg/ProgressMeasure.py``, the method for a series with a numeric
target):

- the *current* figure is the latest one (up to the target year), the *base* figure the one of the
  base year, or, when the base year has none, the first figure after it (the reference's rule);
  the base year is the target's ``base_year`` column, else its ``period_start``;
- the class is ``met`` whenever the current figure meets the target, whatever the rates say, and
  then no ratio is given;
- otherwise R = s·d·g_obs / abs(g_req), with g_obs the compound yearly growth from the base
  figure to the current one, g_req the compound yearly growth from the base figure to the target
  over the years from the base year to the target year, d = +1 for a target to reach from below
  and −1 for one to stay under, s the sign of the base figure. A target of 0 is read as 0.001 and
  so is a base figure of 0, as the reference does (the rates from such a 0.001 are not shown);
  a base and current figure of opposite signs, or fewer than two years between them, give no
  ratio;
- classes: ``on_track`` (the reference's *substantial progress*) R ≥ 0.95, ``moderate``
  0.6 ≤ R < 0.95, ``insufficient`` (*limited progress*) 0 ≤ R < 0.6, ``moving_away``
  (*deterioration*) R < 0; ``—`` when no ratio can be computed (*not available*).

**The five-year-plan review's words**: 提前实现 (met before the target year), 快于预期 (R ≥ 1.1),
基本符合预期 (0.9 ≤ R < 1.1, or met in the target year itself), 滞后 (R < 0.9, or decided and
missed).

Levels, shares, work points and relative targets (on the ratio to the benchmark) are graded as
above. The other kinds are translated so that the same two rates are compared from the same base
year: a growth target as a level target on its growth index (target = base × (1 + r)^n, so the
required rate is r itself); an intensity reduction as a level target on the intensity index
(target = base × (1 − T), rates reported as yearly falls); flows and cumulative targets on yearly
amounts (the period's observed yearly amount against the threshold; the amount delivered a year
so far against the total spread evenly over the period).

The forward-looking "pace still needed" from the latest figure is not a grade: the assessment
computes it apart (``required_rate``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

#: Directions whose threshold is a ceiling (down is good).
DOWNWARD: tuple[str, ...] = ("at_most", "below")
#: Directions that are strict bounds (">6.5%", "<5.5%").
STRICT: tuple[str, ...] = ("above", "below")
# The directions and the qualifiers of a figure published only as a bound ("超过60%" is ``>``
# 60) are listed with the data's columns in qcplan.plan.schema (DIRECTIONS, QUALIFIERS).

#: Eurostat's class thresholds on R (the reference's defaults).
ON_TRACK, MODERATE, INSUFFICIENT = 0.95, 0.6, 0.0
#: The review's thresholds on R.
AHEAD, ON_SCHEDULE = 1.1, 0.9
#: The reference reads a target or base figure of exactly zero as this.
ZERO_AS = 0.001


def is_downward(direction: str) -> bool:
    """True for a ceiling (``at_most``, ``below``)."""
    return direction in DOWNWARD


def meets(value: float, threshold: float, direction: str, qualifier: str = "") -> bool:
    """Does a figure meet the threshold? Strict for ``above``/``below``.

    A figure published only as a bound (``qualifier`` ``>``, ``>=``, ``<``, ``<=``) meets it only
    when every value the bound allows does.
    """
    if not (math.isfinite(value) and math.isfinite(threshold)):
        return False
    down, strict = is_downward(direction), direction in STRICT
    if qualifier:
        if down != qualifier.startswith("<"):
            return False  # a bound on the wrong side allows values as bad as one likes
        if qualifier in (">", "<") and value == threshold:
            return True  # strictly beyond a value that is exactly the threshold
    if down:
        return value < threshold if strict else value <= threshold
    return value > threshold if strict else value >= threshold


def fails(value: float, threshold: float, direction: str, qualifier: str = "") -> bool:
    """Does a figure certainly fail the threshold? A bound fails only when every value it allows
    does; a plain figure fails when it does not meet the threshold."""
    if not qualifier:
        return math.isfinite(value) and not meets(value, threshold, direction)
    if not (math.isfinite(value) and math.isfinite(threshold)):
        return False
    down, strict = is_downward(direction), direction in STRICT
    if down == qualifier.startswith("<"):
        return False  # a bound on the good side may still meet it
    open_bound = qualifier in (">", "<")
    if down:  # values ≥ (or >) the bound
        return value > threshold or (value == threshold and (strict or open_bound))
    return value < threshold or (value == threshold and (strict or open_bound))


def cagr(first: float, last: float, years: float) -> float:
    """Compound yearly growth in % from ``first`` to ``last`` (nan where undefined)."""
    if years <= 0 or not (first > 0 and last > 0):
        return math.nan
    return ((last / first) ** (1.0 / years) - 1.0) * 100.0


def _ref_growth(current: float, base: float, years: float) -> float:
    """The reference's growth_calculation (a fraction); nan where it is not a real number."""
    if years == 0 or base == 0:
        return math.nan
    q = current / base
    if q < 0:
        return math.nan
    return q ** (1.0 / years) - 1.0


def base_figure(history: pd.Series, base_year: int | None) -> tuple[int, float] | None:
    """The base year's figure, or the first figure after it (the reference's rule)."""
    h = history.dropna()
    if h.empty:
        return None
    if base_year is None:
        year = int(h.index.min())
    elif base_year in h.index:
        year = int(base_year)
    else:
        later = [int(y) for y in h.index if y > base_year]
        if not later:
            return None
        year = min(later)
    return year, float(h.loc[year])


@dataclass(frozen=True)
class Grade:
    """The conventional grades of one target and the figures behind them.

    ``observed_rate`` and ``planned_rate`` are yearly rates from the same base year (``%/年`` for
    levels, growth and reductions; the indicator's unit a year for flows and cumulative targets);
    ``progress_ratio`` is nan when the target is met or no ratio can be computed.
    """

    eurostat_class: str = "—"
    review_grade: str = "—"
    progress_ratio: float = math.nan
    observed_rate: float = math.nan
    planned_rate: float = math.nan
    base_year: int | None = None
    met: bool = False


def eurostat_class(ratio: float, met: bool = False) -> str:
    """Eurostat's class from R (``met`` overrides the ratio)."""
    if met:
        return "met"
    if not math.isfinite(ratio):
        return "—"
    if ratio >= ON_TRACK:
        return "on_track"
    if ratio >= MODERATE:
        return "moderate"
    if ratio >= INSUFFICIENT:
        return "insufficient"
    return "moving_away"


def review_grade(ratio: float, met: bool = False, current_year: int | None = None,
                 target_year: int | None = None, missed: bool = False) -> str:
    """The review's word: met early, ahead (R ≥ 1.1), on schedule (0.9–1.1) or lagging."""
    if met:
        early = current_year is not None and target_year is not None and current_year < target_year
        return "提前实现" if early else "基本符合预期"
    if missed:
        return "滞后"
    if not math.isfinite(ratio):
        return "—"
    if ratio >= AHEAD:
        return "快于预期"
    if ratio >= ON_SCHEDULE:
        return "基本符合预期"
    return "滞后"


def progress_ratio(history: pd.Series, target: float, direction: str, base_year: int | None,
                   target_year: int) -> tuple[float, float, float, int | None]:
    """Eurostat's R with the rates behind it: ``(R, observed %, required %, base year used)``.

    ``history`` holds the figures up to the current year (the latest is the current figure).
    The rates are the compound yearly growth from the base figure; R is nan where the reference
    gives none.
    """
    h = history.dropna().sort_index()
    base = base_figure(h, base_year)
    if base is None or not math.isfinite(target):
        return math.nan, math.nan, math.nan, None
    by, bv = base
    cy, cv = int(h.index[-1]), float(h.iloc[-1])
    if cy - by < 1:
        return math.nan, math.nan, math.nan, by
    target = ZERO_AS if target == 0 else target
    bv = ZERO_AS if bv == 0 else bv
    if (bv > 0 > cv) or (bv < 0 < cv):
        return math.nan, math.nan, math.nan, by
    g_obs = _ref_growth(cv, bv, cy - by)
    g_req = _ref_growth(target, bv, target_year - by)
    if not (math.isfinite(g_obs) and math.isfinite(g_req)) or g_req == 0:
        return math.nan, g_obs * 100.0, g_req * 100.0, by
    sign = -1.0 if bv < 0 else 1.0
    d = -1.0 if is_downward(direction) else 1.0
    return sign * d * g_obs / abs(g_req), g_obs * 100.0, g_req * 100.0, by


def _upto(history: pd.Series, target_year: int) -> pd.Series:
    h = history.dropna().sort_index()
    return h[h.index <= target_year]


def grade_level(history: pd.Series, threshold: float, direction: str, base_year: int | None,
                target_year: int, qualifiers: pd.Series | None = None) -> Grade:
    """A level, share, work point or ratio-to-benchmark target: the reference's rule exactly.

    ``qualifiers`` (year → ``>``/``<``/...) marks figures published only as a bound: the current
    figure meets the target only if its bound implies it; the target year's figure decides a miss
    only if its bound implies it.
    """
    h = _upto(history, target_year)
    if h.empty:
        return Grade()
    cy, cv = int(h.index[-1]), float(h.iloc[-1])
    q = _qualifier(qualifiers, cy)
    met = meets(cv, threshold, direction, q)
    missed = cy == target_year and fails(cv, threshold, direction, q)
    ratio, obs, req, by = progress_ratio(h, threshold, direction, base_year, target_year)
    if met:
        ratio = math.nan
    if threshold == 0 or (by is not None and float(h.loc[by]) == 0):
        # R is the reference's (a zero read as 0.001), but rates from 0.001 (+99,900 % a year)
        # describe nothing: they are not shown
        obs = req = math.nan
    cls = eurostat_class(ratio, met)
    if not met and req == 0:
        # the target is the base figure itself (narrow a gap): any move the right way meets it,
        # so a figure short of it stood still or moved away (the reference divides by zero here)
        plain = "at_most" if is_downward(direction) else "at_least"
        cls = "moving_away" if fails(cv, threshold, plain) else "insufficient"
        missed = True
    return Grade(cls, review_grade(ratio, met, cy, target_year, missed), ratio, obs, req, by,
                 met)


def grade_growth(index: pd.Series, rate: float, direction: str, base_year: int | None,
                 target_year: int) -> Grade:
    """An average-growth target (``rate`` in % a year) on the growth index (or the level series).

    Graded as a level target on the index: the target is the base figure × (1 + rate)^n, n the
    years from the base year to the target year, so the required rate is ``rate`` itself and the
    class is ``met`` once the index has grown by the whole period's amount.
    """
    h = _upto(index, target_year)
    base = base_figure(h, base_year)
    if base is None:
        return Grade()
    by, bv = base
    goal = bv * (1.0 + rate / 100.0) ** (target_year - by)
    return grade_level(h, goal, direction, by, target_year)


def grade_reduction(index: pd.Series, fall: float, direction: str, base_year: int | None,
                    target_year: int) -> Grade:
    """An intensity reduction over a period (a fall of at least ``fall`` % from the base year).

    Graded as a ceiling on the intensity index at base × (1 − fall/100); the rates are reported
    as yearly falls in % (positive = down), so R = observed yearly fall / yearly fall required.
    ``direction`` is the reduction's: ``at_least`` (fall at least) or ``above`` (more than), and
    ``at_most``/``below`` for a fall capped from above.
    """
    h = _upto(index, target_year)
    base = base_figure(h, base_year)
    if base is None:
        return Grade()
    by, bv = base
    goal = bv * (1.0 - fall / 100.0)
    level_direction = {"at_least": "at_most", "above": "below", "at_most": "at_least",
                       "below": "above"}[direction]
    g = grade_level(h, goal, level_direction, by, target_year)
    return Grade(g.eurostat_class, g.review_grade, g.progress_ratio, -g.observed_rate,
                 -g.planned_rate, g.base_year, g.met)


def grade_flow(values: pd.Series, threshold: float, direction: str, rule: str,
               period_years: Sequence[int], target_year: int, missed: bool = False) -> Grade:
    """A yearly flow: the period's observed yearly amount against the threshold.

    Every year: the worst observed year of the period (the smallest, or for a ceiling the
    largest); average: their mean. R = amount / threshold (for a ceiling threshold / amount). The
    class is ``met`` only once every year of the period is observed and meets it.
    """
    h = values.dropna()
    years = [y for y in period_years if y in h.index]
    if not years:
        return Grade(review_grade="滞后" if missed else "—")
    amounts = h.loc[years].astype(float)
    down = is_downward(direction)
    if rule == "every_year":
        amount = float(amounts.max() if down else amounts.min())
    else:
        amount = float(amounts.mean())
    complete = len(years) == len(period_years)
    met = complete and meets(amount, threshold, direction)
    ratio = _amount_ratio(amount, threshold, down)
    ratio_shown = math.nan if met else ratio
    return Grade(eurostat_class(ratio, met),
                 review_grade(ratio, met, max(years), target_year, missed and not met),
                 ratio_shown, amount, threshold, period_years[0] - 1 if period_years else None,
                 met)


def grade_cumulative(values: pd.Series, threshold: float, direction: str,
                     period_years: Sequence[int], latest_year: int | None) -> Grade:
    """A total to deliver over the period: the amount delivered a year so far against the total
    spread evenly (R = the share delivered / the share of the period's years elapsed)."""
    h = values.dropna()
    if not period_years or latest_year is None:
        return Grade()
    elapsed = [y for y in period_years if y <= latest_year]
    delivered = float(sum(float(h.loc[y]) for y in period_years if y in h.index))
    down = is_downward(direction)
    complete = latest_year >= period_years[-1]
    met = meets(delivered, threshold, direction) and (complete or not down)
    planned = threshold / len(period_years)
    observed = delivered / len(elapsed) if elapsed else math.nan
    ratio = _amount_ratio(observed, planned, down) if elapsed else math.nan
    missed = complete and not met
    ratio_shown = math.nan if met else ratio
    return Grade(eurostat_class(ratio, met),
                 review_grade(ratio, met, latest_year, period_years[-1], missed),
                 ratio_shown, observed, planned, period_years[0] - 1, met)


def _amount_ratio(amount: float, threshold: float, down: bool) -> float:
    if not (math.isfinite(amount) and math.isfinite(threshold)):
        return math.nan
    if down:
        return threshold / amount if amount > 0 else math.nan
    return amount / threshold if threshold > 0 else math.nan


def _qualifier(qualifiers: pd.Series | None, year: int) -> str:
    if qualifiers is None or year not in qualifiers.index:
        return ""
    q = qualifiers.loc[year]
    return q if isinstance(q, str) else ""
