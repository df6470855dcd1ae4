"""The run's pages in headless Chromium: nothing requested from the network, no script errors.

Opens ``index.html`` and one report of the session's good run (see ``test_run.ensure_good_run``)
with Playwright and Debian's ``/usr/bin/chromium``, records every request, console error and page
error, and saves full-page screenshots to ``test-artifacts/`` at the repository root. Skips with a
reason when Chromium or Playwright is not available.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_run import PILLAR, ensure_good_run

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
FONT_FAMILY = "qcplan Noto Sans SC"


@pytest.fixture(scope="module")
def browser_context(tmp_path_factory: pytest.TempPathFactory) -> Any:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found (install Debian's chromium package)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright (python) is not installed")
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_playwright() as p:
        try:
            context = p.chromium.launch_persistent_context(
                str(profile), executable_path=str(CHROMIUM), headless=True, args=ARGS,
                viewport={"width": 1280, "height": 900}, timeout=60_000)
        except Exception as e:  # missing libraries, sandbox problems, ...
            pytest.skip(f"Playwright could not launch {CHROMIUM}: {type(e).__name__}: {e}")
        try:
            yield context
        finally:
            context.close()


def _visit(context: Any, page_path: Path, shot: str) -> dict[str, Any]:
    """Open ``page_path``; return requests, console errors, page errors and font status."""
    page = context.new_page()
    requests: list[str] = []
    console_errors: list[str] = []
    page_errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page_errors.append(str(e)))
    page.goto(page_path.as_uri(), wait_until="load", timeout=60_000)
    fonts = page.evaluate(
        "document.fonts.ready.then(() => Array.from(document.fonts)"
        ".map(f => [f.family.replace(/\"/g, ''), f.status]))")
    title = page.title()
    text = page.inner_text("body")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    page.close()
    return {"requests": requests, "console_errors": console_errors, "page_errors": page_errors,
            "fonts": fonts, "title": title, "text": text}


def _check(result: dict[str, Any]) -> None:
    outside = [u for u in result["requests"] if not u.startswith(("file:", "data:"))]
    assert outside == [], outside
    assert result["console_errors"] == []
    assert result["page_errors"] == []
    assert [FONT_FAMILY, "loaded"] in result["fonts"], result["fonts"]


def test_dashboard_in_chromium(browser_context: Any,
                               tmp_path_factory: pytest.TempPathFactory) -> None:
    run = ensure_good_run(tmp_path_factory)
    assert run["exit_code"] == 0, run["log"]
    result = _visit(browser_context, Path(run["run_dir"]) / "index.html", "run-index.png")
    _check(result)
    assert "综合实力" in result["text"] and "mean P(reach)" in result["text"]


def test_report_in_chromium(browser_context: Any,
                            tmp_path_factory: pytest.TempPathFactory) -> None:
    run = ensure_good_run(tmp_path_factory)
    assert run["exit_code"] == 0, run["log"]
    report = Path(run["run_dir"]) / f"{PILLAR}__baseline__zh.html"
    result = _visit(browser_context, report, f"report-{PILLAR}-baseline-zh.png")
    _check(result)
    assert "In [" not in result["text"] and "import " not in result["text"]



# --------------------------------------------------------------------------- phones
PHONE = {"width": 390, "height": 844}
OVERFLOW_JS = """() => {
  const vw = document.documentElement.clientWidth;
  const page = document.documentElement.scrollWidth;
  const boxes = [];
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 && r.height === 0) continue;
    const scrolls = ['auto', 'scroll'].includes(style.overflowX) &&
                    el.scrollWidth > el.clientWidth + 1;
    if (r.right > vw + 1 || scrolls) {
      boxes.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right) + '/' + vw);
    }
  }
  return {vw, page, boxes: boxes.slice(0, 8)};
}"""


@pytest.fixture(scope="module")
def phone_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both languages of a pillar with long names and work points, beside the session's run."""
    import io

    from qcplan.batch.run import run_batch

    out = tmp_path_factory.mktemp("phone-run")
    log = io.StringIO()
    result = run_batch(pillars=["industry"], scenarios=["baseline"], lang="both", out=out,
                       n_sims=1000, as_of="2026-06-30", jobs=2, timeout=600, log=log)
    assert result.exit_code == 0, log.getvalue()
    return result.run_dir


def test_pages_read_on_a_phone_without_sideways_scrolling(browser_context: Any,
                                                          phone_run: Path) -> None:
    """At 390 px every report, index.html and the responsible units' pages fit the width (tables
    become cards, charts shrink); a screenshot of each is saved for a person to look at."""
    pages = sorted(phone_run.glob("*.html"))
    assert len(pages) == 3  # index.html and the zh and en reports
    units = sorted((phone_run / "units").glob("*.html"))
    assert units
    for path in pages + units[:2]:
        page = browser_context.new_page()
        page.set_viewport_size(PHONE)
        page.goto(path.as_uri(), wait_until="load", timeout=60_000)
        page.evaluate("document.fonts.ready.then(() => true)")
        found = page.evaluate(OVERFLOW_JS)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"phone-{path.stem}.png"), full_page=True)
        cards = page.evaluate("document.querySelectorAll('td[data-label]').length")
        page.close()
        assert found["page"] <= found["vw"] + 1 and not found["boxes"], (path.name, found)
        assert cards > 0, path.name  # the tables are read as cards


def test_print_layout_hides_nothing_of_the_findings(browser_context: Any,
                                                    phone_run: Path) -> None:
    """Printed (print media, A4 width), a report keeps its findings and charts and shows no
    prompts or controls."""
    report = phone_run / "industry__baseline__zh.html"
    page = browser_context.new_page()
    page.goto(report.as_uri(), wait_until="load", timeout=60_000)
    page.emulate_media(media="print")
    shown = page.evaluate("""() => ({
      findings: document.querySelectorAll('tr.qc-finding').length,
      images: Array.from(document.querySelectorAll('img, .jp-RenderedSVG svg'))
        .filter(i => i.getBoundingClientRect().width > 0).length,
      prompts: Array.from(document.querySelectorAll('.jp-InputPrompt,.jp-OutputPrompt,button'))
        .filter(e => getComputedStyle(e).display !== 'none').length})""")
    pdf = page.pdf(format="A4")
    page.close()
    assert shown["findings"] > 0 and shown["images"] > 0 and shown["prompts"] == 0, shown
    assert pdf[:4] == b"%PDF"
