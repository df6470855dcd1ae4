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
  the rate of all targets, and the same indicator's record within the class refines it
  (beta-binomial pooling with :data:`POOL` pseudo-targets at each step), so a class of three
  targets says little and a class of forty says much.
- **combined**: a penalised logistic regression fitted on the track record that starts from the
  class view (the class rate's logit is its offset, with no weight of its own to fit) and moves
  it by: how far the trend's logit departs from the class's (the trend's P clipped to
  [:data:`CLIP`, 1 − :data:`CLIP`]; nothing where the trend has no usable history), one weight
  in [0, 1] per kind of target (a year's growth, a level, a multi-year growth: 0 is the class
  alone, 1 the trend alone); the gap between the pace needed and the pace observed
  (``tanh(gap / 3)``, weight ≤ 0); a term for multi-year growth targets (the shock a year like
  2020 deals a five-year average) and the target's wording (左右 / 以上). A ridge penalty
  :data:`RIDGE` pulls the trend's weights towards 1/2 (the two views' logits averaged) and the
  others towards 0.

Both are judged leave-one-plan-out in ``bench/outside_view.py`` (never in-sample). A plan's own
outcomes never inform its outside view: the fit used for a plan leaves out the track record's
targets of the plan's own geographies.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qcplan.model.kinds import kind_of

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
RIDGE = 5.0
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
#: How a target's wording reads (qualifier): "about" (左右, about: an outcome a little short is
#: still in the plan's words, but counts as missed here), "floor" (以上, 不低于, 确保: a bound the
#: government commits to), else "plain".
QUALIFIER_GROUPS = {"about": ("左右", "about", "around", "约"),
                    "floor": ("以上", "不低于", "不少于", "确保", "超过", "突破", "over",
                              "more than", "at least", "以内", "以下", "控制在", "以內")}


def qualifier_group(qualifier: str) -> str:
    q = str(qualifier or "")
    for group, words in QUALIFIER_GROUPS.items():
        if any(w in q for w in words):
            return group
    return "plain"


@dataclass(frozen=True)
class ClassRate:
    """A reference class and its partially pooled rate."""

    key: str  # readable: "binding · environment · level"
    n: int  # decided targets of the class in the fit
    met: int
    rate: float  # partially pooled share met


def class_key(form_group: str, domain: str, obligation: str) -> str:
    return f"{obligation or 'unmarked'} · {domain} · {form_group}"


@dataclass
class OutsideView:
    """Class rates and the combined model, fitted on some targets of the track record.

    Class rates are pooled down a hierarchy: all targets → form → (form, domain, obligation) →
    the same indicator within it; each level's rate is shrunk towards its parent's by
    :data:`POOL` pseudo-targets.
    """

    global_rate: float = 0.5
    counts: dict[tuple[str, ...], tuple[int, int]] = field(default_factory=dict)
    coef: np.ndarray = field(default_factory=lambda: PRIOR.copy())
    n_targets: int = 0

    def _chain(self, form_group: str, domain: str, obligation: str, indicator: str
               ) -> list[tuple[str, ...]]:
        ob = obligation or "unmarked"
        return [(form_group,), (form_group, domain, ob), (form_group, domain, ob, indicator)]

    def class_rate(self, form_group: str, domain: str, obligation: str, indicator: str = "",
                   leave_out: int | None = None) -> ClassRate:
        """The pooled rate of the class; ``leave_out`` (0/1) removes one target's own outcome
        (used while fitting, so that no target's rate knows its answer)."""
        rate = self.global_rate
        n_class = met_class = 0
        for depth, key in enumerate(self._chain(form_group, domain, obligation, indicator)):
            n, met = self.counts.get(key, (0, 0))
            if leave_out is not None:
                n, met = n - 1, met - leave_out
            if depth == 1:  # the class shown to readers: (form, domain, obligation)
                n_class, met_class = max(n, 0), max(met, 0)
            if depth == 2 and not indicator:
                break
            rate = (POOL * rate + met) / (POOL + n) if n > 0 else rate
        return ClassRate(class_key(form_group, domain, obligation), n_class, met_class, rate)

    # -- combined ------------------------------------------------------------
    def features(self, trend_p: np.ndarray, class_rate: np.ndarray, pace_gap: np.ndarray,
                 form_group: np.ndarray, qualifier: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The offset (the class rate's logit: the class view, where the model starts) and the
        design: how far the trend's logit departs from the class's, one weight per kind of
        target (a year's growth or ceiling / a level / a multi-year growth or reduction: the
        trend tells much about where a level is going and little about one year's growth; 0
        where the trend has no P); the pace gap; multi-year growth (the shock a bad year deals
        an average); the wording (about / floor)."""
        has = np.isfinite(trend_p)
        lc = _logit(class_rate)
        d = np.where(has, _logit(np.where(has, trend_p, 0.5)) - lc, 0.0)
        gap = np.where(np.isfinite(pace_gap), np.tanh(np.nan_to_num(pace_gap) / 3.0), 0.0)
        g, q = np.asarray(form_group, dtype=str), np.asarray(qualifier, dtype=str)
        yearly = np.isin(g, ("annual_growth", "ceiling"))
        multi = g == "multi_year_growth"
        level = ~(yearly | multi)
        x = np.column_stack([d * yearly, d * level, d * multi, gap, multi.astype(float),
                             (q == "about").astype(float), (q == "floor").astype(float)])
        return lc, x

    def combine(self, trend_p: Any, class_rate: Any, pace_gap: Any, form_group: Any,
                qualifier: Any = "plain") -> Any:
        """The combined P(reach) (arrays or scalars)."""
        scalar = np.ndim(trend_p) == 0
        n = np.atleast_1d(np.asarray(trend_p, float)).size

        def each(v: Any) -> np.ndarray:
            a = np.atleast_1d(np.asarray(v, dtype=object)).astype(str)
            return np.repeat(a, n) if a.size == 1 and n > 1 else a

        def num(v: Any) -> np.ndarray:
            a = np.atleast_1d(np.asarray(v, float))
            return np.repeat(a, n) if a.size == 1 and n > 1 else a

        off, x = self.features(num(trend_p), num(class_rate), num(pace_gap), each(form_group),
                               each(qualifier))
        p = _sigmoid(off + x @ self.coef)
        return float(p[0]) if scalar else p


#: The prior the penalty pulls towards: where the trend has a P, the two views' logits averaged
#: (a weight of 1/2 on the trend's departure from the class); nothing else (without a trend P,
#: the class view alone). With few past targets of a kind the fit stays near it; with many, the
#: record decides (a year's growth target: 0, the class alone).
PRIOR = np.array([0.5, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0])
#: The weights' bounds: the trend's three in [0, 1] (a higher trend P never lowers the combined
#: P, and the trend never counts for more than itself), the pace gap's ≤ 0 (a target asking more
#: than the recent pace is never easier), the others free.
BOUNDS = [(0.0, 1.0)] * 3 + [(None, 0.0), (None, None), (None, None), (None, None)]


def fit(judged: pd.DataFrame, ridge: float = RIDGE) -> OutsideView:
    """Fit the class rates and the combined model on ``judged`` (rows of :func:`load_judged`).

    Each target weighs 1 in all (its judging dates share the weight). The class rates count
    targets, not dates; while fitting, each target's class rate leaves its own outcome out.
    """
    from scipy.optimize import minimize

    targets = judged.drop_duplicates("target_key")
    ov = OutsideView(n_targets=len(targets))
    n, met = len(targets), int(targets["met"].sum())
    ov.global_rate = (met + 1.0) / (n + 2.0)
    for r in targets.itertuples(index=False):
        for key in ov._chain(r.form_group, r.domain, r.obligation, r.indicator_id):
            c_n, c_met = ov.counts.get(key, (0, 0))
            ov.counts[key] = (c_n + 1, c_met + int(r.met))
    if n == 0:
        return ov
    cr = np.array([ov.class_rate(r.form_group, r.domain, r.obligation, r.indicator_id,
                                 leave_out=int(r.met)).rate
                   for r in judged.itertuples(index=False)])
    off, x = ov.features(judged["trend_p"].to_numpy(float), cr,
                         judged["pace_gap"].to_numpy(float), judged["form_group"].to_numpy(str),
                         judged["qualifier"].map(qualifier_group).to_numpy(str))
    y = judged["met"].to_numpy(float)
    w = 1.0 / judged.groupby("target_key")["target_key"].transform("size").to_numpy(float)

    def loss(beta: np.ndarray) -> tuple[float, np.ndarray]:
        z = off + x @ beta
        p = _sigmoid(z)
        ll = np.sum(w * (y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z)))
        d = beta - PRIOR
        grad = x.T @ (w * (p - y)) + ridge * d
        return float(ll + 0.5 * ridge * d @ d), grad

    res = minimize(loss, PRIOR.copy(), jac=True, method="L-BFGS-B", bounds=BOUNDS)
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


def form_group_of(kind: str, measure: str, direction: str, years: int | None = None) -> str:
    """The track record's form group of a plan target (kind, its indicator's measure, its
    direction, the years of its period): the kind's
    :meth:`~qcplan.model.kinds.base.TargetKind.form_group`."""
    return kind_of(kind).form_group(measure, direction, years)


def pace_gap_of(required: float, observed: float, direction: str) -> float:
    """Needed minus observed pace (direction-signed; > 0: the target asks more)."""
    if not (np.isfinite(required) and np.isfinite(observed)):
        return math.nan
    return float(required - observed)
