#!/usr/bin/env bash
# HTTP benchmark: gifts/s at 64 connections (wrk), beside GET /healthz on the same server and run.
# Usage: Benchmarks/http.sh [seconds]   (needs a release build and Debian's wrk)
# MARQUEE_BIN picks another binary (default .build/release/marquee), for A/B runs.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
bin=${MARQUEE_BIN:-.build/release/marquee}
command -v wrk >/dev/null || ./Deploy/install-packages.sh wrk
dir=$(mktemp -d "${TMPDIR:-/tmp}/marquee-bench-http.XXXX")
port=18765
MARQUEE_BCRYPT_COST=4 MARQUEE_ADMIN_PASSWORD=benchadmin MARQUEE_LOG_LEVEL=warning \
    "$bin" serve --data-dir "$dir" --http 127.0.0.1:$port &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$dir"' EXIT
api=http://127.0.0.1:$port/api/v1
for _ in $(seq 50); do curl -sf http://127.0.0.1:$port/healthz >/dev/null && break; sleep 0.2; done
json='content-type: application/json'
token() { curl -sf -H "$json" -d "{\"handle\":\"$1\",\"password\":\"$2\"}" $api/sessions | python3 -c 'import json,sys;print(json.load(sys.stdin)["token"])'; }
curl -sf -H "$json" -d '{"handle":"creator","password":"password1","role":"creator"}' $api/accounts >/dev/null
admin=$(token admin benchadmin)
creator=$(token creator password1)
curl -sf -H "$json" -H "authorization: Bearer $creator" -d '{"slug":"bench","title":"Bench"}' $api/channels >/dev/null
tokens=""
for i in $(seq 1 64); do
    curl -sf -H "$json" -d "{\"handle\":\"viewer$i\",\"password\":\"password1\"}" $api/accounts >/dev/null
    curl -sf -H "$json" -H "authorization: Bearer $admin" -d "{\"handle\":\"viewer$i\",\"tokens\":1000000000}" $api/admin/grants >/dev/null
    tokens="$tokens $(token viewer$i password1)"
done
echo "== baseline: GET /healthz, 64 connections, ${seconds}s"
wrk -t2 -c64 -d"${seconds}s" --latency http://127.0.0.1:$port/healthz | grep -E "Requests/sec|50%|99%"
echo "== POST /api/v1/channels/bench/gifts, 64 connections, ${seconds}s (durable, one fsync per group commit)"
BENCH_TOKENS="$tokens" wrk -t2 -c64 -d"${seconds}s" -s Benchmarks/gifts.lua http://127.0.0.1:$port | grep -E "Requests/sec|latency|requests|Non-2xx"
echo "== audit after the run"
kill $server; wait $server 2>/dev/null || true
"$bin" audit verify --data-dir "$dir"
