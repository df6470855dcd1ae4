"""The written finding of one target, in Chinese and in English.

One or two sentences (and a third where the conventional grades disagree with the status):
where it stands (the latest figure, its year and whether it is official, preliminary or
illustrative), the pace so far against the pace needed (:mod:`qcplan.render.pace`), the
projection with its 80 % interval, P(reach) in words and as a number, the status, and what the
other scenarios change. Milestones, work points and targets with too few figures have their own
sentences.

Every number in a finding is a value of the assessment row (or of the same target's row under
another scenario), formatted by :func:`qcplan.render.wording.number`; the kind-specific words
are :data:`qcplan.render.kind_words.KIND_WORDS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from qcplan.numbers import is_finite
from qcplan.render.finding_words import DATA_TAG, VERDICT, finding_text
from qcplan.render.i18n import eurostat_label, pick, qualified, review_label, status_label
from qcplan.render.kind_words import ABOVE, BOUND, TREND, YEARS, kind_text, kind_words
from qcplan.render.labels import PlanLabels
from qcplan.render.pace import pace
from qcplan.render.wording import (
    class_view,
    geography_name,
    grow,
    likelihood,
    number,
    percent,
    sentence,
    signed_pct,
    two_views,
)

GOOD = ("achieved", "done", "on_track")
MIDDLE = ("needs_acceleration", "plan_path", "not_done")
BAD = ("off_track", "moving_away", "missed", "overdue")


def family(status: str) -> str:
    """good / middle / bad: the three families of statuses (for comparing verdicts)."""
    if status in GOOD:
        return "good"
    if status in MIDDLE:
        return "middle"
    if status in BAD:
        return "bad"
    return ""


def _eurostat_family(cls: str) -> str:
    return {"met": "good", "on_track": "good", "moderate": "middle", "insufficient": "bad",
            "moving_away": "bad"}.get(cls, "")


def _review_family(grade: str) -> str:
    return {"提前实现": "good", "快于预期": "good", "基本符合预期": "good",
            "滞后": "bad"}.get(grade, "")


# --------------------------------------------------------------------------- projections
# The figures each kind's projection template (kind_words: "projection") is filled with.
def _interval(row: Mapping[str, Any]) -> tuple[float, float, float]:
    return row["projected_median"], row["projected_p10"], row["projected_p90"]


def _growth_projection(labels: PlanLabels, row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    med, lo, hi = _interval(row)
    start = int(row["period_start"]) + 1
    return {"span": pick(YEARS["years"], lang).format(a=start, b=int(row["target_year"])),
            "grow": grow(med, lang), "med": number(med, lang, "%"),
            "med_signed": signed_pct(med), "lo": signed_pct(lo), "hi": signed_pct(hi)}


def _reduction_projection(labels: PlanLabels, row: Mapping[str, Any],
                          lang: str) -> dict[str, Any]:
    # a negative fall is a rise: its sign is kept (an interval from −18.4% to 33%)
    m, a, b = (("−" if x < 0 and number(x, lang, "%") != "0" else "") + number(x, lang, "%")
               for x in _interval(row))
    return {"start": int(row["period_start"]), "m": m, "a": a, "b": b,
            "thr": number(row["threshold"], lang, "%")}


def _relative_projection(labels: PlanLabels, row: Mapping[str, Any],
                         lang: str) -> dict[str, Any]:
    bench = str(row.get("benchmark") or "").partition("@")[2] or "—"
    m, a, b = (number(x, lang, digits=2) for x in _interval(row))
    return {"bench": geography_name(bench, lang), "m": m, "a": a, "b": b,
            "goal": number(row["decision_threshold"], lang, digits=2),
            "above": pick(ABOVE[row.get("rule") in ("exceed", "narrow_gap")], lang)}


def _level_projection(labels: PlanLabels, row: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Levels, shares, flows, cumulative targets, work points: the figure in its unit."""
    med, lo, hi = _interval(row)
    what = kind_words(str(row["kind"]))["projected"]
    if isinstance(what, dict):  # a flow: the lowest year or the yearly average
        what = what["every_year" if row.get("rule") == "every_year" else ""]
    return {"what": pick(what, lang).format(ty=int(row["target_year"])),
            "m": labels.with_unit(med, row, lang), "b": labels.with_unit(hi, row, lang),
            "a": number(lo, lang, str(row.get("unit") or "")),
            "thr": labels.with_unit(row["threshold"], row, lang),
            "bound": pick(BOUND.get(str(row.get("direction")), ("", "")), lang)}


#: The projection's figures of each kind (a level's for the others).
PROJECTIONS: dict[str, Callable[[PlanLabels, Mapping[str, Any], str], dict[str, Any]]] = {
    "growth": _growth_projection, "reduction": _reduction_projection,
    "relative": _relative_projection,
}


class FindingWriter(PlanLabels):
    """Writes one target's finding from its assessment row (the plan's labels through
    :class:`PlanLabels`)."""

    def finding(self, row: Mapping[str, Any], lang: str = "zh",
                others: Mapping[str, Mapping[str, Any]] | None = None) -> str:
        """One target's finding under the row's scenario; ``others``: scenario → the same
        target's row under the other scenarios (projection scenarios only are mentioned)."""
        row = dict(row)
        st = str(row.get("status"))
        kind = str(row.get("kind"))
        if kind == "milestone":
            return self._milestone(row, lang)
        if st == "insufficient_data":
            return self._insufficient(row, lang)
        if kind == "workpoint":
            text = self._workpoint(row, lang, others)
        else:
            first = self._stand(row, lang) + self._pace(row, lang)
            second = self._outlook(row, lang, others)
            text = sentence(first, lang) + sentence(second, lang)
        return (text + self._anchors(row, lang)).strip()

    # where it stands
    def _tag(self, row: Mapping[str, Any], lang: str) -> str:
        """What the latest figure is (official, preliminary, …), in brackets; "" if nothing."""
        st = str(row.get("latest_status") or "")
        tag = pick(DATA_TAG.get(st, ("", "")), lang)
        if st != "illustrative" and row.get("illustrative"):
            tag += finding_text("illustrative_in_series", lang)
        return finding_text("tag", lang, tag=tag) if tag else ""

    def _stand(self, row: dict, lang: str) -> str:
        """Where the target stands: the latest figure (a cumulative target: the total so far)."""
        name, kind = self.subject(row, lang), row["kind"]
        ly = int(row["latest_year"])
        val = qualified(self.with_unit(row["latest_value"], row, lang),
                        str(row.get("latest_qualifier") or ""), lang)
        tag = self._tag(row, lang)
        if "stand" in kind_words(kind) and is_finite(row.get("observed_total")):
            start = int(row["period_start"]) + 1
            span = pick(YEARS["year" if start == ly else "years"], lang).format(a=start, b=ly)
            return kind_text(kind, "stand", lang, span=span, name=name, ly=ly, val=val,
                             total=self.with_unit(row["observed_total"], row, lang),
                             tag=tag.strip().strip("()"))
        return finding_text("stand", lang, ly=ly, name=name, val=val, tag=tag)

    def _pace(self, row: dict, lang: str) -> str:
        return pace(self, row, lang)

    def _projection(self, row: dict, lang: str) -> str:
        """The projection of the target's decision quantity with its 80 % interval, against
        the target (blank without a projection)."""
        if not is_finite(row.get("projected_median")):
            return ""
        kind = str(row["kind"])
        trend = pick(TREND[row.get("status") == "plan_path"], lang)  # moved onto the plan path
        fields = PROJECTIONS.get(kind, _level_projection)(self, row, lang)
        return kind_text(kind, "projection", lang, trend=trend, ty=int(row["target_year"]),
                         **fields)

    def _scenarios(self, row: dict, lang: str,
                   others: Mapping[str, Mapping[str, Any]] | None) -> str:
        """P(reach) under the other projection scenarios, with the status where it differs."""
        if not others:
            return ""
        parts = []
        for name, o in others.items():
            if o is None or name in self.plan_mode or str(o.get("status")) == "plan_path" \
                    or not is_finite(o.get("prob_reach")):
                continue
            text = finding_text("scenario", lang, label=self.label(name, lang),
                                p=percent(o["prob_reach"], lang))
            if o.get("status") != row.get("status"):
                label = status_label(str(o["status"]), lang)
                text += finding_text("scenario_status", lang, label=label,
                                     label_lower=label.lower())
            parts.append(text)
        if not parts:
            return ""
        return finding_text("scenarios", lang,
                            parts=finding_text("scenarios_sep", lang).join(parts))

    def _outlook(self, row: dict, lang: str,
                 others: Mapping[str, Mapping[str, Any]] | None) -> str:
        """The outlook: met or missed already, or the projection, P(reach) and the verdict."""
        st, p = str(row["status"]), row.get("prob_reach")
        ty = int(row["target_year"])
        if st == "achieved":
            early = int(row["latest_year"]) < ty
            text = finding_text("achieved_early" if early else "achieved", lang, ty=ty)
            if early and is_finite(p):
                text += finding_text("still_holds", lang, ty=ty, p=percent(p, lang))
            return text[0].upper() + text[1:]
        if st == "missed":
            thr = self.with_unit(row["threshold"], row, lang)
            words = kind_words(str(row.get("kind")))
            if "missed_every_year" in words and row.get("rule") == "every_year":
                return pick(words["missed_every_year"], lang).format(thr=thr)
            return finding_text("missed", lang, ty=ty, thr=thr)
        proj = self._projection(row, lang)
        if st == "plan_path":
            shift = row.get("shift_pp", 0.0)
            return finding_text("plan_path_above" if shift >= 0 else "plan_path_below", lang,
                                proj=proj, x=number(shift, lang))
        verdict = pick(VERDICT.get(st, ("", st)), lang)
        views = two_views(row, lang)
        scen = self._scenarios(row, lang, others)
        return finding_text("outlook_views" if views else "outlook", lang, proj=proj,
                            views=views, p=percent(p, lang), scen=scen,
                            likelihood=likelihood(p, lang),
                            verdict=finding_text("verdict", lang, verdict=verdict) if verdict
                            else "")

    def _workpoint(self, row: dict, lang: str,
                   others: Mapping[str, Mapping[str, Any]] | None) -> str:
        """A work point: met or not in its year, else where it stands and its outlook."""
        name, ty = self.subject(row, lang), int(row["target_year"])
        if is_finite(row.get("target_year_value")):
            if int(row["latest_year"]) == ty:
                tag = self._tag(row, lang)
            elif row.get("illustrative"):
                tag = finding_text("tag", lang, tag=finding_text("illustrative_series", lang))
            else:
                tag = ""
            return kind_text("workpoint", "met" if row["status"] == "achieved" else "not_met",
                             lang, ty=ty, name=name, tag=tag,
                             val=self.with_unit(row["target_year_value"], row, lang),
                             thr=self.with_unit(row["threshold"], row, lang))
        first = self._stand(row, lang)
        return (sentence(first, lang) + sentence(self._outlook(row, lang, others), lang)).strip()

    def _milestone(self, row: dict, lang: str) -> str:
        """A milestone: done, overdue, not done yet, or no progress reported."""
        st, ty = str(row["status"]), int(row["target_year"])
        name = f"“{self.subject(row, lang, lower=False)}”"
        ly = int(row["latest_year"]) if is_finite(row.get("latest_year")) else None
        tag = self._tag(row, lang) if ly is not None else ""
        key = st if st in ("done", "overdue") else ("no_data" if ly is None else "not_done")
        return kind_text("milestone", key, lang, ly=ly, ty=ty, name=name, tag=tag)

    def _insufficient(self, row: dict, lang: str) -> str:
        name, n = self.subject(row, lang), int(row.get("n_points") or 0)
        view = class_view(row, lang)  # how targets like this one fared, where that is known
        return finding_text("insufficient_class" if view else "insufficient", lang, name=name,
                            n=n, s="s" if n != 1 else "", view=view)

    def _anchors(self, row: Mapping[str, Any], lang: str) -> str:
        """Where the Eurostat-style class or the plan-review grade disagrees with the status:
        what they say and why the status is the verdict."""
        st = str(row.get("status"))
        fam = family(st)
        cls, grade = str(row.get("eurostat_class") or ""), str(row.get("review_grade") or "")
        ef, rf = _eurostat_family(cls), _review_family(grade)
        if not fam or st in ("done", "overdue", "not_done", "missed", "plan_path") or \
                (ef in ("", fam) and rf in ("", fam)):
            return ""
        ratio = row.get("progress_ratio")
        r = f"{number(ratio, lang, digits=2)}" if is_finite(ratio) else ""
        by = finding_text("anchors_by_ratio" if r else "anchors_by", lang, r=r)
        return finding_text("anchors", lang, by=by, e=eurostat_label(cls, lang),
                            g=review_label(grade, lang))


__all__ = ["PROJECTIONS", "FindingWriter", "family"]
