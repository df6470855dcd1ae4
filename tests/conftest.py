"""Shared fixtures: fresh copies of the small fixture data set (see ``fixtures/bad.py``), and
the property tests' settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.bad import copy_fixture, to_xlsx
from hypothesis import HealthCheck, settings

# Property tests: no deadline (shared, noisy machines). Under CI the examples are derived from
# the test itself (derandomize), so a run is repeatable; locally they are random and explore more.
settings.register_profile("qcplan", deadline=None, max_examples=40,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", parent=settings.get_profile("qcplan"), derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "qcplan")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A writable copy of the fixture tables (CSV)."""
    return copy_fixture(tmp_path / "data")


@pytest.fixture
def xlsx_dir(tmp_path: Path, data_dir: Path) -> Path:
    """The same tables as workbooks."""
    return to_xlsx(data_dir, tmp_path / "xlsx")
