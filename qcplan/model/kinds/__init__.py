"""Target kinds: one class per kind and the one registry of them, :data:`KINDS`.

Everything that depends on a target's kind is a class attribute or a method of its
:class:`~qcplan.model.kinds.base.TargetKind` (see there for the list): the decision quantity
(:meth:`~TargetKind.decide`), whether observed figures decide it, the pace needed and seen, the
conventional grade, the path that exactly meets it, the outside view's form group, the measure a
scenario grows it as, whether it needs a benchmark, and what its chart draws. The model and
render layers ask the kind object (:func:`kind_of`, or ``TargetModel.target_kind``) instead of
testing the kind's name.

Modules: ``base.py`` (the base class and the behaviour most kinds share), ``value.py`` (level,
share, workpoint, relative), ``change.py`` (growth, reduction), ``delivered.py`` (flow,
cumulative), ``milestone.py``.

Adding a kind
-------------
The files a new kind needs:

1. its class, in a module of this package (a family's module, or one of its own), and its
   entry in :data:`KINDS` below (``tests/test_kinds_registry.py`` shows one added and assessed
   with no other change to the model or the charts);
2. ``qcplan/plan/schema.py``: its name in ``KINDS`` (the words ``targets.csv`` may use) and, where
   they apply, its ``RULES``, ``THRESHOLD_REQUIRED``, ``THRESHOLD_ON_SCALE`` and
   ``KIND_MEASURE`` (the plan layer validates input and cannot import the model);
3. its words: its label in ``qcplan/render/i18n.py`` (``KIND``) and its entry in
   ``qcplan/render/kind_words.py`` (``KIND_WORDS``: its pace, need, projection and status-table
   note in Chinese and English; ``tests/test_kind_words.py`` checks every kind has one); a new
   function in ``qcplan/render/pace.py``'s ``PACES`` or ``qcplan/render/findings.py``'s
   ``PROJECTIONS`` only where its figures are not a level's;
4. docs: its line in the table of ``qcplan/model/target.py``'s docstring and in docs/METHOD.md.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from qcplan.model import grades
from qcplan.model.kinds.base import Rates, TargetKind, empty_path
from qcplan.model.kinds.change import Growth, Reduction
from qcplan.model.kinds.delivered import Cumulative, Flow
from qcplan.model.kinds.milestone import Milestone
from qcplan.model.kinds.value import Level, Relative, Share, Workpoint

if TYPE_CHECKING:
    from qcplan.model.target import Evaluation, TargetModel

__all__ = ["KINDS", "TargetKind", "conventional_grade", "decided_by_observation",
           "grade_columns", "kind_of", "meeting_path", "observed_window", "rates",
           "register", "unregister"]

#: Every target kind by its name: the one registry.
KINDS: dict[str, TargetKind] = {k.name: k for k in (
    Level(), Share(), Workpoint(), Relative(), Growth(), Reduction(), Flow(), Cumulative(),
    Milestone(),
)}


def kind_of(name: str) -> TargetKind:
    """The kind called ``name``.

    Parameters
    ----------
    name : str
        A kind as ``targets.csv`` writes it (``level``, ``growth``, …).

    Returns
    -------
    TargetKind
        Its entry in :data:`KINDS`.

    Raises
    ------
    KeyError
        For a name that is no kind (the plan's validation lets none through).
    """
    try:
        return KINDS[name]
    except (KeyError, TypeError):
        raise KeyError(f"unknown target kind {name!r}; known: {', '.join(KINDS)}") from None


def register(kind: TargetKind) -> TargetKind:
    """Add ``kind`` to :data:`KINDS` under its name (for a kind defined outside this package).

    Parameters
    ----------
    kind : TargetKind
        An instance of a kind class with a ``name`` not yet registered.

    Returns
    -------
    TargetKind
        ``kind`` itself.
    """
    if not kind.name or kind.name in KINDS:
        raise ValueError(f"a target kind needs a new name; {kind.name!r} is taken or blank")
    KINDS[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    """Remove the kind called ``name`` from :data:`KINDS` (nothing if it is not there).

    Parameters
    ----------
    name : str
        The kind's name.
    """
    KINDS.pop(name, None)


# --------------------------------------------------------------------------- asked of a target
def decided_by_observation(model: TargetModel) -> bool:
    """The target year is observed and its figure alone decides the target."""
    return model.target_kind.decided_in_target_year and model.target_year in model.history.index


def rates(model: TargetModel, ev: Evaluation) -> Rates:
    """(required rate, recent rate, unit of the rates, schedule ratio).

    The required rate is the pace still needed from the latest figure; the recent rate (over the
    last five years at most) only decides whether a target off track is ``moving_away``. The
    observed rate of the reports is the conventional grade's, from the base year.
    """
    h = model.raw_history.dropna().sort_index()
    if len(h) == 0:
        return math.nan, math.nan, "", math.nan
    last_year = int(h.index[-1])
    window = h[h.index >= last_year - 5]
    return model.target_kind.rates(model, ev, h, window)


def observed_window(model: TargetModel, grade: grades.Grade) -> dict[str, float]:
    """The first year of the figures behind ``observed_rate`` (the conventional grade's) and,
    for cumulative targets, the total delivered in the observed years of the period."""
    out = {"observed_from": math.nan, "observed_total": math.nan}
    if not math.isfinite(grade.observed_rate) or grade.base_year is None:
        return out
    out["observed_from"] = model.target_kind.observed_from(model, grade)
    out["observed_total"] = model.target_kind.observed_total(model)
    return out


def conventional_grade(model: TargetModel, missed: bool = False) -> grades.Grade:
    """The target's conventional grades (:mod:`qcplan.model.grades`) from its observed figures.

    Independent of the projection and of the scenario; ``missed`` marks a target that observed
    figures already decided against (an every-year flow that broke its bound).
    """
    return model.target_kind.grade(model, missed)


def grade_columns(g: grades.Grade) -> dict[str, Any]:
    """The table's columns of a conventional grade."""
    return {"eurostat_class": g.eurostat_class, "review_grade": g.review_grade,
            "progress_ratio": g.progress_ratio, "observed_rate": g.observed_rate,
            "planned_rate": g.planned_rate,
            "grade_base_year": g.base_year if g.base_year is not None else math.nan}


def meeting_path(model: TargetModel, ev: Evaluation | None = None) -> pd.Series:
    """The path from the latest observation that exactly meets the target (for charts).

    Levels and shares: constant compound growth to the threshold; relative targets: to the
    benchmark's projected median times the required ratio; reductions: the intensity (or its
    index) falling at a constant rate to base × (1 − T/100); growth targets: the index growing at
    the pace still required; flows: the threshold every year; cumulative targets: the running total
    rising evenly to the threshold (returned as yearly deliveries); milestones: none.
    """
    h = model.history.dropna().sort_index()
    if h.empty or not model.target_kind.drawn:
        return empty_path()
    years = list(range(int(h.index[-1]), model.target_year + 1))
    if len(years) < 2:
        return empty_path()
    return model.target_kind.meeting_path(model, ev, h, years)
