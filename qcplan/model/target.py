"""One target's model: the decision quantity drawn under an adjustment, and the shift that meets it.

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
reduction   fall (%) of the intensity, base year to target year  ``threshold`` (%)
milestone   done (a 1 observed by the target year) or not        —
=========== ==================================================== ==========================

Observed years count as observed (no uncertainty); only the years after the latest observation
are drawn. ``prob_reach`` is the share of draws that meet the threshold.

:class:`TargetModel` holds a target's fitted series (fitted once by
:class:`qcplan.model.assess.Assessor`); :meth:`TargetModel.evaluate` draws the decision quantity
into an :class:`Evaluation`, with the kind's :meth:`~qcplan.model.kinds.base.TargetKind.decide`
(:mod:`qcplan.model.kinds`, one class per kind);
:meth:`TargetModel.solve_shift` finds the growth shift at which a goal is met.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model.draws import Draws, seed_for, share_meeting
from qcplan.model.grades import is_downward
from qcplan.model.kinds import TargetKind, kind_of
from qcplan.model.scenarios import Adjustment

#: A share whose target is 100% counts as met within this many points of it (a projection on the
#: logit scale never reaches 100 exactly).
SHARE_CEILING_TOLERANCE = 0.5
NON_NEGATIVE = ("amount", "count")


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
        #: the kind's class (:mod:`qcplan.model.kinds`): everything that depends on the kind
        self.target_kind: TargetKind = kind_of(self.kind)
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
        if (self.target_kind.caps_share and measure == "share"
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
        return is_downward(self.direction) != self.target_kind.falls

    @property
    def decision_direction(self) -> str:
        """The direction the decision quantity is compared in: strict for a relative target
        that must exceed its benchmark or narrow its gap."""
        return self.target_kind.decision_direction(self)

    # -- basic facts -------------------------------------------------------
    @property
    def n_points(self) -> int:
        return int(self.history.notna().sum())

    @property
    def latest_year(self) -> int | None:
        return int(self.history.index.max()) if len(self.history) else None

    def period_years(self) -> list[int]:
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
        used_shift = adj.shift if shift is None else shift
        proj = self._simulate(self.fitted, adj, n_sims, seed_for(seed, self.target_id),
                              used_shift)
        floor = 0.0 if self.measure in NON_NEGATIVE else None
        draws = Draws(self.history, proj, floor)
        d = self.target_kind.decide(self, draws, adj, n_sims, seed)
        stat = np.asarray(d.stat, dtype=float)
        return Evaluation(stat=stat, threshold=d.threshold, direction=self.direction,
                          prob_reach=share_meeting(stat, d.threshold, self.decision_direction),
                          projection=proj, benchmark_projection=d.bench_projection,
                          complete=d.complete, shift=used_shift, extra=d.extra)

    def growth_base_year(self) -> int:
        base = self.period_start if self.period_start is not None else self.target_year - 1
        years = [int(y) for y in self.history.index if y <= base]
        if years:
            return max(years)
        return int(self.history.index.min())

    def notes(self) -> list[str]:
        """What the reader must know about how this target was decided (codes, see
        :data:`NOTES`): a growth or reduction period that starts later than the plan's because
        of a gap in the yearly rates, or one measured from an earlier figure; figures published
        only as a bound; a short series whose yearly spread and drift borrow from n series of
        its measure and unit."""
        out = []
        if self.target_kind.rates_as_index and len(self.history.dropna()) and \
                self.period_start is not None:
            used = self.growth_base_year()
            if used > self.period_start:
                missing = [y for y in range(self.period_start + 1, used + 1)
                           if y not in self.raw_history.dropna().index]
                out.append(f"period_gap:{used}:{','.join(map(str, missing))}")
            elif used < self.period_start:
                out.append(f"base_earlier:{used}")
        if len(self.qualifiers):
            out.append("bound:" + ",".join(str(y) for y in sorted(self.qualifiers.index)))
        pooled = getattr(self.fitted, "stats", {}).get("pooled_series")
        if pooled:  # a short series' interval borrows from n series (qcplan.model.pooling)
            out.append(f"short_series_pooled:{int(pooled)}")
        return out

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


def in_year_basis(model: TargetModel) -> dict[str, Any]:
    """``in_year_year`` and ``in_year_months`` (e.g. 2025 and 9: the projection of 2025 rests on
    its January–September figures); NaN and 0 when no in-year figure is used."""
    nc = getattr(model.fitted, "nowcast", None)
    if nc is None or nc.year > model.target_year or nc.method == "floor" and nc.kind == "stock":
        return {"in_year_year": math.nan, "in_year_months": 0}
    return {"in_year_year": int(nc.year), "in_year_months": int(nc.k * 12 // nc.periods)}
