"""The outside view judged leave-one-plan-out on the track record of past plans.

For every plan of ``qcplan/resources/track_record/`` (one plan document: a year's government work
report, a five-year plan, a special plan), the class rates and the combined model
(:mod:`qcplan.model.outside_view`) are fitted on every *other* plan and then asked about the
plan's targets at their judging dates. Three forecasts are scored against the outcomes:

- trend only: the trend's P(reach) from qcplan's own assessment on the figures known then (0.5
  where fewer than two figures were known, as a reader without a projection would say);
- class only: the partially pooled rate of the target's class (form, domain, obligation);
- combined: the fitted blend.

Printed: the track record's size by plan type, level and class; Brier and log scores pooled (each
target weighs 1, its judging dates sharing the weight), on the targets with a trend P and on all,
and per plan with 10 or more decided targets; a reliability diagram is written to
``bench/results/outside_view_reliability.png``. ``--check`` exits 1 unless the combined P beats both
others by at least 10 % in pooled Brier and scores at most 0.25 on every plan with 10 or more
decided targets.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qcplan.model.outside_view import (  # noqa: E402
    POOL,
    RIDGE,
    fit,
    load_judged,
    qualifier_group,
)

OUT = ROOT / "bench" / "results"


def leave_one_plan_out(judged: pd.DataFrame, ridge: float = RIDGE) -> pd.DataFrame:
    """``judged`` with columns p_trend, p_class and p_combined, each from a fit without the
    row's plan."""
    parts = []
    for plan_id, rows in judged.groupby("plan_id", sort=True):
        ov = fit(judged[judged["plan_id"] != plan_id], ridge=ridge)
        rows = rows.copy()
        rates = [ov.class_rate(r.form_group, r.domain, r.obligation, r.indicator_id)
                 for r in rows.itertuples()]
        rows["p_class"] = [c.rate for c in rates]
        rows["ref_n"] = [c.n for c in rates]
        rows["p_combined"] = ov.combine(rows["trend_p"].to_numpy(float), rows["p_class"],
                                        rows["pace_gap"].to_numpy(float),
                                        rows["form_group"].to_numpy(str),
                                        rows["qualifier"].map(qualifier_group).to_numpy(str))
        parts.append(rows)
    out = pd.concat(parts, ignore_index=True)
    out["p_trend"] = out["trend_p"].fillna(0.5)
    return out


def scores(df: pd.DataFrame, col: str) -> tuple[float, float]:
    """Brier and log score (natural log, P clipped to [0.01, 0.99]) weighting each target 1."""
    w = 1.0 / df.groupby("target_key")["target_key"].transform("size").to_numpy(float)
    y, p = df["met"].to_numpy(float), df[col].to_numpy(float)
    brier = float(np.sum(w * (p - y) ** 2) / w.sum())
    pc = np.clip(p, 0.01, 0.99)
    log = float(np.sum(w * -(y * np.log(pc) + (1 - y) * np.log(1 - pc))) / w.sum())
    return brier, log


COLS = (("trend only", "p_trend"), ("class only", "p_class"), ("combined", "p_combined"))


def table(df: pd.DataFrame, label: str) -> dict[str, float]:
    row: dict[str, float] = {}
    for name, col in COLS:
        b, lg = scores(df, col)
        row[f"{name} brier"], row[f"{name} log"] = b, lg
    n = df["target_key"].nunique()
    print(f"{label:<34} {n:>4} {df['met'].groupby(df['target_key']).first().mean():>5.2f} " +
          " ".join(f"{row[f'{name} brier']:.3f}/{row[f'{name} log']:.3f}" for name, _ in COLS))
    return row


def reliability_png(df: pd.DataFrame, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 5))
    bins = np.linspace(0, 1, 6)
    for name, col in COLS:
        b = np.clip(np.digitize(df[col], bins) - 1, 0, 4)
        xs, ys, ns = [], [], []
        for k in range(5):
            m = b == k
            if m.sum():
                xs.append(df.loc[m, col].mean())
                ys.append(df.loc[m, "met"].mean())
                ns.append(int(m.sum()))
        ax.plot(xs, ys, marker="o", label=name)
        for x, y, n in zip(xs, ys, ns):
            ax.annotate(str(n), (x, y), fontsize=7, xytext=(3, -9), textcoords="offset points")
    ax.plot([0, 1], [0, 1], color="grey", linestyle=":", linewidth=1)
    ax.set_xlabel("P(reach) said (leave-one-plan-out)")
    ax.set_ylabel("share met")
    ax.set_title("Track record of past plans: reliability", fontsize=10)
    ax.legend(loc="upper left", fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def sizes(judged: pd.DataFrame) -> None:
    t = judged.drop_duplicates("target_key")
    print(f"track record: {len(t)} decided targets from {t['plan_id'].nunique()} plans, "
          f"{len(judged)} target-dates ({int(judged['trend_p'].notna().sum())} with a trend P); "
          f"{t['met'].mean():.0%} met")
    print("\nby level and plan type (targets, share met):")
    for (lv, pt), g in t.groupby(["level", "plan_type"]):
        print(f"  {lv:<11} {pt:<10} {len(g):>4}  {g['met'].mean():.2f}")
    print("\nby class (obligation · domain · form; targets, share met):")
    for (o, d, f), g in t.groupby(["obligation", "domain", "form_group"]):
        print(f"  {o} · {d} · {f:<20} {len(g):>4}  {g['met'].mean():.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--ridge", type=float, default=RIDGE)
    a = ap.parse_args(argv)
    judged = load_judged()
    sizes(judged)
    df = leave_one_plan_out(judged, a.ridge)
    print(f"\nleave-one-plan-out (ridge {a.ridge}, pooling {POOL} pseudo-targets); "
          "Brier/log score, each target weighing 1")
    print(f"{'':<34} {'n':>4} {'met':>5} " + " ".join(f"{n:>11}" for n, _ in COLS))
    pooled = table(df, "pooled, all targets")
    table(df[df["trend_p"].notna()], "pooled, targets with a trend P")
    table(df[df["trend_p"].isna()], "pooled, targets without")
    for key, g in df.groupby("plan_type"):
        table(g, f"  plan type {key}")
    for key, g in df.groupby("level"):
        table(g, f"  level {key}")
    print("\nplans with 10 or more decided targets:")
    worst = 0.0
    for plan_id, g in df.groupby("plan_id"):
        if g["target_key"].nunique() >= 10:
            row = table(g, f"  {plan_id}")
            worst = max(worst, row["combined brier"])
    path = OUT / "outside_view_reliability.png"
    reliability_png(df, path)
    print(f"\nreliability diagram: {path.relative_to(ROOT)}")
    gain_t = 1 - pooled["combined brier"] / pooled["trend only brier"]
    gain_c = 1 - pooled["combined brier"] / pooled["class only brier"]
    print(f"combined vs trend only: {gain_t:+.1%} Brier; vs class only: {gain_c:+.1%}; "
          f"worst plan (>= 10 targets): {worst:.3f}")
    if a.check and (gain_t < 0.10 or gain_c < 0.10 or worst > 0.25):
        print("CHECK FAILED: the combined P must beat both by 10 % and no plan score above 0.25")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
