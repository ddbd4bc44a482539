#!/usr/bin/env bash
# `make run`: serve the API on its embedded default.  When a stripe-mock binary is
# installed (on PATH, or where .ci/services.sh keeps it), start it too and offer Stripe;
# otherwise only cash on delivery is offered.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
host="${HOST:-127.0.0.1}" port="${PORT:-5000}" stripe_port="${STRIPE_MOCK_PORT:-12111}"

stripe_mock="$(command -v stripe-mock || true)"
if [ -z "$stripe_mock" ]; then
    stripe_mock="$(ls "${GANNAN_SERVICES_CACHE:-/var/cache/gannan-ci}"/stripe-mock-*/stripe-mock \
        2>/dev/null | tail -n 1 || true)"
fi
if [ -n "${STRIPE_API_KEY:-}" ]; then
    echo "Payments: Stripe as configured in the environment, and cash on delivery"
elif [ -n "$stripe_mock" ]; then
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$stripe_port") 2>/dev/null; then
        "$stripe_mock" -http-addr "127.0.0.1:$stripe_port" -https-addr "127.0.0.1:0" \
            >instance/stripe-mock.log 2>&1 &
        trap 'kill $! 2>/dev/null || true' EXIT
    fi
    export STRIPE_API_KEY=sk_test_gannandev STRIPE_API_BASE="http://127.0.0.1:$stripe_port"
    export STRIPE_WEBHOOK_SECRET="${STRIPE_WEBHOOK_SECRET:-whsec_gannan_dev}"
    echo "Payments: Stripe on stripe-mock ($stripe_mock), and cash on delivery"
else
    echo "Payments: cash on delivery only (install stripe-mock to offer Stripe)"
fi
echo "Pages   http://$host:$port/            (shop; trace pages at /t/<trace code>)"
echo "Consoles (password gannan-demo-2026):"
echo "  sellers    http://$host:$port/seller   xinfeng@demo.gannan.test (xunwu@…: pending)"
echo "  reviewers  http://$host:$port/admin    admin@demo.gannan.test"
echo "  bureau     http://$host:$port/bureau   bureau@demo.gannan.test"
echo "API     http://$host:$port/api/v1/"
echo "Docs    http://$host:$port/api/v1/docs"
.venv/bin/flask --app gannan run --host "$host" --port "$port"
