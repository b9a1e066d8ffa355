/* The firmware application: a meeting-room display that keeps one ActiveSync account in sync.
 *
 * Boot, bring the network up (DHCP), get the time (RTC or SNTP: certificates cannot be checked without
 * it), then run the schedule: the calendar Sync (with OPTIONS, Provision and FolderSync first, as the
 * account needs them), and the folders and meetings on the console; the agenda view and Ping slot into
 * the same schedule as the core grows them. Everything the account learns lives in the state store on
 * the board's flash region, so a reboot resumes where the last committed step left off.
 *
 * One superloop, nothing blocks: lwIP is polled, the agent is stepped when something it may be waiting
 * for happened (a network callback fired, mbedTLS holds bytes, or its deadline came), and the CPU
 * sleeps in WFI until the next interrupt (the Ethernet controller's, or the millisecond tick). The
 * RTOS-task variant of this loop is in docs/EMBEDDED.md.
 *
 * Exit status (through the board: semihosting under emulation), as the eas-agent CLI: 0 success, 1
 * configuration, 2 network or TLS, 3 authentication or account state, 4 protocol or server error. */
#include <string.h>

#include "account.h"
#include "board.h"
#include "console.h"
#include "eas/agent.h"
#include "eas/foldersync.h"
#include "eas/item.h"
#include "eas/store.h"
#include "eas_lwip.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "tls.h"

#ifndef APP_NET_TIMEOUT_MS
#define APP_NET_TIMEOUT_MS 30000u /* DHCP */
#endif
#ifndef APP_TIME_TIMEOUT_MS
#define APP_TIME_TIMEOUT_MS 30000u /* RTC or SNTP */
#endif
#ifndef BOARD_NAME
#define BOARD_NAME "board"
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_NETWORK = 2, EXIT_ACCOUNT = 3, EXIT_PROTOCOL = 4 };

static struct {
    eas_lwip net;
    eas_pal pal;
    eas_store store;
    eas_tls tls;
    eas_transport tls_t, tcp_t;
    eas_agent agent;
    eas_agent_config acfg;
    eas_log_level log_level;
    uint32_t boot;
} g;

/* ------------------------------------------------------------------------------ reporting */

static int exit_code_of(eas_err e)
{
    switch (e) {
    case EAS_OK: return EXIT_OK;
    case EAS_ERR_CONFIG:
    case EAS_ERR_PLAIN_HTTP_REFUSED:
    case EAS_ERR_HTTP_URL:
    case EAS_ERR_TLS_CONFIG: return EXIT_USAGE;
    case EAS_ERR_NET_CONNECT:
    case EAS_ERR_NET_CLOSED:
    case EAS_ERR_NET_RESOLVE:
    case EAS_ERR_NET_TIMEOUT:
    case EAS_ERR_NET_IO:
    case EAS_ERR_TLS_HANDSHAKE:
    case EAS_ERR_TLS_VERIFY:
    case EAS_ERR_TLS_IO:
    case EAS_ERR_HTTP_TRUNCATED: return EXIT_NETWORK;
    case EAS_ERR_AUTH:
    case EAS_ERR_FORBIDDEN:
    case EAS_ERR_ACCOUNT:
    case EAS_ERR_REMOTE_WIPE: return EXIT_ACCOUNT;
    default: return EXIT_PROTOCOL;
    }
}

static const char *folder_type_name(uint8_t t)
{
    static const char *const names[] = {"",           "generic",       "inbox",        "drafts",        "deleted",
                                        "sent",       "outbox",        "tasks",        "calendar",      "contacts",
                                        "notes",      "journal",       "user-mail",    "user-calendar", "user-contacts",
                                        "user-tasks", "user-journal",  "user-notes",   "unknown",       "recipient-cache"};
    return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

static void report_memory(void)
{
    uint8_t *bottom, *top, *p;
    size_t heap_size = 0;
    board_stack_bounds(&bottom, &top);
    for (p = bottom; p < top && *p == 0xa5; p++) {
    }
    (void)board_tls_heap(&heap_size);
    con_puts("mem: tls heap peak ");
    con_putu(eas_mbedtls_heap_peak());
    con_puts(" of ");
    con_putu(heap_size);
    con_puts(", stack high-water ");
    con_putu((uint64_t)(top - p));
    con_puts(" of ");
    con_putu((uint64_t)(top - bottom));
    con_puts("\n");
}

_Noreturn static void finish(int code)
{
    eas_agent_close(&g.agent);
    report_memory();
    con_puts("exit: ");
    con_putu((uint64_t)code);
    con_puts("\n");
    board_exit(code);
}

static void report_failure(const char *what, eas_err e)
{
    const eas_agent_failure *f = eas_agent_last_failure(&g.agent);
    con_puts("error: ");
    con_puts(what);
    con_puts(": ");
    con_puts(eas_err_str(e));
    if (e == EAS_ERR_TLS_VERIFY) {
        char why[96];
        if (eas_tls_verify_describe(eas_tls_verify_flags(&g.tls), why, sizeof why) == EAS_OK) {
            con_puts(" (");
            con_puts(why);
            con_puts(")");
        }
    }
    if (e == EAS_ERR_TLS_HANDSHAKE) {
        con_puts(" (mbedTLS ");
        con_puti(eas_tls_mbedtls_error(&g.tls));
        con_puts(")");
    }
    if (f->http_status && f->http_status != 200) {
        con_puts(" (HTTP ");
        con_putu(f->http_status);
        con_puts(")");
    }
    if (f->eas_status > 1) {
        con_puts(" (");
        con_puts(eas_cmd_name(f->cmd));
        con_puts(" status ");
        con_putu(f->eas_status);
        con_puts(")");
    }
    con_puts("\n");
}

static void lwip_assert_out(const char *msg, const char *file, int line)
{
    con_puts("lwip assertion: ");
    con_puts(msg);
    con_puts(" at ");
    con_puts(file);
    con_puts(":");
    con_putu((uint64_t)line);
    con_puts("\n");
    board_exit(99);
}

/* ------------------------------------------------------------------------------ the schedule */

/* What the display shows once an operation is done. */
static eas_err show_folders(void)
{
    unsigned n = eas_agent_folder_count(&g.agent);
    eas_folder f;
    con_puts("folders: ");
    con_putu(n);
    con_puts("\n");
    for (unsigned i = 0; i < n; i++) {
        eas_err e = eas_agent_folder_get(&g.agent, i, &f);
        if (e != EAS_OK) return e;
        con_puts("folder: ");
        con_pad(f.server_id, 32);
        con_pad(folder_type_name(f.type), 14);
        con_puts(f.display_name);
        con_puts("\n");
    }
    return EAS_OK;
}

/* The meetings the store holds, as the display would list them: start (compact UTC, as the server
 * sent it) and subject. The agenda view (local time, recurrences expanded, today only) takes this place
 * when the calendar part of the core lands. */
static eas_err show_event(void *ctx, const eas_folder *folder, const uint8_t *rec, size_t len)
{
    char start[24], subject[EAS_FOLDER_NAME_MAX];
    unsigned *count = ctx;
    (void)folder;
    if (!eas_item_get_str(rec, len, EAS_Calendar_StartTime, start, sizeof start)) start[0] = '\0';
    if (!eas_item_get_str(rec, len, EAS_Calendar_Subject, subject, sizeof subject)) subject[0] = '\0';
    con_puts("event: ");
    con_pad(start[0] ? start : "-", 17);
    con_puts(subject);
    con_puts("\n");
    (*count)++;
    return EAS_OK;
}

static eas_err show_calendar(void)
{
    unsigned n = 0;
    eas_err e = eas_agent_items(&g.agent, EAS_CLASS_CALENDAR, show_event, &n);
    con_puts("calendar: ");
    con_putu(n);
    con_puts(" events\n");
    return e;
}

static eas_err show_folders_and_calendar(void)
{
    eas_err e = show_folders();
    return e != EAS_OK ? e : show_calendar();
}

/* One round, in order. EAS_OP_SYNC runs what it needs first (OPTIONS, Provision, FolderSync), then the
 * calendar's Sync. Ping (EAS_OP_PING, then EAS_OP_SYNC_CHANGED when it reports changes) replaces the
 * timed wait between rounds once the display keeps its connection open: one more entry here. */
static const struct {
    eas_op op;
    const char *name;
    eas_err (*done)(void);
} schedule[] = {
    {EAS_OP_SYNC, "Sync", show_folders_and_calendar},
};
#define SCHEDULE_LEN (sizeof schedule / sizeof schedule[0])

/* ------------------------------------------------------------------------------ setup */

/* The RAM the core's objects take on this board (they live in this file's static struct). */
static void show_ram(void)
{
    con_puts("ram: agent ");
    con_putu(sizeof g.agent);
    con_puts(", store ");
    con_putu(sizeof g.store);
    con_puts(", tls ");
    con_putu(sizeof g.tls);
    con_puts(", lwip port ");
    con_putu(sizeof g.net);
    con_puts(", all ");
    con_putu(sizeof g);
    con_puts("\n");
}

static void show_state(void)
{
    unsigned v = eas_agent_version(&g.agent);
    con_puts("state: ");
    if (v == 0) {
        con_puts("new account\n");
        return;
    }
    con_puts("protocol ");
    con_putu(v / 10u);
    con_puts(".");
    con_putu(v % 10u);
    con_puts(g.agent.provisioned ? ", provisioned" : ", not provisioned");
    con_puts(", folder sync key ");
    con_puts(g.agent.folder_key);
    con_puts(", ");
    con_putu(eas_agent_folder_count(&g.agent));
    con_puts(" folders stored\n");
}

static int setup(void)
{
    const fw_account *acc = &fw_account_cfg;
    eas_err e;

    eas_lwip_config nc = {board_ms,        board_netif_init, board_netif_poll, board_entropy(), acc->hosts,
                          acc->host_count, acc->sntp_server, board_rtc_time,   acc->device_id};
    eas_lwip_assert_hook = lwip_assert_out;
    if ((e = eas_lwip_init(&g.net, &nc)) != EAS_OK) {
        report_failure("network", e);
        return exit_code_of(e);
    }
    g.log_level = EAS_LOG_WARN;
    g.pal.tcp = eas_lwip_transport(&g.net);
    g.pal.clock = eas_lwip_clock(&g.net);
    g.pal.entropy = board_entropy();
    g.pal.flash = *board_flash();
    g.pal.log = con_log(&g.log_level);

    e = eas_store_mount(&g.store, &g.pal.flash);
    if (e == EAS_ERR_STORE_EMPTY) {
        con_puts("store: empty, formatting\n");
        e = eas_store_format(&g.store, &g.pal.flash);
    }
    if (e != EAS_OK) {
        report_failure("store", e);
        return EXIT_USAGE;
    }

    size_t heap_size = 0;
    uint8_t *heap = board_tls_heap(&heap_size);
    if ((e = eas_mbedtls_platform_init(heap, heap_size, &g.pal.clock)) != EAS_OK) {
        report_failure("tls heap", e);
        return EXIT_USAGE;
    }
    eas_tls_config tc = {acc->ca, acc->ca_len, NULL};
    if ((e = eas_tls_init(&g.tls, &g.pal.tcp, &g.pal.entropy, &tc)) != EAS_OK) {
        report_failure("tls", e);
        return exit_code_of(e);
    }
    g.tls_t = eas_tls_transport(&g.tls);
    g.tcp_t = g.pal.tcp;

    eas_agent_config *c = &g.acfg;
    c->url = acc->url;
    c->user = acc->user;
    c->password = acc->password;
    c->device_id = acc->device_id;
    c->device_type = acc->device_type;
    c->device_model = acc->device_model;
    c->device_os = "easagent firmware " BOARD_NAME;
    c->friendly_name = acc->device_model;
    c->user_agent = acc->user_agent;
    c->protocol_version = acc->protocol_version;
    c->allow_plain_http = acc->allow_plain_http;
    c->sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CALENDAR); /* a meeting-room display: meetings only */
    e = eas_agent_init(&g.agent, c, &g.pal, &g.tls_t, &g.tcp_t, &g.store, NULL);
    if (e != EAS_OK) {
        report_failure("account", e);
        return exit_code_of(e);
    }
    show_ram();
    show_state();
    return EXIT_OK;
}

/* ------------------------------------------------------------------------------ the loop */

enum { APP_NET, APP_TIME, APP_START_OP, APP_RUN_OP, APP_ROUND_DONE, APP_IDLE };

int main(void)
{
    board_init();
    g.boot = board_boot_count();
    con_puts("\neasagent firmware on " BOARD_NAME ", boot ");
    con_putu(g.boot);
    con_puts("\n");

    int rc = setup();
    if (rc != EXIT_OK) finish(rc);

    uint8_t phase = APP_NET;
    size_t op = 0;
    uint64_t phase_start = board_ms(), wake_ms = 0;
    uint32_t seen_activity = eas_lwip_activity(&g.net) - 1u;
    uint32_t rounds = 0;

    for (;;) {
        eas_lwip_poll(&g.net);
        uint64_t now = board_ms();
        int busy = 0;

        switch (phase) {
        case APP_NET:
            if (eas_lwip_has_address(&g.net)) {
                const struct netif *n = &g.net.netif;
                con_puts("net: address ");
                con_puts(ip4addr_ntoa(netif_ip4_addr(n)));
                con_puts(", gateway ");
                con_puts(ip4addr_ntoa(netif_ip4_gw(n)));
                con_puts("\n");
                phase = APP_TIME;
                phase_start = now;
                busy = 1;
            } else if (now - phase_start > APP_NET_TIMEOUT_MS) {
                con_puts("error: no DHCP lease\n");
                finish(EXIT_NETWORK);
            }
            break;
        case APP_TIME: {
            int64_t wall = g.pal.clock.wall_time(g.pal.clock.ctx);
            if (wall >= 0) {
                con_puts("time: ");
                con_time(wall);
                con_puts(g.net.time_source == EAS_LWIP_TIME_SNTP ? " (SNTP)\n" : " (RTC)\n");
                phase = APP_START_OP;
                busy = 1;
            } else if (now - phase_start > APP_TIME_TIMEOUT_MS) {
                con_puts("error: no time (no RTC, no SNTP answer): certificates cannot be checked\n");
                finish(EXIT_NETWORK);
            }
            break;
        }
        case APP_START_OP: {
            eas_err e = eas_agent_begin(&g.agent, schedule[op].op);
            if (e != EAS_OK) {
                report_failure(schedule[op].name, e);
                finish(exit_code_of(e));
            }
            con_puts("sync: ");
            con_puts(schedule[op].name);
            con_puts("\n");
            phase = APP_RUN_OP;
            wake_ms = 0;
            busy = 1;
            break;
        }
        case APP_RUN_OP: {
            /* Step when a callback fired, mbedTLS holds decrypted bytes, or the agent's time came. */
            uint32_t act = eas_lwip_activity(&g.net);
            if (act == seen_activity && !eas_tls_has_pending(&g.tls) && now < wake_ms) break;
            seen_activity = act;
            eas_wait w;
            eas_err e = eas_agent_step(&g.agent, &w);
            if (e == EAS_ERR_WOULD_BLOCK) {
                wake_ms = w.until_ms;
                busy = eas_tls_has_pending(&g.tls);
                break;
            }
            if (e != EAS_OK) {
                report_failure(schedule[op].name, e);
                finish(exit_code_of(e));
            }
            if ((e = schedule[op].done()) != EAS_OK) {
                report_failure(schedule[op].name, e);
                finish(exit_code_of(e));
            }
            phase = ++op < SCHEDULE_LEN ? APP_START_OP : APP_ROUND_DONE;
            busy = 1;
            break;
        }
        case APP_ROUND_DONE:
            rounds++;
            op = 0;
            con_puts("round: ");
            con_putu(rounds);
            con_puts(" done, ");
            con_putu(g.tls.handshakes);
            con_puts(" TLS handshakes (");
            con_putu(g.tls.resumptions);
            con_puts(" resumed)\n");
            if (fw_account_cfg.test_boots) {
                if (g.boot < fw_account_cfg.test_boots) {
                    /* The emulation test of persistence: a real reset, with the flash region kept. */
                    eas_agent_close(&g.agent);
                    report_memory();
                    con_puts("reboot\n");
                    board_reboot();
                }
                finish(EXIT_OK);
            }
            phase = APP_IDLE;
            phase_start = now;
            break;
        case APP_IDLE:
            /* Until Ping lands, the next round comes after a fixed interval; the connection is not
             * kept open meanwhile (servers drop idle ones anyway). */
            eas_agent_close(&g.agent);
            if (now - phase_start >= (uint64_t)fw_account_cfg.sync_interval_s * 1000u) {
                phase = APP_START_OP;
                busy = 1;
            }
            break;
        default: finish(EXIT_PROTOCOL);
        }
        if (!busy) board_wait_for_interrupt();
    }
}
