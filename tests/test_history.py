"""The history of runs (OUT/history.csv), ``qcplan history``, the course charts and arrows."""

from __future__ import annotations

import multiprocessing
import re
from pathlib import Path

import pandas as pd
import pytest

from qcplan.batch import history as hist
from qcplan.cli import main
from qcplan.errors import DataError
from qcplan.render.course import arrow_html, course_section_html, sparkline_svg


def _summary(p: float, status: str = "on_track", trend: bool = False,
             targets: tuple[str, ...] = ("t_a", "t_b")) -> pd.DataFrame:
    rows = []
    for i, t in enumerate(targets):
        row = {"plan_id": "plan_x", "target_id": t, "pillar": "industry", "scenario": "baseline",
               "status": status, "prob_reach": p - i * 0.1, "latest_value": 12.5 + i,
               "latest_year": 2025}
        if trend:
            row["prob_reach_trend"] = p - 0.05
        rows.append(row)
    return pd.DataFrame(rows)


def _rows(run_id: str, date: str, p: float, **kw) -> pd.DataFrame:
    return hist.history_rows(_summary(p, **kw), run_id, date, "2026-06-30", "official 2025",
                             "plan_x")


def test_rows_record_both_probabilities_when_the_table_has_them() -> None:
    plain = _rows("r1", "2026-01-01T00:00:00+00:00", 0.5)
    assert list(plain.columns) == list(hist.HISTORY_COLUMNS)
    assert plain["prob_reach_trend"].isna().all()  # no outside view: blank
    both = _rows("r2", "2026-02-01T00:00:00+00:00", 0.5, trend=True)
    assert both["prob_reach_trend"].tolist() == [0.45, 0.45]
    assert both["prob_reach"].tolist() == [0.5, 0.4]


def test_append_keeps_every_run_and_replaces_a_rerun(tmp_path: Path) -> None:
    hist.append_history(tmp_path, _rows("r1", "2026-01-01T00:00:00+00:00", 0.5))
    hist.append_history(tmp_path, _rows("r2", "2026-02-01T00:00:00+00:00", 0.7))
    hist.append_history(tmp_path, _rows("r2", "2026-02-01T00:00:00+00:00", 0.8))  # again
    h = hist.read_history(tmp_path)
    assert h["run_id"].tolist() == ["r1", "r1", "r2", "r2"]
    a = h[h["target_id"] == "t_a"]
    assert a["prob_reach"].tolist() == [0.5, 0.8]
    assert not list(tmp_path.glob(".history.csv.*"))  # no temporary file left


def _append_many(out: str, tag: str, n: int) -> None:
    for i in range(n):
        hist.append_history(out, _rows(f"{tag}{i:02d}", f"2026-01-{i + 1:02d}T00:00:00+00:00",
                                       0.5))


def test_two_writers_at_once_lose_nothing(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_append_many, args=(str(tmp_path), tag, 15))
             for tag in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    h = hist.read_history(tmp_path)
    assert h["run_id"].nunique() == 30  # every run of both writers
    assert len(h) == 60


def test_a_held_lock_times_out_and_leaves_the_file(tmp_path: Path) -> None:
    from filelock import FileLock, Timeout

    hist.append_history(tmp_path, _rows("r1", "2026-01-01T00:00:00+00:00", 0.5))
    before = (tmp_path / "history.csv").read_bytes()
    with FileLock(str(tmp_path / hist.LOCK_FILE)):
        with pytest.raises(Timeout):
            hist.append_history(tmp_path, _rows("r2", "2026-02-01T00:00:00+00:00", 0.6),
                                lock_timeout=0.2)
    assert (tmp_path / "history.csv").read_bytes() == before


@pytest.mark.parametrize("text, where", [
    ("run_id,target_id\nr1,t\n", "column scenario"),
    ("run_id,scenario,target_id,prob_reach,status\nr1,baseline,t,1.7,on_track\n",
     "line 2, column prob_reach"),
    ("run_id,scenario,target_id,prob_reach,status\nr1,baseline,t,high,on_track\n",
     "line 2, column prob_reach"),
])
def test_a_bad_history_names_file_line_and_column(tmp_path: Path, text: str, where: str) -> None:
    (tmp_path / "history.csv").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        hist.read_history(tmp_path)
    assert "history.csv" in str(e.value) and where in str(e.value)
    # and nothing is appended on top of it
    with pytest.raises(DataError):
        hist.append_history(tmp_path, _rows("r2", "2026-02-01T00:00:00+00:00", 0.6))
    assert (tmp_path / "history.csv").read_text(encoding="utf-8") == text


def test_cli_history_prints_each_targets_course(tmp_path: Path,
                                                capsys: pytest.CaptureFixture) -> None:
    hist.append_history(tmp_path, _rows("r1", "2026-01-01T00:00:00+00:00", 0.5))
    hist.append_history(tmp_path, _rows("r2", "2026-02-01T00:00:00+00:00", 0.7, trend=True))
    assert main(["history", "--out", str(tmp_path), "--target", "t_a"]) == 0
    out = capsys.readouterr().out
    assert "t_a [baseline]" in out and "2 runs" in out and "t_b" not in out
    lines = [ln for ln in out.splitlines() if ln.startswith("  ")]
    assert "r1" in lines[0] and "50%" in lines[0]
    assert "r2" in lines[1] and "70% ↑" in lines[1] and "trend only 65%" in lines[1]
    csv_path = tmp_path / "course.csv"
    assert main(["history", "--out", str(tmp_path), "--pillar", "industry",
                 "--csv", str(csv_path)]) == 0
    back = pd.read_csv(csv_path, encoding="utf-8-sig")
    assert len(back) == 4 and set(back["run_id"]) == {"r1", "r2"}


def test_cli_history_one_run_says_so(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    hist.append_history(tmp_path, _rows("r1", "2026-01-01T00:00:00+00:00", 0.5))
    assert main(["history", "--out", str(tmp_path)]) == 0
    assert "one run only" in capsys.readouterr().out


@pytest.mark.parametrize("args, words", [
    (["--target", "nope"], "--target"),
    (["--pillar", "nope"], "--pillar"),
    (["--bogus"], "unrecognized arguments"),
])
def test_cli_history_bad_options_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture,
                                        args: list[str], words: str) -> None:
    hist.append_history(tmp_path, _rows("r1", "2026-01-01T00:00:00+00:00", 0.5))
    assert main(["history", "--out", str(tmp_path), *args]) == 2
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err


def test_cli_history_missing_folder_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["history", "--out", str(tmp_path / "nowhere")]) == 2
    assert "--out" in capsys.readouterr().err


def test_sparkline_has_a_point_per_run_with_its_date() -> None:
    svg = sparkline_svg(["2026-01-01", "2026-02-01", "2026-03-01"], [0.2, float("nan"), 0.9],
                        "t <x>")
    assert svg.count("<circle") == 2  # the run without a P(reach) is left out
    assert "2026-01-01: 20%" in svg and "2026-03-01: 90%" in svg
    assert "t &lt;x&gt;" in svg and "<x>" not in svg
    ys = [float(y) for y in re.findall(r'cy="([\d.]+)"', svg)]
    assert ys[0] > ys[1]  # higher P(reach) is higher on the chart


def test_arrows() -> None:
    assert "↑" in arrow_html(0.40, 0.55) and "↓" in arrow_html(0.55, 0.40)
    assert "→" in arrow_html(0.401, 0.404)
    assert arrow_html(None, 0.5) == ""


def test_course_section_says_one_run_and_new_targets() -> None:
    table = pd.DataFrame({"target_id": ["t_a", "t_new"], "name_zh": ["甲", "新"],
                          "name_en": ["A", "New"], "prob_reach": [0.6, 0.3]})
    one = _rows("r1", "2026-01-01T00:00:00+00:00", 0.6, targets=("t_a",))
    page = course_section_html(one, table.iloc[:1], "r1")
    assert "Only this run is on record" in page
    two = pd.concat([_rows("r0", "2025-12-01T00:00:00+00:00", 0.4, targets=("t_a",)),
                     _rows("r1", "2026-01-01T00:00:00+00:00", 0.6, targets=("t_a", "t_new"))])
    page = course_section_html(two, table, "r1")
    assert "Only this run" not in page
    assert page.count("New to the plan") == 1  # t_new only
    assert "↑" in page
