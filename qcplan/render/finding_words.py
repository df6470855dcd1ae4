"""The words of the written findings and the pillar paragraph, in Chinese and in English: (zh, en)
templates keyed by what they say (the status, the part of the sentence), filled in by
:mod:`qcplan.render.findings`, :mod:`qcplan.render.pace` and :mod:`qcplan.render.narrative`.

The words that depend on the target's kind are :data:`qcplan.render.kind_words.KIND_WORDS`;
labels of statuses, kinds and columns are :mod:`qcplan.render.i18n`.
"""

from __future__ import annotations

from qcplan.render.i18n import pick

#: What the latest figure is (the observations' ``status``).
DATA_TAG = {
    "official": ("正式数", "official"),
    "preliminary": ("初步数", "preliminary"),
    "derived": ("推算数", "derived"),
    "illustrative": ("示意数据,非官方统计", "illustrative, not an official figure"),
}

#: The verdict that closes a projected target's outlook, by status (English: the status's own
#: name where it has none here; Chinese: nothing).
VERDICT = {
    "on_track": ("按进度推进", "on track"),
    "needs_acceleration": ("需加快推进", "it needs to speed up"),
    "off_track": ("进度偏离目标", "off track"),
    "moving_away": ("且近年走势背离目标",
                    "moving away: the recent trend points away from the target"),
}

#: A finding's sentences and their parts.
FINDING = {
    # where it stands
    "tag": ("({tag})", " ({tag})"),
    "illustrative_in_series": (";序列中有示意数据", "; the series includes illustrative figures"),
    "illustrative_series": ("序列中有示意数据", "the series includes illustrative figures"),
    "stand": ("截至{ly}年,{name}为{val}{tag}", "In {ly}, {name} stood at {val}{tag}"),
    # the other scenarios
    "scenario": ("{label}{p}", "{label}: {p}"),
    "scenario_status": ("、{label}", ", {label_lower}"),
    "scenarios": ("({parts})", " ({parts})"),
    "scenarios_sep": (";", "; "),
    # the outlook, by status
    "achieved": ("已实现目标", "the target is already met"),
    "achieved_early": ("已提前实现目标", "the target is already met ahead of {ty}"),
    "still_holds": (";按当前趋势,{ty}年保持达标的概率{p}",
                    "; on the current trend the chance it still holds in {ty} is {p}"),
    "missed": ("{ty}年的实际数未达到{thr}的目标,目标未能实现",
               "the {ty} figure falls short of {thr}: missed"),
    "plan_path_above": ("{proj};需每年增速比当前趋势高{x}个百分点方能恰好实现",
                        "{proj}; it takes growth {x} percentage points a year above the current "
                        "trend to just meet it"),
    "plan_path_below": ("{proj};即使每年增速比当前趋势低{x}个百分点,仍可恰好实现",
                        "{proj}; growth could run {x} percentage points a year below the current "
                        "trend and still just meet it"),
    "outlook": ("{proj},实现目标的概率{p}{scen},{likelihood}{verdict}",
                "{proj}; P(reach) is {p}{scen}, {likelihood}{verdict}"),
    "outlook_views": ("{proj},{views}{scen},{likelihood}{verdict}",
                      "{proj}; {views}{scen}, {likelihood}{verdict}"),
    "verdict": (",{verdict}", ": {verdict}"),
    # too few figures
    "insufficient": ("{name}仅有{n}个年度数据,不足以预测,暂无法判断能否实现目标。",
                     "{name} has {n} yearly figure{s} only: too few to project, so whether the "
                     "target is met cannot be judged yet."),
    "insufficient_class": ("{name}仅有{n}个年度数据,不足以按趋势预测;{view}。",
                           "{name} has {n} yearly figure{s} only: too few to project a trend; "
                           "{view}."),
    # where the conventional grades disagree with the status
    "anchors_by_ratio": ("按实际增速与所需增速之比({r})",
                         "the ratio of the observed to the required pace ({r})"),
    "anchors_by": ("按实际与所需进度之比", "the ratio of the observed to the required pace"),
    "anchors": ("{by},欧盟统计局方法评为“{e}”、规划评估口径评为“{g}”;这两种方法只比较"
                "基期以来的增速与所需增速,达标概率还计入了年度波动和预测的趋势变化,"
                "状态以达标概率为准。",
                " By {by}, Eurostat's method grades it “{e}” and the plan-review convention "
                "“{g}”; both compare two rates only, while P(reach) also allows for "
                "year-to-year variation and the projected trend, so the status follows P(reach)."),
}

#: What a target needs, in a few words (the at-risk list's; a kind's own in its
#: :data:`qcplan.render.kind_words.KIND_WORDS` entry).
NEED = {
    "overdue": ("尽快完成", "to be done at once"),
    "short_in_year": ("{ty}年实际{val},未达到{thr}", "{val} in {ty}, short of {thr}"),
    "short": ("未达到{thr}", "fell short of {thr}"),
}

#: The pillar paragraph.
PARAGRAPH = {
    "counts": ("本领域共{n}项目标:{parts}。", "{n} target{s}: {parts}."),
    "count": ("{label}{c}项", "{c} {label_lower}"),
    "counts_sep": ("、", ", "),
    "p": ("达标概率{p},", "P(reach) {p}, "),
    "risk": ("{name}({label},{p}{need})", "{name} ({label_lower}, {p}{need})"),
    "risk_empty_need": (",)", ", )"),
    "at_risk": ("最需关注的是{items}。", " Most at risk: {items}."),
    "at_risk_sep": (";", "; "),
    "none_at_risk": ("没有偏离或需加快的目标。", " No target is off track or needs to speed up."),
    "no_change": ("与上次评估相比,各目标状态没有变化。", " No status changed since the last run."),
    "change": ("{name}由{before}变为{after}", "{name} from {before} to {after_lower}"),
    "changes": ("与上次评估相比:{parts}。", " Since the last run: {parts}."),
    "changes_sep": (";", "; "),
}


def finding_text(key: str, lang: str, **fields: object) -> str:
    """The finding template ``key`` in ``lang``, filled with ``fields``."""
    return pick(FINDING[key], lang).format(**fields)


__all__ = ["DATA_TAG", "FINDING", "NEED", "PARAGRAPH", "VERDICT", "finding_text"]
