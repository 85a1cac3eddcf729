# Shared helpers for the deploy/cassandra scripts; sourced, not executed.
# shellcheck shell=bash

CASS_SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CASS_WORK_DIR="${DOLIUM_CASSANDRA_WORK:-$CASS_SCRIPT_DIR/.work}"
CASS_LIB_DIR="${DOLIUM_CASSANDRA_HOME:-$CASS_SCRIPT_DIR/.work/lib}"
CASS_DEFAULT_NAME="node1"
PYTHON="${PYTHON:-python3}"

cass_die() { echo "$(basename "$0"): $*" >&2; exit 1; }
cass_log() { echo "$(basename "$0"): $*" >&2; }

cass_check_name() {
  case "$1" in
    ''|lib|lib.*|*/*|.*) cass_die "invalid node name '$1'" ;;
  esac
  [[ "$1" =~ ^[A-Za-z0-9_.-]+$ ]] || cass_die "invalid node name '$1' (use letters, digits, _ . -)"
}

cass_node_dir() { echo "$CASS_WORK_DIR/$1"; }

# Print the pid of the running Cassandra of node $1, or fail.
cass_running_pid() {
  local dir pidfile pid
  dir="$(cass_node_dir "$1")"
  pidfile="$dir/cassandra.pid"
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile" 2>/dev/null)"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # Guard against pid reuse: the process must be this node's CassandraDaemon.
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q "CassandraDaemon" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$dir/conf/" || return 1
  echo "$pid"
}

# cqlping HOST PORT [extra args]: 0 when the node answers READY.
cass_cqlping() {
  local host="$1" port="$2"; shift 2
  "$PYTHON" "$CASS_SCRIPT_DIR/cqlping.py" --host "$host" --port "$port" "$@"
}

# Load the node.env written by start.sh (ADDRESS, NATIVE_PORT, ...).
cass_load_env() {
  local f
  f="$(cass_node_dir "$1")/node.env"
  [ -f "$f" ] || return 1
  # shellcheck disable=SC1090
  . "$f"
}
