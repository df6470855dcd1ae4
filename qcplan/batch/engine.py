"""The papermill engine of the reports, registered once per worker under the name ``qcplan``.

It differs from papermill's own in two ways. It can run on a given kernel and client (``km``
and ``kc``, a worker's kept ones), which it leaves running and connected; without them it starts
a kernel as papermill does. And it saves the executed notebook when execution starts and when it
ends (with the outputs and the error, if a cell failed), plus every ``autosave_cell_every``
seconds during a long cell, instead of at every cell's start and end, where papermill's manager
writes and validates the whole notebook, its charts included.

Imported by the worker processes only (papermill is not needed to plan or publish a run).
"""

from __future__ import annotations

import logging
from typing import Any

from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, NotebookExecutionManager, papermill_engines
from papermill.utils import merge_kwargs, remove_args

ENGINE_NAME = "qcplan"


class LeanManager(NotebookExecutionManager):
    """Saves at the start and the end of execution; between, no more often than every
    ``autosave_cell_every`` seconds."""

    _in_cell = False

    def save(self, **kwargs: Any) -> None:
        if self._in_cell and self.last_save_time is not None and (
                (self.now() - self.last_save_time).total_seconds()
                < max(self.autosave_cell_every, 1)):
            return
        super().save(**kwargs)

    def _at_a_cell(self, step: str, *args: Any, **kwargs: Any) -> None:
        """Papermill's ``cell_start`` / ``cell_complete`` with their save rate-limited."""
        self._in_cell = True
        try:
            getattr(super(), step)(*args, **kwargs)
        finally:
            self._in_cell = False

    def cell_start(self, *args: Any, **kwargs: Any) -> None:
        self._at_a_cell("cell_start", *args, **kwargs)

    def cell_complete(self, *args: Any, **kwargs: Any) -> None:
        self._at_a_cell("cell_complete", *args, **kwargs)


class QcplanEngine(NBClientEngine):
    """nbclient, saving as :class:`LeanManager` does, on ``km`` and ``kc`` when given."""

    @classmethod
    def execute_notebook(cls, nb: Any, kernel_name: str, output_path: Any = None,
                         progress_bar: bool = True, log_output: bool = False,
                         autosave_cell_every: int = 30, **kwargs: Any) -> Any:
        nb_man = LeanManager(nb, output_path=output_path, progress_bar=progress_bar,
                             log_output=log_output, autosave_cell_every=autosave_cell_every)
        nb_man.notebook_start()
        try:
            cls.execute_managed_notebook(nb_man, kernel_name, log_output=log_output, **kwargs)
        finally:
            nb_man.cleanup_pbar()
            nb_man.notebook_complete()
        return nb_man.nb

    @classmethod
    def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, log_output: bool = False,
                                 stdout_file: Any = None, stderr_file: Any = None,
                                 start_timeout: float = 60, execution_timeout: Any = None,
                                 **kwargs: Any) -> Any:
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout,
                             kernel_name=kernel_name, log=logging.getLogger("papermill"),
                             log_output=log_output, stdout_file=stdout_file,
                             stderr_file=stderr_file)
        kc = final.pop("kc", None)
        client = PapermillNotebookClient(nb_man, **final)
        client.kc = kc  # a kept client (with ``km``): left connected for the next report
        return client.execute()


def register_engine() -> str:
    """Register :class:`QcplanEngine` with papermill (once) and return its name."""
    if ENGINE_NAME not in papermill_engines._engines:
        papermill_engines.register(ENGINE_NAME, QcplanEngine)
    return ENGINE_NAME
