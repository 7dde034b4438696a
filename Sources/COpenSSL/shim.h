#ifndef STAPLE_COPENSSL_SHIM_H
#define STAPLE_COPENSSL_SHIM_H

// The system OpenSSL 3 headers, plus one-line wrappers for what Swift cannot import (macros).
// No logic lives here, except the one copy OpenSSL's ownership rules require (see below).

#include <string.h>
#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>

/// The status (OCSP) and servername callbacks, as Swift sees them.
typedef int (*staple_tlsext_callback)(SSL *ssl, void *arg);
typedef int (*staple_servername_callback)(SSL *ssl, int *alert, void *arg);

// MARK: - Stacks

/// Wraps the `sk_X509_new_null` macro.
static inline STACK_OF(X509) *staple_sk_X509_new_null(void) { return sk_X509_new_null(); }
/// Wraps the `sk_X509_push` macro.
static inline int staple_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }
/// Wraps the `sk_X509_pop_free` macro with `X509_free`.
static inline void staple_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }
/// Wraps the `sk_X509_num` macro.
static inline int staple_sk_X509_num(const STACK_OF(X509) *stack) { return sk_X509_num(stack); }
/// Wraps the `sk_X509_value` macro.
static inline X509 *staple_sk_X509_value(const STACK_OF(X509) *stack, int index) { return sk_X509_value(stack, index); }

// MARK: - Status request (OCSP stapling)

/// Wraps `SSL_CTX_set_tlsext_status_cb`.
static inline long staple_SSL_CTX_set_tlsext_status_cb(SSL_CTX *ctx, staple_tlsext_callback cb) {
    return SSL_CTX_set_tlsext_status_cb(ctx, cb);
}
/// Wraps `SSL_CTX_set_tlsext_status_arg`.
static inline long staple_SSL_CTX_set_tlsext_status_arg(SSL_CTX *ctx, void *arg) {
    return SSL_CTX_set_tlsext_status_arg(ctx, arg);
}
/// Wraps `SSL_set_tlsext_status_type` (the client asks for a staple with `TLSEXT_STATUSTYPE_ocsp`).
static inline long staple_SSL_set_tlsext_status_type(SSL *ssl, int type) { return SSL_set_tlsext_status_type(ssl, type); }
/// Wraps `SSL_get_tlsext_status_type` (on the server: did this client ask for a staple?).
static inline long staple_SSL_get_tlsext_status_type(SSL *ssl) { return SSL_get_tlsext_status_type(ssl); }
/// Wraps `SSL_get_tlsext_status_ocsp_resp`: the stapled bytes the client received (owned by `ssl`).
static inline long staple_SSL_get_tlsext_status_ocsp_resp(SSL *ssl, const unsigned char **response) {
    return SSL_get_tlsext_status_ocsp_resp(ssl, response);
}
/// Wraps `SSL_set_tlsext_status_ocsp_resp`, copying `response` into OPENSSL_malloc'd memory first:
/// OpenSSL takes ownership of the buffer and frees it, so it must never be Swift-owned memory.
static inline long staple_SSL_set_tlsext_status_ocsp_resp_copying(SSL *ssl, const unsigned char *response, size_t length) {
    unsigned char *copy = OPENSSL_malloc(length);
    if (copy == NULL) return 0;
    memcpy(copy, response, length);
    long ok = SSL_set_tlsext_status_ocsp_resp(ssl, copy, (long)length);
    if (!ok) OPENSSL_free(copy);
    return ok;
}

// MARK: - Server name indication

/// Wraps `SSL_CTX_set_tlsext_servername_callback`.
static inline long staple_SSL_CTX_set_tlsext_servername_callback(SSL_CTX *ctx, staple_servername_callback cb) {
    return SSL_CTX_set_tlsext_servername_callback(ctx, cb);
}
/// Wraps `SSL_CTX_set_tlsext_servername_arg`.
static inline long staple_SSL_CTX_set_tlsext_servername_arg(SSL_CTX *ctx, void *arg) {
    return SSL_CTX_set_tlsext_servername_arg(ctx, arg);
}
/// Wraps `SSL_set_tlsext_host_name` (the client sends SNI).
static inline long staple_SSL_set_tlsext_host_name(SSL *ssl, const char *name) { return SSL_set_tlsext_host_name(ssl, name); }

// MARK: - Context settings

/// Wraps `SSL_CTX_set_min_proto_version`.
static inline long staple_SSL_CTX_set_min_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_min_proto_version(ctx, version);
}
/// Wraps `SSL_CTX_set_max_proto_version`.
static inline long staple_SSL_CTX_set_max_proto_version(SSL_CTX *ctx, int version) {
    return SSL_CTX_set_max_proto_version(ctx, version);
}
/// Wraps `SSL_CTX_set_mode`.
static inline long staple_SSL_CTX_set_mode(SSL_CTX *ctx, long mode) { return SSL_CTX_set_mode(ctx, mode); }
/// Wraps `SSL_CTX_set_session_cache_mode`.
static inline long staple_SSL_CTX_set_session_cache_mode(SSL_CTX *ctx, long mode) {
    return SSL_CTX_set_session_cache_mode(ctx, mode);
}
/// Wraps `SSL_CTX_set1_sigalgs_list` (the signature algorithms a client offers, e.g. `ECDSA+SHA256`).
static inline long staple_SSL_CTX_set1_sigalgs_list(SSL_CTX *ctx, const char *list) {
    return SSL_CTX_set1_sigalgs_list(ctx, list);
}
/// Wraps `SSL_CTX_set1_groups_list`.
static inline long staple_SSL_CTX_set1_groups_list(SSL_CTX *ctx, const char *list) { return SSL_CTX_set1_groups_list(ctx, list); }

// MARK: - BIOs

/// Wraps the `BIO_pending` macro: bytes waiting to be read from a memory BIO.
static inline long staple_BIO_pending(BIO *bio) { return BIO_pending(bio); }

#endif
