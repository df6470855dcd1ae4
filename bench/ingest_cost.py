"""Cost of ingesting a returned workbook: time and peak memory, by kind of return.

Builds, in a scratch folder, from a copy of the shipped plan (data/):

- ``normal``     区统计局's workbook for 2025 as ``qcplan collect`` issues it, two figures filled;
- ``10k rows``   the same with 10,000 issued rows (indicator, geography, year filled, value
                 blank: figures not yet available), the two figures filled;
- ``formatted``  the normal return with cells A:Q of row 1,048,576 coloured, as when a unit
                 selects whole columns and colours them (the used range becomes A1:Q1048576);
- ``bomb``       three million rows of XML in an archive of a few hundred KB (refused).

Each is ingested ``--repeat`` times (a dry run: the same work, nothing written), each time in a
fresh process: the figures are the wall time of ``ingest()`` (the files read, the plan read
again under its lock, the figures checked and compared) and the process's peak resident memory
(getrusage: Python, pandas and openpyxl included); then once more under tracemalloc for the
peak of Python's allocations during ``ingest()`` (not timed: tracing slows Python several
times). Medians are printed.

    python bench/ingest_cost.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
UNIT = "区统计局"

CHILD = r"""
import json, resource, sys, time, tracemalloc, datetime as dt
from pathlib import Path
from qcplan.plan.ingest import IngestError, ingest
from qcplan.plan.load import load_plan
plan = load_plan(sys.argv[1])
if sys.argv[3] == "memory":
    tracemalloc.start()  # slows Python down several times: not with the timing runs
t = time.perf_counter()
try:
    r = ingest(plan, [Path(sys.argv[2])], received=dt.date(2026, 3, 1), dry_run=True, wait=0)
    outcome = f"{len(r.new)} new"
except IngestError as e:
    outcome = "refused: " + e.problems[0].expected[:60]
seconds = time.perf_counter() - t
peak = tracemalloc.get_traced_memory()[1]
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({"seconds": seconds, "peak": peak, "rss": rss, "outcome": outcome}))
"""


def build(tmp: Path) -> tuple[Path, dict[str, Path]]:
    import openpyxl
    from openpyxl.styles import PatternFill

    from qcplan.plan.collect import SHEET, collect
    from qcplan.plan.load import load_plan

    data = tmp / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("scripts", "sources"))
    collect(load_plan(data), tmp / "out", units=[UNIT], year=2025, today=_dt.date(2026, 3, 1))
    issued = tmp / "out" / f"{UNIT}.xlsx"
    files = {}

    def save(name: str, edit=None) -> None:
        wb = openpyxl.load_workbook(issued)
        ws = wb[SHEET]
        ws["F3"], ws["G3"], ws["F5"], ws["G5"] = 905.2, "初步", 52.9, "正式"
        if edit is not None:
            edit(ws)
        files[name] = tmp / name.replace(" ", "_") / f"{UNIT}.xlsx"
        files[name].parent.mkdir()
        wb.save(files[name])

    def many(ws) -> None:
        for i in range(10_000):
            r = ws.max_row + 1
            ws.cell(row=r, column=1, value="gdp")
            ws.cell(row=r, column=2, value="谯城区(辖区)")
            ws.cell(row=r, column=3, value=2013 + i % 13)
            ws.cell(row=r, column=4, value=f"M{1 + i % 12:02d}")
            ws.cell(row=r, column=5, value="ytd")

    def formatted(ws) -> None:
        fill = PatternFill("solid", fgColor="FFFF00")
        for col in range(1, 18):
            ws.cell(row=1_048_576, column=col).fill = fill

    save("normal")
    save("10k rows", many)
    save("formatted", formatted)
    bomb = tmp / "bomb" / f"{UNIT}.xlsx"
    bomb.parent.mkdir()
    body = ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            "<sheetData>" + '<row><c t="n"><v>1</v></c></row>' * 3_000_000
            + "</sheetData></worksheet>")
    with zipfile.ZipFile(issued) as zin, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        for info in zin.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                z.writestr(info, zin.read(info.filename))
        z.writestr("xl/worksheets/sheet1.xml", body, compresslevel=9)
    files["bomb (3M rows)"] = bomb
    return data, files


def _child(data: Path, path: Path, mode: str) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(data), str(path), mode],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_text:
        data, files = build(Path(tmp_text))
        print(f"ingest of a returned workbook (dry run), median of {args.repeat} fresh processes")
        print(f"{'return':<16} {'file KB':>8} {'seconds':>8} {'alloc MB':>9} {'RSS MB':>7}  "
              "outcome")
        for name, path in files.items():
            runs = [_child(data, path, "time") for _ in range(args.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in ("seconds", "rss")}
            med["peak"] = _child(data, path, "memory")["peak"]
            print(f"{name:<16} {path.stat().st_size / 1024:>8.0f} {med['seconds']:>8.2f} "
                  f"{med['peak'] / 2**20:>9.1f} {med['rss'] / 2**20:>7.0f}  "
                  f"{runs[-1]['outcome']}", flush=True)
        print("goals: formatted < 5 s (about the normal one); bomb refused < 10 s, < 500 MB")


if __name__ == "__main__":
    main()
