"""Where migrate's time goes: start-up imports for one file, per-file work for many.

    python bench/breakdown.py [--repos 200] [--import-runs 7]

1. Start-up: `python -X importtime <migrate> --check one/Dockerfile`, several runs,
   keeping each module's fastest (least disturbed) figure; compared with a bare
   `python -S -c pass`, `python -c pass` (site-packages and .pth files) and
   `import migrator.console`.
2. Per file: the pipeline in-process under cProfile over a generated tree, with the
   time split into reading the build context, parsing, and each transform.

Prints tables; nothing is asserted. Run it when bench/run.py misses a target.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import re
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_SEED
from run import Timed, environment, find_tool, measure, tree_for, venv_migrate

IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)")


ENV = environment("cached")  # as bench/run.py measures: bytecode cached, as after pip install


def import_times(python: str, command: list[str], runs: int) -> dict[str, tuple[int, int, int]]:
    """module -> (fastest self µs, fastest cumulative µs, nesting depth)."""
    fastest: dict[str, tuple[int, int, int]] = {}
    for _ in range(runs):
        done = subprocess.run([python, "-X", "importtime", *command], capture_output=True, text=True, env=ENV)
        for line in done.stderr.splitlines():
            match = IMPORT_LINE.match(line)
            if not match:
                continue
            own, cumulative, indent, module = int(match[1]), int(match[2]), len(match[3]), match[4]
            seen = fastest.get(module)
            depth = indent // 2
            fastest[module] = (
                (own, cumulative, depth) if seen is None else (min(seen[0], own), min(seen[1], cumulative), depth)
            )
    return fastest


def family(module: str) -> str:
    top = module.split(".")[0]
    if top == "migrator" or top.startswith("__editable___migrator"):
        return "migrator" if top == "migrator" else "editable-install finder (.pth)"
    if top in {"click", "rich", "tomlkit", "markdown_it", "pygments"}:
        return top
    if top in {"certifi", "_distutils_hack"}:
        return f"{top} (.pth in site-packages)"
    return "stdlib"


def startup(one: Path, runs: int, install: str) -> None:
    migrate = venv_migrate()[0] if install == "venv" else find_tool("migrate")
    beside = Path(migrate).parent / "python"
    python = str(beside) if beside.exists() else sys.executable
    print(f"migrate: {migrate}")
    pipeline_only = (
        "import sys; from pathlib import Path; import migrator.transforms; "
        "from migrator.migrate_file import migrate_path; from migrator.transform import Settings; "
        "sys.exit(migrate_path(Path(sys.argv[1]), Settings()).changed)"
    )
    # A ladder: each rung adds one layer, so the differences say what each layer costs.
    ladder = {
        "python -S -c pass (no site)": [python, "-S", "-c", "pass"],
        "python -c pass": [python, "-c", "pass"],
        "python -c 'import dataclasses'": [python, "-c", "import dataclasses"],
        "python -c 'import click'": [python, "-c", "import click"],
        "python -c 'import migrator.pipeline'": [python, "-c", "import migrator.pipeline"],
        "pipeline on the file, no CLI": [python, "-c", pipeline_only, str(one)],
        "python -c 'import migrator.console'": [python, "-c", "import migrator.console"],
        "migrate --check one/Dockerfile": [migrate, "--check", str(one)],
        "hadolint one/Dockerfile": [find_tool("hadolint"), "--no-fail", str(one)],
    }
    timed = measure(runs, **{f"rung{i}": Timed(c, ok=(0, 1), env=ENV) for i, c in enumerate(ladder.values())})
    print(f"start-up, best of {runs} runs taken in turns (ms)")
    print(f"  {'':<40}{'wall':>8}{'CPU':>8}")
    for i, label in enumerate(ladder):
        figure = timed[f"rung{i}"]
        print(f"  {label:<40}{figure['best'] * 1000:8.1f}{figure['cpu_best'] * 1000:8.1f}")
    fastest = import_times(python, [migrate, "--check", str(one)], runs)
    by_family: dict[str, int] = defaultdict(int)
    for module, (own, _, _) in fastest.items():
        by_family[family(module)] += own
    print(f"\nimport time by origin (sum of each module's own time, fastest of {runs} runs, ms)")
    for name, micro in sorted(by_family.items(), key=lambda item: -item[1]):
        print(f"  {name:<36}{micro / 1000:8.1f}")
    print("\nslowest imports (own time; cumulative includes what they import, ms)")
    for module, (own, cumulative, _) in sorted(fastest.items(), key=lambda item: -item[1][0])[:20]:
        print(f"  {module:<48}{own / 1000:7.1f} {cumulative / 1000:9.1f}")


def per_file(dockerfiles: list[Path]) -> None:
    from migrator.launchers import read_launchers
    from migrator.migrate_file import migrate_path
    from migrator.model import parse
    from migrator.project import read_context
    from migrator.python_imports import read_imports
    from migrator.run_files import read_run_files
    from migrator.transform import Settings
    from migrator.transforms import PIPELINE

    settings = Settings()
    for path in dockerfiles[:20]:  # warm the file cache and lazy imports out of the profile
        migrate_path(path, settings)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    for path in dockerfiles:
        migrate_path(path, settings)
    profiler.disable()
    wall = time.perf_counter() - start
    stats = pstats.Stats(profiler)
    print(
        f"\nper file, in-process under cProfile over {len(dockerfiles)} files: {wall / len(dockerfiles) * 1000:.2f} ms each "
        "(the profiler itself roughly doubles this)"
    )

    def cumulative(function) -> float:
        code = function.__code__
        for (filename, line, name), row in stats.stats.items():
            if filename == code.co_filename and line == code.co_firstlineno and name == code.co_name:
                return row[3]
        return 0.0

    rows = [
        ("read_context (walk the build context)", cumulative(read_context)),
        # Read when a transform first asks (migrator.project.Deferred), so inside the transforms' rows too.
        ("  later: compose files, scripts", cumulative(read_launchers)),
        ("  later: run files", cumulative(read_run_files)),
        ("  later: the project's imports", cumulative(read_imports)),
        ("parse (every call)", cumulative(parse)),
    ]
    rows += [(f"{t.code} {t.name}", cumulative(t.apply)) for t in PIPELINE]
    print("  cumulative time per file (ms; parse also runs inside the pipeline after each transform)")
    for label, seconds in rows:
        print(f"    {label:<40}{seconds / len(dockerfiles) * 1000:8.3f}")
    print("\n  top functions by own time")
    stats.sort_stats("tottime").print_stats(15)

    # Without the profiler: the figure a --jobs worker actually pays per file.
    plain = []
    for path in dockerfiles:
        start = time.perf_counter()
        migrate_path(path, settings)
        plain.append(time.perf_counter() - start)
    print(
        f"  without the profiler: median {statistics.median(plain) * 1000:.2f} ms, "
        f"mean {statistics.fmean(plain) * 1000:.2f} ms, max {max(plain) * 1000:.1f} ms per file"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--import-runs", type=int, default=7)
    parser.add_argument("--install", choices=("venv", "current"), default="venv", help="as in bench/run.py")
    parser.add_argument(
        "--profile-files", type=int, default=300, help="files profiled in-process (default %(default)s)"
    )
    args = parser.parse_args(argv)
    _, dockerfiles = tree_for(args.repos, args.seed)
    startup(dockerfiles[0], args.import_runs, args.install)
    per_file(dockerfiles[: args.profile_files])
    return 0


if __name__ == "__main__":
    sys.exit(main())
