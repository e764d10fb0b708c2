/*
 * fuzz_plugin_elf.c — libFuzzer target for the ELF check the plugin
 * loader runs before dlopen (host/plugin_elf.c): any bytes as a would-be
 * plugin file. Build: `make fuzz` (needs clang); run:
 *   build/fuzz/fuzz_plugin_elf var/fuzz/plugin_elf tests/fuzz/corpus/plugin_elf
 * Seeds come from tests/fuzz/make_elf_seeds.sh; test_plugin_elf runs every
 * file of the corpus under the normal (and ASan) test build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_elf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    /* A refusal always says why. */
    if (host_elf_check_image(data, size, err, sizeof err) != 0 && !err[0])
        abort();
    return 0;
}
