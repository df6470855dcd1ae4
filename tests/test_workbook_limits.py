"""Returned workbooks are read as streams, with limits checked on the archive first: a sheet
formatted down to row 1,048,576 reads like a normal one; a decompression bomb, too many rows,
too many parts or XML entity tricks are refused naming the file and the limit, with nothing
written. Status words (正式, 初步, 预计, ...) are read as the codes. The hostile workbooks are
built here, on the fly."""

from __future__ import annotations

import datetime as _dt
import io
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from openpyxl.styles import PatternFill

from qcplan.cli import main
from qcplan.plan import returns
from qcplan.plan.collect import LISTS_SHEET, SHEET, collect
from qcplan.plan.ingest import IngestError, ingest
from qcplan.plan.load import load_plan

REPO = Path(__file__).resolve().parents[1]
UNIT = "区统计局"
DAY = _dt.date(2026, 3, 1)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    shutil.copytree(REPO / "data", d, ignore=shutil.ignore_patterns("scripts", "sources"))
    return d


@pytest.fixture
def issued(data: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    collect(load_plan(data), out, units=[UNIT], year=2025, today=DAY)
    return out / f"{UNIT}.xlsx"


def _filled(issued: Path, dest: Path, edit=None, **cells: object) -> Path:
    wb = openpyxl.load_workbook(issued)
    ws = wb[SHEET]
    for ref, value in ({"F3": 905.2, "G3": "preliminary", "H3": "快报", "F5": 52.9,
                        "G5": "official"} | cells).items():
        ws[ref] = value
    if edit is not None:
        edit(wb)
    dest.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dest)
    return dest


def _rezip(src: Path, dest: Path, replace: dict[str, bytes | None]) -> Path:
    """A copy of the workbook ``src`` with parts replaced (None: removed)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            if info.filename in replace:
                continue
            zout.writestr(info, zin.read(info.filename))
        for name, data in replace.items():
            if data is not None:
                zout.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=9)
    return dest


def _sheet_part(path: Path, title: str = SHEET) -> str:
    """The archive's part name of a sheet (xl/worksheets/sheetN.xml)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    index = wb.sheetnames.index(title)
    wb.close()
    return f"xl/worksheets/sheet{index + 1}.xml"


def _refused(data: Path, path: Path, capsys, *words: str) -> str:
    before = (data / "observations.csv").read_bytes()
    code = main(["ingest", str(path), "--plan", str(data), "--received", "2026-03-01"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and path.name in err and "nothing was written" in err
    for w in words:
        assert w in err, err
    assert (data / "observations.csv").read_bytes() == before
    return err


def test_a_sheet_formatted_to_the_last_row_reads_its_figures(data: Path, issued: Path,
                                                              tmp_path: Path):
    def colour_to_the_end(wb):
        ws = wb[SHEET]
        yellow = PatternFill("solid", fgColor="FFFF00")
        for col in range(1, 18):  # A:Q, as when whole columns are selected and coloured
            ws.cell(row=1_048_576, column=col).fill = yellow

    path = _filled(issued, tmp_path / "ret" / f"{UNIT}.xlsx", colour_to_the_end)
    check = openpyxl.load_workbook(path, read_only=True)[SHEET]
    assert check.max_row == 1_048_576  # the used range the old reader walked row by row
    result = ingest(load_plan(data), [path], received=DAY)
    assert sorted(f.where for f in result.new) == [f"{UNIT}.xlsx!填报!F3", f"{UNIT}.xlsx!填报!F5"]


def test_a_decompression_bomb_is_refused_before_parsing(data: Path, issued: Path,
                                                        tmp_path: Path, capsys):
    # three million rows: about 100 MB of XML in an archive of well under 1 MB
    head = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxml'
            'formats.org/spreadsheetml/2006/main"><sheetData>')
    row = '<row><c t="n"><v>1</v></c></row>'
    body = head + row * 3_000_000 + "</sheetData></worksheet>"
    bomb = _rezip(issued, tmp_path / "bomb.xlsx", {_sheet_part(issued): body.encode()})
    assert bomb.stat().st_size < 3 * 1024 * 1024
    # scanned in pieces, never parsed: refused at the 20,001st row
    _refused(data, bomb, capsys, "at most 20,000 rows with content",
             "xl/worksheets/sheet1.xml")
    # larger still: refused from the archive's directory alone
    bigger = _rezip(issued, tmp_path / "bigger.xlsx",
                    {_sheet_part(issued): (head + row * 9_000_000 + "</sheetData>"
                                           "</worksheet>").encode()})
    _refused(data, bigger, capsys, "at most 256 MB once uncompressed", "xl/worksheets/")


def test_every_row_formatted_down_to_the_last_is_scanned_not_parsed(data: Path, issued: Path,
                                                                     tmp_path: Path):
    # what selecting whole rows and colouring them leaves: a styled, empty <row> element for
    # every row of the sheet (about 110 MB of XML); the parser stops after the last figure
    path = _filled(issued, tmp_path / "f" / "in.xlsx")
    part = _sheet_part(path)
    with zipfile.ZipFile(path) as z:
        xml = z.read(part).decode()
    last = int(re.findall(r'<row r="(\d+)"', xml)[-1])
    rows = "".join(f'<row r="{r}" s="2" customFormat="1"><c r="A{r}" s="2"/><c r="Q{r}" s="2"/>'
                   "</row>" for r in range(last + 1, 1_048_577))
    xml = xml.replace("</sheetData>", rows + "</sheetData>")
    formatted = _rezip(path, tmp_path / "f" / f"{UNIT}.xlsx", {part: xml.encode()})
    result = ingest(load_plan(data), [formatted], received=DAY)
    assert sorted(f.where for f in result.new) == [f"{UNIT}.xlsx!填报!F3", f"{UNIT}.xlsx!填报!F5"]


def test_empty_rows_between_figures_beyond_the_limit(data: Path, issued: Path, tmp_path: Path,
                                                     capsys, monkeypatch):
    monkeypatch.setattr(returns, "MAX_ROW_ELEMENTS", 50)

    def far(wb):
        ws = wb[SHEET]
        for r in range(40, 200):
            ws.row_dimensions[r].height = 20  # an empty row element each
        ws["A300"] = "gdp"

    _refused(data, _filled(issued, tmp_path / "far.xlsx", far), capsys,
             "at most 50 rows down to the last one with content", "row 300")


def test_a_part_that_grows_too_far_is_refused(data: Path, issued: Path, tmp_path: Path, capsys):
    # under the size limit, but 2,000 times its compressed size: only a bomb does that
    part = _sheet_part(issued, LISTS_SHEET)
    with zipfile.ZipFile(issued) as z:
        xml = z.read(part).decode()
    padded = xml.replace("</worksheet>", "<!--" + " " * 8_000_000 + "--></worksheet>")
    bomb = _rezip(issued, tmp_path / "ratio.xlsx", {part: padded.encode()})
    _refused(data, bomb, capsys, "compressed at most 500:1", part)


def test_too_many_parts_or_rows(data: Path, issued: Path, tmp_path: Path, capsys,
                                monkeypatch):
    many = _rezip(issued, tmp_path / "many.xlsx",
                  {f"customXml/item{i}.xml": b"<a/>" for i in range(1001)})
    _refused(data, many, capsys, "at most 1000 parts", "1012")
    monkeypatch.setattr(returns, "MAX_ROWS", 3)
    rows = _filled(issued, tmp_path / "rows.xlsx", F4=1.0, G4="official", F6=1.0, G6="official")
    _refused(data, rows, capsys,
             "at most 3 rows with content in a sheet (xl/worksheets/sheet1.xml")


def test_a_file_too_large_is_refused_unread(data: Path, issued: Path, tmp_path: Path, capsys,
                                            monkeypatch):
    monkeypatch.setattr(returns, "MAX_FILE_BYTES", 1000)
    _refused(data, issued, capsys, "a workbook of at most")


@pytest.mark.parametrize("entity", [
    # the "billion laughs": nested entities
    '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">'
    '<!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;"><!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">'
    '<!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;"><!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">'
    '<!ENTITY z "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">]>',
    # an external entity: a file of this machine
    '<!DOCTYPE x [<!ENTITY z SYSTEM "file:///etc/passwd">]>',
])
def test_xml_entity_tricks_stay_refused(data: Path, issued: Path, tmp_path: Path, capsys,
                                        entity: str):
    path = _filled(issued, tmp_path / "ok.xlsx", H3="SOURCE")
    part = _sheet_part(path)
    with zipfile.ZipFile(path) as z:
        xml = z.read(part).decode()
    assert "SOURCE" in xml
    if xml.startswith("<?xml"):
        xml = re.sub(r"^(<\?xml[^>]*\?>)", lambda m: m.group(1) + entity, xml)
    else:
        xml = entity + xml
    hostile = _rezip(path, tmp_path / "entity.xlsx", {part: xml.replace("SOURCE", "&z;")
                                                      .encode()})
    before = (data / "observations.csv").read_bytes()
    code = main(["ingest", str(hostile), "--plan", str(data), "--received", "2026-03-01"])
    err = capsys.readouterr().err
    assert "root:" not in err and "aaaaaaaaaa" not in err  # nothing expanded into a figure
    assert "Traceback" not in err
    text = (data / "observations.csv").read_text(encoding="utf-8")
    assert "root:" not in text and "aaaaaaaaaa" not in text
    assert code == 2 and "entity.xlsx" in err and "damaged" in err  # refused, as before
    assert (data / "observations.csv").read_bytes() == before


@pytest.mark.parametrize("word, code", [("正式", "official"), ("正式数", "official"),
                                        ("初步", "preliminary"), ("初步数", "preliminary"),
                                        ("预计", "preliminary"), ("快报", "preliminary"),
                                        ("估计", "estimate"), ("Official", "official"),
                                        (" 正式 ", "official")])
def test_status_words_are_read_as_codes(data: Path, issued: Path, tmp_path: Path, word: str,
                                        code: str):
    path = _filled(issued, tmp_path / "w.xlsx", G3=word, G5=word)
    result = ingest(load_plan(data), [path], received=DAY)
    assert {f.status for f in result.new} == {code}


def test_status_words_in_a_csv_return_and_a_wrong_word(data: Path, tmp_path: Path):
    csv = tmp_path / f"{UNIT}.csv"
    csv.write_text("indicator_id,geography,year,value,status\n"
                   "tertiary_share,谯城区(辖区),2025,52.9,正式数\n", encoding="utf-8")
    result = ingest(load_plan(data), [csv], received=DAY)
    assert [f.status for f in result.new] == ["official"]
    csv.write_text("indicator_id,geography,year,value,status\n"
                   "tertiary_share,谯城区(辖区),2025,52.9,正式版\n", encoding="utf-8")
    with pytest.raises(IngestError, match=r"正式版.*|expected a status: 正式"):
        ingest(load_plan(data), [csv], received=DAY)


def test_the_drop_down_offers_the_chinese_words(issued: Path):
    wb = openpyxl.load_workbook(issued)
    lists = wb[LISTS_SHEET]
    assert [lists[f"E{i}"].value for i in (1, 2, 3)] == ["正式", "初步", "估计"]
    ws = wb[SHEET]
    status_dv = [dv for dv in ws.data_validations.dataValidation if "$E$" in (dv.formula1 or "")]
    assert status_dv and "G3" in str(status_dv[0].sqref)


def test_the_streamed_reader_keeps_every_check(data: Path, issued: Path, tmp_path: Path,
                                               capsys):
    def merge(wb):
        wb[SHEET].merge_cells("F3:F4")

    merged = _filled(issued, tmp_path / "m.xlsx", merge)
    _refused(data, merged, capsys, "填报!F3:F4", "no merged cells")

    def extra(wb):
        wb.create_sheet("mine")["C9"] = "x"

    _refused(data, _filled(issued, tmp_path / "e.xlsx", extra), capsys, "mine!C9")
    buf = io.BytesIO(b"PK\x03\x04 not really a zip")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(buf.getvalue())
    _refused(data, bad, capsys, "damaged")
