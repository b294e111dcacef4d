"""PLACEHOLDER: secrets-to-mounts is being written; it changes nothing yet."""

from migrator.transform import NOTHING, Safety, Transform


def apply(doc, project, settings):
    return NOTHING


TRANSFORM = Transform(
    code="MIG007",
    name="secrets-to-mounts",
    reason="(placeholder)",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
