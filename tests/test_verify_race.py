"""Two images watched together: a slower start that reaches the same error is no difference.

sharay198/web-calculator waits for a database that is not there: both images print the
same psycopg2 traceback, but the original (`poetry run` on a loaded machine) printed it
only after the first 10 s, and the difference reported was false.
"""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from migrator import behaviour

DB_DOWN = 'Traceback: psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed'

# A stand-in docker client: `run` records when a container started and from which tag;
# while running, its logs hold the tag's error once `delay` seconds have passed.
FAKE_DOCKER = r"""
import json, os, sys, time
state = os.path.join(os.path.dirname(os.path.abspath(__file__)), "state")
os.makedirs(state, exist_ok=True)
args = sys.argv[1:]
if args[0] == "run":
    name, tag = args[args.index("--name") + 1], args[-1]
    json.dump({"tag": tag, "start": time.time()}, open(os.path.join(state, name), "w"))
    print("container-id")
elif args[0] == "inspect":
    print("true 0")
elif args[0] == "logs":
    box = json.load(open(os.path.join(state, args[-1])))
    kind, delay = box["tag"].split(":")
    print("Watching for file changes with StatReloader")
    if kind != "quiet" and time.time() - box["start"] >= float(delay):
        print("Traceback (most recent call last):")
        print('  File "/app/manage.py", line 1, in <module>')
        print('psycopg2.OperationalError: connection to server at "127.0.0.1", port 5432 failed')
"""


def fake_docker(tmp_path):
    script = tmp_path / "docker"
    script.write_text(f"#!{sys.executable}\n{FAKE_DOCKER}")
    script.chmod(0o755)
    return str(script)


def watch_both(tmp_path, original_tag: str, migrated_tag: str, run_seconds: float = 1.0):
    settings = behaviour.RunSettings(docker=fake_docker(tmp_path), run_seconds=run_seconds)
    race = behaviour.Race(("original", "migrated"))
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            side: pool.submit(behaviour.run_own_command, settings, tag, race=race, side=side)
            for side, tag in (("original", original_tag), ("migrated", migrated_tag))
        }
        return {side: future.result()[0] for side, future in futures.items()}


def own_command(runs):
    (check,) = behaviour.compare(
        behaviour.Behaviour(behaviour.ImageConfig(), runs["original"]),
        behaviour.Behaviour(behaviour.ImageConfig(), runs["migrated"]),
        1.0,
    )
    return check.outcome, check.lines


def test_a_slower_start_reaching_the_same_error_is_no_difference(tmp_path):
    runs = watch_both(tmp_path, "slow:2", "fast:0")
    assert runs["original"].errors == runs["migrated"].errors == (DB_DOWN,)
    assert runs["original"].running and runs["original"].watched_seconds >= 2
    assert own_command(runs) == ("same", ())


def test_an_error_the_original_never_prints_stays_a_difference(tmp_path):
    started = time.monotonic()
    runs = watch_both(tmp_path, "quiet:0", "fast:0")
    # Watched up to GRACE_FACTOR x run_seconds for the error, then given up on.
    assert 2.5 <= time.monotonic() - started < 15
    assert runs["original"].errors == ()
    assert own_command(runs) == ("differs", (f"own command: only the migrated image prints {DB_DOWN}",))


def test_a_race_alone_waits_for_nobody():
    started = time.monotonic()
    assert behaviour.Race().other_errors("original", timeout=5) == set()
    assert time.monotonic() - started < 1


def test_a_race_waits_for_the_other_side_to_report():
    race = behaviour.Race(("original", "migrated"))
    threading.Timer(0.3, race.report, ("migrated", ("ModuleNotFoundError: x",))).start()
    assert race.other_errors("original", timeout=5) == {"ModuleNotFoundError: x"}
    started = time.monotonic()
    assert behaviour.Race(("original", "migrated")).other_errors("original", timeout=0.3) == set()
    assert time.monotonic() - started < 2
