#ifndef MARQUEE_CSRTP_SHIM_H
#define MARQUEE_CSRTP_SHIM_H
#include <srtp2/srtp.h>

/// srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80 is a macro.
static inline void marquee_srtp_policy_aes_cm_128_hmac_sha1_80(srtp_crypto_policy_t *p) {
    srtp_crypto_policy_set_rtp_default(p);
}
#endif
