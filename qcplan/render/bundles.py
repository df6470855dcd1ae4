"""What the per-pillar reports show, computed once per scenario and kept in a *bundle*.

The batch assesses every target once per scenario (:func:`precompute`) and the pillar notebooks
read the bundles (:func:`scenario_bundle`), so nothing is refitted in every notebook. A bundle is a
dict of tidy DataFrames:

- ``table``: :func:`qcplan.model.assess.assess`'s table (one row per target);
- ``fans``: ``target_id, year, q05, q10, q25, q50, q75, q90, q95`` of the charted quantity;
- ``bench_fans``: the same for the benchmark series of relative targets;
- ``history``: ``target_id, year, value, status`` of the charted quantity as observed;
- ``meeting``: ``target_id, year, value``: the path that exactly meets the target;
- ``bench_history``: ``target_id, year, value, status`` of the benchmark of relative targets;
- ``retro`` (baseline bundle only): :func:`qcplan.model.retrospect.retrospect`'s rows, what the
  workbook would have said as of Y−3, Y−2, Y−1 about each target already decided (``qcplan
  run`` computes it apart, in parallel with the scenarios, as ``retro.pkl``, and
  :func:`scenario_bundles` puts it back in the baseline bundle);
- ``meta``: scenario, n_sims, seed, as_of, qcplan version, creation time.

The charted quantity is the indicator itself, except for growth targets published as yearly
growth rates (a growth index, base 100) and cumulative targets (the running total since the
period start).
"""

from __future__ import annotations

import datetime as _dt
import pickle
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from qcplan import __version__
from qcplan.files import write_atomic
from qcplan.model.assess import Assessor
from qcplan.model.kinds import meeting_path
from qcplan.model.retrospect import retrospect
from qcplan.model.scenarios import Scenario
from qcplan.model.target import Evaluation, TargetModel

QS = (0.05, 0.10, 0.25, 0.50, 0.75, 0.90, 0.95)
Q_COLS = ("q05", "q10", "q25", "q50", "q75", "q90", "q95")
BUNDLE_VERSION = 1
RETRO_N_SIMS = 2000  # draws per look-back assessment (a retrospective needs no finer P)


# --------------------------------------------------------------------------- bundles
def _fan_rows(target_id: str, years: Iterable[int], mat: np.ndarray) -> list[dict[str, Any]]:
    rows = []
    for y, draws in zip(years, mat):
        d = draws[np.isfinite(draws)]
        if not d.size:
            continue
        qv = np.quantile(d, QS)
        rows.append({"target_id": target_id, "year": int(y), **dict(zip(Q_COLS, map(float, qv)))})
    return rows


def charted(model: TargetModel, ev: Evaluation | None) -> tuple[pd.Series, list[dict], list[dict]]:
    """(observed history, fan rows, benchmark fan rows) of the quantity a target's chart shows."""
    h = model.history.dropna().sort_index()
    fans: list[dict[str, Any]] = []
    bfans: list[dict[str, Any]] = []
    if model.target_kind.running_total:
        period = model.period_years()
        obs_years = [y for y in period if y in h.index]
        running = h.loc[obs_years].cumsum() if obs_years else pd.Series(dtype=float)
        base = pd.Series({period[0] - 1: 0.0})
        hist = pd.concat([base, running]).astype(float)
        if ev is not None and ev.projection is not None:
            future = [y for y in period if y not in h.index]
            if future:
                paths = ev.projection.paths
                mat = np.vstack([paths.loc[y].to_numpy(float) for y in future])
                total = float(running.iloc[-1]) if len(running) else 0.0
                cum = total + np.cumsum(mat, axis=0)
                last_year = int(hist.index.max())
                fans = _fan_rows(model.target_id, [last_year], np.full((1, 1), hist.iloc[-1]))
                fans += _fan_rows(model.target_id, future, cum)
        return hist, fans, bfans
    hist = h
    if ev is not None and ev.projection is not None:
        paths = ev.projection.paths
        last_year = int(h.index.max())
        fans = _fan_rows(model.target_id, [last_year], np.full((1, 1), float(h.iloc[-1])))
        years = [int(y) for y in paths.index if y > last_year]
        if years:
            fans += _fan_rows(model.target_id, years,
                              np.vstack([paths.loc[y].to_numpy(float) for y in years]))
    if ev is not None and ev.benchmark_projection is not None and model.bench_history is not None:
        bh = model.bench_history.dropna().sort_index()
        bp = ev.benchmark_projection.paths
        years = [int(y) for y in bp.index if y > int(bh.index.max())]
        bfans = _fan_rows(model.target_id, [int(bh.index.max())],
                          np.full((1, 1), float(bh.iloc[-1])))
        if years:
            bfans += _fan_rows(model.target_id, years,
                               np.vstack([bp.loc[y].to_numpy(float) for y in years]))
    return hist, fans, bfans


HISTORY_COLS = ["target_id", "year", "value", "status"]
FAN_COLS = ["target_id", "year", *Q_COLS]


def target_frames(model: TargetModel, ev: Evaluation | None) -> dict[str, list[dict]]:
    """The rows one target contributes to a bundle's fans, bench_fans, history, meeting and
    bench_history frames (see the module docstring)."""
    tid = model.target_id
    hist, fans, bfans = charted(model, ev)
    statuses = model.statuses
    hist_rows = []
    for y, v in hist.items():
        st = statuses.loc[y] if y in statuses.index else ""
        if isinstance(st, pd.Series):  # pragma: no cover - duplicates are validated away
            st = st.iloc[-1]
        if model.target_kind.running_total and y == min(hist.index):
            st = "base"
        hist_rows.append({"target_id": tid, "year": int(y), "value": float(v), "status": str(st)})
    bhist_rows = []
    if model.bench_history is not None:
        bst = model.bench_statuses if model.bench_statuses is not None else pd.Series(dtype=str)
        bhist_rows = [{"target_id": tid, "year": int(y), "value": float(v),
                       "status": str(bst.loc[y]) if y in bst.index else ""}
                      for y, v in model.bench_history.dropna().items()]
    mp = meeting_path(model, ev)
    if model.target_kind.running_total and len(mp) and len(hist):
        # as a running total, to match the chart
        start = float(hist.iloc[-1])
        mp = start + mp.iloc[1:].cumsum()
        mp = pd.concat([pd.Series({int(hist.index.max()): start}), mp])
    meet_rows = [{"target_id": tid, "year": int(y), "value": float(v)} for y, v in mp.items()]
    return {"fans": fans, "bench_fans": bfans, "history": hist_rows, "meeting": meet_rows,
            "bench_history": bhist_rows}


def frames_to_bundle(rows: dict[str, list[dict]], table: pd.DataFrame) -> dict[str, Any]:
    """DataFrames from :func:`target_frames` rows (of one or many targets) and a table."""
    return {
        "version": BUNDLE_VERSION,
        "table": table,
        "fans": pd.DataFrame(rows["fans"], columns=FAN_COLS),
        "bench_fans": pd.DataFrame(rows["bench_fans"], columns=FAN_COLS),
        "history": pd.DataFrame(rows["history"], columns=HISTORY_COLS),
        "meeting": pd.DataFrame(rows["meeting"], columns=["target_id", "year", "value"]),
        "bench_history": pd.DataFrame(rows["bench_history"], columns=HISTORY_COLS),
    }


def with_english_units(table: pd.DataFrame, plan: Any) -> pd.DataFrame:
    """``table`` with the column ``unit_en``: each indicator's unit in English from the registry
    (``unit_en`` in ``indicators.csv``), the Chinese unit where the registry has none."""
    ind = plan.indicators
    english = (dict(zip(ind["indicator_id"], ind["unit_en"])) if "unit_en" in ind.columns
               else {})
    out = table.copy()
    out["unit_en"] = [english.get(i) or u for i, u in zip(out["indicator_id"], out["unit"])]
    return out


def build_bundle(assessor: Assessor, scenario: Scenario, n_sims: int = 10_000,
                 seed: int | None = 0, targets: Iterable[str] | None = None,
                 retro: bool = True) -> dict[str, Any]:
    """Assess every target (or only ``targets``) under ``scenario`` and keep what the reports
    show. Each target's draws have their own seed, so a subset gives the same rows.
    ``retro``: the baseline's bundle also holds the retrospective (False: made apart, see
    :func:`precompute_retro`)."""
    result = assessor.run(scenario, n_sims=n_sims, seed=seed, targets=targets)
    rows: dict[str, list[dict]] = {k: [] for k in
                                   ("fans", "bench_fans", "history", "meeting", "bench_history")}
    for tid, ev in result.evaluations.items():
        for key, part in target_frames(assessor.model(tid), ev).items():
            rows[key] += part
    bundle = frames_to_bundle(rows, with_english_units(result.table, assessor.plan))
    if scenario.name == "baseline" and retro:
        bundle["retro"] = _retrospect(assessor, scenario, n_sims, seed)
    bundle["meta"] = {
        "scenario": scenario.to_dict(),
        "n_sims": n_sims,
        "seed": seed,
        "as_of": assessor.as_of.isoformat(),
        "qcplan_version": __version__,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return bundle


def _retrospect(assessor: Assessor, baseline: Scenario, n_sims: int,
                seed: int | None) -> pd.DataFrame:
    """What the workbook would have said before each decided target's outcome (models alone)."""
    return retrospect(assessor.plan, baseline, as_of=assessor.as_of,
                      n_sims=min(int(n_sims), RETRO_N_SIMS), seed=seed)


#: The retrospective's file in a cache folder, when made apart from the baseline's bundle.
RETRO_FILE = "retro.pkl"


def precompute(plan: Any, scenarios: Mapping[str, Scenario], cache_dir: str | Path,
               n_sims: int = 10_000, seed: int | None = 0, as_of: Any = None,
               targets: Iterable[str] | None = None, retro: bool = True) -> dict[str, Path]:
    """Assess every target (or only ``targets``: what the run reports) once per scenario (fits
    shared) and write ``<scenario>.pkl`` bundles. ``retro=False``: the baseline's bundle without
    the retrospective, which :func:`precompute_retro` makes apart."""
    cache_dir = Path(cache_dir)
    assessor = Assessor(plan, as_of=as_of)
    ids = None if targets is None else list(targets)
    out: dict[str, Path] = {}
    for name, scen in scenarios.items():
        bundle = build_bundle(assessor, scen, n_sims=n_sims, seed=seed, targets=ids, retro=retro)
        path = cache_dir / f"{name}.pkl"
        write_atomic(path, pickle.dumps(bundle, protocol=pickle.HIGHEST_PROTOCOL))
        out[name] = path
    return out


def precompute_retro(plan: Any, baseline: Scenario, cache_dir: str | Path,
                     n_sims: int = 10_000, seed: int | None = 0, as_of: Any = None) -> Path:
    """The retrospective (the plan's decided targets), written as ``retro.pkl``: the same rows
    as the baseline bundle's ``retro``, made in parallel with the scenarios' bundles (it costs
    about as much as all of them)."""
    rows = _retrospect(Assessor(plan, as_of=as_of), baseline, n_sims, seed)
    path = Path(cache_dir) / RETRO_FILE
    write_atomic(path, pickle.dumps({"version": BUNDLE_VERSION, "retro": rows},
                                    protocol=pickle.HIGHEST_PROTOCOL))
    return path


def cached_retro(cache_dir: str | Path) -> pd.DataFrame | None:
    """The retrospective of a cache folder: ``retro.pkl``, or the baseline bundle's; None."""
    folder = Path(cache_dir)
    if (folder / RETRO_FILE).is_file():
        return load_bundle(folder / RETRO_FILE)["retro"]
    if (folder / "baseline.pkl").is_file():
        return load_bundle(folder / "baseline.pkl").get("retro")
    return None


def load_bundle(path: str | Path) -> dict[str, Any]:
    """Read a bundle written by :func:`precompute` (only this package's own files)."""
    with open(path, "rb") as fh:
        bundle = pickle.load(fh)  # noqa: S301 - our own cache, written in the same run
    if not isinstance(bundle, dict) or bundle.get("version") != BUNDLE_VERSION:
        raise ValueError(f"{path}: not a qcplan bundle of version {BUNDLE_VERSION}")
    return bundle


def scenario_bundles(plan: Any, scenarios: Mapping[str, Scenario], cache_dir: str | Path = "",
                     n_sims: int = 10_000, seed: int | None = 0,
                     as_of: Any = None) -> dict[str, dict[str, Any]]:
    """The bundles of ``scenarios``: read from ``cache_dir`` when there, computed otherwise."""
    out: dict[str, dict[str, Any]] = {}
    missing = {}
    for name, scen in scenarios.items():
        path = Path(cache_dir) / f"{name}.pkl" if cache_dir else None
        if path is not None and path.is_file():
            out[name] = load_bundle(path)
            if name == "baseline" and "retro" not in out[name] \
                    and (Path(cache_dir) / RETRO_FILE).is_file():
                out[name]["retro"] = load_bundle(Path(cache_dir) / RETRO_FILE)["retro"]
        else:
            missing[name] = scen
    if missing:
        assessor = Assessor(plan, as_of=as_of)
        for name, scen in missing.items():
            out[name] = build_bundle(assessor, scen, n_sims=n_sims, seed=seed)
    return {name: out[name] for name in scenarios}
