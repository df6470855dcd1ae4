"""How well did the projections call it: what the workbook would have said before the outcome.

P(reach) here is the assessment's combined P (the trend blended with the outside view of
:mod:`qcplan.model.outside_view`, fitted without the plan's own geographies, so that no outcome
of the plan informs its own look back); ``prob_reach_trend`` keeps the trend's alone and
:func:`reliability` scores both (``brier``, ``brier_trend``).

For every target already decided by an observation (its target year is observed and it was met or
missed), :func:`retrospect` assesses it again **as of the end of each earlier year** Y−3, Y−2,
Y−1 (Y the target year), with only the figures of those years and before — the assessment's own
``as_of`` rule, which drops every later figure — under the baseline scenario (the models alone).
Each row is one (target, earlier year): P(reach) and status then, beside the outcome.

"As of the end of year X" means: once the whole-year figures of X are in (they are published in
the first months of X+1); figures of later years, and in-year figures, are not used.

:func:`reliability` sums the rows up per lag and overall: the Brier score (mean squared gap
between P(reach) and the outcome, 1 met / 0 missed; 0 is perfect, always saying 50% scores 0.25),
and how often a target called "on track" (P ≥ 0.8) was met, and one called off track, moving
away or needing acceleration (P < 0.8) was missed. These are records of the models on this plan's
own figures, not statistics; with a handful of targets they say little and the tables say how
many targets they rest on.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model.assess import Assessor
from qcplan.model.scenarios import Scenario, get_scenario

LAGS = (3, 2, 1)
MET = ("achieved", "done")
NOT_MET = ("missed", "not_done", "overdue")
CALLED_MET = ("on_track",)
CALLED_NOT_MET = ("needs_acceleration", "off_track", "moving_away")
RETRO_COLUMNS = ("target_id", "pillar", "name_zh", "name_en", "kind", "target_year",
                 "threshold", "outcome_value", "outcome", "illustrative", "lag", "as_of_year",
                 "prob_reach", "prob_reach_trend", "status")


def decided_targets(assessor: Assessor, scenario: Scenario) -> pd.DataFrame:
    """The targets whose target year is observed and which were met or missed (as of the
    assessor's date): ``target_id, outcome (1 met / 0 missed), outcome_value``."""
    rows = []
    for tid in assessor.plan.targets["target_id"]:
        model = assessor.model(tid)
        latest = model.latest_year
        if latest is None or model.target_year > latest:
            continue
        row, _ = assessor.assess_target(tid, scenario, n_sims=200, seed=0)
        status = row.get("status")
        if status not in MET + NOT_MET:
            continue
        value = row.get("target_year_value", math.nan)
        rows.append({"target_id": tid, "outcome": 1 if status in MET else 0,
                     "outcome_value": float(value) if value is not None else math.nan,
                     "illustrative": bool(row.get("illustrative", False))})
    return pd.DataFrame(rows, columns=["target_id", "outcome", "outcome_value", "illustrative"])


def retrospect(plan: Any, scenario: str | Scenario = "baseline", as_of: Any = None,
               lags: Iterable[int] = LAGS, n_sims: int = 2000, seed: int | None = 0,
               params_dir: Any = None) -> pd.DataFrame:
    """One row per decided target and earlier year (see the module docstring).

    Columns :data:`RETRO_COLUMNS`; ``lag`` k means as of the end of year Y−k; ``prob_reach`` is
    NaN where the figures known then did not allow a projection (status ``insufficient_data``).
    Projections and probabilities are model estimates.
    """
    scen = scenario if isinstance(scenario, Scenario) else get_scenario(scenario, params_dir,
                                                                        plan)
    now = Assessor(plan, as_of=as_of)
    decided = decided_targets(now, scen)
    targets = plan.targets.set_index("target_id")
    assessors: dict[int, Assessor] = {}
    out = []
    for d in decided.itertuples(index=False):
        t = targets.loc[d.target_id]
        year = int(t["target_year"])
        for lag in sorted(set(int(k) for k in lags), reverse=True):
            then = year - lag
            if then >= now.as_of.year:
                continue
            a = assessors.get(then)
            if a is None:  # one per year (``setdefault`` would build one every time)
                a = assessors[then] = Assessor(plan, as_of=then)
            row, _ = a.assess_target(d.target_id, scen, n_sims=n_sims, seed=seed)
            p = row.get("prob_reach", math.nan)
            pt = row.get("prob_reach_trend", math.nan)
            out.append({
                "target_id": d.target_id, "pillar": t["pillar"], "name_zh": t["name_zh"],
                "name_en": t["name_en"], "kind": t["kind"], "target_year": year,
                "threshold": t["threshold"], "outcome_value": d.outcome_value,
                "outcome": int(d.outcome), "illustrative": bool(d.illustrative),
                "lag": lag, "as_of_year": then,
                "prob_reach": float(p) if p is not None and np.isfinite(p) else math.nan,
                "prob_reach_trend": float(pt) if pt is not None and np.isfinite(pt) else math.nan,
                "status": str(row.get("status", "")),
            })
    return pd.DataFrame(out, columns=list(RETRO_COLUMNS))


def reliability(retro: pd.DataFrame) -> pd.DataFrame:
    """Per lag (and ``all``): targets, calls with a probability, Brier score, and how often an
    "on track" call was met and a "not on track" call (P < 0.8) was missed.

    A call is a target-date with a projection (a trend P): the combined and the trend's Brier are
    scored on the same calls; a target too short to project (its P the outside view's alone) is
    counted in ``no_projection``."""
    rows = []
    groups = [(str(k), g) for k, g in retro.groupby("lag", sort=False)]
    groups.sort(key=lambda kg: -int(kg[0]))
    if len(retro):
        groups.append(("all", retro))
    for lag, g in groups:
        scored = g[np.isfinite(g["prob_reach"].astype(float))]
        if "prob_reach_trend" in g:  # both views scored on the same calls: those with a trend
            scored = scored[np.isfinite(scored["prob_reach_trend"].astype(float))]
        brier = float(((scored["prob_reach"] - scored["outcome"]) ** 2).mean()) if len(
            scored) else math.nan
        trend = scored["prob_reach_trend"].astype(float) if "prob_reach_trend" in scored else \
            pd.Series(dtype=float)
        brier_trend = float(((trend - scored["outcome"]) ** 2).mean()) if len(
            trend) and trend.notna().all() else math.nan
        on = g[g["status"].isin(CALLED_MET)]
        off = g[g["status"].isin(CALLED_NOT_MET)]
        rows.append({
            "lag": lag, "targets": int(g["target_id"].nunique()), "calls": len(scored),
            "no_projection": int(len(g) - len(scored)), "brier": brier,
            "brier_trend": brier_trend,
            "met_share": float(g["outcome"].mean()) if len(g) else math.nan,
            "on_track_calls": len(on), "on_track_met": int(on["outcome"].sum()),
            "not_on_track_calls": len(off),
            "not_on_track_missed": int((1 - off["outcome"]).sum()),
        })
    return pd.DataFrame(rows, columns=["lag", "targets", "calls", "no_projection", "brier",
                                       "brier_trend",
                                       "met_share", "on_track_calls", "on_track_met",
                                       "not_on_track_calls", "not_on_track_missed"])

