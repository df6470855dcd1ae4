"""Numbers and small things in words, in Chinese and in English: a figure as a finding writes it
(:func:`number`), P(reach) as a percent and in words, a count of years, a past rate, the two
views of P(reach), the benchmark geographies' names, and the pieces a sentence is built from.

Chinese follows the conventions of official documents: no thousands separators, units written
after the number without a space (亿元, 万人, %), and small counts of years in words (余下两年).
Every function here formats a value it is given; none computes one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

from qcplan.numbers import is_finite
from qcplan.render.html import pct
from qcplan.render.i18n import pick, t

#: Units whose figures are whole things (firms, places, people): shown without decimals.
WHOLE_UNITS = frozenset({"家", "个", "张", "人", "条", "所", "名", "套", "套(间)", "项", "件"})
ZH_DIGITS = "零一两三四五六七八九十"
EN_YEARS = ("", "one year", "two years", "three years", "four years", "five years",
            "six years", "seven years", "eight years", "nine years", "ten years")

#: P(reach) as a percent: below 1 %, above 99 %, about r %.
PERCENT = {"below": ("不足1%", "below 1%"), "above": ("超过99%", "above 99%"),
           "about": ("约{r}%", "about {r}%")}
#: A past rate: nearly all, few, about k in 10.
SHARE = {"all": ("几乎全部", "nearly all"), "few": ("少数", "few"),
         "about": ("约{zh_k}成", "about {k} in 10")}
#: A small count of years (digits beyond ten).
YEAR_COUNT = ("{zh}年", "{en}")
#: P(reach) in words from each cut point up (the statuses' 0.8 and 0.5, plus 0.95 and 0.2).
LIKELIHOOD = (
    (0.95, ("把握很大", "very likely")),
    (0.8, ("把握较大", "likely")),
    (0.5, ("有望实现但把握不大", "more likely than not, but far from sure")),
    (0.2, ("实现难度较大", "unlikely")),
)
LEAST_LIKELY = ("实现难度很大", "very unlikely")
#: The direction of a rate.
GROW = {True: ("增长", "grew"), False: ("下降", "fell")}


def decimals(value: float, unit: str = "") -> int:
    """How many decimals a figure is written with: none for whole things (``unit`` one of
    :data:`WHOLE_UNITS`) and for 1,000 and more; one for percentages and from 10; two below 10."""
    v = abs(float(value))
    if unit in WHOLE_UNITS or v >= 1000:
        return 0
    return 1 if v >= 10 or unit == "%" else 2


def number(value: float, lang: str = "zh", unit: str = "", digits: int | None = None) -> str:
    """A figure as written in a finding (absolute value; the words carry the sign).

    Trailing zeros after the point are dropped (3.00 → 3, 99.10 → 99.1); English groups
    thousands with commas, Chinese does not (official documents write 19000张).
    """
    v = abs(float(value))
    d = decimals(v, unit) if digits is None else digits
    text = f"{v:,.{d}f}" if lang == "en" else f"{v:.{d}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def percent(p: float, lang: str = "zh") -> str:
    """P(reach) as a whole percent; below 1 % and above 99 % are said as such, never 0 or 100."""
    r = math.floor(100.0 * float(p) + 0.5)
    key = "below" if r < 1 else ("above" if r > 99 else "about")
    return pick(PERCENT[key], lang).format(r=r)


def percent_short(p: float) -> str:
    """P(reach) for a table cell: 44%, <1%, >99% (the same rounding as :func:`percent`)."""
    if not is_finite(p):
        return "—"
    r = math.floor(100.0 * float(p) + 0.5)
    return "<1%" if r < 1 else (">99%" if r > 99 else f"{r}%")


def share_words(rate: float, lang: str = "zh") -> str:
    """A past rate in words: 约八成 / about 8 in 10."""
    k = int(math.floor(10.0 * float(rate) + 0.5))
    key = "all" if k >= 10 else ("few" if k <= 0 else "about")
    return pick(SHARE[key], lang).format(k=k, zh_k=ZH_DIGITS[min(max(k, 0), 10)])


def two_views(row: Mapping[str, Any], lang: str = "zh") -> str:
    """Both views of P(reach) in words ("按当前趋势实现概率约45%;同类约束性环境水平类目标以往约八成
    如期实现(37项);综合判断约62%"); "" where the row has no reference class."""
    p, pt = row.get("prob_reach"), row.get("prob_reach_trend")
    key = str(row.get("ref_class") or "")
    if not (is_finite(p) and is_finite(pt) and key and is_finite(row.get("ref_rate"))):
        return ""
    return t("two_views", lang).format(
        trend=percent(pt, lang), cls=class_words(key, lang),
        rate=share_words(row["ref_rate"], lang), n=int(row.get("ref_n") or 0),
        combined=percent(p, lang))


def class_view(row: Mapping[str, Any], lang: str = "zh") -> str:
    """The outside view alone in words, for a target without a trend to project
    ("同类民生水平类目标以往约九成如期实现(17项);据以往规划同类目标的实现情况估计,实现概率约96%");
    "" where the row has a trend P or no reference class."""
    p, key = row.get("prob_reach"), str(row.get("ref_class") or "")
    if is_finite(row.get("prob_reach_trend")) or not (is_finite(p) and key and
                                                    is_finite(row.get("ref_rate"))):
        return ""
    return t("class_view", lang).format(
        cls=class_words(key, lang), rate=share_words(row["ref_rate"], lang),
        n=int(row.get("ref_n") or 0), p=percent(p, lang))


def view_note(row: Mapping[str, Any], lang: str = "zh",
              fmt: Callable[[Any], str] = pct) -> str:
    """What stands beside a P(reach): "按趋势 45%" (the trend's P written by ``fmt``) where there
    are two views, "仅按同类" where the outside view speaks alone (no trend to project), ""
    without an outside view."""
    if not str(row.get("ref_class") or "") or not is_finite(row.get("prob_reach")):
        return ""
    if is_finite(row.get("prob_reach_trend")):
        return f"{t('prob_reach_trend', lang)} {fmt(row.get('prob_reach_trend'))}"
    return t("class_view_short", lang)


def views_mark(row: Mapping[str, Any], lang: str = "zh") -> str:
    """:func:`view_note` in brackets after a P(reach) ("" without an outside view)."""
    note = view_note(row, lang)
    return f" ({note})" if note else ""


def years_word(n: int, lang: str = "zh") -> str:
    """A small count of years: 两年 / two years (digits beyond ten)."""
    small = 0 < n <= 10
    return pick(YEAR_COUNT, lang).format(
        zh=ZH_DIGITS[n] if small else str(n), en=EN_YEARS[n] if small else f"{n} years")


def likelihood(p: float, lang: str = "zh") -> str:
    """P(reach) in words, on the same cut points as the statuses (0.8, 0.5) plus 0.95 and 0.2."""
    return pick(next((words for cut, words in LIKELIHOOD if p >= cut), LEAST_LIKELY), lang)


#: English names of the benchmark geographies (proper names: the Chinese follows in brackets).
GEOGRAPHY_EN = {"安徽省": "Anhui Province", "全国": "the national average"}


def geography_name(geo: str, lang: str) -> str:
    if lang == "zh":
        return geo
    en = GEOGRAPHY_EN.get(geo)
    return f"{en} ({geo})" if en else geo


def sentence(text: str, lang: str) -> str:
    text = text.strip().lstrip(";;,").strip()  # noqa: B005 - a set of punctuation marks
    if not text:
        return ""
    if lang == "zh":
        return text.rstrip("。;;,") + "。"  # noqa: B005 - a set of punctuation marks
    text = text[0].upper() + text[1:]
    return " " + text.rstrip(".;, ") + "."


def singular(unit: str) -> str:
    """'firms' → 'firm' after a 1 (one-word English units only)."""
    if " " in unit or not unit.endswith("s"):
        return unit
    return unit[:-3] + "y" if unit.endswith("ies") else unit[:-1]


def grow(v: float, lang: str) -> str:
    """增长 / 下降, grew / fell: the direction of a rate."""
    return pick(GROW[v >= 0], lang)


def signed_pct(v: float) -> str:
    text = number(v, "en", "%")
    return ("−" if v < 0 and text != "0" else "") + f"{text}%"


#: The words of a reference class (its key ``obligation · domain · form``, see
#: :func:`qcplan.model.outside_view.class_key`).
OBLIGATION_WORDS = {"binding": ("约束性", "binding"), "expected": ("预期性", "expected"),
                    "unmarked": ("", "")}
DOMAIN_WORDS = {"economy": ("经济", "economic"), "environment": ("环境", "environmental"),
                "social": ("民生", "social"), "innovation": ("创新", "innovation"),
                "fiscal": ("财政", "fiscal"), "infrastructure": ("基础设施", "infrastructure"),
                "other": ("其他", "other")}
FORM_WORDS = {"annual_growth": ("年度增速目标", "yearly growth targets"),
              "ceiling": ("上限类目标", "ceiling targets"),
              "level": ("水平类目标", "level targets"),
              "multi_year_growth": ("多年增速/降幅目标", "multi-year growth or reduction targets")}


def class_words(key: str, lang: str = "zh") -> str:
    """同类约束性环境水平类目标 / binding environmental level targets (from a class key)."""
    m = re.match(r"^(\S+) · (\S+) · (\S+)$", key or "")
    if not m:
        return ""
    ob, dom, form = m.groups()
    parts = [pick(OBLIGATION_WORDS.get(ob, ("", "")), lang),
             pick(DOMAIN_WORDS.get(dom, (dom, dom)), lang),
             pick(FORM_WORDS.get(form, (form, form)), lang)]
    return pick(("", " "), lang).join(p for p in parts if p)


__all__ = ["GEOGRAPHY_EN", "WHOLE_UNITS", "class_view", "class_words", "decimals",
           "geography_name", "grow", "likelihood", "number", "percent", "percent_short",
           "sentence", "share_words", "signed_pct", "singular", "two_views", "view_note",
           "views_mark", "years_word"]

