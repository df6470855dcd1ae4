"""The batch runner (qcplan.run, ``qcplan run``): outputs, failures, timeouts, ``latest``.

The end-to-end tests (marked ``slow``) run the real report notebook on the shipped data for one
pillar, two scenarios and one language with 2000 draws; the failure paths use stand-in notebooks
(``tests/fixtures/notebooks``). :func:`ensure_good_run` is shared with the browser tests.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from qcplan.batch import inputs as qinputs
from qcplan.batch import outputs
from qcplan.batch import run as qrun
from qcplan.batch import signals as qsignals
from qcplan.render.dashboard import render_dashboard

REPO = Path(__file__).resolve().parents[1]
STANDINS = Path(__file__).resolve().parent / "fixtures" / "notebooks"
PILLAR = "overall_strength"
SCENARIOS = ["baseline", "optimistic"]
N_SIMS = 2000
AS_OF = "2026-06-30"
OLD_RUN = "20200101T000000Z-000000"
REQUIRED_SUMMARY = ["target_id", "pillar", "scenario", "status", "prob_reach",
                    "projected_median", "threshold", "latest_value", "latest_year"]
LOG_LINE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (INFO|WARNING|ERROR) "


def make_previous_run(out: Path) -> Path:
    """An earlier run folder and ``latest`` pointing to it (what a failed run must not touch)."""
    (out / OLD_RUN).mkdir(parents=True)
    (out / OLD_RUN / "index.html").write_text("old run", encoding="utf-8")
    os.symlink(OLD_RUN, out / "latest")
    return out / "latest"


def run_folders(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_dir() and not p.is_symlink())


def ensure_good_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """One successful run for the whole session: {out, run_dir, exit_code, log, latest}."""
    base = tmp_path_factory.getbasetemp() / "qcplan-good-run"
    record = base / "record.json"
    if record.is_file():
        return json.loads(record.read_text(encoding="utf-8"))
    out = base / "reports"
    out.mkdir(parents=True)
    make_previous_run(out)
    log = io.StringIO()
    start = time.monotonic()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS, lang="zh", out=out,
                            n_sims=N_SIMS, as_of=AS_OF, jobs=2, timeout=600, log=log)
    data = {
        "out": str(out), "run_dir": str(result.run_dir), "run_id": result.run_id,
        "exit_code": result.exit_code, "status": result.status, "log": log.getvalue(),
        "seconds": time.monotonic() - start, "latest_updated": result.latest_updated,
        "latest": os.readlink(out / "latest"),
    }
    record.write_text(json.dumps(data), encoding="utf-8")
    return data


@pytest.fixture(scope="session")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    return ensure_good_run(tmp_path_factory)


# --------------------------------------------------------------------------- fast unit tests
def test_names_split_and_deduplicated() -> None:
    assert qinputs.split_names(None) is None
    assert qinputs.split_names(["a,b", "b", " c "]) == ["a", "b", "c"]
    assert qinputs.split_names("x") == ["x"]


def test_switch_latest_replaces_link(tmp_path: Path) -> None:
    (tmp_path / "r1").mkdir()
    (tmp_path / "r2").mkdir()
    outputs.switch_latest(tmp_path, "r1")
    assert os.readlink(tmp_path / "latest") == "r1"
    outputs.switch_latest(tmp_path, "r2")
    assert os.readlink(tmp_path / "latest") == "r2"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".latest")] == []


def test_file_hashes_skip_hidden(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x", encoding="utf-8")
    (tmp_path / ".hidden").write_text("y", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.yaml").write_text("z", encoding="utf-8")
    hashes = outputs.file_hashes(tmp_path, "data")
    assert hashes == {"data/a.csv": hashlib.sha256(b"x").hexdigest(),
                      "data/sub/b.yaml": hashlib.sha256(b"z").hexdigest()}


class _Scen:
    def __init__(self, zh: str, en: str):
        self._l = {"zh": zh, "en": en}

    def label(self, lang: str) -> str:
        return self._l[lang]


def test_dashboard_escapes_and_warns() -> None:
    import datetime as dt

    evil = "<script>alert(1)</script>"
    pillars = pd.DataFrame({"pillar": ["p1"], "name_zh": [evil], "name_en": ["P & Q"]})
    table = pd.DataFrame({"target_id": ["t1", "t2"], "pillar": ["p1", "p1"],
                          "status": ["on_track", "off_track"], "prob_reach": [0.9, 0.2],
                          "illustrative": [True, False]})
    doc = render_dashboard(
        pillars=pillars, scenarios={"s1": _Scen(evil, "S<1>")}, tables={"s1": table},
        reports=[{"pillar": "p1", "scenario": "s1", "lang": "zh", "status": "ok",
                  "html": "p1__s1__zh.html"},
                 {"pillar": "p1", "scenario": "s1", "lang": "en", "status": "failed",
                  "error": {"ename": "ValueError", "evalue": evil, "cell_index": 3}}],
        run_id="20260101T000000Z-abcdef", run_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        vintage={"latest_official_year": 2025, "latest_year": 2025}, version="0.1.0")
    assert evil not in doc
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "P &amp; Q" in doc and "S&lt;1&gt;" in doc
    assert 'href="p1__s1__zh.html"' in doc
    assert 'class="banner illustrative"' in doc and 'class="banner failed"' in doc
    assert "55%" in doc  # mean P(reach)
    assert "http://" not in doc and "https://" not in doc
    no_illus = render_dashboard(
        pillars=pillars, scenarios={"s1": _Scen("a", "b")},
        tables={"s1": table.assign(illustrative=False)}, reports=[], run_id="r",
        run_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), vintage={}, version="0.1.0")
    assert 'class="banner illustrative"' not in no_illus


def test_unknown_names_are_parameter_errors(tmp_path: Path) -> None:
    log = io.StringIO()
    out = tmp_path / "reports"
    result = qrun.run_batch(pillars=["nope"], scenarios=["baseline", "nada"], out=out, log=log)
    assert result.exit_code == 2 and result.status == "invalid"
    text = log.getvalue()
    assert "'nope'" in text and "overall_strength" in text and "culture_tourism" in text
    assert "'nada'" in text and "pessimistic" in text
    assert not out.exists()


def test_bad_arguments_are_parameter_errors(tmp_path: Path) -> None:
    log = io.StringIO()
    result = qrun.run_batch(lang="fr", jobs=0, timeout=-1, n_sims=0, as_of="yesterday",
                            out=tmp_path / "r", log=log, notebook=tmp_path / "missing.ipynb")
    assert result.exit_code == 2
    text = log.getvalue()
    for key in ("--lang", "--jobs", "--timeout", "--n-sims", "--as-of", "missing.ipynb"):
        assert key in text
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("content", "words"), [
    ('{"cells": [{"cell_type": "code", "metadata": {}, "source": "x = 1"}]}',
     "no cell tagged 'parameters'"),
    ("{not json", "cannot be read"),
])
def test_report_notebook_is_checked_first(tmp_path: Path, content: str, words: str) -> None:
    nb = tmp_path / "report.ipynb"
    nb.write_text(content, encoding="utf-8")
    log = io.StringIO()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS, out=tmp_path / "r", log=log,
                            notebook=nb)
    assert result.exit_code == 2 and words in log.getvalue()
    assert not (tmp_path / "r").exists()


def test_out_not_a_folder_is_bad_input(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    out.write_text("a file, not a folder", encoding="utf-8")
    log = io.StringIO()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS, out=out, log=log)
    assert result.exit_code == 2 and "cannot create a run folder" in log.getvalue()


# --------------------------------------------------------------------------- end to end
@pytest.mark.slow
def test_good_run_outputs(good_run: dict) -> None:
    assert good_run["exit_code"] == 0, good_run["log"]
    assert good_run["status"] == "ok"
    out, run_dir = Path(good_run["out"]), Path(good_run["run_dir"])
    assert run_dir.parent == out and run_dir.name == good_run["run_id"]
    # latest switched from the previous run to this one, as a relative symlink
    assert good_run["latest_updated"] and good_run["latest"] == good_run["run_id"]
    assert (out / "latest").resolve() == run_dir.resolve()
    assert not [p for p in out.iterdir() if p.name.startswith(".latest")]
    for scen in SCENARIOS:
        for ext in ("ipynb", "html"):
            assert (run_dir / f"{PILLAR}__{scen}__zh.{ext}").is_file()
    for name in ("index.html", "summary.csv", "manifest.json"):
        assert (run_dir / name).is_file()
    assert sorted(p.name for p in (run_dir / "cache").glob("*.pkl")) == sorted(
        [f"{s}.pkl" for s in ("baseline", "optimistic", "pessimistic", "plan")] + ["retro.pkl"])
    assert not list(run_dir.glob("*.tmp")) and not list(run_dir.glob(".*.tmp"))


@pytest.mark.slow
def test_good_run_log_lines(good_run: dict) -> None:
    import re

    lines = good_run["log"].strip().splitlines()
    assert lines and all(re.match(LOG_LINE, line) for line in lines), lines
    assert any(re.search(rf"INFO report {PILLAR}/baseline/zh ok \d+\.\ds$", line)
               for line in lines)


@pytest.mark.slow
def test_good_run_summary(good_run: dict) -> None:
    from qcplan import load_plan

    run_dir = Path(good_run["run_dir"])
    summary = pd.read_csv(run_dir / "summary.csv", encoding="utf-8-sig")
    for col in REQUIRED_SUMMARY:
        assert col in summary.columns
    plan = load_plan()
    assert set(summary["plan_id"]) == {plan.id}
    n_targets = int((plan.targets["pillar"] == PILLAR).sum())
    assert len(summary) == n_targets * len(SCENARIOS)
    assert set(summary["scenario"]) == set(SCENARIOS)
    assert set(summary["pillar"]) == {PILLAR}
    assert summary.groupby("scenario")["target_id"].nunique().eq(n_targets).all()


@pytest.mark.slow
def test_good_run_manifest(good_run: dict) -> None:
    run_dir = Path(good_run["run_dir"])
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "ok" and m["run_id"] == good_run["run_id"]
    for pkg in ("qcplan", "python", "numpy", "pandas", "statsmodels", "matplotlib",
                "papermill", "nbconvert"):
        assert m["versions"][pkg]
    p = m["parameters"]
    assert p["plan_id"] == "qiaocheng_urban_quality_2027"
    assert p["pillars"] == [PILLAR] and p["scenarios"] == SCENARIOS and p["langs"] == ["zh"]
    assert p["n_sims"] == N_SIMS and p["seed"] == 0 and p["as_of"] == AS_OF and p["jobs"] == 2
    hashes = m["hashes"]
    for rel in ("data/targets.csv", "data/observations.csv", "data/plan.yaml",
                "data/scenarios/optimistic.yaml"):
        assert hashes[rel] == hashlib.sha256((REPO / rel).read_bytes()).hexdigest()
    generic = REPO / "params" / "scenarios" / "baseline.yaml"
    assert hashes["scenarios/baseline.yaml"] == hashlib.sha256(generic.read_bytes()).hexdigest()
    assert len(hashes["notebook"]) == 64
    t = m["timings"]
    assert t["total_seconds"] > 0 and t["precompute_seconds"] is not None
    assert set(t["per_report_seconds"]) == {f"{PILLAR}/{s}/zh" for s in SCENARIOS}
    assert len(m["reports"]) == len(SCENARIOS)
    for r in m["reports"]:
        assert r["status"] == "ok" and r["error"] is None and r["seconds"] > 0
        assert sorted(r["files"]) == sorted([f"{PILLAR}__{r['scenario']}__zh.html",
                                             f"{PILLAR}__{r['scenario']}__zh.ipynb"])
    assert m["data_vintage"]["latest_year"]


@pytest.mark.slow
def test_good_run_dashboard(good_run: dict) -> None:
    import re

    from qcplan import __version__
    from qcplan.render.export import external_references

    run_dir = Path(good_run["run_dir"])
    doc = (run_dir / "index.html").read_text(encoding="utf-8")
    for scen in SCENARIOS:
        assert f'href="{PILLAR}__{scen}__zh.html"' in doc
    assert external_references(doc) == []
    assert "http://" not in doc and "https://" not in doc
    assert __version__ in doc and good_run["run_id"] in doc
    summary = pd.read_csv(run_dir / "summary.csv", encoding="utf-8-sig")
    illustrative = summary["illustrative"].astype(str).str.lower().eq("true").any()
    assert ('class="banner illustrative"' in doc) == bool(illustrative)
    report = (run_dir / f"{PILLAR}__baseline__zh.html").read_text(encoding="utf-8")
    assert external_references(report) == []
    # the indicator charts, inline SVG with their text as text (in the embedded fonts) and a
    # title for screen readers; no PNG (that is for the Word documents)
    charts = re.findall(r'<svg role="img" aria-label="[^"]+"[^>]*>\s*<title>', report)
    assert len(charts) >= 1
    assert "<img src=\"data:image/png" not in report and "<text " in report
    assert 'font-family: "qcplan chart Latin"' in report and "unicode-range: U+0020-007E" in report


@pytest.mark.slow
def test_invalid_data_exits_2_and_runs_nothing(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(REPO / "data", data)
    path = data / "observations.csv"
    rows = list(csv.reader(path.read_text(encoding="utf-8-sig").splitlines()))
    col = rows[0].index("value")
    rows[1][col] = "not-a-number"
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    path.write_text(buf.getvalue(), encoding="utf-8")
    out = tmp_path / "reports"
    latest = make_previous_run(out)
    log = io.StringIO()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS, out=out, data_dir=data,
                            n_sims=N_SIMS, log=log)
    assert result.exit_code == 2 and result.run_dir is None
    assert "observations.csv" in log.getvalue() and "not-a-number" in log.getvalue()
    assert run_folders(out) == [OLD_RUN]
    assert os.readlink(latest) == OLD_RUN


@pytest.mark.slow
def test_failing_notebook_exit_1_error_in_manifest(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    latest = make_previous_run(out)
    log = io.StringIO()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS, out=out, n_sims=N_SIMS,
                            as_of=AS_OF, notebook=STANDINS / "raises.nb.json", log=log)
    assert result.exit_code == 1 and result.status == "failed"
    assert os.readlink(latest) == OLD_RUN
    m = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "failed"
    for r in m["reports"]:
        assert r["status"] == "failed"
        err = r["error"]
        assert err["ename"] == "ValueError"
        assert "stand-in failure for" in err["evalue"]
        assert err["cell_index"] == 3  # markdown, parameters, print, raise: as written
        assert err["executed_cell_index"] > err["cell_index"]  # + injected parameters, banner
        assert "raise ValueError" in err["cell_source"]
        assert r["files"] == [f"{PILLAR}__{r['scenario']}__zh.ipynb"]  # executed, no HTML
    # the others are still written
    assert (result.run_dir / "summary.csv").is_file() and (result.run_dir / "index.html").is_file()
    assert "ValueError" in log.getvalue() and "latest unchanged" in log.getvalue()


@pytest.mark.slow
def test_inputs_changed_during_run_keep_latest(tmp_path: Path) -> None:
    params = tmp_path / "params"
    shutil.copytree(REPO / "params" / "scenarios", params / "scenarios")
    out = tmp_path / "reports"
    latest = make_previous_run(out)
    log = io.StringIO()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS[:1], out=out, n_sims=N_SIMS,
                            as_of=AS_OF, params_dir=params,
                            notebook=STANDINS / "touches.nb.json", log=log)
    assert result.exit_code == 1 and result.status == "failed"
    assert "changed during the run" in log.getvalue()
    assert os.readlink(latest) == OLD_RUN
    m = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert any("changed during the run" in e for e in m["errors"])
    assert not any("changed-by" in k for k in m["hashes"])  # the hashes of the start


def _kernels_in(folder: Path) -> list[int]:
    """Kernel processes whose working folder is ``folder`` (the stand-ins' folder)."""
    import psutil

    pids = []
    for p in psutil.process_iter(["cmdline"]):
        try:
            cmd = " ".join(p.info["cmdline"] or [])
            if "ipykernel" in cmd and Path(p.cwd()) == folder:
                pids.append(p.pid)
        except (psutil.Error, OSError):
            continue
    return pids


@pytest.mark.slow
def test_overall_timeout_kills_and_keeps_latest(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    latest = make_previous_run(out)
    log = io.StringIO()
    start = time.monotonic()
    result = qrun.run_batch(pillars=[PILLAR], scenarios=SCENARIOS, out=out, n_sims=N_SIMS,
                            as_of=AS_OF, notebook=STANDINS / "sleeps.nb.json", timeout=5,
                            log=log)
    elapsed = time.monotonic() - start
    assert elapsed < 30, elapsed
    assert result.exit_code == 1
    assert os.readlink(latest) == OLD_RUN
    m = json.loads((result.run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "timeout" and result.status == "timeout"
    assert outputs.run_status(result.run_dir) == "timeout"
    assert [r["status"] for r in m["reports"]] == ["timeout", "timeout"]
    assert "time limit" in log.getvalue()
    time.sleep(1)
    assert _kernels_in(STANDINS) == []


@pytest.mark.slow
def test_sigterm_interrupts_cleanly(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    latest = make_previous_run(out)
    code = (
        "import sys; from qcplan.batch.run import run_batch; "
        f"r = run_batch(pillars=[{PILLAR!r}], scenarios={SCENARIOS!r}, out={str(out)!r}, "
        f"n_sims={N_SIMS}, as_of={AS_OF!r}, notebook={str(STANDINS / 'sleeps.nb.json')!r}); "
        "sys.exit(r.exit_code)"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # wait until the notebooks are running
            logs = [p for d in out.glob("2*Z-*") if d.name != OLD_RUN
                    for p in (d / "logs").glob("*.log")]
            if logs and _kernels_in(STANDINS):
                break
            time.sleep(0.3)
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 1, stderr
    assert "Traceback" not in stderr
    assert os.readlink(latest) == OLD_RUN
    (run_dir,) = [d for d in out.glob("2*Z-*") if d.name != OLD_RUN]
    m = json.loads((run_dir / "manifest.json").read_text(encoding="utf-8"))
    assert m["status"] == "interrupted"
    assert {r["status"] for r in m["reports"]} == {"interrupted"}
    time.sleep(1)
    assert _kernels_in(STANDINS) == []


@pytest.mark.slow
def test_cli_unknown_pillar_exit_2_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "reports"
    proc = subprocess.run([sys.executable, "-m", "qcplan", "run", "--pillars", "nope",
                           "--out", str(out)], cwd=REPO, capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert "nope" in proc.stderr and "overall_strength" in proc.stderr
    assert not out.exists()


@pytest.mark.slow
def test_cli_bad_lang_is_usage_error(tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "qcplan", "run", "--lang", "fr",
                           "--out", str(tmp_path / "r")], cwd=REPO, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def _kernel_pids(run_dir: Path) -> list[str]:
    pids = []
    for nb in sorted(run_dir.glob("*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        pids += re.findall(r"kernel pid (\d+)", text)
    return pids


@pytest.mark.slow
@pytest.mark.parametrize("reuse", [True, False])
def test_reused_kernels_keep_reports_isolated(tmp_path: Path, reuse: bool) -> None:
    """One worker, three reports: with reuse, one kernel whose namespace is cleared each time
    (the stand-in fails if a previous report's variable survives); without, three kernels."""
    result = qrun.run_batch(pillars=[PILLAR], scenarios=["baseline", "optimistic", "pessimistic"],
                            out=tmp_path / "reports", jobs=1, n_sims=N_SIMS, as_of=AS_OF,
                            notebook=STANDINS / "isolated.nb.json", log=io.StringIO(),
                            reuse_kernels=reuse)
    assert result.exit_code == 0, result
    pids = _kernel_pids(result.run_dir)
    assert len(pids) == 3
    assert len(set(pids)) == (1 if reuse else 3)


@pytest.mark.slow
def test_good_run_precomputes_only_the_pillars_asked(good_run: dict) -> None:
    """Cost follows the work asked: a one-pillar run assesses that pillar's targets only (in
    every scenario, which each report compares)."""
    from qcplan.render.bundles import load_bundle

    bundles = sorted(p for p in Path(good_run["run_dir"], "cache").glob("*.pkl")
                     if p.name != "retro.pkl")  # the retrospective is plan-wide
    assert len(bundles) >= len(SCENARIOS)
    for path in bundles:
        table = load_bundle(path)["table"]
        assert len(table) > 0 and set(table["pillar"]) == {PILLAR}, path.name


def _page_chars(nb_path: Path) -> set[str]:
    """The characters beyond ASCII of every output an executed report shows."""
    import html as _html

    import nbformat

    from qcplan.render.export import _wide_chars

    chars: set[str] = set()
    for cell in nbformat.read(nb_path, as_version=4).cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            for key in ("text/html", "text/plain"):
                if key in data:
                    chars |= _wide_chars(_html.unescape("".join(data[key])))
            if "text" in out:
                chars |= _wide_chars("".join(out["text"]))
    return chars


@pytest.mark.slow
def test_font_seed_covers_every_page(good_run: dict) -> None:
    """Each worker subsets the Chinese font once, from the run's seed (the data's text and the
    rendering code's words); a page needing a character outside it costs another subset (half
    a second). Checked on the run's pages (Chinese) and on an English report's parts."""
    from qcplan.render.export import _wide_chars, font_seed_text
    from qcplan.render.report import ReportContext

    inputs, problems = qinputs.validate_inputs(None, None, "both", None, None, 2, None, 600,
                                               N_SIMS, 0, AS_OF, None, "html")
    assert inputs is not None, problems
    seed = _wide_chars(font_seed_text(inputs.plan, inputs.all_scenarios.values(),
                                      inputs.data_dir / "plan.yaml"))
    pages = sorted(Path(good_run["run_dir"]).glob("*.ipynb"))
    assert pages
    for page in pages:
        missing = _page_chars(page) - seed
        assert not missing, f"{page.name}: {''.join(sorted(missing))}"
    ctx = ReportContext.open("public_services", "pessimistic", "en", n_sims=N_SIMS, seed=0,
                             as_of=AS_OF)
    parts = (ctx.header_html() + ctx.status_counts_text() + ctx.summary_html()
             + ctx.status_table_html() + ctx.scenario_matrix_html() + ctx.workpoints_html()
             + ctx.sources_html() + ctx.retro_html())
    import html as _html

    assert not _wide_chars(_html.unescape(parts)) - seed


def test_retrospective_made_apart_is_the_same(tmp_path: Path) -> None:
    """`qcplan run` makes the retrospective in a task of its own (retro.pkl); the reports and
    the dashboard get the same rows as when the baseline's bundle holds it."""
    from qcplan.model.scenarios import load_scenarios
    from qcplan.plan.load import load_plan
    from qcplan.render.bundles import (
        cached_retro,
        load_bundle,
        precompute,
        precompute_retro,
        scenario_bundles,
    )

    plan = load_plan(None)
    scenarios = load_scenarios(None, plan)
    base = {"baseline": scenarios["baseline"]}
    together, apart = tmp_path / "together", tmp_path / "apart"
    precompute(plan, base, together, n_sims=300, seed=0, as_of=AS_OF)
    precompute(plan, base, apart, n_sims=300, seed=0, as_of=AS_OF, retro=False)
    assert "retro" not in load_bundle(apart / "baseline.pkl")
    precompute_retro(plan, scenarios["baseline"], apart, n_sims=300, seed=0, as_of=AS_OF)
    expected = load_bundle(together / "baseline.pkl")["retro"]
    assert len(expected) > 0
    got = scenario_bundles(plan, base, apart, n_sims=300, seed=0, as_of=AS_OF)["baseline"]
    pd.testing.assert_frame_equal(got["retro"], expected)
    pd.testing.assert_frame_equal(cached_retro(apart), expected)
    pd.testing.assert_frame_equal(cached_retro(together), expected)


def test_report_context_reuses_what_it_read_until_a_file_changes(tmp_path: Path) -> None:
    """A kept kernel opens report after report: the plan, scenarios and bundles read for the
    last one are used again, and read anew once a file of the plan (or a bundle) changes."""
    from qcplan.model.scenarios import load_scenarios
    from qcplan.plan.load import load_plan
    from qcplan.render.bundles import precompute
    from qcplan.render.report import ReportContext

    plan_dir = tmp_path / "plan"
    shutil.copytree(REPO / "data", plan_dir)
    plan = load_plan(plan_dir)
    cache = tmp_path / "cache"
    precompute(plan, load_scenarios(None, plan), cache, n_sims=200, seed=0, as_of=AS_OF)
    kw = dict(data_dir=str(plan_dir), cache_dir=str(cache), n_sims=200, seed=0, as_of=AS_OF)
    a = ReportContext.open("industry", "baseline", "zh", **kw)
    b = ReportContext.open("public_services", "optimistic", "en", **kw)
    assert b.plan is a.plan and b.bundles is a.bundles and b.pillar == "public_services"
    st = (plan_dir / "targets.csv").stat()
    os.utime(plan_dir / "targets.csv", ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    c = ReportContext.open("industry", "baseline", "zh", **kw)
    assert c.plan is not a.plan and c.bundles is not a.bundles
    d = ReportContext.open("industry", "baseline", "zh", **{**kw, "n_sims": 300})
    assert d.plan is not c.plan  # other arguments: read anew


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM"])
def test_a_stop_signal_is_not_lost_when_its_exception_is(sig: str) -> None:
    """Python drops an exception raised while the main thread runs a finalizer: a Ctrl-C or
    SIGTERM arriving then would be lost and the run would go on to the end. The signal is also
    recorded, and the run's waiting loops raise it again (``check``)."""
    expected = KeyboardInterrupt if sig == "SIGINT" else qsignals.Stopped
    before = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        with qsignals.stop_signals() as stops:
            try:
                signal.raise_signal(getattr(signal, sig))  # its handler raises here
            except expected:
                pass  # dropped, as it would be inside a finalizer
            with pytest.raises(expected):
                stops.check()
    finally:
        signal.signal(signal.SIGINT, before)
