"""The report's sections other than the status table: the title block (:func:`header_html`),
P(reach) under every scenario (:func:`scenario_matrix`) and the annual work points
(:func:`workpoints_html`), with their words in :data:`WORDS`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from qcplan import __version__
from qcplan.model.scenarios import Scenario
from qcplan.render.html import STYLE, badge, banner_html, esc, fmt, name_of, pct
from qcplan.render.i18n import pick, t
from qcplan.render.labels import PlanLabels
from qcplan.render.sources import vintage_text

#: The sections' words, (zh, en).
WORDS = {
    "shift": ("增速调整", "growth shift"),
    "set": ("设定增速", "growth set to"),
    "shocks": ("一次性冲击", "shocks"),
    "uncertainty": ("不确定性倍数", "uncertainty ×"),
    "measures": ("适用指标类别", "measures moved"),
    "no_adjustment": ("无调整", "No adjustment"),
    "pillar_report": ("分领域评估报告", "pillar report"),
    "period": ("规划期 ", "period "),
    "vintage": ("数据版本", "Data vintage"),
    "produced": ("生成时间", "Produced"),
    "draws": ("模拟次数", "draws"),
    "no_workpoint_years": ("本规划未列年度工作要点(plan.yaml 的 workpoint_years 为空)。",
                           "The plan lists no annual work points (workpoint_years in plan.yaml "
                           "is empty)."),
    "no_workpoints": ("本领域无{years}年量化工作要点。",
                      "No quantified {years} work points in this pillar."),
    "actual": ("实际", "actual"),
    "year": ("年份", "year"),
    "projected": ("预测 ", "projected "),
    "years_sep": ("、", ", "),
}


def _w(key: str, lang: str) -> str:
    return pick(WORDS[key], lang)


def scenario_matrix(bundles: Mapping[str, Mapping[str, Any]], pillar: str,
                    labels: Mapping[str, str], lang: str = "zh") -> str:
    """P(reach) of the pillar's targets under every scenario, side by side."""
    frames = []
    for name, b in bundles.items():
        tb = b["table"]
        tb = tb[tb["pillar"] == pillar]
        frames.append(tb.set_index("target_id")[["prob_reach", "status"]]
                      .rename(columns=lambda c, n=name: f"{n}:{c}"))
    if not frames:
        return ""
    wide = pd.concat(frames, axis=1)
    first = next(iter(bundles.values()))["table"]
    names = first.set_index("target_id").loc[wide.index]
    heads = [t("target_name", lang)] + [labels.get(n, n) for n in bundles]
    rows = []
    for tid, r in wide.iterrows():
        cells = [esc(name_of(names.loc[tid], lang))]
        for n in bundles:
            st = r[f"{n}:status"]
            cells.append(f"{pct(r[f'{n}:prob_reach'])} {badge(st, lang)}")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")


def header_html(plan: Any, pillar_row: Mapping[str, Any], scenario: Scenario, lang: str,
                meta: Mapping[str, Any], illustrative: bool) -> str:
    """Title block: pillar, scenario and assumptions, data vintage, production time and version."""
    name = pillar_row[pick(("name_zh", "name_en"), lang)]
    desc = pillar_row.get(pick(("description_zh", "description_en"), lang), "")
    rows = scenario.assumptions_table(lang)
    if rows:
        items = "".join(
            f"<li>{esc(a['scope'])}: "
            + ", ".join(x for x in [
                f"{_w('shift', lang)} {a['growth_shift_pp']:+g} pp"
                if a["growth_shift_pp"] else "",
                f"{_w('set', lang)} {a['growth_set_pct']:g}%"
                if a["growth_set_pct"] is not None else "",
                f"{_w('shocks', lang)} {esc(a['shocks'])}"
                if a["shocks"] else "",
                f"{_w('uncertainty', lang)} {a['uncertainty_scale']:g}"
                if a["uncertainty_scale"] != 1 else "",
                f"{_w('measures', lang)}: {esc(a['measures'])}"
                if a.get("measures") else "",
            ] if x) + "</li>" for a in rows)
        assumptions = f"<ul>{items}</ul>"
    else:
        assumptions = "<p>" + _w("no_adjustment", lang) + "</p>"
    produced = meta.get("created", "")
    vint = vintage_text(plan, lang)
    info = plan.info
    title = f"{plan.title(lang)} · " + _w("pillar_report", lang)
    facts = [x for x in (info.geography, info.issuer(lang), info.status_text(lang),
                         (_w("period", lang) + info.period_text())
                         if info.period_text() else "") if x]
    lines = [
        f'<p class="qc-meta">{esc(title)}'
        + (f"<br>{esc(' · '.join(facts))}" if facts else "") + "</p>",
        f"<h1>{esc(name)}</h1>",
        f"<p>{esc(desc)}</p>",
        f"<h3>{esc(t('scenario', lang))}: {esc(scenario.label(lang))}</h3>",
        f"<p>{esc(scenario.description(lang))}</p>{assumptions}",
        '<p class="qc-meta">'
        f"{_w('vintage', lang)}: {esc(vint)}<br>"
        f"{_w('produced', lang)}: {esc(produced)} · qcplan "
        f"{esc(meta.get('qcplan_version', __version__))} · "
        f"{_w('draws', lang)} {esc(meta.get('n_sims'))}, seed "
        f"{esc(meta.get('seed'))}, as of {esc(meta.get('as_of'))}</p>",
    ]
    out = STYLE + "".join(lines)
    if illustrative:
        out = STYLE + banner_html(lang) + "".join(lines)
    return out


def years_text(years: Iterable[int], lang: str = "zh") -> str:
    """'2026' / '2026、2028' (zh) / '2026, 2028' (en)."""
    return _w("years_sep", lang).join(str(int(y)) for y in sorted(set(years)))


def workpoints_html(table: pd.DataFrame, lang: str = "zh",
                    years: Iterable[int] = (), narrator: PlanLabels | None = None) -> str:
    """The pillar's annual work points (targets due in one of the plan's work-point ``years``)
    against their numbers (units in English from the registry through ``narrator``, a
    :class:`qcplan.render.labels.PlanLabels`)."""
    narrator = narrator or PlanLabels()
    years = tuple(int(y) for y in years)
    if not years:
        return "<p>" + _w("no_workpoint_years", lang) + "</p>"
    wp = table[table["target_year"].isin(years)]
    if wp.empty:
        return "<p>" + _w("no_workpoints", lang).format(years=years_text(years, lang)) + "</p>"
    heads = [t("target_name", lang), t("threshold", lang),
             _w("actual", lang), t("status", lang)]
    if len(years) > 1:
        heads.insert(1, _w("year", lang))
    rows = []
    for _, r in wp.iterrows():
        if np.isfinite(r.get("target_year_value", np.nan)):
            actual = fmt(r["target_year_value"], 2)
        else:
            actual = _w("projected", lang) + fmt(r.get("projected_median"), 2)
        illus = ' <span class="qc-illus">*</span>' if r.get("illustrative") else ""
        cells = [esc(name_of(r, lang)) + illus,
                 f"{fmt(r['threshold'], 2)} {esc(narrator.unit(r, lang))}",
                 actual, badge(r["status"], lang)]
        if len(years) > 1:
            cells.insert(1, str(int(r["target_year"])))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")
