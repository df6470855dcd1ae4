"""P(reach) judged on plans held out of the track record: trend only, class only, combined.

Input: a CSV in the format of the shared table of past plans (``plan, geography, indicator,
indicator_zh, year, value, unit, role, target_kind, base_year, status, url, excerpt_zh``; role
``target`` or ``actual``), for instance the national 13th and 14th five-year plans' main
indicators with their outcomes. A target is decided when the file has an ``actual`` row of the
same geography, indicator and unit in the target year, of any plan (official figures before
preliminary; for an average-growth target, an ``actual`` row of kind ``avg_growth``).

Each decided target is judged at the end of each year from the plan's start (the year after its
``base_year``; for a yearly target, the year before it) to the year before the target year, with
only the figures of those years and before (the file's ``actual`` rows of the same geography and
indicator, of any plan). Three forecasts:

- trend only: qcplan's own assessment of the target on the figures known then (the same
  one-target plan folder ``tools/build_track_record.py`` assesses for the track record); 0.5 where
  fewer than two figures were known;
- class only: the partially pooled rate of the target's class in the shipped outside view
  (:func:`qcplan.model.outside_view.shipped_view`, fitted on the track record, which never holds
  the national 13th and 14th five-year plans);
- combined: the shipped outside view's combination of the two.

As the assessment does for a plan, the outside view used for a plan leaves out the track record's
targets of the plan's own geographies (``--keep-own-geography`` keeps them).

Printed: every target-date with its three P's, the Brier score per plan and date (each target
weighing 1) and pooled (each target weighing 1, its dates sharing the weight), for the three
forecasts. ``--plan TEXT`` keeps the plans whose name contains TEXT. Exit 2 on a bad file.

    python bench/held_out_plans.py ../shared/data/plan_outcomes.csv --plan 全国“十三五”
"""

from __future__ import annotations

import argparse
import csv
import math
import re
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))

from build_track_record import (  # noqa: E402
    AT_MOST,
    INDICATORS,
    history_known,
    pace,
    qualifier_of,
    trend_probability,
)

from qcplan.model import outside_view as ovm  # noqa: E402

REQUIRED = ("plan", "geography", "indicator", "indicator_zh", "year", "value", "unit", "role",
            "target_kind", "base_year", "status", "url", "excerpt_zh")
KINDS = ("level", "share", "annual_growth", "avg_growth", "cumulative")


class BadInput(Exception):
    """The input file cannot be read as the shared table's format."""


def read_rows(path: Path) -> list[dict[str, str]]:
    """The file's rows, checked: required columns, role, year and value; BadInput names the row,
    column and what was expected."""
    if not path.is_file():
        raise BadInput(f"{path}: no such file")
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
            if missing:
                raise BadInput(f"{path}: missing column(s) {', '.join(missing)}; expected "
                               f"{', '.join(REQUIRED)}")
            rows = []
            for i, r in enumerate(reader, start=2):
                for col, ok, what in (
                        ("role", r["role"] in ("target", "actual"), "target or actual"),
                        ("year", bool(re.fullmatch(r"\d{4}", r["year"] or "")), "a year"),
                        ("value", _is_number(r["value"]), "a number"),
                        ("base_year", not r["base_year"] or bool(re.fullmatch(r"\d{4}",
                                                                              r["base_year"])),
                         "a year or blank"),
                        ("target_kind", r["role"] != "target" or r["target_kind"] in KINDS,
                         "one of " + ", ".join(KINDS))):
                    if not ok:
                        raise BadInput(f"{path} row {i}, column {col}: {r[col]!r} — expected "
                                       f"{what}")
                r["source"] = f"{path.name}:{i}"
                rows.append(r)
    except UnicodeDecodeError as e:
        raise BadInput(f"{path}: not UTF-8 text ({e.reason})") from None
    except csv.Error as e:
        raise BadInput(f"{path}: not a readable CSV ({e})") from None
    return rows


def _is_number(s: str) -> bool:
    try:
        return math.isfinite(float(s))
    except (TypeError, ValueError):
        return False


def _level(geography: str) -> str:
    if geography in ("全国", "中国", "China"):
        return "national"
    if geography.endswith(("省", "自治区")) or geography in ("北京市", "天津市", "上海市",
                                                             "重庆市"):
        return "provincial"
    if geography.endswith(("区", "县", "旗")):
        return "county"
    return "city"


def _plan_type(name: str) -> str:
    if re.search(r"五年|十[一二三四五六]五|\(20\d\d-20\d\d\)", name):
        return "five_year"
    if re.search(r"政府工作报告|年度", name):
        return "annual"
    return "special"


def targets_of(rows: list[dict[str, str]]) -> tuple[list[dict], list[dict[str, str]]]:
    """The decided targets in the track record's target format and the series of figures."""
    series, averages = [], []
    for r in rows:
        if r["role"] != "actual":
            continue
        ind = INDICATORS.get(r["indicator"], (r["indicator"], "", ""))[0]
        # a period's average growth decides an average-growth target; it is no year's figure
        (averages if r["target_kind"] == "avg_growth" else series).append(
            {"geography": r["geography"], "indicator_id": ind, "unit": r["unit"],
             "year": r["year"], "value": r["value"], "status": r["status"] or "official",
             "known": f"{int(r['year']) + 1}-03-01"})
    out = []
    names = dict.fromkeys(r["plan"] for r in rows)
    plan_ids = {name: f"plan{k + 1}" for k, name in enumerate(names)}
    for t in (r for r in rows if r["role"] == "target"):
        ind, domain, measure = INDICATORS.get(t["indicator"], (t["indicator"], "", ""))
        kind = t["target_kind"]
        if not domain:
            domain = ovm.domain_of(ind, t["indicator_zh"])
        if not measure:
            measure = {"share": "share", "annual_growth": "growth", "avg_growth": "growth"}.get(
                kind, "reduction" if re.search("降低|下降|减少", t["indicator_zh"]) else "amount")
        direction = "at_most" if ind in AT_MOST else "at_least"
        form = {"annual_growth": "annual_growth", "avg_growth": "average_growth"}.get(kind, "level")
        if ind in AT_MOST:
            form = "ceiling"
        elif kind == "cumulative":
            form = "cumulative_reduction" if measure == "reduction" else "cumulative_total"
        ptype = _plan_type(t["plan"])
        year = int(t["year"])
        start = int(t["base_year"]) + 1 if t["base_year"] and ptype != "annual" else year
        hist_now = history_known(averages if form == "average_growth" else series,
                                 t["geography"], ind, t["unit"], year)
        if year not in hist_now:
            continue  # not decided by the file
        row = {"target_key": f"{plan_ids[t['plan']]}:{t['geography']}:{ind}:{year}",
               "plan": t["plan"], "plan_type": ptype, "level": _level(t["geography"]),
               "plan_start": str(start), "geography": t["geography"], "indicator_id": ind,
               "indicator_zh": t["indicator_zh"], "domain": domain, "unit": t["unit"],
               "measure": measure, "target_form": form, "direction": direction,
               "qualifier": qualifier_of(t["excerpt_zh"], t["value"]), "year": str(year),
               "target": t["value"], "value": t["value"], "outcome": hist_now[year]}
        row["met"] = ovm.met_of(row["outcome"], float(t["value"]), direction)
        hist0 = history_known(series, t["geography"], ind, t["unit"], start - 1)
        row["pace_gap"] = pace(row, hist0)[2]
        out.append(row)
    return out, series


def judging_years(t: dict) -> list[int]:
    """The end of each year from the plan's start to the year before the target year (a yearly
    target, or one whose plan starts in its target year: the year before it)."""
    y, start = int(t["year"]), int(t["plan_start"])
    return list(range(start, y)) or [y - 1]


def judge(targets: list[dict], series: list[dict[str, str]], keep_own: bool,
          n_sims: int = 2000) -> pd.DataFrame:
    out = []
    views: dict[tuple[str, ...], ovm.OutsideView | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for t in targets:
            geos = () if keep_own else (t["geography"],)
            view = views.get(geos)
            if geos not in views:
                view = views[geos] = ovm.shipped_view(geos)
            if view is None:
                raise BadInput("the shipped track record is not there "
                               f"({ovm.TRACK_RECORD_DIR})")
            group = ovm.FORM_GROUPS.get(t["target_form"], "level")
            cls = view.class_rate(group, t["domain"], "unmarked", t["indicator_id"])
            for as_of in judging_years(t):
                hist = history_known(series, t["geography"], t["indicator_id"], t["unit"], as_of)
                p = trend_probability(t, hist, as_of, Path(tmp), n_sims=n_sims)
                comb = view.combine(p, cls.rate, t["pace_gap"], group,
                                    ovm.qualifier_group(t["qualifier"]))
                out.append({"plan": t["plan"], "target_key": t["target_key"],
                            "indicator": t["indicator_zh"], "target": t["target"],
                            "outcome": t["outcome"], "met": t["met"], "as_of_year": as_of,
                            "figures": len(hist), "trend_p": p,
                            "p_trend": p if np.isfinite(p) else 0.5,
                            "p_class": cls.rate, "p_combined": float(comb),
                            "ref_class": cls.key, "ref_n": cls.n})
    return pd.DataFrame(out)


COLS = (("trend", "p_trend"), ("class", "p_class"), ("combined", "p_combined"))


def brier(df: pd.DataFrame, col: str) -> float:
    w = 1.0 / df.groupby("target_key")["target_key"].transform("size").to_numpy(float)
    return float(np.sum(w * (df[col].to_numpy(float) - df["met"].to_numpy(float)) ** 2) / w.sum())


def report(df: pd.DataFrame) -> None:
    pd.set_option("display.width", 200)
    print("target-dates (P said at the end of as_of_year; trend 0.5 where fewer than two figures "
          "were known):")
    show = df[["indicator", "target", "outcome", "met", "as_of_year", "figures", "p_trend",
               "p_class", "p_combined", "ref_n"]]
    print(show.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(f"\n{'Brier score':<44} {'targets':>7} {'met':>5} " +
          " ".join(f"{n:>9}" for n, _ in COLS))
    for (plan, year), g in df.groupby(["plan", "as_of_year"]):
        print(f"{plan[:30] + ' @ end ' + str(year):<44} {g['target_key'].nunique():>7} "
              f"{g['met'].mean():>5.2f} " + " ".join(f"{brier(g, c):>9.3f}" for _, c in COLS))
    for plan, g in df.groupby("plan"):
        print(f"{plan[:30] + ', all dates':<44} {g['target_key'].nunique():>7} "
              f"{g.groupby('target_key')['met'].first().mean():>5.2f} " +
              " ".join(f"{brier(g, c):>9.3f}" for _, c in COLS))
    print(f"{'pooled':<44} {df['target_key'].nunique():>7} "
          f"{df.groupby('target_key')['met'].first().mean():>5.2f} " +
          " ".join(f"{brier(df, c):>9.3f}" for _, c in COLS))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv", type=Path, help="plan targets and outcomes (the shared table's format)")
    ap.add_argument("--plan", default="", help="keep the plans whose name contains this text")
    ap.add_argument("--keep-own-geography", action="store_true",
                    help="fit the outside view with the plan's own geographies' past targets")
    ap.add_argument("--n-sims", type=int, default=2000)
    a = ap.parse_args(argv)
    try:
        rows = [r for r in read_rows(a.csv) if a.plan in r["plan"]]
        if not rows:
            raise BadInput(f"{a.csv}: no row whose plan contains {a.plan!r}")
        targets, series = targets_of(rows)
        if not targets:
            raise BadInput(f"{a.csv}: no decided target (a target row with an actual row of the "
                           "same plan, geography and indicator in its target year)")
        df = judge(targets, series, a.keep_own_geography, a.n_sims)
    except BadInput as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    whose = "" if a.keep_own_geography else " without each plan's own geographies"
    print(f"{len(targets)} decided targets of {df['plan'].nunique()} plan(s), {len(df)} "
          f"target-dates; outside view fitted on the shipped track record{whose}\n")
    report(df)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
