"""The words that depend on a target's kind, in Chinese and in English, keyed by the kind's name.

Each kind has one entry in :data:`KIND_WORDS`: (zh, en) templates for the pace so far and the pace
still needed (``pace``, ``pace_need``), what the target needs in a few words (``need``), the
projection (``projection``, and ``projected``: what is projected), and the note under the status
table (``table_note``; the symbol its threshold is written with there follows the kind's
``threshold_scale``); a kind whose finding differs has its own sentences there too (a
cumulative target's ``stand``, a flow's ``missed_every_year``, a work point's ``met`` and
``not_met``, a milestone's one per status). A new kind adds its entry here (the label of the
kind itself is :data:`qcplan.render.i18n.KIND`); the fields each template may use are filled in
by :mod:`qcplan.render.pace`, :mod:`qcplan.render.findings` and
:mod:`qcplan.render.status_table`.

The smaller words a template is filled with (a span of years, a direction, a bound) are the
(zh, en) tables below it.
"""

from __future__ import annotations

from typing import Any

from qcplan.render.i18n import pick

#: Levels, shares and relative targets: compound growth (or a yearly change) of the figure.
_LEVEL: dict[str, Any] = {
    "pace": (";{since}年均{verb}{obs}", "; it {verb} by {obs} a year{since}"),
    "pace_need": (",{side}实现目标所需的年均{verb_req}{req}",
                  ", against {req_signed} a year needed"),
    "projection": ("{trend},{what}预计为{m}(80%区间{a}—{b}),目标为{bound}{thr}",
                   "{trend}, {what} is {m} (80% interval {a}–{b}), against a target of "
                   "{bound}{thr}"),
    "projected": ("{ty}年", "the figure in {ty}"),
    "need": ("需年均{r},基期以来{o}", "needs {r} a year, {o} since the base year"),
}

KIND_WORDS: dict[str, dict[str, Any]] = {
    "level": _LEVEL,
    "share": _LEVEL,
    "relative": _LEVEL | {
        "projection": ("{trend},{ty}年与{bench}之比预计为{m}(80%区间{a}—{b}),目标为{above}{goal}",
                       "{trend}, the ratio to {bench} in {ty} is {m} (80% interval {a}–{b}), "
                       "against a target of {above}{goal}"),
        "table_note": ("相对基准类目标以“与基准之比”表示(1.00 = 与基准持平);"
                       "“差距缩小”类目标的目标值是基期之比。",
                       "Targets relative to a benchmark are shown as the ratio to it (1.00 = "
                       "level with it); for 'narrow the gap' the target is the base-year ratio."),
    },
    "growth": {
        "need": _LEVEL["need"],
        "pace": (";{span}平均{grow}{obs}%,{cmp}{thr}%的目标要求",
                 "; it {grow} {obs}% a year on average{span}, {cmp} the {thr}% the target asks"),
        "pace_need": (",需在余下{years}年均{grow_req}{req}%方能实现",
                      "; the remaining {years} need {req_signed} a year to meet it"),
        "projection": ("{trend},预计{span}年均{grow}{med}%(80%区间{lo}至{hi})",
                       "{trend}, growth in {span} averages {med_signed} a year "
                       "(80% interval {lo} to {hi})"),
        "table_note": ("年均增速类目标的预测值为整个时期的年均增速(已发生年份按实际计)。",
                       "For average-growth targets the projection is the period's average "
                       "yearly growth, observed years included."),
    },
    "reduction": {
        "pace": (";{since}年均{direction}{obs}%", "; it {direction} by {obs}% a year{since}"),
        "pace_need": (",{side}实现目标所需的年均下降{req}%",
                      ", against a fall of {req}% a year needed"),
        "projection": ("{trend},{start}—{ty}年预计累计下降{m}%(80%区间{a}%—{b}%),"
                       "目标为累计下降{thr}%",
                       "{trend}, the fall from {start} to {ty} is {m}% (80% interval "
                       "{a}%–{b}%), against a target of {thr}%"),
        "need": ("需年均下降{r_fall}%,基期以来年均下降{o_fall}%",
                 "needs a fall of {r_fall}% a year, {o_fall}% a year since the base year"),
        "table_note": ("累计降低类目标(如单位GDP能耗累计降低13.5%)的预测值为基期至目标年的累计降低"
                       "百分比,增速为年均降低率。",
                       "For cumulative reductions (energy per unit of GDP down 13.5 %) the "
                       "projection is the fall in % from the base year to the target year, and "
                       "the rates are yearly falls."),
    },
    "flow": {
        "need": _LEVEL["need"],
        "pace": (";{span}平均每年{obs}", "; it averaged {obs} a year{span}"),
        # a flow's pace always says what the target asks, needed or not
        "pace_target": (",目标为{each}不少于{thr}", ", against at least {thr} {each}"),
        # a target every year is missed by one year below it
        "missed_every_year": ("期内已有年份低于每年{thr}的要求,目标未能实现",
                              "a year of the period already fell below the {thr} required "
                              "every year: missed"),
        "need_every_year": ("有年份低于每年{thr}", "a year fell below {thr} a year"),
        "projection": _LEVEL["projection"],
        "projected": {"every_year": ("期内最低年份", "the lowest year of the period"),
                      "": ("期内年均", "the period's yearly average")},
    },
    "cumulative": {
        "need": _LEVEL["need"],
        "pace": (";{span}平均每年{obs}", "; it averaged {obs} a year{span}"),
        "pace_need": (",余下{years}需每年完成{req}", "; the remaining {years} need {req} a year"),
        # where it stands: the total delivered so far
        "stand": ("{span}{name}累计完成{total}(其中{ly}年{val};{tag})",
                  "In {span}, {name} came to {total} in all ({val} in {ly}; {tag})"),
        "projection": _LEVEL["projection"],
        "projected": ("至{ty}年累计", "the total by {ty}"),
    },
    "workpoint": _LEVEL | {
        # the finding of a work point whose year is known: met or not
        "met": ("{ty}年{name}为{val}{tag},达到{thr}的工作要点目标,已完成。",
                "In {ty}, {name} was {val}{tag}, meeting the work point of {thr}: achieved."),
        "not_met": ("{ty}年{name}为{val}{tag},未达到{thr}的工作要点目标,未完成。",
                    "In {ty}, {name} was {val}{tag}, short of the work point of {thr}: missed."),
    },
    # a milestone's finding is one sentence by status (no projection)
    "milestone": {
        "done": ("截至{ly}年,{name}已完成{tag}(目标年份{ty}年)。",
                 "By {ly}, {name}: done{tag} (due {ty})."),
        "overdue": ("{name}应于{ty}年完成,截至{ly}年尚未完成{tag},已逾期。",
                    "{name} was due in {ty} and is not done by {ly}{tag}: overdue."),
        "no_data": ("{name}尚无进展数据,目标年份{ty}年。",
                    "{name}: no progress reported yet; due {ty}."),
        "not_done": ("截至{ly}年,{name}尚未完成{tag},目标年份{ty}年。",
                     "By {ly}, {name} is not done yet{tag}; due {ty}."),
        "need": _LEVEL["need"],
    },
}

#: One year or a span of years, as a finding's subject or projection names them.
YEARS = {"year": ("{a}年", "{a}"), "years": ("{a}—{b}年", "{a}–{b}")}
#: The years a pace was observed over: one year, a span, or since a year.
SPAN = {
    "year": ("{a}年", " in {a}"),
    "years": ("{a}—{b}年", " in {a}–{b}"),
    "since": ("{a}年以来", " since {a}"),
}
#: How the observed pace stands against the target's or the needed one.
SIDE = {
    "below": ("低于", "below"),
    "not_below": ("不低于", "not below"),
    "above": ("高于", ""),
}
#: A flow's target: every year, or on average.
EACH = {"every_year": ("每年", "every year"), "": ("年均", "a year on average")}
#: Direction of a reduction's yearly change (positive = down).
FALL = {True: ("下降", "fell"), False: ("上升", "rose")}
#: A level's yearly change: (rate in %, up, observed since a known year) → (zh, en); English
#: says "has grown since 2021" but "grew" alone.
LEVEL_VERB = {
    (True, True, True): ("增长", "has grown"), (True, True, False): ("增长", "grew"),
    (True, False, True): ("下降", "has fallen"), (True, False, False): ("下降", "fell"),
    (False, True, True): ("增加", "has risen"), (False, True, False): ("增加", "rose"),
    (False, False, True): ("减少", "has fallen"), (False, False, False): ("减少", "fell"),
}
#: The projection is the trend's, or the plan path's (the plan scenario).
TREND = {False: ("按当前趋势", "On the current trend"), True: ("沿达标路径", "On the plan path")}
#: A relative target's goal: above the benchmark ratio, or not below it.
ABOVE = {True: ("高于", "more than "), False: ("不低于", "")}
#: The bound of a level target's goal (targets' column ``direction``).
BOUND = {"at_most": ("不高于", "at most "), "below": ("低于", "less than "),
         "above": ("高于", "more than ")}


def kind_words(kind: str) -> dict[str, Any]:
    """The words of ``kind`` (a level's for a kind without its own entry)."""
    return KIND_WORDS.get(kind, _LEVEL)


def kind_text(kind: str, key: str, lang: str, **fields: Any) -> str:
    """The (zh, en) template ``key`` of ``kind`` in ``lang``, filled with ``fields``."""
    return pick(kind_words(kind)[key], lang).format(**fields)


__all__ = ["KIND_WORDS", "kind_text", "kind_words"]
