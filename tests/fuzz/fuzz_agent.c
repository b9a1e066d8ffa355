/* libFuzzer harness for the whole agent: eas_agent_step() against a scripted connection whose answers
 * come from the fuzzer, on an emulated flash, with a fake clock.
 * fuzz-links: tests/support/flash_emu.c
 *
 * Input: [op][cut][segment]... where op picks the operations run (connect, folder sync, sync, ping,
 * the sync a Ping asked for) and cut arms a power cut at that flash operation (0: none). Each segment is
 * [flags][len lo][len hi][len bytes]: what the server sends in answer to one request (any bytes: HTTP,
 * WBXML or garbage); flags: bit 0 close after it, bit 1 drop the connection without a byte, bit 2
 * deliver it a byte at a time, bit 3 answer the connect with a failure.
 * Invariants beyond "no crash, no overread" (ASan/UBSan) and "RAM bounded" (everything is static; the
 * run is under -rss_limit_mb):
 *  - every operation ends, within a bound of steps (an endless sync or Ping storm is a finding);
 *  - the emulated flash's rules are never broken;
 *  - after each operation (and after a power cut, once power is back) the store mounts and the account
 *    loads: the old state or the new one, never one that fails to load;
 *  - what the agent holds in RAM after an operation is what loads from flash: the hierarchy's SyncKey,
 *    the folders, the protocol version and the policy key. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "eas/agent.h"
#include "eas/store.h"
#include "flash_emu.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_SEGMENTS 48
#define MAX_STEPS 40000

typedef struct {
    const uint8_t *bytes[MAX_SEGMENTS];
    size_t len[MAX_SEGMENTS];
    uint8_t flags[MAX_SEGMENTS];
    int n;
    int cur;      /* the segment answering the current request; -1 before the first */
    size_t pos;
    int answering; /* the current request has been answered at least in part */
    int open;
} script;

static script S;
static uint64_t fake_ms;
static uint32_t rng = 1;

static eas_err s_connect(void *ctx, const char *host, uint16_t port)
{
    (void)ctx, (void)host, (void)port;
    int next = S.cur + 1;
    if (next < S.n && (S.flags[next] & 8)) {
        S.cur = next; /* this answer is a refused connection */
        return EAS_ERR_NET_CONNECT;
    }
    S.open = 1;
    return EAS_OK;
}

static eas_err s_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    (void)ctx, (void)buf;
    if (!S.open) return EAS_ERR_NET_IO;
    if (S.cur < 0 || S.answering) { /* a new request: the next segment answers it */
        S.cur++;
        S.pos = 0;
        S.answering = 0;
    }
    if (S.cur >= S.n) return EAS_ERR_NET_CLOSED;
    *done = len;
    return EAS_OK;
}

static eas_err s_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    (void)ctx;
    if (!S.open) return EAS_ERR_NET_IO;
    if (S.cur < 0 || S.cur >= S.n) return EAS_ERR_NET_CLOSED;
    S.answering = 1;
    uint8_t f = S.flags[S.cur];
    if (f & 2) return EAS_ERR_NET_CLOSED;
    if (S.pos >= S.len[S.cur]) return (f & 1) ? EAS_ERR_NET_CLOSED : EAS_ERR_WOULD_BLOCK;
    size_t n = S.len[S.cur] - S.pos;
    if (n > len) n = len;
    if ((f & 4) && n > 1) n = 1;
    memcpy(buf, S.bytes[S.cur] + S.pos, n);
    S.pos += n;
    *done = n;
    return EAS_OK;
}

static void s_close(void *ctx)
{
    (void)ctx;
    S.open = 0;
}

static uint64_t clock_ms(void *ctx)
{
    (void)ctx;
    return fake_ms;
}
static int64_t clock_wall(void *ctx)
{
    (void)ctx;
    return 1795000000 + (int64_t)(fake_ms / 1000u);
}
static eas_err entropy(void *ctx, uint8_t *out, size_t n)
{
    (void)ctx;
    for (size_t i = 0; i < n; i++) out[i] = (uint8_t)((rng = rng * 1103515245u + 12345u) >> 16);
    return EAS_OK;
}

static flash_emu flash;
static eas_pal pal;
static eas_store store;
/* A lookup index, as the POSIX port has: the fuzzer's time goes to the agent rather than to scans of the
 * log (the store is fuzzed without one by fuzz_store). */
static eas_store_index_slot index_slots[512];
static eas_agent agent, check_agent;
static eas_transport transport = {NULL, s_connect, s_send, s_recv, s_close};
static const eas_agent_config cfg = {
    .url = "https://eas.test/Microsoft-Server-ActiveSync",
    .user = "alice",
    .password = "alice-pass",
    .device_id = "fuzz1",
    .device_type = "easagent",
    .user_agent = "easagent/fuzz",
    .calendar_filter = 4,
};

static eas_err run(eas_op op)
{
    eas_err e = eas_agent_begin(&agent, op);
    if (e != EAS_OK) return e;
    for (int i = 0; i < MAX_STEPS; i++) {
        eas_wait w;
        e = eas_agent_step(&agent, &w);
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        /* Time moves on: to the wake-up of a wait, by 5 s for a blocked connection (timeouts come soon). */
        if ((w.what & EAS_WAIT_TIME) && w.until_ms > fake_ms) fake_ms = w.until_ms;
        else fake_ms += 5000;
    }
    abort(); /* an operation that never ends */
}

/* The state on flash loads, and agrees with what the agent holds in RAM. */
static void check_state(int compare, int succeeded)
{
    if (flash.violations) abort();
    if (eas_store_mount_indexed(&store, &pal.flash, index_slots, 512) != EAS_OK) abort();
    eas_agent_close(&agent);
    if (eas_agent_init(&check_agent, &cfg, &pal, &transport, NULL, &store, NULL) != EAS_OK) abort();
    if (compare) {
        if (strcmp(check_agent.folder_key, agent.folder_key) != 0) abort();
        if (check_agent.folder_used != agent.folder_used) abort();
        /* These are written outside a transaction: after a failed write RAM may be ahead of flash. */
        if (succeeded && check_agent.version != agent.version) abort();
        if (succeeded && strcmp(check_agent.policy_key, agent.policy_key) != 0) abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (flash_emu_init(&flash, 1024, 12, 16) != 0) abort();
        ready = 1;
    }
    if (size < 2) return 0;
    uint8_t ops = data[0], cut = data[1];
    memset(&S, 0, sizeof S);
    S.cur = -1;
    for (size_t at = 2; at + 3 <= size && S.n < MAX_SEGMENTS; S.n++) {
        size_t len = (size_t)data[at + 1] | (size_t)data[at + 2] << 8;
        if (len > size - at - 3) len = size - at - 3;
        S.flags[S.n] = data[at];
        S.bytes[S.n] = data + at + 3;
        S.len[S.n] = len;
        at += 3 + len;
    }
    fake_ms = 1000;
    rng = 1;
    flash_emu_power_on(&flash);
    flash_emu_fill(&flash, 0, 0xFF, flash.size);
    flash.violations = 0;
    memset(&pal, 0, sizeof pal);
    pal.flash = flash.flash;
    pal.clock = (eas_clock){NULL, clock_ms, clock_wall};
    pal.entropy = (eas_entropy){NULL, entropy};
    if (eas_store_format_indexed(&store, &pal.flash, index_slots, 512) != EAS_OK) abort();
    if (eas_agent_init(&agent, &cfg, &pal, &transport, NULL, &store, NULL) != EAS_OK) abort();
    if (cut) flash_emu_cut_after(&flash, cut);

    /* Two to four operations, as an application would run them. */
    static const eas_op plans[8][4] = {
        {EAS_OP_SYNC, EAS_OP_NONE},
        {EAS_OP_FOLDER_SYNC, EAS_OP_SYNC, EAS_OP_NONE},
        {EAS_OP_SYNC, EAS_OP_PING, EAS_OP_SYNC_CHANGED, EAS_OP_NONE},
        {EAS_OP_CONNECT, EAS_OP_FOLDER_SYNC, EAS_OP_NONE},
        {EAS_OP_SYNC, EAS_OP_PING, EAS_OP_PING, EAS_OP_SYNC_CHANGED},
        {EAS_OP_SYNC, EAS_OP_SYNC, EAS_OP_NONE},
        {EAS_OP_FOLDER_SYNC, EAS_OP_FOLDER_SYNC, EAS_OP_SYNC, EAS_OP_NONE},
        {EAS_OP_PING, EAS_OP_SYNC, EAS_OP_NONE},
    };
    const eas_op *plan = plans[ops & 7];
    for (int k = 0; k < 4 && plan[k] != EAS_OP_NONE; k++) {
        eas_err e = run(plan[k]);
        if (flash.cuts) {
            /* Power back after a cut: whatever the state, it loads. */
            flash_emu_power_on(&flash);
            check_state(0, 0);
            if (eas_agent_init(&agent, &cfg, &pal, &transport, NULL, &store, NULL) != EAS_OK) abort();
            flash.cuts = 0;
            continue;
        }
        check_state(1, e == EAS_OK);
        /* Go on with the agent that loaded from flash (a reboot), or the one that ran (no reboot). */
        if (ops & 8) memcpy(&agent, &check_agent, sizeof agent);
    }
    return 0;
}
