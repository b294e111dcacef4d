#!/bin/sh
set -e
# Start as root: hand the state folder (often a mounted volume) to the worker, then drop to it.
mkdir -p /app/state
chown -R worker:worker /app/state
exec gosu worker "$@"
