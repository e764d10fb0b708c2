/*
 * tls_cert.c — see tls_cert.h.
 */
#include "tls_cert.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>

static int add_ext(X509 *crt, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, crt, crt, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
    if (!ext)
        return -1;
    int ok = X509_add_ext(crt, ext, -1);
    X509_EXTENSION_free(ext);
    return ok ? 0 : -1;
}

static int write_pem(const char *path, EVP_PKEY *key, X509 *crt)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int ok = key ? PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL)
                 : PEM_write_X509(f, crt);
    return fclose(f) == 0 && ok ? 0 : -1;
}

static char *path_of(const char *dir, const char *name, const char *ext)
{
    size_t n = snprintf(NULL, 0, "%s/%s.%s", dir, name, ext) + 1;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s.%s", dir, name, ext);
    return p;
}

int tls_cert_make(const char *dir, const char *name, char **cert_path,
                  char **key_path)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    X509 *crt = X509_new();
    int rc = -1;
    *cert_path = path_of(dir, name, "crt");
    *key_path = path_of(dir, name, "key");
    if (!key || !crt || !*cert_path || !*key_path)
        goto out;
    X509_set_version(crt, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(crt), (long)(random() & 0x7fffffff));
    X509_gmtime_adj(X509_getm_notBefore(crt), -60);
    X509_gmtime_adj(X509_getm_notAfter(crt), 86400);
    X509_set_pubkey(crt, key);
    X509_NAME *nm = X509_get_subject_name(crt);
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC,
                               (const unsigned char *)"127.0.0.1", -1, -1, 0);
    X509_NAME_add_entry_by_txt(nm, "O", MBSTRING_ASC,
                               (const unsigned char *)name, -1, -1, 0);
    X509_set_issuer_name(crt, nm);
    if (add_ext(crt, NID_basic_constraints, "critical,CA:TRUE") ||
        add_ext(crt, NID_key_usage, "critical,digitalSignature,keyCertSign") ||
        add_ext(crt, NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost") ||
        !X509_sign(crt, key, EVP_sha256()))
        goto out;
    rc = write_pem(*cert_path, NULL, crt) || write_pem(*key_path, key, NULL)
             ? -1
             : 0;
out:
    X509_free(crt);
    EVP_PKEY_free(key);
    return rc;
}
