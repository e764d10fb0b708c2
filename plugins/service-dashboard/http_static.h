/*
 * http_static.h — the web UI's files, served only from the webui folder:
 * a path is refused (404) unless every segment is plain (letters, digits,
 * '.', '_', '-'; none starting with '.', so no "..", no dotfiles), its
 * real path stays inside the folder (no symlink out), it is a regular
 * file and its extension has a known content type. Of the folder's build
 * and test files (package.json, node_modules/, test/) only
 * lightweight-charts' dist/ is served.
 */
#ifndef DASH_HTTP_STATIC_H
#define DASH_HTTP_STATIC_H

#include <microhttpd.h>

/* root: the folder's real path (absolute, no trailing slash). url: the
 * decoded request path ("/" serves index.html). */
enum MHD_Result static_serve(const char *root, struct MHD_Connection *c,
                             const char *url);

/* 1 if url is a path static_serve may open (the syntax rules above). */
int static_path_ok(const char *url);

#endif
