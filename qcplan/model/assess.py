"""Assess every target of the plan: where it stands, where its path leads, how likely it is met.

Each target is reduced to one *decision quantity* (:mod:`qcplan.model.target`, per kind;
what else depends on the kind: :mod:`qcplan.model.kinds`) and given a status
(:mod:`qcplan.model.status`, where the status classes are listed). This module fits every series
once (:class:`Assessor`) and builds the table, one row per target.

A share target of 100% counts as met within
:data:`~qcplan.model.target.SHARE_CEILING_TOLERANCE` (0.5 points) of it.

``observed_from`` is the first year of the figures behind ``observed_rate`` and, for cumulative
targets, ``observed_total`` the total delivered in the observed years of the period (the written
findings of :mod:`qcplan.render.narrative` quote both).

Beside it, the conventional grades (deterministic, from observed figures only, the same in every
scenario; :mod:`qcplan.model.grades`, see there and docs/METHOD.md): ``eurostat_class`` and
``progress_ratio`` (Eurostat's R as Open SDG computes it: observed over required compound growth,
both from the base year ``grade_base_year``, i.e. the ``base_year`` column or ``period_start``;
``met`` whenever the latest figure meets the threshold), their rates ``observed_rate`` and
``planned_rate``, and ``review_grade`` (提前实现 / 快于预期 / 基本符合预期 / 滞后).
``required_rate`` is the forward-looking pace still needed from the latest figure.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from qcplan.errors import QcplanError
from qcplan.model import kinds, status
from qcplan.model import nowcast as _nowcast
from qcplan.model import pooling as _pooling
from qcplan.model.project import fit as _fit_projection
from qcplan.model.scenarios import Adjustment, Scenario, get_scenario
from qcplan.model.target import INDEX_KINDS, PROJECTED_KINDS, Evaluation, TargetModel, in_year_basis

#: Columns of the assessment table besides the target's own (the table of a plan with no targets).
EMPTY_TABLE_COLUMNS = (
    "status", "prob_reach", "prob_reach_trend", "ref_class", "ref_n", "ref_rate",
    "latest_value", "latest_year", "latest_status", "illustrative",
    "decision_threshold", "projected_median", "projected_p10", "projected_p90",
    "target_year_value", "required_rate", "observed_rate", "rate_unit", "progress_ratio",
    "eurostat_class", "review_grade", "shift_pp", "method",
)


# --------------------------------------------------------------------------- small helpers
def as_of_date(as_of: Any = None) -> _dt.date:
    """``as_of`` as a date: None → today; an int year → 31 December of that year (no range check:
    the entry points check with :func:`qcplan.options.check_as_of`)."""
    from qcplan.options import parse_date

    return parse_date(as_of)


def _growth_index(rates: pd.Series) -> pd.Series:
    """Yearly growth rates (%) → an index (base 100 the year before the first rate).

    Only the longest run of consecutive years ending at the latest rate is used: an index cannot
    be carried across a missing year.
    """
    rates = rates.dropna().sort_index()
    if rates.empty:
        return rates
    years = list(rates.index)
    start = len(years) - 1
    while start > 0 and years[start - 1] == years[start] - 1:
        start -= 1
    run = rates.iloc[start:]
    idx = {int(run.index[0]) - 1: 100.0}
    level = 100.0
    for year, g in run.items():
        level *= 1.0 + g / 100.0
        idx[int(year)] = level
    return pd.Series(idx, dtype=float).sort_index()


# --------------------------------------------------------------------------- the assessor
class Assessor:
    """Assess a plan under any number of scenarios, fitting every series once.

    >>> a = Assessor(load_plan())
    >>> table = a.assess("baseline")          # one row per target
    """

    def __init__(self, plan: Any, as_of: Any = None, method: str | None = None,
                 outside: bool = True):
        self.as_of = as_of_date(as_of)
        #: the outside view (None: trend only); fitted without the plan's own geographies
        self.outside = None
        if outside:
            from qcplan.model.outside_view import shipped_view

            geos = tuple(sorted(set(map(str, plan.targets["geography"]))))
            self.outside = shipped_view(geos)
        # What was known then: figures received by as_of, each at the vintage current then.
        self.plan = plan.known_at(self.as_of) if hasattr(plan, "known_at") else plan
        self.method = method
        self._fits: dict[tuple, Any] = {}
        self._models: dict[tuple[str, str], TargetModel] = {}
        self._measure = dict(zip(plan.indicators["indicator_id"], plan.indicators["measure"]))
        self._index: dict[tuple[str, str], pd.DataFrame] | None = None
        #: (indicator, geography) → why its in-year figures were not used
        self.in_year_problems: dict[tuple[str, str], str] = {}
        self._in_year_series: set[tuple[str, str]] | None = None

    # -- fitting -------------------------------------------------------------
    def _series_index(self) -> dict[tuple[str, str], pd.DataFrame]:
        """Whole-year observations up to ``as_of`` grouped by series, built once."""
        if self._index is None:
            obs = self.plan.observations
            keep = obs["year"] <= self.as_of.year
            if "period" in obs.columns:
                keep &= obs["period"].fillna("").astype(str).str.strip() == ""
            cols = ["indicator_id", "geography", "year", "value", "status"]
            if "qualifier" in obs.columns:
                cols.append("qualifier")
            sub = obs.loc[keep, cols]
            self._index = {
                (str(ind), str(geo)): g.set_index("year").sort_index()
                for (ind, geo), g in sub.groupby(["indicator_id", "geography"], sort=False)
            }
        return self._index

    def _history(self, indicator_id: str, geography: str) -> pd.Series:
        g = self._series_index().get((indicator_id, geography))
        if g is None:
            return pd.Series(dtype=float)
        s = g["value"].astype(float)
        s.index = s.index.astype(int)
        s.name = f"{indicator_id}@{geography}"
        return s

    def _qualifiers(self, indicator_id: str, geography: str) -> pd.Series:
        """Year → ``>``/``>=``/``<``/``<=`` for the figures published only as a bound."""
        g = self._series_index().get((indicator_id, geography))
        if g is None or "qualifier" not in g.columns:
            return pd.Series(dtype=object)
        q = g["qualifier"].fillna("").astype(str).str.strip()
        q.index = q.index.astype(int)
        return q[q != ""]

    def _fit(self, history: pd.Series, bounds: tuple[float, float] | None, method: str,
             key: tuple, in_year: Any = None) -> Any:
        """Fit once per key; ``in_year`` is a flow's monthly figures (a ``pd.Series``) or a
        growth rate's year-to-date nowcast (:class:`qcplan.model.nowcast.Nowcast`). With the
        outside view on, a level's series of two or three yearly figures is fitted partially
        pooled with the series of its measure and unit (:mod:`qcplan.model.pooling`)."""
        if key not in self._fits:
            m = "auto" if method == "bounded" and bounds is None else method
            fitted = None
            if isinstance(in_year, pd.Series):
                try:
                    fitted = _fit_projection(history, method=m, bounds=bounds,
                                             subannual=in_year, subannual_kind="flow")
                except QcplanError as exc:  # figures the nowcast cannot use: yearly only
                    fitted = None
                    self.in_year_problems[key[:2]] = str(exc)
                if fitted is not None and fitted.status != "ok":
                    fitted = None
            if fitted is None and history.notna().sum() >= 2:
                fitted = _fit_projection(history, method=m, bounds=bounds)
                if isinstance(in_year, _nowcast.Nowcast) and fitted.status == "ok":
                    fitted.nowcast = in_year
                    fitted.notes.append(f"{in_year.year}: in-year nowcast from the year-to-date "
                                        f"growth to month {in_year.k} ({in_year.method})")
                    fitted.notes.extend(in_year.notes)
            if fitted is not None and fitted.status == "ok" and fitted.nowcast is None and \
                    self.outside is not None and not key[2] and \
                    key[3] in _pooling.POOLED_MEASURES and \
                    history.notna().sum() <= _pooling.SHORT_MAX_POINTS:
                # a short series borrows how far series of its measure and unit move in a year
                ind = self.plan.indicators
                units = dict(zip(ind["indicator_id"], ind["unit"].fillna("").astype(str))) \
                    if "unit" in ind.columns else {}
                unit = units.get(key[0], "")
                members = _pooling.plan_members(self._series_index(), self._measure, units,
                                                key[3], unit)
                fitted = _pooling.assessment_fit(history, key[3], unit, key[:2], self.as_of,
                                                 members, m) or fitted
            self._fits[key] = fitted
        return self._fits[key]

    def _in_year(self, indicator_id: str, geography: str, measure: str, raw: pd.Series,
                 history: pd.Series) -> Any:
        """The series' in-year figures as the projection takes them (None without any).

        Amounts and counts are flows (the year is the sum of its months): their year-to-date
        values, periods' own values and year-to-date growth rates become monthly figures
        (:func:`qcplan.model.nowcast.flow_from_published`). Growth rates projected as an index
        take their year-to-date growth rate (:func:`qcplan.model.nowcast.rate_nowcast`). Other
        measures' in-year figures are shown in the reports but not projected.
        """
        if not hasattr(self.plan, "subannual"):
            return None
        if self._in_year_series is None:  # the series with in-year figures, found once
            obs = self.plan.observations
            inyear = obs[obs["period"] != ""] if "period" in obs else obs[:0]  # as subannual
            self._in_year_series = set(zip(inyear["indicator_id"], inyear["geography"]))
        if (indicator_id, geography) not in self._in_year_series:
            return None
        try:
            rows = self.plan.subannual(indicator_id, geography)
        except KeyError:
            return None
        if rows is None or rows.empty:
            return None
        rows = rows[rows["year"] <= self.as_of.year]
        try:
            if measure in ("amount", "count"):
                return _nowcast.flow_from_published(rows, raw)
            if measure == "growth":
                return _nowcast.rate_nowcast(rows, raw, history)
        except QcplanError as exc:  # figures the nowcast cannot use: yearly figures only
            self.in_year_problems[(indicator_id, geography)] = str(exc)
        return None

    def model(self, target_id: str, method: str = "auto") -> TargetModel:
        """The (cached) model of one target."""
        key = (target_id, method)
        if key in self._models:
            return self._models[key]
        t = self.plan.targets.set_index("target_id")
        if target_id not in t.index:
            raise KeyError(f"unknown target {target_id!r}; known: {', '.join(t.index[:5])}, ...")
        row = t.loc[target_id].copy()
        row["target_id"] = target_id
        ind, geo = row["indicator_id"], row["geography"]
        measure = self._measure.get(ind, "amount")
        raw = self._history(ind, geo)
        statuses = self._statuses(ind, geo)
        history = raw
        on_index = row["kind"] in INDEX_KINDS and measure in ("growth", "reduction")
        if on_index:
            # yearly rates → an index (a reduction rate is a fall: its growth is minus it)
            history = _growth_index(-raw if measure == "reduction" else raw)
        bounds = (0.0, 100.0) if measure == "share" else None
        fitted = None
        if row["kind"] in PROJECTED_KINDS:
            fit_key = (ind, geo, on_index, measure, method)
            in_year = None
            if fit_key not in self._fits and (measure in ("amount", "count")
                                              or on_index and measure == "growth"):
                in_year = self._in_year(ind, geo, measure, raw, history)
            fitted = self._fit(history, bounds, method, fit_key, in_year)
        bench_hist, bench_fit = None, None
        if row["kind"] == "relative" and isinstance(row.get("benchmark"), str):
            b_ind, _, b_geo = row["benchmark"].partition("@")
            bench_hist = self._history(b_ind, b_geo)
            b_bounds = (0.0, 100.0) if self._measure.get(b_ind) == "share" else None
            bench_fit = self._fit(bench_hist, b_bounds, method, (b_ind, b_geo, False, "", method))
        model = TargetModel(row, history, statuses, fitted, bench_hist, bench_fit, measure,
                            self.as_of, method)
        model.raw_history = raw
        model.on_index = on_index
        model.qualifiers = self._qualifiers(ind, geo)
        if bench_hist is not None:
            b_ind, _, b_geo = row["benchmark"].partition("@")
            model.bench_statuses = self._statuses(b_ind, b_geo)
        self._models[key] = model
        return model

    def _statuses(self, indicator_id: str, geography: str) -> pd.Series:
        g = self._series_index().get((indicator_id, geography))
        if g is None:
            return pd.Series(dtype=object)
        st = g["status"].astype(str)
        st.index = st.index.astype(int)
        return st

    # -- assessing -----------------------------------------------------------
    def assess(self, scenario: str | Scenario = "baseline", n_sims: int = 10_000,
               seed: int | None = 0, params_dir: Any = None,
               targets: Iterable[str] | None = None) -> pd.DataFrame:
        """One row per target under ``scenario``; see the module docstring for the columns."""
        return self.run(scenario, n_sims, seed, params_dir, targets).table

    def run(self, scenario: str | Scenario = "baseline", n_sims: int = 10_000,
            seed: int | None = 0, params_dir: Any = None,
            targets: Iterable[str] | None = None) -> AssessmentResult:
        """Assess and keep the evaluations (for charts); see :class:`AssessmentResult`."""
        scen = get_scenario(scenario, params_dir)
        method = self.method or scen.method
        ids = list(targets) if targets is not None else list(self.plan.targets["target_id"])
        rows, evals = [], {}
        for tid in ids:
            row, ev = self.assess_target(tid, scen, n_sims, seed, method)
            rows.append(row)
            evals[tid] = ev
        table = pd.DataFrame(rows)
        if not rows:  # a plan without targets yet (e.g. just made by `qcplan new`)
            table = pd.DataFrame(columns=[*self.plan.targets.columns, *EMPTY_TABLE_COLUMNS])
        return AssessmentResult(table=table, evaluations=evals, scenario=scen, assessor=self,
                                n_sims=n_sims, seed=seed)

    def combined(self, model: TargetModel, ev: Evaluation, p_trend: float) -> float:
        """The combined P(reach) of ``model``'s target for a trend P of ``p_trend`` (the reference
        class and pace of ``ev`` held): what the assessment would report; ``p_trend`` itself
        without an outside view."""
        if self.outside is None or ev.complete or not np.isfinite(p_trend):
            return float(p_trend)
        req, recent, _, _ = kinds.rates(model, ev)
        return float(status.outside_view(self.outside, model, p_trend, req, recent)["prob_reach"])

    def adjustment_for(self, scen: Scenario, model: TargetModel) -> Adjustment:
        row = model.row
        # an intensity to reduce is not "what grows": broad growth shifts leave it alone unless
        # an assumption names it (or lists the measure reduction)
        measure = "reduction" if model.kind == "reduction" else model.measure
        adj = scen.adjustment(model.target_id, row["indicator_id"], row["pillar"], measure)
        if adj.set_growth is not None and model.fitted is not None:
            base = model.evaluate(Adjustment(scale=adj.scale), 2_000, 0)
            adj = Adjustment(shift=adj.shift + _shift_to_growth(model, base, adj.set_growth),
                             shocks=adj.shocks, scale=adj.scale)
        return adj

    def assess_target(self, target_id: str, scenario: str | Scenario = "baseline",
                      n_sims: int = 10_000, seed: int | None = 0, method: str = "auto",
                      adjustment: Adjustment | None = None) -> tuple[dict[str, Any], Any]:
        """One target's row and its evaluation (None for milestones and missing data)."""
        scen = get_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
        model = self.model(target_id, method)
        out = _base_row(model, scen)
        if model.kind == "milestone":
            out.update(status.milestone(model))
            return out, None
        if _lacks_figures(model):
            out.update(status="insufficient_data")
            out.update(kinds.grade_columns(kinds.conventional_grade(model)))
            return out, None
        adj = adjustment if adjustment is not None else self.adjustment_for(scen, model)
        ev = model.evaluate(adj, n_sims, seed)
        if scen.mode == "plan":
            ev = _on_plan_path(model, ev, adj, n_sims, seed)
        out.update(status.numbers(model, ev, model.row, self.outside))
        return out, ev


def _lacks_figures(model: TargetModel) -> bool:
    """Nothing to project and observed figures do not decide it, or a relative target's
    benchmark has neither a projection nor a figure in the target year."""
    needs_bench = model.kind == "relative"
    return model.fitted is None and not kinds.decided_by_observation(model) or (
        needs_bench and model.bench_fitted is None
        and model.target_year not in (model.bench_history.index
                                      if model.bench_history is not None else []))


def _on_plan_path(model: TargetModel, ev: Evaluation, adj: Adjustment, n_sims: int,
                  seed: int | None) -> Evaluation:
    """Under a ``mode: plan`` scenario, a target not decided yet is evaluated on the shifted path
    whose median just meets it (``ev`` itself where no such shift is found)."""
    if ev.complete or status.met_by_observation(model, ev):
        return ev
    shift = model.plan_shift(adj, seed)
    if np.isfinite(shift):
        ev = model.evaluate(adj, n_sims, seed, shift=shift)
        ev.extra["plan_mode"] = True
    return ev


def _shift_to_growth(model: TargetModel, base: Evaluation, pct: float) -> float:
    """The shift that turns the median yearly growth of ``base`` into ``pct``."""
    proj = base.projection
    last_year = model.latest_year
    horizon = model.target_year - last_year
    if proj is None or horizon <= 0:
        return 0.0
    last = float(model.history.loc[last_year])
    med = float(proj.median(model.target_year))
    if last > 0 and med > 0:
        cur = ((med / last) ** (1.0 / horizon) - 1.0) * 100.0
        return float(pct - cur)
    return float(last * pct / 100.0 - (med - last) / horizon)


def _base_row(model: TargetModel, scen: Scenario) -> dict[str, Any]:
    row = model.row
    raw = model.raw_history
    latest_year = int(raw.index.max()) if len(raw) else None
    latest_value = float(raw.loc[latest_year]) if latest_year is not None else math.nan
    statuses = model.statuses
    latest_status = str(statuses.loc[latest_year]) if latest_year in statuses.index else ""
    if isinstance(latest_status, pd.Series):  # pragma: no cover - duplicates are validated away
        latest_status = str(latest_status.iloc[-1])
    illustrative = bool((statuses == "illustrative").any())
    if model.kind == "relative" and model.bench_statuses is not None:
        illustrative |= bool((model.bench_statuses == "illustrative").any())
    return {
        "target_id": model.target_id,
        "pillar": row["pillar"],
        "indicator_id": row["indicator_id"],
        "geography": row["geography"],
        "kind": model.kind,
        "rule": model.rule,
        "direction": model.direction,
        # binding (约束性) / expected (预期性) / "" where the plan does not say
        "obligation": str(row.get("obligation") or "") if isinstance(row.get("obligation"), str)
        else "",
        "name_zh": row.get("name_zh"),
        "name_en": row.get("name_en"),
        "unit": row.get("unit"),
        "scenario": scen.name,
        "threshold": model.threshold,
        "threshold_high": _float(row.get("threshold_high")),
        "decision_threshold": model.threshold,
        "period_start": model.period_start,
        "target_year": model.target_year,
        "latest_value": latest_value,
        "latest_year": latest_year,
        "latest_status": latest_status,
        # ">" etc. when the latest figure was published only as a bound ("超过60%")
        "latest_qualifier": str(model.qualifiers.get(latest_year, ""))
        if latest_year is not None else "",
        "target_year_value": float(raw.loc[model.target_year])
        if model.target_year in raw.index else math.nan,
        "n_points": int(raw.notna().sum()),
        "illustrative": illustrative,
        "prob_reach": math.nan,
        "prob_reach_trend": math.nan,
        "ref_class": "",
        "ref_n": 0,
        "ref_rate": math.nan,
        "projected_median": math.nan,
        "projected_p10": math.nan,
        "projected_p90": math.nan,
        "indicator_median": math.nan,
        "required_rate": math.nan,
        "observed_rate": math.nan,
        "planned_rate": math.nan,
        "grade_base_year": math.nan,
        "rate_unit": "",
        "progress_ratio": math.nan,
        "schedule_ratio": math.nan,
        "observed_from": math.nan,
        "observed_total": math.nan,
        "shift_pp": 0.0,
        **in_year_basis(model),
        "method": "",
        "status": "",
        "eurostat_class": "",
        "review_grade": "",
        "responsible_units": row.get("responsible_units"),
        "benchmark": row.get("benchmark") if isinstance(row.get("benchmark"), str) else "",
        "caveats": ";".join(model.notes()),
    }


def _float(v: Any) -> float:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return math.nan
    return f



# --------------------------------------------------------------------------- results
@dataclass
class AssessmentResult:
    """The table of one scenario's assessment and the evaluations behind it."""

    table: pd.DataFrame
    evaluations: dict[str, Evaluation | None]
    scenario: Scenario
    assessor: Assessor
    n_sims: int
    seed: int | None

    def evaluation(self, target_id: str) -> Evaluation | None:
        return self.evaluations.get(target_id)

    def model(self, target_id: str) -> TargetModel:
        return self.assessor.model(target_id)


def assess(plan: Any, scenario: str | Scenario = "baseline", as_of: Any = None,
           n_sims: int = 10_000, seed: int | None = 0, params_dir: Any = None,
           method: str | None = None) -> pd.DataFrame:
    """Assess every target of ``plan`` under ``scenario``: one tidy row per target.

    ``as_of`` (a date, ``"YYYY-MM-DD"`` or a year; default today) ignores figures for later years
    and decides whether a milestone is overdue. Results are identical for the same ``seed``.
    """
    return Assessor(plan, as_of=as_of, method=method).assess(scenario, n_sims, seed, params_dir)
