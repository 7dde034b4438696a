#ifndef STAPLE_COPENSSL_SHIM_H
#define STAPLE_COPENSSL_SHIM_H

// The system OpenSSL 3 headers, plus one-line wrappers for what Swift cannot import (macros).
// No logic lives here.

#include <openssl/ssl.h>
#include <openssl/err.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>
#include <openssl/pem.h>

/// Wraps the `sk_X509_new_null` macro.
static inline STACK_OF(X509) *staple_sk_X509_new_null(void) { return sk_X509_new_null(); }

/// Wraps the `sk_X509_push` macro.
static inline int staple_sk_X509_push(STACK_OF(X509) *stack, X509 *cert) { return sk_X509_push(stack, cert); }

/// Wraps the `sk_X509_pop_free` macro with `X509_free`.
static inline void staple_sk_X509_pop_free(STACK_OF(X509) *stack) { sk_X509_pop_free(stack, X509_free); }

#endif
