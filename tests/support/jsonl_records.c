/*
 * jsonl_records.c — see jsonl_records.h.
 */
#include "jsonl_records.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *jsonl_records_read(const char *dir)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/records.jsonl", dir);
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f, "no records written at %s", path);
    json_t *all = json_array();
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        cr_assert_not_null(j, "bad JSONL line: %s", e.text);
        json_array_append_new(all, j);
    }
    free(line);
    fclose(f);
    return all;
}

static int is_type(json_t *rec, const char *type)
{
    const char *t = json_string_value(json_object_get(rec, "type"));
    return t && strcmp(t, type) == 0;
}

json_t *jsonl_records_of_type(json_t *all, const char *type)
{
    json_t *out = json_array();
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec)
    {
        if (is_type(rec, type))
            json_array_append(out, rec);
    }
    return out;
}

size_t jsonl_records_count(json_t *all, const char *type)
{
    size_t n = 0, i;
    json_t *rec;
    json_array_foreach(all, i, rec) n += is_type(rec, type);
    return n;
}

json_t *jsonl_records_nth(json_t *all, const char *type, size_t k)
{
    size_t i;
    json_t *rec;
    json_array_foreach(all, i, rec)
    {
        if (is_type(rec, type) && k-- == 0)
            return rec;
    }
    return NULL;
}

double jsonl_num(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    cr_assert(json_is_number(v), "field %s missing", key);
    return json_number_value(v);
}

const char *jsonl_str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

long long jsonl_ts(json_t *o)
{
    return json_integer_value(json_object_get(o, "ts"));
}

size_t jsonl_decision_cycles(json_t *all)
{
    size_t n = 0, i;
    json_t *rec;
    json_array_foreach(all, i, rec)
    {
        if (!is_type(rec, "decision"))
            continue;
        json_t *held = json_object_get(json_object_get(rec, "data"), "held");
        json_t *cycles = json_object_get(held, "cycles");
        n += json_is_integer(cycles) ? (size_t)json_integer_value(cycles) : 1;
    }
    return n;
}
