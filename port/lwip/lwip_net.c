/* lwIP bring-up for the port: the netif with DHCP, the static host table, SNTP, the clock, and the
 * hooks lwIP asks of a NO_SYS platform (sys_now, LWIP_RAND, assertions). */
#include <string.h>

#include "eas_lwip.h"
#include "lwip/apps/sntp.h"
#include "lwip/dhcp.h"
#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"

/* lwIP is a singleton under NO_SYS; its global hooks reach the one port instance through this. */
static eas_lwip *eas_lwip_self;
static uint32_t rand_state[4];

u32_t sys_now(void) { return eas_lwip_self ? (u32_t)eas_lwip_self->cfg.monotonic_ms() : 0; }

/* xoshiro128**, seeded from the board's entropy: for lwIP's identifiers (DHCP xid, local ports, TCP
 * initial sequence numbers, DNS ids), which must be unpredictable to an off-path attacker, not secret. */
static uint32_t rotl(uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

uint32_t eas_lwip_rand(void)
{
    uint32_t *s = rand_state;
    uint32_t r = rotl(s[1] * 5u, 7) * 9u, t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return r;
}

void eas_lwip_sntp_set_time(uint32_t sec)
{
    if (eas_lwip_self) eas_lwip_set_wall_time(eas_lwip_self, (int64_t)sec, EAS_LWIP_TIME_SNTP);
}

void eas_lwip_set_wall_time(eas_lwip *l, int64_t seconds, uint8_t source)
{
    if (!l || seconds < 0) return;
    l->wall_base = seconds;
    l->wall_base_ms = l->cfg.monotonic_ms();
    l->time_source = source;
    l->activity++;
}

static uint64_t clock_monotonic(void *ctx)
{
    eas_lwip *l = ctx;
    return l->cfg.monotonic_ms();
}

static int64_t clock_wall(void *ctx)
{
    eas_lwip *l = ctx;
    if (l->time_source == EAS_LWIP_TIME_NONE) return -1;
    return l->wall_base + (int64_t)((l->cfg.monotonic_ms() - l->wall_base_ms) / 1000u);
}

eas_clock eas_lwip_clock(eas_lwip *l)
{
    eas_clock c = {l, clock_monotonic, clock_wall};
    return c;
}

eas_transport eas_lwip_transport(eas_lwip *l)
{
    eas_transport t = {&l->tcp, eas_lwip_tcp_connect, eas_lwip_tcp_send, eas_lwip_tcp_recv, eas_lwip_tcp_close, NULL};
    return t;
}

uint32_t eas_lwip_activity(const eas_lwip *l) { return l->activity; }

int eas_lwip_has_address(const eas_lwip *l)
{
    return netif_is_up(&l->netif) && !ip4_addr_isany_val(*netif_ip4_addr(&l->netif)) &&
           dhcp_supplied_address(&l->netif);
}

eas_err eas_lwip_init(eas_lwip *l, const eas_lwip_config *cfg)
{
    if (!l || !cfg || !cfg->monotonic_ms || !cfg->netif_init || !cfg->netif_poll || !cfg->entropy.fill)
        return EAS_ERR_ARG;
    if (cfg->host_count && !cfg->hosts) return EAS_ERR_ARG;
    memset(l, 0, sizeof *l);
    l->cfg = *cfg;
    l->tcp.activity = &l->activity;
    eas_lwip_self = l;

    eas_err e = cfg->entropy.fill(cfg->entropy.ctx, (uint8_t *)rand_state, sizeof rand_state);
    if (e != EAS_OK) return e;
    rand_state[0] |= 1u; /* xoshiro's one forbidden state is all zeros */

    lwip_init();
    for (size_t i = 0; i < cfg->host_count; i++) {
        ip_addr_t a;
        if (!cfg->hosts[i].name || !cfg->hosts[i].addr || !ipaddr_aton(cfg->hosts[i].addr, &a) ||
            strlen(cfg->hosts[i].name) >= DNS_LOCAL_HOSTLIST_MAX_NAMELEN)
            return EAS_ERR_CONFIG;
        if (dns_local_addhost(cfg->hosts[i].name, &a) != ERR_OK) return EAS_ERR_NOSPACE;
    }

    if (!netif_add(&l->netif, IP4_ADDR_ANY4, IP4_ADDR_ANY4, IP4_ADDR_ANY4, NULL, cfg->netif_init, ethernet_input))
        return EAS_ERR_NET_IO;
#if LWIP_NETIF_HOSTNAME
    netif_set_hostname(&l->netif, cfg->hostname);
#endif
    netif_set_default(&l->netif);
    netif_set_up(&l->netif);
    if (dhcp_start(&l->netif) != ERR_OK) return EAS_ERR_NET_IO;

    if (cfg->rtc_time) {
        int64_t now = cfg->rtc_time();
        if (now >= 0) eas_lwip_set_wall_time(l, now, EAS_LWIP_TIME_RTC);
    }
    return EAS_OK;
}

void eas_lwip_poll(eas_lwip *l)
{
    if (l->cfg.netif_poll(&l->netif)) l->activity++;
    sys_check_timeouts();
    /* SNTP once there is an address to send from: a configured server, or the one DHCP offered (lwIP
     * fills it in from option 42 as the lease arrives). */
    if (!l->sntp_started && eas_lwip_has_address(l)) {
        sntp_setoperatingmode(SNTP_OPMODE_POLL);
        if (l->cfg.sntp_server) sntp_setservername(0, l->cfg.sntp_server);
        sntp_init();
        l->sntp_started = 1;
    }
}

/* An lwIP assertion is a bug: say where and stop. The board's console is reached through the log hook
 * the application installs (eas_lwip_assert_hook), or nothing is printed. */
void (*eas_lwip_assert_hook)(const char *msg, const char *file, int line);

void eas_lwip_assert(const char *msg, const char *file, int line)
{
    if (eas_lwip_assert_hook) eas_lwip_assert_hook(msg, file, line);
    for (;;) {
    }
}
