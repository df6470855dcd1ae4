"""The outside view: class rates pooled, the combined P(reach), and how the assessment shows it."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qcplan.model.outside_view import (
    fit,
    form_group_of,
    load_judged,
    qualifier_group,
    shipped_view,
)
from qcplan.render.wording import class_words


def _judged(rows: list[tuple[str, str, float, int]]) -> pd.DataFrame:
    """Rows (plan_id, form_group, trend_p, met) as the fit reads them."""
    return pd.DataFrame([{
        "target_key": f"{p}:{i}", "plan_id": p, "form_group": g, "domain": "economy",
        "obligation": "unmarked", "indicator_id": "x", "trend_p": tp, "met": m,
        "pace_gap": np.nan, "qualifier": ""} for i, (p, g, tp, m) in enumerate(rows)])


def test_small_classes_are_pooled_towards_their_form() -> None:
    rows = [("a", "level", np.nan, 1)] * 30 + [("b", "level", np.nan, 0)] * 10
    ov = fit(_judged(rows))
    big = ov.class_rate("level", "economy", "unmarked", "x")
    assert big.n == 40 and big.met == 30
    assert 0.7 < big.rate < 0.78
    # a class never seen takes its form's rate, not 0 or 1
    unseen = ov.class_rate("level", "environment", "binding", "y")
    assert unseen.n == 0 and abs(unseen.rate - big.rate) < 0.05


def test_combined_rises_with_the_trend_and_the_class() -> None:
    ov = shipped_view()
    assert ov is not None and ov.n_targets >= 100
    ps = [ov.combine(p, 0.6, math.nan, "level") for p in (0.05, 0.3, 0.6, 0.9)]
    assert all(a <= b for a, b in zip(ps, ps[1:])) and ps[-1] > ps[0]
    cs = [ov.combine(0.5, r, math.nan, "level") for r in (0.3, 0.6, 0.9)]
    assert all(a < b for a, b in zip(cs, cs[1:]))
    # asking more than the recent pace never makes it easier
    assert ov.combine(0.5, 0.6, 3.0, "level") <= ov.combine(0.5, 0.6, -3.0, "level")


def test_leave_one_plan_out_beats_the_trend_alone() -> None:
    """The bench's judgement, in small: on the track record, without each plan in turn, the
    combined P scores better than the trend alone (0.5 without a trend P)."""
    judged = load_judged()
    errs_c, errs_t = [], []
    for plan_id, rows in judged.groupby("plan_id"):
        ov = fit(judged[judged["plan_id"] != plan_id])
        rates = [ov.class_rate(r.form_group, r.domain, r.obligation, r.indicator_id).rate
                 for r in rows.itertuples()]
        p = ov.combine(rows["trend_p"].to_numpy(float), rates, rows["pace_gap"].to_numpy(float),
                       rows["form_group"].to_numpy(str),
                       rows["qualifier"].map(qualifier_group).to_numpy(str))
        errs_c += list((p - rows["met"]) ** 2)
        errs_t += list((rows["trend_p"].fillna(0.5) - rows["met"]) ** 2)
    assert np.mean(errs_c) < 0.8 * np.mean(errs_t)


def test_form_groups_and_words() -> None:
    assert form_group_of("workpoint", "growth", "at_least") == "annual_growth"
    assert form_group_of("growth", "growth", "at_least") == "multi_year_growth"
    assert form_group_of("growth", "growth", "at_least", 5) == "multi_year_growth"
    # growth over one year (2024 → 2025) is a year's growth target, as the track record files it
    assert form_group_of("growth", "level", "at_least", 1) == "annual_growth"
    assert form_group_of("reduction", "reduction", "at_most", 1) == "annual_growth"
    assert form_group_of("level", "rate", "at_most") == "ceiling"
    assert form_group_of("share", "share", "at_least") == "level"
    assert qualifier_group("增长6%左右") == "about" and qualifier_group("5.5%以上") == "floor"
    assert class_words("binding · environment · level") == "约束性环境水平类目标"
    assert class_words("binding · environment · level", "en") == \
        "binding environmental level targets"


def test_assessment_shows_both_views(data_dir: Path) -> None:
    from qcplan import load_plan
    from qcplan.model.assess import Assessor
    from qcplan.render.narrative import Narrator
    from qcplan.render.status_table import status_table_html
    from qcplan.render.wording import percent

    plan = load_plan(data_dir)
    table = Assessor(plan, as_of="2026-06-30").assess("baseline", n_sims=500)
    trend = Assessor(plan, as_of="2026-06-30", outside=False).assess("baseline", n_sims=500)
    open_ = table[table["ref_class"] != ""]
    assert len(open_) > 0
    # the trend's P is the inside view's, unchanged, except where a short series borrows
    # how far its measure moves in a year (qcplan.model.pooling; tests/test_short_series.py)
    t = trend.set_index("target_id")["prob_reach"]
    for r in open_.itertuples():
        if "short_series_pooled" in r.caveats:
            assert r.method.endswith(":pooled")
        elif r.status == "insufficient_data":  # no trend: the class view alone
            assert np.isnan(r.prob_reach_trend) and np.isnan(t[r.target_id])
        else:
            assert r.prob_reach_trend == pytest.approx(t[r.target_id])
        assert 0 < r.prob_reach < 1 and r.ref_n >= 0
    r = open_[open_["prob_reach_trend"].notna()].iloc[0].to_dict()
    text = Narrator(plan).finding(r, "zh")
    assert f"按当前趋势实现概率{percent(r['prob_reach_trend'])}" in text
    assert f"综合判断{percent(r['prob_reach'])}" in text
    en = Narrator(plan).finding(r, "en")
    assert "on the current trend P(reach) is" in en and "combined" in en
    html = status_table_html(table, "zh")
    assert "按趋势" in html and "综合判断" in html


def test_plan_scenario_keeps_the_trends_probability(data_dir: Path) -> None:
    from qcplan import load_plan
    from qcplan.model.assess import Assessor

    plan = load_plan(data_dir)
    table = Assessor(plan, as_of="2026-06-30").assess("plan", n_sims=300)
    on_path = table[table["status"] == "plan_path"]
    assert len(on_path) > 0
    assert (on_path["prob_reach"] == on_path["prob_reach_trend"]).all()


def test_a_plan_never_learns_from_its_own_outcomes() -> None:
    judged = load_judged()
    anhui = judged["geography"].eq("安徽省").sum()
    assert anhui > 0
    assert shipped_view(("安徽省",)).n_targets == judged[
        ~judged["geography"].eq("安徽省")]["target_key"].nunique()


def test_a_target_without_a_trend_gets_the_class_view_alone() -> None:
    """Too few figures to project: the status stays insufficient_data, no trend P, but P(reach)
    is the class view's (the combined model without a trend P, as the track record scores it),
    and the finding and the status table say so."""
    from qcplan import load_plan
    from qcplan.model.assess import Assessor
    from qcplan.render.narrative import Narrator
    from qcplan.render.status_table import status_table_html
    from qcplan.render.wording import percent

    root = Path(__file__).resolve().parents[1]
    plan = load_plan(root / "examples" / "qiaocheng_2025_targets")
    table = Assessor(plan, as_of="2025-12-31").assess("baseline", n_sims=500)
    bare = Assessor(plan, as_of="2025-12-31", outside=False).assess("baseline", n_sims=500)
    short = table[table["status"] == "insufficient_data"]
    assert len(short) > 0
    assert bare.set_index("target_id").loc[short["target_id"], "prob_reach"].isna().all()
    for r in short.itertuples():
        assert np.isnan(r.prob_reach_trend) and 0 < r.prob_reach < 1 and r.ref_n > 0
        # a growth target over one year is filed with the track record's year's growth targets
        if r.kind == "growth" and r.target_year - r.period_start == 1:
            assert r.ref_class.endswith("annual_growth")
    r = short.iloc[0].to_dict()
    zh = Narrator(plan).finding(r, "zh")
    assert "不足以按趋势预测" in zh and f"实现概率{percent(r['prob_reach'])}" in zh
    assert f"({r['ref_n']}项)" in zh
    html = status_table_html(short.iloc[:1], "en", Narrator(plan))
    assert "class record only" in html


def test_the_look_back_scores_both_views_on_the_same_calls() -> None:
    """A target-date with the outside view's P alone (no trend) is shown, not scored: both
    Brier scores are taken over the calls that have a trend P."""
    import pandas as pd

    from qcplan.model.retrospect import reliability

    retro = pd.DataFrame({
        "target_id": ["a", "b", "c"], "lag": [1, 1, 1], "outcome": [1, 0, 1],
        "prob_reach": [0.9, 0.4, 0.2], "prob_reach_trend": [0.7, 0.6, np.nan],
        "status": ["on_track", "off_track", "insufficient_data"]})
    row = reliability(retro).iloc[0]
    assert row["calls"] == 2 and row["no_projection"] == 1
    assert row["brier"] == pytest.approx((0.1 ** 2 + 0.4 ** 2) / 2)
    assert row["brier_trend"] == pytest.approx((0.3 ** 2 + 0.6 ** 2) / 2)
