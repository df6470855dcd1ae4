"""The small HTML pieces every page of a run shares: escaping, number formats, the style sheet,
status badges, the illustrative banner, a target's name and its anchor.

A leaf of :mod:`qcplan.render`: it imports only :mod:`qcplan.render.i18n`, so that every page
(report, documents, changes, retrospective, dashboard, workbench) can use it without importing
the report.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping
from typing import Any

from qcplan.render.i18n import STATUS_COLOUR, pick, status_label, t


def esc(value: Any) -> str:
    """Text from data or parameters, HTML-escaped ('' for missing)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return html.escape(str(value))


def fmt(value: Any, digits: int = 1) -> str:
    """A number for a table: thousands separators, ``digits`` decimals, '—' for missing."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        return esc(value) or "—"
    if not math.isfinite(v):
        return "—"
    if abs(v) >= 1000 or float(v).is_integer() and abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:,.{digits}f}"


def pct(p: Any) -> str:
    try:
        v = float(p)
    except (TypeError, ValueError):
        return "—"
    return "—" if not math.isfinite(v) else f"{100 * v:.0f}%"


STYLE = """
<style>
.qc-banner{background:#fff4e5;border:2px solid #e8833a;color:#5a2d00;padding:10px 14px;
  margin:8px 0;border-radius:6px;font-weight:600}
.qc-meta{color:#444;font-size:0.92em;line-height:1.6}
.qc-table{border-collapse:collapse;font-size:0.88em;margin:6px 0}
.qc-table th{background:#f0f2f5;text-align:left;padding:4px 6px;border-bottom:2px solid #ccd}
.qc-table td{padding:4px 6px;border-bottom:1px solid #e4e6ea;vertical-align:top;
  text-align:left !important}
.qc-table th{text-align:left !important}
.qc-badge{display:inline-block;border-radius:4px;padding:1px 6px;white-space:nowrap}
.qc-illus{color:#b45309;font-weight:600}
.qc-note{color:#555;font-size:0.85em}
.qc-kind,.qc-p{color:#555;font-size:0.85em;white-space:nowrap}
.qc-table tr.qc-target td{border-bottom:none}
.qc-table tr.qc-finding td{color:#333;font-size:0.95em;line-height:1.6;padding:0 6px 8px 18px}
.qc-summary{background:#f6f8fa;border-left:4px solid #5c6bc0;padding:8px 12px;line-height:1.7}
</style>
"""


def badge(status: str, lang: str) -> str:
    bg, fg = STATUS_COLOUR.get(status, ("#cfcfcf", "#222"))
    return (f'<span class="qc-badge" style="background:{bg};color:{fg}">'
            f"{esc(status_label(status, lang))}</span>")


def banner_html(lang: str) -> str:
    return f'<div class="qc-banner">⚠ {esc(t("illustrative_banner", lang))}</div>'


def name_of(row: Mapping[str, Any], lang: str) -> str:
    return str(pick((row.get("name_zh"), row.get("name_en") or row.get("name_zh")), lang))


def target_anchor(target_id: str) -> str:
    """The id of a target's row in its pillar report (links from ``index.html`` end in it)."""
    return f"target-{target_id}"
