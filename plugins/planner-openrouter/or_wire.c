/*
 * or_wire.c — request bodies and response envelopes.
 *
 * The json_schema response format is built from the observation's coins:
 * strict structured outputs need every property named, and naming the
 * coins also tells the model which ones exist. Exit prices may be null.
 */
#include "or_wire.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static json_t *typed(const char *type)
{
    return json_pack("{s:s}", "type", type);
}

static json_t *nullable_number(void)
{
    return json_pack("{s:[s,s]}", "type", "number", "null");
}

static json_t *coin_schema(void)
{
    json_t *exit_plan =
        json_pack("{s:s, s:{s:o, s:o, s:o}, s:[s,s,s], s:b}", "type", "object",
                  "properties", "profit_target", nullable_number(), "stop_loss",
                  nullable_number(), "invalidation_condition", typed("string"),
                  "required", "profit_target", "stop_loss",
                  "invalidation_condition", "additionalProperties", 0);
    json_t *props = json_object();
    json_object_set_new(props, "coin", typed("string"));
    json_object_set_new(props, "signal",
                        json_pack("{s:s, s:[s,s,s,s]}", "type", "string",
                                  "enum", "buy", "sell", "hold", "close"));
    json_object_set_new(props, "quantity", typed("number"));
    json_object_set_new(props, "leverage", typed("number"));
    json_object_set_new(props, "confidence", typed("number"));
    json_object_set_new(props, "risk_usd", typed("number"));
    json_object_set_new(props, "exit_plan", exit_plan);
    json_object_set_new(props, "justification", typed("string"));
    json_t *req = json_array();
    const char *key;
    json_t *v;
    json_object_foreach(props, key, v)
    {
        json_array_append_new(req, json_string(key));
    }
    return json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties",
                     props, "required", req, "additionalProperties", 0);
}

static json_t *decision_schema(const perp_observation *obs)
{
    json_t *coins = json_object();
    json_t *req = json_array();
    for (size_t i = 0; obs && i < obs->n_markets; i++) {
        json_object_set_new(coins, obs->markets[i].coin, coin_schema());
        json_array_append_new(req, json_string(obs->markets[i].coin));
    }
    json_t *positions =
        json_pack("{s:s, s:o, s:o, s:b}", "type", "object", "properties", coins,
                  "required", req, "additionalProperties", 0);
    return json_pack("{s:s, s:{s:o, s:o}, s:[s,s], s:b}", "type", "object",
                     "properties", "positions", positions, "notes_for_audience",
                     typed("string"), "required", "positions",
                     "notes_for_audience", "additionalProperties", 0);
}

static json_t *response_format(const or_request *r)
{
    if (r->format == OR_FORMAT_JSON_OBJECT)
        return json_pack("{s:s}", "type", "json_object");
    return json_pack("{s:s, s:{s:s, s:b, s:o}}", "type", "json_schema",
                     "json_schema", "name", "decision", "strict", 1, "schema",
                     decision_schema(r->obs));
}

static void message(json_t *msgs, const char *role, const char *content)
{
    json_t *m = json_object();
    json_object_set_new(m, "role", json_string(role));
    json_t *c = json_string(content);
    /* Invalid UTF-8 from a model must not drop the message. */
    json_object_set_new(m, "content", c ? c : json_string("(not UTF-8)"));
    json_array_append_new(msgs, m);
}

char *or_request_body(const or_request *r)
{
    json_t *msgs = json_array();
    message(msgs, "system", r->system);
    message(msgs, "user", r->user);
    if (r->repair_note) {
        message(msgs, "assistant", r->bad_answer ? r->bad_answer : "");
        char note[512];
        snprintf(note, sizeof note,
                 "Your previous reply could not be used: %s. Reply again "
                 "with only the JSON object in the required schema.",
                 r->repair_note);
        message(msgs, "user", note);
    }
    json_t *root = json_object();
    json_object_set_new(root, "model", json_string(r->model));
    json_object_set_new(root, "messages", msgs);
    json_object_set_new(root, "temperature", json_real(r->temperature));
    if (r->max_tokens > 0)
        json_object_set_new(root, "max_tokens", json_integer(r->max_tokens));
    if (r->format != OR_FORMAT_NONE)
        json_object_set_new(root, "response_format", response_format(r));
    if (r->require_parameters)
        json_object_set_new(root, "provider",
                            json_pack("{s:b}", "require_parameters", 1));
    char *s = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                   JSON_REAL_PRECISION(17));
    json_decref(root);
    return s;
}

static void read_usage(const json_t *usage, or_response *r)
{
    const json_t *v;
    if ((v = json_object_get(usage, "prompt_tokens")) && json_is_integer(v))
        r->prompt_tokens = json_integer_value(v);
    if ((v = json_object_get(usage, "completion_tokens")) && json_is_integer(v))
        r->completion_tokens = json_integer_value(v);
    if ((v = json_object_get(usage, "cost")) && json_is_number(v))
        r->cost_usd = json_number_value(v);
    const json_t *details = json_object_get(usage, "prompt_tokens_details");
    if ((v = json_object_get(details, "cached_tokens")) && json_is_integer(v))
        r->cached_tokens = json_integer_value(v);
}

static void read_error(const json_t *err, or_response *r)
{
    const json_t *msg = json_object_get(err, "message");
    const json_t *code = json_object_get(err, "code");
    const char *text = json_is_string(msg) ? json_string_value(msg) : "?";
    if (json_is_integer(code))
        snprintf(r->error, sizeof r->error, "error %lld: %.150s",
                 (long long)json_integer_value(code), text);
    else
        snprintf(r->error, sizeof r->error, "error: %.150s", text);
}

int or_response_parse(const char *body, size_t len, or_response *r)
{
    memset(r, 0, sizeof *r);
    r->cost_usd = NAN;
    r->cached_tokens = -1;
    json_error_t jerr;
    json_t *root = json_loadb(body, len, 0, &jerr);
    if (!json_is_object(root)) {
        snprintf(r->error, sizeof r->error,
                 "response is not a JSON object (line %d: %.100s)", jerr.line,
                 root ? "not an object" : jerr.text);
        json_decref(root);
        return -1;
    }
    read_usage(json_object_get(root, "usage"), r);
    const json_t *choice = json_array_get(json_object_get(root, "choices"), 0);
    const json_t *err = json_object_get(root, "error");
    if (!err && choice)
        err = json_object_get(choice, "error");
    if (err) {
        read_error(err, r);
        json_decref(root);
        return -1;
    }
    if (!json_is_object(choice)) {
        snprintf(r->error, sizeof r->error, "response has no choices");
        json_decref(root);
        return -1;
    }
    const json_t *fr = json_object_get(choice, "finish_reason");
    if (json_is_string(fr))
        snprintf(r->finish_reason, sizeof r->finish_reason, "%s",
                 json_string_value(fr));
    const json_t *content =
        json_object_get(json_object_get(choice, "message"), "content");
    if (json_is_string(content))
        r->content = strdup(json_string_value(content));
    json_decref(root);
    return 0;
}

void or_response_free(or_response *r)
{
    free(r->content);
    r->content = NULL;
}
