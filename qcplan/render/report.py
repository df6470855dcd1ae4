"""What the per-pillar report shows: its HTML pieces and :class:`ReportContext`, which the report
notebook opens and only displays.

The data's path: :mod:`qcplan.render.bundles` assesses every target once per scenario and keeps
what the reports show (a *bundle*); this module turns a bundle into the report's tables and
text; :mod:`qcplan.render.charts` draws its charts; :mod:`qcplan.render.export` makes the page.
The HTML pieces every page shares are in :mod:`qcplan.render.html`; the sources and in-year tables
in :mod:`qcplan.render.sources`.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qcplan import __version__
from qcplan.model.scenarios import Scenario
from qcplan.model.status import STATUS_ORDER
from qcplan.render.bundles import scenario_bundles
from qcplan.render.charts import chart_png, chart_svg
from qcplan.render.html import (
    STYLE,
    badge,
    banner_html,
    esc,
    fmt,
    name_of,
    pct,
    target_anchor,
)
from qcplan.render.i18n import (
    caveat_texts,
    in_year_basis_text,
    kind_label,
    obligation_label,
    qualified,
    status_label,
    t,
)
from qcplan.render.schedule import schedule_html
from qcplan.render.sources import (
    source_rows,
    sources_table_html,
    subannual_html,
    vintage_text,
)


def status_table_html(table: pd.DataFrame, lang: str = "zh", show_shift: bool = False,
                      findings: Mapping[str, str] | None = None,
                      narrator: Any = None) -> str:
    """The pillar's status table: one verdict per target (the status from P(reach), with
    P(reach)), latest, target, projection and interval, required against observed pace and the
    responsible units; under each target its written finding (``findings``: target_id → text),
    which explains the Eurostat-style class and the plan-review grade where they differ.

    Each target's row has the id :func:`target_anchor`; ``narrator``
    (:class:`qcplan.render.narrative.Narrator`) gives English units and names of responsible
    units from the registries.
    """
    from qcplan.render.narrative import Narrator
    from qcplan.render.wording import percent_short

    narrator = narrator or Narrator()
    heads = [t("target_name", lang), t("status", lang), t("latest", lang), t("threshold", lang),
             t("projected", lang), t("interval", lang), t("required", lang), t("observed", lang),
             t("units", lang)]
    if show_shift:
        heads.insert(2, "所需增速调整(百分点/年)" if lang == "zh"
                     else "Extra growth needed (pp/yr)")
    rows = []
    for _, r in table.iterrows():
        illus = ' <span class="qc-illus">*</span>' if r.get("illustrative") else ""
        latest = "—" if not np.isfinite(r.get("latest_value", np.nan)) else \
            f"{qualified(fmt(r['latest_value'], 2), str(r.get('latest_qualifier') or ''), lang)}" \
            f" ({int(r['latest_year'])})"
        if r["kind"] == "milestone" and latest != "—":
            done = r["latest_value"] >= 1
            word = ("已完成" if done else "未完成") if lang == "zh" else ("done" if done else
                                                                       "not yet")
            latest = f"{word} ({int(r['latest_year'])})"
        thr = fmt(r.get("decision_threshold"), 2)
        if np.isfinite(r.get("threshold_high", np.nan)):
            thr += f"–{fmt(r['threshold_high'], 2)}"
        unit = "%" if r["kind"] in ("growth", "reduction") else (
            "×" if r["kind"] == "relative" else esc(narrator.unit(r, lang)))
        interval = "—" if not np.isfinite(r.get("projected_p10", np.nan)) else \
            f"{fmt(r['projected_p10'], 2)} – {fmt(r['projected_p90'], 2)}"
        rate_unit = str(r.get("rate_unit") or "")
        if lang == "en" and rate_unit and not rate_unit.startswith("%"):
            rate_unit = f"{narrator.unit(r, 'en')}/yr"
        rate_unit = esc(rate_unit.replace("/年", "/年" if lang == "zh" else "/yr"))
        p = r.get("prob_reach")
        verdict = badge(r["status"], lang)
        if np.isfinite(p if p is not None else np.nan) and r["status"] not in (
                "done", "missed", "overdue"):
            verdict += (f' <span class="qc-p">{"达标概率" if lang == "zh" else "P"} '
                        f"{percent_short(p)}</span>")
            pt = r.get("prob_reach_trend")
            if str(r.get("ref_class") or "") and np.isfinite(pt if pt is not None else np.nan):
                verdict += (f'<br><span class="qc-kind">{esc(t("prob_reach_trend", lang))} '
                            f"{percent_short(pt)}</span>")
        cells = [
            f"{esc(name_of(r, lang))}{illus}<br>"
            f'<span class="qc-kind">{esc(kind_label(r["kind"], lang))}'
            + (f' · {esc(ob)}' if (ob := obligation_label(str(r.get("obligation") or ""), lang))
               else "") + "</span>",
            verdict,
            latest,
            f"{thr} {unit}",
            (f"{fmt(r.get('projected_median'), 2)} {unit}" if np.isfinite(
                r.get("projected_median", np.nan)) else "—")
            + (f'<br><span class="qc-kind">{esc(basis)}</span>'
               if (basis := in_year_basis_text(r, lang)) else ""),
            interval,
            f"{fmt(r.get('required_rate'), 1)} {rate_unit}" if np.isfinite(
                r.get("required_rate", np.nan)) else "—",
            f"{fmt(r.get('observed_rate'), 1)} {rate_unit}" if np.isfinite(
                r.get("observed_rate", np.nan)) else "—",
            esc(narrator.bodies(r, lang)),
        ]
        if show_shift:
            cells.insert(2, f"{r['shift_pp']:+.1f}" if r["status"] == "plan_path" else "—")
        anchor = esc(target_anchor(str(r["target_id"])))
        rows.append(f'<tr id="{anchor}" class="qc-target">' +
                    "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        text = findings.get(r["target_id"]) if findings is not None else None
        if text:
            rows.append(f'<tr class="qc-finding"><td colspan="{len(cells)}">{esc(text)}</td></tr>')
    note = t("estimate_note", lang)
    if "ref_class" in table and table["ref_class"].fillna("").astype(str).ne("").any():
        note += " " + t("two_views_note", lang)
    note += (" 状态依据达标概率判定;欧盟统计局分级和规划评估分级与之不一致时,"
             "在该目标的评估意见中说明。" if lang == "zh" else
             " The status follows P(reach); where the Eurostat-style class or the plan-review "
             "grade says otherwise, the target's finding says so and why.")
    if (table["kind"] == "relative").any():
        note += (" 相对基准类目标以“与基准之比”表示(1.00 = 与基准持平);“差距缩小”类目标的目标值是"
                 "基期之比。" if lang == "zh" else
                 " Targets relative to a benchmark are shown as the ratio to it (1.00 = level "
                 "with it); for 'narrow the gap' the target is the base-year ratio.")
    if (table["kind"] == "growth").any():
        note += (" 年均增速类目标的预测值为整个时期的年均增速(已发生年份按实际计)。" if lang == "zh"
                 else " For average-growth targets the projection is the period's average yearly "
                 "growth, observed years included.")
    if (table["kind"] == "reduction").any():
        note += (" 累计降低类目标(如单位GDP能耗累计降低13.5%)的预测值为基期至目标年的累计降低"
                 "百分比,增速为年均降低率。" if lang == "zh" else
                 " For cumulative reductions (energy per unit of GDP down 13.5 %) the projection "
                 "is the fall in % from the base year to the target year, and the rates are "
                 "yearly falls.")
    for _, r in table.iterrows():
        for text in caveat_texts(str(r.get("caveats") or ""), lang):
            note += f" {name_of(r, lang)}:{text}。" if lang == "zh" else \
                f" {name_of(r, lang)}: {text}."
    if table.get("illustrative", pd.Series(dtype=bool)).any():
        note += " " + ("* 含示意数据(非官方)。" if lang == "zh"
                       else "* uses illustrative (not official) figures.")
    return (STYLE + '<table class="qc-table qc-status"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + f'</tbody></table><p class="qc-note">{esc(note)}</p>')


def scenario_matrix(bundles: Mapping[str, Mapping[str, Any]], pillar: str,
                    labels: Mapping[str, str], lang: str = "zh") -> str:
    """P(reach) of the pillar's targets under every scenario, side by side."""
    frames = []
    for name, b in bundles.items():
        tb = b["table"]
        tb = tb[tb["pillar"] == pillar]
        frames.append(tb.set_index("target_id")[["prob_reach", "status"]]
                      .rename(columns=lambda c, n=name: f"{n}:{c}"))
    if not frames:
        return ""
    wide = pd.concat(frames, axis=1)
    first = next(iter(bundles.values()))["table"]
    names = first.set_index("target_id").loc[wide.index]
    heads = [t("target_name", lang)] + [labels.get(n, n) for n in bundles]
    rows = []
    for tid, r in wide.iterrows():
        cells = [esc(name_of(names.loc[tid], lang))]
        for n in bundles:
            st = r[f"{n}:status"]
            cells.append(f"{pct(r[f'{n}:prob_reach'])} {badge(st, lang)}")
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")


def header_html(plan: Any, pillar_row: Mapping[str, Any], scenario: Scenario, lang: str,
                meta: Mapping[str, Any], illustrative: bool) -> str:
    """Title block: pillar, scenario and assumptions, data vintage, production time and version."""
    name = pillar_row["name_zh"] if lang == "zh" else pillar_row["name_en"]
    desc = pillar_row.get("description_zh" if lang == "zh" else "description_en", "")
    rows = scenario.assumptions_table(lang)
    if rows:
        items = "".join(
            f"<li>{esc(a['scope'])}: "
            + ", ".join(x for x in [
                f"{'增速调整' if lang == 'zh' else 'growth shift'} {a['growth_shift_pp']:+g} pp"
                if a["growth_shift_pp"] else "",
                f"{'设定增速' if lang == 'zh' else 'growth set to'} {a['growth_set_pct']:g}%"
                if a["growth_set_pct"] is not None else "",
                f"{'一次性冲击' if lang == 'zh' else 'shocks'} {esc(a['shocks'])}"
                if a["shocks"] else "",
                f"{'不确定性倍数' if lang == 'zh' else 'uncertainty ×'} {a['uncertainty_scale']:g}"
                if a["uncertainty_scale"] != 1 else "",
                f"{'适用指标类别' if lang == 'zh' else 'measures moved'}: {esc(a['measures'])}"
                if a.get("measures") else "",
            ] if x) + "</li>" for a in rows)
        assumptions = f"<ul>{items}</ul>"
    else:
        assumptions = "<p>" + ("无调整" if lang == "zh" else "No adjustment") + "</p>"
    produced = meta.get("created", "")
    vint = vintage_text(plan, lang)
    info = plan.info
    title = f"{plan.title(lang)} · " + ("分领域评估报告" if lang == "zh" else "pillar report")
    facts = [x for x in (info.geography, info.issuer(lang), info.status_text(lang),
                         (("规划期 " if lang == "zh" else "period ") + info.period_text())
                         if info.period_text() else "") if x]
    lines = [
        f'<p class="qc-meta">{esc(title)}'
        + (f"<br>{esc(' · '.join(facts))}" if facts else "") + "</p>",
        f"<h1>{esc(name)}</h1>",
        f"<p>{esc(desc)}</p>",
        f"<h3>{esc(t('scenario', lang))}: {esc(scenario.label(lang))}</h3>",
        f"<p>{esc(scenario.description(lang))}</p>{assumptions}",
        '<p class="qc-meta">'
        f"{'数据版本' if lang == 'zh' else 'Data vintage'}: {esc(vint)}<br>"
        f"{'生成时间' if lang == 'zh' else 'Produced'}: {esc(produced)} · qcplan "
        f"{esc(meta.get('qcplan_version', __version__))} · "
        f"{'模拟次数' if lang == 'zh' else 'draws'} {esc(meta.get('n_sims'))}, seed "
        f"{esc(meta.get('seed'))}, as of {esc(meta.get('as_of'))}</p>",
    ]
    out = STYLE + "".join(lines)
    if illustrative:
        out = STYLE + banner_html(lang) + "".join(lines)
    return out


def years_text(years: Iterable[int], lang: str = "zh") -> str:
    """'2026' / '2026、2028' (zh) / '2026, 2028' (en)."""
    return ("、" if lang == "zh" else ", ").join(str(int(y)) for y in sorted(set(years)))


def workpoints_html(table: pd.DataFrame, lang: str = "zh",
                    years: Iterable[int] = (), narrator: Any = None) -> str:
    """The pillar's annual work points (targets due in one of the plan's work-point ``years``)
    against their numbers (units in English from the registry through ``narrator``)."""
    from qcplan.render.narrative import Narrator

    narrator = narrator or Narrator()
    years = tuple(int(y) for y in years)
    if not years:
        return "<p>" + ("本规划未列年度工作要点(plan.yaml 的 workpoint_years 为空)。"
                        if lang == "zh" else "The plan lists no annual work points "
                        "(workpoint_years in plan.yaml is empty).") + "</p>"
    wp = table[table["target_year"].isin(years)]
    if wp.empty:
        return "<p>" + (f"本领域无{years_text(years, lang)}年量化工作要点。" if lang == "zh"
                        else f"No quantified {years_text(years, lang)} work points in this "
                        "pillar.") + "</p>"
    heads = [t("target_name", lang), t("threshold", lang),
             "实际" if lang == "zh" else "actual", t("status", lang)]
    if len(years) > 1:
        heads.insert(1, "年份" if lang == "zh" else "year")
    rows = []
    for _, r in wp.iterrows():
        if np.isfinite(r.get("target_year_value", np.nan)):
            actual = fmt(r["target_year_value"], 2)
        else:
            actual = ("预测 " if lang == "zh" else "projected ") + fmt(r.get("projected_median"), 2)
        illus = ' <span class="qc-illus">*</span>' if r.get("illustrative") else ""
        cells = [esc(name_of(r, lang)) + illus,
                 f"{fmt(r['threshold'], 2)} {esc(narrator.unit(r, lang))}",
                 actual, badge(r["status"], lang)]
        if len(years) > 1:
            cells.insert(1, str(int(r["target_year"])))
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (STYLE + '<table class="qc-table"><thead><tr>' +
            "".join(f"<th>{esc(h)}</th>" for h in heads) + "</tr></thead><tbody>" +
            "".join(rows) + "</tbody></table>")


# --------------------------------------------------------------------------- the notebook's view
SECTIONS = {
    "status": ("一、目标状态", "1. Status of the targets"),
    "schedule": ("一(附)、序时进度", "1a. Progress against the year's schedule (序时进度)"),
    "charts": ("二、指标走势与预测", "2. Indicators: history and projection"),
    "scenarios": ("三、各情景达标概率对比", "3. P(reach) under every scenario"),
    "workpoints": ("四、{years}年度工作要点", "4. The {years} work points"),
    "sources": ("五、数据来源", "5. Sources of every figure shown"),
    "retro": ("六、预测回顾:此前的判断与实际结果", "6. How well did the projections call it"),
}


#: The plan, scenarios and bundles :meth:`ReportContext.open` read last (with the key of its
#: arguments and the stamp of the files they came from).
_LAST_OPENED: dict[str, Any] = {}


def _files_stamp(*folders: Any) -> tuple[tuple[str, int, int], ...]:
    """Path, modification time and size of every file the opened context depends on: the plan
    folder's and the parameter folder's files (hidden ones aside), the cache's bundles."""
    out: list[tuple[str, int, int]] = []
    for i, folder in enumerate(folders):
        if not folder:
            continue
        root = Path(folder)
        if not root.is_dir():
            continue
        files = root.glob("*.pkl") if i == 2 else root.rglob("*")
        for path in files:
            rel = path.relative_to(root).parts
            if any(part.startswith(".") for part in rel) or not path.is_file():
                continue
            st = path.stat()
            out.append((str(path), st.st_mtime_ns, st.st_size))
    return tuple(sorted(out))


class ReportContext:
    """Everything one pillar report shows, for one scenario and language.

    The report notebook calls :meth:`open` with its parameters and then only displays what the
    methods return, so the notebook holds no logic of its own.
    """

    def __init__(self, plan: Any, scenarios: Mapping[str, Scenario], bundles: Mapping[str, Any],
                 pillar: str, scenario: str, lang: str):
        self.plan = plan
        self.scenarios = scenarios
        self.bundles = bundles
        self.pillar = pillar
        self.scenario = scenarios[scenario]
        self.lang = lang
        self.bundle = bundles[scenario]
        self.baseline_bundle = bundles.get("baseline") if scenario != "baseline" else None
        table = self.bundle["table"]
        self.table = table[table["pillar"] == pillar].reset_index(drop=True)
        prow = plan.pillars.set_index("pillar").loc[pillar]
        self.pillar_row = {"pillar": pillar, **prow.to_dict()}
        from qcplan.render.narrative import Narrator

        self.narrator = Narrator(plan, scenarios)
        #: what changed since the last run (target_id, previous_status, status), when known
        self.changes: pd.DataFrame | None = None
        self._findings: pd.Series | None = None
        self._sources: tuple[list[str], list[list[str]]] | None = None
        self.cache_dir = ""
        #: (target id or None, PNG) of every chart shown, for the Word document
        self.charts: list[tuple[str | None, bytes]] = []
        #: charts are PNG (for a Word document) rather than SVG; see :meth:`show_chart`
        self.word = False
        #: target id (None: the work points) of every chart shown as SVG
        self._svg_shown: list[str | None] = []

    @classmethod
    def open(cls, pillar: str, scenario: str = "baseline", lang: str = "zh", data_dir: Any = "",
             params_dir: Any = "", as_of: Any = "", n_sims: int = 10_000, seed: int | None = 0,
             cache_dir: Any = "", word: bool = False) -> ReportContext:
        """Load the plan and scenarios, check the parameters, and read or compute the bundles.

        ``word``: a Word document of the report will be written (:meth:`write_documents`), so
        charts are drawn as PNG at print resolution, shown and kept for it; otherwise they are
        shown as SVG (:meth:`show_chart`)."""
        from qcplan.errors import ParameterError
        from qcplan.model.scenarios import load_scenarios
        from qcplan.options import check_options
        from qcplan.plan.load import load_plan, resolve_data_dir

        # The same rules as `qcplan run` and `qcplan assess` (qcplan/options.py).
        checked, problems = check_options(
            {"lang": lang, "as_of": as_of, "n_sims": n_sims}
            | ({} if seed is None else {"seed": seed}), "notebook parameters")
        if problems:
            raise problems[0]
        # A kept kernel opens report after report of the same run: what it read for the last
        # one is used again while none of the files it came from has changed.
        key = (str(resolve_data_dir(data_dir or None)), str(params_dir or ""),
               str(checked["as_of"]), str(cache_dir or ""), checked["n_sims"],
               checked.get("seed"))
        stamp = _files_stamp(key[0], key[1], cache_dir)
        last = _LAST_OPENED.get("key") == key and _LAST_OPENED.get("stamp") == stamp
        if last:
            plan, scenarios = _LAST_OPENED["plan"], _LAST_OPENED["scenarios"]
        else:
            _LAST_OPENED.clear()
            plan = load_plan(data_dir or None)
            plan = plan.known_at(checked["as_of"])  # the figures the assessment used
            scenarios = load_scenarios(params_dir or None, plan)
        pillars = list(plan.pillars.sort_values("order", kind="stable")["pillar"])
        if pillar in ("", None) and pillars:
            pillar = pillars[0]  # the notebook's default: the plan's first pillar
        if pillar not in pillars:
            raise ParameterError("notebook parameters", "pillar", pillar,
                                 "one of " + ", ".join(pillars))
        if scenario not in scenarios:
            raise ParameterError("notebook parameters", "scenario", scenario,
                                 "one of " + ", ".join(scenarios))
        if last:
            bundles = _LAST_OPENED["bundles"]
        else:
            bundles = scenario_bundles(plan, scenarios, cache_dir, n_sims=checked["n_sims"],
                                       seed=checked.get("seed"), as_of=checked["as_of"])
            if cache_dir:  # bundles read from files, not computed here
                _LAST_OPENED.update(key=key, stamp=stamp, plan=plan, scenarios=scenarios,
                                    bundles=bundles)
        from qcplan.render.changes import status_changes

        ctx = cls(plan, scenarios, bundles, pillar, scenario, lang)
        ctx.word = bool(word)
        ctx.cache_dir = str(cache_dir or "")
        ctx.changes = status_changes(ctx.cache_dir, scenario)  # kept there by ``qcplan run``
        return ctx

    @property
    def illustrative(self) -> bool:
        return bool(self.table["illustrative"].any())

    def section_title(self, key: str) -> str:
        zh, en = SECTIONS[key]
        text = zh if self.lang == "zh" else en
        if "{years}" in text:
            years = years_text(self.plan.workpoint_years, self.lang)
            text = text.format(years=years) if years else text.format(years="").replace(
                "  ", " ")
        return f"<h2>{esc(text)}</h2>"

    def header_html(self) -> str:
        return header_html(self.plan, self.pillar_row, self.scenario, self.lang,
                           self.bundle["meta"], self.illustrative)

    def status_counts_text(self) -> str:
        """A short summary of the pillar's classes (deterministic; the notebook tests check it)."""
        counts = self.table["status"].value_counts()
        order = [s for s in STATUS_ORDER if s in counts.index]
        p = self.table["prob_reach"].astype(float)
        mean_p = p[np.isfinite(p)].mean() if np.isfinite(p).any() else math.nan
        if self.lang == "zh":
            parts = "、".join(f"{status_label(s, 'zh')}{int(counts[s])}项" for s in order)
            return (f"本领域共{len(self.table)}项目标({self.scenario.label('zh')}):{parts};\n"
                    f"平均达标概率{mean_p:.2f}(模型估计)。")
        parts = ", ".join(f"{status_label(s, 'en').lower()} {int(counts[s])}" for s in order)
        return (f"{len(self.table)} targets in this pillar ({self.scenario.label('en')}):\n"
                f"{parts};\nmean P(reach) {mean_p:.2f} (model estimate).")

    def findings(self) -> pd.Series:
        """Each target's written finding (target_id → text) under this scenario."""
        if self._findings is None:
            others = {n: b["table"] for n, b in self.bundles.items()}
            self._findings = self.narrator.findings(self.table, self.lang, others)
        return self._findings

    def finding(self, target_id: str) -> str:
        return str(self.findings().get(target_id, ""))

    def summary_text(self) -> str:
        """The pillar's paragraph: counts per status, the most at risk, what changed."""
        return self.narrator.pillar_paragraph(self.table, self.lang, self.changes)

    def summary_html(self) -> str:
        return f'<p class="qc-summary">{esc(self.summary_text())}</p>'

    def status_table_html(self) -> str:
        return status_table_html(self.table, self.lang, show_shift=self.scenario.mode == "plan",
                                 findings=self.findings(), narrator=self.narrator)

    def charted_targets(self) -> list[str]:
        """The pillar's targets charted one by one: not milestones, not the annual work points
        (those share one chart, :meth:`has_workpoints`), and only with data."""
        hist = self.bundle["history"]
        has = set(hist["target_id"])
        return [tid for tid, kind in zip(self.table["target_id"], self.table["kind"])
                if kind not in ("milestone", "workpoint") and tid in has]

    def has_schedule(self) -> bool:
        """The pillar has a one-year target whose year has in-year figures: the 序时进度 view
        (:mod:`qcplan.model.schedule`) is shown."""
        from qcplan.model.schedule import has_schedule

        return has_schedule(self.plan, self.table["target_id"])

    def schedule_html(self) -> str:
        return schedule_html(self.plan, self.table, self.lang)

    def has_workpoints(self) -> bool:
        return bool((self.table["kind"] == "workpoint").any())

    def scenario_matrix_html(self) -> str:
        labels = {n: s.label(self.lang) for n, s in self.scenarios.items()}
        return scenario_matrix(self.bundles, self.pillar, labels, self.lang)

    def workpoints_html(self) -> str:
        return workpoints_html(self.table, self.lang, self.plan.workpoint_years, self.narrator)

    def sources_html(self) -> str:
        """The sources table, then the in-year figures of the pillar's series (if any)."""
        return (sources_table_html(*self.source_rows(), lang=self.lang)
                + subannual_html(self.plan, self.table, self.lang))

    def source_rows(self) -> tuple[list[str], list[list[str]]]:
        """:func:`source_rows` of the pillar (computed once: the report and its Word document
        show the same)."""
        if self._sources is None:
            self._sources = source_rows(self.plan, self.table, self.lang)
        return self._sources

    def show_chart(self, fig: Any, target_id: str | None = None) -> None:
        """Show a chart, drawn once; the figure is closed.

        As SVG (text kept as text, in the page's embedded font: crisp on a phone and on paper,
        a fifth of a PNG's size and about half its drawing time), or, when the report also
        writes a Word document (``word``), as one PNG at print resolution (:data:`CHART_DPI`)
        that is kept for the document (:meth:`write_documents`)."""
        import matplotlib.pyplot as plt
        from IPython.display import Image, display

        alt = (name_of(self.table.set_index("target_id").loc[target_id], self.lang)
               if target_id is not None else html.unescape(re.sub(
                   "<[^>]+>", "", self.section_title("workpoints"))))
        if not self.word:
            svg = chart_svg(fig, alt)
            plt.close(fig)
            self._svg_shown.append(target_id)
            display({"image/svg+xml": svg}, metadata={"image/svg+xml": {"qcplan_chart": True}},
                    raw=True)
            return
        png = chart_png(fig)
        width = int(round(fig.get_figwidth() * 100))
        plt.close(fig)
        self.charts.append((target_id, png))
        display(Image(data=png, format="png", width=width, metadata={"alt": alt}))

    def _word_charts(self) -> None:
        """PNGs of the charts shown as SVG, for a Word document asked for afterwards."""
        import matplotlib.pyplot as plt

        from qcplan.render.charts import indicator_chart, workpoints_chart

        for target_id in self._svg_shown:
            if target_id is None:
                fig = workpoints_chart(self.table, lang=self.lang)
            else:
                fig = indicator_chart(self.bundle, target_id, lang=self.lang,
                                      baseline=self.baseline_bundle,
                                      scenario_label=self.scenario.label(self.lang))
            self.charts.append((target_id, chart_png(fig)))
            plt.close(fig)
        self._svg_shown = []

    def document_spec(self) -> Any:
        """The Word document of this report (:class:`qcplan.render.documents.DocumentSpec`)."""
        from qcplan.render import documents

        return documents.pillar_spec(self)

    def write_documents(self, docx_path: str | Path = "") -> None:
        """Write the report's Word document to ``docx_path`` (nothing when empty), and keep its
        charts in the run's cache for the whole-plan document."""
        if not docx_path:
            return
        from qcplan.render import documents

        if self._svg_shown:
            self._word_charts()

        documents.write_document(docx_path, self.document_spec())
        if self.cache_dir:
            documents.save_charts(self.cache_dir, self.scenario.name, self.lang, self.charts)


    @property
    def retro(self) -> pd.DataFrame | None:
        """The retrospective rows (from the baseline bundle; None when not computed)."""
        base = self.bundles.get("baseline") or {}
        return base.get("retro")

    def course_html(self) -> str:
        """Each target's P(reach) over the runs: the past runs ``qcplan run`` kept in its cache
        (from ``OUT/history.csv``) and this run's point; '' for a report run alone."""
        from qcplan.render.course import read_cached_history, report_course_html

        past = read_cached_history(self.cache_dir)
        if past is None:
            return ""
        started = ""
        try:  # the run's own date: its manifest, beside the cache
            import json

            manifest = Path(self.cache_dir).parent / "manifest.json"
            started = str(json.loads(manifest.read_text(encoding="utf-8"))["started"])
        except (OSError, ValueError, KeyError, TypeError):
            import datetime as _dt

            started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        return report_course_html(past, self.table, self.scenario.name, started, self.lang)

    def retro_html(self) -> str:
        """This pillar's decided targets as called before, and the plan-wide reliability."""
        from qcplan.render.retro import reliability_html, retro_table_html

        zh = self.lang == "zh"
        out = retro_table_html(self.retro, self.lang, self.pillar)
        rel = reliability_html(self.retro, self.lang)
        if rel:
            out += ("<h3>" + ("全规划已有结果目标的预测可靠性" if zh else
                              "Reliability across the plan's decided targets") + "</h3>" + rel)
        return out


def inline_figures_once() -> None:
    """In a notebook, save inline figures as drawn (no 'tight' bounding box, which draws each
    figure twice); the charts set their own margins. Does nothing outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with the kernel
        return
    ip = get_ipython()
    if ip is None:
        return
    ip.run_line_magic("config", "InlineBackend.print_figure_kwargs = {'bbox_inches': None}")
