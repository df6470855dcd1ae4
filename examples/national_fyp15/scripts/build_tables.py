"""Write the national 15th-plan example's four tables from ``sources/`` (published figures only).

The example is the main-indicator table of the 中华人民共和国国民经济和社会发展第十五个五年规划纲要
(2026–2030), as far as it has been published and found. Two source files, one row a figure:

- ``sources/outline_targets.csv``: the outline's targets, a copy of the 全国 rows of the
  project's shared ``real_targets_2026.csv`` (the page each was read from and the excerpt that
  states it, ``binding_or_expected`` the class where a page states it);
- ``sources/national_figures.csv``: the 2019–2025 figures of each indicator from official
  releases (国家统计局, 国家卫生健康委, 教育部), with the page address as found and the excerpt;
  ``use`` is ``yes`` or ``no: <why>`` (a superseded first release, another basis, context).

What is taken:

- **targets**: every outline row with a number, mapped by ``TARGETS`` below to an indicator,
  kind and reading; ``quote_zh`` is the row's excerpt, ``note`` the reading with the source
  line and page; ``obligation`` is binding / expected only where the page states 约束性 /
  预期性 (blank otherwise: none of the pages found states it). The row without a number
  (GDP growth, "set year by year") is listed, not used;
- **observations**: every ``use = yes`` figure: ``source`` the page address plus the line of the
  source file, ``note`` the excerpt word for word;
- **indicators**: those of a target or of a figure.

Run from the repository root::

    .venv/bin/python examples/national_fyp15/scripts/build_tables.py

The output is the same from run to run; ``tests/test_example_fyp15.py`` checks that the
committed tables are what this script writes and that every figure and threshold is in its
source row's excerpt.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
TARGETS_SOURCE = HERE / "sources" / "outline_targets.csv"
FIGURES_SOURCE = HERE / "sources" / "national_figures.csv"
GEO = "全国"
PERIOD_START, TARGET_YEAR = 2025, 2030  # the outline's base year and end year

# indicator -> (name_zh, name_en, unit, unit_en, measure, description)
INDICATORS: dict[str, tuple[str, str, str, str, str, str]] = {
    "rd_expenditure": (
        "研究与试验发展(R&D)经费", "Research and experimental development (R&D) spending", "亿元",
        "hundred million yuan", "amount",
        "全社会 R&D 经费, current prices (科技经费投入统计公报; first releases for 2024–2025)."),
    "co2_intensity_fall": (
        "万元国内生产总值二氧化碳排放降低率", "Fall in CO2 emissions per 10,000 yuan of GDP", "%",
        "%", "reduction", "Yearly fall in % as the bulletins publish it (下降3.8% is 3.8)."),
    "digital_core_share": (
        "数字经济核心产业增加值占国内生产总值比重", "Digital-economy core industries, share of GDP",
        "%", "%", "share", "国家统计局, fifth economic census basis (2023 onward)."),
    "working_age_edu_years": (
        "劳动年龄人口平均受教育年限", "Average years of schooling of the working-age population",
        "年", "years", "rate", "Population aged 16–59."),
    "life_expectancy": (
        "人均预期寿命", "Life expectancy at birth", "岁", "years", "rate",
        "国家卫生健康委 and 国家统计局 figures."),
    "licensed_doctors_per_1000": (
        "每千人口执业医师数", "Licensed doctors per 1,000 people", "人/千人", "per 1,000 people",
        "rate", "执业医师 as the outline's table is reported; no figure of this measure was found "
        "(the bulletins give 执业(助理)医师, indicator doctors_per_1000)."),
    "doctors_per_1000": (
        "每千人口执业(助理)医师数", "Licensed (assistant) doctors per 1,000 people", "人/千人",
        "per 1,000 people", "rate",
        "The bulletins' measure, broader than 执业医师: shown for context, no target of its own."),
    "nurses_per_1000": (
        "每千人口注册护士数", "Registered nurses per 1,000 people", "人/千人", "per 1,000 people",
        "rate", "卫生健康事业发展统计公报."),
    "nursing_bed_share": (
        "养老机构护理型床位占比", "Nursing-type beds, share of beds in elderly-care institutions",
        "%", "%", "share", "No national figure was found."),
    "childcare_enrolment_rise": (
        "3岁以下婴幼儿入托率较2025年提高", "Rise in childcare enrolment of under-3s since 2025",
        "个百分点", "percentage points", "rate",
        "Change from the 2025 rate; the 2025 rate was not found, so no change can be computed."),
    "grain_output": (
        "粮食产量", "Grain output", "亿斤", "hundred million jin", "amount",
        "国家统计局 yearly announcements; read against the outline's 粮食综合生产能力."),
    "energy_output": (
        "一次能源生产总量", "Primary energy production", "亿吨标准煤",
        "hundred million tonnes of standard coal equivalent", "amount",
        "Read against the outline's 能源综合生产能力."),
}

# outline row (name_zh of sources/outline_targets.csv) ->
#   target_id, indicator, pillar, kind, factor (published -> indicator unit), name_zh, name_en,
#   how the row is read
TARGETS: dict[str, tuple[str, str, str, str, float, str, str, str]] = {
    "全社会研发经费投入年均增速": (
        "rd_growth_2030", "rd_expenditure", "innovation", "growth", 1,
        "全社会研发经费投入年均增长7%以上", "R&D spending grows 7%+ a year",
        "以上 read as ≥ 7 % a year from the 2025 level. Assessed on current-price levels: the "
        "14th plan's identical target was reported at constant prices (2022: 7.7 % at constant "
        "prices against 10.1 % nominal, sources/national_figures.csv), so the nominal pace "
        "overstates progress"),
    "单位国内生产总值二氧化碳排放累计降低": (
        "co2_intensity_2030", "co2_intensity_fall", "green", "reduction", 1,
        "单位国内生产总值二氧化碳排放累计降低17%", "CO2 per unit of GDP falls 17% over 2026–2030",
        "A cumulative fall of ≥ 17 % from 2025 to 2030, chained from the yearly falls"),
    "数字经济核心产业增加值占GDP比重": (
        "digital_share_2030", "digital_core_share", "economy", "share", 1,
        "数字经济核心产业增加值占GDP比重达到12.5%",
        "Digital-economy core industries reach 12.5% of GDP",
        "达到 read as ≥ 12.5 % in 2030. The excerpt lists it under 重大战略任务; its group in the "
        "main-indicator table is not stated (placed under 经济发展 here)"),
    "劳动年龄人口平均受教育年限": (
        "edu_years_2030", "working_age_edu_years", "livelihood", "level", 1,
        "劳动年龄人口平均受教育年限提高到11.7年", "Working-age schooling reaches 11.7 years",
        "提高到 read as ≥ 11.7 years in 2030"),
    "人均预期寿命": (
        "life_expectancy_2030", "life_expectancy", "livelihood", "level", 1,
        "人均预期寿命提高到80岁", "Life expectancy reaches 80 years",
        "提高到 read as ≥ 80 in 2030"),
    "每千人口执业医师数": (
        "doctors_2030", "licensed_doctors_per_1000", "livelihood", "level", 1,
        "每千人口执业医师数达到3.7人", "3.7 licensed doctors per 1,000 people",
        "Read as ≥ 3.7 in 2030 on 执业医师 as reported; the bulletins publish 执业(助理)医师 "
        "(3.61 in 2024), a broader measure, so no figure of this one is in the folder"),
    "每千人口注册护士数": (
        "nurses_2030", "nurses_per_1000", "livelihood", "level", 1,
        "每千人口注册护士数达到5.1人", "5.1 registered nurses per 1,000 people",
        "Read as ≥ 5.1 in 2030"),
    "养老机构护理型床位占比": (
        "nursing_bed_share_2030", "nursing_bed_share", "livelihood", "share", 1,
        "养老机构护理型床位占比达到73%", "Nursing-type beds reach 73% of elderly-care beds",
        "达到 read as ≥ 73 % in 2030; no national figure was found"),
    "3岁以下婴幼儿入托率提高": (
        "childcare_enrolment_2030", "childcare_enrolment_rise", "livelihood", "level", 1,
        "3岁以下婴幼儿入托率提高6个百分点", "Childcare enrolment of under-3s rises 6 points",
        "A rise of ≥ 6 points from the 2025 rate by 2030 (read on the change since 2025); the "
        "2025 rate was not found"),
    "粮食综合生产能力": (
        "grain_2030", "grain_output", "security", "level", 10000,
        "粮食综合生产能力达到1.45万亿斤左右", "Grain production capacity about 1.45 trillion jin",
        "1.45 兆斤 (万亿斤) = 14500亿斤, a change of unit only; 左右 read as ≥. Capacity has no "
        "statistic of its own: read here against the yearly output (a proxy)"),
    "能源综合生产能力": (
        "energy_2030", "energy_output", "security", "level", 1,
        "能源综合生产能力达到58亿吨标准煤",
        "Energy production capacity reaches 5.8 bn t of coal equivalent",
        "Read as ≥ 58 in 2030 against primary energy production (a proxy for capacity)"),
}
LEFT_OUT = {"国内生产总值增速": "no number: growth is set year by year (各年度视情提出)"}

PILLARS = [
    ("economy", "经济发展", "Economic development",
     "纲要提出3项指标(增长、结构、效率);此处仅数字经济核心产业占比,其分组为本例所定",
     "The outline has 3 indicators (growth, structure, efficiency); only the digital-economy "
     "share is here, placed in this group by this example", 1),
    ("innovation", "创新驱动", "Innovation",
     "纲要提出3项指标;已见公布者:全社会研发经费投入", "The outline has 3; found: R&D spending", 2),
    ("livelihood", "民生福祉", "People's well-being",
     "纲要提出7项指标(就业、收入、教育、医疗、健康、“一老一小”)",
     "The outline has 7 (jobs, income, education, medical care, health, the old and the young)",
     3),
    ("green", "绿色低碳", "Green and low-carbon",
     "纲要提出5项指标;已见公布者:单位GDP二氧化碳排放累计降低",
     "The outline has 5; found: the cumulative fall in CO2 per unit of GDP", 4),
    ("security", "安全保障", "Security",
     "粮食、能源综合生产能力2项指标", "2 indicators: grain and energy production capacity", 5),
]
SECTION = {"economy": "主要指标·经济发展(本例分组)", "innovation": "主要指标·创新驱动",
           "livelihood": "主要指标·民生福祉", "green": "主要指标·绿色低碳",
           "security": "主要指标·安全保障"}


def obligation(stated: str) -> str:
    """``obligation`` of targets.csv from the source's ``binding_or_expected``: binding for
    约束性, expected for 预期性, blank where the page does not state the class."""
    binding, expected = "约束性" in stated, "预期性" in stated
    if binding and expected:
        raise SystemExit(f"both classes stated: {stated!r}")
    return "binding" if binding else "expected" if expected else ""


def _rows(path: Path) -> list[tuple[int, dict[str, str]]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        return [(reader.line_num, row) for row in reader]


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def build() -> dict[str, list[list[str]]]:
    targets = []
    for line, r in _rows(TARGETS_SOURCE):
        if r["geography"] != GEO:
            raise SystemExit(f"{TARGETS_SOURCE.name}:{line}: geography {r['geography']!r}, "
                             f"expected {GEO!r}")
        name = r["name_zh"]
        if name in LEFT_OUT:
            continue
        if name not in TARGETS:
            raise SystemExit(f"{TARGETS_SOURCE.name}:{line}: outline row {name!r} has no "
                             "mapping in TARGETS")
        tid, ind, pillar, kind, factor, name_zh, name_en, reading = TARGETS[name]
        if int(r["target_year"]) != TARGET_YEAR:
            raise SystemExit(f"{TARGETS_SOURCE.name}:{line}: target year {r['target_year']}, "
                             f"expected {TARGET_YEAR}")
        threshold = _num(round(float(r["threshold"]) * factor, 6))
        targets.append([
            tid, ind, GEO, pillar, name_zh, name_en, INDICATORS[ind][2], kind, "at_least",
            threshold, "", "", obligation(r["binding_or_expected"]), str(PERIOD_START),
            str(TARGET_YEAR), "", SECTION[pillar],
            r["target_text"], "",
            f"{reading}. Class (约束性/预期性): {r['binding_or_expected']}. "
            f"(sources/outline_targets.csv line {line}; {r['source_url']})",
        ])
    obs: dict[tuple[str, int], list[str]] = {}
    for line, r in _rows(FIGURES_SOURCE):
        if r["use"] != "yes":
            if not r["use"].startswith("no: "):
                raise SystemExit(f"{FIGURES_SOURCE.name}:{line}: use {r['use']!r}, expected "
                                 "'yes' or 'no: <why>'")
            continue
        ind = r["indicator_id"]
        if ind not in INDICATORS:
            raise SystemExit(f"{FIGURES_SOURCE.name}:{line}: indicator {ind!r} is not in "
                             "INDICATORS")
        unit = INDICATORS[ind][2]
        if r["unit"] != unit or r["geography"] != GEO:
            raise SystemExit(f"{FIGURES_SOURCE.name}:{line}: unit/geography {r['unit']!r}/"
                             f"{r['geography']!r}, expected {unit!r}/{GEO!r}")
        key = (ind, int(r["year"]))
        if key in obs:
            raise SystemExit(f"{FIGURES_SOURCE.name}:{line}: a second figure for {key}; mark "
                             "one of them use=no")
        obs[key] = [ind, GEO, r["year"], "", _num(float(r["value"])), unit, r["status"],
                    f"{r['source_url']} (sources/national_figures.csv line {line})",
                    r["excerpt"]]
    used = {t[1] for t in targets} | {k[0] for k in obs}
    indicators = [[ind, *INDICATORS[ind]] for ind in INDICATORS if ind in used]
    used_pillars = {t[3] for t in targets}
    order = {p[0]: p[5] for p in PILLARS}
    return {
        "pillars": [["pillar", "name_zh", "name_en", "description_zh", "description_en",
                     "order"]] + [list(map(str, p)) for p in PILLARS if p[0] in used_pillars],
        "indicators": [["indicator_id", "name_zh", "name_en", "unit", "unit_en", "measure",
                        "description"]] + indicators,
        "targets": [["target_id", "indicator_id", "geography", "pillar", "name_zh", "name_en",
                     "unit", "kind", "direction", "threshold", "threshold_high", "rule",
                     "obligation", "period_start", "target_year", "benchmark", "section",
                     "quote_zh",
                     "responsible_units", "note"]]
        + sorted(targets, key=lambda t: (order[t[3]], t[0])),
        "observations": [["indicator_id", "geography", "year", "period", "value", "unit",
                          "status", "source", "note"]]
        + [obs[k] for k in sorted(obs)],
    }


def render(table: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(table)
    return buf.getvalue()


def main(argv: list[str]) -> int:
    out = Path(argv[1]) if len(argv) > 1 else HERE
    for name, table in build().items():
        (out / f"{name}.csv").write_text(render(table), encoding="utf-8")
        print(f"{name}.csv: {len(table) - 1} rows")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
