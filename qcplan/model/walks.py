"""The closed-form components of a yearly model, fitted on the increments of the model scale:
the random walk with drift (:class:`Walk`), the deterministic trends (:class:`Trend`), and the
``auto`` rule (:func:`auto_components`): a smoothed level, a drift weighted by cross-validation
and a slow wander, the Theta method's ingredients in closed form (see bench/README.md).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Walk:
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
class Trend:
    """Deterministic linear trend in time with OLS parameter and predictive uncertainty."""

    weight: float
    beta: tuple[float, float]  # intercept at t0, slope
    chol: tuple[tuple[float, float], tuple[float, float]]  # Cholesky factor of cov(beta)
    sigma: float
    df: float
    t0: float
    label: str = "linear"


Component = Walk | Trend


@dataclass(frozen=True)
class Increments:
    """Yearly increments of a series on the model scale, allowing gaps between years."""

    dz: np.ndarray  # change between consecutive observations
    gap: np.ndarray  # years between them
    span: float  # last year - first year

    @property
    def m(self) -> int:
        return len(self.dz)


def increments(t: np.ndarray, z: np.ndarray) -> Increments:
    return Increments(np.diff(z), np.diff(t).astype(float), float(t[-1] - t[0]))


def walk_fit(inc: Increments, label: str = "rw_drift") -> Walk:
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
    return Walk(1.0, d, sigma / math.sqrt(inc.span), sigma, df, label=label)


def trend_fit(t: np.ndarray, z: np.ndarray, label: str) -> Trend:
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
    return Trend(1.0, (a, b), chol, sigma, df, t0, label=label)


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


def _trimmed_drift(inc: Increments) -> float:
    """Drift per year with the largest and smallest yearly change left out (≥ 4 increments).

    Yearly rates over gaps are ``dz / gap``; the remaining increments are pooled as
    sum(dz) / sum(gap), so without trimming this is (last - first) / span.
    """
    if inc.m < AUTO_MIN_CHANGES:
        return float(np.sum(inc.dz) / inc.span)
    order = np.argsort(inc.dz / inc.gap, kind="stable")
    keep = order[1:-1]
    return float(np.sum(inc.dz[keep]) / np.sum(inc.gap[keep]))


def _ses_level(inc: Increments) -> tuple[float, float]:
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


def _drift_weight(inc: Increments) -> float:
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
        past = Increments(inc.dz[:j], inc.gap[:j], float(np.sum(inc.gap[:j])))
        err = inc.dz[j] - ks * _trimmed_drift(past) * inc.gap[j]
        sq += err**2 / inc.gap[j]
    if np.any(sq <= 0.0):  # a forecast without error takes all the weight
        inv = (sq <= 0.0).astype(float)
    else:
        inv = 1.0 / sq
    return float(np.dot(inv, ks) / np.sum(inv))


def _ses_drift_errors(inc: Increments, alpha: float, drift: float) -> np.ndarray:
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


def auto_components(inc: Increments) -> tuple[list[Component], str, dict[str, float]]:
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
    ref = walk_fit(inc)
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
    comp = Walk(1.0, drift, weight * ref.drift_se, sigma, df,
                 wander=sigma * math.sqrt(AUTO_WANDER), alpha=alpha, offset=offset,
                 label="theta")
    return [comp], "theta", {"drift_weight": weight, "ses_alpha": alpha}


