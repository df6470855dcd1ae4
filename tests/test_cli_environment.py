"""No command ends in a traceback on a bad output path or a terminal that cannot show Chinese:
a clear message and exit 2 (or output with replacement characters). Run as the console script,
in a subprocess, as a scheduler would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ASSESS = ["assess", "--target", "gdp_level", "--n-sims", "200"]


def qcplan(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "qcplan", *args], capture_output=True,
                          timeout=180, env={**os.environ, **env})


def text(proc: subprocess.CompletedProcess) -> str:
    return proc.stderr.decode("utf-8", "replace")


def test_csv_to_a_folder(tmp_path: Path):
    proc = qcplan(*ASSESS, "--csv", str(tmp_path))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert "--csv" in text(proc) and "not a folder" in text(proc)


def test_csv_under_a_file(tmp_path: Path):
    (tmp_path / "a_file").write_text("x")
    proc = qcplan(*ASSESS, "--csv", str(tmp_path / "a_file" / "table.csv"))
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert "is a file, not a folder" in text(proc)


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc (read-only)")
def test_csv_on_a_read_only_file_system():
    proc = qcplan(*ASSESS, "--csv", "/proc/qcplan_table.csv")
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert "--csv" in text(proc) and "cannot create a file in /proc" in text(proc)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write into a read-only folder")
def test_csv_in_a_read_only_folder(tmp_path: Path):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        proc = qcplan(*ASSESS, "--csv", str(folder / "table.csv"))
    finally:
        folder.chmod(0o755)
    assert proc.returncode == 2 and b"Traceback" not in proc.stderr
    assert "cannot create a file in" in text(proc) and "Permission denied" in text(proc)


def test_write_failure_after_the_work_is_a_clear_error(tmp_path: Path, monkeypatch, capsys):
    """A write that fails only at the end (disk full) is reported, not raised."""
    import errno

    from qcplan import cli, files

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "t.csv"))

    monkeypatch.setattr(files, "write_atomic", full)
    assert cli.main([*ASSESS, "--csv", str(tmp_path / "t.csv")]) == 2
    err = capsys.readouterr().err
    assert "No space left on device" in err and "--csv" in err
    assert not (tmp_path / "t.csv").exists()


@pytest.mark.parametrize("args", [
    ["--help"],
    ["validate"],
    ["assess", "--pillar", "industry", "--n-sims", "200"],
    ["assess", "--scenario", "不存在"],
])
def test_a_terminal_that_cannot_show_chinese(args: list[str]):
    proc = qcplan(*args, PYTHONIOENCODING="ascii")
    assert proc.returncode in (0, 2), text(proc)
    assert b"Traceback" not in proc.stderr and b"UnicodeEncodeError" not in proc.stderr
    out = proc.stdout + proc.stderr
    out.decode("ascii")  # only what the terminal can show
    if args != ["--help"]:
        assert b"?" in out or b"\\u" in out  # the Chinese, replaced or escaped
