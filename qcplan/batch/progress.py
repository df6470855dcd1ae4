"""What a batch run tells its operator: timestamped log lines on a stream, or a tqdm bar with the
lines printed above it (:class:`Log`, used by every step of :mod:`qcplan.batch.run`)."""

from __future__ import annotations

import datetime as _dt
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from qcplan.batch.outputs import ReportOutcome


class Log:
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
            self.error(line + error_suffix(outcome.error))
        if self.bar is not None:
            self.bar.set_postfix_str(outcome.key, refresh=False)
            self.bar.update(1)

    def close_bar(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def error_suffix(error: Mapping[str, Any] | None) -> str:
    if not error:
        return ""
    what = ": ".join(str(x) for x in (error.get("ename"), error.get("evalue")) if x)
    cell = error.get("cell_index")
    return f": {what}" + (f" (cell {cell})" if cell is not None else "")

