"""``index.html`` of a run over several plans: each plan with its own pillar × scenario matrix.

The same cells, links and style as the one-plan dashboard (:mod:`qcplan.render.dashboard`); each
plan's title and facts come from its ``plan.yaml``. Self-contained (inline CSS, the Chinese
glyphs it uses embedded), every text from the data escaped.
"""

from __future__ import annotations

import datetime as _dt
import html
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from qcplan.files import write_atomic
from qcplan.render.dashboard import CSS, both, matrix_head, pillar_rows
from qcplan.render.export import check_self_contained, embedded_font_style
from qcplan.render.html import esc as _esc

TITLE = ("多项规划 · 评估报告总览", "Several plans · overview of the reports")


def _plan_section(entry: Mapping[str, Any]) -> str:
    plan = entry["plan"]
    info = plan.info
    pillars, scenarios = entry["pillars"], entry["scenarios"]
    tables, reports = entry["tables"], entry["reports"]
    facts = " · ".join(_esc(x) for x in (info.geography, info.issuer("zh"),
                                         info.status_text("zh"), info.period_text()) if x)
    head = matrix_head(scenarios)
    rows = pillar_rows(pillars, scenarios, tables, reports, anchor=f"plan-{plan.id}-pillar-")
    if not rows:
        rows.append(f'<tr><td colspan="{len(scenarios) + 1}">'
                    + both("本规划尚无领域和目标。", "This plan has no pillars or targets yet.")
                    + "</td></tr>")
    index = entry.get("index")
    link = (f' <a href="{html.escape(index, quote=True)}">'
            f'{both("本规划总览", "this plan’s overview")}</a>' if index else "")
    status = "" if entry.get("status") == "ok" else (
        f' <span class="bad">{_esc(entry.get("status"))}</span>')
    return (f'<section id="plan-{_esc(plan.id)}"><h2>{_esc(plan.title("zh"))}<br>'
            f'<span class="en">{_esc(plan.title("en"))}</span></h2>'
            f'<p class="meta"><span class="muted">{_esc(plan.id)}</span>'
            f"{' · ' + facts if facts else ''}{link}{status}</p>"
            f'<table class="matrix"><thead><tr><th>{both("领域", "pillar")}</th>{head}'
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></section>")


def render_plans_index(*, entries: Sequence[Mapping[str, Any]], run_id: str,
                       run_date: _dt.datetime) -> str:
    """The page as a string. ``entries``: per plan, ``plan`` (a loaded Plan), ``pillars``,
    ``scenarios``, ``tables`` (scenario -> rows with pillar, status, prob_reach), ``reports``
    (with ``html`` relative to this page), ``status`` and ``index`` (the plan's own index)."""
    toc = "".join(f'<li><a href="#plan-{_esc(e["plan"].id)}">{_esc(e["plan"].title("zh"))}</a>'
                  f' <span class="en">{_esc(e["plan"].title("en"))}</span></li>'
                  for e in entries)
    body = f"""
<header><h1>{_esc(TITLE[0])}</h1><div class="en">{_esc(TITLE[1])}</div></header>
<p class="meta">{both("运行时间", "run date")}: {_esc(run_date.strftime("%Y-%m-%d %H:%M:%S UTC"))}
· {both("运行编号", "run id")} {_esc(run_id)} · {both("规划数", "plans")}: {len(entries)}</p>
<ul>{toc}</ul>
{"".join(_plan_section(e) for e in entries)}
<footer>{both("达标概率为模型估计值,不是统计数据;各报告给出数据来源与方法。",
               "P(reach) is a model estimate, not a statistic; each report lists its sources "
               "and method.")}<br>{both("文件", "files")}: summary.csv · manifest.json</footer>
"""
    doc = ('<!DOCTYPE html>\n<html lang="zh">\n<head>\n<meta charset="utf-8">\n'
           '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
           f"<title>{_esc(TITLE[0])} · {_esc(run_id)}</title>\n"
           f'<style type="text/css">{CSS}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n')
    return doc.replace("</head>", embedded_font_style(doc) + "</head>", 1)


def write_plans_index(path: str | os.PathLike[str], **kwargs: Any) -> Path:
    doc = render_plans_index(**kwargs)
    check_self_contained(doc, path)
    return write_atomic(path, doc)
