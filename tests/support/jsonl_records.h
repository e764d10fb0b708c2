/*
 * jsonl_records.h — reads the records.jsonl a perpd run wrote (the jsonl
 * sink's one JSON object per line) for integration tests that check the
 * records against hand-worked values. A missing file or a line that is
 * not JSON fails the calling test.
 */
#ifndef TESTS_JSONL_RECORDS_H
#define TESTS_JSONL_RECORDS_H

#include <jansson.h>
#include <stddef.h>

/* Every line of dir/records.jsonl, in file order, as a JSON array (owned
 * by the caller: json_decref). */
json_t *jsonl_records_read(const char *dir);
/* The records of one "type" in all, in order: a new array (caller
 * json_decref) holding references to all's objects. */
json_t *jsonl_records_of_type(json_t *all, const char *type);
size_t jsonl_records_count(json_t *all, const char *type);
/* The k-th (0-based) record of a type, borrowed from all; NULL if fewer. */
json_t *jsonl_records_nth(json_t *all, const char *type, size_t k);

/* Cycles the DECISION records of all stand for: a record of a collapsed
 * run of holds counts its "held"."cycles", any other one 1. */
size_t jsonl_decision_cycles(json_t *all);

/* Field accessors. num fails the test when key is not a number; str gives
 * "" for a missing or non-string field; ts gives 0 without one. */
double jsonl_num(json_t *o, const char *key);
const char *jsonl_str(json_t *o, const char *key);
long long jsonl_ts(json_t *o);

#endif
