"""`make bench`: every benchmark, one after the other, printing their figures.

1. bench/backtest.py --check  — P(reach) backtest on M3 (and M1, Tourism as a check)
1b. bench/nowcast_backtest.py --check — the in-year nowcast on M3 monthly and quarterly series
    (and M1, Tourism as a check; --quick: M3 only, every 5th series)
2. bench/assess_speed.py      — all targets x four scenarios x 10,000 draws
3. bench/batch_cost.py        — the report batch against trivial notebooks, same workers
4. bench/scaling.py           — assess, a one-pillar and a full run for targets x 1, 3, 10
                                (--quick: x 1 and 3, 2000 draws)
5. bench/outside_view.py      — the outside view of P(reach), leave-one-plan-out on the track
                                record of past plans (Brier, log score, reliability diagram)
5b. bench/short_series_pooling.py — short series' 80 % intervals, trend against partial
                                pooling with their measure and unit, leave-one-plan-out
6. bench/monitoring.py        — the responsible units' pages; appending to a long history
7. bench/ingest_cost.py       — ingest time and peak memory: a normal return, a 10,000-row one,
                                one formatted down to row 1,048,576, a decompression bomb

Pass --quick for a short version (every 5th series, fewer repeats).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    steps = [
        ["backtest.py", "--check"] + (["--quick"] if quick else []),
        ["nowcast_backtest.py"] + (["--quick"] if quick else ["--check"]),
        ["assess_speed.py"] + (["--repeat", "3"] if quick else []),
        ["batch_cost.py"] + (["--repeat", "1"] if quick else []),
        ["scaling.py"] + (["--sizes", "1,3", "--n-sims", "2000"] if quick else []),
        ["outside_view.py"],
        ["short_series_pooling.py"],
        ["monitoring.py"] + (["--repeat", "1", "--runs", "24"] if quick else []),
        ["ingest_cost.py"] + (["--repeat", "3"] if quick else []),
    ]
    failed = 0
    for step in steps:
        print(f"\n=== {' '.join(step)}", flush=True)
        t = time.perf_counter()
        rc = subprocess.call([sys.executable, str(HERE / step[0]), *step[1:]], cwd=HERE.parent)
        print(f"=== {step[0]} finished in {time.perf_counter() - t:.0f} s (exit {rc})", flush=True)
        failed += rc != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
