"""The one way into a plan folder: one writer at a time, whole files, readers see a whole state.

Every command that writes a plan folder (``qcplan ingest``, ``qcplan new``, the workbench's
"save as scenario") does it inside :func:`plan_lock` and through :func:`write_file`, which
refuses to write a folder whose lock this process does not hold. A run reads the folder through
:func:`snapshot`: a copy taken under the same lock, so that it never sees half of an ingest.

The lock
    ``<folder>/.qcplan.lock``, taken with the ``filelock`` library's :class:`filelock.FileLock`:
    ``flock(2)`` on POSIX, which the kernel releases when the holder ends, however it ends
    (SIGKILL, a crash, a closed laptop lid on a local disk). Where the filesystem has no
    ``flock`` (some network shares), ``filelock`` falls back to its soft lock, a marker file
    holding the holder's pid and host: a marker left by a dead process on the same host is
    reclaimed at once; one from another host after ``QCPLAN_LOCK_LIFETIME`` seconds (default
    600; a holder keeps the lock for seconds, not minutes). ``QCPLAN_LOCK=soft`` asks for the
    soft lock everywhere: for a share whose ``flock`` is only local to each client (an SMB mount
    with ``nobrl``, or Linux and Windows clients on the same folder), where the kernel lock would
    let two clients in at once.
Who holds it
    ``<folder>/.qcplan.lock.json`` (pid, host, command, since): a second writer prints
    "another ingest is running (pid 1234 on host-a, since 10:02); waiting…" and waits up to
    ``QCPLAN_LOCK_WAIT`` seconds (default 60), then gives up with :class:`PlanBusyError` (exit
    1), having written nothing. A holder that ended without releasing (killed) leaves this file
    behind: the next one to take the lock says so, and removes the temporary files an
    interrupted write left.
Whole files
    :func:`write_file` writes a temporary file beside the target, flushes it to the disk
    (``fsync``) and renames it over the target (:func:`qcplan.files.write_atomic`): readers, on
    this machine or another, see the old file or the new one. Dot-files (the lock, its holder,
    temporary files) are never input: the run's hashes and snapshots skip them.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import json
import os
import secrets
import shutil
import socket
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from qcplan.errors import ParameterError, QcplanError
from qcplan.files import write_atomic

if TYPE_CHECKING:
    import filelock

LOCK_NAME = ".qcplan.lock"
#: The soft lock's own file: a kernel lock leaves its (empty) file behind when released, which a
#: soft lock would read as held; the two modes therefore never share a file.
SOFT_LOCK_NAME = ".qcplan.softlock"
HOLDER_NAME = ".qcplan.lock.json"
WAIT_ENV = "QCPLAN_LOCK_WAIT"
MODE_ENV = "QCPLAN_LOCK"
LIFETIME_ENV = "QCPLAN_LOCK_LIFETIME"
DEFAULT_WAIT = 60.0
DEFAULT_LIFETIME = 600.0
POLL_SECONDS = 0.1

Log = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class PlanBusyError(QcplanError):
    """Another command kept the plan folder's lock longer than the wait allowed: nothing was
    written. Exit code 1 (try again), not 2 (bad input)."""

    exit_code = 1

    def __init__(self, folder: Path, action: str, holder: str, waited: float):
        self.folder, self.action, self.holder, self.waited = folder, action, holder, waited
        super().__init__(str(self))

    def __str__(self) -> str:
        return (f"{self.folder}: {self.holder}; gave up after waiting {self.waited:g} s, nothing "
                f"was written by this {self.action} (try again when it has finished, or wait "
                f"longer: --wait SECONDS or {WAIT_ENV}=SECONDS)")


def lock_wait(wait: float | None = None) -> float:
    """Seconds a writer waits for the lock: ``wait``, else ``$QCPLAN_LOCK_WAIT``, else 60."""
    where, key = "command line", "--wait"
    if wait is None:
        where, key = "environment", WAIT_ENV
        text = os.environ.get(WAIT_ENV, "").strip()
        if not text:
            return DEFAULT_WAIT
        try:
            wait = float(text)
        except ValueError:
            raise ParameterError(where, key, text, "a number of seconds ≥ 0") from None
    if not isinstance(wait, int | float) or isinstance(wait, bool) or not 0 <= wait < 1e7:
        raise ParameterError(where, key, wait, "a number of seconds ≥ 0 (below 10,000,000)")
    return float(wait)


def _lifetime() -> float:
    text = os.environ.get(LIFETIME_ENV, "").strip()
    try:
        value = float(text) if text else DEFAULT_LIFETIME
    except ValueError:
        value = DEFAULT_LIFETIME
    return value if value > 0 else DEFAULT_LIFETIME


def soft_mode() -> bool:
    """``$QCPLAN_LOCK`` asks for the soft lock (a marker file that names its holder)."""
    return os.environ.get(MODE_ENV, "").strip().lower() == "soft"


def lock_path(folder: Path) -> Path:
    """The lock file of ``folder`` in this process's mode (:data:`LOCK_NAME` or
    :data:`SOFT_LOCK_NAME`)."""
    return folder / (SOFT_LOCK_NAME if soft_mode() else LOCK_NAME)


def _new_lock(path: Path):
    import filelock

    if soft_mode():
        with warnings.catch_warnings():  # age-based expiry is the point here
            warnings.simplefilter("ignore")
            return filelock.SoftFileLock(path, mode=0o666, lifetime=_lifetime())
    return filelock.FileLock(path, mode=0o666)


# ---------------------------------------------------------------------------- holder info
def _read_holder(folder: Path) -> dict | None:
    try:
        data = json.loads((folder / HOLDER_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _who(holder: dict) -> str:
    """"ingest (pid 1234 on host-a, since 10:02)"."""
    since = str(holder.get("since", ""))
    try:
        when = _dt.datetime.fromisoformat(since).astimezone()
        since = when.strftime("%H:%M:%S") if when.date() == _dt.date.today() else \
            when.strftime("%Y-%m-%d %H:%M")
    except (ValueError, TypeError):
        pass
    action = str(holder.get("action") or "qcplan command")
    return f"{action} (pid {holder.get('pid', '?')} on {holder.get('host', '?')}, since {since})"


def describe_holder(holder: dict | None) -> str:
    """"another ingest is running (pid 1234 on host-a, since 10:02)"."""
    if not holder:
        return "another qcplan command is writing this plan folder"
    action, _, rest = _who(holder).partition(" (")
    return f"another {action} is running ({rest}"


_HELD: dict[Path, list] = {}  # folder -> [lock, depth, token]
_HELD_GUARD = threading.Lock()


def holds_lock(folder: str | os.PathLike[str]) -> bool:
    """Whether this process holds the lock of ``folder``."""
    return Path(folder).resolve() in _HELD


def _clean_debris(folder: Path, log: Log) -> None:
    """Temporary files of an interrupted :func:`write_file` (``.name.XXXX.tmp``), in the folder
    and its ``scenarios/``: under the lock, nobody else is writing them."""
    removed = []
    for where in (folder, folder / "scenarios"):
        if not where.is_dir():
            continue
        for p in where.glob(".*.tmp"):
            with contextlib.suppress(OSError):
                p.unlink()
                removed.append(p.name)
    if removed:
        log(f"qcplan: removed {len(removed)} temporary file(s) left by the interrupted writer: "
            + ", ".join(sorted(removed)))


@contextlib.contextmanager
def plan_lock(folder: str | os.PathLike[str], action: str, *, wait: float | None = None,
              log: Log | None = None, reader: bool = False) -> Iterator[Path]:
    """Hold the lock of the plan folder ``folder`` while inside; yields the folder (resolved).

    ``action`` names what this process does ("ingest", "new", "save scenario", "run"): others
    waiting see it. Waits at most ``wait`` seconds (:func:`lock_wait`) with a message through
    ``log`` (default stderr), then raises :class:`PlanBusyError`. Reentrant within a process.
    ``reader``: a folder where no lock can be made (read-only: the shipped example inside an
    installed package) is read without one, since nobody can write it either.
    """
    log = log or _stderr
    folder = Path(folder).resolve()
    with _HELD_GUARD:
        held = _HELD.get(folder)
        if held is not None:
            held[1] += 1
    if held is not None:
        try:
            yield folder
        finally:
            with _HELD_GUARD:
                held[1] -= 1
        return
    seconds = lock_wait(wait)
    lock = _new_lock(lock_path(folder))
    if not _acquire(lock, folder, action, seconds, log, reader):
        yield folder  # nobody can write here: read without a lock
        return
    token = secrets.token_hex(8)
    try:
        left = _read_holder(folder)
        if left is not None:
            log(f"qcplan: the previous holder of {lock_path(folder)}, {_who(left)}, ended "
                "without releasing it (killed?); the lock was freed when it ended; carrying on")
            _clean_debris(folder, log)
        try:
            write_atomic(folder / HOLDER_NAME, json.dumps({
                "pid": os.getpid(), "host": socket.gethostname(), "action": action,
                "since": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
                "token": token}, ensure_ascii=False) + "\n")
        except OSError:
            if not reader:
                raise
        with _HELD_GUARD:
            _HELD[folder] = [lock, 0, token]
        yield folder
    finally:
        with _HELD_GUARD:
            _HELD.pop(folder, None)
        try:
            mine = _read_holder(folder)
            if mine is not None and mine.get("token") == token:
                (folder / HOLDER_NAME).unlink(missing_ok=True)
        finally:
            lock.release()


def _acquire(lock: filelock.BaseFileLock, folder: Path, action: str, seconds: float, log: Log,
             reader: bool) -> bool:
    """Take ``lock``, waiting at most ``seconds`` (raising :class:`PlanBusyError` then) and
    saying who holds it; False when the folder cannot be locked and ``reader`` (a read-only
    folder: nobody can write it either)."""
    import filelock

    deadline = time.monotonic() + seconds
    announced = None
    while True:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                lock.acquire(timeout=0)
            for w in caught:
                if "flock" in str(w.message):
                    log(f"qcplan: {folder} has no kernel file locks (flock): using a lock file "
                        f"that names its holder instead (a dead holder's is reclaimed; one from "
                        f"another host after {_lifetime():g} s)")
            return True
        except filelock.Timeout:
            who = describe_holder(_read_holder(folder))
            if time.monotonic() >= deadline:
                raise PlanBusyError(folder, action, who, seconds) from None
            if who != announced:
                log(f"qcplan: {who}; waiting (up to {seconds:g} s)…")
                announced = who
            time.sleep(POLL_SECONDS)
        except OSError as e:
            if reader and e.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
                return False  # nobody can write here: nothing to wait for
            raise


def write_file(folder: str | os.PathLike[str], path: str | os.PathLike[str],
               data: str | bytes) -> Path:
    """Write ``data`` to ``path`` (inside ``folder``) as a whole file, flushed to the disk, in
    place of the old one (:func:`qcplan.files.write_atomic`). The caller must hold
    :func:`plan_lock` on ``folder``."""
    root = Path(folder).resolve()
    if root not in _HELD:
        raise RuntimeError(f"{root}: writing a plan folder without holding its lock "
                           "(use qcplan.plan.writer.plan_lock)")
    target = Path(path)
    if not target.is_absolute():
        target = Path(folder) / target
    return write_atomic(target, data, durable=True)


# ---------------------------------------------------------------------------- readers
def input_files(root: Path, skip: Sequence[Path] = ()) -> list[Path]:
    """The files of a folder a run reads (and hashes): hidden files and folders, caches,
    symbolic links to folders and the folders in ``skip`` left out; sorted."""
    skipped = {Path(p).resolve() for p in skip}
    out = []
    for here_text, dirs, files in os.walk(root):
        here = Path(here_text)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and (here / d).resolve() not in skipped
                         and not (here / d).is_symlink())
        for name in sorted(files):
            path = here / name
            if not name.startswith(".") and path.is_file():
                out.append(path)
    return out


def snapshot(folder: str | os.PathLike[str], dest: str | os.PathLike[str], *,
             skip: Sequence[Path] = (), log: Log | None = None,
             wait: float | None = None) -> Path:
    """Copy the plan folder ``folder`` to ``dest/<its name>`` under its lock (as "run"), so
    that what a run reads is one whole state of the folder; return the copy. ``skip``: folders
    left out (a run's output folder inside the plan folder)."""
    src = Path(folder).resolve()
    out = Path(dest) / src.name
    with plan_lock(src, "run (reading the plan)", log=log, wait=wait, reader=True):
        for path in input_files(src, skip):
            target = out / path.relative_to(src)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        if (src / "scenarios").is_dir():
            (out / "scenarios").mkdir(parents=True, exist_ok=True)
    out.mkdir(parents=True, exist_ok=True)
    return out
