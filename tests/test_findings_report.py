"""The findings in the reports: one verdict per target with its finding, anchors, the at-risk
list of index.html."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest

from qcplan.model.assess import Assessor
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render.dashboard import at_risk_html, render_dashboard
from qcplan.render.html import target_anchor
from qcplan.render.narrative import AT_RISK, Narrator
from qcplan.render.status_table import status_table_html


@pytest.fixture(scope="module")
def baseline():
    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    table = Assessor(plan).assess("baseline", n_sims=500, seed=0)
    return plan, scenarios, table


def test_status_table_leads_with_one_verdict_and_the_finding(baseline):
    plan, scenarios, table = baseline
    narrator = Narrator(plan, scenarios)
    sub = table[table["pillar"] == "public_services"]
    for lang in ("zh", "en"):
        found = narrator.findings(sub, lang)
        doc = status_table_html(sub, lang, findings=found, narrator=narrator)
        heads = re.findall(r"<th>(.*?)</th>", doc)
        assert not any("Eurostat" in h or "欧盟" in h or "规划评估" in h or "review" in h
                       for h in heads), heads
        assert len(re.findall(r'class="qc-badge"', doc)) == len(sub)  # one verdict a target
        for tid in sub["target_id"]:
            assert f'id="{target_anchor(tid)}"' in doc
        assert doc.count('class="qc-finding"') == len(sub)
    en = status_table_html(sub, "en", findings=narrator.findings(sub, "en"), narrator=narrator)
    assert "区教育局" in en


def test_at_risk_list_sorted_with_owners_and_links(baseline):
    plan, scenarios, table = baseline
    narrator = Narrator(plan, scenarios)
    pillars = plan.pillars
    reports = [{"pillar": p, "scenario": "baseline", "lang": lang, "status": "ok",
                "html": f"{p}__baseline__{lang}.html"}
               for p in pillars["pillar"] for lang in ("zh", "en")]
    doc = at_risk_html(table, reports, pillars, narrator)
    risk = table[table["status"].isin(AT_RISK)]
    assert len(risk) > 5
    rows = re.findall(r'<tr class="risk-([a-z_]+)">(.*?)</tr>', doc, re.S)
    assert len(rows) == len(risk)
    order = []
    for _, body in rows:
        tid = re.search(r'#target-([a-z0-9_]+)"', body).group(1)
        order.append(tid)
        r = table.set_index("target_id").loc[tid]
        assert f'{r["pillar"]}__baseline__zh.html#target-{tid}' in body
        assert f'{r["pillar"]}__baseline__en.html#target-{tid}' in body
        first_unit = str(r["responsible_units"]).split("、")[0]
        assert first_unit in body
    p = pd.to_numeric(table.set_index("target_id").loc[order, "prob_reach"],
                      errors="coerce").fillna(0).to_list()
    assert p == sorted(p)
    # missed and overdue first (P 0), then the rest by P(reach)
    assert set(order) == set(risk["target_id"])


def test_dashboard_puts_the_at_risk_list_above_the_matrix(baseline):
    plan, scenarios, table = baseline

    doc = render_dashboard(
        pillars=plan.pillars, scenarios={"baseline": scenarios["baseline"]},
        tables={"baseline": table}, reports=[], run_id="r",
        run_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), vintage={}, version="0",
        narrator=Narrator(plan, scenarios))
    assert 'id="at-risk"' in doc
    assert doc.index('id="at-risk"') < doc.index('class="matrix"')


def test_at_risk_list_escapes(baseline):
    evil = "<img src=x onerror=alert(1)>"
    table = pd.DataFrame({"target_id": ["t1"], "pillar": ["p1"], "status": ["off_track"],
                          "prob_reach": [0.1], "name_zh": [evil], "name_en": [evil],
                          "responsible_units": [evil], "kind": ["level"], "unit": ["个"],
                          "required_rate": [5.0], "observed_rate": [1.0], "rate_unit": ["%/年"],
                          "threshold": [3.0]})
    pillars = pd.DataFrame({"pillar": ["p1"], "name_zh": ["甲"], "name_en": ["A"]})
    doc = at_risk_html(table, [], pillars)
    assert evil not in doc and "&lt;img" in doc


def test_what_a_missed_work_point_needs_quotes_its_figure(baseline):
    from qcplan.render.wording import number

    plan, scenarios, table = baseline
    narrator = Narrator(plan, scenarios)
    missed = table[(table["status"] == "missed") & (table["kind"] == "workpoint")]
    assert not missed.empty
    for _, r in missed.iterrows():
        need = narrator.need(r, "zh")
        assert number(r["target_year_value"], "zh", r["unit"]) in need
        assert number(r["threshold"], "zh", r["unit"]) in need and "未达到" in need
