"""The workbench's words: widget labels and notes in both languages, and error text."""

from __future__ import annotations

__all__ = ["UI_TEXT", "error_text", "rate_unit_text", "ui_text"]

UI_TEXT: dict[str, tuple[str, str]] = {
    "title": ("情景推演工作台", "What-if workbench"),
    "pillar": ("领域", "Pillar"),
    "target": ("目标", "Target"),
    "scenario": ("情景", "Scenario"),
    "shift": ("增速调整(百分点/年)", "Growth shift (pp/yr)"),
    "shock_year": ("一次性冲击年份", "Shock year"),
    "shock_none": ("无", "none"),
    "shock_pct": ("冲击幅度(%)", "Shock size (%)"),
    "scale": ("不确定性倍数", "Uncertainty ×"),
    "method": ("预测方法", "Method"),
    "reset": ("重置调整", "Reset controls"),
    "p_goal": ("目标概率 p", "Probability p"),
    "seek": ("求所需增速", "Goal seek"),
    "apply": ("应用到滑块", "Apply to slider"),
    "table": ("本领域各目标所需增速", "Pillar table"),
    "save_name": ("情景id", "Scenario id"),
    "label_zh": ("中文名称", "Label (zh)"),
    "label_en": ("英文名称", "Label (en)"),
    "description_zh": ("中文说明", "Description (zh)"),
    "description_en": ("英文说明", "Description (en)"),
    "save": ("另存为情景", "Save as scenario"),
    "prob": ("达标概率", "P(reach)"),
    "median": ("预测中位数", "Projected median"),
    "interval": ("80%区间", "80% interval"),
    "target_value": ("目标", "Target"),
    "required": ("所需增速", "Required rate"),
    "implied": ("当前设定下的增速", "Rate under these settings"),
    "method_used": ("方法", "Method"),
    "shift_total": ("增速调整合计", "Total growth shift"),
    "custom": ("自定义调整", "custom settings"),
    "plan_note": ("达标路径情景:增速由情景设定(中位数恰好达标),增速调整滑块不起作用。",
                  "Plan-path scenario: the scenario sets the growth (the median just meets the "
                  "target), so the growth control has no effect."),
    "estimate_note": ("达标概率、预测值和区间均为模型估计值,不是统计数据。",
                      "P(reach), projections and intervals are model estimates, not statistics."),
}


def ui_text(key: str, lang: str = "zh") -> str:
    """A label of the workbench in ``lang``."""
    zh, en = UI_TEXT[key]
    return zh if lang == "zh" else en


def rate_unit_text(rate_unit: str, lang: str) -> str:
    """A rate's unit in ``lang`` (``%/年`` -> ``%/yr``)."""
    return rate_unit if lang == "zh" else rate_unit.replace("/年", "/yr")


def error_text(exc: BaseException) -> str:
    """A message for the widget (no traceback)."""
    return str(exc) or type(exc).__name__
