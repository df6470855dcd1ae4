"""Chinese glyphs for matplotlib: register the Noto Sans SC font shipped by a pip dependency.

DejaVu Sans, matplotlib's default, has no CJK glyphs: Chinese text would render as empty boxes
with "Glyph missing from font" warnings. :func:`use_cjk_font` registers Noto Sans SC (SIL Open
Font License) from the ``pylopdf-fonts-zh-cn`` package, which works offline, and puts it first in
the sans-serif family, keeping DejaVu Sans as the fallback for symbols.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

FONT_FAMILY = "Noto Sans SC"


def font_path() -> Path:
    """Path of the shipped NotoSansSC-Regular.otf."""
    return Path(str(resources.files("pylopdf_fonts_zh_cn") / "NotoSansSC-Regular.otf"))


@cache
def _register() -> str:
    from matplotlib import font_manager  # matplotlib loads only when a chart is drawn

    path = font_path()
    if not path.is_file():  # pragma: no cover - the dependency is declared
        raise FileNotFoundError(f"font file not found: {path} (reinstall pylopdf-fonts-zh-cn)")
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def use_cjk_font() -> str:
    """Register Noto Sans SC with matplotlib (once) and make it the default; return its name.

    Also makes every text plain: names and units come from the plan's tables, and "US$5 billion
    and US$3 billion" must not be read as mathtext (nor ``$\\undefinedmacro{x}$`` fail a report).
    ``text.parse_math`` is read when a text (a tick label too) is made, so it is set globally, not
    in a context that ends before the figure is drawn; every chart calls this first.
    """
    import matplotlib as mpl  # loaded only when a chart is drawn

    name = _register()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    mpl.rcParams["text.parse_math"] = False
    mpl.rcParams["text.usetex"] = False
    return name
