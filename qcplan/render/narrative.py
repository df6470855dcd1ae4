"""Written findings: the assessment table put in words, in Chinese and in English.

For each target, one or two sentences (and a third where the conventional grades disagree with
the status): where it stands (the latest figure, its year and whether it is official, preliminary
or illustrative), the pace so far against the pace needed, the projection with its 80 % interval,
P(reach) in words and as a number, the status, and what the other scenarios change. For each
pillar, a short paragraph: how many targets in each status, the most at risk with what they need,
and what changed since the last run when a changes frame is given.

Every number in a finding is a value of the assessment table (or of the same target's row under
another scenario), formatted by :func:`number`; nothing is computed here except the number of
years left (target year − latest year) and the counts of a pillar's statuses. The test
``tests/test_narrative.py`` parses the numbers back out of every finding and checks them.

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

import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from qcplan.model.status import STATUS_ORDER
from qcplan.render.i18n import eurostat_label, qualified, review_label, status_label, t

#: Statuses a reader must act on (the at-risk list), worst first in the order of STATUS_ORDER.
AT_RISK = ("missed", "overdue", "moving_away", "off_track", "needs_acceleration")
#: Units whose figures are whole things (firms, places, people): shown without decimals.
WHOLE_UNITS = frozenset({"家", "个", "张", "人", "条", "所", "名", "套", "套(间)", "项", "件"})
ZH_DIGITS = "零一两三四五六七八九十"
GOOD = ("achieved", "done", "on_track")
MIDDLE = ("needs_acceleration", "plan_path", "not_done")
BAD = ("off_track", "moving_away", "missed", "overdue")
DATA_TAG = {
    "official": ("正式数", "official"),
    "preliminary": ("初步数", "preliminary"),
    "derived": ("推算数", "derived"),
    "illustrative": ("示意数据,非官方统计", "illustrative, not an official figure"),
}


# --------------------------------------------------------------------------- numbers
def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


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
    if r < 1:
        return "不足1%" if lang == "zh" else "below 1%"
    if r > 99:
        return "超过99%" if lang == "zh" else "above 99%"
    return f"约{r}%" if lang == "zh" else f"about {r}%"


def percent_short(p: float) -> str:
    """P(reach) for a table cell: 44%, <1%, >99% (the same rounding as :func:`percent`)."""
    if not _finite(p):
        return "—"
    r = math.floor(100.0 * float(p) + 0.5)
    return "<1%" if r < 1 else (">99%" if r > 99 else f"{r}%")


def share_words(rate: float, lang: str = "zh") -> str:
    """A past rate in words: 约八成 / about 8 in 10."""
    k = int(math.floor(10.0 * float(rate) + 0.5))
    if lang == "zh":
        return "几乎全部" if k >= 10 else ("少数" if k <= 0 else f"约{ZH_DIGITS[k]}成")
    return "nearly all" if k >= 10 else ("few" if k <= 0 else f"about {k} in 10")


def two_views(row: Mapping[str, Any], lang: str = "zh") -> str:
    """Both views of P(reach) in words ("按当前趋势实现概率约45%;同类约束性环境水平类目标以往约八成
    如期实现(37项);综合判断约62%"); "" where the row has no reference class."""
    from qcplan.model.outside_view import class_words

    p, pt = row.get("prob_reach"), row.get("prob_reach_trend")
    key = str(row.get("ref_class") or "")
    if not (_finite(p) and _finite(pt) and key and _finite(row.get("ref_rate"))):
        return ""
    return t("two_views", lang).format(
        trend=percent(pt, lang), cls=class_words(key, lang),
        rate=share_words(row["ref_rate"], lang), n=int(row.get("ref_n") or 0),
        combined=percent(p, lang))


def years_word(n: int, lang: str = "zh") -> str:
    """A small count of years: 两年 / two years (digits beyond ten)."""
    if lang == "zh":
        return (ZH_DIGITS[n] if 0 < n <= 10 else str(n)) + "年"
    words = ("", "one year", "two years", "three years", "four years", "five years",
             "six years", "seven years", "eight years", "nine years", "ten years")
    return words[n] if 0 < n <= 10 else f"{n} years"


def likelihood(p: float, lang: str = "zh") -> str:
    """P(reach) in words, on the same cut points as the statuses (0.8, 0.5) plus 0.95 and 0.2."""
    if p >= 0.95:
        return "把握很大" if lang == "zh" else "very likely"
    if p >= 0.8:
        return "把握较大" if lang == "zh" else "likely"
    if p >= 0.5:
        return "有望实现但把握不大" if lang == "zh" else "more likely than not, but far from sure"
    if p >= 0.2:
        return "实现难度较大" if lang == "zh" else "unlikely"
    return "实现难度很大" if lang == "zh" else "very unlikely"


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


# --------------------------------------------------------------------------- the narrator
class Narrator:
    """Writes findings from assessment rows; ``plan`` (optional) gives indicator names, English
    units and the English names of responsible units."""

    def __init__(self, plan: Any = None, scenarios: Mapping[str, Any] | None = None):
        self.names: dict[str, tuple[str, str]] = {}
        self.units_en: dict[str, str] = {}
        self.bodies_en: dict[str, str] = {}
        if plan is not None:
            ind = plan.indicators
            for r in ind.itertuples(index=False):
                self.names[r.indicator_id] = (str(r.name_zh), str(r.name_en))
                unit_en = getattr(r, "unit_en", None)
                if isinstance(unit_en, str) and unit_en:
                    self.units_en[r.indicator_id] = unit_en
            bodies = getattr(plan, "responsible_units", None)
            if isinstance(bodies, pd.DataFrame) and not bodies.empty:
                self.bodies_en = dict(zip(bodies["name_zh"], bodies["name_en"]))
                if "aliases" in bodies.columns:  # a unit named by another of its names
                    from qcplan.plan.schema import split_aliases

                    for name_en, aliases in zip(bodies["name_en"], bodies["aliases"]):
                        for alias in split_aliases(aliases):
                            self.bodies_en.setdefault(alias, name_en)
        #: scenario name → (label_zh, label_en); plan-mode scenarios are not compared
        self.scenario_labels = {n: (sc.label("zh"), sc.label("en"))
                                for n, sc in (scenarios or {}).items()}
        self.plan_mode = {n for n, sc in (scenarios or {}).items()
                          if getattr(sc, "mode", "projection") == "plan"}

    # -- pieces ------------------------------------------------------------
    def subject(self, row: Mapping[str, Any], lang: str, lower: bool = True) -> str:
        """The indicator's name (the target's where the indicator is not in the registry)."""
        zh, en = self.names.get(str(row.get("indicator_id")),
                                (str(row.get("name_zh")), str(row.get("name_en"))))
        if lang == "zh" or not lower:
            return zh if lang == "zh" else en
        return en[0].lower() + en[1:] if len(en) > 1 and en[1].islower() else en

    def unit(self, row: Mapping[str, Any], lang: str) -> str:
        """The unit of the row's figures: Chinese as in the table, English from the registry."""
        zh = str(row.get("unit") or "")
        if lang == "zh":
            return zh
        en = row.get("unit_en")
        if isinstance(en, str) and en:
            return en
        return self.units_en.get(str(row.get("indicator_id")), zh)

    def with_unit(self, value: float, row: Mapping[str, Any], lang: str,
                  whole: bool = True) -> str:
        """A figure with its unit; ``whole=False`` for averages and rates of whole things."""
        u = self.unit(row, lang)
        zh_unit = str(row.get("unit") or "")
        n = number(value, lang, zh_unit if whole or zh_unit == "%" else "")
        if lang == "zh" or u in ("", "%"):
            return f"{n}{u}"
        return f"{n} {_singular(u) if n == '1' else u}"

    def bodies(self, row: Mapping[str, Any], lang: str) -> str:
        """The responsible units: English name (Chinese name) in English, the Chinese as is."""
        text = row.get("responsible_units")
        if not isinstance(text, str) or not text.strip():
            return "—"
        names = [n.strip() for n in text.split("、") if n.strip()]
        if lang == "zh":
            return "、".join(names)
        return "; ".join(f"{self.bodies_en[n]} ({n})" if n in self.bodies_en else n
                         for n in names)

    def label(self, scenario: str, lang: str) -> str:
        zh, en = self.scenario_labels.get(scenario, (scenario, scenario))
        return zh if lang == "zh" else en

    # -- one target ----------------------------------------------------------
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
            text = _sentence(first, lang) + _sentence(second, lang)
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
        if kind == "cumulative" and _finite(row.get("observed_total")):
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
        """The observed pace against the pace needed (blank where either is missing)."""
        kind, st = row["kind"], row["status"]
        obs, req = row.get("observed_rate"), row.get("required_rate")
        if not _finite(obs):
            return ""
        frm = int(row["observed_from"]) if _finite(row.get("observed_from")) else None
        ly = int(row["latest_year"])
        pct_rate = str(row.get("rate_unit") or "").startswith("%")
        obs_t = self._rate(obs, row, lang, pct_rate)
        needs = _finite(req) and st not in ("achieved", "missed")
        left = int(row["target_year"]) - ly
        if kind == "growth":
            thr = number(row["threshold"], lang, "%")
            span = "" if frm is None else (
                (f"{frm}年" if frm == ly else f"{frm}—{ly}年") if lang == "zh" else
                (f" in {frm}" if frm == ly else f" in {frm}–{ly}"))
            if lang == "zh":
                cmp_ = "低于" if obs < row["threshold"] else "不低于"
                text = (f";{span}平均{_grow(obs, 'zh')}{number(obs, 'zh', '%')}%,"
                        f"{cmp_}{thr}%的目标要求")
                if needs and left > 0:
                    text += f",需在余下{years_word(left)}年均{_grow(req, 'zh')}" \
                            f"{number(req, 'zh', '%')}%方能实现"
                return text
            cmp_ = "below" if obs < row["threshold"] else "not below"
            text = (f"; it {_grow(obs, 'en')} {number(obs, 'en', '%')}% a year on average{span}, "
                    f"{cmp_} the {thr}% the target asks")
            if needs and left > 0:
                text += (f"; the remaining {years_word(left, 'en')} need "
                         f"{_signed_pct(req)} a year to meet it")
            return text
        if kind == "reduction":
            # yearly falls in % (positive = down) since the base year
            since = "" if frm is None else (f"{frm}年以来" if lang == "zh" else f" since {frm}")
            if lang == "zh":
                text = (f";{since}年均{'下降' if obs >= 0 else '上升'}"
                        f"{number(abs(obs), 'zh', '%')}%")
                if needs and left > 0:
                    text += (f",{'高于' if obs >= req else '低于'}实现目标所需的年均下降"
                             f"{number(req, 'zh', '%')}%")
                return text
            text = (f"; it {'fell' if obs >= 0 else 'rose'} by {number(abs(obs), 'en', '%')}% "
                    f"a year{since}")
            if needs and left > 0:
                text += f", against a fall of {number(req, 'en', '%')}% a year needed"
            return text
        if kind in ("flow", "cumulative"):
            span = "" if frm is None else (f"{frm}—{ly}年" if lang == "zh" else f" in {frm}–{ly}")
            if lang == "zh":
                text = f";{span}平均每年{obs_t}"
                if kind == "flow":
                    each = "每年" if row.get("rule") == "every_year" else "年均"
                    text += f",目标为{each}不少于{self.with_unit(row['threshold'], row, 'zh')}"
                elif needs and left > 0:
                    text += f",余下{years_word(left)}需每年完成{self._rate(req, row, 'zh', False)}"
                return text
            text = f"; it averaged {obs_t} a year{span}"
            if kind == "flow":
                each = "every year" if row.get("rule") == "every_year" else "a year on average"
                text += f", against at least {self.with_unit(row['threshold'], row, 'en')} {each}"
            elif needs and left > 0:
                text += (f"; the remaining {years_word(left, 'en')} need "
                         f"{self._rate(req, row, 'en', False)} a year")
            return text
        # levels, shares, relative targets: compound growth (or a yearly change) of the figure
        since = "" if frm is None else (f"{frm}年以来" if lang == "zh" else f" since {frm}")
        if lang == "zh":
            text = f";{since}年均{_grow(obs, 'zh') if pct_rate else _more(obs)}{obs_t}"
            if needs and left > 0:
                side = "高于" if obs >= req else "低于"
                text += (f",{side}实现目标所需的年均"
                         f"{_grow(req, 'zh') if pct_rate else _more(req)}"
                         f"{self._rate(req, row, 'zh', pct_rate)}")
            return text
        if pct_rate:
            verb = "has grown" if obs >= 0 else "has fallen"
        else:
            verb = "has risen" if obs >= 0 else "has fallen"
        if not since:
            verb = verb.split()[1].replace("grown", "grew").replace("risen", "rose") \
                .replace("fallen", "fell")
        text = f"; it {verb} by {obs_t} a year{since}"
        if needs and left > 0:
            text += f", against {self._rate(req, row, 'en', pct_rate, signed=True)} a year needed"
        return text

    def _rate(self, v: float, row: Mapping[str, Any], lang: str, pct_rate: bool,
              signed: bool = False) -> str:
        if pct_rate:
            return _signed_pct(v) if signed else f"{number(v, lang, '%')}%"
        text = self.with_unit(v, row, lang, whole=False)
        if signed and v < 0:
            return "−" + text
        return text

    def _projection(self, row: dict, lang: str) -> str:
        kind, ty = row["kind"], int(row["target_year"])
        if not _finite(row.get("projected_median")):
            return ""
        med, lo, hi = row["projected_median"], row["projected_p10"], row["projected_p90"]
        zh = lang == "zh"
        on_path = row.get("status") == "plan_path"  # the projection moved onto the plan path
        trend = "沿达标路径" if on_path else "按当前趋势"
        trend_en = "On the plan path" if on_path else "On the current trend"
        if kind == "growth":
            start = int(row["period_start"]) + 1
            span = f"{start}—{ty}年" if zh else f"{start}–{ty}"
            if zh:
                return (f"{trend},预计{span}年均{_grow(med, 'zh')}{number(med, 'zh', '%')}%"
                        f"(80%区间{_signed_pct(lo)}至{_signed_pct(hi)})")
            return (f"{trend_en}, growth in {span} averages {_signed_pct(med)} a year "
                    f"(80% interval {_signed_pct(lo)} to {_signed_pct(hi)})")
        if kind == "reduction":
            start = int(row["period_start"])
            # a negative fall is a rise: its sign is kept (an interval from −18.4% to 33%)
            m, a, b = (("−" if x < 0 and number(x, lang, "%") != "0" else "")
                       + number(x, lang, "%") for x in (med, lo, hi))
            thr = number(row["threshold"], lang, "%")
            if zh:
                return (f"{trend},{start}—{ty}年预计累计下降{m}%(80%区间{a}%—{b}%),"
                        f"目标为累计下降{thr}%")
            return (f"{trend_en}, the fall from {start} to {ty} is {m}% (80% interval "
                    f"{a}%–{b}%), against a target of {thr}%")
        if kind == "relative":
            bench = geography_name(str(row.get("benchmark") or "").partition("@")[2] or "—",
                                   lang)
            above = row.get("rule") in ("exceed", "narrow_gap")
            d = 2
            m, a, b = (number(x, lang, digits=d) for x in (med, lo, hi))
            goal = number(row["decision_threshold"], lang, digits=d)
            if zh:
                return (f"{trend},{ty}年与{bench}之比预计为{m}(80%区间{a}—{b}),"
                        f"目标为{'高于' if above else '不低于'}{goal}")
            return (f"{trend_en}, the ratio to {bench} in {ty} is {m} (80% interval "
                    f"{a}–{b}), against a target of {'more than ' if above else ''}{goal}")
        a = number(lo, lang, str(row.get("unit") or ""))
        b = self.with_unit(hi, row, lang)
        m = self.with_unit(med, row, lang)
        if kind == "flow":
            what = ("期内最低年份" if row.get("rule") == "every_year" else "期内年均") if zh else \
                ("the lowest year of the period" if row.get("rule") == "every_year"
                 else "the period's yearly average")
        elif kind == "cumulative":
            what = f"至{ty}年累计" if zh else f"the total by {ty}"
        else:
            what = f"{ty}年" if zh else f"the figure in {ty}"
        thr = self.with_unit(row["threshold"], row, lang)
        bound = {"at_most": ("不高于", "at most "), "below": ("低于", "less than "),
                 "above": ("高于", "more than ")}.get(str(row.get("direction")), ("", ""))
        if zh:
            goal = f"目标为{bound[0]}{thr}"
            return f"{trend},{what}预计为{m}(80%区间{a}—{b}),{goal}"
        goal = f"against a target of {bound[1]}{thr}"
        return f"{trend_en}, {what} is {m} (80% interval {a}–{b}), {goal}"

    def _scenarios(self, row: dict, lang: str,
                   others: Mapping[str, Mapping[str, Any]] | None) -> str:
        """P(reach) under the other projection scenarios, with the status where it differs."""
        if not others:
            return ""
        parts = []
        for name, o in others.items():
            if o is None or name in self.plan_mode or str(o.get("status")) == "plan_path" \
                    or not _finite(o.get("prob_reach")):
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
                if early and _finite(p):
                    text += f";按当前趋势,{ty}年保持达标的概率{percent(p)}"
                return text
            text = f"the target is already met{' ahead of ' + str(ty) if early else ''}"
            if early and _finite(p):
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
        if _finite(row.get("target_year_value")):
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
        return (_sentence(first, lang) + _sentence(self._outlook(row, lang, others), lang)).strip()

    def _milestone(self, row: dict, lang: str) -> str:
        st, ty = str(row["status"]), int(row["target_year"])
        zh = lang == "zh"
        name = f"“{self.subject(row, lang, lower=False)}”"
        ly = int(row["latest_year"]) if _finite(row.get("latest_year")) else None
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
        r = f"{number(ratio, lang, digits=2)}" if _finite(ratio) else ""
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

    # -- many targets --------------------------------------------------------
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
        """What a target needs, in a few words: the pace required against the pace observed."""
        kind, st = row.get("kind"), row.get("status")
        req, obs = row.get("required_rate"), row.get("observed_rate")
        zh = lang == "zh"
        if st == "overdue":
            return "尽快完成" if zh else "to be done at once"
        if st == "missed" or kind == "workpoint":
            thr = self.with_unit(row["threshold"], row, lang)
            ty = int(row["target_year"])
            if _finite(row.get("target_year_value")) and kind != "flow":
                val = self.with_unit(row["target_year_value"], row, lang)
                return f"{ty}年实际{val},未达到{thr}" if zh else f"{val} in {ty}, short of {thr}"
            if kind == "flow" and row.get("rule") == "every_year":
                return f"有年份低于每年{thr}" if zh else f"a year fell below {thr} a year"
            return f"未达到{thr}" if zh else f"fell short of {thr}"
        if not (_finite(req) and _finite(obs)):
            return "—"
        pct_rate = str(row.get("rate_unit") or "").startswith("%")
        if kind == "reduction":
            r_p, o_p = number(req, lang, "%"), number(obs, lang, "%")
            if zh:
                return f"需年均下降{r_p}%,基期以来年均下降{o_p}%"
            return f"needs a fall of {r_p}% a year, {o_p}% a year since the base year"
        r_t = self._rate(req, row, lang, pct_rate, signed=True)
        o_t = self._rate(obs, row, lang, pct_rate, signed=True)
        if zh:
            return f"需年均{r_t},基期以来{o_t}"
        return f"needs {r_t} a year, {o_t} since the base year"

    def pillar_paragraph(self, table: pd.DataFrame, lang: str = "zh",
                         changes: pd.DataFrame | None = None, top: int = 3) -> str:
        """A pillar's paragraph: counts per status, the ``top`` most at risk with what they need,
        and (with ``changes``: ``target_id, previous_status, status`` and optionally
        ``scenario``, one row per target and scenario) what changed since the last run."""
        zh = lang == "zh"
        counts = table["status"].value_counts()
        order = [s for s in STATUS_ORDER if s in counts.index]
        if zh:
            text = f"本领域共{len(table)}项目标:" + "、".join(
                f"{status_label(s, 'zh')}{int(counts[s])}项" for s in order) + "。"
        else:
            text = f"{len(table)} target{'s' if len(table) != 1 else ''}: " + ", ".join(
                f"{int(counts[s])} {status_label(s, 'en').lower()}" for s in order) + "."
        risk = self.at_risk(table).head(top)
        if not risk.empty:
            items = []
            for _, r in risk.iterrows():
                p = r.get("prob_reach")
                pt = (f"达标概率{percent(p)}," if zh else f"P(reach) {percent(p, 'en')}, ") \
                    if _finite(p) and r["status"] not in ("missed", "overdue") else ""
                name = r["name_zh"] if zh else r["name_en"]
                st_l = status_label(str(r["status"]), lang)
                need = self.need(r, lang)
                need = "" if need == "—" else need
                items.append(f"{name}({st_l},{pt}{need})".replace(",)", ")") if zh else
                             f"{name} ({st_l.lower()}, {pt}{need})".replace(", )", ")"))
            text += ("最需关注的是" + ";".join(items) + "。") if zh else \
                (" Most at risk: " + "; ".join(items) + ".")
        else:
            text += "没有偏离或需加快的目标。" if zh else " No target is off track or needs to " \
                "speed up."
        ch = _status_changes(changes, table)
        if ch is not None:
            names = table.set_index("target_id")["name_zh" if zh else "name_en"]
            if ch.empty:
                text += "与上次评估相比,各目标状态没有变化。" if zh else \
                    " No status changed since the last run."
            else:
                parts = [f"{names[r.target_id]}由{status_label(str(r.previous_status), 'zh')}"
                         f"变为{status_label(str(r.status), 'zh')}" if zh else
                         f"{names[r.target_id]} from {status_label(str(r.previous_status), 'en')}"
                         f" to {status_label(str(r.status), 'en').lower()}"
                         for r in ch.itertuples(index=False)]
                text += ("与上次评估相比:" + ";".join(parts) + "。") if zh else \
                    (" Since the last run: " + "; ".join(parts) + ".")
        return text


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


#: English names of the benchmark geographies (proper names: the Chinese follows in brackets).
GEOGRAPHY_EN = {"安徽省": "Anhui Province", "全国": "the national average"}


def geography_name(geo: str, lang: str) -> str:
    if lang == "zh":
        return geo
    en = GEOGRAPHY_EN.get(geo)
    return f"{en} ({geo})" if en else geo


def _sentence(text: str, lang: str) -> str:
    text = text.strip().lstrip(";;,").strip()  # noqa: B005 - a set of punctuation marks
    if not text:
        return ""
    if lang == "zh":
        return text.rstrip("。;;,") + "。"  # noqa: B005 - a set of punctuation marks
    text = text[0].upper() + text[1:]
    return " " + text.rstrip(".;, ") + "."


def _singular(unit: str) -> str:
    """'firms' → 'firm' after a 1 (one-word English units only)."""
    if " " in unit or not unit.endswith("s"):
        return unit
    return unit[:-3] + "y" if unit.endswith("ies") else unit[:-1]


def _grow(v: float, lang: str) -> str:
    if lang == "zh":
        return "增长" if v >= 0 else "下降"
    return "grew" if v >= 0 else "fell"


def _more(v: float) -> str:
    return "增加" if v >= 0 else "减少"


def _signed_pct(v: float) -> str:
    text = number(v, "en", "%")
    return ("−" if v < 0 and text != "0" else "") + f"{text}%"


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


__all__ = ["AT_RISK", "Narrator", "family", "finding_frame", "likelihood", "number", "percent",
           "percent_short", "years_word"]
