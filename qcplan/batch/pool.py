"""The batch's worker processes and their kernels.

:class:`Pool` runs tasks in ``jobs`` worker processes (``spawn``) and can kill them, and the
kernels they started, on demand (an interrupted or timed-out run). The tasks that run in the
workers never raise: :func:`precompute_task` writes scenario bundles, :func:`report_task`
executes one report notebook with papermill and exports it to HTML.

Kernels: by default each worker keeps one kernel, and one client connected to it, for its
reports (``reuse_kernel``): the report's modules (pandas, matplotlib, qcplan) stay imported,
and before each report every name the last one defined is deleted, its outputs forgotten and
every figure closed, so a report sees only its own parameters. After a failure or a timeout
the kernel is shut down and the next report starts a new one. Without ``reuse_kernel``
papermill starts a new kernel for every report.

Worker output (papermill and kernel messages) goes to ``logs/worker-<pid>.log``.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import time
import traceback
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

from qcplan.render.bundles import precompute, precompute_retro


def children(pid: int) -> list[int]:
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
    """SIGKILL ``pids``, then remove the connection files (key and ports) of the kernels among
    them: a killed kernel cannot remove its own."""
    pids = list(pids)
    files = [f for pid in pids for f in connection_files(pid)]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for f in files:
        try:
            Path(f).unlink(missing_ok=True)
        except OSError:
            pass


def connection_files(pid: int) -> list[str]:
    """The connection file of the kernel process ``pid`` (``-f FILE`` on its command line), if
    it is a kernel."""
    try:
        import psutil

        cmd = psutil.Process(pid).cmdline()
    except Exception:
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return []
    if not any("ipykernel" in part for part in cmd):
        return []
    out = []
    for i, part in enumerate(cmd):
        if part == "-f" and i + 1 < len(cmd):
            out.append(cmd[i + 1])
        elif part.startswith("--f="):
            out.append(part[4:])
    return [f for f in out if f.endswith(".json")]


def _leave(signum: int) -> None:
    """In a worker: take the kernels down too, then leave at once."""
    _kill(children(os.getpid()))
    os._exit(128 + signum)


def _worker_sigterm(signum: int, frame: Any) -> None:
    _leave(signum)


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def die_with_parent(sig: int = signal.SIGTERM) -> bool:
    """Linux: have the kernel send ``sig`` to this process when its parent dies
    (``prctl(PR_SET_PDEATHSIG)``). True when set; False elsewhere."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def _watch_parent(parent_pid: int, interval: float = 1.0) -> None:
    """A daemon thread that ends this worker (and its kernels) once ``parent_pid`` is no longer
    its parent: the fallback where ``PR_SET_PDEATHSIG`` is not available."""
    import threading

    def watch() -> None:
        while True:
            if os.getppid() != parent_pid:
                _leave(signal.SIGHUP)
            time.sleep(interval)

    threading.Thread(target=watch, name="qcplan-parent-watchdog", daemon=True).start()


def init_worker(log_dir: str, parent_pid: int | None = None) -> None:
    """Worker set-up: Ctrl-C is the main process's business; SIGTERM and SIGHUP end the worker
    and its kernels; the worker dies with its parent (``parent_pid``, by default the process
    that started it), even one killed with SIGKILL; output goes to a log file."""
    parent_pid = os.getppid() if parent_pid is None else parent_pid
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_sigterm)
    signal.signal(signal.SIGHUP, _worker_sigterm)
    die_with_parent(signal.SIGTERM)
    if os.getppid() != parent_pid:  # the parent died before the line above
        _leave(signal.SIGTERM)
    _watch_parent(parent_pid)
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


def _kernel_preexec() -> None:
    """In a new kernel process, before it starts: die with the worker that started it."""
    die_with_parent(signal.SIGKILL)


def error_info(exc: BaseException) -> dict[str, Any]:
    return {"ename": type(exc).__name__, "evalue": str(exc)[:4000], "cell_index": None,
            "traceback": "".join(traceback.format_exception(exc))[-8000:]}


def precompute_task(plan: Any, scenarios: dict[str, Any], cache_dir: str, n_sims: int,
                     seed: int, as_of: str, targets: list[str] | None = None,
                     kernel_cwd: str | None = None, retro_of: Any = None,
                     retro: bool = True) -> dict[str, Any]:
    """In a worker: write the bundles of ``scenarios`` (only ``targets`` when given); never
    raises. ``kernel_cwd``: a folder; the worker's kernel is started there first and imports
    what the reports use while the bundles are computed (see :func:`warm_kernel`).
    ``retro_of``: the baseline scenario, whose retrospective is written apart
    (:func:`qcplan.render.bundles.precompute_retro`); ``retro=False``: the baseline's bundle
    without it."""
    start = time.monotonic()
    if kernel_cwd:
        try:
            warm_kernel(kernel_cwd)
        except Exception:  # noqa: S110 - the first report starts the kernel then
            _drop_kernel()
    try:
        paths = precompute(plan, scenarios, Path(cache_dir), n_sims=n_sims, seed=seed,
                           as_of=as_of, targets=targets, retro=retro)
        if retro_of is not None:
            precompute_retro(plan, retro_of, Path(cache_dir), n_sims=n_sims, seed=seed,
                             as_of=as_of)
        return {"ok": True, "paths": {k: str(v) for k, v in paths.items()},
                "seconds": time.monotonic() - start}
    except BaseException as e:  # reported, not raised: exceptions may not pickle
        return {"ok": False, "error": error_info(e), "seconds": time.monotonic() - start}


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
# Clears what a report left: every name it defined (all but IPython's own), the output cache
# and every figure. Like ``%reset -f``, but where that collects garbage over the whole heap
# (0.15 s a report, pandas and matplotlib included), the first clear collects once and then
# freezes what is left (the imported modules), so later collections, ours and the
# interpreter's own, look only at what the reports create.
_RESET = """\
def _qc_reset():
    import gc
    import matplotlib.pyplot as plt
    plt.close("all")
    ip = get_ipython()
    ns, hidden = ip.user_ns, ip.user_ns_hidden
    for name in [n for n in ns if n not in hidden]:
        del ns[name]
    ns.get("_oh", {}).clear()
    ip.displayhook._, ip.displayhook.__, ip.displayhook.___ = "", "", ""
    gc.collect()
    if not getattr(ip, "_qc_frozen", False):
        gc.freeze()
        ip._qc_frozen = True
_qc_reset()
"""


def _drop_kernel() -> None:
    """Shut this worker's kernel down (after a failure, and when the worker ends)."""
    kc = _KERNEL.pop("kc", None)
    km = _KERNEL.pop("km", None)
    _KERNEL.pop("cwd", None)
    _KERNEL.pop("ready", None)
    if kc is not None:
        try:
            kc.stop_channels()
        except Exception:  # noqa: S110 - closing a dead kernel's sockets may fail
            pass
    if km is not None:
        try:
            km.shutdown_kernel(now=True)
        except Exception:  # noqa: S110 - a dead kernel needs no shutdown
            pass


#: What a kept kernel imports as soon as it starts (:func:`warm_kernel`): the report's modules,
#: and the Chinese font that every chart loads.
_WARM = """\
import matplotlib.pyplot
import IPython.display
import qcplan.render.charts
import qcplan.render.narrative
import qcplan.render.report
qcplan.render.fonts.use_cjk_font()
"""


def _start_kernel(cwd: str) -> tuple[Any, Any]:
    """Start this worker's kernel in ``cwd`` and connect a client; return both. The client is
    not yet known to be ready (``_KERNEL["ready"]`` is False)."""
    from jupyter_client.manager import KernelManager

    km = KernelManager(kernel_name="python3")
    # The kernel also polls its parent (ipykernel, JPY_PARENT_PID) and ends with it.
    km.start_kernel(cwd=cwd, extra_arguments=["--HistoryManager.enabled=False"],
                    preexec_fn=_kernel_preexec if sys.platform.startswith("linux") else None)
    _KERNEL.update(km=km, cwd=cwd, ready=False)
    import atexit

    atexit.register(_drop_kernel)
    kc = km.client()
    kc.start_channels()
    _KERNEL["kc"] = kc
    return km, kc


def warm_kernel(cwd: str) -> None:
    """Start this worker's kernel now and have it import the reports' modules (:data:`_WARM`)
    without waiting for it: the kernel starts while the worker does other work (the precompute),
    instead of at the first report."""
    if _KERNEL.get("km") is not None:
        return
    _, kc = _start_kernel(cwd)
    kc.execute(_WARM, silent=True, store_history=False)


def _reused_kernel(cwd: str, timeout: float) -> tuple[Any, Any]:
    """This worker's kernel and its client, started in ``cwd`` if needed, with a cleared
    namespace.

    The client (its channels) is kept with the kernel: a new client has to wait until its
    channels are known to be connected, which costs about 0.2 s twice per report (waiting for
    the kernel, then flushing its output channel); a kept one is ready at once.
    """
    km = _KERNEL.get("km")
    if km is not None and (_KERNEL.get("cwd") != cwd or not km.is_alive()):
        _drop_kernel()
        km = None
    if km is None:
        km, kc = _start_kernel(cwd)
    kc = _KERNEL["kc"]
    if not _KERNEL.get("ready"):
        kc.wait_for_ready(timeout=timeout)
        kc.allow_stdin = False
        _KERNEL["ready"] = True
    reply = kc.execute_interactive(_RESET, timeout=timeout, store_history=False,
                                   output_hook=lambda msg: None)
    if reply["content"].get("status") != "ok":
        raise RuntimeError(f"could not reset the kernel: {reply['content']}")
    return km, kc


def report_task(task: dict[str, Any]) -> dict[str, Any]:
    """In a worker: execute one report notebook and export it; never raises."""
    start = time.monotonic()
    out_nb, out_html = Path(task["ipynb"]), Path(task["html"])
    stages: dict[str, float] = {}

    def done(status: str, error: dict[str, Any] | None = None) -> dict[str, Any]:
        outputs = (out_nb, out_html) + ((Path(task["docx"]),) if task.get("docx") else ())
        files = [p.name for p in outputs if p.is_file()]
        return {"status": status, "seconds": time.monotonic() - start, "files": files,
                "error": error, "stages": stages}

    try:
        # imported here, with the engine that builds on it: papermill costs seconds at start-up
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        from qcplan.batch.engine import register_engine

        engine: dict[str, Any] = {"engine_name": register_engine()}
        if task.get("reuse_kernel"):
            engine["km"], engine["kc"] = _reused_kernel(task["cwd"],
                                                        task.get("start_timeout", 120))
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
            info = {"stage": "execute", **error_info(e)}
            timed_out = type(e).__name__ in ("CellTimeoutError", "TimeoutError")
            return done("timeout" if timed_out else "failed", info)
        # imported here: nbformat and nbconvert cost seconds at start-up
        from qcplan.render.export import add_font_seed, notebook_to_html

        t_export = time.monotonic()
        try:
            add_font_seed(task.get("font_seed", ""))
            notebook_to_html(out_nb, out_html, title=task["title"], lang=task["lang"])
        except BaseException as e:
            return done("failed", {"stage": "export", **error_info(e)})
        stages["export"] = round(time.monotonic() - t_export, 3)
        return done("ok")
    except BaseException as e:
        _drop_kernel()
        return done("failed", {"stage": "setup", **error_info(e)})


class Pool:
    """A ProcessPoolExecutor whose workers (and their kernels) can be killed on demand."""

    def __init__(self, jobs: int, log_dir: Path):
        self.jobs = jobs
        self.executor = ProcessPoolExecutor(
            max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker, initargs=(str(log_dir), os.getpid()),
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
                _kill(children(p.pid))
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


def wait_step(futures: Iterable[Future], deadline: float | None) -> set[Future]:
    """Wait at most 0.5 s (and never past the monotonic ``deadline``) for a future to finish."""
    step = 0.5 if deadline is None else max(0.0, min(0.5, deadline - time.monotonic()))
    done, _ = wait(list(futures), timeout=step, return_when=FIRST_COMPLETED)
    return done
