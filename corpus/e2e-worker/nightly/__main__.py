import sys

from nightly.jobs import JOBS

failed = 0
for job in JOBS:
    print(f"{job.name}: {'ok' if job.ok else 'FAILED'}")
    failed += not job.ok
print(f"{len(JOBS)} jobs, {failed} failed")
sys.exit(3 if failed else 0)
