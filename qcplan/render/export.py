"""Executed notebook → one self-contained HTML file: no code, no prompts, nothing from the network.

:func:`notebook_to_html` renders with nbconvert's ``lab`` template through
``qcplan/templates/report.html.j2``, which drops the script tags the template would otherwise load
from a CDN (RequireJS, MathJax, Mermaid, the widget renderer); ``mathjax_url`` and
``require_js_url`` are also set to ``""``. Images are embedded as ``data:`` URIs. Chinese text is
rendered with a subset of the shipped Noto Sans SC font embedded in the page (only the characters
the page uses), so a reader without a CJK font sees glyphs, not boxes.

Before the HTML is written it is checked (:func:`external_references`): any ``src``, ``href``,
``srcset`` ... attribute, CSS ``url(...)`` or ``@import`` that points to ``http://``, ``https://``
or ``//`` makes the export fail with :class:`ExternalReferenceError`. Addresses shown as plain text
(the sources of the figures) are fine.

What the export leaves out of the notebook: cell inputs and prompts, ``stderr`` streams (warnings;
they remain in the executed ``.ipynb``), widget views and widget state (they would render as
"Loading widget..." in a static page), and cells tagged ``remove_cell`` / ``remove-cell``
(outputs of cells tagged ``remove_output`` / ``remove-output``).
"""

from __future__ import annotations

import ast
import base64
import copy
import html
import io
import os
import re
import secrets
from collections.abc import Iterable
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import nbformat
from nbformat import NotebookNode

import qcplan.model
import qcplan.plan.meta
import qcplan.render
from qcplan.files import write_atomic
from qcplan.options import LANGS
from qcplan.render import i18n
from qcplan.render.fonts import font_path

TEMPLATE = Path(__file__).resolve().parent / "templates" / "report.html.j2"
WIDGET_VIEW_MIME = "application/vnd.jupyter.widget-view+json"
EMBEDDED_FONT_FAMILY = "qcplan Noto Sans SC"

REMOVE_CELL_TAGS = ("remove_cell", "remove-cell")
REMOVE_OUTPUT_TAGS = ("remove_output", "remove-output")

# Attributes whose value the browser fetches (or navigates to, for href).
_URL_ATTRIBUTES = frozenset(
    {"src", "href", "srcset", "poster", "data", "action", "formaction", "background",
     "xlink:href", "manifest", "codebase", "cite", "longdesc", "ping"}
)
_EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
_CSS_EXTERNAL = re.compile(
    r"""url\(\s*['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import\s+(?:url\(\s*)?['"]?\s*(?:[a-z][a-z0-9+.-]*:)?//""",
    re.IGNORECASE,
)
_SCRIPT_SRC = re.compile(
    r"""<script\b[^>]*?\bsrc\s*=\s*(?:"[^"]*"|'[^']*'|[^\s>]*)[^>]*>.*?</script\s*>""",
    re.IGNORECASE | re.DOTALL,
)
_SRC_VALUE = re.compile(r"""\bsrc\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]*))""", re.IGNORECASE)


class ExternalReferenceError(ValueError):
    """The HTML would load something from the network; ``references`` lists what and where."""

    def __init__(self, references: list[str], path: str | os.PathLike[str] | None = None):
        self.references = references
        where = f" in {path}" if path is not None else ""
        shown = "; ".join(references[:10]) + (" ..." if len(references) > 10 else "")
        super().__init__(f"{len(references)} external reference(s){where}: {shown}")


# --------------------------------------------------------------------------- checking
class _ReferenceFinder(HTMLParser):
    """Collect every attribute, inline style and <style>/<script> text that reaches out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRIBUTES and _external_value(name, value):
                self.found.append(f"<{tag} {name}={value[:120]!r}>")
            elif name == "style" and _CSS_EXTERNAL.search(value):
                self.found.append(f"<{tag} style=...{_excerpt(value, _CSS_EXTERNAL)}...>")
        if tag in ("style", "script"):
            self._in = tag

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        self._in = None

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style" and _CSS_EXTERNAL.search(data):
            self.found.append(f"<style> ...{_excerpt(data, _CSS_EXTERNAL)}...")
        elif self._in == "script" and re.search(r"""import\s*\(?\s*['"](?:https?:)?//|"""
                                                  r"""importScripts\s*\(""", data):
            self.found.append("<script> importing a module or script from a URL")


def _external_value(name: str, value: str) -> bool:
    if name == "srcset":
        return any(_EXTERNAL.match(part.strip()) for part in value.split(","))
    return bool(_EXTERNAL.match(value))


def _excerpt(text: str, pattern: re.Pattern[str]) -> str:
    m = pattern.search(text)
    return text[max(0, m.start() - 20): m.end() + 60] if m else ""


def external_references(document: str) -> list[str]:
    """Every place in ``document`` (HTML) that would load or link a network resource.

    Checked: URL-bearing attributes of every tag (``src``, ``href``, ``srcset``, ``poster``,
    ``data``, ``action``, ...), ``style`` attributes, ``<style>`` blocks (``url(...)``,
    ``@import``) and scripts importing from a URL. ``data:``, ``file:``-free relative paths and
    ``#fragments`` are fine; text outside tags is not a reference.
    """
    finder = _ReferenceFinder()
    finder.feed(document)
    finder.close()
    return finder.found


def check_self_contained(document: str, path: str | os.PathLike[str] | None = None) -> None:
    """Raise :class:`ExternalReferenceError` when ``document`` reaches out to the network."""
    found = external_references(document)
    if found:
        raise ExternalReferenceError(found, path)


def strip_remote_scripts(document: str) -> str:
    """Remove ``<script src=...>`` elements whose ``src`` is empty or a network address."""

    def drop(m: re.Match[str]) -> str:
        src = _SRC_VALUE.search(m.group(0))
        value = next((g for g in src.groups() if g is not None), "") if src else ""
        return "" if not value.strip() or _EXTERNAL.match(value) else m.group(0)

    return _SCRIPT_SRC.sub(drop, document)


# --------------------------------------------------------------------------- fonts
@cache
def _font_bytes() -> bytes | None:
    try:
        return font_path().read_bytes()
    except (ImportError, OSError):
        return None


_WIDE = re.compile(r"[^\x00-\x7f]")
#: Printable ASCII, embedded for the SVG charts' Latin text and digits (:func:`chart_font_css`).
LATIN = "".join(chr(c) for c in range(0x20, 0x7F))
#: The family of that face: the charts' text comes first from it, then from the embedded CJK.
CHART_LATIN_FAMILY = "qcplan chart Latin"


def _wide_chars(text: str) -> set[str]:
    """The characters beyond ASCII of ``text``, spaces aside. Found by a regular expression: a
    page is mostly base64 images, which a loop over every character took half a second to read."""
    return {c for c in set(_WIDE.findall(text)) if not c.isspace()}


# This process's last subset: (characters, CSS). A page whose characters it covers reuses it.
_font_cache: dict[str, tuple[frozenset[str], str]] = {}
_font_seed: set[str] = set()


def add_font_seed(text: str) -> None:
    """Characters to include in every later subset of this process (e.g. all the data's text).

    Subsetting costs about half a second; with the run's characters seeded, one subset serves
    every report a worker exports (a page's font then holds a few glyphs it does not use).
    """
    _font_seed.update(_wide_chars(text))


def font_seed_text(plan: Any, scenarios: Iterable[Any], plan_yaml: Path) -> str:
    """Every character beyond ASCII of the plan's tables, the scenarios' labels and
    descriptions, the labels of :mod:`qcplan.render.i18n`, the rendering code's own words
    (:func:`code_vocabulary`) and ``plan_yaml``: the seed of each worker's font subset in a run
    (:func:`add_font_seed`)."""
    chars: set[str] = set()
    for frame in (plan.pillars, plan.indicators, plan.targets, plan.observations):
        for col in frame.columns:
            if frame[col].dtype == object or str(frame[col].dtype) in ("str", "string"):
                chars.update("".join(frame[col].dropna().astype(str).unique()))
    for scen in scenarios:
        for la in LANGS:
            chars.update(scen.label(la) + scen.description(la))
    for table in (i18n.STATUS, i18n.TEXT, i18n.KIND, i18n.EUROSTAT, i18n.DATA_STATUS):
        for pair in table.values():
            chars.update("".join(pair))
    chars.update(code_vocabulary())  # the words of the findings, titles, notes
    try:
        chars.update(plan_yaml.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        pass
    return "".join(sorted(c for c in chars if ord(c) > 0x7F))


@cache
def code_vocabulary() -> str:
    """Every character beyond ASCII that the rendering code itself can write: those of the
    string literals (docstrings aside) of the ``qcplan.render`` and ``qcplan.model`` modules and
    of ``qcplan.plan.meta``: labels, section titles, the words of the written findings, the
    plan's status words. With the data's text this makes a seed (:func:`add_font_seed`) that
    covers every page, so that a worker subsets the font once rather than once per new word."""
    files = [path for package in (qcplan.render, qcplan.model)
             for path in sorted(Path(package.__file__).parent.glob("*.py"))]
    files.append(Path(qcplan.plan.meta.__file__))
    chars: set[str] = set()
    for path in files:
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
        except (OSError, SyntaxError, ValueError):
            continue
        docs = {id(node.body[0].value) for node in ast.walk(tree)
                if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef,
                                     ast.AsyncFunctionDef))
                and node.body and isinstance(node.body[0], ast.Expr)
                and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and id(node) not in docs:
                chars |= _wide_chars(node.value)
    return "".join(sorted(chars))


def _subset_css(chars: str, family: str) -> str:
    data = _font_bytes()
    if data is None:
        return ""
    try:  # fontTools loads only when a font is subset
        from fontTools import subset
        from fontTools.ttLib import TTFont
    except ImportError:  # pragma: no cover - fontTools comes with matplotlib
        return ""
    options = subset.Options()
    options.hinting = False
    options.notdef_outline = True
    options.layout_features = []
    options.drop_tables += ["GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx", "DSIG"]
    font = TTFont(io.BytesIO(data), lazy=True)
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    encoded = base64.b64encode(buf.getvalue()).decode("ascii")
    return (f'@font-face {{ font-family: "{family}"; font-style: normal; font-weight: 400; '
            f'src: url(data:font/otf;base64,{encoded}) format("opentype"); }}')


def font_face_css(text: str, family: str = EMBEDDED_FONT_FAMILY) -> str:
    """``@font-face`` rule embedding the glyphs of Noto Sans SC that ``text`` needs ("" if none).

    Only characters beyond ASCII are kept (Latin text uses the reader's own fonts); the subset is
    an OpenType font in a ``data:`` URI, without layout tables or hinting. Returns "" when the
    text has no such character, or when the font or fontTools is not available. The last subset
    is kept and reused for any text it covers; a new one covers the old characters, the seeded
    ones (:func:`add_font_seed`) and the new text.
    """
    chars = _wide_chars(text)
    if not chars:
        return ""
    cached = _font_cache.get(family)
    if cached is not None and chars <= cached[0]:
        return cached[1]
    wanted = chars | _font_seed | (cached[0] if cached is not None else frozenset())
    css = _subset_css("".join(sorted(wanted)), family)
    if css:
        _font_cache[family] = (frozenset(wanted), css)
    return css


@cache
def chart_font_css() -> str:
    """``@font-face`` of Noto Sans SC's printable ASCII glyphs (:data:`CHART_LATIN_FAMILY`,
    ``unicode-range`` ASCII): the SVG charts were laid out with Noto Sans SC, so their digits and
    Latin text keep their widths in the page (about 20 KB; only on pages with an SVG chart)."""
    css = _subset_css(LATIN, CHART_LATIN_FAMILY)
    return css.replace("; }", "; unicode-range: U+0020-007E; }", 1) if css else ""


def chart_font_stack() -> str:
    """The font-family list of the SVG charts' text (single quotes, for a style attribute)."""
    return (f'"{CHART_LATIN_FAMILY}", ' + font_stack()).replace('"', "'")


def font_stack(kind: str = "sans") -> str:
    """A CSS font-family list: the embedded Chinese font first, then the reader's own fonts.

    The embedded subset holds only the page's non-ASCII characters, so Latin text falls through
    to the reader's fonts. It comes first because Chromium, when a CJK character is missing from
    the first fonts of the list, may take a system fallback (boxes, on a machine without CJK
    fonts) instead of a web font further down the list.
    """
    if kind == "mono":
        return (f'"{EMBEDDED_FONT_FAMILY}", ui-monospace, "SFMono-Regular", Menlo, Consolas, '
                f'"DejaVu Sans Mono", monospace')
    return (f'"{EMBEDDED_FONT_FAMILY}", system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, '
            f'Arial, "PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif')


# --------------------------------------------------------------------------- phones and paper
#: Layout for narrow screens and for printing, shared by the reports and ``index.html``.
#: Below 700 px every table becomes a stack of cards (one per row; each cell carries its column's
#: name, see :func:`label_table_cells`), images shrink to the width, long words wrap: nothing
#: needs sideways scrolling. Printed on A4, controls and prompts are hidden, each chart and each
#: table row stays on one page, and headings stay with what follows them.
PAGE_CSS = """
img,.jp-RenderedSVG svg{max-width:100%;height:auto}
td,th,p,li{overflow-wrap:anywhere}
@media (max-width:700px){
 body{padding:0 8px !important;margin:8px auto !important}
 .jp-Notebook{padding:0 !important}
 .jp-Cell,.jp-OutputArea-output,.jp-RenderedHTMLCommon{padding:0 !important;margin:0 !important;
  max-width:100% !important;min-width:0 !important}
 table[data-cards],table[data-cards] tbody,table[data-cards] tr,table[data-cards] td,
 table[data-cards] th{display:block;width:auto !important;min-width:0 !important;
  text-align:left !important}
 table[data-cards] thead{display:none}
 table[data-cards] tr{border:1px solid #d0d7de;border-radius:6px;margin:8px 0;padding:4px 8px}
 table[data-cards] td,table[data-cards] th{border:none !important;padding:2px 0 !important}
 table[data-cards] td[data-label]::before{content:attr(data-label) ":\\00a0";font-weight:600;
  color:#57606a}
 table[data-cards] tr.qc-finding{border-top:none;margin-top:-9px;border-radius:0 0 6px 6px}
}
@page{size:A4;margin:16mm 14mm}
@media print{
 body{max-width:none !important;margin:0 !important;padding:0 !important;font-size:10.5pt}
 button,input,select,textarea,.jp-InputArea,.jp-InputPrompt,.jp-OutputPrompt,.no-print{
  display:none !important}
 img,svg,.jp-RenderedImage,.jp-RenderedSVG,tr,.qc-banner{break-inside:avoid;
  page-break-inside:avoid}
 h1,h2,h3,h4{break-after:avoid;page-break-after:avoid}
 thead{display:table-header-group}
 a{color:inherit;text-decoration:none}
}
"""
_TABLE = re.compile(r"<table\b[^>]*>.*?</table>", re.S)
_HEAD = re.compile(r"<thead>(.*?)</thead>", re.S)
_HEAD_CELL = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
_ROW = re.compile(r"<tr\b[^>]*>.*?</tr>", re.S)
_CELL = re.compile(r"<(td|th)\b([^>]*)>")
_TAGS = re.compile(r"<[^>]+>")


def label_table_cells(document: str) -> str:
    """Give every cell of every table with a header row the name of its column
    (``data-label``) and mark the table ``data-cards``, so that on a narrow screen each row reads
    as a card of "column: value" lines (:data:`PAGE_CSS`). Cells spanning columns get no
    label."""

    def one_table(m: re.Match[str]) -> str:
        table = m.group(0)
        head = _HEAD.search(table)
        if head is None:
            return table
        names = [" ".join(html.unescape(_TAGS.sub(" ", h)).split())
                 for h in _HEAD_CELL.findall(head.group(1))]

        def one_row(r: re.Match[str]) -> str:
            col = 0

            def one_cell(c: re.Match[str]) -> str:
                nonlocal col
                tag, attrs = c.group(1), c.group(2)
                label = names[col] if col < len(names) else ""
                col += 1
                if tag == "th" or "colspan" in attrs or "data-label" in attrs or not label:
                    return c.group(0)
                return f'<td{attrs} data-label="{html.escape(label, quote=True)}">'

            return _CELL.sub(one_cell, r.group(0))

        start, end = head.end(), len(table)
        body = _ROW.sub(one_row, table[start:end])
        return table[:start].replace("<table", "<table data-cards", 1) + body

    return _TABLE.sub(one_table, document)


def page_style() -> str:
    return f'<style type="text/css">{PAGE_CSS}</style>\n'


def embedded_font_style(document: str) -> str:
    """A ``<style>`` block embedding the glyphs ``document`` needs and using them ("" if none)."""
    face = font_face_css(html.unescape(document))
    if "<svg" in document:  # the charts' Latin text, in the font they were laid out with
        face = (face + "\n" + chart_font_css()).strip()
    if not face:
        return ""
    return (
        "<style type=\"text/css\">\n" + face + "\n"
        f":root {{ --jp-ui-font-family: {font_stack()}; --jp-content-font-family: {font_stack()};"
        f" --jp-code-font-family: {font_stack('mono')}; }}\n"
        f"body {{ font-family: {font_stack()}; }}\n</style>\n"
    )


# --------------------------------------------------------------------------- notebook
def clean_notebook(nb: NotebookNode) -> NotebookNode:
    """Drop widget views and state and ``stderr`` streams from ``nb`` (in place); return it."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.get("cell_type") != "code":
            continue
        cell.metadata.pop("widgets", None)
        kept = []
        for out in cell.get("outputs", []):
            if out.get("output_type") == "stream" and out.get("name") == "stderr":
                continue
            data = out.get("data")
            if data is not None and WIDGET_VIEW_MIME in data:
                data.pop(WIDGET_VIEW_MIME)
                data.pop("text/plain", None)  # the widget's repr, e.g. "HBox(children=...)"
                if not data:
                    continue
            kept.append(out)
        cell["outputs"] = kept
    return nb


@cache
def _exporter(language_code: str) -> Any:
    # nbconvert (and its HTML and template machinery) loads only when a notebook is exported
    from nbconvert import HTMLExporter
    from traitlets.config import Config

    config = Config()
    config.TagRemovePreprocessor.enabled = True
    config.TagRemovePreprocessor.remove_cell_tags = set(REMOVE_CELL_TAGS)
    config.TagRemovePreprocessor.remove_all_outputs_tags = set(REMOVE_OUTPUT_TAGS)
    return HTMLExporter(
        config=config,
        template_name="lab",
        template_file=str(TEMPLATE),
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        embed_images=True,
        mathjax_url="",
        require_js_url="",
        language_code=language_code,
    )


def _read(nb: str | os.PathLike[str] | NotebookNode) -> tuple[NotebookNode, Path | None]:
    if isinstance(nb, NotebookNode):
        return copy.deepcopy(nb), None
    path = Path(nb)
    return nbformat.read(path, as_version=4), path


def render_html(
    nb: str | os.PathLike[str] | NotebookNode, title: str | None = None, lang: str = "zh"
) -> str:
    """The self-contained HTML of a notebook (checked; see :func:`notebook_to_html`)."""
    node, path = _read(nb)
    clean_notebook(node)
    charts = _take_charts(node)
    if title is not None:
        node.metadata["title"] = title
    resources: dict[str, Any] = {"qcplan_image_alt": i18n.t("chart_alt", lang)}
    if path is not None:
        resources["metadata"] = {"name": path.stem, "path": str(path.parent)}
    body, _ = _exporter(lang if lang in ("zh", "en") else "en").from_notebook_node(
        node, resources=resources)
    body = label_table_cells(strip_remote_scripts(body))
    style = embedded_font_style(body + "".join(svg for _, svg in charts)) + page_style()
    body = body.replace("</head>", style + "</head>", 1)
    check_self_contained(body, path)
    for mark, svg in charts:
        found = external_references(svg) if _SVG_SUSPECT.search(svg) else []
        if found:
            raise ExternalReferenceError(found, path)
        body = body.replace(mark, svg, 1)
    return body


# What an SVG chart must not hold: a script, foreign HTML, or anything reaching out (checked in
# full, as the rest of the page, only when one of these appears).
_SVG_SUSPECT = re.compile(r"<script|<foreignobject|<iframe|(?:href|src)\s*=\s*['\"]?\s*"
                          r"(?:[a-z][a-z0-9+.-]*:)?//|url\(\s*['\"]?\s*(?:[a-z][a-z0-9+.-]*:)?//|"
                          r"@import", re.IGNORECASE)


def _take_charts(node: NotebookNode) -> list[tuple[str, str]]:
    """Set aside qcplan's SVG charts (outputs marked ``qcplan_chart``), each replaced by a
    comment that :func:`render_html` swaps back after the export: the exporter's HTML parser
    (BeautifulSoup) and the checks need not walk their thousands of elements. Returns
    (comment, SVG) pairs."""
    nonce = secrets.token_hex(8)
    out: list[tuple[str, str]] = []
    for cell in node.cells:
        for output in cell.get("outputs", []):
            data = output.get("data") or {}
            meta = (output.get("metadata") or {}).get("image/svg+xml") or {}
            if "image/svg+xml" in data and meta.get("qcplan_chart"):
                svg = data["image/svg+xml"]
                svg = "".join(svg) if isinstance(svg, list) else str(svg)
                mark = f"<!--qcplan-chart-{nonce}-{len(out)}-->"
                data["image/svg+xml"] = mark
                out.append((mark, svg))
    return out


def notebook_to_html(
    nb_path_or_node: str | os.PathLike[str] | NotebookNode,
    html_path: str | os.PathLike[str],
    title: str | None = None,
    lang: str = "zh",
) -> Path:
    """Export an executed notebook to ``html_path`` as one self-contained page; return the path.

    Inputs and prompts are hidden, images embedded, Chinese glyphs embedded (subset font), and
    the result is checked to reach nothing on the network (:class:`ExternalReferenceError`
    otherwise; nothing is written then). ``title`` sets the page's ``<title>``; ``lang`` its
    ``lang`` attribute. The file is written to a temporary name in the same folder and renamed.
    """
    return write_atomic(html_path, render_html(nb_path_or_node, title=title, lang=lang))
