"""``qcplan collect`` and ``qcplan ingest``: workbooks out, workbooks in; every bad input named by
its cell, nothing written when any file has a problem; vintages, conflicts, in-year figures."""

from __future__ import annotations

import datetime as _dt
import hashlib
import shutil
from pathlib import Path

import openpyxl
import pytest

from qcplan.cli import main
from qcplan.numbers import read_cell_number
from qcplan.plan.collect import FREE_ROWS, SHEET, collect
from qcplan.plan.ingest import IngestError, ingest
from qcplan.plan.load import load_plan

REPO = Path(__file__).resolve().parents[1]
UNIT = "区统计局"
DAY = _dt.date(2026, 3, 1)
# The 区统计局 workbook for 2025: rows 3-7 are gdp, gdp_per_capita, tertiary_share,
# central_city_population, urban_net_inflow; the open rows start at row 8.
# Columns: A indicator_id, B geography, C year, D period, E measure, F value, G status, H source.
FREE = 8


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(REPO / "data", d, ignore=shutil.ignore_patterns("scripts", "sources"))
    return d


def issue(data: Path, tmp: Path, unit: str = UNIT, year: int | None = 2025) -> Path:
    out = tmp / "out"
    collect(load_plan(data), out, units=[unit], year=year, today=DAY)
    return out / f"{unit}.xlsx"


def fill(path: Path, cells: dict[str, object], dest: Path | None = None, edit=None) -> Path:
    wb = openpyxl.load_workbook(path)
    ws = wb[SHEET]
    for ref, value in cells.items():
        ws[ref] = value
    if edit is not None:
        edit(wb)
    dest = dest or path
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def good(**more: object) -> dict[str, object]:
    return {"F3": 905.2, "G3": "preliminary", "H3": "区统计局 2026-02 快报",
            "F5": 52.9, "G5": "official", **more}


def run_ingest(data: Path, *files: Path, **kw):
    return ingest(load_plan(data), list(files), received=kw.pop("received", DAY), **kw)


def test_collect_writes_one_workbook_per_unit_as_asked(data: Path, tmp_path: Path):
    path = issue(data, tmp_path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["填报", "说明", "lists"]
    ws, info = wb["填报"], wb["说明"]
    header = [c.value for c in ws[1]]
    for name in ("indicator_id", "geography", "year", "period", "value", "status", "source",
                 "note", "name_zh", "unit", "definition", "coverage"):
        assert name in header
    assert info["B2"].value == UNIT
    assert "填报说明" in [c.value for c in info["A"]]
    assert any("How to fill in" in str(c.value) for c in info["A"])
    assert [ws.cell(row=r, column=1).value for r in range(3, 8)] == [
        "gdp", "gdp_per_capita", "tertiary_share", "central_city_population", "urban_net_inflow"]
    assert ws["L5"].value == "%"
    # protection: the sheet is protected, the value cell unlocked, the context locked
    assert ws.protection.sheet
    assert not ws["F3"].protection.locked and ws["A3"].protection.locked
    assert ws["J3"].protection.locked
    # data validation: numbers on the value cells, a list on status
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"decimal", "list", "whole"} <= kinds
    status_dv = [dv for dv in ws.data_validations.dataValidation
                 if dv.type == "list" and "G3" in dv.sqref]
    assert status_dv and "lists!$E$1" in status_dv[0].formula1
    assert ws.max_row == 7 + FREE_ROWS


def test_collect_shows_official_figures_locked_and_asks_preliminary_ones(data: Path,
                                                                         tmp_path: Path):
    out = tmp_path / "all"
    collect(load_plan(data), out, units=[UNIT], today=DAY)
    ws = openpyxl.load_workbook(out / f"{UNIT}.xlsx")[SHEET]
    rows = {(r[0], r[1], r[2]): r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
    official = rows[("gdp", "谯城区(辖区)", 2023)]
    assert official[5] == 850.1 and official[6] == "official"
    # the years the series now takes from the illustrative table (2018-2022) are asked too
    years = [r[2] for r in ws.iter_rows(min_row=3, values_only=True) if r[0] == "gdp"]
    assert years == list(range(2018, 2026))
    assert ws["F8"].protection.locked  # gdp 2023 (row 8), held officially: locked
    assert not ws["F7"].protection.locked
    assert rows[("gdp", "谯城区(辖区)", 2024)][5] is None


def test_collect_rejects_an_unknown_unit(data: Path, tmp_path: Path, capsys):
    assert main(["collect", "--data", str(data), "--out", str(tmp_path / "o"),
                 "--units", "区统计"]) == 2
    assert "did you mean '区统计局'" in capsys.readouterr().err


def test_ingest_appends_with_provenance_and_twice_changes_nothing(data: Path, tmp_path: Path):
    path = fill(issue(data, tmp_path), good())
    before = load_plan(data)
    result = run_ingest(data, path)
    assert (len(result.new), len(result.revised), len(result.conflicts)) == (2, 0, 0)
    plan = load_plan(data)
    v = plan.vintages
    rows = v[v["file"] == f"{UNIT}.xlsx"]
    assert len(rows) == 2
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert set(rows["file_sha256"]) == {sha}
    assert set(rows["reporting_unit"]) == {UNIT}
    assert set(rows["received"]) == {"2026-03-01"}
    assert plan.series("gdp", "谯城区(辖区)").loc[2025] == 905.2
    assert plan.series_frame("gdp", "谯城区(辖区)").set_index("year").loc[2025, "status"] \
        == "preliminary"
    assert len(plan.vintages) == len(before.vintages) + 2
    text = (data / "observations.csv").read_bytes()
    again = run_ingest(data, path)
    assert (len(again.new), len(again.revised), len(again.unchanged)) == (0, 0, 2)
    assert again.written is None
    assert (data / "observations.csv").read_bytes() == text


def test_revision_of_a_preliminary_figure_is_a_new_vintage(data: Path, tmp_path: Path):
    path = fill(issue(data, tmp_path), good())
    run_ingest(data, path)
    later = fill(issue(data, tmp_path / "b"), {"F3": 910.0, "G3": "official"})
    result = run_ingest(data, later, received=_dt.date(2026, 6, 1))
    assert len(result.revised) == 1 and result.revised[0][1] == 905.2
    plan = load_plan(data)
    v = plan.vintages.query("indicator_id == 'gdp' and year == 2025 "
                            "and geography == '谯城区(辖区)'")
    assert list(v["value"]) == [905.2, 910.0]
    assert plan.series("gdp", "谯城区(辖区)").loc[2025] == 910.0
    assert plan.known_at("2026-04-01").series("gdp", "谯城区(辖区)").loc[2025] == 905.2


def test_a_different_official_figure_is_a_conflict(data: Path, tmp_path: Path):
    path = fill(issue(data, tmp_path), good())
    run_ingest(data, path)
    text = (data / "observations.csv").read_bytes()
    other = fill(issue(data, tmp_path / "b"), {"F5": 53.4, "G5": "official"})
    result = run_ingest(data, other, received=_dt.date(2026, 4, 1))
    assert len(result.conflicts) == 1 and result.written is None
    assert "CONFLICT" in result.summary() and "--accept-revisions" in result.summary()
    assert (data / "observations.csv").read_bytes() == text
    assert main(["ingest", str(other), "--data", str(data), "--received", "2026-04-01"]) == 1
    result = run_ingest(data, other, received=_dt.date(2026, 4, 1), accept_revisions=True)
    assert len(result.revised) == 1
    assert load_plan(data).series("tertiary_share", "谯城区(辖区)").loc[2025] == 53.4


def test_csv_with_the_same_columns(data: Path, tmp_path: Path):
    csv_path = tmp_path / f"{UNIT}.csv"
    csv_path.write_text("indicator_id,geography,year,period,value,status,source\n"
                        "gdp,谯城区(辖区),2025,,905.2,preliminary,快报\n"
                        "tertiary_share,谯城区(辖区),2025,,52.9%,official,公报\n",
                        encoding="utf-8")
    result = run_ingest(data, csv_path)
    assert len(result.new) == 2
    assert load_plan(data).series("tertiary_share", "谯城区(辖区)").loc[2025] == 52.9


def test_in_year_figures_through_a_workbook(data: Path, tmp_path: Path):
    path = fill(issue(data, tmp_path), {
        f"A{FREE}": "gdp", f"B{FREE}": "谯城区(辖区)", f"C{FREE}": 2025, f"D{FREE}": "M09",
        f"E{FREE}": "ytd", f"F{FREE}": 640.0, f"G{FREE}": "preliminary",
        f"A{FREE + 1}": "gdp", f"B{FREE + 1}": "谯城区(辖区)", f"C{FREE + 1}": 2025,
        f"D{FREE + 1}": "M09", f"E{FREE + 1}": "ytd_growth", f"F{FREE + 1}": "6.3%",
        f"G{FREE + 1}": "preliminary"})
    result = run_ingest(data, path)
    assert len(result.new) == 2
    sub = load_plan(data).subannual("gdp", "谯城区(辖区)")
    assert list(zip(sub["period"], sub["measure"], sub["value"])) == [
        ("M09", "ytd", 640.0), ("M09", "ytd_growth", 6.3)]
    # a later month's year-to-date value below September's is an error, nothing written
    text = (data / "observations.csv").read_bytes()
    bad = fill(issue(data, tmp_path / "b"), {
        f"A{FREE}": "gdp", f"B{FREE}": "谯城区(辖区)", f"C{FREE}": 2025, f"D{FREE}": "M10",
        f"E{FREE}": "ytd", f"F{FREE}": 600.0, f"G{FREE}": "preliminary"})
    with pytest.raises(IngestError) as e:
        run_ingest(data, bad)
    assert f"{UNIT}.xlsx!填报!F{FREE}: expected a year-to-date value not below 640" in str(e.value)
    assert (data / "observations.csv").read_bytes() == text


def _merge(wb):
    wb[SHEET].merge_cells("H3:I3")


def _extra_sheet(wb):
    wb.create_sheet("Sheet2")["B4"] = 123


def _rename_header(wb):
    wb[SHEET]["F1"] = "数值"


# (what, cells to fill besides good(), an edit of the workbook, the text expected in the error)
BAD = [
    ("text in a number cell", {"F3": "约12"}, None,
     f'{UNIT}.xlsx!填报!F3: expected a number (column value), got "约12"'),
    ("comma decimal", {"F3": "12,5"}, None,
     "填报!F3: expected a number with '.' as the decimal point and no thousands separator"),
    ("thousands separator", {"F3": "1,234"}, None, "填报!F3: expected a number with '.'"),
    ("unit word", {"F3": "12亿元"}, None,
     '填报!F3: expected a bare number without a unit or words (the unit is 亿元) (column value), '
     'got "12亿元"'),
    ("percent sign on a non-% indicator", {"F3": "12%"}, None,
     "填报!F3: expected a number in 亿元 without a % sign"),
    ("percent format on a non-% indicator", {}, lambda wb: _pct(wb, "F3", 0.12),
     "填报!F3: expected a number in 亿元 (the cell is formatted as a percentage)"),
    ("empty required cell", {"G3": None}, None,
     "填报!G3: expected a status: 正式 (正式数), 初步 (初步数, 预计, 快报) or 估计, or the "
     "codes official, preliminary, estimate (column status)"),
    ("formula cell", {"F3": "=900+5"}, None,
     '填报!F3: expected a typed value, not a formula (copy, then paste values) (column value), '
     'got "=900+5"'),
    ("merged cell", {}, _merge, "填报!H3:I3: expected no merged cells"),
    ("extra sheet", {}, _extra_sheet, "!Sheet2!B4: expected no sheet besides 填报 and 说明"),
    ("renamed header", {}, _rename_header,
     '填报!F1: expected a header as issued: one of indicator_id'),
    ("unknown indicator", {f"A{FREE}": "gdp_per_capta", f"B{FREE}": "谯城区(辖区)",
                           f"C{FREE}": 2024, f"F{FREE}": 1, f"G{FREE}": "official"}, None,
     f"填报!A{FREE}: expected an indicator_id of indicators.csv (did you mean "
     "'gdp_per_capita'?)"),
    ("year outside the plan", {f"A{FREE}": "gdp", f"B{FREE}": "谯城区(辖区)", f"C{FREE}": 1999,
                               f"F{FREE}": 300, f"G{FREE}": "official"}, None,
     f"填报!C{FREE}: expected a year of the plan from 2013 to 2026"),
    ("year not yet begun", {f"A{FREE}": "gdp", f"B{FREE}": "谯城区(辖区)", f"C{FREE}": 2027,
                            f"F{FREE}": 1000, f"G{FREE}": "estimate"}, None,
     f"填报!C{FREE}: expected a year of the plan from 2013 to 2026"),
    ("another unit's series", {f"A{FREE}": "nursing_beds", f"B{FREE}": "谯城区",
                               f"C{FREE}": 2025, f"F{FREE}": 3000, f"G{FREE}": "official"}, None,
     f"填报!A{FREE}: expected a series of 区统计局's targets"),
    ("bad status", {"G3": "final"}, None, "填报!G3: expected a status: 正式"),
    ("bad period", {f"A{FREE}": "gdp", f"B{FREE}": "谯城区(辖区)", f"C{FREE}": 2025,
                    f"D{FREE}": "9月", f"F{FREE}": 600, f"G{FREE}": "official"}, None,
     f"填报!D{FREE}: expected blank (whole year), M01-M12, Q1-Q4 or H1"),
    ("ytd on a whole year", {"E3": "ytd"}, None,
     "填报!E3: expected period (or blank) for a whole-year figure"),
    ("share above 100", {"F5": 152.9}, None,
     "填报!F5: expected a value between 0 and 100 (tertiary_share is of measure share)"),
    ("negative count", {f"A{FREE}": "central_city_population", f"B{FREE}": "亳州市中心城区",
                        f"C{FREE}": 2024, f"F{FREE}": -3, f"G{FREE}": "official"}, None,
     f"填报!F{FREE}: expected a value ≥ 0"),
    ("changed unit", {"L3": "万元"}, None,
     "填报!L3: expected '亿元', the unit of gdp (the unit cannot be changed)"),
    ("same figure twice, different values",
     {f"A{FREE}": "gdp", f"B{FREE}": "谯城区(辖区)", f"C{FREE}": 2025, f"F{FREE}": 906,
      f"G{FREE}": "preliminary"}, None,
     f"填报!F{FREE}: expected one value for gdp@谯城区(辖区) 2025 (also given as 905.2 at "
     f"{UNIT}.xlsx!填报!F3)"),
    ("unit cell cleared", {}, lambda wb: wb["说明"].__setitem__("B2", None),
     "!说明!B2: expected the reporting unit the workbook was issued to"),
]


def _pct(wb, ref, value):
    wb[SHEET][ref] = value
    wb[SHEET][ref].number_format = "0%"


@pytest.mark.parametrize("what, cells, edit, expected", BAD, ids=[b[0] for b in BAD])
def test_bad_workbook_cell_is_named_and_nothing_is_written(data: Path, tmp_path: Path, what,
                                                           cells, edit, expected, capsys):
    path = fill(issue(data, tmp_path), {**good(), **cells}, edit=edit)
    text = (data / "observations.csv").read_bytes()
    code = main(["ingest", str(path), "--data", str(data), "--received", "2026-03-01"])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err, err
    assert "nothing was written" in err and "Traceback" not in err
    assert (data / "observations.csv").read_bytes() == text


@pytest.mark.parametrize("content, expected", [
    (b"indicator_id,value\ngdp,1\n", "expected an .xlsx workbook (this file is not one"),
    (None, "expected a readable .xlsx workbook (it is damaged"),
])
def test_not_a_workbook_or_a_damaged_one(data: Path, tmp_path: Path, content, expected, capsys):
    path = tmp_path / f"{UNIT}.xlsx"
    if content is None:
        good_file = fill(issue(data, tmp_path), good())
        content = good_file.read_bytes()[:2000]  # cut short
    path.write_bytes(content)
    text = (data / "observations.csv").read_bytes()
    assert main(["ingest", str(path), "--data", str(data)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert (data / "observations.csv").read_bytes() == text


def test_another_units_file_under_its_name(data: Path, tmp_path: Path, capsys):
    path = fill(issue(data, tmp_path), good(), dest=tmp_path / "back" / "区教育局.xlsx")
    assert main(["ingest", str(path), "--data", str(data)]) == 2
    assert ("区教育局.xlsx!说明!B2: expected the unit the file is named after (区教育局): this is "
            "区统计局's workbook under another unit's name") in capsys.readouterr().err


def test_one_bad_file_blocks_every_file(data: Path, tmp_path: Path, capsys):
    ok = fill(issue(data, tmp_path / "a"), good())
    bad = fill(issue(data, tmp_path / "b", unit="区教育局"), {"F3": "约95"})
    text = (data / "observations.csv").read_bytes()
    assert main(["ingest", str(ok), str(bad), "--data", str(data)]) == 2
    assert '区教育局.xlsx!填报!F3: expected a number (column value), got "约95"' in \
        capsys.readouterr().err
    assert (data / "observations.csv").read_bytes() == text


def test_same_figure_with_different_values_in_two_files(data: Path, tmp_path: Path, capsys):
    a = fill(issue(data, tmp_path / "a"), good())
    b = fill(issue(data, tmp_path / "b"), good(F3=907.0), dest=tmp_path / "c" / f"{UNIT}.xlsx")
    assert main(["ingest", str(a), str(b), "--data", str(data)]) == 2
    assert "also given as 905.2" in capsys.readouterr().err


@pytest.mark.parametrize("text, unit, value", [
    ("１２", "亿元", 12.0), ("１２．５", "亿元", 12.5), ("52.5%", "%", 52.5), ("５２％", "%", 52.0),
    (" 7.1 ", "%", 7.1), ("-3.5", "%", -3.5), ("－3.5", "%", -3.5),
])
def test_values_read_where_the_meaning_is_certain(text, unit, value):
    assert read_cell_number(text, unit) == (value, None)


def test_full_width_digits_and_percent_format_in_a_workbook(data: Path, tmp_path: Path):
    path = fill(issue(data, tmp_path), {"F3": "９０５．２", "G3": "preliminary", "G5": "official"},
                edit=lambda wb: _pct(wb, "F5", 0.529))
    result = run_ingest(data, path)
    assert sorted(f.value for f in result.new) == [52.9, 905.2]


def test_jump_is_a_warning_naming_the_cell(data: Path, tmp_path: Path):
    # gdp 辖区 2023 official 850.1; 2024 given as 9051 (a slip of the decimal point)
    out = tmp_path / "y"
    collect(load_plan(data), out, units=[UNIT], year=2024, today=DAY)
    path = fill(out / f"{UNIT}.xlsx", {"F3": 9051, "G3": "official"})
    result = run_ingest(data, path)
    assert len(result.warnings) == 1
    assert result.warnings[0].startswith(f"{UNIT}.xlsx!填报!F3: 9051 is more than 3 times away")


def test_reordered_header_is_read_by_name(data: Path, tmp_path: Path):
    """Columns value (F) and status (G) swapped, header and cells: read by the header's names."""
    def swap(wb):
        ws = wb[SHEET]
        for r in range(1, ws.max_row + 1):
            f, g = ws.cell(row=r, column=6), ws.cell(row=r, column=7)
            f.value, g.value = g.value, f.value

    path = fill(issue(data, tmp_path), good(), edit=swap)
    assert openpyxl.load_workbook(path)[SHEET]["F1"].value == "status"
    result = run_ingest(data, path)
    assert sorted((f.indicator_id, f.value, f.status) for f in result.new) == [
        ("gdp", 905.2, "preliminary"), ("tertiary_share", 52.9, "official")]


def test_missing_file_and_a_workbook_plan(data: Path, tmp_path: Path, capsys):
    from fixtures.bad import copy_fixture, to_xlsx

    xlsx_dir = to_xlsx(copy_fixture(tmp_path / "fixture"), tmp_path / "fixture_xlsx")
    assert main(["ingest", str(tmp_path / "区统计局.xlsx"), "--data", str(data)]) == 2
    assert "区统计局.xlsx: expected a file (" in capsys.readouterr().err
    # a plan whose observations are a workbook: refused with a reason, nothing written
    csv_path = tmp_path / "区发改委.csv"
    csv_path.write_text("indicator_id,geography,year,value,status\n"
                        "gdp,谯城区,2024,900,official\n", encoding="utf-8")
    before = (xlsx_dir / "observations.xlsx").read_bytes()
    assert main(["ingest", str(csv_path), "--data", str(xlsx_dir), "--received",
                 "2025-03-01"]) == 2
    err = capsys.readouterr().err
    assert "ingest appends to observations.csv" in err and "Traceback" not in err
    assert (xlsx_dir / "observations.xlsx").read_bytes() == before


# ------------------------------------------------------------------ figures from published pages
PUBLIC_HEADER = "indicator_id,geography,year,period,measure,value,unit,status,source,excerpt,note\n"


def test_public_figures_of_context_series_with_their_excerpt(data: Path, tmp_path: Path):
    """A figure read from a page, on a series no unit reports (a context series of the city) and
    a year-to-date growth with no level: taken with --public, the excerpt kept verbatim."""
    path = tmp_path / "pages.csv"
    path.write_text(PUBLIC_HEADER
                    + "general_budget_revenue,亳州市,2022,,,150.5,亿元,official,http://a.example/1,"
                    "\"全年一般公共预算收入150.5亿元\",work report\n"
                    + "fixed_asset_investment_growth,谯城区(不含高新区),2025,M06,ytd_growth,7.0,%,"
                    "preliminary,http://a.example/2,\"1-6月份…同比增长7.0%\",上报\n"
                    + "good_air_days_share,亳州市,2022,,,72.0,%,derived,http://a.example/3,"
                    "\"优良天数比率为74.0%,同比提升2.0个百分点\",74.0 - 2.0\n", encoding="utf-8")
    with pytest.raises(IngestError, match="a series of"):  # as a unit's file: not its series
        run_ingest(data, path, unit=UNIT)
    result = run_ingest(data, path, public=True)
    assert len(result.new) == 3 and result.written is not None
    plan = load_plan(data)
    rows = plan.series_frame("general_budget_revenue", "亳州市")
    assert rows.set_index("year").loc[2022, "value"] == 150.5
    obs = plan.observations
    got = obs[(obs["indicator_id"] == "good_air_days_share") & (obs["year"] == 2022)].iloc[0]
    assert got["status"] == "derived" and got["excerpt"].startswith("优良天数比率")
    assert got["reporting_unit"] == "" or str(got["reporting_unit"]) == "nan"
    ytd = obs[(obs["indicator_id"] == "fixed_asset_investment_growth") & (obs["period"] == "M06")]
    assert list(ytd["measure"]) == ["ytd_growth"] and list(ytd["value"]) == [7.0]
    assert run_ingest(data, path, public=True).written is None  # twice: nothing new


@pytest.mark.parametrize("line, expected", [
    ("gdp,谯城区(辖区),2024,,,900,亿元,official,http://a.example,,x",
     "pages.csv!line 2: expected a value (this cell is required when a value is given) "
     "(column excerpt)"),
    ("gdp,亳州,2024,,,900,亿元,official,http://a.example,全年…,x",
     'pages.csv!line 2: expected a geography of the plan'),
    ("gdp,亳州市,2024,,,900,亿元,rumour,http://a.example,全年…,x",
     'or the codes official, preliminary, estimate, or derived (one subtraction or addition '
     'stated on the page) (column status), got "rumour"'),
])
def test_public_figures_need_page_excerpt_and_a_plan_geography(data: Path, tmp_path: Path,
                                                                line, expected, capsys):
    path = tmp_path / "pages.csv"
    path.write_text(PUBLIC_HEADER + line + "\n", encoding="utf-8")
    before = (data / "observations.csv").read_bytes()
    assert main(["ingest", "--public", str(path), "--data", str(data)]) == 2
    assert expected in capsys.readouterr().err
    assert (data / "observations.csv").read_bytes() == before


def test_public_file_without_an_excerpt_column_and_public_with_unit(data: Path, tmp_path: Path,
                                                                     capsys):
    path = tmp_path / "pages.csv"
    path.write_text("indicator_id,geography,year,value,status,source\n"
                    "gdp,亳州市,2024,900,official,http://a.example\n", encoding="utf-8")
    assert main(["ingest", "--public", str(path), "--data", str(data)]) == 2
    assert "pages.csv!line 1: expected a column 'excerpt'" in capsys.readouterr().err
    assert main(["ingest", "--public", "--unit", UNIT, str(path), "--data", str(data)]) == 2
    assert "not both" in capsys.readouterr().err


def test_the_shipped_public_figures_are_all_taken_and_held(tmp_path: Path):
    """data/incoming/real_figures_2026.csv is what was fed in: every row is in observations.csv
    with its source and excerpt, and feeding it again changes nothing."""
    d = tmp_path / "data"
    shutil.copytree(REPO / "data", d, ignore=shutil.ignore_patterns("scripts", "sources"))
    result = ingest(load_plan(d), [REPO / "data" / "incoming" / "real_figures_2026.csv"],
                    public=True, dry_run=True)
    assert not result.new and not result.revised and not result.conflicts
    assert len(result.unchanged) > 0
    obs = load_plan(d).observations
    fed = obs[obs["file"] == "real_figures_2026.csv"]
    assert len(fed) == len(result.unchanged)
    assert fed["excerpt"].str.len().gt(0).all() and fed["source"].str.startswith("http").all()
