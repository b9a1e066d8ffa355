/* The PAL over lwIP's raw API with NO_SYS=1: a non-blocking TCP eas_transport, the clock (monotonic
 * from the board, wall time from SNTP or the board's RTC), and the network bring-up (DHCP, DNS with a
 * static host table in front, SNTP). See docs/PORTING.md and docs/EMBEDDED.md.
 *
 * lwIP is a singleton under NO_SYS: there is one eas_lwip per program, owned by the application
 * (static memory), and only the loop that calls eas_lwip_poll() may call into it or into the core. */
#ifndef EAS_LWIP_H
#define EAS_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "pal.h"

/* A static name: looked up before DNS (lwIP's local host list). */
typedef struct eas_lwip_host {
    const char *name;
    const char *addr; /* dotted IPv4 */
} eas_lwip_host;

typedef struct eas_lwip_config {
    uint64_t (*monotonic_ms)(void);        /* the board's millisecond counter */
    netif_init_fn netif_init;              /* the board's Ethernet driver, for netif_add */
    unsigned (*netif_poll)(struct netif *); /* moves received frames into lwIP */
    eas_entropy entropy;                   /* seeds LWIP_RAND (DHCP xid, ports, ISNs, DNS ids) */
    const eas_lwip_host *hosts;            /* static host table (may be NULL) */
    size_t host_count;
    const char *sntp_server;               /* NTP server name; NULL: only one offered by DHCP */
    int64_t (*rtc_time)(void);             /* the board's RTC (seconds since 1970, -1: unset); may be NULL */
    const char *hostname;                  /* sent in DHCP (may be NULL) */
} eas_lwip_config;

enum { EAS_LWIP_TCP_IDLE, EAS_LWIP_TCP_RESOLVING, EAS_LWIP_TCP_CONNECTING, EAS_LWIP_TCP_OPEN, EAS_LWIP_TCP_FAILED };

typedef struct eas_lwip_tcp {
    struct tcp_pcb *pcb;
    struct pbuf *rx;      /* received bytes not yet read by the core; the window stays closed for them */
    ip_addr_t addr;
    uint16_t port;
    uint8_t state;
    uint8_t fin;          /* the peer closed its side: EAS_ERR_NET_CLOSED once rx is drained */
    eas_err err;          /* why state is FAILED */
    uint32_t *activity;   /* bumped by every callback: the loop knows when stepping the core may help */
    char host[EAS_URL_HOST_MAX];
} eas_lwip_tcp;

enum { EAS_LWIP_TIME_NONE, EAS_LWIP_TIME_RTC, EAS_LWIP_TIME_SNTP };

typedef struct eas_lwip {
    eas_lwip_config cfg;
    struct netif netif;
    eas_lwip_tcp tcp;
    int64_t wall_base;     /* seconds since 1970 at wall_base_ms */
    uint64_t wall_base_ms;
    uint8_t time_source;   /* EAS_LWIP_TIME_* */
    uint8_t sntp_started;
    uint32_t activity;
} eas_lwip;

/* Starts lwIP, adds the board's netif (DHCP), enters the static hosts, reads the RTC. EAS_ERR_ARG for a
 * missing piece, EAS_ERR_CONFIG for a host entry that is not a dotted address or does not fit. */
eas_err eas_lwip_init(eas_lwip *l, const eas_lwip_config *cfg);
/* Frames in, timers: call from the loop as often as it turns. Starts SNTP once DHCP has an address. */
void eas_lwip_poll(eas_lwip *l);
/* Nonzero once the interface has an address (DHCP bound). */
int eas_lwip_has_address(const eas_lwip *l);
/* The transport and clock interfaces (ctx: l's TCP state and l). */
eas_transport eas_lwip_transport(eas_lwip *l);
eas_clock eas_lwip_clock(eas_lwip *l);
/* Sets the wall clock (seconds since 1970) from any source (EAS_LWIP_TIME_*). */
void eas_lwip_set_wall_time(eas_lwip *l, int64_t seconds, uint8_t source);
/* Changes each time a callback fired (data, sent, connected, closed, error): something may be ready. */
uint32_t eas_lwip_activity(const eas_lwip *l);

/* The transport functions (ctx: eas_lwip_tcp). */
eas_err eas_lwip_tcp_connect(void *ctx, const char *host, uint16_t port);
eas_err eas_lwip_tcp_send(void *ctx, const uint8_t *buf, size_t len, size_t *done);
eas_err eas_lwip_tcp_recv(void *ctx, uint8_t *buf, size_t len, size_t *done);
void eas_lwip_tcp_close(void *ctx);

/* Called (when set) before the board stops on an lwIP assertion: a bug, reported on the console. */
extern void (*eas_lwip_assert_hook)(const char *msg, const char *file, int line);

/* mbedTLS on a static arena, with the time from clock (port/lwip/lwip_mbedtls.c). The arena must
 * outlive every TLS object. */
eas_err eas_mbedtls_platform_init(uint8_t *heap, size_t size, const eas_clock *clock);
/* How far into the arena allocations have reached since init: its high-water mark, fragmentation
 * included (what the arena must be sized for). */
size_t eas_mbedtls_heap_peak(void);

#endif
