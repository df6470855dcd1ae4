"""The widgets of the workbench: ipywidgets wired to :class:`~qcplan.explore.workbench.Workbench`.

Every callback calls one method of the workbench; no logic lives here, so the tests drive the
workbench without a browser.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qcplan.errors import QcplanError
from qcplan.explore.goal_seek import GoalSeek
from qcplan.explore.texts import error_text, ui_text
from qcplan.explore.workbench import Workbench
from qcplan.model.scenarios import METHODS, ScenarioError
from qcplan.render.html import esc


class WorkbenchUI:
    """The ipywidgets of a :class:`Workbench`; every callback calls one of its methods.

    ``root`` is the widget to display. The chart is redrawn as a PNG image; inside a running
    kernel, redraws are coalesced (one after the controls rest for ``redraw_delay`` seconds)
    while the numbers update on every move.
    """

    def __init__(self, wb: Workbench, redraw_delay: float = 0.15):
        import ipywidgets as w  # imported here: ipywidgets is only needed with a browser

        self.wb = wb
        self.redraw_delay = redraw_delay
        self._pending: Any = None
        self._busy = False
        self._last_seek: GoalSeek | None = None
        self._style = {"description_width": "150px"}
        self._wide = w.Layout(width="440px")
        self._controls(w)
        self._goal_widgets(w)
        self._save_widgets(w)
        self._sync_shock_years()
        self._wire()
        self.root = self._layout(w)
        self.root.add_class("qc-workbench")
        self.refresh(chart=True)

    def _controls(self, w: Any) -> None:
        """The selectors and sliders, the readout, the chart and the message line."""
        wb, lang, style, wide = self.wb, self.wb.lang, self._style, self._wide
        self.pillar = w.Dropdown(options=wb.pillars(), value=wb.pillar,
                                 description=ui_text("pillar", lang), style=style, layout=wide)
        self.target = w.Dropdown(options=wb.target_options(), value=wb.target_id or None,
                                 description=ui_text("target", lang), style=style, layout=wide)
        self.scenario = w.Dropdown(options=wb.scenario_options(), value=wb.scenario_name,
                                   description=ui_text("scenario", lang), style=style,
                                   layout=wide)
        self.shift = w.FloatSlider(value=wb.controls.shift, min=-20.0, max=20.0, step=0.5,
                                   description=ui_text("shift", lang), style=style,
                                   layout=wide, readout_format="+.1f", continuous_update=True)
        self.shift.add_class("qc-shift")
        self.shock_year = w.Dropdown(description=ui_text("shock_year", lang), style=style,
                                     layout=wide)
        self.shock_pct = w.FloatSlider(value=0.0, min=-30.0, max=30.0, step=1.0,
                                       description=ui_text("shock_pct", lang), style=style,
                                       layout=wide, readout_format="+.0f")
        self.scale = w.FloatSlider(value=wb.controls.scale, min=0.25, max=3.0, step=0.05,
                                   description=ui_text("scale", lang), style=style, layout=wide,
                                   readout_format=".2f")
        self.method = w.Dropdown(options=list(METHODS), value=wb.method,
                                 description=ui_text("method", lang), style=style, layout=wide)
        self.reset = w.Button(description=ui_text("reset", lang), layout=w.Layout(width="180px"))
        self.reading = w.HTML()
        self.reading.add_class("qc-reading-box")
        self.chart = w.Image(format="png", layout=w.Layout(width="680px"))
        self.message = w.HTML()

    def _goal_widgets(self, w: Any) -> None:
        """The goal seek: the probability, its buttons and outputs."""
        lang, auto = self.wb.lang, w.Layout(width="auto")
        self.p_goal = w.FloatSlider(value=0.8, min=0.05, max=0.95, step=0.05,
                                    description=ui_text("p_goal", lang), style=self._style,
                                    layout=self._wide, readout_format=".2f")
        self.seek = w.Button(description=ui_text("seek", lang), button_style="info", layout=auto)
        self.apply = w.Button(description=ui_text("apply", lang), disabled=True, layout=auto)
        self.table_button = w.Button(description=ui_text("table", lang), layout=auto)
        self.seek_out = w.HTML()
        self.table_out = w.HTML()

    def _save_widgets(self, w: Any) -> None:
        """Saving the settings as a scenario: its id, labels and descriptions."""
        lang, style, wide = self.wb.lang, self._style, self._wide
        self.save_name = w.Text(placeholder="my_scenario", description=ui_text("save_name", lang),
                                style=style, layout=wide)
        self.label_zh = w.Text(placeholder="(默认自动生成)", description=ui_text("label_zh", lang),
                               style=style, layout=wide)
        self.label_en = w.Text(placeholder="(default: generated)",
                               description=ui_text("label_en", lang), style=style, layout=wide)
        self.description_zh = w.Textarea(placeholder="(默认:描述当前设定)",
                                          description=ui_text("description_zh", lang),
                                          style=style, layout=wide)
        self.description_en = w.Textarea(placeholder="(default: the current settings)",
                                          description=ui_text("description_en", lang),
                                          style=style, layout=wide)
        self.save = w.Button(description=ui_text("save", lang), button_style="success",
                             layout=w.Layout(width="180px"))
        self.save_out = w.HTML()

    def _wire(self) -> None:
        """Each widget's observer: one method of the workbench each."""
        self.pillar.observe(self._on_pillar, names="value")
        self.target.observe(self._on_target, names="value")
        self.scenario.observe(self._on_scenario, names="value")
        self.shift.observe(self._on_control, names="value")
        self.shock_year.observe(self._on_control, names="value")
        self.shock_pct.observe(self._on_control, names="value")
        self.scale.observe(self._on_control, names="value")
        self.method.observe(self._on_method, names="value")
        self.reset.on_click(self._on_reset)
        self.seek.on_click(self._on_seek)
        self.apply.on_click(self._on_apply)
        self.table_button.on_click(self._on_table)
        self.save.on_click(self._on_save)

    def _layout(self, w: Any) -> Any:
        """The boxes: controls beside the readout, the chart, the goal seek, saving."""
        lang = self.wb.lang
        controls = w.VBox([self.pillar, self.target, self.scenario, self.shift, self.shock_year,
                           self.shock_pct, self.scale, self.method, self.reset])
        top = w.HBox([controls, self.reading])
        goal = w.VBox([w.HTML(f"<b>{esc(ui_text('seek', lang))}</b>"),
                       w.HBox([self.p_goal, self.seek, self.apply, self.table_button]),
                       self.seek_out, self.table_out])
        save = w.VBox([w.HTML(f"<b>{esc(ui_text('save', lang))}</b>"), self.save_name,
                       self.label_zh, self.label_en, self.description_zh, self.description_en,
                       self.save, self.save_out])
        return w.VBox([w.HTML(f"<h3>{esc(ui_text('title', lang))}</h3>"), top, self.chart,
                       self.message, goal, save])

    # -- refreshing -------------------------------------------------------------
    def _guard(self, fn: Callable[[], None]) -> None:
        """Run a widget update without letting the observers react to it."""
        self._busy = True
        try:
            fn()
        finally:
            self._busy = False

    def _sync_shock_years(self) -> None:
        none = ui_text("shock_none", self.wb.lang)
        years = self.wb.shock_years()

        def set_options() -> None:
            self.shock_year.options = [(none, 0)] + [(str(y), y) for y in years]
            self.shock_year.value = self.wb.controls.shock_year or 0
            self.shock_year.disabled = not years
            self.shock_pct.disabled = not years

        self._guard(set_options)

    def refresh(self, chart: bool = True) -> None:
        """Update the readout (and the chart, now or coalesced)."""
        try:
            self.reading.value = self.wb.reading_html()
            self.message.value = ""
        except Exception as exc:  # show, do not raise into the front end
            self.message.value = _error_html(exc)
            return
        if chart:
            self._schedule_chart()

    def _schedule_chart(self) -> None:
        loop = _running_loop()
        if loop is None or self.redraw_delay <= 0:
            self.redraw_chart()
            return
        if self._pending is not None:
            self._pending.cancel()
        self._pending = loop.call_later(self.redraw_delay, self.redraw_chart)

    def redraw_chart(self) -> None:
        self._pending = None
        try:
            self.chart.value = self.wb.figure_png()
        except Exception as exc:
            self.message.value = _error_html(exc)

    # -- callbacks ----------------------------------------------------------------
    def _on_pillar(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        self.wb.select_pillar(change["new"])

        def update() -> None:
            self.target.options = self.wb.target_options()
            self.target.value = self.wb.target_id or None

        self._guard(update)
        self._after_target()

    def _on_target(self, change: dict[str, Any]) -> None:
        if self._busy or not change["new"]:
            return
        self.wb.select_target(change["new"])
        self._after_target()

    def _after_target(self) -> None:
        self._sync_shock_years()
        self._clear_seek()
        self.refresh()

    def _on_scenario(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        self.wb.set_scenario(change["new"])
        self._guard(lambda: setattr(self.method, "value", self.wb.method))
        self._clear_seek()
        self.refresh()

    def _on_method(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        self.wb.set_method(change["new"])
        self._sync_shock_years()
        self._clear_seek()
        self.refresh()

    def _on_control(self, change: dict[str, Any]) -> None:
        if self._busy:
            return
        try:
            self.wb.set_shift(self.shift.value)
            year = self.shock_year.value or None
            self.wb.set_shock(year, self.shock_pct.value if year else 0.0)
            self.wb.set_scale(self.scale.value)
        except ValueError as exc:
            self.message.value = _error_html(exc)
            return
        self.refresh()

    def _on_reset(self, _: Any = None) -> None:
        self.wb.reset_controls()

        def update() -> None:
            self.shift.value = 0.0
            self.shock_pct.value = 0.0
            self.shock_year.value = 0
            self.scale.value = 1.0
            self.method.value = self.wb.method

        self._guard(update)
        self._clear_seek()
        self.refresh()

    def _clear_seek(self) -> None:
        self._last_seek = None
        self.apply.disabled = True
        self.seek_out.value = ""
        self.table_out.value = ""

    def _on_seek(self, _: Any = None) -> None:
        try:
            gs = self.wb.goal_seek(self.p_goal.value)
        except Exception as exc:
            self.seek_out.value = _error_html(exc)
            return
        self._last_seek = gs
        self.apply.disabled = not (gs.outcome == "ok"
                                   and abs(gs.control_shift) <= self.shift.max)
        self.seek_out.value = f'<p class="qc-seek">{esc(gs.text(self.wb.lang))}</p>'

    def _on_apply(self, _: Any = None) -> None:
        gs = self._last_seek
        if gs is None or gs.outcome != "ok":
            return
        self.shift.value = max(self.shift.min, min(self.shift.max, round(gs.control_shift, 1)))

    def _on_table(self, _: Any = None) -> None:
        try:
            table = self.wb.pillar_goal_table(self.p_goal.value)
            self.table_out.value = self.wb.goal_table_html(table)
        except Exception as exc:
            self.table_out.value = _error_html(exc)

    def _on_save(self, _: Any = None) -> None:
        lang = self.wb.lang
        try:
            path = self.wb.save_as_scenario(
                self.save_name.value, label_zh=self.label_zh.value, label_en=self.label_en.value,
                description_zh=self.description_zh.value,
                description_en=self.description_en.value)
        except (ScenarioError, QcplanError, ValueError, OSError) as exc:  # busy folder too
            self.save_out.value = _error_html(exc)
            return
        name = path.stem
        method_note = ""
        if self.wb.method != "auto":
            method_note = (f" 预测方法 {self.wb.method} 将用于该情景的全部指标。"
                           if lang == "zh" else
                           f" The method {self.wb.method} applies to every indicator of it.")
        msg = (f"已保存 {esc(path)}。运行 <code>qcplan run --scenarios {esc(name)}</code> "
               "生成报告。"
               if lang == "zh" else
               f"Saved {esc(path)}. Run <code>qcplan run --scenarios {esc(name)}</code> to "
               "render its reports.")
        self.save_out.value = f'<p class="qc-saved">{msg}{esc(method_note)}</p>'
        current = self.scenario.value
        self._guard(lambda: (setattr(self.scenario, "options", self.wb.scenario_options()),
                             setattr(self.scenario, "value", current)))


def _error_html(exc: BaseException) -> str:
    text = esc(error_text(exc)).replace("\n", "<br>")
    return f'<p class="qc-error" style="color:#b00020;white-space:normal">{text}</p>'


def _running_loop() -> Any:
    import asyncio

    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def build_ui(workbench: Workbench) -> Any:
    """The workbench's widgets (an ``ipywidgets.VBox``); ``.ui`` on it is the
    :class:`WorkbenchUI` holding them."""
    ui = WorkbenchUI(workbench)
    root = ui.root
    root.ui = ui
    return root
