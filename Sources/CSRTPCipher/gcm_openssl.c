#include "csrtpcipher.h"
#include <openssl/evp.h>
#include <srtp2/cipher.h>
#include <srtp2/srtp.h>
#include <stdlib.h>
#include <string.h>

/* libsrtp2 exports its known-answer test vector for AES-128-GCM without declaring it. */
extern const srtp_cipher_test_case_t srtp_aes_gcm_128_test_case_0;

typedef struct {
    EVP_CIPHER_CTX *ctx;
    int tag_len;
    srtp_cipher_direction_t direction;
} gcm_state;

static const srtp_cipher_type_t gcm_openssl_128;

static srtp_err_status_t gcm_alloc(srtp_cipher_pointer_t *cp, int key_len, int tag_len) {
    /* the key with its 12-byte salt (the salt goes into the IV, which libsrtp2 computes) */
    if (key_len != SRTP_AES_GCM_128_KEY_LEN_WSALT) return srtp_err_status_bad_param;
    if (tag_len != 16 && tag_len != 8) return srtp_err_status_bad_param;
    srtp_cipher_t *cipher = calloc(1, sizeof(srtp_cipher_t));
    gcm_state *state = calloc(1, sizeof(gcm_state));
    if (cipher == NULL || state == NULL) goto fail;
    state->ctx = EVP_CIPHER_CTX_new();
    if (state->ctx == NULL) goto fail;
    state->tag_len = tag_len;
    state->direction = srtp_direction_any;
    cipher->type = &gcm_openssl_128;
    cipher->state = state;
    cipher->key_len = key_len;
    cipher->algorithm = SRTP_AES_GCM_128;
    *cp = cipher;
    return srtp_err_status_ok;
fail:
    free(state);
    free(cipher);
    return srtp_err_status_alloc_fail;
}

static srtp_err_status_t gcm_dealloc(srtp_cipher_pointer_t cipher) {
    gcm_state *state = cipher->state;
    if (state != NULL) {
        EVP_CIPHER_CTX_free(state->ctx);
        free(state);
    }
    free(cipher);
    return srtp_err_status_ok;
}

/* The key schedule, once per key (the first 16 bytes; the salt is libsrtp2's business). */
static srtp_err_status_t gcm_init(void *cv, const uint8_t *key) {
    gcm_state *state = cv;
    state->direction = srtp_direction_any;
    EVP_CIPHER_CTX_reset(state->ctx);
    if (!EVP_CipherInit_ex(state->ctx, EVP_aes_128_gcm(), NULL, key, NULL, 0)) return srtp_err_status_init_fail;
    return srtp_err_status_ok;
}

/* A packet's 12-byte IV and direction: starts a new GCM operation under the same key. */
static srtp_err_status_t gcm_set_iv(void *cv, uint8_t *iv, srtp_cipher_direction_t direction) {
    gcm_state *state = cv;
    if (direction != srtp_direction_encrypt && direction != srtp_direction_decrypt) return srtp_err_status_bad_param;
    state->direction = direction;
    /* 12 bytes is OpenSSL's default GCM IV length: no need to set it */
    if (!EVP_CipherInit_ex(state->ctx, NULL, NULL, NULL, iv, direction == srtp_direction_encrypt)) return srtp_err_status_init_fail;
    return srtp_err_status_ok;
}

/* Authenticated-only data (the RTP header; for SRTCP the header and then the trailer): may come
   in several calls, all before the payload. */
static srtp_err_status_t gcm_set_aad(void *cv, const uint8_t *aad, uint32_t aad_len) {
    gcm_state *state = cv;
    if (state->direction != srtp_direction_encrypt && state->direction != srtp_direction_decrypt) return srtp_err_status_bad_param;
    int out = 0;
    if (aad_len > 0 && !EVP_CipherUpdate(state->ctx, NULL, &out, aad, (int)aad_len)) return srtp_err_status_algo_fail;
    return srtp_err_status_ok;
}

/* Encrypts in place; the tag comes from gcm_get_tag. (libsrtp2 calls this with no data when an
   SRTCP packet is authenticated only.) */
static srtp_err_status_t gcm_encrypt(void *cv, uint8_t *buffer, unsigned int *length) {
    gcm_state *state = cv;
    if (state->direction != srtp_direction_encrypt) return srtp_err_status_bad_param;
    int out = 0;
    if (*length > 0 && (!EVP_CipherUpdate(state->ctx, buffer, &out, buffer, (int)*length) || out != (int)*length)) {
        return srtp_err_status_algo_fail;
    }
    return srtp_err_status_ok;
}

static srtp_err_status_t gcm_get_tag(void *cv, uint8_t *tag, uint32_t *length) {
    gcm_state *state = cv;
    if (state->direction != srtp_direction_encrypt) return srtp_err_status_bad_param;
    uint8_t none[16];
    int out = 0;
    if (!EVP_CipherFinal_ex(state->ctx, none, &out)) return srtp_err_status_algo_fail;
    if (!EVP_CIPHER_CTX_ctrl(state->ctx, EVP_CTRL_GCM_GET_TAG, state->tag_len, tag)) return srtp_err_status_algo_fail;
    *length = (uint32_t)state->tag_len;
    return srtp_err_status_ok;
}

/* Decrypts in place what is followed by its tag (`*length` counts both), checks the tag, and
   leaves the length of the plaintext. */
static srtp_err_status_t gcm_decrypt(void *cv, uint8_t *buffer, unsigned int *length) {
    gcm_state *state = cv;
    if (state->direction != srtp_direction_decrypt) return srtp_err_status_bad_param;
    if (*length < (unsigned int)state->tag_len) return srtp_err_status_bad_param;
    unsigned int data = *length - (unsigned int)state->tag_len;
    if (!EVP_CIPHER_CTX_ctrl(state->ctx, EVP_CTRL_GCM_SET_TAG, state->tag_len, buffer + data)) return srtp_err_status_auth_fail;
    int out = 0;
    if (data > 0 && (!EVP_CipherUpdate(state->ctx, buffer, &out, buffer, (int)data) || out != (int)data)) {
        return srtp_err_status_algo_fail;
    }
    uint8_t none[16];
    if (EVP_CipherFinal_ex(state->ctx, none, &out) <= 0) return srtp_err_status_auth_fail;
    *length = data;
    return srtp_err_status_ok;
}

static const srtp_cipher_type_t gcm_openssl_128 = {
    gcm_alloc,
    gcm_dealloc,
    gcm_init,
    gcm_set_aad,
    gcm_encrypt,
    gcm_decrypt,
    gcm_set_iv,
    gcm_get_tag,
    "AES-128 GCM (Marquee, OpenSSL EVP)",
    &srtp_aes_gcm_128_test_case_0,
    SRTP_AES_GCM_128,
};

int mq_srtp_use_openssl_gcm(void) {
    return (int)srtp_replace_cipher_type(&gcm_openssl_128, SRTP_AES_GCM_128);
}
