/*
 * tls_cert.h — a self-signed certificate made at test time with the
 * OpenSSL API (EC P-256, valid one day, CN and subjectAltName 127.0.0.1
 * and localhost), so TLS tests need no fixture files and no CLI.
 */
#ifndef TESTS_TLS_CERT_H
#define TESTS_TLS_CERT_H

/* Writes dir/<name>.crt and dir/<name>.key; malloc'd paths out. 0 or -1. */
int tls_cert_make(const char *dir, const char *name, char **cert_path,
                  char **key_path);

#endif
