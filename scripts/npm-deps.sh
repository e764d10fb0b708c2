#!/usr/bin/env bash
# Installs the npm packages of package.json into node_modules/ when one is
# missing (never committed; .gitignore). Needs node and npm: Debian's
# nodejs and npm packages when the machine has neither.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -f node_modules/gpt-tokenizer/package.json ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "perpd: npm is missing: sudo apt-get install nodejs npm" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq -o DPkg::Lock::Timeout=600
  apt-get install -y -qq -o DPkg::Lock::Timeout=600 --no-install-recommends \
    nodejs npm >/dev/null
fi
echo "perpd: installing npm packages into node_modules/" >&2
npm install --no-audit --no-fund --no-package-lock --loglevel=error >/dev/null
