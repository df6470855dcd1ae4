"""Word documents of an assessment: one per pillar × scenario × language, and one whole-plan
assessment per scenario × language.

Built with python-docx (no hand-written document XML; the two settings python-docx has no call
for, a repeated table header row and the page-number field, are set through its own ``OxmlElement``
helpers). Layout follows the usual form of official documents (GB/T 9704): A4, margins 37 / 35 /
28 / 26 mm, Chinese body text in 仿宋 (FangSong) 16 pt, headings in 黑体 (SimHei), Latin text and
figures in Times New Roman. Where a reader's machine lacks a font, Word, WPS and LibreOffice
substitute their own CJK font (on Linux fontconfig picks e.g. Noto Sans CJK or WenQuanYi); the
names are set in :data:`FONTS` and can be changed there.

The content is the same as the HTML report's: a title page (plan, pillar, scenario, data vintage,
date, the illustrative warning when any figure is illustrative), the written findings, the status
table (header repeated on every page), the charts as PNG at print resolution (each kept with its
caption), the work points and the sources of every figure.
"""

from __future__ import annotations

import datetime as _dt
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# python-docx is imported inside the functions that build a document: it loads only for Word
# output.
from qcplan import __version__
from qcplan.files import write_atomic
from qcplan.numbers import is_finite
from qcplan.render.changes import status_changes
from qcplan.render.html import fmt, name_of, pct
from qcplan.render.i18n import pick, schedule_word, status_label, t
from qcplan.render.narrative import Narrator
from qcplan.render.schedule import schedule_cells
from qcplan.render.sources import plan_title, source_rows, vintage_text
from qcplan.render.wording import views_mark

#: Fonts by language and role. East Asian text uses ``east_asia``; Latin text and digits ``latin``.
FONTS: dict[str, dict[str, dict[str, Any]]] = {
    "zh": {
        "body": {"east_asia": "仿宋", "latin": "Times New Roman", "size": 14},
        "heading": {"east_asia": "黑体", "latin": "Times New Roman", "size": 16},
        "title": {"east_asia": "黑体", "latin": "Times New Roman", "size": 22},
        "table": {"east_asia": "仿宋", "latin": "Times New Roman", "size": 10.5},
    },
    "en": {
        "body": {"east_asia": "仿宋", "latin": "Times New Roman", "size": 12},
        "heading": {"east_asia": "黑体", "latin": "Arial", "size": 14},
        "title": {"east_asia": "黑体", "latin": "Arial", "size": 22},
        "table": {"east_asia": "仿宋", "latin": "Times New Roman", "size": 9.5},
    },
}
#: Page margins in millimetres (top, bottom, left, right).
MARGINS_MM = (37, 35, 28, 26)
#: Width of a chart on the page.
CHART_WIDTH_MM = 150

WORDS = {
    "findings": ("主要结论", "Findings"),
    "status": ("目标状态", "Status of the targets"),
    "charts": ("指标走势与预测", "Indicators: history and projection"),
    "workpoints": ("年度工作要点", "Annual work points"),
    "schedule": ("序时进度", "Progress against the year's schedule (序时进度)"),
    "sources": ("数据来源", "Sources of every figure"),
    "scenario": ("情景", "Scenario"),
    "vintage": ("数据版本", "Data vintage"),
    "produced": ("生成日期", "Produced"),
    "page": ("第 {} 页", "Page {}"),
    "illustrative": ("警示:本文件含示意数据(非官方统计数字),相关结论仅用于演示方法,"
                     "不得作为正式评估依据。",
                     "Warning: this document uses illustrative figures (not official "
                     "statistics); results that rest on them only demonstrate the method and "
                     "are not an assessment."),
    "estimate": ("预测值、区间和实现概率均为模型估计,不是统计数字。",
                 "Projections, intervals and probabilities are model estimates, not "
                 "statistics."),
    "whole_plan": ("全面评估报告", "Assessment of the whole plan"),
    "pillar_report": ("分领域评估报告", "Pillar assessment"),
    "no_charts": ("本领域没有可绘制走势的指标。", "No indicator of this pillar has a chart."),
    "finding_name": ("{}:", "{}: "),
    "projection": ("预测中位数(80%区间)", "Projection (80 % interval)"),
    "pace": ("所需/已实现速度", "Pace needed / so far"),
    "per_year": ("/年", "/yr"),
    "illustrative_mark": ("* 含示意数据(非官方)。", "* uses illustrative (not official) figures."),
    "actual": ("实际/预测", "Actual / projected"),
    "projected": ("预测 {}", "projected {}"),
    "figure": ("图{} {}", "Figure {}. {}"),
    "figure_workpoints": ("图{} 年度工作要点完成情况", "Figure {}. Annual work points"),
}

#: The numbers of a section's headings.
NUMBERING = (("一、", "二、", "三、", "四、", "五、", "六、"),
             ("1. ", "2. ", "3. ", "4. ", "5. ", "6. "))


def word(key: str, lang: str) -> str:
    return pick(WORDS[key], lang)


@dataclass
class Table:
    """A table for a document: header cells and rows of text cells."""

    heads: list[str]
    rows: list[list[str]]
    note: str = ""
    widths: list[float] | None = None  # relative column widths


@dataclass
class Section:
    """One pillar's part of a document."""

    title: str
    paragraph: str = ""
    findings: list[tuple[str, str]] = field(default_factory=list)  # (target name, sentences)
    status: Table | None = None
    charts: list[tuple[str, bytes]] = field(default_factory=list)  # (caption, PNG)
    workpoints: Table | None = None
    schedule: Table | None = None  # 序时进度 of one-year targets (rows: none when not shown)
    schedule_notes: list[str] = field(default_factory=list)


@dataclass
class DocumentSpec:
    """Everything a document shows; built by the caller from the assessment."""

    lang: str
    plan_title: str
    subtitle: str
    scenario: str
    vintage: str
    produced: str
    illustrative: bool
    sections: list[Section]
    sources: Table | None = None
    meta_lines: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------- python-docx helpers
def _set_font(target: Any, role: dict[str, Any], bold: bool | None = None) -> None:
    """Set a style's or a run's fonts: Latin, East Asian and size."""
    from docx.oxml.ns import qn
    from docx.shared import Pt

    font = target.font
    font.name = role["latin"]
    font.size = Pt(role["size"])
    if bold is not None:
        font.bold = bold
    rpr = target.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        from docx.oxml import OxmlElement

        rfonts = OxmlElement("w:rFonts")
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), role["east_asia"])
    rfonts.set(qn("w:ascii"), role["latin"])
    rfonts.set(qn("w:hAnsi"), role["latin"])


def _new_document(lang: str) -> Any:
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Mm, RGBColor

    doc = docx.Document()
    sec = doc.sections[0]
    sec.orientation = WD_ORIENT.PORTRAIT
    sec.page_width, sec.page_height = Mm(210), Mm(297)
    top, bottom, left, right = MARGINS_MM
    sec.top_margin, sec.bottom_margin = Mm(top), Mm(bottom)
    sec.left_margin, sec.right_margin = Mm(left), Mm(right)
    fonts = FONTS[lang]
    _set_font(doc.styles["Normal"], fonts["body"])
    doc.styles["Normal"].paragraph_format.space_after = Mm(1.5)
    for name, size_step in (("Title", 0), ("Heading 1", 0), ("Heading 2", -2)):
        style = doc.styles[name]
        role = dict(fonts["title" if name == "Title" else "heading"])
        role["size"] = role["size"] + size_step
        _set_font(style, role, bold=name != "Title")
        style.font.color.rgb = RGBColor(0, 0, 0)
    _add_styles(doc, lang)
    _page_numbers(sec, lang)
    core = doc.core_properties
    core.author = "qcplan"
    core.comments = word("estimate", lang)
    return doc


def _page_numbers(section: Any, lang: str) -> None:
    """A centred page number in the footer ('第 N 页' / 'Page N'), as a PAGE field."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    par = section.footer.paragraphs[0]
    par.alignment = WD_ALIGN_PARAGRAPH.CENTER
    before, _, after = word("page", lang).partition("{}")
    par.add_run(before)
    field_el = OxmlElement("w:fldSimple")
    field_el.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field_el.append(run)
    par._p.append(field_el)
    par.add_run(after)


def _repeat_header(row: Any) -> None:
    """Mark a table row as a header row, repeated at the top of every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


def _cant_split(row: Any) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tr_pr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    tr_pr.append(el)


#: Paragraph styles the documents add: table text, table header, captions and table notes
#: (their fonts are set once in the style, not on each run).
TABLE_STYLE, HEAD_STYLE, CAPTION_STYLE, NOTE_STYLE = ("qc Table Text", "qc Table Header",
                                                      "qc Caption", "qc Table Note")


def _add_styles(doc: Any, lang: str) -> None:
    """The paragraph styles of tables, captions and notes, from :data:`FONTS`."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt

    role = FONTS[lang]["table"]
    for name, bold, size in ((TABLE_STYLE, False, role["size"]),
                             (HEAD_STYLE, True, role["size"]),
                             (CAPTION_STYLE, True, role["size"]),
                             (NOTE_STYLE, False, max(role["size"] - 1, 8))):
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = doc.styles["Normal"]
        _set_font(style, {**role, "size": size}, bold=bold)
        style.paragraph_format.space_after = Pt(0)
        if name == CAPTION_STYLE:
            style.paragraph_format.keep_with_next = True
        if name == NOTE_STYLE:
            style.paragraph_format.space_before = Pt(3)


def _add_table(doc: Any, table: Table, lang: str) -> None:
    """A table: the header row repeated on every page, rows that do not split across pages,
    the column widths set in the grid (LibreOffice reads these) and in each cell (Word)."""
    from docx.shared import Mm

    t = doc.add_table(rows=1 + len(table.rows), cols=len(table.heads))
    t.style = "Table Grid"
    t.autofit = False
    widths: list[Any] = []
    if table.widths:
        usable = 210 - MARGINS_MM[2] - MARGINS_MM[3]
        total = sum(table.widths)
        widths = [Mm(usable * w / total) for w in table.widths]
        for col, w in zip(t.columns, widths):
            col.width = w
    # style ids, set on each paragraph directly: python-docx's ``paragraph.style = ...`` looks
    # the style up anew each time, which cost more than the rest of the table together
    head, body = doc.styles[HEAD_STYLE].style_id, doc.styles[TABLE_STYLE].style_id
    for i, (row, values) in enumerate(zip(t.rows, [table.heads, *table.rows])):
        if i == 0:
            _repeat_header(row)
        else:
            _cant_split(row)
        for j, (cell, text) in enumerate(zip(row.cells, values)):
            par = cell.paragraphs[0]
            par._p.get_or_add_pPr().style = head if i == 0 else body
            par.add_run(text)
            if widths:
                cell.width = widths[j]
    if table.note:
        doc.add_paragraph(table.note, style=NOTE_STYLE)


def _heading(doc: Any, text: str, level: int) -> Any:
    par = doc.add_heading(text, level=level)
    par.paragraph_format.keep_with_next = True
    return par


def build_document(spec: DocumentSpec) -> Any:
    """A python-docx Document from ``spec``."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Mm, Pt, RGBColor

    lang = spec.lang
    doc = _new_document(lang)
    # title page
    for _ in range(3):
        doc.add_paragraph()
    title = doc.add_paragraph(style="Title")
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(spec.plan_title)
    sub = doc.add_paragraph()
    sub.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _set_font(sub.add_run(spec.subtitle), FONTS[lang]["heading"], bold=True)
    doc.add_paragraph()
    for label, value in ((word("scenario", lang), spec.scenario),
                         (word("vintage", lang), spec.vintage),
                         (word("produced", lang), spec.produced)):
        par = doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        par.add_run(f"{label}{':' if lang == 'zh' else ': '}{value}")
    for line in spec.meta_lines:
        par = doc.add_paragraph()
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = par.add_run(line)
        run.font.size = Pt(10)
    if spec.illustrative:
        doc.add_paragraph()
        par = doc.add_paragraph()
        run = par.add_run("⚠ " + word("illustrative", lang))
        run.bold = True
        run.font.color.rgb = RGBColor(0x9A, 0x3D, 0x00)
    par = doc.add_paragraph()
    run = par.add_run(word("estimate", lang))
    run.font.size = Pt(10)
    doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)

    several = len(spec.sections) > 1
    for i, sec in enumerate(spec.sections):
        level = 1
        if several:
            _heading(doc, sec.title, 1)
            level = 2
        number = _numbering(lang)
        if sec.paragraph or sec.findings:
            _heading(doc, next(number) + word("findings", lang), level)
            if sec.paragraph:
                doc.add_paragraph(sec.paragraph)
            for name, text in sec.findings:
                par = doc.add_paragraph()
                par.add_run(word("finding_name", lang).format(name)).bold = True
                par.add_run(text)
        if sec.status is not None:
            _heading(doc, next(number) + word("status", lang), level)
            _add_table(doc, sec.status, lang)
        if sec.schedule is not None and sec.schedule.rows:
            _heading(doc, next(number) + word("schedule", lang), level)
            _add_table(doc, sec.schedule, lang)
            for text in sec.schedule_notes:
                doc.add_paragraph(text)
        _heading(doc, next(number) + word("charts", lang), level)
        if not sec.charts:
            doc.add_paragraph(word("no_charts", lang))
        for caption, png in sec.charts:
            doc.add_paragraph(caption, style=CAPTION_STYLE)  # kept with its chart
            pic = doc.add_paragraph()
            pic.paragraph_format.keep_together = True
            pic.add_run().add_picture(io.BytesIO(png), width=Mm(CHART_WIDTH_MM))
        if sec.workpoints is not None and sec.workpoints.rows:
            _heading(doc, next(number) + word("workpoints", lang), level)
            _add_table(doc, sec.workpoints, lang)
        if several and i < len(spec.sections) - 1:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
    if spec.sources is not None and spec.sources.rows:
        _heading(doc, word("sources", lang), 1)
        _add_table(doc, spec.sources, lang)
    return doc


def _numbering(lang: str) -> Any:
    yield from pick(NUMBERING, lang)


def document_bytes(spec: DocumentSpec) -> bytes:
    buf = io.BytesIO()
    build_document(spec).save(buf)
    return buf.getvalue()


def write_document(path: str | Path, spec: DocumentSpec) -> Path:
    """Write the document atomically (a reader never sees half a file)."""
    return write_atomic(path, document_bytes(spec))


# --------------------------------------------------------------------------- from the assessment


def _unit(row: Mapping[str, Any], lang: str) -> str:
    """A row's unit in ``lang`` (English from the registry, see ``unit_en``)."""
    return str(pick((None, row.get("unit_en")), lang) or row.get("unit") or "")


def status_table(table: Any, lang: str, narrator: Any = None) -> Table:
    """The status table of a document, narrow enough for A4 portrait: the verdict, P(reach),
    latest figure, target, projection with its 80 % interval, pace needed against pace so far,
    and the responsible units."""

    heads = [t("target_name", lang), t("status", lang), t("prob_reach", lang), t("latest", lang),
             t("threshold", lang), word("projection", lang), word("pace", lang), t("units", lang)]
    rows = []
    for r in table.to_dict("records"):
        unit = "%" if r["kind"] == "growth" else ("×" if r["kind"] == "relative" else
                                                   _unit(r, lang))
        latest = "—"
        if is_finite(r.get("latest_value")):
            latest = f"{fmt(r['latest_value'], 2)} ({int(r['latest_year'])})"
        thr = fmt(r.get("decision_threshold", r.get("threshold")), 2)
        projection = "—"
        if is_finite(r.get("projected_median")):
            projection = f"{fmt(r['projected_median'], 2)} {unit}".strip()
            if is_finite(r.get("projected_p10")):
                projection += f" ({fmt(r['projected_p10'], 2)}–{fmt(r['projected_p90'], 2)})"
        rate_unit = str(r.get("rate_unit") or "")
        if lang != "zh" and rate_unit and not rate_unit.startswith("%"):
            rate_unit = _unit(r, "en") + word("per_year", "en")  # the registry's English unit
        rate_unit = rate_unit.replace(word("per_year", "zh"), word("per_year", lang))
        pace = "—"
        if is_finite(r.get("required_rate")) or is_finite(r.get("observed_rate")):
            pace = (f"{fmt(r.get('required_rate'), 1)} / {fmt(r.get('observed_rate'), 1)} "
                    f"{rate_unit}").strip()
        rows.append([
            name_of(r, lang) + (" *" if r.get("illustrative") else ""),
            status_label(r["status"], lang),
            pct(r.get("prob_reach")) + views_mark(r, lang),
            latest,
            f"{thr} {unit}".strip(),
            projection,
            pace,
            narrator.bodies(r, lang) if narrator is not None
            else str(r.get("responsible_units") or ""),
        ])
    note = t("estimate_note", lang)
    if any(bool(r) for r in table.get("illustrative", [])):
        note += " " + word("illustrative_mark", lang)
    return Table(heads, rows, note, widths=[30, 14, 10, 16, 14, 26, 16, 18])


def workpoint_table(table: Any, lang: str) -> Table:
    """The pillar's work points (targets of kind ``workpoint``) against their numbers."""

    wp = table[table["kind"] == "workpoint"]
    heads = [t("target_name", lang), t("threshold", lang),
             word("actual", lang), t("status", lang)]
    rows = []
    for r in wp.to_dict("records"):
        if is_finite(r.get("target_year_value")):
            actual = fmt(r["target_year_value"], 2)
        else:
            actual = word("projected", lang).format(fmt(r.get("projected_median"), 2))
        rows.append([name_of(r, lang) + (" *" if r.get("illustrative") else ""),
                     f"{fmt(r['threshold'], 2)} {_unit(r, lang)}".strip(), actual,
                     status_label(r["status"], lang)])
    return Table(heads, rows, widths=[50, 18, 18, 14])


def produced_text(meta: Mapping[str, Any]) -> str:
    created = str(meta.get("created") or "")
    return created[:10] if created else _dt.date.today().isoformat()


def chart_caption(row: Mapping[str, Any], lang: str, number: int) -> str:

    return word("figure", lang).format(number, name_of(row, lang))



# --------------------------------------------------------------------------- specs of the reports
def charts_dir(cache_dir: str | Path, scenario: str, lang: str) -> Path:
    return Path(cache_dir) / "charts" / f"{scenario}__{lang}"


def save_charts(cache_dir: str | Path, scenario: str, lang: str,
                charts: list[tuple[str | None, bytes]]) -> None:
    """Keep a report's target charts (PNG) for the whole-plan document."""
    folder = charts_dir(cache_dir, scenario, lang)
    for target_id, png in charts:
        if target_id is not None:
            write_atomic(folder / f"{target_id}.png", png)


def _section(plan: Any, table: Any, pillar_row: Mapping[str, Any], lang: str,
             charts: list[tuple[str | None, bytes]], narrator: Any,
             others: Mapping[str, Any], changes: Any, first_figure: int,
             texts: Any = None) -> Section:
    """One pillar: its paragraph and findings (:mod:`qcplan.render.narrative`; ``texts``, the
    findings by target id, when already written), status table, charts (numbered from
    ``first_figure``) and work points."""

    rows = table.set_index("target_id")
    if texts is None:
        texts = narrator.findings(table, lang, others)
    findings = [(name_of(r, lang), str(texts[r["target_id"]])) for r in table.to_dict("records")]
    pictures = []
    number = first_figure
    for target_id, png in charts:
        if target_id is None:
            caption = word("figure_workpoints", lang).format(number)
        else:
            caption = chart_caption(rows.loc[target_id].to_dict(), lang, number)
        pictures.append((caption, png))
        number += 1
    heads, body, sentences = schedule_cells(plan, table, lang)
    return Section(
        title=str(pick((pillar_row["name_zh"], pillar_row["name_en"]), lang)),
        paragraph=narrator.pillar_paragraph(table, lang, changes=changes),
        findings=findings,
        status=status_table(table, lang, narrator),
        charts=pictures,
        workpoints=workpoint_table(table, lang),
        schedule=Table(heads, body, note=schedule_word("intro", lang)) if body else None,
        schedule_notes=sentences,
    )


def pillar_spec(ctx: Any) -> DocumentSpec:
    """The document of one pillar report (a :class:`qcplan.render.report.ReportContext` whose
    charts were shown with ``show_chart``)."""

    lang = ctx.lang
    others = {name: b["table"] for name, b in ctx.bundles.items()}
    section = _section(ctx.plan, ctx.table, ctx.pillar_row, lang, ctx.charts, ctx.narrator,
                       others, ctx.changes, 1, texts=ctx.findings())
    heads, rows = ctx.source_rows()
    return DocumentSpec(
        lang=lang,
        plan_title=plan_title(ctx.plan, lang),
        subtitle=f"{section.title} · {word('pillar_report', lang)}",
        scenario=ctx.scenario.label(lang),
        vintage=vintage_text(ctx.plan, lang),
        produced=produced_text(ctx.bundle["meta"]),
        illustrative=ctx.illustrative,
        sections=[section],
        sources=Table(heads, rows, widths=[22, 14, 14, 10, 26, 14]),
        meta_lines=_meta_lines(ctx.bundle["meta"]),
    )


def _meta_lines(meta: Mapping[str, Any]) -> list[str]:

    return [f"qcplan {meta.get('qcplan_version', __version__)} · draws {meta.get('n_sims')}, "
            f"seed {meta.get('seed')}, as of {meta.get('as_of')}"]


def plan_spec(plan: Any, scenario: Any, bundle: Mapping[str, Any], lang: str,
              cache_dir: str | Path, scenarios: Mapping[str, Any] | None = None,
              others: Mapping[str, Any] | None = None) -> DocumentSpec:
    """The whole-plan assessment of one scenario: every pillar in turn (findings, status
    table, the charts its reports drew, work points), then the sources. ``scenarios`` and
    ``others`` (scenario → assessment table) let the findings say what the scenarios change."""

    narrator = Narrator(plan, scenarios or {scenario.name: scenario})
    changes = status_changes(cache_dir, scenario.name)
    table = bundle["table"]
    folder = charts_dir(cache_dir, scenario.name, lang)
    sections = []
    figure = 1
    for prow in plan.pillars.to_dict("records"):
        sub = table[table["pillar"] == prow["pillar"]].reset_index(drop=True)
        if sub.empty:
            continue
        charts: list[tuple[str | None, bytes]] = []
        for target_id in sub["target_id"]:
            path = folder / f"{target_id}.png"
            if path.is_file():
                charts.append((target_id, path.read_bytes()))
        section = _section(plan, sub, prow, lang, charts, narrator, others or {}, changes,
                           figure)
        figure += len(charts)
        sections.append(section)
    heads, rows = source_rows(plan, table, lang)
    return DocumentSpec(
        lang=lang,
        plan_title=plan_title(plan, lang),
        subtitle=word("whole_plan", lang),
        scenario=scenario.label(lang),
        vintage=vintage_text(plan, lang),
        produced=produced_text(bundle.get("meta", {})),
        illustrative=bool(table["illustrative"].any()),
        sections=sections,
        sources=Table(heads, rows, widths=[22, 14, 14, 10, 26, 14]),
        meta_lines=_meta_lines(bundle.get("meta", {})),
    )

