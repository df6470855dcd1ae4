"""What a plan is: ``plan.yaml`` beside the four tables, and where a plan folder is found.

A plan is one folder::

    plan.yaml          title, issuing body, geography, status, period, base year, work-point years
    pillars.csv        (or .xlsx) the groups of targets
    indicators.csv     the indicator registry
    targets.csv        one row per quantified target
    observations.csv   the figures
    scenarios/         optional: the plan's own scenarios (override the generic ones by name)

``plan.yaml``::

    id: my_plan                  # optional; a safe id used in run outputs (default: folder name)
    title_zh: ...                # the plan's title in Chinese
    title_en: ...                # ... and in English
    issuer_zh: ...               # the issuing body (optional: issuer_en)
    geography: ...               # where the plan applies
    status: draft                # draft or adopted
    status_date: 2026-03-01      # date of the draft or of the adoption
    period_start: 2026           # first year of the plan's period
    period_end: 2030             # last year (the usual target year)
    base_year: 2025              # the year the plan's figures start from
    workpoint_years: [2026]      # years of annual work points (may be empty)
    source: ...                  # the source document (title, address or file)

Nothing about a particular plan lives in the package: titles, years and work points come from
this file and the tables.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qcplan.errors import Problem, excerpt
from qcplan.files import load_yaml
from qcplan.plan.schema import YEAR_MAX, YEAR_MIN
from qcplan.resources import example_plan_dir
from qcplan.text import UNSAFE_TEXT, unsafe_character

PLAN_FILE = "plan.yaml"
PLAN_ENV = "QCPLAN_PLAN"
LEGACY_ENV = "QCPLAN_DATA"
STATUSES = ("draft", "adopted")
MAX_PLAN_FILE_BYTES = 256 * 1024
_SAFE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
KEYS = ("id", "title_zh", "title_en", "issuer_zh", "issuer_en", "geography", "status",
        "status_date", "period_start", "period_end", "base_year", "workpoint_years", "source")
REQUIRED = ("title_zh", "title_en", "geography")


@dataclass(frozen=True)
class PlanInfo:
    """The contents of ``plan.yaml`` (or, without one, what the folder's name gives)."""

    id: str
    title_zh: str
    title_en: str
    geography: str = ""
    issuer_zh: str = ""
    issuer_en: str = ""
    status: str = ""
    status_date: str = ""
    period_start: int | None = None
    period_end: int | None = None
    base_year: int | None = None
    workpoint_years: tuple[int, ...] | None = None  # None: not stated in plan.yaml
    source: str = ""
    path: Path | None = None  # the plan.yaml read, None when there is none
    extra: dict[str, Any] = field(default_factory=dict)

    def title(self, lang: str = "zh") -> str:
        return self.title_zh if lang == "zh" else (self.title_en or self.title_zh)

    def issuer(self, lang: str = "zh") -> str:
        return self.issuer_zh if lang == "zh" else (self.issuer_en or self.issuer_zh)

    def status_text(self, lang: str = "zh") -> str:
        """'草案/征求意见稿 2026-03-01' / 'draft of 2026-03-01'; '' when not stated."""
        if not self.status:
            return ""
        words = {"draft": ("草案/征求意见稿", "draft"), "adopted": ("已印发", "adopted")}
        zh, en = words.get(self.status, (self.status, self.status))
        word = zh if lang == "zh" else en
        if not self.status_date:
            return word
        return f"{word} {self.status_date}" if lang == "zh" else f"{word} of {self.status_date}"

    def period_text(self) -> str:
        if self.period_start is None and self.period_end is None:
            return ""
        return f"{self.period_start or '?'}–{self.period_end or '?'}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id, "title_zh": self.title_zh, "title_en": self.title_en,
            "issuer_zh": self.issuer_zh, "issuer_en": self.issuer_en,
            "geography": self.geography, "status": self.status, "status_date": self.status_date,
            "period_start": self.period_start, "period_end": self.period_end,
            "base_year": self.base_year,
            "workpoint_years": None if self.workpoint_years is None
            else list(self.workpoint_years),
            "source": self.source,
        }


def folder_id(folder: Path) -> str:
    """A safe id from a folder's name ('my-plan 2030' -> 'my_plan_2030'; 'plan' if nothing)."""
    text = re.sub(r"[^a-z0-9_]+", "_", folder.resolve().name.lower()).strip("_")
    if not text or not text[0].isalpha():
        text = "plan_" + text if text else "plan"
    return text[:64]


def _year(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if YEAR_MIN <= value <= YEAR_MAX else None
    if isinstance(value, str) and value.strip().isdigit():
        return _year(int(value.strip()))
    return None


Bad = Callable[[str, Any, str], None]
TEXT_KEYS = ("title_zh", "title_en", "issuer_zh", "issuer_en", "geography", "source")


def read_plan_info(folder: Path) -> tuple[PlanInfo, list[Problem]]:
    """Read and check ``folder/plan.yaml``; every problem names the file and the key.

    Without a ``plan.yaml`` the folder's name stands in for the id and the title (no problem:
    the tables alone are a plan; ``qcplan validate`` says so).
    """
    path = folder / PLAN_FILE
    fid = folder_id(folder)
    if not path.is_file():
        return PlanInfo(id=fid, title_zh=folder.resolve().name, title_en=folder.resolve().name), []
    data, unreadable = _read_yaml(path)
    if unreadable is not None:
        return PlanInfo(id=fid, title_zh=fid, title_en=fid, path=path), [unreadable]
    probs: list[Problem] = []

    def bad(key: str, value: Any, expected: str) -> None:
        # A bounded excerpt: the value may be huge (it is never turned into text as a whole).
        shown = value if value is None or isinstance(value, str) else excerpt(value)
        probs.append(Problem(path.name, f"key {key}", "", shown, expected))

    for key in sorted(set(map(str, data)) - set(KEYS)):
        bad(key, data.get(key), "one of " + ", ".join(KEYS))
    text = {key: _text(key, data.get(key), bad) for key in TEXT_KEYS}
    pid = data.get("id", fid)
    if not isinstance(pid, str) or not _SAFE_ID.match(pid):
        bad("id", pid, "a safe id: lower-case letters, digits and _, starting with a letter")
        pid = fid
    status, sdate = _status(data, bad)
    years = _years(data, bad)
    info = PlanInfo(
        id=pid, title_zh=text["title_zh"] or fid, title_en=text["title_en"] or text["title_zh"]
        or fid, geography=text["geography"], issuer_zh=text["issuer_zh"],
        issuer_en=text["issuer_en"], status=status, status_date=sdate,
        period_start=years["period_start"], period_end=years["period_end"],
        base_year=years["base_year"], workpoint_years=_workpoint_years(data, bad),
        source=text["source"], path=path,
    )
    return info, probs


def _read_yaml(path: Path) -> tuple[dict[str, Any], Problem | None]:
    """The mapping of ``plan.yaml``, or the problem that makes it unreadable."""
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_PLAN_FILE_BYTES:
            raise ValueError(f"a file under {MAX_PLAN_FILE_BYTES // 1024} KiB")
        data = load_yaml(raw.decode("utf-8"))  # no aliases: no alias bomb
    except (yaml.YAMLError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        what = getattr(exc, "problem", None) or str(exc)
        return {}, Problem(path.name, where, "", None, f"valid UTF-8 YAML ({what})")
    if data is None:
        data = {}
    if not isinstance(data, dict):
        return {}, Problem(path.name, "(top level)", "", type(data).__name__,
                           "a mapping of keys such as title_zh, title_en, geography")
    return data, None


def _text(key: str, value: Any, bad: Bad) -> str:
    """A text field ('' after a problem, or when it is blank and optional)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        if key in REQUIRED:
            bad(key, value, "a non-empty text")
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        bad(key, value, "a text")
        return ""
    if isinstance(value, str) and unsafe_character(value) is not None:
        bad(key, value, f"{UNSAFE_TEXT}; found {unsafe_character(value)}")
        return ""
    if len(str(value)) > 500:
        bad(key, str(value)[:40] + "…", "a text of at most 500 characters")
        return ""
    return str(value).strip()


def _status(data: dict[str, Any], bad: Bad) -> tuple[str, str]:
    """(status, status_date as YYYY-MM-DD); '' for each missing or refused."""
    status = data.get("status", "")
    if status is None:
        status = ""
    if status not in ("", *STATUSES):
        bad("status", status, "draft or adopted")
        status = ""
    sdate = data.get("status_date", "")
    if isinstance(sdate, _dt.datetime):
        sdate = sdate.date()
    if isinstance(sdate, _dt.date):
        sdate = sdate.isoformat()
    elif sdate in (None, ""):
        sdate = ""
    else:
        try:
            sdate = _dt.date.fromisoformat(str(sdate).strip()).isoformat()
        except ValueError:
            bad("status_date", sdate, "a date YYYY-MM-DD")
            sdate = ""
    return status, sdate


def _years(data: dict[str, Any], bad: Bad) -> dict[str, int | None]:
    """period_start, period_end and base_year, checked (and start ≤ end)."""
    years: dict[str, int | None] = {}
    for key in ("period_start", "period_end", "base_year"):
        value = data.get(key)
        years[key] = None if value in (None, "") else _year(value)
        if value not in (None, "") and years[key] is None:
            bad(key, value, f"a year between {YEAR_MIN} and {YEAR_MAX}")
    if (years["period_start"] is not None and years["period_end"] is not None
            and years["period_start"] > years["period_end"]):
        bad("period_end", years["period_end"], f"a year ≥ period_start ({years['period_start']})")
    return years


def _workpoint_years(data: dict[str, Any], bad: Bad) -> tuple[int, ...] | None:
    """The years of the plan's work points (None when the key is absent)."""
    if "workpoint_years" not in data:
        return None
    wp_raw = data.get("workpoint_years")
    items = [] if wp_raw is None else wp_raw
    if isinstance(items, int | str) and not isinstance(items, bool):
        items = [items]
    if not isinstance(items, list):
        bad("workpoint_years", wp_raw, "a list of years, e.g. [2026, 2028] (or [])")
        items = []
    found = []
    for i, y in enumerate(items):
        year = _year(y)
        if year is None:
            bad(f"workpoint_years[{i}]", y, f"a year between {YEAR_MIN} and {YEAR_MAX}")
        else:
            found.append(year)
    return tuple(sorted(set(found)))


# --------------------------------------------------------------------------- finding the plan
def is_plan_folder(folder: str | os.PathLike[str]) -> bool:
    """A folder with a ``plan.yaml`` or the targets table."""
    p = Path(folder)
    return p.is_dir() and ((p / PLAN_FILE).is_file() or any(
        (p / f"targets{ext}").is_file() for ext in (".csv", ".xlsx")))


def shipped_example_dir() -> Path:
    """The example plan shipped with qcplan.

    Installed from a wheel it is package data (``qcplan/resources/example_plan``, built from the
    repository's ``data/``); in a source checkout it is the repository's ``data/`` itself, so
    there is one copy only.
    """
    return example_plan_dir()


@dataclass(frozen=True)
class PlanChoice:
    """Which plan folder a command uses and why (``how``: what chose it)."""

    path: Path
    how: str


def choose_plan_dir(plan_dir: str | os.PathLike[str] | None = None) -> PlanChoice:
    """The plan folder: the argument, else ``$QCPLAN_PLAN`` (or the older ``$QCPLAN_DATA``),
    else ``./data`` when it is a plan folder, else the shipped example."""
    if plan_dir not in (None, ""):
        return PlanChoice(Path(plan_dir), "--plan")
    for env in (PLAN_ENV, LEGACY_ENV):
        value = os.environ.get(env)
        if value:
            return PlanChoice(Path(value), f"${env}")
    here = Path("data")
    if is_plan_folder(here):
        return PlanChoice(here.resolve(), "./data")
    return PlanChoice(shipped_example_dir(), "the shipped example")

