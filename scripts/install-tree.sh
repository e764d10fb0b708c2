#!/usr/bin/env bash
# Copies the files of folder SRC into DEST, keeping their relative paths
# (mode 644), for `make install` of data folders whose contents it need
# not know (config/, webui/, migrations/). Left out: hidden files and
# folders, node_modules/ (npm's, installed into the tree for the build
# and the tests) and test/ or tests/ folders.
#   scripts/install-tree.sh SRC DEST
set -euo pipefail
src=$1
dest=$2
[ -d "$src" ] || exit 0
cd "$src"
find . \( -name '.?*' -o -name node_modules -o -name test -o -name tests \) -prune \
  -o -type f -print | sort | while IFS= read -r f; do
  install -D -m 644 "$f" "$dest/${f#./}"
done
