"""The workbench's HTML: the readout of the selected target and the pillar's goal-seek table."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import pandas as pd

from qcplan.explore.texts import rate_unit_text, ui_text
from qcplan.model.kinds import kind_of
from qcplan.render.html import STYLE, badge, esc, fmt
from qcplan.render.i18n import in_year_basis_text, kind_label
from qcplan.render.status_table import SCALE_SYMBOL
from qcplan.render.wording import class_view, two_views

if TYPE_CHECKING:
    from qcplan.explore.workbench import Workbench

__all__ = ["goal_table_html", "reading_html"]


def reading_html(wb: Workbench) -> str:
    """The readout: P(reach), status class, projection against the target, rates."""
    lang = wb.lang
    r = wb.current()
    row = wb.row()
    kind = row["kind"]
    unit = SCALE_SYMBOL.get(kind_of(str(kind)).threshold_scale) or esc(row.get("unit"))
    prob = "—" if not math.isfinite(r.prob_reach) else f"{r.prob_reach:.2f}"
    interval = "—" if not math.isfinite(r.p10) else f"{fmt(r.p10, 2)} – {fmt(r.p90, 2)}"
    ru = esc(rate_unit_text(r.rate_unit, lang))

    def rate(v: float) -> str:
        return "—" if not math.isfinite(v) else f"{fmt(v, 1)} {ru}"

    cells = [
        (ui_text("median", lang), f"{fmt(r.median, 2)} {unit}"),
        (ui_text("interval", lang), interval),
        (ui_text("target_value", lang), f"{fmt(r.threshold, 2)} {unit}"),
        (ui_text("required", lang), rate(r.required_rate)),
        (ui_text("implied", lang), rate(r.implied_rate)),
        (ui_text("shift_total", lang), f"{r.shift_pp:+.1f} pp"),
        (ui_text("method_used", lang), esc(r.method)),
    ]
    if str(row.get("ref_class") or ""):  # both views: the trend's P and the class's record
        views = two_views(row, lang) or class_view(row, lang)
        if views:
            cells.insert(0, ("两种视角" if lang == "zh" else "Both views", esc(views)))
    basis = in_year_basis_text(row, lang)
    if basis:  # the current year's projection rests on its months so far
        cells.insert(0, ("年内数据" if lang == "zh" else "In-year figures", esc(basis)))
    body = "".join(f"<tr><th>{esc(k)}</th><td>{v}</td></tr>" for k, v in cells)
    note = ui_text("plan_note", lang) if wb.scenario.mode == "plan" else ""
    return (
        STYLE + '<div class="qc-reading">'
        f"<div><b>{esc(wb.target_name())}</b> · {esc(kind_label(kind, lang))} · "
        f"{esc(wb.scenario_label())}</div>"
        f'<div style="font-size:1.35em;margin:4px 0"><span class="qc-prob">'
        f"{esc(ui_text('prob', lang))} {prob}</span> {badge(r.status, lang)}</div>"
        f'<table class="qc-table">{body}</table>'
        + (f'<p class="qc-note">{esc(note)}</p>' if note else "")
        + f'<p class="qc-note">{esc(ui_text("estimate_note", lang))}</p></div>'
    )


def goal_table_html(wb: Workbench, table: pd.DataFrame) -> str:
    """:meth:`pillar_goal_table` as an HTML table."""
    lang = wb.lang
    zh = lang == "zh"
    heads = [ui_text("target", lang), ui_text("prob", lang), "状态" if zh else "Status",
             "所需增速调整(百分点/年)" if zh else "Growth shift needed (pp/yr)",
             "对应增速" if zh else "Implied rate"]
    rows = []
    for _, r in table.iterrows():
        rate = "—" if not math.isfinite(r["implied_rate"]) else \
            f"{fmt(r['implied_rate'], 1)} {esc(rate_unit_text(r['rate_unit'], lang))}"
        prob = "—" if not math.isfinite(r["prob_reach"]) else f"{r['prob_reach']:.2f}"
        cells = [esc(r["name"]), prob, badge(r["status"], lang), esc(r["needed"]), rate]
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (STYLE + '<table class="qc-table qc-goal-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")
