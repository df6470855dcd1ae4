"""qcplan: track the targets of the 谯城区 plan for urban function, quality and vitality.

The modules follow the data's path: load and validate (``load``, ``validate``), project
(``project``), assess (``assess``, ``scenarios``), render (``charts``, ``report``, ``export``) and
run (``run``, ``cli``).
"""

__version__ = "0.1.0"
