"""What changed since the last run: statuses, P(reach) and the figures that are new or revised.

A run keeps, beside its ``summary.csv`` (one row per target × scenario), a snapshot of the figures
it used (``figures.csv``: one row per indicator × geography × year × period, the value, its status
and, where the plan table carries them, the provenance columns). The next run compares its own
summary and figures with those of the run that ``latest`` pointed to before it:

- ``status``: a target's status under a scenario changed (``on_track`` → ``needs_acceleration``);
- ``prob_reach``: P(reach) moved by ``PROB_STEP`` (10 percentage points) or more;
- ``new_figure``: a real figure (not illustrative) that the previous run did not have, including
  one that replaces an illustrative figure;
- ``revised_figure``: a real figure whose value or status differs from the previous run's.

Illustrative figures are generated, so a change among them is not reported. The comparison is a
plain :class:`pandas.DataFrame` (:data:`CHANGE_COLUMNS`); :func:`render_changes_html` draws it for
``index.html`` and :meth:`Changes.manifest` for ``manifest.json``.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from qcplan.numbers import as_float
from qcplan.render.html import target_anchor
from qcplan.render.i18n import pick

#: A move of P(reach) reported as a change: 10 percentage points or more.
PROB_STEP = 0.10
FIGURES_FILE = "figures.csv"
SUMMARY_FILE = "summary.csv"
#: Columns identifying one figure.
FIGURE_KEY = ("indicator_id", "geography", "year", "period", "measure")
#: Columns of a figure kept in the snapshot when the plan's observations carry them.
FIGURE_COLUMNS = (*FIGURE_KEY, "value", "unit", "status", "source", "received",
                  "reporting_unit", "file", "file_sha256")
CHANGE_COLUMNS = ("change", "plan", "scenario", "target_id", "pillar", "indicator_id",
                  "geography", "year", "period", "before", "after", "unit", "reporting_unit",
                  "file")
ORDER = {"status": 0, "prob_reach": 1, "new_figure": 2, "revised_figure": 3}


def figure_snapshot(observations: pd.DataFrame) -> pd.DataFrame:
    """The figures a run used, in a stable order: the columns of :data:`FIGURE_COLUMNS` that
    the observations carry (the key columns always, blank where the plan has none)."""
    obs = observations.copy()
    for col in FIGURE_KEY:
        if col not in obs.columns:
            obs[col] = ""
    cols = [c for c in FIGURE_COLUMNS if c in obs.columns]
    snap = obs[cols].copy()
    for col in FIGURE_KEY:
        snap[col] = snap[col].map(_key_text)
    return snap.sort_values(list(FIGURE_KEY), kind="stable").reset_index(drop=True)


def _key_text(value: Any) -> str:
    """A key cell as text: '' for missing, 2031 not 2031.0."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value)
    return "" if text in ("nan", "<NA>", "None") else text


Previous = tuple[pd.DataFrame, "pd.DataFrame | None"]


def read_previous(run_dir: Path | None) -> Previous | None:
    """The summary and figure snapshot of a previous run folder: None when there is no previous
    run; the snapshot None for a run written before snapshots were kept (then only statuses and
    P(reach) compare)."""
    if run_dir is None or not (run_dir / SUMMARY_FILE).is_file():
        return None
    summary = pd.read_csv(run_dir / SUMMARY_FILE, encoding="utf-8-sig", dtype={"target_id": str})
    figures_path = run_dir / FIGURES_FILE
    figures = (pd.read_csv(figures_path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
               if figures_path.is_file() else None)
    return summary, figures




def _is_real(status: Any) -> bool:
    return str(status) not in ("illustrative", "", "nan")


def compare_summaries(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Status changes and P(reach) moves of ``PROB_STEP`` or more, per target × scenario (× plan
    when the summaries carry a plan id)."""
    key = [c for c in ("plan", "scenario", "target_id") if c in before and c in after]
    rows: list[dict[str, Any]] = []
    if not key or "target_id" not in key:
        return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))
    prev = before.drop_duplicates(key).set_index(key)
    for rec in after.to_dict("records"):
        k = tuple(rec[c] for c in key)
        if k not in prev.index:
            continue
        old = prev.loc[k]
        base = {c: rec.get(c, "") for c in ("plan", "scenario", "target_id", "pillar",
                                             "indicator_id", "geography")}
        s0, s1 = str(old.get("status", "")), str(rec.get("status", ""))
        if s0 != s1:
            rows.append({**base, "change": "status", "before": s0, "after": s1})
        p0, p1 = as_float(old.get("prob_reach")), as_float(rec.get("prob_reach"))
        if not (math.isnan(p0) or math.isnan(p1)) and abs(p1 - p0) >= PROB_STEP - 1e-9:
            rows.append({**base, "change": "prob_reach", "before": round(p0, 3),
                         "after": round(p1, 3)})
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


def compare_figures(before: pd.DataFrame, after: pd.DataFrame) -> pd.DataFrame:
    """Real figures that are new, or whose value or status was revised, since ``before``."""
    rows: list[dict[str, Any]] = []
    key = list(FIGURE_KEY)
    prev: dict[tuple[str, ...], dict[str, Any]] = {}
    for rec in before.to_dict("records"):
        prev[tuple(_key_text(rec.get(c, "")) for c in key)] = rec
    for rec in after.to_dict("records"):
        if not _is_real(rec.get("status")):
            continue
        k = tuple(_key_text(rec.get(c, "")) for c in key)
        base = {c: rec.get(c, "") for c in ("indicator_id", "geography", "year", "period",
                                             "unit", "reporting_unit", "file")}
        old = prev.get(k)
        new_value = as_float(rec.get("value"))
        if old is None or not _is_real(old.get("status")):
            rows.append({**base, "change": "new_figure", "before": "" if old is None else
                         f"{old.get('value', '')} (illustrative)", "after": new_value})
            continue
        old_value = as_float(old.get("value"))
        same_value = (math.isclose(old_value, new_value, rel_tol=1e-9, abs_tol=1e-12)
                      or (math.isnan(old_value) and math.isnan(new_value)))
        if not same_value or str(old.get("status")) != str(rec.get("status")):
            rows.append({**base, "change": "revised_figure",
                         "before": f"{old.get('value', '')} ({old.get('status', '')})",
                         "after": f"{rec.get('value', '')} ({rec.get('status', '')})"})
    return pd.DataFrame(rows, columns=list(CHANGE_COLUMNS))


@dataclass
class Changes:
    """The changes of a run against the one ``latest`` pointed to before it.

    ``previous_run`` is None on a first run (then ``table`` is empty and the outputs say so).
    """

    previous_run: str | None
    table: pd.DataFrame
    figures_compared: bool = True

    @property
    def first_run(self) -> bool:
        return self.previous_run is None

    def counts(self) -> dict[str, int]:
        vc = self.table["change"].value_counts() if len(self.table) else {}
        return {name: int(vc.get(name, 0)) for name in ORDER}

    def manifest(self) -> dict[str, Any]:
        """The ``changes`` entry of ``manifest.json``."""
        return {"previous_run": self.previous_run, "first_run": self.first_run,
                "figures_compared": self.figures_compared, "counts": self.counts(),
                "file": "changes.csv"}

    def status_frame(self, scenario: str) -> pd.DataFrame:
        """The status changes under ``scenario`` as ``target_id, previous_status, status`` (what
        :meth:`qcplan.render.narrative.Narrator.pillar_paragraph` takes)."""
        t = self.table
        t = t[(t["change"] == "status") & (t["scenario"].astype(str) == scenario)]
        return pd.DataFrame({"target_id": t["target_id"].astype(str),
                             "previous_status": t["before"].astype(str),
                             "status": t["after"].astype(str)}).reset_index(drop=True)

    def log_lines(self) -> list[str]:
        """Lines for the run log."""
        if self.first_run:
            return ["changes: first run (no previous latest to compare with)"]
        c = self.counts()
        lines = [f"changes since run {self.previous_run}: {c['status']} status change(s), "
                 f"{c['prob_reach']} P(reach) move(s) of 10 points or more, "
                 f"{c['new_figure']} new and {c['revised_figure']} revised figure(s)"]
        if not self.figures_compared:
            lines.append("changes: the previous run kept no figure snapshot; figures not compared")
        for rec in self.table.head(20).to_dict("records"):
            lines.append("  " + _describe(rec, "en"))
        if len(self.table) > 20:
            lines.append(f"  ... {len(self.table) - 20} more in changes.csv")
        return lines


def compare_runs(previous_run: str | None, previous: Previous | None,
                 summary: pd.DataFrame, figures: pd.DataFrame) -> Changes:
    """Compare this run's ``summary`` and ``figures`` with a previous run's (see
    :func:`read_previous`); ``previous`` None means a first run."""
    if previous_run is None or previous is None:
        return Changes(None, pd.DataFrame(columns=list(CHANGE_COLUMNS)), figures_compared=False)
    prev_summary, prev_figures = previous
    compared = prev_figures is not None
    parts = [compare_summaries(prev_summary, summary)]
    if prev_figures is not None:
        parts.append(compare_figures(prev_figures, figures))
    parts = [p for p in parts if len(p)]
    table = (pd.concat(parts, ignore_index=True) if parts
             else pd.DataFrame(columns=list(CHANGE_COLUMNS)))
    if len(table):
        table["_o"] = table["change"].map(ORDER)
        table = table.sort_values(["_o", "scenario", "target_id", "indicator_id", "year"],
                                  kind="stable", na_position="last").drop(columns="_o")
        table = table.reset_index(drop=True)
    return Changes(previous_run, table, figures_compared=compared)


# --------------------------------------------------------------------------- words and HTML
_WORDS = {
    "status": ("状态变化", "status"),
    "prob_reach": ("实现概率变化", "P(reach)"),
    "new_figure": ("新数据", "new figure"),
    "revised_figure": ("修订数据", "revised figure"),
}


def _fmt(value: Any) -> str:
    v = as_float(value)
    if math.isnan(v):
        return str(value)
    return f"{v:.0%}" if 0 <= v <= 1 and isinstance(value, float) else f"{v:g}"


def _describe(rec: dict[str, Any], lang: str) -> str:
    change = rec["change"]
    word = pick(_WORDS[change], lang)
    if change in ("status", "prob_reach"):
        before = _fmt(rec["before"]) if change == "prob_reach" else rec["before"]
        after = _fmt(rec["after"]) if change == "prob_reach" else rec["after"]
        return f"{word}: {rec.get('target_id')} [{rec.get('scenario')}] {before} → {after}"
    where = f"{rec.get('indicator_id')}@{rec.get('geography')} {_key_text(rec.get('year'))}"
    period = _key_text(rec.get("period"))
    if period:
        where += f" {period}"
    src = ", ".join(str(x) for x in (rec.get("reporting_unit"), rec.get("file"))
                    if _key_text(x))
    text = f"{word}: {where}: {rec['before'] or '—'} → {rec['after']}"
    return text + (f" ({src})" if src else "")


def render_changes_html(changes: Changes, status_label: Any = None,
                        report_links: dict[tuple[str, str], str] | None = None,
                        limit: int = 30) -> str:
    """The "自上次运行以来的变化 · Since the last run" section of ``index.html``.

    ``status_label(status, lang)`` gives a status's words (defaults to the raw class);
    ``report_links`` maps (pillar, scenario) to a report's relative address.
    """

    esc = html.escape
    label = status_label or (lambda s, lang: s)
    head = ('<section class="changes" id="changes"><h2>自上次运行以来的变化 · '
            'Since the last run</h2>')
    if changes.first_run:
        return (head + '<p class="muted">首次运行,没有可比较的上次运行。 · '
                'First run: there is no previous run to compare with.</p></section>')
    c = changes.counts()
    summary = (f'<p>与上次运行 <code>{esc(str(changes.previous_run))}</code> 相比 · '
               f'against run <code>{esc(str(changes.previous_run))}</code>: '
               f'{c["status"]} 项状态变化 · status changes; '
               f'{c["prob_reach"]} 项实现概率变化≥10个百分点 · P(reach) moves of 10 points or '
               f'more; {c["new_figure"]} 个新数据 · new figures; '
               f'{c["revised_figure"]} 个修订数据 · revised figures.</p>')
    if not changes.figures_compared:
        summary += ('<p class="muted">上次运行未保存数据快照,未比较数据。 · The previous run '
                    'kept no snapshot of its figures; figures were not compared.</p>')
    if not len(changes.table):
        return head + summary + '<p class="muted">无变化 · No changes.</p></section>'
    rows = []
    for rec in changes.table.head(limit).to_dict("records"):
        change = rec["change"]
        what = f"{_WORDS[change][0]} · {_WORDS[change][1]}"
        if change in ("status", "prob_reach"):
            target = esc(str(rec.get("target_id", "")))
            link = (report_links or {}).get((str(rec.get("pillar")), str(rec.get("scenario"))))
            anchor = esc(target_anchor(str(rec.get("target_id", ""))))
            subject = f'<a href="{esc(link)}#{anchor}">{target}</a>' if link else target
            subject += f' <span class="muted">[{esc(str(rec.get("scenario", "")))}]</span>'
            if change == "status":
                before = " · ".join(esc(label(str(rec["before"]), lg)) for lg in ("zh", "en"))
                after = " · ".join(esc(label(str(rec["after"]), lg)) for lg in ("zh", "en"))
            else:
                before, after = esc(_fmt(rec["before"])), esc(_fmt(rec["after"]))
            source = ""
        else:
            subject = esc(f"{rec.get('indicator_id')}@{rec.get('geography')} "
                          f"{_key_text(rec.get('year'))} {_key_text(rec.get('period'))}".strip())
            before = esc(str(rec["before"])) if _key_text(rec["before"]) else "—"
            after = esc(str(rec["after"]))
            unit = _key_text(rec.get("unit"))
            if unit:
                after += f" {esc(unit)}"
            source = esc(", ".join(_key_text(rec.get(c)) for c in ("reporting_unit", "file")
                                   if _key_text(rec.get(c))))
        rows.append(f"<tr><td>{what}</td><td>{subject}</td><td>{before}</td><td>{after}</td>"
                    f"<td>{source}</td></tr>")
    more = ""
    if len(changes.table) > limit:
        more = (f'<p class="muted">另有 {len(changes.table) - limit} 项,见 changes.csv · '
                f'{len(changes.table) - limit} more in changes.csv</p>')
    table = ('<div class="table-wrap"><table class="changes-table"><thead><tr>'
             '<th>变化 · Change</th><th>对象 · Subject</th><th>之前 · Before</th>'
             '<th>现在 · Now</th><th>报送 · Reported by</th></tr></thead><tbody>'
             + "".join(rows) + "</tbody></table></div>")
    return head + summary + table + more + "</section>"


def status_changes(cache_dir: str | Path, scenario: str) -> pd.DataFrame | None:
    """The status changes under ``scenario`` that ``qcplan run`` kept in its cache
    (``changes.csv``), as :meth:`Changes.status_frame` gives them; None when unknown (a report
    run alone, or a first run)."""
    path = Path(cache_dir) / "changes.csv" if cache_dir else None
    if path is None or not path.is_file():
        return None
    table = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    return Changes("cached", table).status_frame(scenario)


def changes_frame(changes: Changes, columns: Sequence[str] = CHANGE_COLUMNS) -> pd.DataFrame:
    """The table written as ``changes.csv`` (a first run writes the header alone)."""
    out = changes.table.copy()
    for col in columns:
        if col not in out.columns:
            out[col] = ""
    return out[list(columns)]
