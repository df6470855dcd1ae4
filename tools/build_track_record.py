"""Build the track record of past plans (``qcplan/resources/track_record/``) from its sources.

Two steps, both reproducible (``python tools/build_track_record.py`` rewrites the same bytes):

1. ``sources/plan_outcomes.csv`` is converted from the repository's shared table of past plans'
   targets and outcomes (``--shared``, default ``../shared/data/plan_outcomes.csv``) into the
   track record's row format (``sources/README.md``): every row except those of the national
   13th five-year plan (held out for checking), each with its excerpt copied verbatim. Skipped
   when the shared table is not there (the committed conversion stays).
2. Every ``sources/*.csv`` becomes the tables the model reads:

   - ``targets.csv``: one row per decided target (a ``target`` row and an ``actual`` row with the
     same plan, geography, indicator and year) with its features and its outcome (``met`` 1/0);
   - ``series.csv``: every figure (``actual`` and ``history`` rows) with the date it became known;
   - ``trend.csv``: the trend's P(reach) of each decided target at each judging date, computed by
     qcplan's own assessment (:mod:`qcplan.model.assess`) on the figures known then (annual plans:
     at the start of the target year; multi-year plans: at the end of each of the last three
     years before the target year that fall in the plan period).

The national 13th and 14th five-year plans never enter the tables (a row of theirs is an error).
"""

from __future__ import annotations

import argparse
import csv
import io
import math
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qcplan.model.outside_view import (  # noqa: E402
    COLUMNS,
    HELD_OUT_PLAN_IDS,
    TRACK_RECORD_DIR,
    met_of,
)

SHARED = ROOT.parent / "shared" / "data" / "plan_outcomes.csv"
NATIONAL_13TH = "全国“十三五”规划纲要"

# shared plan name (prefix) -> plan_id, plan_zh, issuer, level, plan_type, plan_start
PLANS: list[tuple[str, tuple[str, str, str, str, str, int]]] = [
    ("安徽省十三五规划", ("anhui_fyp13", "安徽省国民经济和社会发展第十三个五年规划纲要", "安徽省",
                          "provincial", "five_year", 2016)),
    ("安徽省2020年政府工作报告", ("anhui_gwr_2020", "安徽省2020年政府工作报告", "安徽省",
                                  "provincial", "annual", 2020)),
    ("安徽省新型城镇化发展规划", ("anhui_urbanization_2016",
                                  "安徽省新型城镇化发展规划(2016-2025年)", "安徽省", "provincial",
                                  "special", 2016)),
    ("安徽省实施长三角一体化发展规划", ("anhui_yrd_2021",
                                        "安徽省实施长三角一体化发展规划“十四五”行动方案",
                                        "安徽省", "provincial", "special", 2021)),
    ("安徽省“十四五”民生领域进展", ("anhui_fyp14_progress", "安徽省“十四五”民生领域进展(发布会)",
                                     "安徽省", "provincial", "five_year", 2021)),
    ("安徽省“十三五”卫生与健康规划", ("anhui_health_fyp13",
                                      "安徽省“十三五”卫生与健康规划(征求意见稿)", "安徽省",
                                      "provincial", "special", 2016)),
    ("中共安徽省第十一次代表大会", ("anhui_congress11", "中共安徽省第十一次代表大会今后五年目标",
                                    "安徽省", "provincial", "special", 2022)),
    ("中原城市群发展规划安徽省实施方案", ("anhui_central_plains_2016",
                                          "中原城市群发展规划安徽省实施方案", "安徽省",
                                          "provincial", "special", 2016)),
    ("亳州市“十四五”生态环境目标", ("bozhou_eco_fyp14", "亳州市“十四五”生态环境保护规划",
                                     "亳州市", "city", "five_year", 2021)),
    ("亳州市年度实绩", ("bozhou_figures", "亳州市年度实绩(无对应规划目标)", "亳州市", "city",
                        "special", 2021)),
    ("亳州市建设四化协调发展先行区实施意见", ("bozhou_four_modernizations_2014",
                                              "亳州市建设四化协调发展先行区实施意见(亳政办〔2014〕12号)",
                                              "亳州市", "city", "special", 2014)),
    ("安徽省空气质量", ("anhui_air_2021", "安徽省空气质量(参考)", "安徽省", "provincial", "special",
                        2021)),
    ("谯城区2019年", ("qiaocheng_gwr_2019", "谯城区2019年经济社会发展预期目标", "谯城区", "county",
                      "annual", 2019)),
    ("谯城区2023年", ("qiaocheng_gwr_2023", "谯城区2023年政府工作报告", "谯城区", "county",
                      "annual", 2023)),
    ("谯城区2025年", ("qiaocheng_gwr_2025", "谯城区2025年政府工作报告", "谯城区", "county",
                      "annual", 2025)),
]
PROVINCE_SLUG = {"广东省": "guangdong", "海南省": "hainan", "河北省": "hebei",
                 "宁夏回族自治区": "ningxia", "云南省": "yunnan", "贵州省": "guizhou",
                 "天津市": "tianjin"}

# shared indicator -> indicator_id, domain, measure (unlisted: same id, economy, by unit)
INDICATORS: dict[str, tuple[str, str, str]] = {
    "gdp_level": ("gdp", "economy", "amount"),
    "gdp_growth": ("gdp_growth", "economy", "growth"),
    "gdp_avg_growth": ("gdp_growth", "economy", "growth"),
    "gdp_avg_growth_2016_2019": ("gdp_growth_avg_2016_2019", "economy", "growth"),
    "gdp_avg_growth_2016_2018": ("gdp_growth_avg_2016_2018", "economy", "growth"),
    "urbanization_rate": ("urbanization_rate", "social", "share"),
    "hukou_urbanization_rate": ("hukou_urbanization_rate", "social", "share"),
    "gdp_per_capita": ("gdp_per_capita", "economy", "amount"),
    "tertiary_share": ("tertiary_share", "economy", "share"),
    "resident_population": ("population", "social", "amount"),
    "high_tech_enterprises": ("high_tech_enterprises", "innovation", "count"),
    "invention_patents_per_10k": ("invention_patents_per_10k", "innovation", "rate"),
    "sei_output_share": ("sei_output_share", "economy", "share"),
    "sei_output_share_increase": ("sei_output_share_increase", "economy", "rate"),
    "sei_output_avg_growth": ("sei_output_growth", "economy", "growth"),
    "hightech_va_avg_growth": ("hightech_va_growth", "innovation", "growth"),
    "fai_growth": ("fai_growth", "economy", "growth"),
    "retail_growth": ("retail_growth", "economy", "growth"),
    "trade_growth": ("trade_growth", "economy", "growth"),
    "industry_va_growth": ("industry_va_growth", "economy", "growth"),
    "fiscal_revenue_growth": ("fiscal_revenue_growth", "fiscal", "growth"),
    "fiscal_revenue": ("fiscal_revenue", "fiscal", "amount"),
    "budget_revenue_growth": ("budget_revenue_growth", "fiscal", "growth"),
    "budget_revenue": ("budget_revenue", "fiscal", "amount"),
    "urban_income_growth": ("urban_income_growth", "social", "growth"),
    "rural_income_growth": ("rural_income_growth", "social", "growth"),
    "urban_income": ("urban_income", "social", "amount"),
    "rural_income": ("rural_income", "social", "amount"),
    "disposable_income": ("resident_income", "social", "amount"),
    "new_urban_jobs": ("new_urban_jobs", "social", "count"),
    "new_urban_jobs_cum_14fyp": ("new_urban_jobs_cumulative", "social", "count"),
    "cpi": ("cpi", "economy", "growth"),
    "surveyed_unemployment": ("urban_surveyed_unemployment_rate", "social", "share"),
    "rd_intensity": ("rd_share", "innovation", "share"),
    "rd_spending": ("rd_spending", "innovation", "amount"),
    "rd_spending_avg_growth": ("rd_spending_growth", "innovation", "growth"),
    "rd_spending_growth": ("rd_spending_growth", "innovation", "growth"),
    "enterprise_rd_spending": ("enterprise_rd_spending", "innovation", "amount"),
    "new_high_tech_enterprises": ("high_tech_enterprises_new", "innovation", "count"),
    "new_tech_smes": ("tech_smes_new", "innovation", "count"),
    "manufacturing_share": ("manufacturing_share", "economy", "share"),
    "industrialization_rate": ("industrialization_rate", "economy", "share"),
    "broadband_users": ("broadband_users", "infrastructure", "count"),
    "grain_capacity": ("grain_capacity", "other", "amount"),
    "rail_density": ("rail_density", "infrastructure", "rate"),
    "expressway_density": ("expressway_density", "infrastructure", "rate"),
    "crossborder_water_ok_rate": ("crossborder_water_ok_share", "environment", "share"),
    "life_expectancy": ("life_expectancy", "social", "rate"),
    "gps_per_10k": ("gps_per_10k", "social", "rate"),
    "nurses_per_1000": ("nurses_per_1000", "social", "rate"),
    "physicians_per_1000_change_vs_2020": ("physicians_per_1000_change", "social", "growth"),
    "beds_per_1000_change_vs_2020": ("beds_per_1000_change", "social", "growth"),
    "childcare_places_per_1000": ("childcare_places_per_1000", "social", "rate"),
    "elderly_care_beds": ("elderly_care_beds", "social", "count"),
    "high_tech_output": ("high_tech_output", "innovation", "amount"),
    "high_tech_output_growth": ("high_tech_output_growth", "innovation", "growth"),
    "new_above_scale_firms": ("above_scale_firms_new", "economy", "count"),
    "industrial_investment_growth": ("industrial_investment_growth", "economy", "growth"),
    "tourism_revenue": ("tourism_revenue", "economy", "amount"),
    "major_projects_count": ("major_projects", "infrastructure", "count"),
    "major_projects_investment": ("major_projects_investment", "infrastructure", "amount"),
    "non_fossil_energy_share": ("non_fossil_energy_share", "environment", "share"),
    "ev_chargers": ("ev_chargers", "infrastructure", "count"),
    "pm25_annual": ("pm25", "environment", "rate"),
    "air_good_days_ratio": ("good_air_days_share", "environment", "share"),
    "heavy_pollution_days": ("heavy_pollution_days", "environment", "count"),
    "national_water_sections_good_ratio": ("surface_water_good_share", "environment", "share"),
    "retail_level": ("retail_sales", "economy", "amount"),
    "trade_level": ("trade_value", "economy", "amount"),
}
# indicators whose targets are ceilings (kept at or below)
AT_MOST = {"cpi", "urban_surveyed_unemployment_rate", "pm25", "heavy_pollution_days"}
# in-year figures: another indicator id (the year's part), never the year's outcome
IN_YEAR_SUFFIX = ("_q1", "_h1", "_jan_sep")
QUALIFIERS = ("力争", "不少于", "不低于", "以上", "以内", "以下", "左右", "突破", "超过", "高于",
              "低于", "同步", "about", "more than", "within", "at least")
# shared rows whose reading needs a word (keyed by (plan_id, indicator_id, year, value))
NOTES = {
    ("qiaocheng_gwr_2025", "major_projects", 2025, "85"):
        "figure 'so far' (截至目前) during the year, not the year's outcome: kept as history",
    ("qiaocheng_gwr_2025", "major_projects_investment", 2025, "80"):
        "figure 'so far' (截至目前) during the year, not the year's outcome: kept as history",
}
# shared rows left out (keyed as NOTES): why
SKIP = {
    ("anhui_gwr_2019", "gdp_growth", 2019, "8.0"):
        "upper end of the range 7.5-8.0; the target row keeps the lower end 7.5",
}


def plan_of(name: str, geography: str) -> tuple[str, str, str, str, str, int]:
    m = re.match(r"安徽省年度政府工作报告目标与实绩\((\d{4})年\)", name)
    if m:
        y = int(m.group(1))
        return (f"anhui_gwr_{y}", f"安徽省{y}年政府工作报告", "安徽省", "provincial", "annual", y)
    if name.startswith("各省“十三五”规划建议"):
        slug = PROVINCE_SLUG[geography]
        return (f"{slug}_fyp13_proposal", f"{geography}“十三五”规划建议", geography, "provincial",
                "five_year", 2016)
    for prefix, plan in PLANS:
        if name.startswith(prefix):
            return plan
    raise SystemExit(f"{SHARED.name}: plan {name!r} has no plan_id in tools/build_track_record.py")


def qualifier_of(excerpt: str, value: str) -> str:
    """The softening or hardening word printed next to the number, verbatim ("" if none)."""
    text = excerpt
    for m in re.finditer(re.escape(value) + r"(?![0-9])", text):
        before, after = text[max(0, m.start() - 8):m.start()], text[m.end():m.end() + 8]
        for q in QUALIFIERS:
            if q in after[:4] or q in before:
                return q
    for q in QUALIFIERS:
        if q in text:
            return q
    return ""


def convert_shared(shared: Path) -> list[dict[str, str]]:
    """The shared table's rows (without the national 13th plan) in the track record's format."""
    with open(shared, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if NATIONAL_13TH not in r["plan"]]
    out: list[dict[str, str]] = []
    targets = set()
    for r in rows:
        plan = plan_of(r["plan"], r["geography"])
        ind, _, _ = INDICATORS.get(r["indicator"], (r["indicator"], "economy", "amount"))
        if r["role"] == "target":
            targets.add((plan[0], r["geography"], ind, r["year"]))
    for r in rows:
        plan_id, plan_zh, issuer, level, plan_type, start = plan_of(r["plan"], r["geography"])
        ind, domain, measure = INDICATORS.get(r["indicator"], (r["indicator"], "economy",
                                                                "amount"))
        key = (plan_id, ind, int(r["year"]), r["value"])
        if key in SKIP:
            continue
        note = NOTES.get(key, "")
        role = r["role"]
        in_year = r["indicator"].endswith(IN_YEAR_SUFFIX)
        if role == "actual" and (note or in_year or (plan_id, r["geography"], ind, r["year"])
                                 not in targets):
            role = "history"
        form = direction = qualifier = ""
        if role == "target":
            kind = r["target_kind"]
            direction = "at_most" if ind in AT_MOST else "at_least"
            if ind in AT_MOST:
                form = "ceiling"
            elif kind == "annual_growth":
                form = "annual_growth"
            elif kind == "avg_growth":
                form = "average_growth"
            else:
                form = "level"
            qualifier = qualifier_of(r["excerpt_zh"], r["value"])
        base_year = r["base_year"] if role == "target" and plan_type != "annual" else ""
        out.append({
            "plan_id": plan_id, "plan_zh": plan_zh, "issuer": issuer, "level": level,
            "plan_type": plan_type, "plan_start": str(start), "geography": r["geography"],
            "indicator_id": ind, "indicator_zh": r["indicator_zh"], "domain": domain,
            "unit": r["unit"], "measure": measure, "role": role, "year": r["year"],
            "value": r["value"], "target_form": form, "direction": direction,
            "qualifier": qualifier, "obligation": "", "base_year": base_year, "base_value": "",
            "status": "official" if r["status"] == "official" else "preliminary",
            "published": "", "url": r["url"], "excerpt_zh": r["excerpt_zh"],
            "note": "; ".join(filter(None, [note, f"from the shared plan_outcomes.csv: plan "
                                            f"{r['plan']}, indicator {r['indicator']}"])),
        })
    return out


def write_csv(path: Path, columns: list[str] | tuple[str, ...], rows: list[dict]) -> None:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({c: r.get(c, "") for c in columns})
    path.write_bytes(buf.getvalue().encode("utf-8"))


def read_sources(src_dir: Path) -> list[dict[str, str]]:
    rows = []
    for path in sorted(src_dir.glob("*.csv")):
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise SystemExit(f"{path}: missing columns {', '.join(missing)}")
            for i, r in enumerate(reader, start=2):
                if r["plan_id"] in HELD_OUT_PLAN_IDS:
                    raise SystemExit(f"{path} line {i}: plan {r['plan_id']} is held out")
                try:
                    float(r["value"])
                except ValueError:
                    raise SystemExit(f"{path} line {i}, column value: {r['value']!r} — expected "
                                     "a number") from None
                r["source"] = f"{path.name}:{i}"
                rows.append(r)
    return rows


def known_date(r: dict[str, str]) -> str:
    """When a figure became known: its page's date, else the first of March after its year."""
    p = r.get("published", "")
    if re.match(r"^\d{4}-\d{2}-\d{2}$", p):
        return p
    if re.match(r"^\d{4}-\d{2}$", p):
        return p + "-28"
    if re.match(r"^\d{4}$", p):
        return p + "-12-31"
    return f"{int(r['year']) + 1}-03-01"


SERIES_COLUMNS = ("geography", "indicator_id", "unit", "measure", "year", "value", "status",
                  "known", "plan_id", "role", "source")
TARGET_COLUMNS = ("target_key", "plan_id", "plan_zh", "issuer", "level", "plan_type",
                  "plan_start", "geography", "indicator_id", "indicator_zh", "domain", "unit",
                  "measure", "target_form", "direction", "qualifier", "obligation", "year",
                  "horizon", "target", "outcome", "met", "hist_n", "needed_pace",
                  "observed_pace", "pace_gap", "target_source", "actual_source")
TREND_COLUMNS = ("target_key", "as_of_year", "years_left", "hist_n", "trend_p")


def _fmt(v: float, nd: int = 4) -> str:
    if v is None or not math.isfinite(v):
        return ""
    s = f"{v:.{nd}f}".rstrip("0").rstrip(".")
    return "0" if s in ("-0", "") else s


def build_series(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    out = []
    for r in rows:
        if r["role"] not in ("actual", "history"):
            continue
        out.append({"geography": r["geography"], "indicator_id": r["indicator_id"],
                    "unit": r["unit"], "measure": r["measure"], "year": r["year"],
                    "value": r["value"], "status": r["status"], "known": known_date(r),
                    "plan_id": r["plan_id"], "role": r["role"], "source": r["source"]})
    out.sort(key=lambda s: (s["geography"], s["indicator_id"], int(s["year"]), s["known"],
                            s["source"]))
    return out


def history_known(series: list[dict[str, str]], geography: str, indicator: str, unit: str,
                  upto_year: int) -> dict[int, float]:
    """One figure per year of a series up to ``upto_year`` (official before preliminary, then the
    latest known; figures of other units left out)."""
    by_year: dict[int, tuple[tuple, float]] = {}
    for s in series:
        if (s["geography"], s["indicator_id"], s["unit"]) != (geography, indicator, unit):
            continue
        y = int(s["year"])
        if y > upto_year:
            continue
        rank = (s["status"] == "official", s["known"])
        if y not in by_year or rank > by_year[y][0]:
            by_year[y] = (rank, float(s["value"]))
    return {y: v for y, (_, v) in sorted(by_year.items())}


def pace(t: dict[str, str], hist: dict[int, float]) -> tuple[float, float, float]:
    """(needed, observed, gap) per year at the plan's start, in pp (growth forms and shares) or %
    a year (levels); gap > 0: the target asks more than the recent pace; nan without history."""
    nan = (math.nan, math.nan, math.nan)
    if not hist:
        return nan
    years = sorted(hist)
    form, thr, y = t["target_form"], float(t["value"]), int(t["year"])
    sign = -1.0 if t["direction"] == "at_most" else 1.0
    if form in ("annual_growth", "ceiling", "average_growth") or t["measure"] in (
            "growth", "reduction"):
        recent = [hist[k] for k in years[-3:]]
        obs = sum(recent) / len(recent)
        return thr, obs, sign * (thr - obs)
    if len(years) < 2:
        return nan
    last_y, last = years[-1], hist[years[-1]]
    first_y = years[max(0, len(years) - 5)]
    first = hist[first_y]
    n_left = y - last_y
    if n_left <= 0 or last_y == first_y:
        return nan
    if t["measure"] == "share" or last <= 0 or first <= 0 or thr <= 0:
        need = (thr - last) / n_left
        obs = (last - first) / (last_y - first_y)
    else:
        need = ((thr / last) ** (1 / n_left) - 1) * 100
        obs = ((last / first) ** (1 / (last_y - first_y)) - 1) * 100
    return need, obs, sign * (need - obs)


def build_targets(rows: list[dict[str, str]], series: list[dict[str, str]]) -> list[dict]:
    actuals: dict[tuple, dict[str, str]] = {}
    for r in rows:
        if r["role"] == "actual":
            actuals.setdefault((r["plan_id"], r["geography"], r["indicator_id"], r["year"]), r)
    out = []
    for t in rows:
        if t["role"] != "target":
            continue
        a = actuals.get((t["plan_id"], t["geography"], t["indicator_id"], t["year"]))
        if a is None:
            continue
        start = int(t["plan_start"])
        hist = history_known(series, t["geography"], t["indicator_id"], t["unit"], start - 1)
        need, obs, gap = pace(t, hist)
        horizon = int(t["year"]) - start + 1
        out.append({
            "target_key": f"{t['plan_id']}:{t['geography']}:{t['indicator_id']}:{t['year']}",
            **{c: t[c] for c in ("plan_id", "plan_zh", "issuer", "level", "plan_type",
                                 "plan_start", "geography", "indicator_id", "indicator_zh",
                                 "domain", "unit", "measure", "target_form", "direction",
                                 "qualifier", "obligation", "year")},
            "horizon": str(horizon), "target": t["value"], "outcome": a["value"],
            "met": str(met_of(float(a["value"]), float(t["value"]), t["direction"])),
            "hist_n": str(len(hist)), "needed_pace": _fmt(need), "observed_pace": _fmt(obs),
            "pace_gap": _fmt(gap), "target_source": t["source"], "actual_source": a["source"],
        })
    out.sort(key=lambda r: r["target_key"])
    return out


def judging_years(t: dict[str, str]) -> list[int]:
    """The years whose end is a judging date: annual plans the year before the target year;
    others the last three years before it within the plan period (at least the first)."""
    y, start = int(t["year"]), int(t["plan_start"])
    if t["plan_type"] == "annual" or y - start < 1:
        return [y - 1]
    return [k for k in (y - 3, y - 2, y - 1) if k >= start] or [start]


def build_trend(targets: list[dict], series: list[dict[str, str]], n_sims: int = 2000
                ) -> list[dict]:
    """The trend's P(reach) at each judging date, from qcplan's assessment of a plan folder
    holding the target and the figures of its series (see :func:`trend_probability`)."""
    from qcplan.model.outside_view import trend_probability

    out = []
    with tempfile.TemporaryDirectory() as tmp:
        for t in targets:
            for as_of in judging_years(t):
                hist = history_known(series, t["geography"], t["indicator_id"], t["unit"], as_of)
                p = trend_probability(t, hist, as_of, Path(tmp), n_sims=n_sims)
                out.append({"target_key": t["target_key"], "as_of_year": str(as_of),
                            "years_left": str(int(t["year"]) - as_of), "hist_n": str(len(hist)),
                            "trend_p": _fmt(p, 3)})
    return out


def build(out_dir: Path, shared: Path | None = SHARED, trend: bool = True) -> dict[str, int]:
    """Write the sources' conversion (when ``shared`` exists) and the tables into ``out_dir``."""
    src = out_dir / "sources"
    src.mkdir(parents=True, exist_ok=True)
    if shared is not None and shared.is_file():
        write_csv(src / "plan_outcomes.csv", COLUMNS, convert_shared(shared))
    rows = read_sources(src)
    series = build_series(rows)
    targets = build_targets(rows, series)
    write_csv(out_dir / "series.csv", SERIES_COLUMNS, series)
    write_csv(out_dir / "targets.csv", TARGET_COLUMNS, targets)
    counts = {"rows": len(rows), "series": len(series), "targets": len(targets)}
    if trend:
        tr = build_trend(targets, series)
        write_csv(out_dir / "trend.csv", TREND_COLUMNS, tr)
        counts["trend"] = len(tr)
    return counts


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=TRACK_RECORD_DIR)
    ap.add_argument("--shared", type=Path, default=SHARED)
    ap.add_argument("--no-trend", action="store_true")
    a = ap.parse_args(argv)
    if a.out != TRACK_RECORD_DIR and not (a.out / "sources").is_dir():
        import shutil

        shutil.copytree(TRACK_RECORD_DIR / "sources", a.out / "sources")
    counts = build(a.out, a.shared, trend=not a.no_trend)
    print(", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
