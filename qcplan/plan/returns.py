"""Reading the files a collection round brings back (``qcplan ingest``): returned workbooks and
CSV files of the same columns, as :class:`Sheet` rows of raw :class:`Cell` values, before
:mod:`qcplan.plan.ingest` checks and applies their figures.

A workbook is checked as an archive first (:func:`check_archive`: size, parts, compression
ratio, nothing inflated), then every worksheet part is scanned as a stream of bytes (rows with
content, the last of them, merged ranges) before openpyxl parses sheet 填报 in read-only mode,
stopping after the last row with content (:func:`read_workbook`). What breaks a limit
(:data:`MAX_ROWS`, :data:`MAX_FILE_BYTES`, ...) or is damaged comes back as a problem naming
the file, never as an exception.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qcplan.errors import Problem
from qcplan.plan.collect import (
    FIELD_NAMES,
    INFO_SHEET,
    INPUT_FIELDS,
    LABELS,
    LISTS_SHEET,
    REQUIRED_FIELDS,
    SHEET,
    UNIT_CELL,
)
from qcplan.plan.schema import SCHEMAS
from qcplan.text import suggest

OBS_COLUMNS = SCHEMAS["observations"].names  # also read from a CSV file


class Cell:
    """A raw cell: its value, its reference (``填报!F7``), and what the reader saw in it."""

    def __init__(self, value: Any, ref: str, formula: bool = False, percent: bool = False):
        self.value, self.ref, self.formula, self.percent = value, ref, formula, percent

    @property
    def text(self) -> str:
        v = self.value
        if v is None:
            return ""
        if isinstance(v, float) and v.is_integer():
            return str(int(v))
        return str(v).strip()


@dataclass
class Sheet:
    """Rows read from one file: header positions and, per data row, its cells by field."""

    name: str
    unit: str | None
    rows: list[tuple[int, dict[str, Cell]]]
    problems: list[Problem]
    sha256: str


# Limits on a returned workbook, checked on the archive before any XML is parsed (an .xlsx file
# is a zip archive of XML parts). A unit's return holds tens to hundreds of rows; these leave
# room for a hundred times more and refuse what only a damaged or hostile file holds.
MAX_FILE_BYTES = 20 * 1024 * 1024  # the .xlsx file itself
MAX_ENTRIES = 1000  # parts in the archive
MAX_SHEET_BYTES = 256 * 1024 * 1024  # one worksheet part, uncompressed (scanned, not parsed)
MAX_PART_BYTES = 16 * 1024 * 1024  # any other part (shared strings, styles), uncompressed
MAX_TOTAL_BYTES = 256 * 1024 * 1024  # all parts, uncompressed
MAX_RATIO = 500  # uncompressed / compressed size of a part above 1 MB (XML compresses ~10-50x)
MAX_ROWS = 20_000  # rows with content (a value, text or formula) in a sheet
MAX_ROW_ELEMENTS = 100_000  # rows of any kind (formatted but empty too) down to the last one
#                             with content: the rows the XML parser reads


def _limit_bytes(n: int) -> str:
    return f"{n / 1024 / 1024:g} MB"


def check_archive(name: str, data: bytes) -> str | None:
    """What is wrong with the zip archive of a workbook (too large, too many parts, a part that
    would decompress too far), or None; read from the archive's directory, nothing inflated."""
    import zipfile

    if len(data) > MAX_FILE_BYTES:
        return (f"a workbook of at most {_limit_bytes(MAX_FILE_BYTES)} (this file is "
                f"{_limit_bytes(len(data))})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as e:
        return f"a readable .xlsx workbook (it is damaged: {type(e).__name__})"
    if len(infos) > MAX_ENTRIES:
        return f"a workbook of at most {MAX_ENTRIES} parts (this archive holds {len(infos)})"
    total = 0
    for info in infos:
        size = info.file_size
        total += size
        sheet = info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml")
        limit = MAX_SHEET_BYTES if sheet else MAX_PART_BYTES
        what = "a sheet" if sheet else "a part"
        if size > limit:
            return (f"{what} of at most {_limit_bytes(limit)} once uncompressed ({info.filename} "
                    f"would be {_limit_bytes(size)}: too many rows or a damaged file)")
        if size > 1024 * 1024 and size > MAX_RATIO * max(info.compress_size, 1):
            return (f"parts compressed at most {MAX_RATIO}:1 ({info.filename} would grow "
                    f"{size / max(info.compress_size, 1):,.0f} times: a decompression bomb)")
    if total > MAX_TOTAL_BYTES:
        return (f"a workbook of at most {_limit_bytes(MAX_TOTAL_BYTES)} once uncompressed (this "
                f"one would be {_limit_bytes(total)})")
    return None


# What a worksheet part holds, found by a scan of its bytes (regular expressions over the part
# inflated piece by piece, in constant memory) before openpyxl parses it: where the rows with
# content end, how many there are, the merged ranges. The XML parser then stops after the last
# row with content: formatting down to row 1,048,576 costs a scan, not a parse of every row.
_NAME = rb"(?:[A-Za-z_][\w.-]*:)?"
_TOKEN = re.compile(rb"<" + _NAME + rb"(?:(row)\b([^>]*)>|(?:v|is|f)[\s>/]|mergeCell\b([^>]*)>)")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d+)[\"']")
_REF = re.compile(rb"\sref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")
_CHUNK = 1 << 20
_TAIL = 8192  # bytes kept between pieces: a token cut at a piece's end is read whole


@dataclass
class _Scan:
    content_rows: int = 0  # rows with a value, text or formula
    first_content: int = 0  # row number of the first of them (0: none)
    last_content: int = 0  # and of the last
    elements_to_last: int = 0  # <row> elements down to the last row with content
    merged: list[str] = field(default_factory=list)


def _scan_part(src: Any) -> _Scan:
    """The scan of a worksheet part, read from the binary stream ``src``."""
    scan = _Scan()
    row, elements, row_has = 0, 0, False
    buf = b""
    while True:
        piece = src.read(_CHUNK)
        buf += piece
        final = not piece
        limit = len(buf) if final else len(buf) - _TAIL
        pos = 0
        for m in _TOKEN.finditer(buf):
            if m.start() >= limit:
                break  # read again with the next piece
            pos = m.end()
            if m.group(1):  # <row ...>
                found = _ROW_NUMBER.search(m.group(2))
                row = int(found.group(1)) if found else row + 1
                elements += 1
                row_has = False
            elif m.group(3) is not None:  # <mergeCell ref="...">
                ref = _REF.search(m.group(3))
                if ref:
                    scan.merged.append(ref.group(1).decode("ascii"))
            elif not row_has and row:  # <v>, <is> or <f> in a row
                row_has = True
                scan.content_rows += 1
                scan.first_content = scan.first_content or row
                scan.last_content = row
                scan.elements_to_last = elements
                if scan.content_rows > MAX_ROWS:
                    return scan
        if final:
            return scan
        buf = buf[max(pos, limit):]


class _Refused(Exception):
    pass


def _sheet_rows(wb: Any, ws: Any, last: int) -> Iterator[tuple[int, list[Any]]]:
    """(row number, cells) of the rows a worksheet part holds, as openpyxl's read-only cells,
    streamed, up to row ``last``: rows absent from the file are not made up, and the parser
    stops after the last row with content."""
    from openpyxl.cell.read_only import ReadOnlyCell
    from openpyxl.worksheet._reader import WorkSheetParser

    with wb._archive.open(ws._worksheet_path) as src:
        parser = WorkSheetParser(src, ws._shared_strings, data_only=False, epoch=wb.epoch,
                                 date_formats=wb._date_formats,
                                 timedelta_formats=wb._timedelta_formats)
        for r, cells in parser.parse():
            if r > last:
                return
            yield r, [ReadOnlyCell(ws, **c) for c in cells]


def _scan_sheets(data: bytes) -> dict[str, _Scan]:
    """Every worksheet part of the archive scanned, by part name, before openpyxl opens the
    workbook (it would otherwise walk a sheet without a ``<dimension>`` whole to size it);
    :class:`_Refused` with the limit a part breaks."""
    import zipfile

    scans = {}
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for info in z.infolist():
            part = info.filename
            if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
                continue
            with z.open(info) as src:
                scan = _scan_part(src)
            if scan.content_rows > MAX_ROWS:
                raise _Refused(f"at most {MAX_ROWS:,} rows with content in a sheet ({part} "
                               "has more: a return holds tens or hundreds; split the file)")
            if scan.elements_to_last > MAX_ROW_ELEMENTS:
                raise _Refused(f"at most {MAX_ROW_ELEMENTS:,} rows down to the last one with "
                               f"content ({part} has {scan.elements_to_last:,} rows down to row "
                               f"{scan.last_content:,}: delete the empty rows between the "
                               "figures)")
            scans[part] = scan
    return scans


def _scan_of(wb: Any, ws: Any, scans: dict[str, _Scan]) -> _Scan:
    part = str(ws._worksheet_path).lstrip("/")
    if part in scans:
        return scans[part]
    with wb._archive.open(ws._worksheet_path) as src:  # a part stored elsewhere
        scan = _scan_part(src)
    if scan.content_rows > MAX_ROWS or scan.elements_to_last > MAX_ROW_ELEMENTS:
        raise _Refused(f"at most {MAX_ROWS:,} rows with content and {MAX_ROW_ELEMENTS:,} rows "
                       f"down to the last one in a sheet ({part})")
    return scan


def _has_content(cell: Any) -> bool:
    return cell.value not in (None, "")


def read_workbook(path: Path) -> Sheet:
    """The rows of sheet 填报 of a returned workbook, streamed (openpyxl's read-only mode), after
    the archive passed :func:`check_archive`; at most :data:`MAX_ROWS` rows with content."""
    import openpyxl
    from openpyxl.utils import get_column_letter

    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = path.name
    problems: list[Problem] = []

    def refused(expected: str) -> Sheet:
        return Sheet(name, None, [], [Problem(name, "", "", None, expected)], sha)

    if not data.startswith(b"PK"):
        return refused("an .xlsx workbook (this file is not one: save it as Excel .xlsx)")
    wrong = check_archive(name, data)
    if wrong:
        return refused(wrong)
    try:
        scans = _scan_sheets(data)
    except _Refused as e:
        return refused(str(e))
    except Exception as e:  # a part that does not inflate
        return refused(f"a readable .xlsx workbook (it is damaged: {type(e).__name__})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as e:  # openpyxl raises many types for a damaged file
        return refused(f"a readable .xlsx workbook (it is damaged: {type(e).__name__})")
    try:
        return _read_sheets(wb, name, sha, problems, get_column_letter, scans)
    except _Refused as e:
        return refused(str(e))
    except Exception as e:  # a part that parses badly (XML entities, broken markup)
        return refused(f"a readable .xlsx workbook (it is damaged: {type(e).__name__})")
    finally:
        wb.close()


def _extra_sheets(wb: Any, name: str, scans: dict[str, _Scan]) -> list[Problem]:
    """A problem for each sheet with content besides the entry sheet, the 说明 sheet and the
    lists, naming its first used cell."""
    problems = []
    for ws in wb.worksheets:
        if ws.title in (SHEET, INFO_SHEET, LISTS_SHEET):
            continue
        scan = _scan_of(wb, ws, scans)
        if not scan.content_rows:
            continue
        where = f"{ws.title}!{scan.first_content}"
        for _, cells in _sheet_rows(wb, ws, scan.first_content):
            used = next((c for c in cells if _has_content(c)), None)
            if used is not None:
                where = f"{ws.title}!{used.coordinate}"
                break
        problems.append(Problem(name, where, "", None,
                                f"no sheet besides {SHEET} and {INFO_SHEET} (figures go "
                                f"in {SHEET}; delete or empty sheet {ws.title!r})"))
    return problems


def _issued_unit(wb: Any) -> str | None:
    """The unit written in the 说明 sheet's unit cell (None when absent or blank)."""
    unit = None
    if INFO_SHEET in wb.sheetnames:
        info = wb[INFO_SHEET]
        row_u, col_u = int(UNIT_CELL[1:]), ord(UNIT_CELL[0]) - ord("A") + 1
        for r, cells in _sheet_rows(wb, info, row_u):
            if r == row_u:
                v = next((c.value for c in cells if c.column == col_u), None)
                unit = str(v).strip() if v not in (None, "") else None
    return unit


def _read_sheets(wb: Any, name: str, sha: str, problems: list[Problem],
                 get_column_letter: Any, scans: dict[str, _Scan]) -> Sheet:
    if SHEET not in wb.sheetnames:
        return Sheet(name, None, [], [Problem(name, "", "", None,
                      f"a sheet named {SHEET} (found: {', '.join(wb.sheetnames)})")], sha)
    problems += _extra_sheets(wb, name, scans)
    unit = _issued_unit(wb)
    ws = wb[SHEET]
    scan = _scan_of(wb, ws, scans)
    header: dict[str, int] = {}
    rows: list[tuple[int, dict[str, Cell]]] = []
    labels = set(LABELS.values())
    n_content = 0
    for r, cells in _sheet_rows(wb, ws, scan.last_content):
        if r == 1:
            for c in cells:
                if c.value in (None, ""):
                    continue
                text = str(c.value).strip()
                if text in FIELD_NAMES:
                    if text in header:
                        problems.append(Problem(name, f"{SHEET}!{c.coordinate}", "", text,
                                                "each column once in the header"))
                    header.setdefault(text, c.column)
                else:
                    problems.append(Problem(name, f"{SHEET}!{c.coordinate}", "", text,
                                            "a header as issued: one of " + ", ".join(
                                                INPUT_FIELDS) + suggest(text, FIELD_NAMES)))
            continue
        if r < 2 or not header:
            continue
        by_col = {c.column: c for c in cells}
        row: dict[str, Cell] = {}
        for f, j in header.items():
            c = by_col.get(j)
            ref = f"{SHEET}!{get_column_letter(j)}{r}"
            if c is None:
                row[f] = Cell(None, ref)
            else:
                formula = c.data_type == "f"  # text typed with a leading ' is text
                row[f] = Cell(c.value, ref, formula, "%" in (c.number_format or ""))
        texts = {f: row[f].text for f in row}
        if all(not t for t in texts.values()):
            continue
        if texts.get("indicator_id") in labels:  # the row of Chinese labels
            continue
        n_content += 1
        if n_content > MAX_ROWS:
            return Sheet(name, None, [], [Problem(name, SHEET, "", None,
                          f"at most {MAX_ROWS:,} rows of figures in sheet {SHEET} (a return "
                          "holds tens or hundreds; split the file)")], sha)
        rows.append((r, row))
    for f in REQUIRED_FIELDS + ("period",):
        if f not in header:
            problems.append(Problem(name, f"{SHEET}!1", "", None,
                                    f"a column {f!r} in header row 1 (restore the header as "
                                    "issued)"))
    for ref in scan.merged:
        problems.append(Problem(name, f"{SHEET}!{ref}", "", None,
                                "no merged cells (unmerge them; one figure per cell)"))
    return Sheet(name, unit, rows, problems, sha)


def read_csv_file(path: Path, unit: str | None) -> Sheet:
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    name = path.name
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return Sheet(name, unit, [], [Problem(name, "", "", None,
                      "UTF-8 text (save the file as 'CSV UTF-8')")], sha)
    problems: list[Problem] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as e:
        return Sheet(name, unit, [], [Problem(name, "", "", None, f"well-formed CSV ({e})")], sha)
    if not records:
        return Sheet(name, unit, [], [Problem(name, "", "", None, "a header row")], sha)
    header: dict[str, int] = {}
    for j, h in enumerate(records[0]):
        h = h.strip()
        if not h:
            continue
        if h in FIELD_NAMES or h in OBS_COLUMNS:
            header.setdefault(h, j)
        else:
            problems.append(Problem(name, "line 1", "", h, "a column of the workbook's header: "
                                    + ", ".join(INPUT_FIELDS) + suggest(h, FIELD_NAMES)))
    for f in REQUIRED_FIELDS:
        if f not in header:
            problems.append(Problem(name, "line 1", "", None, f"a column {f!r}"))
    rows = []
    for n, rec in enumerate(records[1:], start=2):
        cells = {f: Cell(rec[j].strip() if j < len(rec) else "", f"line {n}")
                 for f, j in header.items()}
        if all(not c.text for c in cells.values()):
            continue
        rows.append((n, cells))
    return Sheet(name, unit, rows, problems, sha)
