"""The state of one batch run in progress (:class:`Run`), shared by its steps
(:mod:`qcplan.batch.steps`) and its publishing (:mod:`qcplan.batch.publish`), and the record
written of it: ``manifest.json`` (:func:`manifest`) with the hashes of its inputs
(:func:`input_hashes`)."""

from __future__ import annotations

import datetime as _dt
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qcplan.batch.inputs import Inputs
from qcplan.batch.outputs import (
    RUNNING,
    ReportOutcome,
    file_hashes,
    process_stamp,
    safe,
    sha256,
    versions,
)
from qcplan.model.scenarios import GENERIC_DIR

if TYPE_CHECKING:
    from qcplan.batch.progress import Log


@dataclass
class Run:
    """One run in progress: what was asked, where it goes, and what happened so far."""

    inputs: Inputs
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
    stops: Any = None  # the stop_signals in force, checked by the waiting loops
    history: Any = None  # this run's rows of OUT/history.csv (qcplan.batch.history)
    notify: Any = None  # qcplan.batch.notify.Webhook, or None
    notified: Any = None  # what became of the message (for the manifest)

    @property
    def cache_dir(self) -> Path:
        return self.run_dir / "cache"

    @property
    def log_dir(self) -> Path:
        return self.run_dir / "logs"

    def fail(self, message: str, lg: Log) -> None:
        """Record an error of the run as a whole (the run is then failed)."""
        self.errors.append(message)
        lg.error(message)
        if self.status == "ok":
            self.status = "failed"

    @property
    def history_dir(self) -> Path:
        """The folder of the run's ``history.csv``."""
        return Path(self.params.get("history_dir") or self.out_dir)


def manifest(run: Run, status: str | None = None) -> dict[str, Any]:
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
        "unit_pages": unit_files(run),
    }


def input_hashes(inputs: Inputs, out_dir: Path) -> dict[str, str]:
    """SHA-256 of every file of the plan folder, of the generic scenarios, of an extra
    ``params_dir`` and of the report notebook. The output folder is left out where it lies
    inside one of them (its runs are not input)."""
    skip = [out_dir]
    return {
        **file_hashes(inputs.data_dir, "data", skip=skip),
        **file_hashes(GENERIC_DIR / "scenarios", "scenarios", skip=skip),
        **(file_hashes(inputs.params_dir, "params", skip=skip)
           if inputs.params_dir is not None else {}),
        "notebook": sha256(inputs.notebook),
    }


def unit_files(run: Run) -> list[str]:
    """The files of ``units/`` (the responsible units' pages), for the manifest."""
    folder = run.run_dir / "units"
    return sorted(f"units/{p.name}" for p in folder.iterdir()) if folder.is_dir() else []
