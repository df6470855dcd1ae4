"""Step 5 of a batch run (:mod:`qcplan.batch.run`): what a run leaves behind.

:func:`publish` writes ``summary.csv``, the responsible units' pages, ``index.html`` and
``manifest.json`` (also after failures: what succeeded stays usable), adds a successful run to
``history.csv``, switches ``latest`` when every report succeeded and prunes old run folders;
:func:`send_notice` then posts to the webhook (:mod:`qcplan.batch.notify`)."""

from __future__ import annotations

import time
from typing import Any

from qcplan.batch.history import append_history, history_rows, read_history, vintage_text
from qcplan.batch.notify import notify_run
from qcplan.batch.outputs import (
    file_hashes,
    prune_runs,
    safe,
    summary_table,
    switch_latest,
    write_dashboard,
    write_json,
    write_summary,
)
from qcplan.batch.progress import Log
from qcplan.batch.state import Run, input_hashes, manifest
from qcplan.batch.steps import compare, scenario_tables
from qcplan.render.bundles import cached_retro
from qcplan.render.units import write_unit_pages


def publish(run: Run, lg: Log) -> bool:
    """summary.csv, index.html, manifest.json; then ``history.csv`` and ``latest`` when every
    report succeeded; then retention. True when ``latest`` now shows this run."""
    if run.status == "ok" and any(r.status != "ok" for r in run.reports):
        run.status = "failed"
    _check_inputs_unchanged(run, lg)
    _write_outputs(run, lg)
    try:
        write_json(run.run_dir / "manifest.json", manifest(run))
    except OSError as e:  # e.g. a full disk; `latest` is then left alone
        run.fail(f"cannot write {run.run_dir / 'manifest.json'}: {e} (it still says running; "
                 "qcplan.batch.outputs.run_status reads such a run as killed)", lg)
    latest_updated = False
    if run.status == "ok":
        _append_history(run, lg)
    if run.status == "ok":
        latest_updated = _switch_latest(run, lg)
    _prune(run, lg)
    return latest_updated


def _check_inputs_unchanged(run: Run, lg: Log) -> None:
    """The run fails when a file it read (its snapshot of the plan folder, the scenarios, the
    notebook) changed during the run; a change of the plan folder itself is only logged."""
    inputs = run.inputs
    now = input_hashes(inputs, run.out_dir)
    changed = sorted(k for k in set(now) | set(run.hashes) if now.get(k) != run.hashes.get(k))
    if changed:
        run.fail("input files changed during the run (reports may disagree): "
                 + ", ".join(changed), lg)
    if inputs.source_dir is not None and inputs.source_dir != inputs.data_dir:
        try:
            source = file_hashes(inputs.source_dir, "data", skip=[run.out_dir])
        except OSError:
            source = {}
        moved = sorted(k for k in set(source) | {k for k in run.hashes if k.startswith("data/")}
                       if source.get(k) != run.hashes.get(k))
        if moved:
            lg.info(f"the plan folder changed during the run ({', '.join(moved)}): this run "
                    "reports the state it read at its start (hashes in manifest.json)")


def _write_outputs(run: Run, lg: Log) -> None:
    """summary.csv, the units' pages and index.html (a failure fails the run, and the manifest
    is still written)."""
    inputs = run.inputs
    try:
        tables = scenario_tables(run)

        retro = cached_retro(run.cache_dir) if run.cache_dir.is_dir() else None
        summary = summary_table(tables, inputs.pillars)
        summary.insert(0, "plan_id", inputs.plan.id)
        write_summary(run.run_dir / "summary.csv", summary)
        changes = run.changes if run.changes is not None else compare(run, lg)
        history = _history_with_this_run(run, summary, lg)
        units = _unit_pages(run, tables, changes, history, lg)
        write_dashboard(run.run_dir, run.run_id, run.started, inputs.plan, inputs.pillars,
                        {n: inputs.all_scenarios[n] for n in inputs.scenarios}, tables,
                        run.reports, inputs.as_of, run.n_sims, run.seed, changes, retro=retro,
                        history=history, run_id_now=run.run_id, units=units)
    except Exception as e:  # the manifest must still be written
        run.fail(f"writing summary.csv / index.html: {type(e).__name__}: {e}", lg)


def _switch_latest(run: Run, lg: Log) -> bool:
    """Point ``OUT/latest`` at the run; when it cannot, the run fails and its manifest says so."""
    try:
        how = switch_latest(run.out_dir, run.run_id)
    except OSError as e:  # the manifest must not keep saying ok
        run.fail(f"could not switch {run.out_dir / 'latest'}: {e}", lg)
        try:
            write_json(run.run_dir / "manifest.json", manifest(run))
        except OSError as e2:
            run.fail(f"cannot write {run.run_dir / 'manifest.json'}: {e2}", lg)
        return False
    if how == "copy":
        lg.warning(f"{run.out_dir} has no symbolic links: latest is a copy of the run "
                   f"folder and {run.out_dir / 'LATEST'} names it")
    return how is not None


def _prune(run: Run, lg: Log) -> None:
    """Retention: delete the oldest run folders beyond ``keep``."""
    deleted, problems = prune_runs(run.out_dir, int(run.params["keep"]), run.run_id)
    if deleted:
        lg.info(f"retention (keep {run.params['keep']}): deleted {len(deleted)} old run "
                f"folders: {', '.join(deleted)}")
    for p in problems:
        lg.warning(p)


def _history_with_this_run(run: Run, summary: Any, lg: Log) -> Any:
    """The plan's past course and this run's rows (kept for :func:`_append_history`)."""
    import pandas as pd

    inputs = run.inputs
    run.history = history_rows(summary, run.run_id, run.started.isoformat(timespec="seconds"),
                               inputs.as_of, vintage_text(safe(inputs.plan.vintage)),
                               str(inputs.plan.id))
    try:
        past = read_history(run.history_dir)
    except Exception as e:
        lg.warning(f"history: cannot read {run.history_dir / 'history.csv'}: {e}")
        past = run.history.iloc[0:0]
    past = past[(past["plan_id"].astype(str) == str(inputs.plan.id))
                & (past["run_id"].astype(str) != run.run_id)]
    frames = [f for f in (past, run.history) if len(f)]
    return pd.concat(frames, ignore_index=True) if frames else run.history


def _append_history(run: Run, lg: Log) -> None:
    """A successful run's rows join ``OUT/history.csv``; when they cannot, the run fails (its
    manifest says why) and ``latest`` stays where it was."""
    if run.history is None:
        return
    where = run.history_dir
    try:
        append_history(where, run.history)
        lg.info(f"history: {len(run.history)} rows added to {where / 'history.csv'}")
    except Exception as e:
        run.fail(f"cannot add the run to {where / 'history.csv'}: "
                 f"{type(e).__name__}: {e}", lg)
        try:
            write_json(run.run_dir / "manifest.json", manifest(run))
        except OSError as e2:
            run.fail(f"cannot write {run.run_dir / 'manifest.json'}: {e2}", lg)


def _unit_pages(run: Run, tables: dict[str, Any], changes: Any, history: Any,
                lg: Log) -> Any:
    """One page per responsible unit (and a Word document with ``--formats …,docx``); the
    rows of index.html's "by unit" table (:mod:`qcplan.render.units`)."""
    inputs = run.inputs
    t0 = time.monotonic()
    try:
        return write_unit_pages(run.run_dir, inputs.plan, tables, inputs.pillars,
                                inputs.all_scenarios, inputs.as_of, run.run_id, changes,
                                history, word="docx" in inputs.formats,
                                reports=[r.to_dict() for r in run.reports])
    except Exception as e:
        run.fail(f"writing the responsible units' pages: {type(e).__name__}: {e}", lg)
        return None
    finally:
        run.timings["unit_pages_seconds"] = round(time.monotonic() - t0, 3)


def send_notice(run: Run, status: str, lg: Log) -> None:
    """Post a short message to the webhook when something changed or the run failed
    (:mod:`qcplan.batch.notify`); never changes the exit code."""
    if not run.notify or run.interrupt == "SIGINT":  # Ctrl-C: someone is at the terminal
        return
    try:
        outcome = notify_run(run.notify, run.inputs.plan, run.run_id, run.run_dir,
                             status, run.changes, run.history, lg)
    except KeyboardInterrupt:  # a Ctrl-C while waiting for the webhook: give up on it
        outcome = {"sent": False, "error": "interrupted while sending"}
        lg.warning("notify: interrupted while sending; message not delivered")
    except Exception as e:  # never the run's failure
        outcome = {"sent": False, "error": f"{type(e).__name__}: {e}"}
        lg.warning(f"notify: {outcome['error']}")
    run.notified = outcome
    try:
        write_json(run.run_dir / "manifest.json", manifest(run))
    except OSError as e:
        lg.warning(f"cannot write {run.run_dir / 'manifest.json'}: {e}")
