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

from collections.abc import Mapping
from typing import Any

from qcplan.render.i18n import eurostat_label, qualified, review_label, status_label
from qcplan.render.kind_words import ABOVE, BOUND, TREND, kind_text, kind_words, pick
from qcplan.render.labels import PlanLabels
from qcplan.render.pace import pace
from qcplan.render.wording import (
    finite,
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
DATA_TAG = {
    "official": ("正式数", "official"),
    "preliminary": ("初步数", "preliminary"),
    "derived": ("推算数", "derived"),
    "illustrative": ("示意数据,非官方统计", "illustrative, not an official figure"),
}




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
        st = str(row.get("latest_status") or "")
        zh, en = DATA_TAG.get(st, ("", ""))
        tag = zh if lang == "zh" else en
        if st != "illustrative" and row.get("illustrative"):
            tag += ";序列中有示意数据" if lang == "zh" else \
                "; the series includes illustrative figures"
        if not tag:
            return ""
        return f"({tag})" if lang == "zh" else f" ({tag})"

    def _stand(self, row: dict, lang: str) -> str:
        name, kind = self.subject(row, lang), row["kind"]
        ly = int(row["latest_year"])
        val = qualified(self.with_unit(row["latest_value"], row, lang),
                        str(row.get("latest_qualifier") or ""), lang)
        tag = self._tag(row, lang)
        if kind == "cumulative" and finite(row.get("observed_total")):
            start = int(row["period_start"]) + 1
            total = self.with_unit(row["observed_total"], row, lang)
            span = f"{start}年" if start == ly else f"{start}—{ly}年"
            tag = tag.strip().strip("()")
            if lang == "zh":
                return f"{span}{name}累计完成{total}(其中{ly}年{val};{tag})"
            span = str(start) if start == ly else f"{start}–{ly}"
            return f"In {span}, {name} came to {total} in all ({val} in {ly}; {tag})"
        if lang == "zh":
            return f"截至{ly}年,{name}为{val}{tag}"
        return f"In {ly}, {name} stood at {val}{tag}"

    def _pace(self, row: dict, lang: str) -> str:
        return pace(self, row, lang)

    def _projection(self, row: dict, lang: str) -> str:
        """The projection of the target's decision quantity with its 80 % interval, against
        the target (blank without a projection)."""
        if not finite(row.get("projected_median")):
            return ""
        kind = str(row["kind"])
        trend = pick(TREND[row.get("status") == "plan_path"], lang)  # moved onto the plan path
        fields = self._projection_fields(row, lang)
        return kind_text(kind, "projection", lang, trend=trend, ty=int(row["target_year"]),
                         **fields)

    def _projection_fields(self, row: dict, lang: str) -> dict[str, Any]:
        """The figures the kind's projection template is filled with."""
        kind, ty = row["kind"], int(row["target_year"])
        med, lo, hi = row["projected_median"], row["projected_p10"], row["projected_p90"]
        if kind == "growth":
            start = int(row["period_start"]) + 1
            return {"span": f"{start}—{ty}年" if lang == "zh" else f"{start}–{ty}",
                    "grow": grow(med, lang), "med": number(med, lang, "%"),
                    "med_signed": signed_pct(med), "lo": signed_pct(lo), "hi": signed_pct(hi)}
        if kind == "reduction":
            # a negative fall is a rise: its sign is kept (an interval from −18.4% to 33%)
            m, a, b = (("−" if x < 0 and number(x, lang, "%") != "0" else "")
                       + number(x, lang, "%") for x in (med, lo, hi))
            return {"start": int(row["period_start"]), "m": m, "a": a, "b": b,
                    "thr": number(row["threshold"], lang, "%")}
        if kind == "relative":
            bench = str(row.get("benchmark") or "").partition("@")[2] or "—"
            m, a, b = (number(x, lang, digits=2) for x in (med, lo, hi))
            return {"bench": geography_name(bench, lang), "m": m, "a": a, "b": b,
                    "goal": number(row["decision_threshold"], lang, digits=2),
                    "above": pick(ABOVE[row.get("rule") in ("exceed", "narrow_gap")], lang)}
        what = kind_words(kind)["projected"]
        if isinstance(what, dict):  # a flow: the lowest year or the yearly average
            what = what["every_year" if row.get("rule") == "every_year" else ""]
        return {"what": pick(what, lang).format(ty=ty),
                "m": self.with_unit(med, row, lang), "b": self.with_unit(hi, row, lang),
                "a": number(lo, lang, str(row.get("unit") or "")),
                "thr": self.with_unit(row["threshold"], row, lang),
                "bound": pick(BOUND.get(str(row.get("direction")), ("", "")), lang)}

    def _scenarios(self, row: dict, lang: str,
                   others: Mapping[str, Mapping[str, Any]] | None) -> str:
        """P(reach) under the other projection scenarios, with the status where it differs."""
        if not others:
            return ""
        parts = []
        for name, o in others.items():
            if o is None or name in self.plan_mode or str(o.get("status")) == "plan_path" \
                    or not finite(o.get("prob_reach")):
                continue
            text = f"{self.label(name, lang)}{'' if lang == 'zh' else ': '}" \
                   f"{percent(o['prob_reach'], lang)}"
            if o.get("status") != row.get("status"):
                label = status_label(str(o["status"]), lang)
                text += f"、{label}" if lang == "zh" else f", {label.lower()}"
            parts.append(text)
        if not parts:
            return ""
        return ("(" + ";".join(parts) + ")") if lang == "zh" else " (" + "; ".join(parts) + ")"


    def _outlook(self, row: dict, lang: str,
                 others: Mapping[str, Mapping[str, Any]] | None) -> str:
        st, p = str(row["status"]), row.get("prob_reach")
        proj = self._projection(row, lang)
        zh = lang == "zh"
        ty = int(row["target_year"])
        if st == "achieved":
            early = int(row["latest_year"]) < ty
            if zh:
                text = "已提前实现目标" if early else "已实现目标"
                if early and finite(p):
                    text += f";按当前趋势,{ty}年保持达标的概率{percent(p)}"
                return text
            text = f"the target is already met{' ahead of ' + str(ty) if early else ''}"
            if early and finite(p):
                text += (f"; on the current trend the chance it still holds in {ty} is "
                         f"{percent(p, 'en')}")
            return text[0].upper() + text[1:]
        if st == "missed":
            thr = self.with_unit(row["threshold"], row, lang)
            if row.get("kind") == "flow" and row.get("rule") == "every_year":
                return (f"期内已有年份低于每年{thr}的要求,目标未能实现" if zh else
                        f"a year of the period already fell below the {thr} required every "
                        "year: missed")
            return (f"{ty}年的实际数未达到{thr}的目标,目标未能实现" if zh else
                    f"the {ty} figure falls short of {thr}: missed")
        if st == "plan_path":
            shift = row.get("shift_pp", 0.0)
            x = number(shift, lang)
            if zh:
                if shift >= 0:
                    return f"{proj};需每年增速比当前趋势高{x}个百分点方能恰好实现"
                return f"{proj};即使每年增速比当前趋势低{x}个百分点,仍可恰好实现"
            if shift >= 0:
                return (f"{proj}; it takes growth {x} percentage points a year above the current "
                        "trend to just meet it")
            return (f"{proj}; growth could run {x} percentage points a year below the current "
                    "trend and still just meet it")
        scen = self._scenarios(row, lang, others)
        if zh:
            verdict = {"on_track": "按进度推进", "needs_acceleration": "需加快推进",
                       "off_track": "进度偏离目标", "moving_away": "且近年走势背离目标"}.get(st, "")
            views = two_views(row, "zh")
            text = (f"{proj},{views}{scen},{likelihood(p)}" if views else
                    f"{proj},实现目标的概率{percent(p)}{scen},{likelihood(p)}")
            if verdict and st != "needs_acceleration":
                text += f",{verdict}"
            elif verdict:
                text += ",需加快推进"
            return text
        verdict = {"on_track": "on track", "needs_acceleration": "it needs to speed up",
                   "off_track": "off track", "moving_away":
                   "moving away: the recent trend points away from the target"}.get(st, st)
        views = two_views(row, "en")
        if views:
            return f"{proj}; {views}{scen}, {likelihood(p, 'en')}: {verdict}"
        return f"{proj}; P(reach) is {percent(p, 'en')}{scen}, {likelihood(p, 'en')}: {verdict}"

    def _workpoint(self, row: dict, lang: str,
                   others: Mapping[str, Mapping[str, Any]] | None) -> str:
        name, ty = self.subject(row, lang), int(row["target_year"])
        thr = self.with_unit(row["threshold"], row, lang)
        zh = lang == "zh"
        if finite(row.get("target_year_value")):
            val = self.with_unit(row["target_year_value"], row, lang)
            tag = self._tag(row, lang) if int(row["latest_year"]) == ty else \
                (("(序列中有示意数据)" if zh else " (the series includes illustrative figures)")
                 if row.get("illustrative") else "")
            met = row["status"] == "achieved"
            if zh:
                return (f"{ty}年{name}为{val}{tag},{'达到' if met else '未达到'}{thr}的工作要点"
                        f"目标,{'已完成' if met else '未完成'}。")
            return (f"In {ty}, {name} was {val}{tag}, {'meeting' if met else 'short of'} the "
                    f"work point of {thr}: {'achieved' if met else 'missed'}.")
        first = self._stand(row, lang)
        return (sentence(first, lang) + sentence(self._outlook(row, lang, others), lang)).strip()

    def _milestone(self, row: dict, lang: str) -> str:
        st, ty = str(row["status"]), int(row["target_year"])
        zh = lang == "zh"
        name = f"“{self.subject(row, lang, lower=False)}”"
        ly = int(row["latest_year"]) if finite(row.get("latest_year")) else None
        tag = self._tag(row, lang) if ly is not None else ""
        if st == "done":
            return (f"截至{ly}年,{name}已完成{tag}(目标年份{ty}年)。" if zh else
                    f"By {ly}, {name}: done{tag} (due {ty}).")
        if st == "overdue":
            return (f"{name}应于{ty}年完成,截至{ly}年尚未完成{tag},已逾期。" if zh else
                    f"{name} was due in {ty} and is not done by {ly}{tag}: overdue.")
        if ly is None:
            return (f"{name}尚无进展数据,目标年份{ty}年。" if zh else
                    f"{name}: no progress reported yet; due {ty}.")
        return (f"截至{ly}年,{name}尚未完成{tag},目标年份{ty}年。" if zh else
                f"By {ly}, {name} is not done yet{tag}; due {ty}.")

    def _insufficient(self, row: dict, lang: str) -> str:
        name, n = self.subject(row, lang), int(row.get("n_points") or 0)
        if lang == "zh":
            return f"{name}仅有{n}个年度数据,不足以预测,暂无法判断能否实现目标。"
        return (f"{name} has {n} yearly figure{'s' if n != 1 else ''} only: too few to project, "
                "so whether the target is met cannot be judged yet.")

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
        r = f"{number(ratio, lang, digits=2)}" if finite(ratio) else ""
        e_l, r_l = eurostat_label(cls, lang), review_label(grade, lang)
        if lang == "zh":
            by = f"按实际增速与所需增速之比({r})" if r else "按实际与所需进度之比"
            return (f"{by},欧盟统计局方法评为“{e_l}”、规划评估口径评为“{r_l}”;这两种方法只比较"
                    "基期以来的增速与所需增速,达标概率还计入了年度波动和预测的趋势变化,"
                    "状态以达标概率为准。")
        by = f"the ratio of the observed to the required pace ({r})" if r else \
            "the ratio of the observed to the required pace"
        return (f" By {by}, Eurostat's method grades it “{e_l}” and the plan-review convention "
                f"“{r_l}”; both compare two rates only, while P(reach) also allows for "
                "year-to-year variation and the projected trend, so the status follows P(reach).")


__all__ = ["DATA_TAG", "FindingWriter", "family"]
