"""Several plans in one run: ``qcplan run --plan A --plan B``.

:func:`run_plans` checks every plan (its tables, its scenarios, the arguments) before any work;
on a problem nothing runs and the exit code is 2. Then it creates one run folder
``OUT/<run-id>/``, renders each plan with :func:`qcplan.batch.run.run_batch` into
``OUT/<run-id>/plans/<plan-id>/`` (a run folder of its own there, with its reports, summary,
index and manifest), and writes beside them:

- ``index.html``: each plan with its title and its own pillar × scenario matrix, linking to the
  plan's reports and its own index;
- ``summary.csv``: the plans' summaries one after the other (the first column is ``plan_id``);
- ``manifest.json``: the run's parameters and, per plan, its id, title, folder, run folder, status
  and exit code.

``OUT/latest`` is switched to the run only when every plan's reports all succeeded. Exit code: 0
all ok, 1 some report failed or the run was stopped, 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import datetime as _dt
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

import pandas as pd

from qcplan.batch.inputs import ARGS_FILE, validate_inputs
from qcplan.batch.notify import webhook_from
from qcplan.batch.outputs import new_run_dir, switch_latest, versions, write_json, write_summary
from qcplan.batch.run import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_JOBS,
    DEFAULT_N_SIMS,
    DEFAULT_OUT,
    DEFAULT_TIMEOUT,
    EXIT_BAD_INPUT,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    RunResult,
    run_batch,
)
from qcplan.errors import ParameterError


def run_plans(plan_dirs: Sequence[str | os.PathLike[str]], *,
              pillars: Sequence[str] | str | None = None,
              scenarios: Sequence[str] | str | None = None, lang: str = "zh",
              out: str | os.PathLike[str] = DEFAULT_OUT, params_dir: Any = None,
              log: TextIO | None = None, **kwargs: Any) -> RunResult:
    """Render every plan of ``plan_dirs`` in one run (see the module docstring); ``kwargs`` go to
    :func:`qcplan.batch.run.run_batch` for each plan (jobs, timeout, n_sims, seed, as_of, ...)."""
    stream = log if log is not None else sys.stderr
    checked, problems = _check_plans(plan_dirs, pillars, scenarios, lang, params_dir, kwargs)
    if problems:
        for p in problems:
            print(f"qcplan: {p}", file=stream)
        return RunResult(EXIT_BAD_INPUT, "invalid", errors=problems)
    out_dir = Path(out).resolve()
    try:
        run_id, run_dir = new_run_dir(out_dir)
    except OSError as e:
        message = f"cannot create a run folder in {out_dir}: {e}"
        print(f"qcplan: {message}", file=stream)
        return RunResult(EXIT_BAD_INPUT, "invalid", errors=[message])
    started = _dt.datetime.now(_dt.UTC)
    results: list[tuple[Any, RunResult]] = []
    for inputs in checked:
        print(f"qcplan: plan {inputs.plan.id} ({inputs.data_dir})", file=stream)
        res = run_batch(pillars=pillars, scenarios=scenarios, lang=lang,
                        out=run_dir / "plans" / inputs.plan.id, data_dir=inputs.data_dir,
                        params_dir=params_dir, log=log, history_dir=out_dir, **kwargs)
        results.append((inputs, res))
        if res.status == "interrupted":
            break
    errors = [f"{i.plan.id}: {e}" for i, r in results for e in r.errors]
    status = "ok" if len(results) == len(checked) and all(r.ok for _, r in results) else (
        "interrupted" if any(r.status == "interrupted" for _, r in results) else "failed")
    try:
        _write_summary(run_dir, results)
        _write_index(run_dir, run_id, started, results, lang)
    except Exception as e:  # the manifest must still be written
        errors.append(f"writing summary.csv / index.html: {type(e).__name__}: {e}")
        status = "failed" if status == "ok" else status
    _write_manifest(run_dir, run_id, status, started, checked, results, errors, lang, scenarios,
                    params_dir, kwargs)
    reports = [rep for _, r in results for rep in r.reports]
    result = _publish(RunResult(EXIT_OK, status, run_id, run_dir, reports, errors), out_dir,
                      results)
    print(f"qcplan: run {run_id} {result.status}: {len(results)}/{len(checked)} plans -> "
          f"{run_dir}" + ("; latest updated" if result.latest_updated else "; latest unchanged"),
          file=stream)
    return result


def _check_plans(plan_dirs: Sequence[str | os.PathLike[str]],
                 pillars: Sequence[str] | str | None, scenarios: Sequence[str] | str | None,
                 lang: str, params_dir: Any, kwargs: dict[str, Any]) -> tuple[list[Any],
                                                                              list[str]]:
    """Every plan's inputs checked before any work: (the plans' inputs, the problems)."""
    problems: list[str] = []
    if pillars is not None and len(plan_dirs) > 1:
        problems.append(str(ParameterError(ARGS_FILE, "--pillars", pillars,
                                           "no pillar list with several plans (each plan has "
                                           "its own pillars)")))
    checked = []
    for d in plan_dirs:
        inputs, found = validate_inputs(
            pillars, scenarios, lang, d, params_dir, kwargs.get("jobs", DEFAULT_JOBS),
            kwargs.get("timeout", DEFAULT_TIMEOUT),
            kwargs.get("cell_timeout", DEFAULT_CELL_TIMEOUT),
            kwargs.get("n_sims", DEFAULT_N_SIMS), kwargs.get("seed", 0), kwargs.get("as_of"),
            kwargs.get("notebook"))
        problems += [f"{d}: {p}" for p in found]
        if inputs is not None:
            checked.append(inputs)
    ids = [i.plan.id for i in checked]
    for pid in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(str(ParameterError(ARGS_FILE, "--plan", pid,
                                           "plans with different ids (set `id:` in plan.yaml)")))
    _, notify_problem = webhook_from(kwargs.get("notify"), kwargs.get("notify_format"))
    if notify_problem is not None:
        problems.append(str(notify_problem))
    return checked, problems


def _write_manifest(run_dir: Path, run_id: str, status: str, started: _dt.datetime,
                    checked: list[Any], results: list[tuple[Any, RunResult]],
                    errors: list[str], lang: str, scenarios: Sequence[str] | str | None,
                    params_dir: Any, kwargs: dict[str, Any]) -> None:
    """``manifest.json``: the run's parameters and, per plan, where it went and how it ended."""
    write_json(run_dir / "manifest.json", {
        "run_id": run_id, "status": status, "kind": "plans",
        "started": started.isoformat(timespec="seconds"),
        "finished": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "versions": versions(),
        "parameters": {"plans": [str(i.data_dir) for i in checked], "lang": lang,
                       "scenarios": scenarios, "params_dir": None if params_dir is None
                       else str(params_dir), **{k: v for k, v in kwargs.items()
                                                if isinstance(v, str | int | float | bool)
                                                and k != "notify"},
                       "notify": _notify_manifest(kwargs)},
        "plans": [{"plan_id": i.plan.id, "title_zh": i.plan.title("zh"),
                   "title_en": i.plan.title("en"), "plan_dir": str(i.data_dir),
                   "run_id": r.run_id,
                   "run_dir": None if r.run_dir is None else str(r.run_dir.relative_to(run_dir)),
                   "status": r.status, "exit_code": r.exit_code} for i, r in results],
        "errors": errors,
    })


def _publish(result: RunResult, out_dir: Path,
             results: list[tuple[Any, RunResult]]) -> RunResult:
    """Switch ``OUT/latest`` to a run whose every plan succeeded; set the exit code."""
    if result.status == "ok":
        try:
            switch_latest(out_dir, result.run_id)
            result.latest_updated = True
        except OSError as e:
            result.errors.append(f"could not switch {out_dir / 'latest'}: {e}")
            result.status = "failed"
    if result.status == "interrupted":
        codes = [r.exit_code for _, r in results]
        result.exit_code = EXIT_INTERRUPTED if EXIT_INTERRUPTED in codes else EXIT_FAILED
    elif result.status != "ok":
        result.exit_code = EXIT_FAILED
    return result


def _notify_manifest(kwargs: dict[str, Any]) -> Any:
    """The webhook of the run for its manifest, its key redacted (or None)."""
    hook, _ = webhook_from(kwargs.get("notify"), kwargs.get("notify_format"))
    return None if hook is None else hook.manifest()


def _write_summary(run_dir: Path, results: list[tuple[Any, RunResult]]) -> None:
    frames = []
    for _, r in results:
        path = None if r.run_dir is None else r.run_dir / "summary.csv"
        if path is not None and path.is_file():
            frames.append(pd.read_csv(path, encoding="utf-8-sig", dtype=str,
                                      keep_default_na=False))
    df = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["plan_id"])
    write_summary(run_dir / "summary.csv", df)


def _write_index(run_dir: Path, run_id: str, started: _dt.datetime,
                 results: list[tuple[Any, RunResult]], lang: str) -> None:
    # imported here: the render layer's pages pull in nbformat (seconds at start-up)
    from qcplan.render.plans_index import write_plans_index

    entries = []
    for inputs, r in results:
        prefix = "" if r.run_dir is None else r.run_dir.relative_to(run_dir).as_posix() + "/"
        summary = None if r.run_dir is None else r.run_dir / "summary.csv"
        tables: dict[str, Any] = {}
        if summary is not None and summary.is_file():
            df = pd.read_csv(summary, encoding="utf-8-sig")
            tables = {s: g for s, g in df.groupby("scenario", sort=False)}
        reports = []
        for rep in r.reports:
            d = rep.to_dict()
            if d.get("html"):
                d["html"] = prefix + d["html"]
            reports.append(d)
        chosen = list(inputs.pillars)
        entries.append({
            "plan": inputs.plan, "pillars": inputs.plan.pillars.set_index("pillar")
            .loc[chosen].reset_index(),
            "scenarios": {n: inputs.all_scenarios[n] for n in inputs.scenarios},
            "tables": tables, "reports": reports, "status": r.status,
            "index": prefix + "index.html" if r.run_dir is not None else None,
        })
    write_plans_index(run_dir / "index.html", entries=entries, run_id=run_id, run_date=started)
