"""Whether the image being migrated is a dev container (a devcontainer.json builds or runs it).

A dev container is an editor's environment, not a deployed app: its devcontainer.json decides
the user (remoteUser), runs postCreateCommand and features as the image's user, and bind-mounts
the workspace. MIG005 leaves its user alone and MIG001 its interpreter (issue 10/11: a real
devcontainer whose system install was moved into a venv changed the developer's environment).
"""

from __future__ import annotations

import json
import posixpath
import re
from typing import Any

from migrator.launchers import NO_LAUNCHERS


def devcontainer_use(project: Any) -> str | None:
    """'<devcontainer.json> builds this image ...' when one does, else None."""
    run_files = getattr(project, "run_files", None) or {}
    launchers = getattr(project, "launchers", None) or NO_LAUNCHERS
    composed = {(posixpath.normpath(s.file), s.name) for s in launchers.services if not s.loose}
    dockerfile = getattr(project, "dockerfile", None)
    for name, text in sorted(run_files.items()):
        if posixpath.basename(name) not in ("devcontainer.json", ".devcontainer.json"):
            continue
        built = _devcontainer_dockerfile(name, text)
        services = _devcontainer_services(name, text)
        # A compose service is this image when compose builds it from this context; a Dockerfile
        # path is compared with the one being migrated (when unknown, any at the context root).
        shared = sorted(services & composed)
        if shared:
            return f"{name} runs this image as a dev container through service {shared[0][1]} of {shared[0][0]}"
        if built is not None and (built == dockerfile if dockerfile else "/" not in built):
            return f"{name} builds this image as a dev container"
    return None


def _devcontainer_dockerfile(name: str, text: str) -> str | None:
    """The Dockerfile a devcontainer.json builds, relative to the build context; None if none."""
    data = _devcontainer_data(text)
    if data is None:
        return None
    build = data.get("build")
    if not isinstance(build, dict):
        build = {}
    dockerfile = build.get("dockerfile") or build.get("dockerFile") or data.get("dockerFile") or data.get("dockerfile")
    if not isinstance(dockerfile, str):
        return None
    return posixpath.normpath(posixpath.join(posixpath.dirname(name), dockerfile))


def _devcontainer_data(text: str) -> dict[str, Any] | None:
    # devcontainer.json is JSON with comments: drop // and /* */ comments outside strings.
    cleaned = re.sub(r'("(?:\\.|[^"\\])*")|//[^\n]*|/\*.*?\*/', lambda m: m.group(1) or "", text, flags=re.DOTALL)
    cleaned = re.sub(r",(\s*[}\]])", r"\1", cleaned)
    try:
        data = json.loads(cleaned)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _devcontainer_services(name: str, text: str) -> set[tuple[str, str]]:
    """(compose file relative to the context, service) pairs a devcontainer.json runs in."""
    data = _devcontainer_data(text)
    service = data.get("service") if data else None
    if not data or not isinstance(service, str):
        return set()
    files = data.get("dockerComposeFile")
    files = [files] if isinstance(files, str) else files if isinstance(files, list) else []
    here = posixpath.dirname(name)
    return {(posixpath.normpath(posixpath.join(here, f)), service) for f in files if isinstance(f, str)}
