"""The status ladder of one target: its numbers (P(reach), the combined P with the outside
view, the paces) and its status class.

Status classes (``status``), in order of precedence:

- ``done`` / ``not_done`` / ``overdue`` — milestones (overdue: not done and the target year is over
  at ``as_of``);
- ``insufficient_data`` — a projection is needed but the series has fewer than two yearly figures;
- ``achieved`` — observed figures alone already meet the target (a total delivered, a complete
  period's growth met, the work-point year met; a level or share reached early counts only while
  P(reach) in the target year stays ≥ 0.5, since a level can fall back);
- ``missed`` — the target year (or for every-year flows, one year of the period) is observed and
  falls short;
- ``on_track`` — P(reach) ≥ 0.8 (the combined P, below);
- ``needs_acceleration`` — 0.5 ≤ P(reach) < 0.8;
- ``moving_away`` — P(reach) < 0.5 and the recent trend points away from the target;
- ``off_track`` — P(reach) < 0.5 otherwise;
- ``plan_path`` — under a ``mode: plan`` scenario, a target not yet decided: its projection is
  shifted until the median just meets the target, so P(reach) is about 0.5 by construction and
  ``shift_pp`` is the extra growth a year it takes.

``prob_reach`` is the **combined** P(reach): the trend's P (``prob_reach_trend``, the share of
draws above) blended with the outside view, how often past targets like this one were met
(:mod:`qcplan.model.outside_view`, fitted on the track record of past plans without the plan's
own geographies): ``ref_class`` (obligation · domain · form), ``ref_n`` (past targets of the
class) and ``ref_rate`` (the share of them met; the blend itself uses the partially pooled
rate). The status follows the combined P. Where the outside view does not apply (a ``mode:
plan`` scenario, whose path is built from the trend; a target met or missed already;
``Assessor(..., outside=False)``) the combined P is the trend's.

:func:`milestone` and :func:`numbers` return the computed fields of a target's
:class:`~qcplan.model.records.TargetAssessment` (field name → value); the record refuses a
name that is not one of its fields.
"""

from __future__ import annotations

import datetime as _dt
import math
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model import grades
from qcplan.model.grades import is_downward
from qcplan.model.kinds import conventional_grade, grade_columns, observed_window, rates
from qcplan.model.outside_view import domain_of, form_group_of, qualifier_group
from qcplan.model.target import Evaluation, TargetModel, in_year_basis

P_ON_TRACK = 0.8
P_NEEDS_ACCELERATION = 0.5
STATUS_ORDER = (
    "achieved", "done", "on_track", "needs_acceleration", "off_track", "moving_away", "missed",
    "overdue", "not_done", "plan_path", "insufficient_data",
)


def milestone(model: TargetModel) -> dict[str, Any]:
    """A milestone's status (done, overdue, not_done), grades and P(reach).

    Parameters
    ----------
    model : TargetModel
        A milestone target's model (its history: 1 in the years it was done).

    Returns
    -------
    dict[str, Any]
        Values of the record's fields ``status``, ``review_grade``, ``prob_reach`` and
        ``eurostat_class``.
    """
    h = model.history
    done_years = [int(y) for y, v in h.items() if v >= 1 and y <= model.target_year]
    if done_years:
        status, grade, p = "done", ("提前实现" if min(done_years) < model.target_year
                                    else "基本符合预期"), 1.0
    elif model.as_of > _dt.date(model.target_year, 12, 31):
        status, grade, p = "overdue", "滞后", 0.0
    else:
        status, grade, p = "not_done", "—", math.nan
    return {"status": status, "review_grade": grade, "prob_reach": p,
            "eurostat_class": "met" if status == "done" else "—"}


def outside_view(view: Any, model: TargetModel, p_trend: float, req: float, recent: float
                  ) -> dict[str, Any]:
    """The combined P(reach) and the reference class of ``model``'s target."""
    row = model.row
    group = form_group_of(model.kind, model.measure, model.direction,
                          len(model.period_years()))
    ob = str(row.get("obligation") or "") if isinstance(row.get("obligation"), str) else ""
    cls = view.class_rate(group, domain_of(str(row["indicator_id"]), str(row.get("name_zh"))),
                          ob or "unmarked", str(row["indicator_id"]))
    gap = req - recent if np.isfinite(req) and np.isfinite(recent) else math.nan
    if is_downward(model.direction) and not model.target_kind.falls:
        gap = -gap
    words = " ".join(str(row.get(c) or "") for c in ("quote_zh", "name_zh") if
                     isinstance(row.get(c), str))
    p = view.combine(p_trend, cls.rate, gap, group, qualifier_group(words))
    # shown: the class's own record (share met of its n past targets); the model uses the
    # pooled rate refined by the indicator's record
    return {"prob_reach": float(p), "ref_class": cls.key, "ref_n": cls.n,
            "ref_rate": cls.met / cls.n if cls.n else math.nan}


def numbers(model: TargetModel, ev: Evaluation, row: pd.Series,
             outside: Any = None) -> dict[str, Any]:
    """The computed fields of a projected or observed target (P(reach), the outside view,
    quantiles, paces, status, grades) as field name → value of its
    :class:`~qcplan.model.records.TargetAssessment`: the outside view's fields and
    ``indicator_median`` only where they apply. ``outside``: the view blended with the trend's P
    (None: the trend's P alone)."""
    out: dict[str, Any] = {
        "prob_reach": ev.prob_reach,
        "prob_reach_trend": ev.prob_reach,
        **dict(zip(("projected_p10", "projected_median", "projected_p90"),
                   map(float, ev.quantiles((0.1, 0.5, 0.9))))),
        "decision_threshold": ev.threshold,
        "shift_pp": float(ev.shift),
        "method": getattr(ev.projection, "method", "observed") if ev.projection is not None
        else "observed",
    }
    if ev.projection is not None and model.target_kind.indicator_median and \
            not model.on_index:
        out["indicator_median"] = float(ev.projection.median(model.target_year))
    req, recent, unit, sched = rates(model, ev)
    out.update(required_rate=req, rate_unit=unit, schedule_ratio=sched)
    met_now = met_by_observation(model, ev)
    if met_now and model.target_kind.can_fall_back and not ev.complete:
        # met early, but a level can fall back: keep "achieved" only while it likely holds
        met_now = ev.prob_reach >= P_NEEDS_ACCELERATION
    planned = ev.extra.get("plan_mode", False)
    p = ev.prob_reach
    flow_failed = model.target_kind.failed_by_observation(model)
    # the outside view speaks of targets still open: not of one met or missed already, nor of
    # one whose target year is already partly observed (the track record judges targets at the
    # start of their year; the year's own months say more than how such targets fared)
    in_year = in_year_basis(model)["in_year_year"] == model.target_year
    if outside is not None and not ev.complete and not met_now and not flow_failed and \
            not in_year and np.isfinite(p):
        ref = outside_view(outside, model, p, req, recent)
        if planned:  # the plan's path is the trend's: its P stays the trend's
            ref["prob_reach"] = p
        out.update(ref)
        p = out["prob_reach"]
    undecided = ev.complete and not met_now and _bound_undecided(model, ev)
    if undecided:
        out["prob_reach"] = math.nan
    if met_now:
        status = "achieved"
    elif undecided:
        # the target year is published only as a bound that allows both outcomes
        status = "insufficient_data"
    elif ev.complete:
        status = "missed"
    elif flow_failed:
        status = "missed"
    elif not np.isfinite(p):
        status = "insufficient_data"
    elif planned:
        status = "plan_path"
    elif p >= P_ON_TRACK:
        status = "on_track"
    elif p >= P_NEEDS_ACCELERATION:
        status = "needs_acceleration"
    elif _moving_away(model, req, recent):
        status = "moving_away"
    else:
        status = "off_track"
    out["status"] = status
    grade = conventional_grade(model, missed=status == "missed")
    out.update(grade_columns(grade))
    out.update(observed_window(model, grade))
    return out


def _bound_undecided(model: TargetModel, ev: Evaluation) -> bool:
    """The target year's figure is published only as a bound that allows both outcomes."""
    if not model.target_kind.reads_bounds:
        return False
    q = model.qualifiers
    ty = model.target_year
    if ty not in q.index or ty not in model.history.index:
        return False
    v, d = float(model.history.loc[ty]), model.decision_direction
    return not grades.meets(v, ev.threshold, d, q.loc[ty]) and \
        not grades.fails(v, ev.threshold, d, q.loc[ty])


def met_by_observation(model: TargetModel, ev: Evaluation) -> bool:
    """Observed figures alone meet the target."""
    thr, d = ev.threshold, model.decision_direction

    def meets(v: float, year: int | None = None) -> bool:
        q = model.qualifiers
        qualifier = q.loc[year] if year is not None and year in q.index and \
            model.target_kind.reads_bounds else ""
        return grades.meets(v, thr, d, qualifier)

    if ev.complete:
        s = ev.stat[np.isfinite(ev.stat)]
        if not s.size:
            return False
        return meets(float(s[0]), model.target_year)
    return model.target_kind.met_early(model, ev, meets)


def _moving_away(model: TargetModel, req: float, obs: float) -> bool:
    if not (np.isfinite(req) and np.isfinite(obs)):
        return False
    return model.target_kind.moving_away(model, req, obs)
