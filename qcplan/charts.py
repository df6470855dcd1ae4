"""Charts of one target: history marked by status, projection fan, scenario path, target line,
and the path that would meet the target."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd

from qcplan.fonts import use_cjk_font
from qcplan.i18n import data_status_label, t

MARKERS = {
    "official": dict(marker="o", color="#1f4e79", mfc="#1f4e79"),
    "preliminary": dict(marker="^", color="#1f4e79", mfc="#1f4e79"),
    "derived": dict(marker="D", color="#1f4e79", mfc="#ffffff"),
    "illustrative": dict(marker="o", color="#d9822b", mfc="#ffffff"),
}
FAN = "#4a90c2"


def _frame(bundle: Mapping[str, Any], key: str, target_id: str) -> pd.DataFrame:
    df = bundle[key]
    return df[df["target_id"] == target_id].sort_values("year")


def indicator_chart(bundle: Mapping[str, Any], target_id: str, lang: str = "zh",
                    baseline: Mapping[str, Any] | None = None, ax: Any = None,
                    scenario_label: str | None = None) -> Any:
    """Draw one target's chart from a report bundle; return the matplotlib Figure.

    ``baseline`` (the baseline scenario's bundle) adds its median as a dashed line when the
    chart's scenario is another one.
    """
    use_cjk_font()
    table = bundle["table"].set_index("target_id")
    row = table.loc[target_id]
    hist = _frame(bundle, "history", target_id)
    fan = _frame(bundle, "fans", target_id)
    bfan = _frame(bundle, "bench_fans", target_id)
    meet = _frame(bundle, "meeting", target_id)
    if ax is None:
        fig, ax = plt.subplots(figsize=(7.2, 3.6), dpi=100)
    else:
        fig = ax.figure
    kind = row["kind"]
    name = row["name_zh"] if lang == "zh" else (row["name_en"] or row["name_zh"])
    unit = row.get("unit") or ""
    if kind == "growth" and row.get("rule", "") != "level" and _is_index(hist, fan):
        ylabel = t("growth_index", lang)
    elif kind == "cumulative":
        ylabel = f"{t('running_total', lang)} ({unit})"
    else:
        ylabel = unit

    if not fan.empty:
        ax.fill_between(fan["year"], fan["q10"], fan["q90"], color=FAN, alpha=0.18, lw=0,
                        label=t("fan80", lang))
        ax.fill_between(fan["year"], fan["q25"], fan["q75"], color=FAN, alpha=0.35, lw=0,
                        label=t("fan50", lang))
        label = t("median", lang) + (f" ({scenario_label})" if scenario_label else "")
        ax.plot(fan["year"], fan["q50"], color=FAN, lw=2, label=label)
    if baseline is not None and baseline is not bundle:
        bf = _frame(baseline, "fans", target_id)
        if not bf.empty:
            ax.plot(bf["year"], bf["q50"], color="#555555", lw=1.2, ls="--",
                    label=t("baseline_median", lang))
    bhist = _frame(bundle, "bench_history", target_id) if "bench_history" in bundle else None
    bench_geo = str(row.get("benchmark", "")).partition("@")[2]
    if bhist is not None and not bhist.empty:
        ax.plot(bhist["year"], bhist["value"], color="#7b3294", lw=1.2, marker="s", ms=4,
                label=f"{t('benchmark', lang)}: {bench_geo}")
    if not bfan.empty:
        ax.plot(bfan["year"], bfan["q50"], color="#7b3294", lw=1.4, ls="-.",
                label=f"{t('benchmark', lang)}: {bench_geo} ({t('median', lang)})")
        ax.fill_between(bfan["year"], bfan["q10"], bfan["q90"], color="#7b3294", alpha=0.10,
                        lw=0)
    if not hist.empty:
        ax.plot(hist["year"], hist["value"], color="#1f4e79", lw=1.2, zorder=3)
        for status, grp in hist.groupby("status"):
            style = MARKERS.get(str(status))
            if style is None:
                continue
            ax.plot(grp["year"], grp["value"], ls="none", ms=6, zorder=4,
                    label=f"{t('history', lang)}: {data_status_label(str(status), lang)}",
                    **style)
    if not meet.empty:
        ax.plot(meet["year"], meet["value"], color="#2e7d32", lw=1.4, ls=":",
                label=t("meeting_path", lang))
    target_value = _target_line(row, meet)
    if target_value is not None:
        ax.axhline(target_value, color="#c62828", lw=1.1, ls="--",
                   label=f"{t('target', lang)} {target_value:,.4g}")
    if kind in ("relative", "growth") and not meet.empty:
        ax.plot([meet["year"].iloc[-1]], [meet["value"].iloc[-1]], marker="*", ms=12,
                color="#c62828", ls="none", zorder=5)
    ax.set_title(name, fontsize=11, loc="left")
    ax.set_ylabel(ylabel)
    ax.set_xlabel(t("year", lang))
    ax.grid(alpha=0.3)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if bool(row.get("illustrative")):
        ax.text(0.99, 0.02, "⚠ " + t("illustrative_chart", lang), transform=ax.transAxes,
                ha="right", va="bottom", fontsize=9, color="#b45309",
                bbox=dict(facecolor="#fff4e5", edgecolor="#e8833a", boxstyle="round,pad=0.3"))
    ax.legend(fontsize=7.5, loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    fig.tight_layout()
    return fig


def _is_index(hist: pd.DataFrame, fan: pd.DataFrame) -> bool:
    return not hist.empty and abs(float(hist["value"].iloc[0]) - 100.0) < 1e-9


def _target_line(row: pd.Series, meet: pd.DataFrame) -> float | None:
    kind = row["kind"]
    if kind in ("level", "share", "workpoint", "flow", "cumulative"):
        v = row.get("threshold")
        return float(v) if pd.notna(v) else None
    return None
