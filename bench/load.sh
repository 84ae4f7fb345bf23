#!/usr/bin/env bash
# Load benchmark: the release server on SQLite or PostgreSQL with a scaled-up demo event,
# driven by wrk at 32 connections. Prints requests/s and p50/p99 latency per page, the ratio
# to a trivial endpoint measured in the same run, peak memory, and registration flows/s.
#
#   bench/load.sh [sqlite|postgres] [participants] [sessions]
#
# Needs: wrk (apt-get install wrk), python3; for postgres the Debian postgresql package.
# Everything runs on 127.0.0.1 and is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
BACKEND=${1:-sqlite}
PARTICIPANTS=${2:-5000}
SESSIONS=${3:-120}
DURATION=${DURATION:-10s}
CONNS=${CONNS:-32}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
BIN=$PWD/target/release/liaison
WORK=$(mktemp -d /tmp/liaison-bench.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n ${PGBIN:-} ]]; then runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
free_port() { local p=$1; while ss -Hltn "sport = :$p" | grep -q .; do p=$((p + 1)); done; echo "$p"; }

if [[ $BACKEND == postgres ]]; then
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  chown postgres:postgres "$WORK"
  PGPORT=$(free_port 56432)
  runuser -u postgres -- "$PGBIN/initdb" -D "$WORK/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 -N >/dev/null
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/pg" -l "$WORK/pg.log" -w start \
    -o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $WORK -c max_connections=200 -c fsync=off -c synchronous_commit=off" >/dev/null
  psql "postgres://postgres@127.0.0.1:$PGPORT/postgres" -qc 'CREATE DATABASE bench'
  export DATABASE_URL="postgres://postgres@127.0.0.1:$PGPORT/bench"
else
  export DATABASE_URL="sqlite://$WORK/bench.db"
fi
export LIAISON_DATA_DIR=$WORK/data LIAISON_MAIL_DIR=$WORK/mail LIAISON_RATE_LIMITS=false RUST_LOG=warn
PORT=$(free_port 18300)
export LIAISON_ADDR=127.0.0.1:$PORT
BASE=http://127.0.0.1:$PORT

echo "== machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); backend $BACKEND"
SEED_OUT=$("$BIN" demo-data --participants "$PARTICIPANTS" --sessions "$SESSIONS")
echo "$SEED_OUT" | head -1
# Let the bulk import settle before measuring, as a deployment would after an import: without
# this, autovacuum analyses the new tables and the kernel writes back the import's hundreds of
# megabytes during the first measurements, on the same two cores and disk (p99 spikes of 1 s).
if [[ $BACKEND == postgres ]]; then psql "$DATABASE_URL" -qc 'VACUUM ANALYZE' -c 'CHECKPOINT'; fi
sync
LOGIN=$(echo "$SEED_OUT" | sed -n 's/^Participant login: \(\S*\)  password: \(\S*\)$/\1 \2/p')
SLUG=scale-$PARTICIPANTS
"$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!
PIDS+=("$SERVER")
for _ in $(seq 1 100); do curl -sf "$BASE/healthz" >/dev/null && break; sleep 0.1; done

# A logged-in session for the personal pages.
JAR=$WORK/jar
TOKEN=$(curl -s -c "$JAR" -b "$JAR" "$BASE/login" | sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
read -r EMAIL PASSWORD <<<"$LOGIN"
curl -s -o /dev/null -c "$JAR" -b "$JAR" --data-urlencode "csrf_token=$TOKEN" --data-urlencode "email=$EMAIL" \
  --data-urlencode "password=$PASSWORD" --data-urlencode "next=/" "$BASE/login"
COOKIE="liaison_session=$(awk '$6 == "liaison_session" {print $7}' "$JAR")"
SESSION_ID=$(curl -s "$BASE/events/$SLUG/agenda?view=list" | grep -o "/events/$SLUG/sessions/[0-9]*" | head -1 | grep -o '[0-9]*$')

run() { # name path [cookie]
  local out rps p50 p99
  if [[ -n ${3:-} ]]; then out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency -H "Cookie: $3" "$BASE$2"); else out=$(wrk -t2 -c"$CONNS" -d"$DURATION" --latency "$BASE$2"); fi
  if echo "$out" | grep -q "Non-2xx"; then echo "!! $1 answered non-2xx: $(echo "$out" | grep Non-2xx)" >&2; fi
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1 == "50%" {print $2}')
  p99=$(echo "$out" | awk '$1 == "99%" {print $2}')
  printf '| %-34s | %10s | %8s | %8s | %6s |\n' "$1" "$rps" "$p50" "$p99" "$(awk -v a="$rps" -v b="${TRIVIAL:-$rps}" 'BEGIN {printf "%.2f", a / b}')"
  LAST_RPS=$rps
}
echo
echo "| page ($CONNS connections, $DURATION) | requests/s | p50 | p99 | ÷ trivial |"
echo "|---|---|---|---|---|"
run "trivial: /healthz" "/healthz"
TRIVIAL=$LAST_RPS
run "static: stylesheet" "/static/css/liaison.css"
run "public agenda (grid)" "/events/$SLUG/agenda"
run "session page" "/events/$SLUG/sessions/$SESSION_ID"
run "event hub (visitor)" "/events/$SLUG"
run "event iCalendar feed" "/events/$SLUG/agenda.ics"
run "frab schedule.xml" "/events/$SLUG/schedule.xml"
run "directory, filtered (logged in)" "/events/$SLUG/directory?sector=pharma" "$COOKIE"
run "my agenda (logged in)" "/events/$SLUG/my-agenda" "$COOKIE"
run "your matches (logged in)" "/events/$SLUG/matches" "$COOKIE"
run "event hub with next steps (logged in)" "/events/$SLUG" "$COOKIE"
echo
echo "peak memory of the server (VmHWM): $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"
python3 bench/flows.py "$BASE" "$SLUG" "$LIAISON_MAIL_DIR" "${FLOWS:-200}" "${FLOW_CLIENTS:-32}"
echo
echo "surge: 200 clients sign up and register at once while wrk reads the public agenda"
python3 bench/flows.py "$BASE" "$SLUG" "$LIAISON_MAIL_DIR" 200 200 > "$WORK/surge.txt" &
SURGE=$!
sleep 0.5
run "public agenda during the surge" "/events/$SLUG/agenda?view=list"
wait $SURGE
cat "$WORK/surge.txt"
echo "peak memory after the registration flows (VmHWM): $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' /proc/$SERVER/status)"
