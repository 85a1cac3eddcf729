#!/usr/bin/env bash
# Install Apache Cassandra (server jar + runtime dependencies) from Maven
# Central into a local lib directory, using deploy/cassandra/pom.xml.
#
# Usage: install.sh [--force]
#
# Environment:
#   DOLIUM_CASSANDRA_HOME  directory that receives the jars
#                          (default: deploy/cassandra/.work/lib)
#   MVN                    maven command (default: mvn)
#
# A marker file (.dolium-install-complete) records a hash of pom.xml; when it
# matches, the script exits at once without touching the network, so a second
# run is offline and takes milliseconds. Bumping the version in pom.xml
# triggers a fresh install.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LIB_DIR="${DOLIUM_CASSANDRA_HOME:-$SCRIPT_DIR/.work/lib}"
MVN="${MVN:-mvn}"
MARKER_NAME=".dolium-install-complete"
FORCE=0

while [ $# -gt 0 ]; do
  case "$1" in
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

pom_hash() { sha256sum "$SCRIPT_DIR/pom.xml" | cut -d' ' -f1; }

is_complete() {
  [ -f "$LIB_DIR/$MARKER_NAME" ] || return 1
  [ "$(sed -n 's/^pom_sha256=//p' "$LIB_DIR/$MARKER_NAME")" = "$(pom_hash)" ] || return 1
  compgen -G "$LIB_DIR/cassandra-all-*.jar" >/dev/null || return 1
  compgen -G "$LIB_DIR/jamm-*.jar" >/dev/null || return 1
  compgen -G "$LIB_DIR/logback-classic-*.jar" >/dev/null || return 1
  return 0
}

if [ "$FORCE" = 0 ] && is_complete; then
  exit 0
fi

mkdir -p "$(dirname "$LIB_DIR")"
# Serialise concurrent installs (e.g. two start.sh launched together).
exec 9>"$LIB_DIR.lock"
flock 9
if [ "$FORCE" = 0 ] && is_complete; then
  exit 0
fi

command -v "$MVN" >/dev/null 2>&1 || { echo "install.sh: '$MVN' not found (Maven 3 is required)" >&2; exit 1; }

STAGE="$LIB_DIR.tmp.$$"
rm -rf "$STAGE"
mkdir -p "$STAGE"
trap 'rm -rf "$STAGE"' EXIT

echo "install.sh: resolving Cassandra jars from Maven into $LIB_DIR ..." >&2
start=$(date +%s)
# copy-dependencies copies cassandra-all itself (it is the pom's only
# dependency) plus everything it needs at runtime, including the jamm agent.
if ! (cd "$SCRIPT_DIR" && "$MVN" -q -B -f "$SCRIPT_DIR/pom.xml" dependency:copy-dependencies \
        -DoutputDirectory="$STAGE" -DincludeScope=runtime >"$STAGE.log" 2>&1); then
  cat "$STAGE.log" >&2
  rm -f "$STAGE.log"
  echo "install.sh: maven failed" >&2
  exit 1
fi
rm -f "$STAGE.log"

for pat in 'cassandra-all-*.jar' 'jamm-*.jar' 'logback-classic-*.jar' 'logback-core-*.jar' 'slf4j-api-*.jar' 'jna-*.jar'; do
  if ! compgen -G "$STAGE/$pat" >/dev/null; then
    echo "install.sh: expected jar $pat missing after maven run" >&2
    exit 1
  fi
done

version="$(basename "$(compgen -G "$STAGE/cassandra-all-*.jar" | head -n1)" .jar)"
version="${version#cassandra-all-}"
{
  echo "cassandra_version=$version"
  echo "pom_sha256=$(pom_hash)"
  echo "jars=$(find "$STAGE" -maxdepth 1 -name '*.jar' | wc -l)"
} >"$STAGE/$MARKER_NAME"

rm -rf "$LIB_DIR"
mv "$STAGE" "$LIB_DIR"
trap - EXIT
echo "install.sh: installed Cassandra $version ($(find "$LIB_DIR" -maxdepth 1 -name '*.jar' | wc -l) jars) in $(( $(date +%s) - start ))s" >&2
