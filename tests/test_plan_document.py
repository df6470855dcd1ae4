"""The target registry agrees with the plan document, where the document is available.

The plan (谯城区城市功能品质活力提升实施方案, draft of 2024-08-22) is kept beside the repository
in ``../shared/seed/``; point ``QCPLAN_PLAN_DOC`` at another copy if needed. Without it these tests
skip with a reason.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest

from qcplan.plan.load import load_plan

REPO = Path(__file__).resolve().parents[1]
CANDIDATES = [
    Path(os.environ["QCPLAN_PLAN_DOC"]) if os.environ.get("QCPLAN_PLAN_DOC") else None,
    REPO.parent / "shared" / "seed" / "000_a27bc08802d0c494.txt",
]


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def document() -> str:
    for path in CANDIDATES:
        if path is not None and path.is_file():
            return _squash(path.read_text(encoding="utf-8"))
    pytest.skip("the plan document is not available (set QCPLAN_PLAN_DOC)")


@pytest.fixture(scope="module")
def targets() -> pd.DataFrame:
    return load_plan().targets


def test_every_quote_is_the_plans_own_words(document: str, targets: pd.DataFrame):
    missing = [t for t, q in zip(targets["target_id"], targets["quote_zh"])
               if _squash(q) not in document]
    assert not missing, f"quote_zh not found verbatim in the plan: {missing}"


def _spellings(x: float) -> set[str]:
    """How a threshold can be written in the plan: 1000, 5.51, 1.9万, 99.6 ..."""
    out = {f"{x:g}"}
    if x >= 10_000:
        out.add(f"{x / 10_000:g}万")
    return out


# thresholds the plan states in words, not digits
IN_WORDS = {
    "urban_net_inflow": "实现净流入: a net inflow above zero",
    "street_elderly_coverage": "每个街道至少1家: every street, 100 %",
}


def test_every_threshold_is_in_its_quote(targets: pd.DataFrame):
    numeric = targets[~targets["kind"].isin(["relative", "milestone"])]
    bad = []
    for _, t in numeric.iterrows():
        quote = _squash(t["quote_zh"])
        if t["target_id"] in IN_WORDS:
            continue
        if not any(s in quote for s in _spellings(float(t["threshold"]))):
            bad.append((t["target_id"], t["threshold"], t["quote_zh"]))
        if pd.notna(t["threshold_high"]) and f"{t['threshold_high']:g}" not in quote:
            bad.append((t["target_id"], t["threshold_high"], t["quote_zh"]))
    assert not bad, f"thresholds not written in their quotes: {bad}"


def test_headline_2027_goals_are_all_there(document: str, targets: pd.DataFrame):
    """The numbers of section 一(三) each have a target."""
    goals = {"1000亿元": 1000, "10%以上": 10, "15%左右": 15, "5%以上": 5, "35%": 35,
             "250家": 250, "200家以上": 200, "5.51公里": 5.51, "99%": 99, "3人": 3,
             "1.9万张": 19000, "1.9万个": 19000, "100万人以上": 100}
    found = set(targets.loc[targets["section"].str.startswith("一"), "threshold"].dropna())
    for text, value in goals.items():
        assert text in document
        assert value in found, f"no section 一 target for {text}"


def test_every_2024_work_point_number_is_tracked(targets: pd.DataFrame):
    wp = targets[targets["target_year"] == 2024]
    assert len(wp) >= 30
    assert set(wp["kind"]) <= {"workpoint", "milestone"}
    assert wp["section"].str.startswith("附件2").all()


def test_each_target_names_responsible_units(targets: pd.DataFrame):
    assert (targets["responsible_units"].str.len() > 0).all()
    assert targets["responsible_units"].str.contains("区|管委会|集团|团区委").all()
