"""What migrate does to the generated fleet: outcomes, transforms, stages, failures.

    python bench/fleet.py [--repos 1000]

Runs the pipeline in-process on every generated Dockerfile (as `migrate --check`
would, each with its folder as the build context) and counts: statuses, how often
each transform applied, how many outputs were split into build + runtime stages,
outputs BuildKit's parser rejects, and outputs a second run would change again.
A quick look at quality across many variants; the numbers are not asserted.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import DEFAULT_SEED
from run import tree_for


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--show", type=int, default=3, help="examples to print per problem (default %(default)s)")
    args = parser.parse_args(argv)

    import dockerfile

    from migrator.migrate_file import migrate_path
    from migrator.model import parse
    from migrator.pipeline import migrate_text
    from migrator.project import read_context
    from migrator.transform import Settings

    _, dockerfiles = tree_for(args.repos, args.seed)
    settings = Settings()
    statuses: Counter = Counter()
    applied: Counter = Counter()
    stages: Counter = Counter()
    warnings: Counter = Counter()
    messages: Counter = Counter()
    problems: dict[str, list[str]] = {"rejected by BuildKit": [], "changes again on a second run": [], "failed": []}
    for path in dockerfiles:
        result = migrate_path(path, settings)
        statuses[result.status.value] += 1
        if result.status.value == "failed":
            problems["failed"].append(f"{path}: {result.error}")
            continue
        if not result.changed:
            continue
        applied.update(result.applied)
        warnings.update(note.code for note in result.warnings)
        messages.update(f"{note.code} {note.message[:90]}" for note in result.warnings)
        stages[len(parse(result.migrated).stages)] += 1
        try:
            dockerfile.parse_string(result.migrated)
        except dockerfile.GoParseError as exc:
            problems["rejected by BuildKit"].append(f"{path}: {exc}")
        again = migrate_text(result.migrated, read_context(path.parent), settings)
        if again.text != result.migrated:
            problems["changes again on a second run"].append(str(path))

    print(f"{len(dockerfiles)} Dockerfiles: " + ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())))
    print("transforms applied (files): " + ", ".join(f"{c} {n}" for c, n in sorted(applied.items())))
    print("stages in migrated files: " + ", ".join(f"{k}: {n}" for k, n in sorted(stages.items())))
    print("warnings by transform (files x notes): " + ", ".join(f"{c} {n}" for c, n in sorted(warnings.items())))
    for message, count in messages.most_common(args.show + 2):
        print(f"  {count:5d}  {message}")
    for name, found in problems.items():
        print(f"{name}: {len(found)}")
        for line in found[: args.show]:
            print(f"  {line}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
