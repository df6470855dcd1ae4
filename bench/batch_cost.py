"""What a full ``qcplan run`` costs against the floor of running as many trivial notebooks.

Three timings per repetition, all with the same number of worker processes and the same
papermill settings (``kernel_name="python3"``, no progress bar, no save per cell):

- **full**: :func:`qcplan.batch.run.run_batch` over every pillar × every shipped scenario in one
  language (validation, precompute, notebooks, HTML export, summary, dashboard, manifest);
- **trivial**: the same number of papermill executions of a notebook holding a parameters cell
  and ``print(1)`` (``tests/fixtures/notebooks/trivial.nb.json``), in a process pool;
- **batch of trivial**: ``run_batch`` with that trivial notebook, i.e. the batch's own overhead
  (validation, precompute, export, outputs) over the floor;
- **full with Word documents**: the full run with ``formats=("html", "docx")``: a ``.docx`` per
  report and a whole-plan document per scenario × language besides the HTML;
- **full, fresh kernels** (only with ``--fresh``): the full run with ``reuse_kernels=False``
  (``--fresh-kernels``), a new kernel for every report, as papermill does by default. The full
  run keeps one kernel per worker, so it can come in under the floor of starting one kernel
  per notebook.

Prints each timing, the medians over ``--repeat`` runs and the ratios full / trivial (the goal:
at most 1.5, with and without the Word documents) both as the ratio of the medians and as the
median of each repetition's own ratio (the two runs of a repetition are measured minutes apart,
which matters on a shared machine whose speed drifts), plus the full run's mean time per report
in execution and in export. Nothing is asserted.

    python bench/batch_cost.py [--repeat 3] [--jobs 2] [--lang zh|en|both] [--n-sims 10000]
                               [--fresh]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
TRIVIAL = REPO / "tests" / "fixtures" / "notebooks" / "trivial.nb.json"


def _trivial_one(out: str, parameters: dict[str, Any], cell_timeout: float) -> float:
    """In a worker: execute the trivial notebook once; return its seconds."""
    import papermill as pm

    start = time.monotonic()
    pm.execute_notebook(str(TRIVIAL), out, parameters=parameters, kernel_name="python3",
                        cwd=str(TRIVIAL.parent), request_save_on_cell_execute=False,
                        progress_bar=False, execution_timeout=cell_timeout, log_output=False)
    return time.monotonic() - start


def time_trivial(n: int, jobs: int, work: Path, cell_timeout: float) -> float:
    """Wall time of ``n`` trivial papermill runs over ``jobs`` fresh worker processes."""
    from qcplan.batch.pool import init_worker

    start = time.monotonic()
    with ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=init_worker, initargs=(str(work / "logs"),)) as pool:
        futures = [pool.submit(_trivial_one, str(work / f"trivial_{i}.ipynb"),
                               {"pillar": "p", "scenario": "s", "lang": "zh"}, cell_timeout)
                   for i in range(n)]
        for f in futures:
            f.result(timeout=600)
    return time.monotonic() - start


def time_full(out: Path, jobs: int, lang: str, n_sims: int,
              notebook: Path | None = None, reuse_kernels: bool = True,
              formats: tuple[str, ...] = ("html",)) -> tuple[float, dict[str, Any]]:
    """Wall time of a whole run and its manifest."""
    from qcplan.batch.run import run_batch

    start = time.monotonic()
    result = run_batch(out=out, jobs=jobs, lang=lang, n_sims=n_sims, quiet=True,
                       notebook=notebook, reuse_kernels=reuse_kernels, formats=formats)
    seconds = time.monotonic() - start
    if result.exit_code != 0:
        print(f"  warning: run exit code {result.exit_code} ({result.status})", file=sys.stderr)
    manifest = {}
    if result.manifest_path is not None and result.manifest_path.is_file():
        manifest = json.loads(result.manifest_path.read_text(encoding="utf-8"))
    return seconds, manifest


def _stage_means(manifest: dict[str, Any]) -> str:
    reports = manifest.get("reports", [])
    parts = []
    for stage in ("execute", "export"):
        values = [r["stages"][stage] for r in reports if stage in (r.get("stages") or {})]
        if values:
            parts.append(f"{stage} {statistics.mean(values):.2f}s")
    pre = (manifest.get("timings") or {}).get("precompute_seconds")
    if pre is not None:
        parts.append(f"precompute {pre:.1f}s")
    return ", ".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--lang", default="zh", choices=("zh", "en", "both"))
    parser.add_argument("--n-sims", type=int, default=10_000)
    parser.add_argument("--cell-timeout", type=float, default=600.0)
    parser.add_argument("--fresh", action="store_true",
                        help="also time the full run with a fresh kernel per report")
    args = parser.parse_args(argv)

    timings: dict[str, list[float]] = {"full": [], "docx": [], "trivial": [], "batch": [],
                                       "fresh": []}
    for i in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="qcplan-bench-") as tmp:
            work = Path(tmp)
            full, manifest = time_full(work / "full", args.jobs, args.lang, args.n_sims)
            n = len(manifest.get("reports", []))
            trivial = time_trivial(n, args.jobs, work / "trivial", args.cell_timeout)
            docx, _ = time_full(work / "docx", args.jobs, args.lang, args.n_sims,
                                formats=("html", "docx"))
            batch, _ = time_full(work / "batch", args.jobs, args.lang, args.n_sims, TRIVIAL)
            fresh = None
            if args.fresh:
                fresh, _ = time_full(work / "fresh", args.jobs, args.lang, args.n_sims,
                                     reuse_kernels=False)
                timings["fresh"].append(fresh)
        for key, value in (("full", full), ("docx", docx), ("trivial", trivial),
                           ("batch", batch)):
            timings[key].append(value)
        print(f"run {i + 1}/{args.repeat}: {n} reports; full {full:.1f}s, trivial {trivial:.1f}s "
              f"(ratio {full / trivial:.2f}), with Word documents {docx:.1f}s (ratio "
              f"{docx / trivial:.2f}), batch of trivial {batch:.1f}s"
              + (f", fresh kernels {fresh:.1f}s" if fresh is not None else "")
              + f"; per report: {_stage_means(manifest)}", flush=True)

    med = {k: statistics.median(v) for k, v in timings.items() if v}
    trivial = med["trivial"]
    print(f"\nmedian of {args.repeat} ({args.jobs} workers, lang {args.lang}, "
          f"{args.n_sims} draws):")
    print(f"  full run                 {med['full']:7.1f} s")
    print(f"  full run, HTML and Word  {med['docx']:7.1f} s")
    print(f"  trivial notebooks        {trivial:7.1f} s")
    print(f"  batch of trivial         {med['batch']:7.1f} s")
    pair = {k: statistics.median(a / b for a, b in zip(timings[k], timings["trivial"]))
            for k in ("full", "docx")}
    print(f"  ratio full / trivial     {med['full'] / trivial:7.2f}   (goal <= 1.5; median of the "
          f"repetitions' own ratios {pair['full']:.2f})")
    print(f"  ratio full+Word / trivial{med['docx'] / trivial:7.2f}   (goal <= 1.5; median of the "
          f"repetitions' own ratios {pair['docx']:.2f})")
    print(f"  ratio batch / trivial    {med['batch'] / trivial:7.2f}   (the batch's own overhead)")
    if "fresh" in med:
        print(f"  full, fresh kernels      {med['fresh']:7.1f} s   (--fresh-kernels: a new "
              f"kernel per report; ratio {med['fresh'] / trivial:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
