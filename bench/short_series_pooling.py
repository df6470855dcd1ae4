"""Coverage of short series' 80 % intervals: the trend alone against the partial pooling the
assessment uses (:mod:`qcplan.model.pooling`), leave-one-plan-out on the track record.

Every series of the track record (``series.csv``) of a pooled measure (share, rate, amount,
count) with at least three figures is cut to its first two and to its first three figures and
asked about a later figure: the next one, and the series' last (several years on). The 80 %
intervals scored against that figure:

- trend: ``qcplan.project`` (``auto``) on the short series, shares bounded to [0, 100], as the
  assessment does without the outside view;
- on the pool the assessment would build (:func:`qcplan.model.pooling.pool_for`) from the
  track record's series of the same measure and unit with the figures known when the short
  series' last figure was (``known``), **leaving out every series of the short series' own
  geography** (its plan's series never in its pool): the pooled walk alone (the method before
  it was calibrated), and three ways of making it honest, each calibrated on the pool's own cut
  series (never on these cases): (b) a factor on all its spread, (c) heavier tails (its
  degrees of freedom), and (a) the mixture the assessment ships
  (:func:`qcplan.model.pooling.pooled_fit`: a share of the paths from the pooled walk, the rest
  from the trend's). Where the pool's cut series are too few to calibrate, each takes its most
  cautious value (factor 4, 1 degree of freedom, share 0: the trend). Cases whose pool is too
  small keep the trend's interval in the assessment and are counted apart.

Printed: the calibrated share, factor and degrees of freedom; per horizon, cases, coverage of
the 80 % interval and its median width (in the series' units) of each, and the same for shares
alone; whether every pooled share
interval stays inside [0, 100]. Run of 2026-12 in ``bench/README.md`` and docs/METHOD.md §2b.
About 8 seconds.
"""

from __future__ import annotations

import datetime as _dt
import sys
import time
import warnings
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import t as student_t

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qcplan  # noqa: E402
from qcplan.model import pooling  # noqa: E402
from qcplan.model.outside_view import load_series  # noqa: E402

N_SIMS = 4000
LEVEL = 0.8
LATER = _dt.date(9999, 12, 31)


#: The alternatives to the mixture tried, calibrated on the pool's own cut series as the
#: mixture's share is: (b) a factor on all the pooled walk's spread (the smallest whose 80 %
#: intervals hold 80 %), (c) its degrees of freedom (the largest that does); where the pool
#: has too few cut figures to show it, the most cautious value (as the mixture's share 0).
SCALE_GRID = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0)
DF_GRID = (50.0, 20.0, 10.0, 5.0, 3.0, 2.0, 1.0)


def members_of(measure: str, unit: str, as_of: _dt.date, own: tuple[str, str],
               own_history: pd.Series) -> tuple[list[pd.Series], list[str]]:
    """The pool's series and their geographies, as :func:`pooling.pool_for` builds them here
    (no plan series, the short series' geography left out)."""
    keyed = [(k, v) for k, v in pooling.reference_series(measure, unit, as_of, [own], [own[1]])]
    return [v for _, v in keyed], [k.split("/", 1)[0] for k, _ in keyed]


def alternatives(members: list[pd.Series], groups: list[str], sc, pool) -> tuple[float, float]:
    """(b) the spread factor and (c) the degrees of freedom calibrated on the pool's cut
    series (closed-form intervals, as the wander's calibration)."""
    ratios, ns = [], 0
    changes = [pooling._changes(v, sc) for v in members]
    for h, others, years, actual in pooling._cut_cases(members, changes, sc, groups):
        post = pooling._posterior(h, replace(others, wander=pool.wander), sc)
        if post is None:
            continue
        drift, post_var, sigma2, _ = post
        z0 = float(sc.forward(np.array([float(h.iloc[-1])]))[0])
        for year, a in zip(years, actual, strict=True):
            k = float(year - h.index[-1])
            var = sigma2 * k + post_var * k**2 + \
                pool.wander * sigma2 * k * (k + 1) * (2 * k + 1) / 6.0
            ratios.append(abs(float(sc.forward(np.array([a]))[0]) - z0 - drift * k)
                          / np.sqrt(var))
            ns += 1
    if ns < pooling.MIN_CALIBRATION_CASES:
        return SCALE_GRID[-1], DF_GRID[-1]
    r = np.array(ratios)
    scale = next((c for c in SCALE_GRID if np.mean(r <= c * student_t.ppf(0.9, pool.nu0 + 1))
                  >= 0.8), SCALE_GRID[-1])
    df0 = next((d for d in DF_GRID if np.mean(r <= student_t.ppf(0.9, d)) >= 0.8), DF_GRID[-1])
    return scale, df0


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
            sc = pooling.scale_for(measure)
            fit = pooling.pooled_fit(h, pool, sc, n_series) if pool is not None else None
            walk = pooling.pooled_fit(h, pool, sc, n_series, trend=False) \
                if pool is not None else None
            if walk is not None:
                scale, df = alternatives(*members_of(measure, unit, as_of, (ind, geo), h), sc,
                                         pool)
                heavy = replace(walk, components=[replace(walk.components[0], df=df)])
            for horizon, i in (("next", n), ("last", len(v) - 1)):
                year, actual = int(v.index[i]), float(v.iloc[i])
                p = qcplan.project(h, to_year=year, n_sims=N_SIMS, seed=0, bounds=bounds)
                t_lo, t_hi = p.interval(year, LEVEL)
                row = dict(series=f"{geo}/{ind}", measure=measure, unit=unit, n=n,
                           horizon=horizon, years_on=year - int(h.index[-1]), actual=actual,
                           t_lo=t_lo, t_hi=t_hi, pooled=walk is not None, n_pool=n_series,
                           share=pool.weight if pool is not None else float("nan"))
                if walk is not None:
                    q = walk.simulate(year, n_sims=N_SIMS, seed=0)
                    row["w_lo"], row["w_hi"] = q.interval(year, LEVEL)
                    row["b_lo"], row["b_hi"] = walk.simulate(
                        year, n_sims=N_SIMS, seed=0, scale=scale).interval(year, LEVEL)
                    row["c_lo"], row["c_hi"] = heavy.simulate(
                        year, n_sims=N_SIMS, seed=0).interval(year, LEVEL)
                    row["scale"], row["df"] = scale, df
                    # the shipped fit: the mixture; None where its share is 0 (the trend kept)
                    row["p_lo"], row["p_hi"] = (t_lo, t_hi) if fit is None else \
                        fit.simulate(year, n_sims=N_SIMS, seed=0).interval(year, LEVEL)
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
            w_in = (d["w_lo"] <= d["actual"]) & (d["actual"] <= d["w_hi"])
            b_in = (d["b_lo"] <= d["actual"]) & (d["actual"] <= d["b_hi"])
            c_in = (d["c_lo"] <= d["actual"]) & (d["actual"] <= d["c_hi"])
            rows.append({
                "cases": label, "figure": "next year's" if horizon == "next" else
                f"last (median {d['years_on'].median():.0f} years on)", "n": len(d),
                "series": d["series"].nunique(),
                "trend_cover": t_in.mean(), "trend_width": (d["t_hi"] - d["t_lo"]).median(),
                "walk_cover": w_in.mean(), "walk_width": (d["w_hi"] - d["w_lo"]).median(),
                "scaled_cover": b_in.mean(), "scaled_width": (d["b_hi"] - d["b_lo"]).median(),
                "heavy_cover": c_in.mean(), "heavy_width": (d["c_hi"] - d["c_lo"]).median(),
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
    shares = df.loc[df["pooled"]].drop_duplicates(["series", "n"])["share"]
    print(f"share of the paths from the pooled walk (calibrated on each pool): median "
          f"{shares.median():.2f}, range {shares.min():.2f}–{shares.max():.2f}")
    once = df.loc[df["pooled"]].drop_duplicates(["series", "n"])
    print(f"(b) spread factor: median {once['scale'].median():.2f}, range "
          f"{once['scale'].min():.2f}–{once['scale'].max():.2f}; (c) degrees of freedom: median "
          f"{once['df'].median():.0f}, range {once['df'].min():.0f}–{once['df'].max():.0f}")
    print(f"{'cases':<7} {'figure':<26} {'n':>3} {'series':>6} {'trend':>15} {'walk alone':>15} "
          f"{'(b) spread':>15} {'(c) tails':>15} {'(a) mixture':>15}   (coverage / width)")
    for r in res.itertuples():
        cols = " ".join(f"{getattr(r, k + '_cover'):>6.2f} / {getattr(r, k + '_width'):<6.2f}"
                        for k in ("trend", "walk", "scaled", "heavy", "pooled"))
        print(f"{r.cases:<7} {r.figure:<26} {r.n:>3} {r.series:>6} {cols}")
    shares = df[(df["measure"] == "share") & df["pooled"]]
    inside = bool(((shares["p_lo"] >= 0) & (shares["p_hi"] <= 100)).all())
    print(f"every pooled share interval inside [0, 100]: {inside}")


if __name__ == "__main__":
    raise SystemExit(main())
