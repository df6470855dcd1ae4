"""The run's ``index.html``: a pillar × scenario matrix linking every report of a batch run.

One self-contained page (inline CSS, the Chinese glyphs it uses embedded as a font subset, no
script, no external address): for each pillar and scenario the count of targets in each status
(coloured by class), the mean P(reach) and links to the reports in each language; the run's date,
the data vintage, the qcplan version, and a banner when any figure behind the matrix is
illustrative or any report failed. Labels are in Chinese and English on the same page. Every
text that comes from the data or the parameters is HTML-escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qcplan.files import write_atomic
from qcplan.model.status import STATUS_ORDER
from qcplan.render.changes import render_changes_html
from qcplan.render.course import arrow_html, course_section_html, previous_prob
from qcplan.render.export import (
    check_self_contained,
    embedded_font_style,
    label_table_cells,
    page_style,
)
from qcplan.render.html import esc as _esc
from qcplan.render.html import target_anchor
from qcplan.render.i18n import STATUS, STATUS_COLOUR, status_label, t
from qcplan.render.narrative import Narrator
from qcplan.render.retro import reliability_html, retro_table_html
from qcplan.render.units import units_table_html
from qcplan.render.wording import percent_short

#: The page's own words, (zh, en): both are shown, the English beneath.
TITLE = ("规划目标跟踪 · 评估报告总览", "Plan targets · overview of the reports")
#: A report's language, named in its own language (the links to each report).
LANG_NAMES = {"zh": "中文", "en": "English"}
#: How a report of the run ended.
OUTCOME_LABELS = {
    "ok": ("成功", "ok"),
    "failed": ("失败", "failed"),
    "timeout": ("超时", "timeout"),
    "interrupted": ("中断", "interrupted"),
    "pending": ("未运行", "not run"),
}

CSS = """
body{margin:24px auto;max-width:1200px;padding:0 16px;color:#1f2328;line-height:1.5}
h1{font-size:1.6em;margin:0 0 4px}
h2{font-size:1.2em;margin:28px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
.en{color:#57606a}
.meta{color:#444;font-size:.92em}
.meta td{padding:1px 12px 1px 0;vertical-align:top}
.banner{border-radius:6px;padding:10px 14px;margin:12px 0;font-weight:600}
.banner.illustrative{background:#fff4e5;border:2px solid #e8833a;color:#5a2d00}
.banner.failed{background:#fdecea;border:2px solid #c62828;color:#5f1111}
.banner ul{margin:6px 0 0;font-weight:400}
table.matrix{border-collapse:collapse;width:100%;font-size:.92em}
.matrix th,.matrix td{border:1px solid #d8dee4;padding:6px 8px;vertical-align:top;text-align:left}
.matrix thead th{background:#f0f2f5}
.matrix tbody th{background:#f6f8fa;min-width:9em}
.matrix tr.total th,.matrix tr.total td{background:#f6f8fa}
.chip{display:inline-block;border-radius:4px;padding:0 6px;margin:1px 2px 1px 0;
  white-space:nowrap;font-size:.9em}
.prob{margin-top:4px}
.links{margin-top:4px;font-size:.9em}
.links a{margin-right:8px}
.bad{color:#c62828;font-weight:600;margin-right:8px}
.legend .chip{margin-right:8px}
.muted{color:#8c959f}
footer{margin-top:32px;color:#57606a;font-size:.85em}
table.risk{border-collapse:collapse;width:100%;font-size:.9em}
.risk th,.risk td{border-bottom:1px solid #d8dee4;padding:5px 8px;vertical-align:top;
  text-align:left}
.risk thead th{background:#f0f2f5}
.risk td.p{white-space:nowrap;font-weight:600}
.risk .need{font-size:.92em}
.arrow{font-weight:700;margin-left:2px}.arrow-up{color:#1a7f37}.arrow-down{color:#c62828}
.arrow-same{color:#8c959f}
svg.spark{display:block;max-width:100%;height:auto}
@media (max-width:600px){table.risk thead{display:none}
  table.risk tr{display:block;border-bottom:1px solid #d8dee4;padding:6px 0}
  table.risk td{display:block;border:none;padding:2px 4px}}
"""


def both(zh: str, en: str) -> str:
    """``zh`` then ``en`` in a muted span (both already safe HTML)."""
    return f'{zh} <span class="en">{en}</span>'


def _status_chip(status: str, count: int | None = None) -> str:
    bg, fg = STATUS_COLOUR.get(status, ("#cfcfcf", "#222222"))
    zh, en = STATUS.get(status, (status, status))
    text = _esc(zh) if count is None else f"{_esc(zh)} {count}"
    return (f'<span class="chip status-{_esc(status)}" style="background:{bg};color:{fg}" '
            f'title="{_esc(en)}">{text}</span>')


def _mean_prob(table: pd.DataFrame) -> float:
    if "prob_reach" not in table or table.empty:
        return math.nan
    p = pd.to_numeric(table["prob_reach"], errors="coerce")
    p = p[p.notna() & p.map(math.isfinite)]
    return float(p.mean()) if len(p) else math.nan


def _ordered_statuses(statuses: Iterable[str]) -> list[str]:
    present = set(statuses)
    known = [s for s in STATUS_ORDER if s in present]
    return known + sorted(present - set(known))


def _cell(table: pd.DataFrame | None, links: str) -> str:
    if table is None:
        return f'<td><span class="muted">—</span>{links}</td>'
    counts = table["status"].astype(str).value_counts()
    chips = "".join(_status_chip(s, int(counts[s])) for s in _ordered_statuses(counts.index))
    mean_p = _mean_prob(table)
    prob = "—" if math.isnan(mean_p) else f"{mean_p:.0%}"
    return (f"<td>{chips or '<span class=muted>—</span>'}"
            f'<div class="prob">{both("平均达标概率", "mean P(reach)")}: <b>{prob}</b> '
            f'<span class="muted">({len(table)} {both("项目标", "targets")})</span></div>'
            f"{links}</td>")


def _links(reports: Sequence[Mapping[str, Any]], pillar: str, scenario: str) -> str:
    parts = []
    for r in reports:
        if r["pillar"] != pillar or r["scenario"] != scenario:
            continue
        lang = str(r["lang"])
        name = LANG_NAMES.get(lang, lang)
        if r.get("status") == "ok" and r.get("html"):
            href = html.escape(str(r["html"]), quote=True)
            parts.append(f'<a href="{href}">{both("报告", "report")} · {_esc(name)}</a>')
        else:
            zh, en = OUTCOME_LABELS.get(str(r.get("status")), (r.get("status"), r.get("status")))
            parts.append(f'<span class="bad">{_esc(name)}: {_esc(zh)} {_esc(en)}</span>')
    return f'<div class="links">{"".join(parts)}</div>' if parts else ""


def _banner_failed(reports: Sequence[Mapping[str, Any]]) -> str:
    bad = [r for r in reports if r.get("status") != "ok"]
    if not bad:
        return ""
    items = []
    for r in bad:
        err = r.get("error") or {}
        what = ": ".join(str(x) for x in (err.get("ename"), err.get("evalue")) if x)
        cell = err.get("cell_index")
        where = f" (cell {cell})" if cell is not None else ""
        items.append(f"<li>{_esc(r['pillar'])} / {_esc(r['scenario'])} / {_esc(r['lang'])}: "
                     f"{_esc(r.get('status'))}{' — ' + _esc(what[:300]) if what else ''}"
                     f"{_esc(where)}</li>")
    return (f'<div class="banner failed" role="alert">'
            f"{both(f'{len(bad)} 份报告未能生成', f'{len(bad)} report(s) not produced')}"
            f"<ul>{''.join(items)}</ul></div>")


def _banner_illustrative() -> str:
    zh, en = t("illustrative_banner", "zh"), t("illustrative_banner", "en")
    return (f'<div class="banner illustrative" role="alert">⚠ {_esc(zh)}<br>'
            f'<span class="en">{_esc(en)}</span></div>')


def _vintage_text(vintage: Mapping[str, Any]) -> str:
    parts = []
    official = vintage.get("latest_official_year", vintage.get("latest_reported_year"))
    if official is not None:
        parts.append(f"{both('最新正式/初步数据年份', 'latest official/preliminary year')}: "
                     f"{_esc(official)}")
    if vintage.get("latest_year") is not None:
        parts.append(f"{both('数据截至', 'data up to')}: {_esc(vintage['latest_year'])}")
    counts = vintage.get("status_counts") or {}
    if counts:
        parts.append(", ".join(f"{_esc(k)} {_esc(v)}" for k, v in counts.items()))
    return " · ".join(parts) or "—"


def at_risk_html(table: pd.DataFrame | None, reports: Sequence[Mapping[str, Any]],
                 pillars: pd.DataFrame, narrator: Any = None, scenario: str = "baseline",
                 history: pd.DataFrame | None = None, run_id: str = "") -> str:
    """The at-risk list: every target of ``table`` (the baseline's) that is missed, overdue,
    moving away, off track or needs acceleration, sorted by P(reach), with the pace required
    against the pace observed, the responsible units and links to its row in its pillar's
    reports (``#target-<id>``). With ``history`` (:mod:`qcplan.batch.history`, this run's rows
    included) an arrow beside each P(reach) says how it moved since the run before."""
    narrator = narrator or Narrator()
    title = both("需要关注的目标(基准情景)", "Targets needing attention (baseline)")
    if table is None or table.empty:
        return ""
    table = table[table["pillar"].isin(list(pillars["pillar"]))]
    risk = narrator.at_risk(table)
    if risk.empty:
        none = both("没有偏离、背离、未完成、逾期或需加快的目标。",
                     "No target is off track, moving away, missed, overdue or in need of "
                     "acceleration.")
        return f'<h2 id="at-risk">{title}</h2><p>{none}</p>'

    names = pillars.set_index("pillar")
    rows = []
    for _, r in risk.iterrows():
        links = []
        for rep in reports:
            if rep["pillar"] != r["pillar"] or rep["scenario"] != scenario or \
                    rep.get("status") != "ok" or not rep.get("html"):
                continue
            href = html.escape(f"{rep['html']}#{target_anchor(str(r['target_id']))}", quote=True)
            links.append(f'<a href="{href}">{_esc(LANG_NAMES.get(str(rep["lang"]), rep["lang"]))}'
                         "</a>")
        pillar = names.loc[r["pillar"]] if r["pillar"] in names.index else None
        p_name = both(_esc(pillar["name_zh"]), _esc(pillar["name_en"])) if pillar is not None \
            else _esc(r["pillar"])
        p = r.get("prob_reach")
        shown_p = "—" if r["status"] in ("missed", "overdue") else percent_short(p)
        arrow = ""
        if history is not None and shown_p != "—":
            prev = previous_prob(history, str(r["target_id"]), run_id, scenario)
            arrow = " " + (arrow_html(prev, p) if prev is not None else
                           '<span class="muted" title="首次记录 · first run on record">·</span>')
        rows.append(
            f'<tr class="risk-{_esc(r["status"])}">'
            f"<td>{_status_chip(str(r['status']))}</td>"
            f'<td class="p">{_esc(shown_p)}{arrow}</td>'
            f"<td>{_esc(r['name_zh'])}<br><span class=\"en\">{_esc(r['name_en'])}</span><br>"
            f'<span class="muted">{p_name}</span></td>'
            f'<td class="need">{_esc(narrator.need(r, "zh"))}<br>'
            f'<span class="en">{_esc(narrator.need(r, "en"))}</span></td>'
            f"<td>{_esc(narrator.bodies(r, 'zh'))}<br>"
            f'<span class="en">{_esc(narrator.bodies(r, "en"))}</span></td>'
            f"<td>{' · '.join(links) or '—'}</td></tr>")
    head = "".join(f"<th>{h}</th>" for h in (
        both("状态", "status"), both("达标概率", "P(reach)"), both("目标", "target"),
        both("所需与实际进度", "pace needed vs observed"), both("责任单位", "responsible units"),
        both("报告", "report")))
    count = both(f"共{len(risk)}项,按达标概率从低到高排列。",
                  f"{len(risk)} targets, lowest P(reach) first.")
    return (f'<h2 id="at-risk">{title}</h2><p class="muted">{count}</p>'
            f'<table class="risk"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


def _changes_html(changes: Any, reports: Sequence[Mapping[str, Any]]) -> str:
    """The "since the last run" section, linking each target to its report (Chinese first)."""
    if changes is None:
        return ""

    links: dict[tuple[str, str], str] = {}
    for r in sorted(reports, key=lambda r: r.get("lang") != "zh"):
        if r.get("html"):
            links.setdefault((str(r["pillar"]), str(r["scenario"])), str(r["html"]))
    return render_changes_html(changes, status_label, links)


def _course_html(history: pd.DataFrame | None, table: pd.DataFrame | None,
                 pillars: pd.DataFrame, run_id: str) -> str:
    """Each baseline target's P(reach) over the runs (:mod:`qcplan.render.course`)."""
    if history is None or table is None:
        return ""

    return course_section_html(history, table[table["pillar"].isin(list(pillars["pillar"]))],
                               run_id)


def _units_html(units: Any) -> str:
    """The "by unit" table linking each responsible unit's page."""
    if not units:
        return ""

    return units_table_html(units)


def _empty_plan_notice() -> str:
    """Said plainly on the page of a plan with no pillars or targets yet."""
    return ('<div class="banner illustrative" role="status">'
            + both("本规划尚无领域和目标:请按 docs/NEW_PLAN.md 填写主要指标表后再运行。",
                    "This plan has no pillars or targets yet: enter its main-indicator table "
                    "(docs/NEW_PLAN.md) and run again.") + "</div>")


def retro_section(retro: pd.DataFrame | None) -> str:
    """The retrospective (Chinese tables, the English ones folded below), or '' without one."""
    if retro is None:
        return ""

    title = both("预测回顾:此前的判断与实际结果", "How well did the projections call it")
    if retro.empty:
        none = both("尚无目标年份已有实际数据的目标。",
                     "No target has an observed target year yet.")
        return f"<h2>{title}</h2><p>{none}</p>"
    return (f"<h2>{title}</h2>{reliability_html(retro, 'zh')}{retro_table_html(retro, 'zh')}"
            f'<details><summary class="en">English</summary>{reliability_html(retro, "en")}'
            f"{retro_table_html(retro, 'en')}</details>")


def matrix_head(scenarios: Mapping[str, Any]) -> str:
    """The matrix's header cells: one per scenario, its label in both languages and its id."""
    return "".join(
        f"<th>{both(_esc(s.label('zh')), _esc(s.label('en')))}<br>"
        f'<span class="muted">{_esc(name)}</span></th>'
        for name, s in scenarios.items()
    )


def pillar_rows(pillars: pd.DataFrame, scenarios: Mapping[str, Any],
                tables: Mapping[str, pd.DataFrame], reports: Sequence[Mapping[str, Any]],
                anchor: str = "pillar-") -> list[str]:
    """One matrix row per pillar: its name, then each scenario's status counts, mean P(reach)
    and report links; the row's id is ``anchor`` + the pillar id."""
    rows = []
    for prow in pillars.itertuples(index=False):
        pid = str(prow.pillar)
        cells = []
        for name in scenarios:
            table = tables.get(name)
            sub = None if table is None else table[table["pillar"] == pid]
            cells.append(_cell(sub, _links(reports, pid, name)))
        rows.append(
            f'<tr id="{_esc(anchor + pid)}"><th>{_esc(prow.name_zh)}<br>'
            f'<span class="en">{_esc(prow.name_en)}</span><br>'
            f'<span class="muted">{_esc(pid)}</span></th>{"".join(cells)}</tr>'
        )
    return rows


def render_dashboard(
    *,
    pillars: pd.DataFrame,
    scenarios: Mapping[str, Any],
    tables: Mapping[str, pd.DataFrame],
    reports: Sequence[Mapping[str, Any]],
    run_id: str,
    run_date: _dt.datetime,
    vintage: Mapping[str, Any],
    version: str,
    as_of: str = "",
    n_sims: int | None = None,
    seed: int | None = None,
    narrator: Any = None,
    plan_title: tuple[str, str] | None = None,
    changes: Any = None,
    retro: pd.DataFrame | None = None,
    history: pd.DataFrame | None = None,
    units: Any = None,
) -> str:
    """The dashboard page as a string.

    ``history``: the plan's rows of ``OUT/history.csv`` with this run's own
    (:mod:`qcplan.batch.history`): a chart of P(reach) over the runs per target of the baseline,
    and arrows in the at-risk list. ``units``: the rows of the "by unit" table
    (:func:`qcplan.render.units.units_table_html`).

    ``retro``: :func:`qcplan.model.retrospect.retrospect`'s rows; when given, a section shows
    what the workbook would have said before each decided target's outcome, and how reliable
    that was.

    ``plan_title``: the plan's (Chinese, English) title from its ``plan.yaml``, shown above the
    page's own title.

    ``pillars``: the plan's pillars table (``pillar, name_zh, name_en``, in display order) limited
    to the pillars of the run; ``scenarios``: name -> :class:`~qcplan.model.scenarios.Scenario` (or
    anything with ``label(lang)``), in column order; ``tables``: scenario -> assessment table
    (one row per target, with ``pillar, status, prob_reach, illustrative``); ``reports``: one
    mapping per report with ``pillar, scenario, lang, status`` and ``html`` (file name relative
    to the page) and, for a failure, ``error``; ``narrator``
    (:class:`qcplan.render.narrative.Narrator`) gives the English names of responsible units;
    ``changes``: a :class:`~qcplan.render.changes.Changes` shown at the top ("since the last
    run"), or None. Above the matrix, the at-risk list of the baseline (:func:`at_risk_html`).
    """
    settings = _settings_text(as_of, n_sims, seed)
    top = _top_html(plan_title, _any_illustrative(tables, scenarios, pillars), reports, changes,
                    run_date, run_id, vintage, settings, version)
    matrix = _matrix_html(matrix_head(scenarios), _matrix_rows(pillars, scenarios, tables,
                                                                reports))
    body = f"""
{top}
{at_risk_html(tables.get("baseline"), reports, pillars, narrator, history=history,
              run_id=run_id)}
{_units_html(units)}
{_empty_plan_notice() if pillars.empty else ""}
{matrix}
{_course_html(history, tables.get("baseline"), pillars, run_id)}
{retro_section(retro)}
{_legend_and_footer(tables)}
"""
    return _page(body, run_id)


def _any_illustrative(tables: Mapping[str, pd.DataFrame], scenarios: Mapping[str, Any],
                      pillars: pd.DataFrame) -> bool:
    """Whether any figure of the run's pillars rests on illustrative data."""
    illustrative = False
    for name, table in tables.items():
        if name in scenarios and "illustrative" in table:
            sub = table[table["pillar"].isin(list(pillars["pillar"]))]
            illustrative |= bool(sub["illustrative"].fillna(False).astype(bool).any())
    return illustrative


def _matrix_rows(pillars: pd.DataFrame, scenarios: Mapping[str, Any],
                 tables: Mapping[str, pd.DataFrame],
                 reports: Sequence[Mapping[str, Any]]) -> list[str]:
    """The matrix's rows: one per pillar, then the total over pillars when there are several."""
    rows = pillar_rows(pillars, scenarios, tables, reports)
    if len(pillars) > 1:
        cells = []
        for name in scenarios:
            table = tables.get(name)
            sub = None if table is None else table[table["pillar"].isin(list(pillars["pillar"]))]
            cells.append(_cell(sub, ""))
        rows.append(f'<tr class="total"><th>{both("合计", "all pillars")}</th>'
                    f"{''.join(cells)}</tr>")
    return rows


def _settings_text(as_of: str, n_sims: int | None, seed: int | None) -> str:
    settings = []
    if as_of:
        settings.append(f"{both('评估基准日', 'as of')}: {_esc(as_of)}")
    if n_sims is not None:
        settings.append(f"{both('模拟次数', 'draws')}: {_esc(n_sims)}")
    if seed is not None:
        settings.append(f"seed: {_esc(seed)}")
    return " · ".join(settings) or "—"


def _top_html(plan_title: tuple[str, str] | None, illustrative: bool,
              reports: Sequence[Mapping[str, Any]], changes: Any, run_date: _dt.datetime,
              run_id: str, vintage: Mapping[str, Any], settings: str, version: str) -> str:
    """The title, the banners, what changed, and the run's metadata."""
    return f"""<header>
<h1>{_esc(plan_title[0] + " · " if plan_title else "")}{_esc(TITLE[0])}</h1>
<div class="en">{_esc(plan_title[1] + " · " if plan_title else "")}{_esc(TITLE[1])}</div>
</header>
{_banner_illustrative() if illustrative else ""}
{_banner_failed(reports)}
{_changes_html(changes, reports)}
<table class="meta">
<tr><td>{both("运行时间", "run date")}</td>
<td>{_esc(run_date.strftime("%Y-%m-%d %H:%M:%S UTC"))} · {both("运行编号", "run id")}
{_esc(run_id)}</td></tr>
<tr><td>{both("数据版本", "data vintage")}</td><td>{_vintage_text(vintage)}</td></tr>
<tr><td>{both("参数", "settings")}</td><td>{settings}</td></tr>
<tr><td>qcplan</td><td>{_esc(version)}</td></tr>
</table>"""


def _matrix_html(head: str, rows: list[str]) -> str:
    return f"""<h2>{both("各领域 × 情景:目标状态与平均达标概率",
           "Pillars × scenarios: target status and mean P(reach)")}</h2>
<table class="matrix">
<thead><tr><th>{both("领域", "pillar")}</th>{head}</tr></thead>
<tbody>
{"".join(rows)}
</tbody>
</table>"""


def _legend_and_footer(tables: Mapping[str, pd.DataFrame]) -> str:
    """The legend of the statuses shown (the three trend classes always), and the footer."""
    shown = set()
    for table in tables.values():
        shown |= set(table["status"].astype(str))
    legend = "".join(
        f"{_status_chip(s)}<span class='en'>{_esc(STATUS.get(s, (s, s))[1])}</span> "
        for s in _ordered_statuses(shown | {"on_track", "needs_acceleration", "off_track"})
    )
    return f"""<h2>{both("状态图例", "Legend")}</h2>
<p class="legend">{legend}</p>
<footer>
{both("达标概率为模型估计值,不是统计数据;各报告给出数据来源与方法。",
       "P(reach) is a model estimate, not a statistic; each report lists its sources and method.")}
<br>{both("文件", "files")}: summary.csv · manifest.json
</footer>"""


def _page(body: str, run_id: str) -> str:
    """The whole HTML document around ``body``: style, the embedded CJK font, labelled cells."""
    doc = (
        '<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(TITLE[0])} · {_esc(run_id)}</title>\n"
        f'<style type="text/css">{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n'
    )
    doc = label_table_cells(doc)
    return doc.replace("</head>", embedded_font_style(doc) + page_style() + "</head>", 1)


def write_dashboard(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """Render (:func:`render_dashboard`) and write atomically; checked to reach no URL."""
    doc = render_dashboard(**kwargs)
    check_self_contained(doc, path)
    return write_atomic(path, doc)
