"""The unattended batch: every pillar × scenario × language report of one run, in one folder.

:func:`run_batch` is what ``qcplan run``, a scheduler and the tests call:

1. **Validate** the data (:func:`qcplan.load_plan`), the scenario parameters
   (:func:`qcplan.load_scenarios`) and the arguments (unknown pillar or scenario names,
   languages, numbers). On any problem every message goes to the log (stderr) and the result has
   exit code 2; no notebook runs and no run folder is created.
2. Create a **new run folder** ``OUT/<run-id>/`` (UTC time plus a random suffix, never reused).
3. **Precompute** every scenario's bundle once (:func:`qcplan.render.report.precompute`) into
   ``OUT/<run-id>/cache/``, split over the workers. Every scenario of the parameters is
   precomputed, not only those reported, because each report compares all scenarios.
4. Execute the report notebook with papermill for every pillar × scenario × language in ``jobs``
   worker processes, then export each executed notebook to self-contained HTML
   (:func:`qcplan.render.export.notebook_to_html`): ``<pillar>__<scenario>__<lang>.ipynb`` and
   ``.html``. File names are built only from validated ids.
5. Write ``summary.csv`` (one row per target × scenario), ``index.html``
   (:mod:`qcplan.render.dashboard`) and ``manifest.json`` (versions, parameters, SHA-256 of
   every data and parameter file, timings, the outcome of every report).
6. Only when every report succeeded, switch ``OUT/latest`` to the new run in one atomic step (a
   temporary symlink renamed onto ``latest``). A failed, timed-out or interrupted run leaves the
   previous ``latest`` as it was.

Exit codes: 0 all reports written, 1 some failed (the others are still written) or the run was
stopped (SIGTERM), 2 invalid input, 130 interrupted with Ctrl-C.

Bounds: ``timeout`` limits the whole run (pending reports are cancelled and running kernels
killed; they count as ``timeout``); ``cell_timeout`` limits each notebook cell. The main process
never waits on a worker without a bound. Worker output (papermill and kernel messages) goes to
``OUT/<run-id>/logs/``.

Kernels: by default each worker keeps one kernel for its reports (``reuse_kernels``): the
report's modules (pandas, matplotlib, qcplan) stay imported, and the namespace is cleared with
``%reset -f`` and every figure closed before each report, so a report sees only its own
parameters. After a failure or a timeout the kernel is shut down and the next report starts a
new one. ``reuse_kernels=False`` (``--fresh-kernels``) starts a new kernel for every report.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import multiprocessing
import os
import platform
import re
import secrets
import signal
import sys
import threading
import time
import traceback
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any, TextIO

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_NOTEBOOK = REPO_ROOT / "notebooks" / "pillar_report.ipynb"
DEFAULT_OUT = "reports"
DEFAULT_JOBS = 2
DEFAULT_TIMEOUT = 3600.0
DEFAULT_CELL_TIMEOUT = 600.0
DEFAULT_N_SIMS = 10_000
LANGS = ("zh", "en")
LANG_CHOICES = ("zh", "en", "both")
SAFE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ARGS_FILE = "run arguments"

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_INTERRUPTED = 0, 1, 2, 130

SUMMARY_COLUMNS = (
    "target_id", "pillar", "scenario", "status", "prob_reach", "projected_median",
    "projected_p10", "projected_p90", "threshold", "latest_value", "latest_year",
    "latest_status", "illustrative", "name_zh", "name_en", "unit", "kind",
)
VERSION_PACKAGES = (
    "qcplan", "numpy", "pandas", "statsmodels", "matplotlib", "papermill", "nbconvert",
    "nbclient", "ipykernel",
)
PARAMETER_NAMES = (
    "pillar", "scenario", "lang", "data_dir", "params_dir", "as_of", "n_sims", "seed", "cache_dir",
)


# --------------------------------------------------------------------------- results
@dataclass
class ReportOutcome:
    """What became of one report: ``status`` is ok, failed, timeout, interrupted or pending."""

    pillar: str
    scenario: str
    lang: str
    status: str = "pending"
    seconds: float | None = None
    files: list[str] = field(default_factory=list)
    error: dict[str, Any] | None = None
    stages: dict[str, float] = field(default_factory=dict)

    @property
    def key(self) -> str:
        """``industry/baseline/zh``."""
        return f"{self.pillar}/{self.scenario}/{self.lang}"

    @property
    def stem(self) -> str:
        """``industry__baseline__zh``: the file name of the report without extension."""
        return f"{self.pillar}__{self.scenario}__{self.lang}"

    @property
    def html(self) -> str | None:
        """The HTML file name when the report succeeded."""
        name = f"{self.stem}.html"
        return name if self.status == "ok" and name in self.files else None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "html": self.html}


@dataclass
class RunResult:
    """The outcome of :func:`run_batch`."""

    exit_code: int
    status: str  # ok | failed | interrupted | invalid
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
    """Raised in the main thread by the SIGTERM handler."""


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
    data_dir: Path
    params_dir: Path
    notebook: Path
    as_of: str


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
) -> tuple[_Inputs | None, list[str]]:
    """Check everything before any work; return the inputs or every problem found."""
    from qcplan.errors import ParameterError, QcplanError
    from qcplan.model.assess import as_of_date
    from qcplan.model.scenarios import default_params_dir, load_scenarios
    from qcplan.plan.load import load_plan, resolve_data_dir

    problems: list[str] = []

    def bad(key: str, value: Any, expected: str) -> None:
        problems.append(str(ParameterError(ARGS_FILE, key, value, expected)))

    if lang not in LANG_CHOICES:
        bad("--lang", lang, "one of " + ", ".join(LANG_CHOICES))
    if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
        bad("--jobs", jobs, "a whole number ≥ 1")
    for key, value in (("--timeout", timeout), ("--cell-timeout", cell_timeout)):
        if value is not None and (not isinstance(value, int | float) or not value > 0):
            bad(key, value, "a number of seconds > 0")
    if not isinstance(n_sims, int) or isinstance(n_sims, bool) or n_sims < 1:
        bad("--n-sims", n_sims, "a whole number ≥ 1")
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        bad("--seed", seed, "a whole number ≥ 0")
    try:
        as_of_text = as_of_date(as_of if as_of not in ("", None) else None).isoformat()
    except (TypeError, ValueError):
        as_of_text = ""
        bad("--as-of", as_of, "a date YYYY-MM-DD or a year")
    nb_path = Path(notebook) if notebook is not None else DEFAULT_NOTEBOOK
    nb_problem = _check_notebook(nb_path)
    if nb_problem:
        problems.append(nb_problem)

    data_path = resolve_data_dir(data_dir).resolve()
    params_path = (Path(params_dir) if params_dir is not None else default_params_dir()).resolve()
    plan = None
    try:
        plan = load_plan(data_path)
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
                   params_path, nb_path.resolve(), as_of_text), []


# --------------------------------------------------------------------------- workers
def _children(pid: int) -> list[int]:
    """Every descendant process of ``pid`` (deepest last)."""
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except ImportError:  # pragma: no cover - psutil comes with ipykernel
        pass
    except Exception:
        return []
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else []:
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        kids = [c for c, pp in parents.items() if pp == p]
        out += kids
        todo += kids
    return out


def _kill(pids: Iterable[int]) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def _worker_sigterm(signum: int, frame: Any) -> None:
    """In a worker: take the kernels down too, then leave at once."""
    _kill(_children(os.getpid()))
    os._exit(128 + signum)


def _init_worker(log_dir: str) -> None:
    """Worker set-up: Ctrl-C is the main process's business; output goes to a log file."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_sigterm)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    try:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        fd = os.open(Path(log_dir) / f"worker-{os.getpid()}.log",
                     os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.close(fd)
    except OSError:
        pass


def _error_info(exc: BaseException) -> dict[str, Any]:
    return {"ename": type(exc).__name__, "evalue": str(exc)[:4000], "cell_index": None,
            "traceback": "".join(traceback.format_exception(exc))[-8000:]}


def _precompute_task(plan: Any, scenarios: dict[str, Any], cache_dir: str, n_sims: int,
                     seed: int, as_of: str) -> dict[str, Any]:
    """In a worker: write the bundles of ``scenarios``; never raises."""
    start = time.monotonic()
    try:
        from qcplan.render.report import precompute

        paths = precompute(plan, scenarios, Path(cache_dir), n_sims=n_sims, seed=seed,
                           as_of=as_of)
        return {"ok": True, "paths": {k: str(v) for k, v in paths.items()},
                "seconds": time.monotonic() - start}
    except BaseException as e:  # reported, not raised: exceptions may not pickle
        return {"ok": False, "error": _error_info(e), "seconds": time.monotonic() - start}


def _locate_failure(executed: Path, source: Path, fallback: int | None) -> dict[str, Any]:
    """Where the failing cell is: in the report notebook as written and in the executed one.

    ``cell_index`` counts the cells of the notebook a person opens and fixes (the source);
    ``executed_cell_index`` those of the saved executed notebook, which also holds papermill's
    injected-parameters cell and its error banner. Found through the cell ids; papermill's own
    index is kept as a fallback.
    """
    out: dict[str, Any] = {"cell_index": fallback, "executed_cell_index": None,
                           "cell_source": None}
    try:
        import nbformat

        cells = nbformat.read(executed, as_version=4).cells
        for i, cell in enumerate(cells):
            if any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
                out["executed_cell_index"] = i
                out["cell_source"] = cell.source[:500]
                ids = [c.get("id") for c in nbformat.read(source, as_version=4).cells]
                if cell.get("id") in ids:
                    out["cell_index"] = ids.index(cell.get("id"))
                break
    except Exception:  # the error report must not fail
        pass
    return out


# One kernel per worker, kept across reports (see the module docstring).
_KERNEL: dict[str, Any] = {}
_RESET = "%reset -f\nimport matplotlib.pyplot as _qc_plt\n_qc_plt.close('all')\ndel _qc_plt\n"


def _drop_kernel() -> None:
    """Shut this worker's kernel down (after a failure, and when the worker ends)."""
    km = _KERNEL.pop("km", None)
    _KERNEL.pop("cwd", None)
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # noqa: S110 - a dead kernel needs no shutdown
            pass


def _reused_kernel(cwd: str, timeout: float) -> Any:
    """This worker's kernel, started in ``cwd`` if needed, with a cleared namespace."""
    from jupyter_client.manager import KernelManager

    km = _KERNEL.get("km")
    if km is not None and (_KERNEL.get("cwd") != cwd or not km.is_alive()):
        _drop_kernel()
        km = None
    if km is None:
        km = KernelManager(kernel_name="python3")
        km.start_kernel(cwd=cwd, extra_arguments=["--HistoryManager.enabled=False"])
        _KERNEL.update(km=km, cwd=cwd)
        import atexit

        atexit.register(_drop_kernel)
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=timeout)
        reply = kc.execute_interactive(_RESET, timeout=timeout, store_history=False)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"could not reset the kernel: {reply['content']}")
    finally:
        kc.stop_channels()
    return km


def _papermill_engine() -> str:
    """Register (once) a papermill engine that runs on a given kernel and closes its client."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    name = "qcplan-reused-kernel"
    if name in papermill_engines._engines:
        return name

    class ReusedKernelEngine(NBClientEngine):
        """nbclient on an already running kernel (``km``), which it leaves running."""

        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                     stdout_file: Any = None, stderr_file: Any = None,
                                     start_timeout: float = 60, execution_timeout: Any = None,
                                     **kwargs: Any) -> Any:
            import logging

            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                                 kernel_name=kernel_name, log=logging.getLogger("papermill"),
                                 log_output=log_output, stdout_file=stdout_file,
                                 stderr_file=stderr_file)
            client = PapermillNotebookClient(nb_man, **final)
            try:
                return client.execute()
            finally:
                if client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(name, ReusedKernelEngine)
    return name


def _report_task(task: dict[str, Any]) -> dict[str, Any]:
    """In a worker: execute one report notebook and export it; never raises."""
    start = time.monotonic()
    out_nb, out_html = Path(task["ipynb"]), Path(task["html"])
    stages: dict[str, float] = {}

    def done(status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        files = [p.name for p in (out_nb, out_html) if p.is_file()]
        return {"status": status, "seconds": time.monotonic() - start, "files": files,
                "error": error, "stages": stages}

    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        engine: dict[str, Any] = {}
        if task.get("reuse_kernel"):
            engine = {"engine_name": _papermill_engine(),
                      "km": _reused_kernel(task["cwd"], task.get("start_timeout", 120))}
        try:
            pm.execute_notebook(
                task["notebook"], str(out_nb), parameters=task["parameters"],
                kernel_name="python3", cwd=task["cwd"], request_save_on_cell_execute=False,
                progress_bar=False, execution_timeout=task["cell_timeout"], log_output=False,
                **engine,
            )
            stages["execute"] = round(time.monotonic() - start, 3)
        except PapermillExecutionError as e:
            _drop_kernel()
            return done("failed", {
                "stage": "execute", "ename": e.ename, "evalue": str(e.evalue)[:4000],
                "exec_count": e.exec_count,
                **_locate_failure(out_nb, Path(task["notebook"]), e.cell_index),
            })
        except BaseException as e:
            _drop_kernel()
            info = {"stage": "execute", **_error_info(e)}
            timed_out = type(e).__name__ in ("CellTimeoutError", "TimeoutError")
            return done("timeout" if timed_out else "failed", info)
        from qcplan.render.export import add_font_seed, notebook_to_html

        t_export = time.monotonic()
        try:
            add_font_seed(task.get("font_seed", ""))
            notebook_to_html(out_nb, out_html, title=task["title"], lang=task["lang"])
        except BaseException as e:
            return done("failed", {"stage": "export", **_error_info(e)})
        stages["export"] = round(time.monotonic() - t_export, 3)
        return done("ok")
    except BaseException as e:
        _drop_kernel()
        return done("failed", {"stage": "setup", **_error_info(e)})


class _Pool:
    """A ProcessPoolExecutor whose workers (and their kernels) can be killed on demand."""

    def __init__(self, jobs: int, log_dir: Path):
        self.jobs = jobs
        self.executor = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker, initargs=(str(log_dir),),
        )

    def submit(self, fn: Any, *args: Any) -> Future:
        return self.executor.submit(fn, *args)

    def _processes(self) -> list[Any]:
        return list((getattr(self.executor, "_processes", None) or {}).values())

    def kill(self) -> None:
        """Cancel what has not started, kill running kernels and terminate the workers."""
        procs = self._processes()
        self.executor.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            if p.pid is not None:
                _kill(_children(p.pid))
        for p in procs:
            if p.is_alive():
                p.terminate()
        deadline = time.monotonic() + 5
        for p in procs:
            p.join(timeout=max(0.0, deadline - time.monotonic()))
            if p.is_alive():
                p.kill()
                p.join(timeout=1)

    def close(self) -> None:
        """Normal end: workers have no work left; stop them (bounded)."""
        procs = self._processes()
        self.executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + 10
        for p in procs:
            p.join(timeout=max(0.0, deadline - time.monotonic()))
        if any(p.is_alive() for p in procs):
            self.kill()


# --------------------------------------------------------------------------- run folder
def _new_run_dir(out: Path) -> tuple[str, Path]:
    """Create ``out/<UTC time>-<random>``; never reuse an existing folder."""
    out.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        run_id = (f"{_dt.datetime.now(_dt.UTC):%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}")
        path = out / run_id
        try:
            path.mkdir()
        except FileExistsError:
            continue
        return run_id, path
    raise FileExistsError(f"could not create a new run folder in {out}")


def switch_latest(out: Path, run_id: str) -> Path:
    """Point ``out/latest`` at ``run_id`` atomically (temporary symlink renamed onto it)."""
    tmp = out / f".latest.tmp-{run_id}"
    if tmp.is_symlink() or tmp.exists():
        tmp.unlink()
    os.symlink(run_id, tmp)
    try:
        os.replace(tmp, out / "latest")
    except OSError:
        tmp.unlink(missing_ok=True)
        raise
    return out / "latest"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_hashes(root: Path, prefix: str) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (hidden files and caches skipped), by relative path."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if path.is_file():
            out[f"{prefix}/{rel.as_posix()}"] = _sha256(path)
    return out


def versions() -> dict[str, str | None]:
    """Versions of Python and of the packages that shape the results."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def _write_json(path: Path, data: Any) -> None:
    from qcplan.files import write_atomic

    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def _summary(tables: Mapping[str, Any], pillars: Sequence[str]) -> Any:
    import pandas as pd

    frames = []
    for name, table in tables.items():
        t = table[table["pillar"].isin(list(pillars))].copy()
        if "scenario" not in t:
            t["scenario"] = name
        frames.append(t)
    if not frames:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    df = pd.concat(frames, ignore_index=True)
    for col in ("latest_year", "period_start", "target_year", "n_points"):
        if col in df.columns and pd.api.types.is_float_dtype(df[col]):
            values = df[col].dropna()
            if (values == values.round()).all():
                df[col] = df[col].astype("Int64")  # 2024, not 2024.0
    first = [c for c in SUMMARY_COLUMNS if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def _write_summary(path: Path, df: Any) -> None:
    import io

    from qcplan.files import write_atomic

    buf = io.StringIO()
    df.to_csv(buf, index=False)
    write_atomic(path, "\ufeff" + buf.getvalue())  # BOM: spreadsheets read it as UTF-8


# --------------------------------------------------------------------------- the run
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
) -> RunResult:
    """Run every report of ``pillars`` × ``scenarios`` × languages into a new run folder.

    ``pillars`` / ``scenarios``: ids (a list, or comma-separated), default all; ``lang``: zh, en
    or both; ``out``: the folder holding run folders and ``latest``; ``data_dir`` /
    ``params_dir``: default the shipped ``data/`` and ``params/``; ``jobs``: worker processes;
    ``timeout``: seconds for the whole run (None: no limit), ``cell_timeout``: seconds per
    notebook cell; ``as_of``: date of the assessment (default today, fixed once for the run);
    ``notebook``: the report notebook (default ``notebooks/pillar_report.ipynb``), which must have
    a ``parameters`` cell; ``progress``: a tqdm bar (default: when ``log`` is a terminal and not
    ``quiet``); ``log``: where messages go (default stderr); ``reuse_kernels``: keep one kernel
    per worker across reports (namespace cleared before each; see the module docstring).

    Returns a :class:`RunResult`; see the module's documentation for the steps and exit codes.
    """
    stream = log if log is not None else sys.stderr
    if progress is None:
        progress = bool(getattr(stream, "isatty", lambda: False)()) and not quiet
    lg = _Log(stream, quiet, progress)
    t_start = time.monotonic()
    started = _dt.datetime.now(_dt.UTC)

    inputs, problems = _validate(pillars, scenarios, lang, data_dir, params_dir, jobs, timeout,
                                 cell_timeout, n_sims, seed, as_of, notebook)
    if inputs is None:
        for p in problems:
            lg.plain(f"qcplan: {p}")
        return RunResult(EXIT_BAD_INPUT, "invalid", errors=problems)
    hashes = _input_hashes(inputs)
    t_validated = time.monotonic()

    out_dir = Path(out).resolve()
    try:
        run_id, run_dir = _new_run_dir(out_dir)
    except OSError as e:
        message = f"cannot create a run folder in {out_dir}: {e}"
        lg.plain(f"qcplan: {message}")
        return RunResult(EXIT_BAD_INPUT, "invalid", errors=[message])
    cache_dir, log_dir = run_dir / "cache", run_dir / "logs"
    reports = [ReportOutcome(p, s, la) for p in inputs.pillars for s in inputs.scenarios
               for la in inputs.langs]
    lg.info(f"run {run_id}: {len(inputs.pillars)} pillars × {len(inputs.scenarios)} scenarios × "
            f"{len(inputs.langs)} languages = {len(reports)} reports, {jobs} workers, "
            f"as of {inputs.as_of} -> {run_dir}")
    params = {
        "pillars": inputs.pillars, "scenarios": inputs.scenarios, "langs": inputs.langs,
        "out": str(out_dir), "data_dir": str(inputs.data_dir),
        "params_dir": str(inputs.params_dir), "notebook": str(inputs.notebook), "jobs": jobs,
        "reuse_kernels": reuse_kernels,
        "timeout": timeout, "cell_timeout": cell_timeout, "n_sims": n_sims, "seed": seed,
        "as_of": inputs.as_of,
    }
    deadline = None if timeout is None else t_start + float(timeout)
    state: dict[str, Any] = {"reuse_kernels": reuse_kernels,
                             "status": "ok", "errors": [], "precompute_seconds": None,
                             "reports_seconds": None, "bundles": {}, "interrupt": None}

    old_handler = None
    if threading.current_thread() is threading.main_thread():
        def on_sigterm(signum: int, frame: Any) -> None:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)  # once: let the clean-up finish
            raise _Stopped()

        old_handler = signal.signal(signal.SIGTERM, on_sigterm)
    pool = _Pool(jobs, log_dir)
    try:
        try:
            _execute(pool, inputs, reports, run_dir, cache_dir, n_sims, seed, cell_timeout,
                     deadline, lg, state)
        except KeyboardInterrupt:
            state["interrupt"] = "SIGINT"
        except _Stopped:
            state["interrupt"] = "SIGTERM"
        if state["interrupt"]:
            _stop(pool, reports, lg, "interrupted", "Interrupted", state["interrupt"],
                  f"interrupted ({state['interrupt']}): stopping the workers")
            state["status"] = "interrupted"
        else:
            pool.close()
    finally:
        lg.close_bar()
        if old_handler is not None:
            signal.signal(signal.SIGTERM, old_handler)

    if state["status"] != "interrupted" and any(r.status != "ok" for r in reports):
        state["status"] = "failed"
    now = _input_hashes(inputs)
    changed = sorted(k for k in set(now) | set(hashes) if now.get(k) != hashes.get(k))
    if changed:
        state["errors"].append("input files changed during the run (reports may disagree): "
                               + ", ".join(changed))
        lg.error(state["errors"][-1])
        if state["status"] == "ok":
            state["status"] = "failed"

    # Outputs of the run (also after failures: what succeeded stays usable).
    tables: dict[str, Any] = {}
    try:
        from qcplan.render.report import load_bundle

        for name in inputs.scenarios:
            path = state["bundles"].get(name)
            if path and Path(path).is_file():
                tables[name] = load_bundle(path)["table"]
        _write_summary(run_dir / "summary.csv", _summary(tables, inputs.pillars))
        _write_dashboard(run_dir, run_id, started, inputs, tables, reports, n_sims, seed)
    except Exception as e:  # the manifest must still be written
        state["errors"].append(f"writing summary.csv / index.html: {type(e).__name__}: {e}")
        lg.error(state["errors"][-1])
        if state["status"] == "ok":
            state["status"] = "failed"

    finished = _dt.datetime.now(_dt.UTC)
    manifest = {
        "run_id": run_id,
        "status": state["status"],
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "versions": versions(),
        "parameters": params,
        "data_vintage": _safe(inputs.plan.vintage),
        "hashes": hashes,
        "timings": {
            "total_seconds": round(time.monotonic() - t_start, 3),
            "validate_seconds": round(t_validated - t_start, 3),
            "precompute_seconds": state["precompute_seconds"],
            "reports_seconds": state["reports_seconds"],
            "per_report_seconds": {r.key: r.seconds for r in reports},
        },
        "reports": [r.to_dict() for r in reports],
        "errors": state["errors"],
        "outputs": sorted(p.name for p in run_dir.iterdir() if p.is_file())
        + ["manifest.json"],
    }
    _write_json(run_dir / "manifest.json", manifest)

    result = RunResult(EXIT_OK, state["status"], run_id, run_dir, reports, state["errors"])
    if state["status"] == "ok":
        try:
            switch_latest(out_dir, run_id)
            result.latest_updated = True
        except OSError as e:
            result.errors.append(f"could not switch {out_dir / 'latest'}: {e}")
            result.status = "failed"
            lg.error(result.errors[-1])
    bad = result.failed
    for r in bad:
        lg.error(f"failed: {r.key} {r.status}{_error_suffix(r.error)}")
    if state["status"] == "interrupted":
        result.exit_code = EXIT_INTERRUPTED if state["interrupt"] == "SIGINT" else EXIT_FAILED
    elif bad or result.status != "ok":
        result.exit_code = EXIT_FAILED
    n_ok = len(reports) - len(bad)
    summary = (f"run {run_id} {result.status}: {n_ok}/{len(reports)} reports ok in "
               f"{time.monotonic() - t_start:.1f}s; "
               + (f"latest -> {run_id}" if result.latest_updated else "latest unchanged"))
    (lg.info if result.ok else lg.error)(summary)
    return result


def _input_hashes(inputs: _Inputs) -> dict[str, str]:
    """SHA-256 of every data and parameter file and of the report notebook."""
    return {
        **file_hashes(inputs.data_dir, "data"),
        **file_hashes(inputs.params_dir, "params"),
        "notebook": _sha256(inputs.notebook),
    }


def _safe(fn: Any) -> Any:
    try:
        return fn()
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}


def _groups(names: list[str], n: int) -> list[list[str]]:
    """Split ``names`` into at most ``n`` groups, round robin (each group shares its fits)."""
    n = max(1, min(n, len(names)))
    return [names[i::n] for i in range(n) if names[i::n]]


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else deadline - time.monotonic()


def _wait_step(futures: Iterable[Future], deadline: float | None) -> set[Future]:
    """Wait at most 0.5 s (and never past the deadline) for some future to finish."""
    left = _remaining(deadline)
    step = 0.5 if left is None else max(0.0, min(0.5, left))
    done, _ = wait(list(futures), timeout=step, return_when=FIRST_COMPLETED)
    return done


def _execute(pool: _Pool, inputs: _Inputs, reports: list[ReportOutcome], run_dir: Path,
             cache_dir: Path, n_sims: int, seed: int, cell_timeout: float | None,
             deadline: float | None, lg: _Log, state: dict[str, Any]) -> None:
    """Precompute, then run the reports; fills ``reports`` and ``state``."""
    # 1. bundles of every scenario, in parallel groups
    t0 = time.monotonic()
    lg.info(f"precompute {len(inputs.all_scenarios)} scenarios ({n_sims} draws)")
    pending: dict[Future, list[str]] = {}
    for group in _groups(list(inputs.all_scenarios), pool.jobs):
        scen = {n: inputs.all_scenarios[n] for n in group}
        fut = pool.submit(_precompute_task, inputs.plan, scen, str(cache_dir), n_sims, seed,
                          inputs.as_of)
        pending[fut] = group
    failures: list[str] = []
    while pending:
        left = _remaining(deadline)
        if left is not None and left <= 0:
            _timeout(pool, reports, lg, "the run's time limit was reached while precomputing")
            state["precompute_seconds"] = round(time.monotonic() - t0, 3)
            state["errors"].append("timeout during precompute")
            return
        for fut in _wait_step(pending, deadline):
            group = pending.pop(fut)
            try:
                res = fut.result()
            except BaseException as e:  # a worker died
                res = {"ok": False, "error": _error_info(e)}
            if res["ok"]:
                state["bundles"].update(res["paths"])
            else:
                failures.append(f"precompute of {', '.join(group)} failed"
                                f"{_error_suffix(res['error'])}")
                lg.error(failures[-1])
    state["precompute_seconds"] = round(time.monotonic() - t0, 3)
    lg.info(f"precompute done in {state['precompute_seconds']:.1f}s")
    if failures:
        state["errors"] += failures
        for r in reports:
            r.status = "failed"
            r.error = {"ename": "PrecomputeError", "evalue": "; ".join(failures),
                       "cell_index": None}
        return

    # 2. the reports
    t1 = time.monotonic()
    plan = inputs.plan
    names = plan.pillars.set_index("pillar")
    by_future: dict[Future, ReportOutcome] = {}
    font_seed = _font_seed(inputs)
    lg.start_bar(len(reports))
    for r in reports:
        pname = str(names.loc[r.pillar, "name_zh" if r.lang == "zh" else "name_en"])
        slabel = inputs.all_scenarios[r.scenario].label(r.lang)
        title = f"{pname} · {slabel}"
        parameters = {
            "pillar": r.pillar, "scenario": r.scenario, "lang": r.lang,
            "data_dir": str(inputs.data_dir), "params_dir": str(inputs.params_dir),
            "as_of": inputs.as_of, "n_sims": n_sims, "seed": seed, "cache_dir": str(cache_dir),
        }
        task = {
            "notebook": str(inputs.notebook), "cwd": str(inputs.notebook.parent),
            "ipynb": str(run_dir / f"{r.stem}.ipynb"), "html": str(run_dir / f"{r.stem}.html"),
            "parameters": parameters, "cell_timeout": cell_timeout, "title": title,
            "lang": r.lang, "font_seed": font_seed,
            "reuse_kernel": state.get("reuse_kernels", True),
        }
        by_future[pool.submit(_report_task, task)] = r
    try:
        while by_future:
            left = _remaining(deadline)
            if left is not None and left <= 0:
                _timeout(pool, reports, lg, "the run's time limit was reached")
                state["errors"].append("timeout")
                return
            for fut in _wait_step(by_future, deadline):
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
                           "error": _error_info(e)}
                r.status, r.files, r.error = res["status"], res["files"], res["error"]
                r.stages = res.get("stages") or {}
                r.seconds = None if res["seconds"] is None else round(res["seconds"], 3)
                lg.step(r)
    finally:
        state["reports_seconds"] = round(time.monotonic() - t1, 3)


def _font_seed(inputs: _Inputs) -> str:
    """Every character of the data's and the scenarios' text and of the labels (font subset)."""
    chars: set[str] = set()
    plan = inputs.plan
    for frame in (plan.pillars, plan.indicators, plan.targets, plan.observations):
        for col in frame.columns:
            if frame[col].dtype == object or str(frame[col].dtype) in ("str", "string"):
                chars.update("".join(frame[col].dropna().astype(str).unique()))
    for scen in inputs.all_scenarios.values():
        for la in LANGS:
            chars.update(scen.label(la) + scen.description(la))
    try:
        from qcplan.render import i18n

        for table in (i18n.STATUS, i18n.TEXT, i18n.KIND, i18n.EUROSTAT, i18n.DATA_STATUS):
            for pair in table.values():
                chars.update("".join(pair))
    except (ImportError, AttributeError):
        pass
    return "".join(sorted(c for c in chars if ord(c) > 0x7F))


def _stop(pool: _Pool, reports: list[ReportOutcome], lg: _Log, status: str, ename: str,
          why: str, message: str) -> None:
    """Kill the workers and their kernels; every report not finished gets ``status``."""
    lg.close_bar()
    lg.error(message)
    pool.kill()
    for r in reports:
        if r.status == "pending":
            r.status = status
            r.error = {"ename": ename, "evalue": why, "cell_index": None}


def _timeout(pool: _Pool, reports: list[ReportOutcome], lg: _Log, why: str) -> None:
    _stop(pool, reports, lg, "timeout", "Timeout", why,
          f"{why}: cancelling pending reports and killing running kernels")


def _write_dashboard(run_dir: Path, run_id: str, started: _dt.datetime, inputs: _Inputs,
                     tables: Mapping[str, Any], reports: list[ReportOutcome], n_sims: int,
                     seed: int) -> None:
    from qcplan import __version__
    from qcplan.render.dashboard import write_dashboard

    pillars = inputs.plan.pillars.set_index("pillar").loc[inputs.pillars].reset_index()
    write_dashboard(
        run_dir / "index.html",
        pillars=pillars,
        scenarios={n: inputs.all_scenarios[n] for n in inputs.scenarios},
        tables=tables,
        reports=[r.to_dict() for r in reports],
        run_id=run_id,
        run_date=started,
        vintage=_safe(inputs.plan.vintage),
        version=__version__,
        as_of=inputs.as_of,
        n_sims=n_sims,
        seed=seed,
    )
