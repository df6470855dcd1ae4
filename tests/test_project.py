"""Tests of the projection engine (qcplan.model.project)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qcplan.model.project import METHODS, FittedModel, Projection, fit, project

GROWING = pd.Series([100.0, 104, 109, 115, 118, 125, 131, 140], index=range(2016, 2024))
NOISY = pd.Series([50.0, 58, 55, 63, 61, 70, 66, 75, 73, 80], index=range(2014, 2024))
SHARE = pd.Series([62.0, 64.5, 66.0, 69.5, 71.0, 74.5], index=range(2018, 2024))
ALL_METHODS = [m for m in METHODS]


positive_series = st.lists(
    st.floats(min_value=0.5, max_value=1e6, allow_nan=False), min_size=2, max_size=15
).map(lambda v: pd.Series(v, index=range(2023 - len(v) + 1, 2024)))
share_series = st.lists(
    st.floats(min_value=0.0, max_value=100.0, allow_nan=False), min_size=2, max_size=12
).map(lambda v: pd.Series(v, index=range(2023 - len(v) + 1, 2024)))


# ------------------------------------------------------------------------- properties
@given(positive_series, st.sampled_from(["auto", "rw_drift", "linear", "loglinear", "cagr"]))
def test_prob_reach_falls_as_target_rises(s: pd.Series, method: str) -> None:
    p = project(s, 2027, method=method, seed=1, n_sims=500)
    lo, hi = p.interval(2027, 0.98)
    targets = np.linspace(min(lo, s.min()) - 1, max(hi, s.max()) + 1, 12)
    probs = [p.prob_reach(t, 2027) for t in targets]
    assert all(a >= b for a, b in zip(probs, probs[1:], strict=False))
    at_most = [p.prob_reach(t, 2027, direction="at_most") for t in targets]
    assert all(a <= b for a, b in zip(at_most, at_most[1:], strict=False))


@given(positive_series, st.sampled_from(["auto", "rw_drift", "linear"]))
def test_quantiles_ordered(s: pd.Series, method: str) -> None:
    p = project(s, 2026, method=method, seed=2, n_sims=400)
    for year in p.years:
        q = p.quantiles(year, [0.05, 0.1, 0.5, 0.9, 0.95])
        assert np.all(np.diff(q) >= 0)


@given(share_series, st.sampled_from(["bounded", "auto", "rw_drift", "linear", "cagr"]))
def test_bounded_stays_within_bounds(s: pd.Series, method: str) -> None:
    bounds = None if method == "bounded" else (0.0, 100.0)
    p = project(s, 2030, method=method, seed=3, n_sims=500, bounds=bounds,
                shift=5.0, shocks={2026: 20.0})
    v = p.paths.to_numpy()
    assert np.all((v >= 0.0) & (v <= 100.0))


# ------------------------------------------------------------------------- behaviour
def test_observed_year_uses_observation() -> None:
    p = project(GROWING, 2027, seed=0)
    assert p.prob_reach(110, 2018) == 0.0
    assert p.prob_reach(109, 2018) == 1.0
    assert p.prob_reach(110, 2018, direction="at_most") == 1.0
    assert np.all(p.values(2023) == 140.0)
    assert np.allclose(p.quantiles(2020, [0.1, 0.9]), [118.0, 118.0])


def test_same_seed_same_draws_other_seed_other_draws() -> None:
    a = project(NOISY, 2027, seed=7, n_sims=1000)
    b = project(NOISY, 2027, seed=7, n_sims=1000)
    c = project(NOISY, 2027, seed=8, n_sims=1000)
    pd.testing.assert_frame_equal(a.paths, b.paths)
    assert not np.allclose(a.paths.to_numpy(), c.paths.to_numpy())


def test_fit_once_simulate_many() -> None:
    model = fit(NOISY)
    assert isinstance(model, FittedModel)
    p1 = model.simulate(2027, n_sims=500, seed=1)
    p2 = project(NOISY, 2027, seed=1, n_sims=500)
    pd.testing.assert_frame_equal(p1.paths, p2.paths)


def test_one_point_is_insufficient_data() -> None:
    p = project(pd.Series([5.0], index=[2023]), 2027, seed=0)
    assert p.status == "insufficient data"
    assert np.isnan(p.prob_reach(4.0, 2027))
    assert np.all(np.isnan(p.quantiles(2027, [0.1, 0.5, 0.9])))
    assert "insufficient" in p.summary()
    empty = project(pd.Series([np.nan, np.nan], index=[2022, 2023]), 2027)
    assert empty.status == "insufficient data"
    assert np.isnan(empty.prob_reach(1.0, 2027))


@pytest.mark.parametrize("method", ALL_METHODS)
def test_two_points_work(method: str) -> None:
    s = pd.Series([40.0, 44.0], index=[2022, 2023])
    p = project(s, 2027, method=method, seed=0, n_sims=2000)
    assert p.status == "ok"
    q = p.quantiles(2027, [0.1, 0.5, 0.9])
    assert np.all(np.isfinite(q)) and q[0] <= q[1] <= q[2]
    assert 0.0 <= p.prob_reach(50.0, 2027) <= 1.0


def test_gaps_unsorted_and_nan() -> None:
    s = pd.Series([131.0, 100.0, np.nan, 109.0, 118.0], index=[2022, 2016, 2017, 2018, 2020])
    p = project(s, 2026, seed=0, n_sims=2000)
    assert list(p.history.index) == [2016, 2018, 2020, 2022]
    assert list(p.paths.index) == [2023, 2024, 2025, 2026]
    assert 131 < p.median(2026) < 200
    with pytest.raises(ValueError, match="neither observed nor projected"):
        p.values(2019)
    periods = pd.Series([1.0, 2.0, 3.0], index=pd.period_range("2021", periods=3, freq="Y"))
    assert list(project(periods, 2025, seed=0, n_sims=10).paths.index) == [2024, 2025]


@pytest.mark.parametrize("method", ["auto", "rw_drift", "linear", "cagr"])
def test_zeros_and_negative_values(method: str) -> None:
    flow = pd.Series([-3.0, 0.0, 2.5, -1.0, 4.0, 3.0], index=range(2018, 2024))
    p = project(flow, 2027, method=method, seed=0, n_sims=2000)
    assert p.status == "ok"
    assert p.model.scale == "raw"
    q = p.quantiles(2027, [0.1, 0.5, 0.9])
    assert np.all(np.isfinite(q))
    if method != "cagr":
        assert q[0] < q[1] < q[2]


def test_constant_series() -> None:
    s = pd.Series([7.0] * 6, index=range(2018, 2024))
    for method in ["auto", "rw_drift", "linear", "cagr", "loglinear"]:
        p = project(s, 2027, method=method, seed=0, n_sims=500)
        assert p.median(2027) == pytest.approx(7.0)
        assert p.prob_reach(7.0, 2027) == 1.0


def test_ets_falls_back_with_few_points_and_warns_nothing() -> None:
    s = pd.Series([10.0, 11, 12.5, 13, 14.2], index=range(2019, 2024))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = project(s, 2027, method="ets", seed=0, n_sims=1000)
    assert caught == []
    assert p.method == "ets->rw_drift"
    assert any("fewer than 8" in n for n in p.model.notes)


def test_ets_with_enough_points_warns_nothing() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        p = project(NOISY, 2027, method="ets", seed=0, n_sims=1000)
        q = p.quantiles(2027, [0.1, 0.5, 0.9])
    assert caught == []
    assert p.method == "ets"
    assert q[0] < q[1] < q[2]
    pd.testing.assert_frame_equal(
        p.paths, project(NOISY, 2027, method="ets", seed=0, n_sims=1000).paths
    )


@pytest.mark.parametrize("method", ["auto", "rw_drift", "linear", "bounded"])
def test_shift_raises_median_and_probability(method: str) -> None:
    s = SHARE if method == "bounded" else NOISY
    base = project(s, 2027, method=method, seed=0, n_sims=4000)
    up = project(s, 2027, method=method, seed=0, n_sims=4000, shift=2.0)
    target = base.median(2027)
    assert up.median(2027) > base.median(2027)
    assert up.prob_reach(target, 2027) > base.prob_reach(target, 2027)
    assert np.all(up.paths.to_numpy() >= base.paths.to_numpy())


def test_shift_on_log_scale_is_growth_in_percent() -> None:
    base = project(GROWING, 2027, method="cagr")
    up = project(GROWING, 2027, method="cagr", shift=1.0)
    ratio = up.paths.to_numpy()[:, 0] / base.paths.to_numpy()[:, 0]
    assert np.allclose(ratio, 1.01 ** np.arange(1, 5))


def test_shock_lowers_level_from_its_year() -> None:
    base = project(NOISY, 2027, seed=0, n_sims=2000)
    hit = project(NOISY, 2027, seed=0, n_sims=2000, shocks={2025: -10.0, 2015: 50.0})
    b, h = base.paths.to_numpy(), hit.paths.to_numpy()
    assert np.allclose(h[:1], b[:1])  # 2024 untouched; the 2015 shock is an observed year
    assert np.allclose(h[1:], 0.9 * b[1:])


def test_scale_widens_interval() -> None:
    narrow = project(NOISY, 2027, seed=0, n_sims=4000)
    wide = project(NOISY, 2027, seed=0, n_sims=4000, scale=2.0)
    lo1, hi1 = narrow.interval(2027)
    lo2, hi2 = wide.interval(2027)
    assert hi2 - lo2 > 1.5 * (hi1 - lo1)
    flat = project(NOISY, 2027, method="rw_drift", seed=0, n_sims=100, scale=0.0)
    assert np.ptp(flat.values(2027)) < 1e-9 * flat.median(2027)


def test_paths_shape_index_and_dtype() -> None:
    p = project(GROWING, 2027, seed=0, n_sims=321)
    assert p.paths.shape == (4, 321)
    assert list(p.paths.index) == [2024, 2025, 2026, 2027]
    assert list(p.paths.columns) == list(range(321))
    assert all(dt == np.float64 for dt in p.paths.dtypes)
    growth = (p.paths.loc[2027] / GROWING[2023]) ** 0.25 - 1  # a derived quantity on the draws
    assert growth.shape == (321,)


@pytest.mark.parametrize("method", ALL_METHODS)
def test_summary_and_repr_name_the_method(method: str) -> None:
    p = project(NOISY if method != "bounded" else SHARE, 2027, method=method, seed=0,
                n_sims=500)
    text = p.summary()
    assert p.method in text and "2027" in text
    assert p.method in repr(p) and isinstance(p, Projection)


def test_cagr_is_deterministic_extension() -> None:
    p = project(GROWING, 2027, method="cagr", seed=0, n_sims=100)
    rate = (140 / 100) ** (1 / 7)
    assert p.median(2027) == pytest.approx(140 * rate**4)
    assert p.prob_reach(140 * rate**4 * 1.001, 2027) == 0.0


def test_duplicate_years_and_bad_input_raise() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        project(pd.Series([1.0, 2.0, 3.0], index=[2020, 2021, 2021]), 2027)
    with pytest.raises(ValueError, match="not numeric"):
        project(pd.Series([1.0, "a", 3.0], index=[2020, 2021, 2022]), 2027)
    with pytest.raises(ValueError, match="integers"):
        project(pd.Series([1.0, 2.0], index=[2020.5, 2021.5]), 2027)
    with pytest.raises(ValueError, match="unknown method"):
        project(GROWING, 2027, method="magic")
    with pytest.raises(ValueError, match="outside bounds"):
        project(GROWING, 2027, bounds=(0, 100))


def test_auto_has_sensible_calibration_on_a_random_walk() -> None:
    rng = np.random.default_rng(42)
    hits = []
    for _ in range(300):
        y = np.exp(np.cumsum(rng.normal(0.03, 0.08, 14)))
        p = project(pd.Series(y[:10], index=range(2010, 2020)), 2023, seed=1, n_sims=400)
        lo, hi = p.interval(2023)
        hits.append(lo <= y[13] <= hi)
    assert 0.7 <= np.mean(hits) <= 0.92


# ------------------------------------------------------------------- the auto rule (Theta-like)
def test_auto_keeps_a_drift_that_its_own_history_confirms() -> None:
    # exact 5% growth: the forecasts with the whole drift never err, so the drift weight is 1
    # and every draw is the extension of the trend
    s = pd.Series(100.0 * 1.05 ** np.arange(9), index=range(2015, 2024))
    m = fit(s)
    assert m.method == "auto:theta"
    assert m.stats["drift_weight"] == pytest.approx(1.0)
    p = m.simulate(2027, n_sims=500, seed=0)
    assert p.median(2027) == pytest.approx(s[2023] * 1.05**4, rel=1e-9)


def test_auto_drops_a_drift_that_stopped() -> None:
    # growth that stopped three years ago: the rolling one-step forecasts without drift win,
    # the drift weight falls below the Theta method's 1/2 and the median stays near the level
    s = pd.Series([100.0, 110, 121, 121.5, 120.5, 121.2, 120.8, 121.0], index=range(2016, 2024))
    m = fit(s)
    assert m.stats["drift_weight"] < 0.5
    with_drift = fit(s, method="rw_drift").simulate(2027, n_sims=4000, seed=0)
    p = m.simulate(2027, n_sims=4000, seed=0)
    assert abs(p.median(2027) - 121.0) < abs(with_drift.median(2027) - 121.0)


def test_auto_few_points_use_the_theta_weight_and_the_last_value() -> None:
    s = pd.Series([100.0, 104, 109, 113], index=range(2020, 2024))  # 3 changes: no CV, no SES
    m = fit(s)
    assert m.stats["drift_weight"] == 0.5 and m.stats["ses_alpha"] == 1.0
    assert m.components[0].offset == 0.0
    assert m.components[0].df == 2.0  # only the drift is estimated: df = m - 1
    assert fit(NOISY).components[0].df == 7.0  # alpha and the weight too: df = m - 2


def test_auto_smoothed_level_discounts_a_last_jump() -> None:
    # a flat noisy series whose last value jumps: the smoothed level starts below it
    s = pd.Series([100.0, 103, 98, 102, 99, 101, 100, 112], index=range(2016, 2024))
    m = fit(s)
    assert m.stats["ses_alpha"] < 1.0
    assert m.components[0].offset < 0.0
    assert m.simulate(2024, n_sims=4000, seed=0).median(2024) < 112.0


def test_smoothing_with_a_drift_has_the_integrated_moving_average_variance() -> None:
    # draws of a walk with alpha < 1 (no parameter uncertainty) have variance
    # sigma**2 * (1 + (h - 1) * alpha**2) at step h
    from dataclasses import replace

    m = fit(NOISY)
    comp = replace(m.components[0], alpha=0.4, sigma=0.05, df=float("inf"), drift_se=0.0,
                   wander=0.0, offset=0.0)
    m.components = [comp]
    z = np.log(m.simulate(2027, n_sims=200_000, seed=3).paths.to_numpy())
    for h in range(1, 5):
        assert z[h - 1].var() == pytest.approx(0.05**2 * (1 + (h - 1) * 0.4**2), rel=0.02)
