"""A page for each responsible unit: what the unit must act on, in the manner of an official
reminder (督办 / 提示函).

For every unit named in ``responsible_units`` of ``targets.csv`` (split on 、 , and ，; the
first named is the lead, the others co-operate), the run writes ``units/<nn>-<name>.html`` (and,
with ``--formats html,docx``, ``units/<nn>-<name>__zh.docx`` and ``__en.docx``):

- the unit's targets, lead and co-operating separately, under the baseline scenario: status,
  P(reach) (with an arrow against the run before, from ``OUT/history.csv``), the pace needed
  against the pace observed, the latest figure and its year;
- the figures the unit owes: the rows a collection round (``qcplan collect``) issued at the run's
  as-of date asks the unit to fill for which no real figure is held yet
  (:func:`qcplan.plan.collect.collect_rows`);
- what changed since the last run for its targets and series (:mod:`qcplan.render.changes`).

``index.html`` gets a "by unit" table (:func:`units_table_html`). The HTML page is in Chinese
with the English beneath, as ``index.html``; it uses the reports' page style (phone width, print
CSS) and is self-contained. Every text from the data is escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import io
import math
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from qcplan.files import write_atomic
from qcplan.numbers import is_finite
from qcplan.plan.collect import collect_rows, unit_aliases
from qcplan.render import documents as d
from qcplan.render.changes import _describe
from qcplan.render.course import arrow_html, previous_prob
from qcplan.render.export import (
    check_self_contained,
    embedded_font_style,
    font_face_css,
    label_table_cells,
    page_style,
)
from qcplan.render.i18n import STATUS, STATUS_COLOUR, data_status_label, pick, status_label
from qcplan.render.narrative import AT_RISK, Narrator
from qcplan.render.sources import year_ranges
from qcplan.render.wording import views_mark

UNITS_DIR = "units"
SPLIT = re.compile(r"[、,，]")
W = {
    "kind": ("督办提示函", "Reminder to a responsible unit"),
    "to": ("致", "To"),
    "intro": ("根据规划目标跟踪评估(评估基准日 {as_of},运行编号 {run}),现将贵单位牵头和配合的"
              "目标进展、所需进度与尚欠数据提示如下,请对照落实。",
              "From the assessment of the plan's targets (as of {as_of}, run {run}), the targets "
              "your unit leads or co-operates on, the pace they need and the figures still owed "
              "are listed below for your action."),
    "counts": ("共{n}项目标:牵头{lead}项、配合{coop}项;需要关注{risk}项;尚欠数据{owed}项。",
               "{n} targets: lead on {lead}, co-operating on {coop}; {risk} need attention; "
               "{owed} figures owed."),
    "lead": ("一、牵头目标", "1. Targets the unit leads"),
    "coop": ("二、配合目标", "2. Targets the unit co-operates on"),
    "owed": ("三、尚欠数据", "3. Figures still owed"),
    "changes": ("四、自上次运行以来的变化", "4. Since the last run"),
    "none_targets": ("无。", "None."),
    "owed_note": ("按评估基准日发起的数据征集口径计算(qcplan collect):所列年份尚无正式、初步或"
                  "估计数据。", "As a collection round (qcplan collect) issued at the as-of date "
                  "would ask: no official, preliminary or estimated figure is held for these "
                  "years."),
    "owed_none": ("无尚欠数据。", "No figure owed."),
    "first_run": ("首次运行,没有可比较的上次运行。", "First run: no previous run to compare with."),
    "no_change": ("无变化。", "No changes."),
    "status": ("状态", "status"),
    "p": ("达标概率", "P(reach)"),
    "target": ("目标", "target"),
    "need": ("所需与实际进度", "pace needed vs observed"),
    "latest": ("最新数据", "latest figure"),
    "indicator": ("指标", "indicator"),
    "years": ("年份", "years"),
    "change": ("变化", "change"),
    "estimate": ("达标概率为模型估计值,不是统计数据;状态按基准情景评估。",
                 "P(reach) is a model estimate, not a statistic; statuses under the baseline "
                 "scenario."),
    "back": ("返回总览", "back to the overview"),
    "by_unit": ("按责任单位", "By responsible unit"),
    "unit": ("责任单位", "responsible unit"),
    "n_targets": ("目标数", "targets"),
    "at_risk": ("需关注", "at risk"),
    "n_owed": ("尚欠数据", "figures owed"),
    "page": ("页面", "page"),
    "latest_figure": ("{value}({year}年{status})", "{value} ({year}{status})"),
    "latest_status": (",{}", ", {}"),
}


def _w(key: str, lang: str) -> str:
    return pick(W[key], lang)


def unit_list(text: Any, aliases: Mapping[str, str] | None = None) -> list[str]:
    """The units named in one ``responsible_units`` cell, in order (lead first), each once;
    with ``aliases`` (:func:`qcplan.plan.collect.unit_aliases`) under its own name however the
    cell names it (区住建局 and 区住房城乡建设局 are one unit)."""
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return []
    out: list[str] = []
    for u in SPLIT.split(str(text)):
        u = unicodedata.normalize("NFKC", u).strip()
        u = (aliases or {}).get(u, u)
        if u and u not in out:
            out.append(u)
    return out


def all_units(targets: pd.DataFrame, aliases: Mapping[str, str] | None = None) -> list[str]:
    """Every unit named in ``targets``, in order of first appearance, each once under its own
    name (see :func:`unit_list`)."""
    seen: dict[str, None] = {}
    for text in targets.get("responsible_units", pd.Series(dtype=str)):
        for u in unit_list(text, aliases):
            seen.setdefault(u, None)
    return list(seen)


def _slug(i: int, name_en: str) -> str:
    words = re.sub(r"[^a-z0-9]+", "-", name_en.lower()).strip("-")[:48].strip("-")
    return f"{i:02d}-{words or 'unit'}"




@dataclass
class UnitView:
    """What one unit's page and documents show."""

    name: str
    name_en: str
    slug: str
    lead: pd.DataFrame
    coop: pd.DataFrame
    owed: list[tuple[str, str, list[int], str, str]]  # indicator, geography, years, zh, en
    changes: pd.DataFrame | None  # None: a first run
    at_risk: int = 0
    previous: dict[str, float] = field(default_factory=dict)  # target -> last run's P

    @property
    def n_targets(self) -> int:
        return len(self.lead) + len(self.coop)

    @property
    def n_owed(self) -> int:
        return sum(len(o[2]) for o in self.owed)

    @property
    def href(self) -> str:
        return f"{UNITS_DIR}/{self.slug}.html"


def unit_views(plan: Any, table: pd.DataFrame, as_of: str, changes: Any = None,
               history: pd.DataFrame | None = None, run_id: str = "",
               names_en: Mapping[str, str] | None = None) -> list[UnitView]:
    """One :class:`UnitView` per unit named in the plan's targets, from ``table`` (this run's
    baseline assessment)."""
    names_en = dict(names_en or {})
    targets = plan.targets[plan.targets["target_id"].isin(set(table["target_id"]))]
    try:
        today = _dt.date.fromisoformat(str(as_of)[:10])
    except ValueError:
        today = _dt.date.today()
    ind_names = {r.indicator_id: (str(r.name_zh), str(r.name_en))
                 for r in plan.indicators.itertuples(index=False)}
    by_id = table.set_index("target_id")
    views = []
    aliases = unit_aliases(plan)
    for i, unit in enumerate(all_units(targets, aliases), start=1):
        lead_ids, coop_ids = [], []
        for r in targets.itertuples(index=False):
            units = unit_list(r.responsible_units, aliases)
            if unit in units:
                (lead_ids if units[0] == unit else coop_ids).append(str(r.target_id))
        lead = by_id.loc[lead_ids].reset_index() if lead_ids else table.iloc[0:0]
        coop = by_id.loc[coop_ids].reset_index() if coop_ids else table.iloc[0:0]
        mine = set(lead_ids) | set(coop_ids)
        # figures owed: what a round issued at the as-of date asks, with nothing real held
        owed_map: dict[tuple[str, str], list[int]] = {}
        sub = _PlanView(plan, targets[targets["target_id"].isin(mine)])
        for row in collect_rows(sub, unit, today=today):
            if row.fill and row.held_value is None:
                owed_map.setdefault((row.indicator_id, row.geography), []).append(row.year)
        owed = [(ind, geo, sorted(years), *ind_names.get(ind, (ind, ind)))
                for (ind, geo), years in owed_map.items()]
        ch = None
        if changes is not None and not changes.first_run:
            t = changes.table
            series = {(str(a), str(b)) for a, b in zip(targets.loc[
                targets["target_id"].isin(mine), "indicator_id"], targets.loc[
                targets["target_id"].isin(mine), "geography"])}
            keep = [(str(rec.get("target_id", "")) in mine if rec["change"] in
                     ("status", "prob_reach") and str(rec.get("scenario")) == "baseline" else
                     (str(rec.get("indicator_id")), str(rec.get("geography"))) in series
                     if rec["change"] in ("new_figure", "revised_figure") else False)
                    for rec in t.to_dict("records")]
            ch = t[keep] if len(t) else t
        both = pd.concat([f for f in (lead, coop) if len(f)]) if mine else table.iloc[0:0]
        risk = int(both["status"].isin(AT_RISK).sum()) if len(both) else 0
        prev = {}
        if history is not None:
            for tid in mine:
                p = previous_prob(history, tid, run_id)
                if p is not None:
                    prev[tid] = p
        views.append(UnitView(unit, names_en.get(unit, ""), _slug(i, names_en.get(unit, "")),
                              lead, coop, owed, ch, risk, prev))
    return views


class _PlanView:
    """The plan with only some targets (what :func:`collect_rows` reads)."""

    def __init__(self, plan: Any, targets: pd.DataFrame):
        self.targets = targets
        self.observations = plan.observations


# --------------------------------------------------------------------------- HTML
CSS = """
body{margin:24px auto;max-width:960px;padding:0 16px;color:#1f2328;line-height:1.6}
h1{font-size:1.5em;margin:0 0 4px;text-align:center;letter-spacing:.1em}
h2{font-size:1.15em;margin:24px 0 8px;border-bottom:1px solid #d8dee4;padding-bottom:4px}
.en{color:#57606a}.muted{color:#8c959f}
.to{font-size:1.1em;font-weight:600;margin-top:16px}
table.unit{border-collapse:collapse;width:100%;font-size:.92em}
.unit th,.unit td{border:1px solid #d8dee4;padding:5px 8px;vertical-align:top;text-align:left}
.unit thead th{background:#f0f2f5}
.chip{display:inline-block;border-radius:4px;padding:0 6px;white-space:nowrap;font-size:.9em}
.arrow{font-weight:700;margin-left:2px}.arrow-up{color:#1a7f37}.arrow-down{color:#c62828}
.arrow-same{color:#8c959f}
footer{margin-top:28px;color:#57606a;font-size:.85em}
@media print{a.back{display:none}}
"""


def _both(key: str, **kw: Any) -> str:
    zh, en = (html.escape(x.format(**kw)) for x in W[key])
    return f'{zh} <span class="en">{en}</span>'


def _status_chip(status: str) -> str:
    bg, fg = STATUS_COLOUR.get(status, ("#cfcfcf", "#222222"))
    zh, en = STATUS.get(status, (status, status))
    return (f'<span class="chip" style="background:{bg};color:{fg}">{html.escape(zh)}</span>'
            f'<br><span class="en">{html.escape(en)}</span>')


def _p_text(row: Mapping[str, Any]) -> str:
    if row.get("status") in ("missed", "overdue") or not is_finite(row.get("prob_reach")):
        return "—"
    return f"{float(row['prob_reach']):.0%}"


def _views_html(row: Mapping[str, Any]) -> str:
    """Under the P(reach): the trend's alone beside the combined figure, or that the outside view
    speaks alone, in both languages ("" without an outside view)."""
    zh, en = views_mark(row, "zh").strip(), views_mark(row, "en").strip()
    if not zh:
        return ""
    return (f'<br><span class="muted">{html.escape(zh)}</span>'
            f'<br><span class="en">{html.escape(en)}</span>')


def _latest(row: Mapping[str, Any], narrator: Any, lang: str) -> str:
    if not is_finite(row.get("latest_value")):
        return "—"
    value = narrator.with_unit(float(row["latest_value"]), row, lang)
    year = int(row["latest_year"]) if is_finite(row.get("latest_year")) else ""
    status = str(row.get("latest_status") or "")
    st = _w("latest_status", lang).format(data_status_label(status, lang)) if status else ""
    return _w("latest_figure", lang).format(value=value, year=year, status=st)


def _targets_html(rows: pd.DataFrame, view: UnitView, narrator: Any) -> str:
    if rows.empty:
        return f"<p>{_both('none_targets')}</p>"
    heads = "".join(f"<th>{_both(k)}</th>" for k in ("status", "p", "target", "need", "latest"))
    body = []
    for rec in rows.to_dict("records"):
        tid = str(rec["target_id"])
        p = _p_text(rec)
        arrow = arrow_html(view.previous.get(tid), rec.get("prob_reach")) if p != "—" else ""
        body.append(
            f"<tr><td>{_status_chip(str(rec['status']))}</td>"
            f"<td>{html.escape(p)}{arrow}{_views_html(rec) if p != '—' else ''}</td>"
            f"<td>{html.escape(str(rec['name_zh']))}<br>"
            f"<span class=\"en\">{html.escape(str(rec['name_en']))}</span><br>"
            f'<span class="muted">{html.escape(tid)}</span></td>'
            f"<td>{html.escape(narrator.need(rec, 'zh'))}<br>"
            f"<span class=\"en\">{html.escape(narrator.need(rec, 'en'))}</span></td>"
            f"<td>{html.escape(_latest(rec, narrator, 'zh'))}<br>"
            f"<span class=\"en\">{html.escape(_latest(rec, narrator, 'en'))}</span></td></tr>")
    return (f'<table class="unit"><thead><tr>{heads}</tr></thead><tbody>{"".join(body)}'
            "</tbody></table>")


def _owed_html(view: UnitView) -> str:
    if not view.owed:
        return f"<p>{_both('owed_none')}</p>"
    heads = "".join(f"<th>{_both(k)}</th>" for k in ("indicator", "years"))
    body = "".join(
        f"<tr><td>{html.escape(zh)}<br><span class=\"en\">{html.escape(en)}</span><br>"
        f'<span class="muted">{html.escape(ind)} @ {html.escape(geo)}</span></td>'
        f"<td>{html.escape(year_ranges(years))}</td></tr>"
        for ind, geo, years, zh, en in view.owed)
    return (f'<p class="muted">{_both("owed_note")}</p><table class="unit"><thead><tr>{heads}'
            f"</tr></thead><tbody>{body}</tbody></table>")


def _changes_lines(view: UnitView, lang: str) -> list[str]:
    if view.changes is None:
        return []
    out = []
    for rec in view.changes.to_dict("records"):
        if rec["change"] == "status":  # the statuses in words, not their codes
            rec = {**rec, **{k: pick(STATUS.get(str(rec[k]), (rec[k], rec[k])), lang)
                             for k in ("before", "after")}}
        out.append(_describe(rec, lang))
    return out


def _changes_html(view: UnitView) -> str:
    if view.changes is None:
        return f"<p>{_both('first_run')}</p>"
    if view.changes.empty:
        return f"<p>{_both('no_change')}</p>"
    zh, en = _changes_lines(view, "zh"), _changes_lines(view, "en")
    return "<ul>" + "".join(f"<li>{html.escape(a)}<br><span class=\"en\">{html.escape(b)}"
                            "</span></li>" for a, b in zip(zh, en)) + "</ul>"


def render_unit_page(view: UnitView, plan_title: tuple[str, str], as_of: str, run_id: str,
                     narrator: Any, styled: bool = True) -> str:
    """One unit's page, self-contained (``styled`` False: without the embedded font and the
    page style yet, see :func:`_style`)."""
    esc = html.escape
    counts = _both("counts", n=view.n_targets, lead=len(view.lead), coop=len(view.coop),
                   risk=view.at_risk, owed=view.n_owed)
    body = f"""
<p><a class="back" href="../index.html">← {_both("back")}</a></p>
<header><div class="muted" style="text-align:center">{esc(plan_title[0])} ·
<span class="en">{esc(plan_title[1])}</span></div>
<h1>{esc(W["kind"][0])}</h1><div class="en" style="text-align:center">{esc(W["kind"][1])}</div>
</header>
<p class="to">{esc(W["to"][0])} {esc(view.name)}:<br>
<span class="en">{esc(W["to"][1])} {esc(view.name_en or view.name)}:</span></p>
<p>{_both("intro", as_of=as_of, run=run_id)}</p>
<p><b>{counts}</b></p>
<h2>{_both("lead")}</h2>{_targets_html(view.lead, view, narrator)}
<h2>{_both("coop")}</h2>{_targets_html(view.coop, view, narrator)}
<h2>{_both("owed")}</h2>{_owed_html(view)}
<h2>{_both("changes")}</h2>{_changes_html(view)}
<footer>{_both("estimate")}</footer>
"""
    doc = ('<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>{esc(W['kind'][0])} · {esc(view.name)}</title>\n"
           f'<style type="text/css">{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n')
    doc = label_table_cells(doc)
    return _style(doc) if styled else doc


def _style(doc: str) -> str:
    """The embedded font subset and the reports' page style (phone width, print)."""
    return doc.replace("</head>", embedded_font_style(doc) + page_style() + "</head>", 1)


def units_table_html(views: Sequence[UnitView]) -> str:
    """The "by unit" table of ``index.html``."""
    esc = html.escape
    heads = "".join(f"<th>{_both(k)}</th>" for k in ("unit", "n_targets", "at_risk", "n_owed"))
    rows = "".join(
        f'<tr><td><a href="{esc(v.href, quote=True)}">{esc(v.name)}</a><br>'
        f'<span class="en">{esc(v.name_en)}</span></td>'
        f"<td>{v.n_targets} <span class=\"muted\">({len(v.lead)} / {len(v.coop)})</span></td>"
        f"<td>{v.at_risk}</td><td>{v.n_owed}</td></tr>" for v in views)
    note = ('<p class="muted">目标数括号内为牵头/配合。 <span class="en">In brackets: lead / '
            "co-operating.</span></p>")
    return (f'<h2 id="units">{_both("by_unit")}</h2>{note}<table class="risk units-table">'
            f"<thead><tr>{heads}</tr></thead><tbody>{rows}</tbody></table>")


# --------------------------------------------------------------------------- Word
def unit_document(view: UnitView, plan_title: tuple[str, str], as_of: str, run_id: str,
                  narrator: Any, lang: str) -> bytes:
    """One unit's note as a Word document (``lang``: zh or en), in the reports' layout."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # python-docx is loaded only for Word output

    doc = d._new_document(lang)
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(_w("kind", lang))
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    sub.add_run(pick(plan_title, lang))
    doc.add_paragraph(f"{_w('to', lang)} {pick((view.name, view.name_en or view.name), lang)}:")
    doc.add_paragraph(_w("intro", lang).format(as_of=as_of, run=run_id))
    doc.add_paragraph(_w("counts", lang).format(n=view.n_targets, lead=len(view.lead),
                                                coop=len(view.coop), risk=view.at_risk,
                                                owed=view.n_owed))
    for key, rows in (("lead", view.lead), ("coop", view.coop)):
        d._heading(doc, _w(key, lang), 1)
        if rows.empty:
            doc.add_paragraph(_w("none_targets", lang))
            continue
        table_rows = [[status_label(str(r["status"]), lang),
                       _p_text(r) + (views_mark(r, lang) if _p_text(r) != "—" else ""),
                       str(pick((r["name_zh"], r["name_en"]), lang)), narrator.need(r, lang),
                       _latest(r, narrator, lang)] for r in rows.to_dict("records")]
        d._add_table(doc, d.Table([_w(k, lang) for k in ("status", "p", "target", "need",
                                                          "latest")], table_rows,
                                  widths=[1.2, 0.9, 3, 2.6, 1.8]), lang)
    d._heading(doc, _w("owed", lang), 1)
    if view.owed:
        doc.add_paragraph(_w("owed_note", lang))
        d._add_table(doc, d.Table([_w("indicator", lang), _w("years", lang)],
                                  [[f"{pick((zh_, en_), lang)} ({ind} @ {geo})", year_ranges(years)]
                                   for ind, geo, years, zh_, en_ in view.owed],
                                  widths=[3, 2]), lang)
    else:
        doc.add_paragraph(_w("owed_none", lang))
    d._heading(doc, _w("changes", lang), 1)
    lines = _changes_lines(view, lang)
    if view.changes is None:
        doc.add_paragraph(_w("first_run", lang))
    elif not lines:
        doc.add_paragraph(_w("no_change", lang))
    for line in lines:
        doc.add_paragraph(line)
    doc.add_paragraph(_w("estimate", lang))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


# --------------------------------------------------------------------------- the run's pages
def write_unit_pages(run_dir: Path, plan: Any, tables: Mapping[str, pd.DataFrame],
                     pillars: Sequence[str], scenarios: Mapping[str, Any], as_of: str,
                     run_id: str, changes: Any = None, history: pd.DataFrame | None = None,
                     word: bool = False, reports: Any = None) -> list[UnitView]:
    """Write ``run_dir/units/*.html`` (and Word documents with ``word``); return the views for
    ``index.html``'s table. Uses the baseline table (else the first scenario's)."""
    if not tables:
        return []
    name = "baseline" if "baseline" in tables else next(iter(tables))
    table = tables[name]
    table = table[table["pillar"].isin(list(pillars))].reset_index(drop=True)
    narrator = Narrator(plan, scenarios)
    views = unit_views(plan, table, as_of, changes, history, run_id, narrator.bodies_en)
    title = (plan.title("zh"), plan.title("en"))
    folder = Path(run_dir) / UNITS_DIR
    pages = [render_unit_page(v, title, as_of, run_id, narrator, styled=False) for v in views]
    # One font subset for every page (the export keeps the last subset and reuses it for any
    # text it covers): a subset per page cost about half a second each.
    font_face_css(html.unescape("".join(pages)))
    for v, page in zip(views, pages):
        page = _style(page)
        path = folder / f"{v.slug}.html"
        check_self_contained(page, path)
        write_atomic(path, page)
        if word:
            for lang in ("zh", "en"):
                write_atomic(folder / f"{v.slug}__{lang}.docx",
                             unit_document(v, title, as_of, run_id, narrator, lang))
    return views
