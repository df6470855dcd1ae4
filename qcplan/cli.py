"""Command line: ``qcplan validate``, ``assess``, ``run``, ``history``, ``collect``, ``ingest``
and ``new``.

Subcommands plug into ``build_parser`` and ``HANDLERS``. Every command takes ``--plan DIR`` (the
older ``--data DIR`` is the same option); without it the plan is ``$QCPLAN_PLAN``, else ``./data``
when that is a plan folder, else the shipped example. Every command says which plan it used.

Bad input never ends in a traceback: every ``QcplanError`` is reported and the exit code is 2
(1 when the plan folder stayed busy with another writer: nothing was written, try again).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from qcplan import __version__
from qcplan.batch import plans, run
from qcplan.batch.history import check_filters, course, format_course, history_path, read_history
from qcplan.errors import DataError, ParameterError, QcplanError
from qcplan.files import write_csv_safe
from qcplan.model.assess import Assessor
from qcplan.model.scenarios import load_scenarios
from qcplan.options import check_options, check_output_file
from qcplan.plan.collect import collect
from qcplan.plan.ingest import ingest
from qcplan.plan.load import load_plan
from qcplan.plan.meta import choose_plan_dir
from qcplan.plan.new import new_plan
from qcplan.plan.writer import DEFAULT_WAIT, WAIT_ENV

EXIT_OK, EXIT_BAD_INPUT = 0, 2

Handler = Callable[[argparse.Namespace], int]


def _report(error: QcplanError) -> None:
    print(f"qcplan: {error}", file=sys.stderr)


def _plan_choice(args: argparse.Namespace, *, single: bool = True):
    """The plan folder(s) chosen for a command, announced on stderr."""
    given = list(getattr(args, "plan", None) or [])
    if single and len(given) > 1:
        raise ParameterError("command line", "--plan", ", ".join(given),
                             f"one plan folder for `qcplan {args.command}`")
    choices = [choose_plan_dir(g) for g in given] or [choose_plan_dir(None)]
    for c in choices:
        print(f"qcplan: plan {c.path} (from {c.how})", file=sys.stderr)
    return choices


def _check_params(params: str | None, plan: object | None) -> bool:
    """Check the scenario parameters; True when fine."""
    try:
        loaded = load_scenarios(params, plan=plan)
    except QcplanError as e:
        _report(e)
        return False
    print(f"\n{len(loaded)} scenarios: {', '.join(loaded)}")
    return True


def cmd_validate(args: argparse.Namespace) -> int:
    """Load and check each plan (plan.yaml, the four tables, the scenarios); print a summary.

    The scenarios checked are the generic ones, the plan's own scenarios/ and a --params folder.
    """
    ok = True
    for i, choice in enumerate(_plan_choice(args, single=False)):
        if i:
            print()
        plan = None
        try:
            plan = load_plan(choice.path)
        except DataError as e:
            _report(e)
        else:
            print(plan.summary())
            if plan.assumptions:
                print("\nAssumed (columns left out or blank; see docs/DESIGN.md):")
                print("\n".join(f"  {line}" for line in plan.assumptions))
            if plan.warnings:
                print(f"\n{len(plan.warnings)} plausibility warning(s) (not errors):")
                print("\n".join(f"  {w}" for w in plan.warnings))
        params_ok = _check_params(args.params, plan)
        ok = ok and plan is not None and params_ok
    return EXIT_OK if ok else EXIT_BAD_INPUT


HANDLERS: dict[str, Handler] = {"validate": cmd_validate}

PLAN_HELP = ("plan folder: plan.yaml and the four tables (default: $QCPLAN_PLAN, else ./data when "
             "it is a plan folder, else the shipped example); --data is the same option")


def add_data_option(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    """``--plan DIR`` (alias ``--data``); with ``many`` it may be given more than once."""
    parser.add_argument("--plan", "--data", dest="plan", metavar="DIR", action="append",
                        default=None,
                        help=PLAN_HELP + ("; give it several times to render several plans"
                                          if many else ""))


def add_params_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", metavar="DIR", default=None,
                        help="extra folder holding scenarios/*.yaml, laid over the generic "
                             "scenarios and the plan's own scenarios/")


def cmd_run(args: argparse.Namespace) -> int:
    """Run every pillar x scenario x language report into a new folder OUT/<run-id>/.

    Writes the executed notebooks, self-contained HTML reports, index.html, summary.csv and
    manifest.json; OUT/latest is switched to the new run only when every report succeeded.
    With several --plan, each plan is rendered into OUT/<run-id>/plans/<plan-id>/ and the run's
    index.html lists each plan with its own matrix (summary.csv and manifest.json carry the plan
    id). Exit 0 all reports written, 1 some failed or the run was stopped, 2 invalid data or
    parameters (nothing run), 130 interrupted with Ctrl-C.
    """
    choices = _plan_choice(args, single=False)
    if len(choices) > 1:
        result = plans.run_plans(
            [c.path for c in choices], pillars=args.pillars, scenarios=args.scenarios,
            lang=args.lang, out=args.out, params_dir=args.params, jobs=args.jobs,
            timeout=args.timeout, cell_timeout=args.cell_timeout, quiet=args.quiet,
            n_sims=args.n_sims, seed=args.seed, as_of=args.as_of,
            reuse_kernels=not args.fresh_kernels, formats=args.formats, notify=args.notify,
            notify_format=args.notify_format)
        return result.exit_code
    result = run.run_batch(
        pillars=args.pillars, scenarios=args.scenarios, lang=args.lang, out=args.out,
        data_dir=choices[0].path, params_dir=args.params, jobs=args.jobs, timeout=args.timeout,
        cell_timeout=args.cell_timeout, quiet=args.quiet, n_sims=args.n_sims, seed=args.seed,
        as_of=args.as_of, reuse_kernels=not args.fresh_kernels, formats=args.formats,
        keep=args.keep, notify=args.notify, notify_format=args.notify_format,
    )
    return result.exit_code


HANDLERS["run"] = cmd_run


def add_run_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run every pillar x scenario report (reports/latest)",
                       description=cmd_run.__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pillars", nargs="+", metavar="ID", default=None,
                   help="pillar ids (space- or comma-separated; default: every pillar)")
    p.add_argument("--scenarios", nargs="+", metavar="NAME", default=None,
                   help="scenario names (default: every scenario: generic, the plan's, --params)")
    p.add_argument("--lang", choices=run.LANG_CHOICES, default="zh",
                   help="report language (default: zh)")
    p.add_argument("--out", metavar="DIR", default=run.DEFAULT_OUT,
                   help="folder of the run folders and of 'latest' (default: reports)")
    add_data_option(p, many=True)
    add_params_option(p)
    p.add_argument("--jobs", type=int, default=run.DEFAULT_JOBS, metavar="N",
                   help=f"parallel worker processes (default: {run.DEFAULT_JOBS})")
    p.add_argument("--timeout", type=float, default=run.DEFAULT_TIMEOUT, metavar="SECONDS",
                   help="limit for the whole run; reports still running then are killed "
                        f"(default: {run.DEFAULT_TIMEOUT:.0f})")
    p.add_argument("--cell-timeout", type=float, default=run.DEFAULT_CELL_TIMEOUT,
                   metavar="SECONDS",
                   help=f"limit for each notebook cell (default: {run.DEFAULT_CELL_TIMEOUT:.0f})")
    p.add_argument("--quiet", action="store_true",
                   help="only warnings and errors (no progress bar, no per-report lines)")
    p.add_argument("--n-sims", type=int, default=run.DEFAULT_N_SIMS, metavar="N",
                   help=f"draws per projection (default: {run.DEFAULT_N_SIMS})")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    p.add_argument("--as-of", metavar="DATE", default=None,
                   help="date of the assessment, YYYY-MM-DD or a year (default: today)")
    p.add_argument("--formats", default="html", metavar="LIST",
                   help="html (default), or html,docx for Word documents too: one per report "
                        "and one whole-plan assessment per scenario and language")
    p.add_argument("--fresh-kernels", action="store_true",
                   help="start a new kernel for every report (default: each worker keeps one "
                        "kernel, its namespace cleared before every report)")
    p.add_argument("--keep", type=int, default=run.DEFAULT_KEEP, metavar="N",
                   help="retention: keep the N newest run folders in OUT, deleting older ones "
                        "(failed and killed runs too; never the one 'latest' shows nor a "
                        f"running one; 0 keeps all; default: {run.DEFAULT_KEEP})")
    p.add_argument("--notify", metavar="URL", default=None,
                   help="webhook told when a status changed, a P(reach) moved by 10 points or "
                        "more, or the run failed (default: $QCPLAN_NOTIFY_URL, the better place "
                        "for an address holding a key)")
    p.add_argument("--notify-format", metavar="FORMAT", default=None,
                   help="wecom, dingtalk, feishu or json (default: $QCPLAN_NOTIFY_FORMAT, else "
                        "guessed from the address)")


def cmd_history(args: argparse.Namespace) -> int:
    """Print each target's course over the runs kept in OUT/history.csv (every successful run
    adds its per-target results there; retention never deletes it), or write the rows asked as
    CSV with --csv FILE."""
    from pathlib import Path

    out = Path(args.out)
    if not out.is_dir():
        raise ParameterError("command line", "--out", args.out,
                             "the folder of the run folders (qcplan run --out)")
    targets = [t.strip() for v in (args.target or []) for t in v.split(",") if t.strip()]
    history = read_history(out)
    check_filters(history, targets, args.pillar, str(history_path(out)))
    rows = course(history, targets, args.pillar, args.scenario)
    if args.csv:
        write_csv_safe(rows, args.csv)
        print(f"qcplan: {len(rows)} rows written to {args.csv}", file=sys.stderr)
        return EXIT_OK
    print(format_course(rows))
    return EXIT_OK


HANDLERS["history"] = cmd_history


def add_history_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("history", help="print each target's course over the runs",
                       description=cmd_history.__doc__)
    p.add_argument("--out", metavar="DIR", default=run.DEFAULT_OUT,
                   help="folder of the run folders and history.csv (default: reports)")
    p.add_argument("--target", nargs="+", metavar="ID", default=None,
                   help="target ids (space- or comma-separated; default: every target)")
    p.add_argument("--pillar", metavar="ID", default=None, help="only this pillar's targets")
    p.add_argument("--scenario", metavar="NAME", default=None, help="only this scenario")
    p.add_argument("--csv", metavar="FILE", default=None,
                   help="write the rows as CSV to FILE instead of printing")


ASSESS_COLUMNS = ["target_id", "kind", "status", "prob_reach", "prob_reach_trend", "ref_class",
                  "ref_n", "ref_rate", "latest_value", "latest_year",
                  "decision_threshold", "projected_median", "projected_p10", "projected_p90",
                  "required_rate", "observed_rate", "review_grade", "illustrative"]


def cmd_assess(args: argparse.Namespace) -> int:
    """Assess the targets under one scenario and print the status table (or write it as CSV).

    Projections, intervals and probabilities are model estimates; the column ``illustrative``
    says which rows rest on illustrative (not official) figures.
    """
    import pandas as pd

    checked, problems = check_options({"n_sims": args.n_sims, "seed": args.seed,
                                       "as_of": args.as_of})
    if args.csv:
        try:
            check_output_file(args.csv, "--csv")
        except ParameterError as e:
            problems.append(e)
    if problems:
        for e in problems[1:]:
            _report(e)
        raise problems[0]
    plan = load_plan(_plan_choice(args)[0].path)
    scenarios = load_scenarios(args.params, plan=plan)
    if args.scenario not in scenarios:
        raise ParameterError("command line", "--scenario", args.scenario,
                             "one of " + ", ".join(scenarios))
    targets = plan.targets
    if args.pillar is not None:
        known = list(plan.pillars["pillar"])
        if args.pillar not in known:
            raise ParameterError("command line", "--pillar", args.pillar,
                                 "one of " + ", ".join(known))
        targets = targets[targets["pillar"] == args.pillar]
    ids = list(targets["target_id"])
    for tid in args.target or []:
        if tid not in set(plan.targets["target_id"]):
            raise ParameterError("command line", "--target", tid, "a target_id of targets.csv")
    if args.target:
        ids = [t for t in ids if t in set(args.target)]
    assessor = Assessor(plan, as_of=checked["as_of"])
    table = assessor.assess(scenarios[args.scenario], n_sims=checked["n_sims"],
                            seed=checked["seed"], targets=ids)
    if args.csv:
        try:
            out = write_csv_safe(table, args.csv)
        except OSError as e:  # e.g. the disk is full, or the folder became read-only meanwhile
            raise ParameterError("command line", "--csv", args.csv,
                                 f"a file that can be written ({_os_error_text(e)})") from None
        print(f"{len(table)} targets written to {out}")
        return EXIT_OK
    with pd.option_context("display.width", 200, "display.max_rows", 500,
                           "display.max_columns", 30, "display.float_format", "{:,.3g}".format):
        print(table[ASSESS_COLUMNS].to_string(index=False))
    if table["illustrative"].any():
        print("\nNote: rows with illustrative=True rest on illustrative (not official) figures. "
              "Projections and probabilities are model estimates.")
    return EXIT_OK


HANDLERS["assess"] = cmd_assess


def add_assess_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("assess", help="print the status table of the targets under a scenario",
                       description=cmd_assess.__doc__)
    p.add_argument("--scenario", default="baseline", metavar="NAME",
                   help="scenario name (default: baseline)")
    p.add_argument("--pillar", default=None, metavar="ID", help="only this pillar's targets")
    p.add_argument("--target", nargs="+", default=None, metavar="ID", help="only these targets")
    add_data_option(p)
    add_params_option(p)
    p.add_argument("--n-sims", type=int, default=10_000, metavar="N",
                   help="draws per projection (default: 10000)")
    p.add_argument("--seed", type=int, default=0, metavar="N", help="random seed (default: 0)")
    p.add_argument("--as-of", metavar="DATE", default=None,
                   help="date of the assessment, YYYY-MM-DD or a year (default: today)")
    p.add_argument("--csv", metavar="FILE", default=None,
                   help="write every column as CSV to FILE instead of printing")


def cmd_collect(args: argparse.Namespace) -> int:
    """Write one .xlsx workbook per responsible unit into OUT: the figures its targets need that
    are still missing or only preliminary (sheet 填报), with instructions (sheet 说明)."""
    import datetime as _dt

    plan = load_plan(_plan_choice(args)[0].path)
    units = [u for text in args.units or [] for u in text.replace(",", " ").split()] or None
    written = collect(plan, args.out, units=units, year=args.year, today=_dt.date.today())
    for unit, (path, n) in written.items():
        print(f"{path}  {unit}: {n} figure(s) to fill")
    print(f"{len(written)} workbook(s) written to {args.out}")
    return EXIT_OK


HANDLERS["collect"] = cmd_collect


def cmd_ingest(args: argparse.Namespace) -> int:
    """Read returned workbooks (or CSV files with the same columns) and append their figures to
    observations.csv with provenance. Exit 0 all applied, 1 applied except conflicts with official
    figures (held back: see --accept-revisions) or another writer kept the plan folder busy
    beyond --wait (nothing written), 2 a problem in a file (nothing written)."""
    import datetime as _dt

    received = None
    if args.received:
        try:
            received = _dt.date.fromisoformat(args.received)
        except ValueError:
            raise ParameterError("command line", "--received", args.received,
                                 "a date YYYY-MM-DD") from None
    plan = load_plan(_plan_choice(args)[0].path)
    result = ingest(plan, args.files, accept_revisions=args.accept_revisions,
                    received=received, unit=args.unit, dry_run=args.dry_run,
                    public=args.public, wait=args.wait)
    print(result.summary())
    return 1 if result.conflicts else EXIT_OK


HANDLERS["ingest"] = cmd_ingest


def add_collect_parsers(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("collect", help="write one workbook per responsible unit to fill in",
                       description=cmd_collect.__doc__)
    p.add_argument("--out", metavar="DIR", required=True, help="folder for the workbooks")
    p.add_argument("--units", nargs="+", metavar="UNIT", default=None,
                   help="only these units (as named in targets.csv; default: every unit)")
    p.add_argument("--year", type=int, metavar="Y", default=None,
                   help="ask for year Y only (default: every year from each target's "
                        "period_start to last year)")
    add_data_option(p)
    p = sub.add_parser("ingest", help="append the figures of returned workbooks",
                       description=cmd_ingest.__doc__)
    p.add_argument("files", nargs="+", metavar="FILE", help="returned .xlsx (or .csv) files")
    add_data_option(p)
    p.add_argument("--accept-revisions", action="store_true",
                   help="apply figures that differ from an official one held (new vintage)")
    p.add_argument("--received", metavar="DATE", default=None,
                   help="date the files were received, YYYY-MM-DD (default: today)")
    p.add_argument("--unit", metavar="UNIT", default=None,
                   help="reporting unit of CSV files (default: the file's name)")
    p.add_argument("--public", action="store_true",
                   help="CSV files of figures read from published pages (columns source and "
                        "excerpt on every row), of any series of the plan, no reporting unit")
    p.add_argument("--dry-run", action="store_true", help="check and report, write nothing")
    add_wait_option(p)


def add_wait_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--wait", metavar="SECONDS", type=float, default=None,
                        help="how long to wait for another command writing the plan folder "
                        f"before giving up with exit 1 (default ${WAIT_ENV}, else "
                        f"{DEFAULT_WAIT:g})")


def cmd_new(args: argparse.Namespace) -> int:
    """Write an empty plan folder DIR: plan.yaml and the four tables as commented templates (CSV,
    or workbooks with --format xlsx), ready to fill in (see docs/NEW_PLAN.md). It validates as
    written, and `qcplan run --plan DIR` renders an empty overview until targets are entered."""
    written = new_plan(args.dir, title_zh=args.title, title_en=args.title_en or "",
                       geography=args.geography, issuer=args.issuer or "", status=args.status,
                       period_start=args.period_start, period_end=args.period_end,
                       base_year=args.base_year, fmt=args.format, plan_id=args.id,
                       wait=args.wait)
    for path in written:
        print(path)
    print(f"qcplan: plan folder {args.dir} written; next: fill in the tables "
          f"(docs/NEW_PLAN.md), then `qcplan validate --plan {args.dir}`", file=sys.stderr)
    return EXIT_OK


HANDLERS["new"] = cmd_new


def add_new_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("new", help="write an empty plan folder with commented templates",
                       description=cmd_new.__doc__)
    p.add_argument("dir", metavar="DIR", help="the new plan folder (new or empty)")
    p.add_argument("--title", required=True, help="the plan's title (Chinese)")
    p.add_argument("--title-en", default=None, help="the plan's title in English")
    p.add_argument("--geography", required=True, help="where the plan applies")
    p.add_argument("--issuer", default=None, help="the issuing body")
    p.add_argument("--status", default="draft", help="draft or adopted (default: draft)")
    p.add_argument("--period-start", type=int, default=None, metavar="YEAR")
    p.add_argument("--period-end", type=int, default=None, metavar="YEAR")
    p.add_argument("--base-year", type=int, default=None, metavar="YEAR")
    p.add_argument("--id", default=None, help="plan id (default: from the folder's name)")
    p.add_argument("--format", default="csv", help="csv (default) or xlsx")
    add_wait_option(p)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand's name is a key of ``HANDLERS``."""
    parser = argparse.ArgumentParser(
        prog="qcplan", description="Track the targets of a plan (a plan folder: plan.yaml and "
        "four tables).")
    parser.add_argument("--version", action="version", version=f"qcplan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = sub.add_parser("validate", help="check a plan folder and its scenarios; summary",
                              description=cmd_validate.__doc__)
    add_data_option(validate, many=True)
    add_params_option(validate)
    add_assess_parser(sub)
    add_run_parser(sub)
    add_history_parser(sub)
    add_new_parser(sub)
    add_collect_parsers(sub)
    return parser


def _printable_streams() -> None:
    """A terminal that cannot show Chinese (``PYTHONIOENCODING=ascii``, a C locale) gets ``?`` for
    what it cannot show instead of a UnicodeEncodeError in the middle of a report."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and getattr(stream, "errors", "strict") == "strict":
            try:
                reconfigure(errors="replace")
            except (OSError, ValueError):  # pragma: no cover - a detached or closed stream
                pass


def _os_error_text(e: OSError) -> str:
    """An OSError as a sentence: what could not be done, to which file, and why."""
    if e.strerror is None:  # raised with a message of its own
        return str(e) or e.__class__.__name__
    why = e.strerror
    if isinstance(e, IsADirectoryError):
        why += " (a folder is in the way: give a file name)"
    elif isinstance(e, NotADirectoryError):
        why += " (a file is in the way where a folder should be)"
    elif isinstance(e, PermissionError):
        why += " (no permission to write there)"
    where = " -> ".join(str(f) for f in (e.filename, e.filename2) if f is not None)
    return f"{where}: {why}" if where else why


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; return the exit code (0 fine, 2 bad input or usage).

    No traceback for bad input or a bad environment: data and parameter problems, files that
    cannot be read or written, and a terminal that cannot show Chinese all end in a message."""
    _printable_streams()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors
        return e.code if isinstance(e.code, int) else EXIT_BAD_INPUT
    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_BAD_INPUT
    try:
        return HANDLERS[args.command](args)
    except QcplanError as e:
        _report(e)
        return getattr(e, "exit_code", EXIT_BAD_INPUT)  # 1: the plan folder was busy
    except OSError as e:
        print(f"qcplan: {_os_error_text(e)}", file=sys.stderr)
    except UnicodeError as e:  # e.g. output to a stream that refuses replacement
        print(f"qcplan: cannot show the output in this terminal's encoding ({e.reason}); set "
              "PYTHONIOENCODING=utf-8".encode("ascii", "replace").decode(), file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
