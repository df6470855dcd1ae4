"""The conventional grades (qcplan.model.grades): the reference's cases and each rule."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest

from qcplan.model import grades
from qcplan.model.grades import (
    grade_cumulative,
    grade_flow,
    grade_growth,
    grade_level,
    grade_reduction,
    meets,
    progress_ratio,
    review_grade,
)

CASES = json.loads((Path(__file__).parent / "fixtures" / "progress_peer_cases.json")
                   .read_text(encoding="utf-8"))["cases"]
#: the reference's status names → qcplan's class names
REF_CLASS = {"target_achieved": "met", "substantial_progress": "on_track",
             "moderate_progress": "moderate", "limited_progress": "insufficient",
             "deterioration": "moving_away", "not_available": "—"}
WITH_TARGET = [c for c in CASES if c["target"] is not None]


def series(d: dict) -> pd.Series:
    return pd.Series({int(k): float(v) for k, v in d.items()}, dtype=float)


def test_the_peer_cases_are_the_154_with_a_numeric_target():
    assert len(CASES) == 158 and len(WITH_TARGET) == 154
    assert {c["ref_status"] for c in WITH_TARGET} == set(REF_CLASS)


@pytest.mark.parametrize("case", WITH_TARGET, ids=[c["id"][:60] for c in WITH_TARGET])
def test_peer_case_agrees_with_the_reference(case: dict):
    g = grade_level(series(case["history"]), float(case["target"]), case["direction"],
                    case["base_year"], case["target_year"])
    assert g.eurostat_class == REF_CLASS[case["ref_status"]]
    if g.met:
        # the one documented difference: a met target shows no ratio (the reference still
        # computes one, unused for its class)
        assert math.isnan(g.progress_ratio)
    elif case["ref_value"] is None:
        assert math.isnan(g.progress_ratio)
    else:
        assert g.progress_ratio == pytest.approx(case["ref_value"], abs=1e-9)


def test_all_154_agree():
    agree = 0
    for c in WITH_TARGET:
        g = grade_level(series(c["history"]), float(c["target"]), c["direction"], c["base_year"],
                        c["target_year"])
        same_class = g.eurostat_class == REF_CLASS[c["ref_status"]]
        same_value = g.met or (
            math.isnan(g.progress_ratio) if c["ref_value"] is None
            else abs(g.progress_ratio - c["ref_value"]) < 1e-9)
        agree += same_class and same_value
    assert agree == 154


# --------------------------------------------------------------------------- the three defects
def test_met_whenever_the_latest_value_meets_the_threshold():
    # a series just over the line after a fall: met, with no ratio, whatever the trend
    h = pd.Series({2020: 110.0, 2021: 104, 2022: 102, 2023: 100.2})
    g = grade_level(h, 100, "at_least", 2020, 2025)
    assert g.met and g.eurostat_class == "met" and math.isnan(g.progress_ratio)
    assert g.review_grade == "提前实现"
    at_target_year = grade_level(h, 100, "at_least", 2020, 2023)
    assert at_target_year.review_grade == "基本符合预期"


def test_observed_and_required_rates_from_the_same_base_year():
    h = pd.Series({2015: 50.0, 2016: 52, 2017: 55, 2018: 60, 2019: 64, 2020: 70})
    r, obs, req, by = progress_ratio(h, 100, "at_least", 2017, 2025)
    assert by == 2017
    assert obs == pytest.approx(((70 / 55) ** (1 / 3) - 1) * 100)
    assert req == pytest.approx(((100 / 55) ** (1 / 8) - 1) * 100)
    assert r == pytest.approx(obs / req)


def test_two_figures_far_apart_still_give_a_rate():
    h = pd.Series({2015: 3.0, 2022: 3.6})
    g = grade_level(h, 5.0, "at_least", 2015, 2030)
    expected = ((3.6 / 3) ** (1 / 7) - 1) / ((5 / 3) ** (1 / 15) - 1)
    assert g.progress_ratio == pytest.approx(expected)  # about 0.76
    assert g.eurostat_class == "moderate" and g.base_year == 2015


def test_missing_base_year_takes_the_first_later_figure():
    h = pd.Series({2012: 10.0, 2017: 12.0, 2020: 14.0})
    assert grades.base_figure(h, 2015) == (2017, 12.0)
    assert grades.base_figure(h, 2021) is None
    assert grades.base_figure(h, 2012) == (2012, 10.0)


@pytest.mark.parametrize(("history", "reason"), [
    ({2020: 5.0}, "one figure"),
    ({2019: 5.0, 2020: 6.0}, "base year after the latest figure"),
    ({2021: -1.0, 2022: 2.0}, "base and current of opposite signs"),
])
def test_no_ratio(history: dict, reason: str):
    g = grade_level(pd.Series(history, dtype=float), 10.0, "at_least", 2021, 2030)
    assert math.isnan(g.progress_ratio) and g.eurostat_class == "—", reason


def test_zero_target_and_zero_base_read_as_0_001():
    r, _, req, _ = progress_ratio(pd.Series({2015: 4.0, 2020: 2.0}), 0.0, "at_most", 2015, 2030)
    assert req == pytest.approx(((0.001 / 4) ** (1 / 15) - 1) * 100)
    r0, obs0, _, _ = progress_ratio(pd.Series({2015: 0.0, 2020: 2.0}), 5.0, "at_least", 2015,
                                    2030)
    assert obs0 == pytest.approx(((2 / 0.001) ** (1 / 5) - 1) * 100)
    assert r > 0 and r0 > 0


@pytest.mark.parametrize(("ratio", "cls", "word"), [
    (1.2, "on_track", "快于预期"), (1.0, "on_track", "基本符合预期"),
    (0.95, "on_track", "基本符合预期"), (0.9, "moderate", "基本符合预期"),
    (0.7, "moderate", "滞后"), (0.6, "moderate", "滞后"), (0.3, "insufficient", "滞后"),
    (0.0, "insufficient", "滞后"), (-0.1, "moving_away", "滞后"), (math.nan, "—", "—"),
])
def test_bands(ratio: float, cls: str, word: str):
    assert grades.eurostat_class(ratio) == cls
    assert review_grade(ratio) == word


def test_missed_is_lagging_whatever_the_ratio():
    assert review_grade(1.3, missed=True) == "滞后"
    h = pd.Series({2020: 50.0, 2021: 60, 2022: 70, 2023: 79})
    g = grade_level(h, 80, "at_least", 2020, 2023)
    assert g.review_grade == "滞后" and g.eurostat_class == "on_track"


# --------------------------------------------------------------------------- other kinds
def test_growth_graded_on_its_index_from_the_base_year():
    index = pd.Series({2022: 100.0, 2023: 108.0, 2024: 116.64})  # 8 % a year since 2022
    g = grade_growth(index, 10.0, "at_least", 2022, 2027)
    assert g.planned_rate == pytest.approx(10.0)
    assert g.observed_rate == pytest.approx(8.0)
    assert g.progress_ratio == pytest.approx(0.8) and g.eurostat_class == "moderate"
    # the index has already grown by the whole period's amount: met early
    fast = grade_growth(pd.Series({2022: 100.0, 2023: 130.0, 2024: 170.0}), 10.0, "at_least",
                        2022, 2027)
    assert fast.met and fast.review_grade == "提前实现"


def test_reduction_rates_are_yearly_falls():
    index = pd.Series({2020: 100.0, 2021: 97.0, 2022: 94.09})  # 3 % a year down
    g = grade_reduction(index, 13.5, "at_least", 2020, 2025)
    planned = (1 - 0.865 ** (1 / 5)) * 100
    assert g.observed_rate == pytest.approx(3.0)
    assert g.planned_rate == pytest.approx(planned)
    assert g.progress_ratio == pytest.approx(3.0 / planned)
    assert not g.met
    done = grade_reduction(pd.Series({2020: 100.0, 2021: 90.0, 2022: 86.0}), 13.5, "at_least",
                           2020, 2025)
    assert done.met and done.eurostat_class == "met"


@pytest.mark.parametrize(("direction", "values", "amount", "ratio"), [
    ("at_least", {2024: 8100.0, 2025: 7900.0}, 7900.0, 7900 / 8000),
    ("at_most", {2024: 7000.0, 2025: 8100.0}, 8100.0, 8000 / 8100),
])
def test_flow_every_year_takes_the_worst_year(direction, values, amount, ratio):
    g = grade_flow(pd.Series(values), 8000.0, direction, "every_year", [2024, 2025, 2026, 2027],
                   2027, missed=True)
    assert g.observed_rate == amount and g.progress_ratio == pytest.approx(ratio)
    assert g.review_grade == "滞后" and not g.met


def test_cumulative_share_delivered_against_time_elapsed():
    g = grade_cumulative(pd.Series({2024: 30.0, 2025: 40.0}), 150.0, "at_least",
                         [2024, 2025, 2026, 2027], 2025)
    assert g.observed_rate == 35.0 and g.planned_rate == 37.5
    assert g.progress_ratio == pytest.approx((70 / 150) / 0.5)
    assert g.review_grade == "基本符合预期"
    done = grade_cumulative(pd.Series({2024: 100.0, 2025: 60.0}), 150.0, "at_least",
                            [2024, 2025, 2026, 2027], 2025)
    assert done.met and done.review_grade == "提前实现"


# --------------------------------------------------------------------------- bounds
@pytest.mark.parametrize(("value", "threshold", "direction", "qualifier", "met", "failed"), [
    (6.5, 6.5, "at_least", "", True, False),
    (6.5, 6.5, "above", "", False, True),
    (6.6, 6.5, "above", "", True, False),
    (5.5, 5.5, "at_most", "", True, False),
    (5.5, 5.5, "below", "", False, True),
    (60.0, 60.0, "at_least", ">", True, False),     # 超过60% against ≥60
    (60.0, 60.0, "above", ">", True, False),        # 超过60% against >60
    (60.0, 60.0, "above", ">=", False, False),      # 60%以上 against >60: undecided
    (60.0, 65.0, "at_least", ">", False, False),    # 超过60% against ≥65: undecided
    (60.0, 65.0, "at_least", "<", False, True),     # 不足60% against ≥65: certainly short
    (60.0, 55.0, "at_least", "<", False, False),    # 不足60% against ≥55: undecided
    (5.0, 5.5, "below", "<", True, False),
    (5.5, 5.5, "below", "<=", False, False),
    (6.0, 5.5, "at_most", ">", False, True),
])
def test_meets_and_fails_with_strict_bounds_and_qualifiers(value, threshold, direction, qualifier,
                                                            met, failed):
    assert meets(value, threshold, direction, qualifier) is met
    assert grades.fails(value, threshold, direction, qualifier) is failed


def test_bound_figure_is_met_only_when_its_bound_implies_it():
    h = pd.Series({2021: 55.0, 2022: 58.0, 2023: 60.0})
    q = pd.Series({2023: ">"})
    assert grade_level(h, 60.0, "at_least", 2021, 2025, q).met
    assert not grade_level(h, 62.0, "at_least", 2021, 2025, q).met
    assert not grade_level(h, 60.0, "at_least", 2021, 2025, pd.Series({2023: "<"})).met


def test_zero_base_keeps_the_reference_ratio_but_shows_no_rates():
    # a work point counted from 0 (no such street in 2023): R as the reference gives it, the
    # +99,900 %-a-year rates from 0.001 are not shown
    g = grade_level(pd.Series({2023: 0.0, 2024: 0.0}), 1.0, "at_least", 2023, 2024)
    assert g.progress_ratio == pytest.approx(-1 / 999) and g.eurostat_class == "moving_away"
    assert math.isnan(g.observed_rate) and math.isnan(g.planned_rate)
