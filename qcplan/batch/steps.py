"""The work of a batch run, one function a step of :func:`qcplan.batch.run.run_batch`:
:func:`plan_run` (the run folder and the list of reports), :func:`precompute` (every scenario's
bundle, in the workers), :func:`compare` (what changed since ``latest``),
:func:`history_for_reports`, :func:`render` (every report, in the workers, and the whole-plan
documents as they become ready, :class:`PlanDocuments`) and :func:`stop_workers`."""

from __future__ import annotations

import datetime as _dt
import errno
import shutil
import time
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from qcplan.batch.history import read_history
from qcplan.batch.inputs import Inputs
from qcplan.batch.outputs import (
    RUNNING,
    ReportOutcome,
    new_run_dir,
    previous_run,
    summary_table,
    write_changes,
    write_json,
)
from qcplan.batch.pool import Pool, error_info, precompute_task, report_task, wait_step
from qcplan.batch.progress import Log, error_suffix
from qcplan.batch.state import Run, input_hashes, manifest
from qcplan.files import write_csv_safe
from qcplan.render.bundles import load_bundle


class RunNotStarted(Exception):
    """The run could not start (:func:`plan_run`): ``message`` says why; ``bad_input`` when the
    arguments are at fault (the output folder), not the machine (a full disk); ``run_id`` and
    ``reports`` once the run folder was made."""

    def __init__(self, message: str, bad_input: bool, run_id: str | None = None,
                 reports: list[ReportOutcome] | None = None):
        super().__init__(message)
        self.message, self.bad_input = message, bad_input
        self.run_id, self.reports = run_id, reports or []


def plan_run(inputs: Inputs, out_dir: Path, jobs: int, timeout: float | None,
             cell_timeout: float | None, n_sims: int, seed: int, reuse_kernels: bool,
             t_start: float, lg: Log) -> Run:
    """The run folder, its first manifest (status running) and the list of reports; raises
    :class:`RunNotStarted` when the run cannot start."""
    hashes = input_hashes(inputs, out_dir)
    t_validated = time.monotonic()
    started = _dt.datetime.now(_dt.UTC)
    try:
        run_id, run_dir = new_run_dir(out_dir)
    except OSError as e:
        message = f"cannot create a run folder in {out_dir}: {e}"
        lg.plain(f"qcplan: {message}")
        if _disk_trouble(e):  # not the arguments' fault
            raise RunNotStarted(message, bad_input=False) from e
        raise RunNotStarted(message, bad_input=True) from e
    reports = [ReportOutcome(p, s, la) for p in inputs.pillars for s in inputs.scenarios
               for la in inputs.langs]
    lg.info(f"run {run_id}: {len(inputs.pillars)} pillars × {len(inputs.scenarios)} scenarios × "
            f"{len(inputs.langs)} languages = {len(reports)} reports, {jobs} workers, "
            f"as of {inputs.as_of} -> {run_dir}")
    params = {
        "pillars": inputs.pillars, "scenarios": inputs.scenarios, "langs": inputs.langs,
        "out": str(out_dir), "data_dir": str(inputs.source_dir or inputs.data_dir),
        "params_dir": None if inputs.params_dir is None else str(inputs.params_dir),
        "plan_id": inputs.plan.id, "notebook": str(inputs.notebook), "jobs": jobs,
        "reuse_kernels": reuse_kernels,
        "timeout": timeout, "cell_timeout": cell_timeout, "n_sims": n_sims, "seed": seed,
        "as_of": inputs.as_of, "formats": inputs.formats,
    }
    run = Run(inputs=inputs, out_dir=out_dir, run_id=run_id, run_dir=run_dir, reports=reports,
              params=params, hashes=hashes, started=started, t_start=t_start, n_sims=n_sims,
              seed=seed, cell_timeout=cell_timeout, reuse_kernels=reuse_kernels,
              deadline=None if timeout is None else t_start + float(timeout),
              timings={"validate_seconds": round(t_validated - t_start, 3),
                       "precompute_seconds": None, "reports_seconds": None})
    try:
        write_json(run_dir / "manifest.json", manifest(run, RUNNING))
    except OSError as e:  # e.g. a full disk: nothing can be run
        message = f"cannot write {run_dir / 'manifest.json'}: {e}"
        lg.error(message)
        shutil.rmtree(run_dir, ignore_errors=True)
        lg.error(f"run {run_id} failed before any report: latest unchanged")
        raise RunNotStarted(message, False, run_id, reports) from e
    return run


def _disk_trouble(error: OSError) -> bool:
    """A full disk, an exceeded quota, an I/O error or a read-only file system."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS)


def _groups(names: list[str], n: int) -> list[list[str]]:
    """Split ``names`` into at most ``n`` groups, round robin (each group shares its fits)."""
    n = max(1, min(n, len(names)))
    return [names[i::n] for i in range(n) if names[i::n]]


def _expired(run: Run) -> bool:
    """The run's time is up (and, first, a stop signal whose exception was lost is raised)."""
    if run.stops is not None:
        run.stops.check()
    return run.deadline is not None and time.monotonic() >= run.deadline


def precompute(pool: Pool, run: Run, lg: Log) -> bool:
    """Every scenario's bundle, in parallel groups, of the targets of the pillars reported
    (the work asked, not the whole plan); True when the reports can go on."""
    inputs = run.inputs
    t0 = time.monotonic()
    targets = inputs.plan.targets
    ids = targets.loc[targets["pillar"].isin(inputs.pillars), "target_id"].astype(str).tolist()
    lg.info(f"precompute {len(inputs.all_scenarios)} scenarios × {len(ids)} targets "
            f"({run.n_sims} draws)")
    pending: dict[Future, list[str]] = {}
    kernel_cwd = str(inputs.notebook.parent) if run.reuse_kernels else None
    names = list(inputs.all_scenarios)
    # The retrospective costs about as much as every scenario together: with two workers or
    # more it is a task of its own, beside the scenarios' groups.
    apart = pool.jobs > 1 and "baseline" in names
    if apart:
        fut = pool.submit(precompute_task, inputs.plan, {}, str(run.cache_dir), run.n_sims,
                          run.seed, inputs.as_of, ids, kernel_cwd,
                          inputs.all_scenarios["baseline"])
        pending[fut] = ["retrospective"]
    for group in _groups(names, pool.jobs - 1 if apart else pool.jobs):
        scen = {n: inputs.all_scenarios[n] for n in group}
        fut = pool.submit(precompute_task, inputs.plan, scen, str(run.cache_dir), run.n_sims,
                          run.seed, inputs.as_of, ids, kernel_cwd, None, not apart)
        pending[fut] = group
    failures: list[str] = []
    try:
        while pending:
            if _expired(run):
                _timeout(pool, run.reports, lg,
                         "the run's time limit was reached while precomputing")
                run.errors.append("timeout during precompute")
                run.status = "timeout"
                return False
            for fut in wait_step(pending, run.deadline):
                group = pending.pop(fut)
                try:
                    res = fut.result()
                except BaseException as e:  # a worker died
                    res = {"ok": False, "error": error_info(e)}
                if res["ok"]:
                    run.bundles.update(res["paths"])
                else:
                    failures.append(f"precompute of {', '.join(group)} failed"
                                    f"{error_suffix(res['error'])}")
                    lg.error(failures[-1])
    finally:
        run.timings["precompute_seconds"] = round(time.monotonic() - t0, 3)
    lg.info(f"precompute done in {run.timings['precompute_seconds']:.1f}s")
    if failures:
        run.errors += failures
        for r in run.reports:
            r.status = "failed"
            r.error = {"ename": "PrecomputeError", "evalue": "; ".join(failures),
                       "cell_index": None}
        return False
    return True


def render(pool: Pool, run: Run, lg: Log) -> None:
    """Execute and export every report in the workers; fills ``run.reports``."""
    # imported here: the export pulls in nbformat (seconds at start-up)
    from qcplan.render.export import font_seed_text

    t1 = time.monotonic()
    inputs = run.inputs
    names = inputs.plan.pillars.set_index("pillar")
    by_future: dict[Future, ReportOutcome] = {}
    font_seed = font_seed_text(inputs.plan, inputs.all_scenarios.values(),
                               inputs.data_dir / "plan.yaml")
    lg.start_bar(len(run.reports))
    # Scenario by scenario (and language by language), so that each whole-plan document can be
    # written while the workers go on with the next scenario's reports.
    rank = {name: i for i, name in enumerate(inputs.scenarios)}
    langs = {la: i for i, la in enumerate(inputs.langs)}
    pillars = {p: i for i, p in enumerate(inputs.pillars)}
    for r in sorted(run.reports, key=lambda r: (rank[r.scenario], langs[r.lang],
                                                 pillars[r.pillar])):
        pname = str(names.loc[r.pillar, "name_zh" if r.lang == "zh" else "name_en"])
        slabel = inputs.all_scenarios[r.scenario].label(r.lang)
        parameters = {
            "pillar": r.pillar, "scenario": r.scenario, "lang": r.lang,
            "data_dir": str(inputs.data_dir),
            "params_dir": "" if inputs.params_dir is None else str(inputs.params_dir),
            "as_of": inputs.as_of, "n_sims": run.n_sims, "seed": run.seed,
            "cache_dir": str(run.cache_dir),
            "docx_path": str(run.run_dir / f"{r.stem}.docx") if "docx" in inputs.formats else "",
        }
        task = {
            "notebook": str(inputs.notebook), "cwd": str(inputs.notebook.parent),
            "ipynb": str(run.run_dir / f"{r.stem}.ipynb"),
            "html": str(run.run_dir / f"{r.stem}.html"),
            "docx": parameters["docx_path"],
            "parameters": parameters, "cell_timeout": run.cell_timeout,
            "title": f"{pname} · {slabel}", "lang": r.lang, "font_seed": font_seed,
            "reuse_kernel": run.reuse_kernels,
        }
        by_future[pool.submit(report_task, task)] = r
    documents = PlanDocuments(run, lg) if "docx" in inputs.formats else None
    try:
        while by_future:
            if _expired(run):
                _timeout(pool, run.reports, lg, "the run's time limit was reached")
                run.errors.append("timeout")
                run.status = "timeout"
                return
            for fut in wait_step(by_future, run.deadline):
                r = by_future.pop(fut)
                try:
                    res = fut.result()
                except BrokenProcessPool as e:
                    res = {"status": "failed", "seconds": None, "files": [],
                           "error": {"ename": "BrokenProcessPool",
                                     "evalue": f"a worker process ended unexpectedly ({e})",
                                     "cell_index": None}}
                except BaseException as e:
                    res = {"status": "failed", "seconds": None, "files": [],
                           "error": error_info(e)}
                r.status, r.files, r.error = res["status"], res["files"], res["error"]
                r.stages = res.get("stages") or {}
                r.seconds = None if res["seconds"] is None else round(res["seconds"], 3)
                lg.step(r)
                if documents is not None:
                    documents.write_ready()
    finally:
        run.timings["reports_seconds"] = round(time.monotonic() - t1, 3)


def scenario_tables(run: Run) -> dict[str, Any]:
    """The assessment table of each scenario of the run whose bundle was computed."""
    tables: dict[str, Any] = {}
    for name in run.inputs.scenarios:
        path = run.bundles.get(name)
        if path and Path(path).is_file():
            tables[name] = load_bundle(path)["table"]
    return tables


def compare(run: Run, lg: Log) -> Any:
    """What changed since the run ``latest`` points to: written as ``changes.csv`` (and this
    run's ``figures.csv``), logged, and kept in the cache for the reports' pillar paragraphs."""
    inputs = run.inputs
    summary = summary_table(scenario_tables(run), inputs.pillars)
    figures = inputs.plan.known_at(inputs.as_of).observations
    run.changes = write_changes(run.run_dir, previous_run(run.out_dir), summary, figures,
                                run.cache_dir)
    for line in run.changes.log_lines():
        lg.info(line)
    return run.changes


class PlanDocuments:
    """The whole-plan Word document of each scenario × language
    (``plan__<scenario>__<lang>.docx``), from the scenario's bundle and the charts its pillar
    reports drew: written by the main process as soon as every report of that scenario and
    language has succeeded (:meth:`write_ready`, called as reports finish, while the workers go
    on), and never where one of them failed."""

    def __init__(self, run: Run, lg: Log):
        self.run, self.lg = run, lg
        self.done: set[tuple[str, str]] = set()
        self.others: dict[str, Any] | None = None
        self.bundles: dict[str, Any] = {}
        run.timings.setdefault("plan_documents_seconds", 0.0)

    def write_ready(self) -> None:
        run = self.run
        for name in run.inputs.scenarios:
            for lang in run.inputs.langs:
                if (name, lang) in self.done:
                    continue
                mine = [r for r in run.reports if r.scenario == name and r.lang == lang]
                if not mine or any(r.status in (None, "pending") for r in mine):
                    continue
                self.done.add((name, lang))
                if all(r.status == "ok" for r in mine):
                    self.write(name, lang)

    def write(self, name: str, lang: str) -> None:
        # imported here: the Word documents pull in python-docx and nbformat (start-up time)
        from qcplan.render import documents

        run, inputs = self.run, self.run.inputs
        t0 = time.monotonic()
        try:
            if self.others is None:
                self.others = scenario_tables(run)
            if name not in self.bundles:
                self.bundles[name] = load_bundle(run.bundles[name])
            bundle = self.bundles[name]
            table = bundle["table"]
            part = {**bundle, "table": table[table["pillar"].isin(inputs.pillars)]}
            spec = documents.plan_spec(inputs.plan, inputs.all_scenarios[name], part, lang,
                                       run.cache_dir, inputs.all_scenarios, self.others)
            documents.write_document(run.run_dir / f"plan__{name}__{lang}.docx", spec)
        except Exception as e:
            run.fail(f"whole-plan document {name}/{lang}: {type(e).__name__}: {e}", self.lg)
        finally:
            run.timings["plan_documents_seconds"] = round(
                float(run.timings.get("plan_documents_seconds") or 0.0)
                + time.monotonic() - t0, 3)


def stop_workers(pool: Pool, reports: list[ReportOutcome], lg: Log, status: str, ename: str,
                 why: str, message: str) -> None:
    """Kill the workers and their kernels; every report not finished gets ``status``."""
    lg.close_bar()
    lg.error(message)
    pool.kill()
    for r in reports:
        if r.status == "pending":
            r.status = status
            r.error = {"ename": ename, "evalue": why, "cell_index": None}


def _timeout(pool: Pool, reports: list[ReportOutcome], lg: Log, why: str) -> None:
    stop_workers(pool, reports, lg, "timeout", "Timeout", why,
                 f"{why}: cancelling pending reports and killing running kernels")


def history_for_reports(run: Run, lg: Log) -> None:
    """Keep the plan's past course (``OUT/history.csv``) in the run's cache, where each report
    reads it for its chart of P(reach) over the runs (:mod:`qcplan.batch.history`)."""
    try:
        past = read_history(run.history_dir)
        past = past[past["plan_id"].astype(str) == str(run.inputs.plan.id)]
        write_csv_safe(past, run.cache_dir / "history.csv")
    except Exception as e:  # the reports then say "no earlier run"; the run goes on
        lg.warning(f"history: cannot read {run.history_dir / 'history.csv'}: {e}")
