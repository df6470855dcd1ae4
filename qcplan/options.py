"""One set of rules for the options of every entry point: ``qcplan run``, ``qcplan assess``,
:func:`qcplan.batch.run.run_batch` and the report notebook's parameters.

Each ``check_*`` function returns the value as it will be used, or raises a
:class:`~qcplan.errors.ParameterError` that names the option, shows the value and says what is
expected and why. :func:`check_options` checks several at once and returns every problem.

The rules and why:

- ``n_sims``: a whole number from 100 to 1,000,000. Fewer than 100 draws make the 10 % / 90 %
  quantiles and P(reach) meaningless; each draw costs memory for every target and year (1e8
  draws would allocate several GB).
- ``seed``: a whole number from 0 to 2**32 - 1, the range every numpy seeding function accepts.
- ``jobs``: a whole number from 1 to 64 worker processes (each holds a kernel of about 350 MB).
- ``timeout`` (the whole run): a finite number of seconds > 0, at most 7 days.
- ``cell_timeout``: a whole number of seconds from 1 to 86,400: papermill hands it to nbclient,
  whose ``timeout`` setting is an integer trait, so 30.5 (or infinity) would fail every report.
- ``as_of``: a real date YYYY-MM-DD (or a year, meaning its 31 December) from 2000-01-01 to a year
  after today: the plan's figures start in the 2000s, and a later date would project from data
  nobody has.
- ``lang``: ``zh`` or ``en`` (``run`` also takes ``both``).
"""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qcplan.errors import ParameterError
from qcplan.numbers import finite_or_none, whole_or_none

N_SIMS_MIN, N_SIMS_MAX = 100, 1_000_000
SEED_MAX = 2**32 - 1
JOBS_MAX = 64
TIMEOUT_MAX = 7 * 24 * 3600.0
CELL_TIMEOUT_MAX = 24 * 3600
AS_OF_MIN = _dt.date(2000, 1, 1)
AS_OF_AHEAD_DAYS = 366
LANGS = ("zh", "en")

COMMAND_LINE = "command line"






def _whole_in(value: Any, low: int, high: int, option: str, expected: str, source: str) -> int:
    """``value`` as a whole number from ``low`` to ``high``, else a ParameterError."""
    n = whole_or_none(value)
    if n is None or not low <= n <= high:
        raise ParameterError(source, option, value, expected)
    return n


def check_n_sims(value: Any, source: str = COMMAND_LINE) -> int:
    return _whole_in(value, N_SIMS_MIN, N_SIMS_MAX, "--n-sims",
                     f"a whole number of draws from {N_SIMS_MIN:,} to {N_SIMS_MAX:,} "
                     "(fewer make the quantiles meaningless; more need GBs of memory)", source)


def check_seed(value: Any, source: str = COMMAND_LINE) -> int:
    return _whole_in(value, 0, SEED_MAX, "--seed",
                     f"a whole number from 0 to {SEED_MAX:,} (the range numpy's random "
                     "generators accept)", source)


def check_jobs(value: Any, source: str = COMMAND_LINE) -> int:
    return _whole_in(value, 1, JOBS_MAX, "--jobs",
                     f"a whole number of worker processes from 1 to {JOBS_MAX}", source)


def check_timeout(value: Any, source: str = COMMAND_LINE) -> float | None:
    """Seconds for the whole run; None means no limit."""
    if value is None:
        return None
    seconds = finite_or_none(value)
    if seconds is None or not 0 < seconds <= TIMEOUT_MAX:
        raise ParameterError(source, "--timeout", value,
                             f"a finite number of seconds > 0 and at most {TIMEOUT_MAX:,.0f} "
                             "(7 days)")
    return seconds


def check_cell_timeout(value: Any, source: str = COMMAND_LINE) -> int | None:
    """Seconds for each notebook cell; None means no limit."""
    if value is None:
        return None
    n = whole_or_none(value)
    if n is None or not 1 <= n <= CELL_TIMEOUT_MAX:
        raise ParameterError(source, "--cell-timeout", value,
                             f"a whole number of seconds from 1 to {CELL_TIMEOUT_MAX:,} "
                             "(papermill passes it to nbclient, which takes whole seconds only)")
    return n


def parse_date(value: Any = None) -> _dt.date:
    """An as-of value as a date: None → today; a date or datetime → its date; a year (int or four
    digits) → 31 December of that year; otherwise an ISO date YYYY-MM-DD. Raises ValueError or
    TypeError for anything else (including dates that do not exist, such as 2026-02-30)."""
    if value is None:
        return _dt.date.today()
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    year = whole_or_none(value) if not isinstance(value, (str, float)) else None
    if year is not None:
        return _dt.date(year, 12, 31)
    text = str(value).strip()
    if text.isdigit() and len(text) == 4:
        return _dt.date(int(text), 12, 31)
    return _dt.date.fromisoformat(text)


def latest_as_of(today: _dt.date | None = None) -> _dt.date:
    return (today or _dt.date.today()) + _dt.timedelta(days=AS_OF_AHEAD_DAYS)


def check_as_of(value: Any, source: str = COMMAND_LINE) -> _dt.date:
    """The assessment date; None or "" mean today."""
    try:
        date = parse_date(None if value is None or value == "" else value)
    except (TypeError, ValueError, OverflowError):
        raise ParameterError(source, "--as-of", value,
                             "a real date YYYY-MM-DD, or a year (its 31 December)") from None
    last = latest_as_of()
    if not AS_OF_MIN <= date <= last:
        raise ParameterError(source, "--as-of", value,
                             f"a date from {AS_OF_MIN.isoformat()} to {last.isoformat()} (the "
                             "plan's figures start in the 2000s; later than a year ahead would "
                             "project from data nobody has)")
    return date


def check_lang(value: Any, source: str = COMMAND_LINE, *, allow_both: bool = False) -> str:
    choices = LANGS + (("both",) if allow_both else ())
    if value not in choices:
        raise ParameterError(source, "--lang", value, "one of " + ", ".join(choices))
    return str(value)


def check_output_file(path: Any, key: str, source: str = COMMAND_LINE) -> Path:
    """A file to be written: not a folder, under folders (not under a file), somewhere that can be
    written. Checked before any work, so a long computation does not end in a failed write."""
    target = Path(path)
    if target.is_dir():
        raise ParameterError(source, key, str(path), "a file name, not a folder")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if parent.exists() and not parent.is_dir():
        raise ParameterError(source, key, str(path),
                             f"a path under folders ({parent} is a file, not a folder)")
    if target.exists() and not os.access(target, os.W_OK):
        raise ParameterError(source, key, str(path), "a file that can be written (it is read-only)")
    try:  # the folder's mode does not tell (root; a read-only or special file system): try it
        with tempfile.TemporaryFile(dir=parent, prefix=".qcplan-probe-"):
            pass
    except OSError as e:
        raise ParameterError(source, key, str(path),
                             f"a path that can be written (cannot create a file in {parent}: "
                             f"{e.strerror or e})") from None
    return target


CHECKS: dict[str, Callable[..., Any]] = {
    "n_sims": check_n_sims, "seed": check_seed, "jobs": check_jobs, "timeout": check_timeout,
    "cell_timeout": check_cell_timeout, "as_of": check_as_of, "lang": check_lang,
}


def check_options(values: Mapping[str, Any], source: str = COMMAND_LINE,
                  **lang_kw: Any) -> tuple[dict[str, Any], list[ParameterError]]:
    """Check every option given (keys of :data:`CHECKS`); return the values as they will be used
    and every problem found."""
    out: dict[str, Any] = {}
    problems: list[ParameterError] = []
    for key, value in values.items():
        try:
            kw = lang_kw if key == "lang" else {}
            out[key] = CHECKS[key](value, source, **kw)
        except ParameterError as e:
            problems.append(e)
    return out, problems
