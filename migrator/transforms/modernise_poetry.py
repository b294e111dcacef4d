"""PLACEHOLDER: modernise-poetry is being written; it changes nothing yet."""

from migrator.transform import NOTHING, Safety, Transform


def apply(doc, project, settings):
    return NOTHING


TRANSFORM = Transform(
    code="MIG001",
    name="modernise-poetry",
    reason="(placeholder)",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
