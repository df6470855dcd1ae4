"""Candidate features for the combined P(reach), judged leave-one-plan-out on the track record.

The shipped model (:mod:`qcplan.model.outside_view`) is left as it is: each candidate adds one or
more columns to its design (weight pulled towards 0 by the same ridge penalty, sign free) and is
fitted and scored exactly as ``bench/outside_view.py`` scores the shipped model:

- leave-one-plan-out, pooled Brier score, each target weighing 1 (its judging dates sharing it);
- the same on a year's growth targets only (where the class rate alone is weakest);
- leave-Anhui-out: fitted without every target of 安徽省 and scored on them (the way the Anhui
  example's look back is computed: without the plan's own geography in the fit).

Candidates (a year's growth target ``annual_growth`` unless said; ``last``/``avg3``: the
series' last figure / mean of its last three figures known before the target year):

- ``gap_last``: tanh((target − last) / 3), direction-signed: the target's ambition against the
  previous year's outcome;
- ``gap_avg``: the same against the recent average; ``rel_avg``: relative to it;
- ``gap_last_pos`` / ``gap_avg_pos``: 1 when the target asks more than last year / the average;
- ``about_yearly`` / ``floor_yearly``: the wording (左右 / 以上) of a year's growth target;
- ``level_national`` / ``level_city``: the level of government (all forms);
- ``ptype_annual``: an annual plan (all forms); ``nogap_yearly``: no figure of last year.

Usage: ``python bench/outside_view_features.py [candidate[,candidate...] ...]`` (no argument:
every candidate alone and the combinations the run of 2026-12 tried). Figures are printed, not
stored; the run's table is in ``bench/README.md``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from outside_view import scores  # noqa: E402

from qcplan.model import outside_view as ovm  # noqa: E402

CANDIDATES = ("gap_last", "gap_avg", "rel_avg", "gap_last_pos", "gap_avg_pos", "about_yearly",
              "floor_yearly", "level_national", "level_city", "ptype_annual", "nogap_yearly")
COMBINATIONS = ("about_yearly,level_national", "gap_last,gap_avg,level_national",
                "about_yearly,floor_yearly,level_city,level_national")


def with_recent(judged: pd.DataFrame) -> pd.DataFrame:
    """``judged`` with ``last`` and ``avg3``: the series' last figure and the mean of its last
    three, known before the target year (from the track record's ``series.csv``)."""
    s = ovm.load_series()
    s = s.sort_values(["year", "known"]).drop_duplicates(
        ["geography", "indicator_id", "unit", "year"], keep="last")
    groups = {k: g for k, g in s.groupby(["geography", "indicator_id", "unit"])}
    last, avg3 = [], []
    for r in judged.itertuples(index=False):
        g = groups.get((r.geography, r.indicator_id, r.unit))
        v = g[g["year"] < r.year]["value"].to_numpy(float) if g is not None else np.array([])
        last.append(v[-1] if len(v) else np.nan)
        avg3.append(v[-3:].mean() if len(v) else np.nan)
    out = judged.copy()
    out["last"], out["avg3"] = last, avg3
    out["qg"] = out["qualifier"].map(ovm.qualifier_group)
    return out


def extra_columns(df: pd.DataFrame, names: list[str]) -> np.ndarray:
    yearly = (df["form_group"] == "annual_growth").to_numpy()
    sign = np.where(df["direction"].isin(["at_most", "below"]), -1.0, 1.0)
    thr = df["target"].to_numpy(float)
    cols = []
    for name in names:
        if name.startswith("gap_") or name == "rel_avg":
            ref = df["last" if "last" in name else "avg3"].to_numpy(float)
            v = sign * (thr - ref)
            if name == "rel_avg":
                v = np.tanh(v / np.maximum(np.abs(ref), 1.0)) * 3.0
            ok = np.isfinite(v) & yearly
            v = np.nan_to_num(v)
            cols.append(np.where(ok, (v > 0).astype(float) if name.endswith("_pos")
                                 else np.tanh(v / 3.0), 0.0))
        elif name in ("about_yearly", "floor_yearly"):
            cols.append(((df["qg"] == name.split("_")[0]).to_numpy() & yearly).astype(float))
        elif name.startswith("level_"):
            cols.append((df["level"] == name[6:]).to_numpy(float))
        elif name == "ptype_annual":
            cols.append((df["plan_type"] == "annual").to_numpy(float))
        elif name == "nogap_yearly":
            cols.append((~np.isfinite(df["last"].to_numpy(float)) & yearly).astype(float))
        else:
            raise SystemExit(f"unknown candidate {name!r}; known: {', '.join(CANDIDATES)}")
    return np.column_stack(cols) if cols else np.zeros((len(df), 0))


def fit_with(judged: pd.DataFrame, names: list[str]) -> tuple[ovm.OutsideView, np.ndarray]:
    """The shipped fit (class rates, penalised logistic regression) with the extra columns."""
    from scipy.optimize import minimize

    ov = ovm.fit(judged)  # class rates (and the shipped weights, unused here)
    cr = np.array([ov.class_rate(r.form_group, r.domain, r.obligation, r.indicator_id,
                                 leave_out=int(r.met)).rate
                   for r in judged.itertuples(index=False)])
    off, x = design(ov, judged, cr, names)
    prior = np.concatenate([ovm.PRIOR, np.zeros(x.shape[1] - len(ovm.PRIOR))])
    y = judged["met"].to_numpy(float)
    w = 1.0 / judged.groupby("target_key")["target_key"].transform("size").to_numpy(float)

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = off + x @ beta
        d = beta - prior
        ll = np.sum(w * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
        grad = x.T @ (w * (1.0 / (1.0 + np.exp(-z)) - y)) + ovm.RIDGE * d
        return float(ll + 0.5 * ovm.RIDGE * d @ d), grad

    bounds = list(ovm.BOUNDS) + [(None, None)] * (x.shape[1] - len(ovm.BOUNDS))
    res = minimize(loss, prior.copy(), jac=True, method="L-BFGS-B", bounds=bounds)
    return ov, np.asarray(res.x, dtype=float)


def design(ov: ovm.OutsideView, df: pd.DataFrame, class_rate: np.ndarray,
           names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The shipped model's offset (the class logit) and its design with the extra columns."""
    off, base = ov.features(df["trend_p"].to_numpy(float), class_rate,
                       df["pace_gap"].to_numpy(float), df["form_group"].to_numpy(str),
                       df["qg"].to_numpy(str))
    return off, np.column_stack([base, extra_columns(df, names)])


def predict(judged: pd.DataFrame, test: pd.DataFrame, names: list[str]) -> pd.DataFrame:
    ov, coef = fit_with(judged, names)
    rows = test.copy()
    rows["p_class"] = [ov.class_rate(r.form_group, r.domain, r.obligation, r.indicator_id).rate
                       for r in rows.itertuples()]
    off, x = design(ov, rows, rows["p_class"].to_numpy(float), names)
    z = off + x @ coef
    rows["p_combined"] = 1.0 / (1.0 + np.exp(-z))
    return rows


def judge(judged: pd.DataFrame, names: list[str]) -> dict[str, float]:
    lopo = pd.concat([predict(judged[judged["plan_id"] != p], rows, names)
                      for p, rows in judged.groupby("plan_id", sort=True)], ignore_index=True)
    yearly = lopo[lopo["form_group"] == "annual_growth"]
    anhui = predict(judged[judged["geography"] != "安徽省"],
                    judged[judged["geography"] == "安徽省"], names)
    b_class, b_comb = scores(lopo, "p_class")[0], scores(lopo, "p_combined")[0]
    return {"class": b_class, "combined": b_comb, "gain": 1 - b_comb / b_class,
            "yearly class": scores(yearly, "p_class")[0],
            "yearly combined": scores(yearly, "p_combined")[0],
            "anhui class": scores(anhui, "p_class")[0],
            "anhui combined": scores(anhui, "p_combined")[0]}


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    sets = args or ["", *CANDIDATES, *COMBINATIONS]
    judged = with_recent(ovm.load_judged())
    print("Brier score (each target weighing 1); LOPO: leave-one-plan-out; gain: combined vs "
          "class only, LOPO; Anhui: fitted without 安徽省's targets, scored on them")
    print(f"{'candidate':<52} {'class':>6} {'comb.':>6} {'gain':>6} {'yearly c/comb':>14} "
          f"{'Anhui c/comb':>14}")
    for s in sets:
        names = [n for n in s.split(",") if n]
        r = judge(judged, names)
        print(f"{s or '(shipped model)':<52} {r['class']:.4f} {r['combined']:.4f} "
              f"{r['gain']:>+6.1%} {r['yearly class']:.4f}/{r['yearly combined']:.4f} "
              f"{r['anhui class']:.4f}/{r['anhui combined']:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
