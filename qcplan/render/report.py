"""The per-pillar report as the notebook opens it: :class:`ReportContext`, which reads the plan,
the scenarios and the bundles once, and returns every piece the report notebook displays (the
notebook holds no logic of its own).

The data's path: :mod:`qcplan.render.bundles` assesses every target once per scenario and keeps
what the reports show (a *bundle*); the status table is :mod:`qcplan.render.status_table`, the
other sections :mod:`qcplan.render.sections`, the written findings
:mod:`qcplan.render.narrative`; :mod:`qcplan.render.charts` draws the charts;
:mod:`qcplan.render.export` makes the page. The HTML pieces every page shares are in
:mod:`qcplan.render.html`; the sources and in-year tables in :mod:`qcplan.render.sources`.
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from qcplan.errors import ParameterError
from qcplan.model.kinds import kind_of
from qcplan.model.scenarios import Scenario, load_scenarios
from qcplan.model.schedule import has_schedule
from qcplan.model.status import STATUS_ORDER
from qcplan.options import check_options
from qcplan.plan.load import load_plan, resolve_data_dir
from qcplan.render import documents
from qcplan.render.bundles import scenario_bundles
from qcplan.render.changes import status_changes
from qcplan.render.charts import chart_png, chart_svg, indicator_chart, workpoints_chart
from qcplan.render.course import read_cached_history, report_course_html
from qcplan.render.html import esc, name_of
from qcplan.render.i18n import pick, status_label
from qcplan.render.narrative import Narrator
from qcplan.render.retro import reliability_html, retro_table_html
from qcplan.render.schedule import schedule_html
from qcplan.render.sections import header_html, scenario_matrix, workpoints_html, years_text
from qcplan.render.sources import source_rows, sources_table_html, subannual_html
from qcplan.render.status_table import status_table_html

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


#: The report's own words, (zh, en).
WORDS = {
    "counts": ("本领域共{n}项目标({scenario}):{parts};\n平均达标概率{p:.2f}(模型估计)。",
               "{n} targets in this pillar ({scenario}):\n{parts};\nmean P(reach) {p:.2f} "
               "(model estimate)."),
    "count": ("{label}{c}项", "{label_lower} {c}"),
    "counts_sep": ("、", ", "),
    "reliability": ("全规划已有结果目标的预测可靠性",
                    "Reliability across the plan's decided targets"),
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
        ctx = cls(plan, scenarios, bundles, pillar, scenario, lang)
        ctx.word = bool(word)
        ctx.cache_dir = str(cache_dir or "")
        ctx.changes = status_changes(ctx.cache_dir, scenario)  # kept there by ``qcplan run``
        return ctx

    @property
    def illustrative(self) -> bool:
        return bool(self.table["illustrative"].any())

    def section_title(self, key: str) -> str:
        text = pick(SECTIONS[key], self.lang)
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
        parts = pick(WORDS["counts_sep"], self.lang).join(
            pick(WORDS["count"], self.lang).format(
                label=status_label(s, self.lang), label_lower=status_label(s, self.lang).lower(),
                c=int(counts[s])) for s in order)
        return pick(WORDS["counts"], self.lang).format(
            n=len(self.table), scenario=self.scenario.label(self.lang), parts=parts, p=mean_p)

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
                if kind_of(kind).own_chart and tid in has]

    def has_schedule(self) -> bool:
        """The pillar has a one-year target whose year has in-year figures: the 序时进度 view
        (:mod:`qcplan.model.schedule`) is shown."""
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
        from IPython.display import Image, display  # the kernel's own

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
        return documents.pillar_spec(self)

    def write_documents(self, docx_path: str | Path = "") -> None:
        """Write the report's Word document to ``docx_path`` (nothing when empty), and keep its
        charts in the run's cache for the whole-plan document."""
        if not docx_path:
            return
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
        past = read_cached_history(self.cache_dir)
        if past is None:
            return ""
        started = ""
        try:  # the run's own date: its manifest, beside the cache
            manifest = Path(self.cache_dir).parent / "manifest.json"
            started = str(json.loads(manifest.read_text(encoding="utf-8"))["started"])
        except (OSError, ValueError, KeyError, TypeError):
            started = _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
        return report_course_html(past, self.table, self.scenario.name, started, self.lang)

    def retro_html(self) -> str:
        """This pillar's decided targets as called before, and the plan-wide reliability."""
        out = retro_table_html(self.retro, self.lang, self.pillar)
        rel = reliability_html(self.retro, self.lang)
        if rel:
            out += "<h3>" + pick(WORDS["reliability"], self.lang) + "</h3>" + rel
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
