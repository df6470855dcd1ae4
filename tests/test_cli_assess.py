"""`qcplan assess`: the status table from the command line, and its bad-parameter exits."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from qcplan.cli import main

REPO = Path(__file__).resolve().parents[1]


def test_assess_prints_the_pillar_table(capsys):
    assert main(["assess", "--pillar", "industry", "--n-sims", "500"]) == 0
    out = capsys.readouterr().out
    assert "industrial_va_growth" in out and "gdp_level" not in out
    assert "illustrative" in out


def test_assess_writes_csv(tmp_path: Path):
    out = tmp_path / "table.csv"
    assert main(["assess", "--scenario", "optimistic", "--target", "gdp_level", "tech_smes",
                 "--n-sims", "500", "--csv", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    assert list(table["target_id"]) == ["gdp_level", "tech_smes"]
    assert set(table["scenario"]) == {"optimistic"}
    assert table["prob_reach"].between(0, 1).all()


@pytest.mark.parametrize(("args", "key"), [
    (["--scenario", "nope"], "--scenario"),
    (["--pillar", "nope"], "--pillar"),
    (["--target", "nope"], "--target"),
    (["--as-of", "someday"], "--as-of"),
    (["--n-sims", "3"], "--n-sims"),
])
def test_bad_parameters_exit_2_with_the_key(capsys, args: list[str], key: str):
    assert main(["assess", *args]) == 2
    err = capsys.readouterr().err
    assert key in err and "expected" in err


def test_no_traceback_from_the_console_script():
    proc = subprocess.run([sys.executable, "-m", "qcplan", "assess", "--pillar", "nope"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_assess_csv_neutralises_formulas(tmp_path: Path, data_dir: Path):
    from fixtures.bad import set_cell

    hostile = '=HYPERLINK("http://x.example/","click")'
    set_cell(data_dir, "targets", "gdp_2027", "name_en", hostile)
    set_cell(data_dir, "targets", "gdp_2027", "responsible_units", "@SUM(1+1)")
    out = tmp_path / "table.csv"
    params = tmp_path / "params" / "scenarios"
    params.mkdir(parents=True)
    shutil.copy(REPO / "params" / "scenarios" / "baseline.yaml", params)
    assert main(["assess", "--data", str(data_dir), "--params", str(params.parent), "--target",
                 "gdp_2027", "--n-sims", "200", "--csv", str(out)]) == 0
    table = pd.read_csv(out, encoding="utf-8-sig")
    row = table.iloc[0]
    assert row["name_en"] == "'" + hostile
    assert row["responsible_units"] == "'@SUM(1+1)"
    assert pd.api.types.is_float_dtype(table["prob_reach"])  # numbers stay numbers


def test_summary_csv_neutralises_formulas(tmp_path: Path):
    from qcplan.batch.outputs import write_summary

    df = pd.DataFrame({"target_id": ["a"], "name_zh": ["-1+1"], "prob_reach": [-0.0],
                       "latest_value": [-3.5]})
    write_summary(tmp_path / "summary.csv", df)
    back = pd.read_csv(tmp_path / "summary.csv", encoding="utf-8-sig")
    assert back.loc[0, "name_zh"] == "'-1+1" and back.loc[0, "latest_value"] == -3.5
