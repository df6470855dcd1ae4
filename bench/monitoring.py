"""Cost of what a run adds for monitoring over time: the responsible units' pages and the history.

1. ``write_unit_pages`` for every unit of the shipped plan (all pillars, baseline assessed with
   1,000 draws beforehand, not timed): the first call includes the one embedded-font subset;
   HTML only, then with the Word documents.
2. ``append_history`` of one run (every target × four scenarios) onto a history already holding
   ``--runs`` earlier runs (default 120: ten years of monthly runs), and ``read_history`` of it:
   the whole file is read and rewritten under the lock each time.

    python bench/monitoring.py [--runs 120] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from qcplan.batch.history import append_history, history_rows, read_history
from qcplan.model.assess import assess
from qcplan.model.scenarios import load_scenarios
from qcplan.plan.load import load_plan
from qcplan.render.units import write_unit_pages


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=120)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    table = assess(plan, "baseline", as_of="2026-06-30", n_sims=1000, seed=0)
    pillars = plan.pillars["pillar"].tolist()
    for word in (False, True):
        times, n, size = [], 0, 0
        for _ in range(args.repeat):
            with tempfile.TemporaryDirectory() as d:
                t = time.perf_counter()
                views = write_unit_pages(Path(d), plan, {"baseline": table}, pillars, scenarios,
                                         "2026-06-30", "bench", None, word=word)
                times.append(time.perf_counter() - t)
                n = len(views)
                size = sum(p.stat().st_size for p in (Path(d) / "units").iterdir())
        print(f"unit pages{' + Word' if word else ''}: {n} units, {len(table)} targets: "
              f"first {times[0]:.2f} s, median {statistics.median(times):.2f} s; "
              f"{size / 1e6:.1f} MB written")

    summary = pd.concat([table.assign(scenario=s) for s in scenarios], ignore_index=True)
    summary.insert(0, "plan_id", plan.id)
    with tempfile.TemporaryDirectory() as d:
        old = pd.concat([history_rows(summary, f"r{i:04d}", f"2020-01-01T00:{i % 60:02d}:00",
                                      "2026-06-30", "official 2025", plan.id)
                         for i in range(args.runs)], ignore_index=True)
        append_history(d, old)
        size = (Path(d) / "history.csv").stat().st_size
        times = []
        for k in range(args.repeat):
            rows = history_rows(summary, f"new{k}", "2030-01-01T00:00:00", "2026-06-30",
                                "official 2025", plan.id)
            t = time.perf_counter()
            append_history(d, rows)
            times.append(time.perf_counter() - t)
        t = time.perf_counter()
        h = read_history(d)
        read_s = time.perf_counter() - t
    print(f"history: {args.runs} runs × {len(summary)} rows ({len(h):,} rows, "
          f"{size / 1e6:.1f} MB): append one run median {statistics.median(times):.2f} s, "
          f"read {read_s:.2f} s")


if __name__ == "__main__":
    main()
