"""Speed of the assessment: every target under every shipped scenario, 10,000 draws each.

Times a fresh ``Assessor`` (so fits are included) assessing all targets under the four shipped
scenarios, after imports and after loading the data, and prints the median of several runs (the
machines are shared and noisy). Also prints one interactive update (one target, one scenario,
4,000 draws) as the workbench does it. Goal: the full assessment under 2 s on 2 cores.

    python bench/assess_speed.py [--repeat 7] [--n-sims 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time
import tracemalloc

from qcplan.model.assess import Assessor
from qcplan.model.scenarios import Adjustment, load_scenarios
from qcplan.plan.load import load_plan


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--n-sims", type=int, default=10_000)
    args = ap.parse_args()

    plan = load_plan()
    scenarios = load_scenarios(None, plan)
    n_targets = len(plan.targets)
    totals, per_scenario = [], {name: [] for name in scenarios}
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        assessor = Assessor(plan, as_of="2026-11-27")
        for name, scen in scenarios.items():
            t = time.perf_counter()
            assessor.assess(scen, n_sims=args.n_sims, seed=0)
            per_scenario[name].append(time.perf_counter() - t)
        totals.append(time.perf_counter() - t0)

    tracemalloc.start()
    assessor = Assessor(plan, as_of="2026-11-27")
    for scen in scenarios.values():
        assessor.assess(scen, n_sims=args.n_sims, seed=0)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    model = assessor.model("gdp_level")
    updates = []
    for i in range(args.repeat * 3):
        t = time.perf_counter()
        model.evaluate(Adjustment(shift=0.1 * i), 4_000, 0)
        updates.append(time.perf_counter() - t)

    print(f"assessment: {n_targets} targets x {len(scenarios)} scenarios x {args.n_sims} draws, "
          f"{args.repeat} runs")
    print(f"  total (fits included): median {statistics.median(totals):.3f} s  "
          f"(min {min(totals):.3f}, max {max(totals):.3f})  goal < 2 s")
    for name, ts in per_scenario.items():
        print(f"  {name:<12} median {statistics.median(ts):.3f} s")
    print(f"  peak traced memory of one full assessment: {peak / 2**20:.1f} MiB")
    print(f"interactive update (one target, 4000 draws): median "
          f"{1000 * statistics.median(updates):.1f} ms")

    from qcplan.explore.workbench import Workbench

    wb = Workbench.open(pillar="overall_strength", target="gdp_level")
    wb.current()  # the fit, once
    moves, draws = [], []
    for i in range(args.repeat * 3):
        t = time.perf_counter()
        wb.set_shift(0.25 * (i + 1))
        wb.current()
        moves.append(time.perf_counter() - t)
        t = time.perf_counter()
        wb.figure_png()
        draws.append(time.perf_counter() - t)
    print(f"workbench: moving the growth slider (numbers and status) median "
          f"{1000 * statistics.median(moves):.1f} ms; redrawing the chart as PNG median "
          f"{1000 * statistics.median(draws):.0f} ms")


if __name__ == "__main__":
    main()
