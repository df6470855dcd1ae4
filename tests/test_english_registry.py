"""English units and names of responsible units come from the registry, checked on load."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qcplan.errors import DataError
from qcplan.model.assess import Assessor
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render.narrative import Narrator
from qcplan.render.status_table import status_table_html

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def data(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data", tmp_path / "data")
    return tmp_path / "data"


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_shipped_registry_covers_every_unit_and_body():
    plan = load_plan()
    ind = plan.indicators
    assert ((ind["unit"] == "") | (ind["unit_en"] != "")).all()
    from qcplan.plan.schema import split_aliases

    known = set(plan.responsible_units["name_zh"]) | {
        a for text in plan.responsible_units["aliases"] for a in split_aliases(text)}
    named = {n for text in plan.targets["responsible_units"] for n in text.split("、") if n}
    assert named <= known


def test_missing_english_unit_is_a_data_error(data: Path):
    _edit(data / "indicators.csv", "张,beds,count", "张,,count")
    with pytest.raises(DataError) as err:
        load_plan(data)
    p = [p for p in err.value.problems if p.column == "unit_en"]
    assert p and p[0].file == "indicators.csv" and p[0].location.startswith("line ")


def test_unknown_responsible_unit_names_row_and_column(data: Path):
    _edit(data / "targets.csv", "区教育局、区卫健委、区民政局、区城管局",
          "区教育局、区卫建委、区民政局、区城管局")
    with pytest.raises(DataError) as err:
        load_plan(data)
    p = [p for p in err.value.problems if p.column == "responsible_units"]
    assert p and p[0].file == "targets.csv" and p[0].value == "区卫建委"
    assert "区卫健委" in p[0].expected  # the close match is suggested
    out = subprocess.run([sys.executable, "-m", "qcplan", "validate", "--data", str(data)],
                         capture_output=True, text=True)
    assert out.returncode == 2 and "Traceback" not in out.stderr + out.stdout


def test_older_plan_folders_without_the_registry_still_load(data: Path):
    (data / "responsible_units.csv").unlink()
    plan = load_plan(data)
    assert plan.responsible_units.empty
    row = plan.targets.iloc[0].to_dict()
    assert Narrator(plan).bodies(row, "en") == "; ".join(row["responsible_units"].split("、"))


def test_english_report_reads_english():
    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    table = Assessor(plan).assess("baseline", n_sims=300, seed=0)
    sub = table[table["pillar"] == "public_services"]
    n = Narrator(plan, scenarios)
    doc = status_table_html(sub, "en", findings=n.findings(sub, "en"), narrator=n)
    assert "3.00 per 1,000 people" in doc
    assert "19,000 beds" in doc
    assert "District Education Bureau (区教育局)" in doc
    assert "人/千人" not in doc and " 张" not in doc
    zh = status_table_html(sub, "zh", narrator=n)
    assert "人/千人" in zh and "区教育局" in zh and "District Education Bureau" not in zh


def test_english_work_points_use_english_units():
    from qcplan.render.sections import workpoints_html

    plan = load_plan()
    table = Assessor(plan).assess("baseline", n_sims=300, seed=0)
    sub = table[table["pillar"] == "urban_capacity"]
    doc = workpoints_html(sub, "en", (2024,), Narrator(plan))
    assert "30 km" in doc and "公里" not in doc
