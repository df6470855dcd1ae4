"""The pace and effort phrases of a finding: the pace observed so far against the pace needed
(:func:`pace`), a rate with its unit (:func:`rate`), and what a target needs in a few words
(:func:`need`, the at-risk list's).

The words are the kind's (:data:`qcplan.render.kind_words.KIND_WORDS`); this module works out
the figures they are filled with, each a value of the assessment row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from qcplan.numbers import is_finite
from qcplan.render.finding_words import NEED
from qcplan.render.i18n import pick
from qcplan.render.kind_words import EACH, FALL, LEVEL_VERB, SIDE, SPAN, kind_text, kind_words
from qcplan.render.labels import PlanLabels
from qcplan.render.wording import grow, number, signed_pct, years_word


@dataclass(frozen=True)
class Pace:
    """The figures of a row's pace: observed rate, required rate, observed since ``frm`` (None
    when not known) to the latest year ``ly``, ``left`` years to the target year, whether the
    required pace is said (``needs``: known, the target neither achieved nor missed, years
    left) and whether the rates are in % (``pct``)."""

    obs: float
    req: float
    frm: int | None
    ly: int
    left: int
    needs: bool
    pct: bool

    @classmethod
    def of(cls, row: Mapping[str, Any]) -> Pace:
        req = row.get("required_rate")
        ly = int(row["latest_year"])
        left = int(row["target_year"]) - ly
        return cls(obs=row["observed_rate"], req=req,
                   frm=int(row["observed_from"]) if is_finite(row.get("observed_from")) else None,
                   ly=ly, left=left,
                   needs=is_finite(req) and row["status"] not in ("achieved", "missed")
                   and left > 0,
                   pct=str(row.get("rate_unit") or "").startswith("%"))

    def span(self, lang: str, one_year: bool = True) -> str:
        """'' (not known), the year (``one_year`` and observed over the latest year only), or
        the span of years."""
        if self.frm is None:
            return ""
        if one_year and self.frm == self.ly:
            return pick(SPAN["year"], lang).format(a=self.frm)
        return pick(SPAN["years"], lang).format(a=self.frm, b=self.ly)

    def since(self, lang: str) -> str:
        return "" if self.frm is None else pick(SPAN["since"], lang).format(a=self.frm)


def rate(labels: PlanLabels, v: float, row: Mapping[str, Any], lang: str, pct_rate: bool,
         signed: bool = False) -> str:
    """A yearly rate: in % (``pct_rate``), else in the row's unit a year; ``signed``: a fall
    is written with its minus sign."""
    if pct_rate:
        return signed_pct(v) if signed else f"{number(v, lang, '%')}%"
    text = labels.with_unit(v, row, lang, whole=False)
    if signed and v < 0:
        return "−" + text
    return text


def _growth(labels: PlanLabels, row: Mapping[str, Any], p: Pace, lang: str) -> str:
    text = kind_text("growth", "pace", lang, span=p.span(lang), grow=grow(p.obs, lang),
                     obs=number(p.obs, lang, "%"), thr=number(row["threshold"], lang, "%"),
                     cmp=pick(SIDE["below" if p.obs < row["threshold"] else "not_below"], lang))
    if p.needs:
        text += kind_text("growth", "pace_need", lang, years=years_word(p.left, lang),
                          grow_req=grow(p.req, lang), req=number(p.req, lang, "%"),
                          req_signed=signed_pct(p.req))
    return text


def _reduction(labels: PlanLabels, row: Mapping[str, Any], p: Pace, lang: str) -> str:
    # yearly falls in % (positive = down) since the base year
    text = kind_text("reduction", "pace", lang, since=p.since(lang),
                     direction=pick(FALL[p.obs >= 0], lang), obs=number(abs(p.obs), lang, "%"))
    if p.needs:
        text += kind_text("reduction", "pace_need", lang, req=number(p.req, lang, "%"),
                          side=pick(SIDE["above" if p.obs >= p.req else "below"], lang))
    return text


def _delivery(labels: PlanLabels, row: Mapping[str, Any], p: Pace, lang: str) -> str:
    """Flows and cumulative targets: the amount delivered a year."""
    kind = str(row["kind"])
    text = kind_text(kind, "pace", lang, span=p.span(lang, one_year=False),
                     obs=rate(labels, p.obs, row, lang, p.pct))
    if kind == "flow":
        each = pick(EACH["every_year" if row.get("rule") == "every_year" else ""], lang)
        text += kind_text(kind, "pace_target", lang, each=each,
                          thr=labels.with_unit(row["threshold"], row, lang))
    elif p.needs:
        text += kind_text(kind, "pace_need", lang, years=years_word(p.left, lang),
                          req=rate(labels, p.req, row, lang, False))
    return text


def _level(labels: PlanLabels, row: Mapping[str, Any], p: Pace, lang: str) -> str:
    """Levels, shares, relative targets: compound growth (or a yearly change) of the figure."""
    kind = str(row["kind"])
    since = p.since(lang)
    verb = pick(LEVEL_VERB[(p.pct, p.obs >= 0, bool(since))], lang)
    text = kind_text(kind, "pace", lang, since=since, verb=verb,
                     obs=rate(labels, p.obs, row, lang, p.pct))
    if p.needs:
        text += kind_text(kind, "pace_need", lang,
                          side=pick(SIDE["above" if p.obs >= p.req else "below"], lang),
                          verb_req=pick(LEVEL_VERB[(p.pct, p.req >= 0, True)], lang),
                          req=rate(labels, p.req, row, lang, p.pct),
                          req_signed=rate(labels, p.req, row, lang, p.pct, signed=True))
    return text


#: The pace phrase of each kind (a level's for the others).
PACES: dict[str, Callable[[PlanLabels, Mapping[str, Any], Pace, str], str]] = {
    "growth": _growth, "reduction": _reduction, "flow": _delivery, "cumulative": _delivery,
}


def pace(labels: PlanLabels, row: Mapping[str, Any], lang: str) -> str:
    """The observed pace against the pace needed (blank where the observed pace is missing)."""
    if not is_finite(row.get("observed_rate")):
        return ""
    return PACES.get(str(row["kind"]), _level)(labels, row, Pace.of(row), lang)


def need(labels: PlanLabels, row: Mapping[str, Any], lang: str = "zh") -> str:
    """What a target needs, in a few words: the pace required against the pace observed (a
    missed target or a work point: how it fell short; "—" where the paces are not known)."""
    kind, st = str(row.get("kind")), row.get("status")
    req, obs = row.get("required_rate"), row.get("observed_rate")
    words = kind_words(kind)
    if st == "overdue":
        return pick(NEED["overdue"], lang)
    if st == "missed" or kind == "workpoint":
        thr = labels.with_unit(row["threshold"], row, lang)
        every_year = "need_every_year" in words and row.get("rule") == "every_year"
        if is_finite(row.get("target_year_value")) and "need_every_year" not in words:
            return pick(NEED["short_in_year"], lang).format(
                ty=int(row["target_year"]), thr=thr,
                val=labels.with_unit(row["target_year_value"], row, lang))
        return pick(words["need_every_year"] if every_year else NEED["short"],
                    lang).format(thr=thr)
    if not (is_finite(req) and is_finite(obs)):
        return "—"
    pct_rate = str(row.get("rate_unit") or "").startswith("%")
    return kind_text(kind, "need", lang, r_fall=number(req, lang, "%"),
                     o_fall=number(obs, lang, "%"),
                     r=rate(labels, req, row, lang, pct_rate, signed=True),
                     o=rate(labels, obs, row, lang, pct_rate, signed=True))


__all__ = ["PACES", "Pace", "need", "pace", "rate"]
