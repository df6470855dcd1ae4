"""The what-if workbench: the logic (:mod:`.workbench`) and its widgets (:mod:`.ui`)."""

from qcplan.explore.ui import WorkbenchUI, build_ui  # noqa: F401
from qcplan.explore.workbench import Workbench  # noqa: F401
