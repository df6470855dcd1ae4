"""qcplan: track the targets of the 谯城区 plan for urban function, quality and vitality.

The modules follow the data's path: load and validate (``load``, ``validate``), project
(``project``), assess (``assess``, ``scenarios``), render (``charts``, ``report``, ``export``) and
run (``run``, ``cli``).
"""

__version__ = "0.1.0"

from qcplan.assess import Assessor, assess  # noqa: F401
from qcplan.errors import DataError, ParameterError, Problem, QcplanError  # noqa: F401
from qcplan.load import Plan, load_plan  # noqa: F401
from qcplan.project import FittedModel, Projection, fit, project  # noqa: F401
from qcplan.scenarios import Scenario, load_scenarios  # noqa: F401

