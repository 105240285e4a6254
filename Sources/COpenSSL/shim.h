#ifndef MARQUEE_COPENSSL_SHIM_H
#define MARQUEE_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ec.h>

// Wrappers for what Swift cannot call: function-like macros and variadic functions.

/// SHA-256 of one buffer, on a context on the stack. OpenSSL 3's one-shot SHA256() looks the
/// algorithm up by name (an EVP_MD fetch) on every call, about half the cost of hashing one small
/// event row; these lower-level functions, deprecated in 3.0 but kept, go straight to the same
/// block function.
static inline void marquee_sha256(const void *data, size_t count, unsigned char *digest) {
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wdeprecated-declarations"
    SHA256_CTX context;
    SHA256_Init(&context);
    SHA256_Update(&context, data, count);
    SHA256_Final(digest, &context);
    OPENSSL_cleanse(&context, sizeof context);
#pragma clang diagnostic pop
}

/// A fresh ECDSA P-256 key (EVP_EC_gen is a macro over a variadic function).
static inline EVP_PKEY *marquee_ec_p256_keygen(void) {
    return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
}

/// DTLS path MTU for handshake flights (SSL_set_mtu / DTLS_set_link_mtu are macros).
static inline long marquee_ssl_set_mtu(SSL *ssl, long mtu) {
    SSL_set_options(ssl, SSL_OP_NO_QUERY_MTU);
    return SSL_ctrl(ssl, SSL_CTRL_SET_MTU, mtu, NULL);
}

/// Milliseconds until the DTLS retransmission timer fires, or -1 when none runs.
static inline long marquee_dtls_timeout_ms(SSL *ssl) {
    struct timeval tv;
    if (DTLSv1_get_timeout(ssl, &tv) != 1) return -1;
    return (long)tv.tv_sec * 1000 + (long)tv.tv_usec / 1000;
}

static inline int marquee_dtls_handle_timeout(SSL *ssl) { return (int)DTLSv1_handle_timeout(ssl); }

/// A memory BIO that reports "retry" instead of EOF when empty (BIO_set_mem_eof_return is a macro).
static inline BIO *marquee_bio_new_mem(void) {
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio) BIO_set_mem_eof_return(bio, -1);
    return bio;
}

static inline size_t marquee_bio_pending(BIO *bio) { return BIO_ctrl_pending(bio); }

/// Accept any certificate during the handshake: the peer is authenticated afterwards by
/// comparing its certificate's fingerprint with the one in its SDP (RFC 8122).
static inline int marquee_verify_accept(int ok, X509_STORE_CTX *ctx) { (void)ok; (void)ctx; return 1; }
static inline void marquee_ssl_ctx_verify_peer(SSL_CTX *ctx) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, marquee_verify_accept);
}
#endif
