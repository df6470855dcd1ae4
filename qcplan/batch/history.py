"""Each target's course across runs: ``OUT/history.csv``, kept beside the run folders.

Every successful run (status ok) appends one row per target × scenario of its ``summary.csv``
(:data:`HISTORY_COLUMNS`: run id and date, as-of date, data vintage, plan, scenario, pillar,
target, P(reach) combined and trend-only where the assessment has the outside view, status,
latest figure and its year). Retention (``--keep``) deletes run folders, never this file, so the
course of a target outlives the runs that made it.

Why a CSV and not an embedded database: an office opens it in a spreadsheet as it opens
``summary.csv`` (UTF-8 with a BOM, text neutralised against formulas, :func:`write_csv_safe`);
a monthly run adds a few hundred rows, so rewriting the whole file is cheap. Safety comes from
two things: the file is only ever replaced whole by a rename (:func:`qcplan.files.write_atomic`:
a reader sees the old file or the new one), and every read-append-rewrite happens under a lock
file ``OUT/.history.lock`` (:mod:`filelock`), so two runs finishing at once leave a history with
both. A run appended twice (the same run id) is replaced, not doubled.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qcplan.errors import DataError, ParameterError, Problem
from qcplan.files import write_csv_safe
from qcplan.render.course import arrow_of

__all__ = ["HISTORY_COLUMNS", "append_history", "arrow_of", "course", "read_history"]

HISTORY_FILE = "history.csv"
LOCK_FILE = ".history.lock"
#: Seconds a run waits for another run's lock on the history before giving up (logged).
LOCK_TIMEOUT = 60.0
HISTORY_COLUMNS = (
    "run_id", "run_date", "as_of", "data_vintage", "plan_id", "scenario", "pillar", "target_id",
    "prob_reach", "prob_reach_trend", "status", "latest_value", "latest_year",
)
_NUMERIC = ("prob_reach", "prob_reach_trend", "latest_value")


def history_path(out: str | os.PathLike[str]) -> Path:
    return Path(out) / HISTORY_FILE


def vintage_text(vintage: Mapping[str, Any] | Any) -> str:
    """The data vintage as one short cell: the latest official (or preliminary) year and the
    latest year of any figure, e.g. ``official 2025; data 2026``."""
    if not isinstance(vintage, Mapping) or "error" in vintage:
        return ""
    parts = []
    official = vintage.get("latest_official_year")
    if official is not None:
        parts.append(f"official {official}")
    if vintage.get("latest_year") is not None:
        parts.append(f"data {vintage['latest_year']}")
    return "; ".join(parts)


def history_rows(summary: pd.DataFrame, run_id: str, run_date: str, as_of: str,
                 data_vintage: str, plan_id: str) -> pd.DataFrame:
    """The rows a run adds: one per target × scenario of its summary table.

    ``prob_reach`` always; ``prob_reach_trend`` (the trend-only P) when the summary has that
    column, blank otherwise."""
    n = len(summary)

    def col(name: str) -> Any:
        return summary[name].to_numpy() if name in summary.columns else [""] * n

    rows = pd.DataFrame({
        "run_id": [run_id] * n, "run_date": [run_date] * n, "as_of": [as_of] * n,
        "data_vintage": [data_vintage] * n,
        "plan_id": summary["plan_id"].astype(str).to_numpy() if "plan_id" in summary.columns
        else [plan_id] * n,
        "scenario": col("scenario"), "pillar": col("pillar"), "target_id": col("target_id"),
        "prob_reach": col("prob_reach"), "prob_reach_trend": col("prob_reach_trend"),
        "status": col("status"), "latest_value": col("latest_value"),
        "latest_year": col("latest_year"),
    })
    for c in ("prob_reach", "prob_reach_trend"):
        rows[c] = pd.to_numeric(rows[c], errors="coerce").round(4)
    return rows[list(HISTORY_COLUMNS)]


def read_history(out: str | os.PathLike[str] | Path, *, path: Path | None = None) -> pd.DataFrame:
    """The history of ``out`` (empty, with :data:`HISTORY_COLUMNS`, when there is none yet).

    A file that is not a history (a missing column, a P(reach) that is not a probability) is a
    :class:`~qcplan.errors.DataError` naming the file, the line and the column."""
    path = path or history_path(out)
    if not path.is_file():
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as e:
        raise DataError([Problem(str(path), "", "", None,
                                 f"a CSV file in UTF-8 as qcplan writes it ({e})")]) from None
    missing = [c for c in ("run_id", "scenario", "target_id", "prob_reach", "status")
               if c not in df.columns]
    if missing:
        raise DataError([Problem(str(path), "line 1", c, None, "this column of the history "
                                 "(" + ", ".join(HISTORY_COLUMNS) + ")") for c in missing])
    for c in HISTORY_COLUMNS:
        if c not in df.columns:  # a history written before the column existed
            df[c] = ""
    problems = []
    for c in _NUMERIC:
        values = pd.to_numeric(df[c].replace("", math.nan), errors="coerce")
        bad = values.isna() & (df[c] != "")
        if c != "latest_value":
            bad |= (values < 0) | (values > 1)
        for i in list(df.index[bad])[:5]:
            problems.append(Problem(str(path), f"line {i + 2}", c, df.at[i, c],
                                    "a number" + (" from 0 to 1" if c != "latest_value" else "")
                                    + " or an empty cell"))
        df[c] = values
    if problems:
        raise DataError(problems)
    return df[list(HISTORY_COLUMNS) + [c for c in df.columns if c not in HISTORY_COLUMNS]]


def append_history(out: str | os.PathLike[str], rows: pd.DataFrame,
                   lock_timeout: float = LOCK_TIMEOUT) -> Path:
    """Add ``rows`` (:func:`history_rows`) to ``out/history.csv`` under the history's lock;
    rows of the same run id already there are replaced. Raises ``filelock.Timeout`` when
    another process holds the lock longer than ``lock_timeout`` seconds, and ``DataError`` when
    the file there is not a history (it is then left as it was)."""
    from filelock import FileLock

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    with FileLock(str(out / LOCK_FILE), timeout=lock_timeout):
        old = read_history(out)
        run_ids = set(rows["run_id"].astype(str))
        old = old[~old["run_id"].astype(str).isin(run_ids)]
        frames = [f for f in (old, rows) if len(f)]
        both = (pd.concat(frames, ignore_index=True) if frames
                else pd.DataFrame(columns=list(HISTORY_COLUMNS)))
        both = both.sort_values(["run_date", "run_id"], kind="stable")
        return write_csv_safe(both, history_path(out))


def course(history: pd.DataFrame, target_ids: Sequence[str] | None = None,
           pillar: str | None = None, scenario: str | None = None) -> pd.DataFrame:
    """The rows of ``history`` for the targets / pillar / scenario asked, oldest run first."""
    h = history
    if target_ids:
        h = h[h["target_id"].astype(str).isin([str(t) for t in target_ids])]
    if pillar:
        h = h[h["pillar"].astype(str) == pillar]
    if scenario:
        h = h[h["scenario"].astype(str) == scenario]
    return h.sort_values(["plan_id", "scenario", "target_id", "run_date", "run_id"],
                         kind="stable").reset_index(drop=True)


def check_filters(history: pd.DataFrame, target_ids: Sequence[str] | None, pillar: str | None,
                  where: str) -> None:
    """A ParameterError for a target or pillar the history has never seen (with the known ones)."""
    if target_ids:
        known = sorted(set(history["target_id"].astype(str)))
        unknown = [t for t in target_ids if t not in known]
        if unknown:
            raise ParameterError("command line", "--target", ", ".join(unknown),
                                 f"a target id in {where} ("
                                 + (", ".join(known[:30]) + (" …" if len(known) > 30 else "")
                                    if known else "none yet: no successful run") + ")")
    if pillar:
        known = sorted(set(history["pillar"].astype(str)))
        if pillar not in known:
            raise ParameterError("command line", "--pillar", pillar, f"a pillar id in {where} ("
                                 + (", ".join(known) if known else "none yet") + ")")


def previous_points(history: pd.DataFrame, run_id: str | None = None) -> pd.DataFrame:
    """Each (plan, scenario, target)'s last row in ``history`` before run ``run_id`` (rows of
    that run itself left out): what a run's arrows compare with."""
    h = history
    if run_id is not None:
        h = h[h["run_id"].astype(str) != run_id]
    if h.empty:
        return h
    h = h.sort_values(["run_date", "run_id"], kind="stable")
    return h.drop_duplicates(["plan_id", "scenario", "target_id"], keep="last")


def format_course(h: pd.DataFrame) -> str:
    """The text ``qcplan history`` prints: per target × scenario, one line per run."""
    if h.empty:
        return "no history yet (no successful run in this folder)"
    lines = []
    for (plan_id, scenario, target), grp in h.groupby(["plan_id", "scenario", "target_id"],
                                                       sort=False):
        n = len(grp)
        pillar = str(grp["pillar"].iloc[-1])
        note = "one run only" if n == 1 else f"{n} runs"
        lines.append(f"{target} [{scenario}] ({pillar}, plan {plan_id}): {note}")
        prev = None
        for r in grp.itertuples(index=False):
            p = r.prob_reach
            shown = "  —" if p is None or (isinstance(p, float) and math.isnan(p)) \
                else f"{p:4.0%}"
            trend = r.prob_reach_trend
            trend_text = "" if trend is None or (isinstance(trend, float) and math.isnan(trend)) \
                else f" (trend only {trend:.0%})"
            arrow = "  "
            if prev is not None and not (math.isnan(prev) or math.isnan(p)):
                arrow = f" {arrow_of(prev, p)}"
            latest = ""
            if str(r.latest_year) not in ("", "nan"):
                v = r.latest_value
                latest = (f"; latest {v:g} ({r.latest_year})" if isinstance(v, float)
                          and not math.isnan(v) else f"; latest ({r.latest_year})")
            when = str(r.run_date)[:16].replace("T", " ")
            lines.append(f"  {when:16}  as of {str(r.as_of):10}  {r.run_id}  P(reach) {shown}"
                         f"{arrow}"
                         f"{trend_text}  {r.status}{latest}")
            prev = p
    return "\n".join(lines)
