"""The unattended batch: every pillar × scenario × language report of one run, in one folder.

:func:`run_batch` is what ``qcplan run``, a scheduler and the tests call. It reads as its steps:

1. **Validate** (:mod:`qcplan.batch.inputs`) the data (:func:`qcplan.load_plan`), the
   scenario parameters (:func:`qcplan.load_scenarios`) and the arguments (unknown pillar or
   scenario names, languages, numbers, ``--out``, ``--keep``, ``--notify``). On any problem
   every message goes to the log (stderr) and the result has exit code 2; no notebook runs
   and no run folder is created.
2. **Plan the work** (:func:`~qcplan.batch.steps.plan_run`): a new run folder
   ``OUT/<run-id>/`` (UTC time plus a random suffix, never reused) whose ``manifest.json``
   says at once ``"status": "running"`` and which process runs it
   (:func:`~qcplan.batch.outputs.run_status`), and one
   :class:`~qcplan.batch.outputs.ReportOutcome` per report.
3. **Precompute** (:func:`~qcplan.batch.steps.precompute`) every scenario's bundle once
   (:func:`qcplan.render.bundles.precompute`) into ``OUT/<run-id>/cache/``, split over the
   workers, for the targets of the pillars reported only. Every scenario of the parameters is
   precomputed, not only those reported, because each report compares all scenarios.
4. **Render** (:func:`~qcplan.batch.steps.render`): execute the report notebook with
   papermill for every pillar × scenario × language in ``jobs`` worker processes
   (:mod:`qcplan.batch.pool`), then export each executed notebook to self-contained HTML
   (:func:`qcplan.render.export.notebook_to_html`): ``<pillar>__<scenario>__<lang>.ipynb`` and
   ``.html``. File names are built only from validated ids. Stop signals:
   :mod:`qcplan.batch.signals`; log lines and the progress bar: :mod:`qcplan.batch.progress`.
5. **Publish** (:mod:`qcplan.batch.publish`, :mod:`qcplan.batch.outputs`): ``summary.csv``
   (one row per target × scenario), ``index.html`` (:mod:`qcplan.render.dashboard`) and
   ``manifest.json`` (versions, parameters, SHA-256 of every data and parameter file, timings,
   the outcome of every report, and the run's status: ok, failed, timeout or interrupted);
   then, only when every report succeeded, switch ``OUT/latest`` to the new run in one atomic
   step (a temporary symlink renamed onto ``latest``; where the file system has no symbolic
   links, a copy of the run folder renamed onto it; ``OUT/LATEST`` names the run either way, see
   :func:`~qcplan.batch.outputs.switch_latest`). A failed, timed-out or interrupted run leaves
   the previous ``latest`` as it was. When ``latest`` cannot be switched (e.g. a real folder of
   that name is in the way) the run fails (exit 1) and its manifest says so.

Exit codes: 0 all reports written, 1 some failed (the others are still written), the run was
stopped (SIGTERM or SIGHUP) or an output could not be written (a full disk: every write of the run
is checked; the error and a final log line are printed and ``latest`` is left alone), 2 invalid
input, 130 interrupted with Ctrl-C.

Processes: the workers die with the main process, even when it is killed with SIGKILL
(``prctl(PR_SET_PDEATHSIG)`` on Linux, and a watchdog on the parent's pid everywhere), and take
their kernels with them (:mod:`qcplan.batch.pool`).

Bounds: ``timeout`` limits the whole run (pending reports are cancelled and running kernels
killed; they count as ``timeout``); ``cell_timeout`` limits each notebook cell. The main process
never waits on a worker without a bound. Worker output (papermill and kernel messages) goes to
``OUT/<run-id>/logs/``. Kernels are kept per worker by default (``reuse_kernels``; see
:mod:`qcplan.batch.pool`).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from qcplan.batch.inputs import check_run_options, validate_inputs
from qcplan.batch.outputs import ReportOutcome
from qcplan.batch.pool import Pool
from qcplan.batch.progress import Log, error_suffix
from qcplan.batch.publish import publish, send_notice
from qcplan.batch.signals import Stopped, stop_signals
from qcplan.batch.state import Run
from qcplan.batch.steps import (
    RunNotStarted,
    compare,
    history_for_reports,
    plan_run,
    precompute,
    render,
    stop_workers,
)
from qcplan.options import check_cell_timeout
from qcplan.plan.writer import PlanBusyError

__all__ = ["DEFAULT_OUT", "LANG_CHOICES", "RunResult", "run_batch"]

DEFAULT_OUT = "reports"
DEFAULT_JOBS = 2
DEFAULT_TIMEOUT = 3600.0
DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_N_SIMS = 10_000
DEFAULT_KEEP = 20
LANG_CHOICES = ("zh", "en", "both")

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


@dataclass
class RunResult:
    """The outcome of :func:`run_batch`."""

    exit_code: int
    status: str  # ok | failed | timeout | interrupted | invalid
    run_id: str | None = None
    run_dir: Path | None = None
    reports: list[ReportOutcome] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    latest_updated: bool = False

    @property
    def ok(self) -> bool:
        return self.exit_code == EXIT_OK

    @property
    def failed(self) -> list[ReportOutcome]:
        """The reports that did not succeed."""
        return [r for r in self.reports if r.status != "ok"]

    @property
    def manifest_path(self) -> Path | None:
        return None if self.run_dir is None else self.run_dir / "manifest.json"


def run_batch(
    pillars: Sequence[str] | str | None = None,
    scenarios: Sequence[str] | str | None = None,
    lang: str = "zh",
    out: str | os.PathLike[str] = DEFAULT_OUT,
    data_dir: str | os.PathLike[str] | None = None,
    params_dir: str | os.PathLike[str] | None = None,
    jobs: int = DEFAULT_JOBS,
    timeout: float | None = DEFAULT_TIMEOUT,
    cell_timeout: float | None = DEFAULT_CELL_TIMEOUT,
    quiet: bool = False,
    n_sims: int = DEFAULT_N_SIMS,
    seed: int = 0,
    as_of: Any = None,
    notebook: str | os.PathLike[str] | None = None,
    progress: bool | None = None,
    log: TextIO | None = None,
    reuse_kernels: bool = True,
    formats: Sequence[str] | str = ("html",),
    keep: int = DEFAULT_KEEP,
    notify: str | None = None,
    notify_format: str | None = None,
    history_dir: str | os.PathLike[str] | None = None,
) -> RunResult:
    """Run every report of ``pillars`` × ``scenarios`` × languages into a new run folder.

    ``pillars`` / ``scenarios``: ids (a list, or comma-separated), default all; ``lang``: zh, en
    or both; ``out``: the folder holding run folders and ``latest``; ``data_dir``: the
    plan folder (default: :func:`qcplan.plan.meta.choose_plan_dir`); ``params_dir``: an extra
    folder of scenarios over the generic ones and the plan's own; ``jobs``: worker processes;
    ``timeout``: seconds for the whole run (None: no limit), ``cell_timeout``: seconds per
    notebook cell; ``as_of``: date of the assessment (default today, fixed once for the run);
    ``notebook``: the report notebook (default :func:`qcplan.resources.report_notebook`), which
    must have
    a ``parameters`` cell; ``progress``: a tqdm bar (default: when ``log`` is a terminal and not
    ``quiet``); ``log``: where messages go (default stderr); ``reuse_kernels``: keep one kernel
    per worker across reports (namespace cleared before each; see :mod:`qcplan.batch.pool`);
    ``formats``: ``html`` (always) and ``docx`` for Word documents too: one per report and one
    whole-plan assessment per scenario × language; ``keep``: retention, the number of run
    folders kept in ``out`` (oldest deleted first, never the one ``latest`` shows nor a running
    one; 0 keeps all; see :func:`qcplan.batch.outputs.prune_runs`); ``notify``: a webhook
    address (default ``$QCPLAN_NOTIFY_URL``; ``""`` none) told when a status changed, a P(reach)
    moved by 10 points or more, or the run failed, in ``notify_format`` (wecom, dingtalk, feishu
    or json; default ``$QCPLAN_NOTIFY_FORMAT``, else from the address; see
    :mod:`qcplan.batch.notify`); ``history_dir``: the folder of ``history.csv`` (default
    ``out``; a multi-plan run keeps one beside its run folders, :mod:`qcplan.batch.plans`).

    Returns a :class:`RunResult`; see the module's documentation for the steps and exit codes.
    """
    stream = log if log is not None else sys.stderr
    if progress is None:
        progress = bool(getattr(stream, "isatty", lambda: False)()) and not quiet
    lg = Log(stream, quiet, progress)
    t_start = time.monotonic()

    snapshot_dir = Path(tempfile.mkdtemp(prefix="qcplan-plan-"))
    try:
        return _run_batch(pillars, scenarios, lang, out, data_dir, params_dir, jobs, timeout,
                          cell_timeout, n_sims, seed, as_of, notebook, formats, keep, lg,
                          t_start, snapshot_dir, reuse_kernels, notify=notify,
                          notify_format=notify_format, history_dir=history_dir)
    except PlanBusyError as e:
        lg.plain(f"qcplan: {e}")
        return RunResult(EXIT_FAILED, "failed", errors=[str(e)])
    finally:
        shutil.rmtree(snapshot_dir, ignore_errors=True)


def _run_batch(pillars: Any, scenarios: Any, lang: str, out: Any, data_dir: Any, params_dir: Any,
               jobs: int, timeout: float | None, cell_timeout: float | None, n_sims: int,
               seed: int, as_of: Any, notebook: Any, formats: Any, keep: int, lg: Log,
               t_start: float, snapshot_dir: Path, reuse_kernels: bool, *,
               notify: str | None = None, notify_format: str | None = None,
               history_dir: Any = None) -> RunResult:
    # 1. validate, on a snapshot of the plan folder taken under its lock
    inputs, problems = validate_inputs(pillars, scenarios, lang, data_dir, params_dir, jobs,
                                       timeout, cell_timeout, n_sims, seed, as_of, notebook,
                                       formats, snapshot_dir=snapshot_dir, out=out, lg=lg)
    if inputs is None:
        return _invalid(problems, lg)
    hook, late = check_run_options(inputs, out, keep, notify, notify_format)
    if late:
        return _invalid([str(e) for e in late], lg)
    cell_timeout = check_cell_timeout(cell_timeout)  # whole seconds, as nbclient takes them

    # 2. plan the work
    out_dir = Path(out).resolve()
    try:
        run = plan_run(inputs, out_dir, jobs, timeout, cell_timeout, n_sims, seed,
                       reuse_kernels, t_start, lg)
    except RunNotStarted as e:
        if e.bad_input:
            return RunResult(EXIT_BAD_INPUT, "invalid", errors=[e.message])
        return RunResult(EXIT_FAILED, "failed", e.run_id, None, e.reports, [e.message])
    run.params["keep"] = keep
    run.notify = hook
    run.params["notify"] = None if hook is None else hook.manifest()
    run.params["history_dir"] = str(Path(history_dir).resolve() if history_dir else out_dir)

    # 3. precompute and 4. render, in the workers; stopped by SIGTERM, Ctrl-C or the deadline
    _execute(run, jobs, lg)

    # 5. publish, then say how it went
    latest_updated = publish(run, lg)
    result = _result(run, latest_updated, lg)
    send_notice(run, result.status, lg)
    return result


def _invalid(problems: list[str], lg: Log) -> RunResult:
    """Every problem of the input on the log; the result of a run that does not start."""
    for p in problems:
        lg.plain(f"qcplan: {p}")
    return RunResult(EXIT_BAD_INPUT, "invalid", errors=problems)


def _execute(run: Run, jobs: int, lg: Log) -> None:
    """Precompute, compare and render in ``jobs`` workers, under :class:`stop_signals`: a stop
    signal or Ctrl-C kills the workers and marks the unfinished reports interrupted."""
    with stop_signals() as stops:
        run.stops = stops
        pool = Pool(jobs, run.log_dir)
        try:
            if precompute(pool, run, lg):
                compare(run, lg)
                history_for_reports(run, lg)
                render(pool, run, lg)  # and the whole-plan documents, as they become ready
            stops.check()
        except KeyboardInterrupt:
            run.interrupt = "SIGINT"
        except Stopped as e:
            run.interrupt = e.name
        finally:
            lg.close_bar()
        if run.interrupt:
            stop_workers(pool, run.reports, lg, "interrupted", "Interrupted", run.interrupt,
                         f"interrupted ({run.interrupt}): stopping the workers")
            run.status = "interrupted"
        else:
            pool.close()


def _result(run: Run, latest_updated: bool, lg: Log) -> RunResult:
    """The run's result and exit code; the failed reports and a closing line on the log."""
    reports = run.reports
    result = RunResult(EXIT_OK, run.status, run.run_id, run.run_dir, reports, run.errors,
                       latest_updated=latest_updated)
    bad = result.failed
    for r in bad:
        lg.error(f"failed: {r.key} {r.status}{error_suffix(r.error)}")
    if run.status == "interrupted":
        result.exit_code = EXIT_INTERRUPTED if run.interrupt == "SIGINT" else EXIT_FAILED
    elif bad or result.status != "ok":
        result.exit_code = EXIT_FAILED
    n_ok = len(reports) - len(bad)
    summary = (f"run {run.run_id} {result.status}: {n_ok}/{len(reports)} reports ok in "
               f"{time.monotonic() - run.t_start:.1f}s; "
               + (f"latest -> {run.run_id}" if result.latest_updated else "latest unchanged"))
    (lg.info if result.ok else lg.error)(summary)
    return result
