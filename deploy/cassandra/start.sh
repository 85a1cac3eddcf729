#!/usr/bin/env bash
# Start one Apache Cassandra node (from the jars install.sh fetched) in the
# background and wait until it answers CQL.
#
# Usage: start.sh [--name node1] [--address 127.0.0.1] [--dc dc1] [--rack rack1]
#                 [--seeds 127.0.0.1] [--native-port 9042] [--storage-port 7000]
#                 [--jmx-port PORT|0] [--heap 512M] [--timeout 180]
#
# Node files live in $DOLIUM_CASSANDRA_WORK/NAME (default deploy/cassandra/.work/NAME):
#   conf/ (cassandra.yaml, cassandra-rackdc.properties, logback.xml), data/,
#   commitlog/, saved_caches/, hints/, cdc_raw/, logs/system.log, cassandra.pid
# The configuration is rewritten on every start; data is kept, so a stopped
# node restarts with its data. If the node is already running and answering
# CQL, nothing is done (exit 0).
#
# Environment: DOLIUM_CASSANDRA_HOME (jar dir), DOLIUM_CASSANDRA_WORK (node
# dirs), DOLIUM_CASSANDRA_HEAP (default heap), DOLIUM_CASSANDRA_START_TIMEOUT,
# DOLIUM_CASSANDRA_RING_DELAY_MS, DOLIUM_CASSANDRA_JVM_OPTS (extra JVM flags),
# JAVA (java binary), PYTHON (python3 binary).
set -euo pipefail
# shellcheck source=common.sh
. "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/common.sh"

NAME="$CASS_DEFAULT_NAME"
ADDRESS="127.0.0.1"
DC="dc1"
RACK="rack1"
SEEDS="127.0.0.1"
NATIVE_PORT="9042"
STORAGE_PORT="7000"
JMX_PORT=""
HEAP="${DOLIUM_CASSANDRA_HEAP:-512M}"
TIMEOUT="${DOLIUM_CASSANDRA_START_TIMEOUT:-180}"
RING_DELAY_MS="${DOLIUM_CASSANDRA_RING_DELAY_MS:-}"
JAVA="${JAVA:-java}"

need() { [ $# -ge 2 ] && [ -n "$2" ] || cass_die "option $1 needs a value"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --name)         need "$@"; NAME="$2"; shift 2 ;;
    --address)      need "$@"; ADDRESS="$2"; shift 2 ;;
    --dc)           need "$@"; DC="$2"; shift 2 ;;
    --rack)         need "$@"; RACK="$2"; shift 2 ;;
    --seeds)        need "$@"; SEEDS="$2"; shift 2 ;;
    --native-port)  need "$@"; NATIVE_PORT="$2"; shift 2 ;;
    --storage-port) need "$@"; STORAGE_PORT="$2"; shift 2 ;;
    --jmx-port)     need "$@"; JMX_PORT="$2"; shift 2 ;;
    --heap)         need "$@"; HEAP="$2"; shift 2 ;;
    --timeout)      need "$@"; TIMEOUT="$2"; shift 2 ;;
    -h|--help)      sed -n '2,20p' "$0"; exit 0 ;;
    *) cass_die "unknown argument: $1 (see --help)" ;;
  esac
done

cass_check_name "$NAME"
[[ "$ADDRESS" =~ ^127\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || cass_die "--address must be a loopback IPv4 address (127.x.y.z), got '$ADDRESS'"
if [ -z "$RING_DELAY_MS" ]; then
  # Cassandra sleeps up to RING_DELAY (default 30s) at startup waiting to learn
  # the schema from peers. A seed has nobody to learn from: keep it short. A
  # non-seed node keeps 5s so a fresh node gets the cluster's schema before it
  # accepts CQL.
  case ",$SEEDS," in
    *",$ADDRESS,"*|*",$ADDRESS:"*) RING_DELAY_MS=1000 ;;
    *) RING_DELAY_MS=5000 ;;
  esac
fi
for p in "$NATIVE_PORT" "$STORAGE_PORT" "$TIMEOUT" "$RING_DELAY_MS"; do
  [[ "$p" =~ ^[0-9]+$ ]] || cass_die "not a number: '$p'"
done
[[ "$HEAP" =~ ^[0-9]+[MmGg]$ ]] || cass_die "--heap must look like 512M or 1G, got '$HEAP'"
[[ "$DC" =~ ^[A-Za-z0-9_-]+$ ]] || cass_die "invalid --dc '$DC'"
[[ "$RACK" =~ ^[A-Za-z0-9_-]+$ ]] || cass_die "invalid --rack '$RACK'"
[[ "$SEEDS" =~ ^[0-9.:,]+$ ]] || cass_die "invalid --seeds '$SEEDS' (comma separated IPv4 addresses)"
if [ -z "$JMX_PORT" ]; then
  # One JMX port per node: JMX binds the loopback address 127.0.0.1 whatever
  # the node's address, so derive it from the last octet: .1 -> 7199, .2 -> 7200.
  JMX_PORT=$(( 7199 + ${ADDRESS##*.} - 1 ))
fi
[[ "$JMX_PORT" =~ ^[0-9]+$ ]] || cass_die "--jmx-port must be a number (0 disables JMX)"

NODE_DIR="$(cass_node_dir "$NAME")"
CONF_DIR="$NODE_DIR/conf"
LOG_DIR="$NODE_DIR/logs"
PID_FILE="$NODE_DIR/cassandra.pid"

wait_ready() {
  local pid="$1" started="$2" deadline=$(( $2 + TIMEOUT ))
  while :; do
    if cass_cqlping "$ADDRESS" "$NATIVE_PORT" --timeout 3; then
      echo "start.sh: $NAME READY on $ADDRESS:$NATIVE_PORT (dc=$DC rack=$RACK pid=$pid) after $(( $(date +%s) - started ))s" >&2
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      cass_log "$NAME (pid $pid) exited during startup; last log lines:"
      tail -n 60 "$LOG_DIR/system.log" >&2 2>/dev/null || true
      tail -n 30 "$LOG_DIR/stdout.log" >&2 2>/dev/null || true
      rm -f "$PID_FILE"
      return 1
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      cass_log "$NAME did not answer CQL on $ADDRESS:$NATIVE_PORT within ${TIMEOUT}s (pid $pid still running; stop it with stop.sh --name $NAME); last log lines:"
      tail -n 60 "$LOG_DIR/system.log" >&2 2>/dev/null || true
      tail -n 30 "$LOG_DIR/stdout.log" >&2 2>/dev/null || true
      return 1
    fi
    sleep 1
  done
}

# --- reuse a running node ----------------------------------------------------
if pid="$(cass_running_pid "$NAME")"; then
  if cass_load_env "$NAME" && { [ "$ADDRESS" != "${CASS_ADDRESS:-}" ] || [ "$NATIVE_PORT" != "${CASS_NATIVE_PORT:-}" ]; }; then
    cass_die "node $NAME is already running on ${CASS_ADDRESS:-?}:${CASS_NATIVE_PORT:-?}; stop it first to change its address or port"
  fi
  if cass_cqlping "$ADDRESS" "$NATIVE_PORT" --timeout 3; then
    echo "start.sh: $NAME already running (pid $pid) and READY on $ADDRESS:$NATIVE_PORT" >&2
    exit 0
  fi
  cass_log "$NAME already running (pid $pid) but not answering yet; waiting"
  wait_ready "$pid" "$(date +%s)"
  exit $?
fi

# --- install jars if needed (offline no-op when already complete) -------------
"$CASS_SCRIPT_DIR/install.sh"
command -v "$JAVA" >/dev/null 2>&1 || cass_die "'$JAVA' not found (JDK 17 required)"
JAMM_JAR="$(compgen -G "$CASS_LIB_DIR/jamm-*.jar" | head -n1)"
[ -n "$JAMM_JAR" ] || cass_die "jamm agent jar not found in $CASS_LIB_DIR"

# --- refuse to start on top of something else ---------------------------------
port_busy() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }
for p in "$NATIVE_PORT" "$STORAGE_PORT"; do
  if port_busy "$ADDRESS" "$p"; then
    cass_die "$ADDRESS:$p is already in use by another process (not node $NAME)"
  fi
done
if [ "$JMX_PORT" != 0 ] && port_busy 127.0.0.1 "$JMX_PORT"; then
  cass_die "JMX port 127.0.0.1:$JMX_PORT is already in use; pass --jmx-port"
fi

mkdir -p "$CONF_DIR" "$LOG_DIR" "$NODE_DIR/data" "$NODE_DIR/commitlog" \
         "$NODE_DIR/saved_caches" "$NODE_DIR/hints" "$NODE_DIR/cdc_raw" "$NODE_DIR/triggers" \
         "$NODE_DIR/tmp"

# Seeds: add the storage port to entries that lack one.
SEED_LIST=""
IFS=',' read -r -a seed_arr <<<"$SEEDS"
for s in "${seed_arr[@]}"; do
  [ -n "$s" ] || continue
  case "$s" in *:*) ;; *) s="$s:$STORAGE_PORT" ;; esac
  SEED_LIST="${SEED_LIST:+$SEED_LIST,}$s"
done

# --- cassandra.yaml -------------------------------------------------------------
cat >"$CONF_DIR/cassandra.yaml" <<EOF
# Generated by deploy/cassandra/start.sh for node '$NAME'. Rewritten on every start.
cluster_name: 'dolium-test'
num_tokens: 16
allocate_tokens_for_local_replication_factor: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
# Test clusters are created fresh, all nodes together: no streaming on join.
auto_bootstrap: false

listen_address: $ADDRESS
rpc_address: $ADDRESS
storage_port: $STORAGE_PORT
start_native_transport: true
native_transport_port: $NATIVE_PORT
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$SEED_LIST"
endpoint_snitch: GossipingPropertyFileSnitch

authenticator: AllowAllAuthenticator
authorizer: AllowAllAuthorizer
role_manager: CassandraRoleManager
network_authorizer: AllowAllNetworkAuthorizer

data_file_directories:
  - $NODE_DIR/data
commitlog_directory: $NODE_DIR/commitlog
saved_caches_directory: $NODE_DIR/saved_caches
hints_directory: $NODE_DIR/hints
cdc_raw_directory: $NODE_DIR/cdc_raw
cdc_enabled: false

commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 32MiB
commitlog_total_space: 512MiB

hinted_handoff_enabled: true
max_hint_window: 3h

disk_failure_policy: stop
commit_failure_policy: stop

# Small footprint for a shared test machine.
concurrent_compactors: 1
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
file_cache_size: 32MiB
key_cache_size: 16MiB
networking_cache_size: 16MiB

# Tests drop and truncate tables a lot: do not keep snapshots of them.
auto_snapshot: false
# Fresh clusters only: enable all Cassandra 5 storage features.
storage_compatibility_mode: NONE
EOF

cat >"$CONF_DIR/cassandra-rackdc.properties" <<EOF
# Generated by deploy/cassandra/start.sh for node '$NAME'.
dc=$DC
rack=$RACK
prefer_local=true
EOF

cat >"$CONF_DIR/logback.xml" <<EOF
<!-- Generated by deploy/cassandra/start.sh for node '$NAME'. -->
<configuration scan="false">
  <appender name="SYSTEMLOG" class="ch.qos.logback.core.rolling.RollingFileAppender">
    <file>$LOG_DIR/system.log</file>
    <rollingPolicy class="ch.qos.logback.core.rolling.SizeAndTimeBasedRollingPolicy">
      <fileNamePattern>$LOG_DIR/system.log.%d{yyyy-MM-dd}.%i.gz</fileNamePattern>
      <maxFileSize>20MB</maxFileSize>
      <maxHistory>3</maxHistory>
      <totalSizeCap>200MB</totalSizeCap>
    </rollingPolicy>
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <!-- Console (logs/stdout.log) only gets warnings and errors. -->
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <filter class="ch.qos.logback.classic.filter.ThresholdFilter">
      <level>WARN</level>
    </filter>
    <encoder>
      <pattern>%-5level [%thread] %date{ISO8601} %F:%L - %msg%n</pattern>
    </encoder>
  </appender>
  <root level="INFO">
    <appender-ref ref="SYSTEMLOG"/>
    <appender-ref ref="STDOUT"/>
  </root>
  <logger name="org.apache.cassandra" level="INFO"/>
</configuration>
EOF

cat >"$NODE_DIR/node.env" <<EOF
CASS_NAME=$NAME
CASS_ADDRESS=$ADDRESS
CASS_NATIVE_PORT=$NATIVE_PORT
CASS_STORAGE_PORT=$STORAGE_PORT
CASS_JMX_PORT=$JMX_PORT
CASS_DC=$DC
CASS_RACK=$RACK
CASS_SEEDS=$SEEDS
CASS_HEAP=$HEAP
EOF

# --- JVM options ----------------------------------------------------------------
# From Cassandra 5.0's conf/jvm-server.options and conf/jvm17-server.options,
# plus what bin/cassandra and cassandra-env.sh add, tuned for 2 shared cores.
JVM_OPTS=(
  -Xms"$HEAP" -Xmx"$HEAP"
  -Xss256k
  -ea -da:net.openhft...
  -XX:+UseThreadPriorities
  -XX:+UseTLAB -XX:+ResizeTLAB
  -XX:+PerfDisableSharedMem
  -XX:+ExitOnOutOfMemoryError
  -Djava.net.preferIPv4Stack=true
  # GC (jvm17-server.options; region size left to the JVM for small heaps)
  -XX:+UseG1GC
  -XX:+ParallelRefProcEnabled
  -XX:MaxTenuringThreshold=1
  -XX:G1RSetUpdatingPauseTimePercent=5
  -XX:MaxGCPauseMillis=300
  -XX:InitiatingHeapOccupancyPercent=70
  # small shared machine
  -XX:ActiveProcessorCount=2
  -XX:ParallelGCThreads=2
  -XX:ConcGCThreads=1
  # JPMS (jvm17-server.options)
  -Djdk.attach.allowAttachSelf=true
  --add-exports java.base/jdk.internal.misc=ALL-UNNAMED
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports java.management.rmi/com.sun.jmx.remote.internal.rmi=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports java.rmi/sun.rmi.server=ALL-UNNAMED
  --add-exports java.sql/java.sql=ALL-UNNAMED
  --add-exports java.base/java.lang.ref=ALL-UNNAMED
  --add-exports jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-exports jdk.attach/sun.tools.attach=ALL-UNNAMED
  --add-opens java.base/java.lang.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.loader=ALL-UNNAMED
  --add-opens java.base/jdk.internal.ref=ALL-UNNAMED
  --add-opens java.base/jdk.internal.reflect=ALL-UNNAMED
  --add-opens java.base/jdk.internal.math=ALL-UNNAMED
  --add-opens java.base/jdk.internal.module=ALL-UNNAMED
  --add-opens java.base/jdk.internal.util.jar=ALL-UNNAMED
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens java.base/java.io=ALL-UNNAMED
  --add-opens java.base/java.nio=ALL-UNNAMED
  --add-opens java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens java.base/java.lang=ALL-UNNAMED
  --add-opens java.base/java.util=ALL-UNNAMED
  --add-opens java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens java.base/java.net=ALL-UNNAMED
  # Netty (jvm17-server.options)
  -Dio.netty.tryReflectionSetAccessible=true
  -Dio.netty.allocator.useCacheForAllThreads=true
  -Dio.netty.allocator.maxOrder=11
  # jamm measures object sizes for memtables
  -javaagent:"$JAMM_JAR"
  # Cassandra
  -Dcassandra.config="file://$CONF_DIR/cassandra.yaml"
  -Dcassandra-rackdc.properties="file://$CONF_DIR/cassandra-rackdc.properties"
  -Dlogback.configurationFile="file://$CONF_DIR/logback.xml"
  -Dcassandra.logdir="$LOG_DIR"
  -Dcassandra.storagedir="$NODE_DIR"
  -Dcassandra.triggers_dir="$NODE_DIR/triggers"
  -Dcassandra-foreground=no
  -Djava.io.tmpdir="$NODE_DIR/tmp"
  # fast startup for test clusters
  -Dcassandra.skip_wait_for_gossip_to_settle=0
  -Dcassandra.ring_delay_ms="$RING_DELAY_MS"
)
if [ "$JMX_PORT" != 0 ]; then
  # Local-only JMX (binds 127.0.0.1), no authentication; nodetool can use it.
  JVM_OPTS+=(-Dcassandra.jmx.local.port="$JMX_PORT" -Djava.rmi.server.hostname=127.0.0.1)
fi
if [ -n "${DOLIUM_CASSANDRA_JVM_OPTS:-}" ]; then
  # shellcheck disable=SC2206
  JVM_OPTS+=($DOLIUM_CASSANDRA_JVM_OPTS)
fi

# --- launch -------------------------------------------------------------------
started=$(date +%s)
{
  echo "=== $(date -u +%FT%TZ) start.sh starting $NAME on $ADDRESS (dc=$DC rack=$RACK)"
} >>"$LOG_DIR/stdout.log"
cd "$NODE_DIR"
# setsid: own session, so the node survives the caller's terminal/job control.
setsid nohup "$JAVA" "${JVM_OPTS[@]}" -cp "$CASS_LIB_DIR/*" \
  org.apache.cassandra.service.CassandraDaemon </dev/null >>"$LOG_DIR/stdout.log" 2>&1 &
pid=$!
echo "$pid" >"$PID_FILE"
cass_log "started $NAME (pid $pid, heap $HEAP, jmx ${JMX_PORT/#0/off}); waiting up to ${TIMEOUT}s for CQL on $ADDRESS:$NATIVE_PORT"
wait_ready "$pid" "$started"
