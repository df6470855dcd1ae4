"""Write the example plan's four tables from the copies of the shared source files in
``sources/`` (published figures and targets only; nothing typed in by hand but the choice of
rows and the ids).

The example is 谯城区's yearly main expected targets (政府工作报告 主要预期目标) of 2025, with the
responsible and co-operating units of the 重点工作任务分解表 (2025-03-28), the in-year figures the
district published against them (Q1, H1, January–September) and the prior year's outcomes
(2024 预计), beside the district's 2019 targets (no outcome found).

- **targets**: rows of ``sources/real_targets_2026.csv`` (:data:`TARGETS` names the lines); the
  target's ``quote_zh`` is the row's ``target_text`` verbatim, ``note`` names the line and page;
  ``responsible_units`` the lead units, ``cooperating_units`` the units after ``协同:``.
- **indicators**: a growth rate ``X_growth`` beside its level ``X`` (the 序时进度 view shows the
  level of the same months beside the rate);
- **observations**: rows of ``sources/real_figures_2026.csv`` (``rf``) and passages of
  ``sources/public_sources_excerpts.md`` (``md``; :data:`FIGURES` names them); ``source`` is the
  page and the file's line, ``note`` the excerpt verbatim. The script checks that each value is
  written in its excerpt.

Run from the repository root::

    .venv/bin/python examples/qiaocheng_2025_targets/scripts/build_tables.py

The output is the same from run to run; ``tests/test_example_plans.py`` checks that the
committed tables are what this script writes and that every figure is in its excerpt.
"""

from __future__ import annotations

import csv
import io
import re
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]
SOURCES = HERE / "sources"
TARGETS_FILE = SOURCES / "real_targets_2026.csv"
FIGURES_FILE = SOURCES / "real_figures_2026.csv"
EXCERPTS_FILE = SOURCES / "public_sources_excerpts.md"
GEO = "谯城区(不含高新区)"  # the series of the district's in-year reports (coverage unclear)
GEO_2019 = "谯城区"  # coverage not stated

# indicator -> (name_zh, name_en, unit, unit_en, measure, pillar)
INDICATORS = {
    "gdp_growth": ("地区生产总值增速(可比价)", "GDP growth, constant prices", "%", "%", "growth",
                   "growth"),
    "gdp": ("地区生产总值", "Gross domestic product", "亿元", "hundred million yuan", "amount",
            "growth"),
    "industry_va_growth": ("规模以上工业增加值增速", "Growth of value added of industry above "
                           "designated size", "%", "%", "growth", "growth"),
    "fai_growth": ("固定资产投资增速", "Fixed-asset investment growth", "%", "%", "growth",
                   "demand"),
    "fai": ("固定资产投资", "Fixed-asset investment", "亿元", "hundred million yuan", "amount",
            "demand"),
    "retail_growth": ("社会消费品零售总额增速", "Retail sales of consumer goods, growth", "%",
                      "%", "growth", "demand"),
    "retail": ("社会消费品零售总额", "Retail sales of consumer goods", "亿元",
                     "hundred million yuan", "amount", "demand"),
    "budget_revenue_growth": ("一般公共预算收入增速", "General public budget revenue, growth",
                              "%", "%", "growth", "people"),
    "budget_revenue": ("一般公共预算收入", "General public budget revenue", "亿元",
                       "hundred million yuan", "amount", "people"),
    "urban_income_growth": ("城镇常住居民人均可支配收入增速", "Per-capita disposable income of "
                            "urban residents, growth", "%", "%", "growth", "people"),
    "rural_income_growth": ("农村常住居民人均可支配收入增速", "Per-capita disposable income of "
                            "rural residents, growth", "%", "%", "growth", "people"),
    "fiscal_revenue_growth": ("财政收入增速", "Fiscal revenue growth", "%", "%", "growth",
                              "people"),
    "industrial_investment_growth": ("工业投资增速", "Industrial investment growth", "%", "%",
                                     "growth", "demand"),
}
# line of real_targets_2026.csv -> (indicator, geography)
TARGETS = {
    2: "gdp_growth", 3: "budget_revenue_growth", 4: "fai_growth", 5: "retail_growth",
    6: "industry_va_growth", 7: "urban_income_growth", 8: "rural_income_growth",
    19: "gdp_growth", 20: "fiscal_revenue_growth", 21: "urban_income_growth",
    22: "rural_income_growth", 26: "industrial_investment_growth",
}
# (indicator, year, period, measure, value, status, file, line)
FIGURES = [
    ("gdp", 2024, "", "", "593", "preliminary", "md", 68),
    ("gdp_growth", 2024, "", "", "6.5", "preliminary", "md", 68),
    ("budget_revenue", 2024, "", "", "32.3", "preliminary", "md", 68),
    ("fai_growth", 2024, "", "", "7.1", "preliminary", "md", 68),
    ("industry_va_growth", 2024, "", "", "8", "preliminary", "md", 68),
    ("gdp", 2025, "Q1", "ytd", "155.4", "preliminary", "md", 65),
    ("gdp_growth", 2025, "Q1", "ytd_growth", "6.2", "preliminary", "md", 65),
    ("fai_growth", 2025, "Q1", "ytd_growth", "8.5", "preliminary", "md", 65),
    ("retail", 2025, "Q1", "ytd", "94.4", "preliminary", "rf", 14),
    ("gdp", 2025, "M06", "ytd", "307.6", "preliminary", "rf", 2),
    ("gdp_growth", 2025, "M06", "ytd_growth", "5.3", "preliminary", "rf", 3),
    ("fai", 2025, "M09", "ytd", "120.7", "preliminary", "rf", 4),
    ("fai_growth", 2025, "M09", "ytd_growth", "6.2", "preliminary", "rf", 5),
]
PILLARS = [
    ("growth", "经济增长", "Economic growth", "地区生产总值、规上工业增加值",
     "GDP and industrial value added", 1),
    ("demand", "投资与消费", "Investment and consumption",
     "固定资产投资、社会消费品零售总额、工业投资",
     "Fixed-asset investment, retail sales, industrial investment", 2),
    ("people", "财政与居民收入", "Public revenue and incomes", "财政收入、城乡居民人均可支配收入",
     "Public revenue, urban and rural incomes", 3),
]


def _csv_rows(path: Path) -> dict[int, dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        out = {}
        for row in reader:
            out[reader.line_num] = row  # the line the record ends on
        return out


def excerpt_of(file: str, line: int) -> tuple[str, str]:
    """(page, verbatim excerpt) of a figure's source."""
    if file == "rf":
        row = _csv_rows(FIGURES_FILE)[line]
        return row["source_url"], row["excerpt"]
    lines = EXCERPTS_FILE.read_text(encoding="utf-8").splitlines()
    head = next(lines[i] for i in range(line - 2, -1, -1) if lines[i].startswith("## ["))
    url = re.match(r"## \[E\d+\] (\S+)", head).group(1)
    return url, lines[line - 1]


def _units(text: str) -> tuple[str, str]:
    """'区发改委 (协同: A、B,C)' -> ('区发改委', 'A、B,C')."""
    m = re.match(r"^(.*?)\s*\(协同:\s*(.*)\)\s*$", text)
    if not m:
        return text.strip(), ""
    return m.group(1).strip(), m.group(2).strip()


def _num(text: str) -> str:
    v = float(text)
    return str(int(v)) if v.is_integer() else str(v)


def build() -> dict[str, list[list[str]]]:
    src = _csv_rows(TARGETS_FILE)
    targets = []
    for line, ind in TARGETS.items():
        r = src[line]
        year = int(r["target_year"])
        geo = GEO if year == 2025 else GEO_2019
        name_zh, name_en, unit, _, _, pillar = INDICATORS[ind]
        value = _num(r["threshold"])
        if r["unit"] != unit:
            raise SystemExit(f"{TARGETS_FILE.name}:{line}: unit {r['unit']!r}, expected {unit!r}")
        lead, coop = _units(r["responsible_units"])
        quote, said = r["target_text"], ""
        if quote.startswith("(same sentence"):  # the file's shorthand: the sentence above
            above = max(n for n in src if n < line and not src[n]["target_text"].startswith("("))
            quote, said = src[above]["target_text"], f" (sentence of line {above})"
        about = "左右" in quote
        targets.append([
            f"{ind}_{year}", ind, geo, pillar, f"{year}年{r['name_zh']}{value}{unit}"
            + ("左右" if about else "以上" if "以上" in quote else ""),
            f"{year}: {name_en} {value}%" + (" or so" if about else ""), unit, "growth",
            "at_least", value, "", "", str(year - 1), str(year),
            f"{year}年政府工作报告", quote, lead, coop,
            f"sources/real_targets_2026.csv line {line}{said}; {r['source_url']}. "
            + ("左右 read as ≥ the figure. " if about else "")
            + ("Geography as written 全区, coverage not stated: assessed on the series of the "
               "district's in-year reports (不含高新区, coverage unclear)." if year == 2025 else
               "Coverage not stated; no outcome found."),
        ])
    obs = []
    for ind, year, period, measure, value, status, file, line in FIGURES:
        url, excerpt = excerpt_of(file, line)
        if value not in excerpt:
            raise SystemExit(f"{file}:{line}: {value} is not in the excerpt {excerpt!r}")
        unit = "%" if measure == "ytd_growth" else INDICATORS[ind][2]
        name = {"rf": "real_figures_2026.csv", "md": "public_sources_excerpts.md"}[file]
        obs.append([ind, GEO, str(year), period, measure, value, unit, status,
                    f"{url} (sources/{name} line {line})", excerpt])
    used = {t[1] for t in targets} | {o[0] for o in obs}
    indicators = [[i, v[0], v[1], v[2], v[3], v[4], "谯城区; figures as published (see sources/)."]
                  for i, v in INDICATORS.items() if i in used]
    return {
        "pillars": [["pillar", "name_zh", "name_en", "description_zh", "description_en",
                     "order"]] + [list(map(str, p)) for p in PILLARS],
        "indicators": [["indicator_id", "name_zh", "name_en", "unit", "unit_en", "measure",
                        "description"]] + indicators,
        "targets": [["target_id", "indicator_id", "geography", "pillar", "name_zh", "name_en",
                     "unit", "kind", "direction", "threshold", "threshold_high", "rule",
                     "period_start", "target_year", "section", "quote_zh",
                     "responsible_units", "cooperating_units", "note"]]
        + sorted(targets, key=lambda t: (t[3], -int(t[13]), t[0])),
        "observations": [["indicator_id", "geography", "year", "period", "measure", "value",
                          "unit", "status", "source", "note"]]
        + sorted(obs, key=lambda o: (o[0], o[2], o[3])),
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
