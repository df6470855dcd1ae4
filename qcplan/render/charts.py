"""Charts of one target: history marked by status, projection fan, scenario path, target line,
and the path that would meet the target.

Every text is plain: a ``$`` in a name is a dollar sign, never the start of mathtext (see
:func:`qcplan.render.fonts.use_cjk_font`, which every chart calls first)."""

from __future__ import annotations

import html
import io
import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.text import Text

from qcplan.model.kinds import kind_of
from qcplan.render.export import chart_font_stack
from qcplan.render.fonts import use_cjk_font
from qcplan.render.i18n import STATUS_COLOUR, data_status_label, pick, status_label, t

#: Colours safe for the common colour-vision deficiencies (Okabe & Ito), one role each, used
#: the same way in every chart: history dark, projection blue, target vermillion, the path that
#: meets the target bluish green, benchmarks reddish purple, illustrative figures orange.
HISTORY = "#1b1b1b"
FAN = "#0072b2"
TARGET = "#d55e00"
MEETING = "#009e73"
BENCH = "#cc79a7"
ILLUSTRATIVE = "#e69f00"
BASELINE = "#6b6b6b"
#: History markers by the figure's status: the shape says it too (filled circle official,
#: triangle preliminary or estimate, diamond derived, hollow orange circle illustrative).
MARKERS = {
    "official": dict(marker="o", color=HISTORY, mfc=HISTORY),
    "preliminary": dict(marker="^", color=HISTORY, mfc=HISTORY),
    "estimate": dict(marker="v", color=HISTORY, mfc="#ffffff"),
    "derived": dict(marker="D", color=HISTORY, mfc="#ffffff"),
    "illustrative": dict(marker="o", color=ILLUSTRATIVE, mfc="#ffffff"),
}
#: Size of a target chart (inches) and its type sizes: legible on A4 at 150 mm and on a phone.
FIGSIZE = (7.6, 4.3)
FONT = {"title": 12.5, "label": 10.5, "tick": 10, "legend": 9, "direct": 9.5}
#: Short words for the labels written at the end of a line.
SHORT = {"median": ("中位数", "median"), "meeting": ("达标路径", "path to target"),
         "target": ("目标", "target")}
#: The work points chart's axis label, by the years due (joined by :data:`DUE_JOIN`).
WORKPOINTS_AXIS = ("{due}年实际为目标的百分比(%);斜线为预测值;⚠ 含示意数据(非官方)",
                   "{due} actual as % of the number; hatched: projected;\n"
                   "⚠ illustrative (not official) data")
DUE_JOIN = ("、", ", ")


def _short(key: str, lang: str) -> str:
    return pick(SHORT[key], lang)


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
    own_figure = ax is None
    if ax is None:
        fig, ax = plt.subplots(figsize=FIGSIZE, dpi=100)
        # fixed margins: one draw per chart (no tight layout, no tight bounding box); the
        # legend goes below the plot so that the plot keeps the whole width
        fig.subplots_adjust(left=0.11, right=0.86, top=0.91, bottom=0.33)
    else:
        fig = ax.figure
    kind = kind_of(row["kind"])
    name = pick((row["name_zh"], row["name_en"] or row["name_zh"]), lang)
    ylabel = _ylabel(row, hist, fan, lang)

    direct: list[tuple[float, float, str, str]] = []  # labels at the right edge
    if not fan.empty:
        ax.fill_between(fan["year"], fan["q10"], fan["q90"], color=FAN, alpha=0.16, lw=0,
                        label=t("fan80", lang))
        ax.fill_between(fan["year"], fan["q25"], fan["q75"], color=FAN, alpha=0.32, lw=0,
                        label=t("fan50", lang))
        label = t("median", lang) + (f" ({scenario_label})" if scenario_label else "")
        ax.plot(fan["year"], fan["q50"], color=FAN, lw=2.2, label=label)
        direct.append((float(fan["year"].iloc[-1]), float(fan["q50"].iloc[-1]),
                       _short("median", lang), FAN))
    if baseline is not None and baseline is not bundle:
        bf = _frame(baseline, "fans", target_id)
        if not bf.empty:
            ax.plot(bf["year"], bf["q50"], color=BASELINE, lw=1.3, ls="--",
                    label=t("baseline_median", lang))
    bhist = _frame(bundle, "bench_history", target_id) if "bench_history" in bundle else None
    bench_geo = str(row.get("benchmark", "")).partition("@")[2]
    if bhist is not None and not bhist.empty:
        ax.plot(bhist["year"], bhist["value"], color=BENCH, lw=1.3, marker="s", ms=4,
                label=f"{t('benchmark', lang)}: {bench_geo}")
    if not bfan.empty:
        ax.plot(bfan["year"], bfan["q50"], color=BENCH, lw=1.5, ls="-.",
                label=f"{t('benchmark', lang)}: {bench_geo} ({t('median', lang)})")
        ax.fill_between(bfan["year"], bfan["q10"], bfan["q90"], color=BENCH, alpha=0.12, lw=0)
    if not hist.empty:
        ax.plot(hist["year"], hist["value"], color=HISTORY, lw=1.3, zorder=3)
        for status, grp in hist.groupby("status"):
            style = MARKERS.get(str(status))
            if style is None:
                continue
            ax.plot(grp["year"], grp["value"], ls="none", ms=6.5, zorder=4,
                    label=f"{t('history', lang)}: {data_status_label(str(status), lang)}",
                    **style)
        _label_history(ax, hist, lang)
    if not meet.empty:
        ax.plot(meet["year"], meet["value"], color=MEETING, lw=1.8, ls=":",
                label=t("meeting_path", lang))
        direct.append((float(meet["year"].iloc[-1]), float(meet["value"].iloc[-1]),
                       _short("meeting", lang), MEETING))
    target_value = _target_line(row, meet)
    if target_value is not None:
        ax.axhline(target_value, color=TARGET, lw=1.3, ls="--",
                   label=f"{t('target', lang)} {target_value:,.4g}")
        direct.append((ax.get_xlim()[1], target_value,
                       f"{_short('target', lang)} {target_value:,.4g}", TARGET))
    if kind.marks_goal and not meet.empty:
        ax.plot([meet["year"].iloc[-1]], [meet["value"].iloc[-1]], marker="*", ms=13,
                color=TARGET, ls="none", zorder=5)
    ax.set_title(name, fontsize=FONT["title"], loc="left")
    ax.set_ylabel(ylabel, fontsize=FONT["label"])
    ax.set_xlabel(t("year", lang), fontsize=FONT["label"])
    ax.tick_params(labelsize=FONT["tick"])
    ax.grid(alpha=0.3)
    ax.xaxis.get_major_locator().set_params(integer=True)
    if own_figure:
        _direct_labels(ax, direct)
    if bool(row.get("illustrative")):
        ax.text(0.01, 0.98, "⚠ " + t("illustrative_chart", lang), transform=ax.transAxes,
                ha="left", va="top", fontsize=FONT["direct"], color="#7a4100",
                bbox=dict(facecolor="#fff4e5", edgecolor=ILLUSTRATIVE, boxstyle="round,pad=0.3"))
    if own_figure:
        ax.legend(fontsize=FONT["legend"], loc="upper left", bbox_to_anchor=(0.0, -0.17),
                  ncol=3, frameon=False, columnspacing=1.2, handlelength=1.8)
    else:
        ax.legend(fontsize=FONT["legend"], loc="best", frameon=False)
    if not own_figure:  # texts of a figure made before use_cjk_font: make them plain too
        _plain_texts(fig)
        fig.tight_layout()
    return fig


def _label_history(ax: Any, hist: pd.DataFrame, lang: str) -> None:
    """Name the status of the latest figure beside it ("2025 初步"), and mark a span of
    illustrative figures in words, so the reader needs no legend to tell them apart."""
    last = hist.iloc[-1]
    word = data_status_label(str(last["status"]), lang)
    colour = ILLUSTRATIVE if last["status"] == "illustrative" else HISTORY
    ax.annotate(f"{int(last['year'])} {word}", (float(last["year"]), float(last["value"])),
                xytext=(-6, 9), textcoords="offset points", ha="right", va="bottom",
                fontsize=FONT["direct"], color="#7a4100" if colour == ILLUSTRATIVE else colour)


def _direct_labels(ax: Any, labels: list[tuple[float, float, str, str]]) -> None:
    """Labels at the right edge of the plot for the lines that end there (median, the path
    that meets the target, the target), moved apart vertically so that they do not overlap."""
    if not labels:
        return
    lo, hi = ax.get_ylim()
    span = (hi - lo) or 1.0
    gap = 0.075 * span
    placed: list[float] = []
    for _, y, text, colour in sorted(labels, key=lambda item: item[1]):
        pos = max(y, placed[-1] + gap) if placed else y
        placed.append(pos)
        ax.annotate(text, xy=(1.0, (y - lo) / span), xycoords="axes fraction",
                    xytext=(1.01, (min(pos, hi) - lo) / span), textcoords="axes fraction",
                    va="center", ha="left", fontsize=FONT["direct"], color=colour,
                    annotation_clip=False)


def _plain_texts(fig: Any) -> None:
    """Every text made so far in ``fig`` shown as written: no mathtext, no TeX. Texts made after
    :func:`use_cjk_font` (every text of a figure a chart makes itself) are plain already, as
    it turns ``text.parse_math`` off; this covers texts made before it, e.g. on an ``ax`` the
    caller created. (Finding them makes every tick, which costs a third of a chart's build.)"""
    for text in fig.findobj(Text):
        text.set_parse_math(False)
        text.set_usetex(False)


def workpoints_chart(table: pd.DataFrame, lang: str = "zh",
                     years: Iterable[int] | None = None) -> Any:
    """The annual work points of a pillar (targets of kind ``workpoint``; with ``years``, only
    those due in these years) in one chart: each actual as a share of its number.

    Bars are coloured by status; a projected (not yet observed) value is hatched; a row that
    rests on illustrative figures is marked with ⚠.
    """
    use_cjk_font()
    rows = table[table["kind"] == "workpoint"]
    if years is not None:
        rows = rows[rows["target_year"].isin([int(y) for y in years])]
    due = pick(DUE_JOIN, lang).join(str(int(y)) for y in sorted(set(rows["target_year"])))
    n = len(rows)
    below = pick((0.62, 0.8), lang)  # the English axis label takes two lines
    height = 0.42 * n + 0.38 + below
    fig, ax = plt.subplots(figsize=(7.6, height), dpi=100)
    fig.subplots_adjust(left=0.42, right=0.97, top=1 - 0.45 / height, bottom=below / height)
    labels, shares, colours, hatches, notes = [], [], [], [], []
    for _, r in rows.iterrows():
        observed = pd.notna(r.get("target_year_value"))
        value = r["target_year_value"] if observed else r.get("projected_median")
        thr = r["threshold"]
        share = 100.0 * value / thr if thr and pd.notna(value) else float("nan")
        name = pick((r["name_zh"], r["name_en"] or r["name_zh"]), lang)
        labels.append(_wrap(("⚠ " if r.get("illustrative") else "") + str(name), lang))
        shares.append(share)
        colours.append(STATUS_COLOUR.get(r["status"], ("#cfcfcf", ""))[0])
        hatches.append("" if observed else "//")
        unit = "%" if r.get("unit") == "%" else str(
            pick((None, r.get("unit_en")), lang) or r.get("unit") or "")
        notes.append(f"{value:,.4g} / {thr:,.4g} {unit}" if pd.notna(value) else "—")
    y = range(n)
    bars = ax.barh(list(y), [0 if pd.isna(v) else v for v in shares], color=colours,
                   edgecolor="#333333", linewidth=0.5)
    for bar, hatch in zip(bars, hatches):
        bar.set_hatch(hatch)
    ax.axvline(100, color=TARGET, ls="--", lw=1.2)
    for i, (v, note) in enumerate(zip(shares, notes)):
        ax.text((0 if pd.isna(v) else v) + 2, i, note, va="center", fontsize=8)
    ax.set_yticks(list(y), labels, fontsize=8.5)
    ax.invert_yaxis()
    top = max([v for v in shares if pd.notna(v)] + [100.0])
    ax.set_xlim(0, top * 1.35)
    ax.set_xlabel(pick(WORKPOINTS_AXIS, lang).format(due=due))
    ax.grid(axis="x", alpha=0.3)
    handles = [plt.Rectangle((0, 0), 1, 1, color=STATUS_COLOUR[s][0])
               for s in dict.fromkeys(rows["status"]) if s in STATUS_COLOUR]
    ax.legend(handles, [status_label(s, lang) for s in dict.fromkeys(rows["status"])
                        if s in STATUS_COLOUR], fontsize=7.5, loc="lower right")
    return fig


#: Characters a work point's name keeps on one line before it wraps (the names sit in the
#: chart's left margin, 42 % of its width; a Chinese character is about two Latin ones wide).
WRAP = {"zh": 17, "en": 36}


def _wrap(text: str, lang: str) -> str:
    """``text`` on lines of at most :data:`WRAP` characters (words kept whole in English)."""
    width = WRAP.get(lang, WRAP["en"])
    if len(text) <= width:
        return text
    if lang == "zh":
        return "\n".join(text[i:i + width] for i in range(0, len(text), width))
    return textwrap.fill(text, width=width, break_long_words=False)


def _ylabel(row: pd.Series, hist: pd.DataFrame, fan: pd.DataFrame, lang: str) -> str:
    """The y axis of a target's chart: a growth index, a running total or the unit, as the
    target's kind charts it."""
    kind = kind_of(row["kind"])
    unit = pick((None, row.get("unit_en")), lang) or row.get("unit") or ""
    if kind.chart_index and row.get("rule", "") != "level" and _is_index(hist, fan):
        return t("growth_index", lang)
    if kind.running_total:
        return f"{t('running_total', lang)} ({unit})"
    return unit


def _is_index(hist: pd.DataFrame, fan: pd.DataFrame) -> bool:
    return not hist.empty and abs(float(hist["value"].iloc[0]) - 100.0) < 1e-9


def _target_line(row: pd.Series, meet: pd.DataFrame) -> float | None:
    line = kind_of(row["kind"]).target_line
    if line == "threshold":
        v = row.get("threshold")
        return float(v) if pd.notna(v) else None
    if line == "path_end" and not meet.empty:
        return float(meet["value"].iloc[-1])  # the intensity that is the fall asked for
    return None


#: Resolution of every chart's PNG, shown in the HTML report and placed in the Word document.
CHART_DPI = 150


def chart_png(fig: Any) -> bytes:
    """A figure as PNG bytes at :data:`CHART_DPI`."""
    buf = io.BytesIO()
    # zlib level 1: a fifth of the time of the default level 6, files about 6 % larger
    fig.savefig(buf, format="png", dpi=CHART_DPI, pil_kwargs={"compress_level": 1})
    return buf.getvalue()


def chart_svg(fig: Any, title: str = "") -> str:
    """A figure as an inline ``<svg>`` element: text kept as text, in the pages' embedded subsets
    of Noto Sans SC (its Latin face first, :func:`qcplan.render.export.chart_font_stack`), the
    font the chart was laid out with; no XML prologue or metadata; a ``<title>`` and
    ``aria-label`` for screen readers; ids stable from run to run."""
    buf = io.StringIO()
    with mpl.rc_context({"svg.fonttype": "none", "svg.hashsalt": "qcplan"}):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
    text = buf.getvalue()
    svg = text[text.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.DOTALL)
    svg = re.sub(r"font-family: [^;\"]*", "font-family: " + chart_font_stack(), svg)
    head = svg.index(">") + 1
    label = html.escape(title)
    return (svg[:head].replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1)
            + f"<title>{label}</title>" + svg[head:])
