"""qcplan: track the targets of a plan (any plan folder) with honest uncertainty.

The subpackages follow the data's path, each importing only the ones above it in this list:
``plan`` (the plan's tables: schema, load, validate), ``model`` (projections, scenarios, the
assessment), ``render`` (labels, fonts, charts, the report's frames, HTML export, the dashboard),
``batch`` (rendering every report of a run and publishing it), ``explore`` (the what-if workbench)
and ``cli`` (the commands, thin over the functions below).
"""

__version__ = "0.1.0"

from qcplan.errors import DataError, ParameterError, Problem, QcplanError  # noqa: F401
from qcplan.model.assess import AssessmentResult, Assessor, assess  # noqa: F401
from qcplan.model.project import FittedModel, Projection, fit, project  # noqa: F401
from qcplan.model.records import AssessmentSummary, TargetAssessment  # noqa: F401
from qcplan.model.scenarios import Scenario, load_scenarios  # noqa: F401
from qcplan.plan.load import Plan, load_plan  # noqa: F401

