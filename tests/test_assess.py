"""Assessment of every target kind, its edge cases, scenarios and determinism."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcplan.model.assess import Assessor, assess
from qcplan.model.scenarios import Adjustment, Assumption, Scenario
from qcplan.model.status import STATUS_ORDER
from qcplan.plan.load import load_plan

BASE = Scenario("baseline", "基准", "Baseline", "d", "d")
TARGET_COLS = ["target_id", "indicator_id", "geography", "pillar", "name_zh", "name_en", "unit",
               "kind", "direction", "threshold", "threshold_high", "rule", "period_start",
               "target_year", "benchmark", "section", "quote_zh", "responsible_units", "note",
               "base_year"]
MEASURE_UNIT = {"amount": "亿元", "count": "个", "share": "%", "growth": "%", "flag": "",
                "rate": "人/千人", "reduction": "%"}


def write_plan(folder: Path, targets: list[dict], series: dict[tuple[str, str], dict],
               measures: dict[str, str]) -> Path:
    """Write a small valid data set: ``series`` maps (indicator, geography) to {year: value}.

    A value written as text with a leading ``>``, ``>=``, ``<`` or ``<=`` (">60") is a figure
    published only as a bound: the sign goes to the ``qualifier`` column.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "pillars.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["pillar", "name_zh", "name_en", "description_zh", "description_en", "order"])
        w.writerow(["p1", "领域", "Pillar", "说明", "About", 1])
    with open(folder / "indicators.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["indicator_id", "name_zh", "name_en", "unit", "measure", "description"])
        for ind, m in measures.items():
            w.writerow([ind, ind, ind, MEASURE_UNIT[m], m, ""])
    with open(folder / "targets.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, TARGET_COLS)
        w.writeheader()
        for t in targets:
            row = {c: "" for c in TARGET_COLS}
            row.update(pillar="p1", name_zh=t["target_id"], name_en=t["target_id"],
                       geography="谯城区", direction="at_least", period_start=2023,
                       target_year=2027, section="一", quote_zh="x", responsible_units="区发改委")
            row.update(t)
            row["unit"] = MEASURE_UNIT[measures[row["indicator_id"]]]
            w.writerow(row)
    with open(folder / "observations.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["indicator_id", "geography", "year", "period", "value", "qualifier", "unit",
                    "status", "source", "note"])
        for (ind, geo), values in series.items():
            for year, value in values.items():
                text = str(value)
                sign = text[:2] if text[:2] in (">=", "<=") else text[:1] if text[:1] in "<>" \
                    else ""
                w.writerow([ind, geo, year, "", text[len(sign):], sign,
                            MEASURE_UNIT[measures[ind]], "official", "test", ""])
    return folder


def one(tmp_path: Path, target: dict, values: dict, measure: str = "amount",
        extra: dict | None = None, as_of="2026-11-27", **kw):
    """Assess a single target; return its row (the trend's view alone unless ``outside``: these
    tests are of the projection machinery; tests/test_outside_view.py covers the blend)."""
    series = {(target["indicator_id"], target.get("geography", "谯城区")): values}
    measures = {target["indicator_id"]: measure}
    if extra:
        for (ind, geo), (m, vals) in extra.items():
            series[(ind, geo)] = vals
            measures[ind] = m
    plan = load_plan(write_plan(tmp_path / "data", [target], series, measures))
    table = Assessor(plan, as_of=as_of, outside=kw.pop("outside", False)).assess(
        kw.pop("scenario", BASE), **kw)
    return table.iloc[0]


GDP = {2018: 600.0, 2019: 640, 2020: 660, 2021: 720, 2022: 770, 2023: 820, 2024: 870, 2025: 930}


def level(threshold: float, **kw) -> dict:
    return {"target_id": "t", "indicator_id": "gdp", "kind": "level", "threshold": threshold, **kw}


# --------------------------------------------------------------------------- level
def test_level_probability_falls_as_target_rises(tmp_path: Path):
    probs = [one(tmp_path / str(t), level(t), GDP, n_sims=4000)["prob_reach"]
             for t in (900, 1000, 1100, 1200, 1400)]
    assert all(a >= b for a, b in zip(probs, probs[1:]))
    assert probs[0] > 0.95 and probs[-1] < 0.05


def test_level_row_has_the_promised_columns(tmp_path: Path):
    r = one(tmp_path, level(1100), GDP, n_sims=2000)
    for col in ("latest_value", "latest_year", "latest_status", "threshold", "projected_median",
                "projected_p10", "projected_p90", "prob_reach", "required_rate", "observed_rate",
                "progress_ratio", "status", "eurostat_class", "review_grade"):
        assert col in r.index
    assert r["latest_value"] == 930 and r["latest_year"] == 2025
    assert r["projected_p10"] <= r["projected_median"] <= r["projected_p90"]
    assert r["required_rate"] == pytest.approx(((1100 / 930) ** 0.5 - 1) * 100)
    # the conventional rates run from the base year (period_start 2023, 820) as Eurostat's do
    assert r["grade_base_year"] == 2023
    assert r["observed_rate"] == pytest.approx(((930 / 820) ** (1 / 2) - 1) * 100)
    assert r["planned_rate"] == pytest.approx(((1100 / 820) ** (1 / 4) - 1) * 100)
    assert r["progress_ratio"] == pytest.approx(r["observed_rate"] / r["planned_rate"])
    assert r["status"] in STATUS_ORDER


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.floats(0, 50), min_size=3, max_size=10), st.floats(10, 500),
       st.floats(0.1, 0.95))
def test_achieved_level_of_a_non_decreasing_series_is_achieved(tmp_path_factory, steps, start,
                                                               frac):
    values = {2025 - len(steps) + 1 + i: start + float(np.sum(steps[: i + 1]))
              for i in range(len(steps))}
    latest = values[2025]
    threshold = start + frac * (latest - start) if latest > start else start
    threshold = np.floor(threshold * 1e6) / 1e6  # written with 6 decimals, never above the value
    r = one(tmp_path_factory.mktemp("p"), level(threshold), values, n_sims=1000)
    assert r["status"] == "achieved"


def test_grade_base_year_column_moves_the_base(tmp_path: Path):
    r = one(tmp_path, level(1100, base_year=2020), GDP, n_sims=500)
    assert r["grade_base_year"] == 2020
    assert r["observed_rate"] == pytest.approx(((930 / 660) ** (1 / 5) - 1) * 100)
    assert r["planned_rate"] == pytest.approx(((1100 / 660) ** (1 / 7) - 1) * 100)


def test_met_level_is_met_whatever_the_projection(tmp_path: Path):
    # just over the line after a fall: the projection may well fall back (status), but the
    # conventional class is met, with no ratio
    r = one(tmp_path, level(100), {2020: 110.0, 2021: 106, 2022: 103, 2023: 101.5, 2024: 100.8,
                                   2025: 100.2}, n_sims=2000)
    assert r["eurostat_class"] == "met" and np.isnan(r["progress_ratio"])
    assert r["review_grade"] == "提前实现"
    assert r["status"] in ("achieved", "needs_acceleration", "off_track", "moving_away")


def test_conventional_grades_do_not_depend_on_the_scenario(tmp_path: Path):
    plan = load_plan(write_plan(tmp_path / "d", [level(1300)], {("gdp", "谯城区"): GDP},
                                {"gdp": "amount"}))
    a = Assessor(plan, as_of=2026)
    up = Scenario("up", "u", "u", "d", "d", assumptions=(Assumption("all", growth_shift_pp=5),))
    cols = ["eurostat_class", "review_grade", "progress_ratio", "observed_rate", "planned_rate"]
    base = a.assess(BASE, n_sims=1000).iloc[0][cols]
    for scen in (up, Scenario("plan", "p", "p", "d", "d", mode="plan")):
        assert a.assess(scen, n_sims=1000).iloc[0][cols].equals(base)


def test_single_observation_is_insufficient_data(tmp_path: Path):
    r = one(tmp_path, level(1000), {2025: 930.0})
    assert r["status"] == "insufficient_data" and np.isnan(r["prob_reach"])
    assert r["eurostat_class"] == "—"
    met = one(tmp_path / "met", level(900), {2025: 930.0})
    assert met["eurostat_class"] == "met"  # the reference grades a met target on one figure


def test_gaps_in_years(tmp_path: Path):
    r = one(tmp_path, level(1000), {2016: 500.0, 2019: 640, 2022: 770, 2025: 930}, n_sims=2000)
    assert 0 <= r["prob_reach"] <= 1 and r["status"] in STATUS_ORDER


def test_same_seed_same_results_other_seed_other_draws(tmp_path: Path):
    plan_dir = write_plan(tmp_path / "d", [level(1100)], {("gdp", "谯城区"): GDP},
                          {"gdp": "amount"})
    plan = load_plan(plan_dir)
    a = assess(plan, BASE, as_of=2026, n_sims=3000, seed=7)
    b = assess(plan, BASE, as_of=2026, n_sims=3000, seed=7)
    c = assess(plan, BASE, as_of=2026, n_sims=3000, seed=8)
    assert a.equals(b)
    assert a.loc[0, "projected_p90"] != c.loc[0, "projected_p90"]


def test_as_of_ignores_later_years(tmp_path: Path):
    """A figure without a received date counts as known from the end of its period: on
    2023-06-30 the 2023 figure was not yet known, on 2023-12-31 it was."""
    r = one(tmp_path / "a", level(1000), GDP, as_of="2023-06-30", n_sims=1000)
    assert r["latest_year"] == 2022
    r = one(tmp_path / "b", level(1000), GDP, as_of="2023-12-31", n_sims=1000)
    assert r["latest_year"] == 2023


def test_at_most_target(tmp_path: Path):
    falling = {2019: 40.0, 2020: 38, 2021: 36, 2022: 35, 2023: 33, 2024: 31, 2025: 30}
    easy = one(tmp_path / "a", level(35, direction="at_most"), falling, n_sims=2000)
    hard = one(tmp_path / "b", level(15, direction="at_most"), falling, n_sims=2000)
    assert easy["status"] == "achieved" and hard["prob_reach"] < easy["prob_reach"]


# --------------------------------------------------------------------------- share
def test_share_projection_stays_within_0_100(tmp_path: Path):
    target = {"target_id": "s", "indicator_id": "air", "kind": "share", "threshold": 99}
    r = one(tmp_path, target, {2020: 90.0, 2021: 93, 2022: 95, 2023: 97, 2024: 98.5, 2025: 99.5},
            measure="share", n_sims=3000)
    assert 0 <= r["projected_p10"] <= r["projected_p90"] <= 100


def test_share_at_the_ceiling_counts_as_met(tmp_path: Path):
    target = {"target_id": "s", "indicator_id": "green", "kind": "share", "threshold": 100}
    r = one(tmp_path, target, {y: 100.0 for y in range(2019, 2026)}, measure="share")
    assert r["status"] == "achieved"


# --------------------------------------------------------------------------- growth
def test_growth_partly_observed_gives_remaining_pace(tmp_path: Path):
    target = {"target_id": "g", "indicator_id": "ind_growth", "kind": "growth", "threshold": 10}
    rates = {2019: 9.0, 2020: 7, 2021: 9.5, 2022: 8, 2023: 8.5, 2024: 8.0, 2025: 12.0}
    r = one(tmp_path, target, rates, measure="growth", n_sims=3000)
    needed = ((1.1 ** 4 / (1.08 * 1.12)) ** 0.5 - 1) * 100
    assert r["required_rate"] == pytest.approx(needed, rel=1e-6)
    # observed since the base year 2023: the geometric mean of 2024 and 2025, against 10
    observed = (np.sqrt(1.08 * 1.12) - 1) * 100
    assert r["observed_rate"] == pytest.approx(observed)
    assert r["planned_rate"] == pytest.approx(10.0)
    assert r["progress_ratio"] == pytest.approx(observed / 10.0)
    assert r["eurostat_class"] == "on_track" and r["review_grade"] == "基本符合预期"
    assert r["threshold"] == 10 and 0 <= r["prob_reach"] <= 1


def test_growth_complete_period_is_decided(tmp_path: Path):
    target = {"target_id": "g", "indicator_id": "ind_growth", "kind": "growth", "threshold": 10,
              "target_year": 2025}
    met = one(tmp_path / "a", {**target, "period_start": 2022},
              {2020: 9.0, 2021: 9, 2022: 9, 2023: 11, 2024: 10.5, 2025: 10.0}, measure="growth")
    missed = one(tmp_path / "b", {**target, "period_start": 2022},
                 {2020: 9.0, 2021: 9, 2022: 9, 2023: 9, 2024: 10.5, 2025: 10.0}, measure="growth")
    assert met["status"] == "achieved" and missed["status"] == "missed"


def test_growth_on_a_level_series(tmp_path: Path):
    target = {"target_id": "g", "indicator_id": "trade", "kind": "growth", "threshold": 10}
    r = one(tmp_path, target, {2019: 30.0, 2020: 31, 2021: 33, 2022: 36, 2023: 38, 2024: 40,
                               2025: 43}, n_sims=2000)
    needed = ((1.1 ** 4 * 38 / 43) ** 0.5 - 1) * 100
    assert r["required_rate"] == pytest.approx(needed)


# --------------------------------------------------------------------------- cumulative
def test_cumulative_schedule_check(tmp_path: Path):
    target = {"target_id": "c", "indicator_id": "green_added", "kind": "cumulative",
              "threshold": 150}
    r = one(tmp_path, target, {2020: 25.0, 2021: 28, 2022: 30, 2023: 31, 2024: 30, 2025: 40},
            n_sims=2000)
    assert r["required_rate"] == pytest.approx((150 - 70) / 2)
    assert r["schedule_ratio"] == pytest.approx((70 / 150) / 0.5)
    assert r["review_grade"] == "基本符合预期"


def test_cumulative_delivered_is_achieved_and_zeros_work(tmp_path: Path):
    target = {"target_id": "c", "indicator_id": "parks", "kind": "cumulative", "threshold": 2}
    done = one(tmp_path / "a", target, {2021: 0.0, 2022: 0, 2023: 1, 2024: 0, 2025: 2},
               measure="count")
    assert done["status"] == "achieved"
    pending = one(tmp_path / "b", {**target, "threshold": 6},
                  {2021: 0.0, 2022: 0, 2023: 1, 2024: 0, 2025: 1}, measure="count", n_sims=2000)
    assert 0 <= pending["prob_reach"] < 1 and pending["projected_p10"] >= 1


# --------------------------------------------------------------------------- flow
def test_flow_every_year_missed_when_an_observed_year_falls_short(tmp_path: Path):
    target = {"target_id": "f", "indicator_id": "founders", "kind": "flow", "threshold": 8000,
              "rule": "every_year"}
    r = one(tmp_path, target, {2021: 8100.0, 2022: 8300, 2023: 8500, 2024: 7900, 2025: 9000},
            measure="count", n_sims=1000)
    assert r["status"] == "missed" and r["prob_reach"] == 0


def test_flow_average_counts_observed_years(tmp_path: Path):
    target = {"target_id": "f", "indicator_id": "skilled", "kind": "flow", "threshold": 5000,
              "rule": "average"}
    r = one(tmp_path, target, {2021: 5100.0, 2022: 5200, 2023: 5300, 2024: 4800, 2025: 5600},
            measure="count", n_sims=2000)
    assert r["prob_reach"] > 0.5


# --------------------------------------------------------------------------- relative
def test_relative_with_shorter_benchmark(tmp_path: Path):
    target = {"target_id": "r", "indicator_id": "tert", "kind": "relative", "rule": "reach",
              "benchmark": "tert@安徽省"}
    own = {y: 44.0 + 1.0 * (y - 2018) for y in range(2018, 2026)}
    r = one(tmp_path, target, own, measure="share",
            extra={("tert", "安徽省"): ("share", {2023: 53.9, 2024: 54.3})}, n_sims=2000)
    assert r["decision_threshold"] == 1.0 and 0 <= r["prob_reach"] <= 1


def test_relative_narrow_gap_uses_base_year_ratio(tmp_path: Path):
    target = {"target_id": "r", "indicator_id": "gdppc", "kind": "relative",
              "rule": "narrow_gap", "benchmark": "gdppc@安徽省"}
    own = {y: 40000.0 * 1.08 ** (y - 2018) for y in range(2018, 2026)}
    prov = {y: 60000.0 * 1.05 ** (y - 2018) for y in range(2018, 2026)}
    r = one(tmp_path, target, own, extra={("gdppc", "安徽省"): ("amount", prov)}, n_sims=2000)
    assert r["decision_threshold"] == pytest.approx(own[2023] / prov[2023])
    assert r["prob_reach"] > 0.8


# --------------------------------------------------------------------------- work points
@pytest.mark.parametrize(("value", "status"), [(80.0, "achieved"), (60.0, "missed")])
def test_workpoint_observed(tmp_path: Path, value: float, status: str):
    target = {"target_id": "w", "indicator_id": "old", "kind": "workpoint", "threshold": 75,
              "target_year": 2024}
    r = one(tmp_path, target, {2021: 50.0, 2022: 60, 2023: 70, 2024: value, 2025: 90},
            measure="count")
    assert r["status"] == status and r["target_year_value"] == value


def test_workpoint_not_yet_observed_is_projected(tmp_path: Path):
    target = {"target_id": "w", "indicator_id": "old", "kind": "workpoint", "threshold": 75,
              "target_year": 2026}
    r = one(tmp_path, target, {2021: 50.0, 2022: 60, 2023: 70, 2024: 72, 2025: 74},
            measure="count", n_sims=2000)
    assert 0 < r["prob_reach"] < 1 and r["status"] != "achieved"


# --------------------------------------------------------------------------- milestones
@pytest.mark.parametrize(("values", "as_of", "status"), [
    ({2024: 0.0, 2025: 1.0}, "2026-01-01", "done"),
    ({2024: 0.0, 2025: 0.0}, "2026-01-01", "not_done"),
    ({2024: 0.0, 2025: 0.0}, "2028-01-01", "overdue"),
])
def test_milestones(tmp_path: Path, values: dict, as_of: str, status: str):
    target = {"target_id": "m", "indicator_id": "zone", "kind": "milestone", "threshold": 1}
    assert one(tmp_path, target, values, measure="flag", as_of=as_of)["status"] == status


# --------------------------------------------------------------------------- scenarios
def test_growth_shift_raises_probability_and_plan_mode_meets_median(tmp_path: Path):
    plan = load_plan(write_plan(tmp_path / "d", [level(1100)], {("gdp", "谯城区"): GDP},
                                {"gdp": "amount"}))
    a = Assessor(plan, as_of=2026)
    base = a.assess(BASE, n_sims=4000).iloc[0]
    up = Scenario("up", "u", "u", "d", "d", assumptions=(Assumption("all", growth_shift_pp=3),))
    shocked = Scenario("sh", "s", "s", "d", "d",
                       assumptions=(Assumption("all", shocks={2026: -10}),))
    planned = Scenario("plan", "p", "p", "d", "d", mode="plan")
    assert a.assess(up, n_sims=4000).iloc[0]["prob_reach"] > base["prob_reach"]
    assert a.assess(shocked, n_sims=4000).iloc[0]["projected_median"] < base["projected_median"]
    p = a.assess(planned, n_sims=4000).iloc[0]
    assert p["status"] == "plan_path"
    assert p["projected_median"] == pytest.approx(1100, rel=0.01)
    assert 0.4 < p["prob_reach"] < 0.6


def test_goal_seek_shift_gives_requested_probability(tmp_path: Path):
    plan = load_plan(write_plan(tmp_path / "d", [level(1200)], {("gdp", "谯城区"): GDP},
                                {"gdp": "amount"}))
    model = Assessor(plan, as_of=2026).model("t")
    shift = model.shift_for_probability(0.8)
    assert np.isfinite(shift) and shift > 0
    assert model.evaluate(Adjustment(), 4000, 0, shift=shift).prob_reach == pytest.approx(0.8,
                                                                                          abs=0.03)


# --------------------------------------------------------------------------- shipped data
def test_shipped_plan_every_scenario():
    plan = load_plan()
    a = Assessor(plan, as_of="2026-11-27")
    for name in ("baseline", "plan", "optimistic", "pessimistic"):
        table = a.assess(name, n_sims=2000)
        assert len(table) == len(plan.targets)
        assert set(table["status"]) <= set(STATUS_ORDER)
        p = table["prob_reach"].dropna()
        assert ((p >= 0) & (p <= 1)).all()


# --------------------------------------------------------------------------- every kind, both ways
# Each kind with a period whose every year is observed (2023–2025, as of 2026): a "high" data set
# whose decision quantity is clearly above the threshold and a "low" one clearly below. At least
# (and strictly above): high is achieved, low missed; at most (strictly below): the other way.
KIND_CASES = {
    "level": ({"threshold": 100}, "amount", {2022: 90.0, 2023: 95, 2024: 105, 2025: 110},
              {2022: 90.0, 2023: 92, 2024: 94, 2025: 95}),
    "share": ({"threshold": 60}, "share", {2022: 55.0, 2023: 58, 2024: 62, 2025: 65},
              {2022: 50.0, 2023: 51, 2024: 52, 2025: 53}),
    "workpoint": ({"threshold": 75}, "count", {2022: 60.0, 2023: 70, 2024: 72, 2025: 80},
                  {2022: 60.0, 2023: 70, 2024: 72, 2025: 70}),
    "growth": ({"threshold": 10}, "growth", {2022: 9.0, 2023: 11, 2024: 12, 2025: 11.5},
               {2022: 9.0, 2023: 8, 2024: 8.5, 2025: 9}),
    "flow/every_year": ({"threshold": 100, "rule": "every_year"}, "count",
                        {2022: 90.0, 2023: 120, 2024: 110, 2025: 130},
                        {2022: 90.0, 2023: 80, 2024: 90, 2025: 70}),
    "flow/average": ({"threshold": 100, "rule": "average"}, "count",
                     {2022: 90.0, 2023: 120, 2024: 95, 2025: 130},
                     {2022: 90.0, 2023: 80, 2024: 105, 2025: 70}),
    "cumulative": ({"threshold": 300}, "count", {2022: 90.0, 2023: 100, 2024: 120, 2025: 130},
                   {2022: 90.0, 2023: 80, 2024: 90, 2025: 100}),
    # the fall in % from 2022: high 16 %, low 4 % (against 10)
    "reduction": ({"threshold": 10}, "rate", {2022: 0.50, 2023: 0.47, 2024: 0.44, 2025: 0.42},
                  {2022: 0.50, 2023: 0.49, 2024: 0.485, 2025: 0.48}),
}


@pytest.mark.parametrize("direction", ["at_least", "at_most", "above", "below"])
@pytest.mark.parametrize("side", ["high", "low"])
@pytest.mark.parametrize("kind", list(KIND_CASES))
def test_every_kind_both_directions_decided(tmp_path: Path, kind: str, side: str,
                                            direction: str):
    extra, measure, high, low = KIND_CASES[kind]
    target = {"target_id": "k", "indicator_id": "x", "kind": kind.split("/")[0],
              "direction": direction, "period_start": 2022, "target_year": 2025, **extra}
    r = one(tmp_path, target, high if side == "high" else low, measure=measure, as_of=2026,
            n_sims=500)
    good = (side == "high") == (direction in ("at_least", "above"))
    assert r["status"] == ("achieved" if good else "missed")
    assert r["prob_reach"] == (1.0 if good else 0.0)


@pytest.mark.parametrize("direction", ["at_least", "at_most"])
@pytest.mark.parametrize("rule", ["reach", "exceed"])
def test_relative_both_directions_decided(tmp_path: Path, direction: str, rule: str):
    target = {"target_id": "r", "indicator_id": "tert", "kind": "relative", "rule": rule,
              "benchmark": "tert@安徽省", "direction": direction, "period_start": 2022,
              "target_year": 2025}
    own = {2022: 50.0, 2023: 52, 2024: 54, 2025: 56}
    prov = {2022: 52.0, 2023: 53, 2024: 53.5, 2025: 54}
    r = one(tmp_path, target, own, measure="share",
            extra={("tert", "安徽省"): ("share", prov)}, as_of=2026, n_sims=500)
    assert r["status"] == ("achieved" if direction == "at_least" else "missed")


def test_flow_every_year_ceiling_broken_once_is_missed(tmp_path: Path):
    # 城镇调查失业率每年控制在5.5%以内: one year at 5.8 misses it, whatever the others
    target = {"target_id": "u", "indicator_id": "unemp", "kind": "flow", "rule": "every_year",
              "direction": "at_most", "threshold": 5.5, "period_start": 2020,
              "target_year": 2025}
    r = one(tmp_path, target, {2020: 5.2, 2021: 5.1, 2022: 5.8, 2023: 5.2, 2024: 5.1},
            measure="rate", as_of=2025, n_sims=1000)
    assert r["status"] == "missed" and r["review_grade"] == "滞后"
    done = one(tmp_path / "done", target, {2020: 5.2, 2021: 5.1, 2022: 5.8, 2023: 5.2, 2024: 5.1,
                                           2025: 5.0}, measure="rate", as_of=2026)
    assert done["status"] == "missed" and done["projected_median"] == pytest.approx(5.8)
    ok = one(tmp_path / "ok", target, {2020: 5.2, 2021: 5.1, 2022: 5.4, 2023: 5.2, 2024: 5.1},
             measure="rate", as_of=2025, n_sims=2000)
    assert ok["status"] != "missed" and ok["observed_rate"] == pytest.approx(5.4)
    # the projected year decides by its largest draw: P(reach) below the share of draws of 2025
    # alone under 5.5
    assert 0 < ok["prob_reach"] < 1


def test_pessimistic_does_not_shift_a_rate_held_at_its_target():
    """Retention 99.1 against 99: a weaker economy widens its spread but does not make it fall
    0.75 points a year (issue 11: it read Off track, P 0 %, moving away)."""
    from qcplan.plan.load import load_plan as _load

    a = Assessor(_load())
    base = a.assess("baseline", n_sims=2000).set_index("target_id")
    pess = a.assess("pessimistic", n_sims=2000).set_index("target_id")
    for tid in ("compulsory_edu_consolidation", "green_building_share"):
        assert pess.loc[tid, "shift_pp"] == 0.0
        assert pess.loc[tid, "status"] not in ("off_track", "moving_away")
    # what grows is still moved
    assert pess.loc["gdp_level", "shift_pp"] < 0
    assert pess.loc["gdp_level", "prob_reach"] < base.loc["gdp_level", "prob_reach"]


# --------------------------------------------------------------------------- growth: gaps
def test_growth_with_a_gap_in_its_rates_says_so(tmp_path: Path):
    # no rate for 2024: the index cannot be carried across it, so the period's average can only
    # run from 2024; the row says so instead of silently averaging fewer years
    target = {"target_id": "g", "indicator_id": "ind_growth", "kind": "growth", "threshold": 10,
              "period_start": 2022}
    rates = {2019: 9.0, 2020: 7, 2021: 9.5, 2022: 8, 2023: 8.5, 2025: 12.0}
    r = one(tmp_path, target, rates, measure="growth", n_sims=1000)
    assert r["caveats"] == "period_gap:2024:2024"
    full = one(tmp_path / "full", target, {**rates, 2024: 9.0}, measure="growth", n_sims=1000)
    assert full["caveats"] == ""


def test_growth_on_levels_with_base_figure_missing_says_so(tmp_path: Path):
    target = {"target_id": "g", "indicator_id": "trade", "kind": "growth", "threshold": 10}
    r = one(tmp_path, target, {2019: 30.0, 2020: 31, 2021: 33, 2022: 36, 2024: 40, 2025: 43},
            n_sims=1000)
    assert r["caveats"] == "base_earlier:2022"


# --------------------------------------------------------------------------- reduction
ENERGY = {2020: 0.50, 2021: 0.485, 2022: 0.47, 2023: 0.455, 2024: 0.44, 2025: 0.43}


def reduction(threshold: float, **kw) -> dict:
    return {"target_id": "e", "indicator_id": "energy", "kind": "reduction",
            "threshold": threshold, "period_start": 2020, "target_year": 2025, **kw}


def test_reduction_from_levels_complete_period(tmp_path: Path):
    fall = (1 - 0.43 / 0.50) * 100  # 14 %
    met = one(tmp_path / "a", reduction(13.5), ENERGY, measure="rate", as_of=2026)
    assert met["status"] == "achieved" and met["projected_median"] == pytest.approx(fall)
    assert met["eurostat_class"] == "met" and met["review_grade"] == "基本符合预期"
    short = one(tmp_path / "b", reduction(18), ENERGY, measure="rate", as_of=2026)
    assert short["status"] == "missed" and short["prob_reach"] == 0
    # yearly falls: observed since 2020 against the 18 % the period asks
    observed = (1 - (0.43 / 0.50) ** (1 / 5)) * 100
    planned = (1 - 0.82 ** (1 / 5)) * 100
    assert short["observed_rate"] == pytest.approx(observed)
    assert short["planned_rate"] == pytest.approx(planned)
    assert short["progress_ratio"] == pytest.approx(observed / planned)


@pytest.mark.parametrize(("measure", "sign"), [("reduction", 1.0), ("growth", -1.0)])
def test_reduction_from_yearly_rates_equals_levels(tmp_path: Path, measure: str, sign: float):
    falls = {y: (1 - ENERGY[y] / ENERGY[y - 1]) * 100 for y in range(2021, 2026)}
    rates = {y: sign * f for y, f in falls.items()}
    from_rates = one(tmp_path / measure, reduction(13.5, target_year=2027), rates,
                     measure=measure, n_sims=2000)
    from_levels = one(tmp_path / "lv", reduction(13.5, target_year=2027), ENERGY, measure="rate",
                      n_sims=2000)
    assert from_rates["observed_rate"] == pytest.approx(from_levels["observed_rate"])
    assert from_rates["required_rate"] == pytest.approx(from_levels["required_rate"])
    assert from_rates["eurostat_class"] == from_levels["eurostat_class"] == "met"
    assert from_rates["status"] == from_levels["status"] == "achieved"
    assert from_rates["projected_median"] == pytest.approx(from_levels["projected_median"],
                                                           abs=0.5)


def test_reduction_partly_observed_probability_and_pace(tmp_path: Path):
    # 2021–2025 of 2021–2027: 14 % down by 2025; 18 % asks for about 2.4 % a year more
    r = one(tmp_path, reduction(18, target_year=2027), ENERGY, measure="rate", n_sims=4000)
    goal = 0.50 * 0.82
    assert r["required_rate"] == pytest.approx((1 - (goal / 0.43) ** 0.5) * 100)
    assert 0 < r["prob_reach"] < 1 and r["status"] in STATUS_ORDER
    easy = one(tmp_path / "easy", reduction(10, target_year=2027), ENERGY, measure="rate",
               n_sims=4000)
    hard = one(tmp_path / "hard", reduction(30, target_year=2027), ENERGY, measure="rate",
               n_sims=4000)
    assert easy["prob_reach"] > r["prob_reach"] > hard["prob_reach"]
    assert hard["status"] in ("off_track", "moving_away")


def test_reduction_rising_intensity_moves_away(tmp_path: Path):
    rising = {2020: 0.50, 2021: 0.51, 2022: 0.52, 2023: 0.535, 2024: 0.55, 2025: 0.56}
    r = one(tmp_path, reduction(13.5, target_year=2027), rising, measure="rate", n_sims=2000)
    assert r["status"] == "moving_away" and r["eurostat_class"] == "moving_away"
    assert r["observed_rate"] < 0 < r["required_rate"]


# --------------------------------------------------------------------------- strict bounds
def test_strict_bound_at_the_threshold_is_not_met(tmp_path: Path):
    values = {2021: 6.0, 2022: 6.2, 2023: 6.4, 2024: 6.45, 2025: 6.5}
    at_least = one(tmp_path / "a", level(6.5, indicator_id="gr", target_year=2025), values,
                   measure="rate", as_of=2026)
    above = one(tmp_path / "b", level(6.5, indicator_id="gr", target_year=2025,
                                      direction="above"), values, measure="rate", as_of=2026)
    assert at_least["status"] == "achieved" and above["status"] == "missed"
    below = one(tmp_path / "c", level(5.5, indicator_id="u", target_year=2025, direction="below"),
                {2022: 5.2, 2023: 5.3, 2024: 5.4, 2025: 5.5}, measure="rate", as_of=2026)
    assert below["status"] == "missed" and below["eurostat_class"] != "met"


def test_strict_bound_probability_counts_only_beyond(tmp_path: Path):
    values = {2021: 100.0, 2022: 100, 2023: 100, 2024: 100, 2025: 100}
    r = one(tmp_path, level(100, direction="above"), values, n_sims=2000)
    ge = one(tmp_path / "ge", level(100), values, n_sims=2000)
    assert r["prob_reach"] <= ge["prob_reach"]
    assert ge["status"] == "achieved" and r["status"] != "achieved"


# --------------------------------------------------------------------------- bound observations
@pytest.mark.parametrize(("value", "threshold", "status"), [
    (">60", 60, "achieved"),           # 超过60% against ≥60: met
    (">60", 65, "insufficient_data"),  # 超过60% against ≥65: the bound decides nothing
    ("<60", 65, "missed"),             # 不足60% against ≥65: certainly short
    ("60", 65, "missed"),
])
def test_target_year_published_as_a_bound(tmp_path: Path, value: str, threshold: float,
                                          status: str):
    target = {"target_id": "s", "indicator_id": "urban", "kind": "share",
              "threshold": threshold, "target_year": 2025}
    r = one(tmp_path, target, {2021: 52.0, 2022: 54, 2023: 56, 2024: 58, 2025: value},
            measure="share", as_of=2026)
    assert r["status"] == status
    assert (r["caveats"] == "bound:2025") == (value[0] in "<>")
    assert r["latest_qualifier"] == (value[0] if value[0] in "<>" else "")
    if status == "insufficient_data":
        assert np.isnan(r["prob_reach"]) and r["eurostat_class"] != "met"


def test_broad_growth_shift_leaves_a_reduction_alone(tmp_path: Path):
    # a faster-growing economy in a scenario says nothing about energy per unit of GDP
    plan = load_plan(write_plan(tmp_path / "d", [reduction(18, target_year=2027)],
                                {("energy", "谯城区"): ENERGY}, {"energy": "rate"}))
    a = Assessor(plan, as_of=2026, outside=False)
    up = Scenario("up", "u", "u", "d", "d", assumptions=(Assumption("all", growth_shift_pp=3),))
    named = Scenario("n", "n", "n", "d", "d",
                     assumptions=(Assumption("target:e", growth_shift_pp=-2),))
    base = a.assess(BASE, n_sims=2000).iloc[0]
    assert a.assess(up, n_sims=2000).iloc[0]["prob_reach"] == base["prob_reach"]
    # named, it moves: 2 pp a year less growth of the intensity is a faster fall
    assert a.assess(named, n_sims=2000).iloc[0]["prob_reach"] > base["prob_reach"]


def test_plan_mode_and_goal_seek_on_a_reduction(tmp_path: Path):
    # a faster fall is a lower path of the intensity: the plan path and the goal seek shift it
    # down (before, they searched the wrong way and found nothing)
    plan = load_plan(write_plan(tmp_path / "d", [reduction(25, target_year=2028)],
                                {("energy", "谯城区"): ENERGY}, {"energy": "rate"}))
    a = Assessor(plan, as_of=2026)
    p = a.assess(Scenario("plan", "p", "p", "d", "d", mode="plan"), n_sims=4000).iloc[0]
    assert p["status"] == "plan_path" and p["shift_pp"] < 0
    assert p["projected_median"] == pytest.approx(25, abs=0.3)
    model = a.model("e")
    shift = model.shift_for_probability(0.8)
    assert shift < 0
    assert model.evaluate(Adjustment(), 4000, 0, shift=shift).prob_reach == pytest.approx(
        0.8, abs=0.03)


def test_a_target_model_is_built_once_and_shared_by_the_scenarios():
    """The model of a target (and its fit) is cached: every scenario uses the same one (the
    cache key was once overwritten by the fit's key, so projected targets were rebuilt for
    every scenario)."""
    from qcplan.model.assess import Assessor
    from qcplan.plan.load import load_plan

    plan = load_plan()
    assessor = Assessor(plan)
    projected = [t for t, k in zip(plan.targets["target_id"], plan.targets["kind"])
                 if k in ("level", "growth", "share")]
    assert projected
    for tid in projected[:5]:
        assert assessor.model(tid) is assessor.model(tid)
