"""The ``milestone`` kind: done (a 1 observed by the target year) or not. It is not drawn: its
status comes from :func:`qcplan.model.status.milestone`; it has no paces, grade or path."""

from __future__ import annotations

from qcplan.model.kinds.base import TargetKind


class Milestone(TargetKind):
    """Done or not done by the target year."""

    name = "milestone"
    drawn = False
    own_chart = False
