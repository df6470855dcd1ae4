"""Self-contained HTML export of an executed notebook (qcplan.render.export)."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from qcplan.render import export

# A tiny 1x1 PNG, as a matplotlib figure output would carry it.
PNG = base64.b64encode(
    bytes.fromhex(
        "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
        "0000000d49444154789c6360f8cfc0f01f0005000201e2213bc30000000049454e44ae426082"
    )
).decode()

CODE_MARKERS = ("SECRET_CODE_TEXT", "import pandas as pd")
EVIL = "<script>alert(1)</script>"


def _executed_notebook() -> nbformat.NotebookNode:
    """An executed notebook as papermill leaves it: parameters, a figure, a table, noise."""
    table_html = (
        '<table class="dataframe"><thead><tr><th>name</th><th>value</th></tr></thead><tbody>'
        "<tr><td>&lt;script&gt;alert(1)&lt;/script&gt;</td><td>1</td></tr>"
        "<tr><td>谯城区 https://www.bozhou.gov.cn/source</td><td>2</td></tr>"
        "</tbody></table>"
    )
    cells = [
        new_code_cell("pillar = 'industry'  # SECRET_CODE_TEXT", metadata={"tags": ["parameters"]},
                      execution_count=1),
        new_markdown_cell("# 综合实力 · Overall strength\n\nText with a [fragment link](#top)."),
        new_code_cell(
            "import pandas as pd\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])",
            execution_count=2,
            outputs=[new_output("display_data", data={"image/png": PNG,
                                                      "text/plain": "<Figure size 640x480>"})],
        ),
        new_code_cell(
            "df  # SECRET_CODE_TEXT",
            execution_count=3,
            outputs=[new_output("execute_result", execution_count=3,
                                data={"text/html": table_html, "text/plain": "df"})],
        ),
        new_code_cell(
            "import warnings; warnings.warn('noisy')",
            execution_count=4,
            outputs=[new_output("stream", name="stderr", text="UserWarning: noisy\n"),
                     new_output("stream", name="stdout", text="printed text\n")],
        ),
        new_code_cell(
            "widget",
            execution_count=5,
            outputs=[new_output("display_data", data={
                export.WIDGET_VIEW_MIME: {"model_id": "abc", "version_major": 2,
                                          "version_minor": 0},
                "text/plain": "IntSlider(value=0)",
            })],
        ),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    return nb


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    folder = tmp_path_factory.mktemp("export")
    nb_path = folder / "report.ipynb"
    nbformat.write(_executed_notebook(), nb_path)
    html_path = export.notebook_to_html(nb_path, folder / "report.html", title="综合实力 <报告>")
    return html_path, html_path.read_text(encoding="utf-8")


def _without_styles(doc: str) -> str:
    """The document without its <style> blocks (the template's CSS comments mention prompts)."""
    return re.sub(r"<style\b.*?</style>", "", doc, flags=re.S | re.I)


def test_no_code_and_no_prompts(exported: tuple[Path, str]) -> None:
    _, doc = exported
    for marker in CODE_MARKERS:
        assert marker not in doc
    body = _without_styles(doc)
    assert "In [" not in body and "In&nbsp;[" not in body
    assert "Out[" not in body and "Out&nbsp;[" not in body
    assert "jp-InputPrompt" not in body and "jp-OutputPrompt" not in body


def test_images_have_alternative_text(exported: tuple[Path, str]) -> None:
    _, doc = exported
    images = re.findall(r"<img\b[^>]*>", doc)
    assert images and all('alt="图表"' in img for img in images)


def test_png_embedded(exported: tuple[Path, str]) -> None:
    _, doc = exported
    assert len(re.findall(r'<img\b[^>]*src="data:image/png;base64,', doc)) == 1


def test_nothing_from_the_network(exported: tuple[Path, str]) -> None:
    _, doc = exported
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", doc, re.I)
    assert not re.search(r"""url\(\s*["']?\s*(?:https?:)?//""", doc, re.I)
    assert not re.search(r"""@import\s""", doc, re.I)
    assert not re.search(r"<script[^>]*\bsrc\s*=", doc, re.I)
    assert export.external_references(doc) == []
    # an address in the data stays as plain text
    assert "https://www.bozhou.gov.cn/source" in doc


def test_data_text_escaped(exported: tuple[Path, str]) -> None:
    _, doc = exported
    assert EVIL not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "<title>综合实力 &lt;报告&gt;</title>" in doc


def test_widgets_and_stderr_dropped(exported: tuple[Path, str]) -> None:
    _, doc = exported
    assert "Loading widget" not in doc
    assert "IntSlider" not in doc
    assert "widget-state" not in doc and "widget-view" not in doc
    assert "noisy" not in doc
    assert "printed text" in doc


def test_chinese_glyphs_embedded(exported: tuple[Path, str]) -> None:
    _, doc = exported
    assert "@font-face" in doc and "data:font/otf;base64," in doc
    assert "谯城区" in doc


def test_written_atomically(exported: tuple[Path, str]) -> None:
    path, _ = exported
    leftovers = [p.name for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []


def test_node_input_not_modified(tmp_path: Path) -> None:
    nb = _executed_notebook()
    export.notebook_to_html(nb, tmp_path / "x.html")
    assert "widgets" in nb.metadata  # the caller's notebook is left as it was


@pytest.mark.parametrize("snippet", [
    '<script src="https://cdn.example.org/x.js"></script>',
    '<link rel="stylesheet" href="http://cdn.example.org/x.css">',
    '<img src="//cdn.example.org/x.png">',
    '<style>@import url("https://fonts.example.org/x.css");</style>',
    '<div style="background: url(https://example.org/x.png)"></div>',
    '<a href="https://www.bozhou.gov.cn/">source</a>',
])
def test_external_references_found(snippet: str) -> None:
    assert export.external_references(f"<html><body>{snippet}</body></html>")
    with pytest.raises(export.ExternalReferenceError):
        export.check_self_contained(snippet)


def test_fine_references_pass() -> None:
    doc = ('<a href="#top">top</a><a href="industry__baseline__zh.html">report</a>'
           '<img src="data:image/png;base64,AAAA"><p>see https://example.org (text)</p>'
           "<style>.x{background:url(data:image/svg+xml;base64,AAAA)}</style>")
    assert export.external_references(doc) == []


def test_strip_remote_scripts() -> None:
    doc = ('<head><script src=""> </script><script src="https://x.org/a.js"></script>'
           '<script>var keep = 1;</script></head>')
    out = export.strip_remote_scripts(doc)
    assert "x.org" not in out and 'src=""' not in out and "var keep = 1;" in out


def test_export_refuses_external_html(tmp_path: Path) -> None:
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output(
        "display_data", data={"text/html": '<img src="https://example.org/x.png">'})])])
    target = tmp_path / "bad.html"
    with pytest.raises(export.ExternalReferenceError):
        export.notebook_to_html(nb, target)
    assert not target.exists()
