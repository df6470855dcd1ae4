"""A table as read from a plan folder's CSV or XLSX file, with the place of every row.

:class:`RawTable` is what the readers of :mod:`qcplan.plan.load` produce and what the checks of
:mod:`qcplan.plan.validate` take; it lives here so that neither module imports the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from qcplan.errors import Problem


@dataclass
class RawTable:
    """A table as read: every cell as stripped text, with the line (or sheet row) of each row."""

    name: str
    path: Path
    header: list[str]
    rows: list[dict[str, str]]
    row_numbers: list[int]  # CSV: line where the record starts; XLSX: sheet row
    header_row: int = 1
    sheet: str | None = None  # XLSX only
    positions: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        self.positions = {}
        for j, name in enumerate(self.header):
            self.positions.setdefault(name, j)

    @property
    def file(self) -> str:
        return self.path.name

    def where(self, i: int | None, column: str = "") -> str:
        """Location of row ``i`` (``None``: the header) and ``column``, as a reader finds it."""
        row = self.header_row if i is None else self.row_numbers[i]
        if self.sheet is None:
            return f"line {row}"
        if column in self.positions:
            return f"sheet {self.sheet}, cell {_column_letter(self.positions[column])}{row}"
        return f"sheet {self.sheet}, row {row}"

    def problem(self, i: int | None, column: str, value: str | None, expected: str) -> Problem:
        return Problem(self.file, self.where(i, column), column, value, expected)

    def ref(self, i: int) -> str:
        """``observations.csv:12``: the file and line (or sheet row) of row ``i``."""
        return f"{self.file}:{self.row_numbers[i]}"


def _column_letter(j: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(j + 1)
