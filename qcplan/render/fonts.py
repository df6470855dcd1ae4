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
def use_cjk_font() -> str:
    """Register Noto Sans SC with matplotlib (once) and make it the default; return its name."""
    import matplotlib as mpl
    from matplotlib import font_manager

    path = font_path()
    if not path.is_file():  # pragma: no cover - the dependency is declared
        raise FileNotFoundError(f"font file not found: {path} (reinstall pylopdf-fonts-zh-cn)")
    font_manager.fontManager.addfont(str(path))
    name = font_manager.FontProperties(fname=str(path)).get_name()
    mpl.rcParams["font.family"] = "sans-serif"
    mpl.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    mpl.rcParams["axes.unicode_minus"] = False
    return name
