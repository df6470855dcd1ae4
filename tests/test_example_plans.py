"""The second, real example plan (Anhui's work-report targets) and the retrospective view.

Every figure of the example is a row of its ``sources/plan_outcomes.csv``; the retrospective
re-assesses each decided target with only the figures known at the end of Y−3, Y−2 and Y−1.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from qcplan.cli import main
from qcplan.model.assess import Assessor
from qcplan.model.retrospect import reliability, retrospect
from qcplan.plan.load import load_plan

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "anhui_gov_work_report"
AS_OF = "2026-06-30"


def _build_module():
    path = EXAMPLE / "scripts" / "build_tables.py"
    spec = importlib.util.spec_from_file_location("build_tables", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _source_rows() -> dict[int, dict[str, str]]:
    with open(EXAMPLE / "sources" / "plan_outcomes.csv", encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        out = {}
        for row in reader:
            out[reader.line_num] = row  # the line the record ends on, as the build script notes
        return out


@pytest.fixture(scope="module")
def plan():
    return load_plan(EXAMPLE)


@pytest.fixture(scope="module")
def retro(plan) -> pd.DataFrame:
    return retrospect(plan, as_of=AS_OF, n_sims=1000)


def test_committed_tables_are_what_the_script_writes() -> None:
    mod = _build_module()
    for name, table in mod.build().items():
        assert (EXAMPLE / f"{name}.csv").read_text(encoding="utf-8") == mod.render(table), name


def test_every_observation_is_a_quoted_source_row(plan) -> None:
    rows = _source_rows()
    obs = pd.read_csv(EXAMPLE / "observations.csv", dtype=str, keep_default_na=False)
    assert len(obs) >= 40
    for r in obs.itertuples(index=False):
        line = int(re.search(r"plan_outcomes\.csv line (\d+)", r.source).group(1))
        src = rows[line]
        assert src["role"] == "actual" and src["geography"] == r.geography
        assert float(src["value"]) == float(r.value) and src["year"] == r.year
        assert src["indicator"] in (r.indicator_id, f"{r.indicator_id}_{r.period.lower()}")
        assert r.source.startswith(src["url"]) and r.note == src["excerpt_zh"]


def test_every_target_is_quoted_and_decided(plan) -> None:
    rows = _source_rows()
    t = pd.read_csv(EXAMPLE / "targets.csv", dtype=str, keep_default_na=False)
    assert len(t) >= 10
    for r in t.itertuples(index=False):
        line = int(re.search(r"plan_outcomes\.csv line (\d+)", r.note).group(1))
        src = rows[line]
        assert src["role"] == "target" and src["indicator"] == r.indicator_id
        assert float(src["value"]) == float(r.threshold) and src["year"] == r.target_year
        assert r.quote_zh == src["excerpt_zh"]
    table = Assessor(plan, as_of=AS_OF).assess("baseline", n_sims=500)
    assert set(table["status"]) <= {"achieved", "missed"}
    # the in-year figures of the 2025 GDP target are there (Q1 +6.2 %, H1 +5.6 %)
    q = plan.observations
    q = q[(q["indicator_id"] == "gdp_growth") & (q["year"] == 2025)]
    assert dict(zip(q["period"], q["value"], strict=True)) == {"": 5.5, "Q1": 6.2, "H1": 5.6}


def test_example_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--plan", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "anhui_gov_work_report" in out and "illustrative 0" in out


def test_retrospective_uses_only_figures_known_then(plan, retro) -> None:
    decided = retro["target_id"].nunique()
    assert decided == len(plan.targets)  # every target of the example is decided
    assert set(retro["lag"]) == {1, 2, 3}
    gdp = retro[retro["target_id"] == "gdp_growth_2020"].set_index("lag")
    assert gdp["outcome"].eq(0).all() and gdp["outcome_value"].eq(3.9).all()
    assert list(gdp.loc[[3, 2, 1], "as_of_year"]) == [2017, 2018, 2019]
    # as of the end of 2019 the model had the whole-year figures up to 2018 only (no 2019 figure)
    model = Assessor(plan, as_of=2019).model("gdp_growth_2020")
    assert int(model.history.index.max()) == 2018
    assert 2020 not in Assessor(plan, as_of=2019).plan.observations["year"].to_list()
    # the same call again, computed independently
    row, _ = Assessor(plan, as_of=2019).assess_target("gdp_growth_2020", "baseline",
                                                      n_sims=1000, seed=0)
    assert gdp.loc[1, "prob_reach"] == pytest.approx(row["prob_reach"])
    assert gdp.loc[1, "status"] == row["status"]


def test_reliability_is_computed_from_the_rows(retro) -> None:
    rel = reliability(retro).set_index("lag")
    # scored: the calls with a trend P (a target too short to project shows the outside view's
    # P alone and is counted as without a projection)
    scored = retro[np.isfinite(retro["prob_reach"]) & np.isfinite(retro["prob_reach_trend"])]
    brier = float(((scored["prob_reach"] - scored["outcome"]) ** 2).mean())
    assert rel.loc["all", "brier"] == pytest.approx(brier)
    assert rel.loc["all", "no_projection"] == len(retro) - len(scored)
    assert rel.loc["all", "calls"] == len(scored)
    on = retro[retro["status"] == "on_track"]
    assert rel.loc["all", "on_track_calls"] == len(on)
    assert rel.loc["all", "on_track_met"] == int(on["outcome"].sum())
    assert 0 <= rel.loc["all", "brier"] <= 1 and not math.isnan(rel.loc["1", "brier"])


def _small_plan(folder: Path) -> Path:
    """A plan made with `qcplan new` and one target entered (docs/NEW_PLAN.md)."""
    assert main(["new", str(folder), "--title", "小规划", "--geography", "某区", "--id",
                 "small_plan"]) == 0
    from test_plan_folder import add_rows

    add_rows(folder, "pillars", {"pillar": "economy", "name_zh": "经济发展",
                                 "name_en": "Economy", "order": "1"})
    add_rows(folder, "indicators", {"indicator_id": "gdp", "name_zh": "地区生产总值",
                                    "name_en": "GDP", "unit": "亿元",
                                    "unit_en": "hundred million yuan",
                                    "measure": "amount"})
    add_rows(folder, "targets", {
        "target_id": "gdp_2030", "indicator_id": "gdp", "geography": "某区",
        "pillar": "economy", "name_zh": "地区生产总值1200亿元", "name_en": "GDP 120 bn",
        "unit": "亿元", "kind": "level", "direction": "at_least", "threshold": "1200",
        "period_start": "2025", "target_year": "2030"})
    add_rows(folder, "observations", *({
        "indicator_id": "gdp", "geography": "某区", "year": y, "value": v, "unit": "亿元",
        "status": "official", "source": "bulletin"} for y, v in (("2024", "893"),
                                                                  ("2025", "940"))))
    return folder


def test_several_plans_are_checked_before_any_work(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "reports"
    assert main(["run", "--plan", str(EXAMPLE), "--plan", str(EXAMPLE), "--out",
                 str(out)]) == 2
    assert "different ids" in capsys.readouterr().err
    assert main(["run", "--plan", str(EXAMPLE), "--plan", str(_small_plan(tmp_path / "s")),
                 "--pillars", "growth", "--out", str(out)]) == 2
    assert "--pillars" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.slow
def test_example_and_a_new_plan_in_one_run(tmp_path: Path) -> None:
    """The example runs end to end with the retrospective, beside a plan made by `qcplan new`."""
    out = tmp_path / "reports"
    small = _small_plan(tmp_path / "small")
    code = main(["run", "--plan", str(EXAMPLE), "--plan", str(small), "--scenarios",
                 "baseline", "--lang", "en", "--n-sims", "300", "--as-of", AS_OF,
                 "--out", str(out), "--quiet"])
    assert code == 0
    run = out / "latest"
    index = (run / "index.html").read_text(encoding="utf-8")
    assert 'id="plan-anhui_gov_work_report"' in index and 'id="plan-small_plan"' in index
    assert "安徽省政府工作报告" in index and "小规划" in index
    for href in re.findall(r'href="(plans/[^"#]+)"', index):
        assert (run / href).is_file(), href
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert [p["plan_id"] for p in manifest["plans"]] == ["anhui_gov_work_report", "small_plan"]
    assert all(p["status"] == "ok" for p in manifest["plans"])
    summary = pd.read_csv(run / "summary.csv", encoding="utf-8-sig")
    assert set(summary["plan_id"]) == {"anhui_gov_work_report", "small_plan"}
    example = run / manifest["plans"][0]["run_dir"]
    own = (example / "index.html").read_text(encoding="utf-8")
    assert "How well did the projections call it" in own and "Brier" in own
    growth = (example / "growth__baseline__en.html").read_text(encoding="utf-8")
    assert "How well did the projections call it" in growth and "missed" in growth
    assert "Said at the end of Y−3" in growth
    assert json.loads((example / "manifest.json").read_text(encoding="utf-8"))[
        "parameters"]["plan_id"] == "anhui_gov_work_report"
    # both plans' rows in the one history beside the run folders (not inside the run)
    from qcplan.batch.history import read_history

    history = read_history(out)
    assert set(history["plan_id"]) == {"anhui_gov_work_report", "small_plan"}
    assert not (run / "plans" / "small_plan" / "history.csv").exists()


def test_retrospective_builds_one_assessor_per_year(plan, monkeypatch) -> None:
    """The look-back assessments share one assessor per year (its fits and its view of the
    figures known then), instead of building one per target and year."""
    from qcplan.model import retrospect as module

    built: list = []
    real = module.Assessor

    class Counting(real):  # type: ignore[misc, valid-type]
        def __init__(self, *args, **kwargs):
            built.append(kwargs.get("as_of"))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(module, "Assessor", Counting)
    rows = module.retrospect(plan, as_of=AS_OF, n_sims=200)
    assert len(rows) > rows["as_of_year"].nunique()
    assert len(built) == 1 + rows["as_of_year"].nunique()
