"""The assessment's results object: typed per-target records, their rows, the summary."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest
from test_assess import write_plan

import qcplan
from qcplan.model.assess import AssessmentResult, Assessor
from qcplan.model.records import (
    COLUMNS,
    FIELD_NAMES,
    GROUPS,
    OFF_TRACK,
    AssessmentSummary,
    TargetAssessment,
    split_caveats,
)
from qcplan.model.status import STATUS_ORDER
from qcplan.plan.load import load_plan
from qcplan.plan.new import new_plan

AS_OF = "2026-11-27"


@pytest.fixture(scope="module")
def shipped() -> dict[str, AssessmentResult]:
    a = Assessor(load_plan(), as_of=AS_OF)
    return {name: a.run(name, n_sims=500) for name in ("baseline", "plan")}


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a is None and b is None or a == b


@pytest.mark.parametrize("scenario", ["baseline", "plan"])
def test_to_row_is_the_table_row_of_every_shipped_target(shipped, scenario):
    result = shipped[scenario]
    table = result.table
    assert list(result.records) == list(table["target_id"]) and len(table) > 50
    assert list(table.columns) == list(COLUMNS)
    for i, (tid, record) in enumerate(result.records.items()):
        row = record.to_row()
        assert list(row) == list(COLUMNS)
        cells = table.iloc[i].to_dict()
        different = [c for c in COLUMNS if not _same(row[c], cells[c])
                     and not (pd.isna(row[c]) and pd.isna(cells[c]))]
        assert not different, (tid, {c: (row[c], cells[c]) for c in different})
    # the table is the records' rows: same values, dtypes and column order
    pd.testing.assert_frame_equal(
        pd.DataFrame([r.to_row() for r in result.records.values()]), table)


def test_records_hold_typed_values(shipped):
    result = shipped["baseline"]
    for record in result.records.values():
        assert isinstance(record, TargetAssessment)
        assert isinstance(record.caveats, tuple)
        assert isinstance(record.illustrative, bool) and isinstance(record.n_points, int)
        assert record.status in STATUS_ORDER
        assert record.scenario == "baseline"
        p = record.prob_reach
        assert math.isnan(p) or 0.0 <= p <= 1.0
    # the evaluation of a projected target is the one behind its record
    projected = next(t for t, r in result.records.items() if r.method not in ("", "observed"))
    ev = result.evaluation(projected)
    assert ev is not None and ev.prob_reach == result.records[projected].prob_reach_trend
    assert result.model(projected).target_id == projected


def test_every_field_has_a_group_a_doc_and_a_column():
    described = TargetAssessment.describe()
    assert list(described["field"]) == list(FIELD_NAMES)
    assert sorted(FIELD_NAMES) == sorted(COLUMNS) and len(set(COLUMNS)) == len(COLUMNS)
    assert set(described["group"]) == set(GROUPS)
    # fields are listed group by group, in the order of GROUPS
    order = [GROUPS.index(g) for g in described["group"]]
    assert order == sorted(order)
    assert described["doc"].str.len().min() > 10


def test_an_unknown_field_raises(shipped):
    record = next(iter(shipped["baseline"].records.values()))
    with pytest.raises(TypeError, match="prob_reachh"):
        record.with_values({"prob_reachh": 0.5})
    with pytest.raises(TypeError):
        TargetAssessment(**{**{f: getattr(record, f) for f in FIELD_NAMES}, "colour": "red"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.status = "on_track"  # type: ignore[misc]
    with pytest.raises(ValueError, match="on_trak"):
        record.with_values({"status": "on_trak"})
    with pytest.raises(ValueError, match="caveats"):
        record.with_values({"caveats": "bound:2025"})  # a string, not a tuple of codes
    with pytest.raises(ValueError, match="caveats"):
        record.with_values({"caveats": ("a;b",)})
    # a known field is taken and the record it came from is left alone
    changed = record.with_values({"prob_reach": 0.25, "ref_n": 3})
    assert changed.prob_reach == 0.25 and changed.ref_n == 3
    assert record.ref_n != 3 or record.prob_reach != 0.25


def test_summary_counts_match_the_table(shipped):
    for result in shipped.values():
        summary = result.summary()
        assert isinstance(summary, AssessmentSummary)
        counts = dict(zip(summary.counts["status"], summary.counts["n"]))
        assert counts == result.table["status"].value_counts().to_dict()
        assert list(summary.counts["status"]) == [s for s in STATUS_ORDER if s in counts]
        off = result.table[result.table["status"].isin(OFF_TRACK)]
        assert sorted(summary.off_track["target_id"]) == sorted(off["target_id"])
        assert summary.off_track["prob_reach"].is_monotonic_increasing
        s = summary.settings
        assert s["scenario"].startswith(result.scenario.name)
        assert s["n_sims"] == "500" and s["seed"] == "0" and s["as of"] == "2026-11-27"
        assert s["targets"] == str(len(result.table))
        assert str(result.assessor.outside.n_targets) in s["outside view"]
        text = str(summary)
        for status, n in counts.items():
            assert any(line.split() == [status, str(n)] for line in text.splitlines())
        for tid in off["target_id"]:
            assert tid in text
        n_ill = int(result.table["illustrative"].sum())
        assert (f"{n_ill} of {len(result.table)} targets rest on illustrative figures"
                in text) == (n_ill > 0)
        assert "<table" in summary._repr_html_()
        assert repr(result).startswith(f"<AssessmentResult scenario='{result.scenario.name}'")
        assert all(f"{n} {s}" in repr(result) for s, n in counts.items())


def test_summary_without_an_outside_view_says_so():
    result = Assessor(load_plan(), as_of=AS_OF, outside=False).run(
        "baseline", n_sims=200, targets=["gdp_level"])
    assert result.summary().settings["outside view"].startswith("none")
    assert list(result.records) == ["gdp_level"] and len(result.table) == 1


def test_caveats_round_trip(tmp_path: Path):
    # no rate for 2024 and a figure published only as a bound: two caveat codes
    target = {"target_id": "g", "indicator_id": "ind_growth", "kind": "growth", "threshold": 10,
              "period_start": 2022}
    rates = {2019: 9.0, 2020: 7, 2021: 9.5, 2022: 8, 2023: ">8.5", 2025: 12.0}
    plan = load_plan(write_plan(tmp_path / "data", [target], {("ind_growth", "谯城区"): rates},
                               {"ind_growth": "growth"}))
    result = Assessor(plan, as_of=AS_OF, outside=False).run("baseline", n_sims=300)
    record = result.records["g"]
    assert record.caveats == ("period_gap:2024:2024", "bound:2023")
    assert result.table.loc[0, "caveats"] == "period_gap:2024:2024;bound:2023"
    assert split_caveats(record.to_row()["caveats"]) == record.caveats
    assert split_caveats("") == () and split_caveats(math.nan) == ()
    # a row read back (e.g. from the CSV) gives the record's codes again
    assert split_caveats(result.table.loc[0, "caveats"]) == record.caveats
    no_caveat = record.with_values({"caveats": ()})
    assert no_caveat.to_row()["caveats"] == ""


def test_public_api_keeps_the_table_and_exports_the_classes():
    assert qcplan.TargetAssessment is TargetAssessment
    assert qcplan.AssessmentResult is AssessmentResult
    assert qcplan.AssessmentSummary is AssessmentSummary
    plan = load_plan()
    table = qcplan.assess(plan, as_of=AS_OF, n_sims=200)
    assert isinstance(table, pd.DataFrame) and list(table.columns) == list(COLUMNS)
    row, ev = Assessor(plan, as_of=AS_OF).assess_target("gdp_level", "baseline", n_sims=200)
    assert isinstance(row, dict) and list(row) == list(COLUMNS)
    assert row["target_id"] == "gdp_level" and ev is not None


def test_a_plan_without_targets_gives_an_empty_result(tmp_path: Path):
    new_plan(tmp_path / "new", title_zh="测试规划", geography="谯城区")
    result = Assessor(load_plan(tmp_path / "new"), as_of=AS_OF).run("baseline", n_sims=100)
    assert result.records == {} and result.table.empty
    summary = result.summary()
    assert summary.counts.empty and summary.off_track.empty
    assert "Targets by status (0)" in str(summary)
    assert repr(result).endswith("targets=0 n_sims=100 seed=0>")
