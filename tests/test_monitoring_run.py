"""qcplan run over time: the history outlives retention, the unit pages, and one webhook message
when a status changed (none when nothing did). Three small runs of one pillar and scenario."""

from __future__ import annotations

import io
import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd
import pytest

from qcplan.batch.history import read_history
from qcplan.batch.run import run_batch
from qcplan.cli import main

REPO = Path(__file__).resolve().parents[1]
PILLAR = "industry"
TARGET = "specialized_smes"  # needs acceleration on the shipped data; a real 2025 figure
KEY = "k3y-not-in-logs"


class _Hook:
    def __init__(self) -> None:
        self.bodies: list[dict] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.bodies.append(json.loads(raw.decode("utf-8")))
                data = b'{"errcode":0,"errmsg":"ok"}'
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = (f"http://127.0.0.1:{self.httpd.server_address[1]}/cgi-bin/webhook/send"
                    f"?key={KEY}")

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def _run(data: Path, out: Path, hook: _Hook, formats: str = "html") -> tuple[object, str]:
    log = io.StringIO()
    result = run_batch(pillars=[PILLAR], scenarios=["baseline"], lang="zh", out=out,
                       data_dir=data, jobs=1, n_sims=300, seed=0, as_of="2026-06-30",
                       formats=formats, log=log, progress=False, keep=1, notify=hook.url,
                       notify_format="wecom")
    return result, log.getvalue()


@pytest.mark.slow
def test_history_units_and_one_message(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from docx import Document

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("scripts", "__pycache__"))
    out = tmp_path / "reports"
    hook = _Hook()
    try:
        first, log1 = _run(data, out, hook, "html,docx")
        assert first.exit_code == 0, log1
        assert hook.bodies == []  # a first run has nothing to compare: no message
        h1 = read_history(out)
        assert set(h1["run_id"]) == {first.run_id} and (h1["pillar"] == PILLAR).all()
        before = h1.set_index("target_id").loc[TARGET, "status"]

        # unit pages: one per unit of the pillar's targets, linked from index.html, with docx
        targets = pd.read_csv(data / "targets.csv", dtype=str, keep_default_na=False)
        mine = targets[targets["pillar"] == PILLAR]
        reg = pd.read_csv(data / "responsible_units.csv", dtype=str, keep_default_na=False)
        own = {a.strip(): r.name_zh for r in reg.itertuples() for a in
               [r.name_zh, *re.split("[|;]", r.aliases)] if a.strip()}
        units = {own.get(u.strip(), u.strip()) for cell in mine["responsible_units"]
                 for u in re.split("[、,,]", cell) if u.strip()}  # one page per unit, any name
        pages = sorted((first.run_dir / "units").glob("*.html"))
        assert len(pages) == len(units)
        index = (first.run_dir / "index.html").read_text(encoding="utf-8")
        for p in pages:
            assert f'href="units/{p.name}"' in index
            assert p.with_name(p.stem + "__zh.docx").is_file()
        first_named = mine.iloc[0]["responsible_units"].split("、")[0].strip()
        lead = own.get(first_named, first_named)
        page = next(p for p in pages if f"致 {lead}" in p.read_text(encoding="utf-8"))
        text = page.read_text(encoding="utf-8")
        assert "督办提示函" in text and "一、牵头目标" in text and "三、尚欠数据" in text
        assert mine.iloc[0]["name_zh"] in text
        assert "首次运行" in text
        doc = Document(str(page.with_name(page.stem + "__zh.docx")))
        assert any(lead in par.text for par in doc.paragraphs)

        # a unit sends a real 2025 figure for the target: its status changes
        with open(data / "observations.csv", encoding="utf-8") as f:
            header = f.readline().strip().split(",")
        figure = {"indicator_id": TARGET, "geography": "谯城区", "year": "2025", "value": "300",
                  "unit": "家", "status": "official", "source": "test figure",
                  "note": "returned by the unit"}
        with open(data / "observations.csv", "a", encoding="utf-8") as f:
            f.write(",".join(figure.get(c, "") for c in header) + "\n")
        second, log2 = _run(data, out, hook)
        assert second.exit_code == 0, log2
        h2 = read_history(out)
        assert h2["run_id"].nunique() == 2  # survives --keep 1
        assert not (out / first.run_id).exists()
        after = h2[(h2["run_id"] == second.run_id) & (h2["target_id"] == TARGET)]
        assert after["status"].iloc[0] != before
        assert len(hook.bodies) == 1
        content = hook.bodies[0]["text"]["content"]
        name = mine.set_index("target_id").loc[TARGET, "name_zh"]
        assert name in content and TARGET in content
        assert str(second.run_dir / "index.html") in content
        # the at-risk list carries arrows against the first run
        at_risk = re.search(r'id="at-risk".*?</table>', (second.run_dir / "index.html")
                            .read_text(encoding="utf-8"), re.DOTALL).group(0)
        assert 'class="arrow arrow-' in at_risk

        # the report's chart of the target has two points, the index an arrow
        report = (second.run_dir / f"{PILLAR}__baseline__zh.html").read_text(encoding="utf-8")
        row = re.search(rf'data-target="target-{TARGET}".*?</tr>', report, re.DOTALL).group(0)
        assert row.count("<circle") == 2
        index2 = (second.run_dir / "index.html").read_text(encoding="utf-8")
        assert re.search(rf'id="course-target-{TARGET}".*?</tr>', index2,
                         re.DOTALL).group(0).count("<circle") == 2
        owner = mine.set_index("target_id").loc[TARGET, "responsible_units"].split("、")[0].strip()
        owner = own.get(owner, owner)
        owner_page = next(p.read_text(encoding="utf-8")
                          for p in (second.run_dir / "units").glob("*.html")
                          if f"致 {owner}" in p.read_text(encoding="utf-8"))
        assert f"状态变化: {TARGET} [baseline]" in owner_page

        # qcplan history shows both runs for the target
        capsys.readouterr()
        assert main(["history", "--out", str(out), "--target", TARGET]) == 0
        shown = capsys.readouterr().out
        assert first.run_id in shown and second.run_id in shown and "2 runs" in shown

        second_manifest = json.loads((second.run_dir / "manifest.json").read_text("utf-8"))
        assert second_manifest["notification"]["sent"] is True
        assert KEY not in json.dumps(second_manifest)

        # a third run with nothing changed: no message; the key is in no log or manifest
        third, log3 = _run(data, out, hook)
        assert third.exit_code == 0, log3
        assert len(hook.bodies) == 1
        assert read_history(out)["run_id"].nunique() == 3
        for log in (log1, log2, log3):
            assert KEY not in log
        manifest = (third.run_dir / "manifest.json").read_text(encoding="utf-8")
        assert KEY not in manifest and '"key=***"' not in manifest
        assert json.loads(manifest)["notification"]["reason"] == "nothing to tell"
    finally:
        hook.close()


@pytest.mark.slow
def test_two_runs_at_once_leave_both_in_the_history(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("scripts", "__pycache__"))
    out = tmp_path / "reports"
    cmd = [sys.executable, "-m", "qcplan", "run", "--plan", str(data), "--pillars", PILLAR,
           "--scenarios", "baseline", "--out", str(out), "--jobs", "1", "--n-sims", "200",
           "--as-of", "2026-06-30", "--quiet"]
    env = {k: v for k, v in os.environ.items() if k != "QCPLAN_NOTIFY_URL"}
    procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              env=env) for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err
    h = read_history(out)
    assert h["run_id"].nunique() == 2
    assert len(h) == 2 * len(h[h["run_id"] == h["run_id"].iloc[0]])


@pytest.mark.slow
def test_a_failed_run_sends_a_message_and_keeps_its_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    hook = _Hook()
    try:
        log = io.StringIO()
        result = run_batch(pillars=[PILLAR], scenarios=["baseline"], out=out, n_sims=200,
                           as_of="2026-06-30", jobs=1, log=log, progress=False,
                           notebook=REPO / "tests" / "fixtures" / "notebooks" / "raises.nb.json",
                           notify=hook.url, notify_format="feishu")
        assert result.exit_code == 1 and result.status == "failed"
        assert len(hook.bodies) == 1
        text = hook.bodies[0]["content"]["text"]
        assert "失败" in text and result.run_id in text
        assert not (out / "history.csv").exists()  # a failed run adds nothing to the history
        assert KEY not in log.getvalue()
    finally:
        hook.close()
