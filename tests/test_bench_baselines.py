"""The nowcast backtest's baselines (bench/nowcast_baselines.py), checked by hand."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from nowcast_baselines import ytd_ratio_t, ytd_rule  # noqa: E402


def test_baselines_by_hand() -> None:
    ytd = np.array([30.0, 33, 35, 38])
    tot = np.array([100.0, 108, 118, 125])
    assert ytd_rule(38.0, 125.0, 41.8) == pytest.approx(125 * 1.1)
    e = np.diff(np.log(tot)) - np.diff(np.log(ytd))
    pred = ytd_ratio_t(ytd, tot, 41.8)
    assert pred.loc == pytest.approx(math.log(125 * 41.8 / 38) + e.mean())
    assert pred.scale == pytest.approx(e.std(ddof=1) * math.sqrt(1 + 1 / 3))
    assert pred.df == 2
