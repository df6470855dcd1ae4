"""In-year nowcast: the current year's value from the months (or quarters) already known.

In November the analyst has January–October figures. For a **flow** (the year's value is the sum
of its sub-periods) the year's total is predicted from the *usual share of the year so far*:

    total = YTD / s,   log s ~ Student-t around the recency-weighted mean of the shares of the
                       same first k sub-periods in up to 8 earlier years' totals,

with the spread of those shares (log scale), inflated for the uncertainty of their mean, and
``df = n - 1`` for n earlier years (:mod:`qcplan.model.shares`). For a **stock** observed at the
end of a sub-period (a quarter-end balance) the year-end value is predicted the same way from the
usual change between the end of sub-period k and the year end. The known part is never
contradicted: a non-negative flow's total is at least its year-to-date sum.

Why this model, and what each ingredient adds, is measured in ``bench/nowcast_backtest.py``
(M3's 1,428 monthly and 756 quarterly series; see bench/README.md and docs/METHOD.md). The
sub-period figures are checked and laid out by :mod:`qcplan.model.subannual`. This module holds
the :class:`Nowcast` (how it conditions the annual model's draws), :func:`build` and
:func:`fit_subannual` (``fit`` with sub-annual figures), and the published in-year forms as the
assessment reads them (:func:`flow_from_published`, :func:`rate_nowcast`,
:func:`ytd_rate_only`, :func:`required_rest_rate`).

:func:`qcplan.project` takes the sub-period figures as ``subannual=`` and conditions the draws of
the current year on them; later years follow from each path's nowcast value.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qcplan.errors import ParameterError
from qcplan.model.history import clean_history
from qcplan.model.shares import (
    DISCOUNT,
    MAX_YEARS,
    MIN_YEARS,
    Predictive,
    recency_weights,
    share_model,
    weighted_mean_sd,
)
from qcplan.model.subannual import SOURCE, Kind, SubAnnual, clean_subannual, sub_period

__all__ = [
    "Nowcast", "build", "fit_subannual", "flow_from_published", "rate_nowcast",
    "required_rest_rate", "ytd_rate_only",
]


# --------------------------------------------------------------------------------------------
# the nowcast used by project()
# --------------------------------------------------------------------------------------------


@dataclass
class Nowcast:
    """The current year's value given its first k sub-periods, on the annual model's scale.

    ``method`` is ``"share"`` (the usual share of the year so far), ``"remainder"`` (fallback
    with one earlier year: the rest of the year moves as the annual model's year does) or
    ``"floor"`` (fallback with none: the annual model's draws, a non-negative flow's total cut
    from below at the year-to-date sum). For a series of yearly growth rates projected as an
    index (``kind == "rate"``), ``"ytd_growth"`` (the year's growth = the year-to-date growth
    plus the usual difference between the two in earlier years, Student-t), ``"blend"``
    (fallback: the known k/12 of the year at the year-to-date rate, the rest as the yearly
    model's draw) or ``"ytd_only"`` (fallback with fewer than two yearly rates: this year's
    year-to-date rates alone, :func:`ytd_rate_only`).
    """

    year: int
    k: int
    periods: int
    kind: Kind
    known: float  # year-to-date sum (flow) or latest end-of-period value (stock)
    method: str
    predictive: Predictive | None = None  # on the model scale (log or raw)
    n_years: int = 0
    usual_share: float = math.nan  # flows: share of the year usually known by now
    remainder: tuple[float, float] | None = None  # (last year's rest, last year's total)
    anchor: float | None = None  # rates: last year's value on the model scale
    step: float = 0.0  # rates: log(1 + year-to-date growth)
    notes: list[str] = field(default_factory=list)

    @property
    def fraction_left(self) -> float:
        """The part of the year still to come (scenario shifts act on it only)."""
        if self.kind == "flow" and math.isfinite(self.usual_share):
            return float(min(max(1.0 - self.usual_share, 0.0), 1.0))
        return (self.periods - self.k) / self.periods

    def condition(self, z: np.ndarray, scale_obj: object, spread: float = 1.0) -> np.ndarray:
        """Replace row 0 of ``z`` (the current year, model scale) by nowcast draws.

        Draws are matched by rank (the path whose annual draw was the i-th smallest gets the
        nowcast's i-th smallest value), so each path keeps its place; later years are moved by
        the same amount on the model scale (a level rescaling on logs).
        """
        z = np.array(z, dtype=float, copy=True)
        n = z.shape[1]
        old = z[0].copy()
        if self.method in ("share", "ytd_growth", "ytd_only") and self.predictive is not None:
            ranks = np.empty(n)
            ranks[np.argsort(old, kind="stable")] = np.arange(n)
            new = self.predictive.ppf((ranks + 0.5) / n, spread)
        elif self.method == "remainder" and self.remainder is not None:
            rest, total = self.remainder
            vals = scale_obj.back(old)  # type: ignore[attr-defined]
            new_v = self.known + rest * vals / total
            new = scale_obj.forward(np.maximum(new_v, 1e-300))  # type: ignore[attr-defined]
        elif self.method == "blend" and self.anchor is not None:
            # the k known months grew at the year-to-date rate, the rest as the yearly model
            f = self.k / self.periods
            new = self.anchor + f * self.step + (1.0 - f) * (old - self.anchor)
        else:  # floor
            new = old
            if self.kind == "flow" and self.known > 0:
                new = np.maximum(old, scale_obj.forward(np.array([self.known]))[0])  # type: ignore[attr-defined]
        z[0] = new
        if z.shape[0] > 1:
            z[1:] += (new - old)[None, :]
        return z


    def adjust(self, z: np.ndarray, add: np.ndarray, scale_obj: object) -> np.ndarray:
        """Add scenario adjustments (model scale, one per year) to conditioned draws.

        The current year's adjustment acts on the part of the year still to come: a flow's
        remainder (total - year to date) grows by it (so the total never falls below the
        year-to-date sum), a stock moves by the share of the year left; later years then move
        with the current year plus their own adjustments.
        """
        a0 = float(add[0])
        out = z + (add - a0)[:, None]
        if a0 == 0.0:
            return out
        if self.kind == "flow" and getattr(scale_obj, "kind", "") == "log" and self.known > 0:
            rest = np.maximum(np.exp(z[0]) - self.known, 0.0)
            d = np.log(self.known + rest * math.exp(a0)) - z[0]
        else:
            d = np.full(z.shape[1], self.fraction_left * a0)
        return out + d[None, :]


def _totals(sa: SubAnnual, annual: pd.Series, years: Sequence[int]) -> dict[int, float]:
    """Each complete year's total: the yearly figure when there is one, else the sub-periods'."""
    out = {}
    for y in years:
        out[int(y)] = float(annual.loc[y]) if y in annual.index else sa.year_value(int(y))
    return out


def build(annual: pd.Series, sa: SubAnnual, year: int, scale: str,
          discount: float = DISCOUNT) -> Nowcast:
    """The nowcast of ``year`` (its first k sub-periods known) on the annual model's ``scale``.

    ``annual`` is the cleaned yearly history (years before ``year``). Earlier years count when
    their first k sub-periods are known and they have a total (complete sub-periods or a yearly
    figure); the most recent :data:`MAX_YEARS` are used.
    """
    k = sa.known(year)
    known = sa.partial(year, k)
    cand = [y for y in sa.years if y < year and not np.isnan(sa.row(y)[:k]).any()
            and (y in annual.index or sa.known(y) == sa.periods)]
    cand = cand[-MAX_YEARS:]
    tot = _totals(sa, annual, cand)
    part = {y: sa.partial(y, k) for y in cand}
    nc = Nowcast(year, k, sa.periods, sa.kind, known, "floor", n_years=len(cand))
    if scale == "logit":
        nc.notes.append("in-year figures of a bounded series are not used")
        return nc
    log = scale == "log"
    usable = [y for y in cand if (tot[y] > 0 and part[y] > 0) or not log]
    if log and known <= 0:
        nc.notes.append(f"the in-year value {known:g} is not positive: not used")
        return nc
    if len(usable) >= MIN_YEARS:
        ys = np.array([part[y] for y in usable])
        ts = np.array([tot[y] for y in usable])
        if log:
            pred = share_model(ys, ts, known, discount)
            if sa.kind == "stock":
                pred = Predictive(pred.loc, pred.scale, pred.df)  # a stock may fall
            nc.usual_share = float(np.exp(math.log(known) - pred.loc)) if sa.kind == "flow" \
                else math.nan
        else:
            c = ts - ys  # the rest of the year (flow) or the change to the year end (stock)
            w = recency_weights(len(c), discount)
            m, sd = weighted_mean_sd(c, discount)
            pred = Predictive(known + m, sd, float(len(c) - 1))
            if sa.kind == "flow":
                nc.usual_share = float(np.sum(w * ys) / np.sum(w * ts)) if np.sum(w * ts) else \
                    math.nan
        nc.method = "share"
        nc.predictive = pred
        return nc
    if sa.kind == "flow" and usable:
        y = usable[-1]
        nc.method = "remainder"
        nc.remainder = (tot[y] - part[y], tot[y])
        nc.usual_share = part[y] / tot[y] if tot[y] else math.nan
        nc.notes.append(f"one earlier year with the same sub-periods: the rest of {year} moves "
                        "as the yearly model's year does")
        return nc
    nc.notes.append(f"fewer than {MIN_YEARS} earlier years with the same sub-periods: "
                    + ("the year-to-date sum only bounds the total from below"
                       if sa.kind == "flow" else "the in-year value is not used"))
    return nc


def fit_subannual(fit_fn, history: pd.Series, method: str, bounds: tuple[float, float] | None,
                  subannual: pd.Series, kind: Kind):  # noqa: ANN201 - returns FittedModel
    """``fit`` with sub-annual figures (see :func:`qcplan.model.project.fit`).

    Complete years of ``subannual`` after the last yearly figure become yearly figures (their sum
    for a flow, their last value for a stock); the last year, when incomplete, is the year to
    nowcast and must directly follow the last complete year.
    """
    sa = clean_subannual(subannual, kind)
    h = clean_history(history)
    values = sa.grid
    if kind == "flow" and len(h) and bool((h > 0).all()) and np.nanmin(values) < 0:
        y, j = np.argwhere(values < 0)[0]
        raise ParameterError(SOURCE, str(sub_period(sa.first + int(y), int(j), sa.periods)),
                             float(values[y, j]),
                             "a value ≥ 0: the yearly figures of this flow are all positive")
    if bounds is not None:
        lo, hi = bounds
        if np.nanmin(values) < lo or np.nanmax(values) > hi:
            raise ParameterError(SOURCE, "values", [np.nanmin(values), np.nanmax(values)],
                                 f"values within the bounds {bounds}")
    notes: list[str] = []
    last = int(h.index[-1]) if len(h) else None
    added: dict[int, float] = {}
    for y in sa.complete_years():
        v = sa.year_value(y)
        if y in h.index:
            a = float(h.loc[y])
            if a > 0 and v > 0 and not 0.5 <= v / a <= 2.0:
                raise ParameterError(
                    SOURCE, str(y), v, f"sub-periods that add up to about the yearly figure "
                    f"{a:g} (same unit; {'sum' if kind == 'flow' else 'year-end value'} {v:g})")
        elif last is None or y > last:
            added[y] = v
    if added:
        notes.append("yearly figure(s) from complete sub-periods: "
                     + ", ".join(str(y) for y in sorted(added)))
        h = pd.concat([h, pd.Series(added, dtype=float)]).sort_index()
        h.index = h.index.astype("int64")
        h.index.name = "year"
    current: int | None = sa.last_year if 0 < sa.known(sa.last_year) < sa.periods else None
    if current is not None and len(h):
        top = int(h.index[-1])
        if current <= top:
            notes.append(f"in-year figures of {current} not used: the year's figure is known")
            current = None
        elif current > top + 1:
            raise ParameterError(SOURCE, str(current), f"yearly figures end in {top}",
                                 f"a figure for every year up to {current - 1} "
                                 "(yearly or complete sub-periods)")
    model = fit_fn(h, method=method, bounds=bounds)
    model.notes.extend(notes)
    if current is not None and model.status == "ok":
        nc = build(h, sa, current, model.scale)
        model.nowcast = nc
        model.notes.append(f"{current}: in-year nowcast from {nc.k} of {sa.periods} sub-periods "
                           f"({nc.method}, {nc.n_years} earlier years)")
        model.notes.extend(nc.notes)
    return model


# --------------------------------------------------------------------------------------------
# the published forms, as the assessment reads them
# --------------------------------------------------------------------------------------------


def _cumulative_points(rows: pd.DataFrame, annual: pd.Series) -> dict[int, dict[int, float]]:
    """Year → {last month covered: cumulative value from January} from published figures.

    ``rows`` has the columns of :meth:`qcplan.plan.load.Plan.subannual` (year, period, months,
    measure, value). Year-to-date values are taken as they are; a period's own values add up
    while they run from the year's first period; year-to-date growth rates apply to the same
    months' cumulative value a year before; a yearly figure is the year's cumulative value at
    month 12.
    """
    cum: dict[int, dict[int, float]] = {}
    for r in rows[rows["measure"] == "ytd"].itertuples():
        cum.setdefault(int(r.year), {})[int(r.months)] = float(r.value)
    own = rows[rows["measure"] == "period"]
    for (year, quarterly), g in own.groupby(
            [own["year"], own["period"].astype(str).str.startswith("Q")]):
        step = 3 if quarterly else 1
        g = g[~g["period"].astype(str).str.startswith("H")].sort_values("months")
        total, expect = 0.0, step
        for r in g.itertuples():
            if int(r.months) != expect:
                break
            total += float(r.value)
            cum.setdefault(int(year), {}).setdefault(int(r.months), total)
            expect += step
    for y, v in annual.items():
        cum.setdefault(int(y), {})[12] = float(v)
    growth = rows[rows["measure"] == "ytd_growth"].sort_values(["year", "months"])
    for r in growth.itertuples():
        before = cum.get(int(r.year) - 1, {}).get(int(r.months))
        if before is not None and float(r.value) > -100.0:
            cum.setdefault(int(r.year), {}).setdefault(
                int(r.months), before * (1.0 + float(r.value) / 100.0))
    return cum


def flow_from_published(rows: pd.DataFrame, annual: pd.Series) -> pd.Series | None:
    """A flow's published in-year figures → monthly values for ``project(subannual=)``.

    The year to nowcast is the latest year with in-year figures, after the last yearly figure.
    Each year's cumulative values (see :func:`_cumulative_points`) are spread evenly over the
    months they cover (1—2月 as two equal months, a quarter as three), which keeps every
    published cumulative value exact: the share model only compares the same months' cumulative
    values across years, so the spreading matters only where an earlier year lacks the month
    the current year ends at (it is then read off a straight line between its published months).
    Earlier years count back from the current one while they have both an in-year figure and a
    year-end value (a yearly figure alone says nothing of how the year is shared out).
    Returns None when there is nothing to nowcast.
    """
    if rows is None or len(rows) == 0:
        return None
    cum = _cumulative_points(rows, annual)
    current = int(rows["year"].max())
    if len(annual) and current <= int(annual.index.max()):
        return None
    if not cum.get(current):
        return None
    years = [current]
    while 12 in cum.get(years[0] - 1, {}) and min(cum[years[0] - 1]) < 12:
        years.insert(0, years[0] - 1)
    values: list[float] = []
    for y in years:
        points = sorted(cum[y].items())
        if y in annual.index:
            over = [(m, v) for m, v in points if m < 12 and v > float(annual.loc[y]) * 1.0001]
            if over and float(annual.loc[y]) > 0:
                m, v = over[0]
                raise ParameterError(SOURCE, f"{y} 1-{m}", v, "a year-to-date value at most the "
                                     f"year's figure {float(annual.loc[y]):g} (same unit)")
        prev_m, prev_v = 0, 0.0
        for m, v in points:
            if m <= prev_m:
                continue
            values.extend([(v - prev_v) / (m - prev_m)] * (m - prev_m))
            prev_m, prev_v = m, v
    idx = pd.period_range(f"{years[0]}-01", periods=len(values), freq="M")
    return pd.Series(values, index=idx)


def rate_nowcast(rows: pd.DataFrame, rates: pd.Series, index: pd.Series,
                 discount: float = DISCOUNT) -> Nowcast | None:
    """The current year of a yearly growth-rate series from its year-to-date growth rate.

    ``rates`` are the yearly rates (%), ``index`` the index the projection runs on (base 100;
    see the assessment), ``rows`` the published in-year figures. With the year-to-date rate r at
    month m this year and n ≥ 2 earlier years with both the rate at month m and the year's rate
    g, ``log(1 + g) - log(1 + r)`` has the recency-weighted mean and the spread (Student-t,
    df n - 1) of those years; with fewer, the known m/12 of the year grow at r and the rest as
    the yearly model's draw (``blend``), or, with fewer than two yearly rates too and two or
    more year-to-date rates this year, :func:`ytd_rate_only` (``ytd_only``). None when there is
    no rate for the year after the last yearly figure.
    """
    if rows is None or len(rows) == 0 or len(index) == 0:
        return None
    g = rows[rows["measure"] == "ytd_growth"]
    if g.empty:
        return None
    last = int(index.index.max())
    cur = g[g["year"] == last + 1]
    if cur.empty:
        return None
    latest = cur.sort_values("months").iloc[-1]
    m = int(latest["months"])
    r = float(latest["value"])
    if m >= 12 or r <= -100.0:
        return None
    anchor = math.log(float(index.loc[last]))
    step = math.log1p(r / 100.0)
    same = g[(g["months"] == m) & (g["year"] <= last)].drop_duplicates("year", keep="last")
    errs = [(int(y), math.log1p(float(rates.loc[y]) / 100.0) - math.log1p(float(v) / 100.0))
            for y, v in zip(same["year"], same["value"], strict=True)
            if y in rates.index and float(v) > -100.0 and float(rates.loc[y]) > -100.0]
    errs = sorted(errs)[-MAX_YEARS:]
    nc = Nowcast(last + 1, m, 12, "rate", math.nan, "blend", n_years=len(errs), anchor=anchor,
                 step=step)
    if len(errs) >= MIN_YEARS:
        e = np.array([x for _, x in errs])
        m_e, sd = weighted_mean_sd(e, discount)
        nc.method = "ytd_growth"
        nc.predictive = Predictive(anchor + step + m_e, sd, float(len(e) - 1))
    elif rates.notna().sum() < MIN_YEARS and (only := ytd_rate_only(
            list(zip(cur["months"], cur["value"], strict=True)), last + 1)) is not None:
        # no yearly model worth the name (one yearly rate): this year's rates alone, on the
        # index's log scale (delta method for the scale)
        p = only.predictive
        assert p is not None
        nc.method = "ytd_only"
        nc.predictive = Predictive(anchor + math.log1p(p.loc / 100.0),
                                   p.scale / (100.0 + p.loc), p.df)
        nc.notes.extend(only.notes)
    else:
        nc.notes.append(f"fewer than {MIN_YEARS} earlier years with the year-to-date rate at "
                        f"month {m}: {m}/12 of the year at that rate, the rest as the yearly "
                        "model")
    return nc


def ytd_rate_only(points: Sequence[tuple[int, float]], year: int) -> Nowcast | None:
    """The year's growth rate from this year's year-to-date growth rates alone (no earlier years
    with the rate at the same month, no yearly model): the fallback of a one-year target.

    ``points`` are (months covered, year-to-date growth in %) of the year, e.g. ``[(3, 6.2),
    (6, 5.3)]``. The months already known keep their rate; the rest of the year grows at a rate
    centred on the latest year-to-date rate r_k (the year's growth = the growth so far, as an
    analyst reads it), with the spread of the sub-periods' own rates seen this year (each
    between two published points, ``(m1 r1 - m0 r0) / (m1 - m0)``, weighted by its months;
    Student-t with ``df = n - 1`` for n sub-periods). So the year's rate is Student-t with
    location r_k and scale ``(1 - k/12) * sd``. None with fewer than two points (no spread to
    measure) or with the whole year known. An approximation on time-proportional weights
    (the months' shares of the year's value are not known); its notes say so.
    """
    pts = sorted({int(m): float(r) for m, r in points}.items())
    if len(pts) < MIN_YEARS or pts[-1][0] >= 12:
        return None
    subs, weights, prev_m, prev_r = [], [], 0, 0.0
    for m, r in pts:
        subs.append((m * r - prev_m * prev_r) / (m - prev_m))
        weights.append(m - prev_m)
        prev_m, prev_r = m, r
    x, w = np.array(subs), np.array(weights, dtype=float) / sum(weights)
    mean = float(np.sum(w * x))
    w2 = float(np.sum(w**2))
    sd = math.sqrt(float(np.sum(w * (x - mean) ** 2)) / (1.0 - w2))
    k, r_k = pts[-1]
    left = (12 - k) / 12
    nc = Nowcast(int(year), k, 12, "rate", math.nan, "ytd_only", n_years=0, step=r_k)
    nc.predictive = Predictive(r_k, left * sd, float(len(x) - 1))
    nc.notes.append(
        f"no earlier year with the year-to-date rate at month {k}: the rest of the year centred "
        f"on the rate so far ({r_k:g} %), spread of this year's {len(x)} sub-period rates "
        f"(sd {sd:.2f} points, df {len(x) - 1}); time-proportional weights")
    return nc


def required_rest_rate(target: float, r_k: float, k: int, periods: int = 12) -> float:
    """The growth the rest of the year must deliver for the year to grow by ``target`` %, given
    ``r_k`` % over the first ``k`` of ``periods`` sub-periods (time-proportional weights: the
    year's rate ≈ (k/periods) r_k + (1 - k/periods) rest)."""
    if not 0 < k < periods:
        raise ParameterError("required_rest_rate", "k", k, f"between 1 and {periods - 1}")
    f = k / periods
    return (target - f * r_k) / (1.0 - f)
