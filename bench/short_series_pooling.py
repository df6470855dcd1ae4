"""Diagnostic (not part of the model): would a short series' interval be better if it borrowed
how far series of the same measure and unit move in a year?

Every share or rate series of the track record (``series.csv``) with at least three yearly
figures is cut to its first two or three figures and asked about a later figure (the next one,
and the last one, a median of 5 years on). Two 80 % intervals are scored against that figure:

- trend: ``qcplan.project`` on the short series (shares bounded to [0, 100]), as today;
- pooled: a random walk with drift whose yearly step (spread and drift) is partially pooled
  between the series' own steps and those of the *other geographies'* series of the same
  measure and unit (robust spread of their yearly changes, :data:`POOL_K` pseudo-steps), plus
  the spread of those series' mean steps for the drift's uncertainty; shares clipped to
  [0, 100].

Printed: cases, coverage of the 80 % interval and its median width, per horizon. Run of 2026-12
in ``bench/README.md``. The design was not built into the assessment (see there why).
"""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qcplan  # noqa: E402
from qcplan.model.outside_view import load_series  # noqa: E402

POOL_K = 4.0
Z80 = 1.2816


def yearly_steps(v: pd.Series) -> np.ndarray:
    """Changes between figures of consecutive years."""
    years = v.index.to_numpy()
    d = np.diff(v.to_numpy(float))
    return d[np.diff(years) == 1]


def robust_sd(x: np.ndarray) -> float:
    return float(1.4826 * np.median(np.abs(x - np.median(x)))) if len(x) else 0.0


def main() -> int:
    warnings.filterwarnings("ignore")
    s = load_series().sort_values(["year", "known"]).drop_duplicates(
        ["geography", "indicator_id", "unit", "year"], keep="last")
    series = {k: g.set_index("year")["value"].sort_index()
              for k, g in s.groupby(["geography", "indicator_id", "unit", "measure"])}
    print(f"{'horizon':<10} {'cases':>5} {'trend cover/width':>18} {'pooled cover/width':>19}")
    for label, pick in (("next year", lambda v, n: n), ("last figure", lambda v, n: len(v) - 1)):
        res: dict[str, list[tuple[bool, float]]] = {"trend": [], "pooled": []}
        for key, v in series.items():
            geo, _, unit, measure = key
            if measure not in ("share", "rate") or len(v) < 3:
                continue
            others = [w for k, w in series.items() if k[2] == unit and k[3] == measure
                      and k[0] != geo]
            pool = np.concatenate([yearly_steps(w) for w in others] or [np.array([])])
            if len(pool) < 5:
                continue
            means = np.array([yearly_steps(w).mean() for w in others
                              if len(yearly_steps(w)) >= 2])
            for n in (2, 3):
                if len(v) <= n:
                    continue
                h, i = v.iloc[:n], pick(v, n)
                year, actual = int(v.index[i]), float(v.iloc[i])
                own = yearly_steps(h)
                k = len(own)
                sd = np.sqrt((POOL_K * robust_sd(pool) ** 2 + np.sum(own ** 2)) / (POOL_K + k))
                drift = (POOL_K * np.median(pool) + own.sum()) / (POOL_K + k)
                sd_drift2 = robust_sd(means) ** 2 * POOL_K / (POOL_K + k) if len(means) >= 3 \
                    else 0.0
                steps = year - int(h.index[-1])
                centre = float(h.iloc[-1]) + drift * steps
                half = Z80 * np.sqrt(sd ** 2 * steps + sd_drift2 * steps ** 2)
                lo, hi = centre - half, centre + half
                bounds = (0.0, 100.0) if measure == "share" else None
                if bounds:
                    lo, hi = max(lo, 0.0), min(hi, 100.0)
                res["pooled"].append((lo <= actual <= hi, hi - lo))
                p = qcplan.project(h, to_year=year, n_sims=2000, seed=0, bounds=bounds)
                lo2, hi2 = p.interval(year, 0.8)
                res["trend"].append((lo2 <= actual <= hi2, hi2 - lo2))
        cells = []
        for m in ("trend", "pooled"):
            cov = np.mean([c for c, _ in res[m]]) if res[m] else float("nan")
            wid = np.median([w for _, w in res[m]]) if res[m] else float("nan")
            cells.append(f"{cov:>8.2f}/{wid:<9.2f}")
        print(f"{label:<10} {len(res['trend']):>5} {cells[0]:>18} {cells[1]:>19}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
