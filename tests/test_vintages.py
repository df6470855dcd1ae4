"""Real figures with vintages, illustrative figures apart, --as-of as "what we knew then", and
plan folders of the earlier format (no received date, no measure, no illustrative.csv)."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from qcplan.cli import main
from qcplan.errors import DataError
from qcplan.model.assess import Assessor
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render.bundles import target_frames

REPO = Path(__file__).resolve().parents[1]
GDP = ("gdp", "谯城区(辖区)")
# the line of the first row appended to the shipped observations.csv (header + its rows + 1)
with open(REPO / "data" / "observations.csv", encoding="utf-8", newline="") as _fh:
    FIRST = sum(1 for _ in csv.DictReader(_fh)) + 2


def shipped(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("scripts", "sources"))
    return data


def append(data: Path, rows: list[dict[str, str]], name: str = "observations.csv") -> None:
    path = data / name
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, old = list(reader.fieldnames or []), list(reader)
    for row in rows:
        header += [c for c in row if c not in header]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, restval="")
        w.writeheader()
        w.writerows(old + rows)


def fig(ind: str, geo: str, year: int, value: float, status: str = "official", unit: str = "亿元",
        **more: str) -> dict[str, str]:
    return {"indicator_id": ind, "geography": geo, "year": str(year), "period": "",
            "value": str(value), "unit": unit, "status": status, "source": "test", "note": "",
            **more}


def test_revisions_are_kept_and_the_latest_vintage_is_used(tmp_path: Path):
    data = shipped(tmp_path)
    append(data, [fig(*GDP, 2024, 900.0, "preliminary", received="2025-02-01"),
                  fig(*GDP, 2024, 905.5, "official", received="2025-06-30")])
    plan = load_plan(data)
    held = plan.vintages[(plan.vintages["indicator_id"] == "gdp")
                         & (plan.vintages["geography"] == GDP[1])
                         & (plan.vintages["year"] == 2024)]
    assert list(held["value"]) == [900.0, 905.5]  # both vintages kept
    assert plan.series(*GDP).loc[2024] == 905.5
    then = plan.known_at("2025-03-01")
    assert then.series(*GDP).loc[2024] == 900.0
    assert then.series_frame(*GDP).set_index("year").loc[2024, "status"] == "preliminary"
    before = plan.known_at("2025-01-31")
    assert before.series_frame(*GDP).set_index("year").loc[2024, "status"] == "illustrative"
    # the same through load_plan(as_of=) and the assessment's as_of
    assert load_plan(data, as_of="2025-03-01").series(*GDP).loc[2024] == 900.0
    a = Assessor(plan, as_of="2025-03-01")
    assert a.model("gdp_level").raw_history.loc[2024] == 900.0


def test_a_real_series_loses_the_illustrative_flag_everywhere(tmp_path: Path):
    """Real figures for every illustrative year of gdp 辖区: the projection uses them, the chart's
    history shows them as official, and the target is no longer flagged illustrative."""
    data = shipped(tmp_path)
    plan = load_plan(data)
    scen = load_scenarios(None, plan)["baseline"]
    before = Assessor(plan, as_of="2026-06-30").assess(scen, n_sims=500, targets=["gdp_level"])
    assert bool(before.loc[0, "illustrative"])
    ill_years = [y for y, s in plan.series_frame(*GDP)[["year", "status"]].values
                 if s == "illustrative"]
    assert ill_years == [2018, 2019, 2020, 2021, 2022, 2024, 2025]
    values = {2018: 560.0, 2019: 610.0, 2020: 630.0, 2021: 700.0, 2022: 780.0, 2024: 900.0,
              2025: 960.0}
    append(data, [fig(*GDP, y, v, received="2026-03-01") for y, v in values.items()])
    plan = load_plan(data)
    a = Assessor(plan, as_of="2026-06-30")
    after = a.assess(scen, n_sims=500, targets=["gdp_level"])
    assert not bool(after.loc[0, "illustrative"])
    assert after.loc[0, "latest_value"] == 960.0
    model = a.model("gdp_level")
    assert model.raw_history.loc[2020] == 630.0
    hist = target_frames(model, a.run(scen, n_sims=500).evaluation("gdp_level"))["history"]
    assert {r["status"] for r in hist} == {"official"}
    # known before the new figures arrived: the illustrative years are back
    old = Assessor(plan, as_of="2026-02-28").assess(scen, n_sims=500, targets=["gdp_level"])
    assert bool(old.loc[0, "illustrative"])


def test_old_format_folder_loads_and_validate_says_what_it_assumed(
        data_dir: Path, capsys: pytest.CaptureFixture[str]):
    assert not (data_dir / "illustrative.csv").exists()
    assert main(["validate", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Assumed (columns left out or blank" in out
    assert "have no received date: each is taken as known from the end of its period" in out
    assert "no illustrative.csv" in out


def test_sub_annual_figures_and_the_accessor(tmp_path: Path):
    data = shipped(tmp_path)
    geo = "谯城区(不含高新区)"
    append(data, [
        {**fig("gdp", geo, 2025, 330.0, received="2025-07-20"), "period": "H1"},
        {**fig("gdp", geo, 2025, 480.0, received="2025-10-20"), "period": "Q3",
         "measure": "ytd"},
        {**fig("gdp", geo, 2025, 6.1, unit="%", received="2025-10-20"), "period": "Q3",
         "measure": "ytd_growth"},
    ])
    plan = load_plan(data)
    sub = plan.subannual("gdp", geo)
    assert list(zip(sub["period"], sub["measure"], sub["months"])) == [
        ("Q1", "ytd", 3), ("H1", "ytd", 6), ("M06", "ytd", 6), ("Q3", "ytd", 9),
        ("Q3", "ytd_growth", 9)]
    assert list(plan.subannual("gdp", geo, measure="ytd_growth")["value"]) == [6.1]
    # sub-annual figures never enter the yearly series
    assert plan.series("gdp", geo).index.tolist() == [2024]
    assert plan.known_at("2025-09-30").subannual("gdp", geo)["period"].tolist() == ["Q1", "H1"]


@pytest.mark.parametrize("rows, where, expected", [
    ([fig(*GDP, 2024, 900.0), fig(*GDP, 2024, 901.0)], f"line {FIRST + 1}",
     "a revision needs a later received date"),
    ([fig(*GDP, 2024, 900.0, received="2024/05/01")], f"line {FIRST}", "a date YYYY-MM-DD"),
    ([fig(*GDP, 2024, 900.0, received="2023-05-01")], f"line {FIRST}", "a date in or after 2024"),
    ([fig(*GDP, 2024, 900.0, measure="ytd")], f"line {FIRST}", "blank or period for a whole-year"),
    ([{**fig(*GDP, 2025, 6.0), "period": "Q3", "measure": "ytd_growth"}], f"line {FIRST}",
     "'%' for a year-to-date growth rate"),
    ([{**fig(*GDP, 2025, 500.0), "period": "M08"}, {**fig(*GDP, 2025, 480.0), "period": "M09"}],
     f"line {FIRST + 1}", "a year-to-date value not below the M08 year-to-date value 500"),
    ([fig(*GDP, 2024, 900.0, measure="cumulative")], f"line {FIRST}", "one of (blank), period"),
])
def test_bad_vintage_rows(tmp_path: Path, rows, where, expected):
    data = shipped(tmp_path)
    append(data, rows)
    with pytest.raises(DataError) as e:
        load_plan(data)
    text = str(e.value)
    assert f"observations.csv {where}" in text and expected in text, text


def test_illustrative_table_holds_only_illustrative_rows(tmp_path: Path):
    data = shipped(tmp_path)
    append(data, [fig("gdp", "谯城区(辖区)", 2017, 500.0)], name="illustrative.csv")
    with pytest.raises(DataError) as e:
        load_plan(data)
    assert "illustrative.csv line 570, column status: 'official' — expected illustrative" in str(
        e.value)


def test_a_jump_is_a_warning_naming_the_cell(tmp_path: Path, capsys):
    data = shipped(tmp_path)
    append(data, [fig(*GDP, 2024, 8501.0)])  # 10 times 2023's 850.1: a unit slip?
    plan = load_plan(data)
    assert len(plan.warnings) == 1
    assert f"observations.csv line {FIRST}, column value: '8501.0'" in str(plan.warnings[0])
    assert main(["validate", "--data", str(data)]) == 0
    assert "1 plausibility warning(s)" in capsys.readouterr().out


def test_in_year_figures_in_the_report(tmp_path: Path):
    from qcplan.render.sources import in_year_label, subannual_html

    assert in_year_label(2025, "M09", "ytd", 9, "zh") == "2025年1—9月"
    assert in_year_label(2025, "Q3", "ytd_growth", 9, "en") == "Jan–Sep 2025"
    assert in_year_label(2025, "Q3", "period", 9, "zh") == "2025年第三季度"
    assert in_year_label(2025, "M03", "period", 3, "en") == "Mar 2025"
    data = shipped(tmp_path)
    geo = "谯城区(不含高新区)"
    append(data, [{**fig("services_va_growth", geo, 2025, 7.9, unit="%", received="2025-10-21"),
                   "period": "M09", "measure": "ytd_growth"}])
    plan = load_plan(data)
    table = plan.targets[plan.targets["target_id"] == "services_va_growth"]
    html = subannual_html(plan, table, "zh")
    assert "2025年1—9月" in html and "7.9 %" in html and "2025-10-21" in html
    assert "2025年1—3月" in html and "(期末,假定)" in html  # the Q1 figure has no received date
    assert "Jan–Sep 2025" in subannual_html(plan, table, "en")
    other = plan.targets[plan.targets["target_id"] == "gdp_level"]
    assert subannual_html(plan, other, "zh") == ""


def test_assess_as_of_uses_what_was_known_then(tmp_path: Path, capsys):
    data = shipped(tmp_path)
    values = {2018: 560.0, 2019: 610.0, 2020: 630.0, 2021: 700.0, 2022: 780.0, 2024: 900.0,
              2025: 960.0}
    append(data, [fig(*GDP, y, v, received="2026-03-01") for y, v in values.items()])
    out = {}
    for day in ("2026-02-28", "2026-06-30"):
        csv_path = tmp_path / f"{day}.csv"
        assert main(["assess", "--data", str(data), "--target", "gdp_level", "--as-of", day,
                     "--n-sims", "500", "--csv", str(csv_path)]) == 0
        import pandas as pd

        out[day] = pd.read_csv(csv_path, encoding="utf-8-sig").iloc[0]
    assert bool(out["2026-02-28"]["illustrative"]) and not bool(out["2026-06-30"]["illustrative"])
    assert out["2026-02-28"]["latest_value"] != 960.0 and out["2026-06-30"]["latest_value"] == 960.0
