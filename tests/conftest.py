"""Shared fixtures: fresh copies of the small fixture data set (see ``fixtures/bad.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fixtures.bad import copy_fixture, to_xlsx


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture tables (CSV)."""
    return copy_fixture(tmp_path / "data")


@pytest.fixture
def xlsx_dir(tmp_path: Path, data_dir: Path) -> Path:
    """The same tables as workbooks."""
    return to_xlsx(data_dir, tmp_path / "xlsx")
