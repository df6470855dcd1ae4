"""Word documents of the reports (qcplan.render.documents): layout, content, and LibreOffice."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("agg")

from docx import Document  # noqa: E402
from docx.oxml.ns import qn  # noqa: E402
from docx.shared import Mm  # noqa: E402

from qcplan.render import documents  # noqa: E402
from qcplan.render.charts import (  # noqa: E402
    chart_png,  # noqa: E402
    indicator_chart,
    workpoints_chart,
)
from qcplan.render.report import ReportContext  # noqa: E402

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(scope="module")
def contexts():
    out = {}
    for lang in ("zh", "en"):
        ctx = ReportContext.open("industry", "baseline", lang, n_sims=500, seed=0)
        for tid in ctx.charted_targets():
            ctx.charts.append((tid, chart_png(indicator_chart(ctx.bundle, tid, lang=lang))))
        if ctx.has_workpoints():
            ctx.charts.append((None, chart_png(workpoints_chart(ctx.table, lang=lang))))
        out[lang] = ctx
    return out


def _text(doc) -> str:
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts += [c.text for c in row.cells]
    return "\n".join(parts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pillar_document_layout_and_content(contexts, tmp_path, lang):
    ctx = contexts[lang]
    path = tmp_path / f"industry__baseline__{lang}.docx"
    ctx.write_documents(path)
    doc = Document(str(path))
    sec = doc.sections[0]
    assert (round(sec.page_width.mm), round(sec.page_height.mm)) == (210, 297)
    assert round(sec.top_margin.mm) == documents.MARGINS_MM[0]
    # Chinese body font, set as the East Asian font of the Normal style
    rfonts = doc.styles["Normal"].element.rPr.find(qn("w:rFonts"))
    assert rfonts.get(qn("w:eastAsia")) == documents.FONTS[lang]["body"]["east_asia"]
    # every table's first row repeats on each page
    assert doc.tables
    for table in doc.tables:
        tr_pr = table.rows[0]._tr.trPr
        assert tr_pr is not None and tr_pr.find(qn("w:tblHeader")) is not None
    # a page number field in the footer
    assert 'w:instr="PAGE"' in sec.footer._element.xml
    # one picture per chart shown, printed 150 mm wide
    shapes = doc.inline_shapes
    assert len(shapes) == len(ctx.charts) > 0
    assert all(abs(s.width - Mm(documents.CHART_WIDTH_MM)) < Mm(1) for s in shapes)
    text = _text(doc)
    name = ctx.pillar_row["name_zh" if lang == "zh" else "name_en"]
    assert name in text
    # every target of the pillar is in the status table, with its status in words
    from qcplan.render.html import name_of
    from qcplan.render.i18n import status_label

    for r in ctx.table.to_dict("records"):
        assert name_of(r, lang) in text
        assert status_label(r["status"], lang) in text
    # the written findings of every target, and the pillar's paragraph
    from qcplan.render.narrative import Narrator

    narrator = Narrator(ctx.plan, ctx.scenarios)
    others = {n: b["table"] for n, b in ctx.bundles.items()}
    for finding in narrator.findings(ctx.table, lang, others):
        assert finding in text
    assert narrator.pillar_paragraph(ctx.table, lang) in text
    if ctx.illustrative:
        assert documents.word("illustrative", lang) in text
    assert documents.word("estimate", lang) in text


def test_whole_plan_document_uses_the_reports_charts(contexts, tmp_path):
    ctx = contexts["zh"]
    documents.save_charts(tmp_path, "baseline", "zh", ctx.charts)
    spec = documents.plan_spec(ctx.plan, ctx.scenario, ctx.bundle, "zh", tmp_path)
    assert [s.title for s in spec.sections] == list(ctx.plan.pillars["name_zh"])
    industry = next(s for s in spec.sections if s.title == ctx.pillar_row["name_zh"])
    charted = [tid for tid, _ in ctx.charts if tid is not None]
    assert len(industry.charts) == len(charted)
    # figures are numbered through the whole document
    captions = [c for s in spec.sections for c, _ in s.charts]
    assert captions[0].startswith("图1 ")
    path = documents.write_document(tmp_path / "plan.docx", spec)
    doc = Document(str(path))
    assert len(doc.inline_shapes) == sum(len(s.charts) for s in spec.sections)


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.slow
def test_libreoffice_opens_the_document(contexts, tmp_path):
    """The document converts to PDF in LibreOffice; the PDF's text holds the Chinese findings;
    its first page is rendered to test-artifacts/ for a person to look at."""
    soffice = _soffice()
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed")
    if shutil.which("pdftotext") is None or shutil.which("pdftoppm") is None:
        pytest.skip("poppler-utils (pdftotext, pdftoppm) are not installed")
    ctx = contexts["zh"]
    path = tmp_path / "industry__baseline__zh.docx"
    ctx.write_documents(path)
    profile = tmp_path / "lo-profile"
    proc = subprocess.run(
        [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(path)],
        capture_output=True, text=True, timeout=180)
    pdf = tmp_path / "industry__baseline__zh.pdf"
    assert pdf.is_file(), proc.stdout + proc.stderr
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    squeezed = "".join(text.split())
    assert "".join(ctx.pillar_row["name_zh"].split()) in squeezed
    assert "目标状态" in squeezed and "数据来源" in squeezed and "主要结论" in squeezed
    from qcplan.render.narrative import Narrator

    finding = Narrator(ctx.plan, ctx.scenarios).finding(ctx.table.iloc[0].to_dict(), "zh")
    assert "".join(finding.split())[:20] in squeezed  # the Chinese findings are in the PDF
    first = ctx.table.iloc[0]
    assert "".join(str(first["name_zh"]).split())[:6] in squeezed
    ARTIFACTS.mkdir(exist_ok=True)
    for page in (1, 2):
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", str(page), "-l", str(page),
                        "-singlefile", str(pdf), str(ARTIFACTS / f"docx_industry_zh_p{page}")],
                       check=True)
        assert (ARTIFACTS / f"docx_industry_zh_p{page}.png").is_file()


def test_document_asked_after_svg_charts_gets_its_charts(tmp_path, capsys):
    """Shown without ``word`` the charts are SVG (for the page); a Word document asked for
    afterwards draws them again as PNG, one picture per chart."""
    ctx = ReportContext.open("industry", "baseline", "zh", n_sims=300, seed=0)
    targets = ctx.charted_targets()
    for tid in targets:
        ctx.show_chart(indicator_chart(ctx.bundle, tid, lang="zh"), tid)
    assert ctx.charts == [] and len(targets) > 0
    path = tmp_path / "industry.docx"
    ctx.write_documents(path)
    assert len(Document(str(path)).inline_shapes) == len(targets)
    assert [tid for tid, _ in ctx.charts] == targets
