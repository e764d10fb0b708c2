#!/usr/bin/env bash
# Installs the Debian packages perpd needs to build and test, when missing.
# Run as root it uses apt-get; otherwise it names what is missing and fails.
set -euo pipefail

PKGS=(
  make gcc pkg-config
  libyaml-dev libjansson-dev libcurl4-openssl-dev libssl-dev
  libwebsockets-dev libmicrohttpd-dev libcriterion-dev
  libpq-dev
  libsecp256k1-dev libmsgpack-dev nettle-dev
  xxd chromium
  postgresql    # the server: the tests' clusters and `make run`'s var/pg
  man-db groff-base
  clang libclang-rt-dev valgrind
  wrk           # make bench: the dashboard under load
)

# Every `make run` and `make replay` comes here: once everything was
# found, a stamp newer than dpkg's database and this file says so without
# asking dpkg again (a tenth of a second of `make replay`).
stamp="$(cd "$(dirname "$0")/.." && pwd)/build/.deps-found"
if [ -f "$stamp" ] && [ "$stamp" -nt /var/lib/dpkg/status ] && [ "$stamp" -nt "$0" ]; then
  exit 0
fi

# One dpkg-query for all (one a package cost a second of every `make run`
# and `make replay`); a package dpkg does not know prints no line.
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PKGS[@]}" 2>/dev/null |
  awk '/ install ok installed$/ { print $1 }' || true)
missing=()
for p in "${PKGS[@]}"; do
  if ! grep -qx -- "$p" <<<"$installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  mkdir -p "$(dirname "$stamp")" && touch "$stamp" || true
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "perpd: missing Debian packages: ${missing[*]}" >&2
  echo "perpd: run as root, or: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi

echo "perpd: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# perpd starts its own clusters (scripts/pg-cluster.sh): the package's
# default cluster, listening on TCP port 5432, is not wanted.
# A drop-in (createcluster.conf includes the folder), not the package's
# own conffile, so dpkg has nothing to ask.
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
  mkdir -p /etc/postgresql-common/createcluster.d
  echo "create_main_cluster = false" \
    >/etc/postgresql-common/createcluster.d/perpd.conf
fi
apt-get update -qq -o DPkg::Lock::Timeout=600
apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends "${missing[@]}" >/dev/null
