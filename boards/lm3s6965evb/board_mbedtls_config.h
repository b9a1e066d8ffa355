/* mbedTLS options of lm3s6965evb (platform/mbedtls_config_target.h reads this first; what is not set here
 * takes the shared default there). A -D on the command line wins (tests/bench/fw_tls_options.sh).
 * docs/EMBEDDED.md "The TLS options" has the measurements behind each choice. */
#ifndef EAS_BOARD_MBEDTLS_CONFIG_H
#define EAS_BOARD_MBEDTLS_CONFIG_H

/* Comb tables of up to 8 points, inside the TLS arena: they are made while an EC chain is verified,
 * which then peaks about 1.6 KB higher, still below the 29 KiB arena that an RSA chain needs (an RSA
 * chain's peak is not touched: no elliptic-curve table is made while it is held). No static RAM. */
#ifndef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 4
#endif
/* X25519 by Everest: flash only (about 4.5 KB), no RAM. */
#ifndef EAS_TLS_X25519_EVEREST
#define EAS_TLS_X25519_EVEREST 1
#endif

#endif
