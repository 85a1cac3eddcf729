#!/usr/bin/env bash
# test/bench/soak.sh — the soak of issue "nothing lost, nobody starved": a mixed
# workload (warp mixed plus tracked PUT, multipart overwrite and delete)
# while the gateway is SIGKILLed and restarted every few minutes, on the
# embedded store and on Cassandra (both at once). See test/fault/soak_test.go.
#
# Usage: ./test/bench/soak.sh   (or `make soak`)
# Environment: SOAK_DURATION (default 30m), SOAK_KILL_EVERY (default 3m),
#   SOAK_STORES (default "embedded cassandra"), SOAK_WORKERS (tracked writers, default 4;
#   the Cassandra chunk table keeps deleted chunks for gc_grace_seconds (3 h), so a
#   30-minute run needs disk for everything written: about 130 GiB at 4 writers here).
# The summary rows go to test/bench/soak-latest.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
WARP=$(BENCH_INSTALL_ONLY=1 ./test/bench/run.sh | tail -n 1)
[[ -x $WARP ]] || { echo "soak: installing warp failed" >&2; exit 1; }
OUT=test/bench/soak-latest.md
{
	echo "soak: $(git rev-parse --short HEAD 2>/dev/null || echo unknown), ${SOAK_DURATION:-30m}, a kill every ${SOAK_KILL_EVERY:-3m}, $(nproc) cores"
	echo
	echo "| store | duration | kills | acked writes | cut by a kill | other failures | bytes written | wrong objects | warp runs ok/all | orphans / stored data sets | peak RSS |"
	echo "|---|---|---|---|---|---|---|---|---|---|---|"
} >"$OUT"
pids=()
for store in ${SOAK_STORES:-embedded cassandra}; do
	SOAK_STORE=$store SOAK_WARP=$WARP SOAK_OUT=$PWD/$OUT \
		go test -tags soak -count=1 -run '^TestSoak$' -timeout 3h -v ./test/fault/ >"test/bench/soak-$store.log" 2>&1 &
	pids+=($!)
done
rc=0
for p in "${pids[@]}"; do wait "$p" || rc=1; done
cat "$OUT"
for store in ${SOAK_STORES:-embedded cassandra}; do
	grep -E -- '--- (PASS|FAIL)|soak_test.go' "test/bench/soak-$store.log" | tail -n 20
done
exit $rc
