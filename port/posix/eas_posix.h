/* The POSIX port: pal.h implemented on sockets, clock_gettime, /dev/urandom, a file and stderr.
 *
 * Every object is owned by the caller (static or on its stack) and filled by an init/open function that
 * also hands out the eas_* interface pointing at it. Nothing here allocates; getaddrinfo does, inside
 * libc, and is the one blocking call of the port (see eas_posix_tcp). */
#ifndef EAS_POSIX_H
#define EAS_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include <sys/socket.h>

#include "eas/discovery.h"
#include "pal.h"

/* ---- TCP ----
 * Name resolution is getaddrinfo, which blocks (for as long as the resolver takes) on the first connect
 * call; POSIX has no portable non-blocking resolver, and a host tool can afford the wait. The connect
 * itself is non-blocking: the first call starts it, later calls answer EAS_ERR_WOULD_BLOCK until it is
 * done. Each resolved address is tried in turn (so "localhost" works whether the server listens on ::1
 * or 127.0.0.1) until one accepts or all failed (EAS_ERR_NET_CONNECT). While connecting, the host and
 * port of later calls are ignored: close first to go elsewhere. */
#ifndef EAS_POSIX_TCP_MAX_ADDRS
#define EAS_POSIX_TCP_MAX_ADDRS 4
#endif

typedef struct eas_posix_tcp {
    int fd;                 /* -1 when closed */
    uint8_t state;
    uint8_t want_write;
    uint8_t addr_count;
    uint8_t addr_next;
    struct sockaddr_storage addrs[EAS_POSIX_TCP_MAX_ADDRS];
    socklen_t addr_lens[EAS_POSIX_TCP_MAX_ADDRS];
} eas_posix_tcp;

/* Sets t up closed and fills *out (ctx = t). */
void eas_posix_tcp_init(eas_posix_tcp *t, eas_transport *out);
/* The socket, for poll(); -1 while there is none. It changes when connect moves to the next address. */
int eas_posix_tcp_fd(const eas_posix_tcp *t);
/* After EAS_ERR_WOULD_BLOCK: nonzero when waiting for writability (connect, send), else readability. */
int eas_posix_tcp_want_write(const eas_posix_tcp *t);

eas_err eas_posix_tcp_connect(void *ctx, const char *host, uint16_t port);
eas_err eas_posix_tcp_send(void *ctx, const uint8_t *buf, size_t len, size_t *done);
eas_err eas_posix_tcp_recv(void *ctx, uint8_t *buf, size_t len, size_t *done);
void eas_posix_tcp_close(void *ctx);

/* Blocks until fd is readable (want_read) and/or writable (want_write), or timeout_ms passed (-1: no
 * limit). EAS_OK when ready (an error or hang-up on the socket counts as ready: the next call on it
 * reports it), EAS_ERR_NET_TIMEOUT, EAS_ERR_ARG, or EAS_ERR_NET_IO when poll itself fails. A helper for
 * the CLI's blocking loop; the core never waits. */
eas_err eas_posix_wait(int fd, int want_read, int want_write, int timeout_ms);

/* ---- clock: CLOCK_MONOTONIC and time() ---- */
void eas_posix_clock_init(eas_clock *out);

/* ---- entropy: getrandom() where there is one, else /dev/urandom ---- */
void eas_posix_entropy_init(eas_entropy *out);

/* ---- flash: a file-backed NOR flash image ----
 * The file holds sector_count * sector_size bytes, created erased (0xFF) on first use. The rules of
 * pal.h are enforced, not just assumed: prog needs prog_size alignment of address and length and may
 * only touch units erased since their last prog (tracked in a bitmap, kept in RAM and in a file PATH.prog
 * beside the image, so that a 0xFF written by prog still counts as programmed); anything else is
 * EAS_ERR_FLASH and leaves the image unchanged. An image of another size is refused (EAS_ERR_FLASH)
 * rather than reshaped. Reads cost no system call for an erased sector or one of the last few read
 * (kept whole in RAM, FLASH_CACHE_BYTES in all).
 * One writer at a time: open takes an exclusive lock on the image itself (and checks that the path
 * still names the file it locked), and a second open of the same image fails with EAS_ERR_FLASH_BUSY.
 * While the writer waits (on the network, say) it may let readers in with eas_posix_flash_share() and
 * take the image back with eas_posix_flash_own(), which waits at most two seconds; a reader
 * (eas_posix_flash_open_snapshot) copies the image under the shared lock and works on the copy, so it
 * never holds the writer up for longer than the copy. The files are created (and kept) readable by
 * their owner only. A process killed at any moment, or a power cut, leaves an image that opens again: a
 * new image appears whole (written as PATH.new, then renamed), the bitmap file is written only after
 * the data it marks is on disk (and an erase clears its bits on disk before it erases), and open makes
 * the bitmap agree with the content (a unit holding data is programmed; in a bitmap of an earlier
 * version, without that order, a marked unit that reads erased is erased).
 *
 * Power-cut simulation for store tests: after eas_posix_flash_cut_power_after(f, n), the n prog/erase
 * calls that follow succeed and the next one is interrupted half-way: part of it lands, the units it
 * touched count as programmed whatever they hold, and it and every later call fail with EAS_ERR_FLASH
 * until the image is closed and opened again (the reboot). */
typedef struct eas_posix_flash {
    int fd;                 /* the image, locked (the writer's exclusive or shared lock) */
    int map_fd;             /* PATH.prog */
    char *path;             /* of the image (heap) */
    uint32_t sector_size;
    uint32_t sector_count;
    uint32_t prog_size;
    int32_t cut_after;      /* -1: no power cut planned */
    uint8_t dead;
    uint8_t replaced;       /* the path names another file now: nothing more is written */
    uint8_t data_dirty;     /* the image was written since its last fdatasync */
    uint8_t map_unsynced;   /* the bitmap file was written since its last fdatasync */
    uint32_t progs;         /* successful prog calls since open (wear and test counters) */
    uint32_t erases;        /* successful erase calls since open */
    uint64_t preads;        /* read system calls since open */
    uint8_t *snapshot;      /* a reader's copy of the image (heap: this is the port, not the core) */
    /* the writer's RAM (heap) */
    uint8_t *map;           /* the bitmap and the trailer of its file */
    uint64_t map_lo, map_hi; /* bytes of it changed since it was last written to the file */
    uint64_t flushed_ms;
    uint8_t *blank;         /* per sector: 1 when every byte reads 0xFF */
    int32_t *slot_of;       /* per sector: its cache slot, -1: not cached */
    uint32_t *cache_sector; /* per cache slot: the sector it holds, UINT32_MAX: none */
    uint8_t *cache;         /* cache_slots whole sectors */
    uint32_t cache_slots;
    uint32_t cache_next;    /* the slot replaced next (in turn) */
} eas_posix_flash;

/* Opens (creating if missing) the image at path with this geometry and fills *out (ctx = f).
 * EAS_ERR_ARG for a geometry that is not sector_size a non-zero multiple of prog_size, EAS_ERR_FLASH_BUSY
 * when another open holds the image, EAS_ERR_FLASH for an image of another size or a file error. */
eas_err eas_posix_flash_open(eas_posix_flash *f, const char *path, uint32_t sector_size, uint32_t sector_count,
                             uint32_t prog_size, eas_flash *out);
/* A reader: a copy of the image taken under the shared lock (waiting up to 2 s for a writer to let
 * readers in), read-only (prog and erase fail with EAS_ERR_FLASH). EAS_ERR_NOT_FOUND when there is no
 * image yet, EAS_ERR_FLASH_BUSY when the writer did not let readers in. */
eas_err eas_posix_flash_open_snapshot(eas_posix_flash *f, const char *path, uint32_t sector_size,
                                      uint32_t sector_count, uint32_t prog_size, eas_flash *out);
/* The writer lets readers take their copy (only between complete store operations)... */
eas_err eas_posix_flash_share(eas_posix_flash *f);
/* ... and takes the image back before it touches the store again (waits for the copies under way). */
eas_err eas_posix_flash_own(eas_posix_flash *f);
void eas_posix_flash_close(eas_posix_flash *f);
/* n >= 0 plans a power cut after n more successful prog/erase calls; n < 0 cancels. */
void eas_posix_flash_cut_power_after(eas_posix_flash *f, int32_t n);

eas_err eas_posix_flash_read(void *ctx, uint32_t addr, void *buf, size_t len);
eas_err eas_posix_flash_prog(void *ctx, uint32_t addr, const void *buf, size_t len);
eas_err eas_posix_flash_erase(void *ctx, uint32_t sector);
/* From the record of erased sectors (open's pass, then every erase and prog). */
eas_err eas_posix_flash_erased(void *ctx, uint32_t sector, int *yes);

/* ---- log: one line per call on stderr, "easagent E: text" ---- */
typedef struct eas_posix_log {
    eas_log_level level;    /* lines above this level are dropped */
} eas_posix_log;
void eas_posix_log_init(eas_posix_log *l, eas_log_level level, eas_log *out);

/* ---- the whole PAL ---- */
typedef struct eas_posix_pal_config {
    const char *flash_path;     /* NULL: no flash (pal->flash all zero) */
    uint32_t sector_size;
    uint32_t sector_count;
    uint32_t prog_size;
    eas_log_level log_level;    /* 0: no log (pal->log all zero) */
    uint8_t flash_snapshot;     /* open the flash as a reader (eas_posix_flash_open_snapshot) */
} eas_posix_pal_config;

typedef struct eas_posix_pal {
    eas_posix_tcp tcp;
    eas_posix_flash flash;
    eas_posix_log log;
} eas_posix_pal;

/* Fills every interface of pal from the objects in p. Errors are those of eas_posix_flash_open. */
eas_err eas_posix_pal_init(eas_pal *pal, eas_posix_pal *p, const eas_posix_pal_config *cfg);
/* Closes the connection and the flash image. */
void eas_posix_pal_deinit(eas_posix_pal *p);

/* The DNS SRV record `name` (e.g. "_autodiscover._tcp.example.com") through the system resolver
 * (res_query), its best target chosen by eas_dns_srv_best. EAS_ERR_NOT_FOUND when there is none,
 * EAS_ERR_NET_RESOLVE when the resolver failed otherwise. Blocking (the resolver's own timeouts). */
eas_err eas_posix_srv_lookup(const char *name, char *host, size_t cap, uint16_t *port);

/* Waits as w asks (eas/exchange.h): on tcp's socket for reading or writing, or for the time alone; at
 * most 60 s at a time (the caller steps again), not at all for EAS_WAIT_NOW. */
void eas_posix_wait_as(const eas_wait *w, const eas_clock *clock, const eas_posix_tcp *tcp);

/* Fills in cfg's v2 reader (cJSON) and SRV lookup (res_query) when they are NULL: the platform's part
 * of an Autodiscover (eas/discovery.h), which the agent runs (eas_agent_config.discovery). */
void eas_posix_discovery_hooks(eas_discovery_config *cfg);

#endif
