"""The outside view: how targets like this one fared in past plans, and P(reach) combining it
with the trend.

The track record (``qcplan/resources/track_record/``, built by ``tools/build_track_record.py``
from ``sources/*.csv``, every figure with its page and a verbatim excerpt) holds one row per
decided target of past plans (``targets.csv``), every figure of their series with the date it
became known (``series.csv``) and the trend's P(reach) of each target at its judging dates
(``trend.csv``, computed by qcplan's own assessment on the figures known then).

Two views of a target and their combination:

- **class view**: the share of past targets of the same class met, partially pooled: a class is
  (form, domain, obligation); its rate is shrunk towards its form's rate, which is shrunk towards
  the rate of all targets (beta-binomial pooling with :data:`POOL` pseudo-targets at each step),
  so a class of three targets says little and a class of forty says much.
- **combined**: a penalised logistic regression fitted on the track record: the logit of the
  trend's P (clipped to [:data:`CLIP`, 1 − :data:`CLIP`]; 0 with an indicator where the trend has
  no usable history), the logit of the class rate, the gap between the pace needed and the pace
  observed (``tanh(gap / 3)``) and a term for multi-year growth targets (the shock a year like
  2020 deals a five-year average), with a ridge penalty :data:`RIDGE` towards "trust the trend"
  (coefficient 1 on its logit, 0 elsewhere).

Both are judged leave-one-plan-out in ``bench/outside_view.py`` (never in-sample). A plan's own
outcomes never inform its outside view: the fit used for a plan leaves out the track record's
targets of the plan's own geographies.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

TRACK_RECORD_DIR = Path(__file__).resolve().parents[1] / "resources" / "track_record"
#: The shared row format of ``sources/*.csv`` (``sources/README.md``), in order.
COLUMNS: tuple[str, ...] = (
    "plan_id", "plan_zh", "issuer", "level", "plan_type", "plan_start", "geography",
    "indicator_id", "indicator_zh", "domain", "unit", "measure", "role", "year", "value",
    "target_form", "direction", "qualifier", "obligation", "base_year", "base_value", "status",
    "published", "url", "excerpt_zh", "note",
)
#: Plans held out for checking: never in the track record (the national 13th and 14th FYPs).
HELD_OUT_PLAN_IDS = frozenset({"national_fyp13", "national_fyp14"})
HELD_OUT_NAMES = ("全国“十三五”规划纲要", "全国“十四五”规划纲要",
                  "中华人民共和国国民经济和社会发展第十三个五年规划纲要",
                  "中华人民共和国国民经济和社会发展第十四个五年规划")
CLIP = 0.03
POOL = 6.0
RIDGE = 1.0
FORM_GROUPS = {"annual_growth": "annual_growth", "ceiling": "ceiling", "level": "level",
               "average_growth": "multi_year_growth", "cumulative_reduction": "multi_year_growth",
               "cumulative_total": "level"}


def met_of(outcome: float, target: float, direction: str) -> int:
    """1 when the outcome meets the target (≥ for at_least, ≤ for at_most), else 0."""
    eps = 1e-9
    if direction in ("at_most", "below"):
        return int(outcome <= target + eps)
    return int(outcome >= target - eps)


def _logit(p: np.ndarray | float) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), CLIP, 1 - CLIP)
    return np.log(p / (1 - p))


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# --------------------------------------------------------------------------- the tables
def load_targets(path: Path | None = None) -> pd.DataFrame:
    """The decided targets of the track record (``targets.csv``)."""
    df = pd.read_csv(path or TRACK_RECORD_DIR / "targets.csv", dtype=str, keep_default_na=False)
    for c in ("year", "plan_start", "horizon", "met", "hist_n"):
        df[c] = df[c].astype(int)
    for c in ("target", "outcome", "needed_pace", "observed_pace", "pace_gap"):
        df[c] = pd.to_numeric(df[c].replace("", np.nan), errors="coerce")
    return df


def load_series(path: Path | None = None) -> pd.DataFrame:
    """Every figure of the track record with the date it became known (``series.csv``)."""
    df = pd.read_csv(path or TRACK_RECORD_DIR / "series.csv", dtype=str, keep_default_na=False)
    df["year"] = df["year"].astype(int)
    df["value"] = df["value"].astype(float)
    return df


def load_judged(directory: Path | None = None) -> pd.DataFrame:
    """One row per (decided target, judging date): the target's features, the trend's P then
    (NaN without usable history) and the outcome."""
    d = directory or TRACK_RECORD_DIR
    targets = load_targets(d / "targets.csv")
    trend = pd.read_csv(d / "trend.csv", dtype={"target_key": str})
    df = trend.merge(targets, on="target_key", how="inner")
    df["form_group"] = df["target_form"].map(FORM_GROUPS).fillna("level")
    df["obligation"] = df["obligation"].replace("", "unmarked")
    return df


# --------------------------------------------------------------------------- class view
@dataclass(frozen=True)
class ClassRate:
    """A reference class and its partially pooled rate."""

    key: str  # readable: "expected · environment · level"
    n: int  # decided targets of the class in the fit
    met: int
    rate: float  # partially pooled share met


def class_key(form_group: str, domain: str, obligation: str) -> str:
    return f"{obligation or 'unmarked'} · {domain} · {form_group}"


@dataclass
class OutsideView:
    """Class rates and the combined model, fitted on some targets of the track record."""

    global_rate: float = 0.5
    form_rates: dict[str, tuple[int, float]] = field(default_factory=dict)
    class_counts: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)
    coef: np.ndarray = field(default_factory=lambda: np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0]))
    n_targets: int = 0

    # -- class view ----------------------------------------------------------
    def class_rate(self, form_group: str, domain: str, obligation: str) -> ClassRate:
        obligation = obligation or "unmarked"
        n_f, r_f = self.form_rates.get(form_group, (0, self.global_rate))
        n, met = self.class_counts.get((form_group, domain, obligation), (0, 0))
        rate = (POOL * r_f + met) / (POOL + n)
        return ClassRate(class_key(form_group, domain, obligation), n, met, rate)

    # -- combined ------------------------------------------------------------
    def features(self, trend_p: np.ndarray, class_rate: np.ndarray, pace_gap: np.ndarray,
                 multi_year: np.ndarray) -> np.ndarray:
        has = np.isfinite(trend_p)
        lt = np.where(has, _logit(np.where(has, trend_p, 0.5)), 0.0)
        gap = np.where(np.isfinite(pace_gap), np.tanh(np.nan_to_num(pace_gap) / 3.0), 0.0)
        return np.column_stack([np.ones_like(lt), lt, (~has).astype(float), _logit(class_rate),
                                gap, multi_year.astype(float)])

    def combine(self, trend_p: Any, class_rate: Any, pace_gap: Any, multi_year: Any) -> Any:
        """The combined P(reach) (arrays or scalars)."""
        scalar = np.ndim(trend_p) == 0
        x = self.features(np.atleast_1d(np.asarray(trend_p, float)),
                          np.atleast_1d(np.asarray(class_rate, float)),
                          np.atleast_1d(np.asarray(pace_gap, float)),
                          np.atleast_1d(np.asarray(multi_year, bool)))
        p = _sigmoid(x @ self.coef)
        return float(p[0]) if scalar else p


PRIOR = np.array([0.0, 1.0, 0.0, 0.0, 0.0, 0.0])  # trust the trend until the record says more


def fit(judged: pd.DataFrame, ridge: float = RIDGE) -> OutsideView:
    """Fit the class rates and the combined model on ``judged`` (rows of :func:`load_judged`).

    Each target weighs 1 in all (its judging dates share the weight). The class rates count
    targets, not dates. Where the trend has no P the class view alone speaks (the indicator
    column takes the intercept's place and the trend's logit is 0).
    """
    from scipy.optimize import minimize

    targets = judged.drop_duplicates("target_key")
    ov = OutsideView(n_targets=len(targets))
    n, met = len(targets), int(targets["met"].sum())
    ov.global_rate = (met + 1.0) / (n + 2.0)
    for g, sub in targets.groupby("form_group"):
        r = (POOL * ov.global_rate + sub["met"].sum()) / (POOL + len(sub))
        ov.form_rates[str(g)] = (len(sub), float(r))
    for (g, d, o), sub in targets.groupby(["form_group", "domain", "obligation"]):
        ov.class_counts[(str(g), str(d), str(o))] = (len(sub), int(sub["met"].sum()))
    if n == 0:
        return ov
    # class rates as the fit sees them: each target's own outcome left out of its class rate
    # (else the class term learns from the answer it is asked to predict)
    cr = []
    for r in judged.itertuples(index=False):
        c_n, c_met = ov.class_counts.get((r.form_group, r.domain, r.obligation), (0, 0))
        f_n, f_r = ov.form_rates.get(r.form_group, (0, ov.global_rate))
        cr.append((POOL * f_r + c_met - r.met) / (POOL + c_n - 1))
    x = ov.features(judged["trend_p"].to_numpy(float), np.asarray(cr),
                    judged["pace_gap"].to_numpy(float),
                    (judged["form_group"] == "multi_year_growth").to_numpy())
    y = judged["met"].to_numpy(float)
    w = 1.0 / judged.groupby("target_key")["target_key"].transform("size").to_numpy(float)

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ beta
        p = _sigmoid(z)
        ll = np.sum(w * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
        d = beta - PRIOR
        grad = x.T @ (w * (p - y)) + ridge * d
        return float(ll + 0.5 * ridge * d @ d), grad

    res = minimize(loss, PRIOR.copy(), jac=True, method="L-BFGS-B")
    ov.coef = np.asarray(res.x, dtype=float)
    return ov


@lru_cache(maxsize=16)
def shipped_view(exclude_geographies: tuple[str, ...] = ()) -> OutsideView | None:
    """The outside view fitted on the shipped track record, without the targets of
    ``exclude_geographies`` (a plan's own: its outcomes never inform its outside view); None
    when the track record is not there."""
    if not (TRACK_RECORD_DIR / "trend.csv").is_file():
        return None
    judged = load_judged()
    if exclude_geographies:
        judged = judged[~judged["geography"].isin(exclude_geographies)]
    return fit(judged)


# --------------------------------------------------------------------------- a plan's target
DOMAIN_WORDS = (
    ("environment", ("环境", "空气", "水质", "水体", "断面", "森林", "绿", "能耗", "碳", "排放",
                     "PM", "pm", "污染", "非化石", "耕地", "生态")),
    ("innovation", ("研发", "专利", "高新", "科技", "创新", "数字")),
    ("fiscal", ("财政", "预算", "税")),
    ("social", ("收入", "就业", "失业", "寿命", "教育", "受教育", "学", "养老", "医", "卫生", "托",
                "城镇化", "人口", "保险", "住房")),
    ("infrastructure", ("铁路", "公路", "宽带", "5G", "充电", "管网", "项目")),
)


def domain_of(indicator_id: str, name_zh: str) -> str:
    text = f"{name_zh} {indicator_id}"
    for domain, words in DOMAIN_WORDS:
        if any(w in text for w in words):
            return domain
    return "economy"


def form_group_of(kind: str, measure: str, direction: str) -> str:
    """The track record's form group of a plan target (kind, its indicator's measure)."""
    if direction in ("at_most", "below") and kind in ("level", "workpoint", "share"):
        return "ceiling"
    if kind == "workpoint":
        return "annual_growth" if measure in ("growth", "reduction") else "level"
    if kind in ("growth", "reduction"):
        return "multi_year_growth"
    return "level"


def pace_gap_of(required: float, observed: float, direction: str) -> float:
    """Needed minus observed pace (direction-signed; > 0: the target asks more)."""
    if not (np.isfinite(required) and np.isfinite(observed)):
        return math.nan
    return float(required - observed)


OBLIGATION_WORDS = {"binding": ("约束性", "binding"), "expected": ("预期性", "expected"),
                    "unmarked": ("", "")}
DOMAIN_ZH = {"economy": ("经济", "economic"), "environment": ("环境", "environmental"),
             "social": ("民生", "social"), "innovation": ("创新", "innovation"),
             "fiscal": ("财政", "fiscal"), "infrastructure": ("基础设施", "infrastructure"),
             "other": ("其他", "other")}
FORM_ZH = {"annual_growth": ("年度增速目标", "yearly growth targets"),
           "ceiling": ("上限类目标", "ceiling targets"),
           "level": ("水平类目标", "level targets"),
           "multi_year_growth": ("多年增速/降幅目标", "multi-year growth or reduction targets")}


def class_words(key: str, lang: str = "zh") -> str:
    """同类约束性环境水平类目标 / binding environmental level targets (from a class key)."""
    m = re.match(r"^(\S+) · (\S+) · (\S+)$", key or "")
    if not m:
        return ""
    ob, dom, form = m.groups()
    i = 0 if lang == "zh" else 1
    parts = [OBLIGATION_WORDS.get(ob, ("", ""))[i], DOMAIN_ZH.get(dom, (dom, dom))[i],
             FORM_ZH.get(form, (form, form))[i]]
    return ("" if lang == "zh" else " ").join(p for p in parts if p)


def trend_probability(t: dict[str, str], hist: dict[int, float], as_of: int, tmp: Path,
                      n_sims: int = 2000) -> float:
    """The trend's P(reach) of a track-record target ``t`` (a row of the build's targets) as of
    the end of ``as_of``, from the figures ``hist`` (year → value), by qcplan's own assessment
    of a one-target plan folder; NaN where the figures do not allow a projection."""
    from qcplan.errors import DataError
    from qcplan.model.assess import Assessor
    from qcplan.plan.load import load_plan

    hist = {y: v for y, v in hist.items() if y <= as_of}
    if len(hist) < 2:
        return math.nan
    annual = t["plan_type"] == "annual"
    form, measure = t["target_form"], t["measure"]
    q_measure = {"growth": "growth", "share": "share", "amount": "amount", "count": "count",
                 "rate": "rate", "reduction": "rate"}.get(measure, "rate")
    if annual or form in ("annual_growth",):
        kind = "workpoint"
        q_measure = "rate" if q_measure == "growth" else q_measure
    elif form == "average_growth":
        kind, q_measure = "growth", "growth"
    elif form == "cumulative_reduction":
        if measure != "reduction":
            return math.nan
        kind, q_measure = "reduction", "reduction"
    elif form == "cumulative_total":
        kind = "cumulative"
    else:
        kind = "share" if q_measure == "share" else "level"
    if q_measure in ("amount", "count") and min(hist.values()) < 0:
        q_measure = "rate"
    start = int(t["plan_start"])
    period_start = int(t["year"]) - 1 if annual else start - 1
    folder = tmp / re.sub(r"[^a-z0-9_]", "_", t["target_key"].lower())[:80]
    folder.mkdir(parents=True, exist_ok=True)
    unit = t["unit"] or "-"
    files = {
        "pillars": [["pillar", "name_zh", "name_en", "order"], ["p", "过往", "Past", "1"]],
        "indicators": [["indicator_id", "name_zh", "name_en", "unit", "measure"],
                       ["x", "指标", "Indicator", unit, q_measure]],
        "targets": [["target_id", "indicator_id", "geography", "pillar", "name_zh", "name_en",
                     "unit", "kind", "direction", "threshold", "period_start", "target_year"],
                    ["t", "x", "g", "p", "目标", "Target", unit, kind, t["direction"], t["target"],
                     str(period_start), t["year"]]],
        "observations": [["indicator_id", "geography", "year", "value", "unit", "status",
                          "source"]] + [["x", "g", str(y), repr(float(v)), unit, "official",
                                         "track record"] for y, v in sorted(hist.items())],
    }
    for name, rows in files.items():
        with open(folder / f"{name}.csv", "w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
    try:
        plan = load_plan(folder)
        row, _ = Assessor(plan, as_of=f"{as_of}-12-31").assess_target("t", "baseline",
                                                                        n_sims=n_sims, seed=0)
    except (DataError, ValueError):
        return math.nan
    p = row.get("prob_reach", math.nan)
    return float(p) if p is not None and np.isfinite(p) else math.nan
