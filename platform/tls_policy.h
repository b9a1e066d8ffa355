/* What the TLS client offers, one list for the host build (Debian's mbedTLS, whose default preset
 * offers some 79 suites) and the firmware (platform/mbedtls_config_target.h compiles in only these):
 * ECDHE key exchange (forward secrecy) with AEAD ciphers only, and three curves.
 *
 * - Suites: ECDHE-ECDSA and ECDHE-RSA with AES-128-GCM, ChaCha20-Poly1305 and AES-256-GCM. No CBC, no
 *   static RSA key exchange, no DHE (mbedTLS's 1024-bit floor). The RSA-signed ones stay for RSA server
 *   chains (Exchange Online). Every server the project talks to (nginx before SOGo and Horde, Exchange)
 *   takes one of them, so no ECDHE-CBC-SHA256 fallback is offered.
 * - Curves for ECDHE and for certificate keys: X25519, P-256, P-384 (no 192/224-bit curves).
 * - Handshake signatures with SHA-256 or better.
 * The macros expand where the mbedTLS names are defined (tls_mbedtls.c, and mbedTLS's own
 * ssl_ciphersuites.c through MBEDTLS_SSL_CIPHERSUITES). */
#ifndef EAS_TLS_POLICY_H
#define EAS_TLS_POLICY_H

#define EAS_TLS_CIPHERSUITES                                                                                  \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, MBEDTLS_TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,    \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,        \
        MBEDTLS_TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

#define EAS_TLS_CURVES MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1, MBEDTLS_ECP_DP_SECP384R1

#endif
