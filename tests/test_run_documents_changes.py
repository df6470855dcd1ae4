"""qcplan run: Word documents (--formats html,docx) and what changed since the last run."""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from qcplan.batch.run import run_batch

REPO = Path(__file__).resolve().parents[1]
PILLAR = "industry"


def _run(data: Path, out: Path, formats: str) -> tuple[object, str]:
    log = io.StringIO()
    result = run_batch(pillars=[PILLAR], scenarios=["baseline"], lang="both", out=out,
                       data_dir=data, jobs=1, n_sims=500, seed=0, as_of="2026-06-30",
                       formats=formats, log=log, progress=False)
    return result, log.getvalue()


@pytest.mark.slow
def test_documents_and_changes_since_the_last_run(tmp_path: Path) -> None:
    from docx import Document

    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data, ignore=shutil.ignore_patterns("scripts", "__pycache__"))
    out = tmp_path / "reports"

    first, log1 = _run(data, out, "html,docx")
    assert first.exit_code == 0, log1
    run1 = first.run_dir
    for lang in ("zh", "en"):
        doc = Document(str(run1 / f"{PILLAR}__baseline__{lang}.docx"))
        assert len(doc.inline_shapes) > 0
        plan_doc = Document(str(run1 / f"plan__baseline__{lang}.docx"))
        assert len(plan_doc.inline_shapes) == len(doc.inline_shapes) - 1  # no work-point chart
    manifest = json.loads((run1 / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["parameters"]["formats"] == ["html", "docx"]
    assert f"{PILLAR}__baseline__zh.docx" in manifest["reports"][0]["files"]
    assert manifest["changes"]["first_run"] is True
    assert "first run" in log1
    assert "首次运行" in (run1 / "index.html").read_text(encoding="utf-8")
    assert (run1 / "figures.csv").is_file()

    # a unit sends revised figures: every official figure of the plan goes up by 10 %
    obs_path = data / "observations.csv"
    obs = pd.read_csv(obs_path, dtype=str, keep_default_na=False)
    official = obs["status"] == "official"
    assert official.any()
    obs.loc[official, "value"] = (obs.loc[official, "value"].astype(float) * 1.1).round(4) \
        .map(lambda v: f"{v:g}")
    obs.to_csv(obs_path, index=False)

    second, log2 = _run(data, out, "html")
    assert second.exit_code == 0, log2
    run2 = second.run_dir
    assert not list(run2.glob("*.docx"))
    manifest = json.loads((run2 / "manifest.json").read_text(encoding="utf-8"))
    changes = manifest["changes"]
    assert changes["first_run"] is False and changes["previous_run"] == first.run_id
    # every official figure the first run used (figures.csv; published context figures of no
    # target's series are not among them) is revised
    used = pd.read_csv(run1 / "figures.csv", encoding="utf-8-sig", dtype=str,
                       keep_default_na=False)
    assert changes["counts"]["revised_figure"] == int((used["status"] == "official").sum()) > 0
    table = pd.read_csv(run2 / "changes.csv", encoding="utf-8-sig", dtype=str,
                        keep_default_na=False)
    revised = table[table["change"] == "revised_figure"]
    assert len(revised) == changes["counts"]["revised_figure"]
    assert revised["before"].str.endswith("(official)").all()
    assert f"changes since run {first.run_id}" in log2
    page = (run2 / "index.html").read_text(encoding="utf-8")
    assert "自上次运行以来的变化" in page and "修订数据" in page
