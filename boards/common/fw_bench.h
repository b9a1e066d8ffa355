/* The firmware's own figures for `make bench` (tests/bench/fw_bench.sh, docs/EMBEDDED.md "Figures"):
 * flash bytes programmed and sectors erased, bytes on the wire, and the markers a QEMU TCG plugin
 * (tests/bench/qemu_insn.c) counts instructions between. Built only with `make fw FW_BENCH=1`
 * (boards/common/bench/fw_bench.c, into build/BOARD-bench/): the product image has none of it, so the
 * boards' RAM and flash are unchanged; FW_BENCH_HOOK(x) is nothing there.
 *
 * The counters wrap what the application hands the core (the flash region, the TCP and TLS transports)
 * and the netif's two frame functions; no driver, port or core file knows about them. */
#ifndef EAS_FW_BENCH_H
#define EAS_FW_BENCH_H

#if FW_BENCH
#include "pal.h"

struct netif;

/* Before the store is mounted and TLS set up: counts what goes through pal->flash and pal->tcp. */
void fw_bench_attach(eas_pal *pal);
/* Once the netif is up: counts the Ethernet frames sent and received (all of them, ARP and DHCP too). */
void fw_bench_attach_netif(struct netif *n);
/* The TLS transport the agent gets: its connect (the handshake) is a counted window of its own. */
void fw_bench_attach_tls(eas_transport *tls);
/* Around each eas_agent_step(): a step that moved no byte and finished nothing is not counted (how many
 * of those run depends on how the host's network cuts the stream, not on the work). */
void fw_bench_step_begin(void);
void fw_bench_step_end(int finished);
/* A line "BENCH <tag> <what> <counters since boot>" and the plugin's instruction counts beside it. */
void fw_bench_report(const char *tag, const char *what);
/* Before the Ping after pings_done of them: after the third, the connection is closed, so that the
 * fourth measures a reconnect (the TLS session kept: a resumed handshake). */
struct eas_agent;
void fw_bench_reconnect(struct eas_agent *a, unsigned pings_done);
/* At the end: the store's live records and bytes (the wear projection's live set). */
struct eas_store;
void fw_bench_store(struct eas_store *st);
#define FW_BENCH_HOOK(x) x
#else
#define FW_BENCH_HOOK(x) ((void)0)
#endif

#endif
