"""PLACEHOLDER: copy-manifests-first is being written; it changes nothing yet."""

from migrator.transform import NOTHING, Safety, Transform


def apply(doc, project, settings):
    return NOTHING


TRANSFORM = Transform(
    code="MIG002",
    name="copy-manifests-first",
    reason="(placeholder)",
    safety=Safety.SAFE,
    apply=apply,
    doc=__doc__,
)
