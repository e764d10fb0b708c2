#!/usr/bin/env bash
# Regenerates the seed files of tests/fuzz/corpus/plugin_elf: small shared
# objects (about 1.6 KB each, stripped, no libc) that exercise each branch
# of host/plugin_elf.c, and a few damaged copies. Run from the repo root
# on x86-64 and commit the result; test_plugin_elf checks the outcome of
# every file named here (the fuzzer adds more under other names).
set -euo pipefail
out=tests/fuzz/corpus/plugin_elf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
flags=(-shared -fPIC -Os -nostdlib -Wl,-s -Wl,-z,norelro -Wl,-z,noseparate-code)

cat >"$tmp/entry.c" <<'C'
__attribute__((visibility("default"))) const void *perp_plugin_entry(void);
const void *perp_plugin_entry(void) { return 0; }
C
cat >"$tmp/other.c" <<'C'
__attribute__((visibility("default"))) int not_a_plugin(void);
int not_a_plugin(void) { return 1; }
C
cat >"$tmp/data.c" <<'C'
__attribute__((visibility("default"))) const int perp_plugin_entry = 1;
C
cc "${flags[@]}" -Wl,--hash-style=gnu -o "$out/entry_gnu_hash.so" "$tmp/entry.c"
cc "${flags[@]}" -Wl,--hash-style=sysv -o "$out/entry_sysv_hash.so" "$tmp/entry.c"
cc "${flags[@]}" -Wl,--hash-style=gnu -o "$out/no_entry.so" "$tmp/other.c"
cc "${flags[@]}" -Wl,--hash-style=gnu -o "$out/entry_is_data.so" "$tmp/data.c"

# Damaged copies of the good one.
src="$out/entry_gnu_hash.so"
head -c 700 "$src" >"$out/truncated_700.so"
head -c 40 "$src" >"$out/truncated_header.so"
patch_byte() { # file offset value(decimal)
  printf "$(printf '\\%03o' "$3")" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}
cp "$src" "$out/machine_aarch64.so" && patch_byte "$out/machine_aarch64.so" 18 183
cp "$src" "$out/class_32bit_i386.so" && patch_byte "$out/class_32bit_i386.so" 4 1 \
  && patch_byte "$out/class_32bit_i386.so" 18 3
cp "$src" "$out/type_executable.so" && patch_byte "$out/type_executable.so" 16 2
printf 'GROUP ( /lib/x86_64-linux-gnu/libc.so.6 )\n' >"$out/linker_script.so"
echo "seeds written to $out"
