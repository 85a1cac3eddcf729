#!/usr/bin/env bash
# conformance/install-clients.sh — install the client programs the
# conformance suite drives, each only when it is missing (run by
# `make test-deps`; safe to run again):
#   - restic, from Debian's package;
#   - the aws CLI v2, from Debian's awscli package (/usr/bin/aws);
#   - the aws CLI v1, from PyPI's awscli, in a Python venv at
#     bin/awscli-v1 (ignored by git), where test/harness looks for it.
# Debian packages need root (or sudo); `apt-get update` runs once, and
# only when something is to be installed.
#
# Environment: AWSCLI_V1_VERSION (the PyPI version; default below).
set -euo pipefail

cd "$(dirname "$0")/.."
V1_VERSION=${AWSCLI_V1_VERSION:-1.46.3}
V1_DIR=$PWD/bin/awscli-v1

apt_updated=
apt_install() {
	if ! command -v apt-get >/dev/null 2>&1; then
		echo "install-clients: need Debian packages $* but there is no apt-get; install them by hand" >&2
		exit 1
	fi
	local sudo=
	if [[ $(id -u) != 0 ]]; then
		command -v sudo >/dev/null 2>&1 || { echo "install-clients: need root or sudo to install $*" >&2; exit 1; }
		sudo=sudo
	fi
	if [[ -z $apt_updated ]]; then
		$sudo apt-get update -qq
		apt_updated=1
	fi
	echo "==> apt-get install $*" >&2
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# Debian's packages: restic, and the aws CLI v2 as /usr/bin/aws (another
# aws earlier on PATH, such as a pip-installed v1, does not count).
pkgs=()
command -v restic >/dev/null 2>&1 || pkgs+=(restic)
[[ -x /usr/bin/aws && $(/usr/bin/aws --version 2>&1) == aws-cli/2.* ]] || pkgs+=(awscli)
if ((${#pkgs[@]})); then
	apt_install "${pkgs[@]}"
fi

# The aws CLI v1 in its own venv, pinned.
if [[ ! -x $V1_DIR/bin/aws || $("$V1_DIR/bin/aws" --version 2>&1) != aws-cli/$V1_VERSION\ * ]]; then
	echo "==> aws CLI $V1_VERSION (PyPI awscli) into bin/awscli-v1" >&2
	rm -rf "$V1_DIR"
	if ! python3 -m venv "$V1_DIR" 2>/dev/null; then
		# Debian's python3 ships venv's ensurepip separately.
		rm -rf "$V1_DIR"
		apt_install python3-venv
		python3 -m venv "$V1_DIR"
	fi
	"$V1_DIR/bin/python" -m pip install --quiet --disable-pip-version-check "awscli==$V1_VERSION"
fi

echo "restic: $(restic version)"
echo "aws CLI v1: $("$V1_DIR/bin/aws" --version 2>&1)"
echo "aws CLI v2: $(/usr/bin/aws --version 2>&1)"
