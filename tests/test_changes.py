"""What changed since the last run (qcplan.render.changes): statuses, P(reach), figures."""

from __future__ import annotations

import pandas as pd

from qcplan.render.changes import (
    CHANGE_COLUMNS,
    compare_runs,
    figure_snapshot,
    read_previous,
    render_changes_html,
)


def _summary(rows):
    return pd.DataFrame(rows, columns=["scenario", "target_id", "pillar", "indicator_id",
                                       "geography", "status", "prob_reach"])


def _obs(rows):
    return pd.DataFrame(rows, columns=["indicator_id", "geography", "year", "period", "value",
                                       "unit", "status", "reporting_unit", "file"])


BEFORE = _summary([
    ("baseline", "gdp_2027", "overall", "gdp", "谯城区", "on_track", 0.85),
    ("baseline", "jobs_2027", "industry", "jobs", "谯城区", "off_track", 0.30),
    ("baseline", "parks_2027", "green", "parks", "谯城区", "on_track", 0.90),
])
FIG_BEFORE = _obs([
    ("gdp", "谯城区", 2024, "", 800.0, "亿元", "official", "", ""),
    ("gdp", "谯城区", 2025, "", 840.0, "亿元", "illustrative", "", ""),
    ("jobs", "谯城区", 2025, "", 12.0, "万人", "preliminary", "区人社局", "a.xlsx"),
])


def test_first_run_says_so():
    ch = compare_runs(None, None, BEFORE, figure_snapshot(FIG_BEFORE))
    assert ch.first_run and ch.table.empty
    assert ch.manifest()["first_run"] is True
    assert "first run" in ch.log_lines()[0]
    assert "首次运行" in render_changes_html(ch)


def test_status_prob_and_figures():
    after = _summary([
        ("baseline", "gdp_2027", "overall", "gdp", "谯城区", "needs_acceleration", 0.70),
        ("baseline", "jobs_2027", "industry", "jobs", "谯城区", "off_track", 0.35),
        ("baseline", "parks_2027", "green", "parks", "谯城区", "on_track", 0.99),
    ])
    fig_after = _obs([
        ("gdp", "谯城区", 2024, "", 800.0, "亿元", "official", "", ""),
        ("gdp", "谯城区", 2025, "", 851.2, "亿元", "preliminary", "区统计局", "tj.xlsx"),
        ("jobs", "谯城区", 2025, "", 12.5, "万人", "official", "区人社局", "b.xlsx"),
        ("jobs", "谯城区", 2026, "Q1", 3.1, "万人", "preliminary", "区人社局", "b.xlsx"),
    ])
    prev = (BEFORE, figure_snapshot(FIG_BEFORE))
    ch = compare_runs("20260101T000000-aaaa", prev, after, figure_snapshot(fig_after))
    t = ch.table
    assert list(t.columns) == list(CHANGE_COLUMNS)
    status = t[t.change == "status"]
    assert status[["target_id", "before", "after"]].values.tolist() == [
        ["gdp_2027", "on_track", "needs_acceleration"]]
    prob = t[t.change == "prob_reach"]
    # gdp moved 15 points; parks 9 points (not reported); jobs 5 points (not reported)
    assert prob["target_id"].tolist() == ["gdp_2027"]
    new = t[t.change == "new_figure"]
    # the real 2025 GDP replaces an illustrative one; the Q1 jobs figure is new
    assert sorted(zip(new.indicator_id, new.year.astype(str), new.period)) == [
        ("gdp", "2025", ""), ("jobs", "2026", "Q1")]
    assert "(illustrative)" in new[new.indicator_id == "gdp"]["before"].iloc[0]
    revised = t[t.change == "revised_figure"]
    assert revised[["indicator_id", "reporting_unit", "file"]].values.tolist() == [
        ["jobs", "区人社局", "b.xlsx"]]
    assert ch.counts() == {"status": 1, "prob_reach": 1, "new_figure": 2, "revised_figure": 1}
    assert ch.status_frame("baseline").values.tolist() == [
        ["gdp_2027", "on_track", "needs_acceleration"]]
    assert ch.status_frame("pessimistic").empty
    page = render_changes_html(ch, report_links={("overall", "baseline"): "r/overall.html"})
    assert 'href="r/overall.html#target-gdp_2027"' in page and "b.xlsx" in page


def test_unchanged_run_reports_no_change():
    prev = (BEFORE, figure_snapshot(FIG_BEFORE))
    ch = compare_runs("r1", prev, BEFORE, figure_snapshot(FIG_BEFORE))
    assert not ch.first_run and ch.table.empty
    assert "No changes" in render_changes_html(ch)


def test_previous_run_without_snapshot_compares_statuses_only(tmp_path):
    BEFORE.to_csv(tmp_path / "summary.csv", index=False, encoding="utf-8-sig")
    prev = read_previous(tmp_path)
    assert prev is not None and prev[1] is None
    ch = compare_runs("old", prev, BEFORE.assign(status="missed"), figure_snapshot(FIG_BEFORE))
    assert not ch.figures_compared
    assert set(ch.table.change) == {"status"}
    assert any("figures not compared" in line for line in ch.log_lines())


def test_read_previous_round_trip(tmp_path):
    assert read_previous(None) is None and read_previous(tmp_path) is None
    BEFORE.to_csv(tmp_path / "summary.csv", index=False, encoding="utf-8-sig")
    figure_snapshot(FIG_BEFORE).to_csv(tmp_path / "figures.csv", index=False,
                                       encoding="utf-8-sig")
    prev = read_previous(tmp_path)
    ch = compare_runs("r1", prev, BEFORE, figure_snapshot(FIG_BEFORE))
    assert ch.table.empty  # a snapshot read back from CSV compares equal to itself


def test_hostile_text_is_escaped():
    after = BEFORE.assign(target_id=BEFORE.target_id)
    after.loc[0, "status"] = "<script>x</script>"
    ch = compare_runs("r<1>", (BEFORE, None), after, figure_snapshot(FIG_BEFORE))
    page = render_changes_html(ch)
    assert "<script>" not in page and "&lt;script&gt;" in page
