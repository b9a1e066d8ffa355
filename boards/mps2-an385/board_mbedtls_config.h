/* mbedTLS options of mps2-an385 (platform/mbedtls_config_target.h reads this first; what is not set here
 * takes the shared default there). A -D on the command line wins (tests/bench/fw_tls_options.sh).
 * docs/EMBEDDED.md "The TLS options" has the measurements behind each choice. */
#ifndef EAS_BOARD_MBEDTLS_CONFIG_H
#define EAS_BOARD_MBEDTLS_CONFIG_H

/* Comb tables of up to 8 points, made for each multiplication inside the TLS arena, which has room for
 * them (its peak stays the RSA chain's). 4 is where the handshake stops getting faster: 5 and 6 change
 * nothing on P-256 and under 1 % on P-384 for 3 KB more arena. No fixed-point tables: mbedTLS 2.28
 * verifies with a copy of the key, so a kept table is never used again; the bigger first one only costs. */
#ifndef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 4
#endif
/* X25519 (the ECDHE most servers take) by Everest: half the RSA handshake, flash only. */
#ifndef EAS_TLS_X25519_EVEREST
#define EAS_TLS_X25519_EVEREST 1
#endif

#endif
