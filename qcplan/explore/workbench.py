"""The "what if" workbench: one target, its projection and the controls that move it.

The notebook ``notebooks/explore.ipynb`` shows it in JupyterLab. All logic is here, in
:class:`Workbench`, a plain object with methods the widgets call (and the tests call without a
browser); :func:`qcplan.explore.ui.build_ui` only wires ipywidgets to those methods.

What the controls mean
----------------------
The workbench looks at one target (``select_pillar`` / ``select_target``) under one scenario
(generic, the plan's own ``scenarios/`` or ``params_dir``'s; ``set_scenario``). The controls add
to that scenario's own assumptions, for the selected target only:

- ``set_shift(pp)`` — extra growth, percentage points a year, added to the scenario's shift;
- ``set_shock(year, pct)`` — a one-off persistent level change in ``year`` (a projected year: the
  engine ignores shocks in observed years), added to the scenario's shocks;
- ``set_scale(k)`` — multiplies the scenario's uncertainty scale;
- ``set_method(m)`` — the projection method (``auto``, ``cagr``, ``linear``, ``loglinear``,
  ``rw_drift``, ``ets``, ``bounded``). Choosing a scenario resets it to that scenario's method.

Internally the controls are one more assumption, ``scope: target:<id>``, appended to the
scenario's list (:meth:`Workbench.effective_scenario`). The numbers shown are those of
:meth:`qcplan.model.assess.Assessor.assess_target` under that scenario — the same code, status
classes and required rates as the reports — so what you see is exactly what ``qcplan run``
reports once the settings are saved (:meth:`Workbench.save_as_scenario`). P(reach) is the
combined view (the trend's P blended with the outside view, docs/METHOD.md §2b); the readout
states both views, and the goal seek moves the trend until the combined P reaches the goal (for a
kind of target whose trend the track record gives no weight, no growth control moves it).

Why ``target:<id>`` and not ``indicator:<id>``: an indicator can carry several targets (a yearly
flow and its work point of one year, say) and the analyst looked at one of them; a target scope
changes nothing that was not on the screen. The projection method has no per-target key in a
scenario file, so a saved scenario takes the method control as its own ``method`` (for every
indicator); the confirmation message says so when it is not ``auto``.

Under a ``mode: plan`` scenario the projection is shifted until its median just meets the target,
which overrides the growth control (shocks, uncertainty and method still apply).

Speed: fits are cached by the :class:`~qcplan.model.assess.Assessor` (per target and method); a
control move only simulates (``n_sims`` = 4000 draws by default, a fixed seed, so moves compare
on common draws), about 10 ms per update plus the chart.

Goal seek
---------
:meth:`Workbench.goal_seek` finds the growth control (pp a year, on top of the scenario) that
makes P(reach) ≥ ``p``, by bisection between −40 and +40 pp
(:meth:`qcplan.model.target.TargetModel.solve_shift`, same draws as the display).
:meth:`Workbench.pillar_goal_table` does it for every (non-milestone) target of the pillar and
sorts by the effort needed, largest first; targets already decided (achieved, missed) or without
enough data show "—" and sort last; targets that cannot reach ``p`` within ±40 pp say so.
"""

from __future__ import annotations

import dataclasses
import io
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model.assess import Assessor
from qcplan.model.scenarios import (
    METHODS,
    SCALE_LIMITS,
    SHIFT_LIMIT,
    SHOCK_LIMITS,
    Adjustment,
    Assumption,
    Scenario,
    load_scenarios,
    save_scenario,
)
from qcplan.model.target import Evaluation, TargetModel
from qcplan.render.html import STYLE, badge, esc, fmt
from qcplan.render.i18n import check_lang, in_year_basis_text, kind_label

DEFAULT_N_SIMS = 4_000
#: Bounds of the goal seek (percentage points a year), as in ``TargetModel.solve_shift``.
SEEK_LO, SEEK_HI = -40.0, 40.0
#: Statuses decided by observed figures alone (or not moved by growth): no goal seek.
DECIDED = ("achieved", "missed", "done", "overdue", "not_done", "insufficient_data")
_CACHE_SIZE = 64

UI_TEXT: dict[str, tuple[str, str]] = {
    "title": ("情景推演工作台", "What-if workbench"),
    "pillar": ("领域", "Pillar"),
    "target": ("目标", "Target"),
    "scenario": ("情景", "Scenario"),
    "shift": ("增速调整(百分点/年)", "Growth shift (pp/yr)"),
    "shock_year": ("一次性冲击年份", "Shock year"),
    "shock_none": ("无", "none"),
    "shock_pct": ("冲击幅度(%)", "Shock size (%)"),
    "scale": ("不确定性倍数", "Uncertainty ×"),
    "method": ("预测方法", "Method"),
    "reset": ("重置调整", "Reset controls"),
    "p_goal": ("目标概率 p", "Probability p"),
    "seek": ("求所需增速", "Goal seek"),
    "apply": ("应用到滑块", "Apply to slider"),
    "table": ("本领域各目标所需增速", "Pillar table"),
    "save_name": ("情景id", "Scenario id"),
    "label_zh": ("中文名称", "Label (zh)"),
    "label_en": ("英文名称", "Label (en)"),
    "description_zh": ("中文说明", "Description (zh)"),
    "description_en": ("英文说明", "Description (en)"),
    "save": ("另存为情景", "Save as scenario"),
    "prob": ("达标概率", "P(reach)"),
    "median": ("预测中位数", "Projected median"),
    "interval": ("80%区间", "80% interval"),
    "target_value": ("目标", "Target"),
    "required": ("所需增速", "Required rate"),
    "implied": ("当前设定下的增速", "Rate under these settings"),
    "method_used": ("方法", "Method"),
    "shift_total": ("增速调整合计", "Total growth shift"),
    "custom": ("自定义调整", "custom settings"),
    "plan_note": ("达标路径情景:增速由情景设定(中位数恰好达标),增速调整滑块不起作用。",
                  "Plan-path scenario: the scenario sets the growth (the median just meets the "
                  "target), so the growth control has no effect."),
    "estimate_note": ("达标概率、预测值和区间均为模型估计值,不是统计数据。",
                      "P(reach), projections and intervals are model estimates, not statistics."),
}


def ui_text(key: str, lang: str = "zh") -> str:
    """A label of the workbench in ``lang``."""
    zh, en = UI_TEXT[key]
    return zh if lang == "zh" else en


# --------------------------------------------------------------------------- small records
@dataclass(frozen=True)
class Controls:
    """The settings of the controls, added to the scenario for the selected target."""

    shift: float = 0.0                 # pp a year
    shock_year: int | None = None
    shock_pct: float = 0.0             # % level change in shock_year
    scale: float = 1.0                 # multiplies the uncertainty
    method: str = "auto"

    @property
    def shocks(self) -> dict[int, float]:
        if self.shock_year is None or self.shock_pct == 0:
            return {}
        return {int(self.shock_year): float(self.shock_pct)}

    @property
    def is_identity(self) -> bool:
        """True when the controls change nothing in the projection (the method aside)."""
        return self.shift == 0 and not self.shocks and self.scale == 1


@dataclass(frozen=True)
class Reading:
    """The numbers the workbench shows for the selected target under the current settings."""

    target_id: str
    scenario: str
    prob_reach: float
    median: float            # decision quantity in the target year (growth: average %; ...)
    p10: float
    p90: float
    threshold: float         # what the decision quantity is compared with
    required_rate: float     # pace still needed from the latest figure (as in the reports)
    implied_rate: float      # pace the median projection implies, same unit
    rate_unit: str
    status: str              # the reports' status class
    method: str              # method reported ("auto:theta", "linear", ..., "observed")
    shift_pp: float          # total growth shift applied over the model (scenario + control)

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


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
            f"(约 {fmt(self.implied_rate, 1)} {_unit(self.rate_unit, lang)})" if zh else
            f"(about {fmt(self.implied_rate, 1)} {_unit(self.rate_unit, lang)})")
        if zh:
            return (f"达标概率 ≥ {self.p:.2f} 需增速调整 {self.control_shift:+.1f} "
                    f"个百分点/年{rate},较当前设定 {self.extra_pp:+.1f};"
                    f"此时达标概率 {self.prob_reach:.2f}。")
        return (f"P(reach) ≥ {self.p:.2f} needs a growth shift of {self.control_shift:+.1f} pp/yr"
                f"{' ' + rate if rate else ''}, {self.extra_pp:+.1f} from the current setting; "
                f"P(reach) there {self.prob_reach:.2f}.")


def _unit(rate_unit: str, lang: str) -> str:
    return rate_unit if lang == "zh" else rate_unit.replace("/年", "/yr")


# --------------------------------------------------------------------------- the workbench
class Workbench:
    """State and logic of the what-if workbench (see the module documentation).

    >>> wb = Workbench(load_plan())
    >>> wb.select_target("gdp_level")
    >>> wb.set_shift(2.0)
    >>> wb.current().prob_reach
    """

    def __init__(self, plan: Any, *, params_dir: str | Path | None = None, as_of: Any = None,
                 n_sims: int = DEFAULT_N_SIMS, seed: int | None = 0, lang: str = "zh",
                 pillar: str | None = None, target: str | None = None,
                 scenario: str = "baseline", assessor: Assessor | None = None):
        self.plan = plan
        self.lang = check_lang(lang)
        # Saved scenarios go to params_dir/scenarios, else to the plan's own scenarios/ folder.
        self.params_dir = Path(params_dir) if params_dir else Path(plan.data_dir)
        self.assessor = assessor if assessor is not None else Assessor(plan, as_of=as_of)
        self.n_sims = int(n_sims)
        self.seed = seed
        self.scenarios: dict[str, Scenario] = load_scenarios(self.params_dir, plan)
        self._targets = plan.targets.set_index("target_id")
        self._cache: dict[tuple, tuple[dict[str, Any], Evaluation | None]] = {}
        self._own: dict[tuple, Adjustment] = {}
        self.scenario_name = ""
        self.controls = Controls()
        self.set_scenario(scenario)
        self.pillar = ""
        self.target_id = ""
        if target:
            self.select_target(target)
        else:
            self.select_pillar(pillar or str(plan.pillars.sort_values("order")["pillar"].iloc[0]))
        if pillar and self.pillar != pillar:
            raise ValueError(f"target {target!r} is not in pillar {pillar!r}")

    @classmethod
    def open(cls, pillar: str = "", target: str = "", scenario: str = "baseline",
             lang: str = "zh", data_dir: Any = "", params_dir: Any = "", as_of: Any = "",
             n_sims: int = DEFAULT_N_SIMS, seed: int | None = 0) -> Workbench:
        """Load the plan and scenarios from notebook parameters ("" means the default)."""
        from qcplan.plan.load import load_plan

        plan = load_plan(data_dir or None)
        return cls(plan, params_dir=params_dir or None, as_of=as_of or None, n_sims=n_sims,
                   seed=seed, lang=lang, pillar=pillar or None, target=target or None,
                   scenario=scenario or "baseline")

    # -- what can be chosen ---------------------------------------------------
    def pillars(self) -> list[tuple[str, str]]:
        """(label, pillar id) of every pillar, in display order."""
        col = "name_zh" if self.lang == "zh" else "name_en"
        p = self.plan.pillars.sort_values("order")
        return [(str(n), str(i)) for n, i in zip(p[col], p["pillar"])]

    def targets(self, pillar: str | None = None) -> list[str]:
        """The pillar's targets that a growth change can move (milestones left out)."""
        pillar = pillar or self.pillar
        t = self.plan.targets
        sel = t[(t["pillar"] == pillar) & (t["kind"] != "milestone")]
        return [str(x) for x in sel["target_id"]]

    def target_options(self, pillar: str | None = None) -> list[tuple[str, str]]:
        """(label, target id) of :meth:`targets`."""
        return [(self.target_name(tid), tid) for tid in self.targets(pillar)]

    def target_name(self, target_id: str | None = None) -> str:
        row = self._targets.loc[target_id or self.target_id]
        name = row["name_zh"] if self.lang == "zh" else (row["name_en"] or row["name_zh"])
        return str(name)

    def scenario_options(self) -> list[tuple[str, str]]:
        return [(f"{s.label(self.lang)} ({n})", n) for n, s in self.scenarios.items()]

    def shock_years(self) -> list[int]:
        """The projected years of the selected target (where a shock has an effect)."""
        model = self.model()
        last = model.latest_year
        if last is None:
            return []
        return list(range(last + 1, model.target_year + 1))

    @property
    def scenario(self) -> Scenario:
        return self.scenarios[self.scenario_name]

    @property
    def method(self) -> str:
        return self.controls.method

    def model(self, target_id: str | None = None) -> TargetModel:
        """The (cached) model of a target under the current method."""
        return self.assessor.model(target_id or self.target_id, self.method)

    # -- the controls --------------------------------------------------------
    def select_pillar(self, pillar: str) -> list[str]:
        """Choose a pillar; keep the target if it is in it, else take its first. Returns its
        targets."""
        known = list(self.plan.pillars["pillar"])
        if pillar not in known:
            raise ValueError(f"pillar {pillar!r}: expected one of {', '.join(known)}")
        self.pillar = pillar
        ids = self.targets(pillar)
        if self.target_id not in ids:
            self.target_id = ids[0] if ids else ""
            self._drop_shock_outside()
        return ids

    def select_target(self, target_id: str) -> None:
        """Choose a target (its pillar becomes the current pillar). Milestones are refused."""
        if target_id not in self._targets.index:
            raise ValueError(f"unknown target {target_id!r}")
        row = self._targets.loc[target_id]
        if row["kind"] == "milestone":
            raise ValueError(f"target {target_id!r} is a milestone: growth does not move it")
        self.pillar = str(row["pillar"])
        self.target_id = target_id
        self._drop_shock_outside()

    def set_shift(self, pp: float) -> None:
        """Extra growth, percentage points a year, on top of the scenario."""
        pp = float(pp)
        if not math.isfinite(pp) or abs(pp) > SHIFT_LIMIT:
            raise ValueError(f"growth shift {pp}: expected -{SHIFT_LIMIT:g} to {SHIFT_LIMIT:g} pp")
        self.controls = dataclasses.replace(self.controls, shift=round(pp, 6))

    def set_shock(self, year: int | None, pct: float = 0.0) -> None:
        """A one-off persistent level change of ``pct`` % in ``year`` (None: no shock)."""
        pct = float(pct)
        lo, hi = SHOCK_LIMITS
        if not math.isfinite(pct) or not lo <= pct <= hi:
            raise ValueError(f"shock {pct}: expected a level change in % from {lo:g} to {hi:g}")
        if year is not None and not 2000 <= int(year) <= 2100:
            raise ValueError(f"shock year {year}: expected a year between 2000 and 2100")
        self.controls = dataclasses.replace(
            self.controls, shock_year=None if year is None else int(year), shock_pct=round(pct, 6))

    def set_scale(self, k: float) -> None:
        """Multiply the uncertainty (1 = as the model says)."""
        k = float(k)
        lo, hi = SCALE_LIMITS
        if not math.isfinite(k) or not lo <= k <= hi:
            raise ValueError(f"uncertainty scale {k}: expected {lo:g} to {hi:g}")
        self.controls = dataclasses.replace(self.controls, scale=round(k, 6))

    def set_method(self, method: str) -> None:
        """The projection method (fitted once per target and method, then cached)."""
        if method not in METHODS:
            raise ValueError(f"method {method!r}: expected one of {', '.join(METHODS)}")
        self.controls = dataclasses.replace(self.controls, method=method)

    def set_scenario(self, name: str) -> None:
        """Choose a scenario (generic, the plan's or params_dir's); the method control takes its
        method."""
        if name not in self.scenarios:
            raise ValueError(f"scenario {name!r}: expected one of {', '.join(self.scenarios)}")
        self.scenario_name = name
        self.controls = dataclasses.replace(self.controls, method=self.scenarios[name].method)

    def reset_controls(self) -> None:
        """Back to the scenario as it is (its own method too)."""
        self.controls = Controls(method=self.scenario.method)

    def _drop_shock_outside(self) -> None:
        if self.controls.shock_year is not None and self.target_id and \
                self.controls.shock_year not in self.shock_years():
            self.controls = dataclasses.replace(self.controls, shock_year=None, shock_pct=0.0)

    # -- the scenario as it would be saved ----------------------------------------
    def control_assumption(self) -> Assumption | None:
        """The controls as one ``target:<id>`` assumption (None when they change nothing)."""
        c = self.controls
        if c.is_identity or not self.target_id:
            return None
        return Assumption(scope=f"target:{self.target_id}", growth_shift_pp=c.shift,
                          shocks=c.shocks, uncertainty_scale=c.scale)

    def effective_scenario(self, name: str | None = None, **labels: str) -> Scenario:
        """The scenario's own assumptions plus the controls, with the method control."""
        base = self.scenario
        extra = self.control_assumption()
        assumptions = base.assumptions + ((extra,) if extra is not None else ())
        return dataclasses.replace(base, name=base.name if name is None else name,
                                   assumptions=assumptions,
                                   method=self.method, path=None,
                                   **{k: v for k, v in labels.items() if v})

    def adjustment(self, target_id: str | None = None) -> Adjustment:
        """What the scenario plus the controls do to a target's projection (the controls only
        apply to the selected target)."""
        tid = target_id or self.target_id
        model = self.model(tid)
        if tid != self.target_id or self.controls.is_identity:
            return self._own_adjustment(tid)
        return self.assessor.adjustment_for(self.effective_scenario(), model)

    def _own_adjustment(self, target_id: str) -> Adjustment:
        key = (self.scenario_name, target_id, self.method)
        if key not in self._own:
            self._own[key] = self.assessor.adjustment_for(self.scenario, self.model(target_id))
        return self._own[key]

    # -- the numbers ---------------------------------------------------------
    def _assess(self, target_id: str, adj: Adjustment,
                scenario: Scenario | None = None) -> tuple[dict[str, Any], Evaluation | None]:
        scen = scenario if scenario is not None else self.scenario
        key = (target_id, scen.name, scen.mode, self.method, adj.shift, adj.set_growth,
               tuple(sorted(adj.shocks.items())), adj.scale)
        hit = self._cache.get(key)
        if hit is None:
            hit = self.assessor.assess_target(target_id, scen, self.n_sims, self.seed,
                                              self.method, adjustment=adj)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = hit
        return hit

    def row(self) -> dict[str, Any]:
        """The reports' row of the selected target under the current settings."""
        return self._assess(self.target_id, self.adjustment())[0]

    def evaluation(self) -> Evaluation | None:
        return self._assess(self.target_id, self.adjustment())[1]

    def current(self) -> Reading:
        """The numbers shown for the selected target (simulated once per distinct setting)."""
        if not self.target_id:
            raise ValueError(f"pillar {self.pillar!r} has no target to explore")
        row, ev = self._assess(self.target_id, self.adjustment())
        model = self.model()
        return Reading(
            target_id=self.target_id, scenario=self.scenario_name,
            prob_reach=float(row["prob_reach"]), median=float(row["projected_median"]),
            p10=float(row["projected_p10"]), p90=float(row["projected_p90"]),
            threshold=float(row["decision_threshold"]),
            required_rate=float(row["required_rate"]),
            implied_rate=implied_rate(model, ev, row), rate_unit=str(row["rate_unit"] or ""),
            status=str(row["status"]), method=str(row["method"]),
            shift_pp=float(row["shift_pp"]),
        )

    # -- goal seek -------------------------------------------------------------
    def goal_seek(self, p: float = 0.8, target_id: str | None = None) -> GoalSeek:
        """The growth control that makes P(reach) ≥ ``p`` for a target (default: the selected
        one), keeping the other settings."""
        if not 0.0 < p < 1.0:
            raise ValueError(f"p {p}: expected a probability strictly between 0 and 1")
        tid = target_id or self.target_id
        adj = self.adjustment(tid)
        row, ev = self._assess(tid, adj)
        model = self.model(tid)
        status = str(row["status"])
        unit = str(row.get("rate_unit") or "")
        if ev is None or status in DECIDED or model.fitted is None:
            return GoalSeek(tid, p, "decided", rate_unit=unit, status=status)
        sign = -1.0 if model.lower_is_better else 1.0
        own_shift = adj.shift - (self.controls.shift if tid == self.target_id else 0.0)
        current_control = adj.shift - own_shift

        def goal(e: Evaluation) -> float:
            # the reported P(reach): the combined view (the trend's moved by the controls)
            return sign * (self.assessor.combined(model, e, e.prob_reach) - p)

        shift = model.solve_shift(goal, adj, n_sims=self.n_sims, seed=self.seed,
                                  lo=SEEK_LO, hi=SEEK_HI)
        if not math.isfinite(shift):
            at_hi = goal(model.evaluate(adj, self.n_sims, self.seed, shift=sign * SEEK_HI))
            outcome = "unreachable" if at_hi < 0 else "always"
            return GoalSeek(tid, p, outcome, rate_unit=unit, status=status)
        at = model.evaluate(adj, self.n_sims, self.seed, shift=shift)
        control = shift - own_shift
        return GoalSeek(tid, p, "ok", control_shift=control, extra_pp=control - current_control,
                        shift_pp=shift,
                        prob_reach=self.assessor.combined(model, at, at.prob_reach),
                        implied_rate=implied_rate(model, at, row), rate_unit=unit,
                        status=status)

    def pillar_goal_table(self, p: float = 0.8) -> pd.DataFrame:
        """The goal seek for every target of the pillar, sorted by the effort needed.

        Columns: ``target_id, name, kind, status, prob_reach`` (under the current settings),
        ``outcome``, ``shift_pp`` (the growth control that gives P ≥ ``p``; NaN unless found),
        ``implied_rate, rate_unit`` and ``needed`` (text: "+3.2", "—", "> +40", "< −40").
        Sorted largest effort first (targets that cannot reach ``p`` at the top); decided targets
        last.
        """
        rows = []
        for tid in self.targets():
            gs = self.goal_seek(p, tid)
            row, _ = self._assess(tid, self.adjustment(tid))
            if gs.outcome == "ok":
                needed, effort = f"{gs.control_shift:+.1f}", gs.control_shift
            elif gs.outcome == "unreachable":
                needed, effort = f"> +{SEEK_HI:.0f}", math.inf
            elif gs.outcome == "always":
                needed, effort = f"< −{SEEK_HI:.0f}", -math.inf
            else:
                needed, effort = "—", math.nan
            rows.append({
                "target_id": tid, "name": self.target_name(tid), "kind": row["kind"],
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

    # -- saving ----------------------------------------------------------------
    def save_as_scenario(self, name: str, label_zh: str = "", label_en: str = "",
                         description_zh: str = "", description_en: str = "") -> Path:
        """Write the current settings as ``<params_dir or plan folder>/scenarios/<name>.yaml``.

        The file holds the scenario's own assumptions plus the controls as one ``target:<id>``
        assumption, and the method control as its ``method``. Raises
        :class:`~qcplan.model.scenarios.ScenarioError` for a shipped name, a name that is not a safe
        id or a file that exists; nothing is written then.
        """
        name = str(name).strip()
        zh, en = self._describe()
        base = self.scenario
        scen = self.effective_scenario(
            name=name,
            label_zh=label_zh.strip() or f"{base.label_zh}(调整:{self.target_name_in('zh')})",
            label_en=label_en.strip() or f"{base.label_en} (adjusted: {self.target_name_in('en')})",
            description_zh=description_zh.strip() or zh,
            description_en=description_en.strip() or en,
        )
        path = save_scenario(scen, self.params_dir)
        self.scenarios = load_scenarios(self.params_dir, self.plan)
        return path

    def target_name_in(self, lang: str) -> str:
        row = self._targets.loc[self.target_id]
        return str(row["name_zh"] if lang == "zh" else (row["name_en"] or row["name_zh"]))

    def _describe(self) -> tuple[str, str]:
        c = self.controls
        base = self.scenario
        zh = [f"基于{base.label_zh}({base.name})"]
        en = [f"Based on {base.label_en} ({base.name})"]
        if not c.is_identity:
            parts_zh, parts_en = [], []
            if c.shift:
                parts_zh.append(f"增速调整{c.shift:+g}个百分点/年")
                parts_en.append(f"growth {c.shift:+g} pp a year")
            for y, v in c.shocks.items():
                parts_zh.append(f"{y}年一次性变化{v:+g}%")
                parts_en.append(f"a one-off {v:+g}% change in {y}")
            if c.scale != 1:
                parts_zh.append(f"不确定性×{c.scale:g}")
                parts_en.append(f"uncertainty ×{c.scale:g}")
            zh.append(f"目标“{self.target_name_in('zh')}”({self.target_id}):" + "、".join(parts_zh))
            en.append(f"target {self.target_name_in('en')} ({self.target_id}): " +
                      ", ".join(parts_en))
        if c.method != "auto":
            zh.append(f"预测方法{c.method}(适用于全部指标)")
            en.append(f"projection method {c.method} (for every indicator)")
        return ";".join(zh) + "。", "; ".join(en) + "."

    # -- the chart ---------------------------------------------------------------
    def bundle(self) -> dict[str, Any]:
        """A report bundle (see :mod:`qcplan.render.bundles`) of the selected target alone."""
        row, ev = self._assess(self.target_id, self.adjustment())
        return target_bundle(self.model(), row, ev)

    def reference_bundle(self) -> dict[str, Any] | None:
        """The baseline scenario without controls, for the dashed reference median (None when
        that is what is shown already, or there is no baseline scenario)."""
        if "baseline" not in self.scenarios:
            return None
        if self.scenario_name == "baseline" and self.controls.is_identity:
            return None
        base = self.scenarios["baseline"]
        model = self.model()
        adj = self.assessor.adjustment_for(base, model)
        row, ev = self._assess(self.target_id, adj, scenario=base)
        return target_bundle(model, row, ev)

    def scenario_label(self) -> str:
        label = self.scenario.label(self.lang)
        return label if self.controls.is_identity else f"{label} + {ui_text('custom', self.lang)}"

    def figure(self, ax: Any = None) -> Any:
        """The selected target's chart (history, fan, target, the path that meets it) under
        the current settings; a matplotlib Figure (the caller closes it)."""
        from qcplan.render.charts import indicator_chart

        return indicator_chart(self.bundle(), self.target_id, lang=self.lang,
                               baseline=self.reference_bundle(), ax=ax,
                               scenario_label=self.scenario_label())

    def figure_png(self, dpi: int = 90) -> bytes:
        """The chart as PNG bytes (for an image widget)."""
        import matplotlib.pyplot as plt

        fig = self.figure()
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png", dpi=dpi)
        finally:
            plt.close(fig)
        return buf.getvalue()

    # -- text ------------------------------------------------------------------
    def summary_line(self, p: float = 0.8) -> str:
        """A deterministic line for the notebook's checked output: P(reach) and the goal seek."""
        r = self.current()
        gs = self.goal_seek(p)
        seek = f"{gs.control_shift:+.1f} pp/yr" if gs.outcome == "ok" else gs.outcome
        return (f"{r.target_id} [{r.scenario}, {r.method}]: P(reach) = {r.prob_reach:.2f}, "
                f"status {r.status}; growth shift for P(reach) >= {p:.2f}: {seek}")

    def reading_html(self) -> str:
        """The readout: P(reach), status class, projection against the target, rates."""
        lang = self.lang
        r = self.current()
        row = self.row()
        kind = row["kind"]
        unit = "%" if kind in ("growth", "reduction") else ("×" if kind == "relative" else
                                                            esc(row.get("unit")))
        prob = "—" if not math.isfinite(r.prob_reach) else f"{r.prob_reach:.2f}"
        interval = "—" if not math.isfinite(r.p10) else f"{fmt(r.p10, 2)} – {fmt(r.p90, 2)}"
        ru = esc(_unit(r.rate_unit, lang))

        def rate(v: float) -> str:
            return "—" if not math.isfinite(v) else f"{fmt(v, 1)} {ru}"

        cells = [
            (ui_text("median", lang), f"{fmt(r.median, 2)} {unit}"),
            (ui_text("interval", lang), interval),
            (ui_text("target_value", lang), f"{fmt(r.threshold, 2)} {unit}"),
            (ui_text("required", lang), rate(r.required_rate)),
            (ui_text("implied", lang), rate(r.implied_rate)),
            (ui_text("shift_total", lang), f"{r.shift_pp:+.1f} pp"),
            (ui_text("method_used", lang), esc(r.method)),
        ]
        if str(row.get("ref_class") or ""):  # both views: the trend's P and the class's record
            from qcplan.render.wording import two_views

            views = two_views(row, lang)
            if views:
                cells.insert(0, ("两种视角" if lang == "zh" else "Both views", esc(views)))
        basis = in_year_basis_text(row, lang)
        if basis:  # the current year's projection rests on its months so far
            cells.insert(0, ("年内数据" if lang == "zh" else "In-year figures", esc(basis)))
        body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in cells)
        note = ui_text("plan_note", lang) if self.scenario.mode == "plan" else ""
        return (
            STYLE + '<div class="qc-reading">'
            f"<div><b>{esc(self.target_name())}</b> · {esc(kind_label(kind, lang))} · "
            f"{esc(self.scenario_label())}</div>"
            f'<div style="font-size:1.35em;margin:4px 0"><span class="qc-prob">'
            f"{esc(ui_text('prob', lang))} {prob}</span> {badge(r.status, lang)}</div>"
            f'<table class="qc-table">{body}</table>'
            + (f'<p class="qc-note">{esc(note)}</p>' if note else "")
            + f'<p class="qc-note">{esc(ui_text("estimate_note", lang))}</p></div>'
        )

    def goal_table_html(self, table: pd.DataFrame) -> str:
        """:meth:`pillar_goal_table` as an HTML table."""
        lang = self.lang
        zh = lang == "zh"
        heads = [ui_text("target", lang), ui_text("prob", lang), "状态" if zh else "Status",
                 "所需增速调整(百分点/年)" if zh else "Growth shift needed (pp/yr)",
                 "对应增速" if zh else "Implied rate"]
        rows = []
        for _, r in table.iterrows():
            rate = "—" if not math.isfinite(r["implied_rate"]) else \
                f"{fmt(r['implied_rate'], 1)} {esc(_unit(r['rate_unit'], lang))}"
            prob = "—" if not math.isfinite(r["prob_reach"]) else f"{r['prob_reach']:.2f}"
            cells = [esc(r["name"]), prob, badge(r["status"], lang), esc(r["needed"]), rate]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        return (STYLE + '<table class="qc-table qc-goal-table"><thead><tr>' +
                "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
                "".join(rows) + "</tbody></table>")


# --------------------------------------------------------------------------- helpers
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
    kind = model.kind
    percent = str(row.get("rate_unit") or "").startswith("%")
    if kind == "flow":
        return ev.quantile(0.5)
    if kind == "cumulative":
        years = model.period_years()
        delivered = float(sum(h.loc[y] for y in years if y in h.index))
        remaining = [y for y in years if y > last_year]
        return (ev.quantile(0.5) - delivered) / len(remaining) if remaining else math.nan
    series = model.history.dropna().sort_index() if kind in ("growth", "reduction") else h
    start_year, start = int(series.index[-1]), float(series.iloc[-1])
    n = model.target_year - start_year
    med = float(np.nanmedian(ev.projection.values(model.target_year)))
    if n <= 0 or not math.isfinite(med):
        return math.nan
    if percent and start > 0 and med > 0:
        rate = ((med / start) ** (1.0 / n) - 1.0) * 100.0
        return -rate if kind == "reduction" else rate  # reductions: the yearly fall
    return (med - start) / n


def target_bundle(model: TargetModel, row: dict[str, Any],
                  ev: Evaluation | None) -> dict[str, Any]:
    """A report bundle of one target (the frames
    :func:`qcplan.render.charts.indicator_chart` reads), built exactly as
    :func:`qcplan.render.bundles.build_bundle` builds them."""
    from qcplan.render.bundles import frames_to_bundle, target_frames

    return frames_to_bundle(target_frames(model, ev), pd.DataFrame([row]))


def error_text(exc: BaseException) -> str:
    """A message for the widget (no traceback)."""
    return str(exc) or type(exc).__name__
