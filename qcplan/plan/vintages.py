"""Vintages of observations: which figure of a key is current at a date, and where illustrative
figures fill in.

``observations.csv`` keeps every vintage of every real figure (a revision is a new row with a
later ``received`` date); ``illustrative.csv`` holds the generated histories. The figures a run
uses are resolved here:

1. only figures received on or before ``as_of`` (when given) count; a blank ``received`` counts as
   the end of the figure's period (:func:`default_received`);
2. of the real figures (status official, preliminary, estimate, derived) of one key
   (indicator, geography, year, period, measure), the one received last is current (on the same
   day, the later row of the file);
3. an illustrative figure is used only where no real figure of the same key is current.
"""

from __future__ import annotations

import calendar
import datetime as _dt

import pandas as pd

from qcplan.plan.schema import OBSERVATION_KEY, PERIOD_MONTHS

# Columns added to the typed observation frames (besides the schema's columns and row_ref).
#   assumed_received  True where `received` was blank and the end of the period was assumed
#   illustrative_file True for rows of illustrative.csv (False for observations.csv)
#   seq               the row's position in its file (ties on the same received date)


def default_received(year: int, period: str) -> str:
    """The end of the period as YYYY-MM-DD: when a figure without a received date counts as known.
    """
    month = PERIOD_MONTHS.get(period, 12)
    return _dt.date(int(year), month, calendar.monthrange(int(year), month)[1]).isoformat()


def resolve_measure(period: str, measure: str, indicator_measure: str) -> str:
    """The documented default of a blank ``measure``: ``period`` for a whole year; for a
    sub-annual figure ``ytd``, or ``ytd_growth`` on an indicator whose measure is growth."""
    if measure:
        return measure
    if not period:
        return "period"
    return "ytd_growth" if indicator_measure == "growth" else "ytd"


def resolve(vintages: pd.DataFrame, illustrative: pd.DataFrame,
            as_of: _dt.date | str | None = None) -> pd.DataFrame:
    """The figures in use: current vintage of each real key, illustrative where no real one.

    Both frames are typed observation frames with ``measure`` and ``received`` already resolved.
    """
    cut = None if as_of is None else str(as_of)[:10]
    frames = []
    for frame in (vintages, illustrative):
        if cut is not None and len(frame):
            frame = frame[frame["received"] <= cut]
        frames.append(frame)
    held, generated = frames
    real = held[held["status"] != "illustrative"]
    legacy = held[held["status"] == "illustrative"]
    key = list(OBSERVATION_KEY)
    current = (real.sort_values(["received", "seq"], kind="stable")
               .drop_duplicates(key, keep="last"))
    fill = pd.concat([legacy, generated], ignore_index=True) if len(generated) else legacy
    fill = fill.drop_duplicates(key, keep="first")
    if len(current) and len(fill):
        have = pd.MultiIndex.from_frame(current[key])
        fill = fill[~pd.MultiIndex.from_frame(fill[key]).isin(have)]
    if len(generated) == 0:  # a plan folder of one file: its own order
        return pd.concat([current, fill]).sort_values("seq", kind="stable").reset_index(drop=True)
    out = pd.concat([current, fill], ignore_index=True)
    return sort_observations(out).reset_index(drop=True)


def sort_observations(frame: pd.DataFrame) -> pd.DataFrame:
    """Sorted by indicator, geography, year, period (the whole year first), measure: the order of
    the files the build script writes."""
    return frame.sort_values(["indicator_id", "geography", "year", "period", "measure"],
                             kind="stable")
