#!/bin/sh
set -e
docker build \
  --build-arg "GIT_COMMIT=$(git rev-parse HEAD)" \
  -t acme/ledger-bot .
docker push acme/ledger-bot
