"""Typed errors: a data problem names the file, the line (or sheet and cell), the column, the value
and what was expected."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

EXCERPT_CHARS = 80


def _repr_parts(value: object, seen: set[int]) -> Iterator[str]:
    """``repr(value)`` piece by piece, so that a reader can stop early: a list that shares one
    element a billion times over (a YAML alias bomb) is never turned into text as a whole."""
    if isinstance(value, (list, tuple, set, frozenset, dict)):
        if id(value) in seen:  # a structure that contains itself
            yield "..."
            return
        seen = seen | {id(value)}
        opening, closing = {list: "[]", tuple: "()", dict: "{}"}.get(type(value), "{}")
        yield opening
        items = iter(value.items()) if isinstance(value, dict) else iter(value)
        for i, item in enumerate(items):
            if i:
                yield ", "
            if isinstance(value, dict):
                yield from _repr_parts(item[0], seen)
                yield ": "
                yield from _repr_parts(item[1], seen)
            else:
                yield from _repr_parts(item, seen)
        yield closing
    elif isinstance(value, str) and len(value) > 4 * EXCERPT_CHARS:
        yield repr(value[: 4 * EXCERPT_CHARS])[:-1]  # opened, never closed: cut anyway
        yield "…"
    else:
        yield repr(value)


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """A repr of ``value`` cut to about ``limit`` characters (with "…" where cut), built only as
    far as needed: the cost is bounded by ``limit``, not by the size of ``value``."""
    out: list[str] = []
    size = 0
    for part in _repr_parts(value, set()):
        out.append(part)
        size += len(part)
        if size > limit:
            return "".join(out)[:limit] + "…"
    return "".join(out)


@dataclass(frozen=True)
class Problem:
    """One problem in one place of one input file.

    ``location`` is ``"line 12"`` for a CSV file (lines counted as a text editor counts them, the
    header being line 1), ``"sheet targets, cell D7"`` for a workbook, or ``""`` for the whole file.
    ``value`` is the raw text found (``None`` when there is nothing to show, e.g. a missing column).
    """

    file: str
    location: str = ""
    column: str = ""
    value: str | None = None
    expected: str = ""

    def __str__(self) -> str:
        place = " ".join(p for p in (self.file, self.location) if p)
        if self.column:
            place += f", column {self.column}"
        found = "" if self.value is None else f"{excerpt(self.value)} — "
        return f"{place}: {found}expected {self.expected}"


class QcplanError(Exception):
    """Base class of the errors qcplan raises for bad input (data or parameters)."""


class DataError(QcplanError):
    """The data files have problems; ``problems`` lists all of them, of all files."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems: list[Problem] = list(problems)
        super().__init__(self.report())

    def by_file(self) -> dict[str, list[Problem]]:
        """The problems grouped by file, files in order of first appearance."""
        groups: dict[str, list[Problem]] = {}
        for p in self.problems:
            groups.setdefault(p.file, []).append(p)
        return groups

    def report(self) -> str:
        """Every problem, one per line, grouped by file, with counts."""
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the data"]
        for file, problems in self.by_file().items():
            lines.append(f"{file} ({len(problems)}):")
            lines.extend(f"  {p}" for p in problems)
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.report()


class ParameterError(QcplanError):
    """A bad parameter (e.g. in a scenario YAML file): which file, which key, what was found."""

    def __init__(self, file: str, key: str, value: object, expected: str):
        self.file, self.key, self.value, self.expected = str(file), key, value, expected
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.file}, key {self.key}: {excerpt(self.value)} — expected {self.expected}"
