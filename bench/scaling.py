"""How time and memory grow with the plan: targets × 1, 3 and 10.

The shipped plan's targets are replicated with new ids (``<id>__x2``, ...: same indicators, same
pillars) into a temporary plan folder; for each size three measurements run, each in a fresh
child process:

- **assess**: ``qcplan assess`` of every target under the baseline (10,000 draws);
- **one pillar**: ``qcplan run`` of the first pillar, every scenario, one language;
- **full run**: ``qcplan run`` of every pillar, every scenario, one language.

Printed: wall time (median of ``--repeat``) and peak memory (the largest resident set of any
process of the command: main process, worker or kernel), each with its growth against size × 1.
The work grows like the targets (× 3, × 10): growth no faster than that is the goal. Nothing is
asserted.

    python bench/scaling.py [--sizes 1,3,10] [--repeat 1] [--jobs 2] [--n-sims 10000]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def replicate(src: Path, dst: Path, factor: int) -> int:
    """A copy of the plan folder ``src`` with every target ``factor`` times; the target count."""
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("scripts", "__pycache__"))
    path = dst / "targets.csv"
    text = path.read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    out = list(rows)
    for k in range(2, factor + 1):
        out += [{**r, "target_id": f"{r['target_id']}__x{k}"} for r in rows]
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(out)
    path.write_text(buf.getvalue(), encoding="utf-8")
    return len(out)


def measure(cmd: list[str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MB (largest process of the command) and exit code, in a
    fresh child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.monotonic()
    proc = subprocess.run(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                          text=True)
    seconds = time.monotonic() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if proc.returncode != 0:
        print(f"  warning: exit {proc.returncode}: {proc.stderr[-500:]}", file=sys.stderr)
    # ru_maxrss of the children is a running maximum: a value below an earlier one is not seen
    return seconds, max(peak, before) / 1024, proc.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,3,10")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--n-sims", type=int, default=10_000)
    parser.add_argument("--plan", default=str(REPO / "data"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    qcplan = [sys.executable, "-m", "qcplan"]
    rows = []
    with tempfile.TemporaryDirectory(prefix="qcplan-scaling-") as tmp:
        for size in sizes:
            plan = Path(tmp) / f"plan_x{size}"
            n = replicate(Path(args.plan), plan, size)
            pillar = next(csv.DictReader(io.StringIO(
                (plan / "pillars.csv").read_text(encoding="utf-8-sig"))))["pillar"]
            steps = {
                "assess": [*qcplan, "assess", "--plan", str(plan), "--n-sims", str(args.n_sims),
                           "--csv", str(Path(tmp) / f"assess_x{size}.csv")],
                "one pillar": [*qcplan, "run", "--plan", str(plan), "--pillars", pillar,
                               "--n-sims", str(args.n_sims), "--jobs", str(args.jobs),
                               "--quiet", "--out", str(Path(tmp) / "runs"), "--keep", "1"],
                "full run": [*qcplan, "run", "--plan", str(plan), "--n-sims", str(args.n_sims),
                             "--jobs", str(args.jobs), "--quiet",
                             "--out", str(Path(tmp) / "runs"), "--keep", "1"],
            }
            for name, cmd in steps.items():
                times, peaks = [], []
                for _ in range(args.repeat):
                    # a fresh measuring process, so that the peak is this command's alone
                    here = str(Path(__file__).parent)
                    code = (f"import json, sys; sys.path.insert(0, {here!r}); "
                            f"from scaling import measure; print(json.dumps(measure({cmd!r})))")
                    out = subprocess.run([sys.executable, "-c", code], cwd=REPO,
                                         capture_output=True, text=True, check=True)
                    seconds, peak, _ = json.loads(out.stdout)
                    times.append(seconds)
                    peaks.append(peak)
                rows.append((name, size, n, statistics.median(times), max(peaks)))
                print(f"  x{size:<3} {name:<11} {n:5d} targets {rows[-1][3]:7.1f} s "
                      f"{rows[-1][4]:7.0f} MB", flush=True)
    print(f"\nscaling (median of {args.repeat}; {args.jobs} workers; {args.n_sims} draws; "
          "growth against x1; the work grows like the targets):")
    print(f"  {'measure':<11} {'size':>5} {'targets':>8} {'seconds':>8} {'growth':>7} "
          f"{'peak MB':>8} {'growth':>7}")
    base = {name: (s, m) for name, size, _, s, m in rows if size == sizes[0]}
    for name, size, n, s, m in rows:
        b_s, b_m = base[name]
        print(f"  {name:<11} {'x' + str(size):>5} {n:8d} {s:8.1f} {s / b_s:6.2f}x "
              f"{m:8.0f} {m / b_m:6.2f}x")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    raise SystemExit(main())
