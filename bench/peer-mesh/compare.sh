#!/usr/bin/env bash
# Our gateway and GraphQL Mesh (Hive Gateway) over the same `gateway sandbox`, interleaved A B B A
# per cell, in one run: the ratio is what counts, since absolute figures drift on a shared machine.
#
#   GATEWAY=../main/.venv/bin/gateway ./compare.sh          (from this folder, after `npm ci`)
#
# By default it measures what issue #10 asks for, in about 20 minutes: 0 ms and 20 ms of upstream
# latency at 10 connections on all six questions, and 1 connection at 0 ms on the bookings page,
# each cell with the direct upstream call (the floor) first.
#
# Settings (environment): GATEWAY (path of `gateway`), DURATION (8), WARMUP (5), CELLS ("0:10 20:10
# 0:1", latency-ms:connections), PAIRS ("ours:mesh" query names in queries/, for cells of several
# connections), PAIRS_1CONN (bookings-page only, for 1-connection cells), LATENCIES and CONNS (instead
# of CELLS: every combination, e.g. LATENCIES=0 CONNS=10), OUT (results/<UTC time>), SANDBOX_ARGS
# (extra `gateway sandbox` flags), OURS_ENV (extra environment for `gateway serve`), OURS_ARGS (extra
# `gateway serve` flags, e.g. "--workers 2"), DISTINCT (1: every request different, `bench.mjs
# --distinct`, so no gateway reuses a result or shares an execution between requests).
# Needs from the sandbox: a way to switch off CareHQ signature checks (Mesh cannot sign) and every
# rate limit, and GET /_sandbox/stats answering {"carehq": <calls so far>, "bedful": <calls so far>}.
set -euo pipefail
cd "$(dirname "$0")"
GATEWAY=${GATEWAY:?path of the gateway executable}
SANDBOX_PORT=${SANDBOX_PORT:-8100}; MESH_PORT=${MESH_PORT:-4000}; OURS_PORT=${OURS_PORT:-8000}
DURATION=${DURATION:-8}; WARMUP=${WARMUP:-5}; CELLS=${CELLS:-"0:10 20:10 0:1"}
if [ -n "${LATENCIES:-}${CONNS:-}" ]; then
  CELLS=""; for lat in ${LATENCIES:-0 20}; do for c in ${CONNS:-10 1}; do CELLS="$CELLS $lat:$c"; done; done
fi
PAIRS=${PAIRS:-"bookings-page:bookings-page rooms-page:rooms-page bookings-with-room:bookings-with-room-batched bookings-with-room-100:bookings-with-room-100 bedful-booking:bedful-booking mixed:mixed"}
PAIRS_1CONN=${PAIRS_1CONN:-"bookings-page:bookings-page"}
SANDBOX_ARGS=${SANDBOX_ARGS:-"--no-rate-limits --no-signature-check"}
OUT=${OUT:-results/$(date -u +%Y-%m-%dT%H%M)}
SANDBOX="http://127.0.0.1:$SANDBOX_PORT"
mkdir -p "$OUT"
SB_PID=""; GW_PID=""
stop() {
  [ -n "$GW_PID" ] && kill "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null || true
  [ -n "$SB_PID" ] && kill "$SB_PID" 2>/dev/null && wait "$SB_PID" 2>/dev/null || true
  GW_PID=""; SB_PID=""
}
trap stop EXIT
busy() { # port: refuse to measure whatever else already listens there
  if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$1/"; then echo "port $1 is already in use: set another" >&2; exit 2; fi
}
for port in "$SANDBOX_PORT" "$MESH_PORT" "$OURS_PORT"; do busy "$port"; done
wait_for() {
  local args=(-sf -o /dev/null "$1"); [ $# -ge 2 ] && args+=(-H 'content-type: application/json' --data "$2")
  for _ in $(seq 1 150); do curl "${args[@]}" && return 0; sleep 0.2; done
  echo "no answer from $1" >&2; return 1
}
start_sandbox() { # latency-ms
  # shellcheck disable=SC2086
  "$GATEWAY" sandbox --port "$SANDBOX_PORT" --latency-ms "$1" $SANDBOX_ARGS >"$OUT/sandbox.log" 2>&1 &
  SB_PID=$!
  wait_for "$SANDBOX/_sandbox/stats"
}
# Compose once (the Hive Gateway process watches the file, so never rewrite it while one runs).
start_sandbox 0
SANDBOX_URL="$SANDBOX" node node_modules/.bin/mesh-compose -o supergraph.graphql >"$OUT/compose.log" 2>&1
stop
fresh() { # mesh|ours latency
  stop
  start_sandbox "$2"
  if [ "$1" = mesh ]; then
    node node_modules/.bin/hive-gateway supergraph supergraph.graphql --host 127.0.0.1 --port "$MESH_PORT" >>"$OUT/mesh.log" 2>&1 &
    GW_PID=$!; URL="http://127.0.0.1:$MESH_PORT/graphql"
  else
    # The values `gateway sandbox` prints; Bedful's ceiling lifted so both gateways are measured on overhead.
    # shellcheck disable=SC2086
    env CAREHQ_BASE_URL="$SANDBOX/carehq" CAREHQ_ACCOUNT_ID=sandbox-account CAREHQ_API_KEY=sandbox-carehq-key \
      CAREHQ_API_SECRET=sandbox-carehq-secret BEDFUL_BASE_URL="$SANDBOX/bedful" BEDFUL_API_KEY=sandbox-bedful-key \
      BEDFUL_REQUESTS_PER_SECOND=1000 BEDFUL_REQUESTS_PER_MINUTE=60000 ${OURS_ENV:-} \
      "$GATEWAY" serve --host 127.0.0.1 --port "$OURS_PORT" ${OURS_ARGS:-} >>"$OUT/ours.log" 2>&1 &
    GW_PID=$!; URL="http://127.0.0.1:$OURS_PORT/graphql"
  fi
  wait_for "$URL" '{"query":"{ __typename }"}'
}
measure() { # mesh|ours query latency conns round
  fresh "$1" "$3"
  node bench.mjs --url "$URL" --stats "$SANDBOX/_sandbox/stats" --query "queries/$1/$2.graphql" --connections "$4" \
    --duration "$DURATION" --warmup "$WARMUP" --cpu "gateway=$GW_PID" --cpu "sandbox=$SB_PID" ${DISTINCT:+--distinct} \
    --label "$1 $2 ${3}ms r$5" --json "$OUT/$1-$2-${3}ms-c$4-r$5.json" >/dev/null 2>&1 || echo "failures: $1 $2 ${3}ms c$4 r$5"
}
direct() { # latency conns: the same CareHQ call the bookings page makes, straight to the sandbox (the floor)
  stop
  start_sandbox "$1"
  node bench.mjs --get --url "$SANDBOX/carehq/v1/bookings?per_page=10&attributes=start_date" --stats "$SANDBOX/_sandbox/stats" \
    --connections "$2" --duration "$DURATION" --warmup "$WARMUP" --cpu "sandbox=$SB_PID" \
    --label "direct carehq bookings ${1}ms" --json "$OUT/direct-carehq-bookings-${1}ms-c$2.json" >/dev/null 2>&1 || echo "failures: direct ${1}ms c$2"
}
for cell in $CELLS; do
  lat=${cell%%:*}; c=${cell##*:}
  pairs=$PAIRS; [ "$c" = 1 ] && pairs=$PAIRS_1CONN
  direct "$lat" "$c"
  for pair in $pairs; do
    o=${pair%%:*}; m=${pair##*:}
    measure mesh "$m" "$lat" "$c" 1; measure ours "$o" "$lat" "$c" 1
    measure ours "$o" "$lat" "$c" 2; measure mesh "$m" "$lat" "$c" 2
  done
done
stop
node report.mjs "$OUT"/*.json | tee "$OUT/table.md"
