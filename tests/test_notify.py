"""The webhook message (qcplan.batch.notify) against real HTTP servers on 127.0.0.1: one that
accepts, one that answers 500, one that never answers."""

from __future__ import annotations

import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from qcplan.batch import notify
from qcplan.render.changes import CHANGE_COLUMNS, Changes

KEY = "s3cr3t-key-0123"


class _Server:
    """A webhook on 127.0.0.1 in a thread: ``mode`` accept (200 errcode 0), fail (500) or hang
    (reads the request, never answers until the test ends)."""

    def __init__(self, mode: str):
        self.mode, self.bodies, self.paths = mode, [], []
        self.release = threading.Event()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                n = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(n)
                outer.paths.append(self.path)
                outer.bodies.append(json.loads(raw.decode("utf-8")))
                if outer.mode == "hang":
                    outer.release.wait(30)
                    return
                if outer.mode == "trickle":  # an answer a byte at a time, never finished
                    self.send_response(200)
                    self.send_header("Content-Length", "1000")
                    self.end_headers()
                    for _ in range(60):
                        if outer.release.wait(0.3):
                            return
                        try:
                            self.wfile.write(b" ")
                            self.wfile.flush()
                        except OSError:
                            return
                    return
                code = 200 if outer.mode == "accept" else 500
                data = json.dumps({"errcode": 0, "errmsg": "ok"} if code == 200
                                  else {"error": "down"}).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str = f"/cgi-bin/webhook/send?key={KEY}") -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(request: pytest.FixtureRequest) -> Iterator[_Server]:
    s = _Server(request.param)
    yield s
    s.close()


class _Log:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, m: str) -> None:
        self.lines.append("INFO " + m)

    def warning(self, m: str) -> None:
        self.lines.append("WARNING " + m)


class _Plan:
    id = "qiaocheng"
    targets = pd.DataFrame({"target_id": [f"t{i:02d}" for i in range(14)],
                            "name_zh": [f"目标{i}" for i in range(14)]})

    def title(self, lang: str) -> str:
        return "谯城区方案" if lang == "zh" else "Qiaocheng plan"


def _changes(n: int) -> Changes:
    rows = [{"change": "status", "scenario": "baseline", "target_id": f"t{i:02d}",
             "pillar": "industry", "before": "on_track", "after": "off_track"} for i in range(n)]
    rows.append({"change": "revised_figure", "indicator_id": "gdp", "before": "1", "after": "2"})
    return Changes("20260101T000000Z-aaaaaa", pd.DataFrame(rows, columns=list(CHANGE_COLUMNS)))


def test_redaction_of_keys_and_hook_tokens() -> None:
    assert KEY not in notify.redact(f"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key={KEY}")
    assert notify.redact("https://oapi.dingtalk.com/robot/send?access_token=abc&x=1") == \
        "https://oapi.dingtalk.com/robot/send?access_token=***&x=***"
    assert notify.redact("https://open.feishu.cn/open-apis/bot/v2/hook/tok-123") == \
        "https://open.feishu.cn/open-apis/bot/v2/hook/***"
    assert "pw" not in notify.redact("https://user:pw@example.org/h")


@pytest.mark.parametrize("url, fmt", [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom"),
    ("https://oapi.dingtalk.com/robot/send?access_token=k", "dingtalk"),
    ("https://open.feishu.cn/open-apis/bot/v2/hook/k", "feishu"),
    ("https://hooks.example.org/x", "json"),
])
def test_format_guessed_from_the_address(url: str, fmt: str) -> None:
    hook, problem = notify.webhook_from(url, None)
    assert problem is None and hook.format == fmt


def test_bad_address_or_format_is_a_parameter_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(notify.ENV_URL, raising=False)
    _, problem = notify.webhook_from("ftp://x/?key=zzz", None)
    assert "--notify" in str(problem) and "zzz" not in str(problem)
    _, problem = notify.webhook_from("https://x.org/h", "slack")
    assert "--notify-format" in str(problem) and "wecom" in str(problem)
    assert notify.webhook_from(None, None) == (None, None)
    monkeypatch.setenv(notify.ENV_URL, "https://oapi.dingtalk.com/robot/send?access_token=k")
    hook, _ = notify.webhook_from(None, None)
    assert hook.format == "dingtalk"
    assert notify.webhook_from("", None) == (None, None)  # "" turns it off


def test_message_lists_ten_targets_then_how_many_more() -> None:
    msg = notify.message(_Plan(), "r2", "ok", _changes(13), "/out/r2/index.html")
    text = msg["text"]
    assert "谯城区方案" in text and "状态变化 13 项" in text
    assert text.count("· 目标") == 10 and "及另外 3 项" in text
    assert "按进度推进→偏离目标" in text and "/out/r2/index.html" in text
    assert msg["more"] == 3 and len(msg["changed"]) == 10


def test_no_message_when_nothing_moved_but_one_when_the_run_failed() -> None:
    quiet = _changes(0)
    assert notify.message(_Plan(), "r2", "ok", quiet, "i.html") is None
    first = Changes(None, pd.DataFrame(columns=list(CHANGE_COLUMNS)))
    assert notify.message(_Plan(), "r1", "ok", first, "i.html") is None
    failed = notify.message(_Plan(), "r3", "failed", None, "i.html")
    assert "失败" in failed["text"]


@pytest.mark.parametrize("fmt, check", [
    ("wecom", lambda b: b["msgtype"] == "text" and "谯城区方案" in b["text"]["content"]),
    ("dingtalk", lambda b: b["msgtype"] == "text" and "谯城区方案" in b["text"]["content"]),
    ("feishu", lambda b: b["msg_type"] == "text" and "谯城区方案" in b["content"]["text"]),
    ("json", lambda b: b["plan"] == "qiaocheng" and b["counts"]["status"] == 2),
])
@pytest.mark.parametrize("server", ["accept"], indirect=True)
def test_each_format_is_received(server: _Server, fmt: str, check) -> None:
    hook = notify.Webhook(server.url(), fmt)
    log = _Log()
    out = notify.notify_run(hook, _Plan(), "r2", "/out/r2", "ok", _changes(2), None, log)
    assert out["sent"] is True and out["attempts"] == 1
    assert len(server.bodies) == 1 and check(server.bodies[0])
    assert KEY not in json.dumps(out) and not any(KEY in ln for ln in log.lines)


def test_wecom_text_is_cut_to_its_limit() -> None:
    msg = {"text": "字" * 2000}
    body = notify.body("wecom", msg)
    assert len(body["text"]["content"].encode("utf-8")) <= notify.WECOM_MAX_BYTES


@pytest.mark.parametrize("server", ["fail"], indirect=True)
def test_an_error_is_retried_then_logged_without_the_key(server: _Server) -> None:
    hook = notify.Webhook(server.url(), "wecom")
    log = _Log()
    t0 = time.monotonic()
    out = notify.post(hook, {"msgtype": "text", "text": {"content": "x"}}, log,
                      attempts=3, timeout=2, backoff=(0.05, 0.1))
    assert out["sent"] is False and out["attempts"] == 3 and out["status_code"] == 500
    assert len(server.bodies) == 3
    assert time.monotonic() - t0 < 3
    assert sum("attempt" in ln for ln in log.lines) == 2
    assert not any(KEY in ln for ln in log.lines) and KEY not in json.dumps(out)


@pytest.mark.parametrize("server", ["hang"], indirect=True)
def test_a_hanging_webhook_costs_a_bounded_time(server: _Server) -> None:
    hook = notify.Webhook(server.url(), "json")
    log = _Log()
    t0 = time.monotonic()
    out = notify.post(hook, {"text": "x"}, log, attempts=2, timeout=0.5, backoff=(0.1,))
    took = time.monotonic() - t0
    assert out["sent"] is False and out["attempts"] == 2
    assert "Timeout" in out["error"] and KEY not in out["error"]
    assert took < 2 * 0.5 + 0.1 + 1.5  # attempts × timeout + backoff, with slack


@pytest.mark.parametrize("server", ["trickle"], indirect=True)
def test_a_trickling_webhook_cannot_hold_the_run(server: _Server) -> None:
    hook = notify.Webhook(server.url(), "json")
    t0 = time.monotonic()
    out = notify._bounded(lambda: notify.post(hook, {"text": "x"}, None, attempts=1,
                                              timeout=1.0), hook, limit=1.5)
    took = time.monotonic() - t0
    assert out["sent"] is False and "no answer within 1.5 s" in out["error"]
    assert 1.4 < took < 3 and KEY not in json.dumps(out)


def test_an_unreachable_webhook_is_logged() -> None:
    hook = notify.Webhook(f"http://127.0.0.1:9/hook/{KEY}", "feishu")  # discard port: refused
    log = _Log()
    out = notify.notify_run(hook, _Plan(), "r9", "/o", "failed", None, None, log)
    assert out["sent"] is False
    assert any("not delivered" in ln for ln in log.lines)
    assert not any(KEY in ln for ln in log.lines) and KEY not in json.dumps(out)


def test_run_rejects_a_bad_notify_format(tmp_path) -> None:
    from qcplan.batch.run import run_batch

    log = io.StringIO()
    result = run_batch(pillars=["industry"], scenarios=["baseline"], out=tmp_path / "o",
                       notify="https://x.org/h?key=zzz", notify_format="slack", log=log,
                       n_sims=100)
    assert result.exit_code == 2 and "--notify-format" in log.getvalue()
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())
