"""A plan is a folder: plan.yaml beside the tables; nothing of a particular plan in the package."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from qcplan.cli import main
from qcplan.errors import DataError
from qcplan.model.scenarios import GENERIC_DIR, ScenarioError, load_scenarios
from qcplan.plan.load import load_plan
from qcplan.plan.meta import choose_plan_dir, read_plan_info, shipped_example_dir

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "qcplan"


def _plan_words() -> list[str]:
    """Names and years of the shipped plan, read from its plan.yaml (plus the district's names)."""
    info = yaml.safe_load((REPO / "data" / "plan.yaml").read_text(encoding="utf-8"))
    years = {info["period_start"], info["period_end"], info["base_year"],
             *info["workpoint_years"]}
    return ["谯城", "Qiaocheng", "亳州", "Bozhou", *(str(y) for y in sorted(years))]


def test_no_plan_specific_string_in_the_package() -> None:
    words = _plan_words()
    assert "2027" in words and "2024" in words  # the test reads the real plan
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix not in (".py", ".j2", ".yaml", ".html", ".css") or not path.is_file():
            continue
        if "example_plan" in path.parts or "examples" in path.parts:
            continue  # package data built from plan folders, not code
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            for w in words:
                if re.search(rf"(?<![0-9]){re.escape(w)}(?![0-9])", line):
                    found.append(f"{path.relative_to(REPO)}:{n}: {w}: {line.strip()[:80]}")
    assert not found, "plan-specific text in the package:\n" + "\n".join(found)


def test_shipped_plan_yaml_is_read(tmp_path: Path) -> None:
    plan = load_plan(REPO / "data")
    assert plan.info.path == REPO / "data" / "plan.yaml"
    assert plan.info.status == "draft" and plan.info.period_end == 2027
    assert plan.workpoint_years == (2024,)
    assert "谯城" in plan.title("zh") and "Qiaocheng" in plan.title("en")
    assert plan.summary().startswith(f"Plan: {plan.id} ·")


def test_workpoint_years_without_plan_yaml_come_from_the_targets(data_dir: Path) -> None:
    plan = load_plan(data_dir)  # the fixture has no plan.yaml
    assert plan.info.path is None and plan.id == "data"
    wp = plan.targets.loc[plan.targets["kind"] == "workpoint", "target_year"]
    assert plan.workpoint_years == tuple(sorted(set(wp)))
    (data_dir / "plan.yaml").write_text("title_zh: 测试\ntitle_en: Test\ngeography: 某区\n"
                                        "workpoint_years: []\n", encoding="utf-8")
    assert load_plan(data_dir).workpoint_years == ()


@pytest.mark.parametrize("text, key", [
    ("title_en: T\ngeography: G\n", "title_zh"),
    ("title_zh: T\ntitle_en: T\ngeography: G\nstatus: final\n", "status"),
    ("title_zh: T\ntitle_en: T\ngeography: G\nstatus_date: 22.08.2030\n", "status_date"),
    ("title_zh: T\ntitle_en: T\ngeography: G\nperiod_start: 2030\nperiod_end: 2026\n",
     "period_end"),
    ("title_zh: T\ntitle_en: T\ngeography: G\nworkpoint_years: [2026, soon]\n",
     "workpoint_years[1]"),
    ("title_zh: T\ntitle_en: T\ngeography: G\nid: 'Bad Id'\n", "id"),
    ("title_zh: T\ntitle_en: T\ngeography: G\ncolour: red\n", "colour"),
])
def test_plan_yaml_mistakes_name_file_and_key(data_dir: Path, text: str, key: str) -> None:
    (data_dir / "plan.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(DataError) as e:
        load_plan(data_dir)
    problems = [p for p in e.value.problems if p.file == "plan.yaml"]
    assert [p.location for p in problems] == [f"key {key}"]


def test_plan_yaml_not_yaml(data_dir: Path) -> None:
    (data_dir / "plan.yaml").write_text("title_zh: [unclosed\n", encoding="utf-8")
    info, problems = read_plan_info(data_dir)
    assert problems and problems[0].file == "plan.yaml" and "YAML" in problems[0].expected


def test_default_plan_order(tmp_path: Path, data_dir: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("QCPLAN_PLAN", raising=False)
    monkeypatch.delenv("QCPLAN_DATA", raising=False)
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    monkeypatch.chdir(empty)
    assert choose_plan_dir(None).path == shipped_example_dir()
    assert choose_plan_dir(None).how == "the shipped example"
    shutil.copytree(data_dir, empty / "data")
    assert choose_plan_dir(None).path == (empty / "data").resolve()
    monkeypatch.setenv("QCPLAN_PLAN", str(data_dir))
    assert choose_plan_dir(None).path == data_dir
    assert choose_plan_dir(str(tmp_path)).how == "--plan"


def test_every_command_says_which_plan(data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    assert main(["validate", "--plan", str(data_dir)]) == 0
    assert f"plan {data_dir} (from --plan)" in capsys.readouterr().err
    assert main(["assess", "--data", str(data_dir), "--n-sims", "200"]) == 0
    assert f"plan {data_dir} (from --plan)" in capsys.readouterr().err


def test_generic_scenarios_name_nothing_of_a_plan() -> None:
    for path in sorted((GENERIC_DIR / "scenarios").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for a in data.get("assumptions") or []:
            assert a["scope"] == "all", path
            assert not a.get("shocks"), path  # a shock needs a year: a plan's own matter


def test_generic_scenarios_run_on_another_plan(data_dir: Path) -> None:
    plan = load_plan(data_dir)
    scenarios = load_scenarios(plan=plan)
    assert list(scenarios) == ["baseline", "plan", "optimistic", "pessimistic"]


def test_plan_scenarios_replace_generic_ones_by_name() -> None:
    plan = load_plan(REPO / "data")
    scenarios = load_scenarios(plan=plan)
    assert scenarios["optimistic"].path == REPO / "data" / "scenarios" / "optimistic.yaml"
    assert scenarios["baseline"].path == GENERIC_DIR / "scenarios" / "baseline.yaml"


def test_scenario_naming_what_the_plan_lacks_is_an_input_error(
        data_dir: Path, capsys: pytest.CaptureFixture) -> None:
    # the shipped plan's own optimistic scenario names its pillars; put it on another plan
    (data_dir / "scenarios").mkdir()
    shutil.copy(REPO / "data" / "scenarios" / "optimistic.yaml", data_dir / "scenarios")
    with pytest.raises(ScenarioError) as e:
        load_scenarios(plan=load_plan(data_dir))
    assert any(p.location == "assumptions[1].scope" for p in e.value.problems)
    assert main(["assess", "--plan", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert "optimistic.yaml, key assumptions[1].scope" in err and "Traceback" not in err


# --------------------------------------------------------------------------- qcplan new
NEW = ["--title", "某区“十五五”规划纲要", "--title-en", "A district's 15th five-year plan",
       "--geography", "某区", "--period-start", "2026", "--period-end", "2030",
       "--base-year", "2025"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_new_plan_folder_validates_empty(tmp_path: Path, fmt: str,
                                         capsys: pytest.CaptureFixture) -> None:
    folder = tmp_path / "fifteenth"
    assert main(["new", str(folder), *NEW, "--format", fmt]) == 0
    assert (folder / "plan.yaml").is_file() and (folder / f"targets.{fmt}").is_file()
    assert main(["validate", "--plan", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "Plan: fifteenth · 某区“十五五”规划纲要" in out and "0 targets" in out
    plan = load_plan(folder)
    assert plan.info.period_end == 2030 and plan.workpoint_years == ()
    assert len(plan.targets) == 0


def test_new_refuses_a_plan_folder_and_bad_options(tmp_path: Path,
                                                   capsys: pytest.CaptureFixture) -> None:
    assert main(["new", str(tmp_path / "a"), *NEW]) == 0
    assert main(["new", str(tmp_path / "a"), *NEW]) == 2
    assert "a new or empty folder" in capsys.readouterr().err
    assert main(["new", str(tmp_path / "b"), *NEW, "--status", "final"]) == 2
    assert "--status" in capsys.readouterr().err
    assert not (tmp_path / "b").exists()


def test_new_plan_with_its_main_indicator_table_entered(tmp_path: Path) -> None:
    """The steps of docs/NEW_PLAN.md: the template's example rows, filled in, assess."""
    folder = tmp_path / "p"
    assert main(["new", str(folder), *NEW]) == 0

    add_rows(folder, "pillars", {"pillar": "economy", "name_zh": "经济发展",
                                 "name_en": "Economy", "order": "1"})
    add_rows(folder, "indicators", {"indicator_id": "gdp", "name_zh": "地区生产总值",
                                    "name_en": "GDP", "unit": "亿元",
                                    "unit_en": "hundred million yuan",
                                    "measure": "amount"})
    add_rows(folder, "targets", {
        "target_id": "gdp_2030", "indicator_id": "gdp", "geography": "某区",
        "pillar": "economy", "name_zh": "地区生产总值达到1200亿元",
        "name_en": "GDP reaches 120 bn yuan", "unit": "亿元", "kind": "level",
        "direction": "at_least", "threshold": "1200", "obligation": "expected",
        "period_start": "2025", "target_year": "2030", "section": "表1"})
    add_rows(folder, "observations", *({
        "indicator_id": "gdp", "geography": "某区", "year": str(y), "value": str(v),
        "unit": "亿元", "status": "official", "source": f"statistical bulletin {y}"}
        for y, v in [(2021, 760), (2022, 801), (2023, 850.1), (2024, 893), (2025, 940)]))
    plan = load_plan(folder)
    table = qcplan_assess(plan)
    assert list(table["target_id"]) == ["gdp_2030"]
    assert table.loc[0, "status"] in ("on_track", "needs_acceleration", "off_track")
    assert table.loc[0, "obligation"] == "expected"
    from qcplan.render.status_table import status_table_html

    assert "地区生产总值达到1200亿元" in status_table_html(table, "zh")
    assert "水平值 · 预期性" in status_table_html(table, "zh")
    assert "Level · expected" in status_table_html(table, "en")


def add_rows(folder: Path, name: str, *rows: dict[str, str]) -> None:
    """Append rows to a template table by column name (the header says which columns)."""
    import csv

    path = folder / f"{name}.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    with open(path, "a", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header, lineterminator="\n")
        for r in rows:
            w.writerow(r)


def qcplan_assess(plan):
    from qcplan.model.assess import Assessor

    return Assessor(plan, as_of="2026-06-30").assess("baseline", n_sims=500)


@pytest.mark.slow
def test_new_plan_renders_an_honest_empty_overview(tmp_path: Path) -> None:
    folder = tmp_path / "p"
    assert main(["new", str(folder), *NEW]) == 0
    out = tmp_path / "reports"
    assert main(["run", "--plan", str(folder), "--out", str(out), "--n-sims", "200",
                 "--quiet"]) == 0
    index = (out / "latest" / "index.html").read_text(encoding="utf-8")
    assert "no pillars or targets yet" in index and "某区“十五五”规划纲要" in index


def test_the_steps_of_docs_new_plan_validate(tmp_path: Path) -> None:
    """The example rows of docs/NEW_PLAN.md, appended to a `qcplan new` folder, validate: the
    documentation follows the templates' headers."""
    doc = (REPO / "docs" / "NEW_PLAN.md").read_text(encoding="utf-8")
    folder = tmp_path / "p"
    assert main(["new", str(folder), *NEW]) == 0
    starts = {"pillar,": "pillars", "indicator_id,name_zh": "indicators",
              "target_id,": "targets", "indicator_id,geography": "observations"}
    seen = set()
    blocks, current = [], None
    for line in doc.splitlines():
        if line.startswith("```"):
            current = [] if current is None else blocks.append(current)
        elif current is not None:
            current.append(line)
    for lines in (b for b in blocks if b):
        name = next((t for k, t in starts.items() if lines[0].startswith(k)), None)
        if name is None:
            continue
        path = folder / f"{name}.csv"
        assert path.read_text(encoding="utf-8").splitlines()[0] == lines[0], name
        with open(path, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines[1:]) + "\n")
        seen.add(name)
    assert seen == set(starts.values())
    plan = load_plan(folder)
    assert len(plan.targets) >= 2 and len(plan.observations) >= 2
