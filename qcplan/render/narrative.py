"""Written findings: the assessment table put in words, in Chinese and in English.

For each target, its finding (:class:`qcplan.render.findings.FindingWriter`); for each pillar, a
short paragraph: how many targets in each status, the most at risk with what they need
(:func:`qcplan.render.pace.need`), and what changed since the last run when a changes frame is
given.

Every number written is a value of the assessment table (or of the same target's row under
another scenario), formatted by :func:`qcplan.render.wording.number`; nothing is computed here
except the number of years left (target year − latest year) and the counts of a pillar's
statuses. The test ``tests/test_narrative.py`` parses the numbers back out of every finding and
checks them.

Chinese follows the conventions of official documents: no thousands separators, units written
after the number without a space (亿元, 万人, %), 年均增长, 个百分点 for differences of rates, and
small counts of years in words (余下两年). English uses the registry's English units
(``unit_en`` in ``indicators.csv``) and names of responsible units (``responsible_units.csv``)
where the table carries them, the Chinese otherwise.

>>> n = Narrator(plan)
>>> n.finding(row, "zh", others={"optimistic": row_opt})
'截至2025年,……'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from qcplan.model.status import STATUS_ORDER
from qcplan.numbers import is_finite
from qcplan.render.finding_words import PARAGRAPH
from qcplan.render.findings import FindingWriter
from qcplan.render.i18n import pick, status_label
from qcplan.render.pace import need
from qcplan.render.wording import percent

#: Statuses a reader must act on (the at-risk list), worst first in the order of STATUS_ORDER.
AT_RISK = ("missed", "overdue", "moving_away", "off_track", "needs_acceleration")


class Narrator(FindingWriter):
    """Writes findings and pillar paragraphs from assessment rows; ``plan`` (optional) gives
    indicator names, English units and the English names of responsible units."""

    def findings(self, table: pd.DataFrame, lang: str = "zh",
                 others: Mapping[str, pd.DataFrame] | None = None) -> pd.Series:
        """The finding of every row of ``table``, indexed by target_id; ``others``: scenario →
        that scenario's table (rows matched by target_id)."""
        by_id = {name: t.set_index("target_id") for name, t in (others or {}).items()}
        out = {}
        for _, r in table.iterrows():
            tid = r["target_id"]
            o = {n: t.loc[tid].to_dict() for n, t in by_id.items()
                 if tid in t.index and n != r.get("scenario")}
            out[tid] = self.finding(r.to_dict(), lang, o)
        return pd.Series(out, dtype=object)

    def at_risk(self, table: pd.DataFrame) -> pd.DataFrame:
        """The rows needing attention (missed, overdue, moving away, off track, needs
        acceleration), sorted by P(reach) (then by how bad the status is)."""
        rows = table[table["status"].isin(AT_RISK)].copy()
        rank = {s: i for i, s in enumerate(AT_RISK)}
        rows["_p"] = pd.to_numeric(rows["prob_reach"], errors="coerce").fillna(0.0)
        rows["_r"] = rows["status"].map(rank)
        return rows.sort_values(["_p", "_r", "target_id"]).drop(columns=["_p", "_r"])

    def need(self, row: Mapping[str, Any], lang: str = "zh") -> str:
        """What a target needs, in a few words (:func:`qcplan.render.pace.need`)."""
        return need(self, row, lang)

    def pillar_paragraph(self, table: pd.DataFrame, lang: str = "zh",
                         changes: pd.DataFrame | None = None, top: int = 3) -> str:
        """A pillar's paragraph: counts per status, the ``top`` most at risk with what they need,
        and (with ``changes``: ``target_id, previous_status, status`` and optionally
        ``scenario``, one row per target and scenario) what changed since the last run."""
        return (_counts_text(table, lang) + self._at_risk_text(table, lang, top)
                + _changes_text(_status_changes(changes, table), table, lang))

    def _at_risk_text(self, table: pd.DataFrame, lang: str, top: int) -> str:
        """The ``top`` most at risk, each with its status, P(reach) and what it needs."""
        risk = self.at_risk(table).head(top)
        if risk.empty:
            return _w("none_at_risk", lang)
        items = []
        for _, r in risk.iterrows():
            p = r.get("prob_reach")
            pt = _w("p", lang).format(p=percent(p, lang)) \
                if is_finite(p) and r["status"] not in ("missed", "overdue") else ""
            label = status_label(str(r["status"]), lang)
            need = self.need(r, lang)
            item = _w("risk", lang).format(name=r[pick(NAME, lang)], label=label,
                                           label_lower=label.lower(), p=pt,
                                           need="" if need == "—" else need)
            items.append(item.replace(_w("risk_empty_need", lang), ")"))
        return _w("at_risk", lang).format(items=_w("at_risk_sep", lang).join(items))


#: The name column of each language.
NAME = ("name_zh", "name_en")


def _w(key: str, lang: str) -> str:
    return pick(PARAGRAPH[key], lang)


def _counts_text(table: pd.DataFrame, lang: str) -> str:
    """How many targets, and how many in each status."""
    counts = table["status"].value_counts()
    parts = []
    for s in (s for s in STATUS_ORDER if s in counts.index):
        label = status_label(s, lang)
        parts.append(_w("count", lang).format(label=label, label_lower=label.lower(),
                                              c=int(counts[s])))
    return _w("counts", lang).format(n=len(table), s="s" if len(table) != 1 else "",
                                     parts=_w("counts_sep", lang).join(parts))


def _changes_text(ch: pd.DataFrame | None, table: pd.DataFrame, lang: str) -> str:
    """The statuses that changed since the last run ("" when that is not known)."""
    if ch is None:
        return ""
    if ch.empty:
        return _w("no_change", lang)
    names = table.set_index("target_id")[pick(NAME, lang)]
    parts = [_w("change", lang).format(
        name=names[r.target_id], before=status_label(str(r.previous_status), lang),
        after=status_label(str(r.status), lang),
        after_lower=status_label(str(r.status), lang).lower())
        for r in ch.itertuples(index=False)]
    return _w("changes", lang).format(parts=_w("changes_sep", lang).join(parts))


# --------------------------------------------------------------------------- helpers
#: Column names a changes frame may use for the status before and after (the first found is used).
PREVIOUS_STATUS = ("previous_status", "status_before", "old_status", "status_previous")
CURRENT_STATUS = ("status", "status_after", "new_status", "status_current")


def _status_changes(changes: pd.DataFrame | None, table: pd.DataFrame) -> pd.DataFrame | None:
    """The rows of ``changes`` whose status changed, for ``table``'s targets (and its scenario
    where ``changes`` has a ``scenario`` column), as ``target_id, previous_status, status``;
    None when there is no changes frame (a first run, or changes not known)."""
    if changes is None:
        return None
    prev = next((c for c in PREVIOUS_STATUS if c in changes.columns), None)
    cur = next((c for c in CURRENT_STATUS if c in changes.columns), None)
    if prev is None or cur is None or "target_id" not in changes.columns:
        raise ValueError("a changes frame needs target_id, previous_status and status columns; "
                         f"got {', '.join(map(str, changes.columns))}")
    ch = changes[changes["target_id"].isin(set(table["target_id"]))]
    if "scenario" in ch.columns and "scenario" in table.columns and len(table):
        ch = ch[ch["scenario"].astype(str) == str(table["scenario"].iloc[0])]
    ch = ch[ch[prev].notna() & (ch[prev].astype(str) != "")]
    ch = ch[ch[prev].astype(str) != ch[cur].astype(str)]
    return pd.DataFrame({"target_id": ch["target_id"].to_numpy(),
                         "previous_status": ch[prev].astype(str).to_numpy(),
                         "status": ch[cur].astype(str).to_numpy()})


def finding_frame(plan: Any, tables: Mapping[str, pd.DataFrame],
                  scenarios: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Every target's finding under every scenario in both languages: ``target_id, scenario,
    finding_zh, finding_en`` (what the reports and the Word documents print)."""
    n = Narrator(plan, scenarios)
    rows = []
    for name, table in tables.items():
        others = {k: v for k, v in tables.items() if k != name}
        zh, en = n.findings(table, "zh", others), n.findings(table, "en", others)
        for tid in table["target_id"]:
            rows.append({"target_id": tid, "scenario": name, "finding_zh": zh[tid],
                         "finding_en": en[tid]})
    return pd.DataFrame(rows, columns=["target_id", "scenario", "finding_zh", "finding_en"])


__all__ = ["AT_RISK", "Narrator", "finding_frame"]
