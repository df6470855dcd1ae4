"""A plan's labels for the written text and the tables: indicator names, English units, the
English names of responsible units (``responsible_units.csv``, aliases included) and the
scenarios' labels.

:class:`PlanLabels` is what the tables need (the status table, the work points, the dashboard,
the unit pages); :class:`qcplan.render.narrative.Narrator` builds on it to write findings.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from qcplan.plan.schema import split_aliases
from qcplan.render.i18n import pick
from qcplan.render.wording import number, singular


class PlanLabels:
    """Names, units and scenario labels from ``plan`` (optional: without it, the row's own names
    and Chinese units) and ``scenarios``."""


    def __init__(self, plan: Any = None, scenarios: Mapping[str, Any] | None = None):
        self.names: dict[str, tuple[str, str]] = {}
        self.units_en: dict[str, str] = {}
        self.bodies_en: dict[str, str] = {}
        if plan is not None:
            ind = plan.indicators
            for r in ind.itertuples(index=False):
                self.names[r.indicator_id] = (str(r.name_zh), str(r.name_en))
                unit_en = getattr(r, "unit_en", None)
                if isinstance(unit_en, str) and unit_en:
                    self.units_en[r.indicator_id] = unit_en
            bodies = getattr(plan, "responsible_units", None)
            if isinstance(bodies, pd.DataFrame) and not bodies.empty:
                self.bodies_en = dict(zip(bodies["name_zh"], bodies["name_en"]))
                if "aliases" in bodies.columns:  # a unit named by another of its names
                    for name_en, aliases in zip(bodies["name_en"], bodies["aliases"]):
                        for alias in split_aliases(aliases):
                            self.bodies_en.setdefault(alias, name_en)
        #: scenario name → (label_zh, label_en); plan-mode scenarios are not compared
        self.scenario_labels = {n: (sc.label("zh"), sc.label("en"))
                                for n, sc in (scenarios or {}).items()}
        self.plan_mode = {n for n, sc in (scenarios or {}).items()
                          if getattr(sc, "mode", "projection") == "plan"}

    def subject(self, row: Mapping[str, Any], lang: str, lower: bool = True) -> str:
        """The indicator's name (the target's where the indicator is not in the registry)."""
        name = pick(self.names.get(str(row.get("indicator_id")),
                                   (str(row.get("name_zh")), str(row.get("name_en")))), lang)
        if lang == "zh" or not lower:
            return name
        # English in the middle of a sentence: lower-case its first letter, not an acronym's
        return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name

    def unit(self, row: Mapping[str, Any], lang: str) -> str:
        """The unit of the row's figures: Chinese as in the table, English from the registry."""
        zh = str(row.get("unit") or "")
        if lang == "zh":
            return zh
        en = row.get("unit_en")
        if isinstance(en, str) and en:
            return en
        return self.units_en.get(str(row.get("indicator_id")), zh)

    def with_unit(self, value: float, row: Mapping[str, Any], lang: str,
                  whole: bool = True) -> str:
        """A figure with its unit; ``whole=False`` for averages and rates of whole things."""
        u = self.unit(row, lang)
        zh_unit = str(row.get("unit") or "")
        n = number(value, lang, zh_unit if whole or zh_unit == "%" else "")
        if lang == "zh" or u in ("", "%"):
            return f"{n}{u}"
        return f"{n} {singular(u) if n == '1' else u}"

    def bodies(self, row: Mapping[str, Any], lang: str) -> str:
        """The responsible units: English name (Chinese name) in English, the Chinese as is."""
        text = row.get("responsible_units")
        if not isinstance(text, str) or not text.strip():
            return "—"
        names = [n.strip() for n in text.split("、") if n.strip()]
        if lang == "zh":
            return "、".join(names)
        return "; ".join(f"{self.bodies_en[n]} ({n})" if n in self.bodies_en else n
                         for n in names)

    def label(self, scenario: str, lang: str) -> str:
        """The scenario's label (its name where the scenario is not known)."""
        return pick(self.scenario_labels.get(scenario, (scenario, scenario)), lang)


__all__ = ["PlanLabels"]
