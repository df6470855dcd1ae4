"""Scenario files: the shipped ones load; every kind of mistake is reported with file and key."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from qcplan.model.scenarios import (
    GENERIC_DIR,
    SHIPPED,
    Assumption,
    Scenario,
    ScenarioError,
    load_scenarios,
    save_scenario,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def params(tmp_path: Path) -> Path:
    shutil.copytree(GENERIC_DIR / "scenarios", tmp_path / "params" / "scenarios")
    return tmp_path / "params"


def write(params: Path, name: str, data: object) -> Path:
    path = params / "scenarios" / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def good(name: str = "extra") -> dict:
    return {
        "name": name, "label_zh": "测试", "label_en": "Test", "description_zh": "测试情景",
        "description_en": "A test scenario", "mode": "projection",
        "assumptions": [{"scope": "all", "growth_shift_pp": 1.0}],
    }


def test_shipped_scenarios_load_in_order():
    scenarios = load_scenarios()
    assert list(scenarios)[:4] == list(SHIPPED)
    assert scenarios["plan"].mode == "plan"
    assert scenarios["baseline"].assumptions == ()


def test_new_file_is_picked_up_by_name(params: Path):
    write(params, "extra", good())
    assert "extra" in load_scenarios(params)


def test_adjustments_combine_in_order():
    s = Scenario("x", "x", "x", "x", "x", assumptions=(
        Assumption("all", growth_shift_pp=1.0, uncertainty_scale=1.5),
        Assumption("pillar:industry", growth_shift_pp=0.5, shocks={2025: -3.0}),
        Assumption("indicator:gdp", growth_set_pct=6.0),
        Assumption("target:other", growth_shift_pp=9.0),
    ))
    a = s.adjustment("t1", "jobs", "industry")
    assert a.shift == 1.5 and a.scale == 1.5 and a.shocks == {2025: -3.0}
    assert a.set_growth is None
    b = s.adjustment("t2", "gdp", "overall_strength")
    assert b.set_growth == 6.0 and b.shift == 0.0 and b.scale == 1.5


@pytest.mark.parametrize(
    ("change", "key"),
    [
        ({"name": "Bad Name"}, "name"),
        ({"name": "other"}, "name"),
        ({"mode": "dream"}, "mode"),
        ({"method": "magic"}, "method"),
        ({"label_en": ""}, "label_en"),
        ({"colour": "red"}, "colour"),
        ({"assumptions": [{"scope": "everything", "growth_shift_pp": 1}]}, "assumptions[0].scope"),
        ({"assumptions": [{"scope": "all", "growth_shift_pp": "fast"}]},
         "assumptions[0].growth_shift_pp"),
        ({"assumptions": [{"scope": "all", "uncertainty_scale": -1}]},
         "assumptions[0].uncertainty_scale"),
        ({"assumptions": [{"scope": "all", "shocks": {"soon": -3}}]}, "assumptions[0].shocks"),
        ({"assumptions": [{"scope": "all", "shocks": {2025: "big"}}]},
         "assumptions[0].shocks.2025"),
        ({"assumptions": [{"scope": "all"}]}, "assumptions[0]"),
        ({"assumptions": [{"scope": "all", "speed": 3}]}, "assumptions[0].speed"),
        ({"assumptions": "all faster"}, "assumptions"),
        ({"assumptions": [{"scope": "all", "measures": ["shares"], "growth_shift_pp": 1}]},
         "assumptions[0].measures"),
        ({"assumptions": [{"scope": "all", "measures": "share", "growth_shift_pp": 1}]},
         "assumptions[0].measures"),
        ({"assumptions": [{"scope": "all", "measures": ["share"]}]}, "assumptions[0]"),
    ],
)
def test_each_mistake_names_file_and_key(params: Path, change: dict, key: str):
    data = good()
    data.update(change)
    path = write(params, "extra", data)
    with pytest.raises(ScenarioError) as err:
        load_scenarios(params)
    keys = [(p.file, p.location) for p in err.value.problems]
    assert (str(path), key) in keys
    assert str(path) in str(err.value)


def test_all_problems_at_once(params: Path):
    data = good()
    data["mode"] = "dream"
    data["assumptions"] = [{"scope": "nowhere:x", "growth_shift_pp": 99}]
    write(params, "extra", data)
    with pytest.raises(ScenarioError) as err:
        load_scenarios(params)
    assert len(err.value.problems) >= 3


def test_malformed_yaml_names_line(params: Path):
    path = params / "scenarios" / "broken.yaml"
    path.write_text("name: broken\nlabel_zh: [unclosed\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenarios(params)
    p = err.value.problems[0]
    assert p.file == str(path) and p.location.startswith("line ")


def test_unknown_scope_against_plan(params: Path):
    class P:  # the three tables a scope may name
        import pandas as pd
        pillars = pd.DataFrame({"pillar": ["industry"]})
        indicators = pd.DataFrame({"indicator_id": ["gdp"]})
        targets = pd.DataFrame({"target_id": ["gdp_level"]})

    data = good()
    data["assumptions"] = [{"scope": "pillar:nope", "growth_shift_pp": 1}]
    write(params, "extra", data)
    with pytest.raises(ScenarioError, match="pillar:nope"):
        load_scenarios(params, P())


def test_save_round_trip_and_refusals(params: Path):
    s = Scenario("my_case", "我的", "Mine", "说明", "Notes", assumptions=(
        Assumption("pillar:industry", growth_shift_pp=2.0, shocks={2025: -3.0}),))
    path = save_scenario(s, params)
    again = load_scenarios(params)["my_case"]
    assert again.assumptions == s.assumptions and path.name == "my_case.yaml"
    with pytest.raises(ScenarioError, match="exists"):
        save_scenario(s, params)
    with pytest.raises(ScenarioError, match="shipped"):
        save_scenario(Scenario("baseline", "a", "b", "c", "d"), params)
    before = sorted(p.name for p in (params / "scenarios").iterdir())
    with pytest.raises(ScenarioError, match="safe id"):
        save_scenario(Scenario("../evil", "a", "b", "c", "d"), params)
    assert sorted(p.name for p in (params / "scenarios").iterdir()) == before


def alias_bomb() -> str:
    """About 700 bytes of YAML that stand for 9**9 (387 million) strings when aliases expand."""
    lines = [f"{k}: x" for k in ("name: bomb\nlabel_zh", "label_en", "description_zh",
                                 "description_en")]
    lines.append('l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]')
    for i in range(1, 9):
        lines.append(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]")
    lines.append("assumptions: [{scope: all, growth_shift_pp: *l8}]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_with_file_and_line(params: Path):
    import tracemalloc

    text = alias_bomb()
    assert 600 < len(text.encode()) < 900
    path = params / "scenarios" / "bomb.yaml"
    path.write_text(text, encoding="utf-8")
    tracemalloc.start()
    try:
        with pytest.raises(ScenarioError) as e:
            load_scenarios(params)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(e.value)
    assert str(path) in message and "line 6" in message
    assert "aliases and anchors" in message
    assert peak < 20_000_000  # bytes: the expansion (gigabytes) never happens
    assert len(message) < 2_000


@pytest.mark.parametrize("text, reason", [
    ("a: " + "[" * 200 + "]" * 200 + "\n", "levels of nesting"),
    ("a: [" + ", ".join(["1"] * 100_001) + "]\n", "values in one file"),
])
def test_deep_or_huge_yaml_is_refused(params: Path, text: str, reason: str):
    (params / "scenarios" / "deep.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError, match=reason):
        load_scenarios(params)


def test_long_values_are_shown_as_a_bounded_excerpt(params: Path):
    from qcplan.errors import excerpt

    data = good("long")
    data["assumptions"][0]["growth_shift_pp"] = [list(range(50)) for _ in range(1000)]
    data["label_en"] = ["x" * 10_000]
    write(params, "long", data)
    with pytest.raises(ScenarioError) as e:
        load_scenarios(params)
    for line in str(e.value).splitlines():
        assert len(line) < 400, line
    assert "…" in str(e.value)
    nested: list = []
    nested.append(nested)
    assert excerpt(nested) == "[...]"
    assert excerpt("x" * 10**6).endswith("…") and len(excerpt("x" * 10**6)) == 81
    assert excerpt({"a": 5}) == "{'a': 5}"


# --------------------------------------------------------------------------- what moves what
def test_broad_growth_shifts_move_only_what_grows():
    s = Scenario("x", "x", "x", "x", "x", assumptions=(
        Assumption("all", growth_shift_pp=-1.0, uncertainty_scale=1.2, shocks={2026: -3.0}),
    ))
    for measure in ("amount", "count", "growth"):
        a = s.adjustment("t", "i", "p", measure)
        assert a.shift == -1.0 and a.shocks == {2026: -3.0} and a.scale == 1.2
    for measure in ("share", "rate"):
        a = s.adjustment("t", "i", "p", measure)
        assert a.shift == 0.0 and a.shocks == {} and a.scale == 1.2  # spread only
    assert s.adjustment("t", "i", "p").shift == -1.0  # measure unknown: as written


def test_measures_list_says_what_an_assumption_moves():
    s = Scenario("x", "x", "x", "x", "x", assumptions=(
        Assumption("pillar:p", growth_shift_pp=0.5, uncertainty_scale=2.0, measures=("share",)),
        Assumption("target:t", growth_shift_pp=1.0),
    ))
    assert s.adjustment("u", "i", "p", "share").shift == 0.5
    assert s.adjustment("u", "i", "p", "share").scale == 2.0
    assert s.adjustment("u", "i", "p", "amount").shift == 0.0
    assert s.adjustment("u", "i", "p", "amount").scale == 1.0
    # scoped to one target: applies whatever its measure
    assert s.adjustment("t", "i", "q", "rate").shift == 1.0


def test_measures_round_trip_through_the_file(params: Path):
    data = good()
    data["assumptions"] = [{"scope": "all", "measures": ["share", "rate"], "growth_shift_pp": 1}]
    write(params, "extra", data)
    scen = load_scenarios(params)["extra"]
    assert scen.assumptions[0].measures == ("share", "rate")
    assert scen.to_dict()["assumptions"][0]["measures"] == ["share", "rate"]


@pytest.mark.parametrize("folder", [GENERIC_DIR, REPO / "data"])
def test_shipped_scenarios_say_how_each_kind_is_moved(folder: Path):
    """The generic scenarios and the shipped plan's own ones."""
    from qcplan.model.scenarios import parse_scenario

    for name in ("optimistic", "pessimistic"):
        path = folder / "scenarios" / f"{name}.yaml"
        text = path.read_text(encoding="utf-8")
        for measure in ("amount", "count", "growth", "share", "rate"):
            assert f"- {measure}" in text or f" {measure}," in text, (name, measure)
        scen, probs = parse_scenario(yaml.safe_load(text), str(path))
        assert not probs
        assert all(a.measures is not None for a in scen.assumptions if a.growth_shift_pp)


def test_every_generic_scenario_file_says_how_it_moves_each_kind():
    files = sorted((GENERIC_DIR / "scenarios").glob("*.yaml"))
    assert {p.stem for p in files} >= {"baseline", "plan", "optimistic", "pessimistic"}
    for path in files:
        assert "How each kind of indicator" in path.read_text(encoding="utf-8"), path.name
