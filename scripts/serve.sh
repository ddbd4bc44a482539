#!/usr/bin/env bash
# `make serve`: the production process layout on this machine, in the foreground:
#   gunicorn (WEB_CONCURRENCY workers, gunicorn.conf.py) + one Celery worker + one beat.
# It uses whatever the environment names:
#   DATABASE_URL        PostgreSQL in production (unset: SQLite in instance/, one host only)
#   CELERY_BROKER_URL   Redis; unset: tasks run inline in the app and no worker or beat
#                       is started
#   ELASTICSEARCH_URL   unset: the embedded search index (one host only)
#   GANNAN_ENV=production also needs SECRET_KEY, REPORT_SIGNING_KEY, PLATFORM_OPERATOR_USCC
# Ctrl-C stops all three; if one of them dies, the others are stopped too.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BIN=.venv/bin
export GANNAN_BIND="${GANNAN_BIND:-${HOST:-127.0.0.1}:${PORT:-8000}}"
export LOG_FORMAT="${LOG_FORMAT:-json}"
mkdir -p instance

say() { printf '[serve] %s\n' "$*" >&2; }
say "database:  ${DATABASE_URL:-SQLite in instance/ (set DATABASE_URL=postgresql://... for production)}"
say "search:    ${ELASTICSEARCH_URL:-embedded index (set ELASTICSEARCH_URL for Elasticsearch)}"
say "broker:    ${CELERY_BROKER_URL:-none: tasks run inline (set CELERY_BROKER_URL=redis://... for workers)}"
say "limits:    ${RATELIMIT_STORAGE_URI:-memory:// per process (set RATELIMIT_STORAGE_URI=redis://... to share)}"
$BIN/flask --app gannan db upgrade

pids=()
stop() {
    trap - INT TERM EXIT
    for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    wait || true
}
trap stop INT TERM EXIT

$BIN/gunicorn -c gunicorn.conf.py &
pids+=($!)
if [ -n "${CELERY_BROKER_URL:-}" ]; then
    $BIN/celery -A gannan.worker worker --loglevel=INFO --concurrency="${CELERY_CONCURRENCY:-2}" \
        --hostname="worker-$$@%h" &
    pids+=($!)
    $BIN/celery -A gannan.worker beat --loglevel=INFO --schedule=instance/celerybeat-schedule &
    pids+=($!)
fi
say "API on http://${GANNAN_BIND}/api/v1/ (health: /api/v1/health, ready: /api/v1/ready, metrics: /metrics)"
wait -n
say "a process exited; stopping the others"
