"""Charts draw every target of the shipped plan with real glyphs, in Chinese and in English.

A "Glyph ... missing from font(s)" warning means boxes instead of characters in a report, so any
such warning fails these tests; a control shows the check does catch it without the CJK font.
"""

from __future__ import annotations

import warnings

import matplotlib
import matplotlib.pyplot as plt
import pytest

from qcplan.model.assess import Assessor
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render.bundles import build_bundle
from qcplan.render.charts import indicator_chart, workpoints_chart

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def bundles():
    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    assessor = Assessor(plan, as_of="2026-11-27")
    return {name: build_bundle(assessor, scenarios[name], n_sims=1000, seed=0)
            for name in ("baseline", "optimistic")}


def _draw(fig) -> list[str]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig.canvas.draw()
    plt.close(fig)
    return [str(w.message) for w in caught if "missing from font" in str(w.message)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_target_chart_has_its_glyphs(bundles, lang: str):
    b, base = bundles["optimistic"], bundles["baseline"]
    table = b["table"]
    charted = set(b["history"]["target_id"])
    ids = [t for t, k in zip(table["target_id"], table["kind"])
           if k not in ("milestone", "workpoint") and t in charted]
    assert len(ids) >= 30
    missing = []
    for tid in ids:
        missing += _draw(indicator_chart(b, tid, lang=lang, baseline=base,
                                         scenario_label="乐观情景"))
    assert not missing, missing[:3]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_work_point_charts_have_their_glyphs(bundles, lang: str):
    table = bundles["baseline"]["table"]
    for pillar in sorted(set(table.loc[table["kind"] == "workpoint", "pillar"])):
        assert not _draw(workpoints_chart(table[table["pillar"] == pillar], lang=lang))


def test_the_check_catches_missing_glyphs():
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        fig, ax = plt.subplots()
        ax.set_title("地区生产总值")
        assert _draw(fig), "DejaVu Sans has no CJK glyphs: the warning should have been seen"


def test_illustrative_charts_say_so(bundles):
    b = bundles["baseline"]
    tid = b["table"].loc[b["table"]["illustrative"] & (b["table"]["kind"] == "level"),
                         "target_id"].iloc[0]
    fig = indicator_chart(b, tid, lang="zh")
    texts = [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    assert any("示意数据" in t for t in texts)


DOLLARS = "US$5 billion and US$3 billion"
MACRO = r"$\undefinedmacro{x}$"


def _texts_are_plain(fig) -> list[str]:
    """Every text drawn in the figure, after checking matplotlib shows it as plain text."""
    from matplotlib.text import Text

    shown = []
    for text in fig.findobj(Text):
        s = text.get_text()
        if s:
            assert text._preprocess_math(s) == (s, False), s  # not read as mathtext
            shown.append(s)
    return shown


def test_dollar_signs_in_names_are_plain_text(bundles):
    b = dict(bundles["optimistic"])
    table = b["table"].copy()
    tid = next(t for t, k in zip(table["target_id"], table["kind"])
               if k not in ("milestone", "workpoint") and t in set(b["history"]["target_id"]))
    table.loc[table["target_id"] == tid, ["name_en", "unit", "unit_en"]] = [DOLLARS, MACRO,
                                                                           MACRO]
    b["table"] = table
    fig = indicator_chart(b, tid, lang="en", baseline=bundles["baseline"], scenario_label=MACRO)
    fig.canvas.draw()  # an undefined macro read as mathtext raises here
    shown = _texts_are_plain(fig)
    plt.close(fig)
    assert DOLLARS in shown and MACRO in shown
    assert any(MACRO in s for s in shown if s != MACRO)  # the legend's scenario label


def test_dollar_signs_in_work_point_names_are_plain_text(bundles):
    table = bundles["baseline"]["table"].copy()
    rows = table.index[(table["kind"] == "workpoint") & (table["target_year"] == 2024)]
    assert len(rows) >= 2
    table.loc[rows[0], "name_en"] = DOLLARS
    table.loc[rows[1], ["name_en", "unit"]] = [MACRO, "$x$"]
    fig = workpoints_chart(table, lang="en")
    fig.canvas.draw()
    shown = _texts_are_plain(fig)
    plt.close(fig)
    for name in (DOLLARS, MACRO):  # tick labels, "⚠ " first on illustrative rows
        assert any(s in (name, "⚠ " + name) for s in shown), name


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_target_path_and_latest_status_are_labelled_on_the_chart(bundles, lang: str):
    """A reader sees the target, the path that meets it, the median and the latest figure's
    status written on the chart itself, not only in the legend."""
    from qcplan.render.charts import SHORT
    from qcplan.render.i18n import data_status_label

    b = bundles["baseline"]
    table = b["table"]
    levels = table[(table["kind"] == "level") & table["target_id"].isin(b["meeting"]["target_id"])]
    assert not levels.empty
    row = levels.iloc[0]
    fig = indicator_chart(b, row["target_id"], lang=lang)
    texts = [t.get_text() for t in fig.axes[0].texts]
    plt.close(fig)
    word = 1 if lang == "en" else 0
    assert f"{SHORT['target'][word]} {row['threshold']:,.4g}" in texts
    assert SHORT["meeting"][word] in texts and SHORT["median"][word] in texts
    hist = b["history"][b["history"]["target_id"] == row["target_id"]].sort_values("year")
    last = hist.iloc[-1]
    assert f"{int(last['year'])} {data_status_label(str(last['status']), lang)}" in texts


def test_english_charts_take_the_unit_from_the_registry(bundles):
    b = bundles["baseline"]
    table = b["table"]
    row = table[(table["unit"] == "亿元") & table["target_id"].isin(b["history"]["target_id"])
                & (table["kind"] == "level")].iloc[0]
    fig = indicator_chart(b, row["target_id"], lang="en")
    label = fig.axes[0].get_ylabel()
    plt.close(fig)
    assert label == row["unit_en"] and "亿" not in label


def test_status_colours_are_told_apart_by_lightness():
    """The verdicts from best to worst get steadily darker or lighter on each side of the
    scale (a reader who cannot tell red from green still sees the order), and badges, charts
    and documents take them from the one table."""
    from matplotlib.colors import to_rgb

    from qcplan.render.i18n import STATUS_COLOUR

    def lightness(hex_colour: str) -> float:
        r, g, b = to_rgb(hex_colour)
        return 0.2126 * r + 0.7152 * g + 0.0722 * b

    good = [lightness(STATUS_COLOUR[s][0]) for s in ("achieved", "on_track")]
    bad = [lightness(STATUS_COLOUR[s][0]) for s in ("needs_acceleration", "off_track",
                                                   "moving_away", "missed")]
    assert good[0] < good[1]
    assert all(a > b for a, b in zip(bad, bad[1:]))
