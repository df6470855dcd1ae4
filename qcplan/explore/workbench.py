"""The "what if" workbench: one target, its projection and the controls that move it.

The notebook ``notebooks/explore.ipynb`` shows it in JupyterLab. The state and the controls are
here, in :class:`Workbench`, a plain object with methods the widgets call (and the tests call
without a browser); the goal seek is :mod:`qcplan.explore.goal_seek`, the HTML readout and table
:mod:`qcplan.explore.tables`, the chart :mod:`qcplan.explore.chart`, the words
:mod:`qcplan.explore.texts`. :func:`qcplan.explore.ui.build_ui` only wires ipywidgets to the
methods.

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
makes P(reach) ≥ ``p``, by regula falsi between −40 and +40 pp
(:meth:`qcplan.model.target.TargetModel.solve_shift`, same draws as the display).
:meth:`Workbench.pillar_goal_table` does it for every (non-milestone) target of the pillar and
sorts by the effort needed, largest first; targets already decided (achieved, missed) or without
enough data show "—" and sort last; targets that cannot reach ``p`` within ±40 pp say so.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

import qcplan.explore.chart as chart
import qcplan.explore.goal_seek as goal_seek
import qcplan.explore.tables as tables
from qcplan.explore.goal_seek import GoalSeek, implied_rate
from qcplan.explore.texts import ui_text
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
from qcplan.plan.load import load_plan
from qcplan.render.i18n import check_lang

DEFAULT_N_SIMS = 4_000
_CACHE_SIZE = 64


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
    def assess(self, target_id: str, adj: Adjustment,
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
        return self.assess(self.target_id, self.adjustment())[0]

    def evaluation(self) -> Evaluation | None:
        return self.assess(self.target_id, self.adjustment())[1]

    def current(self) -> Reading:
        """The numbers shown for the selected target (simulated once per distinct setting)."""
        if not self.target_id:
            raise ValueError(f"pillar {self.pillar!r} has no target to explore")
        row, ev = self.assess(self.target_id, self.adjustment())
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
        one), keeping the other settings (:func:`qcplan.explore.goal_seek.goal_seek`)."""
        return goal_seek.goal_seek(self, p, target_id)

    def pillar_goal_table(self, p: float = 0.8) -> pd.DataFrame:
        """The goal seek for every target of the pillar, sorted by the effort needed
        (:func:`qcplan.explore.goal_seek.pillar_goal_table`)."""
        return goal_seek.pillar_goal_table(self, p)

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
        """A report bundle of the selected target alone (:func:`qcplan.explore.chart.bundle`)."""
        return chart.bundle(self)

    def reference_bundle(self) -> dict[str, Any] | None:
        """The baseline scenario without controls, for the dashed reference median."""
        return chart.reference_bundle(self)

    def scenario_label(self) -> str:
        label = self.scenario.label(self.lang)
        return label if self.controls.is_identity else f"{label} + {ui_text('custom', self.lang)}"

    def figure(self, ax: Any = None) -> Any:
        """The selected target's chart; a matplotlib Figure (the caller closes it)."""
        return chart.figure(self, ax)

    def figure_png(self, dpi: int = 90) -> bytes:
        """The chart as PNG bytes (for an image widget)."""
        return chart.figure_png(self, dpi)

    # -- text ------------------------------------------------------------------
    def summary_line(self, p: float = 0.8) -> str:
        """A deterministic line for the notebook's checked output: P(reach) and the goal seek."""
        r = self.current()
        gs = self.goal_seek(p)
        seek = f"{gs.control_shift:+.1f} pp/yr" if gs.outcome == "ok" else gs.outcome
        return (f"{r.target_id} [{r.scenario}, {r.method}]: P(reach) = {r.prob_reach:.2f}, "
                f"status {r.status}; growth shift for P(reach) >= {p:.2f}: {seek}")

    def reading_html(self) -> str:
        """The readout (:func:`qcplan.explore.tables.reading_html`)."""
        return tables.reading_html(self)

    def goal_table_html(self, table: pd.DataFrame) -> str:
        """:meth:`pillar_goal_table` as an HTML table."""
        return tables.goal_table_html(self, table)
