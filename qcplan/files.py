"""Reading and writing files safely: output is never left half-written; YAML input cannot make
the reader build a structure far larger than the file."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

MAX_YAML_NODES = 100_000
MAX_YAML_DEPTH = 64


def write_atomic(path: str | os.PathLike[str], data: str | bytes, *,
                 durable: bool = False) -> Path:
    """Write ``data`` (text as UTF-8, or bytes) to a temporary file beside ``path``, then rename
    it onto ``path``: readers see the old file or the new one, never a part of it. ``durable``:
    flush the file to the disk (``fsync``) before the rename, so that a crash or a network
    share's cache cannot leave the new name on an empty or partial file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if isinstance(data, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
        else:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class _BoundedLoader(yaml.SafeLoader):
    """The safe loader without aliases or anchors (``*name``, ``&name``), with at most
    ``MAX_YAML_NODES`` nodes nested at most ``MAX_YAML_DEPTH`` deep.

    Aliases let a file of a few hundred bytes stand for billions of values (an "alias bomb");
    qcplan's files never need them, so they are refused where they are met, with their line.
    """

    def __init__(self, stream: Any):
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "aliases and anchors (*name, &name) are not accepted: write the "
                "values out", event.start_mark)
        self._nodes += 1
        if self._nodes > MAX_YAML_NODES:
            raise yaml.composer.ComposerError(
                None, None, f"at most {MAX_YAML_NODES:,} values in one file", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_YAML_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"at most {MAX_YAML_DEPTH} levels of nesting", event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str) -> Any:
    """Parse one YAML document like ``yaml.safe_load``, refusing aliases, anchors, more than
    ``MAX_YAML_NODES`` values or deeper nesting than ``MAX_YAML_DEPTH``; every refusal is a
    ``yaml.YAMLError`` with the line (``problem_mark``) and the reason (``problem``)."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


# Cells a spreadsheet would read as a formula (or as a formula's start): OWASP's list for CSV
# injection. "-5" typed by a person in a text column is text here too: only numbers stay numbers.
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: Any) -> Any:
    """``value`` made safe to open in a spreadsheet: text starting with ``= + - @``, a tab or a
    carriage return gets a leading single quote (OWASP's advice against CSV injection), so that
    ``=HYPERLINK(...)`` shows as text instead of running. Anything that is not text (numbers,
    negative ones included, dates, missing values) is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def write_csv_safe(df: Any, path: str | os.PathLike[str], *, bom: bool = True) -> Path:
    """Write a pandas DataFrame as CSV (UTF-8 with a byte-order mark so that spreadsheets read it
    as UTF-8; CRLF line ends), every text cell and column name passed through
    :func:`neutralise_cell`, atomically (:func:`write_atomic`). Every CSV qcplan writes goes
    through here."""
    from pandas.api import types

    out = df.copy()
    out.columns = [neutralise_cell(str(c)) for c in out.columns]
    for i in range(out.shape[1]):
        series = out.iloc[:, i]
        # Numeric, boolean and date columns hold no text; any other may (object, string, category).
        if not (types.is_numeric_dtype(series) or types.is_bool_dtype(series)
                or types.is_datetime64_any_dtype(series)):
            out.isetitem(i, series.astype(object).map(neutralise_cell))
    # Lines end in CRLF (RFC 4180); with "\n" alone, Python's csv module leaves a cell holding a
    # carriage return unquoted, and a reader splits the row there.
    text = out.to_csv(index=False, lineterminator="\r\n")
    return write_atomic(path, ("\ufeff" if bom else "") + text)


def neutralise_sheet(sheet: Any) -> Any:
    """Make every text cell of an openpyxl worksheet safe to open: a cell holding text that starts
    like a formula (:data:`FORMULA_PREFIXES`, or that openpyxl took for one) is stored as text
    with Excel's "quote prefix" (what typing ``'`` before it does): it shows as written, exactly,
    and stays text when edited. Numbers are left alone. Every workbook qcplan writes goes through
    here before it is saved."""
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
                cell.value = value
                cell.data_type = "s"
                cell.quotePrefix = True
    return sheet
