"""The unattended batch: every pillar × scenario × language report of one run, in one folder.

:func:`run_batch` is what ``qcplan run``, a scheduler and the tests call. It reads as its steps:

1. **Validate** (:func:`_validate`) the data (:func:`qcplan.load_plan`), the scenario
   parameters (:func:`qcplan.load_scenarios`) and the arguments (unknown pillar or scenario
   names, languages, numbers). On any problem every message goes to the log (stderr) and the
   result has exit code 2; no notebook runs and no run folder is created.
2. **Plan the work** (:func:`_plan`): a new run folder ``OUT/<run-id>/`` (UTC time plus a random
   suffix, never reused) whose ``manifest.json`` says at once ``"status": "running"`` and which
   process runs it (:func:`~qcplan.batch.outputs.run_status`), and one
   :class:`~qcplan.batch.outputs.ReportOutcome` per report.
3. **Precompute** (:func:`_precompute`) every scenario's bundle once
   (:func:`qcplan.render.bundles.precompute`) into ``OUT/<run-id>/cache/``, split over the
   workers, for the targets of the pillars reported only. Every scenario of the parameters is
   precomputed, not only those reported, because each report compares all scenarios.
4. **Render** (:func:`_render`): execute the report notebook with papermill for every pillar ×
   scenario × language in ``jobs`` worker processes (:mod:`qcplan.batch.pool`), then export each
   executed notebook to self-contained HTML (:func:`qcplan.render.export.notebook_to_html`):
   ``<pillar>__<scenario>__<lang>.ipynb`` and ``.html``. File names are built only from
   validated ids.
5. **Publish** (:func:`_publish`, :mod:`qcplan.batch.outputs`): ``summary.csv`` (one row per
   target × scenario), ``index.html`` (:mod:`qcplan.render.dashboard`) and ``manifest.json``
   (versions, parameters, SHA-256 of every data and parameter file, timings, the outcome of
   every report, and the run's status: ok, failed, timeout or interrupted); then, only when
   every report succeeded, switch ``OUT/latest`` to the new run in one atomic step (a
   temporary symlink renamed onto ``latest``; where the file system has no symbolic links, a
   copy of the run folder renamed onto it; ``OUT/LATEST`` names the run either way, see
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

import datetime as _dt
import errno
import json
import os
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from qcplan.batch.outputs import (
    RUNNING,
    ReportOutcome,
    file_hashes,
    new_run_dir,
    previous_run,
    process_stamp,
    prune_runs,
    safe,
    sha256,
    summary_table,
    switch_latest,
    versions,
    write_changes,
    write_dashboard,
    write_json,
    write_summary,
)
from qcplan.batch.pool import Pool, error_info, precompute_task, report_task, wait_step

__all__ = ["DEFAULT_OUT", "LANG_CHOICES", "RunResult", "run_batch"]

from qcplan.resources import report_notebook

DEFAULT_NOTEBOOK = report_notebook()
DEFAULT_OUT = "reports"
DEFAULT_JOBS = 2
DEFAULT_TIMEOUT = 3600.0
DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_N_SIMS = 10_000
DEFAULT_KEEP = 20
LANGS = ("zh", "en")
LANG_CHOICES = ("zh", "en", "both")
FORMATS = ("html", "docx")
SAFE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ARGS_FILE = "run arguments"

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130


# --------------------------------------------------------------------------- results
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


class _Stopped(BaseException):
    """Raised in the main thread by the SIGTERM / SIGHUP handler."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.name = signal.Signals(signum).name


STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


# --------------------------------------------------------------------------- logging
class _Log:
    """Timestamped log lines on a stream, or a tqdm bar (lines printed above it)."""

    def __init__(self, stream: TextIO, quiet: bool, progress: bool):
        self.stream, self.quiet, self.bar = stream, quiet, None
        self._progress = progress

    @staticmethod
    def stamp() -> str:
        return _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _write(self, line: str) -> None:
        if self.bar is not None:
            self.bar.write(line, file=self.stream)
        else:
            print(line, file=self.stream, flush=True)

    def info(self, message: str) -> None:
        if not self.quiet and self.bar is None:
            self._write(f"{self.stamp()} INFO {message}")

    def warning(self, message: str) -> None:
        self._write(f"{self.stamp()} WARNING {message}")

    def error(self, message: str) -> None:
        self._write(f"{self.stamp()} ERROR {message}")

    def plain(self, message: str) -> None:
        """A message without time stamp (validation problems)."""
        self._write(message)

    def start_bar(self, total: int) -> None:
        if self._progress and not self.quiet:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=self.stream, unit="report", desc="reports",
                            dynamic_ncols=True)

    def step(self, outcome: ReportOutcome) -> None:
        line = f"report {outcome.key} {outcome.status} {outcome.seconds or 0:.1f}s"
        if outcome.status == "ok":
            self.info(line)
        else:
            self.error(line + _error_suffix(outcome.error))
        if self.bar is not None:
            self.bar.set_postfix_str(outcome.key, refresh=False)
            self.bar.update(1)

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _error_suffix(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    what = ": ".join(str(x) for x in (error.get("ename"), error.get("evalue")) if x)
    cell = error.get("cell_index")
    return f": {what}" + (f" (cell {cell})" if cell is not None else "")


# --------------------------------------------------------------------------- validation
@dataclass
class _Inputs:
    plan: Any
    all_scenarios: dict[str, Any]
    pillars: list[str]
    scenarios: list[str]
    langs: list[str]
    data_dir: Path  # the snapshot of the plan folder the run reads (see _validate)
    params_dir: Path | None
    notebook: Path
    as_of: str
    formats: list[str]
    source_dir: Path | None = None  # the plan folder itself


def _names(values: Sequence[str] | str | None) -> list[str] | None:
    """Names given as a list and/or comma-separated, in order, without duplicates."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        for name in str(v).split(","):
            name = name.strip()
            if name and name not in out:
                out.append(name)
    return out


def _pick(given: list[str] | None, known: list[str], key: str, what: str) -> tuple[list[str], Any]:
    """The chosen names (all when none given) or a ParameterError naming the known ones."""
    from qcplan.errors import ParameterError

    if given is None:
        return known, None
    if not given:
        return [], ParameterError(ARGS_FILE, key, "", f"at least one {what}: "
                                  + ", ".join(known))
    unknown = [g for g in given if g not in known]
    if unknown:
        return [], ParameterError(ARGS_FILE, key, ", ".join(unknown),
                                  f"known {what}s: " + ", ".join(known))
    return given, None


def _check_notebook(path: Path) -> str | None:
    """A problem with the report notebook, or None.

    Read as plain JSON: the notebook format's own reader pulls in a schema validator whose import
    alone costs the main process more than a second, and the workers read it properly anyway.
    """
    if not path.is_file():
        return f"report notebook not found: {path}"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        tagged = any("parameters" in (c.get("metadata") or {}).get("tags", []) for c in cells)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
        return f"report notebook {path} cannot be read: {e}"
    if not tagged:
        return f"report notebook {path} has no cell tagged 'parameters'"
    return None


def _validate(
    pillars: Sequence[str] | str | None, scenarios: Sequence[str] | str | None, lang: str,
    data_dir: Any, params_dir: Any, jobs: int, timeout: float | None,
    cell_timeout: float | None, n_sims: int, seed: int, as_of: Any, notebook: Any,
    formats: Sequence[str] | str = ("html",), snapshot_dir: Path | None = None,
    out: Any = None, lg: Any = None,
) -> tuple[_Inputs | None, list[str]]:
    """Check everything before any work; return the inputs or every problem found.

    With ``snapshot_dir``, the plan folder is first copied there under its lock
    (:func:`qcplan.plan.writer.snapshot`): the run reads, checks and hashes that copy, one
    whole state of the folder, whatever an ingest does to the folder meanwhile."""
    from qcplan.errors import ParameterError, QcplanError
    from qcplan.model.scenarios import load_scenarios
    from qcplan.plan.load import load_plan, resolve_data_dir
    from qcplan.plan.writer import PlanBusyError

    problems: list[str] = []

    def bad(key: str, value: Any, expected: str) -> None:
        problems.append(str(ParameterError(ARGS_FILE, key, value, expected)))

    from qcplan.options import check_options

    # The same rules as `assess` and the report notebook's parameters (qcplan/options.py).
    checked, option_problems = check_options(
        {"lang": lang, "jobs": jobs, "timeout": timeout, "cell_timeout": cell_timeout,
         "n_sims": n_sims, "seed": seed, "as_of": as_of}, ARGS_FILE, allow_both=True)
    problems += [str(e) for e in option_problems]
    as_of_text = checked["as_of"].isoformat() if "as_of" in checked else ""
    chosen_formats = _names(formats) or []
    unknown = [f for f in chosen_formats if f not in FORMATS]
    if unknown or "html" not in chosen_formats:
        bad("--formats", ",".join(chosen_formats), "html, or html,docx (the HTML reports are "
            "always written: index.html links to them)")
    nb_path = Path(notebook) if notebook is not None else DEFAULT_NOTEBOOK
    nb_problem = _check_notebook(nb_path)
    if nb_problem:
        problems.append(nb_problem)

    data_path = source_path = resolve_data_dir(data_dir).resolve()
    # params_dir: an extra scenario folder laid over the generic ones and the plan's own
    params_path = Path(params_dir).resolve() if params_dir not in (None, "") else None
    plan = None
    try:
        if snapshot_dir is not None and source_path.is_dir():
            from qcplan.plan.writer import snapshot

            skip = [Path(out).resolve()] if out is not None else []
            data_path = snapshot(source_path, snapshot_dir, skip=skip,
                                 log=None if lg is None else lg.plain)
        plan = load_plan(data_path)
    except PlanBusyError:
        raise  # not bad input: exit 1, try again
    except (QcplanError, OSError) as e:
        problems.append(str(e))
    all_scenarios: dict[str, Any] = {}
    try:
        all_scenarios = load_scenarios(params_path, plan)
    except (QcplanError, OSError) as e:
        problems.append(str(e))

    chosen_pillars: list[str] = []
    chosen_scenarios: list[str] = []
    if plan is not None:
        order = plan.pillars.sort_values("order", kind="stable")["pillar"].astype(str).tolist()
        chosen_pillars, err = _pick(_names(pillars), order, "--pillars", "pillar")
        if err is not None:
            problems.append(str(err))
    if all_scenarios:
        chosen_scenarios, err = _pick(_names(scenarios), list(all_scenarios), "--scenarios",
                                      "scenario")
        if err is not None:
            problems.append(str(err))
    for name in [*chosen_pillars, *all_scenarios]:
        if not SAFE_ID.match(name):  # ids become file names
            bad("id", name, "an id of lower-case letters, digits and _ (used in file names)")
    if problems or plan is None:
        return None, problems
    langs = list(LANGS) if lang == "both" else [lang]
    return _Inputs(plan, dict(all_scenarios), chosen_pillars, chosen_scenarios, langs, data_path,
                   params_path, nb_path.resolve(), as_of_text, chosen_formats,
                   source_dir=source_path), []


# --------------------------------------------------------------------------- the run
@dataclass
class _Run:
    """One run in progress: what was asked, where it goes, and what happened so far."""

    inputs: _Inputs
    out_dir: Path
    run_id: str
    run_dir: Path
    reports: list[ReportOutcome]
    params: dict[str, Any]
    hashes: dict[str, str]
    started: _dt.datetime
    t_start: float
    n_sims: int
    seed: int
    cell_timeout: float | None
    reuse_kernels: bool
    deadline: float | None
    process: dict[str, Any] = field(default_factory=process_stamp)
    status: str = "ok"
    errors: list[str] = field(default_factory=list)
    timings: dict[str, float | None] = field(default_factory=dict)
    bundles: dict[str, str] = field(default_factory=dict)
    interrupt: str | None = None
    changes: Any = None  # qcplan.render.changes.Changes, once compared
    stops: Any = None  # the _stop_signals in force, checked by the waiting loops
    history: Any = None  # this run's rows of OUT/history.csv (qcplan.batch.history)
    notify: Any = None  # qcplan.batch.notify.Webhook, or None
    notified: Any = None  # what became of the message (for the manifest)

    @property
    def cache_dir(self) -> Path:
        return self.run_dir / "cache"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def fail(self, message: str, lg: _Log) -> None:
        """Record an error of the run as a whole (the run is then failed)."""
        self.errors.append(message)
        lg.error(message)
        if self.status == "ok":
            self.status = "failed"


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
    lg = _Log(stream, quiet, progress)
    t_start = time.monotonic()

    # 1. validate, on a snapshot of the plan folder taken under its lock
    from qcplan.plan.writer import PlanBusyError

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
               seed: int, as_of: Any, notebook: Any, formats: Any, keep: int, lg: _Log,
               t_start: float, snapshot_dir: Path, reuse_kernels: bool, *,
               notify: str | None = None, notify_format: str | None = None,
               history_dir: Any = None) -> RunResult:
    inputs, problems = _validate(pillars, scenarios, lang, data_dir, params_dir, jobs, timeout,
                                 cell_timeout, n_sims, seed, as_of, notebook, formats,
                                 snapshot_dir=snapshot_dir, out=out, lg=lg)
    if inputs is None:
        for p in problems:
            lg.plain(f"qcplan: {p}")
        return RunResult(EXIT_BAD_INPUT, "invalid", errors=problems)
    from qcplan.options import check_cell_timeout

    cell_timeout = check_cell_timeout(cell_timeout)  # whole seconds, as nbclient takes them

    out_dir = Path(out).resolve()
    from qcplan.errors import ParameterError

    late = []
    if out_dir in (inputs.source_dir, inputs.params_dir):  # its runs would become input
        late.append(ParameterError(ARGS_FILE, "--out", str(out), "a folder other than the "
                                   "data or parameter folder itself (a subfolder is fine)"))
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
        late.append(ParameterError(ARGS_FILE, "--keep", keep, "a whole number ≥ 0 (0 keeps "
                                   "every run folder)"))
    from qcplan.batch.notify import webhook_from

    hook, problem = webhook_from(notify, notify_format)
    if problem is not None:
        late.append(problem)
    if late:
        for e in late:
            lg.plain(f"qcplan: {e}")
        return RunResult(EXIT_BAD_INPUT, "invalid", errors=[str(e) for e in late])

    # 2. plan the work
    run, error = _plan(inputs, out_dir, jobs, timeout, cell_timeout, n_sims, seed,
                       reuse_kernels, t_start, lg)
    if run is None:
        return error
    run.params["keep"] = keep
    run.notify = hook
    run.params["notify"] = None if hook is None else hook.manifest()
    run.params["history_dir"] = str(Path(history_dir).resolve() if history_dir else out_dir)

    # 3. precompute and 4. render, in the workers; stopped by SIGTERM, Ctrl-C or the deadline
    with _stop_signals() as stops:
        run.stops = stops
        pool = Pool(jobs, run.log_dir)
        try:
            if _precompute(pool, run, lg):
                _compare(run, lg)
                _history_for_reports(run, lg)
                _render(pool, run, lg)  # and the whole-plan documents, as they become ready
            stops.check()
        except KeyboardInterrupt:
            run.interrupt = "SIGINT"
        except _Stopped as e:
            run.interrupt = e.name
        finally:
            lg.close_bar()
        if run.interrupt:
            _stop(pool, run.reports, lg, "interrupted", "Interrupted", run.interrupt,
                  f"interrupted ({run.interrupt}): stopping the workers")
            run.status = "interrupted"
        else:
            pool.close()

    # 5. publish
    return _publish(run, lg)


def _plan(inputs: _Inputs, out_dir: Path, jobs: int, timeout: float | None,
          cell_timeout: float | None, n_sims: int, seed: int, reuse_kernels: bool,
          t_start: float, lg: _Log) -> tuple[_Run | None, RunResult]:
    """The run folder and the list of reports; or the result of a run that cannot start."""
    hashes = _input_hashes(inputs, out_dir)
    t_validated = time.monotonic()
    started = _dt.datetime.now(_dt.UTC)
    try:
        run_id, run_dir = new_run_dir(out_dir)
    except OSError as e:
        message = f"cannot create a run folder in {out_dir}: {e}"
        lg.plain(f"qcplan: {message}")
        if _disk_trouble(e):  # not the arguments' fault
            return None, RunResult(EXIT_FAILED, "failed", errors=[message])
        return None, RunResult(EXIT_BAD_INPUT, "invalid", errors=[message])
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
    run = _Run(inputs=inputs, out_dir=out_dir, run_id=run_id, run_dir=run_dir, reports=reports,
               params=params, hashes=hashes, started=started, t_start=t_start, n_sims=n_sims,
               seed=seed, cell_timeout=cell_timeout, reuse_kernels=reuse_kernels,
               deadline=None if timeout is None else t_start + float(timeout),
               timings={"validate_seconds": round(t_validated - t_start, 3),
                        "precompute_seconds": None, "reports_seconds": None})
    try:
        write_json(run_dir / "manifest.json", _manifest(run, RUNNING))
    except OSError as e:  # e.g. a full disk: nothing can be run
        message = f"cannot write {run_dir / 'manifest.json'}: {e}"
        lg.error(message)
        shutil.rmtree(run_dir, ignore_errors=True)
        lg.error(f"run {run_id} failed before any report: latest unchanged")
        return None, RunResult(EXIT_FAILED, "failed", run_id, None, reports, [message])
    return run, RunResult(EXIT_OK, RUNNING, run_id, run_dir, reports)


def _disk_trouble(error: OSError) -> bool:
    """A full disk, an exceeded quota, an I/O error or a read-only file system."""
    return error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS)


class _stop_signals:
    """While inside: SIGTERM or SIGHUP raises :class:`_Stopped` in the main thread (once), and
    SIGINT ``KeyboardInterrupt`` (where Python's own handler is in place). Each signal is also
    recorded (``received``): Python drops an exception raised while the main thread runs a
    finalizer, so the run's waiting loops call :meth:`check`, and a stop is never lost."""

    def __enter__(self) -> _stop_signals:
        self.old: dict[int, Any] = {}
        self.received: int | None = None
        if threading.current_thread() is threading.main_thread():
            def on_signal(signum: int, frame: Any) -> None:
                for sig in STOP_SIGNALS:  # once: let the clean-up finish
                    signal.signal(sig, signal.SIG_IGN)
                self.received = signum
                raise _Stopped(signum)

            def on_sigint(signum: int, frame: Any) -> None:
                self.received = self.received or signum
                raise KeyboardInterrupt

            for sig in STOP_SIGNALS:
                self.old[sig] = signal.signal(sig, on_signal)
            if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
                self.old[signal.SIGINT] = signal.signal(signal.SIGINT, on_sigint)
        return self

    def check(self) -> None:
        """Raise again the stop a signal asked for (if its exception was lost)."""
        if self.received == signal.SIGINT:
            raise KeyboardInterrupt
        if self.received is not None:
            raise _Stopped(self.received)

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.old.items():
            signal.signal(sig, handler)


def _publish(run: _Run, lg: _Log) -> RunResult:
    """summary.csv, index.html, manifest.json; then ``latest`` when every report succeeded."""
    inputs, reports = run.inputs, run.reports
    if run.status == "ok" and any(r.status != "ok" for r in reports):
        run.status = "failed"
    now = _input_hashes(inputs, run.out_dir)
    changed = sorted(k for k in set(now) | set(run.hashes) if now.get(k) != run.hashes.get(k))
    if changed:
        run.fail("input files changed during the run (reports may disagree): "
                 + ", ".join(changed), lg)
    if inputs.source_dir is not None and inputs.source_dir != inputs.data_dir:
        try:
            source = file_hashes(inputs.source_dir, "data", skip=[run.out_dir])
        except OSError:
            source = {}
        moved = sorted(k for k in set(source) | {k for k in run.hashes if k.startswith("data/")}
                       if source.get(k) != run.hashes.get(k))
        if moved:
            lg.info(f"the plan folder changed during the run ({', '.join(moved)}): this run "
                    "reports the state it read at its start (hashes in manifest.json)")

    # Outputs of the run (also after failures: what succeeded stays usable).
    try:
        tables = _tables(run)
        from qcplan.render.bundles import cached_retro

        retro = cached_retro(run.cache_dir) if run.cache_dir.is_dir() else None
        summary = summary_table(tables, inputs.pillars)
        summary.insert(0, "plan_id", inputs.plan.id)
        write_summary(run.run_dir / "summary.csv", summary)
        changes = run.changes if run.changes is not None else _compare(run, lg)
        history = _history_with_this_run(run, summary, lg)
        units = _unit_pages(run, tables, changes, history, lg)
        write_dashboard(run.run_dir, run.run_id, run.started, inputs.plan, inputs.pillars,
                        {n: inputs.all_scenarios[n] for n in inputs.scenarios}, tables,
                        reports, inputs.as_of, run.n_sims, run.seed, changes, retro=retro,
                        history=history, run_id_now=run.run_id, units=units)
    except Exception as e:  # the manifest must still be written
        run.fail(f"writing summary.csv / index.html: {type(e).__name__}: {e}", lg)

    try:
        write_json(run.run_dir / "manifest.json", _manifest(run))
    except OSError as e:  # e.g. a full disk; `latest` is then left alone
        run.fail(f"cannot write {run.run_dir / 'manifest.json'}: {e} (it still says running; "
                 "qcplan.batch.outputs.run_status reads such a run as killed)", lg)

    latest_how = None
    if run.status == "ok":
        _append_history(run, lg)
    if run.status == "ok":
        try:
            latest_how = switch_latest(run.out_dir, run.run_id)
        except OSError as e:  # the manifest must not keep saying ok
            run.fail(f"could not switch {run.out_dir / 'latest'}: {e}", lg)
            try:
                write_json(run.run_dir / "manifest.json", _manifest(run))
            except OSError as e2:
                run.fail(f"cannot write {run.run_dir / 'manifest.json'}: {e2}", lg)
        else:
            if latest_how == "copy":
                lg.warning(f"{run.out_dir} has no symbolic links: latest is a copy of the run "
                           f"folder and {run.out_dir / 'LATEST'} names it")
    result = RunResult(EXIT_OK, run.status, run.run_id, run.run_dir, reports, run.errors,
                       latest_updated=latest_how is not None)
    deleted, problems = prune_runs(run.out_dir, int(run.params.get("keep", DEFAULT_KEEP)),
                                   run.run_id)
    if deleted:
        lg.info(f"retention (keep {run.params['keep']}): deleted {len(deleted)} old run "
                f"folders: {', '.join(deleted)}")
    for p in problems:
        lg.warning(p)
    bad = result.failed
    for r in bad:
        lg.error(f"failed: {r.key} {r.status}{_error_suffix(r.error)}")
    if run.status == "interrupted":
        result.exit_code = EXIT_INTERRUPTED if run.interrupt == "SIGINT" else EXIT_FAILED
    elif bad or result.status != "ok":
        result.exit_code = EXIT_FAILED
    n_ok = len(reports) - len(bad)
    summary = (f"run {run.run_id} {result.status}: {n_ok}/{len(reports)} reports ok in "
               f"{time.monotonic() - run.t_start:.1f}s; "
               + (f"latest -> {run.run_id}" if result.latest_updated else "latest unchanged"))
    (lg.info if result.ok else lg.error)(summary)
    _notify(run, result, lg)
    return result


def _manifest(run: _Run, status: str | None = None) -> dict[str, Any]:
    """The run's ``manifest.json`` (``status`` running: the one written at the start)."""
    status = status or run.status
    return {
        "run_id": run.run_id,
        "status": status,
        "process": run.process,
        "started": run.started.isoformat(timespec="seconds"),
        "finished": None if status == RUNNING
        else _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "parameters": run.params,
        "data_vintage": safe(run.inputs.plan.vintage),
        "hashes": run.hashes,
        "timings": {
            "total_seconds": round(time.monotonic() - run.t_start, 3),
            **run.timings,
            "per_report_seconds": {r.key: r.seconds for r in run.reports},
        },
        "reports": [r.to_dict() for r in run.reports],
        "changes": None if run.changes is None else run.changes.manifest(),
        "notification": run.notified,
        "errors": run.errors,
        "outputs": sorted(p.name for p in run.run_dir.iterdir() if p.is_file())
        + ["manifest.json"],
        "unit_pages": _unit_files(run),
    }


def _input_hashes(inputs: _Inputs, out_dir: Path) -> dict[str, str]:
    """SHA-256 of every file of the plan folder, of the generic scenarios, of an extra
    ``params_dir`` and of the report notebook. The output folder is left out where it lies
    inside one of them (its runs are not input)."""
    from qcplan.model.scenarios import GENERIC_DIR

    skip = [out_dir]
    return {
        **file_hashes(inputs.data_dir, "data", skip=skip),
        **file_hashes(GENERIC_DIR / "scenarios", "scenarios", skip=skip),
        **(file_hashes(inputs.params_dir, "params", skip=skip)
           if inputs.params_dir is not None else {}),
        "notebook": sha256(inputs.notebook),
    }


def _groups(names: list[str], n: int) -> list[list[str]]:
    """Split ``names`` into at most ``n`` groups, round robin (each group shares its fits)."""
    n = max(1, min(n, len(names)))
    return [names[i::n] for i in range(n) if names[i::n]]


def _expired(run: _Run) -> bool:
    """The run's time is up (and, first, a stop signal whose exception was lost is raised)."""
    if run.stops is not None:
        run.stops.check()
    return run.deadline is not None and time.monotonic() >= run.deadline


def _precompute(pool: Pool, run: _Run, lg: _Log) -> bool:
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
                                    f"{_error_suffix(res['error'])}")
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


def _render(pool: Pool, run: _Run, lg: _Log) -> None:
    """Execute and export every report in the workers; fills ``run.reports``."""
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
    documents = _PlanDocuments(run, lg) if "docx" in inputs.formats else None
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


def _tables(run: _Run) -> dict[str, Any]:
    """The assessment table of each scenario of the run whose bundle was computed."""
    from qcplan.render.bundles import load_bundle

    tables: dict[str, Any] = {}
    for name in run.inputs.scenarios:
        path = run.bundles.get(name)
        if path and Path(path).is_file():
            tables[name] = load_bundle(path)["table"]
    return tables


def _compare(run: _Run, lg: _Log) -> Any:
    """What changed since the run ``latest`` points to: written as ``changes.csv`` (and this
    run's ``figures.csv``), logged, and kept in the cache for the reports' pillar paragraphs."""
    inputs = run.inputs
    summary = summary_table(_tables(run), inputs.pillars)
    figures = inputs.plan.known_at(inputs.as_of).observations
    run.changes = write_changes(run.run_dir, previous_run(run.out_dir), summary, figures,
                                run.cache_dir)
    for line in run.changes.log_lines():
        lg.info(line)
    return run.changes


class _PlanDocuments:
    """The whole-plan Word document of each scenario × language
    (``plan__<scenario>__<lang>.docx``), from the scenario's bundle and the charts its pillar
    reports drew: written by the main process as soon as every report of that scenario and
    language has succeeded (:meth:`write_ready`, called as reports finish, while the workers go
    on), and never where one of them failed."""

    def __init__(self, run: _Run, lg: _Log):
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
        from qcplan.render import documents
        from qcplan.render.bundles import load_bundle

        run, inputs = self.run, self.run.inputs
        t0 = time.monotonic()
        try:
            if self.others is None:
                self.others = _tables(run)
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


def _stop(pool: Pool, reports: list[ReportOutcome], lg: _Log, status: str, ename: str,
          why: str, message: str) -> None:
    """Kill the workers and their kernels; every report not finished gets ``status``."""
    lg.close_bar()
    lg.error(message)
    pool.kill()
    for r in reports:
        if r.status == "pending":
            r.status = status
            r.error = {"ename": ename, "evalue": why, "cell_index": None}


def _timeout(pool: Pool, reports: list[ReportOutcome], lg: _Log, why: str) -> None:
    _stop(pool, reports, lg, "timeout", "Timeout", why,
          f"{why}: cancelling pending reports and killing running kernels")


# --------------------------------------------------------------------------- history, units, notify
def _history_dir(run: _Run) -> Path:
    """The folder of the run's ``history.csv``."""
    return Path(run.params.get("history_dir") or run.out_dir)


def _history_for_reports(run: _Run, lg: _Log) -> None:
    """Keep the plan's past course (``OUT/history.csv``) in the run's cache, where each report
    reads it for its chart of P(reach) over the runs (:mod:`qcplan.batch.history`)."""
    from qcplan.batch.history import read_history
    from qcplan.files import write_csv_safe

    try:
        past = read_history(_history_dir(run))
        past = past[past["plan_id"].astype(str) == str(run.inputs.plan.id)]
        write_csv_safe(past, run.cache_dir / "history.csv")
    except Exception as e:  # the reports then say "no earlier run"; the run goes on
        lg.warning(f"history: cannot read {_history_dir(run) / 'history.csv'}: {e}")


def _history_with_this_run(run: _Run, summary: Any, lg: _Log) -> Any:
    """The plan's past course and this run's rows (kept for :func:`_append_history`)."""
    import pandas as pd

    from qcplan.batch.history import history_rows, read_history, vintage_text

    inputs = run.inputs
    run.history = history_rows(summary, run.run_id, run.started.isoformat(timespec="seconds"),
                               inputs.as_of, vintage_text(safe(inputs.plan.vintage)),
                               str(inputs.plan.id))
    try:
        past = read_history(_history_dir(run))
    except Exception as e:
        lg.warning(f"history: cannot read {_history_dir(run) / 'history.csv'}: {e}")
        past = run.history.iloc[0:0]
    past = past[(past["plan_id"].astype(str) == str(inputs.plan.id))
                & (past["run_id"].astype(str) != run.run_id)]
    frames = [f for f in (past, run.history) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else run.history


def _append_history(run: _Run, lg: _Log) -> None:
    """A successful run's rows join ``OUT/history.csv``; when they cannot, the run fails (its
    manifest says why) and ``latest`` stays where it was."""
    from qcplan.batch.history import append_history

    if run.history is None:
        return
    where = _history_dir(run)
    try:
        append_history(where, run.history)
        lg.info(f"history: {len(run.history)} rows added to {where / 'history.csv'}")
    except Exception as e:
        run.fail(f"cannot add the run to {where / 'history.csv'}: "
                 f"{type(e).__name__}: {e}", lg)
        try:
            write_json(run.run_dir / "manifest.json", _manifest(run))
        except OSError as e2:
            run.fail(f"cannot write {run.run_dir / 'manifest.json'}: {e2}", lg)


def _unit_pages(run: _Run, tables: dict[str, Any], changes: Any, history: Any,
                lg: _Log) -> Any:
    """One page per responsible unit (and a Word document with ``--formats …,docx``); the
    rows of index.html's "by unit" table (:mod:`qcplan.render.units`)."""
    from qcplan.render.units import write_unit_pages

    inputs = run.inputs
    t0 = time.monotonic()
    try:
        return write_unit_pages(run.run_dir, inputs.plan, tables, inputs.pillars,
                                inputs.all_scenarios, inputs.as_of, run.run_id, changes,
                                history, word="docx" in inputs.formats,
                                reports=[r.to_dict() for r in run.reports])
    except Exception as e:
        run.fail(f"writing the responsible units' pages: {type(e).__name__}: {e}", lg)
        return None
    finally:
        run.timings["unit_pages_seconds"] = round(time.monotonic() - t0, 3)


def _unit_files(run: _Run) -> list[str]:
    """The files of ``units/`` (the responsible units' pages), for the manifest."""
    folder = run.run_dir / "units"
    return sorted(f"units/{p.name}" for p in folder.iterdir()) if folder.is_dir() else []


def _notify(run: _Run, result: RunResult, lg: _Log) -> None:
    """Post a short message to the webhook when something changed or the run failed
    (:mod:`qcplan.batch.notify`); never changes the exit code."""
    from qcplan.batch.notify import notify_run

    if not run.notify or run.interrupt == "SIGINT":  # Ctrl-C: someone is at the terminal
        return
    try:
        outcome = notify_run(run.notify, run.inputs.plan, run.run_id, run.run_dir,
                             result.status, run.changes, run.history, lg)
    except KeyboardInterrupt:  # a Ctrl-C while waiting for the webhook: give up on it
        outcome = {"sent": False, "error": "interrupted while sending"}
        lg.warning("notify: interrupted while sending; message not delivered")
    except Exception as e:  # never the run's failure
        outcome = {"sent": False, "error": f"{type(e).__name__}: {e}"}
        lg.warning(f"notify: {outcome['error']}")
    run.notified = outcome
    try:
        write_json(run.run_dir / "manifest.json", _manifest(run))
    except OSError as e:
        lg.warning(f"cannot write {run.run_dir / 'manifest.json'}: {e}")
