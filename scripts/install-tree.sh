#!/usr/bin/env bash
# Copies the files of folder SRC into DEST, keeping their relative paths
# (mode 644), for `make install` of data folders whose contents it need
# not know (config/, webui/, migrations/). Left out: hidden files and
# folders, test/ and tests/ folders, and node_modules/ (npm's, installed
# into the tree for the build and the tests) except the packages a
# package.json of SRC needs at run time (`npm ls --omit=dev`: its
# "dependencies" and theirs, not its devDependencies).
#   scripts/install-tree.sh SRC DEST
set -euo pipefail
src=$1
dest=$2
[ -d "$src" ] || exit 0
cd "$src"
copy() {
  find "$@" \( -name '.?*' -o -name node_modules -o -name test -o -name tests \) -prune \
    -o -type f -print | sort | while IFS= read -r f; do
    install -D -m 644 "$f" "$dest/${f#./}"
  done
}
copy .
if [ -f package.json ] && [ -d node_modules ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-tree.sh: $src/node_modules not copied: npm is missing" >&2
    exit 1
  fi
  here=$(pwd -P)
  npm ls --omit=dev --parseable --all 2>/dev/null | while IFS= read -r pkg; do
    rel=${pkg#"$here"/}
    [ "$rel" != "$pkg" ] && [ -d "$rel" ] || continue
    # A package's own files (its tests and dotfiles too are its own).
    find "$rel" -path "$rel/node_modules" -prune -o -type f -print |
      while IFS= read -r f; do install -D -m 644 "$f" "$dest/$f"; done
  done
fi
