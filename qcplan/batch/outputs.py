"""What a run leaves in its folder and how it is published.

A run folder ``OUT/<run-id>/`` says from its first moment that it is running: its
``manifest.json`` has ``"status": "running"`` and the ``process`` (host, pid, start time) doing
it, until the run replaces it with how it ended (ok, failed, timeout, interrupted).
:func:`run_status` reads it, and tells a run whose process is gone without saying how it ended
(killed, or the machine went down) as ``killed``. The folder holds the reports, ``summary.csv``
(:func:`summary_table`, :func:`write_summary`), ``index.html`` (:func:`write_dashboard`) and
``manifest.json`` (:func:`write_json`, :func:`versions`, :func:`file_hashes`).
:func:`switch_latest` publishes a finished run as ``OUT/latest`` (a symlink, or a copy where the
file system has no symbolic links) and ``OUT/LATEST`` (its id); :func:`latest_run` reads either.
"""

from __future__ import annotations

import datetime as _dt
import errno
import hashlib
import json
import os
import platform
import re
import secrets
import shutil
import socket
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from qcplan import __version__
from qcplan.files import write_atomic, write_csv_safe
from qcplan.render.changes import changes_frame, compare_runs, figure_snapshot, read_previous
from qcplan.render.narrative import Narrator

SUMMARY_COLUMNS = (
    "target_id", "pillar", "scenario", "status", "prob_reach", "projected_median",
    "projected_p10", "projected_p90", "threshold", "latest_value", "latest_year",
    "latest_status", "illustrative", "name_zh", "name_en", "unit", "kind",
)
VERSION_PACKAGES = (
    "qcplan", "numpy", "pandas", "statsmodels", "matplotlib", "papermill", "nbconvert",
    "nbclient", "ipykernel",
)


RUNNING = "running"
ENDED = ("ok", "failed", "timeout", "interrupted")


def process_stamp(pid: int | None = None) -> dict[str, Any]:
    """Which process on which machine does the run: host, pid and the process's start time
    (seconds since the epoch; it tells a reused pid apart)."""
    pid = os.getpid() if pid is None else pid
    return {"host": socket.gethostname(), "pid": pid, "pid_started": _started(pid)}


def _started(pid: int) -> float | None:
    try:
        import psutil

        return round(psutil.Process(pid).create_time(), 2)
    except Exception:
        return None


def _process_alive(stamp: Mapping[str, Any]) -> bool | None:
    """Whether the process of ``stamp`` still runs (None: cannot tell, another host)."""
    if stamp.get("host") != socket.gethostname():
        return None
    pid = stamp.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = _started(pid)
    want = stamp.get("pid_started")
    if started is not None and want is not None and abs(started - float(want)) > 1:
        return False  # the pid now belongs to another process
    return True


def run_status(run_dir: str | os.PathLike[str]) -> str:
    """How a run folder's run ended: ok, failed, timeout, interrupted; ``running`` while its
    process runs; ``killed`` when its manifest still says running but its process is gone
    (SIGKILL, power cut); ``unknown`` without a readable manifest, or for a run said to be
    running on another host."""
    try:
        manifest = json.loads((Path(run_dir) / "manifest.json").read_text(encoding="utf-8"))
        status = manifest["status"]
    except (OSError, ValueError, KeyError, TypeError):
        return "unknown"
    if status != RUNNING:
        return status if status in ENDED else "unknown"
    alive = _process_alive(manifest.get("process") or {})
    return {True: RUNNING, False: "killed", None: "unknown"}[alive]


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


def new_run_dir(out: Path) -> tuple[str, Path]:
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


LATEST = "latest"
LATEST_POINTER = "LATEST"  # a text file: the id of the run ``latest`` shows
COPY_MARK = ".qcplan-latest"  # in a copied ``latest`` folder: the id of the run it copies
RUN_ID = re.compile(r"^\d{8}T\d{6}Z-[0-9a-f]{6}$")
_NO_SYMLINKS = {errno.EPERM, errno.EOPNOTSUPP, errno.ENOSYS, errno.EACCES, errno.EINVAL}


def switch_latest(out: Path, run_id: str) -> str:
    """Publish run ``run_id`` as ``out/latest``; return how: ``"symlink"`` or ``"copy"``.

    Where the file system has symbolic links, ``latest`` is a symlink to the run folder,
    switched in one atomic step (a temporary symlink renamed onto it). Where it has none (an SMB
    share, FAT), ``latest`` is a copy of the run folder (without ``cache/``), put in place by
    renaming: the copy is made beside it first, then the old ``latest`` is renamed aside and the
    copy renamed onto ``latest`` (for a moment there is no ``latest``; there is never a partial
    one). Either way ``out/LATEST`` then holds the run id (written atomically), the one pointer
    that works everywhere.

    Raises OSError when ``latest`` cannot be switched, e.g. when it is a real folder that qcplan
    did not make; the previous ``latest`` is then left as it was.
    """
    latest = out / LATEST
    tmp = out / f".latest.tmp-{run_id}"
    _remove(tmp)
    try:
        os.symlink(run_id, tmp)
        how = "symlink"
    except (OSError, NotImplementedError) as e:
        if isinstance(e, OSError) and e.errno not in _NO_SYMLINKS:
            raise
        how = "copy"
    try:
        if how == "copy":
            shutil.copytree(out / run_id, tmp, ignore=shutil.ignore_patterns("cache"),
                            symlinks=False)
            write_atomic(tmp / COPY_MARK, run_id + "\n")
        if latest.is_dir() and not latest.is_symlink():
            if not (latest / COPY_MARK).is_file():
                raise IsADirectoryError(errno.EISDIR, "a folder not made by qcplan is in the "
                                        "way (move it away)", str(latest))
            aside = out / f".latest.old-{run_id}"
            os.replace(latest, aside)
            os.replace(tmp, latest)
            _remove(aside)
        else:
            if how == "copy" and latest.is_symlink():  # a folder cannot replace a symlink
                latest.unlink()
            os.replace(tmp, latest)
    except BaseException:
        _remove(tmp)
        raise
    write_atomic(out / LATEST_POINTER, run_id + "\n")
    return how


def latest_run(out: str | os.PathLike[str]) -> str | None:
    """The id of the run ``out/latest`` shows (symlink, copied folder or ``LATEST``), or None."""
    out = Path(out)
    latest = out / LATEST
    try:
        if latest.is_symlink():
            return Path(os.readlink(latest)).name
        if (latest / COPY_MARK).is_file():
            return (latest / COPY_MARK).read_text(encoding="utf-8").strip()
        if (out / LATEST_POINTER).is_file():
            return (out / LATEST_POINTER).read_text(encoding="utf-8").strip() or None
    except (OSError, UnicodeDecodeError):
        return None
    return None


def prune_runs(out: str | os.PathLike[str], keep: int, current: str | None = None,
               ) -> tuple[list[str], list[str]]:
    """Retention: delete the oldest run folders of ``out`` so that ``keep`` remain.

    Run folders are those named like a run id (``20261128T020000Z-1a2b3c``: UTC time, so name
    order is age order), whatever their status: failed, timed-out and killed runs go with their
    ``cache/*.pkl``. Never deleted: the run ``latest`` shows (:func:`latest_run`), the run
    ``current``, and any run still running (:func:`run_status`). ``keep`` 0 keeps everything.
    Returns (deleted ids, problems) — a folder that cannot be deleted is a problem, not a
    failure of the run.
    """
    out = Path(out)
    if keep <= 0 or not out.is_dir():
        return [], []
    runs = sorted(p.name for p in out.iterdir()
                  if RUN_ID.match(p.name) and p.is_dir() and not p.is_symlink())
    protected = {latest_run(out), current}
    deleted, problems = [], []
    for run_id in runs[:max(0, len(runs) - keep)]:
        if run_id in protected or run_status(out / run_id) == RUNNING:
            continue
        try:
            shutil.rmtree(out / run_id)
            deleted.append(run_id)
        except OSError as e:
            problems.append(f"could not delete the old run folder {out / run_id}: {e}")
    return deleted, problems


def _remove(path: Path) -> None:
    """Remove a file, symlink or folder tree if there."""
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_hashes(root: Path, prefix: str, skip: Sequence[Path] = ()) -> dict[str, str]:
    """SHA-256 of every file under ``root`` (hidden files and caches skipped), by relative path.

    Folders in ``skip`` (e.g. the run's ``--out`` inside the data folder) are left out, as are
    symbolic links to folders (not followed).
    """
    root = Path(root)
    skipped = {Path(p).resolve() for p in skip}
    out = {}
    for folder, dirs, files in os.walk(root):
        here = Path(folder)
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__"
                         and (here / d).resolve() not in skipped
                         and not (here / d).is_symlink())
        for name in sorted(files):
            path = here / name
            if name.startswith(".") or not path.is_file():
                continue
            out[f"{prefix}/{path.relative_to(root).as_posix()}"] = sha256(path)
    return dict(sorted(out.items()))


def versions() -> dict[str, str | None]:
    """Versions of Python and of the packages that shape the results."""
    out: dict[str, str | None] = {"python": platform.python_version()}
    for name in VERSION_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")


def summary_table(tables: Mapping[str, Any], pillars: Sequence[str]) -> Any:
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
                df[col] = df[col].astype("Int64")  # 2031, not 2031.0
    first = [c for c in SUMMARY_COLUMNS if c in df.columns]
    return df[first + [c for c in df.columns if c not in first]]


def write_summary(path: Path, df: Any) -> None:
    """``summary.csv``: UTF-8 with a BOM, text that a spreadsheet would run neutralised."""
    write_csv_safe(df, path)


def write_dashboard(run_dir: Path, run_id: str, started: _dt.datetime, plan: Any,
                    pillars: Sequence[str], scenarios: Mapping[str, Any],
                    tables: Mapping[str, Any], reports: Sequence[ReportOutcome], as_of: str,
                    n_sims: int, seed: int, changes: Any = None, retro: Any = None,
                    history: Any = None, run_id_now: str | None = None,
                    units: Any = None) -> None:
    """``index.html``: the pillar × scenario matrix of the run's reports; with ``history``
    (this run's rows included) each target's course and the at-risk list's arrows; with
    ``units`` (:func:`qcplan.render.units.write_unit_pages`) the "by unit" table."""
    # imported here: the dashboard pulls in nbformat (seconds at start-up)
    from qcplan.render.dashboard import write_dashboard as _write

    _write(
        run_dir / "index.html",
        pillars=plan.pillars.set_index("pillar").loc[list(pillars)].reset_index(),
        scenarios=dict(scenarios),
        tables=tables,
        reports=[r.to_dict() for r in reports],
        run_id=run_id,
        run_date=started,
        vintage=safe(plan.vintage),
        version=__version__,
        as_of=as_of,
        n_sims=n_sims,
        seed=seed,
        narrator=Narrator(plan, scenarios),
        plan_title=(plan.title("zh"), plan.title("en")),
        changes=changes,
        retro=retro,
        history=history,
        units=units,
    )


def previous_run(out: Path) -> tuple[str, Path] | None:
    """The run that ``out/latest`` points to now (before this run publishes), or None."""
    latest = out / "latest"
    try:
        if latest.is_symlink():
            target = (out / os.readlink(latest)).resolve()
        elif latest.is_dir():
            target = latest
        else:
            return None
    except OSError:
        return None
    if not (target / "manifest.json").is_file():
        return None
    run_id = target.name
    try:
        run_id = json.loads((target / "manifest.json").read_text(encoding="utf-8"))["run_id"]
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return str(run_id), target


def write_changes(run_dir: Path, previous: tuple[str, Path] | None, summary: Any,
                  observations: Any, cache_dir: Path | None = None) -> Any:
    """Compare the run with ``previous`` (see :mod:`qcplan.render.changes`); write this run's
    ``figures.csv`` (the figures it used, for the next run) and ``changes.csv`` (also into
    ``cache_dir``, where the reports read it)."""
    figures = figure_snapshot(observations)
    prev = read_previous(previous[1]) if previous else None
    changes = compare_runs(previous[0] if prev is not None else None, prev, summary, figures)
    write_summary(run_dir / "figures.csv", figures)
    write_summary(run_dir / "changes.csv", changes_frame(changes))
    if cache_dir is not None and not changes.first_run:
        write_summary(cache_dir / "changes.csv", changes_frame(changes))
    return changes


def safe(fn: Any) -> Any:
    """``fn()``, or the error it raised as ``{"error": ...}`` (for the manifest)."""
    try:
        return fn()
    except Exception as e:
        return {"error": f"{type(e).__name__}: {e}"}
