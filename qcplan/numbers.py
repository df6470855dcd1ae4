"""Number coercion, in one place: cells, strings and table values turned into numbers.

Two families, and which to use:

- **strict** readers of what a person wrote, which say no rather than guess:
  :func:`parse_number` and :func:`parse_int` (a CSV cell's text: plain decimals, no thousands
  separator, no nan/inf), :func:`read_cell_number` (a returned workbook's cell: a number, a
  percentage cell or ``12.5%`` for a % unit, or the reason it is not one: a date, words, a unit
  such as ``12亿元``, a thousands separator), :func:`finite_or_none`, :func:`whole_or_none` and
  :func:`is_real_number` (option and scenario values from YAML or the command line: no
  booleans, nothing infinite);
- **lenient** readers of values the package computed itself (a table's column that may hold
  ``None``, ``""`` or NaN): :func:`as_float` (NaN for what is not a number) and
  :func:`is_finite`.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from typing import Any

import numpy as np

__all__ = ["INTEGER_PATTERN", "NUMBER_PATTERN", "as_float", "finite_or_none", "is_finite",
           "is_real_number", "parse_int", "parse_number", "read_cell_number",
           "whole_or_none"]

#: A plain decimal number: no thousands separators, no nan/inf, ASCII digits only.
NUMBER_PATTERN = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")
INTEGER_PATTERN = re.compile(r"^[+-]?[0-9]+$")
_THOUSANDS = re.compile(r"[+-]?[0-9]+(,[0-9]+)+(\.[0-9]+)?")
_NUMBER_AND_WORDS = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)\s*(\S.*)$")


def parse_number(text: str) -> float | None:
    """The finite float written in ``text``, or None (blank, 'nan', 'inf', '1,2', ...)."""
    if not NUMBER_PATTERN.match(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def parse_int(text: str) -> int | None:
    """The integer written in ``text``, or None."""
    return int(text) if INTEGER_PATTERN.match(text) else None


def read_cell_number(value: Any, unit: str, percent: bool = False) -> tuple[float | None,
                                                                            str | None]:
    """A workbook cell's value as a figure in ``unit``: (number, None) or (None, what was
    expected).

    ``percent`` says the cell is formatted as a percentage (its value is then a fraction, taken
    ×100 for a ``%`` unit). Text is read after NFKC normalisation (full-width digits) with a
    trailing ``%`` allowed for a ``%`` unit; a thousands separator, a number followed by a unit
    or words (``12亿元``, ``约12``), a date or TRUE/FALSE are refused with the reason.
    """
    if isinstance(value, bool):
        return None, "a number, not TRUE/FALSE"
    if isinstance(value, int | float):
        x = float(value)
        if not math.isfinite(x):
            return None, "a finite number"
        if percent:
            if unit != "%":
                return None, f"a number in {unit} (the cell is formatted as a percentage)"
            return round(x * 100, 10), None
        return x, None
    if isinstance(value, _dt.datetime | _dt.date):
        return None, "a number (the cell holds a date)"
    text = unicodedata.normalize("NFKC", str(value)).strip()
    text = text.replace("\u2212", "-")
    if text.endswith("%"):
        if unit != "%":
            return None, f"a number in {unit} without a % sign"
        text = text[:-1].strip()
    if NUMBER_PATTERN.match(text):
        x = float(text)
        return (x, None) if math.isfinite(x) else (None, "a finite number")
    if _THOUSANDS.fullmatch(text):
        return None, ("a number with '.' as the decimal point and no thousands separator "
                      "(12.5, 1234)")
    if _NUMBER_AND_WORDS.match(text):
        return None, f"a bare number without a unit or words (the unit is {unit or 'none'})"
    return None, "a number"


def finite_or_none(value: Any) -> float | None:
    """``value`` as a finite float, or None (a boolean, text that is not a number, nan, inf)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def whole_or_none(value: Any) -> int | None:
    """``value`` as an int when it is a whole number (3, 3.0, "3", a numpy integer); None
    otherwise (a boolean, 3.5, text that is not digits)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        return int(value.strip())
    return None


def is_real_number(value: Any) -> bool:
    """True for an int or float (not a boolean) that is finite: a YAML number, not text."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value \
        and abs(value) != float("inf")


def as_float(value: Any) -> float:
    """``float(value)``, or NaN where that fails (None, '', text)."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        return math.nan
    return out


def is_finite(value: Any) -> bool:
    """True when ``value`` reads as a finite number."""
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return False
