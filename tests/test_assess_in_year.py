"""The assessment uses in-year figures: flows from year-to-date values, growth targets from
year-to-date growth rates, and the reports and the workbench say on which months it rests."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from qcplan.model.assess import Assessor
from qcplan.plan.load import load_plan
from qcplan.render.i18n import in_year_basis_text
from qcplan.render.status_table import status_table_html

GEO = "谯城区"
GDP = {2019: 600.2, 2020: 640.5, 2021: 700.1, 2022: 760.3, 2023: 800.4, 2024: 850.0}
SHARES = {3: 0.22, 6: 0.47, 9: 0.73}
PERIOD = {3: "Q1", 6: "H1", 9: "Q3"}
AS_OF = "2025-11-15"


def append(data: Path, rows: list[dict[str, str]]) -> None:
    path = data / "observations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, old = list(reader.fieldnames or []), list(reader)
    for row in rows:
        header += [c for c in row if c not in header]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, restval="")
        w.writeheader()
        w.writerows(old + rows)


def fig(ind: str, year: int, months: int, value: float, measure: str, unit: str = "亿元"
        ) -> dict[str, str]:
    return {"indicator_id": ind, "geography": GEO, "year": str(year), "period": PERIOD[months],
            "value": f"{value:.4f}", "unit": unit, "status": "official", "source": "test",
            "note": "", "measure": measure}


def gdp_rows(current_q3: float | None, months: tuple[int, ...] = (3, 6, 9)) -> list[dict]:
    """Year-to-date GDP of 2020-2024 at the usual shares (a little noise), and 2025 to Q3."""
    rng = np.random.default_rng(0)
    rows = []
    for year in range(2020, 2025):
        for m in months:
            rows.append(fig("gdp", year, m, GDP[year] * SHARES[m] * (1 + rng.normal(0, 0.01)),
                            "ytd"))
    if current_q3 is not None:
        rows.append(fig("gdp", 2025, 3, current_q3 * 0.30, "ytd"))
        rows.append(fig("gdp", 2025, 9, current_q3, "ytd"))
    return rows


def assess(data: Path, target: str) -> tuple[dict, Assessor]:
    a = Assessor(load_plan(data), as_of=AS_OF)
    row = a.assess(targets=[target]).iloc[0].to_dict()
    return row, a


def test_a_flow_target_uses_its_year_to_date_figures(data_dir: Path, tmp_path: Path) -> None:
    plain, _ = assess(data_dir, "gdp_2027")
    assert plain["in_year_months"] == 0 and in_year_basis_text(plain) == ""
    ahead_dir = tmp_path / "ahead"
    behind_dir = tmp_path / "behind"
    for d, q3 in ((ahead_dir, 0.73 * 960.0), (behind_dir, 0.73 * 860.0)):
        d.mkdir()
        for f in data_dir.iterdir():
            (d / f.name).write_bytes(f.read_bytes())
        append(d, gdp_rows(q3))
    ahead, a = assess(ahead_dir, "gdp_2027")
    behind, _ = assess(behind_dir, "gdp_2027")
    assert ahead["in_year_year"] == 2025 and ahead["in_year_months"] == 9
    assert in_year_basis_text(ahead) == "基于2025年1—9月数据"
    assert in_year_basis_text(ahead, "en") == "based on January–September 2025 figures"
    nc = a.model("gdp_2027").fitted.nowcast
    assert nc.method == "share" and nc.n_years == 5
    # 2025 drawn around Q3 / usual share: the median sits close to 960
    ev = a.model("gdp_2027").evaluate(n_sims=4000)
    assert ev.projection.median(2025) == pytest.approx(960.0, rel=0.02)
    assert ahead["prob_reach"] > behind["prob_reach"]
    html = status_table_html(a.assess(targets=["gdp_2027"]), "zh")
    assert "基于2025年1—9月数据" in html
    assert "based on January–September 2025 figures" in status_table_html(
        a.assess(targets=["gdp_2027"]), "en")


def test_figures_after_the_as_of_date_are_not_used(data_dir: Path) -> None:
    append(data_dir, gdp_rows(0.73 * 960.0))
    a = Assessor(load_plan(data_dir), as_of="2025-06-30")
    row = a.assess(targets=["gdp_2027"]).iloc[0]
    assert row["in_year_months"] == 3  # Q3 is known from 30 September on only


def test_growth_target_uses_year_to_date_growth(data_dir: Path, tmp_path: Path) -> None:
    rates = {2021: 8.5, 2022: -2.1, 2023: 9.0}
    probs = {}
    for label, now in (("fast", 16.0), ("slow", 2.0)):
        d = tmp_path / label
        d.mkdir()
        for f in data_dir.iterdir():
            (d / f.name).write_bytes(f.read_bytes())
        rows = [fig("industry_growth", y, 9, g + 0.4, "ytd_growth", "%")
                for y, g in rates.items()]
        rows.append(fig("industry_growth", 2024, 9, now, "ytd_growth", "%"))
        append(d, rows)
        row, a = assess(d, "industry_growth_2027")
        nc = a.model("industry_growth_2027").fitted.nowcast
        assert nc.method == "ytd_growth" and nc.n_years == 3 and nc.year == 2024
        assert row["in_year_months"] == 9
        # the index of 2024 moves with the year-to-date rate less the usual 0.4 points
        ev = a.model("industry_growth_2027").evaluate(n_sims=4000)
        idx = a.model("industry_growth_2027").history
        med = ev.projection.median(2024) / float(idx.loc[2023]) * 100 - 100
        assert med == pytest.approx(now - 0.4, abs=0.3)
        probs[label] = row["prob_reach"]
    assert probs["fast"] > probs["slow"]


def test_growth_rate_without_earlier_year_to_date_rates_blends(data_dir: Path) -> None:
    append(data_dir, [fig("industry_growth", 2024, 3, 12.0, "ytd_growth", "%")])
    row, a = assess(data_dir, "industry_growth_2027")
    nc = a.model("industry_growth_2027").fitted.nowcast
    assert nc.method == "blend" and nc.k == 3
    assert in_year_basis_text(row) == "基于2024年1—3月数据"


def test_in_year_figures_the_model_cannot_use_leave_the_yearly_projection(
        data_dir: Path) -> None:
    plain, _ = assess(data_dir, "gdp_2027")
    rows = gdp_rows(None)
    for r in rows:  # entered in 万元 by mistake: ten thousand times the yearly figures
        r["value"] = f"{float(r['value']) * 10_000:.1f}"
    rows.append(fig("gdp", 2025, 9, 0.73 * 960.0 * 10_000, "ytd"))
    append(data_dir, rows)
    row, a = assess(data_dir, "gdp_2027")
    assert row["in_year_months"] == 0
    assert row["prob_reach"] == plain["prob_reach"]
    assert "same unit" in a.in_year_problems[("gdp", GEO)]


def test_the_workbench_shows_the_in_year_basis(data_dir: Path, tmp_path: Path) -> None:
    from qcplan.explore.workbench import Workbench

    append(data_dir, gdp_rows(0.73 * 960.0))
    params = tmp_path / "params"
    (params / "scenarios").mkdir(parents=True)
    for lang, words in (("zh", "基于2025年1—9月数据"),
                        ("en", "based on January–September 2025 figures")):
        wb = Workbench(load_plan(data_dir), params_dir=params, as_of=AS_OF, n_sims=500,
                       lang=lang, target="gdp_2027")
        assert words in wb.reading_html()
