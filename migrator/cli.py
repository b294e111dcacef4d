"""The `migrate` command: find Dockerfiles, migrate them, show or write the result.

Exit codes follow black, so that CI and bulk runners can rely on them:
0 nothing to change (or everything written), 1 changes found (--diff, --check) or
stdout closed early (`| head`), 2 usage error, 123 some file failed, 130 interrupted.
Diffs and JSON go to stdout; per-file messages and the summary go to stderr.

The command line itself is declared with click in migrator.options, whose command
runs execute(); migrator.console (the console script) reads the plain invocations a
hook repeats without click and runs them here too. This module imports neither.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from migrator.config import ConfigError, ConfigFinder, Overrides, check_version, parse_user, split_codes
from migrator.record import dataclass, replace
from migrator.report import STDIN_NAME

if TYPE_CHECKING:  # the modules are imported where they are used, to keep a plain run's start-up short
    from types import ModuleType

    from migrator.pipeline import FileResult
    from migrator.report import FileReport, ProgressBar
    from migrator.transform import Settings
    from migrator.verify import VerifyOptions

    Verifier = tuple[ModuleType, VerifyOptions]  # migrator.verify and the options to verify with

EXIT_OK = 0
EXIT_CHANGES = 1
EXIT_USAGE = 2
EXIT_FAILED = 123
EXIT_INTERRUPTED = 130
MANY_FILES = 10  # from here on a progress bar and a summary table are worth their noise
# Below this, starting worker processes costs more than it saves: 12 files took 0.22 s serially
# and 0.40 s with --jobs 2; 300 files 1.75 s and 1.44 s (2 loaded cores).
PARALLEL_FROM = 50


@dataclass(frozen=True)
class Job:
    """One Dockerfile to migrate, with the settings that apply to its folder."""

    path: Path
    settings: Settings | None  # None when they cannot be read: config_error says why
    context: Path | None
    config_error: str | None = None


@dataclass(frozen=True)
class Run:
    mode: str  # "diff" | "write" | "check"
    output_format: str
    verbosity: int  # -1 quiet, 0 normal, 1 verbose
    colour: bool

    @property
    def writing(self) -> bool:
        return self.mode == "write"


def run_job(job: Job) -> FileResult:
    """Migrate one file; runs in a worker process with --jobs, so it is a top-level function."""
    from migrator.migrate_file import migrate_path
    from migrator.pipeline import FileResult, Status

    if job.config_error or job.settings is None:
        return FileResult(str(job.path), Status.FAILED, error=job.config_error or "settings cannot be read")
    return migrate_path(job.path, job.settings, job.context)


def _ignore_interrupts() -> None:
    # Ctrl-C reaches the whole process group; only the parent decides what to do with it.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


class UsageError(Exception):
    """A command line that cannot run: one line for the user, raised before any file is read or written."""


class StdoutClosed(Exception):
    """Whoever read stdout went away (`migrate --diff . | head`)."""


@dataclass(frozen=True)
class Options:
    """The command line, read: the click command's parameters by name, with its defaults."""

    paths: tuple[str, ...] = ()
    show_diff: bool = False
    write: bool = False
    check: bool = False
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    list_transforms: bool = False
    explain: str | None = None
    quiet: bool = False
    verbose: bool = False
    context: Path | None = None
    user: str | None = None
    poetry_version: str | None = None
    syntax_directive: bool | None = None
    uv: bool | None = None
    jobs: int | None = None
    output_format: str = "text"
    report_file: Path | None = None
    verify: bool = False
    smoke: str | None = None
    build_args: tuple[str, ...] = ()
    network: str | None = None
    platform: str | None = None
    docker: str | None = None
    baseline: Path | None = None
    run_seconds: float = 10.0
    env: tuple[str, ...] = ()
    env_files: tuple[str, ...] = ()
    probe_http: str | None = None
    build_jobs: int = 1
    no_rebuild: bool = False


def execute(options: Options) -> int:
    """Run the command line; the exit code. Raises UsageError before anything runs."""
    try:
        return _execute(options)
    except StdoutClosed:
        # Stop quietly, as a pipeline expects. No file write is cut in half: a --write
        # run prints only its JSON report, after the last file (or, for -, the text itself).
        _drop_stdout()
        return EXIT_CHANGES


def _execute(options: Options) -> int:
    if options.list_transforms:
        from migrator.report import print_transforms_table
        from migrator.transforms import PIPELINE

        _to_stdout(print_transforms_table, PIPELINE, sys.stdout)
        return EXIT_OK
    if options.explain:
        return _explain(options.explain)
    paths = options.paths
    if not paths:
        raise UsageError("no PATH given: name Dockerfiles or folders, or - to read stdin")
    if options.write and (options.check or options.show_diff):
        raise UsageError("--write cannot be combined with --check or --diff")
    if options.quiet and options.verbose:
        raise UsageError("-q and -v cannot be combined")
    if not options.verify and (
        options.smoke or options.build_args or options.network or options.platform or options.docker
    ):
        raise UsageError("--smoke, --build-arg, --network, --platform and --docker need --verify")
    if not options.verify and (
        options.baseline
        or options.env
        or options.env_files
        or options.probe_http
        or options.run_seconds != Options.run_seconds
        or options.build_jobs != Options.build_jobs
        or options.no_rebuild
    ):
        raise UsageError(
            "--baseline, --env, --env-file, --probe-http, --run-seconds, --build-jobs and --no-rebuild need --verify"
        )
    if options.baseline is not None:
        return _run_baseline(options)
    if "-" in paths and len(paths) > 1:
        raise UsageError("- (stdin) cannot be combined with other paths")
    if paths == ("-",) and options.write and options.output_format != "text":
        raise UsageError(
            f"--format {options.output_format} with --write -: stdout carries the migrated file; use --report FILE"
        )
    # --check --diff is black's combination: the diff, and exit 1 when there is one.
    mode = "write" if options.write else "diff" if options.show_diff or not options.check else "check"
    run = Run(
        mode=mode,
        output_format=options.output_format,
        verbosity=-1 if options.quiet else 1 if options.verbose else 0,
        colour=options.output_format == "text" and _is_terminal(sys.stdout) and "NO_COLOR" not in os.environ,
    )
    overrides = _command_line_overrides(options)
    verifier = _verifier(options) if options.verify else None
    try:
        if paths == ("-",):
            return _run_stdin(run, overrides, verifier, options.report_file)
        return _run_paths(run, paths, overrides, options.jobs, verifier, options.report_file)
    except (UsageError, StdoutClosed):
        raise
    except KeyboardInterrupt:  # before any file was written: while searching or reading settings
        _err("interrupted: nothing was written")
        return EXIT_INTERRUPTED
    except Exception as exc:  # a bug at the edge: one line, the traceback only with -v
        if options.verbose:
            import traceback

            _err(traceback.format_exc().rstrip("\n"))
        _err(
            f"migrate: internal error ({type(exc).__name__}: {exc}); run with -v for the traceback and please report it"
        )
        return EXIT_FAILED


# --- options -----------------------------------------------------------------------------


def _command_line_overrides(options: Options) -> Overrides:
    values: dict[str, Any] = {}
    if options.select:
        values["select"] = _known_codes(split_codes(options.select), "--select")
    if options.ignore:
        values["ignore"] = _known_codes(split_codes(options.ignore), "--ignore")
    if options.user:
        try:
            values["user_name"], values["uid"] = parse_user(options.user)
        except ValueError as exc:
            raise UsageError(f"--user: {exc}") from None
    if options.poetry_version:
        try:
            values["poetry_version"] = check_version(options.poetry_version)
        except ValueError as exc:
            raise UsageError(f"--poetry-version: {exc}") from None
    if options.syntax_directive is not None:
        values["syntax_directive"] = options.syntax_directive
    if options.uv is not None:
        values["uv"] = options.uv
    if options.context is not None:
        values["context"] = options.context.resolve()
    return Overrides(**values)


def unknown_codes(keys: frozenset[str]) -> list[str]:
    from migrator.transforms import PIPELINE

    known = {t.code.upper() for t in PIPELINE} | {t.name.lower() for t in PIPELINE}
    return sorted(k for k in keys if k.upper() not in known and k.lower() not in known)


def _known_codes(keys: frozenset[str], option: str) -> frozenset[str]:
    unknown = unknown_codes(keys)
    if unknown:
        raise UsageError(f"{option}: unknown transform {unknown[0]!r}; `migrate --list` shows the codes and names")
    return keys


def _explain(key: str) -> int:
    import inspect

    from migrator.transforms import PIPELINE

    for transform in PIPELINE:
        if key.upper() == transform.code.upper() or key.lower() == transform.name.lower():
            text = f"{transform.code} {transform.name} ({transform.safety.value})\n\n{inspect.cleandoc(transform.doc or transform.reason)}\n"
            _to_stdout(sys.stdout.write, text)
            return EXIT_OK
    raise UsageError(f"--explain: unknown transform {key!r}; `migrate --list` shows the codes and names")


def _verifier(options: Options, check_engine: bool = True) -> Verifier:
    try:
        from migrator import verify as verifying
    except ImportError:
        raise UsageError("--verify is not available in this installation (migrator.verify is missing)") from None
    verify_options = verifying.VerifyOptions(
        docker=options.docker or "docker",
        build_args=tuple(options.build_args),
        network=options.network,
        platform=options.platform,
        smoke=options.smoke,
        env=tuple(options.env),
        env_files=tuple(options.env_files),
        run_seconds=options.run_seconds,
        probe_http=options.probe_http,
        build_jobs=options.build_jobs,
        rebuild=not options.no_rebuild,
    )
    if options.probe_http:
        try:
            verifying.parse_probe_http(options.probe_http)
        except ValueError as exc:
            raise UsageError(f"--probe-http: {exc}") from None
    for item in options.env:
        if "=" not in item or item.startswith("="):
            raise UsageError(f"--env: {item!r} is not KEY=VALUE")
    problem = verifying.docker_problem(verify_options) if check_engine else None
    if problem:
        raise UsageError(f"--verify: {problem}")
    return verifying, verify_options


def _run_baseline(options: Options) -> int:
    """`--verify --baseline OLD PATH`: no transform; OLD and PATH built against one context and compared.

    Exit 0 when they behave the same, 1 when they differ (or the baseline fails where
    PATH works), 123 when a build fails or there is no engine to build with.
    """
    if len(options.paths) != 1 or options.paths[0] == "-" or not Path(options.paths[0]).is_file():
        raise UsageError("--baseline compares one Dockerfile with another: name exactly one file as PATH")
    if options.write or options.uv or options.select or options.ignore or options.user or options.poetry_version:
        raise UsageError(
            "--baseline runs no transform: it cannot be combined with --write, --uv, --select, --ignore, "
            "--user or --poetry-version"
        )
    from migrator.files import WriteError, write_whole
    from migrator.source import decode

    verifying, verify_options = _verifier(options, check_engine=False)
    path = Path(options.paths[0])
    context = options.context or path.parent
    try:
        assert options.baseline is not None, "only --baseline runs come here"
        old, new = decode(options.baseline.read_bytes()), decode(path.read_bytes())
    except (OSError, ValueError) as exc:
        _err(f"{path}: cannot be read: {exc}")
        return EXIT_FAILED
    verification = verifying.verify_pair(str(path), old, new, context, verify_options, baseline=str(options.baseline))
    if not options.quiet:
        from rich.console import Console

        verifying.render([verification], Console(file=sys.stderr))
        _err(f"{path}: {verifying.verdict_line(verification)}")
    if options.output_format == "json" or options.report_file is not None:
        document = verifying.baseline_document(verification)
        if options.report_file is not None:
            try:
                write_whole(options.report_file, document.encode("utf-8"))
            except WriteError as exc:
                _err(f"the report cannot be written: {exc}")
                return EXIT_FAILED
        if options.output_format == "json":
            from migrator.report import write_exact

            _to_stdout(write_exact, document, sys.stdout)
    code: int = verifying.exit_code(verification)
    return code


def _settings_for(overrides: Overrides) -> Settings:
    # The uv version is not set here: migrator.uv_project takes it from the uv that writes the lock.
    from migrator.transform import Settings

    return overrides.settings(Settings())


def _check_uv_extra(overrides: Overrides, settings: list[Settings | None]) -> None:
    """--uv asked for and the uv extra missing: a usage error, before any file is migrated.

    A skip would exit 0, and a bulk runner would take that for success and open nothing.
    """
    if not any(s is not None and s.uv for s in settings):
        return
    from migrator.uv_project import INSTALL_UV_EXTRA, missing_tools

    missing = missing_tools()
    if missing:
        asked = "--uv" if overrides.uv else "uv = true in [tool.migrator]"
        raise UsageError(f"{asked} needs {' and '.join(missing)}, which are not installed: {INSTALL_UV_EXTRA}")


def _jobs_for(files: list[Path], overrides: Overrides) -> list[Job]:
    finder = ConfigFinder()
    jobs = []
    for path in files:
        try:
            merged = overrides.over(finder.for_folder(path.parent))
            for option, keys in (("select", merged.select), ("ignore", merged.ignore)):
                unknown = unknown_codes(keys or frozenset())
                if unknown:
                    raise ConfigError(
                        f"[tool.migrator] {option}: unknown transform {unknown[0]!r}; `migrate --list` shows the codes and names"
                    )
        except ConfigError as exc:
            jobs.append(Job(path, None, None, config_error=f"settings cannot be read: {exc}"))
            continue
        jobs.append(Job(path, _settings_for(merged), merged.context))
    return jobs


# --- running -----------------------------------------------------------------------------


def _run_paths(
    run: Run,
    paths: Sequence[str],
    overrides: Overrides,
    jobs: int | None,
    verifier: Verifier | None,
    report_file: Path | None,
) -> int:
    from migrator.discovery import DiscoveryError, find_dockerfiles

    try:
        files = find_dockerfiles(paths)
    except DiscoveryError as exc:
        raise UsageError(str(exc)) from None
    work = _jobs_for(files, overrides)
    _check_uv_extra(overrides, [job.settings for job in work])
    if run.writing:
        from migrator.files import interrupts_deferred
    reports: list[FileReport] = []
    interrupted = False
    progress = None
    try:
        for job, report in _verified_all(_results(work, jobs or _cores()), verifier, jobs or _cores()):
            if not reports:
                # Started only now that any worker processes exist: forking while the bar's
                # refresh thread holds a lock could hang a worker.
                progress = _progress(len(work), run)
            if run.writing:
                # Ctrl-C waits until the file is written and recorded, so the summary tells the truth.
                with interrupts_deferred():
                    reports.append(_written(job, report))
            else:
                reports.append(report)
            _emit(reports[-1], run)
            if progress is not None:
                progress.advance()
    except KeyboardInterrupt:
        interrupted = True
    finally:
        if progress is not None:
            progress.stop()
    return _close(run, reports, verifier, report_file, interrupted, len(work))


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def _results(work: list[Job], jobs: int) -> Iterator[tuple[Job, FileResult]]:
    """(job, FileResult) pairs in the input order, whatever order the workers finish in."""
    if jobs <= 1 or len(work) < PARALLEL_FROM:
        for job in work:
            yield job, run_job(job)
        return
    from concurrent.futures import ProcessPoolExecutor

    executor = ProcessPoolExecutor(max_workers=min(jobs, len(work)), initializer=_ignore_interrupts)
    try:
        chunk = max(1, len(work) // (jobs * 8))
        yield from zip(work, executor.map(run_job, work, chunksize=chunk), strict=True)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()


def _verified_all(
    results: Iterable[tuple[Job, FileResult]], verifier: Verifier | None, jobs: int
) -> Iterator[tuple[Job, FileReport]]:
    """(job, report) pairs in the input order; with --verify, `jobs` files are verified at once.

    Threads, not processes: a verification waits on Docker. How many builds run at
    once is bounded inside migrator.verify (--build-jobs), since builds are the heavy part.
    """
    if verifier is None or jobs <= 1:
        for job, result in results:
            yield job, _verified(job, result, verifier)
        return
    from concurrent.futures import ThreadPoolExecutor

    pairs = list(results)
    executor = ThreadPoolExecutor(max_workers=min(jobs, max(1, len(pairs))))
    try:
        reports = executor.map(lambda pair: _verified(pair[0], pair[1], verifier), pairs)
        yield from zip([job for job, _ in pairs], reports, strict=True)
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()


def _verified(job: Job, result: FileResult, verifier: Verifier | None) -> FileReport:
    """The result as a report, verified with Docker when asked; a failed build makes the file failed."""
    from migrator.pipeline import Status
    from migrator.report import FileReport

    label: str | None
    if job.context:
        label = os.path.relpath(job.context)
    else:
        label = None if str(job.path) == STDIN_NAME else os.path.dirname(str(job.path)) or "."
    report = FileReport(result, context_label=label)
    if verifier is None or result.status is not Status.MIGRATED:
        return report
    verifying, options = verifier
    verification = verifying.verify(result, job.context or job.path.parent, options)
    failure = None if verification.passed else f"{result.path}: not verified: {verifying.verdict_line(verification)}"
    return FileReport(result, label, failure=failure, verification=verification)


def _written(job: Job, report: FileReport) -> FileReport:
    """Write a migrated file that passed; a refused or failed write makes the file failed."""
    from migrator.files import WriteError, replacements_for, write_all
    from migrator.pipeline import Status

    if report.status is not Status.MIGRATED:
        return report
    try:
        write_all(replacements_for(report.result, job.path, job.context or job.path.parent))
    except WriteError as exc:
        return replace(report, failure=str(exc))
    return replace(report, written=True)


def _emit(report: FileReport, run: Run) -> None:
    from migrator.redact import redact
    from migrator.report import file_diff, file_messages, write_diff

    if run.mode == "diff" and run.output_format == "text":
        diff = file_diff(report)
        if diff:
            _to_stdout(write_diff, diff, sys.stdout, run.colour)
            if run.verbosity >= 0 and redact(diff) != diff:
                # A masked line applied with `git apply` would put **** into the file.
                _err(
                    f"{report.path}: warning: the diff shows sensitive values as ****; apply it with --write, not as a patch"
                )
    for line in file_messages(report, run.writing, run.verbosity, _reasons()):
        _err(line)


def _close(
    run: Run,
    reports: list[FileReport],
    verifier: Verifier | None,
    report_file: Path | None,
    interrupted: bool,
    total: int,
) -> int:
    from migrator.pipeline import Status
    from migrator.report import Summary, json_document, print_summary_table, summary_line, write_exact

    summary = Summary()
    for report in reports:
        summary.add(report)

    if verifier is not None:
        verifications = [r.verification for r in reports if r.verification is not None]
        if verifications and run.verbosity >= 0:
            from rich.console import Console

            verifier[0].render(verifications, Console(file=sys.stderr))
    if run.output_format == "json" or report_file is not None:
        document = json_document(reports, summary, run.mode)
        if report_file is not None:  # first: a closed stdout ends the run
            from migrator.files import WriteError, write_whole

            try:
                write_whole(report_file, document.encode("utf-8"))
            except WriteError as exc:
                _err(f"the report cannot be written: {exc}")
                return EXIT_FAILED
        if run.output_format == "json":
            _to_stdout(write_exact, document, sys.stdout)
    if run.output_format == "sarif":
        from migrator.sarif import sarif_document
        from migrator.transforms import PIPELINE

        _to_stdout(write_exact, sarif_document(reports, PIPELINE), sys.stdout)
    if interrupted:
        _err(
            f"interrupted after {len(reports)} of {total} files: {summary_line(summary, run.writing)}; every file is either as it was or fully migrated"
        )
        return EXIT_INTERRUPTED
    if run.verbosity >= 0:
        if summary.total >= MANY_FILES and (_is_terminal(sys.stderr) or run.verbosity > 0):
            from migrator.transforms import PIPELINE

            print_summary_table(summary, PIPELINE, sys.stderr)
        _err(summary_line(summary, run.writing))
    if summary.counts[Status.FAILED]:
        return EXIT_FAILED
    if summary.counts[Status.MIGRATED] and not run.writing:
        return EXIT_CHANGES
    return EXIT_OK


def _run_stdin(run: Run, overrides: Overrides, verifier: Verifier | None, report_file: Path | None) -> int:
    from migrator.migrate_file import migrate_data
    from migrator.pipeline import Status
    from migrator.project import read_context
    from migrator.report import write_exact

    context = overrides.context
    if verifier is not None and context is None:
        raise UsageError("--verify with - (stdin) needs --context: the folder to build in")
    try:
        folder = ConfigFinder().for_folder(context) if context is not None else Overrides()
        merged = overrides.over(folder)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    data = sys.stdin.buffer.read()
    settings = _settings_for(merged)
    _check_uv_extra(overrides, [settings])
    result = migrate_data(STDIN_NAME, data, settings, read_context(context))
    report = _verified(Job(Path(STDIN_NAME), settings, context), result, verifier)
    if run.writing and result.extra_files and report.status is Status.MIGRATED:
        names = ", ".join(extra.path for extra in result.extra_files)
        report = replace(
            report,
            failure=f"{STDIN_NAME}: the migration also changes {names}; run migrate on the Dockerfile's path to write them",
        )
    if run.writing and report.status is not Status.FAILED:
        # The migrated file itself is the output here (an editor or a pipe replaces its input with it),
        # so it is written exactly, not redacted: masking a value would change the Dockerfile.
        _to_stdout(write_exact, result.migrated, sys.stdout)
        report = replace(report, written=result.status is Status.MIGRATED)
    _emit(report, run)
    return _close(run, [report], verifier, report_file, False, 1)


# --- terminal --------------------------------------------------------------------------


def _progress(total: int, run: Run) -> ProgressBar | None:
    if total < MANY_FILES or run.verbosity < 0 or not _is_terminal(sys.stderr):
        return None
    from migrator.report import ProgressBar

    return ProgressBar(total, sys.stderr)


def _to_stdout(write: Callable[..., object], *args: Any) -> None:
    """Call a writer of stdout; a broken pipe there (and only there) is StdoutClosed, not a bug."""
    try:
        write(*args)
    except BrokenPipeError:
        raise StdoutClosed from None


def _drop_stdout() -> None:
    """Point stdout at /dev/null, so that Python's flush at exit does not fail on the closed pipe again."""
    try:
        target = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):
        return  # not a file descriptor (a test's captured stream): nothing flushes it at exit
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, target)
    os.close(devnull)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


_REASONS: dict[str, str] | None = None


def _reasons() -> dict[str, str]:
    global _REASONS
    if _REASONS is None:
        from migrator.transforms import PIPELINE

        _REASONS = {t.code: t.reason for t in PIPELINE}
    return _REASONS


def _first_line(text: str | None) -> str:
    # The verification table printed after the files shows a failure in full.
    lines = (text or "").strip().splitlines()
    return lines[0] if lines else "see the verification table"


def _err(line: str) -> None:
    from migrator.redact import redact

    text = redact(line).encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
