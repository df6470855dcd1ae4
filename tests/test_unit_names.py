"""A responsible unit by any of its names (``aliases`` of responsible_units.csv): targets,
``collect`` and ``ingest`` map every name to one unit; a name that matches nothing is named with
the closest suggestion."""

from __future__ import annotations

import datetime as _dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from qcplan.cli import main
from qcplan.errors import DataError, ParameterError
from qcplan.plan.collect import INFO_SHEET, SHEET, UNIT_CELL, collect, unit_names, unit_series
from qcplan.plan.ingest import IngestError, ingest
from qcplan.plan.load import load_plan
from qcplan.render.narrative import Narrator

REPO = Path(__file__).resolve().parents[1]
DAY = _dt.date(2026, 3, 1)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(REPO / "data", d, ignore=shutil.ignore_patterns("scripts", "sources"))
    return d


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_collect_writes_one_workbook_per_unit_whatever_targets_call_it(data: Path,
                                                                        tmp_path: Path):
    plan = load_plan(data)
    names = unit_names(plan)
    written = collect(plan, tmp_path / "out", year=2024, today=DAY)
    files = sorted(p.name for p in (tmp_path / "out").glob("*.xlsx"))
    assert len(files) == len(written) == len(names) == 21
    for short in ("区人社局", "区住建局", "区工信局", "区城管局", "谯城经开区"):
        assert short not in names and f"{short}.xlsx" not in files
    # the unit's series are those of the targets naming it by either name
    short = set(unit_series(plan, "区人社局"))
    full = set(unit_series(plan, "区人力资源社会保障局"))
    by_full_name = {(t["indicator_id"], t["geography"]) for _, t in plan.targets.iterrows()
                    if "区人力资源社会保障局" in t["responsible_units"]}
    by_short_name = {(t["indicator_id"], t["geography"]) for _, t in plan.targets.iterrows()
                     if "区人社局" in t["responsible_units"]}
    assert short == full == by_full_name | by_short_name
    assert by_short_name - by_full_name  # both names are used in targets.csv


def test_collect_by_an_alias_and_an_unknown_unit_with_a_suggestion(data: Path, tmp_path: Path,
                                                                    capsys):
    written = collect(load_plan(data), tmp_path / "out", units=["区住建局"], year=2024, today=DAY)
    assert list(written) == ["区住房城乡建设局"]
    with pytest.raises(ParameterError, match="区人力资源社会保障局"):
        collect(load_plan(data), tmp_path / "out", units=["区人力资源保障局"], today=DAY)
    assert main(["collect", "--plan", str(data), "--out", str(tmp_path / "o2"),
                 "--units", "区人事局"]) == 2
    assert "区人事局" in capsys.readouterr().err


def test_a_workbook_issued_under_a_short_name_ingests_as_the_unit(data: Path, tmp_path: Path):
    collect(load_plan(data), tmp_path / "out", units=["区人力资源社会保障局"], year=2024,
            today=DAY)
    path = tmp_path / "out" / "区人力资源社会保障局.xlsx"
    wb = openpyxl.load_workbook(path)
    wb[INFO_SHEET][UNIT_CELL] = "区人社局"  # as the unit wrote its own name
    ws = wb[SHEET]
    ws["F3"], ws["G3"], ws["H3"] = 1.2, "official", "区人社局 统计"
    dest = tmp_path / "区人社局.xlsx"  # and the file named so
    wb.save(dest)
    result = ingest(load_plan(data), [dest], received=DAY)
    assert [f.reporting_unit for f in result.new] == ["区人力资源社会保障局"]
    assert ",区人力资源社会保障局," in (data / "observations.csv").read_text(encoding="utf-8")


def test_a_csv_return_named_by_an_alias(data: Path, tmp_path: Path):
    plan = load_plan(data)
    ind, geo = next(iter(unit_series(plan, "区住建局")))
    csv = tmp_path / "区住建局.csv"
    csv.write_text(f"indicator_id,geography,year,value,status\n{ind},{geo},2024,1,official\n",
                   encoding="utf-8")
    try:
        result = ingest(plan, [csv], received=DAY)
    except IngestError as e:  # a value out of range is fine here: the unit must be known
        assert "reporting unit" not in str(e) and "responsible_units" not in str(e), str(e)
        return
    assert result.new and result.new[0].reporting_unit == "区住房城乡建设局"


def test_validation_names_a_unit_matching_nothing_and_suggests(data: Path):
    _edit(data / "targets.csv", "区人社局", "区人设局")
    with pytest.raises(DataError) as err:
        load_plan(data)
    p = [p for p in err.value.problems if p.column == "responsible_units"]
    assert p and p[0].value == "区人设局" and "区人社局" in p[0].expected


def test_an_alias_naming_another_unit_is_refused(data: Path):
    _edit(data / "responsible_units.csv", "区工信局,", "区工信局|区科技局,")
    with pytest.raises(DataError) as err:
        load_plan(data)
    p = [p for p in err.value.problems if p.column == "aliases"]
    assert p and p[0].value == "区科技局" and "区科技局" in p[0].expected


def test_english_names_through_an_alias(data: Path):
    plan = load_plan(data)
    row = {"responsible_units": "区人社局、区住建局"}
    text = Narrator(plan).bodies(row, "en")
    assert "Human Resources and Social Security" in text and "Housing" in text
