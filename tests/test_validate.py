"""One test per validation rule: a copy of the fixture with one mistake and the problem it gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.bad import BAD, Bad, append_row, copy_row, set_cell, to_xlsx

from qcplan import DataError, Problem, load_plan
from qcplan.numbers import parse_number


def problems_of(data_dir: Path) -> list[Problem]:
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    return info.value.problems


@pytest.mark.parametrize("rule", list(BAD))
def test_rule(rule: str, data_dir: Path) -> None:
    bad: Bad = BAD[rule]
    bad.edit(data_dir)
    problems = problems_of(data_dir)
    found = [p for p in problems if (p.file, p.location, p.column) ==
             (bad.file, bad.location, bad.column)]
    assert found, f"no problem at {bad.file} {bad.location} {bad.column}; got: {problems}"
    p = found[0]
    assert p.value == bad.value
    assert p.expected
    text = str(p)
    assert text.startswith(f"{bad.file} {bad.location}")
    if bad.value:
        assert repr(bad.value) in text
    assert str(p) in str(DataError(problems))


# Mistakes that also (rightly) trip a second rule; every other mistake gives exactly one problem.
ALSO = {
    "milestone_on_non_flag": 1,  # and the unit is not gdp's
    "bad_indicator_id": 4,  # and the target and observations of pm25 name no known indicator
}


@pytest.mark.parametrize("rule", list(BAD))
def test_rule_gives_no_cascade(rule: str, data_dir: Path) -> None:
    BAD[rule].edit(data_dir)
    problems = problems_of(data_dir)
    assert len(problems) == 1 + ALSO.get(rule, 0), problems


def test_message_format() -> None:
    p = Problem("targets.csv", "line 12", "kind", "levle", "one of level, growth")
    assert str(p) == "targets.csv line 12, column kind: 'levle' — expected one of level, growth"
    missing = Problem("targets.csv", "line 1", "kind", None, "a column 'kind' (required)")
    assert str(missing) == "targets.csv line 1, column kind: expected a column 'kind' (required)"


def test_unknown_kind_suggests(data_dir: Path) -> None:
    set_cell(data_dir, "targets", "doctors_2027", "kind", "levle")
    (p,) = problems_of(data_dir)
    assert "did you mean 'level'" in p.expected
    assert "one of level, growth, share, flow, cumulative, relative, workpoint" in p.expected


def test_all_problems_of_a_file_at_once(data_dir: Path) -> None:
    set_cell(data_dir, "targets", "gdp_2027", "kind", "levle")
    set_cell(data_dir, "targets", "pm25_2027", "direction", "down")
    problems = problems_of(data_dir)
    assert [(p.location, p.column) for p in problems] == [
        ("line 2", "kind"), ("line 13", "direction")]


def test_all_problems_of_all_files_at_once(data_dir: Path) -> None:
    for rule in ("unknown_measure", "unknown_kind", "value_nan", "duplicate_pillar"):
        BAD[rule].edit(data_dir)
    problems = problems_of(data_dir)
    assert [p.file for p in problems] == [
        "pillars.csv", "indicators.csv", "targets.csv", "observations.csv"]
    report = str(DataError(problems))
    assert report.startswith("4 problems in the data")
    assert "targets.csv (1):" in report


def test_problems_in_one_file_sorted_by_line(data_dir: Path) -> None:
    copy_row(data_dir, "observations", 1, status="final")  # line 40: duplicate and bad status
    set_cell(data_dir, "observations", 30, "value", "2")  # line 32: a flag
    set_cell(data_dir, "observations", 1, "value", "x")  # line 2
    lines = [p.location for p in problems_of(data_dir)]
    assert lines == ["line 2", "line 32", "line 40", "line 40"]


def test_sub_annual_figure_with_same_year_is_not_a_duplicate(data_dir: Path) -> None:
    copy_row(data_dir, "observations", 5, period="Q3", value="600")
    plan = load_plan(data_dir)
    assert plan.series("gdp", "谯城区").loc[2023] == pytest.approx(800.4)


def test_blank_lines_are_skipped_and_counted(data_dir: Path) -> None:
    path = data_dir / "pillars.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([lines[0], "", ",,,,,", lines[1], lines[2].replace("2", "二")])
                    + "\n", encoding="utf-8")
    (p,) = problems_of(data_dir)
    assert (p.location, p.column, p.value) == ("line 5", "order", "二")


def test_bom_and_crlf_are_accepted(data_dir: Path) -> None:
    set_cell(data_dir, "targets", "pm25_2027", "kind", "levle")
    path = data_dir / "targets.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes().replace(b"\n", b"\r\n"))
    (p,) = problems_of(data_dir)
    assert (p.location, p.column) == ("line 13", "kind")


def test_extra_rows_after_multiline_cells_count_lines(data_dir: Path) -> None:
    append_row(data_dir, "observations", {
        "indicator_id": "gdp", "geography": "亳州市", "year": "2023", "value": "x",
        "unit": "亿元", "status": "official", "source": "s", "note": "a\nb\nc"})
    append_row(data_dir, "observations", {
        "indicator_id": "gdp", "geography": "亳州市", "year": "2022", "value": "y",
        "unit": "亿元", "status": "official", "source": "s"})
    assert [p.location for p in problems_of(data_dir)] == ["line 40", "line 43"]


def test_xlsx_problems_name_sheet_and_cell(data_dir: Path, tmp_path: Path) -> None:
    set_cell(data_dir, "targets", "doctors_2027", "kind", "levle")
    set_cell(data_dir, "observations", 3, "value", "1,2")
    xlsx = to_xlsx(data_dir, tmp_path / "bad_xlsx")
    problems = problems_of(xlsx)
    assert [(p.file, p.location, p.column, p.value) for p in problems] == [
        # the two-line quoted cell is one row in a sheet: doctors_2027 is row 11
        ("targets.xlsx", "sheet targets, cell H11", "kind", "levle"),
        ("observations.xlsx", "sheet observations, cell E4", "value", "1,2"),
    ]


def test_xlsx_missing_column_names_header_row(data_dir: Path, tmp_path: Path) -> None:
    BAD["missing_column"].edit(data_dir)
    (p,) = problems_of(to_xlsx(data_dir, tmp_path / "x", tables=("targets",)))
    assert (p.file, p.location, p.column) == ("targets.xlsx", "sheet targets, row 1", "kind")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("12", 12.0), ("-2.5", -2.5), ("1e3", 1000.0), (".5", 0.5), ("nan", None), ("inf", None),
     ("-inf", None), ("1,2", None), ("", None), ("1_000", None), ("１２", None), ("1e999", None)],
)
def test_parse_number(text: str, expected: float | None) -> None:
    assert parse_number(text) == expected


def test_base_year_must_come_before_the_target_year(data_dir: Path) -> None:
    from fixtures.bad import add_column

    add_column(data_dir, "targets", "base_year")
    set_cell(data_dir, "targets", "gdp_2027", "base_year", "2027")
    problems = problems_of(data_dir)
    assert [(p.file, p.column, p.value) for p in problems] == [
        ("targets.csv", "base_year", "2027")]
    set_cell(data_dir, "targets", "gdp_2027", "base_year", "2015")
    assert load_plan(data_dir).targets.set_index("target_id").loc["gdp_2027", "base_year"] == 2015


def _target_problems(data_dir: Path, **cells: str) -> list[tuple[str, str, str | None]]:
    for column, value in cells.items():
        set_cell(data_dir, "targets", "gdp_2027", column, value)
    with pytest.raises(DataError) as info:
        load_plan(data_dir)
    return [(p.file, p.column, p.value) for p in info.value.problems]


def test_strict_directions_are_accepted(data_dir: Path) -> None:
    set_cell(data_dir, "targets", "gdp_2027", "direction", "above")
    assert load_plan(data_dir).targets.set_index("target_id").loc["gdp_2027",
                                                                  "direction"] == "above"


def test_reduction_needs_a_fall_between_0_and_100(data_dir: Path) -> None:
    assert _target_problems(data_dir, kind="reduction", threshold="113.5") == [
        ("targets.csv", "threshold", "113.5")]


def test_reduction_on_a_share_is_refused(data_dir: Path) -> None:
    set_cell(data_dir, "targets", "gdp_2027", "indicator_id", "tertiary_share")
    set_cell(data_dir, "targets", "gdp_2027", "unit", "%")
    assert _target_problems(data_dir, kind="reduction", threshold="13.5") == [
        ("targets.csv", "kind", "reduction")]


def test_reduction_measure_only_for_reduction_targets(data_dir: Path) -> None:
    set_cell(data_dir, "indicators", "industry_growth", "measure", "reduction")
    problems = problems_of(data_dir)
    assert [(p.file, p.column, p.value) for p in problems] == [
        ("targets.csv", "kind", "growth")]
    set_cell(data_dir, "targets", "industry_growth_2027", "kind", "reduction")
    plan = load_plan(data_dir)
    assert plan.targets.set_index("target_id").loc["industry_growth_2027", "kind"] == "reduction"


def test_observation_qualifier(data_dir: Path) -> None:
    from fixtures.bad import add_column

    add_column(data_dir, "observations", "qualifier")
    set_cell(data_dir, "observations", 1, "qualifier", ">")
    plan = load_plan(data_dir)
    assert list(plan.observations["qualifier"].iloc[:2]) == [">", ""]
    set_cell(data_dir, "observations", 1, "qualifier", "≈")
    problems = problems_of(data_dir)
    assert [(p.file, p.location, p.column, p.value) for p in problems] == [
        ("observations.csv", "line 2", "qualifier", "≈")]


def test_obligation_is_binding_expected_or_blank(data_dir: Path) -> None:
    from fixtures.bad import add_column

    add_column(data_dir, "targets", "obligation")
    set_cell(data_dir, "targets", "gdp_2027", "obligation", "binding")
    set_cell(data_dir, "targets", "pm25_2027", "obligation", "expected")
    targets = load_plan(data_dir).targets.set_index("target_id")["obligation"]
    assert (targets["gdp_2027"], targets["pm25_2027"], targets["doctors_2027"]) == (
        "binding", "expected", "")
    set_cell(data_dir, "targets", "gdp_2027", "obligation", "约束性")
    (p,) = problems_of(data_dir)
    assert (p.file, p.column, p.value) == ("targets.csv", "obligation", "约束性")
    assert p.location.startswith("line ")
    assert "one of binding, expected" in p.expected


def test_obligation_column_is_optional(data_dir: Path) -> None:
    plan = load_plan(data_dir)
    assert set(plan.targets["obligation"]) == {""}
