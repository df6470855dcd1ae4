"""Everything a batch run is given, checked before any work (step 1 of :mod:`qcplan.batch.run`).

:func:`validate_inputs` reads the plan (from a snapshot taken under its lock), the scenarios and
the arguments and returns the :class:`Inputs` or every problem found; :func:`check_run_options`
then checks the options about the run's outputs (``--out``, ``--keep``, ``--notify``).
:mod:`qcplan.batch.plans` validates each plan of a multi-plan run with the same function."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qcplan.batch.notify import webhook_from
from qcplan.errors import ParameterError, QcplanError
from qcplan.model.scenarios import load_scenarios
from qcplan.options import check_options
from qcplan.plan.load import load_plan, resolve_data_dir
from qcplan.plan.writer import PlanBusyError, snapshot
from qcplan.resources import report_notebook

DEFAULT_NOTEBOOK = report_notebook()
LANGS = ("zh", "en")
FORMATS = ("html", "docx")
SAFE_ID = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
ARGS_FILE = "run arguments"


@dataclass
class Inputs:
    """The checked inputs of a run (see :func:`validate_inputs`)."""

    plan: Any
    all_scenarios: dict[str, Any]
    pillars: list[str]
    scenarios: list[str]
    langs: list[str]
    data_dir: Path  # the snapshot of the plan folder the run reads (see validate_inputs)
    params_dir: Path | None
    notebook: Path
    as_of: str
    formats: list[str]
    source_dir: Path | None = None  # the plan folder itself


def split_names(values: Sequence[str] | str | None) -> list[str] | None:
    """Names given as a list and/or comma-separated, in order, without duplicates."""
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    out: list[str] = []
    for v in values:
        for name in str(v).split(","):
            name = name.strip()
            if name and name not in out:
                out.append(name)
    return out


def _pick(given: list[str] | None, known: list[str], key: str, what: str) -> tuple[list[str], Any]:
    """The chosen names (all when none given) or a ParameterError naming the known ones."""
    if given is None:
        return known, None
    if not given:
        return [], ParameterError(ARGS_FILE, key, "", f"at least one {what}: "
                                  + ", ".join(known))
    unknown = [g for g in given if g not in known]
    if unknown:
        return [], ParameterError(ARGS_FILE, key, ", ".join(unknown),
                                  f"known {what}s: " + ", ".join(known))
    return given, None


def _check_notebook(path: Path) -> str | None:
    """A problem with the report notebook, or None.

    Read as plain JSON: the notebook format's own reader pulls in a schema validator whose import
    alone costs the main process more than a second, and the workers read it properly anyway.
    """
    if not path.is_file():
        return f"report notebook not found: {path}"
    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        cells = nb["cells"]
        tagged = any("parameters" in (c.get("metadata") or {}).get("tags", []) for c in cells)
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as e:
        return f"report notebook {path} cannot be read: {e}"
    if not tagged:
        return f"report notebook {path} has no cell tagged 'parameters'"
    return None


def validate_inputs(
    pillars: Sequence[str] | str | None, scenarios: Sequence[str] | str | None, lang: str,
    data_dir: Any, params_dir: Any, jobs: int, timeout: float | None,
    cell_timeout: float | None, n_sims: int, seed: int, as_of: Any, notebook: Any,
    formats: Sequence[str] | str = ("html",), snapshot_dir: Path | None = None,
    out: Any = None, lg: Any = None,
) -> tuple[Inputs | None, list[str]]:
    """Check everything before any work; return the inputs or every problem found.

    With ``snapshot_dir``, the plan folder is first copied there under its lock
    (:func:`qcplan.plan.writer.snapshot`): the run reads, checks and hashes that copy, one
    whole state of the folder, whatever an ingest does to the folder meanwhile."""
    problems: list[str] = []

    def bad(key: str, value: Any, expected: str) -> None:
        problems.append(str(ParameterError(ARGS_FILE, key, value, expected)))

    # The same rules as `assess` and the report notebook's parameters (qcplan/options.py).
    checked, option_problems = check_options(
        {"lang": lang, "jobs": jobs, "timeout": timeout, "cell_timeout": cell_timeout,
         "n_sims": n_sims, "seed": seed, "as_of": as_of}, ARGS_FILE, allow_both=True)
    problems += [str(e) for e in option_problems]
    as_of_text = checked["as_of"].isoformat() if "as_of" in checked else ""
    chosen_formats = split_names(formats) or []
    unknown = [f for f in chosen_formats if f not in FORMATS]
    if unknown or "html" not in chosen_formats:
        bad("--formats", ",".join(chosen_formats), "html, or html,docx (the HTML reports are "
            "always written: index.html links to them)")
    nb_path = Path(notebook) if notebook is not None else DEFAULT_NOTEBOOK
    nb_problem = _check_notebook(nb_path)
    if nb_problem:
        problems.append(nb_problem)

    source_path = resolve_data_dir(data_dir).resolve()
    # params_dir: an extra scenario folder laid over the generic ones and the plan's own
    params_path = Path(params_dir).resolve() if params_dir not in (None, "") else None
    plan, data_path = _read_plan(source_path, snapshot_dir, out, lg, problems)
    all_scenarios: dict[str, Any] = {}
    try:
        all_scenarios = load_scenarios(params_path, plan)
    except (QcplanError, OSError) as e:
        problems.append(str(e))

    chosen_pillars: list[str] = []
    chosen_scenarios: list[str] = []
    if plan is not None:
        order = plan.pillars.sort_values("order", kind="stable")["pillar"].astype(str).tolist()
        chosen_pillars, err = _pick(split_names(pillars), order, "--pillars", "pillar")
        if err is not None:
            problems.append(str(err))
    if all_scenarios:
        chosen_scenarios, err = _pick(split_names(scenarios), list(all_scenarios), "--scenarios",
                                      "scenario")
        if err is not None:
            problems.append(str(err))
    for name in [*chosen_pillars, *all_scenarios]:
        if not SAFE_ID.match(name):  # ids become file names
            bad("id", name, "an id of lower-case letters, digits and _ (used in file names)")
    if problems or plan is None:
        return None, problems
    langs = list(LANGS) if lang == "both" else [lang]
    return Inputs(plan, dict(all_scenarios), chosen_pillars, chosen_scenarios, langs, data_path,
                  params_path, nb_path.resolve(), as_of_text, chosen_formats,
                  source_dir=source_path), []


def _read_plan(source_path: Path, snapshot_dir: Path | None, out: Any, lg: Any,
               problems: list[str]) -> tuple[Any, Path]:
    """The plan (None on a problem, added to ``problems``) and the folder it was read from: a
    snapshot of ``source_path`` taken under its lock when ``snapshot_dir`` is given."""
    data_path = source_path
    plan = None
    try:
        if snapshot_dir is not None and source_path.is_dir():
            skip = [Path(out).resolve()] if out is not None else []
            data_path = snapshot(source_path, snapshot_dir, skip=skip,
                                 log=None if lg is None else lg.plain)
        plan = load_plan(data_path)
    except PlanBusyError:
        raise  # not bad input: exit 1, try again
    except (QcplanError, OSError) as e:
        problems.append(str(e))
    return plan, data_path


def check_run_options(inputs: Inputs, out: Any, keep: Any, notify: str | None,
                      notify_format: str | None) -> tuple[Any, list[Any]]:
    """The options about the run's outputs, checked once the inputs are known: ``out`` must not
    be the plan or parameter folder itself, ``keep`` a whole number ≥ 0, ``notify`` /
    ``notify_format`` a usable webhook (:func:`qcplan.batch.notify.webhook_from`). Returns the
    webhook (or None) and the problems (:class:`~qcplan.errors.ParameterError`)."""
    late = []
    if Path(out).resolve() in (inputs.source_dir, inputs.params_dir):  # its runs would be input
        late.append(ParameterError(ARGS_FILE, "--out", str(out), "a folder other than the "
                                   "data or parameter folder itself (a subfolder is fine)"))
    if not isinstance(keep, int) or isinstance(keep, bool) or keep < 0:
        late.append(ParameterError(ARGS_FILE, "--keep", keep, "a whole number ≥ 0 (0 keeps "
                                   "every run folder)"))
    hook, problem = webhook_from(notify, notify_format)
    if problem is not None:
        late.append(problem)
    return hook, late
