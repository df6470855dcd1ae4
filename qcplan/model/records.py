"""The assessment's results: one target's typed record, the whole result and its summary.

:class:`TargetAssessment` holds every column of the assessment table as a typed field with a
one-line description, in seven groups (:data:`GROUPS`): identity, target, latest figure,
probabilities and outside view, projection, rates and grades, status. The record is frozen: the
assessment builds it from the target's own columns and then fills the computed fields with
:meth:`TargetAssessment.with_values`, which refuses a name that is not a field. ``caveats`` is
a tuple of codes; :meth:`TargetAssessment.to_row` writes them ``;``-joined, as the table, its
CSV and the reports have them (:func:`split_caveats` reads them back).

:class:`AssessmentResult` is what :meth:`qcplan.model.assess.Assessor.run` returns (the model →
results split of statsmodels): the table, the records, the evaluations behind them and the
settings of the run. Its ``summary()`` is an :class:`AssessmentSummary`: the settings, the
count of targets per status and the targets off track, as text (``print``) or as HTML in a
notebook.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any, Protocol

import pandas as pd

from qcplan.model.scenarios import Scenario
from qcplan.model.status import STATUS_ORDER
from qcplan.model.target import Evaluation, TargetModel

if TYPE_CHECKING:
    from qcplan.model.outside_view import OutsideView

#: The groups of :class:`TargetAssessment`'s fields, in the order the record lists them.
GROUPS = ("identity", "target", "latest figure", "probabilities and outside view", "projection",
          "rates and grades", "status")

#: The statuses :meth:`AssessmentSummary` lists as off track: P(reach) below 0.5 and not decided.
OFF_TRACK = ("moving_away", "off_track")


def _f(group: str, doc: str, default: Any = MISSING) -> Any:
    """A field of :class:`TargetAssessment` with its group and one-line description."""
    return field(default=default, metadata={"group": group, "doc": doc})


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetAssessment:
    """One target's assessment under one scenario: one row of the assessment table.

    Fields without a default are the target's own (from ``targets.csv`` and its figures); the
    others are computed and keep their default (NaN, ``""``, 0) where they do not apply, e.g. a
    milestone has no projection. ``TargetAssessment.describe()`` lists every field with its group
    and description.

    Parameters
    ----------
    **fields
        One keyword per field (see :meth:`describe`); an unknown name raises ``TypeError``.

    Raises
    ------
    TypeError
        For an unknown field name.
    ValueError
        For a status that is not one of :data:`qcplan.model.status.STATUS_ORDER` (or ``""``
        before the status is set), or a caveat code that is not a non-empty text without ``;``.
    """

    # -- identity
    target_id: str = _f("identity", "the target's id in targets.csv")
    pillar: str = _f("identity", "the pillar (chapter) the target belongs to")
    indicator_id: str = _f("identity", "the indicator the target is measured on")
    geography: str = _f("identity", "the series the target is assessed on, a district, a city")
    name_zh: str = _f("identity", "the target's name in Chinese")
    name_en: str = _f("identity", "the target's name in English")
    unit: str = _f("identity", "the unit of the threshold and figures")
    responsible_units: str = _f("identity", "the units responsible for the target, as targets.csv")
    scenario: str = _f("identity", "the scenario the target was assessed under")
    # -- target
    kind: str = _f("target", "level, share, growth, reduction, flow, cumulative, relative, "
                             "workpoint or milestone")
    rule: str = _f("target", "how the threshold is met, e.g. reach, every_year, average")
    direction: str = _f("target", "at_least or at_most (and their strict forms)")
    obligation: str = _f("target", "binding (约束性), expected (预期性) or '' where the plan does "
                                   "not say")
    threshold: float = _f("target", "the target's threshold as the plan states it")
    threshold_high: float = _f("target", "the upper end of a range target (NaN otherwise)")
    decision_threshold: float = _f("target", "the threshold the decision quantity is compared "
                                             "with (e.g. a relative target's ratio)")
    period_start: int | None = _f("target", "the year before the period's first year (the base "
                                            "of growth targets)")
    target_year: int = _f("target", "the year the target is due")
    benchmark: str = _f("target", "a relative target's benchmark series indicator@geography, "
                                  "'' otherwise")
    # -- latest figure
    latest_value: float = _f("latest figure", "the latest whole-year figure (NaN without one)")
    latest_year: int | None = _f("latest figure", "its year (None without a figure)")
    latest_status: str = _f("latest figure", "its status: official, preliminary, illustrative, …")
    latest_qualifier: str = _f("latest figure", "'>' etc. when it was published only as a bound "
                                                "(超过60%), '' otherwise")
    target_year_value: float = _f("latest figure", "the figure of the target year, if observed")
    n_points: int = _f("latest figure", "the number of whole-year figures")
    illustrative: bool = _f("latest figure", "any figure behind the row is illustrative")
    # -- probabilities and outside view
    prob_reach: float = _f("probabilities and outside view", "P(reach): the trend's P blended "
                           "with the outside view where it applies", math.nan)
    prob_reach_trend: float = _f("probabilities and outside view", "the trend's P(reach) alone "
                                 "(the share of draws that meet the target)", math.nan)
    ref_class: str = _f("probabilities and outside view", "the outside view's reference class "
                        "(obligation · domain · form), '' where it does not apply", "")
    ref_n: int = _f("probabilities and outside view", "past targets in the reference class", 0)
    ref_rate: float = _f("probabilities and outside view", "the share of them met", math.nan)
    # -- projection
    projected_median: float = _f("projection", "the decision quantity's median in the target "
                                 "year", math.nan)
    projected_p10: float = _f("projection", "its 10th percentile", math.nan)
    projected_p90: float = _f("projection", "its 90th percentile", math.nan)
    indicator_median: float = _f("projection", "the indicator's own median in the target year "
                                 "(where the decision quantity is another)", math.nan)
    shift_pp: float = _f("projection", "the scenario's extra growth a year (a plan-mode path's "
                         "shift)", 0.0)
    in_year_year: float | int = _f("projection", "the year whose in-year figures the projection "
                                   "rests on (NaN without any)")
    in_year_months: int = _f("projection", "how many of its months (0 without any)")
    method: str = _f("projection", "the projection method used, 'observed' when figures decide "
                     "it, '' without a projection", "")
    # -- rates and grades
    required_rate: float = _f("rates and grades", "the pace still needed from the latest figure",
                              math.nan)
    observed_rate: float = _f("rates and grades", "the observed yearly pace from the grade's base "
                              "year", math.nan)
    planned_rate: float = _f("rates and grades", "the planned yearly pace from the same base",
                             math.nan)
    grade_base_year: float | int = _f("rates and grades", "the base year of the conventional "
                                      "grades (NaN without one)", math.nan)
    rate_unit: str = _f("rates and grades", "the unit of the rates, e.g. %/年", "")
    progress_ratio: float = _f("rates and grades", "observed over required growth (Eurostat's R)",
                               math.nan)
    schedule_ratio: float = _f("rates and grades", "a cumulative target's delivered share over "
                               "the period's elapsed share", math.nan)
    observed_from: float = _f("rates and grades", "the first year of the figures behind "
                              "observed_rate", math.nan)
    observed_total: float = _f("rates and grades", "a cumulative target's total delivered in the "
                               "observed years", math.nan)
    eurostat_class: str = _f("rates and grades", "the conventional grade's class (met, …)", "")
    review_grade: str = _f("rates and grades", "提前实现 / 快于预期 / 基本符合预期 / 滞后", "")
    # -- status
    status: str = _f("status", "the status class (qcplan.model.status.STATUS_ORDER)", "")
    caveats: tuple[str, ...] = _f("status", "codes on how the row was decided: period_gap, "
                                  "base_earlier, bound", ())

    def __post_init__(self) -> None:
        if self.status and self.status not in STATUS_ORDER:
            raise ValueError(f"target {self.target_id!r}: status {self.status!r} is not one of "
                             f"{', '.join(STATUS_ORDER)}")
        if not isinstance(self.caveats, tuple) or not all(
                isinstance(c, str) and c and ";" not in c for c in self.caveats):
            raise ValueError(f"target {self.target_id!r}: caveats must be a tuple of codes "
                             f"without ';', got {self.caveats!r}")

    def with_values(self, values: Mapping[str, Any]) -> TargetAssessment:
        """A copy with the computed ``values`` filled in.

        Parameters
        ----------
        values : Mapping[str, Any]
            Field name → value, e.g. what :func:`qcplan.model.status.numbers` returns.

        Returns
        -------
        TargetAssessment
            The new record (this one is left as it is).

        Raises
        ------
        TypeError
            If a name is not a field of the record.
        """
        unknown = sorted(set(values) - set(FIELD_NAMES))
        if unknown:
            raise TypeError(f"TargetAssessment has no field {', '.join(map(repr, unknown))}; "
                            f"see TargetAssessment.describe()")
        return replace(self, **values)

    def to_row(self) -> dict[str, Any]:
        """The record as a row of the assessment table.

        Returns
        -------
        dict[str, Any]
            Column → value in the table's order (:data:`COLUMNS`), ``caveats`` ``;``-joined.
        """
        row = {name: getattr(self, name) for name in COLUMNS}
        row["caveats"] = ";".join(self.caveats)
        return row

    @classmethod
    def describe(cls) -> pd.DataFrame:
        """Every field with its group, type and description.

        Returns
        -------
        pandas.DataFrame
            Columns ``field``, ``group``, ``type``, ``doc``; one row per field, grouped.
        """
        return pd.DataFrame(
            [{"field": f.name, "group": f.metadata["group"], "type": str(f.type),
              "doc": f.metadata["doc"]} for f in fields(cls)],
            columns=["field", "group", "type", "doc"])


#: Every field name of :class:`TargetAssessment`, in the record's (grouped) order.
FIELD_NAMES = tuple(f.name for f in fields(TargetAssessment))

#: The assessment table's columns, in its order (which predates the record's groups: CSV files,
#: reports and notebooks read the table in this order).
COLUMNS = (
    "target_id", "pillar", "indicator_id", "geography", "kind", "rule", "direction",
    "obligation", "name_zh", "name_en", "unit", "scenario", "threshold", "threshold_high",
    "decision_threshold", "period_start", "target_year", "latest_value", "latest_year",
    "latest_status", "latest_qualifier", "target_year_value", "n_points", "illustrative",
    "prob_reach", "prob_reach_trend", "ref_class", "ref_n", "ref_rate", "projected_median",
    "projected_p10", "projected_p90", "indicator_median", "required_rate", "observed_rate",
    "planned_rate", "grade_base_year", "rate_unit", "progress_ratio", "schedule_ratio",
    "observed_from", "observed_total", "shift_pp", "in_year_year", "in_year_months", "method",
    "status", "eurostat_class", "review_grade", "responsible_units", "benchmark", "caveats",
)


def split_caveats(text: Any) -> tuple[str, ...]:
    """The caveat codes of a table's ``caveats`` cell (the inverse of the ``;``-join).

    Parameters
    ----------
    text : str or None
        The cell; ``""``, None or NaN (a cell read back from an empty CSV field) give no code.

    Returns
    -------
    tuple[str, ...]
        The codes in their order.
    """
    if not isinstance(text, str) or not text:
        return ()
    return tuple(text.split(";"))


# --------------------------------------------------------------------------- the summary
@dataclass(frozen=True)
class AssessmentSummary:
    """A readable summary of one scenario's assessment.

    Parameters
    ----------
    settings : dict[str, str]
        Scenario, method, as-of date, draws, seed and the outside view in use, as text.
    counts : pandas.DataFrame
        ``status`` and ``n``: the targets per status, in
        :data:`qcplan.model.status.STATUS_ORDER`, statuses without a target left out.
    off_track : pandas.DataFrame
        The targets whose status is in :data:`OFF_TRACK`, lowest P(reach) first: ``target_id``,
        ``name_zh``, ``status``, ``prob_reach``, ``target_year``.
    notes : tuple[str, ...]
        What the reader must know about the figures (illustrative inputs, estimates).
    """

    settings: dict[str, str]
    counts: pd.DataFrame
    off_track: pd.DataFrame
    notes: tuple[str, ...] = ()

    @classmethod
    def from_table(cls, table: pd.DataFrame, settings: Mapping[str, str]) -> AssessmentSummary:
        """Count and list from an assessment table.

        Parameters
        ----------
        table : pandas.DataFrame
            An assessment table (at least ``target_id``, ``name_zh``, ``status``,
            ``prob_reach``, ``target_year``, ``illustrative``).
        settings : Mapping[str, str]
            The run's settings, shown as they are.

        Returns
        -------
        AssessmentSummary
        """
        seen = table["status"].value_counts()
        order = [s for s in STATUS_ORDER if s in seen.index]
        order += sorted(s for s in seen.index if s not in order)
        counts = pd.DataFrame({"status": order, "n": [int(seen[s]) for s in order]})
        cols = ["target_id", "name_zh", "status", "prob_reach", "target_year"]
        off = table.loc[table["status"].isin(OFF_TRACK), cols]
        off = off.sort_values(["prob_reach", "target_id"], kind="stable").reset_index(drop=True)
        n_ill = int(table["illustrative"].astype(bool).sum()) if len(table) else 0
        notes = ["P(reach) and projections are model estimates."]
        if n_ill:
            notes.append(f"{n_ill} of {len(table)} targets rest on illustrative figures.")
        return cls(dict(settings), counts, off, tuple(notes))

    def as_text(self) -> str:
        """The summary as plain text.

        Returns
        -------
        str
        """
        width = max(map(len, self.settings), default=0)
        lines = ["Assessment"] + [f"  {k:<{width}}  {v}" for k, v in self.settings.items()]
        total = int(self.counts["n"].sum())
        lines += ["", f"Targets by status ({total})"]
        lines += [f"  {s:<20}{n:>5}" for s, n in zip(self.counts["status"], self.counts["n"])]
        lines += ["", f"Off track ({len(self.off_track)}: {' / '.join(OFF_TRACK)})"]
        for r in self.off_track.itertuples(index=False):
            p = f"{r.prob_reach:.2f}" if isinstance(r.prob_reach, float) and \
                math.isfinite(r.prob_reach) else "—"
            lines.append(f"  {r.target_id}  {r.name_zh}  {r.status}  P={p}  ({r.target_year})")
        lines += ["", *self.notes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        settings = pd.DataFrame({"setting": list(self.settings),
                                 "value": list(self.settings.values())})
        parts = [settings.to_html(index=False), self.counts.to_html(index=False),
                 self.off_track.to_html(index=False, na_rep="—", float_format="{:.2f}".format)]
        return "".join(parts) + "".join(f"<p>{html.escape(n)}</p>" for n in self.notes)


# --------------------------------------------------------------------------- the result
class Assessing(Protocol):
    """What a result needs of the assessor that made it (:class:`qcplan.model.assess.Assessor`)."""

    as_of: _dt.date
    method: str | None
    outside: OutsideView | None

    def model(self, target_id: str, method: str = "auto") -> TargetModel: ...


@dataclass(repr=False)
class AssessmentResult:
    """One scenario's assessment: the table, the per-target records and the draws behind them.

    What :meth:`qcplan.model.assess.Assessor.run` returns.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per target (the records' :meth:`~TargetAssessment.to_row`, in the order
        assessed), as :func:`qcplan.assess` returns it.
    records : dict[str, TargetAssessment]
        Target id → its typed record.
    evaluations : dict[str, Evaluation or None]
        Target id → the evaluation behind the record (None for milestones and targets without
        the figures to decide them); the charts draw from it.
    scenario : Scenario
        The scenario assessed.
    assessor : Assessing
        The assessor that made it (:class:`qcplan.model.assess.Assessor`: its models, as-of
        date and outside view).
    n_sims : int
        Draws of each projection.
    seed : int or None
        The seed the targets' draws were made from.
    """

    table: pd.DataFrame
    records: dict[str, TargetAssessment]
    evaluations: dict[str, Evaluation | None]
    scenario: Scenario
    assessor: Assessing
    n_sims: int
    seed: int | None

    @property
    def method(self) -> str:
        """The projection method asked for (the assessor's, else the scenario's); each record's
        ``method`` says which one a target's projection used."""
        return self.assessor.method or self.scenario.method

    def evaluation(self, target_id: str) -> Evaluation | None:
        """The evaluation behind ``target_id``'s record (None where there is none).

        Parameters
        ----------
        target_id : str

        Returns
        -------
        Evaluation or None
        """
        return self.evaluations.get(target_id)

    def model(self, target_id: str) -> TargetModel:
        """The target's model (the assessor's, cached).

        Parameters
        ----------
        target_id : str

        Returns
        -------
        TargetModel
        """
        return self.assessor.model(target_id)

    def settings(self) -> dict[str, str]:
        """The run's settings as text: scenario, method, as-of date, draws, seed, outside view.

        Returns
        -------
        dict[str, str]
        """
        ov = self.assessor.outside
        outside = "none (the trend's P(reach) alone)" if ov is None else (
            f"track record of {ov.n_targets} decided past targets, without the plan's own "
            f"geographies" + (" (not applied: a mode: plan scenario's P is the trend's)"
                              if self.scenario.mode == "plan" else ""))
        label = self.scenario.label_en
        return {
            "scenario": self.scenario.name + (f" ({label})" if label else ""),
            "mode": self.scenario.mode,
            "method": self.method,
            "as of": self.assessor.as_of.isoformat(),
            "n_sims": str(self.n_sims),
            "seed": str(self.seed),
            "outside view": outside,
            "targets": str(len(self.table)),
        }

    def summary(self) -> AssessmentSummary:
        """Counts by status, the targets off track and the settings.

        Returns
        -------
        AssessmentSummary
            Printable as text; shown as tables in a notebook.
        """
        return AssessmentSummary.from_table(self.table, self.settings())

    def __repr__(self) -> str:
        counts = self.table["status"].value_counts() if len(self.table) else {}
        shown = ", ".join(f"{counts[s]} {s}" for s in STATUS_ORDER if s in counts)
        return (f"<AssessmentResult scenario={self.scenario.name!r} "
                f"as_of={self.assessor.as_of.isoformat()} targets={len(self.table)} "
                f"n_sims={self.n_sims} seed={self.seed}" + (f": {shown}>" if shown else ">"))
