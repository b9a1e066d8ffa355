/* mbedTLS 2.28 configuration for the microcontroller builds (boards/): what platform/tls_mbedtls.c needs
 * and nothing else. Selected with -DMBEDTLS_CONFIG_FILE='"mbedtls_config_target.h"' for mbedTLS's own
 * sources and for ours alike (the structs must agree).
 *
 * - TLS 1.2 client only: no server side, no DTLS, no renegotiation, no PSK, no TLS <= 1.1.
 * - ECDHE-ECDSA and ECDHE-RSA with AES-GCM and ChaCha20-Poly1305, the curves X25519, P-256 and P-384:
 *   the lists of platform/tls_policy.h, which tls_mbedtls.c also sets at run time (the host's mbedTLS
 *   has more compiled in). RSA (PKCS#1 v1.5, up to 4096 bits) for RSA server certificates and public CAs.
 * - Verification is not weakened here: tls_mbedtls.c sets MBEDTLS_SSL_VERIFY_REQUIRED and the host name.
 * - Memory: mbedTLS allocates from a static arena (MBEDTLS_MEMORY_BUFFER_ALLOC_C); the libc allocator is
 *   never linked: the default calloc/free are stubs that fail (port/lwip/lwip_mbedtls.c).
 * - Time: MBEDTLS_HAVE_TIME_DATE with the time from the PAL clock (MBEDTLS_PLATFORM_TIME_ALT) and our
 *   own gmtime_r, so certificate dates are checked.
 * - Entropy: none from mbedTLS's platform; the CTR_DRBG is seeded from pal.entropy by tls_mbedtls.c.
 *
 * A board tunes the record buffers with -D (see the defaults below) before this file is read. */
#ifndef EAS_MBEDTLS_CONFIG_TARGET_H
#define EAS_MBEDTLS_CONFIG_TARGET_H

/* The board's choices (boards/NAME/board_mbedtls_config.h): what it defines here wins over the defaults
 * below that are guarded by #ifndef. */
#include "board_mbedtls_config.h"

/* ---- system ---- */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_PLATFORM_TIME_ALT
#define MBEDTLS_PLATFORM_GMTIME_R_ALT
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_DEPRECATED_REMOVED
/* Until mbedtls_memory_buffer_alloc_init() installs the arena, calloc fails: libc's malloc must never be
 * pulled into the image. */
#define MBEDTLS_PLATFORM_STD_CALLOC eas_mbedtls_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE eas_mbedtls_no_free
/* Likewise the time: 0 (1970, every certificate "not yet valid") until the PAL clock is installed;
 * libc's time() would need a system call the boards do not have. */
#define MBEDTLS_PLATFORM_STD_TIME eas_mbedtls_no_time
/* The arena allocator stops on a corrupted heap: a bug, reported by the port, never libc's exit(). */
#define MBEDTLS_PLATFORM_EXIT_MACRO eas_mbedtls_exit
#if !defined(__ASSEMBLER__)
#include <stddef.h>
#include <time.h>
void *eas_mbedtls_no_calloc(size_t n, size_t size);
void eas_mbedtls_no_free(void *p);
time_t eas_mbedtls_no_time(time_t *t);
void eas_mbedtls_exit(int status);
#endif

/* ---- TLS ---- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
/* The suites offered, the same list as the host build's (platform/tls_policy.h). */
#include "tls_policy.h"
#define MBEDTLS_SSL_CIPHERSUITES EAS_TLS_CIPHERSUITES
/* Received records: a server may send full 16 KiB records unless max_fragment_length was negotiated, so
 * 16384 is the only safe input size against arbitrary servers. Ours are at most this long. */
#ifndef MBEDTLS_SSL_IN_CONTENT_LEN
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#endif
#ifndef MBEDTLS_SSL_OUT_CONTENT_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif
/* The peer's certificate is verified during the handshake and then dropped (a digest is kept): a
 * whole chain less in RAM for the life of the connection. */
#undef MBEDTLS_SSL_KEEP_PEER_CERTIFICATE

/* ---- X.509 ---- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_CHECK_KEY_USAGE
#define MBEDTLS_X509_CHECK_EXTENDED_KEY_USAGE
#define MBEDTLS_X509_MAX_INTERMEDIATE_CA 4
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C

/* ---- public key ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA 4096 */
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
/* The speed of the handshake's elliptic-curve arithmetic against the TLS arena it borrows: a board's
 * board_mbedtls_config.h (read first, above) may choose otherwise, as board_lwipopts.h does for lwIP.
 * The default keeps the arena's peak smallest: comb tables of 2^(w-1) points (w = 2: 2 points), made
 * anew for each multiplication. docs/EMBEDDED.md "The TLS options" has what each setting costs and
 * saves on both boards. */
#ifndef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 2
#endif
#ifndef MBEDTLS_ECP_FIXED_POINT_OPTIM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#endif
/* X25519 by Everest (HACL*'s verified code, mbedTLS's 3rdparty/everest, built by boards/boards.mk) instead
 * of mbedTLS's generic Montgomery ladder: 1 to take it. */
#ifndef EAS_TLS_X25519_EVEREST
#define EAS_TLS_X25519_EVEREST 0
#endif
#if EAS_TLS_X25519_EVEREST
#define MBEDTLS_ECDH_VARIANT_EVEREST_ENABLED
#endif

/* ---- symmetric, hashes, DRBG ---- */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES   /* tables in flash, not 8 KiB of RAM */
#define MBEDTLS_AES_FEWER_TABLES
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C /* SHA-384: AES-256-GCM suites, P-384 chains */
#define MBEDTLS_SHA512_SMALLER
#define MBEDTLS_CTR_DRBG_C

#include "mbedtls/check_config.h"

#endif
