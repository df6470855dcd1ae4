"""A message to a group chat when a run changed something or failed.

With ``$QCPLAN_NOTIFY_URL`` set (the documented way: no key in a crontab or a log), or
``qcplan run --notify URL``, a run whose status changes include a target's status, a P(reach)
move of 10 points or more (:data:`qcplan.render.changes.PROB_STEP`), or that failed (failed,
timeout, interrupted) posts a short text: the plan, the counts, the changed targets (at most
:data:`MAX_TARGETS`, then "and N more") and the path of ``index.html`` (or its address under
``$QCPLAN_REPORTS_URL`` when the reports folder is published on a web server).

Formats (``--notify-format`` / ``$QCPLAN_NOTIFY_FORMAT``; by default guessed from the address):

- ``wecom``: 企业微信 group bot, ``{"msgtype": "text", "text": {"content": ...}}``
  (content at most 2048 bytes);
- ``dingtalk``: 钉钉 custom bot, ``{"msgtype": "text", "text": {"content": ...}}``;
- ``feishu``: 飞书 / Lark custom bot, ``{"msg_type": "text", "content": {"text": ...}}``;
- ``json``: ``{"plan": ..., "status": ..., "counts": ..., "changed": [...], "index": ...,
  "text": ...}``.

A bot with signature checking (钉钉 加签, 飞书 签名校验) is not supported: use its keyword or
IP allow-list protection instead.

Delivery: httpx, :data:`ATTEMPTS` attempts with a timeout of :data:`TIMEOUT` seconds each and
backoff between them, retried on a network error, a timeout, HTTP 429 or 5xx; a bot's own
error answer (HTTP 200 with ``errcode``/``code`` not 0) is logged, not retried. The whole is
waited for at most ``ATTEMPTS × TIMEOUT + sum(BACKOFF) + 2`` seconds (:func:`_bounded`: a server
that trickles its answer cannot hold the run longer) and never changes the run's exit code. The
address's credentials (every query value, such as ``key=`` or ``access_token=``, and the token in
a ``/hook/`` path) are redacted in every log line and in ``manifest.json``.
"""

from __future__ import annotations

import json
import math
import os
import re
import time
import urllib.parse
from dataclasses import dataclass
from typing import Any

from qcplan.errors import ParameterError
from qcplan.render.i18n import STATUS

ENV_URL = "QCPLAN_NOTIFY_URL"
ENV_FORMAT = "QCPLAN_NOTIFY_FORMAT"
ENV_LINK = "QCPLAN_REPORTS_URL"
FORMATS = ("wecom", "dingtalk", "feishu", "json")
MAX_TARGETS = 10
ATTEMPTS = 3
TIMEOUT = 5.0
BACKOFF = (1.0, 2.0)
WECOM_MAX_BYTES = 2048
HOSTS = {"qyapi.weixin.qq.com": "wecom", "oapi.dingtalk.com": "dingtalk",
         "open.feishu.cn": "feishu", "open.larksuite.com": "feishu"}
FAILED = ("failed", "timeout", "interrupted")


def redact(url: str) -> str:
    """``url`` with every query value, any user:password and the token of a ``/hook/`` path
    replaced by ``***``."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return "***"
    query = "&".join(f"{k}=***" for k, _ in urllib.parse.parse_qsl(parts.query,
                                                                     keep_blank_values=True))
    path = re.sub(r"(/hook/)[^/]+", r"\1***", parts.path)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    if parts.username or parts.password:
        netloc = "***@" + netloc
    return urllib.parse.urlunsplit((parts.scheme, netloc, path, query, ""))


def scrub(text: str, url: str) -> str:
    """``text`` with the secret parts of ``url`` replaced (for an error message that quotes it)."""
    try:
        parts = urllib.parse.urlsplit(url)
    except ValueError:
        return text.replace(url, "***")
    text = text.replace(url, redact(url))
    secrets = [v for _, v in urllib.parse.parse_qsl(parts.query) if v]
    secrets += re.findall(r"/hook/([^/]+)", parts.path)
    for s in secrets:
        text = text.replace(s, "***")
    return text


@dataclass
class Webhook:
    url: str
    format: str

    def manifest(self) -> dict[str, str]:
        return {"url": redact(self.url), "format": self.format}


def webhook_from(url: str | None, fmt: str | None) -> tuple[Webhook | None, Any]:
    """The webhook asked for (``url`` None: ``$QCPLAN_NOTIFY_URL``; empty: none) and its format
    (None: ``$QCPLAN_NOTIFY_FORMAT``, else guessed from the host, else json); or a
    ParameterError for a bad address or format."""
    if url is None:
        url = os.environ.get(ENV_URL, "")
    url = (url or "").strip()
    if fmt is None:
        fmt = os.environ.get(ENV_FORMAT) or None
    if fmt is not None and fmt not in FORMATS:
        return None, ParameterError("run arguments", "--notify-format", fmt,
                                    "one of " + ", ".join(FORMATS))
    if not url:
        return None, None
    try:
        parts = urllib.parse.urlsplit(url)
        ok = parts.scheme in ("http", "https") and bool(parts.hostname)
    except ValueError:
        ok, parts = False, None
    if not ok:
        return None, ParameterError("run arguments", "--notify / $" + ENV_URL, redact(url),
                                    "an http:// or https:// address of a webhook")
    if fmt is None:
        fmt = HOSTS.get(parts.hostname or "", "json")
    return Webhook(url, fmt), None


# --------------------------------------------------------------------------- the message
def _pct(v: Any) -> str:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v)
    return f"{f:.0%}" if math.isfinite(f) else "—"


def message(plan: Any, run_id: str, status: str, changes: Any, index: str,
            history: Any = None) -> dict[str, Any] | None:
    """What to say, or None when nothing worth a message happened (the run succeeded and no
    status changed nor any P(reach) moved by 10 points or more)."""
    failed = status in FAILED or status == "invalid"
    table = None if changes is None or changes.first_run else changes.table
    moves = (table[table["change"].isin(["status", "prob_reach"])]
             if table is not None and len(table) else None)
    if not failed and (moves is None or moves.empty):
        return None
    title = plan.title("zh") if plan is not None else ""
    lines = [f"【qcplan】{title}", f"运行 {run_id}:{_status_zh(status)}"]
    changed: list[dict[str, Any]] = []
    if moves is not None and len(moves):
        c = changes.counts()
        lines.append(f"状态变化 {c['status']} 项,达标概率变动≥10个百分点 {c['prob_reach']} 项,"
                     f"新数据 {c['new_figure']} 个,修订数据 {c['revised_figure']} 个。")
        names = {}
        if plan is not None:
            names = dict(zip(plan.targets["target_id"].astype(str),
                             plan.targets["name_zh"].astype(str)))
        by_target: dict[tuple[str, str], list[str]] = {}
        for rec in moves.to_dict("records"):
            key = (str(rec["target_id"]), str(rec["scenario"]))
            if rec["change"] == "status":
                b, a = (STATUS.get(str(x), (str(x), ""))[0] for x in (rec["before"], rec["after"]))
                by_target.setdefault(key, []).append(f"{b}→{a}")
            else:
                by_target.setdefault(key, []).append(
                    f"达标概率 {_pct(rec['before'])}→{_pct(rec['after'])}")
        items = list(by_target.items())
        for (tid, scen), what in items[:MAX_TARGETS]:
            lines.append(f"· {names.get(tid, tid)}({tid},{scen}):{';'.join(what)}")
            changed.append({"target_id": tid, "scenario": scen, "name_zh": names.get(tid, tid),
                            "changes": what})
        if len(items) > MAX_TARGETS:
            lines.append(f"……及另外 {len(items) - MAX_TARGETS} 项")
    elif failed:
        lines.append("运行未成功,latest 未更新;详见运行日志与 manifest.json。")
    lines.append(f"总览:{index}")
    text = "\n".join(lines)
    return {"plan": getattr(plan, "id", ""), "run_id": run_id, "status": status,
            "counts": changes.counts() if table is not None else None,
            "changed": changed,
            "more": max(0, len(moves.groupby(["target_id", "scenario"])) - MAX_TARGETS)
            if moves is not None and len(moves) else 0,
            "index": index, "text": text}


def _status_zh(status: str) -> str:
    return {"ok": "成功", "failed": "失败", "timeout": "超时", "interrupted": "中断",
            "invalid": "输入有误,未运行"}.get(status, status)


def body(fmt: str, msg: dict[str, Any]) -> dict[str, Any]:
    """The JSON body for a bot of format ``fmt``."""
    text = msg["text"]
    if fmt == "wecom":
        data = text.encode("utf-8")
        if len(data) > WECOM_MAX_BYTES:  # the bot refuses longer text
            text = data[:WECOM_MAX_BYTES - 4].decode("utf-8", "ignore") + "…"
        return {"msgtype": "text", "text": {"content": text}}
    if fmt == "dingtalk":
        return {"msgtype": "text", "text": {"content": text}}
    if fmt == "feishu":
        return {"msg_type": "text", "content": {"text": text}}
    return msg


# --------------------------------------------------------------------------- delivery
def post(hook: Webhook, payload: dict[str, Any], log: Any = None, attempts: int = ATTEMPTS,
         timeout: float = TIMEOUT, backoff: tuple[float, ...] = BACKOFF) -> dict[str, Any]:
    """POST ``payload`` with retries; return what happened (for the manifest): ``sent``,
    ``attempts``, ``status_code``, ``error`` (redacted)."""
    import httpx

    outcome: dict[str, Any] = {"sent": False, "attempts": 0, "format": hook.format,
                               "url": redact(hook.url)}
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    headers = {"Content-Type": "application/json; charset=utf-8"}
    deadline = time.monotonic() + attempts * timeout + sum(backoff[:max(0, attempts - 1)])
    with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False,
                      trust_env=True) as client:
        for i in range(attempts):
            outcome["attempts"] = i + 1
            retry = False
            try:
                r = client.post(hook.url, content=data, headers=headers)
                outcome["status_code"] = r.status_code
                if r.status_code == 429 or r.status_code >= 500:
                    retry = True
                    outcome["error"] = f"HTTP {r.status_code}"
                elif r.status_code >= 400:
                    outcome["error"] = f"HTTP {r.status_code}"
                else:
                    bot_error = _bot_error(r)
                    if bot_error:
                        outcome["error"] = bot_error
                    else:
                        outcome["sent"] = True
                        outcome.pop("error", None)
            except httpx.HTTPError as e:
                retry = True
                outcome["error"] = scrub(f"{type(e).__name__}: {e}", hook.url)
            if outcome["sent"] or not retry:
                break
            if i + 1 < attempts:
                wait = backoff[min(i, len(backoff) - 1)] if backoff else 0.0
                if log is not None:
                    log.warning(f"notify: {redact(hook.url)} attempt {i + 1} failed "
                                f"({outcome['error']}); again in {wait:g}s")
                if time.monotonic() + wait >= deadline:
                    break
                time.sleep(wait)
    return outcome


def _bot_error(response: Any) -> str | None:
    """The bot's own error in a 200 answer (``errcode`` / ``code`` / ``StatusCode`` not 0)."""
    try:
        data = response.json()
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    for key in ("errcode", "code", "StatusCode"):
        if key in data and data[key] not in (0, "0", None):
            why = data.get("errmsg") or data.get("msg") or data.get("StatusMessage") or ""
            return f"the bot answered {key} {data[key]} {why}".strip()
    return None


def _bounded(send: Any, hook: Webhook,
             limit: float = ATTEMPTS * TIMEOUT + sum(BACKOFF) + 2.0) -> dict[str, Any]:
    """``send()`` in a daemon thread, waited for at most ``limit`` seconds: a server that
    trickles its answer byte by byte (each read within the timeout) cannot hold the run."""
    import threading

    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["out"] = send()
        except Exception as e:  # noqa: BLE001 - reported, never raised into the run
            box["out"] = {"sent": False, "error": scrub(f"{type(e).__name__}: {e}", hook.url),
                          "url": redact(hook.url), "format": hook.format}

    thread = threading.Thread(target=target, name="qcplan-notify", daemon=True)
    thread.start()
    thread.join(limit)
    if "out" not in box:
        return {"sent": False, "error": f"no answer within {limit:g} s (given up)",
                "url": redact(hook.url), "format": hook.format}
    return box["out"]


def notify_run(hook: Webhook, plan: Any, run_id: str, run_dir: Any, status: str, changes: Any,
               history: Any, log: Any) -> dict[str, Any]:
    """Tell the webhook about a run when something changed or it failed; what happened."""
    link = os.environ.get(ENV_LINK, "").strip()
    index = (f"{link.rstrip('/')}/{run_id}/index.html" if link
             else str(os.path.join(str(run_dir), "index.html")))
    msg = message(plan, run_id, status, changes, index, history)
    if msg is None:
        log.info("notify: nothing changed that calls for a message")
        return {"sent": False, "reason": "nothing to tell", "url": redact(hook.url),
                "format": hook.format}
    outcome = _bounded(lambda: post(hook, body(hook.format, msg), log), hook)
    if outcome["sent"]:
        log.info(f"notify: message sent to {redact(hook.url)} ({hook.format})")
    else:
        log.warning(f"notify: message not delivered to {redact(hook.url)} after "
                    f"{outcome['attempts']} attempt(s): {outcome.get('error')}")
    return outcome
