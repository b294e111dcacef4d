"""Benchmark: what the migrated image of each e2e project costs at start and at rebuild.

Two figures per project, original against migrated, measured in one run on the
Docker engine the e2e suite uses (`../shared/docker-sandbox`):

1. Import time of the app in a fresh container: `docker run` of the image, in which
   Python times (CPU time of the process, which the machine's load barely moves)
   `import <the app's module>` (uvicorn's `app.main:app` -> `app.main`,
   `python -m nightly` -> `nightly`, a console script -> its module), as the image
   runs it (`poetry run python` when the original's command went through Poetry;
   Poetry's own start is not counted). Every sample is a new container, so nothing
   the first import compiled is left for the next. Target: migrated <= 0.7 x original.
   The figure depends on whether the build compiled bytecode (`poetry install
   --compile`); `--compile-variant` adds a third image, the migrated Dockerfile with
   `--compile` on its installs, to show what that changes on a checkout without it.
   The mean leaves out, and names, two kinds of project whose ratio says nothing about
   the migration: an app that imports under 10 ms (only the standard library, compiled
   in the base image already), and an original whose installer already compiled its
   packages (pip does; the `.pyc` column is the share of installed modules the app imports
   that have bytecode in the image).
2. Rebuild time after a source-only edit (a comment appended to the file e2e.toml
   names), and which steps ran again.

    python bench/startup.py                          # every e2e project
    python bench/startup.py --cases e2e-fastapi --samples 7 --compile-variant

Prints a table and writes bench/out/startup.json. Not a test: nothing here asserts;
compare the ratio with the target by eye or from the JSON. Images are tagged
`<--tag-prefix>-<case>-<side>` and removed at the end (`--keep-images` keeps them).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import tomllib
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from migrator.model import parse  # noqa: E402
from migrator.verify import VerifyOptions, docker_build, rebuilt_steps  # noqa: E402

OUT = REPO / "bench" / "out"
CORPUS = REPO / "corpus"
TARGET = 0.7
# An app whose import costs the original less than this imports next to nothing but the
# standard library (already compiled in the base image): its ratio is timer noise, so it
# is shown and left out of the mean rather than counted for or against the target.
NOISE_FLOOR_SECONDS = 0.010
PRECOMPILED_SHARE = 0.5
NETWORK = "host"  # the PyPI mirror listens on 127.0.0.1
NOT_COPIED = ("expected.Dockerfile", "e2e.toml", "__pycache__", ".pytest_cache")
# CPU time, not wall time: on a shared machine the wall clock mostly measures the neighbours.
TIMER = "import sys, time; t = time.process_time(); import {module}; print('IMPORT', time.process_time() - t)"
SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "flask", "celery", "daphne", "granian"})
# How much of the installed packages' source already has bytecode in the image: pip compiles
# as it installs, Poetry's installer does not unless told to (`--compile`).
# Of the installed modules importing the app loads, how many have bytecode in the image:
# pip compiles as it installs, Poetry's installer does not unless told to (`--compile`).
# `-B` keeps this import from writing the bytecode it is looking for. Debian's pip installs
# into dist-packages, which the stand-in python images use.
COMPILED = (
    "import importlib.util, os, sys; import {module}; "
    "files = [m.__file__ for m in list(sys.modules.values()) if (getattr(m, '__file__', None) or '').endswith('.py') "
    "and any(os.sep + d + os.sep in m.__file__ for d in ('site-packages', 'dist-packages'))]; "
    "print('COMPILED', len(files), sum(os.path.exists(importlib.util.cache_from_source(f)) for f in files))"
)
APP_RE = re.compile(r"^([A-Za-z_][\w.]*):[A-Za-z_]\w*")


@dataclass
class Side:
    tag: str
    build_seconds: float | None = None
    build_ok: bool = False
    import_seconds: list[float] = field(default_factory=list)
    import_problem: str | None = None
    rebuild_seconds: float | None = None
    rebuilt: list[str] = field(default_factory=list)
    # Share of the installed modules the app imports that have bytecode in the image (None: not measured).
    compiled_share: float | None = None

    @property
    def import_median(self) -> float | None:
        return statistics.median(self.import_seconds) if self.import_seconds else None


@dataclass
class CaseFigures:
    case: str
    module: str | None
    sides: dict[str, Side] = field(default_factory=dict)
    problem: str | None = None


def command_of(dockerfile_text: str) -> list[str]:
    """The final stage's ENTRYPOINT + CMD as words (exec or shell form)."""
    doc = parse(dockerfile_text)
    stage = doc.stages[-1]
    words: list[str] = []
    for keyword in ("ENTRYPOINT", "CMD"):
        instruction = stage.last(keyword)
        if instruction is not None:
            words += instruction.json_args if instruction.json_args is not None else shlex.split(instruction.arguments)
    return words


def app_module(words: list[str], context: Path) -> str | None:
    """The module the app's command imports first, or None when it cannot be told."""
    if words[:2] == ["poetry", "run"]:
        words = words[2:]
    if not words:
        return None
    program = words[0].rsplit("/", 1)[-1]
    if re.fullmatch(r"python[0-9.]*", program):
        if len(words) < 3 or words[1] != "-m":
            return None  # a script: importing it would run it
        if words[2] not in SERVERS:
            return words[2]
        words = words[2:]
    for flag, value in zip(words, words[1:], strict=False):
        if flag in ("--app", "-A"):
            return value.split(":", 1)[0]
    for word in words[1:]:
        match = APP_RE.match(word)
        if match:
            return match.group(1)
    pyproject = tomllib.loads((context / "pyproject.toml").read_text(encoding="utf-8"))
    scripts = dict((pyproject.get("project", {}) or {}).get("scripts", {}) or {})
    scripts.update(((pyproject.get("tool", {}) or {}).get("poetry", {}) or {}).get("scripts", {}) or {})
    target = scripts.get(program)
    if isinstance(target, str) and ":" in target:
        return target.split(":", 1)[0]
    return None


def docker(*args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)


def time_import(tag: str, module: str, through_poetry: bool) -> tuple[float | None, str | None]:
    python = "poetry run python" if through_poetry else "python"
    script = f"{python} -c {shlex.quote(TIMER.format(module=module))}"
    done = docker("run", "--rm", "--network", NETWORK, "--entrypoint", "sh", tag, "-c", script)
    found = re.search(r"^IMPORT (\S+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not found:
        return None, (done.stderr or done.stdout).strip()[-500:]
    return float(found.group(1)), None


def compiled_share(tag: str, module: str, through_poetry: bool) -> float | None:
    python = "poetry run python -B" if through_poetry else "python -B"
    done = docker(
        "run",
        "--rm",
        "--network",
        NETWORK,
        "--entrypoint",
        "sh",
        tag,
        "-c",
        f"{python} -c {shlex.quote(COMPILED.format(module=module))}",
    )
    found = re.search(r"^COMPILED (\d+) (\d+)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or not found or not int(found.group(1)):
        return None
    return int(found.group(2)) / int(found.group(1))


def with_compile(text: str) -> str:
    """The Dockerfile with `--compile` on each `poetry install` that lacks it."""
    return re.sub(r"\bpoetry\s+install\b(?![^\n]*--compile)", "poetry install --compile", text)


def measure_case(case_dir: Path, scratch: Path, prefix: str, samples: int, compile_variant: bool) -> CaseFigures:
    spec = tomllib.loads((case_dir / "e2e.toml").read_text(encoding="utf-8"))
    original_text = (case_dir / "Dockerfile").read_text(encoding="utf-8")
    words = command_of(original_text)
    figures = CaseFigures(case_dir.name, app_module(words, case_dir))
    contexts = {}
    for side in ("original", "migrated") + (("migrated+compile",) if compile_variant else ()):
        context = scratch / case_dir.name / side.replace("+", "-")
        shutil.copytree(case_dir, context, ignore=shutil.ignore_patterns(*NOT_COPIED))
        contexts[side] = context
    for side in [s for s in contexts if s != "original"]:
        done = subprocess.run(
            [sys.executable, "-m", "migrator", "--write", "-q", str(contexts[side] / "Dockerfile")],
            capture_output=True,
            text=True,
            cwd=REPO,
        )
        if done.returncode not in (0, 1):
            figures.problem = f"migrate failed: {done.stderr.strip()[-300:]}"
            return figures
        if side == "migrated+compile":
            path = contexts[side] / "Dockerfile"
            path.write_text(with_compile(path.read_text(encoding="utf-8")), encoding="utf-8")
    options = VerifyOptions(network=NETWORK)
    for side, context in contexts.items():
        record = figures.sides[side] = Side(tag=f"{prefix}-{case_dir.name}-{side.replace('+', '-')}:bench")
        build = docker_build(["docker", "build"], context, context / "Dockerfile", record.tag, options)
        record.build_ok, record.build_seconds = build.ok, build.seconds
        if not build.ok:
            record.import_problem = build.failure[-500:]
            continue
        with (context / spec["source_edit"]).open("a", encoding="utf-8") as handle:
            handle.write(f"\n# bench: a source-only edit ({uuid.uuid4().hex})\n")
        rebuild = docker_build(["docker", "build"], context, context / "Dockerfile", record.tag, options)
        record.rebuild_seconds = rebuild.seconds if rebuild.ok else None
        record.rebuilt = list(rebuilt_steps(list(rebuild.steps)))
    if figures.module is None:
        for record in figures.sides.values():
            record.import_problem = "cannot tell which module the app imports from its command"
        return figures
    for side, record in figures.sides.items():
        if record.build_ok:
            through_poetry = words[:2] == ["poetry", "run"] and side == "original"
            record.compiled_share = compiled_share(record.tag, figures.module, through_poetry)
    # Round-robin over the images, so that a change in the machine's load (it is shared)
    # falls on every side alike rather than on whichever was measured last.
    for _ in range(samples):
        for side, record in figures.sides.items():
            if not record.build_ok or record.import_problem:
                continue
            through_poetry = words[:2] == ["poetry", "run"] and side == "original"
            seconds, problem = time_import(record.tag, figures.module, through_poetry)
            if seconds is None:
                record.import_problem = problem
            else:
                record.import_seconds.append(seconds)
    return figures


def ratio(figures: CaseFigures, side: str) -> float | None:
    original = figures.sides.get("original")
    other = figures.sides.get(side)
    if not original or not other or not original.import_median or other.import_median is None:
        return None
    return other.import_median / original.import_median


def report(all_figures: list[CaseFigures]) -> list[str]:
    header = f"{'case':<26} {'side':<17} {'import (median)':>15} {'x original':>10} {'.pyc':>5} {'rebuild':>8}"
    lines = [header + "  re-ran after a source edit"]
    for figures in all_figures:
        if figures.problem:
            lines.append(f"{figures.case:<26} {figures.problem}")
            continue
        for side, record in figures.sides.items():
            imported = f"{record.import_median:.3f}s" if record.import_median is not None else "-"
            share = ratio(figures, side) if side != "original" else None
            rebuild = f"{record.rebuild_seconds:.1f}s" if record.rebuild_seconds is not None else "-"
            rebuilt = " | ".join(s[:60] for s in record.rebuilt) or "nothing"
            lines.append(
                f"{figures.case:<26} {side:<17} {imported:>15} {(f'{share:.2f}' if share else '-'):>10} "
                f"{(f'{record.compiled_share:.0%}' if record.compiled_share is not None else '-'):>5} {rebuild:>8}  "
                f"{rebuilt if record.build_ok else 'build FAILED'}"
            )
            if record.import_problem and record.build_ok:
                lines.append(f"{'':<26} {'':<17} import: {record.import_problem.splitlines()[-1][:100]}")
    weighty = [f for f in all_figures if (original_import(f) or 0) >= NOISE_FLOOR_SECONDS]
    light = [f.case for f in all_figures if f not in weighty and original_import(f) is not None]
    # The target is about bytecode the original's installer left uncompiled: an original
    # installed by pip is compiled already, and the best the migration can do there is a tie.
    precompiled = [f for f in weighty if (original_compiled(f) or 0) >= PRECOMPILED_SHARE]
    weighty = [f for f in weighty if f not in precompiled]
    for side in ("migrated", "migrated+compile"):
        shares = {f.case: r for f in weighty if (r := ratio(f, side))}
        if shares:
            mean = statistics.geometric_mean(shares.values())
            worst = max(shares, key=lambda case: shares[case])
            verdict = "meets" if mean <= TARGET else "misses"
            lines.append(
                f"{side}: import time {mean:.2f} x the original's (geometric mean of {len(shares)}), {verdict} "
                f"the {TARGET} target; highest {shares[worst]:.2f} ({worst})"
            )
    for figures in precompiled:
        share = ratio(figures, "migrated")
        lines.append(
            f"not counted: {figures.case}'s original already has bytecode for "
            f"{original_compiled(figures):.0%} of the installed modules it imports (pip compiles), migrated "
            f"{f'{share:.2f}' if share else '-'} x its import time"
        )
    if light:
        lines.append(
            f"left out of the mean (the original imports in under {NOISE_FLOOR_SECONDS * 1000:.0f} ms, "
            f"so the ratio is noise): {', '.join(light)}"
        )
    return lines


def original_compiled(figures: CaseFigures) -> float | None:
    original = figures.sides.get("original")
    return original.compiled_share if original else None


def original_import(figures: CaseFigures) -> float | None:
    original = figures.sides.get("original")
    return original.import_median if original else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", help="comma-separated e2e case names (default: every corpus/e2e-* case)")
    parser.add_argument("--samples", type=int, default=5, help="fresh containers per image (the median is shown)")
    parser.add_argument("--compile-variant", action="store_true", help="also the migrated file with --compile")
    parser.add_argument("--tag-prefix", default="migrator-bench")
    parser.add_argument("--keep-images", action="store_true")
    args = parser.parse_args(argv)
    wanted = set(args.cases.split(",")) if args.cases else None
    cases = [p.parent for p in sorted(CORPUS.glob("e2e-*/e2e.toml")) if wanted is None or p.parent.name in wanted]
    results = []
    with tempfile.TemporaryDirectory(prefix="migrator-bench-") as scratch:
        try:
            for case in cases:
                results.append(measure_case(case, Path(scratch), args.tag_prefix, args.samples, args.compile_variant))
                print(f"measured {case.name}", file=sys.stderr)
        finally:
            if not args.keep_images:
                tags = [s.tag for f in results for s in f.sides.values()]
                if tags:
                    docker("image", "rm", "-f", *tags)
    lines = report(results)
    lines.append(f"load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} ({os.cpu_count()} cores)")
    print("\n".join(lines))
    OUT.mkdir(exist_ok=True)
    (OUT / "startup.json").write_text(
        json.dumps({"target": TARGET, "cases": [asdict(f) for f in results], "summary": lines}, indent=2) + "\n",
        encoding="utf-8",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
