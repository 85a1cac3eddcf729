#!/usr/bin/env bash
# Show the state of the Cassandra nodes started by start.sh.
#
# Usage: status.sh [--name NAME]...
#   Without --name: every node under the work directory.
# One line per node: name, state (READY / STARTING / STOPPED), pid, address,
# dc/rack, and the number of peers it sees (system.peers_v2) when READY.
# Exit 0 when every listed node is READY, 3 otherwise (also when none exist).
set -euo pipefail
# shellcheck source=common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

NAMES=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name) [ $# -ge 2 ] || cass_die "--name needs a value"; NAMES+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) cass_die "unknown argument: $1 (see --help)" ;;
  esac
done
if [ ${#NAMES[@]} -eq 0 ]; then
  for d in "$CASS_WORK_DIR"/*/node.env; do
    [ -f "$d" ] && NAMES+=("$(basename "$(dirname "$d")")")
  done
fi
if [ ${#NAMES[@]} -eq 0 ]; then
  echo "no nodes under $CASS_WORK_DIR"
  exit 3
fi

rc=0
printf '%-12s %-9s %-8s %-21s %-14s %s\n' NAME STATE PID CQL DC/RACK PEERS
for n in "${NAMES[@]}"; do
  cass_check_name "$n"
  CASS_ADDRESS=""; CASS_NATIVE_PORT=""; CASS_DC=""; CASS_RACK=""
  cass_load_env "$n" || true
  state=STOPPED; pid=-; peers=-
  if pid="$(cass_running_pid "$n")"; then
    state=STARTING
    if [ -n "$CASS_ADDRESS" ] && peers="$(cass_cqlping "$CASS_ADDRESS" "$CASS_NATIVE_PORT" --timeout 3 --peers 2>/dev/null)"; then
      state=READY
    else
      peers=-
    fi
  else
    pid=-
  fi
  [ "$state" = READY ] || rc=3
  printf '%-12s %-9s %-8s %-21s %-14s %s\n' "$n" "$state" "$pid" \
    "${CASS_ADDRESS:-?}:${CASS_NATIVE_PORT:-?}" "${CASS_DC:-?}/${CASS_RACK:-?}" "$peers"
done
exit $rc
