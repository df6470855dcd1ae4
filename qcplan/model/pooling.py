"""A short series borrows how far series of its measure and unit move in a year.

With two or three yearly figures a trend cannot tell how far an indicator moves in a year (one
change gives a Cauchy predictive: a share at 91 % gets an 80 % interval of 34–99.8 % five years
on). Every other series of the same measure and unit tells it. This module estimates, on the
model scale (the logit of a share's position in [0, 100], the log of a positive level), a
two-level model of the yearly changes of a *pool* of such series (:func:`pool_steps`):

- series ``j`` moves by ``dz = g mu_j + e`` over a gap of ``g`` years, ``e ~ N(0, g sigma_j^2)``;
- the yearly spreads ``sigma_j^2`` are scaled-inverse-chi-square around ``s0^2`` with ``nu0``
  degrees of freedom (``s0^2`` the pooled within-series variance; ``nu0`` from how much the
  series' own variances differ beyond sampling noise: ``trigamma(nu0 / 2)`` is the excess
  variance of their logs);
- the drifts ``mu_j`` are normal around ``mu0`` with spread ``tau`` (DerSimonian–Laird).

A short series' own changes then get the weight their number earns (:func:`pooled_fit`), by
the conjugate normal-inverse-chi-square update of that prior (the drift's prior variance
``tau^2`` plus ``mu0``'s own uncertainty, written as ``k`` times ``s0^2``): with ``m`` changes
over ``span`` years, mean yearly change ``d``, its drift is ``(mu0 / k + span d) / (1 / k +
span)``, its yearly variance ``(nu0 s0^2 + SS + (d - mu0)^2 / (k + 1 / span)) / (nu0 + m)``
(``SS`` the squared deviations of its changes from ``d``: a series that moves unlike the pool
widens its own spread), Student-t with ``nu0 + m`` degrees of freedom, the drift drawn once per
path from its posterior (variance ``sigma^2 / (1 / k + span)``), and the drift wanders a little
every year, by an amount learned from the pool itself (:func:`_calibrated_wander`).

That pooled walk alone held 67 % / 50 % of the later figures in its 80 % intervals on the
leave-one-plan-out check (71–76 % with larger pools): too narrow. So the projection is a
predictive mixture: a share ``w`` of the paths from the pooled walk, the rest from the trend's
own fit of the short series, ``w`` learned from the pool itself (:func:`_calibrated_weight`:
the largest share whose mixture's 80 % intervals hold 80 % of the later figures of the pool's
own cut series, each fitted without its geography's series), and 0, the trend alone, when the
pool's cut series are too few to show it. A heavier-tailed or wider pooled walk, calibrated the
same way, was tried and not kept (``bench/README.md``). The result is an ordinary
:class:`~qcplan.model.fitted.FittedModel` (the pooled :class:`~qcplan.model.walks.Walk` and the
trend's components, weighted), so scenario shifts and shocks apply as to any fit, and back on
the measure's scale no draw leaves [0, 100] (a share) or goes below 0 (a positive level).

The pool (:func:`reference_series`, :func:`pool_for`): the track record's series of the same
measure and unit (``qcplan/resources/track_record/series.csv``; only figures known by the
assessment's date, never the target's own series: not its indicator in its geography, nor a
series of its geography holding one of its figures) and the plan's own other
series of that measure and unit (real figures only: illustrative series are left out). The
assessment uses it only for targets whose series has :data:`SHORT_MAX_POINTS` or fewer yearly
figures, and only for the ``auto`` and ``bounded`` methods (:meth:`Assessor._fit`); the
projection of ``qcplan.project`` is unchanged. Judged leave-one-plan-out in
``bench/short_series_pooling.py`` (``bench/README.md``).
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy.special import polygamma
from scipy.stats import t as student_t

from qcplan.model.fitted import FittedModel
from qcplan.model.history import clean_history
from qcplan.model.outside_view import load_series
from qcplan.model.project import fit as trend_fit
from qcplan.model.scales import Scale
from qcplan.model.walks import AUTO_WANDER, Walk

#: Series of at most this many yearly figures borrow from the pool.
SHORT_MAX_POINTS = 3
#: Measures whose short series are pooled (levels; growth rates are projected as an index).
POOLED_MEASURES = ("share", "rate", "amount", "count")
#: Fewest pool series with two or more changes (for the yearly spread), and fewest changes.
MIN_POOL_SERIES = 3
MIN_POOL_CHANGES = 6
#: Bounds of the prior's degrees of freedom ``nu0`` (its weight in pseudo-changes).
NU0_MIN, NU0_MAX = 1.0, 50.0

#: One series of a pool: where it comes from and its yearly figures.
PoolMember = tuple[str, pd.Series]


@dataclass(frozen=True)
class StepPool:
    """The two-level estimate of the yearly changes of a pool of series (on the model scale)."""

    n_series: int        # series in the pool (two or more figures)
    s02: float           # pooled within-series variance of a yearly change
    nu0: float           # its weight, in pseudo-changes (prior degrees of freedom)
    mu0: float           # mean drift of the series
    mu0_var: float       # sampling variance of mu0
    tau2: float          # variance of the drifts between series
    wander: float = AUTO_WANDER  # yearly drift-change variance, in units of the yearly one
    weight: float = 1.0  # share of the paths drawn from the pooled walk (the rest: the trend's)


def scale_for(measure: str) -> Scale:
    """The scale a measure's changes are pooled on: logit in [0, 100] for shares, else logs."""
    return Scale("logit", (0.0, 100.0)) if measure == "share" else Scale("log")


def _changes(v: pd.Series, sc: Scale) -> tuple[np.ndarray, np.ndarray] | None:
    """Changes on the model scale and their gaps in years (None when the scale cannot hold it)."""
    h = clean_history(v)
    if len(h) < 2:
        return None
    vals = h.to_numpy(float)
    if sc.kind == "log" and np.any(vals <= 0):
        return None
    if sc.kind == "logit" and np.any((vals < 0) | (vals > 100)):
        return None
    z = sc.forward(vals)
    return np.diff(z), np.diff(h.index.to_numpy(float))


def pool_steps(members: Iterable[pd.Series], sc: Scale, calibrate: bool = True,
               groups: list[str] | None = None) -> StepPool | None:
    """The two-level estimate from the pool's series (None when the pool is too small: fewer
    than :data:`MIN_POOL_SERIES` series with two or more changes or :data:`MIN_POOL_CHANGES`
    changes in all); with ``calibrate``, the drift's wander (:func:`_calibrated_wander`) and
    the share of pooled paths (:func:`_calibrated_weight`) too, ``groups`` naming each
    member's geography."""
    members = list(members)
    changes = [_changes(v, sc) for v in members]
    pool = _estimate(changes)
    if pool is not None and calibrate:
        cases = list(_cut_cases(members, changes, sc, groups))
        pool = replace(pool, wander=_calibrated_wander(cases, sc, pool.wander))
        pool = replace(pool, weight=_calibrated_weight(cases, sc, pool))
    return pool


def _estimate(changes: list[tuple[np.ndarray, np.ndarray] | None]) -> StepPool | None:
    """:func:`pool_steps` without the calibration, from the members' changes and gaps."""
    spans, drifts, ss, dfs = [], [], [], []
    for c in changes:
        if c is None:
            continue
        dz, gap = c
        span = float(gap.sum())
        d = float(dz.sum() / span)
        spans.append(span)
        drifts.append(d)
        if len(dz) >= 2:
            ss.append(float(np.sum((dz - d * gap) ** 2 / gap)))
            dfs.append(len(dz) - 1)
    n_changes = sum(dfs) + len(dfs)
    if len(dfs) < MIN_POOL_SERIES or n_changes < MIN_POOL_CHANGES:
        return None
    ss_a, df_a = np.array(ss), np.array(dfs, float)
    s02 = float(ss_a.sum() / df_a.sum())
    if s02 <= 0:
        return None
    nu0 = _prior_df(ss_a / df_a, df_a)
    spans_a, drifts_a = np.array(spans), np.array(drifts)
    mu0, mu0_var, tau2 = _drift_spread(drifts_a, s02 / spans_a)
    return StepPool(len(spans), s02, nu0, mu0, mu0_var, tau2)


#: Drift-change variances tried (in units of the yearly variance; ``auto``'s is 0.05).
WANDER_GRID = (0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
#: Fewest figures asked about by the pool's cut series for the wander and the share of pooled
#: paths to be calibrated (else ``auto``'s wander and the trend alone).
MIN_CALIBRATION_CASES = 8
#: Shares of pooled paths tried, narrowest first (the rest of the paths are the trend's).
WEIGHT_GRID = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0)
#: Draws per calibration case (pooled and trend each).
CALIBRATION_SIMS = 1000

#: One cut series of the pool: its first figures, the pool without its geography, the years
#: asked about and their figures.
CutCase = tuple[pd.Series, StepPool, list[int], np.ndarray]


def _cut_cases(members: list[pd.Series], changes: list, sc: Scale,
               groups: list[str] | None) -> Iterable[CutCase]:
    """The pool's own cut series: every member of three or more figures cut to its first two
    and to its first three figures, with the pool of the members not of its geography
    (``groups``; without them, every other member), asked about its next figure and its
    last."""
    for i, v in enumerate(members):
        h = clean_history(v)
        if len(h) < 3 or changes[i] is None:
            continue
        pool = _estimate([c for j, c in enumerate(changes) if j != i and
                          (groups is None or groups[j] != groups[i])])
        if pool is None:
            continue
        for n in (2, 3):
            if len(h) <= n:
                continue
            asked = sorted({n, len(h) - 1})
            yield h.iloc[:n], pool, [int(h.index[j]) for j in asked], \
                h.to_numpy(float)[asked]


def _calibrated_wander(cases: list[CutCase], sc: Scale, default: float) -> float:
    """How far a short series' drift wanders, learned from the pool itself: on the pool's cut
    series (:func:`_cut_cases`) the smallest wander of :data:`WANDER_GRID` whose closed-form
    80 % intervals hold at least 80 % of the figures asked about (the largest when none
    does; ``default`` with fewer than :data:`MIN_CALIBRATION_CASES` figures)."""
    hits = np.zeros(len(WANDER_GRID))
    n_cases = 0
    grid = np.asarray(WANDER_GRID)
    for h, pool, years, actual in cases:
        post = _posterior(h, pool, sc)
        if post is None:
            continue
        drift, post_var, sigma2, df = post
        q = float(student_t.ppf(0.9, df))
        z0 = float(sc.forward(np.array([float(h.iloc[-1])]))[0])
        for year, z in zip(years, sc.forward(actual), strict=True):
            steps = float(year - h.index[-1])
            var = sigma2 * steps + post_var * steps**2 + \
                grid * sigma2 * steps * (steps + 1) * (2 * steps + 1) / 6.0
            hits += abs(z - z0 - drift * steps) <= q * np.sqrt(var)
            n_cases += 1
    if n_cases < MIN_CALIBRATION_CASES:
        return default
    ok = np.nonzero(hits / n_cases >= 0.8)[0]
    return float(grid[ok[0]] if len(ok) else grid[-1])


def _calibrated_weight(cases: list[CutCase], sc: Scale, pool: StepPool) -> float:
    """The share of a short series' paths drawn from the pooled walk, the rest from the
    trend's own fit (a predictive mixture), learned from the pool itself: on the pool's cut
    series (:func:`_cut_cases`, with ``pool``'s wander) the largest share of
    :data:`WEIGHT_GRID` whose mixture's 80 % intervals hold at least 80 % of the figures
    asked about (the one holding most when none does); 0 (the trend alone) with fewer than
    :data:`MIN_CALIBRATION_CASES` figures: a pool that cannot show its interval holds does
    not narrow the trend's."""
    grid = np.asarray(WEIGHT_GRID)
    hits = np.zeros(len(grid))
    n_cases = 0
    bounds = sc.bounds if sc.kind == "logit" else None
    take = np.rint(grid * CALIBRATION_SIMS).astype(int)
    for h, others, years, actual in cases:
        fit = pooled_fit(h, replace(others, wander=pool.wander), sc, trend=False)
        trend = trend_fit(h, method="auto", bounds=bounds)
        if fit is None or trend.status != "ok":
            continue
        p = fit.simulate(years[-1], n_sims=CALIBRATION_SIMS, seed=0).paths
        t = trend.simulate(years[-1], n_sims=CALIBRATION_SIMS, seed=1).paths
        for year, a in zip(years, actual, strict=True):
            pooled, own = p.loc[year].to_numpy(float), t.loc[year].to_numpy(float)
            for g, k in enumerate(take):
                lo, hi = np.quantile(np.concatenate([pooled[:k], own[k:]]), [0.1, 0.9])
                hits[g] += lo <= a <= hi
            n_cases += 1
    if n_cases < MIN_CALIBRATION_CASES:
        return 0.0
    cover = hits / n_cases
    ok = np.nonzero(cover >= 0.8)[0]
    return float(grid[ok[0]] if len(ok) else grid[int(np.argmax(cover))])


def _posterior(history: pd.Series, pool: StepPool, sc: Scale
               ) -> tuple[float, float, float, float] | None:
    """A short series' drift, its posterior variance, its yearly variance and the degrees of
    freedom (the conjugate update of the module docstring); None off the scale."""
    c = _changes(history, sc)
    if c is None:
        return None
    dz, gap = c
    span = float(gap.sum())
    d_own = float(dz.sum() / span)
    # the drift's prior variance in units of the yearly variance (normal-inverse-chi-square)
    k = max((pool.tau2 + pool.mu0_var) / pool.s02, 1e-9)
    q = float(np.sum((dz - d_own * gap) ** 2 / gap)) + (d_own - pool.mu0) ** 2 / (k + 1 / span)
    df = pool.nu0 + len(dz)
    sigma2 = (pool.nu0 * pool.s02 + q) / df
    drift = (pool.mu0 / k + float(dz.sum())) / (1.0 / k + span)
    return drift, sigma2 / (1.0 / k + span), sigma2, df


def _prior_df(variances: np.ndarray, dfs: np.ndarray) -> float:
    """``nu0``: the excess variance of the log sample variances over their sampling variance
    (``trigamma(df / 2)`` each) is ``trigamma(nu0 / 2)``; homogeneous spreads earn the pool's
    whole weight. Bounded by :data:`NU0_MIN`, :data:`NU0_MAX` and the pool's degrees of
    freedom."""
    cap = float(min(NU0_MAX, dfs.sum()))
    pos = variances > 0
    if pos.sum() < 2:
        return max(NU0_MIN, min(cap, 1.0))
    logs = np.log(variances[pos])
    excess = float(np.var(logs, ddof=1) - np.mean(polygamma(1, dfs[pos] / 2.0)))
    if excess <= 0:
        return cap
    lo, hi = NU0_MIN, cap
    if float(polygamma(1, hi / 2.0)) >= excess:
        return hi
    if float(polygamma(1, lo / 2.0)) <= excess:
        return lo
    for _ in range(60):  # trigamma decreases: bisection
        mid = 0.5 * (lo + hi)
        if float(polygamma(1, mid / 2.0)) > excess:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _drift_spread(d: np.ndarray, v: np.ndarray) -> tuple[float, float, float]:
    """DerSimonian–Laird: the drifts' mean, its variance and the variance between series."""
    w = 1.0 / v
    mean_fe = float(np.sum(w * d) / w.sum())
    q = float(np.sum(w * (d - mean_fe) ** 2))
    denom = float(w.sum() - np.sum(w**2) / w.sum())
    tau2 = max(0.0, (q - (len(d) - 1)) / denom) if denom > 0 else 0.0
    w2 = 1.0 / (v + tau2)
    return float(np.sum(w2 * d) / w2.sum()), float(1.0 / w2.sum()), tau2


def pooled_fit(history: pd.Series, pool: StepPool, sc: Scale, n_series: int | None = None,
               method: str = "auto", trend: FittedModel | None | bool = None
               ) -> FittedModel | None:
    """The short series' own changes combined with ``pool`` (see the module docstring), its
    paths drawn from the pooled walk in the share ``pool.weight`` and from ``trend`` (the
    series' own fit; fitted with ``auto`` when None) in the rest; ``trend=False``: the pooled
    walk alone. None when the series does not fit the scale (a level at or below 0), when the
    share is 0 (the trend alone) or when the trend's draws cannot be mixed in (another scale,
    exponential smoothing)."""
    h = clean_history(history)
    post = _posterior(h, pool, sc)
    if post is None:
        return None
    weight = 1.0 if trend is False else pool.weight
    if weight <= 0.0:
        return None
    drift, post_var, sigma2, df = post
    k = max((pool.tau2 + pool.mu0_var) / pool.s02, 1e-9)
    span = float(h.index[-1] - h.index[0])
    own_weight = span / (1.0 / k + span)
    sigma = math.sqrt(sigma2)
    bounds = sc.bounds if sc.kind == "logit" else None
    components: list = [Walk(weight, drift, math.sqrt(post_var), sigma, df,
                             wander=sigma * math.sqrt(pool.wander), label="pooled")]
    if weight < 1.0:
        own = trend if isinstance(trend, FittedModel) else trend_fit(h, "auto", bounds)
        theirs = own._scale_obj
        if own.status != "ok" or own._ets is not None or theirs is None or \
                theirs.kind != sc.kind or (sc.kind == "logit" and theirs.bounds != sc.bounds):
            return None
        total = sum(c.weight for c in own.components)
        components += [replace(c, weight=c.weight / total * (1.0 - weight))
                       for c in own.components]
    n = pool.n_series if n_series is None else n_series
    stats = {"pooled_series": float(n), "pool_prior_df": pool.nu0,
             "own_weight": own_weight, "wander_ratio": pool.wander, "pooled_share": weight}
    notes = [f"short series: yearly spread and drift partially pooled from {n} series of the "
             f"same measure and unit (prior weight {pool.nu0:.1f} changes); "
             f"{weight:.0%} of the paths from the pooled walk, the rest from the trend's fit"]
    return FittedModel(f"{method}:pooled", h, "ok", sc.kind, bounds, components, notes, stats,
                       None, sc)


# --------------------------------------------------------------------------- the pool
@lru_cache(maxsize=1)
def _track_record() -> pd.DataFrame:
    """The track record's figures of the pooled measures, with the date each became known."""
    s = load_series()
    s = s[s["measure"].isin(POOLED_MEASURES)].copy()
    s["known_date"] = pd.to_datetime(s["known"], errors="coerce").dt.date
    return s.dropna(subset=["known_date"])


def reference_series(measure: str, unit: str, as_of: _dt.date,
                     exclude: Iterable[tuple[str, str]] = (),
                     exclude_geographies: Iterable[str] = ()) -> list[PoolMember]:
    """The track record's series of ``measure`` and ``unit`` with the figures known by ``as_of``
    (the latest vintage then of each year), as ``("geography/indicator", series)``; without the
    ``(indicator, geography)`` pairs of ``exclude`` and the geographies of
    ``exclude_geographies``."""
    s = _track_record()
    s = s[(s["measure"] == measure) & (s["unit"].str.strip() == unit.strip())
          & (s["known_date"] <= as_of)]
    drop = {(str(i), str(g)) for i, g in exclude}
    geos = set(map(str, exclude_geographies))
    s = s.sort_values(["year", "known_date"]).drop_duplicates(
        ["geography", "indicator_id", "year"], keep="last")
    out = []
    for (geo, ind), g in s.groupby(["geography", "indicator_id"], sort=True):
        if (ind, geo) in drop or geo in geos or len(g) < 2:
            continue
        out.append((f"{geo}/{ind}", g.set_index("year")["value"].sort_index()))
    return out


def pool_for(measure: str, unit: str, as_of: _dt.date, own: tuple[str, str],
             plan_series: Iterable[PoolMember] = (),
             exclude_geographies: Iterable[str] = (),
             own_history: pd.Series | None = None) -> tuple[StepPool | None, int]:
    """The pool of a short series ``own`` = (indicator, geography): the track record's series
    of its measure and unit known by ``as_of`` and ``plan_series`` (the plan's other series of
    that measure and unit), never ``own`` itself (nor a track-record series of its geography
    holding one of the figures of ``own_history``: the same series under another name);
    returns the estimate (None when too small) and the number of series it rests on."""
    keyed = [(key, v) for key, v in plan_series if key != f"{own[1]}/{own[0]}"]
    for key, v in reference_series(measure, unit, as_of, [own], exclude_geographies):
        if own_history is not None and key.split("/", 1)[0] == own[1] and \
                _shares_a_figure(v, own_history):
            continue
        keyed.append((key, v))
    sc = scale_for(measure)
    pool = pool_steps([v for _, v in keyed], sc,
                      groups=[key.split("/", 1)[0] for key, _ in keyed])
    return pool, (pool.n_series if pool is not None else 0)


def _shares_a_figure(a: pd.Series, b: pd.Series) -> bool:
    common = a.index.intersection(b.index)
    return bool(np.any(np.isclose(a.loc[common].to_numpy(float),
                                  b.loc[common].to_numpy(float), rtol=1e-9, atol=1e-12)))


def plan_members(index: dict[tuple[str, str], pd.DataFrame], measures: dict[str, str],
                 units: dict[str, str], measure: str, unit: str) -> list[PoolMember]:
    """The plan's series of ``measure`` and ``unit`` (``index``: (indicator, geography) → its
    yearly rows, as the assessment holds them), real figures only: a series with an
    illustrative figure is left out."""
    out = []
    for (ind, geo), g in index.items():
        if measures.get(ind) != measure or str(units.get(ind, "")).strip() != unit.strip():
            continue
        if (g["status"].astype(str) == "illustrative").any():
            continue
        out.append((f"{geo}/{ind}", g["value"].astype(float)))
    return out


def assessment_fit(history: pd.Series, measure: str, unit: str, own: tuple[str, str],
                   as_of: _dt.date, plan_series: Iterable[PoolMember],
                   method: str = "auto", trend: FittedModel | None = None
                   ) -> FittedModel | None:
    """The pooled fit the assessment uses for a short series (None where it keeps the trend's:
    more than :data:`SHORT_MAX_POINTS` or fewer than two figures, a measure not in
    :data:`POOLED_MEASURES`, a method other than ``auto`` / ``bounded``, a pool too small)."""
    n = int(history.notna().sum())
    if measure not in POOLED_MEASURES or method not in ("auto", "bounded") or \
            not 2 <= n <= SHORT_MAX_POINTS:
        return None
    pool, n_series = pool_for(measure, unit, as_of, own, plan_series, own_history=history)
    if pool is None:
        return None
    return pooled_fit(history, pool, scale_for(measure), n_series, method, trend)
