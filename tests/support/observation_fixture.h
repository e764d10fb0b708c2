/*
 * observation_fixture.h — a perp_observation read back from the JSON the
 * host renders for the observation record (a JSONL record line, or its
 * "data" document alone), so tests and benches can render prompts from a
 * real cycle of the default pipeline (tests/fixtures/observation_*.json,
 * cut from `make replay` records). Numbers come back as the record wrote
 * them (10 significant digits); nulls become NAN, or 0 for "not set"
 * exit prices and liquidation prices, as sdk.h defines them.
 */
#ifndef TESTS_OBSERVATION_FIXTURE_H
#define TESTS_OBSERVATION_FIXTURE_H

#include <perp/sdk.h>

typedef struct obs_fixture obs_fixture;

/* NULL (with a reason in err) when the text is not such a document. */
obs_fixture *obs_fixture_parse(const char *json, char *err, size_t err_len);
obs_fixture *obs_fixture_load(const char *path, char *err, size_t err_len);
/* The observation; everything it points to lives as long as f. */
perp_observation *obs_fixture_obs(obs_fixture *f);
void obs_fixture_free(obs_fixture *f);

#endif
