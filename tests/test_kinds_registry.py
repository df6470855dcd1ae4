"""The target kinds' registry: one class per kind, and a new kind added in one place.

A test-only kind, ``band`` (a level that must end inside ``[threshold, threshold_high]``), is
defined and registered here and nowhere else, and a small plan is assessed and charted with it:
the model and the charts take it with no other change.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from test_assess import write_plan

from qcplan.model import kinds
from qcplan.model.assess import Assessor
from qcplan.model.draws import Decision, Draws
from qcplan.model.kinds import KINDS, TargetKind, kind_of, register, unregister
from qcplan.model.kinds.value import Level
from qcplan.model.outside_view import form_group_of
from qcplan.model.scenarios import Adjustment
from qcplan.model.status import STATUS_ORDER
from qcplan.plan.load import load_plan
from qcplan.plan.schema import KINDS as SCHEMA_KINDS
from qcplan.render.bundles import frames_to_bundle, target_frames
from qcplan.render.charts import indicator_chart

SERIES = {2019: 100.0, 2020: 104.0, 2021: 108.0, 2022: 113.0, 2023: 117.0, 2024: 121.0,
          2025: 126.0}
LOW, HIGH = 139.0, 142.0


class Band(Level):
    """A level that must end inside ``[threshold, threshold_high]``: the decision quantity is
    how far the value in the target year lies outside the band (0 inside), at most 0."""

    name = "band"
    can_fall_back = False
    target_line = ""

    def decide(self, model, draws: Draws, adj: Adjustment, n: int, seed) -> Decision:
        v = draws.at(model.target_year, n)
        high = float(model.row["threshold_high"])
        outside = np.maximum(np.maximum(model.threshold - v, v - high), 0.0)
        return Decision(outside, 0.0, model.target_year in model.history.index, {})

    def decision_direction(self, model) -> str:
        return "at_most"

    def met_early(self, model, ev, meets) -> bool:
        return False

    def meeting_path(self, model, ev, h, years) -> pd.Series:
        return pd.Series((LOW + HIGH) / 2, index=years, dtype=float)  # the band's middle


@pytest.fixture
def band_kind():
    kind = register(Band())
    yield kind
    unregister("band")


def _plan(tmp_path: Path):
    target = {"target_id": "t", "indicator_id": "gdp", "kind": "level", "threshold": LOW,
              "threshold_high": HIGH, "period_start": 2025, "target_year": 2028}
    return load_plan(write_plan(tmp_path / "data", [target], {("gdp", "谯城区"): SERIES},
                                {"gdp": "amount"}))


def _p_trend(plan, kind: str, direction: str, threshold: float) -> pd.Series:
    targets = plan.targets
    targets.loc[targets["target_id"] == "t", ["kind", "direction", "threshold"]] = \
        [kind, direction, threshold]
    return Assessor(plan, as_of="2026-06-30", outside=False).assess(n_sims=4000).iloc[0]


def test_every_kind_the_plan_may_name_has_a_class():
    assert set(KINDS) == set(SCHEMA_KINDS)
    for name, kind in KINDS.items():
        assert isinstance(kind, TargetKind) and kind.name == name and kind_of(name) is kind
    assert not kind_of("milestone").drawn and kind_of("relative").needs_benchmark
    with pytest.raises(KeyError, match="unknown target kind 'band'"):
        kind_of("band")


def _having(fact: str) -> set[str]:
    return {name for name, kind in KINDS.items() if getattr(kind, fact)}


def test_the_kinds_facts():
    """Each fact is held by the kinds the model and the charts used to list by name."""
    assert _having("drawn") == set(SCHEMA_KINDS) - {"milestone"}
    assert _having("rates_as_index") == _having("chart_index") == {"growth", "reduction"}
    assert _having("falls") == {"reduction"} and kind_of("reduction").grows_as == "reduction"
    assert _having("needs_benchmark") == {"relative"}
    assert _having("caps_share") == {"share", "workpoint"}
    assert _having("decided_in_target_year") == {"level", "share", "workpoint", "reduction"}
    assert _having("can_fall_back") == {"level", "share", "relative", "reduction"}
    assert _having("reads_bounds") == {"level", "share", "workpoint"}
    assert _having("in_year_schedule") == {"growth", "workpoint", "level", "flow"}
    assert _having("running_total") == {"cumulative"}
    assert _having("marks_goal") == {"relative", "growth", "reduction"}
    assert {n for n, k in KINDS.items() if k.target_line == "threshold"} == \
        {"level", "share", "workpoint", "flow", "cumulative"}
    assert set(KINDS) - _having("indicator_median") == {"growth"}
    assert set(KINDS) - _having("own_chart") == {"milestone", "workpoint"}
    assert {n: k.threshold_scale for n, k in KINDS.items() if k.threshold_scale != "unit"} == \
        {"growth": "percent", "reduction": "percent", "relative": "ratio"}


def test_a_name_is_registered_once():
    with pytest.raises(ValueError, match="taken"):
        register(Level())


def test_form_groups_come_from_the_kinds():
    assert form_group_of("workpoint", "reduction", "at_least") == "annual_growth"
    assert form_group_of("relative", "amount", "at_most") == "level"
    assert form_group_of("reduction", "reduction", "at_most") == "multi_year_growth"


def test_a_kind_registered_in_one_place_is_assessed_and_charted(tmp_path: Path, band_kind):
    plan = _plan(tmp_path)
    above_low = _p_trend(plan, "level", "at_least", LOW)["prob_reach_trend"]
    below_high = _p_trend(plan, "level", "at_most", HIGH)["prob_reach_trend"]
    row = _p_trend(plan, "band", "at_least", LOW)
    # the same draws (same target, same seed): inside the band = above LOW and below HIGH
    assert 0.0 < row["prob_reach_trend"] < min(above_low, below_high)
    assert row["prob_reach_trend"] == pytest.approx(above_low + below_high - 1.0, abs=1e-12)
    assert row["kind"] == "band" and row["decision_threshold"] == 0.0
    assert row["status"] in STATUS_ORDER and row["status"] != "insufficient_data"
    # the kind's own pieces reach the table and the chart
    model = Assessor(plan, as_of="2026-06-30", outside=False).model("t")
    assert model.target_kind is band_kind and model.decision_direction == "at_most"
    ev = model.evaluate(n_sims=500)
    path = kinds.meeting_path(model, ev)
    assert list(path.index) == [2025, 2026, 2027, 2028]
    assert (path == (LOW + HIGH) / 2).all()
    frames = target_frames(model, ev)
    assert [r["value"] for r in frames["meeting"]] == [(LOW + HIGH) / 2] * 4
    bundle = frames_to_bundle(frames, pd.DataFrame([row]))
    fig = indicator_chart(bundle, "t", lang="en")
    try:
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert not any(label.startswith("Target") for label in labels)  # no target line
    finally:
        plt.close(fig)


def test_unregistered_the_kind_is_gone(tmp_path: Path):
    plan = _plan(tmp_path)
    register(Band())
    unregister("band")
    with pytest.raises(KeyError, match="band"):
        _p_trend(plan, "band", "at_least", LOW)
