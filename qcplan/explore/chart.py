"""The workbench's chart: the selected target's bundle (as the reports build it), drawn with
the reports' :func:`qcplan.render.charts.indicator_chart`, and the baseline's reference median."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import pandas as pd

from qcplan.model.target import Evaluation, TargetModel
from qcplan.render.bundles import frames_to_bundle, target_frames

if TYPE_CHECKING:
    from qcplan.explore.workbench import Workbench

__all__ = ["bundle", "figure", "figure_png", "reference_bundle", "target_bundle"]


def bundle(wb: Workbench) -> dict[str, Any]:
    """A report bundle (see :mod:`qcplan.render.bundles`) of the selected target alone."""
    row, ev = wb.assess(wb.target_id, wb.adjustment())
    return target_bundle(wb.model(), row, ev)


def reference_bundle(wb: Workbench) -> dict[str, Any] | None:
    """The baseline scenario without controls, for the dashed reference median (None when
    that is what is shown already, or there is no baseline scenario)."""
    if "baseline" not in wb.scenarios:
        return None
    if wb.scenario_name == "baseline" and wb.controls.is_identity:
        return None
    base = wb.scenarios["baseline"]
    model = wb.model()
    adj = wb.assessor.adjustment_for(base, model)
    row, ev = wb.assess(wb.target_id, adj, scenario=base)
    return target_bundle(model, row, ev)


def figure(wb: Workbench, ax: Any = None) -> Any:
    """The selected target's chart (history, fan, target, the path that meets it) under
    the current settings; a matplotlib Figure (the caller closes it)."""
    # imported here: charts imports matplotlib, which the workbench's start does not need
    from qcplan.render.charts import indicator_chart

    return indicator_chart(wb.bundle(), wb.target_id, lang=wb.lang,
                           baseline=wb.reference_bundle(), ax=ax,
                           scenario_label=wb.scenario_label())


def figure_png(wb: Workbench, dpi: int = 90) -> bytes:
    """The chart as PNG bytes (for an image widget)."""
    import matplotlib.pyplot as plt  # imported here: start-up time, as above

    fig = wb.figure()
    try:
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)
    return buf.getvalue()


def target_bundle(model: TargetModel, row: dict[str, Any],
                  ev: Evaluation | None) -> dict[str, Any]:
    """A report bundle of one target (the frames
    :func:`qcplan.render.charts.indicator_chart` reads), built exactly as
    :func:`qcplan.render.bundles.build_bundle` builds them."""
    return frames_to_bundle(target_frames(model, ev), pd.DataFrame([row]))
