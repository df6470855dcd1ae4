"""Stochastic projection of a short yearly series to a target year.

``project(history, to_year)`` fits a small model to a yearly series and simulates paths of
draws to ``to_year``. The draws answer every question the assessment asks: the probability of
reaching a level, quantiles and intervals, and any derived quantity (average growth, running
total, difference with a benchmark series) computed on the same draws through ``.paths``.

Fitting (:func:`fit`) is the expensive part and is done once; simulation
(:meth:`FittedModel.simulate`) is vectorised over draws and takes the scenario adjustments
(``shift``, ``shocks``, ``scale``) without refitting. The same seed gives the same random numbers
whatever the adjustments, so scenarios compare on common draws.

Models work on a transformed scale: logs when every value is positive, raw values otherwise, and
the logit of the position inside ``bounds`` when bounds are given (shares).
"""

from __future__ import annotations

import inspect
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from qcplan.model.history import clean_history
from qcplan.model.nowcast import fit_subannual

__all__ = ["FittedModel", "Projection", "fit", "project", "METHODS"]

METHODS: tuple[str, ...] = (
    "auto",
    "cagr",
    "linear",
    "loglinear",
    "rw_drift",
    "ets",
    "bounded",
)

Direction = Literal["at_least", "at_most"]

#: Fewest points for the damped-trend ETS model; below it the fit degenerates.
ETS_MIN_POINTS = 8
#: Share of the bounded range kept clear of each bound before taking the logit
#: (0.5 and 99.5 for bounds (0, 100)).
LOGIT_CLIP = 0.005
#: Guard against overflow when draws on the log scale are exponentiated.
_LOG_LIMIT = 700.0


# --------------------------------------------------------------------------------------------
# scales
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Scale:
    """The scale a model works on: ``"log"``, ``"raw"`` or ``"logit"`` (inside ``bounds``)."""

    kind: Literal["log", "raw", "logit"]
    bounds: tuple[float, float] | None = None

    def forward(self, v: np.ndarray) -> np.ndarray:
        """Map values to the model scale."""
        if self.kind == "log":
            return np.log(v)
        if self.kind == "logit":
            lo, hi = self.bounds  # type: ignore[misc]
            p = np.clip((v - lo) / (hi - lo), LOGIT_CLIP, 1.0 - LOGIT_CLIP)
            return np.log(p / (1.0 - p))
        return np.asarray(v, dtype=float)

    def back(self, z: np.ndarray) -> np.ndarray:
        """Map draws on the model scale back to values."""
        if self.kind == "log":
            return np.exp(np.clip(z, -_LOG_LIMIT, _LOG_LIMIT))
        if self.kind == "logit":
            lo, hi = self.bounds  # type: ignore[misc]
            p = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, overflow-free
            return np.clip(lo + (hi - lo) * p, lo, hi)
        return z

    def step(self, pct: float, last: float) -> float:
        """Convert a change of ``pct`` (%, or pp/series units) into a step on the model scale.

        On the log scale ``pct`` is a growth rate in percent: ``log(1 + pct/100)``. On the raw
        scale it is a change in the series' own units. On the logit scale it is a change in
        percentage points of the bounded range, converted with the logit's slope at the last
        observed value (so one pp near the last observation is one pp; closer to a bound the
        same logit step is fewer pp, and the bound is never crossed).
        """
        if self.kind == "log":
            if pct <= -100.0:
                raise ValueError(f"a change of {pct}% would make the series non-positive")
            return math.log1p(pct / 100.0)
        if self.kind == "logit":
            lo, hi = self.bounds  # type: ignore[misc]
            p = min(max((last - lo) / (hi - lo), LOGIT_CLIP), 1.0 - LOGIT_CLIP)
            return (pct / (hi - lo)) / (p * (1.0 - p))
        return float(pct)


def _choose_scale(values: np.ndarray, bounds: tuple[float, float] | None) -> _Scale:
    if bounds is not None:
        return _Scale("logit", bounds)
    if np.all(values > 0):
        return _Scale("log")
    return _Scale("raw")


# --------------------------------------------------------------------------------------------
# model components (closed form)
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Walk:
    """Random walk with (possibly damped, possibly wandering) drift on the model scale.

    Paths start from the last value plus ``offset`` (a smoothed level) and step ``j`` (1, 2, ...)
    adds ``drift * phi**j + wander_j + innovation_j + (alpha - 1) * innovation_{j-1}``, where the
    drift is drawn once per path from its sampling distribution, ``wander_j`` is a random walk of
    yearly drift changes with sd ``wander`` and the innovations have sd ``sigma``; with
    ``alpha < 1`` (exponential smoothing with a drift, an integrated moving average) the
    variance at step h is ``sigma**2 * (1 + (h - 1) * alpha**2)``. With finite ``df``
    one chi-square draw per path scales all three (a multivariate t), so the marginal at each
    horizon is the exact Student-t predictive of the Gaussian model with unknown variance.
    """

    weight: float
    drift: float
    drift_se: float
    sigma: float
    df: float
    phi: float = 1.0
    wander: float = 0.0
    alpha: float = 1.0
    offset: float = 0.0
    label: str = "rw_drift"


@dataclass(frozen=True)
class _Trend:
    """Deterministic linear trend in time with OLS parameter and predictive uncertainty."""

    weight: float
    beta: tuple[float, float]  # intercept at t0, slope
    chol: tuple[tuple[float, float], tuple[float, float]]  # Cholesky factor of cov(beta)
    sigma: float
    df: float
    t0: float
    label: str = "linear"


_Component = _Walk | _Trend


# --------------------------------------------------------------------------------------------
# fitting
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Increments:
    """Yearly increments of a series on the model scale, allowing gaps between years."""

    dz: np.ndarray  # change between consecutive observations
    gap: np.ndarray  # years between them
    span: float  # last year - first year

    @property
    def m(self) -> int:
        return len(self.dz)


def _increments(t: np.ndarray, z: np.ndarray) -> _Increments:
    return _Increments(np.diff(z), np.diff(t).astype(float), float(t[-1] - t[0]))


def _walk_fit(inc: _Increments, label: str = "rw_drift") -> _Walk:
    """Random walk with drift: GLS drift over gaps, small-sample residual sd, t predictive.

    Increments over ``g`` years have mean ``drift * g`` and variance ``sigma**2 * g``; the
    estimate of the drift is then (last - first) / span with standard error sigma / sqrt(span).
    With a single increment the residual sd cannot be estimated: the size of that increment
    stands in for it, with a Cauchy (df = 1) predictive.
    """
    d = float(np.sum(inc.dz) / inc.span)
    if inc.m >= 2:
        r = (inc.dz - d * inc.gap) / np.sqrt(inc.gap)
        sigma = float(np.sqrt(np.sum(r**2) / (inc.m - 1)))
        df = float(inc.m - 1)
    else:
        sigma = float(abs(inc.dz[0]) / math.sqrt(inc.gap[0]))
        df = 1.0
    return _Walk(1.0, d, sigma / math.sqrt(inc.span), sigma, df, label=label)


def _trend_fit(t: np.ndarray, z: np.ndarray, label: str) -> _Trend:
    """OLS trend ``z = a + b (t - t0)``; with 2 points the residual sd falls back as in walks."""
    n = len(t)
    t0 = float(np.mean(t))
    x = t - t0
    sxx = float(np.sum(x**2))
    b = float(np.sum(x * (z - z.mean())) / sxx)
    a = float(z.mean())
    if n >= 3:
        resid = z - (a + b * x)
        sigma = float(np.sqrt(np.sum(resid**2) / (n - 2)))
        df = float(n - 2)
    else:
        sigma = float(abs(z[-1] - z[0]) / math.sqrt(max(t[-1] - t[0], 1)))
        df = 1.0
    chol = ((sigma / math.sqrt(n), 0.0), (0.0, sigma / math.sqrt(sxx)))  # x is centred
    return _Trend(1.0, (a, b), chol, sigma, df, t0, label=label)


#: Drift weights whose forecasts ``auto`` combines: no drift (simple exponential smoothing),
#: half the drift (the Theta method's theta = 2 line) and the whole drift (random walk with drift).
AUTO_DRIFT_WEIGHTS: tuple[float, ...] = (0.0, 0.5, 1.0)
#: Variance of the yearly change in drift relative to the one-step error variance in ``auto``
#: (a local linear trend with a slope-to-level variance ratio of 0.05).
AUTO_WANDER = 0.05
#: Smoothing parameters tried for ``auto``'s level (least squared one-step errors).
SES_ALPHAS: np.ndarray = np.linspace(0.05, 1.0, 20)
#: Fewest yearly changes for a smoothed level, a trimmed drift and rolling-origin weights.
AUTO_MIN_CHANGES = 4


def _trimmed_drift(inc: _Increments) -> float:
    """Drift per year with the largest and smallest yearly change left out (≥ 4 increments).

    Yearly rates over gaps are ``dz / gap``; the remaining increments are pooled as
    sum(dz) / sum(gap), so without trimming this is (last - first) / span.
    """
    if inc.m < AUTO_MIN_CHANGES:
        return float(np.sum(inc.dz) / inc.span)
    order = np.argsort(inc.dz / inc.gap, kind="stable")
    keep = order[1:-1]
    return float(np.sum(inc.dz[keep]) / np.sum(inc.gap[keep]))


def _ses_level(inc: _Increments) -> tuple[float, float]:
    """Simple exponential smoothing of the series: (alpha, smoothed level - last value).

    The level starts at the first value; alpha is the value of :data:`SES_ALPHAS` with the
    least sum of squared one-step errors (each divided by its gap in years), as the Theta
    method chooses it. With fewer than :data:`AUTO_MIN_CHANGES` changes the level is the last
    value (alpha = 1).
    """
    if inc.m < AUTO_MIN_CHANGES:
        return 1.0, 0.0
    z = np.concatenate([[0.0], np.cumsum(inc.dz)])
    level = np.zeros_like(SES_ALPHAS)
    sse = np.zeros_like(SES_ALPHAS)
    for j in range(inc.m):
        err = z[j + 1] - level
        sse += err**2 / inc.gap[j]
        level = level + SES_ALPHAS * err
    best = int(np.argmin(sse))
    return float(SES_ALPHAS[best]), float(level[best] - z[-1])


def _drift_weight(inc: _Increments) -> float:
    """Weight of the drift: forecasts with 0, 1/2 and all of it, combined by their errors.

    Rolling origin: each yearly change from the third on is forecast from the changes
    before it (their trimmed mean, times each weight of :data:`AUTO_DRIFT_WEIGHTS`); the
    forecasts are combined with weights inversely proportional to their mean squared error
    (Bates and Granger), which gives the weight of the drift. With fewer than
    :data:`AUTO_MIN_CHANGES` changes (fewer than two such errors) it is 1/2, the Theta
    method's equal weighting of the trend and of the driftless forecast.
    """
    if inc.m < AUTO_MIN_CHANGES:
        return 0.5
    ks = np.asarray(AUTO_DRIFT_WEIGHTS, dtype=float)
    sq = np.zeros_like(ks)
    for j in range(2, inc.m):
        past = _Increments(inc.dz[:j], inc.gap[:j], float(np.sum(inc.gap[:j])))
        err = inc.dz[j] - ks * _trimmed_drift(past) * inc.gap[j]
        sq += err**2 / inc.gap[j]
    if np.any(sq <= 0.0):  # a forecast without error takes all the weight
        inv = (sq <= 0.0).astype(float)
    else:
        inv = 1.0 / sq
    return float(np.dot(inv, ks) / np.sum(inv))


def _ses_drift_errors(inc: _Increments, alpha: float, drift: float) -> np.ndarray:
    """One-step errors (per sqrt(year)) of exponential smoothing with a drift."""
    level = 0.0
    z = np.concatenate([[0.0], np.cumsum(inc.dz)])
    err = np.empty(inc.m)
    for j in range(inc.m):
        fc = level + drift * inc.gap[j]
        e = z[j + 1] - fc
        err[j] = e / math.sqrt(inc.gap[j])
        level = fc + alpha * e
    return err


def _auto_components(inc: _Increments) -> tuple[list[_Component], str, dict[str, float]]:
    """The ``auto`` rule (justified in :func:`fit` and bench/README.md).

    One walk on the model scale, a Theta-like combination: it starts from the exponentially
    smoothed level, its drift is the trimmed mean change times the weight that rolling-origin
    one-step errors give it among 0, 1/2 and 1, and its spread is that of the one-step errors
    of this forecast (df = m - 2: the smoothing and the drift weight are estimated; m - 1 with
    fewer than 4 changes, where they are fixed), growing
    with the horizon as smoothing with a drift implies (integrated moving average, variance
    1 + (h - 1) alpha**2 at step h), plus the drift's sampling uncertainty (at its weight) and a
    slowly wandering drift (local linear trend, variance ratio 0.05).
    """
    ref = _walk_fit(inc)
    alpha, offset = _ses_level(inc)
    weight = _drift_weight(inc)
    drift = weight * _trimmed_drift(inc)
    # degrees of freedom: the drift is estimated, and with enough changes alpha and the drift
    # weight too (counted as one more); a single change has only the walk's own spread
    fitted = 2 if inc.m >= AUTO_MIN_CHANGES else 1
    if inc.m > fitted:
        err = _ses_drift_errors(inc, alpha, drift)
        sigma = float(np.sqrt(np.sum(err**2) / (inc.m - fitted)))
        df = float(inc.m - fitted)
    else:
        sigma, df = ref.sigma, ref.df
    comp = _Walk(1.0, drift, weight * ref.drift_se, sigma, df,
                 wander=sigma * math.sqrt(AUTO_WANDER), alpha=alpha, offset=offset,
                 label="theta")
    return [comp], "theta", {"drift_weight": weight, "ses_alpha": alpha}


@dataclass
class FittedModel:
    """A model fitted to one history; :meth:`simulate` draws projections from it.

    Attributes
    ----------
    method : str
        The method used, e.g. ``"auto:theta"`` or ``"ets->rw_drift"`` after a fallback.
    history : pandas.Series
        The cleaned history (integer years, sorted, NaN dropped).
    status : str
        ``"ok"`` or ``"insufficient data"``.
    scale : str
        ``"log"``, ``"raw"`` or ``"logit"``.
    notes : list of str
        Fallbacks and choices made while fitting, shown by ``summary()``.
    """

    method: str
    history: pd.Series
    status: str
    scale: str
    bounds: tuple[float, float] | None
    components: list[_Component] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stats: dict[str, float] = field(default_factory=dict)
    _ets: Any = None
    _scale_obj: _Scale | None = None
    #: The current year's in-year nowcast (``qcplan.model.nowcast.Nowcast``), from ``subannual``.
    nowcast: Any = None

    @property
    def last_year(self) -> int | None:
        """Last observed year (None without data)."""
        return int(self.history.index[-1]) if len(self.history) else None

    def simulate(
        self,
        to_year: int,
        n_sims: int = 10_000,
        seed: int | np.random.Generator | None = None,
        shift: float = 0.0,
        shocks: Mapping[int, float] | None = None,
        scale: float = 1.0,
    ) -> Projection:
        """Draw ``n_sims`` paths from the last observed year to ``to_year``.

        Parameters
        ----------
        to_year : int
            Last year of the paths.
        n_sims : int
            Number of draws.
        seed : int, Generator or None
            Seed for ``numpy.random.default_rng``; the same seed gives the same draws.
        shift : float
            Extra growth a year from the first projected year on: percent a year on the log
            scale (``log(1 + shift/100)`` added to each year's change), series units a year on
            the raw scale, percentage points of the bounded range a year on the logit scale
            (converted with the logit's slope at the last observation).
        shocks : dict of {year: change}
            One-off persistent level shifts from that year on, in the same units as ``shift``
            (percent on the log scale). Shocks in observed years or after ``to_year`` are ignored.
        scale : float
            Multiplies all stochastic spread (innovations, drift uncertainty, drift changes).

        Returns
        -------
        Projection
        """
        if n_sims < 1:
            raise ValueError("n_sims must be at least 1")
        if scale < 0 or not math.isfinite(scale):
            raise ValueError(f"scale must be a finite number >= 0; got {scale}")
        if not math.isfinite(shift):
            raise ValueError(f"shift must be finite; got {shift}")
        to_year = int(to_year)
        adj = {"shift": float(shift), "shocks": dict(shocks or {}), "scale": float(scale)}
        last = self.last_year
        if self.status != "ok" or last is None:
            years = np.arange(last + 1, to_year + 1) if last is not None else np.arange(0)
            draws = np.full((len(years), n_sims), np.nan)
            return Projection(self, to_year, years, draws, n_sims, seed, adj)
        years = np.arange(last + 1, to_year + 1)
        horizon = len(years)
        rng = np.random.default_rng(seed)
        sc = self._scale_obj
        assert sc is not None
        last_value = float(self.history.iloc[-1])
        z_last = float(sc.forward(np.array([last_value]))[0])
        if horizon == 0:
            draws = np.empty((0, n_sims))
            return Projection(self, to_year, years, draws, n_sims, seed, adj)
        if self._ets is not None:
            z = self._simulate_ets(horizon, n_sims, rng, scale)
        else:
            z = self._simulate_components(horizon, n_sims, rng, scale, z_last)
        # deterministic scenario adjustments on the model scale
        add = np.zeros(horizon)
        if shift != 0.0:
            add += sc.step(shift, last_value) * np.arange(1, horizon + 1)
        for year, pct in (shocks or {}).items():
            y = int(year)
            if last < y <= to_year and pct != 0.0:
                add[y - last - 1 :] += sc.step(float(pct), last_value)
        if self.nowcast is not None and self.nowcast.year == years[0]:
            # the current year known in part: its draws come from the in-year nowcast, later
            # years follow from them, and adjustments act on the part still to come
            z = self.nowcast.adjust(self.nowcast.condition(z, sc, scale), add, sc)
        else:
            z = z + add[:, None]
        draws = sc.back(z)
        return Projection(self, to_year, years, draws, n_sims, seed, adj)

    # -- engines ------------------------------------------------------------------------------

    def _simulate_components(
        self, horizon: int, n_sims: int, rng: np.random.Generator, scale: float, z_last: float
    ) -> np.ndarray:
        weights = np.array([c.weight for c in self.components], dtype=float)
        weights = weights / weights.sum()
        counts = np.floor(weights * n_sims).astype(int)
        rest = n_sims - counts.sum()
        if rest:  # largest remainders get the left-over draws
            order = np.argsort(-(weights * n_sims - counts), kind="stable")
            counts[order[:rest]] += 1
        # the random numbers do not depend on the adjustments: common draws across scenarios
        # rows: 0 drift (trend: intercept), 1 (trend: slope), 2..h+1 innovations,
        # h+2..2h+1 drift changes
        chi = rng.standard_normal((2 * horizon + 2, n_sims))
        dfs = np.repeat([c.df for c in self.components], counts)
        w = np.ones(n_sims)
        finite = np.isfinite(dfs)
        if finite.any():
            w[finite] = np.sqrt(dfs[finite] / rng.chisquare(dfs[finite]))
        else:
            rng.chisquare(1.0, n_sims)  # keep the stream aligned whatever the components
        perm = rng.permutation(n_sims)
        out = np.empty((horizon, n_sims))
        steps = np.arange(1, horizon + 1, dtype=float)
        start = 0
        for comp, k in zip(self.components, counts, strict=True):
            if k == 0:
                continue
            sl = slice(start, start + k)
            start += k
            zz = chi[:, sl]
            ww = w[sl] * scale
            if isinstance(comp, _Walk):
                drift = comp.drift + ww * comp.drift_se * zz[0]
                damp = comp.phi**steps if comp.phi != 1.0 else np.ones(horizon)
                incr = damp[:, None] * drift[None, :]
                if comp.wander > 0:
                    incr += np.cumsum(ww * comp.wander * zz[2 + horizon :], axis=0)
                innov = ww * comp.sigma * zz[2 : 2 + horizon]
                path = np.cumsum(incr, axis=0)
                if comp.alpha != 1.0:  # e_j + alpha * (e_1 + ... + e_{j-1})
                    path += comp.alpha * np.cumsum(innov, axis=0) + (1.0 - comp.alpha) * innov
                else:
                    path += np.cumsum(innov, axis=0)
                out[:, sl] = z_last + comp.offset + path
            else:
                (l11, l12), (l21, l22) = comp.chol
                a = comp.beta[0] + ww * (l11 * zz[0] + l12 * zz[1])
                b = comp.beta[1] + ww * (l21 * zz[0] + l22 * zz[1])
                x = (self.last_year + steps - comp.t0)[:, None]  # type: ignore[operator]
                out[:, sl] = a[None, :] + b[None, :] * x + ww * comp.sigma * zz[2 : 2 + horizon]
        return out[:, perm]

    def _simulate_ets(
        self, horizon: int, n_sims: int, rng: np.random.Generator, scale: float
    ) -> np.ndarray:
        res = self._ets
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # statsmodels 0.15 takes the generator as ``rng``; 0.14 a seed as ``random_state``
            if "rng" in inspect.signature(res.simulate).parameters:
                source: dict[str, Any] = {"rng": rng}
            else:
                source = {"random_state": int(rng.integers(2**31 - 1))}
            sim = np.asarray(
                res.simulate(horizon, repetitions=n_sims, anchor="end", **source), dtype=float,
            ).reshape(horizon, n_sims)
            center = np.asarray(res.forecast(horizon), dtype=float).reshape(horizon, 1)
        return center + scale * (sim - center)


def fit(
    history: pd.Series | Mapping[int, float],
    method: str = "auto",
    bounds: tuple[float, float] | None = None,
    *,
    subannual: pd.Series | None = None,
    subannual_kind: Literal["flow", "stock"] = "flow",
) -> FittedModel:
    """Fit a projection model to a yearly history (done once; simulation is separate).

    Parameters
    ----------
    history : pandas.Series
        Values indexed by integer year; gaps allowed, any order, NaN dropped.
    method : str
        ``"auto"``, ``"cagr"``, ``"linear"``, ``"loglinear"``, ``"rw_drift"``, ``"ets"`` or
        ``"bounded"`` (see :func:`project`).
    bounds : (float, float), optional
        Natural bounds of the series (e.g. ``(0, 100)`` for a share): every method then works
        on the logit of the position inside the bounds and draws stay inside them.
    subannual : pandas.Series, optional
        Monthly or quarterly figures (``pd.PeriodIndex``) of earlier years and of the first
        sub-periods of the current, incomplete year; see :func:`project`.
    subannual_kind : "flow" or "stock"
        A flow's year is the sum of its sub-periods; a stock's is its year-end value.

    Returns
    -------
    FittedModel

    Notes
    -----
    The ``auto`` rule (``method == "auto:theta"``) works on logs (raw values when a value is
    ≤ 0, the logit inside ``bounds`` when given) and draws from one random walk built like the
    Theta method (simple exponential smoothing with a drift), with honest spread:

    - it starts from the exponentially smoothed level (alpha with the least squared one-step
      errors, as the Theta method chooses it; the last value with fewer than 4 changes);
    - its drift is the mean yearly change without the largest and smallest change (a robust
      estimate, with at least 4 changes) times a weight: the forecasts with none, half (the
      Theta method's theta = 2 line) and all of the drift are scored on rolling-origin
      one-step errors (each change from the third on, forecast from the changes before it)
      and combined with weights inversely proportional to their mean squared error (1/2 with
      fewer than 4 changes);
    - its spread is that of the one-step errors of this forecast, Student-t with df = m - 2
      (the level's smoothing and the drift are estimated; m - 1 with fewer than 4 changes,
      where the smoothing and the weight are fixed), growing with the horizon as
      smoothing with a drift implies (variance 1 + (h - 1) alpha**2 at step h), plus the
      drift's sampling uncertainty at its weight and a drift that changes a little every
      year (local linear trend, change variance 0.05 times the one-step variance).

    Everything is closed form; simulation is vectorised.

    Why (``bench/backtest.py``; 645 M3 yearly series, outcome 4 years ahead, targets = own
    CAGR ± 0, 2, 4 pp a year): the best baseline is the Theta method (statsmodels, on logs,
    normal predictive from its 80% interval), Brier 0.1705 (10 points) and 0.1688 (6 points),
    but its 80% interval holds only 56% and 40% of the outcomes. The weight of the drift by
    one-step errors is most of ``auto``'s gain (the previous rule, a BIC-weighted mixture of
    walks with and without drift, scored 0.172 / 0.174: in-sample evidence for a drift says
    little about whether it lasts); the smoothed level and the trimmed drift add a little;
    the one-step spread and the wandering drift bring the 80% interval to 82% / 78%.
    ``auto`` scores 0.1604 / 0.1589, 5.9% below the Theta method at both lengths. On the
    yearly series of Tourism, used only to confirm, it is 15% better than the random walk
    with drift (intervals slightly wide, 87%); on M1, whose macro trends persist, it is
    worse than the random walk with drift (+11% at 10 points, 72% coverage; +1% at 6):
    the price of discounting trends, documented in bench/README.md.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    if subannual is not None:
        return fit_subannual(fit, history, method, bounds, subannual, subannual_kind)
    h = clean_history(history)
    if method == "bounded" and bounds is None:
        bounds = (0.0, 100.0)
    if bounds is not None:
        lo, hi = (float(bounds[0]), float(bounds[1]))
        if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
            raise ValueError(f"bounds must be two finite numbers lo < hi; got {bounds!r}")
        bounds = (lo, hi)
        outside = h[(h < lo) | (h > hi)]
        if len(outside):
            raise ValueError(
                f"history values outside bounds {bounds}: {outside.to_dict()}"
            )
    if len(h) < 2:
        return FittedModel(method, h, "insufficient data", "", bounds,
                           notes=["fewer than 2 observed years"])
    t = h.index.to_numpy(dtype=float)
    v = h.to_numpy(dtype=float)
    sc = _choose_scale(v, bounds)
    if method == "linear" and bounds is None:
        sc = _Scale("raw")  # a linear trend in the series' own units
    z = sc.forward(v)
    inc = _increments(t, z)
    label = method
    notes: list[str] = []
    stats: dict[str, float] = {}
    comps: list[_Component]
    ets_res = None
    if method == "bounded":
        method = "auto"
        label = "bounded"
    if method == "ets":
        reason = None
        if len(h) < ETS_MIN_POINTS:
            reason = f"fewer than {ETS_MIN_POINTS} points"
        elif np.any(inc.gap != 1):
            reason = "gaps in years"
        if reason is None:
            ets_res, why = _ets_fit(z)
            if ets_res is None:
                reason = why
        if reason is not None:
            notes.append(f"ets fell back to rw_drift: {reason}")
            label = "ets->rw_drift"
            comps = [_walk_fit(inc)]
        else:
            comps = []
            p = ets_res.params
            names = list(ets_res.param_names)
            for key in ("smoothing_level", "smoothing_trend", "damping_trend"):
                if key in names:
                    stats[key] = float(p[names.index(key)])
    elif method == "cagr":
        d = float(np.sum(inc.dz) / inc.span)
        comps = [_Walk(1.0, d, 0.0, 0.0, math.inf, label="cagr")]
    elif method == "linear":
        comps = [_trend_fit(t, z, "linear")]
    elif method == "loglinear":
        if sc.kind == "raw":
            notes.append("loglinear needs positive values: fitted on raw values (linear)")
            label = "loglinear->linear"
        comps = [_trend_fit(t, z, "loglinear")]
    elif method == "rw_drift":
        comps = [_walk_fit(inc)]
    else:  # auto
        comps, rule, stats = _auto_components(inc)
        label = f"{label}:{rule}"
    return FittedModel(label, h, "ok", sc.kind, bounds, comps, notes, stats, ets_res, sc)


def _ets_fit(z: np.ndarray) -> tuple[Any, str]:
    """Damped additive-trend ETS on the model scale; (None, reason) if it cannot be fitted."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            res = ETSModel(
                np.asarray(z, dtype=float), error="add", trend="add", damped_trend=True
            ).fit(disp=False)
        except Exception as exc:  # statsmodels raises several types on degenerate input
            return None, f"fit failed ({type(exc).__name__})"
    if not np.all(np.isfinite(np.asarray(res.params, dtype=float))):
        return None, "fit failed (non-finite parameters)"
    return res, ""


# --------------------------------------------------------------------------------------------
# projection
# --------------------------------------------------------------------------------------------


_STAT_LABELS = {
    "drift_weight": "Drift weight (CV)",
    "ses_alpha": "Smoothing alpha",
    "smoothing_level": "ETS alpha (level)",
    "smoothing_trend": "ETS beta (trend)",
    "damping_trend": "ETS phi (damping)",
}


class Projection:
    """Simulated paths of one series to a target year, with the observed history.

    Use :meth:`prob_reach`, :meth:`quantiles`, :meth:`median`, :meth:`interval` and
    :meth:`values` for one year (observed years answer from the observation), and
    :attr:`paths` for derived quantities on the same draws.
    """

    def __init__(
        self,
        model: FittedModel,
        to_year: int,
        years: np.ndarray,
        draws: np.ndarray,
        n_sims: int,
        seed: Any,
        adjustments: dict[str, Any],
    ) -> None:
        self.model = model
        self.to_year = int(to_year)
        self.n_sims = int(n_sims)
        self.seed = seed
        self.adjustments = adjustments
        self._years = years.astype(int)
        self._draws = draws
        self._paths: pd.DataFrame | None = None

    # -- attributes ---------------------------------------------------------------------------

    @property
    def method(self) -> str:
        """The method actually used (e.g. ``"auto:theta"``, ``"ets->rw_drift"``)."""
        return self.model.method

    @property
    def status(self) -> str:
        """``"ok"`` or ``"insufficient data"``."""
        return self.model.status

    @property
    def history(self) -> pd.Series:
        """The cleaned history the projection starts from."""
        return self.model.history

    @property
    def nowcast(self) -> Any:
        """The in-year nowcast of the first projected year (None without sub-annual figures)."""
        nc = self.model.nowcast
        return nc if nc is not None and len(self._years) and nc.year == self._years[0] else None

    @property
    def years(self) -> np.ndarray:
        """Projected years (last observed + 1 … to_year)."""
        return self._years.copy()

    @property
    def paths(self) -> pd.DataFrame:
        """Draws as a DataFrame: index = projected years, columns = draws 0..n_sims-1."""
        if self._paths is None:
            self._paths = pd.DataFrame(
                self._draws,
                index=pd.Index(self._years, name="year"),
                columns=pd.RangeIndex(self._draws.shape[1], name="draw"),
                dtype="float64",
            )
        return self._paths

    # -- queries -----------------------------------------------------------------------------

    def _observed(self, year: int) -> float | None:
        h = self.model.history
        if year in h.index:
            return float(h.loc[year])
        return None

    def values(self, year: int) -> np.ndarray:
        """Draws for ``year`` (an observed year gives an array filled with the observation)."""
        year = int(year)
        obs = self._observed(year)
        if obs is not None:
            return np.full(self.n_sims, obs)
        idx = np.searchsorted(self._years, year)
        if idx < len(self._years) and self._years[idx] == year:
            return self._draws[idx]
        if self.status != "ok" and year > (self.model.last_year or -10**9):
            return np.full(self.n_sims, np.nan)
        raise ValueError(
            f"year {year} is neither observed nor projected "
            f"(history {self._span()}, projected to {self.to_year})"
        )

    def quantiles(self, year: int, qs: Sequence[float] | np.ndarray) -> np.ndarray:
        """Quantiles of the draws for ``year`` (nan with insufficient data)."""
        q = np.asarray(qs, dtype=float)
        if np.any((q < 0) | (q > 1)):
            raise ValueError("quantile levels must lie in [0, 1]")
        v = self.values(year)
        if np.isnan(v).all():
            return np.full(q.shape, np.nan)
        return np.quantile(v, q)

    def median(self, year: int) -> float:
        """Median of the draws for ``year``."""
        return float(self.quantiles(year, [0.5])[0])

    def interval(self, year: int, level: float = 0.8) -> tuple[float, float]:
        """Central interval holding ``level`` of the draws (0.8 → 10% and 90% quantiles)."""
        if not 0 < level < 1:
            raise ValueError("level must lie strictly between 0 and 1")
        lo, hi = self.quantiles(year, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def prob_reach(self, target: float, year: int, direction: Direction = "at_least") -> float:
        """Probability that the value in ``year`` is at least (or at most) ``target``.

        For an observed year the observation decides (1.0 or 0.0). A tiny relative tolerance
        (1e-9) lets a draw equal to the target count as reaching it.
        """
        if direction not in ("at_least", "at_most"):
            raise ValueError(f"direction must be 'at_least' or 'at_most'; got {direction!r}")
        v = self.values(year)
        if np.isnan(v).all():
            return math.nan
        tol = 1e-9 * max(abs(float(target)), 1e-300)
        if direction == "at_least":
            return float(np.mean(v >= target - tol))
        return float(np.mean(v <= target + tol))

    # -- text ---------------------------------------------------------------------------------

    def _span(self) -> str:
        h = self.model.history
        if len(h) == 0:
            return "empty"
        return f"{h.index[0]}–{h.index[-1]}"

    def __repr__(self) -> str:
        return (
            f"Projection(method={self.method!r}, status={self.status!r}, "
            f"history={self._span()} ({len(self.history)} points), to_year={self.to_year}, "
            f"n_sims={self.n_sims})"
        )

    def summary(self, qs: Sequence[float] = (0.1, 0.5, 0.9)) -> str:
        """Readable summary: method, data, estimates and quantiles per projected year."""
        m = self.model
        h = m.history
        width = 64
        lines = ["qcplan projection".center(width), "=" * width]

        def row(key: str, val: str) -> None:
            lines.append(f"{key + ':':<24}{val}")

        row("Method", self.method)
        row("Status", self.status)
        gaps = int(np.sum(np.diff(h.index.to_numpy()) > 1)) if len(h) > 1 else 0
        row("History", f"{self._span()}, {len(h)} points" + (f", {gaps} gap(s)" if gaps else ""))
        if len(h):
            row("Last observed", f"{h.index[-1]} = {h.iloc[-1]:.6g}")
        if m.status == "ok":
            row("Scale", m.scale + (f" within {m.bounds}" if m.bounds else ""))
            multi = len(m.components) > 1
            pad = "  " if multi else ""
            for c in m.components:
                if multi:
                    row(f"Component {c.label}", f"weight {c.weight:.3f}")
                dft = "normal" if not math.isfinite(c.df) else f"t, df {c.df:g}"
                if isinstance(c, _Walk):
                    drift = f"{c.drift:.5g} (se {c.drift_se:.3g})"
                    if m.scale == "log":
                        drift += f" = {100 * math.expm1(c.drift):+.2f}% a year"
                    row(pad + "Drift per year", drift)
                    if c.phi != 1.0:
                        row(pad + "Drift damping phi", f"{c.phi:g}")
                    row(pad + "Residual sd", f"{c.sigma:.4g} ({dft})")
                    if c.wander:
                        row(pad + "Drift change sd", f"{c.wander:.4g} a year")
                else:
                    row(pad + "Slope per year", f"{c.beta[1]:.5g} (se {c.chol[1][1]:.3g})")
                    row(pad + "Residual sd", f"{c.sigma:.4g} ({dft})")
            for k, val in m.stats.items():
                row(_STAT_LABELS.get(k, k), f"{val:.4g}")
        for note in m.notes:
            row("Note", note)
        if self.nowcast is not None:
            row("In-year basis", f"{self.nowcast.year}: {self.nowcast.basis('en')}")
        a = self.adjustments
        row("Draws", f"{self.n_sims}, seed {self.seed}")
        if a.get("shift") or a.get("shocks") or a.get("scale", 1.0) != 1.0:
            row("Adjustments", f"shift {a['shift']:+g}/yr, shocks {a['shocks']}, "
                f"scale {a['scale']:g}")
        lines.append("-" * width)
        if len(self._years) and m.status == "ok":
            head = "year" + "".join(f"{f'q{q:g}':>14}" for q in qs)
            lines.append(head)
            for i, y in enumerate(self._years):
                qv = np.quantile(self._draws[i], qs)
                lines.append(f"{y:<4}" + "".join(f"{x:>14.6g}" for x in qv))
        else:
            lines.append("no projected years")
        lines.append("=" * width)
        return "\n".join(lines)


def project(
    history: pd.Series | Mapping[int, float],
    to_year: int,
    method: str = "auto",
    seed: int | np.random.Generator | None = None,
    *,
    n_sims: int = 10_000,
    bounds: tuple[float, float] | None = None,
    shift: float = 0.0,
    shocks: Mapping[int, float] | None = None,
    scale: float = 1.0,
    subannual: pd.Series | None = None,
    subannual_kind: Literal["flow", "stock"] = "flow",
) -> Projection:
    """Project a yearly series to ``to_year`` as ``n_sims`` simulated paths.

    Parameters
    ----------
    history : pandas.Series
        Values indexed by integer year; gaps allowed, any order, NaN dropped. Fewer than two
        points give a projection with status ``"insufficient data"`` (answers are nan).
    to_year : int
        Last projected year.
    method : str
        ``"auto"`` (default; see :func:`fit`), ``"cagr"`` (extend the CAGR between the first
        and last point, no spread), ``"linear"`` (OLS trend with its predictive distribution),
        ``"loglinear"`` (OLS on logs; its intervals are too narrow when errors are
        autocorrelated, as yearly series' errors usually are), ``"rw_drift"`` (random walk
        with drift on logs, or raw values when a value is ≤ 0, with the drift's own
        uncertainty), ``"ets"`` (statsmodels damped additive-trend ETS; needs 8 points, else
        falls back to ``rw_drift``) or ``"bounded"`` (``auto`` on the logit scale of (0, 100)).
    seed : int, Generator or None
        Seed for the draws; the same seed gives the same draws.
    n_sims : int
        Number of draws.
    bounds : (float, float), optional
        Natural bounds; every method then works on the logit scale and stays inside them.
    shift, shocks, scale
        Scenario adjustments applied at simulation time; see :meth:`FittedModel.simulate`.
        In a year known in part they act on the part still to come.
    subannual : pandas.Series, optional
        Each sub-period's own value on a monthly or quarterly ``pd.PeriodIndex`` (not
        cumulative; see :mod:`qcplan.model.nowcast` for the published cumulative forms), for
        earlier years and the first k sub-periods of the current, incomplete year. That year
        becomes the first projected year, its draws conditioned on the figures so far (the
        usual share of the year so far, :mod:`qcplan.model.nowcast`); later years follow from
        each draw. Complete years after the last yearly figure count as yearly figures. Bad
        input raises :class:`qcplan.errors.ParameterError`.
    subannual_kind : "flow" or "stock"
        ``"flow"`` (default): the year's value is the sum of its sub-periods. ``"stock"``: each
        value is an end-of-period level and the year's value is the year-end level.

    Returns
    -------
    Projection
    """
    model = fit(history, method=method, bounds=bounds, subannual=subannual,
                subannual_kind=subannual_kind)
    return model.simulate(to_year, n_sims=n_sims, seed=seed, shift=shift, shocks=shocks,
                          scale=scale)
