"""Benchmark: `migrate --check` against hadolint on the same Dockerfiles.

Two questions a platform team asks before running the tool over its fleet:

1. A bulk run: `migrate --check --jobs J <tree>` over N generated repositories,
   against hadolint linting the same N Dockerfiles the way a user would (hadolint
   has no recursive mode: `xargs -0 hadolint` over the file list, so as few
   invocations as the command-line limit allows). Target: migrate <= 0.5 x hadolint.
2. One file, as a pre-commit hook runs it: `migrate --check one/Dockerfile` against
   `hadolint one/Dockerfile`. Target: migrate <= 3 x hadolint.

Each figure is the best of a few rounds after one untimed warm-up run, because the
machine is shared and the best run is the one least disturbed by others.

Which `migrate` is timed matters for a short run. `--install venv` (the default)
installs this checkout, not editable, into a fresh virtualenv under bench/out/venv:
what pipx or a pre-commit hook environment gives a user. `--install current` times
the console script of the running Python instead (here an editable install, whose
finder and any .pth files in site-packages run at every start). Either way the
bytecode cache is kept (`--bytecode cached`, as after pip install) unless
`--bytecode inherit` passes PYTHONDONTWRITEBYTECODE through.

    python bench/run.py --repos 1000 --jobs 2

Prints a table and writes bench/out/results.json. Not a test: nothing here asserts
times; compare the figures with the targets by eye or from the JSON.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_SEED, generate

OUT = Path(__file__).resolve().parent / "out"
TREE_TARGET = 0.5  # migrate's bulk time as a share of hadolint's
ONE_FILE_TARGET = 3.0
PER_FILE_SAMPLE = 50


def find_tool(name: str) -> str:
    """The tool's real executable: a pyenv shim in front of it would add its own start-up to every run."""
    beside_python = Path(sys.executable).parent / name
    if beside_python.is_file() and os.access(beside_python, os.X_OK):
        return str(beside_python)
    found = shutil.which(name)
    if not found:
        raise SystemExit(f"bench/run.py: {name} is not on PATH; install the test extras (pip install -e '.[test]')")
    return found


def venv_migrate() -> list[str]:
    """`migrate` from a fresh non-editable install of this checkout (dependencies kept between runs)."""
    venv = OUT / "venv"
    python = venv / "bin" / "python"
    root = Path(__file__).resolve().parents[1]
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", str(root)], check=True)
    else:
        subprocess.run(
            [str(python), "-m", "pip", "install", "-q", "--no-deps", "--force-reinstall", str(root)], check=True
        )
    return [str(venv / "bin" / "migrate")]


def tree_for(repos: int, seed: int) -> tuple[Path, list[Path]]:
    """The generated tree for these arguments, made once and reused while the generator is unchanged."""
    root = OUT / f"tree-{repos}-seed{seed}"
    stamp = root / ".generated"
    generator = Path(__file__).resolve().parent / "generate.py"
    wanted = f"{repos} {seed} {generator.stat().st_mtime_ns}"
    if not (stamp.is_file() and stamp.read_text() == wanted):
        generate(root, repos, seed)
        stamp.write_text(wanted)
    dockerfiles = sorted(p for p in root.glob("*/Dockerfile"))
    return root, dockerfiles


def environment(bytecode: str) -> dict[str, str]:
    env = dict(os.environ)
    if bytecode == "cached":
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(OUT / "pycache")
    return env


def cpu_of_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_once(
    command: list[str], stdin: bytes | None = None, env: dict[str, str] | None = None
) -> tuple[float, float, int, bytes]:
    """Wall time and CPU time (user + system, the process and everything it waited for)."""
    cpu = cpu_of_children()
    start = time.perf_counter()
    done = subprocess.run(command, input=stdin, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    return time.perf_counter() - start, cpu_of_children() - cpu, done.returncode, done.stderr


@dataclass(frozen=True)
class Timed:
    command: list[str]
    stdin: bytes | None = None
    ok: tuple[int, ...] = (0,)
    env: dict[str, str] | None = None


def measure(rounds: int, **timed: Timed) -> dict[str, dict]:
    """Time the commands in turns (a, b, a, b...), so that a burst of load elsewhere hits them alike."""
    for spec in timed.values():
        run_once(spec.command, spec.stdin, spec.env)  # warm-up: page cache, bytecode cache
    times = {name: [] for name in timed}
    cpu_times = {name: [] for name in timed}
    codes = {name: set() for name in timed}
    last_stderr = dict.fromkeys(timed, b"")
    for _ in range(rounds):
        for name, spec in timed.items():
            seconds, cpu, code, last_stderr[name] = run_once(spec.command, spec.stdin, spec.env)
            times[name].append(seconds)
            cpu_times[name].append(cpu)
            codes[name].add(code)
    results = {}
    for name, spec in timed.items():
        bad = sorted(c for c in codes[name] if c not in spec.ok)
        lines = last_stderr[name].decode(errors="replace").strip().splitlines() or ["no output"]
        results[name] = {
            "command": shlex.join(spec.command),
            "best": min(times[name]),
            "median": statistics.median(times[name]),
            "rounds": [round(t, 4) for t in times[name]],
            # CPU time barely depends on what else the machine runs: a cross-check of the wall times
            "cpu_best": min(cpu_times[name]),
            "exit_codes": sorted(codes[name]),
            "problem": lines[-1] if bad else None,
        }
    return results


def hadolint_per_file(hadolint: str, files: list[Path], total: int) -> dict:
    """One hadolint process per file, timed on a sample and scaled to all files."""
    sample = files[:PER_FILE_SAMPLE]
    spent = 0.0
    cpu_spent = 0.0
    for path in sample:
        seconds, cpu, _, _ = run_once([hadolint, "--no-fail", str(path)])
        spent += seconds
        cpu_spent += cpu
    return {
        "command": f"for f in <{len(sample)} files>; do hadolint --no-fail $f; done  (scaled to {total})",
        "sample": len(sample),
        "best": spent / len(sample) * total,
        "cpu_best": cpu_spent / len(sample) * total,
        "per_file": spent / len(sample),
    }


def version_of(command: list[str]) -> str:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    return (done.stdout or done.stderr).strip().splitlines()[0] if (done.stdout or done.stderr).strip() else "unknown"


def git_commit() -> str | None:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=Path(__file__).parent
    )
    return done.stdout.strip() or None


def ratio(a: float, b: float) -> float:
    return a / b if b else math.inf


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000, help="repositories in the tree (default %(default)s)")
    parser.add_argument("--jobs", type=int, default=2, help="migrate --jobs (default %(default)s)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds of the bulk run (default %(default)s)")
    parser.add_argument("--latency-runs", type=int, default=20, help="timed runs on one file (default %(default)s)")
    parser.add_argument("--migrate", default=None, help="the migrate command (default: the installed console script)")
    parser.add_argument("--no-per-file", action="store_true", help="skip the one-hadolint-per-file estimate")
    parser.add_argument(
        "--install",
        choices=("venv", "current"),
        default="venv",
        help="venv: a fresh non-editable install (default); current: this Python's console script",
    )
    parser.add_argument(
        "--bytecode",
        choices=("cached", "inherit"),
        default="cached",
        help="cached: as after pip install (default); inherit: the environment's PYTHONDONTWRITEBYTECODE",
    )
    args = parser.parse_args(argv)
    env = environment(args.bytecode)

    OUT.mkdir(parents=True, exist_ok=True)
    if args.migrate:
        migrate = shlex.split(args.migrate)
    else:
        migrate = venv_migrate() if args.install == "venv" else [find_tool("migrate")]
    hadolint = find_tool("hadolint")
    tree, dockerfiles = tree_for(args.repos, args.seed)
    file_list = b"\0".join(str(p).encode() for p in dockerfiles) + b"\0"
    n = len(dockerfiles)
    print(f"{args.repos} repositories, {n} Dockerfiles in {tree}", file=sys.stderr)

    # --check exits 1 when something would change: that is the expected outcome here.
    half = math.ceil(n / max(args.jobs, 1))
    bulk = measure(
        args.rounds,
        migrate=Timed([*migrate, "--check", "--jobs", str(args.jobs), str(tree)], ok=(0, 1), env=env),
        hadolint=Timed(["xargs", "-0", hadolint, "--no-fail"], stdin=file_list),
        hadolint_parallel=Timed(
            ["xargs", "-0", "-P", str(args.jobs), "-n", str(half), hadolint, "--no-fail"], stdin=file_list
        ),
    )
    bulk_migrate, bulk_hadolint, bulk_hadolint_parallel = bulk["migrate"], bulk["hadolint"], bulk["hadolint_parallel"]
    per_file = None if args.no_per_file else hadolint_per_file(hadolint, dockerfiles, n)

    one = dockerfiles[0]
    beside = Path(migrate[0]).parent / "python"
    python = str(beside) if beside.exists() else sys.executable  # the interpreter migrate starts
    single = measure(
        args.latency_runs,
        migrate=Timed([*migrate, "--check", str(one)], ok=(0, 1), env=env),
        hadolint=Timed([hadolint, "--no-fail", str(one)]),
        # What any Python tool pays here before its own first import, for reading the figure above.
        python_bare=Timed([python, "-S", "-c", "pass"], env=env),
        python_site=Timed([python, "-c", "pass"], env=env),
    )
    one_migrate, one_hadolint = single["migrate"], single["hadolint"]
    python_bare, python_site = single["python_bare"], single["python_site"]

    tree_ratio = ratio(bulk_migrate["best"], bulk_hadolint["best"])
    one_ratio = ratio(one_migrate["best"], one_hadolint["best"])
    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],  # a shared machine: read the figures with it
        },
        "versions": {"hadolint": version_of([hadolint, "--version"]), "migrate": shlex.join(migrate)},
        "install": "custom" if args.migrate else args.install,
        "bytecode": args.bytecode,
        "repos": args.repos,
        "dockerfiles": n,
        "jobs": args.jobs,
        "tree": {
            "migrate": bulk_migrate,
            "hadolint_xargs": bulk_hadolint,
            "hadolint_xargs_parallel": bulk_hadolint_parallel,
            "hadolint_per_file_estimate": per_file,
            "ratio": tree_ratio,
            "target": TREE_TARGET,
            "met": tree_ratio <= TREE_TARGET,
        },
        "one_file": {
            "file": str(one),
            "migrate": one_migrate,
            "hadolint": one_hadolint,
            "python_start_no_site": python_bare,
            "python_start": python_site,
            "ratio": one_ratio,
            "target": ONE_FILE_TARGET,
            "met": one_ratio <= ONE_FILE_TARGET,
        },
    }
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print_table(results)
    problems = [
        m["problem"]
        for m in (bulk_migrate, bulk_hadolint, bulk_hadolint_parallel, one_migrate, one_hadolint)
        if m["problem"]
    ]
    for problem in problems:
        print(f"bench/run.py: a timed command failed: {problem}", file=sys.stderr)
    return 1 if problems else 0


def print_table(results: dict) -> None:
    tree, one = results["tree"], results["one_file"]
    rows = [
        (f"migrate --check --jobs {results['jobs']} <tree>", tree["migrate"]),
        ("hadolint, xargs batches (baseline)", tree["hadolint_xargs"]),
        (f"hadolint, xargs -P {results['jobs']}", tree["hadolint_xargs_parallel"]),
    ]
    if tree["hadolint_per_file_estimate"]:
        rows.append(("hadolint, one process per file (est.)", tree["hadolint_per_file_estimate"]))
    load = ", ".join(f"{x:.1f}" for x in results["machine"]["load_average_at_end"])
    print(
        f"\n{results['dockerfiles']} Dockerfiles, best of {len(tree['migrate']['rounds'])} rounds "
        f"({results['machine']['cpus']} cores, load average {load})"
    )
    width = max(len(r[0]) for r in rows) + 2
    print(f"  {'':<{width}}{'wall':>8}  {'median':>8}  {'CPU':>8}")
    for label, figure in rows:
        median = f"{figure['median']:8.2f}" if "median" in figure else f"{'':8}"
        print(f"  {label:<{width}}{figure['best']:8.2f}  {median}  {figure['cpu_best']:8.2f}  s")
    verdict = "met" if tree["met"] else "MISSED"
    cpu_ratio = ratio(tree["migrate"]["cpu_best"], tree["hadolint_xargs"]["cpu_best"])
    print(
        f"  {'ratio migrate / hadolint (wall)':<{width}}{tree['ratio']:8.2f}    target <= {tree['target']}: {verdict}"
        f"   (CPU: {cpu_ratio:.2f})"
    )
    print(f"\none file, best of {len(one['migrate']['rounds'])} runs")
    print(f"  {'':<{width}}{'wall':>8}  {'median':>8}  {'CPU':>8}")
    for label, figure in (("migrate --check", one["migrate"]), ("hadolint", one["hadolint"])):
        print(
            f"  {label:<{width}}{figure['best'] * 1000:8.0f}  {figure['median'] * 1000:8.0f}  {figure['cpu_best'] * 1000:8.0f}  ms"
        )
    verdict = "met" if one["met"] else "MISSED"
    cpu_ratio = ratio(one["migrate"]["cpu_best"], one["hadolint"]["cpu_best"])
    print(
        f"  {'ratio migrate / hadolint (wall)':<{width}}{one['ratio']:8.2f}    target <= {one['target']}: {verdict}"
        f"   (CPU: {cpu_ratio:.2f})"
    )
    print(f"  {'for reference: python -S -c pass':<{width}}{one['python_start_no_site']['best'] * 1000:8.0f} ms")
    print(
        f"  {'for reference: python -c pass':<{width}}{one['python_start']['best'] * 1000:8.0f} ms  (site-packages .pth files)"
    )
    print(
        f"  migrate: {results['versions']['migrate']} (install: {results['install']}, bytecode: {results['bytecode']})"
    )
    print(f"\nwritten to {OUT / 'results.json'}")


if __name__ == "__main__":
    sys.exit(main())
