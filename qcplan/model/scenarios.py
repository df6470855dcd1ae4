"""Scenarios: named sets of assumptions laid over the projections.

Scenarios come in layers, a later one replacing an earlier one of the same name:

1. the **generic** scenarios shipped with qcplan (``params/scenarios``: baseline, plan,
   optimistic, pessimistic); they name no pillar, indicator, target or year, so they run on any
   plan;
2. the plan's own ``scenarios/`` folder (``<plan>/scenarios/*.yaml``), if it has one;
3. a ``params_dir`` given explicitly (``--params DIR``: ``DIR/scenarios/*.yaml``).

A scenario whose scope names a pillar, indicator or target the plan lacks is an input error
naming the file and the key.

A scenario file (``scenarios/<name>.yaml``)::

    name: optimistic                 # must equal the file name; a safe id
    label_zh: 乐观情景
    label_en: Optimistic
    description_zh: ...
    description_en: ...
    mode: projection                 # or "plan": shift each projection to just meet its target
    method: auto                     # optional: projection method for every indicator
    assumptions:                     # applied in order; shifts add up, scales multiply
      - scope: all                   # all | pillar:<id> | indicator:<id> | target:<id>
        growth_shift_pp: 1.0         # extra growth, percentage points a year
      - scope: indicator:gdp
        growth_set_pct: 6.0          # set the median yearly growth to this rate (replaces shifts)
        shocks: {2025: -3}           # one-off persistent level change in % in that year
        uncertainty_scale: 1.2       # widen (>1) or narrow (<1) the spread

How a change is read depends on the scale the indicator is projected on: positive levels take
``growth_shift_pp`` as extra growth (percent a year) and shocks as percent of the level; shares
take both as percentage points of the share (converted on the logit scale near the latest value,
so 0–100 is never crossed); series that can be zero or negative (a net inflow) take them as
percent of the series' mean absolute level.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qcplan.errors import ParameterError, Problem, excerpt
from qcplan.files import load_yaml
from qcplan.numbers import is_real_number
from qcplan.plan.schema import MEASURES
from qcplan.plan.writer import plan_lock, write_file
from qcplan.resources import generic_scenarios_dir
from qcplan.text import UNSAFE_TEXT, unsafe_character

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MODES = ("projection", "plan")
METHODS = ("auto", "cagr", "linear", "loglinear", "rw_drift", "ets", "bounded")
TOP_KEYS = {
    "name", "label_zh", "label_en", "description_zh", "description_en", "mode", "method",
    "assumptions",
}
ASSUMPTION_KEYS = {"scope", "growth_shift_pp", "growth_set_pct", "shocks", "uncertainty_scale",
                   "measures"}
#: The measures a broad assumption (all, pillar:) moves when it lists none: what grows.
GROWING_MEASURES: tuple[str, ...] = ("amount", "count", "growth")
SHIPPED = ("baseline", "plan", "optimistic", "pessimistic")


GENERIC_DIR = generic_scenarios_dir()


def default_params_dir() -> Path:
    """``$QCPLAN_PARAMS`` if set, else the folder of the generic scenarios (its ``scenarios/``
    holds them)."""
    import os

    env = os.environ.get("QCPLAN_PARAMS")
    return Path(env) if env else GENERIC_DIR


def scenario_folders(params_dir: str | Path | None = None, plan: Any = None) -> list[Path]:
    """The ``scenarios/`` folders read, in layer order (later ones replace earlier names)."""
    folders = [GENERIC_DIR / "scenarios"]
    plan_dir = getattr(plan, "data_dir", None)
    if plan_dir is not None and (Path(plan_dir) / "scenarios").is_dir():
        folders.append(Path(plan_dir) / "scenarios")
    extra = Path(params_dir) if params_dir not in (None, "") else None
    if extra is None:
        import os

        env = os.environ.get("QCPLAN_PARAMS")
        extra = Path(env) if env else None
    if extra is not None and not (plan_dir is not None
                                  and extra.resolve() == Path(plan_dir).resolve()):
        folder = extra / "scenarios"
        if folder.resolve() not in {f.resolve() for f in folders}:
            folders.append(folder)
    return folders


@dataclass(frozen=True)
class Adjustment:
    """What a scenario does to one target's projection."""

    shift: float = 0.0
    set_growth: float | None = None
    shocks: dict[int, float] = field(default_factory=dict)
    scale: float = 1.0

    @property
    def is_identity(self) -> bool:
        return self.shift == 0 and self.set_growth is None and not self.shocks and self.scale == 1


@dataclass(frozen=True)
class Assumption:
    scope: str
    growth_shift_pp: float = 0.0
    growth_set_pct: float | None = None
    shocks: dict[int, float] = field(default_factory=dict)
    uncertainty_scale: float = 1.0
    measures: tuple[str, ...] | None = None

    def applies(self, target_id: str, indicator_id: str, pillar: str) -> bool:
        if self.scope == "all":
            return True
        kind, _, ident = self.scope.partition(":")
        return {"pillar": pillar, "indicator": indicator_id, "target": target_id}.get(kind) == ident

    @property
    def names_its_series(self) -> bool:
        """Scoped to one indicator or target: it applies whatever the measure."""
        return self.scope.partition(":")[0] in ("indicator", "target")

    def moves(self, measure: str | None) -> tuple[bool, bool]:
        """(growth changes apply, uncertainty scale applies) to an indicator of ``measure``
        (None: unknown, everything applies)."""
        if measure is None or self.names_its_series:
            return True, True
        if self.measures is not None:
            inside = measure in self.measures
            return inside, inside
        return measure in GROWING_MEASURES, True


@dataclass(frozen=True)
class Scenario:
    """A validated scenario."""

    name: str
    label_zh: str
    label_en: str
    description_zh: str
    description_en: str
    mode: str = "projection"
    method: str = "auto"
    assumptions: tuple[Assumption, ...] = ()
    path: Path | None = None

    def label(self, lang: str = "zh") -> str:
        return self.label_zh if lang == "zh" else self.label_en

    def description(self, lang: str = "zh") -> str:
        return self.description_zh if lang == "zh" else self.description_en

    def adjustment(self, target_id: str, indicator_id: str, pillar: str,
                   measure: str | None = None) -> Adjustment:
        """Combine the assumptions that apply to one target, in file order; ``measure`` (the
        indicator's) decides which broad assumptions move it (see the module docstring)."""
        shift, scale, set_growth = 0.0, 1.0, None
        shocks: dict[int, float] = {}
        for a in self.assumptions:
            if not a.applies(target_id, indicator_id, pillar):
                continue
            growth, spread = a.moves(measure)
            if spread:
                scale *= a.uncertainty_scale
            if not growth:
                continue
            if a.growth_set_pct is not None:
                set_growth, shift = a.growth_set_pct, 0.0
            shift += a.growth_shift_pp
            for year, pct in a.shocks.items():
                shocks[year] = shocks.get(year, 0.0) + pct
        return Adjustment(shift=shift, set_growth=set_growth, shocks=shocks, scale=scale)

    def assumptions_table(self, lang: str = "zh") -> list[dict[str, Any]]:
        """The assumptions as rows for display."""
        rows = []
        for a in self.assumptions:
            rows.append(
                {
                    "scope": a.scope,
                    "growth_shift_pp": a.growth_shift_pp,
                    "growth_set_pct": a.growth_set_pct,
                    "shocks": ", ".join(f"{y}: {p:+g}%" for y, p in sorted(a.shocks.items())),
                    "uncertainty_scale": a.uncertainty_scale,
                    "measures": ", ".join(a.measures) if a.measures is not None else "",
                }
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """The scenario as the YAML mapping it was (or would be) written from."""
        out: dict[str, Any] = {
            "name": self.name,
            "label_zh": self.label_zh,
            "label_en": self.label_en,
            "description_zh": self.description_zh,
            "description_en": self.description_en,
            "mode": self.mode,
        }
        if self.method != "auto":
            out["method"] = self.method
        items = []
        for a in self.assumptions:
            item: dict[str, Any] = {"scope": a.scope}
            if a.growth_shift_pp:
                item["growth_shift_pp"] = float(a.growth_shift_pp)
            if a.growth_set_pct is not None:
                item["growth_set_pct"] = float(a.growth_set_pct)
            if a.shocks:
                item["shocks"] = {int(y): float(p) for y, p in sorted(a.shocks.items())}
            if a.uncertainty_scale != 1.0:
                item["uncertainty_scale"] = float(a.uncertainty_scale)
            if a.measures is not None:
                item["measures"] = list(a.measures)
            items.append(item)
        out["assumptions"] = items
        return out


class ScenarioError(ParameterError):
    """One or more problems in scenario files; ``problems`` lists them all."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.file, first.location, first.value, first.expected)

    def __str__(self) -> str:
        n = len(self.problems)
        lines = [f"{n} problem{'s' if n != 1 else ''} in the scenario parameters"]
        lines += [f"  {p.file}, {_place(p.location)}: {_found(p.value)}expected {p.expected}"
                  for p in self.problems]
        return "\n".join(lines)


def _place(location: str) -> str:
    return location if location.startswith(("line ", "(")) else f"key {location}"


def _found(value: object) -> str:
    return "" if value is None else f"{excerpt(value)} — "


def _unsafe_texts(value: Any, where: str) -> Iterable[tuple[str, str, str]]:
    """(key path, text, description) of every key or text in ``value`` holding a refused
    character (:mod:`qcplan.text`)."""
    if isinstance(value, str):
        found = unsafe_character(value)
        if found is not None:
            yield where, value, found
    elif isinstance(value, dict):
        for k, v in value.items():
            path = f"{where}.{k}" if where else str(k)
            yield from _unsafe_texts(k, path)
            yield from _unsafe_texts(v, path)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _unsafe_texts(v, f"{where}[{i}]")




#: What a scenario file accepts: growth shift (pp a year, either way), a set growth rate (% a
#: year), the uncertainty scale, a shock (level change in %) and the shock's year.
SHIFT_LIMIT = 50.0
GROWTH_SET_LIMITS = (-50.0, 100.0)
SCALE_LIMITS = (0.0, 10.0)
SHOCK_LIMITS = (-90.0, 500.0)
SHOCK_YEARS = (2000, 2100)
SCOPE_TEXT = "all, pillar:<id>, indicator:<id> or target:<id>"


@dataclass
class _Problems:
    """The problems found in one scenario file, each naming its key."""

    file: str
    found: list[Problem] = field(default_factory=list)

    def bad(self, key: str, value: Any, expected: str) -> None:
        # A bounded excerpt: the value may be huge (it is never turned into text as a whole).
        text = value if isinstance(value, str) or value is None else excerpt(value)
        self.found.append(Problem(file=self.file, location=key, value=text, expected=expected))

    def bad_number(self, key: str, value: Any, expected: str) -> None:
        """A number out of range, or text where a number belongs: say which."""
        if isinstance(value, str):
            self.bad(key, None, f"a number, got the text {excerpt(value)} (write it without "
                     f"quotes): {expected}")
        else:
            self.bad(key, value, expected)


def parse_scenario(
    data: Any,
    file: str,
    *,
    known_pillars: Iterable[str] | None = None,
    known_indicators: Iterable[str] | None = None,
    known_targets: Iterable[str] | None = None,
) -> tuple[Scenario | None, list[Problem]]:
    """Check one scenario mapping; return the scenario (or None) and every problem found."""
    probs = _Problems(file)
    for where, text, found in _unsafe_texts(data, ""):
        probs.bad(where or "(top level)", text, f"{UNSAFE_TEXT}; found {found}")
    if not isinstance(data, dict):
        probs.bad("(top level)", type(data).__name__,
                  "a mapping of keys such as name, label_zh, mode")
        return None, probs.found
    name, mode, method = _parse_top(data, file, probs)
    scopes_ok = {
        "pillar": set(known_pillars) if known_pillars is not None else None,
        "indicator": set(known_indicators) if known_indicators is not None else None,
        "target": set(known_targets) if known_targets is not None else None,
    }
    raw = data.get("assumptions", [])
    if raw is None:
        raw = []
    if not isinstance(raw, list):
        probs.bad("assumptions", type(raw).__name__, "a list of assumptions")
        raw = []
    assumptions = [a for i, item in enumerate(raw)
                   if (a := _parse_assumption(item, f"assumptions[{i}]", scopes_ok, probs))
                   is not None]
    if probs.found:
        return None, probs.found
    return Scenario(
        name=name, label_zh=data["label_zh"], label_en=data["label_en"],
        description_zh=data["description_zh"], description_en=data["description_en"],
        mode=mode, method=method, assumptions=tuple(assumptions), path=Path(file),
    ), probs.found


def _parse_top(data: dict, file: str, probs: _Problems) -> tuple[Any, Any, Any]:
    """The top-level keys: none unknown, name (the file's own), labels, mode, method."""
    for key in sorted(set(data) - TOP_KEYS, key=str):
        probs.bad(excerpt(key) if not isinstance(key, str) else key[:80], data[key],
                  "one of " + ", ".join(sorted(TOP_KEYS)))
    name = data.get("name")
    stem = Path(file).stem
    if not isinstance(name, str) or not ID_PATTERN.match(name):
        probs.bad("name", name,
                  "a safe id: lower-case letters, digits and _, starting with a letter")
    elif name != stem:
        probs.bad("name", name, f"the file's own name {stem!r}")
    for key in ("label_zh", "label_en", "description_zh", "description_en"):
        if not isinstance(data.get(key), str) or not data.get(key, "").strip():
            probs.bad(key, data.get(key), "a non-empty text")
    mode = data.get("mode", "projection")
    if mode not in MODES:
        probs.bad("mode", mode, "one of " + ", ".join(MODES))
    method = data.get("method", "auto")
    if method not in METHODS:
        probs.bad("method", method, "one of " + ", ".join(METHODS))
    return name, mode, method


def _parse_assumption(item: Any, where: str, scopes_ok: dict[str, set[str] | None],
                      probs: _Problems) -> Assumption | None:
    """One item of ``assumptions``: its scope, changes and measures (None if not a mapping)."""
    if not isinstance(item, dict):
        probs.bad(where, item, "a mapping with a scope and at least one change")
        return None
    for key in sorted(set(item) - ASSUMPTION_KEYS, key=str):
        probs.bad(f"{where}.{key}", item[key], "one of " + ", ".join(sorted(ASSUMPTION_KEYS)))
    scope = item.get("scope")
    if not isinstance(scope, str):
        probs.bad(f"{where}.scope", scope, SCOPE_TEXT)
    elif scope != "all":
        kind, _, ident = scope.partition(":")
        if kind not in scopes_ok or not ident:
            probs.bad(f"{where}.scope", scope, SCOPE_TEXT)
        elif scopes_ok[kind] is not None and ident not in scopes_ok[kind]:
            probs.bad(f"{where}.scope", scope, f"a {kind} id of the plan")
    shift = item.get("growth_shift_pp", 0.0)
    if not is_real_number(shift) or abs(shift) > SHIFT_LIMIT:
        probs.bad_number(f"{where}.growth_shift_pp", shift, "a number of percentage points "
                         f"between -{SHIFT_LIMIT:g} and {SHIFT_LIMIT:g}")
        shift = 0.0
    set_g = item.get("growth_set_pct")
    lo, hi = GROWTH_SET_LIMITS
    if set_g is not None and (not is_real_number(set_g) or not lo <= set_g <= hi):
        probs.bad_number(f"{where}.growth_set_pct", set_g,
                         f"a yearly growth rate in % between {lo:g} and {hi:g}")
        set_g = None
    scale = item.get("uncertainty_scale", 1.0)
    lo, hi = SCALE_LIMITS
    if not is_real_number(scale) or not lo <= scale <= hi:
        probs.bad_number(f"{where}.uncertainty_scale", scale,
                         f"a number from {lo:g} to {hi:g} (1 = unchanged)")
        scale = 1.0
    shocks = _parse_shocks(item.get("shocks") or {}, where, probs)
    measures = item.get("measures")
    if measures is not None:
        if not isinstance(measures, list) or not measures or \
                not all(isinstance(m, str) and m in MEASURES for m in measures):
            probs.bad(f"{where}.measures", measures,
                      "a non-empty list of measures, each one of " + ", ".join(MEASURES))
            measures = None
        else:
            measures = tuple(dict.fromkeys(measures))
    if not any(k in item for k in ASSUMPTION_KEYS - {"scope", "measures"}):
        probs.bad(where, scope, "at least one of growth_shift_pp, growth_set_pct, shocks, "
                  "uncertainty_scale")
    return Assumption(scope=str(scope), growth_shift_pp=float(shift),
                      growth_set_pct=None if set_g is None else float(set_g),
                      shocks=shocks, uncertainty_scale=float(scale), measures=measures)


def _parse_shocks(raw: Any, where: str, probs: _Problems) -> dict[int, float]:
    """``shocks``: a mapping year -> level change in %, each within its limits."""
    shocks: dict[int, float] = {}
    if not isinstance(raw, dict):
        probs.bad(f"{where}.shocks", raw, "a mapping year: percent, e.g. {2025: -3}")
        return shocks
    first, last = SHOCK_YEARS
    lo, hi = SHOCK_LIMITS
    for y, p in raw.items():
        try:
            year = int(y)
            if str(y).strip() != str(year) or not first <= year <= last:
                raise ValueError
        except (TypeError, ValueError, OverflowError):
            probs.bad(f"{where}.shocks", y, f"a year between {first} and {last}")
            continue
        if not is_real_number(p) or not lo <= p <= hi:
            probs.bad_number(f"{where}.shocks.{year}", p,
                             f"a level change in % between {lo:g} and {hi:g}")
            continue
        shocks[year] = float(p)
    return shocks


def load_scenarios(params_dir: str | Path | None = None, plan: Any = None) -> dict[str, Scenario]:
    """Read and check the scenarios: the generic ones, the plan's own ``scenarios/`` and
    ``params_dir/scenarios`` (see the module docstring); all problems at once.

    With ``plan`` (a loaded :class:`qcplan.plan.load.Plan`), scopes must name its pillars,
    indicators and targets.
    """
    folders = scenario_folders(params_dir, plan)
    for folder in folders[1:]:
        if not folder.is_dir():
            raise ScenarioError([Problem(file=str(folder), location="(folder)", value=None,
                                         expected="a folder of scenario YAML files")])
    known: dict[str, Any] = {}
    if plan is not None:
        known = {
            "known_pillars": plan.pillars["pillar"].tolist(),
            "known_indicators": plan.indicators["indicator_id"].tolist(),
            "known_targets": plan.targets["target_id"].tolist(),
        }
    probs: list[Problem] = []
    out: dict[str, Scenario] = {}
    files = [p for f in folders for p in sorted(f.glob("*.yaml")) + sorted(f.glob("*.yml"))]
    if not files:
        probs.append(Problem(file=str(folders[-1]), location="(folder)", value=None,
                             expected="at least one scenario file *.yaml"))
    for path in files:
        try:
            data = load_yaml(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"line {mark.line + 1}" if mark is not None else "(file)"
            probs.append(Problem(file=str(path), location=where, value=None,
                                 expected=f"valid YAML ({getattr(exc, 'problem', exc)})"))
            continue
        scen, p = parse_scenario(data, str(path), **known)
        probs += p
        if scen is not None:
            out[scen.name] = scen
    if probs:
        raise ScenarioError(probs)
    return dict(sorted(out.items(), key=lambda kv: _order(kv[0])))


def _order(name: str) -> tuple[int, str]:
    return (SHIPPED.index(name), name) if name in SHIPPED else (len(SHIPPED), name)


def get_scenario(name: str | Scenario, params_dir: str | Path | None = None,
                 plan: Any = None) -> Scenario:
    """One scenario by name (or pass a Scenario through)."""
    if isinstance(name, Scenario):
        return name
    scenarios = load_scenarios(params_dir, plan)
    if name not in scenarios:
        raise ScenarioError([Problem(file=str(scenario_folders(params_dir, plan)[-1]),
                                     location="scenario", value=str(name),
                                     expected="one of " + ", ".join(scenarios))])
    return scenarios[name]


def save_scenario(scenario: Scenario, params_dir: str | Path | None = None, *,
                  overwrite: bool = False, wait: float | None = None) -> Path:
    """Write a scenario as ``<params_dir>/scenarios/<name>.yaml``, checked first.

    Refuses a shipped scenario's name, a name that is not a safe id, and (unless ``overwrite``)
    an existing file. The check and the writing happen under the folder's lock
    (:func:`qcplan.plan.writer.plan_lock`, ``wait`` seconds at most for another writer); the
    file is written to a temporary name and renamed, so a failure leaves nothing half-written.
    """
    params_dir = Path(params_dir) if params_dir is not None else default_params_dir()
    folder = params_dir / "scenarios"
    path = folder / f"{scenario.name}.yaml"
    if not isinstance(scenario.name, str) or not ID_PATTERN.match(scenario.name):
        raise ScenarioError([Problem(str(path), "name", value=scenario.name,
                                     expected="a safe id: lower-case letters, digits and _")])
    if scenario.name in SHIPPED:
        raise ScenarioError([Problem(str(path), "name", value=scenario.name,
                                     expected="a new name: shipped scenarios are not overwritten")])
    data = scenario.to_dict()
    _, probs = parse_scenario(data, str(path))
    if probs:
        raise ScenarioError(probs)
    params_dir.mkdir(parents=True, exist_ok=True)
    with plan_lock(params_dir, "save scenario", wait=wait):
        if path.exists() and not overwrite:
            raise ScenarioError([Problem(str(path), "name", value=scenario.name,
                                         expected="a name not used yet (the file exists)")])
        return write_file(params_dir, path, yaml.safe_dump(data, allow_unicode=True,
                                                           sort_keys=False))
