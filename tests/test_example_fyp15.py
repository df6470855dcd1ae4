"""The national 15th five-year plan example (examples/national_fyp15): every figure is sourced.

Every observation is a ``use = yes`` row of ``sources/national_figures.csv`` and every target a
row of ``sources/outline_targets.csv``; the value or threshold must be written in the row's
verbatim excerpt, and the committed tables must be what the build script writes.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from qcplan.cli import main
from qcplan.model.assess import Assessor
from qcplan.plan.load import load_plan

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "national_fyp15"
AS_OF = "2026-06-30"


def _build_module():
    path = EXAMPLE / "scripts" / "build_tables.py"
    spec = importlib.util.spec_from_file_location("build_fyp15_tables", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _source(name: str) -> dict[int, dict[str, str]]:
    with open(EXAMPLE / "sources" / name, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        out = {}
        for row in reader:
            out[reader.line_num] = row  # the line the record ends on, as the build script notes
        return out


def _written_in(number: str, text: str) -> bool:
    """``number`` (as the source row writes it) stands in ``text`` as a whole number token."""
    return re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", text) is not None


def _line(text: str, name: str) -> int:
    found = re.search(rf"sources/{re.escape(name)} line (\d+)", text)
    assert found, text
    return int(found.group(1))


@pytest.fixture(scope="module")
def plan():
    return load_plan(EXAMPLE)


def test_written_in_matches_whole_numbers_only() -> None:
    assert _written_in("0.8", "CO2排出量は0.8%減")
    assert not _written_in("0.8", "平均受教育年限达到10.8年")
    assert not _written_in("3.4", "每千人口执业(助理)医师3.40人")
    assert _written_in("3.40", "每千人口执业(助理)医师3.40人")


def test_committed_tables_are_what_the_script_writes() -> None:
    mod = _build_module()
    for name, table in mod.build().items():
        assert (EXAMPLE / f"{name}.csv").read_text(encoding="utf-8") == mod.render(table), name


def test_every_observation_is_a_quoted_source_row() -> None:
    rows = _source("national_figures.csv")
    obs = pd.read_csv(EXAMPLE / "observations.csv", dtype=str, keep_default_na=False)
    assert len(obs) >= 30
    lines = []
    for r in obs.itertuples(index=False):
        line = _line(r.source, "national_figures.csv")
        lines.append(line)
        src = rows[line]
        assert src["use"] == "yes" and src["geography"] == r.geography == "全国"
        assert src["indicator_id"] == r.indicator_id and src["year"] == r.year
        assert float(src["value"]) == float(r.value) and src["unit"] == r.unit
        assert src["status"] == r.status and r.status in ("official", "preliminary")
        assert r.source.startswith(src["source_url"] + " ") and r.note == src["excerpt"]
        assert _written_in(src["value"], src["excerpt"]), (line, src["value"])
    # every figure marked for use is in the table, once; the others say why not
    used = {line for line, r in rows.items() if r["use"] == "yes"}
    assert sorted(lines) == sorted(used)
    assert all(r["use"].startswith("no: ") for line, r in rows.items() if line not in used)


def test_every_target_is_quoted_from_the_outline() -> None:
    mod = _build_module()
    rows = _source("outline_targets.csv")
    t = pd.read_csv(EXAMPLE / "targets.csv", dtype=str, keep_default_na=False)
    seen = set()
    for r in t.itertuples(index=False):
        line = _line(r.note, "outline_targets.csv")
        src = rows[line]
        seen.add(src["name_zh"])
        factor = mod.TARGETS[src["name_zh"]][4]
        assert r.target_id == mod.TARGETS[src["name_zh"]][0]
        assert float(r.threshold) == pytest.approx(float(src["threshold"]) * factor)
        assert _written_in(src["threshold"], src["target_text"]), line
        assert r.quote_zh == src["target_text"] and src["target_year"] == r.target_year
        assert src["source_url"] in r.note and r.geography == src["geography"] == "全国"
        assert src["binding_or_expected"] in r.note  # the class, as far as it is stated
        assert r.obligation == mod.obligation(src["binding_or_expected"])
    # every outline row is a target, or is listed as left out with its reason
    names = {r["name_zh"] for r in rows.values()}
    assert names == seen | set(mod.LEFT_OUT) and not seen & set(mod.LEFT_OUT)
    assert len(rows) == 12 and len(t) == 11


def test_obligation_only_where_the_page_states_the_class() -> None:
    mod = _build_module()
    assert mod.obligation("约束性") == "binding"
    assert mod.obligation("预期性指标") == "expected"
    assert mod.obligation("not stated in the excerpts") == ""
    assert mod.obligation("预期目标") == ""  # a yearly 预期目标 is not the outline's class
    with pytest.raises(SystemExit):
        mod.obligation("约束性 or 预期性?")
    # none of the pages found states a class: the column is there, and blank
    t = pd.read_csv(EXAMPLE / "targets.csv", dtype=str, keep_default_na=False)
    assert "obligation" in t.columns and set(t["obligation"]) == {""}


def test_example_validates(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", "--plan", str(EXAMPLE)]) == 0
    out = capsys.readouterr().out
    assert "national_fyp15" in out and "0 illustrative" in out


def test_gaps_are_assessed_as_insufficient_data(plan) -> None:
    """Targets whose indicator has fewer than two yearly figures are not projected; the others
    are, with a probability, on the figures of this folder only."""
    table = Assessor(plan, as_of=AS_OF).assess("baseline", n_sims=500).set_index("target_id")
    obs = plan.observations
    counts = obs[obs["period"] == ""].groupby("indicator_id")["year"].nunique()
    for tid, row in table.iterrows():
        n = int(counts.get(row["indicator_id"], 0))
        if n < 2:
            assert row["status"] == "insufficient_data", tid
        else:
            assert row["status"] != "insufficient_data" and 0 <= row["prob_reach"] <= 1, tid
    assert {t for t in table.index if table.loc[t, "status"] == "insufficient_data"} == {
        "digital_share_2030", "energy_2030", "doctors_2030", "nursing_bed_share_2030",
        "childcare_enrolment_2030"}
    # the 2025 figure is the latest where one was found (as of mid-2026)
    assert table.loc["life_expectancy_2030", "latest_value"] == pytest.approx(79.25)
    assert table.loc["grain_2030", "latest_value"] == pytest.approx(14297.5)


@pytest.mark.slow
def test_beside_the_shipped_plan_in_one_run(tmp_path: Path) -> None:
    """The example renders in both languages beside the 2027 plan, in one run's index."""
    out = tmp_path / "reports"
    code = main(["run", "--plan", str(REPO / "data"), "--plan", str(EXAMPLE), "--scenarios",
                 "baseline", "--lang", "both", "--n-sims", "300", "--as-of", AS_OF,
                 "--out", str(out), "--quiet"])
    assert code == 0
    run = out / "latest"
    index = (run / "index.html").read_text(encoding="utf-8")
    assert 'id="plan-national_fyp15"' in index and 'id="plan-qiaocheng_urban_quality_2027"' in index
    for href in re.findall(r'href="(plans/[^"#]+)"', index):
        assert (run / href).is_file(), href
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    assert all(p["status"] == "ok" for p in manifest["plans"])
    fyp = next(p for p in manifest["plans"] if p["plan_id"] == "national_fyp15")
    own = run / fyp["run_dir"]
    for lang, word in (("zh", "人均预期寿命"), ("en", "Life expectancy")):
        page = (own / f"livelihood__baseline__{lang}.html").read_text(encoding="utf-8")
        assert word in page
