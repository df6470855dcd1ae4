"""The draws a target is decided on: one series' draws over years (observed values where
observed), a kind's decision on them (:class:`Decision`), and the share of draws that meet a
threshold.

Shared by :mod:`qcplan.model.target` (which draws) and :mod:`qcplan.model.kinds` (which decides),
so that neither imports the other back.
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd


def seed_for(seed: int | None, *parts: str) -> int | None:
    """A seed of its own for each of ``parts`` (a target id, "benchmark"), from ``seed``.

    Parameters
    ----------
    seed : int or None
        The run's seed; None gives None (unseeded draws).
    *parts : str
        Words that make the stream distinct (a target id, ``"benchmark"``).

    Returns
    -------
    int or None
        A seed for ``numpy.random``.
    """
    if seed is None:
        return None
    words = [int(seed)] + [zlib.crc32(p.encode("utf-8")) for p in parts]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


@dataclass
class Draws:
    """The draws of one series over years: observed values where observed.

    ``floor`` (0 for amounts and counts) cuts draws that a raw-scale model takes below what the
    measure allows.
    """

    history: pd.Series
    projection: Any  # qcplan.model.projection.Projection or None
    floor: float | None = None

    def at(self, year: int, n: int) -> np.ndarray:
        if year in self.history.index:
            return np.full(n, float(self.history.loc[year]))
        if self.projection is None or year < int(self.history.index.max()):
            return np.full(n, np.nan)
        v = np.asarray(self.projection.values(year), dtype=float)
        return v if self.floor is None else np.maximum(v, self.floor)


class Decision(NamedTuple):
    """A kind's decision quantity on the draws, what it is compared with, and whether observed
    figures alone decide it."""

    stat: np.ndarray
    threshold: float
    complete: bool
    extra: dict[str, Any]
    bench_projection: Any = None


def share_meeting(stat: np.ndarray, thr: float, direction: str) -> float:
    """The share of finite draws that meet ``thr`` in ``direction`` (nan without any).

    Parameters
    ----------
    stat : numpy.ndarray
        The decision quantity, one value per draw.
    thr : float
        What it is compared with.
    direction : str
        ``at_least``, ``at_most``, ``above`` or ``below``.

    Returns
    -------
    float
        The share of the finite draws that meet ``thr``; nan when no draw is finite.
    """
    ok = np.isfinite(stat)
    if not ok.any():
        return math.nan
    # draws come back from log/logit scales: allow for rounding at the threshold itself
    tol = 1e-9 * max(1.0, abs(thr))
    if direction == "at_most":
        return float(np.mean(stat[ok] <= thr + tol))
    if direction == "below":
        return float(np.mean(stat[ok] < thr - tol))
    if direction == "above":
        return float(np.mean(stat[ok] > thr + tol))
    return float(np.mean(stat[ok] >= thr - tol))
