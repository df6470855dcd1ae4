"""Select the published figures of ``../shared/data/real_figures_2026.csv`` that belong to this
plan and write them, in the columns ``qcplan ingest --public`` reads, to
``data/incoming/real_figures_2026.csv``: the file that was fed to ``qcplan ingest``.

A row belongs to the plan when its ``indicator_id`` is in ``data/indicators.csv`` and its
``geography`` is one the plan uses (targets, benchmarks, figures held). Every field is copied as
it is, except:

* ``measure``: the shared file's ``level`` / ``growth`` (a whole year's figure) is written blank
  (``period``, a whole year); ``ytd`` / ``ytd_growth`` are kept;
* ``source_url`` is written as ``source``; ``excerpt`` is kept verbatim;
* ``status``: a figure the shared file marks ``estimate`` with a note starting ``DERIVED`` (one
  subtraction stated on the page) is written ``derived``, this plan's status for such figures;
* rows whose note says ``SECONDARY`` (a figure read from a secondary site, not an official page)
  are left out and listed: the same years are held from official pages (see data/README.md).

Run from the repository root (``make ingest-public`` then feeds the file to ``qcplan ingest``)::

    python data/scripts/select_public_figures.py [path/to/real_figures_2026.csv]
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1]
SHARED = DATA.parent.parent / "shared" / "data" / "real_figures_2026.csv"
OUTPUT = DATA / "incoming" / "real_figures_2026.csv"
COLUMNS = ["indicator_id", "geography", "year", "period", "measure", "value", "unit", "status",
           "source", "excerpt", "note"]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def plan_geographies() -> set[str]:
    geos = {r["geography"] for r in read(DATA / "targets.csv")}
    geos |= {r["geography"] for r in read(DATA / "observations.csv")}
    geos |= {r["benchmark"].split("@", 1)[1] for r in read(DATA / "targets.csv")
             if "@" in r.get("benchmark", "")}
    return geos


def select(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[str]]:
    units = {r["indicator_id"]: r["unit"] for r in read(DATA / "indicators.csv")}
    geos = plan_geographies()
    out, left_out = [], []
    for r in rows:
        if r["indicator_id"] not in units or r["geography"] not in geos:
            continue
        label = f"{r['indicator_id']}@{r['geography']} {r['year']} {r['period']}".strip()
        if "SECONDARY" in r["note"]:
            left_out.append(f"{label}: secondary site ({r['source_url']})")
            continue
        status = r["status"]
        if status == "estimate" and r["note"].startswith("DERIVED"):
            status = "derived"
        out.append({
            "indicator_id": r["indicator_id"], "geography": r["geography"], "year": r["year"],
            "period": r["period"],
            "measure": r["measure"] if r["measure"] in ("ytd", "ytd_growth") else "",
            "value": r["value"], "unit": r["unit"], "status": status,
            "source": r["source_url"], "excerpt": r["excerpt"], "note": r["note"],
        })
    return out, left_out


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else SHARED
    if not src.is_file():
        print(f"{src}: no such file (give the path of real_figures_2026.csv)", file=sys.stderr)
        return 2
    rows, left_out = select(read(src))
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    with OUTPUT.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"{len(rows)} figures written to {OUTPUT.relative_to(DATA.parent)}")
    for line in left_out:
        print(f"  left out: {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
