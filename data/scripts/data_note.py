"""Count, from the data, how many figures and series of the plan are real and how many are
illustrative, and write the count into data/README.md between the ``data-note`` markers.

    python data/scripts/data_note.py          # print the note
    python data/scripts/data_note.py --write  # and replace it in data/README.md

``tests/test_build_illustrative.py`` checks that the README holds what this prints. Counts are
of the figures in use when the plan is loaded (the current vintage of each real figure; an
illustrative figure only where no real one exists for its year).
"""

from __future__ import annotations

import sys
from pathlib import Path

DATA = Path(__file__).resolve().parents[1]
README = DATA / "README.md"
BEGIN, END = "<!-- data-note: written by data/scripts/data_note.py -->", "<!-- /data-note -->"


def note() -> str:
    sys.path.insert(0, str(DATA.parent))
    from qcplan.plan.load import load_plan

    plan = load_plan(DATA)
    obs = plan.observations
    real = obs[obs["status"] != "illustrative"]
    ill = obs[obs["status"] == "illustrative"]
    series = set(zip(obs["indicator_id"], obs["geography"]))
    real_series = set(zip(real["indicator_id"], real["geography"]))
    ill_series = set(zip(ill["indicator_id"], ill["geography"]))
    only_real = real_series - ill_series
    targets = plan.targets
    target_series = set(zip(targets["indicator_id"], targets["geography"]))
    t_real = len(target_series & real_series)
    t_only_real = len(target_series & only_real)
    in_year = real[real["period"].astype(str) != ""]
    held = sum(1 for _ in open(DATA / "observations.csv", encoding="utf-8")) - 1
    return (
        f"Figures in use: **{len(real)} real** (current vintages of the {held} rows of "
        f"`observations.csv`; {len(in_year)} of them in-year) and **{len(ill)} illustrative**. "
        f"Of the {len(series)} series (indicator × geography), **{len(real_series)} have at least "
        f"one real figure** and **{len(only_real)} are real throughout** (no illustrative year); "
        f"{len(ill_series)} still use illustrative years. Of the {len(target_series)} series the "
        f"targets are assessed on, {t_real} have a real figure and {t_only_real} are real "
        "throughout."
    )


def main(argv: list[str]) -> int:
    text = note()
    print(text)
    if "--write" in argv:
        readme = README.read_text(encoding="utf-8")
        if BEGIN not in readme or END not in readme:
            print(f"{README}: markers {BEGIN} ... {END} not found", file=sys.stderr)
            return 2
        head, rest = readme.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        README.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
