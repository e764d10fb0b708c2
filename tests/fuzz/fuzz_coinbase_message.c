/*
 * fuzz_coinbase_message.c — libFuzzer target for feed-coinbase's message
 * parser (plugins/feed-coinbase/parse.c), the code that reads bytes from
 * the network. Build: `make fuzz` (needs clang); run:
 *   build/fuzz/fuzz_coinbase_message var/fuzz/coinbase_message
 * tests/fuzz/corpus/coinbase_message Seeds live in
 * tests/fuzz/corpus/coinbase_message; test_coinbase_parse runs every file there
 * under the normal (and ASan) test build.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const ids[] = {"BTC-USD", "ETH-USD"};
    const cb_products products = {ids, 2};
    cb_message m;
    cb_parse_message((const char *)data, size, &products, &m);
    cb_parse_message((const char *)data, size, NULL, &m);
    /* The timestamp parser on its own, NUL-terminated as it expects. */
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
        int64_t ms;
        cb_parse_time(s, &ms);
        free(s);
    }
    return 0;
}
