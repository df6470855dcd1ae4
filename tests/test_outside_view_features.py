"""The feature search of bench/outside_view_features.py: without a candidate it is the shipped
model, and each candidate's column reads what its name says."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

import outside_view_features as F  # noqa: E402

from qcplan.model import outside_view as ovm  # noqa: E402


def test_no_candidate_is_the_shipped_model() -> None:
    judged = F.with_recent(ovm.load_judged())
    test_plan = judged["plan_id"].value_counts().index[0]
    train, test = judged[judged["plan_id"] != test_plan], judged[judged["plan_id"] == test_plan]
    got = F.predict(train, test, [])
    ov = ovm.fit(train)
    rates = [ov.class_rate(r.form_group, r.domain, r.obligation, r.indicator_id).rate
             for r in test.itertuples()]
    want = ov.combine(test["trend_p"].to_numpy(float), rates, test["pace_gap"].to_numpy(float),
                      test["form_group"].to_numpy(str), test["qg"].to_numpy(str))
    assert np.allclose(got["p_combined"].to_numpy(float), want, atol=1e-4)
    # a candidate column changes the fit
    other = F.predict(train, test, ["level_national"])
    assert not np.allclose(other["p_combined"].to_numpy(float), want, atol=1e-4)


def test_candidate_columns() -> None:
    df = pd.DataFrame({
        "form_group": ["annual_growth", "annual_growth", "level", "annual_growth"],
        "direction": ["at_least", "at_most", "at_least", "at_least"],
        "target": [7.0, 3.0, 50.0, 6.0], "last": [4.0, 2.0, 40.0, np.nan],
        "avg3": [5.0, 3.0, 40.0, np.nan], "qg": ["about", "floor", "about", "plain"],
        "level": ["provincial", "national", "national", "city"],
        "plan_type": ["annual", "annual", "five_year", "annual"]})
    x = F.extra_columns(df, ["gap_last", "gap_avg_pos", "about_yearly", "level_national",
                             "nogap_yearly"])
    # ambition against last year: +3 points for an at_least target, −1 for a ceiling (3 vs 2)
    assert np.allclose(x[:, 0], [np.tanh(1.0), np.tanh(-1 / 3), 0.0, 0.0])
    assert list(x[:, 1]) == [1.0, 0.0, 0.0, 0.0]  # only a yearly target above its 3-year mean
    assert list(x[:, 2]) == [1.0, 0.0, 0.0, 0.0]  # 左右 counts only on a year's growth target
    assert list(x[:, 3]) == [0.0, 1.0, 1.0, 0.0]
    assert list(x[:, 4]) == [0.0, 0.0, 0.0, 1.0]
