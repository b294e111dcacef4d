#!/bin/sh -l
# A login shell: /etc/profile sets PATH afresh before this line runs.
set -e
exec python -m census "$@"
