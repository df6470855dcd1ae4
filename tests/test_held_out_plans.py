"""bench/held_out_plans.py: the held-out check a reader can run on plans of their own."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import held_out_plans as H  # noqa: E402

HEADER = ["plan", "geography", "indicator", "indicator_zh", "year", "value", "unit", "role",
          "target_kind", "base_year", "status", "url", "excerpt_zh"]
PLAN = "某省“十三五”规划纲要(2016-2020)"


def _write(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _row(ind: str, zh: str, year: int, value: str, role: str, kind: str, base: str = "") -> list:
    return [PLAN, "某省", ind, zh, str(year), value, "%", role, kind, base, "official",
            "https://example.org/p", f"{zh}{value}"]


@pytest.fixture()
def plan_csv(tmp_path: Path) -> Path:
    rows = [_row("urbanization_rate", "常住人口城镇化率", 2020, "60", "target", "share", "2015"),
            _row("gdp_avg_growth", "地区生产总值年均增长", 2020, "7", "target", "avg_growth",
                 "2015"),
            _row("rd_intensity", "研发经费投入强度", 2020, "2.5", "target", "share", "2015")]
    for y, v in zip(range(2013, 2021), ("53", "54", "55.2", "56.3", "57.5", "58.6", "59.6",
                                        "60.8")):
        rows.append(_row("urbanization_rate", "常住人口城镇化率", y, v, "actual", "share"))
    # the year's growth of 2020 must not decide the five-year average target
    rows.append(_row("gdp_growth", "地区生产总值增速", 2020, "2.0", "actual", "annual_growth"))
    rows.append(_row("gdp_avg_growth", "地区生产总值年均增长", 2020, "5.8", "actual",
                     "avg_growth"))
    return _write(tmp_path / "plans.csv", rows)


def test_targets_dates_and_scores(plan_csv: Path) -> None:
    targets, series = H.targets_of(H.read_rows(plan_csv))
    by_ind = {t["indicator_id"]: t for t in targets}
    assert set(by_ind) == {"urbanization_rate", "gdp_growth"}  # R&D has no 2020 outcome
    assert by_ind["urbanization_rate"]["met"] == 1 and by_ind["gdp_growth"]["met"] == 0
    assert by_ind["gdp_growth"]["outcome"] == 5.8  # the average, not 2020's 2.0
    assert H.judging_years(by_ind["urbanization_rate"]) == [2016, 2017, 2018, 2019]
    df = H.judge(targets, series, keep_own=False, n_sims=200)
    urb = df[df["indicator"] == "常住人口城镇化率"]
    assert list(urb["as_of_year"]) == [2016, 2017, 2018, 2019]
    # only the figures known then: 2013..as_of
    assert list(urb["figures"]) == [4, 5, 6, 7]
    assert urb["trend_p"].notna().all()
    assert ((df["p_class"] > 0) & (df["p_class"] < 1)).all()
    assert ((df["p_combined"] > 0) & (df["p_combined"] < 1)).all()
    # pooled Brier: each target weighs 1, its dates sharing the weight
    want = np.mean([((g["p_combined"] - g["met"]) ** 2).mean()
                    for _, g in df.groupby("target_key")])
    assert H.brier(df, "p_combined") == pytest.approx(want)


def test_main_prints_pooled(plan_csv: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert H.main([str(plan_csv), "--plan", "某省", "--n-sims", "200"]) == 0
    out = capsys.readouterr().out
    assert "2 decided targets" in out and "pooled" in out and "@ end 2019" in out


@pytest.mark.parametrize("cell, what", [(("year", "20x0"), "column year: '20x0' — expected a year"),
                                        (("role", "goal"), "column role: 'goal'"),
                                        (("value", "n/a"), "column value: 'n/a'")])
def test_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str], cell: tuple[str, str],
                   what: str) -> None:
    row = _row("urbanization_rate", "常住人口城镇化率", 2020, "60", "target", "share", "2015")
    row[HEADER.index(cell[0])] = cell[1]
    path = _write(tmp_path / "bad.csv", [row])
    assert H.main([str(path)]) == 2
    err = capsys.readouterr().err
    assert "bad.csv row 2" in err and what in err


def test_missing_file_and_columns(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert H.main([str(tmp_path / "none.csv")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "cols.csv").write_text("plan,geography\nx,y\n", encoding="utf-8")
    assert H.main([str(tmp_path / "cols.csv")]) == 2
    assert "missing column(s) indicator" in capsys.readouterr().err
