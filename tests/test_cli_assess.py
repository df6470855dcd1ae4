"""`qcplan assess`: the status table from the command line, and its bad-parameter exits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from qcplan.cli import main


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
