/* The platform abstraction layer: the whole contract between the easagent core and the world.
 *
 * The core never blocks and never sleeps. Every operation here either completes at once or answers
 * EAS_ERR_WOULD_BLOCK, and the caller (a superloop, an RTOS task, a poll() loop) comes back later. Each
 * interface is a struct of function pointers with a context pointer, in the style of coreMQTT's
 * transport interface, so that a port fills it in without the core knowing what is underneath.
 *
 * Ports: port/posix (sockets, files), port/lwip (lwIP raw API, NO_SYS=1). Shared bindings: platform/
 * (TLS on mbedTLS, which wraps an eas_transport and is itself an eas_transport). */
#ifndef EAS_PAL_H
#define EAS_PAL_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

/* ---- byte stream: TCP, or TLS over TCP ----
 * connect: starts or continues a connection; EAS_ERR_WOULD_BLOCK while in progress, EAS_OK once up.
 *          host is a DNS name or a literal address, NUL-terminated.
 * send:    writes up to len bytes; *done tells how many (EAS_OK with *done > 0), or EAS_ERR_WOULD_BLOCK.
 * recv:    reads up to len bytes; EAS_OK with *done > 0, EAS_ERR_WOULD_BLOCK when nothing is there yet,
 *          EAS_ERR_NET_CLOSED on an orderly close by the peer.
 * close:   releases the connection; safe to call on a closed one.
 * hints:   optional (NULL: none), so that the core can tell the application what to wait for; after
 *          an EAS_ERR_WOULD_BLOCK, a set of
 *          EAS_TRANSPORT_READABLE_NOW: recv would return bytes without the socket becoming readable
 *              (TLS holds decrypted bytes or a whole record): the application must not sleep on it;
 *          EAS_TRANSPORT_WANTS_WRITE: connect's progress waits for the socket to become writable (a
 *              TCP connect, a TLS flight being sent) rather than readable.
 * Errors: EAS_ERR_NET_*, EAS_ERR_TLS_*. */
typedef struct eas_transport {
    void *ctx;
    eas_err (*connect)(void *ctx, const char *host, uint16_t port);
    eas_err (*send)(void *ctx, const uint8_t *buf, size_t len, size_t *done);
    eas_err (*recv)(void *ctx, uint8_t *buf, size_t len, size_t *done);
    void (*close)(void *ctx);
    unsigned (*hints)(void *ctx);
} eas_transport;
#define EAS_TRANSPORT_READABLE_NOW 0x01u
#define EAS_TRANSPORT_WANTS_WRITE 0x02u

/* ---- time ----
 * monotonic_ms: milliseconds since an arbitrary start, never going back.
 * wall_time:    seconds since 1970-01-01T00:00:00Z, or -1 while unknown (no SNTP answer or RTC yet). */
typedef struct eas_clock {
    void *ctx;
    uint64_t (*monotonic_ms)(void *ctx);
    int64_t (*wall_time)(void *ctx);
} eas_clock;

/* ---- entropy ----
 * Fills buf with len bytes from a source fit for key material, or fails: never returns weak bytes. */
typedef struct eas_entropy {
    void *ctx;
    eas_err (*fill)(void *ctx, uint8_t *buf, size_t len);
} eas_entropy;

/* ---- flash region: the shape of real NOR flash ----
 * The region is sector_count sectors of sector_size bytes. erase sets a whole sector to 0xFF. prog may
 * only clear bits (1 -> 0) of erased bytes, in whole units of prog_size bytes at prog_size-aligned
 * addresses; programming a byte twice without an erase in between is not allowed. read has no
 * alignment rules. A power cut during prog or erase may leave the bytes concerned in any state. */
typedef struct eas_flash {
    void *ctx;
    uint32_t sector_size;
    uint32_t sector_count;
    uint32_t prog_size;
    eas_err (*read)(void *ctx, uint32_t addr, void *buf, size_t len);
    eas_err (*prog)(void *ctx, uint32_t addr, const void *buf, size_t len);
    eas_err (*erase)(void *ctx, uint32_t sector);
    /* Optional (NULL: the store reads the sector to know): *yes = 1 when every byte of sector reads 0xFF,
     * from what the driver knows (a blank-check command, or its own record of erases and programs);
     * *yes = 0 when it cannot tell, and the store reads. */
    eas_err (*erased)(void *ctx, uint32_t sector, int *yes);
} eas_flash;

/* ---- logging ----
 * One line per call, without the newline. The core never passes a secret (password, token,
 * Authorization header) to it. May be NULL: nothing is logged. */
typedef enum { EAS_LOG_ERROR = 1, EAS_LOG_WARN = 2, EAS_LOG_INFO = 3, EAS_LOG_DEBUG = 4 } eas_log_level;
typedef struct eas_log {
    void *ctx;
    void (*write)(void *ctx, eas_log_level level, const char *line);
} eas_log;

/* Everything a port hands to the core. */
typedef struct eas_pal {
    eas_transport tcp;
    eas_clock clock;
    eas_entropy entropy;
    eas_flash flash;
    eas_log log;
} eas_pal;

#endif
