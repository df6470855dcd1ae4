"""A yearly history checked and normalised: the one shape every model of :mod:`qcplan.model` fits.

``clean_history`` is shared by the yearly fit (:mod:`qcplan.model.project`) and the in-year
nowcast (:mod:`qcplan.model.nowcast`); it sits in a module of its own so that neither of them
imports the other for it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd


def clean_history(history: pd.Series | Mapping[int, float]) -> pd.Series:
    """Validate and normalise a history: integer years, numeric values, sorted, NaN dropped."""
    s = history if isinstance(history, pd.Series) else pd.Series(history, dtype=object)
    idx = pd.Index(s.index)
    years: list[int] = []
    for y in idx:
        if isinstance(y, bool | np.bool_):
            raise ValueError(f"year index must hold integers; got {y!r}")
        if isinstance(y, int | np.integer):
            years.append(int(y))
        elif isinstance(y, pd.Period) and y.freqstr.startswith("Y"):
            years.append(int(y.year))
        elif isinstance(y, float | np.floating) and math.isfinite(y) and float(y).is_integer():
            years.append(int(y))
        else:
            raise ValueError(f"year index must hold integers; got {y!r}")
    dup = sorted({y for y in years if years.count(y) > 1})
    if dup:
        raise ValueError(f"duplicate year(s) in history: {dup}")
    values: list[float] = []
    for y, v in zip(years, s.to_numpy(dtype=object), strict=True):
        if v is None or (isinstance(v, float | np.floating) and math.isnan(v)):
            values.append(math.nan)
            continue
        numeric = isinstance(v, int | float | np.integer | np.floating)
        if isinstance(v, bool | np.bool_) or not numeric:
            raise ValueError(f"history value for {y} is not numeric: {v!r}")
        fv = float(v)
        if math.isinf(fv):
            raise ValueError(f"history value for {y} is infinite")
        values.append(fv)
    out = pd.Series(values, index=pd.Index(years, dtype="int64"), dtype="float64", name=s.name)
    out.index.name = "year"
    return out.dropna().sort_index()
