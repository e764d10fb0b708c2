/*
 * prompt_render.h — the observation as compact text for a language model
 * (the prompt_render host service; the rules are in sdk.h
 * perp_prompt_options and docs/prompt.md). The observation record keeps
 * its lossless JSON (observation_json.c); this is a second, read-only
 * view of the same perp_observation.
 */
#ifndef HOST_PROMPT_RENDER_H
#define HOST_PROMPT_RENDER_H

#include <perp/sdk.h>

/* opt and out are the caller's structs of their struct_size: members past
 * opt's size take their defaults (PERP_PROMPT_OPTIONS_INIT); members past
 * out's size are not written. On PERP_OK out->text is malloc'd and the
 * caller's (free()). PERP_EINVAL: a NULL argument, or a struct_size
 * smaller than the 1.2 layout's first members; PERP_ENOMEM. obs is only
 * read. */
perp_status host_prompt_render(const perp_observation *obs,
                               const perp_prompt_options *opt,
                               perp_prompt_text *out);

#endif
