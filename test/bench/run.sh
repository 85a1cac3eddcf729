#!/usr/bin/env bash
# test/bench/run.sh — throughput and memory benchmarks of dolium with MinIO's warp.
#
# Usage: ./test/bench/run.sh            (or `make bench`)
#
# Environment:
#   BENCH_DURATION   warp --duration of each PUT/GET scenario        (default 20s)
#   BENCH_MEM_DURATION  warp --duration of each 32 x 256 MiB run    (default 120s)
#   BENCH_SKIP_MEM=1 skip the 32 x 256 MiB memory scenarios
#   BENCH_ONLY       run only scenarios whose name matches this extended regex
#   BENCH_TMPDIR     where the temporary data directories go        (default $TMPDIR or /tmp)
#   WARP_VERSION     warp version to install                        (default below)
#   BENCH_DOLIUM     use this dolium binary instead of building ./cmd/dolium
#   BENCH_SERVER_ENV extra VAR=value words for the server only, e.g. GOMEMLIMIT=200MiB
#   BENCH_STORES     stores to measure throughput on (default all): embedded, cassandra (starts
#                    the local node of deploy/cassandra, each scenario a fresh keyspace), rep3
#                    (replicate 3, write quorum 2) and ec42 (erasure 4+2) over local-disk zones
#   BENCH_SKIP_EC=1  skip the erasure coding micro-benchmark (ours vs raw reedsolomon)
#   BENCH_INSTALL_ONLY=1  install warp, print its path and exit (test/bench/soak.sh uses it)
#
# Scenario "listversions" (version listing, test/bench/listbench): loads the same
# versions into a versioned bucket on dolium embedded, dolium on Cassandra (a fresh
# keyspace on the local node of deploy/cassandra, started if 127.0.0.1:9042 does not
# answer, left running; the keyspace is dropped afterwards) and MinIO (bin/minio,
# built by test/cloud/install-minio.sh), then times full paging of ListObjectVersions
# and ListObjectsV2 and ListObjectVersions with prefix and delimiter, in rounds
# interleaved across the three servers, checking every listing. It reports medians
# and the ratios cassandra/embedded and embedded/minio. Run it alone with
# BENCH_ONLY=listversions (about 30 minutes at full size on 2 shared cores).
#   LISTBENCH_VERSIONS  versions loaded per server                   (default 100000)
#   LISTBENCH_PER_KEY   versions per key, delete markers included    (default 5)
#   LISTBENCH_WORKERS   concurrent writers while loading             (default 32)
#   LISTBENCH_ROUNDS    measured rounds of each listing per server   (default 5)
#   LISTBENCH_MAX_KEYS  max-keys of each listing request             (default 1000)
#   LISTBENCH_MAX_TIME  start no new round after this much measuring, e.g. 15m (default none)
#   LISTBENCH_SERVERS   servers to measure, in order (default "embedded cassandra minio")
#
# Each scenario gets a fresh dolium (temporary data dir, random root keys,
# free loopback port), so the peak RSS (VmHWM) reported is that scenario's.
# Raw output (warp reports, benchdata, server logs, /metrics) goes to
# test/bench/out/<timestamp>/; the summary table to test/bench/results-latest.md.
set -euo pipefail

cd "$(dirname "$0")/../.."
ROOT=$PWD

WARP_MODULE=github.com/minio/warp
WARP_VERSION=${WARP_VERSION:-v1.3.1}
# go.sum-style hash of the warp v1.3.1 module zip, checked when the module has to
# be fetched without the checksum database (see install_warp).
WARP_SUM_v1_3_1='h1:EHNax13sUn7YUR4bYpUrgXW+ldtMKoELPYzN4rrtH6U='

BENCH_DURATION=${BENCH_DURATION:-20s}
BENCH_MEM_DURATION=${BENCH_MEM_DURATION:-120s}
BENCH_ONLY=${BENCH_ONLY:-}
BENCH_SKIP_MEM=${BENCH_SKIP_MEM:-0}
BENCH_STORES=${BENCH_STORES:-embedded cassandra rep3 ec42}
BENCH_SKIP_EC=${BENCH_SKIP_EC:-0}
STORE=embedded
TMPBASE=${BENCH_TMPDIR:-${TMPDIR:-/tmp}}

BIN=$ROOT/test/bench/.bin
WARP=$BIN/warp
DOLIUM=$BIN/dolium
OUT=$ROOT/test/bench/out/$(date -u +%Y%m%dT%H%M%SZ)
RESULTS=$ROOT/test/bench/results-latest.md
mkdir -p "$BIN" "$OUT"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

for tool in go curl awk; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is required"
done

# --- warp -------------------------------------------------------------------

# install_warp installs warp $WARP_VERSION into test/bench/.bin. It tries the plain
# `go install module@version` first. Some module proxies serve the module's
# zip but not its version list (needed by go install's deprecation check) or
# its checksum-database entry; then the module is downloaded with
# `go mod download`, its hash checked against the pinned WARP_SUM_*, and it is
# built from the module cache with its own go.mod/go.sum (so every dependency
# is still verified).
install_warp() {
	if [[ -x $WARP && -f $BIN/warp.version && $(cat "$BIN/warp.version") == "$WARP_VERSION" ]]; then
		return
	fi
	log "installing warp $WARP_VERSION into test/bench/.bin"
	local tmp
	tmp=$(mktemp -d "$TMPBASE/warp-install.XXXXXX")
	if (cd "$tmp" && GOWORK=off GOFLAGS= GOBIN=$BIN go install "$WARP_MODULE@$WARP_VERSION") 2>"$tmp/install.err"; then
		echo "$WARP_VERSION" >"$BIN/warp.version"
		rm -rf "$tmp"
		return
	fi
	sed 's/^/    /' "$tmp/install.err" >&2
	log "go install failed; falling back to go mod download + go build"
	local pinvar=WARP_SUM_${WARP_VERSION//./_}
	local want=${!pinvar:-}
	[[ -n $want ]] || die "no pinned hash for warp $WARP_VERSION (set $pinvar)"
	local json dir sum
	json=$(cd "$tmp" && GOWORK=off GOFLAGS= GONOSUMDB=$WARP_MODULE go mod download -json "$WARP_MODULE@$WARP_VERSION") ||
		die "go mod download $WARP_MODULE@$WARP_VERSION failed"
	dir=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
	sum=$(printf '%s\n' "$json" | sed -n 's/^[[:space:]]*"Sum": "\(.*\)",$/\1/p')
	[[ $sum == "$want" ]] || die "warp $WARP_VERSION module hash $sum, want $want"
	(cd "$dir" && GOWORK=off GOFLAGS=-mod=readonly go build -trimpath -o "$WARP" .) || die "building warp failed"
	echo "$WARP_VERSION" >"$BIN/warp.version"
	rm -rf "$tmp"
}

install_warp
if [[ ${BENCH_INSTALL_ONLY:-} == 1 ]]; then
	echo "$WARP"
	exit 0
fi
REV=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]]; then REV="$REV (+ uncommitted changes)"; fi
if [[ -n ${BENCH_DOLIUM:-} ]]; then
	DOLIUM=$(cd "$(dirname "$BENCH_DOLIUM")" && pwd)/$(basename "$BENCH_DOLIUM")
	[[ -x $DOLIUM ]] || die "BENCH_DOLIUM=$BENCH_DOLIUM is not executable"
	log "using prebuilt dolium ${BENCH_DOLIUM}"
else
	log "building dolium"
	go build -o "$DOLIUM" ./cmd/dolium
fi

# --- server lifecycle ---------------------------------------------------------

SRV_PID= SRV_DATA= SRV_ADDR= SAMPLER_PID= SRV_KEYSPACE=
AK= SK=

randhex() { od -An -N"$1" -tx1 /dev/urandom | tr -d ' \n'; }

start_server() { # name
	local name=$1
	SRV_DATA=$(mktemp -d "$TMPBASE/dolium-bench.XXXXXX")
	AK=bench$(randhex 8)
	SK=$(randhex 20)
	# shellcheck disable=SC2086 # BENCH_SERVER_ENV is a list of VAR=value words
	local store_env="DOLIUM_STORE=embedded" cfg_args=()
	case $STORE in
	cassandra)
		SRV_KEYSPACE=bench_$(randhex 4)
		store_env="DOLIUM_STORE=cassandra DOLIUM_CASSANDRA_HOSTS=127.0.0.1:9042 DOLIUM_CASSANDRA_KEYSPACE=$SRV_KEYSPACE"
		;;
	rep3 | ec42)
		# Zones are directories on the same disk: this measures dolium's
		# placement path (fan-out, coding, checksums), not clouds.
		local cfg=$SRV_DATA/placement.yaml
		{
			echo "zones:"
			for z in 1 2 3 4 5 6; do
				printf '  - name: z%d\n    local: {path: %s/zone%d}\n' "$z" "$SRV_DATA" "$z"
			done
			echo "placements:"
			echo "  - {name: rep3, scheme: replicate, write_quorum: 2, zones: [z1, z2, z3]}"
			echo "  - {name: ec42, scheme: erasure, data: 4, parity: 2, zones: [z1, z2, z3, z4, z5, z6]}"
			echo "default_placement: $STORE"
		} >"$cfg"
		cfg_args=(--config "$cfg")
		;;
	esac
	# shellcheck disable=SC2086 # store_env is a list of VAR=value words
	env ${BENCH_SERVER_ENV:-} $store_env DOLIUM_ROOT_ACCESS_KEY="$AK" DOLIUM_ROOT_SECRET_KEY="$SK" \
		"$DOLIUM" serve --listen 127.0.0.1:0 --data "$SRV_DATA" "${cfg_args[@]}" >"$OUT/$name.server.log" 2>&1 &
	SRV_PID=$!
	SRV_ADDR=
	local i
	for i in $(seq 1 600); do
		kill -0 "$SRV_PID" 2>/dev/null || { cat "$OUT/$name.server.log" >&2; die "dolium exited at start"; }
		SRV_ADDR=$(sed -n 's/.*msg="serving S3" listen=\([^ ]*\).*/\1/p' "$OUT/$name.server.log" | head -n1)
		if [[ -n $SRV_ADDR ]] && curl -fsS "http://$SRV_ADDR/healthz" >/dev/null 2>&1; then
			break
		fi
		SRV_ADDR=
		sleep 0.1
	done
	[[ -n $SRV_ADDR ]] || die "dolium did not become healthy"
	# Sample VmRSS as a time series (VmHWM at the end is the authoritative peak).
	(
		while kill -0 "$SRV_PID" 2>/dev/null; do
			awk -v t="$(date +%s.%N)" '/^VmRSS:/ {print t, $2}' "/proc/$SRV_PID/status" 2>/dev/null || true
			sleep 0.5
		done
	) >"$OUT/$name.rss" &
	SAMPLER_PID=$!
}

# peak_rss_mib prints the server's VmHWM in MiB (with one decimal).
peak_rss_mib() {
	awk '/^VmHWM:/ {printf "%.1f", $2/1024}' "/proc/$SRV_PID/status"
}

stop_server() {
	if [[ -n $SRV_PID ]]; then
		kill "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
	fi
	if [[ -n $SAMPLER_PID ]]; then
		wait "$SAMPLER_PID" 2>/dev/null || true
	fi
	if [[ -n $SRV_DATA ]]; then
		rm -rf "$SRV_DATA"
	fi
	SRV_PID= SAMPLER_PID= SRV_DATA=
}
LISTROWS=()
LIST_PIDS=() LIST_DIRS=() LIST_SAMPLERS=() LIST_KEYSPACE=

# stop_list_servers stops the servers the listversions scenario started and
# drops its keyspace.
stop_list_servers() {
	local p d
	for p in "${LIST_PIDS[@]}"; do
		kill "$p" 2>/dev/null || true
		wait "$p" 2>/dev/null || true
	done
	for p in "${LIST_SAMPLERS[@]}"; do wait "$p" 2>/dev/null || true; done
	for d in "${LIST_DIRS[@]}"; do rm -rf "$d"; done
	LIST_PIDS=() LIST_DIRS=() LIST_SAMPLERS=()
	if [[ -n $LIST_KEYSPACE ]]; then
		python3 "$ROOT/deploy/cassandra/cqlping.py" --host 127.0.0.1 --port 9042 --timeout 60 \
			--exec "DROP KEYSPACE IF EXISTS $LIST_KEYSPACE" >/dev/null 2>&1 ||
			log "could not drop keyspace $LIST_KEYSPACE"
		LIST_KEYSPACE=
	fi
}
trap 'stop_server; stop_list_servers' EXIT
trap 'exit 130' INT TERM

# --- scenarios ------------------------------------------------------------------

ROWS=()
MEMROWS=()
PROBLEMS=()

size_bytes() { # 4MiB / 64KiB / 256MiB -> bytes
	awk -v s="$1" 'BEGIN {
		n = s + 0; u = s; sub(/^[0-9.]+/, "", u)
		m = (u == "KiB") ? 1024 : (u == "MiB") ? 1048576 : (u == "GiB") ? 1073741824 : 1
		printf "%d", n * m }'
}

# parse_avg FILE OP -> "MiB/s obj/s" from warp's "Report: OP" block.
parse_avg() {
	awk -v op="$2" '
		/^Report: / { inop = ($2 == op || $2 == op".") }
		inop && /^ \* Average:/ {
			for (i = 1; i <= NF; i++) {
				if ($i ~ /^MiB\/s/) mib = $(i-1)
				if ($i ~ /^KiB\/s/) mib = $(i-1) / 1024
				if ($i ~ /^GiB\/s/) mib = $(i-1) * 1024
				if ($i ~ /^obj\/s/) obj = $(i-1)
			}
			gsub(/,/, "", obj)
			printf "%.2f %.2f", mib, obj; exit
		}' "$1"
}

# parse_errors FILE OP -> number of errors warp reported for OP (0 if none).
parse_errors() {
	awk -v op="$2" '
		/^Report: / { inop = ($2 == op || $2 == op".") }
		inop && /^ \* Errors:/ { n = $3; exit }
		END { print n + 0 }' "$1"
}

# metric_sum FILE REGEX -> sum of dolium_s3_requests_total samples matching REGEX.
metric_sum() {
	awk -v re="$2" '/^dolium_s3_requests_total\{/ && $0 ~ re { s += $NF } END { printf "%d", s }' "$1"
}

# server_checks NAME -> records 5xx responses, error log lines and crashes.
server_checks() {
	local name=$1 m=$OUT/$1.metrics
	curl -fsS "http://$SRV_ADDR/metrics" >"$m" 2>/dev/null || true
	local s5 nimpl errlines
	s5=$(metric_sum "$m" 'status="5')
	nimpl=$(metric_sum "$m" 'op="NotImplemented",status="501"')
	errlines=$(grep -c 'level=ERROR' "$OUT/$name.server.log" || true)
	if ((s5 - nimpl > 0)); then
		PROBLEMS+=("$name: server answered $((s5 - nimpl)) requests with 5xx (see $(basename "$m"))")
	fi
	if ((errlines > 0)); then
		PROBLEMS+=("$name: $errlines ERROR lines in the server log, first: $(grep -m1 'level=ERROR' "$OUT/$name.server.log" | cut -c1-300)")
	fi
}

want() { [[ -z $BENCH_ONLY || $1 =~ $BENCH_ONLY ]]; }

# run_tp OP SIZE CONC: one throughput scenario (put or get).
run_tp() {
	local op=$1 size=$2 conc=$3
	local name=$STORE-$op-$size-c$conc
	want "$name" || return 0
	local extra=()
	if [[ $op == get ]]; then
		# Enough objects to spread the readers, capped at ~1 GiB of prepared data.
		local objs=$((1073741824 / $(size_bytes "$size")))
		((objs > 1000)) && objs=1000
		((objs < 4 * conc)) && objs=$((4 * conc))
		extra=(--objects "$objs")
	fi
	log "$name (duration $BENCH_DURATION ${extra[*]})"
	start_server "$name"
	local rc=0
	"$WARP" "$op" --no-color --host "$SRV_ADDR" --access-key "$AK" --secret-key "$SK" \
		--bucket bench --obj.size "$size" --concurrent "$conc" --duration "$BENCH_DURATION" \
		--benchdata "$OUT/$name" "${extra[@]}" >"$OUT/$name.txt" 2>&1 || rc=$?
	local alive=yes
	kill -0 "$SRV_PID" 2>/dev/null || alive=no
	local rss=n/a
	if [[ $alive == yes ]]; then
		rss=$(peak_rss_mib)
		server_checks "$name"
	else
		PROBLEMS+=("$name: dolium exited during the run; last log lines: $(tail -n 5 "$OUT/$name.server.log" | tr '\n' ' ' | cut -c1-500)")
	fi
	local OP avg errs mib objs
	OP=$(tr '[:lower:]' '[:upper:]' <<<"$op")
	avg=$(parse_avg "$OUT/$name.txt" "$OP")
	errs=$(parse_errors "$OUT/$name.txt" "$OP")
	if ((rc != 0)); then
		PROBLEMS+=("$name: warp exited $rc: $(grep -v '^$' "$OUT/$name.txt" | tail -n 3 | tr '\n' ' ' | cut -c1-500)")
	fi
	if ((errs > 0)); then
		PROBLEMS+=("$name: warp counted $errs errors; details: warp analyze --analyze.v $OUT/$name.json.zst")
	fi
	[[ -n $avg ]] || avg="n/a n/a"
	stop_server
	read -r mib objs <<<"$avg"
	ROWS+=("| $STORE | $OP | $size | $conc | $mib | $objs | $errs | $rss |")
	printf '    %s: %s MiB/s, %s obj/s, %s errors, peak RSS %s MiB\n' "$name" "$mib" "$objs" "$errs" "$rss" >&2
}

# run_mem VARIANT: 32 concurrent 256 MiB uploads; VARIANT is multipart (warp's
# default, minio-go splits into 16 MiB parts) or single (--disable-multipart:
# each object is one streamed PUT of 256 MiB).
run_mem() {
	local variant=$1
	local name=mem-put-256MiB-c32-$variant
	want "$name" || return 0
	local extra=(--noclear)
	[[ $variant == single ]] && extra+=(--disable-multipart)
	log "$name (duration $BENCH_MEM_DURATION; ~8 GiB on disk per round of 32, removed afterwards)"
	start_server "$name"
	local rc=0
	"$WARP" put --no-color --host "$SRV_ADDR" --access-key "$AK" --secret-key "$SK" \
		--bucket bench --obj.size 256MiB --concurrent 32 --duration "$BENCH_MEM_DURATION" \
		--benchdata "$OUT/$name" "${extra[@]}" >"$OUT/$name.txt" 2>&1 || rc=$?
	local alive=yes rss=n/a ndone=0 disk=n/a
	kill -0 "$SRV_PID" 2>/dev/null || alive=no
	if [[ $alive == yes ]]; then
		rss=$(peak_rss_mib)
		server_checks "$name"
		local m=$OUT/$name.metrics
		if [[ $variant == single ]]; then
			ndone=$(metric_sum "$m" 'op="PutObject",status="200"')
		else
			ndone=$(metric_sum "$m" 'op="CompleteMultipartUpload",status="200"')
		fi
		disk=$(du -sm "$SRV_DATA" | awk '{print $1}')
	else
		PROBLEMS+=("$name: dolium exited during the run; last log lines: $(tail -n 5 "$OUT/$name.server.log" | tr '\n' ' ' | cut -c1-500)")
	fi
	local avg errs mib
	avg=$(parse_avg "$OUT/$name.txt" PUT)
	errs=$(parse_errors "$OUT/$name.txt" PUT)
	[[ -n $avg ]] || avg="n/a n/a"
	if ((rc != 0)); then
		PROBLEMS+=("$name: warp exited $rc: $(grep -v '^$' "$OUT/$name.txt" | tail -n 3 | tr '\n' ' ' | cut -c1-500)")
	fi
	if ((errs > 0)); then
		PROBLEMS+=("$name: warp counted $errs errors; details: warp analyze --analyze.v $OUT/$name.json.zst")
	fi
	if ((ndone < 32)); then
		PROBLEMS+=("$name: only $ndone uploads of 256 MiB completed (fewer than one round of 32); raise BENCH_MEM_DURATION")
	fi
	stop_server
	local verdict=FAIL
	[[ $rss != n/a ]] && awk -v r="$rss" 'BEGIN { exit !(r < 256) }' && verdict=pass
	read -r mib _ <<<"$avg"
	MEMROWS+=("| $variant | $ndone | $mib | $disk | $rss | $verdict |")
	printf '    %s: %s uploads completed, %s MiB/s, peak RSS %s MiB (%s)\n' "$name" "$ndone" "$mib" "$rss" "$verdict" >&2
}

# --- version listing (test/bench/listbench) ------------------------------------------

# ensure_cassandra starts the local node of deploy/cassandra unless a node
# answers CQL at 127.0.0.1:9042 already (a running node is used, not restarted).
ensure_cassandra() {
	python3 "$ROOT/deploy/cassandra/cqlping.py" --host 127.0.0.1 --port 9042 --timeout 3 >/dev/null 2>&1 ||
		"$ROOT/deploy/cassandra/start.sh" >&2
}

# start_minio NAME: MinIO on a free loopback port with a fresh data dir; sets
# SRV_PID SRV_DATA SRV_ADDR AK SK like start_server.
start_minio() {
	local name=$1 port i try
	SRV_DATA=$(mktemp -d "$TMPBASE/minio-bench.XXXXXX")
	AK=bench$(randhex 8)
	SK=$(randhex 20)
	for try in 1 2 3 4 5; do
		port=$((20000 + $(od -An -N2 -tu2 /dev/urandom | tr -d ' ') % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
		SRV_ADDR=127.0.0.1:$port
		MINIO_ROOT_USER=$AK MINIO_ROOT_PASSWORD=$SK MINIO_BROWSER=off MINIO_UPDATE=off \
			"$ROOT/bin/minio" server "$SRV_DATA" --address "$SRV_ADDR" --quiet >"$OUT/$name.server.log" 2>&1 &
		SRV_PID=$!
		for i in $(seq 1 600); do
			kill -0 "$SRV_PID" 2>/dev/null || break
			if curl -fsS "http://$SRV_ADDR/minio/health/live" >/dev/null 2>&1; then
				return 0
			fi
			sleep 0.1
		done
		kill "$SRV_PID" 2>/dev/null || true
		wait "$SRV_PID" 2>/dev/null || true
	done
	cat "$OUT/$name.server.log" >&2
	die "MinIO did not become healthy"
}

run_listversions() {
	want listversions || return 0
	local servers=${LISTBENCH_SERVERS:-embedded cassandra minio}
	log "listversions: version listing on $servers (${LISTBENCH_VERSIONS:-100000} versions each)"
	go build -o "$BIN/listbench" ./test/bench/listbench
	local s targets=() names=() ratios=()
	for s in $servers; do
		case $s in
		embedded | cassandra)
			[[ $s == cassandra ]] && ensure_cassandra
			STORE=$s start_server "listversions-$s"
			# The RSS sampler ends with its server. (Do not kill it: a
			# subshell killed just after it was forked, before bash reset
			# the traps it inherited, runs this script's EXIT trap, which
			# stops the server.)
			LIST_SAMPLERS+=("$SAMPLER_PID")
			SAMPLER_PID=
			if [[ $s == cassandra ]]; then
				LIST_KEYSPACE=$SRV_KEYSPACE
			fi
			;;
		minio)
			[[ -x $ROOT/bin/minio ]] || "$ROOT/test/cloud/install-minio.sh"
			start_minio "listversions-$s"
			;;
		*) die "LISTBENCH_SERVERS: unknown server $s (embedded, cassandra, minio)" ;;
		esac
		LIST_PIDS+=("$SRV_PID") LIST_DIRS+=("$SRV_DATA")
		names+=("$s:$SRV_PID:$SRV_ADDR")
		targets+=(-target "$s,http://$SRV_ADDR,$AK,$SK")
		SRV_PID= SRV_DATA=
	done
	[[ " $servers " == *" cassandra "* && " $servers " == *" embedded "* ]] && ratios+=(-ratio cassandra/embedded)
	[[ " $servers " == *" embedded "* && " $servers " == *" minio "* ]] && ratios+=(-ratio embedded/minio)
	local rc=0
	"$BIN/listbench" "${targets[@]}" "${ratios[@]}" -out "$OUT/listversions.md" \
		-versions "${LISTBENCH_VERSIONS:-100000}" -per-key "${LISTBENCH_PER_KEY:-5}" \
		-workers "${LISTBENCH_WORKERS:-32}" -rounds "${LISTBENCH_ROUNDS:-5}" \
		-max-keys "${LISTBENCH_MAX_KEYS:-1000}" -max-time "${LISTBENCH_MAX_TIME:-0}" >"$OUT/listversions.txt" 2> >(tee "$OUT/listversions.log" >&2) || rc=$?
	local n pid host port
	for n in "${names[@]}"; do
		IFS=: read -r s pid host port <<<"$n"
		if ! kill -0 "$pid" 2>/dev/null; then
			PROBLEMS+=("listversions: $s exited during the run (see listversions-$s.server.log)")
			continue
		fi
		LISTROWS+=("$s peak RSS $(awk '/^VmHWM:/ {printf "%.1f", $2/1024}' "/proc/$pid/status") MiB")
		if [[ $s != minio ]]; then
			SRV_ADDR=$host:$port
			server_checks "listversions-$s"
		fi
	done
	if ((rc != 0)); then
		PROBLEMS+=("listversions: listbench exited $rc: $(tail -n 1 "$OUT/listversions.log" | cut -c1-500)")
	fi
	stop_list_servers
}

for STORE in $BENCH_STORES; do
	if [[ $STORE == cassandra ]]; then
		ensure_cassandra
	fi
	for op in put get; do
		for size in 4MiB 64KiB; do
			for conc in 8 32; do
				run_tp "$op" "$size" "$conc"
			done
		done
	done
done
STORE=embedded
run_listversions
ECROWS=()
if [[ $BENCH_SKIP_EC != 1 ]]; then
	echo "==> erasure coding: ours vs raw klauspost/reedsolomon (go test -bench)" >&2
	go test -run '^$' -bench 'EncodeShards|DecodeShards|RawReedSolomon' -benchtime 2s ./blobstore/placement/ >"$OUT/ec-bench.txt" 2>&1 || PROBLEMS+=("erasure micro-benchmark failed; see ec-bench.txt")
	# Lines: BenchmarkX/size-N  iters  ns/op  MB/s ...
	mbs() { awk -v pat="$1" '$1 ~ pat { for (i = 1; i <= NF; i++) if ($(i+1) == "MB/s") print $i }' "$OUT/ec-bench.txt" | head -n1; }
	for size in 1MiB 4MiB; do
		ours_e=$(mbs "^BenchmarkEncodeShards/.*$size") raw_e=$(mbs "^BenchmarkRawReedSolomon/Encode.*$size")
		ours_d=$(mbs "^BenchmarkDecodeShards/.*$size") raw_d=$(mbs "^BenchmarkRawReedSolomon/ReconstructData.*$size")
		ECROWS+=("| encode 4+2 | $size | ${ours_e:-n/a} | ${raw_e:-n/a} | $(awk -v a="${ours_e:-0}" -v b="${raw_e:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }') |")
		ECROWS+=("| decode 4+2, 2 data shards missing | $size | ${ours_d:-n/a} | ${raw_d:-n/a} | $(awk -v a="${ours_d:-0}" -v b="${raw_d:-0}" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }') |")
	done
fi
if [[ $BENCH_SKIP_MEM != 1 ]]; then
	run_mem multipart
	run_mem single
fi

# --- report -------------------------------------------------------------------

{
	echo "# dolium benchmark results"
	echo
	echo "warp $WARP_VERSION, $(go version | awk '{print $3}'), $(nproc) cores," \
		"$(awk '/^MemTotal:/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM;" \
		"client and server on the same machine over loopback; $(date -u +%Y-%m-%d)."
	if [[ -z ${BENCH_DOLIUM:-} ]]; then
		echo
		echo "dolium built from the work tree at $REV."
	fi
	if [[ -n ${BENCH_SERVER_ENV:-} ]]; then
		echo
		echo "Server environment: $BENCH_SERVER_ENV"
	fi
	echo
	if ((${#ROWS[@]})); then
		echo "Throughput (warp --duration $BENCH_DURATION per scenario; warp reports the steady part of the run)."
		echo "Peak RSS is the server's VmHWM over the whole scenario (for GET this includes warp's PUT of the objects it reads)."
		echo
		echo "| store | op | object size | concurrency | MiB/s | obj/s | warp errors | server peak RSS (MiB) |"
		echo "|---|---|---|---|---|---|---|---|"
		printf '%s\n' "${ROWS[@]}"
		echo
	fi
	if ((${#ECROWS[@]})); then
		echo "Erasure coding throughput on this machine (go test -bench, MB/s of blob data): dolium's shard coding (headers, CRC32C, self-contained shards) against klauspost/reedsolomon alone."
		echo
		echo "| operation | blob size | dolium MB/s | raw reedsolomon MB/s | ratio |"
		echo "|---|---|---|---|---|"
		printf '%s\n' "${ECROWS[@]}"
		echo
	fi
	if [[ -s $OUT/listversions.md ]]; then
		cat "$OUT/listversions.md"
		echo
		((${#LISTROWS[@]})) && { printf '%s; ' "${LISTROWS[@]}"; echo; echo; }
	fi
	if ((${#MEMROWS[@]})); then
		echo "Memory: 32 concurrent uploads of 256 MiB objects (warp put --duration $BENCH_MEM_DURATION); target peak RSS < 256 MiB."
		echo
		echo "| upload kind | 256 MiB uploads completed | MiB/s | data on disk (MiB) | server peak RSS (MiB) | < 256 MiB |"
		echo "|---|---|---|---|---|---|"
		printf '%s\n' "${MEMROWS[@]}"
		echo
	fi
	if ((${#PROBLEMS[@]})); then
		echo "Problems:"
		echo
		for p in "${PROBLEMS[@]}"; do echo "- ${p//$ROOT\//}"; done
	else
		echo "No warp errors, no 5xx answers (other than 501 for unimplemented calls), no ERROR log lines, no crashes."
	fi
} >"$RESULTS"

echo
cat "$RESULTS"
echo
echo "(written to test/bench/results-latest.md; raw output in ${OUT#"$ROOT"/})"
