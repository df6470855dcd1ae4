"""Assess every target of the plan: where it stands, where its path leads, how likely it is met.

Each target is reduced to one *decision quantity* computed on the simulated draws of its
indicator (and benchmark), compared with a threshold:

=========== ==================================================== ==========================
kind        decision quantity (draws)                            compared with
=========== ==================================================== ==========================
level       value in the target year                             ``threshold``
share       value in the target year (projected on logit scale)  ``threshold``
workpoint   value in the target year (observed when it is)       ``threshold``
growth      average yearly growth over period_start+1..target    ``threshold`` (%)
flow        every_year: the smallest yearly value of the period; ``threshold``
            average: the mean yearly value of the period
cumulative  running total of yearly deliveries since period_start ``threshold``
relative    ratio indicator / benchmark in the target year        reach/exceed: 1;
                                                                  narrow_gap: the base-year ratio
milestone   done (a 1 observed by the target year) or not        —
=========== ==================================================== ==========================

Observed years count as observed (no uncertainty); only the years after the latest observation
are drawn. ``prob_reach`` is the share of draws that meet the threshold.

Status classes (``status``), in order of precedence:

- ``done`` / ``not_done`` / ``overdue`` — milestones (overdue: not done and the target year is over
  at ``as_of``);
- ``insufficient_data`` — a projection is needed but the series has fewer than two yearly figures;
- ``achieved`` — observed figures alone already meet the target (a total delivered, a complete
  period's growth met, the work-point year met; a level or share reached early counts only while
  P(reach) in the target year stays ≥ 0.5, since a level can fall back);
- ``missed`` — the target year (or for every-year flows, one year of the period) is observed and
  falls short;
- ``on_track`` — P(reach) ≥ 0.8;
- ``needs_acceleration`` — 0.5 ≤ P(reach) < 0.8;
- ``moving_away`` — P(reach) < 0.5 and the recent trend points away from the target;
- ``off_track`` — P(reach) < 0.5 otherwise;
- ``plan_path`` — under a ``mode: plan`` scenario, a target not yet decided: its projection is
  shifted until the median just meets the target, so P(reach) is about 0.5 by construction and
  ``shift_pp`` is the extra growth a year it takes.

A share target of 100% counts as met within ``SHARE_CEILING_TOLERANCE`` (0.5 points) of it.

``observed_from`` is the first year of the figures behind ``observed_rate`` and, for cumulative
targets, ``observed_total`` the total delivered in the observed years of the period (the written
findings of :mod:`qcplan.render.narrative` quote both).

Beside it, the conventional grades (deterministic, from observed figures only, the same in every
scenario; :mod:`qcplan.model.grades`, see there and docs/METHOD.md): ``eurostat_class`` and
``progress_ratio`` (Eurostat's R as Open SDG computes it: observed over required compound growth,
both from the base year ``grade_base_year``, i.e. the ``base_year`` column or ``period_start``;
``met`` whenever the latest figure meets the threshold), their rates ``observed_rate`` and
``planned_rate``, and ``review_grade`` (提前实现 / 快于预期 / 基本符合预期 / 滞后).
``required_rate`` is the forward-looking pace still needed from the latest figure.
"""

from __future__ import annotations

import datetime as _dt
import math
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qcplan.errors import QcplanError
from qcplan.model import grades
from qcplan.model import nowcast as _nowcast
from qcplan.model.grades import is_downward
from qcplan.model.project import fit as _fit_projection
from qcplan.model.scenarios import Adjustment, Scenario, get_scenario

P_ON_TRACK = 0.8
P_NEEDS_ACCELERATION = 0.5
#: A share whose target is 100% counts as met within this many points of it (a projection on the
#: logit scale never reaches 100 exactly).
SHARE_CEILING_TOLERANCE = 0.5
STATUS_ORDER = (
    "achieved", "done", "on_track", "needs_acceleration", "off_track", "moving_away", "missed",
    "overdue", "not_done", "plan_path", "insufficient_data",
)
NON_NEGATIVE = ("amount", "count")
#: Columns of the assessment table besides the target's own (the table of a plan with no targets).
EMPTY_TABLE_COLUMNS = (
    "status", "prob_reach", "latest_value", "latest_year", "latest_status", "illustrative",
    "decision_threshold", "projected_median", "projected_p10", "projected_p90",
    "target_year_value", "required_rate", "observed_rate", "rate_unit", "progress_ratio",
    "eurostat_class", "review_grade", "shift_pp", "method",
)
PROJECTED_KINDS = ("level", "share", "workpoint", "growth", "flow", "cumulative", "relative",
                   "reduction")
#: Kinds decided on an index built from yearly rates when the indicator holds rates.
INDEX_KINDS = ("growth", "reduction")


# --------------------------------------------------------------------------- small helpers
def as_of_date(as_of: Any = None) -> _dt.date:
    """``as_of`` as a date: None → today; an int year → 31 December of that year (no range check:
    the entry points check with :func:`qcplan.options.check_as_of`)."""
    from qcplan.options import parse_date

    return parse_date(as_of)


def _seed_for(seed: int | None, *parts: str) -> int | None:
    if seed is None:
        return None
    words = [int(seed)] + [zlib.crc32(p.encode("utf-8")) for p in parts]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def _cagr(first: float, last: float, years: float) -> float:
    """Compound yearly growth in % (nan where undefined)."""
    if years <= 0 or not (first > 0 and last > 0):
        return math.nan
    return ((last / first) ** (1.0 / years) - 1.0) * 100.0


def _growth_index(rates: pd.Series) -> pd.Series:
    """Yearly growth rates (%) → an index (base 100 the year before the first rate).

    Only the longest run of consecutive years ending at the latest rate is used: an index cannot
    be carried across a missing year.
    """
    rates = rates.dropna().sort_index()
    if rates.empty:
        return rates
    years = list(rates.index)
    start = len(years) - 1
    while start > 0 and years[start - 1] == years[start] - 1:
        start -= 1
    run = rates.iloc[start:]
    idx = {int(run.index[0]) - 1: 100.0}
    level = 100.0
    for year, g in run.items():
        level *= 1.0 + g / 100.0
        idx[int(year)] = level
    return pd.Series(idx, dtype=float).sort_index()


@dataclass
class _Draws:
    """The draws of one series over years: observed values where observed.

    ``floor`` (0 for amounts and counts) cuts draws that a raw-scale model takes below what the
    measure allows.
    """

    history: pd.Series
    projection: Any  # qcplan.model.project.Projection or None
    floor: float | None = None

    def at(self, year: int, n: int) -> np.ndarray:
        if year in self.history.index:
            return np.full(n, float(self.history.loc[year]))
        if self.projection is None or year < int(self.history.index.max()):
            return np.full(n, np.nan)
        v = np.asarray(self.projection.values(year), dtype=float)
        return v if self.floor is None else np.maximum(v, self.floor)


# --------------------------------------------------------------------------- evaluation
@dataclass
class Evaluation:
    """One target under one adjustment: the decision draws and what the reports show."""

    stat: np.ndarray                 # decision quantity, one value per draw
    threshold: float                 # what the decision quantity is compared with
    direction: str
    prob_reach: float
    projection: Any = None           # the indicator's projection (scenario-adjusted)
    benchmark_projection: Any = None
    complete: bool = False           # decided by observations alone
    shift: float = 0.0               # growth shift applied (pp a year)
    extra: dict[str, Any] = field(default_factory=dict)

    def quantile(self, q: float) -> float:
        return float(self.quantiles((q,))[0])

    def quantiles(self, qs: tuple[float, ...]) -> np.ndarray:
        s = self.stat[np.isfinite(self.stat)]
        return np.quantile(s, qs) if s.size else np.full(len(qs), math.nan)


class TargetModel:
    """Everything needed to evaluate one target quickly under any adjustment.

    Fits are done once (in :class:`Assessor`); :meth:`evaluate` only simulates.
    """

    def __init__(self, row: pd.Series, history: pd.Series, statuses: pd.Series,
                 fitted: Any, bench_history: pd.Series | None, bench_fitted: Any,
                 measure: str, as_of: _dt.date, method: str):
        self.row = row
        self.target_id: str = row["target_id"]
        self.kind: str = row["kind"]
        self.direction: str = row.get("direction") or "at_least"
        self.history = history           # the series as projected (an index for growth rates)
        self.raw_history = history       # the series as published; set apart for growth rates
        self.statuses = statuses
        self.fitted = fitted
        self.bench_history = bench_history
        self.bench_fitted = bench_fitted
        self.measure = measure
        self.as_of = as_of
        self.method = method
        self.period_start = int(row["period_start"]) if pd.notna(row.get("period_start")) else None
        self.target_year = int(row["target_year"])
        thr = row.get("threshold")
        self.threshold = float(thr) if thr is not None and pd.notna(thr) else math.nan
        if (self.kind in ("share", "workpoint") and measure == "share"
                and self.direction == "at_least" and self.threshold >= 100.0):
            self.threshold = 100.0 - SHARE_CEILING_TOLERANCE
        self.rule = row.get("rule") or ""
        self.bench_statuses: pd.Series | None = None
        #: ``history`` is an index built from yearly rates (growth or reduction rates)
        self.on_index = False
        #: year → qualifier of the figures published only as a bound (``>`` 60: "超过60%")
        self.qualifiers: pd.Series = pd.Series(dtype=object)
        base = row.get("base_year")
        #: the base year of the conventional grades: the ``base_year`` column, else period_start
        self.base_year = int(base) if base is not None and pd.notna(base) else self.period_start

    @property
    def lower_is_better(self) -> bool:
        """A lower path of the indicator helps: a ceiling, or an intensity to reduce (so a growth
        shift works against it)."""
        return is_downward(self.direction) != (self.kind == "reduction")

    @property
    def decision_direction(self) -> str:
        """The direction the decision quantity is compared in: strict for a relative target
        that must exceed its benchmark or narrow its gap."""
        if self.kind == "relative" and self.rule in ("exceed", "narrow_gap"):
            return "below" if is_downward(self.direction) else "above"
        return self.direction

    # -- basic facts -------------------------------------------------------
    @property
    def n_points(self) -> int:
        return int(self.history.notna().sum())

    @property
    def latest_year(self) -> int | None:
        return int(self.history.index.max()) if len(self.history) else None

    def _period_years(self) -> list[int]:
        start = self.period_start if self.period_start is not None else self.target_year - 1
        return list(range(start + 1, self.target_year + 1))

    def _simulate(self, fitted: Any, adj: Adjustment, n_sims: int, seed: int | None,
                  shift: float | None = None) -> Any:
        if fitted is None:
            return None
        shift = adj.shift if shift is None else shift
        shocks = dict(adj.shocks)
        if getattr(fitted, "scale", "") == "raw":
            # a series that can be zero or negative (a net flow): read percent as percent of its
            # mean absolute level, so that "+1 pp a year" means the same size of change
            level = float(np.nanmean(np.abs(fitted.history.to_numpy(float)))) or 1.0
            shift = shift * level / 100.0
            shocks = {y: p * level / 100.0 for y, p in shocks.items()}
        return fitted.simulate(self.target_year, n_sims=n_sims, seed=seed, shift=shift,
                               shocks=shocks or None, scale=adj.scale)

    # -- the decision quantity -----------------------------------------------
    def evaluate(self, adj: Adjustment = Adjustment(), n_sims: int = 10_000,
                 seed: int | None = 0, shift: float | None = None) -> Evaluation:
        """Draw the decision quantity under an adjustment (``shift`` overrides ``adj.shift``)."""
        n = n_sims
        used_shift = adj.shift if shift is None else shift
        proj = self._simulate(self.fitted, adj, n, _seed_for(seed, self.target_id), used_shift)
        floor = 0.0 if self.measure in NON_NEGATIVE else None
        draws = _Draws(self.history, proj, floor)
        kind, thr = self.kind, self.threshold
        extra: dict[str, Any] = {}
        bench_proj = None
        complete = False
        if kind in ("level", "share", "workpoint"):
            stat = draws.at(self.target_year, n)
            complete = self.target_year in self.history.index
        elif kind == "growth":
            base_year = self._growth_base_year()
            years = self.target_year - base_year
            base = float(self.history.loc[base_year])
            end = draws.at(self.target_year, n)
            with np.errstate(divide="ignore", invalid="ignore"):
                stat = ((end / base) ** (1.0 / years) - 1.0) * 100.0
            complete = self.target_year in self.history.index
            extra["base_year"] = base_year
        elif kind == "reduction":
            # the cumulative fall (%) of the intensity from the base year to the target year
            base_year = self._growth_base_year()
            base = float(self.history.loc[base_year])
            end = draws.at(self.target_year, n)
            with np.errstate(divide="ignore", invalid="ignore"):
                stat = (1.0 - end / base) * 100.0
            complete = self.target_year in self.history.index
            extra["base_year"] = base_year
        elif kind == "flow":
            years = self._period_years()
            mat = np.vstack([draws.at(y, n) for y in years])
            if self.rule == "every_year":
                # every year must meet it: the worst year decides (the largest under a ceiling)
                stat = mat.max(axis=0) if is_downward(self.direction) else mat.min(axis=0)
            else:
                stat = mat.mean(axis=0)
            complete = all(y in self.history.index for y in years)
            extra["period_years"] = years
        elif kind == "cumulative":
            years = self._period_years()
            mat = np.vstack([draws.at(y, n) for y in years])
            stat = mat.sum(axis=0)
            complete = all(y in self.history.index for y in years)
            extra["period_years"] = years
        elif kind == "relative":
            bench_proj = self._simulate(self.bench_fitted, Adjustment(scale=adj.scale), n,
                                        _seed_for(seed, self.target_id, "benchmark"), 0.0)
            bdraws = _Draws(self.bench_history, bench_proj)
            with np.errstate(divide="ignore", invalid="ignore"):
                stat = draws.at(self.target_year, n) / bdraws.at(self.target_year, n)
            complete = (self.target_year in self.history.index
                        and self.target_year in self.bench_history.index)
            thr = self._relative_threshold()
            extra["benchmark_median"] = float(np.nanmedian(bdraws.at(self.target_year, n)))
        else:  # pragma: no cover - milestones are not evaluated by draws
            raise ValueError(f"kind {kind!r} is not evaluated by draws")
        stat = np.asarray(stat, dtype=float)
        ok = np.isfinite(stat)
        if not ok.any():
            p = math.nan
        else:
            # draws come back from log/logit scales: allow for rounding at the threshold itself
            tol = 1e-9 * max(1.0, abs(thr))
            d = self.decision_direction
            if d == "at_most":
                p = float(np.mean(stat[ok] <= thr + tol))
            elif d == "below":
                p = float(np.mean(stat[ok] < thr - tol))
            elif d == "above":
                p = float(np.mean(stat[ok] > thr + tol))
            else:
                p = float(np.mean(stat[ok] >= thr - tol))
        return Evaluation(stat=stat, threshold=thr, direction=self.direction, prob_reach=p,
                          projection=proj, benchmark_projection=bench_proj, complete=complete,
                          shift=used_shift, extra=extra)

    def _growth_base_year(self) -> int:
        base = self.period_start if self.period_start is not None else self.target_year - 1
        years = [int(y) for y in self.history.index if y <= base]
        if years:
            return max(years)
        return int(self.history.index.min())

    def notes(self) -> list[str]:
        """What the reader must know about how this target was decided (codes, see
        :data:`NOTES`): a growth or reduction period that starts later than the plan's because
        of a gap in the yearly rates, or one measured from an earlier figure; figures published
        only as a bound."""
        out = []
        if self.kind in INDEX_KINDS and len(self.history.dropna()) and \
                self.period_start is not None:
            used = self._growth_base_year()
            if used > self.period_start:
                missing = [y for y in range(self.period_start + 1, used + 1)
                           if y not in self.raw_history.dropna().index]
                out.append(f"period_gap:{used}:{','.join(map(str, missing))}")
            elif used < self.period_start:
                out.append(f"base_earlier:{used}")
        if len(self.qualifiers):
            out.append("bound:" + ",".join(str(y) for y in sorted(self.qualifiers.index)))
        return out

    def _relative_threshold(self) -> float:
        if self.rule in ("reach", "exceed"):
            return 1.0
        # narrow_gap: the ratio in the base year (or the latest common year up to it)
        common = sorted(set(self.history.index) & set(self.bench_history.index))
        base = self.period_start if self.period_start is not None else self.target_year - 1
        before = [y for y in common if y <= base] or common[:1]
        if not before:
            return math.nan
        y = before[-1]
        return float(self.history.loc[y] / self.bench_history.loc[y])

    # -- solving for a shift -------------------------------------------------
    def solve_shift(self, goal: Callable[[Evaluation], float], adj: Adjustment,
                    n_sims: int = 2_000, seed: int | None = 0, lo: float = -40.0,
                    hi: float = 40.0, tol: float = 0.02) -> float:
        """The growth shift (pp a year) at which ``goal(evaluation)`` crosses zero.

        ``goal`` must rise with the shift (it is flipped for at-most targets by the callers).
        Returns nan when the crossing lies outside [lo, hi] or the target is decided already.
        """
        f_lo = goal(self.evaluate(adj, n_sims, seed, shift=lo))
        f_hi = goal(self.evaluate(adj, n_sims, seed, shift=hi))
        if not (np.isfinite(f_lo) and np.isfinite(f_hi)) or f_lo > 0 or f_hi < 0:
            return math.nan
        # regula falsi with the Illinois step: a few evaluations where bisection takes a dozen
        side = 0
        for _ in range(60):
            mid = hi - f_hi * (hi - lo) / (f_hi - f_lo) if f_hi != f_lo else 0.5 * (lo + hi)
            if not lo < mid < hi if lo < hi else not hi < mid < lo:
                mid = 0.5 * (lo + hi)
            f_mid = goal(self.evaluate(adj, n_sims, seed, shift=mid))
            if f_mid >= 0:
                hi, f_hi = mid, f_mid
                if side == 1:
                    f_lo /= 2.0
                side = 1
            else:
                lo, f_lo = mid, f_mid
                if side == -1:
                    f_hi /= 2.0
                side = -1
            if abs(hi - lo) < tol or f_mid == 0:
                return float(mid)
        return float(0.5 * (lo + hi))

    def plan_shift(self, adj: Adjustment = Adjustment(), seed: int | None = 0) -> float:
        """The shift at which the median decision quantity exactly meets the threshold."""
        sign = -1.0 if self.lower_is_better else 1.0

        def goal(ev: Evaluation) -> float:
            return sign * (ev.quantile(0.5) - ev.threshold)

        return self.solve_shift(goal, adj, seed=seed)

    def shift_for_probability(self, p: float, adj: Adjustment = Adjustment(),
                              seed: int | None = 0) -> float:
        """The growth shift (pp a year) that makes P(reach) ≥ ``p``: goal seek."""
        if self.lower_is_better:
            return self.solve_shift(lambda ev: p - ev.prob_reach, adj, seed=seed)
        return self.solve_shift(lambda ev: ev.prob_reach - p, adj, seed=seed)


# --------------------------------------------------------------------------- the assessor
class Assessor:
    """Assess a plan under any number of scenarios, fitting every series once.

    >>> a = Assessor(load_plan())
    >>> table = a.assess("baseline")          # one row per target
    """

    def __init__(self, plan: Any, as_of: Any = None, method: str | None = None):
        self.as_of = as_of_date(as_of)
        # What was known then: figures received by as_of, each at the vintage current then.
        self.plan = plan.known_at(self.as_of) if hasattr(plan, "known_at") else plan
        self.method = method
        self._fits: dict[tuple, Any] = {}
        self._models: dict[tuple[str, str], TargetModel] = {}
        self._measure = dict(zip(plan.indicators["indicator_id"], plan.indicators["measure"]))
        self._index: dict[tuple[str, str], pd.DataFrame] | None = None
        #: (indicator, geography) → why its in-year figures were not used
        self.in_year_problems: dict[tuple[str, str], str] = {}
        self._in_year_series: set[tuple[str, str]] | None = None

    # -- fitting -------------------------------------------------------------
    def _series_index(self) -> dict[tuple[str, str], pd.DataFrame]:
        """Whole-year observations up to ``as_of`` grouped by series, built once."""
        if self._index is None:
            obs = self.plan.observations
            keep = obs["year"] <= self.as_of.year
            if "period" in obs.columns:
                keep &= obs["period"].fillna("").astype(str).str.strip() == ""
            cols = ["indicator_id", "geography", "year", "value", "status"]
            if "qualifier" in obs.columns:
                cols.append("qualifier")
            sub = obs.loc[keep, cols]
            self._index = {
                (str(ind), str(geo)): g.set_index("year").sort_index()
                for (ind, geo), g in sub.groupby(["indicator_id", "geography"], sort=False)
            }
        return self._index

    def _history(self, indicator_id: str, geography: str) -> pd.Series:
        g = self._series_index().get((indicator_id, geography))
        if g is None:
            return pd.Series(dtype=float)
        s = g["value"].astype(float)
        s.index = s.index.astype(int)
        s.name = f"{indicator_id}@{geography}"
        return s

    def _qualifiers(self, indicator_id: str, geography: str) -> pd.Series:
        """Year → ``>``/``>=``/``<``/``<=`` for the figures published only as a bound."""
        g = self._series_index().get((indicator_id, geography))
        if g is None or "qualifier" not in g.columns:
            return pd.Series(dtype=object)
        q = g["qualifier"].fillna("").astype(str).str.strip()
        q.index = q.index.astype(int)
        return q[q != ""]

    def _fit(self, history: pd.Series, bounds: tuple[float, float] | None, method: str,
             key: tuple, in_year: Any = None) -> Any:
        """Fit once per key; ``in_year`` is a flow's monthly figures (a ``pd.Series``) or a
        growth rate's year-to-date nowcast (:class:`qcplan.model.nowcast.Nowcast`)."""
        if key not in self._fits:
            m = "auto" if method == "bounded" and bounds is None else method
            fitted = None
            if isinstance(in_year, pd.Series):
                try:
                    fitted = _fit_projection(history, method=m, bounds=bounds,
                                             subannual=in_year, subannual_kind="flow")
                except QcplanError as exc:  # figures the nowcast cannot use: yearly only
                    fitted = None
                    self.in_year_problems[key[:2]] = str(exc)
                if fitted is not None and fitted.status != "ok":
                    fitted = None
            if fitted is None and history.notna().sum() >= 2:
                fitted = _fit_projection(history, method=m, bounds=bounds)
                if isinstance(in_year, _nowcast.Nowcast) and fitted.status == "ok":
                    fitted.nowcast = in_year
                    fitted.notes.append(f"{in_year.year}: in-year nowcast from the year-to-date "
                                        f"growth to month {in_year.k} ({in_year.method})")
                    fitted.notes.extend(in_year.notes)
            self._fits[key] = fitted
        return self._fits[key]

    def _in_year(self, indicator_id: str, geography: str, measure: str, raw: pd.Series,
                 history: pd.Series) -> Any:
        """The series' in-year figures as the projection takes them (None without any).

        Amounts and counts are flows (the year is the sum of its months): their year-to-date
        values, periods' own values and year-to-date growth rates become monthly figures
        (:func:`qcplan.model.nowcast.flow_from_published`). Growth rates projected as an index
        take their year-to-date growth rate (:func:`qcplan.model.nowcast.rate_nowcast`). Other
        measures' in-year figures are shown in the reports but not projected.
        """
        if not hasattr(self.plan, "subannual"):
            return None
        if self._in_year_series is None:  # the series with in-year figures, found once
            obs = self.plan.observations
            inyear = obs[obs["period"] != ""] if "period" in obs else obs[:0]  # as subannual
            self._in_year_series = set(zip(inyear["indicator_id"], inyear["geography"]))
        if (indicator_id, geography) not in self._in_year_series:
            return None
        try:
            rows = self.plan.subannual(indicator_id, geography)
        except KeyError:
            return None
        if rows is None or rows.empty:
            return None
        rows = rows[rows["year"] <= self.as_of.year]
        try:
            if measure in ("amount", "count"):
                return _nowcast.flow_from_published(rows, raw)
            if measure == "growth":
                return _nowcast.rate_nowcast(rows, raw, history)
        except QcplanError as exc:  # figures the nowcast cannot use: yearly figures only
            self.in_year_problems[(indicator_id, geography)] = str(exc)
        return None

    def model(self, target_id: str, method: str = "auto") -> TargetModel:
        """The (cached) model of one target."""
        key = (target_id, method)
        if key in self._models:
            return self._models[key]
        t = self.plan.targets.set_index("target_id")
        if target_id not in t.index:
            raise KeyError(f"unknown target {target_id!r}; known: {', '.join(t.index[:5])}, ...")
        row = t.loc[target_id].copy()
        row["target_id"] = target_id
        ind, geo = row["indicator_id"], row["geography"]
        measure = self._measure.get(ind, "amount")
        raw = self._history(ind, geo)
        statuses = self._statuses(ind, geo)
        history = raw
        on_index = row["kind"] in INDEX_KINDS and measure in ("growth", "reduction")
        if on_index:
            # yearly rates → an index (a reduction rate is a fall: its growth is minus it)
            history = _growth_index(-raw if measure == "reduction" else raw)
        bounds = (0.0, 100.0) if measure == "share" else None
        fitted = None
        if row["kind"] in PROJECTED_KINDS:
            fit_key = (ind, geo, on_index, measure, method)
            in_year = None
            if fit_key not in self._fits and (measure in ("amount", "count")
                                              or on_index and measure == "growth"):
                in_year = self._in_year(ind, geo, measure, raw, history)
            fitted = self._fit(history, bounds, method, fit_key, in_year)
        bench_hist, bench_fit = None, None
        if row["kind"] == "relative" and isinstance(row.get("benchmark"), str):
            b_ind, _, b_geo = row["benchmark"].partition("@")
            bench_hist = self._history(b_ind, b_geo)
            b_bounds = (0.0, 100.0) if self._measure.get(b_ind) == "share" else None
            bench_fit = self._fit(bench_hist, b_bounds, method, (b_ind, b_geo, False, "", method))
        model = TargetModel(row, history, statuses, fitted, bench_hist, bench_fit, measure,
                            self.as_of, method)
        model.raw_history = raw
        model.on_index = on_index
        model.qualifiers = self._qualifiers(ind, geo)
        if bench_hist is not None:
            b_ind, _, b_geo = row["benchmark"].partition("@")
            model.bench_statuses = self._statuses(b_ind, b_geo)
        self._models[key] = model
        return model

    def _statuses(self, indicator_id: str, geography: str) -> pd.Series:
        g = self._series_index().get((indicator_id, geography))
        if g is None:
            return pd.Series(dtype=object)
        st = g["status"].astype(str)
        st.index = st.index.astype(int)
        return st

    # -- assessing -----------------------------------------------------------
    def assess(self, scenario: str | Scenario = "baseline", n_sims: int = 10_000,
               seed: int | None = 0, params_dir: Any = None,
               targets: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per target under ``scenario``; see the module docstring for the columns."""
        return self.run(scenario, n_sims, seed, params_dir, targets).table

    def run(self, scenario: str | Scenario = "baseline", n_sims: int = 10_000,
            seed: int | None = 0, params_dir: Any = None,
            targets: Iterable[str] | None = None) -> AssessmentResult:
        """Assess and keep the evaluations (for charts); see :class:`AssessmentResult`."""
        scen = get_scenario(scenario, params_dir)
        method = self.method or scen.method
        ids = list(targets) if targets is not None else list(self.plan.targets["target_id"])
        rows, evals = [], {}
        for tid in ids:
            row, ev = self.assess_target(tid, scen, n_sims, seed, method)
            rows.append(row)
            evals[tid] = ev
        table = pd.DataFrame(rows)
        if not rows:  # a plan without targets yet (e.g. just made by `qcplan new`)
            table = pd.DataFrame(columns=[*self.plan.targets.columns, *EMPTY_TABLE_COLUMNS])
        return AssessmentResult(table=table, evaluations=evals, scenario=scen, assessor=self,
                                n_sims=n_sims, seed=seed)

    def adjustment_for(self, scen: Scenario, model: TargetModel) -> Adjustment:
        row = model.row
        # an intensity to reduce is not "what grows": broad growth shifts leave it alone unless
        # an assumption names it (or lists the measure reduction)
        measure = "reduction" if model.kind == "reduction" else model.measure
        adj = scen.adjustment(model.target_id, row["indicator_id"], row["pillar"], measure)
        if adj.set_growth is not None and model.fitted is not None:
            base = model.evaluate(Adjustment(scale=adj.scale), 2_000, 0)
            adj = Adjustment(shift=adj.shift + _shift_to_growth(model, base, adj.set_growth),
                             shocks=adj.shocks, scale=adj.scale)
        return adj

    def assess_target(self, target_id: str, scenario: str | Scenario = "baseline",
                      n_sims: int = 10_000, seed: int | None = 0, method: str = "auto",
                      adjustment: Adjustment | None = None) -> tuple[dict[str, Any], Any]:
        """One target's row and its evaluation (None for milestones and missing data)."""
        scen = get_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
        model = self.model(target_id, method)
        row = model.row
        out = _base_row(model, scen)
        if model.kind == "milestone":
            out.update(_milestone(model))
            return out, None
        needs_bench = model.kind == "relative"
        if model.fitted is None and not _decided_by_observation(model) or (
                needs_bench and model.bench_fitted is None
                and model.target_year not in (model.bench_history.index
                                              if model.bench_history is not None else [])):
            out.update(status="insufficient_data")
            out.update(_grade_columns(conventional_grade(model)))
            return out, None
        adj = adjustment if adjustment is not None else self.adjustment_for(scen, model)
        ev = model.evaluate(adj, n_sims, seed)
        if scen.mode == "plan" and not ev.complete and not _met_by_observation(model, ev):
            shift = model.plan_shift(adj, seed)
            if np.isfinite(shift):
                ev = model.evaluate(adj, n_sims, seed, shift=shift)
                ev.extra["plan_mode"] = True
        out.update(_numbers(model, ev, row))
        return out, ev


def _shift_to_growth(model: TargetModel, base: Evaluation, pct: float) -> float:
    """The shift that turns the median yearly growth of ``base`` into ``pct``."""
    proj = base.projection
    last_year = model.latest_year
    horizon = model.target_year - last_year
    if proj is None or horizon <= 0:
        return 0.0
    last = float(model.history.loc[last_year])
    med = float(proj.median(model.target_year))
    if last > 0 and med > 0:
        cur = ((med / last) ** (1.0 / horizon) - 1.0) * 100.0
        return float(pct - cur)
    return float(last * pct / 100.0 - (med - last) / horizon)


def _decided_by_observation(model: TargetModel) -> bool:
    return model.kind in ("level", "share", "workpoint", "reduction") and \
        model.target_year in model.history.index


def _base_row(model: TargetModel, scen: Scenario) -> dict[str, Any]:
    row = model.row
    raw = model.raw_history
    latest_year = int(raw.index.max()) if len(raw) else None
    latest_value = float(raw.loc[latest_year]) if latest_year is not None else math.nan
    statuses = model.statuses
    latest_status = str(statuses.loc[latest_year]) if latest_year in statuses.index else ""
    if isinstance(latest_status, pd.Series):  # pragma: no cover - duplicates are validated away
        latest_status = str(latest_status.iloc[-1])
    illustrative = bool((statuses == "illustrative").any())
    if model.kind == "relative" and model.bench_statuses is not None:
        illustrative |= bool((model.bench_statuses == "illustrative").any())
    return {
        "target_id": model.target_id,
        "pillar": row["pillar"],
        "indicator_id": row["indicator_id"],
        "geography": row["geography"],
        "kind": model.kind,
        "rule": model.rule,
        "direction": model.direction,
        # binding (约束性) / expected (预期性) / "" where the plan does not say
        "obligation": str(row.get("obligation") or "") if isinstance(row.get("obligation"), str)
        else "",
        "name_zh": row.get("name_zh"),
        "name_en": row.get("name_en"),
        "unit": row.get("unit"),
        "scenario": scen.name,
        "threshold": model.threshold,
        "threshold_high": _float(row.get("threshold_high")),
        "decision_threshold": model.threshold,
        "period_start": model.period_start,
        "target_year": model.target_year,
        "latest_value": latest_value,
        "latest_year": latest_year,
        "latest_status": latest_status,
        # ">" etc. when the latest figure was published only as a bound ("超过60%")
        "latest_qualifier": str(model.qualifiers.get(latest_year, ""))
        if latest_year is not None else "",
        "target_year_value": float(raw.loc[model.target_year])
        if model.target_year in raw.index else math.nan,
        "n_points": int(raw.notna().sum()),
        "illustrative": illustrative,
        "prob_reach": math.nan,
        "projected_median": math.nan,
        "projected_p10": math.nan,
        "projected_p90": math.nan,
        "indicator_median": math.nan,
        "required_rate": math.nan,
        "observed_rate": math.nan,
        "planned_rate": math.nan,
        "grade_base_year": math.nan,
        "rate_unit": "",
        "progress_ratio": math.nan,
        "schedule_ratio": math.nan,
        "observed_from": math.nan,
        "observed_total": math.nan,
        "shift_pp": 0.0,
        **_in_year_basis(model),
        "method": "",
        "status": "",
        "eurostat_class": "",
        "review_grade": "",
        "responsible_units": row.get("responsible_units"),
        "benchmark": row.get("benchmark") if isinstance(row.get("benchmark"), str) else "",
        "caveats": ";".join(model.notes()),
    }


def _in_year_basis(model: TargetModel) -> dict[str, Any]:
    """``in_year_year`` and ``in_year_months`` (e.g. 2025 and 9: the projection of 2025 rests on
    its January–September figures); NaN and 0 when no in-year figure is used."""
    nc = getattr(model.fitted, "nowcast", None)
    if nc is None or nc.year > model.target_year or nc.method == "floor" and nc.kind == "stock":
        return {"in_year_year": math.nan, "in_year_months": 0}
    return {"in_year_year": int(nc.year), "in_year_months": int(nc.k * 12 // nc.periods)}


def in_year_basis_text(row: Any, lang: str = "zh") -> str:
    """"基于2025年1—9月数据" / "based on January–September 2025 figures" ("" without any)."""
    months = int(row.get("in_year_months") or 0) if hasattr(row, "get") else 0
    year = row.get("in_year_year") if hasattr(row, "get") else None
    if not months or year is None or not np.isfinite(float(year)):
        return ""
    label = _nowcast.basis_label(months, 12, lang)
    if lang == "zh":
        return f"基于{int(year)}年{label}数据"
    return f"based on {label} {int(year)} figures"


def _float(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f


def _milestone(model: TargetModel) -> dict[str, Any]:
    h = model.history
    done_years = [int(y) for y, v in h.items() if v >= 1 and y <= model.target_year]
    if done_years:
        status, grade, p = "done", ("提前实现" if min(done_years) < model.target_year
                                    else "基本符合预期"), 1.0
    elif model.as_of > _dt.date(model.target_year, 12, 31):
        status, grade, p = "overdue", "滞后", 0.0
    else:
        status, grade, p = "not_done", "—", math.nan
    return {"status": status, "review_grade": grade, "prob_reach": p,
            "eurostat_class": "met" if status == "done" else "—"}


def _numbers(model: TargetModel, ev: Evaluation, row: pd.Series) -> dict[str, Any]:
    out: dict[str, Any] = {
        "prob_reach": ev.prob_reach,
        **dict(zip(("projected_p10", "projected_median", "projected_p90"),
                   map(float, ev.quantiles((0.1, 0.5, 0.9))))),
        "decision_threshold": ev.threshold,
        "shift_pp": float(ev.shift),
        "method": getattr(ev.projection, "method", "observed") if ev.projection is not None
        else "observed",
    }
    if ev.projection is not None and model.kind != "growth" and not model.on_index:
        out["indicator_median"] = float(ev.projection.median(model.target_year))
    req, recent, unit, sched = _rates(model, ev)
    out.update(required_rate=req, rate_unit=unit, schedule_ratio=sched)
    met_now = _met_by_observation(model, ev)
    if met_now and model.kind in ("level", "share", "relative", "reduction") and \
            not ev.complete:
        # met early, but a level can fall back: keep "achieved" only while it likely holds
        met_now = ev.prob_reach >= P_NEEDS_ACCELERATION
    planned = ev.extra.get("plan_mode", False)
    undecided = ev.complete and not met_now and _bound_undecided(model, ev)
    if undecided:
        out["prob_reach"] = math.nan
    if met_now:
        status = "achieved"
    elif undecided:
        # the target year is published only as a bound that allows both outcomes
        status = "insufficient_data"
    elif ev.complete:
        status = "missed"
    elif model.kind == "flow" and model.rule == "every_year" and _flow_failed(model):
        status = "missed"
    elif not np.isfinite(ev.prob_reach):
        status = "insufficient_data"
    elif planned:
        status = "plan_path"
    elif ev.prob_reach >= P_ON_TRACK:
        status = "on_track"
    elif ev.prob_reach >= P_NEEDS_ACCELERATION:
        status = "needs_acceleration"
    elif _moving_away(model, req, recent):
        status = "moving_away"
    else:
        status = "off_track"
    out["status"] = status
    grade = conventional_grade(model, missed=status == "missed")
    out.update(_grade_columns(grade))
    out.update(_observed_window(model, grade))
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
        return grades.grade_level(ratio, model._relative_threshold(), model.decision_direction,
                                  by, ty)
    if kind == "growth":
        return grades.grade_growth(model.history, thr, d, by, ty)
    if kind == "flow":
        return grades.grade_flow(model.history, thr, d, model.rule, model._period_years(), ty,
                                 missed)
    if kind == "cumulative":
        return grades.grade_cumulative(model.history, thr, d, model._period_years(),
                                       model.latest_year)
    return grades.Grade()


def _grade_columns(g: grades.Grade) -> dict[str, Any]:
    return {"eurostat_class": g.eurostat_class, "review_grade": g.review_grade,
            "progress_ratio": g.progress_ratio, "observed_rate": g.observed_rate,
            "planned_rate": g.planned_rate,
            "grade_base_year": g.base_year if g.base_year is not None else math.nan}


def _bound_undecided(model: TargetModel, ev: Evaluation) -> bool:
    """The target year's figure is published only as a bound that allows both outcomes."""
    if model.kind not in ("level", "share", "workpoint"):
        return False
    q = model.qualifiers
    ty = model.target_year
    if ty not in q.index or ty not in model.history.index:
        return False
    v, d = float(model.history.loc[ty]), model.decision_direction
    return not grades.meets(v, ev.threshold, d, q.loc[ty]) and \
        not grades.fails(v, ev.threshold, d, q.loc[ty])


def _met_by_observation(model: TargetModel, ev: Evaluation) -> bool:
    """Observed figures alone meet the target."""
    h = model.history
    thr, d = ev.threshold, model.decision_direction

    def meets(v: float, year: int | None = None) -> bool:
        q = model.qualifiers
        qualifier = q.loc[year] if year is not None and year in q.index and \
            model.kind in ("level", "share", "workpoint") else ""
        return grades.meets(v, thr, d, qualifier)

    if ev.complete:
        s = ev.stat[np.isfinite(ev.stat)]
        if not s.size:
            return False
        return meets(float(s[0]), model.target_year)
    if model.kind in ("level", "share"):
        start = model.period_start if model.period_start is not None else -10**9
        yrs = [y for y in h.index if start < y <= model.target_year]
        return bool(yrs) and meets(float(h.loc[max(yrs)]), max(yrs))
    if model.kind == "reduction":
        base_year = ev.extra.get("base_year")
        yrs = [y for y in h.index if base_year is not None and base_year < y <= model.target_year]
        if not yrs:
            return False
        fall = (1.0 - float(h.loc[max(yrs)]) / float(h.loc[base_year])) * 100.0
        return meets(fall)
    if model.kind == "cumulative":
        years = [y for y in ev.extra.get("period_years", []) if y in h.index]
        return bool(years) and meets(float(h.loc[years].sum())) and not is_downward(d)
    return False


def _flow_failed(model: TargetModel) -> bool:
    h = model.history
    years = [y for y in model._period_years() if y in h.index]
    return any(not grades.meets(float(h.loc[y]), model.threshold, model.direction)
               for y in years)


def _rates(model: TargetModel, ev: Evaluation) -> tuple[float, float, str, float]:
    """(required rate, recent rate, unit of the rates, schedule ratio).

    The required rate is the pace still needed from the latest figure; the recent rate (over the
    last five years at most) only decides whether a target off track is ``moving_away``. The
    observed rate of the reports is the conventional grade's, from the base year.
    """
    h = model.raw_history
    h = h.dropna().sort_index()
    if len(h) == 0:
        return math.nan, math.nan, "", math.nan
    last_year, last = int(h.index[-1]), float(h.iloc[-1])
    window = h[h.index >= last_year - 5]
    kind = model.kind
    if kind == "reduction":
        # yearly falls in %: still needed from the latest figure to base × (1 − T); recent: the
        # average yearly fall over the last five years at most
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
    if kind == "growth":
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
            obs = _cagr(float(window.iloc[0]), last, last_year - first_year)
        return req, obs, "%/年", math.nan
    if kind in ("flow", "cumulative"):
        recent = float(h.iloc[-3:].mean())
        unit = f"{model.row.get('unit') or ''}/年"
        if kind == "flow":
            return model.threshold, recent, unit, math.nan
        years = ev.extra.get("period_years", model._period_years())
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
    # level, share, workpoint, relative: compound growth in %
    target_value = model.threshold
    if kind == "relative":
        bm = ev.extra.get("benchmark_median", math.nan)
        target_value = ev.threshold * bm
    horizon = model.target_year - last_year
    if horizon <= 0:
        return math.nan, math.nan, "%/年", math.nan
    first_year = int(window.index[0])
    if last > 0 and target_value > 0 and float(window.iloc[0]) > 0:
        req = _cagr(last, target_value, horizon)
        obs = _cagr(float(window.iloc[0]), last, last_year - first_year) \
            if last_year > first_year else math.nan
        return req, obs, "%/年", math.nan
    unit = f"{model.row.get('unit') or ''}/年"
    req = (target_value - last) / horizon
    obs = (last - float(window.iloc[0])) / (last_year - first_year) \
        if last_year > first_year else math.nan
    return req, obs, unit, math.nan


def _observed_window(model: TargetModel, grade: grades.Grade) -> dict[str, float]:
    """The first year of the figures behind ``observed_rate`` (the conventional grade's) and,
    for cumulative targets, the total delivered in the observed years of the period."""
    h = model.raw_history.dropna().sort_index()
    out = {"observed_from": math.nan, "observed_total": math.nan}
    if not np.isfinite(grade.observed_rate) or grade.base_year is None:
        return out
    if model.kind in ("flow", "cumulative"):
        years = [y for y in model._period_years() if y in h.index]
        first = min(years) if years else math.nan
    elif model.kind == "growth" and model.measure == "growth":
        first = grade.base_year + 1  # the yearly rates after the base year
    else:
        first = grade.base_year
    out["observed_from"] = float(first)
    if model.kind == "cumulative":
        out["observed_total"] = float(sum(h.loc[y] for y in model._period_years()
                                          if y in h.index))
    return out


def _moving_away(model: TargetModel, req: float, obs: float) -> bool:
    if not (np.isfinite(req) and np.isfinite(obs)):
        return False
    if model.kind == "growth":
        return obs <= 0 < req
    if model.kind == "reduction":
        return obs < 0 < req  # the intensity rises while a fall is needed
    if model.kind in ("flow", "cumulative"):
        h = model.history.dropna().sort_index().iloc[-4:]
        if len(h) < 2:
            return False
        slope = np.polyfit(h.index.astype(float), h.to_numpy(float), 1)[0]
        return slope > 0 if is_downward(model.direction) else slope < 0
    h = model.history.dropna()
    if h.empty:
        return False
    gap = model.threshold - float(h.iloc[-1])
    if is_downward(model.direction):
        gap = -gap
    # away: still short of the target and the recent change points the other way
    return gap > 0 and req * obs < 0


# --------------------------------------------------------------------------- results
@dataclass
class AssessmentResult:
    """The table of one scenario's assessment and the evaluations behind it."""

    table: pd.DataFrame
    evaluations: dict[str, Evaluation | None]
    scenario: Scenario
    assessor: Assessor
    n_sims: int
    seed: int | None

    def evaluation(self, target_id: str) -> Evaluation | None:
        return self.evaluations.get(target_id)

    def model(self, target_id: str) -> TargetModel:
        return self.assessor.model(target_id)


def assess(plan: Any, scenario: str | Scenario = "baseline", as_of: Any = None,
           n_sims: int = 10_000, seed: int | None = 0, params_dir: Any = None,
           method: str | None = None) -> pd.DataFrame:
    """Assess every target of ``plan`` under ``scenario``: one tidy row per target.

    ``as_of`` (a date, ``"YYYY-MM-DD"`` or a year; default today) ignores figures for later years
    and decides whether a milestone is overdue. Results are identical for the same ``seed``.
    """
    return Assessor(plan, as_of=as_of, method=method).assess(scenario, n_sims, seed, params_dir)


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
    last_year, last = int(h.index[-1]), float(h.iloc[-1])
    years = list(range(last_year, model.target_year + 1))
    if len(years) < 2:
        return pd.Series(dtype=float)
    n = len(years) - 1
    kind, thr = model.kind, model.threshold
    if kind in ("level", "share", "workpoint", "relative"):
        goal = thr
        if kind == "relative":
            if ev is None:
                return pd.Series(dtype=float)
            goal = ev.threshold * ev.extra.get("benchmark_median", math.nan)
        if last > 0 and goal > 0:
            vals = [last * (goal / last) ** (i / n) for i in range(n + 1)]
        else:
            vals = [last + (goal - last) * i / n for i in range(n + 1)]
        return pd.Series(vals, index=years, dtype=float)
    if kind == "reduction":
        base_year = model._growth_base_year()
        goal = float(model.history.loc[base_year]) * (1.0 - thr / 100.0)
        if not (last > 0 and goal > 0):
            return pd.Series(dtype=float)
        vals = [last * (goal / last) ** (i / n) for i in range(n + 1)]
        return pd.Series(vals, index=years, dtype=float)
    if kind == "growth":
        base_year = model._growth_base_year()
        base = float(model.history.loc[base_year])
        total = (1 + thr / 100.0) ** (model.target_year - base_year) * base
        vals = [last * (total / last) ** (i / n) for i in range(n + 1)]
        return pd.Series(vals, index=years, dtype=float)
    if kind == "flow":
        return pd.Series([last] + [thr] * n, index=years, dtype=float)
    if kind == "cumulative":
        period = model._period_years()
        delivered = float(sum(h.loc[y] for y in period if y in h.index))
        rest = [y for y in period if y > last_year]
        if not rest:
            return pd.Series(dtype=float)
        each = max(thr - delivered, 0.0) / len(rest)
        return pd.Series([last] + [each] * len(rest), index=[last_year] + rest, dtype=float)
    return pd.Series(dtype=float)
