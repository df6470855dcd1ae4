"""Written findings: every number in every finding is a value of the assessment table.

The numbers are parsed back out of the sentences (Arabic figures, and the years left written in
words) and each must equal, at the precision shown, a value of the target's row (or of its row
under another scenario); the key facts (P(reach), the latest year) must be there.
"""

from __future__ import annotations

import math
import re

import pandas as pd
import pytest

from qcplan.model.assess import Assessor
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render.narrative import Narrator
from qcplan.render.wording import number, percent, years_word

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
ZH_YEARS = re.compile(r"余下([一两三四五六七八九十])年")
EN_YEARS = re.compile(r"remaining (one|two|three|four|five|six|seven|eight|nine|ten) years?")
ZH_WORDS = "一两三四五六七八九十"
EN_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
FIELDS = ("latest_value", "latest_year", "target_year", "threshold", "threshold_high",
          "decision_threshold", "target_year_value", "projected_p10", "projected_median",
          "projected_p90", "required_rate", "observed_rate", "progress_ratio", "shift_pp",
          "n_points", "observed_from", "observed_total")


@pytest.fixture(scope="module")
def assessed():
    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    assessor = Assessor(plan)
    tables = {name: assessor.assess(sc, n_sims=1000, seed=0) for name, sc in scenarios.items()}
    return plan, scenarios, tables


@pytest.fixture(scope="module")
def assessed_late():
    """The shipped plan assessed after its target year: milestones overdue."""
    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    assessor = Assessor(plan, as_of="2028-03-01")
    tables = {name: assessor.assess(scenarios[name], n_sims=300, seed=0)
              for name in ("baseline", "pessimistic")}
    return plan, scenarios, tables


def _ok(v) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _allowed(row: pd.Series, others: list[pd.Series]) -> list[float]:
    """The values a finding may print for ``row`` (absolute values: words carry the sign)."""
    values = [abs(float(row[f])) for f in FIELDS if f in row and _ok(row[f])]
    if _ok(row.get("period_start")):
        values.append(float(row["period_start"]) + 1)
    if _ok(row.get("latest_year")):
        values.append(float(row["target_year"]) - float(row["latest_year"]))
    values.append(80.0)  # "80 % interval"
    probs = [row.get("prob_reach"), row.get("prob_reach_trend")] + [
        o.get("prob_reach") for o in others]
    if _ok(row.get("ref_n")):  # "(45项)": the reference class's size; its rate is said in 成
        values.append(float(row["ref_n"]))
    if _ok(row.get("ref_rate")):
        values.append(float(math.floor(10 * float(row["ref_rate"]) + 0.5)))  # "about 5 in 10"
        values.append(10.0)
    for p in probs:
        if _ok(p):
            r = math.floor(100 * float(p) + 0.5)
            values.append(float(min(max(r, 1), 99)))  # "below 1%", "above 99%"
    return values


def _strip_names(text: str, row: pd.Series, plan, narrator: Narrator, lang: str) -> str:
    names = [str(row["name_zh"]), str(row["name_en"]), narrator.subject(row, lang),
             narrator.subject(row, lang, lower=False), narrator.unit(row, lang)]
    for n in sorted(names, key=len, reverse=True):
        if n:
            text = text.replace(n, " ")
    return text


def _check(text: str, row: pd.Series, others: list[pd.Series], plan, narrator, lang) -> int:
    """Assert every number of ``text`` is one of the row's values; return how many there are."""
    values = _allowed(row, others)
    body = _strip_names(text, row, plan, narrator, lang)
    tokens = NUMBER.findall(body)
    for m in ZH_YEARS.finditer(body):
        tokens.append(str(ZH_WORDS.index(m.group(1)) + 1))
    for m in EN_YEARS.finditer(body):
        tokens.append(str(EN_WORDS.index(m.group(1)) + 1))
    assert tokens or row["kind"] == "milestone", text
    for tok in tokens:
        x = tok.replace(",", "")
        d = len(x.partition(".")[2])
        hit = any(f"{v:.{d}f}" == x for v in values)
        assert hit, f"{row['target_id']} ({row['scenario']}, {lang}): {tok!r} is no table value " \
                    f"in: {text}"
    return len(tokens)


@pytest.mark.parametrize("case", ["assessed", "assessed_late"])
def test_every_number_in_every_finding_is_the_tables(case, request):
    plan, scenarios, tables = request.getfixturevalue(case)
    narrator = Narrator(plan, scenarios)
    checked = numbers = 0
    for name, table in tables.items():
        others_by_id = {n: t.set_index("target_id") for n, t in tables.items() if n != name}
        for lang in ("zh", "en"):
            found = narrator.findings(table, lang, tables)
            for _, row in table.iterrows():
                tid = row["target_id"]
                others = [t.loc[tid] for t in others_by_id.values()]
                text = found[tid]
                assert text and "nan" not in text.lower().split(), (tid, text)
                numbers += _check(text, row, others, plan, narrator, lang)
                # the key facts are there
                if row["status"] in ("on_track", "needs_acceleration", "off_track",
                                     "moving_away"):
                    assert percent(row["prob_reach"], lang) in text, (tid, lang, text)
                if row["kind"] != "workpoint" and _ok(row["latest_year"]):
                    assert str(int(row["latest_year"])) in text, (tid, lang, text)
                if row.get("illustrative"):
                    assert ("示意" in text) if lang == "zh" else ("illustrative" in text), text
                checked += 1
    assert checked == 2 * len(tables) * len(plan.targets)
    assert numbers > 5 * checked  # the findings are full of figures, and all were checked


def test_the_issue_example_reads_as_an_official_document(assessed):
    plan, scenarios, tables = assessed
    row = tables["baseline"].set_index("target_id").loc["industrial_va_growth"]
    row = row.to_dict() | {"target_id": "industrial_va_growth"}
    text = Narrator(plan, scenarios).finding(row, "zh")
    left = int(row["target_year"]) - int(row["latest_year"])
    assert f"截至{int(row['latest_year'])}年" in text
    assert f"低于{number(row['threshold'], 'zh', '%')}%的目标要求" in text
    assert f"需在余下{years_word(left)}年均增长{number(row['required_rate'], 'zh', '%')}%方能实现" \
        in text
    assert text.endswith("。")
    # both views in words: the trend's, the reference class's record, the combined
    assert f"按当前趋势实现概率{percent(row['prob_reach_trend'])}" in text
    assert f"({int(row['ref_n'])}项)" in text and f"综合判断{percent(row['prob_reach'])}" in text


def test_a_changed_figure_changes_the_finding(assessed):
    """The test above would catch a wrong figure: a finding of an edited row fails it."""
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    row = tables["baseline"].set_index("target_id").loc["gdp_level"].copy()
    row["target_id"] = "gdp_level"
    text = narrator.finding(row.to_dict(), "en")
    edited = row.copy()
    edited["latest_value"] = row["latest_value"] + 12.3
    with pytest.raises(AssertionError):
        _check(text, edited, [], plan, narrator, "en")


@pytest.mark.parametrize("value, lang, unit, expected", [
    (19000, "en", "张", "19,000"), (19000, "zh", "张", "19000"), (3.0, "en", "人/千人", "3"),
    (2.789, "zh", "人/千人", "2.79"), (12.9358, "zh", "%", "12.9"), (850.1, "zh", "亿元", "850.1"),
    (-3.456, "en", "%", "3.5"), (0.5, "zh", "", "0.5"), (774.6, "zh", "家", "775"),
])
def test_number_format(value, lang, unit, expected):
    assert number(value, lang, unit) == expected


@pytest.mark.parametrize("p, zh, en", [
    (0.0, "不足1%", "below 1%"), (0.004, "不足1%", "below 1%"), (0.005, "约1%", "about 1%"),
    (0.5, "约50%", "about 50%"), (0.995, "超过99%", "above 99%"), (1.0, "超过99%", "above 99%"),
])
def test_percent_never_says_0_or_100(p, zh, en):
    assert percent(p, "zh") == zh and percent(p, "en") == en


def test_findings_vary_with_the_case(assessed):
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    base = tables["baseline"]
    found = narrator.findings(base, "zh", tables)
    by_status = base.groupby("status")["target_id"].first()
    words = {"achieved": "实现目标", "on_track": "按进度推进", "needs_acceleration": "需加快推进",
             "off_track": "进度偏离目标", "moving_away": "背离目标", "missed": "未能实现",
             "done": "已完成", "not_done": "尚未完成"}
    for status, word in words.items():
        if status in by_status.index:
            assert word in found[by_status[status]], (status, found[by_status[status]])


def test_the_anchor_grades_are_explained_only_where_they_differ(assessed):
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    base = tables["baseline"]
    found = narrator.findings(base, "en", tables)
    for _, row in base.iterrows():
        says = "Eurostat" in found[row["target_id"]]
        agree = (row["status"] in ("on_track", "achieved")
                 and row["eurostat_class"] in ("on_track", "met")
                 and row["review_grade"] in ("提前实现", "快于预期", "基本符合预期"))
        if agree:
            assert not says, found[row["target_id"]]


def test_pillar_paragraph_counts_and_risks(assessed):
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    base = tables["baseline"]
    for pillar in plan.pillars["pillar"]:
        sub = base[base["pillar"] == pillar]
        text = narrator.pillar_paragraph(sub, "zh")
        assert text.startswith(f"本领域共{len(sub)}项目标")
        for status, n in sub["status"].value_counts().items():
            from qcplan.render.i18n import status_label
            assert f"{status_label(status, 'zh')}{n}项" in text
        risk = narrator.at_risk(sub)
        for name in risk["name_zh"].head(3):
            assert name in text
        p = pd.to_numeric(risk["prob_reach"], errors="coerce").fillna(0).to_list()
        assert p == sorted(p)


def test_pillar_paragraph_says_what_changed(assessed):
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    sub = tables["baseline"][tables["baseline"]["pillar"] == "overall_strength"]
    tid = sub["target_id"].iloc[0]
    changes = pd.DataFrame({"target_id": [tid], "previous_status": ["off_track"],
                            "status": [sub["status"].iloc[0]]})
    text = narrator.pillar_paragraph(sub, "en", changes=changes)
    assert "Since the last run" in text and sub["name_en"].iloc[0] in text


def test_a_reduction_reads_as_a_fall(tmp_path):
    """单位GDP能耗累计降低: the finding speaks of falls in %, from the table's own numbers."""
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from test_assess import ENERGY, reduction, write_plan

    plan = load_plan(write_plan(tmp_path / "d", [reduction(18, target_year=2027)],
                                {("energy", "谯城区"): ENERGY}, {"energy": "rate"}))
    row = Assessor(plan, as_of=2026).assess("baseline", n_sims=2000).iloc[0].to_dict()
    zh, en = Narrator().finding(row, "zh", {}), Narrator().finding(row, "en", {})
    assert "累计下降" in zh and f"目标为累计下降{number(18, 'zh', '%')}%" in zh
    assert f"年均下降{number(row['observed_rate'], 'zh', '%')}%" in zh
    assert f"{number(row['projected_median'], 'en', '%')}%" in en and "fell by" in en
    assert Narrator().need(row, "zh").startswith("需年均下降")


def test_a_reduction_interval_keeps_the_sign_of_a_rise():
    """A cumulative fall whose 80 % interval reaches below zero (the intensity may rise) says so:
    the lower bound is written with its minus sign, not as a fall of the same size."""
    row = {"kind": "reduction", "target_year": 2030, "period_start": 2025, "threshold": 17.0,
           "projected_median": 10.1, "projected_p10": -18.4, "projected_p90": 33.0,
           "status": "off_track"}
    zh, en = Narrator()._projection(row, "zh"), Narrator()._projection(row, "en")
    assert "(80%区间−18.4%—33%)" in zh and "预计累计下降10.1%" in zh
    assert "(80% interval −18.4%–33%)" in en and "is 10.1%" in en
    row.update(projected_median=-2.0, projected_p10=-30.0, projected_p90=-0.01)
    en = Narrator()._projection(row, "en")
    assert "is −2%" in en and "(80% interval −30%–0%)" in en


def test_overdue_and_insufficient_data_findings(assessed_late):
    plan, scenarios, tables = assessed_late
    narrator = Narrator(plan, scenarios)
    base = tables["baseline"]
    overdue = base[base["status"] == "overdue"]
    assert not overdue.empty
    found = narrator.findings(overdue, "zh")
    assert all("已逾期" in text for text in found)
    row = base.iloc[0].to_dict() | {"status": "insufficient_data", "n_points": 1}
    for lang, word in (("zh", "仅有1个年度数据"), ("en", "1 yearly figure only")):
        text = narrator.finding(row, lang)
        assert word in text and "%" not in text


def test_plan_path_says_the_shift(assessed):
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    t = tables["plan"]
    row = t[t["status"] == "plan_path"].iloc[0]
    text = narrator.finding(row.to_dict(), "zh")
    assert "个百分点" in text and number(row["shift_pp"], "zh") in text and "沿达标路径" in text


def test_a_figure_published_as_a_bound_is_written_as_one(tmp_path):
    """超过60% stays 超过60% in the finding and the status table."""
    import sys
    from pathlib import Path

    from qcplan.render.status_table import status_table_html

    sys.path.insert(0, str(Path(__file__).parent))
    from test_assess import write_plan

    target = {"target_id": "s", "indicator_id": "urban", "kind": "share", "threshold": 65}
    plan = load_plan(write_plan(tmp_path / "d", [target],
                                {("urban", "谯城区"): {2022: 54.0, 2023: 56, 2024: 58,
                                                      2025: ">60"}}, {"urban": "share"}))
    table = Assessor(plan, as_of=2026).assess("baseline", n_sims=1000)
    row = table.iloc[0].to_dict()
    assert "超过60%" in Narrator().finding(row, "zh", {})
    assert "over 60%" in Narrator().finding(row, "en", {})
    assert "超过60.00 (2025)" in status_table_html(table, "zh")


def test_changes_frame_is_filtered_by_scenario_and_checked(assessed):
    plan, scenarios, tables = assessed
    narrator = Narrator(plan, scenarios)
    sub = tables["baseline"][tables["baseline"]["pillar"] == "overall_strength"]
    tid, status = sub["target_id"].iloc[0], sub["status"].iloc[0]
    other = "missed" if status != "missed" else "off_track"
    changes = pd.DataFrame({"target_id": [tid, tid], "scenario": ["baseline", "optimistic"],
                            "status_before": [status, other], "status_after": [status, status]})
    text = narrator.pillar_paragraph(sub, "zh", changes=changes)
    assert "各目标状态没有变化" in text  # the optimistic row is not this report's
    assert "与上次评估相比" not in narrator.pillar_paragraph(sub, "zh")
    with pytest.raises(ValueError, match="target_id, previous_status and status"):
        narrator.pillar_paragraph(sub, "zh", changes=pd.DataFrame({"target_id": [tid]}))
