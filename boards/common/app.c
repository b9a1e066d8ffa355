/* The firmware application: a meeting-room display that keeps one ActiveSync account in sync.
 *
 * Boot, bring the network up (DHCP), get the time (RTC or SNTP: certificates cannot be checked without
 * it), then run the schedule: the calendar Sync (with OPTIONS, Provision and FolderSync first, as the
 * account needs them), the folders and today's agenda with the "now / next" line on the console, then
 * Ping: the connection waits for the server to say the calendar changed, the changes are fetched
 * (EAS_OP_SYNC_CHANGED), printed as they arrive and the agenda shown again. Everything the account
 * learns lives in the state store on the board's flash region, so a reboot resumes where the last
 * committed step left off.
 *
 * The console's agenda lines have a fixed form that tests parse (times as `eas-agent agenda --json`
 * gives them: RFC 3339 UTC for timed occurrences, YYYY-MM-DD for all-day ones, end exclusive):
 *   AGENDA-DAY <local date> <now, UTC> <zone>
 *   AGENDA <server_id> <start> <end> <true|false all-day> <subject>
 *   AGENDA-END <occurrences> <events that could not be read>
 *   NOW <server_id> <start> <end> <all-day> <subject>     or  NOW -
 *   NEXT <server_id> <start> <end> <all-day> <subject>    or  NEXT -
 *   CHANGE <added|changed|deleted> <class> <server_id> [<subject>]   (while pushing)
 *   REFRESH <now, UTC>, then NOW and NEXT again: a meeting began or ended during a quiet Ping
 * After each round's agenda, when the account names the display's own mailbox ("address"), its
 * free/busy for the next hours (ResolveRecipients with Availability), run by run, then the line a
 * display shows:
 *   FB <start> <end> <free|tentative|busy|out-of-office|no-data>
 *   FREEBUSY <status> until <HH:MM local>    or  FREEBUSY <status> (<hours> h)  or  FREEBUSY -
 * At the first round, when the account names one ("gal_lookup"), a look-up in the Global Address List:
 *   GAL <email> <display name>   (at most APP_GAL_MAX), then GAL-END <shown> <server's total>
 * A lookup that fails prints its error line and the display goes on.
 * With "auth": "oauth2-device" (docs/OAUTH.md) the display signs in on its console first when the store
 * holds no tokens, and again after a sign-in the service refused or revoked (signin.h has those lines).
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
#if EAS_ENABLE_OAUTH
#include "autodiscover_json.h" /* cJSON is in the image for the sign-in: Autodiscover v2 reads with it too */
#endif
#include "board.h"
#include "console.h"
#include "eas/agenda.h"
#include "eas/agent.h"
#include "eas/civil.h"
#include "eas/foldersync.h"
#include "eas/item.h"
#include "eas/store.h"
#include "eas/tz.h"
#include "eas_lwip.h"
#include "fw_bench.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "signin.h"
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
#ifndef APP_GAL_MAX
#define APP_GAL_MAX 3u /* GAL entries asked for and shown at boot */
#endif

enum { EXIT_OK = 0, EXIT_USAGE = 1, EXIT_NETWORK = 2, EXIT_ACCOUNT = 3, EXIT_PROTOCOL = 4 };

static struct {
    eas_lwip net;
    eas_pal pal;
    eas_store store;
    eas_tls tls;
    eas_transport tls_t; /* plain http goes over pal.tcp itself */
    eas_agent agent;
    eas_agent_config acfg;
    eas_log_level log_level;
    uint32_t boot;
    eas_tz_rule zone;
    /* The agenda's work space and Autodiscover's share their RAM: the agenda is walked only between
     * operations, discovery runs only inside one (eas_agent_step). */
    union {
        eas_agenda_work agenda;
        eas_discovery discovery;
    } work;
    eas_discovery_config dc;
    eas_agenda_entry current, next;
    int64_t agenda_day; /* the local day the agenda was last shown for */
    int64_t day_end;    /* its end (UTC) */
    int64_t refresh_at; /* when the now/next line changes next (UTC): the current one ends, the next starts */
    uint8_t pushing;    /* in the Ping phase: changes are printed as they arrive */
    uint8_t changed;    /* an item changed since the agenda was last shown */
    /* The lookups' requests (they must outlive their operation) and what their answers said. */
    const char *fb_to[1];
    eas_resolve_request fb_req;
    eas_fb_status fb_first; /* the first run of the window, and its end */
    int64_t fb_first_end;
    unsigned fb_runs;
    eas_gal_query gal_q;
    unsigned gal_shown;
#if EAS_ENABLE_OAUTH
    fw_signin signin; /* "auth": "oauth2-device": the device-code sign-in, and the agent's refreshes */
#endif
} g;

/* ------------------------------------------------------------------------------ reporting */

static int exit_code_of(eas_err e) { return (int)eas_err_kind_of(e); }

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
    FW_BENCH_HOOK(fw_bench_report("exit", "-"));
    FW_BENCH_HOOK(fw_bench_store(&g.store));
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
    if (e == EAS_ERR_TLS_VERIFY || e == EAS_ERR_TLS_HANDSHAKE) {
        /* mbedTLS reports a certificate it could not parse for want of memory as one it does not
         * trust: an arena filled to its last KiB says what more likely happened. */
        size_t heap_size = 0, peak = eas_mbedtls_heap_peak();
        (void)board_tls_heap(&heap_size);
        if (peak + 1024u > heap_size) {
            con_puts("; the TLS arena was nearly full (");
            con_putu(peak);
            con_puts(" of ");
            con_putu(heap_size);
            con_puts(" bytes): the server's certificate chain may not fit this board");
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
    if (eas_agent_folders_skipped(&g.agent)) { /* past EAS_MAX_FOLDERS: never silent */
        con_puts("warning: ");
        con_putu(eas_agent_folders_skipped(&g.agent));
        con_puts(" calendar folders not kept: this device holds ");
        con_putu(EAS_MAX_FOLDERS);
        con_puts("\n");
    }
    for (unsigned i = 0; i < n; i++) {
        eas_err e = eas_agent_folder_get(&g.agent, i, &f);
        if (e != EAS_OK) return e;
        con_puts("folder: ");
        con_pad(f.server_id, 32);
        con_pad(eas_folder_type_name(f.type), 14);
        con_puts(f.display_name);
        con_puts("\n");
    }
    return EAS_OK;
}

static eas_err count_event(void *ctx, const eas_folder *folder, const uint8_t *rec, size_t len)
{
    (void)folder;
    (void)rec;
    (void)len;
    (*(unsigned *)ctx)++;
    return EAS_OK;
}

static void two_digits(unsigned v)
{
    char b[3] = {(char)('0' + v / 10u % 10u), (char)('0' + v % 10u), '\0'};
    con_puts(b);
}

static void put_date(int64_t day)
{
    int32_t y;
    unsigned m, d;
    eas_civil_from_days(day, &y, &m, &d);
    con_putu((uint64_t)(y < 0 ? 0 : y));
    con_puts("-");
    two_digits(m);
    con_puts("-");
    two_digits(d);
}

/* RFC 3339 UTC, as the CLI writes it (the calendar's own arithmetic, not the C library's). */
static void put_utc(int64_t t)
{
    eas_civil c;
    if (eas_civil_from_seconds(t, &c) != EAS_OK) {
        con_puts("unknown");
        return;
    }
    put_date(eas_floor_div(t, EAS_SECS_PER_DAY));
    con_puts("T");
    two_digits(c.hour);
    con_puts(":");
    two_digits(c.minute);
    con_puts(":");
    two_digits(c.second);
    con_puts("Z");
}

/* Text from the server (at most cap bytes, NUL-terminated within them) on one console line: control
 * characters become spaces. */
static void put_text(const char *s, size_t cap)
{
    char b[2] = {0, 0};
    for (size_t i = 0; i < cap && s[i]; i++) {
        b[0] = (unsigned char)s[i] < 0x20u || s[i] == 0x7f ? ' ' : s[i];
        con_puts(b);
    }
}

static void put_entry(const char *tag, const eas_agenda_entry *e)
{
    con_puts(tag);
    con_puts(" ");
    put_text(e->server_id, sizeof e->server_id);
    con_puts(" ");
    if (e->occ.all_day) {
        put_date(e->occ.day);
        con_puts(" ");
        put_date(e->occ.day + e->days);
    } else {
        put_utc(e->occ.start);
        con_puts(" ");
        put_utc(e->occ.end);
    }
    con_puts(e->occ.all_day ? " true " : " false ");
    put_text(eas_agenda_display_subject(e), sizeof e->subject);
    con_puts("\n");
}

static eas_err print_occurrence(void *ctx, const eas_agenda_entry *e)
{
    if (e->cancelled) return EAS_OK; /* a room display does not show it */
    (*(unsigned *)ctx)++;
    put_entry("AGENDA", e);
    return EAS_OK;
}

/* The room display's line: the meeting in progress and the next one today; and when that changes. */
static eas_err show_now_next(int64_t now)
{
    int has_current = 0, has_next = 0;
    eas_err e = eas_agent_now_next(&g.agent, &g.work.agenda, &g.zone, now, g.day_end - now, &g.current, &has_current,
                                   &g.next, &has_next);
    if (e != EAS_OK) return e;
    g.refresh_at = g.day_end;
    if (has_current) {
        put_entry("NOW", &g.current);
        if (g.current.occ.end < g.refresh_at) g.refresh_at = g.current.occ.end;
    } else {
        con_puts("NOW -\n");
    }
    if (has_next) {
        put_entry("NEXT", &g.next);
        if (g.next.occ.start < g.refresh_at) g.refresh_at = g.next.occ.start;
    } else {
        con_puts("NEXT -\n");
    }
    return EAS_OK;
}

/* Today's agenda in the device's zone, then the now/next line. */
static eas_err show_agenda(void)
{
    int64_t now = g.pal.clock.wall_time(g.pal.clock.ctx), local = 0, from = 0, to = 0;
    eas_err e = eas_tz_utc_to_local(&g.zone, now, &local);
    if (e != EAS_OK) return e;
    int64_t day = eas_floor_div(local, EAS_SECS_PER_DAY);
    if ((e = eas_tz_local_to_utc(&g.zone, day * EAS_SECS_PER_DAY, EAS_TZ_PICK_EARLIER, &from, NULL)) != EAS_OK ||
        (e = eas_tz_local_to_utc(&g.zone, (day + 1) * EAS_SECS_PER_DAY, EAS_TZ_PICK_EARLIER, &to, NULL)) != EAS_OK)
        return e;
    g.agenda_day = day;
    g.day_end = to;
    g.changed = 0;
    con_puts("AGENDA-DAY ");
    put_date(day);
    con_puts(" ");
    put_utc(now);
    con_puts(" ");
    con_puts(fw_account_cfg.timezone);
    con_puts("\n");
    unsigned n = 0, skipped = 0;
    e = eas_agent_agenda(&g.agent, &g.work.agenda, &g.zone, from, to, print_occurrence, &n, &skipped);
    if (e != EAS_OK) return e;
    con_puts("AGENDA-END ");
    con_putu(n);
    con_puts(" ");
    con_putu(skipped);
    con_puts("\n");
    return show_now_next(now);
}

/* After a Sync: the folders, how many meetings the store holds, today's agenda. */
static eas_err after_sync(void)
{
    unsigned n = 0;
    eas_err e = show_folders();
    if (e == EAS_OK) e = eas_agent_items(&g.agent, EAS_CLASS_CALENDAR, count_event, &n);
    if (e != EAS_OK) return e;
    con_puts("calendar: ");
    con_putu(n);
    con_puts(" events stored\n");
    return show_agenda();
}

static eas_err after_ping(void)
{
    static const char *const results[] = {"none", "quiet", "changed", "cut"};
    eas_ping_result r = eas_agent_ping_result(&g.agent);
    con_puts("ping: ");
    con_puts(r <= EAS_PING_CUT ? results[r] : "?");
    con_puts("\n");
    if (r == EAS_PING_CHANGED) return EAS_OK; /* the agenda follows the changes' Sync */
    /* Without news the display still moves on: a new day, or a meeting that began or ended. */
    int64_t now = g.pal.clock.wall_time(g.pal.clock.ctx);
    if (now >= g.day_end) return show_agenda();
    if (now < g.refresh_at) return EAS_OK;
    con_puts("REFRESH ");
    put_utc(now);
    con_puts("\n");
    return show_now_next(now);
}

static eas_err after_sync_changed(void) { return g.changed ? show_agenda() : EAS_OK; }

/* ---- the display's own free/busy for the next hours ---- */

static eas_err on_fb_run(void *ctx, const eas_recipient *r, int64_t start, int64_t end, eas_fb_status s)
{
    (void)ctx;
    (void)r;
    con_puts("FB ");
    put_utc(start);
    con_puts(" ");
    put_utc(end);
    con_puts(" ");
    con_puts(eas_fb_status_name(s));
    con_puts("\n");
    if (g.fb_runs++ == 0) {
        g.fb_first = s;
        g.fb_first_end = end;
    }
    return EAS_OK;
}

static eas_err prepare_freebusy(void)
{
    const fw_account *acc = &fw_account_cfg;
    int64_t now = g.pal.clock.wall_time(g.pal.clock.ctx);
    now -= eas_floor_mod(now, 60);
    static const eas_resolve_events ev = {NULL, NULL, NULL, on_fb_run};
    g.fb_to[0] = acc->address;
    g.fb_req = (eas_resolve_request){g.fb_to, 1, now, now + (int64_t)acc->freebusy_hours * 3600, 0};
    g.fb_runs = 0;
    return eas_agent_resolve(&g.agent, &g.fb_req, &ev);
}

/* "free until 14:00": what the first run of the window says, and until when. */
static eas_err after_freebusy(void)
{
    con_puts("FREEBUSY ");
    if (!g.fb_runs) {
        con_puts("-\n");
        return EAS_OK;
    }
    con_puts(eas_fb_status_name(g.fb_first));
    if (g.fb_first_end >= g.fb_req.end) {
        con_puts(" (");
        con_putu(fw_account_cfg.freebusy_hours);
        con_puts(" h)\n");
        return EAS_OK;
    }
    int64_t local = 0;
    eas_err e = eas_tz_utc_to_local(&g.zone, g.fb_first_end, &local);
    if (e != EAS_OK) return e;
    con_puts(" until ");
    two_digits((unsigned)(eas_floor_mod(local, EAS_SECS_PER_DAY) / 3600));
    con_puts(":");
    two_digits((unsigned)(eas_floor_mod(local, 3600) / 60));
    con_puts("\n");
    return EAS_OK;
}

/* ---- one name looked up in the Global Address List at boot ---- */

static eas_err on_gal_entry(void *ctx, const eas_gal_entry *e)
{
    (void)ctx;
    if (g.gal_shown >= APP_GAL_MAX) return EAS_OK;
    g.gal_shown++;
    con_puts("GAL ");
    put_text(e->field[EAS_GAL_EMAIL][0] ? e->field[EAS_GAL_EMAIL] : "-", EAS_GAL_FIELD_MAX);
    con_puts(" ");
    put_text(e->field[EAS_GAL_DISPLAY_NAME], EAS_GAL_FIELD_MAX);
    con_puts("\n");
    return EAS_OK;
}

static eas_err prepare_gal(void)
{
    g.gal_q = (eas_gal_query){fw_account_cfg.gal_lookup, APP_GAL_MAX, 0, 0, 0, 0};
    g.gal_shown = 0;
    return eas_agent_gal_search(&g.agent, &g.gal_q, on_gal_entry, NULL);
}

static eas_err after_gal(void)
{
    const eas_gal_decoder *r = eas_agent_gal_result(&g.agent);
    con_puts("GAL-END ");
    con_putu(g.gal_shown);
    con_puts(" ");
    con_putu(r->have_total ? r->total : r->entries);
    con_puts("\n");
    return EAS_OK;
}

/* A change stored by a Sync: printed while pushing (the first Sync of an account adds everything). */
static void on_item(void *ctx, eas_class cls, const char *folder_id, eas_item_change change, const uint8_t *rec,
                    size_t len)
{
    static const char *const changes[] = {"?", "added", "changed", "deleted", "deleted"};
    char id[EAS_ITEM_ID_MAX], subject[EAS_AGENDA_TEXT_MAX];
    size_t id_len = 0;
    const char *p = eas_item_id(rec, len, &id_len);
    (void)ctx;
    (void)folder_id;
    g.changed = 1;
    if (!g.pushing) return;
    if (!p) id_len = 0;
    if (id_len >= sizeof id) id_len = sizeof id - 1;
    if (id_len) memcpy(id, p, id_len);
    id[id_len] = '\0';
    con_puts("CHANGE ");
    con_puts(changes[(unsigned)change <= 4u ? (unsigned)change : 0u]);
    con_puts(" ");
    con_puts(eas_class_name(cls));
    con_puts(" ");
    put_text(id, sizeof id);
    if (change != EAS_ITEM_DELETE && change != EAS_ITEM_SOFT_DELETE && cls == EAS_CLASS_CALENDAR &&
        eas_item_get_str(rec, len, EAS_Calendar_Subject, subject, sizeof subject)) {
        con_puts(" ");
        put_text(subject, sizeof subject);
    }
    con_puts("\n");
}

/* The operations, as entries of one table; next_step() says what follows each. A round is the Sync,
 * then the display's free/busy and, at the first round, the GAL look-up (each when configured); the
 * Ping phase then alternates Ping and, when the server named changed folders, their Sync. A lookup
 * (prepare set) that fails does not end the round. */
enum { STEP_SYNC, STEP_FREEBUSY, STEP_GAL, STEP_PING, STEP_SYNC_CHANGED, STEP_ROUND_DONE };
static const struct {
    eas_op op;
    const char *name;
    eas_err (*prepare)(void);
    eas_err (*done)(void);
} schedule[] = {
    [STEP_SYNC] = {EAS_OP_SYNC, "Sync", NULL, after_sync},
    [STEP_FREEBUSY] = {EAS_OP_RESOLVE, "free/busy", prepare_freebusy, after_freebusy},
    [STEP_GAL] = {EAS_OP_GAL_SEARCH, "GAL look-up", prepare_gal, after_gal},
    [STEP_PING] = {EAS_OP_PING, "Ping", NULL, after_ping},
    [STEP_SYNC_CHANGED] = {EAS_OP_SYNC_CHANGED, "Sync changed", NULL, after_sync_changed},
};

static size_t next_step(size_t step, uint32_t rounds)
{
    const fw_account *acc = &fw_account_cfg;
    switch (step) {
    case STEP_SYNC:
        if (acc->address && acc->address[0] && acc->freebusy_hours) return STEP_FREEBUSY;
        /* fall through */
    case STEP_FREEBUSY:
        if (acc->gal_lookup && acc->gal_lookup[0] && rounds == 0) return STEP_GAL;
        return STEP_ROUND_DONE;
    case STEP_GAL: return STEP_ROUND_DONE;
    case STEP_PING: return eas_agent_ping_result(&g.agent) == EAS_PING_CHANGED ? STEP_SYNC_CHANGED : STEP_PING;
    default: return STEP_PING;
    }
}

#if EAS_ENABLE_OAUTH
static eas_err read_v2(const char *body, size_t len, char *url, size_t cap)
{
    return eas_autodiscover_v2_parse(body, len, url, cap, NULL, 0);
}
#endif

/* What Autodiscover found while an operation ran, said once per URL. */
static void note_discovered(void)
{
    static uint32_t shown; /* FNV-1a of the URL last said: 4 bytes, not a copy */
    eas_discover_source src;
    const char *url = eas_agent_discovered(&g.agent, &src);
    uint32_t h = 2166136261u;
    if (!url) return;
    for (const char *p = url; *p; p++) h = (h ^ (uint8_t)*p) * 16777619u;
    if (h == shown) return;
    shown = h;
    con_puts("discovered: ");
    con_puts(url);
    con_puts(" (");
    con_puts(eas_discover_source_name(src));
    con_puts(")\n");
}

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
    con_puts(", agenda ");
    con_putu(sizeof g.work + sizeof g.current + sizeof g.next);
    con_puts(", lookups ");
    con_putu(sizeof g.agent.lookup + sizeof g.fb_to + sizeof g.fb_req + sizeof g.gal_q + 16u);
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
    eas_agent_info info;
    eas_agent_get_info(&g.agent, &info);
    con_puts(info.provisioned ? ", provisioned" : ", not provisioned");
    con_puts(", folder sync key ");
    con_puts(info.folder_sync_key);
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
    if ((e = eas_tz_parse_posix(acc->timezone, strlen(acc->timezone), &g.zone)) != EAS_OK) {
        con_puts("error: timezone: not a POSIX TZ string: ");
        con_puts(acc->timezone);
        con_puts("\n");
        return EXIT_USAGE;
    }
#if !EAS_ENABLE_OAUTH
    if (acc->oauth) {
        /* docs/OAUTH.md: this board has no room for the sign-in, or it is not built in. */
        con_puts("error: auth oauth2-device: this firmware has no OAuth sign-in (EAS_ENABLE_OAUTH 0)\n");
        return EXIT_USAGE;
    }
#endif
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
    FW_BENCH_HOOK(fw_bench_attach(&g.pal));
    FW_BENCH_HOOK(fw_bench_attach_netif(&g.net.netif));

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
    eas_tls_config tc = {acc->ca, acc->ca_len, NULL, NULL};
    if ((e = eas_tls_init(&g.tls, &g.pal.tcp, &g.pal.entropy, &tc)) != EAS_OK) {
        report_failure("tls", e);
        return exit_code_of(e);
    }
    g.tls_t = eas_tls_transport(&g.tls);
    FW_BENCH_HOOK(fw_bench_attach_tls(&g.tls_t));

    eas_agent_config *c = &g.acfg;
    c->url = acc->url;
    if (!acc->url) {
        /* From the address alone (docs/DISCOVER.md): v2 where cJSON is in the image (the sign-in's),
         * the v1 steps; no SRV lookups in lwIP's DNS. The agent uses its own credentials for the v1 POSTs. */
        g.dc.address = acc->discover_address;
        g.dc.base = acc->autodiscover_url;
        g.dc.flags = EAS_DISCOVER_NO_SRV | (acc->autodiscover_public ? 0u : (unsigned)EAS_DISCOVER_ONLY_CONFIGURED) |
                     (acc->allow_plain_http ? (unsigned)EAS_DISCOVER_ALLOW_PLAIN_HTTP : 0u);
        g.dc.user_agent = acc->user_agent;
#if EAS_ENABLE_OAUTH
        g.dc.v2 = read_v2;
#endif
        c->discovery = &g.dc;
        c->discovery_work = &g.work.discovery;
        c->rediscover_after_s = acc->rediscover_after_s;
    }
    c->user = acc->user;
    c->anchor_mailbox = acc->anchor_mailbox;
    c->password = acc->password;
    c->device_id = acc->device_id;
    c->device_type = acc->device_type;
    c->device_model = acc->device_model;
    c->device_os = "easagent firmware " BOARD_NAME;
    c->friendly_name = acc->device_model;
    c->user_agent = acc->user_agent;
    c->os_language = acc->os_language;           /* NULL: "English" */
    c->probe_interval_s = acc->probe_interval_s; /* 0: a day */
    c->protocol_version = acc->protocol_version;
    c->allow_plain_http = acc->allow_plain_http;
    c->sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CALENDAR); /* a meeting-room display: meetings only */
    c->calendar_filter = acc->calendar_filter; /* how far back; everything ahead */
#if EAS_ENABLE_OAUTH
    if (acc->oauth) { /* Bearer tokens from the store; the sign-in shares the agent's exchange */
        c->password = NULL;
        c->oauth = &g.signin.client;
        if ((e = fw_signin_init(&g.signin, acc, &g.store, eas_agent_exchange(&g.agent), &g.pal)) != EAS_OK) {
            con_puts("error: key \"authority\": not an https URL\n");
            return EXIT_USAGE;
        }
    }
#endif
    static const eas_agent_events events = {NULL, NULL, NULL, on_item, NULL, NULL};
    e = eas_agent_init(&g.agent, c, &g.pal, &g.tls_t, &g.pal.tcp, &g.store, &events);
    if (e != EAS_OK) {
        report_failure("account", e);
        return exit_code_of(e);
    }
    show_ram();
#if EAS_ENABLE_OAUTH
    if (acc->oauth) {
        con_puts("ram: signin ");
        con_putu(sizeof g.signin);
        con_puts("\n");
    }
#endif
    show_state();
    FW_BENCH_HOOK(fw_bench_report("boot", "-"));
    if (!acc->url) {
        eas_agent_info info;
        eas_agent_get_info(&g.agent, &info);
        con_puts("url: ");
        con_puts(info.discovered_url ? info.discovered_url : "none yet: Autodiscover for ");
        con_puts(info.discovered_url ? " (discovered, stored)\n" : acc->discover_address);
        if (!info.discovered_url) con_puts("\n");
    }
    return EXIT_OK;
}

/* ------------------------------------------------------------------------------ the loop */

enum { APP_NET, APP_TIME, APP_START_OP, APP_RUN_OP, APP_ROUND_DONE, APP_IDLE, APP_SIGNIN };

/* With OAuth: a sign-in error of an operation (not signed in, revoked) is a new device-code round after
 * the back-off, whatever the round was doing; 1 when it is (the phase is then APP_SIGNIN). */
static int signin_again(eas_err e, uint8_t *phase)
{
#if EAS_ENABLE_OAUTH
    if (!fw_account_cfg.oauth || !fw_signin_error(e)) return 0;
    eas_agent_close(&g.agent);
    g.pushing = 0;
    fw_signin_start(&g.signin, e);
    *phase = APP_SIGNIN;
    return 1;
#else
    (void)e, (void)phase;
    return 0;
#endif
}

/* Emulation tests end the Ping phase after ping_rounds rounds or ping_seconds seconds. */
static int push_over(uint32_t rounds, uint64_t elapsed_ms)
{
    const fw_account *acc = &fw_account_cfg;
    if (acc->ping_rounds && rounds >= acc->ping_rounds) return 1;
    return acc->ping_seconds && elapsed_ms / 1000u + EAS_PING_MIN_S + 5u > acc->ping_seconds;
}

/* The next Ping's heartbeat: the configured cap; until the now/next line changes (a quiet Ping then
 * ends in time to show it; the core keeps at least EAS_PING_MIN_S); and within a test's time bound
 * (with 5 s for the answer), so that a Ping never outlasts the test. */
static void cap_heartbeat(uint64_t elapsed_ms)
{
    const fw_account *acc = &fw_account_cfg;
    uint32_t cap = acc->heartbeat_max_s;
    int64_t until = g.refresh_at - g.pal.clock.wall_time(g.pal.clock.ctx) + 1;
    if (until > 0 && until < (int64_t)UINT32_MAX && (!cap || (uint32_t)until < cap)) cap = (uint32_t)until;
    if (acc->ping_seconds) {
        uint32_t left = acc->ping_seconds - (uint32_t)(elapsed_ms / 1000u) - 5u; /* push_over() keeps it positive */
        if (!cap || left < cap) cap = left;
    }
    if (cap) eas_agent_cap_heartbeat(&g.agent, cap);
}

int main(void)
{
    board_init();
    g.boot = board_boot_count();
    con_puts("\neasagent firmware on " BOARD_NAME ", boot ");
    con_putu(g.boot);
    con_puts("\n");

    int rc = setup();
    if (rc != EXIT_OK) finish(rc);

    const fw_account *acc = &fw_account_cfg;
    uint8_t phase = APP_NET;
    size_t op = STEP_SYNC;
    uint64_t phase_start = board_ms(), wake_ms = 0, push_start = 0;
    int ready_now = 0; /* the last step said: step again at once (TLS holds bytes already) */
    uint32_t seen_activity = eas_lwip_activity(&g.net) - 1u;
    uint32_t rounds = 0, ping_rounds = 0;
    /* Emulation tests without a Ping bound end after the last boot's Sync. */
    int push = !acc->test_boots || acc->ping_rounds || acc->ping_seconds;

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
#if EAS_ENABLE_OAUTH
                if (acc->oauth && !fw_signin_signed_in(&g.signin, 1)) {
                    fw_signin_start(&g.signin, EAS_OK);
                    phase = APP_SIGNIN;
                }
#endif
                busy = 1;
            } else if (now - phase_start > APP_TIME_TIMEOUT_MS) {
                con_puts("error: no time (no RTC, no SNTP answer): certificates cannot be checked\n");
                finish(EXIT_NETWORK);
            }
            break;
        }
        case APP_START_OP: {
            if (op == STEP_PING) {
                if (push_over(ping_rounds, now - push_start)) finish(EXIT_OK);
                cap_heartbeat(now - push_start);
                FW_BENCH_HOOK(fw_bench_reconnect(&g.agent, ping_rounds));
            }
            eas_err e = schedule[op].prepare ? schedule[op].prepare() : EAS_OK;
            FW_BENCH_HOOK(fw_bench_report("begin", schedule[op].name));
            FW_BENCH_HOOK(fw_bench_step_begin());
            if (e == EAS_OK) e = eas_agent_begin(&g.agent, schedule[op].op);
            FW_BENCH_HOOK(fw_bench_step_end(1));
            if (e != EAS_OK && schedule[op].prepare) {
                report_failure(schedule[op].name, e);
                op = next_step(op, rounds);
                phase = op == STEP_ROUND_DONE ? APP_ROUND_DONE : APP_START_OP;
                busy = 1;
                break;
            }
            if (e != EAS_OK) {
                report_failure(schedule[op].name, e);
                if (signin_again(e, &phase)) {
                    op = STEP_SYNC;
                    busy = 1;
                    break;
                }
                finish(exit_code_of(e));
            }
            if (op == STEP_PING) {
                con_puts("ping: waiting for changes (heartbeat ");
                con_putu(eas_agent_heartbeat(&g.agent));
                con_puts(" s)\n");
            } else {
                con_puts(schedule[op].prepare ? "lookup: " : "sync: ");
                con_puts(schedule[op].name);
                con_puts("\n");
            }
            phase = APP_RUN_OP;
            wake_ms = 0;
            busy = 1;
            break;
        }
        case APP_RUN_OP: {
            /* Step when a callback fired, mbedTLS holds decrypted bytes, or the agent's time came. */
            uint32_t act = eas_lwip_activity(&g.net);
            if (act == seen_activity && !ready_now && now < wake_ms) break;
            seen_activity = act;
            eas_wait w;
            FW_BENCH_HOOK(fw_bench_step_begin());
            eas_err e = eas_agent_step(&g.agent, &w);
            FW_BENCH_HOOK(fw_bench_step_end(e != EAS_ERR_WOULD_BLOCK));
            FW_BENCH_HOOK(e != EAS_ERR_WOULD_BLOCK ? fw_bench_report("end", schedule[op].name) : (void)0);
            note_discovered();
            if (e == EAS_ERR_WOULD_BLOCK) {
                wake_ms = w.until_ms;
                ready_now = (w.what & EAS_WAIT_NOW) != 0;
                busy = ready_now;
                break;
            }
            if (e == EAS_OK) e = schedule[op].done();
            if (e != EAS_OK && schedule[op].prepare) {
                /* A lookup the server does not offer, or answers badly: said, and the display goes on. */
                report_failure(schedule[op].name, e);
                e = EAS_OK;
            } else if (e != EAS_OK) {
                report_failure(schedule[op].name, e);
                if (signin_again(e, &phase)) { /* then the whole round again */
                    op = STEP_SYNC;
                    busy = 1;
                    break;
                }
                if (acc->test_boots) finish(exit_code_of(e));
                /* A device keeps trying: the whole round again after the interval. */
                eas_agent_close(&g.agent);
                g.pushing = 0;
                phase = APP_IDLE;
                phase_start = now;
                break;
            }
            if (op == STEP_PING) ping_rounds++;
            op = next_step(op, rounds);
            phase = op == STEP_ROUND_DONE ? APP_ROUND_DONE : APP_START_OP;
            busy = 1;
            break;
        }
        case APP_ROUND_DONE:
            rounds++;
            con_puts("round: ");
            con_putu(rounds);
            con_puts(" done, ");
            con_putu(g.tls.handshakes);
            con_puts(" TLS handshakes (");
            con_putu(g.tls.resumptions);
            con_puts(" resumed)\n");
            if (acc->test_boots && g.boot < acc->test_boots) {
                /* The emulation test of persistence: a real reset, with the flash region kept. */
                eas_agent_close(&g.agent);
                report_memory();
                con_puts("reboot\n");
                board_reboot();
            }
            if (!push) finish(EXIT_OK);
            /* Ping replaces the timed wait: the connection stays open for the server's news. */
            g.pushing = 1;
            push_start = now;
            ping_rounds = 0;
            op = STEP_PING;
            phase = APP_START_OP;
            busy = 1;
            break;
        case APP_IDLE: {
            /* A server that asked for a longer wait (503 Retry-After) gets it. */
            uint32_t idle_s = acc->sync_interval_s;
            if (eas_agent_last_failure(&g.agent)->retry_after_s > idle_s) idle_s = eas_agent_last_failure(&g.agent)->retry_after_s;
            if (now - phase_start >= (uint64_t)idle_s * 1000u) {
                op = STEP_SYNC;
                phase = APP_START_OP;
                busy = 1;
            }
            break;
        }
#if EAS_ENABLE_OAUTH
        case APP_SIGNIN: {
            uint32_t act = eas_lwip_activity(&g.net);
            if (act == seen_activity && !ready_now && now < wake_ms) break;
            seen_activity = act;
            eas_wait w;
            eas_err e = fw_signin_step(&g.signin, &w);
            if (e == EAS_ERR_WOULD_BLOCK) {
                wake_ms = w.until_ms;
                ready_now = (w.what & EAS_WAIT_NOW) != 0;
                busy = ready_now;
                break;
            }
            ready_now = 0;
            wake_ms = 0;
            if (e != EAS_OK) { /* the identity platform unreachable */
                report_failure("sign-in", e);
                if (acc->test_boots) finish(exit_code_of(e));
                fw_signin_start(&g.signin, e);
                break;
            }
            op = STEP_SYNC;
            phase = APP_START_OP;
            busy = 1;
            break;
        }
#endif
        default: finish(EXIT_PROTOCOL);
        }
        if (!busy) board_wait_for_interrupt();
    }
}
