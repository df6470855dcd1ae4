"""Tests of the in-year nowcast (model.nowcast, .shares, .subannual) and ``project(subannual=)``."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qcplan import project
from qcplan.errors import ParameterError
from qcplan.model.shares import share_model
from qcplan.model.subannual import clean_subannual, from_ytd_growth, from_ytd_values
from qcplan.render.i18n import basis_label

SEASON = 1.0 + 0.3 * np.sin(np.arange(12) / 12 * 2 * np.pi)


def monthly(first: int, last: int, growth: float = 0.05, noise: float = 0.03,
            seed: int = 1, season: np.ndarray = SEASON) -> pd.Series:
    """A seasonal monthly flow from January ``first`` to December ``last``."""
    rng = np.random.default_rng(seed)
    idx = pd.period_range(f"{first}-01", f"{last}-12", freq="M")
    i = np.arange(len(idx))
    v = 100.0 * (1 + growth) ** (i / 12) * season[i % 12] * np.exp(rng.normal(0, noise, len(i)))
    return pd.Series(v, index=idx)


def yearly(sub: pd.Series) -> pd.Series:
    return sub.groupby(sub.index.year).sum()


FULL = monthly(2015, 2024)
ANNUAL = yearly(FULL).loc[:2023]

flows = st.builds(
    monthly,
    first=st.integers(2012, 2019),
    last=st.just(2024),
    growth=st.floats(-0.1, 0.2),
    noise=st.floats(0.0, 0.2),
    seed=st.integers(0, 10_000),
)


# ------------------------------------------------------------------------- properties
@given(flows, st.integers(0, 3))
def test_no_sub_period_known_equals_annual_only(full: pd.Series, lag: int) -> None:
    """Sub-annual figures that end with a year already in the yearly series change nothing."""
    annual = yearly(full).loc[:2023]
    sub = full.loc[: f"{2023 - lag}-12"]
    a = project(annual, 2027, seed=3, n_sims=300)
    b = project(annual, 2027, seed=3, n_sims=300, subannual=sub)
    assert b.nowcast is None
    np.testing.assert_array_equal(a.paths.to_numpy(), b.paths.to_numpy())
    assert a.prob_reach(annual.iloc[-1] * 1.1, 2026) == b.prob_reach(annual.iloc[-1] * 1.1, 2026)


@given(flows, st.sampled_from(["auto", "rw_drift", "linear", "cagr"]))
def test_all_sub_periods_known_make_the_year_exact(full: pd.Series, method: str) -> None:
    annual = yearly(full).loc[:2023]
    total = float(full.loc["2024"].sum())
    p = project(annual, 2026, method=method, seed=0, n_sims=300, subannual=full)
    assert np.all(p.values(2024) == total)
    assert p.prob_reach(total, 2024) == 1.0
    assert p.prob_reach(total * (1 + 1e-6), 2024) == 0.0
    assert 2024 in p.history.index and 2024 not in p.years


@given(flows, st.integers(1, 11), st.floats(1.02, 1.5))
def test_figures_ahead_of_the_usual_pattern_raise_p_reach(
        full: pd.Series, k: int, factor: float) -> None:
    annual = yearly(full).loc[:2023]
    sub = full.loc[: f"2024-{k:02d}"]
    ahead = sub.copy()
    ahead.loc["2024"] *= factor
    base = project(annual, 2026, seed=5, n_sims=400, subannual=sub)
    fast = project(annual, 2026, seed=5, n_sims=400, subannual=ahead)
    for year in (2024, 2026):
        targets = np.append(base.quantiles(year, [0.1, 0.3, 0.5, 0.7, 0.9]), fast.median(year))
        pb = np.array([base.prob_reach(t, year) for t in targets])
        pf = np.array([fast.prob_reach(t, year) for t in targets])
        assert np.all(pf >= pb)
        assert pf.sum() > pb.sum()


@given(flows, st.integers(1, 11))
def test_a_flow_never_falls_below_its_year_to_date_sum(full: pd.Series, k: int) -> None:
    annual = yearly(full).loc[:2023]
    sub = full.loc[: f"2024-{k:02d}"]
    p = project(annual, 2025, seed=1, n_sims=300, subannual=sub, shift=-50.0)
    assert p.values(2024).min() >= float(sub.loc["2024"].sum()) * (1 - 1e-12)


# ------------------------------------------------------------------------- the model
def test_share_model_by_hand() -> None:
    ytd = np.array([30.0, 33, 35, 38])
    tot = np.array([100.0, 108, 118, 125])
    ls = np.log(ytd / tot)
    pred = share_model(ytd, tot, 40.0, discount=1.0)
    assert pred.loc == pytest.approx(math.log(40.0) - ls.mean())
    assert pred.scale == pytest.approx(ls.std(ddof=1) * math.sqrt(1 + 1 / 4))
    assert pred.df == 3
    w = 0.8 ** np.array([3, 2, 1, 0])
    w /= w.sum()
    weighted = share_model(ytd, tot, 40.0)
    m = np.sum(w * ls)
    var = np.sum(w * (ls - m) ** 2) / (1 - np.sum(w**2))
    assert weighted.loc == pytest.approx(math.log(40.0) - m)
    assert weighted.scale == pytest.approx(math.sqrt(var * (1 + np.sum(w**2))))
    assert weighted.sf(math.log(39.0)) == 1.0  # below the year so far: certain


def test_nowcast_matches_its_predictive() -> None:
    sub = FULL.loc[:"2024-06"]
    p = project(ANNUAL, 2024, seed=0, n_sims=20_000, subannual=sub)
    nc = p.nowcast
    assert nc is not None and nc.method == "share" and nc.k == 6 and nc.n_years == 8
    q = np.exp(nc.predictive.ppf([0.1, 0.5, 0.9]))
    np.testing.assert_allclose(p.quantiles(2024, [0.1, 0.5, 0.9]), q, rtol=2e-3)
    assert basis_label(nc.k, nc.periods, "zh") == "1—6月"
    assert basis_label(nc.k, nc.periods, "en") == "January–June"
    assert "In-year basis:          2024: 6 of 12 months known (share)" in p.summary()


def test_later_years_follow_each_path() -> None:
    sub = FULL.loc[:"2024-09"]
    a = project(ANNUAL, 2027, seed=2, n_sims=2000)
    b = project(ANNUAL, 2027, seed=2, n_sims=2000, subannual=sub)
    ratio = b.paths.loc[2026] / b.paths.loc[2024]
    np.testing.assert_allclose(ratio.to_numpy(), (a.paths.loc[2026] / a.paths.loc[2024])
                               .to_numpy(), rtol=1e-9)
    # the rank of each path in the current year is kept
    ra = a.paths.loc[2024].rank().to_numpy()
    rb = b.paths.loc[2024].rank().to_numpy()
    np.testing.assert_array_equal(ra, rb)


def test_scenario_shift_acts_on_the_rest_of_the_year() -> None:
    sub = FULL.loc[:"2024-09"]
    base = project(ANNUAL, 2025, seed=0, subannual=sub)
    up = project(ANNUAL, 2025, seed=0, subannual=sub, shift=10.0)
    ytd = float(sub.loc["2024"].sum())
    # the rest of the year (total - year to date) grows by the shift, the next year by it again
    expect = ytd + (base.median(2024) - ytd) * 1.1
    assert up.median(2024) == pytest.approx(expect, rel=1e-9)
    r = expect / base.median(2024)
    assert 1.0 < r < 1.05
    assert up.median(2025) / base.median(2025) == pytest.approx(r * 1.1, rel=1e-3)


def test_quarterly_flow_and_stock() -> None:
    q = FULL.groupby(FULL.index.asfreq("Q")).sum()
    p = project(ANNUAL, 2025, seed=0, subannual=q.loc[:"2024Q3"])
    assert p.nowcast.k == 3 and p.nowcast.periods == 4
    assert basis_label(p.nowcast.k, p.nowcast.periods, "zh") == "前三季度"
    # a stock: quarter-end balances, the year's value is the Q4 balance
    rng = np.random.default_rng(4)
    bal = pd.Series(1000 * np.exp(np.cumsum(rng.normal(0.02, 0.01, 36))),
                    index=pd.period_range("2016Q1", periods=36, freq="Q"))
    year_end = bal[bal.index.quarter == 4]
    year_end.index = year_end.index.year
    ann = year_end.loc[:2023]
    sub = bal.loc[:"2024Q2"]
    s = project(ann, 2025, seed=0, subannual=sub, subannual_kind="stock")
    assert s.nowcast.kind == "stock" and s.nowcast.method == "share"
    # the year end is predicted from the mid-year balance, not from last year's: close to it
    lo, hi = s.interval(2024)
    assert lo < float(bal.loc["2024Q4"]) * 1.05 and hi > float(bal.loc["2024Q4"]) * 0.95
    assert (hi - lo) < np.subtract(*project(ann, 2025, seed=0).interval(2024)[::-1])
    full = project(ann, 2025, seed=0, subannual=bal.loc[:"2024Q4"], subannual_kind="stock")
    assert full.values(2024)[0] == pytest.approx(float(bal.loc["2024Q4"]))


def test_fallbacks_with_short_history() -> None:
    sub = FULL.loc["2023-01":"2024-05"]  # one earlier year with January–May
    p = project(ANNUAL, 2025, seed=0, subannual=sub)
    assert p.nowcast.method == "remainder"
    ytd = float(sub.loc["2024"].sum())
    assert p.values(2024).min() > ytd
    only = FULL.loc["2024-01":"2024-05"]
    f = project(ANNUAL, 2025, seed=0, subannual=only)
    assert f.nowcast.method == "floor"
    assert f.values(2024).min() >= ytd
    assert any("bounds the total from below" in n for n in f.model.notes)


def test_complete_sub_years_extend_the_yearly_history() -> None:
    p = project(ANNUAL.loc[:2021], 2026, seed=0, subannual=FULL.loc[:"2024-03"])
    assert list(p.history.index[-2:]) == [2022, 2023]
    assert p.history.loc[2023] == pytest.approx(ANNUAL.loc[2023])
    assert p.nowcast.year == 2024


def test_net_flow_on_the_raw_scale() -> None:
    rng = np.random.default_rng(0)
    idx = pd.period_range("2018Q1", "2024Q2", freq="Q")
    v = pd.Series(rng.normal(5, 10, len(idx)), index=idx)
    ann = v.groupby(v.index.year).sum().loc[:2023]
    assert (ann <= 0).any() or (v < 0).any()
    p = project(ann, 2025, seed=0, subannual=v)
    assert p.model.scale == "raw" and p.nowcast.method == "share"
    assert np.isfinite(p.values(2024)).all()


# ------------------------------------------------------------------------- validation
@pytest.mark.parametrize("bad, words", [
    (pd.Series([1.0, 2.0], index=[2023, 2024]), "PeriodIndex"),
    (pd.Series([1.0, 2.0], index=pd.date_range("2024-01-31", periods=2, freq="ME")),
     "to_period"),
    (pd.Series([1.0, 2.0], index=pd.period_range("2023", periods=2, freq="Y")), "monthly"),
    (pd.Series([1.0, 2.0], index=pd.period_range("2024-01-01", periods=2, freq="W")),
     "monthly"),
    (pd.Series([1.0, 2.0], index=pd.period_range("2024Q1", periods=2, freq="Q-MAR")),
     "calendar-quarterly"),
    (pd.Series([1.0, 2.0, 3.0],
               index=pd.PeriodIndex(["2024-01", "2024-02", "2024-04"], freq="M")),
     "2024-03"),
    (pd.Series([1.0, 2.0], index=pd.PeriodIndex(["2024-01", "2024-01"], freq="M")),
     "each period once"),
    (pd.Series([1.0, math.nan], index=pd.period_range("2024-01", periods=2, freq="M")),
     "finite"),
    (pd.Series(["1", 2.0], index=pd.period_range("2024-01", periods=2, freq="M")),
     "a number"),
    (pd.Series([1.0, -2.0], index=pd.period_range("2024-01", periods=2, freq="M")), "≥ 0"),
    ([1.0, 2.0], "pandas Series"),
])
def test_bad_subannual_is_refused(bad: object, words: str) -> None:
    with pytest.raises(ParameterError) as err:
        project(ANNUAL, 2025, subannual=bad)  # type: ignore[arg-type]
    assert words in str(err.value)


def test_a_year_missing_between_yearly_and_in_year_figures() -> None:
    with pytest.raises(ParameterError, match="up to 2023"):
        project(ANNUAL.loc[:2022], 2025, subannual=FULL.loc["2024-01":"2024-03"])


def test_sub_periods_in_another_unit_are_refused() -> None:
    with pytest.raises(ParameterError, match="same unit"):
        project(ANNUAL / 10_000, 2025, subannual=FULL.loc[:"2024-03"])


# ------------------------------------------------------------------------- published forms
def test_from_ytd_values_round_trip() -> None:
    sub = FULL.loc["2022-01":"2024-07"]
    cum = sub.groupby(sub.index.year).cumsum()
    back = from_ytd_values(cum)
    pd.testing.assert_series_equal(back, sub, check_names=False, check_freq=False)
    q = FULL.groupby(FULL.index.asfreq("Q")).sum().loc["2023Q1":"2024Q2"]
    qcum = q.groupby(q.index.year).cumsum()
    np.testing.assert_allclose(from_ytd_values(qcum).to_numpy(), q.to_numpy())


def test_from_ytd_values_needs_the_year_from_its_start() -> None:
    cum = pd.Series([10.0, 25.0], index=pd.period_range("2024-02", periods=2, freq="M"))
    with pytest.raises(ParameterError, match="first sub-period"):
        from_ytd_values(cum)


def test_from_ytd_growth_implies_values() -> None:
    earlier = FULL.loc["2022-01":"2023-12"]
    truth = FULL.loc["2024-01":"2024-09"]
    cum_now = truth.cumsum()
    cum_before = earlier.loc["2023"].cumsum().iloc[:9]
    rates = pd.Series(100 * (cum_now.to_numpy() / cum_before.to_numpy() - 1),
                      index=truth.index)
    got = from_ytd_growth(rates, earlier)
    np.testing.assert_allclose(got.loc["2024"].to_numpy(), truth.to_numpy(), rtol=1e-9)
    np.testing.assert_allclose(got.loc[:"2023-12"].to_numpy(), earlier.to_numpy())
    with pytest.raises(ParameterError, match="year before"):
        from_ytd_growth(rates, FULL.loc["2021-01":"2022-12"])
    with pytest.raises(ParameterError, match="-100"):
        from_ytd_growth(rates.where(rates.index != rates.index[2], -100.0), earlier)


def test_layout_and_labels() -> None:
    sa = clean_subannual(FULL.loc["2023-07":"2024-02"])
    assert sa.known(2023) == 6 and sa.known(2024) == 2 and sa.complete_years() == []
    assert basis_label(1, 12) == "1月" and basis_label(12, 12, "en") == "January–December"
    assert basis_label(2, 4) == "上半年" and basis_label(1, 4, "en") == "the first quarter"
