"""Coverage of short series' 80 % intervals: the trend alone against the partial pooling the
assessment uses (:mod:`qcplan.model.pooling`), leave-one-plan-out on the track record.

Every series of the track record (``series.csv``) of a pooled measure (share, rate, amount,
count) with at least three figures is cut to its first two and to its first three figures and
asked about a later figure: the next one, and the series' last (several years on). Two 80 %
intervals are scored against that figure:

- trend: ``qcplan.project`` (``auto``) on the short series, shares bounded to [0, 100], as the
  assessment does without the outside view;
- pooled: :func:`qcplan.model.pooling.pooled_fit` on the pool the assessment would build
  (:func:`qcplan.model.pooling.pool_for`) from the track record's series of the same measure
  and unit with the figures known when the short series' last figure was (``known``), **leaving
  out every series of the short series' own geography** (its plan's series never in its pool).
  Cases whose pool is too small keep the trend's interval in the assessment and are counted
  apart.

Printed: per horizon, cases, coverage of the 80 % interval and its median width (in the
series' units), trend and pooled, and the same for shares alone; whether every pooled share
interval stays inside [0, 100]. Run of 2026-12 in ``bench/README.md`` and docs/METHOD.md §2b.
About 6 seconds.
"""

from __future__ import annotations

import datetime as _dt
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qcplan  # noqa: E402
from qcplan.model import pooling  # noqa: E402
from qcplan.model.outside_view import load_series  # noqa: E402

N_SIMS = 4000
LEVEL = 0.8
LATER = _dt.date(9999, 12, 31)


def cases(known_then: bool = True) -> list[dict]:
    """One case per (series, cut length, horizon) with its trend and pooled interval; the pool
    holds the figures known when the short series' last figure was (``known_then``, as the
    assessment builds it) or all figures of the other geographies' series (more cases, but
    the pool then holds figures of later years)."""
    s = load_series()
    s = s[s["measure"].isin(pooling.POOLED_MEASURES)].copy()
    s["known_date"] = pd.to_datetime(s["known"], errors="coerce").dt.date
    s = s.sort_values(["year", "known_date"]).drop_duplicates(
        ["geography", "indicator_id", "unit", "year"], keep="last")
    out = []
    for (geo, ind, unit, measure), g in s.groupby(["geography", "indicator_id", "unit",
                                                   "measure"]):
        g = g.set_index("year").sort_index()
        v = g["value"]
        if len(v) < 3:
            continue
        bounds = (0.0, 100.0) if measure == "share" else None
        for n in (2, 3):
            if len(v) <= n:
                continue
            h = v.iloc[:n]
            as_of: _dt.date = max(g["known_date"].iloc[:n]) if known_then else LATER
            pool, n_series = pooling.pool_for(measure, unit, as_of, (ind, geo),
                                              exclude_geographies=[geo], own_history=h)
            fit = pooling.pooled_fit(h, pool, pooling.scale_for(measure), n_series) \
                if pool is not None else None
            for horizon, i in (("next", n), ("last", len(v) - 1)):
                year, actual = int(v.index[i]), float(v.iloc[i])
                p = qcplan.project(h, to_year=year, n_sims=N_SIMS, seed=0, bounds=bounds)
                t_lo, t_hi = p.interval(year, LEVEL)
                row = dict(series=f"{geo}/{ind}", measure=measure, unit=unit, n=n,
                           horizon=horizon, years_on=year - int(h.index[-1]), actual=actual,
                           t_lo=t_lo, t_hi=t_hi, pooled=fit is not None, n_pool=n_series)
                if fit is not None:
                    q = fit.simulate(year, n_sims=N_SIMS, seed=0)
                    row["p_lo"], row["p_hi"] = q.interval(year, LEVEL)
                out.append(row)
    return out


def summary(df: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for label, sub in (("all", df), ("shares", df[df["measure"] == "share"])):
        for horizon in ("next", "last"):
            d = sub[(sub["horizon"] == horizon) & sub["pooled"]]
            if d.empty:
                continue
            t_in = (d["t_lo"] <= d["actual"]) & (d["actual"] <= d["t_hi"])
            p_in = (d["p_lo"] <= d["actual"]) & (d["actual"] <= d["p_hi"])
            rows.append({
                "cases": label, "figure": "next year's" if horizon == "next" else
                f"last (median {d['years_on'].median():.0f} years on)", "n": len(d),
                "series": d["series"].nunique(),
                "trend_cover": t_in.mean(), "trend_width": (d["t_hi"] - d["t_lo"]).median(),
                "pooled_cover": p_in.mean(), "pooled_width": (d["p_hi"] - d["p_lo"]).median(),
            })
    return pd.DataFrame(rows)


def main() -> int:
    warnings.filterwarnings("ignore")
    t0 = time.perf_counter()
    for known_then in (True, False):
        print("pool: the figures known then (as the assessment builds it)" if known_then else
              "pool: every figure of the other geographies' series (later years too)")
        report(pd.DataFrame(cases(known_then)))
    print(f"time: {time.perf_counter() - t0:.1f} s")
    return 0


def report(df: pd.DataFrame) -> None:
    res = summary(df)
    kept = df[~df["pooled"]]
    print(f"short-series cases: {len(df)} ({df['series'].nunique()} series); with a pool big "
          f"enough: {int(df['pooled'].sum())}; pool too small (trend kept): {len(kept)}")
    print(f"pool sizes (series): median {df.loc[df['pooled'], 'n_pool'].median():.0f}, "
          f"range {df.loc[df['pooled'], 'n_pool'].min()}–{df.loc[df['pooled'], 'n_pool'].max()}")
    print(f"{'cases':<7} {'figure':<26} {'n':>3} {'series':>6} {'trend cover/width':>19} "
          f"{'pooled cover/width':>19}")
    for r in res.itertuples():
        print(f"{r.cases:<7} {r.figure:<26} {r.n:>3} {r.series:>6} "
              f"{r.trend_cover:>8.2f} / {r.trend_width:<8.2f} {r.pooled_cover:>8.2f} / "
              f"{r.pooled_width:<8.2f}")
    shares = df[(df["measure"] == "share") & df["pooled"]]
    inside = bool(((shares["p_lo"] >= 0) & (shares["p_hi"] <= 100)).all())
    print(f"every pooled share interval inside [0, 100]: {inside}")


if __name__ == "__main__":
    raise SystemExit(main())
