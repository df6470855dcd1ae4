"""The yearly-targets example (谯城区 2025 main expected targets) and the 序时进度 view: every
figure traced to its source and excerpt; the year-to-date figures against the time-proportional
schedule, the full-year nowcast and what the remaining months must deliver; in-year figures as
they come (growth without a level, a level without growth, quarters and months, a revision)."""

from __future__ import annotations

import csv
import importlib.util
import math
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from qcplan.cli import main
from qcplan.model.assess import Assessor
from qcplan.model.nowcast import required_rest_rate, ytd_rate_only
from qcplan.model.schedule import has_schedule, schedule_rows
from qcplan.plan.load import load_plan
from qcplan.render.schedule import schedule_html

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "qiaocheng_2025_targets"
AS_OF = "2026-12-01"


def _build_module():
    path = EXAMPLE / "scripts" / "build_tables.py"
    spec = importlib.util.spec_from_file_location("qc_build_tables", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _csv_lines(name: str) -> dict[int, dict[str, str]]:
    with open(EXAMPLE / "sources" / name, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        out = {}
        for row in reader:
            out[reader.line_num] = row  # the line the record ends on
        return out


@pytest.fixture(scope="module")
def plan():
    return load_plan(EXAMPLE)


@pytest.fixture(scope="module")
def table(plan) -> pd.DataFrame:
    return Assessor(plan, as_of=AS_OF).assess("baseline", n_sims=4000)


# ------------------------------------------------------------------ the example's figures
def test_committed_tables_are_what_the_script_writes() -> None:
    mod = _build_module()
    for name, tab in mod.build().items():
        assert (EXAMPLE / f"{name}.csv").read_text(encoding="utf-8") == mod.render(tab), name


def test_sources_are_copies_of_the_shared_files() -> None:
    shared = REPO.parent / "shared" / "data"
    if not shared.is_dir():
        pytest.skip("the shared data folder is not beside the repository")
    for p in (EXAMPLE / "sources").iterdir():
        assert p.read_bytes() == (shared / p.name).read_bytes(), p.name


def test_every_observation_is_a_quoted_source_passage() -> None:
    figures = _csv_lines("real_figures_2026.csv")
    md = (EXAMPLE / "sources" / "public_sources_excerpts.md").read_text(
        encoding="utf-8").splitlines()
    obs = pd.read_csv(EXAMPLE / "observations.csv", dtype=str, keep_default_na=False)
    assert len(obs) >= 12
    for r in obs.itertuples(index=False):
        m = re.search(r"\(sources/(\S+) line (\d+)\)$", r.source)
        assert m, r.source
        name, line = m.group(1), int(m.group(2))
        if name == "real_figures_2026.csv":
            src = figures[line]
            assert r.note == src["excerpt"] and r.source.startswith(src["source_url"])
            assert float(src["value"]) == float(r.value) and src["year"] == r.year
            assert src["period"] == r.period
        else:
            assert name == "public_sources_excerpts.md" and r.note == md[line - 1]
            head = next(md[i] for i in range(line - 2, -1, -1) if md[i].startswith("## ["))
            assert r.source.split(" ")[0] in head
        assert r.value in r.note  # the figure is written in its excerpt


def test_every_target_is_quoted_with_its_units() -> None:
    rows = _csv_lines("real_targets_2026.csv")
    t = pd.read_csv(EXAMPLE / "targets.csv", dtype=str, keep_default_na=False)
    assert len(t) >= 10 and set(t["target_year"]) == {"2019", "2025"}
    for r in t.itertuples(index=False):
        line = int(re.search(r"real_targets_2026\.csv line (\d+)", r.note).group(1))
        src = rows[line]
        said = re.search(r"\(sentence of line (\d+)\)", r.note)
        assert r.quote_zh == (rows[int(said.group(1))] if said else src)["target_text"]
        assert float(src["threshold"]) == float(r.threshold) and src["target_year"] == r.target_year
        assert r.threshold in r.quote_zh or f"{float(r.threshold):g}" in r.quote_zh
        if r.target_year == "2025":
            assert r.responsible_units and src["responsible_units"].startswith(r.responsible_units)
            assert r.cooperating_units in src["responsible_units"]


def test_example_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--plan", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "qiaocheng_2025_targets" in out and "illustrative 0" in out


# ------------------------------------------------------------------ the 序时进度 view
def test_gdp_and_investment_against_the_schedule(plan, table) -> None:
    rows = schedule_rows(plan, table).set_index("target_id")
    gdp, fai = rows.loc["gdp_growth_2025"], rows.loc["fai_growth_2025"]
    # H1 GDP 307.6亿元 +5.3 % against 6.5 %; Jan-Sep investment +6.2 % against 7.5 %
    assert (gdp["months"], gdp["ytd_growth"], gdp["ytd_level"]) == (6, 5.3, 307.6)
    assert (fai["months"], fai["ytd_growth"], fai["ytd_level"]) == (9, 6.2, 120.7)
    assert not gdp["on_schedule"] and not fai["on_schedule"]
    assert gdp["gap"] == pytest.approx(5.3 - 6.5) and fai["time_progress"] == 0.75
    # what the rest of the year must deliver (time-proportional weights)
    assert gdp["required_rest"] == pytest.approx((6.5 - 0.5 * 5.3) / 0.5)
    assert fai["required_rest"] == pytest.approx((7.5 - 0.75 * 6.2) / 0.25)
    # the nowcast is the assessment's, resting on those months; the interval holds the median
    for r in (gdp, fai):
        assert r["method"] == "assessment"
        assert r["p10"] < r["median"] < r["p90"] and 0 < r["prob_reach"] < 0.5
    a = table.set_index("target_id")
    assert a.loc["gdp_growth_2025", "in_year_months"] == 6
    assert a.loc["gdp_growth_2025", "prob_reach"] == rows.loc["gdp_growth_2025", "prob_reach"]
    # a target with no in-year figure is listed as such; the level without growth is shown
    retail = rows.loc["retail_growth_2025"]
    assert retail["ytd_level"] == 94.4 and retail["note"] == "level_only"
    assert rows.loc["budget_revenue_growth_2025", "note"] == "no_figure"
    assert "gdp_growth_2019" not in rows.index  # 2019 has no in-year figures


def test_schedule_view_in_both_languages(plan, table) -> None:
    zh, en = schedule_html(plan, table, "zh"), schedule_html(plan, table, "en")
    for word in ("考核指标", "序时进度", "责任单位", "协同单位", "区发改委"):
        assert word in zh
    assert "1—6月增长5.3%(307.6亿元),低于全年目标6.5%1.2个百分点" in zh
    assert "其余6个月需增长7.7%左右" in zh and "其余3个月需增长11.4%左右" in zh
    assert "January–June 5.3% (307.6 hundred million yuan), 1.2 points below" in en
    assert "Responsible units" in en and "model estimate" in en
    assert has_schedule(plan) and not has_schedule(load_plan(REPO / "data"))


# ------------------------------------------------------------------ figures as they come
def test_ytd_rate_only_and_required_rest() -> None:
    assert ytd_rate_only([(6, 5.3)], 2025) is None  # one rate: no spread to measure
    assert ytd_rate_only([(3, 6.0), (12, 5.0)], 2025) is None  # the year is known
    nc = ytd_rate_only([(3, 6.2), (6, 5.3)], 2025)
    assert nc.method == "ytd_only" and nc.k == 6 and nc.predictive.loc == 5.3
    # sub-period rates 6.2 and 4.4: sd 1.27, half the year left
    assert nc.predictive.scale == pytest.approx(0.5 * math.sqrt(2) * 0.9, rel=1e-6)
    assert required_rest_rate(6.5, 5.3, 6) == pytest.approx(7.7)
    with pytest.raises(Exception, match="between 1 and 11"):
        required_rest_rate(6.5, 5.3, 12)


def _plan_with(tmp: Path, rows: list[dict[str, str]], name: str) -> Path:
    d = tmp / name
    shutil.copytree(EXAMPLE, d, ignore=shutil.ignore_patterns("scripts", "sources"))
    path = d / "observations.csv"
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        header, old = list(reader.fieldnames or []), list(reader)
    header += [c for r in rows for c in r if c not in header]
    header = list(dict.fromkeys(header))
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, header, restval="")
        w.writeheader()
        w.writerows(old + rows)
    return d


def _fig(ind: str, year: int, period: str, measure: str, value: float, received: str,
         status: str = "preliminary") -> dict[str, str]:
    return {"indicator_id": ind, "geography": "谯城区(不含高新区)", "year": str(year),
            "period": period, "measure": measure, "value": f"{value:g}",
            "unit": "%" if measure == "ytd_growth" or ind.endswith("_growth") else "亿元",
            "status": status,
            "source": "test", "note": "test figure", "received": received}


def _probs_month_by_month(plan, months) -> list[float]:
    out = []
    for m in months:
        a = Assessor(plan, as_of=f"2025-{m + 1:02d}-20")
        row = a.assess("baseline", n_sims=4000, targets=["industry_va_growth_2025"]).iloc[0]
        assert row["in_year_months"] == m
        out.append(float(row["prob_reach"]))
    return out


def _same_direction(path: list[float], probs: list[float]) -> None:
    for i in range(1, len(path)):
        rate_move, prob_move = path[i] - path[i - 1], probs[i] - probs[i - 1]
        assert math.copysign(1, rate_move) == math.copysign(1, prob_move), (i, path, probs)


PATH = [9.0, 9.4, 9.9, 10.3, 10.8, 10.6, 10.1, 9.6, 9.3, 9.0]  # Feb..Nov: up, then down


def _monthly(year: int, path: list[float], received_year: int | None = None,
             status: str = "preliminary") -> list[dict[str, str]]:
    ry = received_year or year
    return [_fig("industry_va_growth", year, f"M{m:02d}", "ytd_growth", r,
                 f"{ry}-{m + 1:02d}-15", status) for m, r in zip(range(2, 12), path, strict=True)]


def test_a_year_played_month_by_month(tmp_path: Path) -> None:
    """Industrial growth (target 10 %) arrives month by month, February to November, with the
    same months of three earlier years known (the nowcast's usual difference between the
    year-to-date and the year's rate): as of each month's release, P(reach) moves the way the
    year-to-date rate moves. A preliminary figure revised up raises it; the figures known
    before the revision give the earlier answer."""
    earlier = []
    for year, final in ((2022, 7.0), (2023, 6.5)):
        earlier.append(_fig("industry_va_growth", year, "", "", final, f"{year + 1}-01-20",
                            "official"))
    for year, final, offset in ((2022, 7.0, 0.2), (2023, 6.5, -0.1), (2024, 8.0, 0.1)):
        earlier += _monthly(year, [final + offset + 0.05 * (m % 3) for m in range(2, 12)])
    rows = earlier + _monthly(2025, PATH)
    plan = load_plan(_plan_with(tmp_path, rows, "monthly"))
    probs = _probs_month_by_month(plan, range(2, 12))
    nc = Assessor(plan, as_of="2025-12-20").model("industry_va_growth_2025").fitted.nowcast
    assert nc.method == "ytd_growth" and nc.n_years == 3
    _same_direction(PATH, probs)
    assert probs[PATH.index(max(PATH))] == max(probs) and max(probs) > 0.5 > probs[-1]
    # the same month first preliminary, then revised up: a new vintage, P(reach) rises
    revised = load_plan(_plan_with(tmp_path, rows + [_fig(
        "industry_va_growth", 2025, "M11", "ytd_growth", 9.8, "2025-12-20", "official")],
        "revised"))
    before, after = (Assessor(revised, as_of=day).assess(
        "baseline", n_sims=4000, targets=["industry_va_growth_2025"]).iloc[0]
        for day in ("2025-12-16", "2025-12-21"))
    assert before["prob_reach"] == pytest.approx(probs[-1])
    assert after["prob_reach"] > before["prob_reach"]


def test_month_by_month_with_no_earlier_year(tmp_path: Path) -> None:
    """The example's own case: no earlier year's months, one yearly rate (2024). From the
    second release on the nowcast rests on this year's rates alone (ytd_only), and P(reach)
    still moves the way the year-to-date rate moves."""
    plan = load_plan(_plan_with(tmp_path, _monthly(2025, PATH), "thin"))
    probs = _probs_month_by_month(plan, range(3, 12))
    nc = Assessor(plan, as_of="2025-12-20").model("industry_va_growth_2025").fitted.nowcast
    assert nc.method == "ytd_only"
    _same_direction(PATH[1:], probs)


def test_quarters_for_one_indicator_months_for_another_and_a_level_without_growth(
        tmp_path: Path) -> None:
    """GDP in quarters, investment in months, retail as a level only: the schedule takes each;
    a level whose same months of the year before are known gives its growth."""
    rows = [_fig("fai_growth", 2025, "M10", "ytd_growth", 7.9, "2025-11-15"),
            _fig("gdp_growth", 2025, "Q3", "ytd_growth", 6.6, "2025-10-25"),
            _fig("retail", 2024, "Q1", "ytd", 88.0, "2024-04-20"),
            _fig("retail", 2025, "Q3", "ytd", 300.0, "2025-10-20")]
    plan = load_plan(_plan_with(tmp_path, rows, "mixed"))
    table = Assessor(plan, as_of="2025-11-20").assess("baseline", n_sims=4000)
    s = schedule_rows(plan, table).set_index("target_id")
    assert (s.loc["gdp_growth_2025", "period"], s.loc["gdp_growth_2025", "months"]) == ("Q3", 9)
    assert s.loc["gdp_growth_2025", "on_schedule"] and s.loc["gdp_growth_2025", "gap"] > 0
    assert (s.loc["fai_growth_2025", "period"], s.loc["fai_growth_2025", "months"]) == ("M10", 10)
    assert s.loc["fai_growth_2025", "on_schedule"]
    # retail Q1 2025 94.4 against Q1 2024 88.0: growth computed; Q3 has no year-earlier level
    r = s.loc["retail_growth_2025"]
    assert r["note"] == "derived_growth" and r["months"] == 3
    assert r["ytd_growth"] == pytest.approx((94.4 / 88.0 - 1) * 100)
    assert "序时进度" in schedule_html(plan, table, "zh")


def test_schedule_in_the_word_document(plan, table, tmp_path: Path) -> None:
    """The pillar's Word document carries the 序时进度 table and its sentences."""
    import docx

    from qcplan.render import documents
    from qcplan.render.narrative import Narrator

    growth = table[table["pillar"] == "growth"].reset_index(drop=True)
    prow = {"pillar": "growth", **plan.pillars.set_index("pillar").loc["growth"].to_dict()}
    section = documents._section(plan, growth, prow, "zh", [], Narrator(plan, {}), {}, None, 1)
    assert section.schedule is not None and section.schedule.heads[0] == "考核指标"
    assert any("其余6个月需增长7.7%左右" in s for s in section.schedule_notes)
    spec = documents.DocumentSpec(lang="zh", plan_title="t", subtitle="s", scenario="基准",
                                  vintage="v", produced="p", illustrative=False,
                                  sections=[section])
    path = tmp_path / "growth.docx"
    documents.write_document(path, spec)
    text = "\n".join(p.text for p in docx.Document(path).paragraphs)
    assert "序时进度" in text and "1—6月增长5.3%" in text


def test_several_plans_pass_formats_on(monkeypatch) -> None:
    """`qcplan run --plan A --plan B --formats html,docx` asks each plan's run for the Word
    documents too (the option was dropped with several plans)."""
    from qcplan.batch import plans

    seen: dict = {}

    class Result:
        exit_code = 0

    def fake(dirs, **kwargs):
        seen.update(kwargs, dirs=list(dirs))
        return Result()

    monkeypatch.setattr(plans, "run_plans", fake)
    assert main(["run", "--plan", str(REPO / "data"), "--plan", str(EXAMPLE), "--formats",
                 "html,docx", "--out", "unused"]) == 0
    assert len(seen["dirs"]) == 2 and "docx" in str(seen["formats"])
