"""The track record of past plans: every figure is in its excerpt, the build reproduces the
committed tables, and the held-out national 13th and 14th five-year plans are not in it."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qcplan.model.outside_view import (
    COLUMNS,
    HELD_OUT_NAMES,
    HELD_OUT_PLAN_IDS,
    TRACK_RECORD_DIR,
    load_judged,
    load_targets,
    met_of,
)

REPO = Path(__file__).resolve().parents[1]
SOURCES = sorted((TRACK_RECORD_DIR / "sources").glob("*.csv"))
CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9, "十": 10}
NUMBER = re.compile(r"[0-9][0-9,]*(?:\.[0-9]+)?")


def numbers_in(text: str) -> list[float]:
    """Every number written in ``text``: digits (thousands commas allowed, full-width digits
    folded) and single Chinese numerals (两人, 百分之六)."""
    text = text.translate({0xFF10 + i: ord("0") + i for i in range(10)} | {0xFF0E: ord(".")})
    # as written, and with a page's stray space inside a number closed ("1 43亿" for 143亿)
    joined = re.sub(r"(?<=[0-9]) (?=[0-9])", "", text)
    out = [float(m.group().replace(",", "")) for t in (text, joined) for m in NUMBER.finditer(t)]
    out += [float(v) for k, v in CN_DIGITS.items() if k in text]
    return out


def found(value: float, excerpt: str) -> bool:
    """``value`` is written in ``excerpt``, as is or in another power of ten (3.6 trillion yuan
    for 36000亿元, 663,000 jobs for 66.3万人, 2.38万亿元 for 23800亿元); a negative value as a fall
    (下降4% for −4)."""
    if value < 0:
        if not re.search(r"下降|下滑|减少|降幅|负增长|回落|-|−|fell|declin|drop", excerpt):
            return False
        value = -value
    for n in numbers_in(excerpt):
        for k in range(-8, 9):
            if abs(n * 10.0 ** k - value) <= 1e-6 * max(1.0, abs(value)):
                return True
    return False


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_every_value_is_in_its_excerpt(path: Path) -> None:
    rows = rows_of(path)
    assert rows and list(rows[0]) == list(COLUMNS)
    missing = [(i, r["value"], r["excerpt_zh"][:60]) for i, r in enumerate(rows, start=2)
               if not found(float(r["value"]), r["excerpt_zh"])]
    assert not missing, missing


def test_the_check_can_fail() -> None:
    assert found(36000, "reach 3.6 trillion yuan") and found(66.3, "663,000 urban jobs")
    assert found(2, "每万人口全科医生数将达到两人")
    assert not found(7.5, "GDP grew 7.2 percent") and not found(36000, "3.5 trillion")
    assert found(-4, "固定资产投资下降4%") and not found(-4, "固定资产投资增长4%")


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_no_held_out_plan(path: Path) -> None:
    for i, r in enumerate(rows_of(path), start=2):
        assert r["plan_id"] not in HELD_OUT_PLAN_IDS, (path.name, i)
        assert not any(name in r["plan_zh"] for name in HELD_OUT_NAMES), (path.name, i)
        national_fyp = r["level"] == "national" and r["plan_type"] == "five_year"
        assert not (national_fyp and r["plan_start"] in ("2016", "2021")), (path.name, i)


def test_no_held_out_plan_in_the_tables() -> None:
    targets = load_targets()
    assert not targets["plan_id"].isin(HELD_OUT_PLAN_IDS).any()
    national_fyp = (targets["level"] == "national") & (targets["plan_type"] == "five_year")
    assert not (national_fyp & targets["plan_start"].isin([2016, 2021])).any()


def test_met_follows_value_and_direction() -> None:
    targets = load_targets()
    for r in targets.itertuples():
        assert r.met == met_of(r.outcome, r.target, r.direction), r.target_key
    assert met_of(6.9, 7.0, "at_least") == 0 and met_of(5.5, 5.5, "at_most") == 1
    judged = load_judged()
    assert set(judged["target_key"]) == set(targets["target_key"])
    assert judged["trend_p"].dropna().between(0, 1).all()


def test_build_reproduces_the_tables(tmp_path: Path) -> None:
    out = tmp_path / "track_record"
    shutil.copytree(TRACK_RECORD_DIR / "sources", out / "sources")
    shared = REPO.parent / "shared" / "data" / "plan_outcomes.csv"
    args = [sys.executable, str(REPO / "tools" / "build_track_record.py"), "--out", str(out)]
    if shared.is_file():
        (out / "sources" / "plan_outcomes.csv").unlink()
        args += ["--shared", str(shared)]
    done = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    names = ["targets.csv", "series.csv", "trend.csv", "sources/plan_outcomes.csv"]
    for name in names:
        assert (out / name).read_bytes() == (TRACK_RECORD_DIR / name).read_bytes(), name
