"""The scales a model works on: logs when every value is positive, raw values otherwise, and the
logit of the position inside ``bounds`` (shares). :class:`Scale` maps values to the model scale and
back, and turns a change in percent (or points) into a step on it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

#: Share of the bounded range kept clear of each bound before taking the logit
#: (0.5 and 99.5 for bounds (0, 100)).
LOGIT_CLIP = 0.005
#: Guard against overflow when draws on the log scale are exponentiated.
LOG_LIMIT = 700.0


@dataclass(frozen=True)
class Scale:
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
            return np.exp(np.clip(z, -LOG_LIMIT, LOG_LIMIT))
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


def choose_scale(values: np.ndarray, bounds: tuple[float, float] | None) -> Scale:
    if bounds is not None:
        return Scale("logit", bounds)
    if np.all(values > 0):
        return Scale("log")
    return Scale("raw")


