"""The usual share of the year so far: the Student-t predictive of a year's total.

:func:`share_model` predicts log(total) of the current year from the shares of the same first
k sub-periods in up to :data:`MAX_YEARS` earlier years' totals, recency-weighted
(:data:`DISCOUNT`); :class:`Predictive` is the distribution it returns, which
:class:`qcplan.model.nowcast.Nowcast` draws from. Why each ingredient is there is measured in
``bench/nowcast_backtest.py`` (see bench/README.md).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DISCOUNT", "MAX_YEARS", "MIN_YEARS", "Predictive", "recency_weights", "share_model",
           "weighted_mean_sd"]

#: Earlier years used for the usual share (the most recent ones).
MAX_YEARS = 8
#: Weight of a year's share relative to the year after it: recent years count more, since
#: seasonal patterns drift (a year three years back counts about half as much as the last one).
#: 1.0 gives the plain mean of the reference model. See bench/README.md for the sensitivity.
DISCOUNT = 0.8
#: Fewest earlier years with the same sub-periods for the share model (the spread needs two).
MIN_YEARS = 2


@dataclass(frozen=True)
class Predictive:
    """A Student-t predictive ``loc + scale * t(df)``, optionally cut from below at ``floor``."""

    loc: float
    scale: float
    df: float
    floor: float = -math.inf

    def sf(self, x: np.ndarray | float) -> np.ndarray:
        """P(value >= x)."""
        x = np.asarray(x, dtype=float)
        if self.scale <= 0:
            return (max(self.loc, self.floor) >= x).astype(float)
        from scipy import stats  # imported here: 0.5 s that a report's kernel does not need

        p = stats.t.sf((x - self.loc) / self.scale, self.df)
        return np.where(x <= self.floor, 1.0, p)

    def ppf(self, u: np.ndarray | float, spread: float = 1.0) -> np.ndarray:
        """Quantiles at levels ``u``; ``spread`` multiplies the scale (scenario ``scale``)."""
        u = np.asarray(u, dtype=float)
        from scipy import stats

        q = self.loc + spread * self.scale * stats.t.ppf(u, self.df)
        return np.maximum(q, self.floor)


def recency_weights(n: int, discount: float) -> np.ndarray:
    w = discount ** np.arange(n - 1, -1, -1, dtype=float)
    return w / w.sum()


def weighted_mean_sd(x: np.ndarray, discount: float) -> tuple[float, float]:
    """Recency-weighted mean of ``x`` (oldest first) and the predictive sd of a new value.

    The sd is the unbiased weighted sd around that mean, ``sum(w (x - m)**2) / (1 - sum(w**2))``
    (the sample variance when the weights are equal), times ``sqrt(1 + sum(w**2))`` for the
    uncertainty of the mean (``sqrt(1 + 1/n)`` with equal weights).
    """
    w = recency_weights(len(x), discount)
    m = float(np.sum(w * x))
    w2 = float(np.sum(w**2))
    var = float(np.sum(w * (x - m) ** 2)) / (1.0 - w2)
    return m, math.sqrt(var * (1.0 + w2))


def share_model(ytd: Sequence[float], totals: Sequence[float], ytd_now: float,
                discount: float = DISCOUNT, inflate: bool = True) -> Predictive:
    """The usual share of the year so far: predictive of log(total) this year.

    ``ytd`` and ``totals`` are the earlier years' year-to-date sums over the same sub-periods
    and their totals (oldest first, all positive); ``ytd_now`` this year's. With n earlier
    years: ``log s`` has the recency-weighted mean m of ``log(ytd / totals)`` (weights
    ``discount ** age``; 1.0 gives the plain mean) and the weighted sd s of those log shares
    around m (the sample sd with equal weights); the prediction is ``log(ytd_now) - m`` with
    Student-t spread ``s * sqrt(1 + sum(w**2))`` (the sampling variance of a weighted mean of n
    independent shares; ``1 + 1/n`` for equal weights) and ``df = n - 1``. The total cannot
    fall below ``ytd_now`` (floor).
    """
    y = np.asarray(ytd, dtype=float)
    a = np.asarray(totals, dtype=float)
    n = len(y)
    if n < MIN_YEARS:
        raise ValueError(f"the share model needs {MIN_YEARS} earlier years; got {n}")
    ls = np.log(y / a)
    m, sd = weighted_mean_sd(ls, discount)
    if not inflate:
        sd /= math.sqrt(1.0 + float(np.sum(recency_weights(n, discount) ** 2)))
    base = math.log(ytd_now)
    return Predictive(base - m, sd, float(n - 1), floor=base)
