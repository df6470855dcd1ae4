"""The loader on the fixture data set, as CSV and as workbooks."""

from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest
from fixtures.bad import FIXTURE_DIR, set_cell, to_xlsx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import qcplan
from qcplan import DataError, Plan, load_plan
from qcplan.plan.meta import shipped_example_dir


@pytest.fixture
def plan(data_dir: Path) -> Plan:
    return load_plan(data_dir)


def test_tables_and_types(plan: Plan, data_dir: Path) -> None:
    assert list(plan.pillars["pillar"]) == ["strength", "living"]
    assert len(plan.indicators) == 11 and len(plan.targets) == 11 and len(plan.observations) == 37
    assert set(plan.targets["kind"]) == {
        "level", "growth", "share", "flow", "cumulative", "relative", "workpoint", "milestone"}
    obs = plan.observations
    assert obs["year"].dtype == "int64" and obs["value"].dtype == "float64"
    assert plan.targets["target_year"].dtype == "int64"
    assert plan.targets["threshold"].isna().sum() == 2  # the relative target and the milestone
    assert plan.targets.set_index("target_id").loc["innovation_platforms_total",
                                                   "threshold_high"] == 8
    assert plan.pillars["order"].tolist() == [1, 2]
    assert plan.data_dir == data_dir
    assert plan.files == {n: data_dir / f"{n}.csv" for n in
                          ("pillars", "indicators", "targets", "observations")}


def test_text_keeps_quoted_newlines_and_blank_is_empty(plan: Plan) -> None:
    t = plan.targets.set_index("target_id")
    assert t.loc["industry_growth_2027", "quote_zh"] == "规模以上工业增加值\n年均增长10%以上"
    assert t.loc["gdp_2027", "rule"] == ""
    assert plan.observations["period"].iloc[0] == ""


def test_row_ref_points_at_the_line(plan: Plan) -> None:
    obs = plan.observations
    assert obs["row_ref"].iloc[0] == "observations.csv:2"
    row = obs[(obs["indicator_id"] == "tertiary_share") & (obs["year"] == 2020)
              & (obs["geography"] == "谯城区")]
    assert row["row_ref"].item() == "observations.csv:13"  # after a two-line cell
    assert plan.targets["row_ref"].tolist()[:3] == ["targets.csv:2", "targets.csv:3",
                                                     "targets.csv:5"]


def test_series(plan: Plan) -> None:
    s = plan.series("gdp", "谯城区")
    assert s.name == "gdp@谯城区"
    assert s.index.tolist() == [2019, 2020, 2021, 2022, 2023, 2024]
    assert s.dtype == float and s.loc[2024] == pytest.approx(850.0)
    assert plan.series("new_entrepreneurs", "谯城区").index.tolist() == [2023, 2024]


def test_series_with_sub_annual_figures(plan: Plan) -> None:
    s = plan.series("old_communities", "谯城区", annual_only=False)
    assert s.index.tolist() == [(2024, "H1"), (2024, "")]
    assert s.tolist() == [40.0, 76.0]
    assert plan.series("old_communities", "谯城区").tolist() == [76.0]


def test_series_named_by_a_target_but_unobserved_is_empty(plan: Plan) -> None:
    s = plan.series("innovation_platforms", "谯城区")
    assert s.empty and s.dtype == float
    assert plan.targets_without_observations() == ["innovation_platforms_total"]


@pytest.mark.parametrize(
    ("indicator", "geography", "message"),
    [("gdp", "亳州市", "geographies with observations of gdp: 谯城区"),
     ("gpd", "谯城区", "'gpd' is not in the registry")],
)
def test_unknown_series_is_a_key_error(plan: Plan, indicator: str, geography: str,
                                       message: str) -> None:
    with pytest.raises(KeyError, match=message):
        plan.series(indicator, geography)
    with pytest.raises(KeyError):
        plan.series_frame(indicator, geography)


def test_series_frame(plan: Plan) -> None:
    f = plan.series_frame("new_entrepreneurs", "谯城区")
    assert f["year"].tolist() == [2023, 2024, 2025]
    assert f["period"].tolist() == ["", "", "M06"]
    assert f["status"].tolist() == ["official", "official", "preliminary"]
    assert {"value", "source", "note", "row_ref"} <= set(f.columns)
    assert f["row_ref"].tolist() == ["observations.csv:25", "observations.csv:26",
                                     "observations.csv:27"]


def test_file_hashes(plan: Plan, data_dir: Path) -> None:
    h = plan.file_hashes()
    assert set(h) == {"pillars", "indicators", "targets", "observations"}
    assert h["targets"] == hashlib.sha256((data_dir / "targets.csv").read_bytes()).hexdigest()


def test_vintage(plan: Plan, data_dir: Path) -> None:
    os.utime(data_dir / "targets.csv", (1_700_000_000, 1_700_000_000))
    v = plan.vintage()
    assert v["latest_official_year"] == 2025  # the preliminary M06 figure
    assert v["latest_year"] == 2025
    assert v["status_counts"] == {"official": 25, "preliminary": 2, "estimate": 0,
                                  "derived": 9, "illustrative": 1}
    assert v["modified"]["targets"] == "2023-11-14" or v["modified"]["targets"] == "2023-11-15"


def test_summary(plan: Plan) -> None:
    text = plan.summary()
    assert "2 pillars, 11 indicators, 11 targets, 37 observations in 11 series" in text
    assert "Targets per pillar and kind" in text
    table = text.split("Targets per pillar and kind:\n")[1].split("\n\n")[0].splitlines()
    assert table[0].split() == ["level", "growth", "share", "flow", "cumulative", "relative",
                                "workpoint", "milestone", "total"]
    assert table[1].split() == ["strength", "1", "1", "0", "1", "1", "1", "0", "0", "5"]
    assert table[-1].split()[-1] == "11"
    assert "official 9, preliminary 2, estimate 0, derived 2, illustrative 1" in text
    assert "2025: new_entrepreneurs, pocket_parks" in text
    assert "no observations: innovation_platforms" in text
    assert "innovation_platforms_total" in text.split("Targets with no observations")[1]
    assert len(text.splitlines()) < 40


def test_xlsx_loads_the_same(data_dir: Path, xlsx_dir: Path) -> None:
    a, b = load_plan(data_dir), load_plan(xlsx_dir)
    assert b.files["targets"].name == "targets.xlsx"
    for name in ("pillars", "indicators", "targets", "observations"):
        left = getattr(a, name).drop(columns="row_ref")
        right = getattr(b, name).drop(columns="row_ref")
        pd.testing.assert_frame_equal(left, right)
    # a workbook row is one row even where a CSV cell spans two lines
    assert b.observations["row_ref"].iloc[10] == "observations.xlsx:12"


def test_mixed_csv_and_xlsx(data_dir: Path, tmp_path: Path) -> None:
    mixed = to_xlsx(data_dir, tmp_path / "mixed", tables=("targets",))
    plan = load_plan(mixed)
    assert plan.files["targets"].suffix == ".xlsx"
    assert plan.files["observations"].suffix == ".csv"


def test_both_csv_and_xlsx_is_refused(data_dir: Path, tmp_path: Path) -> None:
    to_xlsx(data_dir, tmp_path / "x", tables=("targets",))
    (tmp_path / "x" / "targets.xlsx").rename(data_dir / "targets.xlsx")
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    (p,) = info.value.problems
    assert "targets.csv" in str(p) and "targets.xlsx" in str(p)


def test_missing_table_names_the_expected_path(data_dir: Path) -> None:
    (data_dir / "pillars.csv").unlink()
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    (p,) = info.value.problems  # targets' pillars are not checked against a missing table
    assert p.file == "pillars.csv"
    assert str(data_dir / "pillars.csv") in str(p)


def test_missing_table_and_other_problems_together(data_dir: Path) -> None:
    (data_dir / "pillars.csv").unlink()
    set_cell(data_dir, "observations", 1, "value", "nan")
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    assert [p.file for p in info.value.problems] == ["pillars.csv", "observations.csv"]


def test_corrupt_xlsx_is_a_problem(data_dir: Path) -> None:
    (data_dir / "targets.csv").unlink()
    (data_dir / "targets.xlsx").write_bytes(os.urandom(2048))
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    (p,) = info.value.problems
    assert p.file == "targets.xlsx" and "readable .xlsx" in p.expected


def test_empty_csv_is_a_problem(data_dir: Path) -> None:
    (data_dir / "pillars.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    assert [p.file for p in info.value.problems] == ["pillars.csv"]


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="plan folder not found"):
        load_plan(tmp_path / "nowhere")


def test_env_var_and_default(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("QCPLAN_DATA", str(data_dir))
    assert load_plan().data_dir == data_dir
    assert shipped_example_dir() == Path(qcplan.__file__).resolve().parents[1] / "data"


def test_fixture_is_clean() -> None:
    assert load_plan(FIXTURE_DIR).targets_without_observations() == [
        "innovation_platforms_total"]


def test_public_api() -> None:
    for name in ("load_plan", "Plan", "DataError", "ParameterError", "Problem"):
        assert hasattr(qcplan, name)
    assert qcplan.__version__


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(notes=st.lists(st.text(alphabet='ab,"\n 谯城', max_size=12), min_size=1, max_size=6))
def test_row_ref_counts_lines_as_an_editor_does(notes: list[str], data_dir: Path) -> None:
    header = ["indicator_id", "geography", "year", "period", "value", "unit", "status", "source",
              "note"]
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    lines = []
    for k, note in enumerate(notes):
        lines.append(buffer.getvalue().count("\n") + 1)
        writer.writerow(["gdp", "谯城区", str(2000 + k), "", "1", "亿元", "official", "s", note])
    writer.writerow(["tertiary_share", "安徽省", "2023", "", "53", "%", "official", "s", ""])
    (data_dir / "observations.csv").write_text(buffer.getvalue(), encoding="utf-8")
    plan = load_plan(data_dir)
    obs = plan.observations.iloc[:-1]
    assert obs["row_ref"].tolist() == [f"observations.csv:{n}" for n in lines]
    assert obs["note"].tolist() == [n.strip() for n in notes]


def test_shipped_data_loads_clean() -> None:
    tables = ("pillars", "indicators", "targets", "observations")
    missing = [n for n in tables if not any(
        (shipped_example_dir() / f"{n}{ext}").is_file() for ext in (".csv", ".xlsx"))]
    if missing:
        pytest.skip(f"data/ has no {', '.join(missing)} yet")
    plan = load_plan(shipped_example_dir())  # a DataError here lists every problem
    assert len(plan.targets) and len(plan.observations)
    assert "Targets per pillar and kind" in plan.summary()
