"""Write the example plan's four tables from ``sources/plan_outcomes.csv`` (published figures only).

The example is Anhui Province's yearly government work-report targets (主要预期目标) with their
outcomes. Every figure in the tables is one row of ``sources/plan_outcomes.csv`` (a copy of the
project's shared ``data/plan_outcomes.csv``): the observation's ``source`` carries the page it was
read from and the source file's line, its ``note`` the verbatim excerpt; a target's ``quote_zh``
is the excerpt that states it.

What is taken:

- **observations**: every ``actual`` row for Anhui of the indicators below, whatever plan group
  of the file it was filed under (a growth rate is the same figure there); in-year figures
  (``<indicator>_q1`` / ``_h1``) become periods ``Q1`` / ``H1`` of the indicator;
- **targets**: every ``target`` row of a yearly work report (groups ``安徽省年度政府工作报告…`` and
  ``安徽省2020年政府工作报告…``) of those indicators **whose outcome for that year is also a row**,
  so every target of the example is decided and the retrospective has real outcomes. Targets
  without a published outcome in the file are listed, not used (see the README).

Run from the repository root::

    .venv/bin/python examples/anhui_gov_work_report/scripts/build_tables.py

The output is the same from run to run; ``tests/test_example_plans.py`` checks that the
committed tables are what this script writes.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SOURCE = HERE / "sources" / "plan_outcomes.csv"
GEO = "安徽省"
REPORT_GROUPS = ("安徽省年度政府工作报告目标与实绩", "安徽省2020年政府工作报告年度目标")

# indicator -> (pillar, name_en, unit, measure, direction of its targets)
NAMES_ZH = {
    "gdp_growth": "地区生产总值增速", "industry_va_growth": "规上工业增加值增速",
    "fai_growth": "固定资产投资增速", "retail_growth": "社会消费品零售总额增速",
    "trade_growth": "进出口总额增速", "new_urban_jobs": "城镇新增就业",
    "cpi": "居民消费价格涨幅", "budget_revenue_growth": "一般公共预算收入增速",
}
INDICATORS = {
    "gdp_growth": ("growth", "GDP growth, constant prices", "%", "growth", "at_least"),
    "industry_va_growth": ("growth", "Value added of industry above designated size, growth",
                           "%", "growth", "at_least"),
    "fai_growth": ("demand", "Fixed-asset investment growth", "%", "growth", "at_least"),
    "retail_growth": ("demand", "Retail sales of consumer goods, growth", "%", "growth",
                      "at_least"),
    "trade_growth": ("demand", "Imports and exports, growth", "%", "growth", "at_least"),
    "new_urban_jobs": ("people", "New urban jobs", "万人", "amount", "at_least"),
    "cpi": ("people", "Consumer price index, rise", "%", "growth", "at_most"),
    "budget_revenue_growth": ("people", "General public budget revenue, growth", "%", "growth",
                              "at_least"),
}
PERIOD_SUFFIX = {"_q1": "Q1", "_h1": "H1"}
PILLARS = [
    ("growth", "经济增长", "Economic growth", "地区生产总值与规上工业增加值增速",
     "GDP and industrial value-added growth", 1),
    ("demand", "投资、消费与外贸", "Investment, consumption and trade",
     "固定资产投资、社会消费品零售总额、进出口总额增速",
     "Growth of fixed-asset investment, retail sales and foreign trade", 2),
    ("people", "就业、物价与财政", "Jobs, prices and public revenue",
     "城镇新增就业、居民消费价格涨幅、一般公共预算收入增速",
     "New urban jobs, consumer-price rise, budget revenue growth", 3),
]


def _rows() -> list[tuple[int, dict[str, str]]]:
    with open(SOURCE, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        out = []
        for row in reader:
            out.append((reader.line_num, row))
        return out


def _split(indicator: str) -> tuple[str, str]:
    for suffix, period in PERIOD_SUFFIX.items():
        if indicator.endswith(suffix) and indicator[: -len(suffix)] in INDICATORS:
            return indicator[: -len(suffix)], period
    return indicator, ""


def _num(text: str) -> str:
    v = float(text)
    return str(int(v)) if v.is_integer() else str(v)


def build() -> dict[str, list[list[str]]]:
    rows = _rows()
    obs: dict[tuple[str, int, str], list[str]] = {}
    names_zh = NAMES_ZH
    for line, r in rows:
        if r["geography"] != GEO or r["role"] != "actual":
            continue
        ind, period = _split(r["indicator"])
        if ind not in INDICATORS:
            continue
        key = (ind, int(r["year"]), period)
        if key in obs:
            raise SystemExit(f"{SOURCE.name}:{line}: a second figure for {key}; "
                             "choose one vintage by hand")
        unit = INDICATORS[ind][2]
        if r["unit"] != unit:
            raise SystemExit(f"{SOURCE.name}:{line}: unit {r['unit']!r}, expected {unit!r}")
        obs[key] = [ind, GEO, r["year"], period, _num(r["value"]), unit, r["status"],
                    f"{r['url']} (sources/plan_outcomes.csv line {line})", r["excerpt_zh"]]
    targets = []
    for line, r in rows:
        if r["geography"] != GEO or r["role"] != "target":
            continue
        if not r["plan"].startswith(REPORT_GROUPS) or r["indicator"] not in INDICATORS:
            continue
        ind, year = r["indicator"], int(r["year"])
        if (ind, year, "") not in obs:
            continue  # no published outcome in the file: not decided, left out
        pillar, name_en, unit, _, direction = INDICATORS[ind]
        word = "不高于" if direction == "at_most" else ""
        en_word = "at most " if direction == "at_most" else ""
        zh_name = names_zh[ind]
        value = _num(r["value"])
        targets.append([
            f"{ind}_{year}", ind, GEO, pillar, f"{year}年{zh_name}{word}{value}{unit}",
            f"{year}: {name_en} {en_word}{value} {unit}".replace(" %", "%"),
            unit, "workpoint", direction, value, "", "", str(year - 1), str(year), "",
            f"{year}年政府工作报告", r["excerpt_zh"], "安徽省人民政府",
            f"Target as stated in the {year} work report (sources/plan_outcomes.csv line "
            f"{line}; {r['url']}); read as {'≤' if direction == 'at_most' else '≥'} {value}.",
        ])
    indicators = []
    for ind, (_, name_en, unit, measure, _) in INDICATORS.items():
        if any(k[0] == ind for k in obs):
            indicators.append([ind, names_zh[ind], name_en, unit, measure,
                               "Anhui Province; figures as published in the sources "
                               "(first releases and bulletins)."])
    used_pillars = {t[3] for t in targets}
    return {
        "pillars": [["pillar", "name_zh", "name_en", "description_zh", "description_en",
                     "order"]] + [list(map(str, p)) for p in PILLARS if p[0] in used_pillars],
        "indicators": [["indicator_id", "name_zh", "name_en", "unit", "measure",
                        "description"]] + indicators,
        "targets": [["target_id", "indicator_id", "geography", "pillar", "name_zh", "name_en",
                     "unit", "kind", "direction", "threshold", "threshold_high", "rule",
                     "period_start", "target_year", "benchmark", "section", "quote_zh",
                     "responsible_units", "note"]] + sorted(targets, key=lambda t: (t[3], t[0])),
        "observations": [["indicator_id", "geography", "year", "period", "value", "unit",
                          "status", "source", "note"]]
        + [obs[k] for k in sorted(obs, key=lambda k: (k[0], k[1], k[2]))],
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
