/* The bench build's counters and instruction markers (see fw_bench.h). Only in `make fw FW_BENCH=1`. */
#include "fw_bench.h"

#include "board.h"
#include "console.h"
#include "eas/agent.h"
#include "eas/store.h"
#include "eas_lwip.h"
#include "eas_board_config.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "tls.h"

static struct {
    eas_flash flash;        /* the board's region, forwarded to */
    eas_transport tcp, tls; /* the transports, forwarded to */
    netif_input_fn input;
    netif_linkoutput_fn linkoutput;
    uint32_t prog_bytes, progs, erases;
    uint16_t sector_erases[BOARD_FLASH_SECTORS];
    uint32_t tcp_tx, tcp_rx, tls_tx, tls_rx; /* payload: TCP (TLS records, or plain http), plaintext */
    uint32_t eth_tx_frames, eth_tx_bytes, eth_rx_frames, eth_rx_bytes;
    uint32_t hs_tx_bytes, hs_rx_bytes; /* Ethernet bytes while a handshake was under way */
    uint32_t moved_at_step;
    uint8_t handshaking;
} b;

/* ---- markers: the plugin (tests/bench/qemu_insn.c) is given their addresses. Distinct bodies, never
 * inlined or merged, so that each has its own first instruction. ---- */
static volatile uint32_t fw_bench_marker;
#define MARKER(name, v)                                                                                        \
    __attribute__((noipa, used)) void name(void);                                                              \
    __attribute__((noipa, used)) void name(void) { fw_bench_marker = v; }
MARKER(fw_bench_mark_step_on, 1u)   /* a step window opens */
MARKER(fw_bench_mark_step_off, 2u)  /* ... closes: its instructions count */
MARKER(fw_bench_mark_step_drop, 3u) /* ... closes: it did nothing, not counted */
MARKER(fw_bench_mark_tls_on, 4u)    /* the same for a call of the TLS connect (the handshake) */
MARKER(fw_bench_mark_tls_off, 5u)
MARKER(fw_bench_mark_tls_drop, 6u)
MARKER(fw_bench_mark_report, 7u)    /* the plugin prints its counts beside the BENCH line just written */

static uint32_t moved(void) { return b.tcp_tx + b.tcp_rx + b.tls_tx + b.tls_rx; }

/* ---- the flash region ---- */
static eas_err fl_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    (void)ctx;
    return b.flash.read(b.flash.ctx, addr, buf, len);
}
static eas_err fl_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    (void)ctx;
    eas_err e = b.flash.prog(b.flash.ctx, addr, buf, len);
    if (e == EAS_OK) {
        b.prog_bytes += (uint32_t)len;
        b.progs++;
    }
    return e;
}
static eas_err fl_erase(void *ctx, uint32_t sector)
{
    (void)ctx;
    eas_err e = b.flash.erase(b.flash.ctx, sector);
    if (e == EAS_OK) {
        b.erases++;
        if (sector < BOARD_FLASH_SECTORS) b.sector_erases[sector]++;
    }
    return e;
}
static eas_err fl_erased(void *ctx, uint32_t sector, int *yes)
{
    (void)ctx;
    return b.flash.erased(b.flash.ctx, sector, yes);
}

/* ---- the transports ---- */
static eas_err tcp_connect(void *ctx, const char *host, uint16_t port) { return b.tcp.connect(ctx, host, port); }
/* What a send or recv moved, added to its counter. */
static eas_err counted(eas_err e, const size_t *done, uint32_t *n)
{
    if (done) *n += (uint32_t)*done;
    return e;
}
static eas_err tcp_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    return counted(b.tcp.send(ctx, buf, len, done), done, &b.tcp_tx);
}
static eas_err tcp_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    return counted(b.tcp.recv(ctx, buf, len, done), done, &b.tcp_rx);
}
static void tcp_close(void *ctx) { b.tcp.close(ctx); }
static unsigned tcp_hints(void *ctx) { return b.tcp.hints ? b.tcp.hints(ctx) : 0u; }

static eas_err tls_connect(void *ctx, const char *host, uint16_t port)
{
    uint32_t before = moved();
    b.handshaking = ((eas_tls *)ctx)->state != EAS_TLS_OPEN;
    fw_bench_mark_tls_on();
    eas_err e = b.tls.connect(ctx, host, port);
    if (e == EAS_ERR_WOULD_BLOCK && moved() == before)
        fw_bench_mark_tls_drop();
    else
        fw_bench_mark_tls_off();
    if (e != EAS_ERR_WOULD_BLOCK) b.handshaking = 0;
    return e;
}
static eas_err tls_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    return counted(b.tls.send(ctx, buf, len, done), done, &b.tls_tx);
}
static eas_err tls_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    return counted(b.tls.recv(ctx, buf, len, done), done, &b.tls_rx);
}
static void tls_close(void *ctx)
{
    b.handshaking = 0;
    b.tls.close(ctx);
}
static unsigned tls_hints(void *ctx) { return b.tls.hints ? b.tls.hints(ctx) : 0u; }

/* ---- the netif ---- */
static err_t eth_input(struct pbuf *p, struct netif *n)
{
    b.eth_rx_frames++;
    b.eth_rx_bytes += p->tot_len;
    if (b.handshaking) b.hs_rx_bytes += p->tot_len;
    return b.input(p, n);
}
static err_t eth_linkoutput(struct netif *n, struct pbuf *p)
{
    b.eth_tx_frames++;
    b.eth_tx_bytes += p->tot_len;
    if (b.handshaking) b.hs_tx_bytes += p->tot_len;
    return b.linkoutput(n, p);
}

void fw_bench_attach(eas_pal *pal)
{
    b.flash = pal->flash;
    pal->flash.read = fl_read;
    pal->flash.prog = fl_prog;
    pal->flash.erase = fl_erase;
    pal->flash.erased = b.flash.erased ? fl_erased : NULL;
    b.tcp = pal->tcp;
    pal->tcp.connect = tcp_connect;
    pal->tcp.send = tcp_send;
    pal->tcp.recv = tcp_recv;
    pal->tcp.close = tcp_close;
    pal->tcp.hints = tcp_hints;
}

void fw_bench_attach_netif(struct netif *n)
{
    b.input = n->input;
    b.linkoutput = n->linkoutput;
    n->input = eth_input;
    n->linkoutput = eth_linkoutput;
}

void fw_bench_attach_tls(eas_transport *tls)
{
    b.tls = *tls;
    tls->connect = tls_connect;
    tls->send = tls_send;
    tls->recv = tls_recv;
    tls->close = tls_close;
    tls->hints = tls_hints;
}

void fw_bench_step_begin(void)
{
    b.moved_at_step = moved();
    fw_bench_mark_step_on();
}

void fw_bench_step_end(int finished)
{
    if (!finished && moved() == b.moved_at_step)
        fw_bench_mark_step_drop();
    else
        fw_bench_mark_step_off();
}

static void field(const char *name, uint32_t v)
{
    con_puts(" ");
    con_puts(name);
    con_puts("=");
    con_putu(v);
}

void fw_bench_report(const char *tag, const char *what)
{
    con_puts("BENCH ");
    con_puts(tag);
    con_puts(" ");
    con_puts(what);
    field("prog_bytes", b.prog_bytes);
    field("progs", b.progs);
    field("erases", b.erases);
    field("tcp_tx", b.tcp_tx);
    field("tcp_rx", b.tcp_rx);
    field("eth_tx_frames", b.eth_tx_frames);
    field("eth_tx", b.eth_tx_bytes);
    field("eth_rx_frames", b.eth_rx_frames);
    field("eth_rx", b.eth_rx_bytes);
    field("hs_eth_tx", b.hs_tx_bytes);
    field("hs_eth_rx", b.hs_rx_bytes);
    if (b.tls.ctx) {
        const eas_tls *t = b.tls.ctx;
        field("handshakes", t->handshakes);
        field("resumed", t->resumptions);
    }
    /* High-water marks so far: the TLS arena's and the stack's (as the exit's "mem:" line has them, for
     * runs that end otherwise: tests/bench/fw_tls_options.sh). */
    uint8_t *bottom, *top, *p;
    board_stack_bounds(&bottom, &top);
    for (p = bottom; p < top && *p == 0xa5; p++) {
    }
    field("tls_peak", (uint32_t)eas_mbedtls_heap_peak());
    field("stack_peak", (uint32_t)(top - p));
    con_puts(" wear=");
    for (unsigned i = 0; i < BOARD_FLASH_SECTORS; i++) {
        if (i) con_puts(",");
        con_putu(b.sector_erases[i]);
    }
    con_puts("\n");
    fw_bench_mark_report();
}

void fw_bench_store(eas_store *st)
{
    eas_store_info info;
    if (eas_store_stats(st, &info) != EAS_OK) return;
    con_puts("BENCH-STORE");
    field("live_records", info.live_records);
    field("live_bytes", info.live_bytes);
    field("capacity", info.capacity);
    field("used_bytes", info.used_bytes);
    field("compactions", info.compactions);
    field("sector_size", BOARD_FLASH_SECTOR_SIZE);
    field("sectors", BOARD_FLASH_SECTORS);
    con_puts("\n");
}

void fw_bench_reconnect(eas_agent *a, unsigned pings_done)
{
    static uint8_t done;
    if (pings_done != 3u || done) return;
    done = 1;
    eas_agent_close(a);
}
