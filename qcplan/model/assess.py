"""Assess every target of the plan: where it stands, where its path leads, how likely it is met.

Each target is reduced to one *decision quantity* (:mod:`qcplan.model.target`; everything
that depends on the kind is its class in :mod:`qcplan.model.kinds`) and given a status
(:mod:`qcplan.model.status`, where the status classes are listed). This module fits every series
once (:class:`Assessor`) and builds each target's record and the table, one row per target
(:mod:`qcplan.model.records`: :class:`~qcplan.model.records.TargetAssessment`,
:class:`~qcplan.model.records.AssessmentResult`).

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
from typing import Any

import numpy as np
import pandas as pd

from qcplan.errors import QcplanError
from qcplan.model import kinds, status
from qcplan.model import nowcast as _nowcast
from qcplan.model import pooling as _pooling
from qcplan.model.outside_view import shipped_view
from qcplan.model.project import fit as _fit_projection
from qcplan.model.records import AssessmentResult, TargetAssessment
from qcplan.model.scenarios import Adjustment, Scenario, get_scenario
from qcplan.model.target import Evaluation, TargetModel, in_year_basis
from qcplan.numbers import as_float
from qcplan.options import parse_date

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

    Parameters
    ----------
    plan : Plan
        A loaded plan; the assessor keeps what was known of it at ``as_of``.
    as_of : date, str, int or None
        The date of the assessment (default today); see :func:`assess`.
    method : str or None
        The projection method for every target (default: each scenario's).
    outside : bool
        Blend the trend's P(reach) with the outside view (the track record of past plans,
        without the plan's own geographies).

    Examples
    --------
    >>> a = Assessor(load_plan())
    >>> table = a.assess("baseline")          # one row per target
    >>> result = a.run("baseline")            # AssessmentResult: table, records, summary()
    >>> print(result.summary())
    """

    def __init__(self, plan: Any, as_of: Any = None, method: str | None = None,
                 outside: bool = True):
        self.as_of = as_of_date(as_of)
        #: the outside view (None: trend only); fitted without the plan's own geographies
        self.outside = None
        if outside:
            geos = tuple(sorted(set(map(str, plan.targets["geography"]))))
            self.outside = shipped_view(geos)
        # What was known then: figures received by as_of, each at the vintage current then.
        self.plan = plan.known_at(self.as_of) if hasattr(plan, "known_at") else plan
        self.method = method
        self._fits: dict[tuple, Any] = {}
        self._models: dict[tuple[str, str], TargetModel] = {}
        self._measure = dict(zip(plan.indicators["indicator_id"], plan.indicators["measure"]))
        self._unit = dict(zip(plan.indicators["indicator_id"],
                              plan.indicators["unit"].fillna("").astype(str))) \
            if "unit" in plan.indicators.columns else {}
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
                unit = self._unit.get(key[0], "")
                members = _pooling.plan_members(self._series_index(), self._measure, self._unit,
                                                key[3], unit)
                fitted = _pooling.assessment_fit(history, key[3], unit, key[:2], self.as_of,
                                                 members, m, fitted) or fitted
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
        kind = kinds.kind_of(row["kind"])
        on_index = kind.rates_as_index and measure in ("growth", "reduction")
        if on_index:
            # yearly rates → an index (a reduction rate is a fall: its growth is minus it)
            history = _growth_index(-raw if measure == "reduction" else raw)
        bounds = (0.0, 100.0) if measure == "share" else None
        fitted = None
        if kind.drawn:
            fit_key = (ind, geo, on_index, measure, method)
            in_year = None
            if fit_key not in self._fits and (measure in ("amount", "count")
                                              or on_index and measure == "growth"):
                in_year = self._in_year(ind, geo, measure, raw, history)
            fitted = self._fit(history, bounds, method, fit_key, in_year)
        bench_hist, bench_fit = None, None
        if kind.needs_benchmark and isinstance(row.get("benchmark"), str):
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
        """One row per target under ``scenario``: :meth:`run`'s table.

        Parameters are :meth:`run`'s; see the module docstring and
        :class:`~qcplan.model.records.TargetAssessment` for the columns.

        Returns
        -------
        pandas.DataFrame
        """
        return self.run(scenario, n_sims, seed, params_dir, targets).table

    def run(self, scenario: str | Scenario = "baseline", n_sims: int = 10_000,
            seed: int | None = 0, params_dir: Any = None,
            targets: Iterable[str] | None = None) -> AssessmentResult:
        """Assess every target (or ``targets``) under ``scenario``.

        Parameters
        ----------
        scenario : str or Scenario
            A scenario, or the name of one (looked up in ``params_dir``, then among the generic
            scenarios).
        n_sims : int
            Draws of each projection.
        seed : int or None
            Each target's draws have their own seed from it: the same seed, the same results,
            and a subset of targets gives the same rows.
        params_dir : path-like or None
            A folder of scenario files.
        targets : iterable of str or None
            The targets to assess, in this order (default: every target of the plan).

        Returns
        -------
        AssessmentResult
            The table, the per-target records and the evaluations behind them.
        """
        scen = get_scenario(scenario, params_dir)
        method = self.method or scen.method
        ids = list(targets) if targets is not None else list(self.plan.targets["target_id"])
        records, evals = [], {}
        for tid in ids:
            record, ev = self.assess_record(tid, scen, n_sims, seed, method)
            records.append(record)
            evals[tid] = ev
        table = pd.DataFrame([r.to_row() for r in records])
        if not records:  # a plan without targets yet (e.g. just made by `qcplan new`)
            table = pd.DataFrame(columns=[*self.plan.targets.columns, *EMPTY_TABLE_COLUMNS])
        return AssessmentResult(table=table, records={r.target_id: r for r in records},
                                evaluations=evals, scenario=scen, assessor=self,
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
        measure = model.target_kind.grows_as or model.measure
        adj = scen.adjustment(model.target_id, row["indicator_id"], row["pillar"], measure)
        if adj.set_growth is not None and model.fitted is not None:
            base = model.evaluate(Adjustment(scale=adj.scale), 2_000, 0)
            adj = Adjustment(shift=adj.shift + _shift_to_growth(model, base, adj.set_growth),
                             shocks=adj.shocks, scale=adj.scale)
        return adj

    def assess_target(self, target_id: str, scenario: str | Scenario = "baseline",
                      n_sims: int = 10_000, seed: int | None = 0, method: str = "auto",
                      adjustment: Adjustment | None = None
                      ) -> tuple[dict[str, Any], Evaluation | None]:
        """One target's row of the table and its evaluation.

        The same as :meth:`assess_record`, with the record as a row
        (:meth:`~qcplan.model.records.TargetAssessment.to_row`).

        Returns
        -------
        row : dict[str, Any]
            Column → value, as one row of :meth:`assess`'s table.
        evaluation : Evaluation or None
            None for milestones and targets without the figures to decide them.
        """
        record, ev = self.assess_record(target_id, scenario, n_sims, seed, method, adjustment)
        return record.to_row(), ev

    def assess_record(self, target_id: str, scenario: str | Scenario = "baseline",
                      n_sims: int = 10_000, seed: int | None = 0, method: str = "auto",
                      adjustment: Adjustment | None = None
                      ) -> tuple[TargetAssessment, Evaluation | None]:
        """Assess one target.

        Parameters
        ----------
        target_id : str
            A target of the plan.
        scenario : str or Scenario
            The scenario (a name is looked up among the generic scenarios).
        n_sims : int
            Draws of the projection.
        seed : int or None
            The seed of the target's draws (the same seed gives the same record).
        method : str
            The projection method (``"auto"`` or one of :data:`qcplan.model.project.METHODS`).
        adjustment : Adjustment or None
            The scenario's adjustment for this target, overriding the scenario's own (the
            workbench's moves).

        Returns
        -------
        record : TargetAssessment
            The target's typed record.
        evaluation : Evaluation or None
            The draws behind it; None for milestones and targets without the figures to decide
            them.
        """
        scen = get_scenario(scenario) if not isinstance(scenario, Scenario) else scenario
        model = self.model(target_id, method)
        out = _base_record(model, scen)
        if not model.target_kind.drawn:
            return out.with_values(status.milestone(model)), None
        if _lacks_figures(model):
            values = {"status": "insufficient_data",
                      **kinds.grade_columns(kinds.conventional_grade(model))}
            if self.outside is not None:
                # no trend to project, but how targets like this one fared still speaks: the
                # class view alone (the combined model without a trend P), the status unchanged
                values.update(status.outside_view(self.outside, model, math.nan, math.nan,
                                                  math.nan))
            return out.with_values(values), None
        adj = adjustment if adjustment is not None else self.adjustment_for(scen, model)
        ev = model.evaluate(adj, n_sims, seed)
        if scen.mode == "plan":
            ev = _on_plan_path(model, ev, adj, n_sims, seed)
        return out.with_values(status.numbers(model, ev, model.row, self.outside)), ev


def _lacks_figures(model: TargetModel) -> bool:
    """Nothing to project and observed figures do not decide it, or a relative target's
    benchmark has neither a projection nor a figure in the target year."""
    needs_bench = model.target_kind.needs_benchmark
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


def _base_record(model: TargetModel, scen: Scenario) -> TargetAssessment:
    """The target's own fields (identity, target, latest figure); the computed ones at their
    defaults."""
    row = model.row
    raw = model.raw_history
    latest_year = int(raw.index.max()) if len(raw) else None
    latest_value = float(raw.loc[latest_year]) if latest_year is not None else math.nan
    statuses = model.statuses
    latest_status = str(statuses.loc[latest_year]) if latest_year in statuses.index else ""
    if isinstance(latest_status, pd.Series):  # pragma: no cover - duplicates are validated away
        latest_status = str(latest_status.iloc[-1])
    illustrative = bool((statuses == "illustrative").any())
    if model.target_kind.needs_benchmark and model.bench_statuses is not None:
        illustrative |= bool((model.bench_statuses == "illustrative").any())
    return TargetAssessment(
        target_id=model.target_id,
        pillar=row["pillar"],
        indicator_id=row["indicator_id"],
        geography=row["geography"],
        kind=model.kind,
        rule=model.rule,
        direction=model.direction,
        # binding (约束性) / expected (预期性) / "" where the plan does not say
        obligation=str(row.get("obligation") or "") if isinstance(row.get("obligation"), str)
        else "",
        name_zh=row.get("name_zh"),
        name_en=row.get("name_en"),
        unit=row.get("unit"),
        scenario=scen.name,
        threshold=model.threshold,
        threshold_high=as_float(row.get("threshold_high")),
        decision_threshold=model.threshold,
        period_start=model.period_start,
        target_year=model.target_year,
        latest_value=latest_value,
        latest_year=latest_year,
        latest_status=latest_status,
        # ">" etc. when the latest figure was published only as a bound ("超过60%")
        latest_qualifier=str(model.qualifiers.get(latest_year, ""))
        if latest_year is not None else "",
        target_year_value=float(raw.loc[model.target_year])
        if model.target_year in raw.index else math.nan,
        n_points=int(raw.notna().sum()),
        illustrative=illustrative,
        **in_year_basis(model),
        responsible_units=row.get("responsible_units"),
        benchmark=row.get("benchmark") if isinstance(row.get("benchmark"), str) else "",
        caveats=tuple(model.notes()),
    )


def assess(plan: Any, scenario: str | Scenario = "baseline", as_of: Any = None,
           n_sims: int = 10_000, seed: int | None = 0, params_dir: Any = None,
           method: str | None = None) -> pd.DataFrame:
    """Assess every target of ``plan`` under ``scenario``: one tidy row per target.

    Parameters
    ----------
    plan : Plan
        A loaded plan (:func:`qcplan.load_plan`).
    scenario : str or Scenario
        The scenario, or its name.
    as_of : date, str, int or None
        A date, ``"YYYY-MM-DD"`` or a year (31 December); default today. Figures for later years
        are ignored, and it decides whether a milestone is overdue.
    n_sims : int
        Draws of each projection.
    seed : int or None
        Results are identical for the same ``seed``.
    params_dir : path-like or None
        A folder of scenario files.
    method : str or None
        The projection method for every target (default: the scenario's).

    Returns
    -------
    pandas.DataFrame
        One row per target (:class:`~qcplan.model.records.TargetAssessment`'s columns). For the
        records, the summary and the draws, use :meth:`Assessor.run`.
    """
    return Assessor(plan, as_of=as_of, method=method).assess(scenario, n_sims, seed, params_dir)
