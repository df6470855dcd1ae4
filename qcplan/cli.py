"""Command line: ``qcplan validate`` (more subcommands plug into ``build_parser`` and ``HANDLERS``).

Bad input never ends in a traceback: every ``QcplanError`` is reported and the exit code is 2.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from collections.abc import Callable, Sequence

from qcplan import __version__
from qcplan.errors import DataError, QcplanError
from qcplan.load import load_plan

EXIT_OK, EXIT_BAD_INPUT = 0, 2

Handler = Callable[[argparse.Namespace], int]


def _report(error: QcplanError) -> None:
    print(f"qcplan: {error}", file=sys.stderr)


def _check_params(params: str | None, plan: object | None) -> bool:
    """Check the scenario parameters if ``qcplan.scenarios`` is available; True when fine."""
    try:
        scenarios = importlib.import_module("qcplan.scenarios")
        load_scenarios = scenarios.load_scenarios
    except (ImportError, AttributeError):
        if params is not None:
            print("qcplan: scenario checking is not available; --params not checked",
                  file=sys.stderr)
        return True
    kwargs = {}
    if plan is not None and "plan" in inspect.signature(load_scenarios).parameters:
        kwargs["plan"] = plan
    try:
        loaded = load_scenarios(params, **kwargs)
    except QcplanError as e:
        _report(e)
        return False
    names = list(loaded) if isinstance(loaded, dict) else []
    print(f"\n{len(loaded)} scenarios" + (f": {', '.join(names)}" if names else ""))
    return True


def cmd_validate(args: argparse.Namespace) -> int:
    """Load and check the data (and the scenario parameters); print a summary."""
    plan = None
    try:
        plan = load_plan(args.data)
    except DataError as e:
        _report(e)
    else:
        print(plan.summary())
    # The repository's params/ go with its data/: with another --data, check only a given --params.
    check = args.params is not None or args.data is None
    params_ok = _check_params(args.params, plan) if check else True
    return EXIT_OK if plan is not None and params_ok else EXIT_BAD_INPUT


HANDLERS: dict[str, Handler] = {"validate": cmd_validate}


def add_data_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", metavar="DIR", default=None,
                        help="folder of the four tables (default: $QCPLAN_DATA, else data/)")


def add_params_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", metavar="DIR", default=None,
                        help="folder holding scenarios/*.yaml (default without --data: params/)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; each subcommand's name is a key of ``HANDLERS``."""
    parser = argparse.ArgumentParser(
        prog="qcplan", description="Track the targets of the 谯城区 plan.")
    parser.add_argument("--version", action="version", version=f"qcplan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    validate = sub.add_parser("validate", help="check data/ and params/ and print a summary",
                              description=cmd_validate.__doc__)
    add_data_option(validate)
    add_params_option(validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run a subcommand; return the exit code (0 fine, 2 bad input or usage)."""
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
    except (FileNotFoundError, NotADirectoryError, PermissionError) as e:
        print(f"qcplan: {e}", file=sys.stderr)
    return EXIT_BAD_INPUT


if __name__ == "__main__":
    raise SystemExit(main())
