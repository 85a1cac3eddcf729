#!/usr/bin/env bash
# test/cloud/install-minio.sh — build the MinIO server the cloud fault tests
# use as zones (clouds dolium did not write) into bin/minio, from its Go
# module through the module proxy. Nothing of MinIO is kept in this
# repository; bin/ is ignored by git. Run by `make test-deps` and by the
# test/cloud package itself; it returns at once when the pinned version is
# there already.
#
# Environment: MINIO_VERSION (the module version to build; default below).
set -euo pipefail

cd "$(dirname "$0")/../.."
MODULE=github.com/minio/minio
# MinIO tags its releases RELEASE.<date>, which are not module versions; the
# proxy serves its commits as pseudo-versions. This one is of 2026-02-12.
VERSION=${MINIO_VERSION:-v0.0.0-20260212201848-7aac2a2c5b7c}
BIN=$PWD/bin
OUT=$BIN/minio
mkdir -p "$BIN"

if [[ -x $OUT && -f $OUT.version && $(cat "$OUT.version") == "$VERSION" ]]; then
	exit 0
fi
echo "==> building MinIO server $VERSION into bin/minio (a few minutes, once)" >&2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# Outside this module (its go.mod must not steer the build), with MinIO's
# own go.mod and go.sum. Some proxies serve a module's zip but not its
# checksum-database entry: then retry without the checksum database (the
# module's own go.sum still verifies every dependency).
if ! (cd "$tmp" && GOWORK=off GOFLAGS= GOBIN=$tmp go install "$MODULE@$VERSION") 2>"$tmp/err"; then
	sed 's/^/    /' "$tmp/err" >&2
	echo "==> retrying without the checksum database for $MODULE" >&2
	(cd "$tmp" && GOWORK=off GOFLAGS= GONOSUMDB=$MODULE GOBIN=$tmp go install "$MODULE@$VERSION")
fi
mv "$tmp/minio" "$OUT"
echo "$VERSION" >"$OUT.version"
