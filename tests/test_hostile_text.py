"""Control characters and bidirectional controls are refused in the plan's tables and in scenario
files, with file, line (or cell) and column; a quoted number in a scenario is named as text."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
import yaml
from fixtures.bad import set_cell, to_xlsx

from qcplan import DataError, load_plan
from qcplan.model.scenarios import ScenarioError, load_scenarios
from qcplan.text import unsafe_character

REPO = Path(__file__).resolve().parents[1]

HOSTILE = [
    ("GDP \u202eevil", "U+202E"), ("a\u202ab", "U+202A"), ("a\u2066b", "U+2066"),
    ("a\u2069b", "U+2069"), ("a\u200eb", "U+200E"), ("a\u200fb", "U+200F"),
    ("bell\x07", "U+0007"), ("esc\x1b[2J", "U+001B"), ("c1\x85c1", "U+0085"), ("del\x7f", "U+007F"),
    ("cr\roverwrite", "U+000D"), ("nul\x00", "U+0000"),
]


@pytest.mark.parametrize(("text", "code"), HOSTILE)
def test_unsafe_characters_are_found(text: str, code: str):
    found = unsafe_character(text)
    assert found is not None and found.startswith(code)


@pytest.mark.parametrize("text", ["GDP 1000亿元", "two\nlines", "tab\there", "crlf\r\nline",
                                  "Ünïcödé — “quotes”", "العربية", "עברית"])
def test_ordinary_text_passes(text: str):
    assert unsafe_character(text) is None


@pytest.mark.parametrize(("text", "code"), HOSTILE)
def test_plan_table_refuses_them_with_line_and_column(data_dir: Path, text: str, code: str):
    path = data_dir / "targets.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    next(r for r in rows if r[0] == "gdp_2027")[rows[0].index("name_en")] = text
    with path.open("w", encoding="utf-8", newline="") as f:  # quoted, so a lone CR stays a cell's
        csv.writer(f, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(rows)
    with pytest.raises(DataError) as e:
        load_plan(data_dir)
    found = [p for p in e.value.problems if p.column == "name_en"]
    assert len(found) == 1
    p = found[0]
    assert (p.file, p.location) == ("targets.csv", "line 2")
    assert code in p.expected and "bidirectional" in p.expected
    assert text not in str(e.value)  # shown escaped, never raw
    assert code not in ("U+0085",) or "\\x85" in str(e.value)


def test_workbook_cell_is_named(data_dir: Path, tmp_path: Path):
    set_cell(data_dir, "pillars", 1, "name_en", "Strength \u202e")
    xlsx = to_xlsx(data_dir, tmp_path / "xlsx")
    with pytest.raises(DataError) as e:
        load_plan(xlsx)
    (p,) = [p for p in e.value.problems if p.column == "name_en"]
    assert p.location.startswith("sheet pillars, cell ") and "U+202E" in p.expected


@pytest.fixture
def params(tmp_path: Path) -> Path:
    folder = tmp_path / "params" / "scenarios"
    folder.mkdir(parents=True)
    shutil.copy(REPO / "params" / "scenarios" / "baseline.yaml", folder)
    return tmp_path / "params"


def scenario(**changes: object) -> dict:
    data = {"name": "extra", "label_zh": "测试", "label_en": "Test", "description_zh": "测试",
            "description_en": "Test", "assumptions": [{"scope": "all", "growth_shift_pp": 1.0}]}
    data.update(changes)
    return data


def write(params: Path, data: dict) -> Path:
    path = params / "scenarios" / "extra.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.parametrize(("change", "key"), [
    ({"label_en": "Optimistic\u202e"}, "label_en"),
    ({"description_zh": "说明\x1b[31m"}, "description_zh"),
    ({"assumptions": [{"scope": "all\u2066", "growth_shift_pp": 1.0}]}, "assumptions[0].scope"),
])
def test_scenario_file_refuses_them_with_key(params: Path, change: dict, key: str):
    path = write(params, scenario(**change))
    with pytest.raises(ScenarioError) as e:
        load_scenarios(params)
    lines = [p for p in e.value.problems if p.location == key]
    assert lines and lines[0].file == str(path) and "bidirectional" in lines[0].expected


@pytest.mark.parametrize("key", ["growth_shift_pp", "growth_set_pct", "uncertainty_scale"])
def test_quoted_number_is_named_as_text(params: Path, key: str):
    write(params, scenario(assumptions=[{"scope": "all", key: "5"}]))
    with pytest.raises(ScenarioError) as e:
        load_scenarios(params)
    message = str(e.value)
    assert f"assumptions[0].{key}" in message
    assert "expected a number, got the text '5'" in message


def test_quoted_shock_is_named_as_text(params: Path):
    write(params, scenario(assumptions=[{"scope": "all", "shocks": {2025: "-3"}}]))
    with pytest.raises(ScenarioError, match="got the text '-3'"):
        load_scenarios(params)


def test_number_out_of_range_still_says_range(params: Path):
    write(params, scenario(assumptions=[{"scope": "all", "growth_shift_pp": 500}]))
    with pytest.raises(ScenarioError) as e:
        load_scenarios(params)
    assert "between -50 and 50" in str(e.value) and "text" not in str(e.value)


def test_plan_yaml_alias_bomb_is_refused(data_dir: Path):
    import tracemalloc

    from qcplan.plan.meta import read_plan_info

    lines = ["title_zh: x", "title_en: x",
             'l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]" for i in range(1, 9)]
    lines.append("geography: *l8")
    (data_dir / "plan.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    tracemalloc.start()
    try:
        _, problems = read_plan_info(data_dir)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(problems) == 1 and "aliases and anchors" in str(problems[0])
    assert problems[0].location == "line 3"
    assert peak < 20_000_000


def test_plan_yaml_refuses_bidi_in_title(data_dir: Path):
    from qcplan.plan.meta import read_plan_info

    (data_dir / "plan.yaml").write_text(
        yaml.safe_dump({"title_zh": "计划", "title_en": "Plan \u202egnimoc", "geography": "x"},
                       allow_unicode=True), encoding="utf-8")
    _, problems = read_plan_info(data_dir)
    (p,) = problems
    assert p.file == "plan.yaml" and "title_en" in p.location and "U+202E" in p.expected
