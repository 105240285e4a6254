#ifndef CSRTPCIPHER_H
#define CSRTPCIPHER_H

/* AEAD_AES_128_GCM for libsrtp2 on OpenSSL's EVP, registered with libsrtp2's own extension point
   (srtp_replace_cipher_type), so libsrtp2 keeps doing SRTP (key derivation, IVs, replay
   protection, packet layout) and only the cipher changes. Debian builds libsrtp2 on NSS, whose
   GCM sets up a whole cipher context (key schedule, GHASH tables, a session lock) for every
   packet; here the key is set once per session and a packet only sets its IV.

   Call after srtp_init(). Returns 0 (srtp_err_status_ok) when the cipher passed libsrtp2's self
   tests (its own known-answer vectors and random round trips) and replaced the built-in one,
   else libsrtp2's error status, the built-in one staying in place. */
int mq_srtp_use_openssl_gcm(void);

#endif
