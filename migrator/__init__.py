"""migrator: turn naive single-stage Poetry Dockerfiles into multi-stage, cached, non-root ones."""

__version__ = "0.1.0"
