"""What the per-pillar report shows: its HTML pieces and :class:`ReportContext`, which the report
notebook opens and only displays.

The data's path: :mod:`qcplan.render.bundles` assesses every target once per scenario and keeps
what the reports show (a *bundle*); this module turns a bundle into the report's tables and
text; :mod:`qcplan.render.charts` draws its charts; :mod:`qcplan.render.export` makes the page.
The bundle functions are imported here too, where older code looks for them.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qcplan import __version__
from qcplan.model.assess import STATUS_ORDER, in_year_basis_text
from qcplan.model.scenarios import Scenario
from qcplan.render.bundles import (  # noqa: F401 - the bundle functions, where they were before
    BUNDLE_VERSION,
    FAN_COLS,
    HISTORY_COLS,
    Q_COLS,
    QS,
    RETRO_FILE,
    RETRO_N_SIMS,
    build_bundle,
    cached_retro,
    charted,
    frames_to_bundle,
    load_bundle,
    precompute,
    precompute_retro,
    scenario_bundles,
    target_frames,
    with_english_units,
)
from qcplan.render.charts import CHART_DPI, chart_png, chart_svg  # noqa: F401
from qcplan.render.i18n import (
    STATUS_COLOUR,
    caveat_texts,
    data_status_label,
    kind_label,
    qualified,
    status_label,
    t,
)


# --------------------------------------------------------------------------- HTML pieces
def esc(value: Any) -> str:
    """Text from data or parameters, HTML-escaped ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def fmt(value: Any, digits: int = 1) -> str:
    """A number for a table: thousands separators, ``digits`` decimals, '—' for missing."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value) or "—"
    if not math.isfinite(v):
        return "—"
    if abs(v) >= 1000 or float(v).is_integer() and abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def pct(p: Any) -> str:
    try:
        v = float(p)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(v) else f"{100 * v:.0f}%"


STYLE = """
<style>
.qc-banner{background:#fff4e5;border:2px solid #e8833a;color:#5a2d00;padding:10px 14px;
  margin:8px 0;border-radius:6px;font-weight:600}
.qc-meta{color:#444;font-size:0.92em;line-height:1.6}
.qc-table{border-collapse:collapse;font-size:0.88em;margin:6px 0}
.qc-table th{background:#f0f2f5;text-align:left;padding:4px 6px;border-bottom:2px solid #ccd}
.qc-table td{padding:4px 6px;border-bottom:1px solid #e4e6ea;vertical-align:top;
  text-align:left !important}
.qc-table th{text-align:left !important}
.qc-badge{display:inline-block;border-radius:4px;padding:1px 6px;white-space:nowrap}
.qc-illus{color:#b45309;font-weight:600}
.qc-note{color:#555;font-size:0.85em}
.qc-kind,.qc-p{color:#555;font-size:0.85em;white-space:nowrap}
.qc-table tr.qc-target td{border-bottom:none}
.qc-table tr.qc-finding td{color:#333;font-size:0.95em;line-height:1.6;padding:0 6px 8px 18px}
.qc-summary{background:#f6f8fa;border-left:4px solid #5c6bc0;padding:8px 12px;line-height:1.7}
</style>
"""


def badge(status: str, lang: str) -> str:
    bg, fg = STATUS_COLOUR.get(status, ("#cfcfcf", "#222"))
    return (f'<span class="qc-badge" style="background:{bg};color:{fg}">'
            f"{esc(status_label(status, lang))}</span>")


def banner_html(lang: str) -> str:
    return f'<div class="qc-banner">⚠ {esc(t("illustrative_banner", lang))}</div>'


def name_of(row: Mapping[str, Any], lang: str) -> str:
    return str(row.get("name_zh") if lang == "zh" else row.get("name_en") or row.get("name_zh"))


def target_anchor(target_id: str) -> str:
    """The id of a target's row in its pillar report (links from ``index.html`` end in it)."""
    return f"target-{target_id}"


def status_table_html(table: pd.DataFrame, lang: str = "zh", show_shift: bool = False,
                      findings: Mapping[str, str] | None = None,
                      narrator: Any = None) -> str:
    """The pillar's status table: one verdict per target (the status from P(reach), with
    P(reach)), latest, target, projection and interval, required against observed pace and the
    responsible units; under each target its written finding (``findings``: target_id → text),
    which explains the Eurostat-style class and the plan-review grade where they differ.

    Each target's row has the id :func:`target_anchor`; ``narrator``
    (:class:`qcplan.render.narrative.Narrator`) gives English units and names of responsible
    units from the registries.
    """
    from qcplan.render.narrative import Narrator, percent_short

    narrator = narrator or Narrator()
    heads = [t("target_name", lang), t("status", lang), t("latest", lang), t("threshold", lang),
             t("projected", lang), t("interval", lang), t("required", lang), t("observed", lang),
             t("units", lang)]
    if show_shift:
        heads.insert(2, "所需增速调整(百分点/年)" if lang == "zh"
                     else "Extra growth needed (pp/yr)")
    rows = []
    for _, r in table.iterrows():
        illus = ' <span class="qc-illus">*</span>' if r.get("illustrative") else ""
        latest = "—" if not np.isfinite(r.get("latest_value", np.nan)) else \
            f"{qualified(fmt(r['latest_value'], 2), str(r.get('latest_qualifier') or ''), lang)}" \
            f" ({int(r['latest_year'])})"
        if r["kind"] == "milestone" and latest != "—":
            done = r["latest_value"] >= 1
            word = ("已完成" if done else "未完成") if lang == "zh" else ("done" if done else
                                                                       "not yet")
            latest = f"{word} ({int(r['latest_year'])})"
        thr = fmt(r.get("decision_threshold"), 2)
        if np.isfinite(r.get("threshold_high", np.nan)):
            thr += f"–{fmt(r['threshold_high'], 2)}"
        unit = "%" if r["kind"] in ("growth", "reduction") else (
            "×" if r["kind"] == "relative" else esc(narrator.unit(r, lang)))
        interval = "—" if not np.isfinite(r.get("projected_p10", np.nan)) else \
            f"{fmt(r['projected_p10'], 2)} – {fmt(r['projected_p90'], 2)}"
        rate_unit = str(r.get("rate_unit") or "")
        if lang == "en" and rate_unit and not rate_unit.startswith("%"):
            rate_unit = f"{narrator.unit(r, 'en')}/yr"
        rate_unit = esc(rate_unit.replace("/年", "/年" if lang == "zh" else "/yr"))
        p = r.get("prob_reach")
        verdict = badge(r["status"], lang)
        if np.isfinite(p if p is not None else np.nan) and r["status"] not in (
                "done", "missed", "overdue"):
            verdict += (f' <span class="qc-p">{"达标概率" if lang == "zh" else "P"} '
                        f"{percent_short(p)}</span>")
        cells = [
            f"{esc(name_of(r, lang))}{illus}<br>"
            f'<span class="qc-kind">{esc(kind_label(r["kind"], lang))}</span>',
            verdict,
            latest,
            f"{thr} {unit}",
            (f"{fmt(r.get('projected_median'), 2)} {unit}" if np.isfinite(
                r.get("projected_median", np.nan)) else "—")
            + (f'<br><span class="qc-kind">{esc(basis)}</span>'
               if (basis := in_year_basis_text(r, lang)) else ""),
            interval,
            f"{fmt(r.get('required_rate'), 1)} {rate_unit}" if np.isfinite(
                r.get("required_rate", np.nan)) else "—",
            f"{fmt(r.get('observed_rate'), 1)} {rate_unit}" if np.isfinite(
                r.get("observed_rate", np.nan)) else "—",
            esc(narrator.bodies(r, lang)),
        ]
        if show_shift:
            cells.insert(2, f"{r['shift_pp']:+.1f}" if r["status"] == "plan_path" else "—")
        anchor = esc(target_anchor(str(r["target_id"])))
        rows.append(f'<tr id="{anchor}" class="qc-target">' +
                    "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        text = findings.get(r["target_id"]) if findings is not None else None
        if text:
            rows.append(f'<tr class="qc-finding"><td colspan="{len(cells)}">{esc(text)}</td></tr>')
    note = t("estimate_note", lang)
    note += (" 状态依据达标概率判定;欧盟统计局分级和规划评估分级与之不一致时,"
             "在该目标的评估意见中说明。" if lang == "zh" else
             " The status follows P(reach); where the Eurostat-style class or the plan-review "
             "grade says otherwise, the target's finding says so and why.")
    if (table["kind"] == "relative").any():
        note += (" 相对基准类目标以“与基准之比”表示(1.00 = 与基准持平);“差距缩小”类目标的目标值是"
                 "基期之比。" if lang == "zh" else
                 " Targets relative to a benchmark are shown as the ratio to it (1.00 = level "
                 "with it); for 'narrow the gap' the target is the base-year ratio.")
    if (table["kind"] == "growth").any():
        note += (" 年均增速类目标的预测值为整个时期的年均增速(已发生年份按实际计)。" if lang == "zh"
                 else " For average-growth targets the projection is the period's average yearly "
                 "growth, observed years included.")
    if (table["kind"] == "reduction").any():
        note += (" 累计降低类目标(如单位GDP能耗累计降低13.5%)的预测值为基期至目标年的累计降低"
                 "百分比,增速为年均降低率。" if lang == "zh" else
                 " For cumulative reductions (energy per unit of GDP down 13.5 %) the projection "
                 "is the fall in % from the base year to the target year, and the rates are "
                 "yearly falls.")
    for _, r in table.iterrows():
        for text in caveat_texts(str(r.get("caveats") or ""), lang):
            note += f" {name_of(r, lang)}:{text}。" if lang == "zh" else \
                f" {name_of(r, lang)}: {text}."
    if table.get("illustrative", pd.Series(dtype=bool)).any():
        note += " " + ("* 含示意数据(非官方)。" if lang == "zh"
                       else "* uses illustrative (not official) figures.")
    return (STYLE + '<table class="qc-table qc-status"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + f'</tbody></table><p class="qc-note">{esc(note)}</p>')


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


def series_shown(table: pd.DataFrame) -> list[tuple[str, str]]:
    """The series (indicator, geography) behind ``table``'s targets and their benchmarks, in
    order, each once."""
    series = []
    for _, r in table.iterrows():
        series.append((r["indicator_id"], r["geography"]))
        if isinstance(r.get("benchmark"), str) and "@" in r["benchmark"]:
            b_ind, _, b_geo = r["benchmark"].partition("@")
            series.append((b_ind, b_geo))
    return list(dict.fromkeys(series))


def source_rows(plan: Any, table: pd.DataFrame,
                lang: str = "zh") -> tuple[list[str], list[list[str]]]:
    """The sources of every figure shown for ``table``'s targets: header and rows (one row per
    series, status and source, with the years it covers and the notes), as plain text."""
    zh = lang == "zh"
    heads = ["指标" if zh else "Indicator", "地区/口径" if zh else "Geography (coverage)",
             "年份" if zh else "Years", "数据性质" if zh else "Status", "来源" if zh else "Source",
             "备注" if zh else "Note"]
    series = series_shown(table)
    obs = plan.observations
    obs = obs[obs["indicator_id"].isin({ind for ind, _ in series})]
    cols = ["indicator_id", "geography", "status", "source", "year"]
    periods = obs["period"] if "period" in obs else pd.Series([""] * len(obs), index=obs.index)
    notes = obs["note"] if "note" in obs else pd.Series([""] * len(obs), index=obs.index)
    # (indicator, geography) -> (status, source) -> [(year, period, note)], in the table's order
    groups: dict[tuple[str, str], dict[tuple[Any, Any], list[tuple[Any, Any, str]]]] = {}
    for (ind, geo, status, source, year), period, note in zip(
            obs[cols].itertuples(index=False, name=None), periods, notes):
        if _missing(status) or _missing(source):
            continue
        key = (status, source)
        groups.setdefault((ind, geo), {}).setdefault(key, []).append(
            (year, period, "" if _missing(note) else str(note)))
    names = plan.indicators.set_index("indicator_id")
    rows = []
    for ind, geo in series:
        label = names.loc[ind, "name_zh" if zh else "name_en"] if ind in names.index else ind
        for (status, source), items in groups.get((ind, geo), {}).items():
            notes_text = "; ".join(dict.fromkeys(n for _, _, n in items if n))
            grp = {"year": [y for y, _, _ in items], "period": [p for _, p, _ in items]}
            rows.append([str(label), str(geo), _year_ranges(grp),
                         data_status_label(str(status), lang), str(source), notes_text])
    return heads, rows


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def sources_html(plan: Any, table: pd.DataFrame, lang: str = "zh") -> str:
    """:func:`source_rows` as an HTML table (illustrative figures marked)."""
    return sources_table_html(*source_rows(plan, table, lang), lang=lang)


def sources_table_html(heads: list[str], rows: list[list[str]], lang: str = "zh") -> str:
    """The rows of :func:`source_rows` as an HTML table."""
    illustrative = data_status_label("illustrative", lang)
    body = []
    for cells in rows:
        cls = ' class="qc-illus"' if cells[3] == illustrative else ""
        out = [esc(c) for c in cells]
        out[3] = f"<span{cls}>{out[3]}</span>"
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in out) + "</tr>")
    return (STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(body) + "</tbody></table>")


MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
QUARTERS_ZH = {"Q1": "一", "Q2": "二", "Q3": "三", "Q4": "四"}


def in_year_label(year: int, period: str, measure: str, months: int, lang: str = "zh") -> str:
    """'2025年1—9月' (a year-to-date figure), '2025年9月', '2025年第三季度' (a period's own value);
    'Jan–Sep 2025', 'Sep 2025', 'Q3 2025' in English."""
    zh = lang == "zh"
    if measure in ("ytd", "ytd_growth"):
        if months == 1:
            return f"{year}年1月" if zh else f"Jan {year}"
        return f"{year}年1—{months}月" if zh else f"Jan–{MONTHS_EN[months - 1]} {year}"
    if period in QUARTERS_ZH:
        return f"{year}年第{QUARTERS_ZH[period]}季度" if zh else f"{period} {year}"
    if period == "H1":
        return f"{year}年上半年" if zh else f"H1 {year}"
    return f"{year}年{months}月" if zh else f"{MONTHS_EN[months - 1]} {year}"


def subannual_html(plan: Any, table: pd.DataFrame, lang: str = "zh") -> str:
    """The in-year figures (monthly, quarterly, year-to-date) of the pillar's series, the latest
    year of each: shown, not projected. Empty when there are none."""
    zh = lang == "zh"
    measure_label = {"ytd": ("累计值", "year to date"), "ytd_growth": ("累计增长", "growth, year "
                     "to date"), "period": ("当期值", "period value")}
    series = series_shown(table)
    if not hasattr(plan, "subannual"):
        return ""
    obs = plan.observations
    if "period" in obs:  # only the series that have in-year figures
        inyear = obs[obs["period"].fillna("").astype(str) != ""]
        have = set(zip(inyear["indicator_id"], inyear["geography"]))
        series = [(ind, geo) for ind, geo in series if (ind, geo) in have]
    names = plan.indicators.set_index("indicator_id")
    rows = []
    for ind, geo in series:
        try:
            sub = plan.subannual(ind, geo)
        except KeyError:
            continue
        if sub.empty:
            continue
        sub = sub[sub["year"] == sub["year"].max()]
        label = names.loc[ind, "name_zh" if zh else "name_en"] if ind in names.index else ind
        unit = names.loc[ind, "unit"] if ind in names.index else ""
        for r in sub.itertuples():
            u = "%" if r.measure == "ytd_growth" else unit
            cells = [esc(label), esc(geo),
                     esc(in_year_label(int(r.year), r.period, r.measure, int(r.months), lang)),
                     esc(measure_label[r.measure][0 if zh else 1]), f"{fmt(r.value)} {esc(u)}",
                     esc(data_status_label(str(r.status), lang)),
                     esc(r.received) + (esc("(期末,假定)" if zh else " (period end, assumed)")
                                        if r.received_assumed else "")]
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    if not rows:
        return ""
    heads = (["指标", "地区/口径", "期间", "类型", "数值", "数据性质", "收到日期"] if zh else
             ["Indicator", "Geography", "Period", "Measure", "Value", "Status", "Received"])
    title = ("年内数据(月度、季度累计,仅展示,不进入预测)" if zh else
             "In-year figures (monthly and quarterly, shown but not projected)")
    return (f"<h3>{esc(title)}</h3>" + STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")


def _year_ranges(grp: Mapping[str, Any]) -> str:
    """'2016–2020, 2022 Q1' from the rows' years and periods (columns ``year`` and, if any,
    ``period``)."""
    whole = sorted({int(y) for y, p in zip(grp["year"], grp.get("period", [""] * len(grp)))
                    if not (isinstance(p, str) and p)})
    parts: list[str] = []
    start = prev = None
    for y in whole:
        if start is None:
            start = prev = y
        elif y == prev + 1:
            prev = y
        else:
            parts.append(f"{start}" if start == prev else f"{start}–{prev}")
            start = prev = y
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}–{prev}")
    if "period" in grp:
        parts += [f"{int(y)} {p}" for y, p in zip(grp["year"], grp["period"])
                  if isinstance(p, str) and p]
    return ", ".join(parts)


def plan_title(plan: Any, lang: str) -> str:
    """The plan's title in ``lang`` (from its ``plan.yaml``)."""
    return str(plan.title(lang))


def vintage_text(plan: Any, lang: str) -> str:
    """'Data up to 2031; latest official/preliminary year 2030' in ``lang``."""
    vintage = plan.vintage()
    return (f"{'数据截至' if lang == 'zh' else 'Data up to'} {vintage.get('latest_year', '—')}; "
            f"{'最新正式/初步数据年份' if lang == 'zh' else 'latest official/preliminary year'} "
            f"{vintage.get('latest_official_year', '—')}")


def header_html(plan: Any, pillar_row: Mapping[str, Any], scenario: Scenario, lang: str,
                meta: Mapping[str, Any], illustrative: bool) -> str:
    """Title block: pillar, scenario and assumptions, data vintage, production time and version."""
    name = pillar_row["name_zh"] if lang == "zh" else pillar_row["name_en"]
    desc = pillar_row.get("description_zh" if lang == "zh" else "description_en", "")
    rows = scenario.assumptions_table(lang)
    if rows:
        items = "".join(
            f"<li>{esc(a['scope'])}: "
            + ", ".join(x for x in [
                f"{'增速调整' if lang == 'zh' else 'growth shift'} {a['growth_shift_pp']:+g} pp"
                if a["growth_shift_pp"] else "",
                f"{'设定增速' if lang == 'zh' else 'growth set to'} {a['growth_set_pct']:g}%"
                if a["growth_set_pct"] is not None else "",
                f"{'一次性冲击' if lang == 'zh' else 'shocks'} {esc(a['shocks'])}"
                if a["shocks"] else "",
                f"{'不确定性倍数' if lang == 'zh' else 'uncertainty ×'} {a['uncertainty_scale']:g}"
                if a["uncertainty_scale"] != 1 else "",
                f"{'适用指标类别' if lang == 'zh' else 'measures moved'}: {esc(a['measures'])}"
                if a.get("measures") else "",
            ] if x) + "</li>" for a in rows)
        assumptions = f"<ul>{items}</ul>"
    else:
        assumptions = "<p>" + ("无调整" if lang == "zh" else "No adjustment") + "</p>"
    produced = meta.get("created", "")
    vint = vintage_text(plan, lang)
    info = plan.info
    title = f"{plan.title(lang)} · " + ("分领域评估报告" if lang == "zh" else "pillar report")
    facts = [x for x in (info.geography, info.issuer(lang), info.status_text(lang),
                         (("规划期 " if lang == "zh" else "period ") + info.period_text())
                         if info.period_text() else "") if x]
    lines = [
        f'<p class="qc-meta">{esc(title)}'
        + (f"<br>{esc(' · '.join(facts))}" if facts else "") + "</p>",
        f"<h1>{esc(name)}</h1>",
        f"<p>{esc(desc)}</p>",
        f"<h3>{esc(t('scenario', lang))}: {esc(scenario.label(lang))}</h3>",
        f"<p>{esc(scenario.description(lang))}</p>{assumptions}",
        '<p class="qc-meta">'
        f"{'数据版本' if lang == 'zh' else 'Data vintage'}: {esc(vint)}<br>"
        f"{'生成时间' if lang == 'zh' else 'Produced'}: {esc(produced)} · qcplan "
        f"{esc(meta.get('qcplan_version', __version__))} · "
        f"{'模拟次数' if lang == 'zh' else 'draws'} {esc(meta.get('n_sims'))}, seed "
        f"{esc(meta.get('seed'))}, as of {esc(meta.get('as_of'))}</p>",
    ]
    out = STYLE + "".join(lines)
    if illustrative:
        out = STYLE + banner_html(lang) + "".join(lines)
    return out


def years_text(years: Iterable[int], lang: str = "zh") -> str:
    """'2026' / '2026、2028' (zh) / '2026, 2028' (en)."""
    return ("、" if lang == "zh" else ", ").join(str(int(y)) for y in sorted(set(years)))


def workpoints_html(table: pd.DataFrame, lang: str = "zh",
                    years: Iterable[int] = (), narrator: Any = None) -> str:
    """The pillar's annual work points (targets due in one of the plan's work-point ``years``)
    against their numbers (units in English from the registry through ``narrator``)."""
    from qcplan.render.narrative import Narrator

    narrator = narrator or Narrator()
    years = tuple(int(y) for y in years)
    if not years:
        return "<p>" + ("本规划未列年度工作要点(plan.yaml 的 workpoint_years 为空)。"
                        if lang == "zh" else "The plan lists no annual work points "
                        "(workpoint_years in plan.yaml is empty).") + "</p>"
    wp = table[table["target_year"].isin(years)]
    if wp.empty:
        return "<p>" + (f"本领域无{years_text(years, lang)}年量化工作要点。" if lang == "zh"
                        else f"No quantified {years_text(years, lang)} work points in this "
                        "pillar.") + "</p>"
    heads = [t("target_name", lang), t("threshold", lang),
             "实际" if lang == "zh" else "actual", t("status", lang)]
    if len(years) > 1:
        heads.insert(1, "年份" if lang == "zh" else "year")
    rows = []
    for _, r in wp.iterrows():
        if np.isfinite(r.get("target_year_value", np.nan)):
            actual = fmt(r["target_year_value"], 2)
        else:
            actual = ("预测 " if lang == "zh" else "projected ") + fmt(r.get("projected_median"), 2)
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


# --------------------------------------------------------------------------- the notebook's view
SECTIONS = {
    "status": ("一、目标状态", "1. Status of the targets"),
    "charts": ("二、指标走势与预测", "2. Indicators: history and projection"),
    "scenarios": ("三、各情景达标概率对比", "3. P(reach) under every scenario"),
    "workpoints": ("四、{years}年度工作要点", "4. The {years} work points"),
    "sources": ("五、数据来源", "5. Sources of every figure shown"),
    "retro": ("六、预测回顾:此前的判断与实际结果", "6. How well did the projections call it"),
}


#: The plan, scenarios and bundles :meth:`ReportContext.open` read last (with the key of its
#: arguments and the stamp of the files they came from).
_LAST_OPENED: dict[str, Any] = {}


def _files_stamp(*folders: Any) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every file the opened context depends on: the plan
    folder's and the parameter folder's files (hidden ones aside), the cache's bundles."""
    out: list[tuple[str, int, int]] = []
    for i, folder in enumerate(folders):
        if not folder:
            continue
        root = Path(folder)
        if not root.is_dir():
            continue
        files = root.glob("*.pkl") if i == 2 else root.rglob("*")
        for path in files:
            rel = path.relative_to(root).parts
            if any(part.startswith(".") for part in rel) or not path.is_file():
                continue
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


class ReportContext:
    """Everything one pillar report shows, for one scenario and language.

    The report notebook calls :meth:`open` with its parameters and then only displays what the
    methods return, so the notebook holds no logic of its own.
    """

    def __init__(self, plan: Any, scenarios: Mapping[str, Scenario], bundles: Mapping[str, Any],
                 pillar: str, scenario: str, lang: str):
        self.plan = plan
        self.scenarios = scenarios
        self.bundles = bundles
        self.pillar = pillar
        self.scenario = scenarios[scenario]
        self.lang = lang
        self.bundle = bundles[scenario]
        self.baseline_bundle = bundles.get("baseline") if scenario != "baseline" else None
        table = self.bundle["table"]
        self.table = table[table["pillar"] == pillar].reset_index(drop=True)
        prow = plan.pillars.set_index("pillar").loc[pillar]
        self.pillar_row = {"pillar": pillar, **prow.to_dict()}
        from qcplan.render.narrative import Narrator

        self.narrator = Narrator(plan, scenarios)
        #: what changed since the last run (target_id, previous_status, status), when known
        self.changes: pd.DataFrame | None = None
        self._findings: pd.Series | None = None
        self._sources: tuple[list[str], list[list[str]]] | None = None
        self.cache_dir = ""
        #: (target id or None, PNG) of every chart shown, for the Word document
        self.charts: list[tuple[str | None, bytes]] = []
        #: charts are PNG (for a Word document) rather than SVG; see :meth:`show_chart`
        self.word = False
        #: target id (None: the work points) of every chart shown as SVG
        self._svg_shown: list[str | None] = []

    @classmethod
    def open(cls, pillar: str, scenario: str = "baseline", lang: str = "zh", data_dir: Any = "",
             params_dir: Any = "", as_of: Any = "", n_sims: int = 10_000, seed: int | None = 0,
             cache_dir: Any = "", word: bool = False) -> ReportContext:
        """Load the plan and scenarios, check the parameters, and read or compute the bundles.

        ``word``: a Word document of the report will be written (:meth:`write_documents`), so
        charts are drawn as PNG at print resolution, shown and kept for it; otherwise they are
        shown as SVG (:meth:`show_chart`)."""
        from qcplan.errors import ParameterError
        from qcplan.model.scenarios import load_scenarios
        from qcplan.options import check_options
        from qcplan.plan.load import load_plan, resolve_data_dir

        # The same rules as `qcplan run` and `qcplan assess` (qcplan/options.py).
        checked, problems = check_options(
            {"lang": lang, "as_of": as_of, "n_sims": n_sims}
            | ({} if seed is None else {"seed": seed}), "notebook parameters")
        if problems:
            raise problems[0]
        # A kept kernel opens report after report of the same run: what it read for the last
        # one is used again while none of the files it came from has changed.
        key = (str(resolve_data_dir(data_dir or None)), str(params_dir or ""),
               str(checked["as_of"]), str(cache_dir or ""), checked["n_sims"],
               checked.get("seed"))
        stamp = _files_stamp(key[0], key[1], cache_dir)
        last = _LAST_OPENED.get("key") == key and _LAST_OPENED.get("stamp") == stamp
        if last:
            plan, scenarios = _LAST_OPENED["plan"], _LAST_OPENED["scenarios"]
        else:
            _LAST_OPENED.clear()
            plan = load_plan(data_dir or None)
            plan = plan.known_at(checked["as_of"])  # the figures the assessment used
            scenarios = load_scenarios(params_dir or None, plan)
        pillars = list(plan.pillars.sort_values("order", kind="stable")["pillar"])
        if pillar in ("", None) and pillars:
            pillar = pillars[0]  # the notebook's default: the plan's first pillar
        if pillar not in pillars:
            raise ParameterError("notebook parameters", "pillar", pillar,
                                 "one of " + ", ".join(pillars))
        if scenario not in scenarios:
            raise ParameterError("notebook parameters", "scenario", scenario,
                                 "one of " + ", ".join(scenarios))
        if last:
            bundles = _LAST_OPENED["bundles"]
        else:
            bundles = scenario_bundles(plan, scenarios, cache_dir, n_sims=checked["n_sims"],
                                       seed=checked.get("seed"), as_of=checked["as_of"])
            if cache_dir:  # bundles read from files, not computed here
                _LAST_OPENED.update(key=key, stamp=stamp, plan=plan, scenarios=scenarios,
                                    bundles=bundles)
        from qcplan.render.changes import status_changes

        ctx = cls(plan, scenarios, bundles, pillar, scenario, lang)
        ctx.word = bool(word)
        ctx.cache_dir = str(cache_dir or "")
        ctx.changes = status_changes(ctx.cache_dir, scenario)  # kept there by ``qcplan run``
        return ctx

    @property
    def illustrative(self) -> bool:
        return bool(self.table["illustrative"].any())

    def section_title(self, key: str) -> str:
        zh, en = SECTIONS[key]
        text = zh if self.lang == "zh" else en
        if "{years}" in text:
            years = years_text(self.plan.workpoint_years, self.lang)
            text = text.format(years=years) if years else text.format(years="").replace(
                "  ", " ")
        return f"<h2>{esc(text)}</h2>"

    def header_html(self) -> str:
        return header_html(self.plan, self.pillar_row, self.scenario, self.lang,
                           self.bundle["meta"], self.illustrative)

    def status_counts_text(self) -> str:
        """A short summary of the pillar's classes (deterministic; the notebook tests check it)."""
        counts = self.table["status"].value_counts()
        order = [s for s in STATUS_ORDER if s in counts.index]
        p = self.table["prob_reach"].astype(float)
        mean_p = p[np.isfinite(p)].mean() if np.isfinite(p).any() else math.nan
        if self.lang == "zh":
            parts = "、".join(f"{status_label(s, 'zh')}{int(counts[s])}项" for s in order)
            return (f"本领域共{len(self.table)}项目标({self.scenario.label('zh')}):{parts};\n"
                    f"平均达标概率{mean_p:.2f}(模型估计)。")
        parts = ", ".join(f"{status_label(s, 'en').lower()} {int(counts[s])}" for s in order)
        return (f"{len(self.table)} targets in this pillar ({self.scenario.label('en')}):\n"
                f"{parts};\nmean P(reach) {mean_p:.2f} (model estimate).")

    def findings(self) -> pd.Series:
        """Each target's written finding (target_id → text) under this scenario."""
        if self._findings is None:
            others = {n: b["table"] for n, b in self.bundles.items()}
            self._findings = self.narrator.findings(self.table, self.lang, others)
        return self._findings

    def finding(self, target_id: str) -> str:
        return str(self.findings().get(target_id, ""))

    def summary_text(self) -> str:
        """The pillar's paragraph: counts per status, the most at risk, what changed."""
        return self.narrator.pillar_paragraph(self.table, self.lang, self.changes)

    def summary_html(self) -> str:
        return f'<p class="qc-summary">{esc(self.summary_text())}</p>'

    def status_table_html(self) -> str:
        return status_table_html(self.table, self.lang, show_shift=self.scenario.mode == "plan",
                                 findings=self.findings(), narrator=self.narrator)

    def charted_targets(self) -> list[str]:
        """The pillar's targets charted one by one: not milestones, not the annual work points
        (those share one chart, :meth:`has_workpoints`), and only with data."""
        hist = self.bundle["history"]
        has = set(hist["target_id"])
        return [tid for tid, kind in zip(self.table["target_id"], self.table["kind"])
                if kind not in ("milestone", "workpoint") and tid in has]

    def has_workpoints(self) -> bool:
        return bool((self.table["kind"] == "workpoint").any())

    def scenario_matrix_html(self) -> str:
        labels = {n: s.label(self.lang) for n, s in self.scenarios.items()}
        return scenario_matrix(self.bundles, self.pillar, labels, self.lang)

    def workpoints_html(self) -> str:
        return workpoints_html(self.table, self.lang, self.plan.workpoint_years, self.narrator)

    def sources_html(self) -> str:
        """The sources table, then the in-year figures of the pillar's series (if any)."""
        return (sources_table_html(*self.source_rows(), lang=self.lang)
                + subannual_html(self.plan, self.table, self.lang))

    def source_rows(self) -> tuple[list[str], list[list[str]]]:
        """:func:`source_rows` of the pillar (computed once: the report and its Word document
        show the same)."""
        if self._sources is None:
            self._sources = source_rows(self.plan, self.table, self.lang)
        return self._sources

    def show_chart(self, fig: Any, target_id: str | None = None) -> None:
        """Show a chart, drawn once; the figure is closed.

        As SVG (text kept as text, in the page's embedded font: crisp on a phone and on paper,
        a fifth of a PNG's size and about half its drawing time), or, when the report also
        writes a Word document (``word``), as one PNG at print resolution (:data:`CHART_DPI`)
        that is kept for the document (:meth:`write_documents`)."""
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        alt = (name_of(self.table.set_index("target_id").loc[target_id], self.lang)
               if target_id is not None else html.unescape(re.sub(
                   "<[^>]+>", "", self.section_title("workpoints"))))
        if not self.word:
            svg = chart_svg(fig, alt)
            plt.close(fig)
            self._svg_shown.append(target_id)
            display({"image/svg+xml": svg}, metadata={"image/svg+xml": {"qcplan_chart": True}},
                    raw=True)
            return
        png = chart_png(fig)
        width = int(round(fig.get_figwidth() * 100))
        plt.close(fig)
        self.charts.append((target_id, png))
        display(Image(data=png, format="png", width=width, metadata={"alt": alt}))

    def _word_charts(self) -> None:
        """PNGs of the charts shown as SVG, for a Word document asked for afterwards."""
        import matplotlib.pyplot as plt

        from qcplan.render.charts import indicator_chart, workpoints_chart

        for target_id in self._svg_shown:
            if target_id is None:
                fig = workpoints_chart(self.table, lang=self.lang)
            else:
                fig = indicator_chart(self.bundle, target_id, lang=self.lang,
                                      baseline=self.baseline_bundle,
                                      scenario_label=self.scenario.label(self.lang))
            self.charts.append((target_id, chart_png(fig)))
            plt.close(fig)
        self._svg_shown = []

    def document_spec(self) -> Any:
        """The Word document of this report (:class:`qcplan.render.documents.DocumentSpec`)."""
        from qcplan.render import documents

        return documents.pillar_spec(self)

    def write_documents(self, docx_path: str | Path = "") -> None:
        """Write the report's Word document to ``docx_path`` (nothing when empty), and keep its
        charts in the run's cache for the whole-plan document."""
        if not docx_path:
            return
        from qcplan.render import documents

        if self._svg_shown:
            self._word_charts()

        documents.write_document(docx_path, self.document_spec())
        if self.cache_dir:
            documents.save_charts(self.cache_dir, self.scenario.name, self.lang, self.charts)


    @property
    def retro(self) -> pd.DataFrame | None:
        """The retrospective rows (from the baseline bundle; None when not computed)."""
        base = self.bundles.get("baseline") or {}
        return base.get("retro")

    def course_html(self) -> str:
        """Each target's P(reach) over the runs: the past runs ``qcplan run`` kept in its cache
        (from ``OUT/history.csv``) and this run's point; '' for a report run alone."""
        from qcplan.render.course import read_cached_history, report_course_html

        past = read_cached_history(self.cache_dir)
        if past is None:
            return ""
        started = ""
        try:  # the run's own date: its manifest, beside the cache
            import json

            manifest = Path(self.cache_dir).parent / "manifest.json"
            started = str(json.loads(manifest.read_text(encoding="utf-8"))["started"])
        except (OSError, ValueError, KeyError, TypeError):
            import datetime as _dt

            started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        return report_course_html(past, self.table, self.scenario.name, started, self.lang)

    def retro_html(self) -> str:
        """This pillar's decided targets as called before, and the plan-wide reliability."""
        from qcplan.render.retro import reliability_html, retro_table_html

        zh = self.lang == "zh"
        out = retro_table_html(self.retro, self.lang, self.pillar)
        rel = reliability_html(self.retro, self.lang)
        if rel:
            out += ("<h3>" + ("全规划已有结果目标的预测可靠性" if zh else
                              "Reliability across the plan's decided targets") + "</h3>" + rel)
        return out


def inline_figures_once() -> None:
    """In a notebook, save inline figures as drawn (no 'tight' bounding box, which draws each
    figure twice); the charts set their own margins. Does nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kernel
        return
    ip = get_ipython()
    if ip is None:
        return
    ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")
