"""PLACEHOLDER: non-root-user is being written; it changes nothing yet."""

from migrator.transform import NOTHING, Safety, Transform


def apply(doc, project, settings):
    return NOTHING


TRANSFORM = Transform(
    code="MIG005",
    name="non-root-user",
    reason="(placeholder)",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
