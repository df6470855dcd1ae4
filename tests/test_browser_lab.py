"""The workbench in a real JupyterLab, driven by headless Chromium (Playwright's python API).

JupyterLab starts on the loopback interface with a free port, a random token and a temporary root
holding a copy of ``notebooks/explore.ipynb``; its settings and workspaces live in the temporary
folder too. The test runs all cells, waits for the workbench widget, moves the growth slider with
the keyboard and checks that the P(reach) shown changes. A screenshot goes to
``test-artifacts/explore_lab.png``. The server (and its kernels) is always shut down.

Skips with a reason when Chromium or Playwright is missing or Chromium cannot be launched.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "explore.ipynb"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SERVER_START_S = 60.0
CELLS_RUN_S = 90.0
UPDATE_S = 20.0


@dataclass
class Lab:
    url: str
    token: str
    root: Path
    log: Path

    def api(self, method: str, path: str) -> bytes:
        req = urllib.request.Request(f"{self.url}{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 - loopback only
            return resp.read()

    def log_tail(self, n: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _quiet_settings(settings: Path) -> None:
    """No news or update checks in the test's JupyterLab (nothing to fetch, no pop-ups)."""
    folder = settings / "@jupyterlab" / "apputils-extension"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")


def _stop(proc: subprocess.Popen[bytes], lab: Lab) -> None:
    """Shut kernels and server down; escalate to signals after bounded waits."""
    if proc.poll() is None:
        try:
            for k in json.loads(lab.api("GET", "/api/kernels")):
                lab.api("DELETE", f"/api/kernels/{k['id']}")
            lab.api("POST", "/api/shutdown")
        except (OSError, urllib.error.URLError, ValueError):
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[Lab]:
    """A JupyterLab server on 127.0.0.1 serving a temporary root with the notebook in it."""
    root = tmp_path / "root"
    root.mkdir()
    shutil.copy2(NOTEBOOK, root / NOTEBOOK.name)
    port, token = _free_port(), secrets.token_hex(24)
    env = dict(os.environ)
    env.update({
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTER_DATA_DIR": str(tmp_path / "data"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "IPYTHONDIR": str(tmp_path / "ipython"),
        "PYTHONUNBUFFERED": "1",
    })
    _quiet_settings(tmp_path / "settings")
    log = tmp_path / "lab.log"
    cmd = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.open_browser=False",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--allow-root",
    ]
    with open(log, "wb") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=root,
                                start_new_session=True)
    server = Lab(f"http://127.0.0.1:{port}", token, root, log)
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if proc.poll() is not None:
                pytest.fail(f"JupyterLab exited with {proc.returncode}:\n{server.log_tail()}")
            try:
                server.api("GET", "/api/status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not answer in {SERVER_START_S:.0f} s:\n"
                                f"{server.log_tail()}")
                time.sleep(0.3)
        yield server
    finally:
        _stop(proc, server)


def _launch(pw, tmp: Path):  # noqa: ANN001, ANN202 - Playwright's own types
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    env = _font_config(tmp)
    try:
        return pw.chromium.launch_persistent_context(
            str(tmp / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS, viewport={"width": 1500, "height": 1500}, timeout=30_000,
            **({"env": env} if env else {}))
    except Exception as exc:  # Playwright's Error, a missing library, a sandbox refusal ...
        pytest.skip(f"Playwright cannot launch {CHROMIUM}: {str(exc).splitlines()[0]}")


def _accept_kernel_dialog(page, timeout_s: float = 8.0) -> None:  # noqa: ANN001
    """JupyterLab may ask which kernel to start although the notebook names one: accept its
    proposal (the notebook's python3 kernel)."""
    deadline = time.monotonic() + timeout_s
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    while time.monotonic() < deadline:
        if accept.count():
            accept.first.click()
            return
        if page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").count():
            time.sleep(0.5)          # a dialog can still come after the first idle
            if not accept.count():
                return
        time.sleep(0.2)


def _font_config(tmp: Path) -> dict[str, str]:
    """Environment for Chromium that adds the Noto Sans SC font qcplan ships with to the
    system's fonts (Chinese labels of the widgets render as text, not boxes)."""
    try:
        from qcplan.render.fonts import font_path

        folder = font_path().parent
    except Exception:  # pragma: no cover - the font is a declared dependency
        return {}
    conf = tmp / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
        '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
        f"  <dir>{folder}</dir>\n  <cachedir>{tmp / 'fontcache'}</cachedir>\n</fontconfig>\n",
        encoding="utf-8")
    return {**os.environ, "FONTCONFIG_FILE": str(conf)}


def _wait_text_change(locator, before: str, timeout_s: float) -> str:  # noqa: ANN001
    deadline = time.monotonic() + timeout_s
    text = before
    while time.monotonic() < deadline:
        text = locator.inner_text()
        if text != before:
            return text
        time.sleep(0.1)
    return text


def test_workbench_in_jupyterlab(lab: Lab, tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        pytest.skip(f"Playwright is not installed: {exc}")

    t0 = time.monotonic()
    ARTIFACTS.mkdir(exist_ok=True)
    shot = ARTIFACTS / "explore_lab.png"
    with sync_playwright() as pw:
        ctx = _launch(pw, tmp_path)
        try:
            page = ctx.new_page()
            page.set_default_timeout(30_000)
            page.goto(f"{lab.url}/lab/tree/{NOTEBOOK.name}?token={lab.token}",
                      wait_until="domcontentloaded", timeout=60_000)
            page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=60_000)
            _accept_kernel_dialog(page)
            # the kernel is up when the toolbar's indicator says idle
            page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']",
                                   timeout=60_000)
            page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
            page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()

            prob = page.locator(".qc-workbench .qc-prob")
            try:
                prob.wait_for(state="visible", timeout=CELLS_RUN_S * 1000)
            except Exception as exc:
                page.screenshot(path=str(shot))
                raise AssertionError("the workbench widget did not render; server log:\n"
                                     + lab.log_tail()) from exc
            chart = page.locator(".qc-workbench img")
            chart.first.wait_for(state="visible")
            page.wait_for_function(
                "() => { const i = document.querySelector('.qc-workbench img');"
                " return i && i.naturalWidth > 100; }", timeout=UPDATE_S * 1000)
            before = prob.inner_text()
            src = "() => document.querySelector('.qc-workbench img').src"
            chart_before = page.evaluate(src)
            shift_readout = page.locator(".qc-shift .widget-readout")
            shift_before = shift_readout.inner_text()

            handle = page.locator(".qc-shift .noUi-handle").first
            handle.scroll_into_view_if_needed()
            handle.focus()
            for _ in range(4):                      # +0.5 pp a step
                page.keyboard.press("ArrowRight")
                time.sleep(0.05)
            shift_after = _wait_text_change(shift_readout, shift_before, 5)
            after = _wait_text_change(prob, before, UPDATE_S)
            if after == before:                     # fall back to the slider's readout field
                shift_readout.click()
                page.keyboard.press("Control+A")
                page.keyboard.type("2.0")
                page.keyboard.press("Enter")
                shift_after = _wait_text_change(shift_readout, shift_before, 5)
                after = _wait_text_change(prob, before, UPDATE_S)
            deadline = time.monotonic() + UPDATE_S     # the chart is redrawn (coalesced)
            while page.evaluate(src) == chart_before and time.monotonic() < deadline:
                time.sleep(0.1)
            chart_changed = page.evaluate(src) != chart_before
            time.sleep(0.3)
            page.locator(".qc-workbench").first.evaluate("e => e.scrollIntoView()")
            page.screenshot(path=str(shot))
            print(f"\ngrowth slider {shift_before} -> {shift_after}; shown {before!r} -> "
                  f"{after!r}; screenshot {shot}; {time.monotonic() - t0:.1f} s")
            assert after != before, f"P(reach) did not change after moving the slider: {before}"
            assert shift_after != shift_before
            assert chart_changed, "the chart was not redrawn after moving the slider"
            # the front end of ipywidgets rendered real controls, not a text fallback
            assert page.locator(".qc-workbench .widget-dropdown select").count() >= 3
        finally:
            ctx.close()
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert time.monotonic() - t0 < 120
