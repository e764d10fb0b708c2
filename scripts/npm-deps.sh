#!/usr/bin/env bash
# The project's one npm setup: webui/package.json and its lock file,
# installed with `npm ci` into webui/node_modules/ (never committed;
# .gitignore) when the lock file is newer than the last install. Used by
# the build (lightweight-charts for the report), the browser tests
# (playwright-core), the prompt's token counts (gpt-tokenizer) and the
# dashboard. Needs node and npm: Debian's nodejs and npm packages when the
# machine has neither.
set -euo pipefail
cd "$(dirname "$0")/../webui"

stamp=node_modules/.installed
if [ -f "$stamp" ] && [ "$stamp" -nt package.json ] &&
  [ "$stamp" -nt package-lock.json ]; then
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
echo "perpd: npm ci in webui/ (webui/package-lock.json)" >&2
npm ci --no-audit --no-fund --loglevel=error >/dev/null
touch "$stamp"
