"""The responsible units' pages (qcplan.render.units) on the small fixture plan."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from fixtures.bad import set_cell

from qcplan.model.assess import assess
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render import units as u
from qcplan.render.changes import CHANGE_COLUMNS, Changes
from qcplan.render.export import external_references


def test_units_split_on_every_separator() -> None:
    assert u.unit_list("区发改委、区统计局,区财政局,区科技局") == [
        "区发改委", "区统计局", "区财政局", "区科技局"]
    assert u.unit_list(float("nan")) == [] and u.unit_list("") == []


@pytest.fixture
def pages(tmp_path: Path, data_dir: Path) -> tuple[Path, list, pd.DataFrame, object]:
    first = pd.read_csv(data_dir / "targets.csv", dtype=str, keep_default_na=False)
    # a hostile unit name, named second (co-operating) on the first target, after a comma
    set_cell(data_dir, "targets", 2, "responsible_units",
             first.loc[0, "responsible_units"] + ",<b>区某局</b>")
    plan = load_plan(data_dir)
    table = assess(plan, "baseline", as_of="2026-06-30", n_sims=200, seed=0)
    pillars = plan.pillars["pillar"].tolist()
    changes = Changes("r0", pd.DataFrame([{
        "change": "status", "scenario": "baseline", "target_id": table["target_id"].iloc[0],
        "pillar": table["pillar"].iloc[0], "before": "on_track", "after": "off_track"}],
        columns=list(CHANGE_COLUMNS)))
    views = u.write_unit_pages(tmp_path / "run", plan, {"baseline": table}, pillars,
                               load_scenarios(None, plan), "2026-06-30", "r1", changes,
                               word=True)
    return tmp_path / "run" / "units", views, table, plan


def test_a_page_per_unit_with_lead_and_co_operating_apart(pages) -> None:
    folder, views, table, plan = pages
    names = [v.name for v in views]
    assert "<b>区某局</b>" in names and len(names) == len(set(names))
    assert sorted(p.name for p in folder.glob("*.html")) == sorted(f"{v.slug}.html"
                                                                  for v in views)
    hostile = next(v for v in views if v.name == "<b>区某局</b>")
    named = plan.targets.loc[plan.targets["responsible_units"].str.contains("区某局"),
                             "target_id"].tolist()
    assert len(named) == 1
    assert len(hostile.lead) == 0 and list(hostile.coop["target_id"]) == named
    page = (folder / f"{hostile.slug}.html").read_text(encoding="utf-8")
    assert "<b>区某局</b>" not in page and "&lt;b&gt;区某局&lt;/b&gt;" in page
    assert external_references(page) == []
    lead_unit = u.unit_list(plan.targets["responsible_units"].iloc[0])[0]
    lead = next(v for v in views if v.name == lead_unit)
    assert table["target_id"].iloc[0] in set(lead.lead["target_id"])
    text = (folder / f"{lead.slug}.html").read_text(encoding="utf-8")
    # the status change since the last run, and each target's status and P(reach)
    assert f"状态变化: {table['target_id'].iloc[0]} [baseline] 按进度推进 → 偏离目标" in text
    assert "[baseline] On track → Off track" in text
    assert text.count("<tr>") >= lead.n_targets + 1
    assert 'name="viewport"' in text and "@media print" in text


def test_figures_owed_are_those_without_a_real_figure(pages) -> None:
    folder, views, table, plan = pages
    obs = plan.observations
    real = obs[(obs["status"] != "illustrative") & (obs["period"] == "")
               & (obs["measure"] == "period")]  # whole-year figures (in-year ones owe it still)
    held = set(zip(real["indicator_id"], real["geography"], real["year"].astype(int)))
    for v in views:
        for ind, geo, years, _, _ in v.owed:
            assert years and all((ind, geo, y) not in held for y in years)
            assert all(y <= 2025 for y in years)  # a round at 2026-06-30 asks up to last year


def test_index_table_and_word_documents(pages) -> None:
    from docx import Document

    folder, views, table, plan = pages
    html = u.units_table_html(views)
    for v in views:
        assert f'href="units/{v.slug}.html"' in html
        doc = Document(str(folder / f"{v.slug}__zh.docx"))
        text = "\n".join(p.text for p in doc.paragraphs)
        assert "督办提示函" in text and v.name in text and "一、牵头目标" in text
        en = "\n".join(p.text for p in Document(str(folder / f"{v.slug}__en.docx")).paragraphs)
        assert "Reminder to a responsible unit" in en
    row = re.search(r"<tr><td><a[^>]*>[^<]*</a>.*?</tr>", html).group(0)
    assert re.search(r"<td>\d+ <span", row)


def test_one_page_per_unit_however_targets_name_it() -> None:
    """区住建局 and 区住房城乡建设局 are one unit: the pages follow the units a collection round
    writes workbooks for (responsible_units.csv's aliases), not the names as written."""
    from qcplan.plan.collect import unit_aliases, unit_names
    from qcplan.plan.meta import shipped_example_dir

    plan = load_plan(shipped_example_dir())
    aliases = unit_aliases(plan)
    names = u.all_units(plan.targets, aliases)
    assert names == unit_names(plan)
    assert len(names) < len(u.all_units(plan.targets))  # the plan does use other names
    assert u.unit_list("区住建局、区住房城乡建设局", aliases) == [aliases["区住建局"]]
