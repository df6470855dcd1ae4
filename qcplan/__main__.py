"""``python -m qcplan``: the command line."""

from qcplan.cli import main

raise SystemExit(main())
