#!/bin/bash
# The metrics agent reads /etc/metrics-agent and writes /var/run and /var/log.
service metrics-agent start > /dev/null
exec uvicorn app.main:app --host 0.0.0.0 --port "${PORT:-8000}"
