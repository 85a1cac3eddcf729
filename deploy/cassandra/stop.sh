#!/usr/bin/env bash
# Stop a Cassandra node started by start.sh: SIGTERM (Cassandra drains and
# flushes), wait up to 60s, then SIGKILL. A node that is not running is not an
# error (exit 0).
#
# Usage: stop.sh [--name node1]... [--all] [--timeout 60]
#   --name may be repeated; --all stops every node under the work directory.
#   Several nodes are stopped in parallel.
set -euo pipefail
# shellcheck source=common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

NAMES=()
ALL=0
TIMEOUT=60
while [ $# -gt 0 ]; do
  case "$1" in
    --name)    [ $# -ge 2 ] || cass_die "--name needs a value"; NAMES+=("$2"); shift 2 ;;
    --all)     ALL=1; shift ;;
    --timeout) [ $# -ge 2 ] || cass_die "--timeout needs a value"; TIMEOUT="$2"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) cass_die "unknown argument: $1 (see --help)" ;;
  esac
done
[[ "$TIMEOUT" =~ ^[0-9]+$ ]] || cass_die "--timeout must be a number"
if [ "$ALL" = 1 ]; then
  for d in "$CASS_WORK_DIR"/*/node.env; do
    [ -f "$d" ] && NAMES+=("$(basename "$(dirname "$d")")")
  done
elif [ ${#NAMES[@]} -eq 0 ]; then
  NAMES=("$CASS_DEFAULT_NAME")
fi

# Phase 1: SIGTERM every running node (they shut down in parallel).
declare -A PIDS=()
for n in "${NAMES[@]}"; do
  cass_check_name "$n"
  if pid="$(cass_running_pid "$n")"; then
    kill -TERM "$pid" 2>/dev/null || true
    PIDS[$n]="$pid"
  else
    rm -f "$(cass_node_dir "$n")/cassandra.pid"
    echo "stop.sh: $n is not running" >&2
  fi
done

# Phase 2: wait up to TIMEOUT seconds for all of them, then SIGKILL the rest.
alive() { local n; for n in "${!PIDS[@]}"; do kill -0 "${PIDS[$n]}" 2>/dev/null && return 0; done; return 1; }
started=$(date +%s)
while alive && [ $(( $(date +%s) - started )) -lt "$TIMEOUT" ]; do
  sleep 0.2
done
rc=0
for n in "${!PIDS[@]}"; do
  pid="${PIDS[$n]}"
  if kill -0 "$pid" 2>/dev/null; then
    cass_log "$n (pid $pid) still running after ${TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    for (( i = 0; i < 50; i++ )); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
  fi
  if kill -0 "$pid" 2>/dev/null; then
    cass_log "$n (pid $pid) could not be stopped"
    rc=1
    continue
  fi
  rm -f "$(cass_node_dir "$n")/cassandra.pid"
  echo "stop.sh: stopped $n (pid $pid) in $(( $(date +%s) - started ))s" >&2
done
exit $rc
