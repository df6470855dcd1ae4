"""The pillar's status table: one verdict per target, its figures, and the note under it.

:func:`status_table_html` reads as its steps: the headings, each target's cells
(:func:`status_cells`) with its written finding beneath, and the note (:func:`status_note`: the
estimates, the two views of P(reach), the kinds' own notes from
:data:`qcplan.render.kind_words.KIND_WORDS`, the targets' caveats, illustrative figures).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model.kinds import kind_of
from qcplan.numbers import is_finite
from qcplan.render.html import STYLE, badge, esc, fmt, name_of, target_anchor
from qcplan.render.i18n import (
    caveat_texts,
    in_year_basis_text,
    kind_label,
    obligation_label,
    pick,
    qualified,
    t,
)
from qcplan.render.kind_words import KIND_WORDS
from qcplan.render.labels import PlanLabels
from qcplan.render.wording import percent_short, view_note

#: Words of the status table beyond the column labels of :data:`qcplan.render.i18n.TEXT`.
WORDS = {
    "shift": ("所需增速调整(百分点/年)", "Extra growth needed (pp/yr)"),
    "done": ("已完成", "done"),
    "not_done": ("未完成", "not yet"),
    "p": ("达标概率", "P"),
    "status_note": ("状态依据达标概率判定;欧盟统计局分级和规划评估分级与之不一致时,"
                    "在该目标的评估意见中说明。",
                    "The status follows P(reach); where the Eurostat-style class or the "
                    "plan-review grade says otherwise, the target's finding says so and why."),
    "caveat": (" {name}:{text}。", " {name}: {text}."),
    "illustrative": ("* 含示意数据(非官方)。", "* uses illustrative (not official) figures."),
}

#: The symbol a threshold is written with in the table, by its kind's ``threshold_scale``
#: (none: the indicator's own unit).
SCALE_SYMBOL = {"percent": "%", "ratio": "×"}


def _latest(r: Mapping[str, Any], lang: str) -> str:
    """The latest figure and its year (a milestone: done or not yet)."""
    if not np.isfinite(r.get("latest_value", np.nan)):
        return "—"
    year = int(r["latest_year"])
    if r["kind"] == "milestone":
        return f"{pick(WORDS['done' if r['latest_value'] >= 1 else 'not_done'], lang)} ({year})"
    value = qualified(fmt(r["latest_value"], 2), str(r.get("latest_qualifier") or ""), lang)
    return f"{value} ({year})"


def _verdict(r: Mapping[str, Any], lang: str) -> str:
    """The status badge with P(reach) (and the trend's alone where there are two views)."""
    verdict = badge(r["status"], lang)
    p = r.get("prob_reach")
    if not is_finite(p) or r["status"] in ("done", "missed", "overdue"):
        return verdict
    verdict += f' <span class="qc-p">{pick(WORDS["p"], lang)} {percent_short(p)}</span>'
    note = view_note(r, lang, percent_short)  # the trend's P, or the outside view alone
    if note:
        verdict += f'<br><span class="qc-kind">{esc(note)}</span>'
    return verdict


def _name(r: Mapping[str, Any], lang: str) -> str:
    """The target's name, its kind and what the plan says about it."""
    illus = ' <span class="qc-illus">*</span>' if r.get("illustrative") else ""
    ob = obligation_label(str(r.get("obligation") or ""), lang)
    return (f"{esc(name_of(r, lang))}{illus}<br>"
            f'<span class="qc-kind">{esc(kind_label(r["kind"], lang))}'
            + (f" · {esc(ob)}" if ob else "") + "</span>")


def _rate_unit(r: Mapping[str, Any], lang: str, labels: PlanLabels) -> str:
    rate_unit = str(r.get("rate_unit") or "")
    if lang == "en" and rate_unit and not rate_unit.startswith("%"):
        rate_unit = f"{labels.unit(r, 'en')}/yr"
    return esc(rate_unit.replace("/年", "/年" if lang == "zh" else "/yr"))


def _projected(r: Mapping[str, Any], lang: str, unit: str) -> str:
    """The projected median, with the in-year basis where the current year is nowcast."""
    median = f"{fmt(r.get('projected_median'), 2)} {unit}" if np.isfinite(
        r.get("projected_median", np.nan)) else "—"
    basis = in_year_basis_text(r, lang)
    return median + (f'<br><span class="qc-kind">{esc(basis)}</span>' if basis else "")


def status_cells(r: Mapping[str, Any], lang: str, labels: PlanLabels,
                 show_shift: bool = False) -> list[str]:
    """One target's cells, in the order of the table's headings."""
    thr = fmt(r.get("decision_threshold"), 2)
    if np.isfinite(r.get("threshold_high", np.nan)):
        thr += f"–{fmt(r['threshold_high'], 2)}"
    unit = SCALE_SYMBOL.get(kind_of(str(r["kind"])).threshold_scale) or esc(labels.unit(r, lang))
    interval = "—" if not np.isfinite(r.get("projected_p10", np.nan)) else \
        f"{fmt(r['projected_p10'], 2)} – {fmt(r['projected_p90'], 2)}"
    rate_unit = _rate_unit(r, lang, labels)
    cells = [_name(r, lang), _verdict(r, lang), _latest(r, lang), f"{thr} {unit}",
             _projected(r, lang, unit), interval,
             *(f"{fmt(r.get(c), 1)} {rate_unit}" if np.isfinite(r.get(c, np.nan)) else "—"
               for c in ("required_rate", "observed_rate")),
             esc(labels.bodies(r, lang))]
    if show_shift:
        cells.insert(2, f"{r['shift_pp']:+.1f}" if r["status"] == "plan_path" else "—")
    return cells


def status_note(table: pd.DataFrame, lang: str) -> str:
    """The note under the table: estimates, the two views, the status rule, the kinds present,
    each target's caveats, illustrative figures."""
    note = t("estimate_note", lang)
    if "ref_class" in table and table["ref_class"].fillna("").astype(str).ne("").any():
        note += " " + t("two_views_note", lang)
    note += " " + pick(WORDS["status_note"], lang)
    kinds = set(table["kind"])
    note += "".join(" " + pick(words["table_note"], lang) for kind, words in KIND_WORDS.items()
                    if kind in kinds and "table_note" in words)
    for _, r in table.iterrows():
        for text in caveat_texts(str(r.get("caveats") or ""), lang):
            note += pick(WORDS["caveat"], lang).format(name=name_of(r, lang), text=text)
    if table.get("illustrative", pd.Series(dtype=bool)).any():
        note += " " + pick(WORDS["illustrative"], lang)
    return note


def status_table_html(table: pd.DataFrame, lang: str = "zh", show_shift: bool = False,
                      findings: Mapping[str, str] | None = None,
                      narrator: PlanLabels | None = None) -> str:
    """The pillar's status table: one verdict per target (the status from P(reach), with
    P(reach)), latest, target, projection and interval, required against observed pace and the
    responsible units; under each target its written finding (``findings``: target_id → text),
    which explains the Eurostat-style class and the plan-review grade where they differ.

    Each target's row has the id :func:`target_anchor`; ``narrator`` (a
    :class:`qcplan.render.labels.PlanLabels`, such as the report's
    :class:`qcplan.render.narrative.Narrator`) gives English units and names of responsible
    units from the registries.
    """
    labels = narrator or PlanLabels()
    heads = [t(k, lang) for k in ("target_name", "status", "latest", "threshold", "projected",
                                  "interval", "required", "observed", "units")]
    if show_shift:
        heads.insert(2, pick(WORDS["shift"], lang))
    rows = []
    for _, r in table.iterrows():
        cells = status_cells(r, lang, labels, show_shift)
        anchor = esc(target_anchor(str(r["target_id"])))
        rows.append(f'<tr id="{anchor}" class="qc-target">' +
                    "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        text = findings.get(r["target_id"]) if findings is not None else None
        if text:
            rows.append(f'<tr class="qc-finding"><td colspan="{len(cells)}">{esc(text)}</td></tr>')
    note = esc(status_note(table, lang))
    return (STYLE + '<table class="qc-table qc-status"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + f'</tbody></table><p class="qc-note">{note}</p>')


__all__ = ["WORDS", "status_cells", "status_note", "status_table_html"]
