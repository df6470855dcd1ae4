"""The what-if workbench (``qcplan.explore``): its callbacks, goal seek, saving, and the notebook.

Everything runs without a browser: the widget callbacks are plain methods of ``Workbench``;
``build_ui`` is exercised by setting widget values directly. Scenario files are only ever written
into a temporary copy of ``params/``.
"""

from __future__ import annotations

import io
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from qcplan.explore import build_ui  # noqa: E402
from qcplan.explore.goal_seek import GoalSeek  # noqa: E402
from qcplan.explore.workbench import Workbench  # noqa: E402
from qcplan.model.assess import Assessor  # noqa: E402
from qcplan.model.scenarios import ScenarioError, load_scenarios  # noqa: E402
from qcplan.plan.load import load_plan  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "explore.ipynb"
N = 4_000


@pytest.fixture(scope="module")
def plan():
    return load_plan()


@pytest.fixture(scope="module")
def assessor(plan):
    """One assessor for the module: fits are cached across tests, as in the workbench."""
    return Assessor(plan)


@pytest.fixture
def params(tmp_path: Path) -> Path:
    """An empty, writable folder of extra scenarios (tests never write into the repository)."""
    dest = tmp_path / "params"
    (dest / "scenarios").mkdir(parents=True)
    return dest


@pytest.fixture
def wb(plan, assessor, params) -> Workbench:
    return Workbench(plan, params_dir=params, assessor=assessor, n_sims=N, seed=0)


# --------------------------------------------------------------------------- choosing
def test_select_pillar_lists_only_its_non_milestone_targets(wb: Workbench, plan) -> None:
    t = plan.targets.set_index("target_id")
    for _, pillar in wb.pillars():
        ids = wb.select_pillar(pillar)
        assert ids == wb.targets()
        assert all(t.loc[i, "pillar"] == pillar for i in ids)
        assert all(t.loc[i, "kind"] != "milestone" for i in ids)
        expected = t[(t["pillar"] == pillar) & (t["kind"] != "milestone")].index.tolist()
        assert sorted(ids) == sorted(expected)
        if ids:
            assert wb.target_id in ids
    wb.select_pillar("industry")
    assert "national_dev_zone" not in wb.targets()          # a milestone of that pillar
    assert [v for _, v in wb.target_options()] == wb.targets()


def test_select_target_switches_pillar_and_refuses_milestones(wb: Workbench) -> None:
    wb.select_pillar("overall_strength")
    wb.select_target("industrial_va_growth")
    assert wb.pillar == "industry"
    with pytest.raises(ValueError, match="milestone"):
        wb.select_target("national_dev_zone")
    with pytest.raises(ValueError, match="unknown target"):
        wb.select_target("no_such_target")
    with pytest.raises(ValueError, match="pillar"):
        wb.select_pillar("no_such_pillar")


def test_controls_refuse_values_a_scenario_file_would_refuse(wb: Workbench) -> None:
    with pytest.raises(ValueError):
        wb.set_shift(60)
    with pytest.raises(ValueError):
        wb.set_shock(2026, -95)
    with pytest.raises(ValueError):
        wb.set_scale(-1)
    with pytest.raises(ValueError):
        wb.set_method("magic")
    with pytest.raises(ValueError):
        wb.set_scenario("no_such_scenario")


# --------------------------------------------------------------------------- the controls
@pytest.mark.parametrize("target", ["gdp_level", "industrial_va_growth", "specialized_smes"])
def test_positive_shift_raises_prob_and_median(wb: Workbench, target: str) -> None:
    wb.select_target(target)
    before = wb.current()
    wb.set_shift(2.0)
    after = wb.current()
    assert after.prob_reach > before.prob_reach
    assert after.median > before.median
    assert after.shift_pp == pytest.approx(before.shift_pp + 2.0)
    assert after.implied_rate > before.implied_rate
    assert after.required_rate == pytest.approx(before.required_rate)   # from the data alone


def test_status_class_follows_the_reports_thresholds(wb: Workbench) -> None:
    wb.select_target("industrial_va_growth")
    r = wb.current()
    expected = ("needs_acceleration",) if 0.5 <= r.prob_reach < 0.8 else (
        ("off_track", "moving_away") if r.prob_reach < 0.5 else ("on_track",))
    assert r.prob_reach < 0.8 and r.status in expected
    wb.set_shift(10.0)
    r = wb.current()
    assert r.prob_reach >= 0.8 and r.status == "on_track"


def test_negative_shock_in_a_future_year_lowers_the_median(wb: Workbench) -> None:
    wb.select_target("gdp_level")
    years = wb.shock_years()
    assert years and years[0] > wb.model().latest_year
    before = wb.current()
    wb.set_shock(years[0], -5.0)
    after = wb.current()
    assert after.median < before.median
    assert after.prob_reach <= before.prob_reach
    # a shock in an observed year has no effect (the engine ignores it)
    wb.set_shock(wb.model().latest_year, -5.0)
    assert wb.current().median == pytest.approx(before.median)


def test_larger_uncertainty_scale_widens_the_interval(wb: Workbench) -> None:
    wb.select_target("gdp_level")
    narrow = wb.current()
    wb.set_scale(2.0)
    wide = wb.current()
    assert wide.p90 - wide.p10 > 1.5 * (narrow.p90 - narrow.p10)


def test_changing_method_changes_the_method_reported(wb: Workbench) -> None:
    wb.select_target("gdp_level")
    assert wb.current().method.startswith("auto")
    wb.set_method("linear")
    assert wb.current().method == "linear"
    wb.set_method("cagr")
    assert wb.current().method == "cagr"


def test_scenario_adds_to_the_controls_and_resets_the_method(wb: Workbench) -> None:
    wb.select_target("gdp_level")
    base = wb.current()
    wb.set_method("linear")
    wb.set_scenario("optimistic")
    assert wb.method == "auto"                 # the scenario's own method
    opt = wb.current()
    assert opt.shift_pp == pytest.approx(1.5)   # all + overall_strength
    wb.set_shift(1.0)
    assert wb.current().shift_pp == pytest.approx(2.5)
    assert opt.prob_reach > base.prob_reach


def test_matches_the_reports_row(wb: Workbench, assessor: Assessor) -> None:
    """With no controls the workbench shows exactly the reports' numbers."""
    wb.set_scenario("pessimistic")
    wb.select_target("sei_output_share")
    row, _ = assessor.assess_target("sei_output_share", wb.scenario, N, 0, "auto")
    r = wb.current()
    assert r.prob_reach == row["prob_reach"] and r.status == row["status"]
    assert r.median == row["projected_median"]


# --------------------------------------------------------------------------- goal seek
@pytest.mark.parametrize("target,p", [("industrial_va_growth", 0.8), ("gdp_per_capita_gap", 0.8),
                                      ("sei_output_share", 0.5), ("gdp_level", 0.95)])
def test_goal_seek_gives_a_shift_whose_prob_is_p(wb: Workbench, target: str, p: float) -> None:
    wb.select_target(target)
    wb.set_shift(1.0)                            # the seek is about the control, from anywhere
    gs = wb.goal_seek(p)
    assert gs.outcome == "ok"
    assert gs.extra_pp == pytest.approx(gs.control_shift - 1.0)
    assert gs.prob_reach == pytest.approx(p, abs=0.03)
    wb.set_shift(gs.control_shift)
    assert wb.current().prob_reach == pytest.approx(p, abs=0.03)
    assert "pp" in gs.text("en") and "百分点" in gs.text("zh")


def test_goal_seek_on_top_of_a_scenario(wb: Workbench) -> None:
    wb.set_scenario("optimistic")
    wb.select_target("industrial_va_growth")
    gs = wb.goal_seek(0.8)
    assert gs.shift_pp == pytest.approx(gs.control_shift + 1.5)
    wb.set_shift(gs.control_shift)
    assert wb.current().prob_reach == pytest.approx(0.8, abs=0.03)


def test_goal_seek_of_a_decided_target_is_a_dash(wb: Workbench) -> None:
    wb.select_target("pharma_output_growth_2024")            # a 2024 work point, observed
    gs = wb.goal_seek(0.8)
    assert gs.outcome == "decided" and math.isnan(gs.control_shift)
    assert gs.text("en").startswith("—")
    with pytest.raises(ValueError):
        wb.goal_seek(1.0)


def test_pillar_table_sorted_by_effort_with_decided_last(wb: Workbench) -> None:
    wb.select_pillar("industry")
    table = wb.pillar_goal_table(0.8)
    assert sorted(table["target_id"]) == sorted(wb.targets())
    decided = table["outcome"] == "decided"
    assert decided.any() and (~decided).any()
    first_decided = int(decided.to_numpy().argmax())
    assert decided.iloc[first_decided:].all()                # decided targets last
    assert (table.loc[decided, "needed"] == "—").all()
    assert table.loc[decided, "status"].isin(["achieved", "missed"]).all()
    effort = table.loc[~decided, "shift_pp"].tolist()
    assert effort == sorted(effort, reverse=True)            # largest effort first
    # every found shift gives P ≈ p
    for _, r in table[table["outcome"] == "ok"].head(3).iterrows():
        gs = wb.goal_seek(0.8, r["target_id"])
        assert gs.control_shift == pytest.approx(r["shift_pp"])
        assert gs.prob_reach == pytest.approx(0.8, abs=0.03)


def test_pillar_table_says_when_p_cannot_be_reached(wb: Workbench) -> None:
    wb.select_pillar("public_services")
    table = wb.pillar_goal_table(0.95)
    unreachable = table[table["outcome"] == "unreachable"]
    assert len(unreachable)
    assert (unreachable["needed"] == "> +40").all()
    n = len(unreachable)
    assert (table["outcome"].iloc[:n] == "unreachable").all()  # the most effort: on top
    assert table["outcome"].iloc[-1] == "decided"
    html = wb.goal_table_html(table)
    assert "&gt; +40" in html and "qc-goal-table" in html


# --------------------------------------------------------------------------- saving
def _scenario_files(params: Path) -> list[str]:
    return sorted(p.name for p in (params / "scenarios").iterdir())


def test_save_as_scenario_round_trips(wb: Workbench, plan, params: Path) -> None:
    wb.set_scenario("pessimistic")
    wb.select_target("industrial_va_growth")
    wb.set_shift(2.5)
    wb.set_shock(wb.shock_years()[-1], -4.0)
    wb.set_scale(1.5)
    shown = wb.current()
    path = wb.save_as_scenario("industry_push", label_en="Industry push")
    assert path == params / "scenarios" / "industry_push.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["name"] == "industry_push" and data["mode"] == "projection"
    assert data["assumptions"][-1] == {
        "scope": "target:industrial_va_growth", "growth_shift_pp": 2.5,
        "shocks": {wb.shock_years()[-1]: -4.0}, "uncertainty_scale": 1.5}
    assert data["label_en"] == "Industry push" and data["label_zh"]
    assert "industrial_va_growth" in data["description_en"]

    loaded = load_scenarios(params, plan)                   # valid, with the plan's scopes
    scen = loaded["industry_push"]
    assert scen.assumptions[:-1] == loaded["pessimistic"].assumptions
    row = plan.targets.set_index("target_id").loc["industrial_va_growth"]
    adj = scen.adjustment("industrial_va_growth", row["indicator_id"], row["pillar"])
    assert adj == wb.adjustment()
    # the same numbers as a report of the saved scenario
    fresh = Assessor(plan)
    out, _ = fresh.assess_target("industrial_va_growth", scen, N, 0, scen.method)
    assert out["prob_reach"] == shown.prob_reach and out["projected_median"] == shown.median
    assert out["status"] == shown.status
    # other targets are untouched by the control assumption
    other = plan.targets.set_index("target_id").loc["hightech_mfg_va_growth"]
    assert scen.adjustment("hightech_mfg_va_growth", other["indicator_id"], other["pillar"]) == \
        loaded["pessimistic"].adjustment("hightech_mfg_va_growth", other["indicator_id"],
                                         other["pillar"])
    assert "industry_push" in wb.scenarios                     # listed at once


def test_save_keeps_a_non_default_method(wb: Workbench, plan, params: Path) -> None:
    wb.select_target("gdp_level")
    wb.set_method("linear")
    wb.save_as_scenario("gdp_linear")
    scen = load_scenarios(params, plan)["gdp_linear"]
    assert scen.method == "linear" and scen.assumptions == ()


@pytest.mark.parametrize("name,expected", [
    ("baseline", "shipped"), ("plan", "shipped"), ("../x", "safe id"), ("Bad Name", "safe id"),
    ("", "safe id"),
])
def test_save_refuses_bad_names(wb: Workbench, params: Path, name: str, expected: str) -> None:
    before = _scenario_files(params)
    wb.set_shift(1.0)
    with pytest.raises(ScenarioError, match=expected):
        wb.save_as_scenario(name)
    assert _scenario_files(params) == before
    assert not (params / "x.yaml").exists() and not (params.parent / "x.yaml").exists()


def test_save_refuses_an_existing_name(wb: Workbench, params: Path) -> None:
    wb.set_shift(1.0)
    path = wb.save_as_scenario("mine")
    text = path.read_text(encoding="utf-8")
    wb.set_shift(3.0)
    with pytest.raises(ScenarioError, match="exists"):
        wb.save_as_scenario("mine")
    assert path.read_text(encoding="utf-8") == text


# --------------------------------------------------------------------------- chart and widgets
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_figure_draws_without_glyph_warnings(plan, assessor, params: Path, lang: str) -> None:
    wb = Workbench(plan, params_dir=params, assessor=assessor, n_sims=N, lang=lang)
    for target in ("gdp_level", "gdp_per_capita_gap", "industrial_va_growth", "greening_area"):
        wb.select_target(target)
        wb.set_shift(1.0)
        fig = wb.figure()          # UserWarnings from matplotlib are errors (pyproject)
        try:
            buf = io.BytesIO()
            fig.savefig(buf, format="png")
            ax = fig.axes[0]
            assert ax.get_title(loc="left") == wb.target_name()
            labels = [t.get_text() for t in ax.get_legend().get_texts()]
            assert any(("Baseline" in s) or ("基准" in s) for s in labels)   # reference median
        finally:
            plt.close(fig)
    assert wb.figure_png()[:8] == b"\x89PNG\r\n\x1a\n"


def test_ui_callbacks_update_the_readout(plan, assessor, params: Path) -> None:
    wb = Workbench(plan, params_dir=params, assessor=assessor, n_sims=N, lang="en")
    root = build_ui(wb)
    ui = root.ui
    assert ui.chart.value[:4] == b"\x89PNG"
    before = ui.reading.value
    assert "qc-prob" in before and f"{wb.current().prob_reach:.2f}" in before
    ui.shift.value = 2.0
    assert wb.controls.shift == 2.0 and ui.reading.value != before
    # pillar → target list; scenario → method
    ui.pillar.value = "industry"
    assert [v for _, v in ui.target.options] == wb.targets() and ui.target.value == wb.target_id
    ui.method.value = "linear"
    ui.scenario.value = "optimistic"
    assert ui.method.value == "auto" and wb.scenario_name == "optimistic"
    # goal seek and apply
    ui.p_goal.value = 0.8
    ui.seek.click()
    assert "P(reach) ≥ 0.80" in ui.seek_out.value and not ui.apply.disabled
    ui.apply.click()
    assert wb.current().prob_reach == pytest.approx(0.8, abs=0.05)
    ui.table_button.click()
    assert "qc-goal-table" in ui.table_out.value
    # saving: errors are shown, not raised
    ui.save_name.value = "Bad Name"
    ui.save.click()
    assert "qc-error" in ui.save_out.value and "safe id" in ui.save_out.value
    ui.save_name.value = "baseline"
    ui.save.click()
    assert "shipped" in ui.save_out.value
    ui.save_name.value = "from_widget"
    ui.save.click()
    assert "qc-saved" in ui.save_out.value and "from_widget" in ui.save_out.value
    assert (params / "scenarios" / "from_widget.yaml").is_file()
    assert "from_widget" in [v for _, v in ui.scenario.options]
    ui.reset.click()
    assert wb.controls.is_identity and ui.shift.value == 0.0


def test_summary_line_is_deterministic(plan, params: Path) -> None:
    a = Workbench(plan, params_dir=params, n_sims=N, seed=0).summary_line(0.8)
    b = Workbench(plan, params_dir=params, n_sims=N, seed=0).summary_line(0.8)
    assert a == b and a.startswith("gdp_level [baseline")


def test_goal_seek_record_text() -> None:
    assert "40" in GoalSeek("x", 0.9, "unreachable").text("en")
    assert "−40" in GoalSeek("x", 0.1, "always").text("en")


# --------------------------------------------------------------------------- the notebook
def test_notebook_has_parameters_and_one_checked_cell() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    params = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(params) == 1
    src = "".join(params[0]["source"])
    for name in ("pillar", "target", "scenario", "lang", "seed"):
        assert f"\n{name} = " in "\n" + src
    checked = [c for c in code if "".join(c["source"]).startswith("# NBVAL_CHECK_OUTPUT")]
    assert len(checked) == 1 and checked[0]["outputs"]
    others = [c for c in code if c is not checked[0]]
    assert all(not c["outputs"] and c.get("execution_count") is None for c in others)


def test_reading_states_both_views_of_p_reach(wb: Workbench) -> None:
    row = wb.row()
    html = wb.reading_html()
    if str(row.get("ref_class") or ""):
        assert ("两种视角" in html or "Both views" in html) and "按当前趋势实现概率" in html
    assert wb.current().prob_reach == pytest.approx(float(row["prob_reach"]))
