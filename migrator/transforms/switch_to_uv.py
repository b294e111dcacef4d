"""PLACEHOLDER: switch-to-uv is being written; it changes nothing yet."""

from migrator.transform import NOTHING, Safety, Transform


def apply(doc, project, settings):
    return NOTHING


TRANSFORM = Transform(
    code="MIG006",
    name="switch-to-uv",
    reason="(placeholder)",
    safety=Safety.UNSAFE,
    apply=apply,
    doc=__doc__,
)
