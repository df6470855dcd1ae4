"""Stopping a batch run cleanly: SIGTERM and SIGHUP raise :class:`Stopped` in the main thread,
SIGINT ``KeyboardInterrupt``, while :class:`stop_signals` is in force (:mod:`qcplan.batch.run`
then stops the workers and publishes what was done)."""

from __future__ import annotations

import signal
import threading
from typing import Any


class Stopped(BaseException):
    """Raised in the main thread by the SIGTERM / SIGHUP handler."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.name = signal.Signals(signum).name


STOP_SIGNALS = tuple(getattr(signal, n) for n in ("SIGTERM", "SIGHUP") if hasattr(signal, n))


class stop_signals:
    """While inside: SIGTERM or SIGHUP raises :class:`Stopped` in the main thread (once), and
    SIGINT ``KeyboardInterrupt`` (where Python's own handler is in place). Each signal is also
    recorded (``received``): Python drops an exception raised while the main thread runs a
    finalizer, so the run's waiting loops call :meth:`check`, and a stop is never lost."""

    def __enter__(self) -> stop_signals:
        self.old: dict[int, Any] = {}
        self.received: int | None = None
        if threading.current_thread() is threading.main_thread():
            def on_signal(signum: int, frame: Any) -> None:
                for sig in STOP_SIGNALS:  # once: let the clean-up finish
                    signal.signal(sig, signal.SIG_IGN)
                self.received = signum
                raise Stopped(signum)

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
            raise Stopped(self.received)

    def __exit__(self, *exc: Any) -> None:
        for sig, handler in self.old.items():
            signal.signal(sig, handler)

