"""The goal seek of the workbench: the growth needed for P(reach) >= p, for the selected target
or every target of its pillar, and the pace a median projection implies.

:func:`goal_seek` moves the growth control (pp a year, on top of the scenario) until the combined
P(reach) reaches ``p``, by regula falsi between :data:`SEEK_LO` and :data:`SEEK_HI`
(:meth:`qcplan.model.target.TargetModel.solve_shift`, on the same draws as the display);
:func:`pillar_goal_table` does it for every (non-milestone) target of the pillar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from qcplan.explore.texts import rate_unit_text
from qcplan.model.target import Evaluation, TargetModel
from qcplan.render.html import fmt

if TYPE_CHECKING:
    from qcplan.explore.workbench import Workbench

__all__ = ["DECIDED", "SEEK_HI", "SEEK_LO", "GoalSeek", "goal_seek", "implied_rate",
           "pillar_goal_table"]

#: Bounds of the goal seek (percentage points a year), as in ``TargetModel.solve_shift``.
SEEK_LO, SEEK_HI = -40.0, 40.0
#: Statuses decided by observed figures alone (or not moved by growth): no goal seek.
DECIDED = ("achieved", "missed", "done", "overdue", "not_done", "insufficient_data")


@dataclass(frozen=True)
class GoalSeek:
    """The growth needed for P(reach) ≥ ``p``.

    ``outcome``: ``ok``; ``decided`` (achieved, missed or without data: "—"); ``unreachable``
    (P stays below ``p`` even at +40 pp); ``always`` (P ≥ ``p`` even at −40 pp).
    ``control_shift`` is the growth-control setting that gives it (pp a year on top of the
    scenario), ``extra_pp`` the change from the current setting, ``shift_pp`` the total shift over
    the model; ``prob_reach`` is P at that setting, ``implied_rate`` the pace it implies.
    """

    target_id: str
    p: float
    outcome: str
    control_shift: float = math.nan
    extra_pp: float = math.nan
    shift_pp: float = math.nan
    prob_reach: float = math.nan
    implied_rate: float = math.nan
    rate_unit: str = ""
    status: str = ""

    def text(self, lang: str = "zh") -> str:
        """One line for the widget."""
        zh = lang == "zh"
        if self.outcome == "decided":
            return "—(已由实际数据决定或数据不足)" if zh else \
                "— (decided by observed figures, or not enough data)"
        if self.outcome == "unreachable":
            return (f"在 ±{SEEK_HI:.0f} 个百分点内无法使达标概率达到 {self.p:.2f}" if zh else
                    f"cannot reach P ≥ {self.p:.2f} within ±{SEEK_HI:.0f} pp a year")
        if self.outcome == "always":
            return (f"即使增速降低 {SEEK_HI:.0f} 个百分点,达标概率仍不低于 {self.p:.2f}" if zh else
                    f"P ≥ {self.p:.2f} even at −{SEEK_HI:.0f} pp a year")
        rate = "" if not math.isfinite(self.implied_rate) else (
            f"(约 {fmt(self.implied_rate, 1)} {rate_unit_text(self.rate_unit, lang)})" if zh else
            f"(about {fmt(self.implied_rate, 1)} {rate_unit_text(self.rate_unit, lang)})")
        if zh:
            return (f"达标概率 ≥ {self.p:.2f} 需增速调整 {self.control_shift:+.1f} "
                    f"个百分点/年{rate},较当前设定 {self.extra_pp:+.1f};"
                    f"此时达标概率 {self.prob_reach:.2f}。")
        return (f"P(reach) ≥ {self.p:.2f} needs a growth shift of {self.control_shift:+.1f} pp/yr"
                f"{' ' + rate if rate else ''}, {self.extra_pp:+.1f} from the current setting; "
                f"P(reach) there {self.prob_reach:.2f}.")


def goal_seek(wb: Workbench, p: float = 0.8, target_id: str | None = None) -> GoalSeek:
    """The growth control that makes P(reach) ≥ ``p`` for a target (default: the selected
    one), keeping the other settings."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p {p}: expected a probability strictly between 0 and 1")
    tid = target_id or wb.target_id
    adj = wb.adjustment(tid)
    row, ev = wb.assess(tid, adj)
    model = wb.model(tid)
    status = str(row["status"])
    unit = str(row.get("rate_unit") or "")
    if ev is None or status in DECIDED or model.fitted is None:
        return GoalSeek(tid, p, "decided", rate_unit=unit, status=status)
    sign = -1.0 if model.lower_is_better else 1.0
    own_shift = adj.shift - (wb.controls.shift if tid == wb.target_id else 0.0)
    current_control = adj.shift - own_shift

    def goal(e: Evaluation) -> float:
        # the reported P(reach): the combined view (the trend's moved by the controls)
        return sign * (wb.assessor.combined(model, e, e.prob_reach) - p)

    shift = model.solve_shift(goal, adj, n_sims=wb.n_sims, seed=wb.seed,
                              lo=SEEK_LO, hi=SEEK_HI)
    if not math.isfinite(shift):
        at_hi = goal(model.evaluate(adj, wb.n_sims, wb.seed, shift=sign * SEEK_HI))
        outcome = "unreachable" if at_hi < 0 else "always"
        return GoalSeek(tid, p, outcome, rate_unit=unit, status=status)
    at = model.evaluate(adj, wb.n_sims, wb.seed, shift=shift)
    control = shift - own_shift
    return GoalSeek(tid, p, "ok", control_shift=control, extra_pp=control - current_control,
                    shift_pp=shift,
                    prob_reach=wb.assessor.combined(model, at, at.prob_reach),
                    implied_rate=implied_rate(model, at, row), rate_unit=unit,
                    status=status)


def pillar_goal_table(wb: Workbench, p: float = 0.8) -> pd.DataFrame:
    """The goal seek for every target of the pillar, sorted by the effort needed.

    Columns: ``target_id, name, kind, status, prob_reach`` (under the current settings),
    ``outcome``, ``shift_pp`` (the growth control that gives P ≥ ``p``; NaN unless found),
    ``implied_rate, rate_unit`` and ``needed`` (text: "+3.2", "—", "> +40", "< −40").
    Sorted largest effort first (targets that cannot reach ``p`` at the top); decided targets
    last.
    """
    rows = []
    for tid in wb.targets():
        gs = goal_seek(wb, p, tid)
        row, _ = wb.assess(tid, wb.adjustment(tid))
        if gs.outcome == "ok":
            needed, effort = f"{gs.control_shift:+.1f}", gs.control_shift
        elif gs.outcome == "unreachable":
            needed, effort = f"> +{SEEK_HI:.0f}", math.inf
        elif gs.outcome == "always":
            needed, effort = f"< −{SEEK_HI:.0f}", -math.inf
        else:
            needed, effort = "—", math.nan
        rows.append({
            "target_id": tid, "name": wb.target_name(tid), "kind": row["kind"],
            "status": gs.status, "prob_reach": float(row["prob_reach"]),
            "outcome": gs.outcome, "shift_pp": gs.control_shift,
            "implied_rate": gs.implied_rate, "rate_unit": gs.rate_unit, "needed": needed,
            "_effort": effort, "_decided": gs.outcome == "decided",
        })
    cols = ["target_id", "name", "kind", "status", "prob_reach", "outcome", "shift_pp",
            "implied_rate", "rate_unit", "needed"]
    if not rows:
        return pd.DataFrame(columns=cols)
    df = pd.DataFrame(rows)
    df["_key"] = df["_effort"].fillna(-math.inf)
    df = df.sort_values(["_decided", "_key"], ascending=[True, False], kind="stable")
    return df[cols].reset_index(drop=True)


def implied_rate(model: TargetModel, ev: Evaluation | None, row: dict[str, Any]) -> float:
    """The pace the median projection implies, in the unit of the reports' required rate.

    Levels, shares, work points, relative targets: compound growth (or the yearly change where
    the required rate is one) from the latest figure to the median in the target year; growth
    targets: the same on the growth index over the remaining years (reductions: the yearly fall
    on the intensity or its index); flows: the median of the
    decision quantity; cumulative targets: the median total still to deliver per remaining year.
    """
    if ev is None or ev.projection is None:
        return math.nan
    raw = model.raw_history if model.raw_history is not None else model.history
    h = raw.dropna().sort_index()
    if h.empty:
        return math.nan
    last_year = int(h.index[-1])
    if model.target_year - last_year <= 0:
        return math.nan
    percent = str(row.get("rate_unit") or "").startswith("%")
    return model.target_kind.implied_rate(model, ev, h, percent)
