"""``qcplan validate``: exit codes, messages, and never a traceback for bad data."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from fixtures.bad import BAD, set_cell

from qcplan.cli import HANDLERS, build_parser, main


def test_clean_data_prints_summary(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(data_dir)]) == 0
    out = capsys.readouterr().out
    assert "Targets per pillar and kind" in out
    assert "11 targets" in out


def test_bad_data_exits_2_with_every_problem(data_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    set_cell(data_dir, "targets", "doctors_2027", "kind", "levle")
    set_cell(data_dir, "observations", 1, "value", "1,2")
    assert main(["validate", "--data", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "2 problems in the data" in err
    assert "targets.csv (1):" in err and "observations.csv (1):" in err
    assert "targets.csv line 12, column kind: 'levle' — expected one of" in err
    assert "observations.csv line 2, column value: '1,2'" in err


def test_missing_data_dir_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--data", str(tmp_path / "nowhere")]) == 2
    assert "plan folder not found" in capsys.readouterr().err


def test_usage_errors_return_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main(["frobnicate"]) == 2
    assert main(["--version"]) == 0
    capsys.readouterr()


def test_parser_and_handlers_agree() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert set(sub.choices) == set(HANDLERS)


def test_bad_params_are_reported(data_dir: Path, tmp_path: Path,
                                 capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("qcplan.model.scenarios")
    params = tmp_path / "params"
    (params / "scenarios").mkdir(parents=True)
    (params / "scenarios" / "broken.yaml").write_text("name: [unclosed\n", encoding="utf-8")
    assert main(["validate", "--data", str(data_dir), "--params", str(params)]) == 2
    err = capsys.readouterr().err
    assert "broken.yaml" in err and "Traceback" not in err


def run_module(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qcplan", *args], capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize("rule", ["unknown_kind", "not_utf8", "missing_column"])
def test_python_m_qcplan_on_bad_data(rule: str, data_dir: Path) -> None:
    BAD[rule].edit(data_dir)
    result = run_module("validate", "--data", str(data_dir))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert BAD[rule].file in result.stderr


def test_python_m_qcplan_on_corrupt_xlsx(data_dir: Path) -> None:
    (data_dir / "observations.csv").unlink()
    (data_dir / "observations.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = run_module("validate", "--data", str(data_dir))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "observations.xlsx" in result.stderr
