"""A short series borrows how far series of its measure and unit move in a year
(qcplan.model.pooling), and no draw crosses a bound its measure cannot cross."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_assess import write_plan

from qcplan.model import pooling
from qcplan.model.assess import Assessor
from qcplan.plan.load import load_plan
from qcplan.render.i18n import caveat_texts

AS_OF = "2025-06-30"
TODAY = dt.date(2025, 6, 30)


def _assess(tmp_path: Path, targets: list[dict], series: dict, measures: dict,
            outside: bool = True, seed: int = 0) -> pd.DataFrame:
    plan = load_plan(write_plan(tmp_path / "plan", targets, series, measures))
    table = Assessor(plan, as_of=AS_OF, outside=outside).assess(n_sims=4000, seed=seed)
    return table.set_index("target_id")


def _share(tid: str, threshold: float, **kw) -> dict:
    return dict(target_id=tid, indicator_id=tid, kind="share", threshold=threshold,
                target_year=2030, **kw)


def test_two_point_share_gets_a_narrower_interval_inside_0_100(tmp_path: Path) -> None:
    targets = [_share("cover", 95.0)]
    series = {("cover", "谯城区"): {2023: 88.0, 2024: 91.0}}
    pooled = _assess(tmp_path, targets, series, {"cover": "share"}).loc["cover"]
    trend = _assess(tmp_path / "t", targets, series, {"cover": "share"},
                    outside=False).loc["cover"]
    assert trend["method"] == "auto:theta" and "short_series_pooled" not in trend["caveats"]
    assert pooled["method"] == "auto:pooled"
    n = int(pooled["caveats"].split("short_series_pooled:")[1].split(";")[0])
    assert n >= pooling.MIN_POOL_SERIES
    width_p = pooled["projected_p90"] - pooled["projected_p10"]
    width_t = trend["projected_p90"] - trend["projected_p10"]
    assert width_p < width_t / 2
    assert 0.0 <= pooled["projected_p10"] <= pooled["projected_p90"] <= 100.0


def test_a_series_of_four_or_more_points_is_untouched(tmp_path: Path) -> None:
    targets = [_share("cover", 95.0)]
    series = {("cover", "谯城区"): {2021: 84.0, 2022: 86.5, 2023: 88.0, 2024: 91.0}}
    with_view = _assess(tmp_path, targets, series, {"cover": "share"}).loc["cover"]
    without = _assess(tmp_path / "t", targets, series, {"cover": "share"},
                      outside=False).loc["cover"]
    assert with_view["method"] == without["method"] == "auto:theta"
    assert "short_series_pooled" not in with_view["caveats"]
    for col in ("projected_p10", "projected_median", "projected_p90", "prob_reach_trend"):
        assert with_view[col] == pytest.approx(without[col])


def test_bounds_hold_for_a_share_near_100_and_a_rate_near_0(tmp_path: Path) -> None:
    targets = [_share("high", 99.9),
               dict(target_id="low", indicator_id="low", kind="level", threshold=0.1,
                    direction="at_most", target_year=2030)]
    series = {("high", "谯城区"): {2023: 96.0, 2024: 99.0},
              ("low", "谯城区"): {2023: 0.8, 2024: 0.1}}
    measures = {"high": "share", "low": "rate"}
    for outside in (True, False):
        t = _assess(tmp_path / str(outside), targets, series, measures, outside=outside)
        assert 0.0 <= t.loc["high", "projected_p10"] and t.loc["high", "projected_p90"] <= 100.0
        assert t.loc["low", "projected_p10"] >= 0.0
    # the draws themselves, not only their quantiles
    h = pd.Series({2023: 96.0, 2024: 99.0})
    pool, n = pooling.pool_for("share", "%", TODAY, ("high", "谯城区"))
    fit = pooling.pooled_fit(h, pool, pooling.scale_for("share"), n)
    draws = fit.simulate(2035, n_sims=5000, seed=1, shift=5.0).paths.to_numpy()
    assert np.all((draws >= 0.0) & (draws <= 100.0))
    members = [pd.Series({2015: 2.0, 2016: 1.7, 2017: 1.5, 2018: 1.2}),
               pd.Series({2015: 5.0, 2016: 4.0, 2017: 3.7, 2018: 3.1}),
               pd.Series({2014: 9.0, 2016: 8.1, 2018: 6.0, 2019: 5.5})]
    rate_pool = pooling.pool_steps(members, pooling.scale_for("rate"))
    # three series give too few cut series to show the pooled interval holds: the trend alone
    assert rate_pool is not None and rate_pool.weight == 0.0
    assert pooling.pooled_fit(pd.Series({2023: 0.8, 2024: 0.1}), rate_pool,
                              pooling.scale_for("rate")) is None
    low = pooling.pooled_fit(pd.Series({2023: 0.8, 2024: 0.1}), rate_pool,
                             pooling.scale_for("rate"), trend=False)
    draws = low.simulate(2035, n_sims=5000, seed=1, shift=-20.0).paths.to_numpy()
    assert np.all(draws >= 0.0)


def test_the_target_is_never_pooled_with_itself(tmp_path: Path) -> None:
    own = pd.Series({2023: 50.0, 2024: 51.0})
    # the plan's own series under its own key is left out; the others are kept
    plan = [("谯城区/x", own), ("谯城区/y", pd.Series({2020: 40.0, 2022: 41.0, 2024: 43.0}))]
    members: list[pd.Series] = []

    def spy(series, sc, calibrate=True, groups=None):
        members.extend(series)
        return None

    orig = pooling.pool_steps
    pooling.pool_steps = spy
    try:
        pooling.pool_for("share", "%", TODAY, ("x", "谯城区"), plan, own_history=own)
    finally:
        pooling.pool_steps = orig
    assert not any(m is own for m in members)
    assert any(m.equals(plan[1][1]) for m in members)
    # a track-record series of the same geography holding one of its figures is the same
    # series under another name: left out too
    tr = pooling.reference_series("share", "%", TODAY)
    geo_key, series = next((k, v) for k, v in tr if k.startswith("安徽省/urbanization_rate"))
    members.clear()
    pooling.pool_steps = spy
    try:
        pooling.pool_for("share", "%", TODAY, ("urbanisation", "安徽省"), (),
                         own_history=series.iloc[-2:])
    finally:
        pooling.pool_steps = orig
    assert not any(m.equals(series) for m in members)
    assert len(members) == len(tr) - 1


def test_the_pool_only_holds_figures_known_then() -> None:
    early = pooling.reference_series("share", "%", dt.date(2012, 12, 31))
    late = pooling.reference_series("share", "%", TODAY)
    assert len(early) < len(late)
    assert all(v.index.max() <= 2012 for _, v in early)


def test_deterministic_for_a_seed(tmp_path: Path) -> None:
    targets = [_share("cover", 95.0)]
    series = {("cover", "谯城区"): {2023: 88.0, 2024: 91.0}}
    a = _assess(tmp_path / "a", targets, series, {"cover": "share"}, seed=3).loc["cover"]
    b = _assess(tmp_path / "b", targets, series, {"cover": "share"}, seed=3).loc["cover"]
    for col in ("projected_p10", "projected_median", "projected_p90", "prob_reach"):
        assert a[col] == b[col]


def test_partial_pooling_gives_own_changes_the_weight_their_number_earns() -> None:
    rng = np.random.default_rng(0)
    members = [pd.Series(50 + np.cumsum(rng.normal(0.5, 0.6, 8)), index=range(2010, 2018))
               for _ in range(6)]
    sc = pooling.scale_for("share")
    pool = pooling.pool_steps(members, sc)
    assert pool is not None and pool.n_series == 6
    two = pooling.pooled_fit(pd.Series({2023: 50.0, 2024: 54.0}), pool, sc)
    three = pooling.pooled_fit(pd.Series({2022: 46.0, 2023: 50.0, 2024: 54.0}), pool, sc)
    # more own changes, more weight on the series' own drift (+4 a year, far above the pool's)
    assert three.stats["own_weight"] > two.stats["own_weight"] > 0
    assert three.components[0].drift > two.components[0].drift > pool.mu0
    # a series that moves unlike the pool widens its own yearly spread
    calm = pooling.pooled_fit(pd.Series({2023: 50.0, 2024: 50.5}), pool, sc)
    assert two.components[0].sigma > calm.components[0].sigma
    # too small a pool: none
    assert pooling.pool_steps(members[:2], sc) is None


def test_short_series_caveat_words() -> None:
    assert "12" in caveat_texts("short_series_pooled:12", "zh")[0]
    assert "12 series of the same measure and unit" in caveat_texts("short_series_pooled:12",
                                                                    "en")[0]


def _jumpy(jump: float) -> list[pd.Series]:
    """Eight share series rising 0.5 a year, each with one jump of ``jump`` points (up or
    down) after its fourth figure."""
    rng = np.random.default_rng(0)
    out = []
    for _ in range(8):
        steps = rng.normal(0.5, 0.2, 8)
        steps[3] += rng.choice([-1.0, 1.0]) * jump
        out.append(pd.Series(50 + np.cumsum(steps), index=range(2010, 2018)))
    return out


def test_the_calibration_chooses_a_wider_interval_when_the_pool_is_more_volatile() -> None:
    sc = pooling.scale_for("share")
    groups = [f"g{i}" for i in range(8)]
    short = pd.Series({2023: 50.0, 2024: 51.0})

    def width(pool: pooling.StepPool, **kw) -> float:
        fit = pooling.pooled_fit(short, pool, sc, **kw)
        lo, hi = fit.simulate(2030, n_sims=4000, seed=0).interval(2030, 0.8)
        return hi - lo

    calm, jumpy = _jumpy(0.0), _jumpy(4.0)
    # calm series: their cut series hold 80 % with a small wander and the pooled walk alone
    c = pooling.pool_steps(calm, sc, groups=groups)
    assert c.wander <= 0.5 and c.weight == 1.0
    # series that jump: the same model, calibrated on its own cut series, widens far more
    # than the jumps' own share of the yearly spread does
    raw = pooling.pool_steps(jumpy, sc, groups=groups, calibrate=False)
    cal = pooling.pool_steps(jumpy, sc, groups=groups)
    assert cal.wander > max(raw.wander, c.wander)
    assert width(cal) > 2 * width(raw)
    # with the wander held at auto's, the mixture's share of pooled paths falls below 1 for
    # the jumpy pool (not for the calm one), and the mixture is wider than the walk alone
    def weight(members: list[pd.Series], pool: pooling.StepPool) -> float:
        changes = [pooling._changes(v, sc) for v in members]
        return pooling._calibrated_weight(
            list(pooling._cut_cases(members, changes, sc, groups)), sc, pool)

    assert weight(calm, c) == 1.0
    share = weight(_jumpy(2.0), raw)
    assert share < 1.0
    mixed = replace(raw, weight=share)
    assert width(mixed) > width(mixed, trend=False)
