"""In-year series: sub-period figures checked and laid out as years × sub-periods.

:func:`clean_subannual` takes the monthly or quarterly figures given to
``qcplan.project(subannual=)`` (a ``pd.Series`` on a ``PeriodIndex``), checks them (numbers,
no duplicate period, no gap) and returns a :class:`SubAnnual` grid; :func:`from_ytd_values` and
:func:`from_ytd_growth` turn the forms Chinese statistics publish (cumulative year-to-date
values, cumulative year-to-date growth rates) into each sub-period's own value. The nowcast
built on the grid is :mod:`qcplan.model.nowcast`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from qcplan.errors import ParameterError

__all__ = ["SOURCE", "Kind", "SubAnnual", "clean_subannual", "from_ytd_growth",
           "from_ytd_values", "sub_period"]

Kind = Literal["flow", "stock", "rate"]
SOURCE = "subannual"

@dataclass(frozen=True)
class SubAnnual:
    """Validated sub-period figures: one row per year from ``first``, ``periods`` columns (NaN
    where unknown)."""

    grid: np.ndarray
    first: int
    periods: int  # 12 (months) or 4 (quarters)
    kind: Kind

    @property
    def years(self) -> list[int]:
        return list(range(self.first, self.first + self.grid.shape[0]))

    @property
    def last_year(self) -> int:
        return self.first + self.grid.shape[0] - 1

    @property
    def table(self) -> pd.DataFrame:
        """The figures as a DataFrame (years × sub-periods 1..periods)."""
        return pd.DataFrame(self.grid, index=pd.Index(self.years, name="year"),
                            columns=range(1, self.periods + 1))

    def row(self, year: int) -> np.ndarray:
        return self.grid[int(year) - self.first]

    def known(self, year: int) -> int:
        """Sub-periods known in ``year`` (its first k; 0 if none)."""
        if not self.first <= year <= self.last_year:
            return 0
        return int(np.sum(~np.isnan(self.row(year))))

    def complete_years(self) -> list[int]:
        full = ~np.isnan(self.grid).any(axis=1)
        return [self.first + int(i) for i in np.flatnonzero(full)]

    def year_value(self, year: int) -> float:
        """A complete year's value: the sum (flow) or the last sub-period's value (stock)."""
        row = self.row(year)
        return float(row.sum()) if self.kind == "flow" else float(row[-1])

    def partial(self, year: int, k: int) -> float:
        """The first k sub-periods of ``year``: their sum (flow) or the k-th value (stock)."""
        row = self.row(year)[:k]
        return float(row.sum()) if self.kind == "flow" else float(row[-1])


def _freq_periods(index: pd.PeriodIndex) -> int | None:
    code = index.freqstr.upper()
    if code in ("M", "ME") or code.startswith("M"):
        return 12
    if code in ("Q", "Q-DEC", "QE", "QE-DEC"):
        return 4
    return None


def clean_subannual(sub: pd.Series, kind: Kind = "flow",
                    source: str = SOURCE) -> SubAnnual:
    """Validate a sub-annual series and lay it out as years × sub-periods.

    ``sub`` must be a ``pd.Series`` on a monthly or (calendar) quarterly ``pd.PeriodIndex``, with
    numeric finite values, no duplicate period and no gap between its first and last period (the
    first year may start late; its missing early periods make it unusable for the shares). Each
    value is the sub-period's own value (flows) or its end-of-period value (stocks).

    Raises
    ------
    ParameterError
        naming the period and what was expected.
    """
    if kind not in ("flow", "stock"):
        raise ParameterError(source, "kind", kind, "'flow' or 'stock'")
    if not isinstance(sub, pd.Series):
        raise ParameterError(source, "type", type(sub).__name__,
                             "a pandas Series on a monthly or quarterly PeriodIndex")
    idx = sub.index
    if isinstance(idx, pd.DatetimeIndex):
        raise ParameterError(source, "index", "DatetimeIndex",
                             "a PeriodIndex (convert with .to_period('M') or .to_period('Q'))")
    if not isinstance(idx, pd.PeriodIndex):
        raise ParameterError(source, "index", type(idx).__name__,
                             "a monthly or quarterly pandas PeriodIndex")
    periods = _freq_periods(idx)
    if periods is None:
        raise ParameterError(source, "index frequency", idx.freqstr,
                             "monthly ('M') or calendar-quarterly ('Q-DEC')")
    if len(sub) == 0:
        raise ParameterError(source, "values", "an empty series", "at least one sub-period")
    if idx.has_duplicates:
        dup = sorted({str(p) for p in idx[idx.duplicated()]})
        raise ParameterError(source, "period", dup[:5], "each period once")
    if sub.dtype.kind in "iuf":
        values = sub.to_numpy(dtype=float)
    else:
        values = np.empty(len(sub))
        for i, (p, v) in enumerate(zip(idx, sub.to_numpy(dtype=object), strict=True)):
            numeric = isinstance(v, int | float | np.integer | np.floating)
            if isinstance(v, bool | np.bool_) or not numeric:
                raise ParameterError(source, str(p), v, "a number")
            values[i] = float(v)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        raise ParameterError(source, str(idx[i]), values[i], "a finite number (no gaps: leave "
                             "a period out only after the last known one)")
    order = np.argsort(idx.asi8, kind="stable")
    pidx = idx[order]
    values = values[order]
    full = pd.period_range(pidx[0], pidx[-1], freq=pidx.freq)
    if len(full) != len(pidx):
        missing = [str(p) for p in full.difference(pidx)][:5]
        raise ParameterError(source, "period", missing,
                             "no gap between the first and the last sub-period")
    years = np.asarray(pidx.year, dtype=int)
    pos = np.asarray(pidx.month - 1 if periods == 12 else pidx.quarter - 1, dtype=int)
    first = int(years[0])
    grid = np.full((int(years[-1]) - first + 1, periods), np.nan)
    grid[years - first, pos] = values
    return SubAnnual(grid, first, periods, kind)


def sub_period(year: int, j: int, periods: int) -> pd.Period:
    """The j-th (0-based) sub-period of ``year``."""
    if periods == 12:
        return pd.Period(year=int(year), month=j + 1, freq="M")
    return pd.Period(year=int(year), quarter=j + 1, freq="Q")


def _period_index(years: Sequence[int], periods: int) -> pd.PeriodIndex:
    return pd.period_range(sub_period(int(years[0]), 0, periods), periods=len(years) * periods)


def from_ytd_values(ytd: pd.Series, source: str = SOURCE) -> pd.Series:
    """Cumulative year-to-date values (1—9月累计) → each sub-period's own value.

    The first sub-period of a year is its year-to-date value; each later one is the difference
    from the previous cumulative value of the same year, which must be known (a year may start
    at its first period only: a cumulative figure after a missing one cannot be split).
    """
    sa = clean_subannual(ytd, "stock", source)  # validation and layout; values are cumulative
    out = {}
    periods = sa.periods
    for y in sa.years:
        row = sa.row(y)
        k = int(np.sum(~np.isnan(row)))
        if k and np.isnan(row[0]):
            first = int(np.argmax(~np.isnan(row))) + 1
            raise ParameterError(source, f"{y} period {first}", row[first - 1],
                                 "the year's cumulative figures from its first sub-period on "
                                 "(a cumulative value after a missing one cannot be split)")
        own = np.diff(np.concatenate([[0.0], row[:k]]))
        for j, v in enumerate(own):
            out[(int(y), j)] = float(v)
    keys = sorted(out)
    index = pd.PeriodIndex([sub_period(y, j, periods) for y, j in keys])
    return pd.Series([out[k] for k in keys], index=index, name=ytd.name)


def from_ytd_growth(rates: pd.Series, earlier: pd.Series, source: str = SOURCE) -> pd.Series:
    """Cumulative year-to-date growth rates (1—9月累计增长, %) → each sub-period's own value.

    ``earlier`` holds sub-period values (not cumulative) of the years before; a year's
    year-to-date value is the same months' sum a year before times ``1 + rate/100``, and the
    sub-periods' own values are the differences of those cumulative values. Years are filled in
    order, so a rate for one year can rest on the previous year's values implied by its rates.
    Returns ``earlier`` with the implied periods added.
    """
    base = clean_subannual(earlier, "flow", source)
    r = clean_subannual(rates, "stock", source)
    if r.periods != base.periods:
        raise ParameterError(source, "index frequency", rates.index.freqstr,
                             f"the frequency of the earlier values ({earlier.index.freqstr})")
    table = base.table.copy()
    for y in r.table.index:
        row = r.table.loc[y].to_numpy(dtype=float)
        prev = y - 1
        if prev not in table.index:
            raise ParameterError(source, f"{y}", "no figures for the year before",
                                 f"sub-period values of {prev} to apply the growth rates to")
        if y not in table.index:
            table.loc[y] = np.nan
            table = table.sort_index()
        cum_prev = np.cumsum(table.loc[prev].to_numpy(dtype=float))
        k = int(np.sum(~np.isnan(row)))
        if k and np.isnan(row[0]):
            raise ParameterError(source, f"{y}", "a rate after a missing one",
                                 "the year's cumulative growth rates from its first sub-period on")
        if np.any(np.isnan(cum_prev[:k])):
            raise ParameterError(source, f"{y}", "incomplete figures for the year before",
                                 f"the first {k} sub-periods of {prev}")
        if np.any(row[:k] <= -100.0):
            raise ParameterError(source, f"{y}", row[:k].min(), "growth rates above -100%")
        cum = cum_prev[:k] * (1.0 + row[:k] / 100.0)
        own = np.diff(np.concatenate([[0.0], cum]))
        known = np.array(table.loc[y], dtype=float)
        known[:k] = own
        table.loc[y] = known
    years = list(table.index)
    idx = _period_index(years, base.periods)
    flat = table.to_numpy(dtype=float).ravel()
    out = pd.Series(flat, index=idx, name=earlier.name)
    return out[out.notna()]
