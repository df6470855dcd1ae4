"""The two baselines the in-year nowcast is judged against in ``bench/nowcast_backtest.py``
(the package's nowcast is :func:`qcplan.model.shares.share_model`): what analysts do by hand,
and the same rule with a Student-t spread. They are benchmark code, not part of the package.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from qcplan.model.shares import Predictive


def ytd_ratio_t(ytd: Sequence[float], totals: Sequence[float], ytd_now: float) -> Predictive:
    """Baseline: the year grows as the year so far did, with a Student-t spread.

    log(total) = log(last total) + log(ytd_now / last ytd) + mean error, where the errors are
    ``log(total_y / total_{y-1}) - log(ytd_y / ytd_{y-1})`` over the earlier years; the spread is
    their sd times ``sqrt(1 + 1/m)`` with ``df = m - 1`` (m errors; needs 3 earlier years).
    """
    y = np.log(np.asarray(ytd, dtype=float))
    a = np.log(np.asarray(totals, dtype=float))
    e = np.diff(a) - np.diff(y)
    m = len(e)
    if m < 2:
        raise ValueError("the YTD ratio model needs 3 earlier years")
    loc = a[-1] + math.log(ytd_now) - y[-1] + float(e.mean())
    return Predictive(loc, float(e.std(ddof=1)) * math.sqrt(1.0 + 1.0 / m), float(m - 1))


def ytd_rule(ytd_last: float, total_last: float, ytd_now: float) -> float:
    """Baseline (what analysts do by hand): the year's growth equals the growth so far."""
    return float(total_last) * float(ytd_now) / float(ytd_last)
