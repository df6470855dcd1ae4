"""Each target's course over the runs, drawn from ``OUT/history.csv`` (:mod:`qcplan.batch.history`).

- :func:`sparkline_svg`: a small inline SVG of P(reach) over the runs, a point per run with its
  date (the first and last dates written under the line, every point's date and P(reach) in its
  tooltip). Drawn by hand rather than by matplotlib: a chart per target on a page costs a few
  hundred bytes and no figure; the text is text, in the page's own font.
- :func:`arrow_html`: ↑ ↓ → beside a target: its P(reach) now against the run before.
- :func:`course_section_html`: the "course over the runs" section of ``index.html``.
- :func:`report_course_html`: the same for one pillar's report (the history kept in the run's
  cache, plus this run's own point).

A history with one run says so, as does a target new to the plan (no earlier row).
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from qcplan.numbers import is_finite
from qcplan.render.html import target_anchor
from qcplan.render.i18n import pick

W, H = 168, 46
PAD_X, TOP, PLOT_H = 6, 4, 26

WORDS = {
    "title": ("历次运行的达标概率", "P(reach) over the runs"),
    "one_run": ("仅有本次运行的记录,暂无变化轨迹。",
                "Only this run is on record: no course yet."),
    "new": ("新纳入规划的目标:此前运行无记录。", "New to the plan: no earlier run has it."),
    "target": ("目标", "target"),
    "course": ("达标概率轨迹", "P(reach) over the runs"),
    "now": ("本次", "now"),
    "runs": ("运行次数", "runs"),
    "note": ("达标概率为模型估计值;轨迹按运行日期排列,每点为一次成功运行(基准情景)。",
             "P(reach) is a model estimate; one point per successful run (baseline), by "
             "run date."),
    "up": ("较上次运行上升", "up since the last run"),
    "down": ("较上次运行下降", "down since the last run"),
    "same": ("与上次运行持平", "unchanged since the last run"),
    "first": ("首次记录", "first run on record"),
}


def arrow_of(before: float, after: float) -> str:
    """↑, ↓ or → between two P(reach): moves of less than one percentage point (what the pages
    round away) are →."""
    d = round(after * 100) - round(before * 100)
    return "↑" if d > 0 else ("↓" if d < 0 else "→")


def _w(key: str, lang: str) -> str:
    return pick(WORDS[key], lang)




def sparkline_svg(dates: Sequence[str], probs: Sequence[float], label: str = "") -> str:
    """P(reach) (0-1) at each run, oldest first, as a small ``<svg>``; points without a
    P(reach) are left out of the line. The y axis is fixed 0-100 % (gridline at 50 %), so two
    targets' lines compare."""
    pts = [(d, float(p)) for d, p in zip(dates, probs) if is_finite(p)]
    esc = html.escape
    parts = [f'<svg class="spark" role="img" aria-label="{esc(label)}" width="{W}" '
             f'height="{H}" viewBox="0 0 {W} {H}">',
             f"<title>{esc(label)}</title>",
             f'<rect x="{PAD_X}" y="{TOP}" width="{W - 2 * PAD_X}" height="{PLOT_H}" '
             'fill="#f6f8fa" stroke="#d8dee4" stroke-width="0.5"/>',
             f'<line x1="{PAD_X}" x2="{W - PAD_X}" y1="{TOP + PLOT_H / 2}" '
             f'y2="{TOP + PLOT_H / 2}" stroke="#d8dee4" stroke-dasharray="2 2"/>']
    n = len(pts)
    if n:
        span = W - 2 * PAD_X - 8
        xy = [(PAD_X + 4 + (span * i / (n - 1) if n > 1 else span / 2),
               TOP + PLOT_H * (1 - min(max(p, 0.0), 1.0))) for i, (_, p) in enumerate(pts)]
        if n > 1:
            line = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
            parts.append(f'<polyline points="{line}" fill="none" stroke="#0072b2" '
                         'stroke-width="1.5"/>')
        for (d, p), (x, y) in zip(pts, xy):
            parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.6" fill="#0072b2">'
                         f"<title>{esc(str(d))}: {p:.0%}</title></circle>")
        first, last = str(pts[0][0])[:10], str(pts[-1][0])[:10]
        parts.append(f'<text x="{PAD_X}" y="{H - 3}" font-size="9" fill="#57606a">'
                     f"{esc(first)}</text>")
        if n > 1:
            parts.append(f'<text x="{W - PAD_X}" y="{H - 3}" font-size="9" fill="#57606a" '
                         f'text-anchor="end">{esc(last)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def arrow_html(before: Any, after: Any, lang: str | None = None) -> str:
    """``↑`` / ``↓`` / ``→`` with a tooltip, or '' when either P(reach) is unknown."""
    if not (is_finite(before) and is_finite(after)):
        return ""
    a = arrow_of(float(before), float(after))
    key = {"↑": "up", "↓": "down", "→": "same"}[a]
    tip = (f"{_w(key, 'zh')} · {_w(key, 'en')}" if lang is None else _w(key, lang))
    tip += f": {float(before):.0%} → {float(after):.0%}"
    return (f'<span class="arrow arrow-{key}" title="{html.escape(tip)}" '
            f'aria-label="{html.escape(tip)}">{a}</span>')


def points(history: pd.DataFrame, target_id: str, scenario: str = "baseline",
           ) -> tuple[list[str], list[float]]:
    """The run dates (as-of date shown with the run's date) and P(reach) of one target."""
    h = history[(history["target_id"].astype(str) == str(target_id))
                & (history["scenario"].astype(str) == scenario)]
    h = h.sort_values(["run_date", "run_id"], kind="stable")
    dates = [str(d)[:10] for d in h["run_date"]]
    return dates, [float(p) if is_finite(p) else math.nan for p in h["prob_reach"]]


def previous_prob(history: pd.DataFrame, target_id: str, run_id: str,
                  scenario: str = "baseline") -> float | None:
    """The target's P(reach) at the last run before ``run_id``, or None (a first run, a new
    target)."""
    h = history[(history["target_id"].astype(str) == str(target_id))
                & (history["scenario"].astype(str) == scenario)
                & (history["run_id"].astype(str) != run_id)]
    if h.empty:
        return None
    h = h.sort_values(["run_date", "run_id"], kind="stable")
    p = h["prob_reach"].iloc[-1]
    return float(p) if is_finite(p) else None


def _n_runs(history: pd.DataFrame) -> int:
    return int(history["run_id"].nunique()) if len(history) else 0


def course_section_html(history: pd.DataFrame | None, table: pd.DataFrame | None, run_id: str,
                        scenario: str = "baseline") -> str:
    """The "course over the runs" section of ``index.html`` (both languages): one row per
    target of ``table`` (this run's assessment under ``scenario``) with its chart."""
    if history is None or table is None or table.empty:
        return ""
    esc = html.escape
    h = history[history["scenario"].astype(str) == scenario]
    n = _n_runs(h)
    title = (f'<h2 id="course">{_w("title", "zh")} <span class="en">{_w("title", "en")}'
             f"</span></h2>")
    intro = f'<p class="muted">{_w("note", "zh")} <span class="en">{_w("note", "en")}</span></p>'
    if n <= 1:
        intro += (f'<p>{_w("one_run", "zh")} <span class="en">{_w("one_run", "en")}</span></p>')
    rows = []
    for r in table.itertuples(index=False):
        tid = str(r.target_id)
        dates, probs = points(h, tid, scenario)
        prev = previous_prob(h, tid, run_id, scenario)
        arrow = arrow_html(prev, getattr(r, "prob_reach", None))
        if n > 1 and len(dates) <= 1:
            note = f'<span class="muted">{_w("new", "zh")} <span class="en">{_w("new", "en")}'\
                   "</span></span>"
        else:
            note = ""
        p_now = getattr(r, "prob_reach", None)
        now = f"{float(p_now):.0%}" if is_finite(p_now) else "—"
        label = f"{r.name_zh} · {tid}"
        rows.append(
            f'<tr id="course-{esc(target_anchor(tid))}"><td>{esc(str(r.name_zh))}<br>'
            f'<span class="en">{esc(str(r.name_en))}</span></td>'
            f"<td>{sparkline_svg(dates, probs, label)}{note}</td>"
            f'<td class="p">{esc(now)} {arrow}</td><td>{len(dates)}</td></tr>')
    head = "".join(f'<th>{_w(k, "zh")} <span class="en">{_w(k, "en")}</span></th>'
                   for k in ("target", "course", "now", "runs"))
    return (f'{title}{intro}<details class="course"><summary>{len(rows)} '
            f'项目标 <span class="en">targets</span></summary><div class="table-wrap">'
            f'<table class="risk course-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table></div></details>')


def read_cached_history(cache_dir: str | Path) -> pd.DataFrame | None:
    """The past course ``qcplan run`` kept in its cache (None outside a run)."""
    if not cache_dir:
        return None
    path = Path(cache_dir) / "history.csv"
    if not path.is_file():
        return None
    h = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    for col in ("run_id", "run_date", "scenario", "target_id", "prob_reach"):
        if col not in h.columns:
            h[col] = ""
    h["prob_reach"] = pd.to_numeric(h["prob_reach"].replace("", math.nan), errors="coerce")
    return h


def report_course_html(past: pd.DataFrame | None, table: pd.DataFrame, scenario: str,
                       run_date: str, lang: str) -> str:
    """One pillar report's course section: per target, the past runs of ``past`` and this run's
    own point (``run_date``, P(reach) of ``table``); '' outside a run."""
    if past is None:
        return ""
    esc = html.escape
    h = past[past["scenario"].astype(str) == scenario]
    n_past = _n_runs(h)
    out = [f"<h2>{esc(_w('title', lang))}</h2>"]
    if n_past == 0:
        out.append(f'<p class="qc-note">{esc(_w("one_run", lang))}</p>')
    rows = []
    for r in table.itertuples(index=False):
        tid = str(r.target_id)
        dates, probs = points(h, tid, scenario)
        prev = probs[-1] if probs else None
        p_now = getattr(r, "prob_reach", None)
        dates, probs = [*dates, run_date[:10]], [*probs, float(p_now) if is_finite(p_now)
                                                 else math.nan]
        name = pick((r.name_zh, r.name_en or r.name_zh), lang)
        note = (f'<br><span class="qc-note">{esc(_w("new", lang))}</span>'
                if n_past and len(dates) == 1 else "")
        now = f"{float(p_now):.0%}" if is_finite(p_now) else "—"
        rows.append(f'<tr class="qc-course" data-target="{esc(target_anchor(tid))}">'
                    f"<td>{esc(str(name))}{note}</td>"
                    f"<td>{sparkline_svg(dates, probs, f'{name}: ' + _w('course', lang))}</td>"
                    f"<td>{esc(now)} {arrow_html(prev, p_now, lang)}</td>"
                    f"<td>{len([p for p in probs if is_finite(p)])}</td></tr>")
    head = "".join(f"<th>{esc(_w(k, lang))}</th>" for k in ("target", "course", "now", "runs"))
    out.append(f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
               f'<tbody>{"".join(rows)}</tbody></table></div>'
               f'<p class="qc-note">{esc(_w("note", lang))}</p>')
    return "".join(out)
