"""The transforms, in the one order the pipeline applies them.

Order matters: Poetry is modernised first (so later steps see one install style),
credentials are moved to secret mounts before anything copies ENV into a new stage,
then the dependency manifests are copied before the source, then the single stage is
split into build and runtime, then caches are mounted on the build steps, then the
runtime stage gets its non-root user. The uv switch (opt-in) runs last of the
Poetry-shaped steps' inputs, so it sees the modernised layout.
"""

from migrator.transforms import (
    cache_mounts,
    copy_order,
    modernise_poetry,
    non_root_user,
    secrets,
    split_stages,
    switch_to_uv,
)

PIPELINE = (
    modernise_poetry.TRANSFORM,
    secrets.TRANSFORM,
    copy_order.TRANSFORM,
    split_stages.TRANSFORM,
    cache_mounts.TRANSFORM,
    non_root_user.TRANSFORM,
    switch_to_uv.TRANSFORM,
)

BY_KEY = {t.code: t for t in PIPELINE} | {t.name: t for t in PIPELINE}
