/* The agent against a scripted connection and the emulated flash: every byte at which a response can
 * be cut, and every flash operation at which power can fail, leave the account in its old state or
 * its new one, never in between. (The scripted connection is a stand-in for a server; the real one is
 * exercised by tests/e2e.) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eas/agenda.h"
#include "eas/agent.h"
#include "eas/civil.h"
#include "eas/oauth_client.h"
#include "eas/tz.h"
#include "eas/store.h"
#include "eas/wbxml.h"
#include "flash_emu.h"
#include "wbxml_log.h"

#include "../../core/agent/agent_int.h" /* eas_outbox_write_commands: what a Sync request carries */

/* ---- a scripted server connection ---- */

static uint64_t fake_ms;

#define MAX_RESP 8

typedef struct {
    uint8_t resp[MAX_RESP][4096];
    size_t resp_len[MAX_RESP];
    int nresp;
    int next;         /* response served to the next request */
    size_t cut;       /* if > 0: the response `cut_resp` stops after this many bytes and the peer closes */
    int cut_resp;
    int serving;      /* index of the response being read, -1 when none */
    size_t pos;
    int open;         /* connected */
    int peer_closed;  /* the server closed after its last response (as sogod does) */
    int blocky;       /* every other call would block */
    int calls;
    char requests[16384];
    size_t req_len;
    int connects;
    const uint8_t *big; /* if set: response big_at is these big_len bytes instead */
    size_t big_len;
    int big_at;
    uint64_t answer_delay_ms; /* each answer comes this long after its request (fake clock) */
    uint64_t hold_until;
    int refuse;               /* the next this many connects fail (a server out of reach) */
    int refuse_from;          /* > 0: every connect after this many that succeeded fails */
} script;

/* The bytes of response i. */
static const uint8_t *resp_bytes(const script *s, int i, size_t *len)
{
    if (s->big && i == s->big_at) {
        *len = s->big_len;
        return s->big;
    }
    *len = s->resp_len[i];
    return s->resp[i];
}

static eas_err s_connect(void *ctx, const char *host, uint16_t port)
{
    script *s = ctx;
    (void)host, (void)port;
    if (s->blocky && (s->calls++ & 1)) return EAS_ERR_WOULD_BLOCK;
    if (s->refuse > 0) {
        s->refuse--;
        return EAS_ERR_NET_CONNECT;
    }
    if (s->refuse_from > 0 && s->connects >= s->refuse_from) return EAS_ERR_NET_CONNECT;
    s->open = 1;
    s->peer_closed = 0;
    s->connects++;
    return EAS_OK;
}

static eas_err s_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    script *s = ctx;
    if (!s->open) return EAS_ERR_NET_IO;
    if (s->peer_closed) return EAS_ERR_NET_CLOSED;
    if (s->blocky && (s->calls++ & 1)) return EAS_ERR_WOULD_BLOCK;
    size_t n = len > 100 ? 100 : len; /* partial sends */
    if (s->req_len + n < sizeof s->requests) {
        /* NUL bytes of the WBXML body would end the log as a string: they are logged as '.' */
        for (size_t i = 0; i < n; i++) s->requests[s->req_len + i] = buf[i] ? (char)buf[i] : '.';
        s->req_len += n;
        s->requests[s->req_len] = '\0';
    }
    *done = n;
    s->serving = -1;
    return EAS_OK;
}

static eas_err s_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    script *s = ctx;
    if (!s->open) return EAS_ERR_NET_IO;
    if (s->serving < 0) {
        if (s->peer_closed || s->next >= s->nresp) return EAS_ERR_NET_CLOSED;
        s->serving = s->next++;
        s->pos = 0;
        s->hold_until = fake_ms + s->answer_delay_ms;
    }
    if (fake_ms < s->hold_until) return EAS_ERR_WOULD_BLOCK;
    if (s->blocky && (s->calls++ & 1)) return EAS_ERR_WOULD_BLOCK;
    size_t full = 0;
    const uint8_t *bytes = resp_bytes(s, s->serving, &full);
    size_t total = full;
    if (s->cut && s->serving == s->cut_resp && total > s->cut) total = s->cut;
    if (s->pos >= total) {
        s->peer_closed = 1;
        return EAS_ERR_NET_CLOSED;
    }
    size_t n = total - s->pos;
    if (n > len) n = len;
    if (n > 37) n = 37; /* small pieces: every parser boundary gets crossed */
    memcpy(buf, bytes + s->pos, n);
    s->pos += n;
    if (s->pos == full) s->peer_closed = 1;
    *done = n;
    return EAS_OK;
}

static void s_close(void *ctx)
{
    script *s = ctx;
    s->open = 0;
}

/* Appends a response: status line, headers, and the WBXML encoding of xml (NULL: no body). */
static void add_response(script *s, int status, const char *extra_headers, const char *xml)
{
    uint8_t body[3584];
    size_t body_len = 0;
    if (xml) {
        mem_sink m = {body, sizeof body, 0};
        eas_wbxml_writer w;
        eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
        size_t off;
        if (eas_xml_to_wbxml(xml, strlen(xml), &w, &off) != EAS_OK) {
            check_fail(__FILE__, __LINE__, "bad test XML at %zu", off);
            return;
        }
        body_len = m.len;
    }
    char *r = (char *)s->resp[s->nresp];
    int n = snprintf(r, sizeof s->resp[0], "HTTP/1.1 %d X\r\n%sContent-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: %zu\r\n\r\n",
                     status, extra_headers ? extra_headers : "", body_len);
    if ((size_t)n + body_len > sizeof s->resp[0]) {
        check_fail(__FILE__, __LINE__, "test response of %zu bytes does not fit the script", (size_t)n + body_len);
        return;
    }
    memcpy(r + n, body, body_len);
    s->resp_len[s->nresp] = (size_t)n + body_len;
    s->nresp++;
}

/* ---- a fake clock and the PAL ---- */

static uint64_t clock_ms(void *ctx) { (void)ctx; return fake_ms; }
static int64_t fake_wall = 1795000000;
static int64_t clock_wall(void *ctx) { (void)ctx; return fake_wall; }

static const char *const FOLDERSYNC_K1 =
    "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey><Changes><Count>3</Count>"
    "<Add><ServerId>cal</ServerId><ParentId>0</ParentId><DisplayName>Calendar</DisplayName><Type>8</Type></Add>"
    "<Add><ServerId>tasks</ServerId><ParentId>0</ParentId><DisplayName>Tasks</DisplayName><Type>7</Type></Add>"
    "<Add><ServerId>contacts</ServerId><ParentId>0</ParentId><DisplayName>Contacts</DisplayName><Type>9</Type></Add>"
    "</Changes></FolderSync>";
static const char *const FOLDERSYNC_K2 =
    "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K2</SyncKey><Changes><Count>3</Count>"
    "<Add><ServerId>work</ServerId><ParentId>cal</ParentId><DisplayName>Work</DisplayName><Type>13</Type></Add>"
    "<Update><ServerId>cal</ServerId><ParentId>0</ParentId><DisplayName>Main calendar</DisplayName><Type>8</Type></Update>"
    "<Delete><ServerId>tasks</ServerId></Delete>"
    "</Changes></FolderSync>";
/* Both phases of a server with a policy: the temporary key 1111 with the policy, then the final 2222. */
static const char *const PROVISION_TEMP_1111 =
    "<Provision xmlns=\"Provision:\"><Status>1</Status><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML"
    "</PolicyType><Status>1</Status><PolicyKey>1111</PolicyKey><Data><EASProvisionDoc><DevicePasswordEnabled>0"
    "</DevicePasswordEnabled></EASProvisionDoc></Data></Policy></Policies></Provision>";
static const char *const PROVISION_FINAL_2222 =
    "<Provision xmlns=\"Provision:\"><Status>1</Status><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML"
    "</PolicyType><Status>1</Status><PolicyKey>2222</PolicyKey></Policy></Policies></Provision>";
static const char *const PROVISION_NO_KEY =
    "<Provision xmlns=\"Provision:\"><Status>1</Status><Policies><Policy><PolicyType>MS-EAS-Provisioning-WBXML</PolicyType>"
    "<Status>1</Status></Policy></Policies></Provision>";

typedef struct {
    flash_emu flash;
    eas_pal pal;
    eas_store store;
    script conn;
    eas_transport t;
    eas_agent agent;
    eas_agent_config cfg;
} rig;

static rig R;

/* The core's log lines (eas/log.h), one per line. */
static char core_log[4096];
static void log_capture(void *ctx, eas_log_level level, const char *line)
{
    size_t n = strlen(core_log);
    (void)ctx;
    snprintf(core_log + n, sizeof core_log - n, "%c %s\n", "?EWID"[level <= EAS_LOG_DEBUG ? level : 0], line);
}

static void rig_init(void)
{
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    R.t = (eas_transport){&R.conn, s_connect, s_send, s_recv, s_close, NULL};
    memset(&R.pal, 0, sizeof R.pal);
    R.pal.clock = (eas_clock){NULL, clock_ms, clock_wall};
    R.pal.log = (eas_log){NULL, log_capture};
    core_log[0] = '\0';
    memset(&R.cfg, 0, sizeof R.cfg);
    R.cfg.url = "https://eas.test/Microsoft-Server-ActiveSync";
    R.cfg.user = "alice";
    R.cfg.password = "alice-pass";
    R.cfg.device_id = "dev1";
    R.cfg.device_type = "easagent";
}

/* The flash of the next rig_flash (1 KiB sectors, 16 of them, unless a test wants more) and the store's
 * lookup index (none unless a test wants one). */
static uint32_t rig_sector_size = 1024, rig_sectors = 16;
static eas_store_index_slot *rig_index;
static uint32_t rig_index_slots;

static int rig_flash(void)
{
    flash_emu_free(&R.flash);
    if (flash_emu_init(&R.flash, rig_sector_size, rig_sectors, 16) != 0) return -1;
    R.pal.flash = R.flash.flash;
    return eas_store_format_indexed(&R.store, &R.pal.flash, rig_index, rig_index_slots) == EAS_OK ? 0 : -1;
}

/* Mounts the store again (as after a reboot) and starts a fresh agent on it. */
static eas_err rig_agent(void)
{
    eas_err e = eas_store_mount_indexed(&R.store, &R.pal.flash, rig_index, rig_index_slots);
    if (e != EAS_OK) return e;
    return eas_agent_init(&R.agent, &R.cfg, &R.pal, &R.t, NULL, &R.store, NULL);
}

static eas_err rig_run(eas_op op)
{
    eas_err e = eas_agent_begin(&R.agent, op);
    for (int i = 0; e == EAS_OK && i < 100000; i++) {
        eas_wait w;
        e = eas_agent_step(&R.agent, &w);
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        if (R.conn.hold_until > fake_ms && !(w.what & EAS_WAIT_TIME)) fake_ms = R.conn.hold_until; /* the answer's delay */
        else fake_ms += (w.what & EAS_WAIT_TIME) ? (w.until_ms > fake_ms ? w.until_ms - fake_ms : 1) : 1;
        e = EAS_OK;
    }
    return e;
}

static int has_folder(const char *id, const char *name)
{
    eas_folder f;
    for (unsigned i = 0; eas_agent_folder_get(&R.agent, i, &f) == EAS_OK; i++)
        if (!strcmp(f.server_id, id)) return !name || !strcmp(f.display_name, name);
    return 0;
}

/* Brings a new account to K1 with the folders of the classes kept (0: the default three). */
static int first_sync_for(uint8_t classes)
{
    rig_init();
    R.cfg.sync_classes = classes;
    if (rig_flash() != 0) return -1;
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 2.5,12.0,12.1,14.0,14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    if (rig_agent() != EAS_OK) return -1;
    eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
    if (e != EAS_OK) printf("    first_sync: %s (HTTP %u)\n", eas_err_name(e), eas_agent_last_failure(&R.agent)->http_status);
    return e == EAS_OK ? 0 : -1;
}

static int first_sync(void) { return first_sync_for(0); }

TEST(agent_first_contact_negotiates_provisions_and_syncs_folders)
{
    CHECK(first_sync() == 0);
    CHECK_EQ(eas_agent_version(&R.agent), EAS_PROTO_14_1);
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    CHECK(has_folder("cal", "Calendar") && has_folder("tasks", "Tasks") && has_folder("contacts", NULL));
    CHECK(strstr(R.conn.requests, "OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1") != NULL);
    CHECK(strstr(R.conn.requests, "Cmd=Provision") != NULL);
    CHECK(strstr(R.conn.requests, "MS-ASProtocolVersion: 14.1") != NULL);
    /* sogod closed after each response: every request after the first reconnected once */
    CHECK_EQ(R.conn.connects, 3);
    /* after a reboot the state is all there */
    CHECK_OK(rig_agent());
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    CHECK_EQ(eas_agent_version(&R.agent), EAS_PROTO_14_1);
}

TEST(agent_incremental_foldersync_applies_add_update_delete)
{
    CHECK(first_sync() == 0);
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    R.conn.blocky = 1; /* and the connection would-blocks every other call */
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "Cmd=FolderSync") != NULL);
    CHECK(strstr(R.conn.requests, "OPTIONS") == NULL); /* the version was stored */
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    CHECK(has_folder("work", "Work") && has_folder("cal", "Main calendar") && !has_folder("tasks", NULL));
}

TEST(agent_response_cut_at_any_byte_changes_nothing)
{
    CHECK(first_sync() == 0);
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 1024, 16, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    script probe;
    memset(&probe, 0, sizeof probe);
    add_response(&probe, 200, NULL, FOLDERSYNC_K2);
    size_t total = probe.resp_len[0];
    CHECK(total > 100);
    for (size_t cut = 1; cut < total; cut++) {
        flash_emu_copy_image(&R.flash, &saved);
        memset(&R.conn, 0, sizeof R.conn);
        R.conn.serving = -1;
        add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
        R.conn.cut = cut;
        R.conn.cut_resp = 0;
        CHECK_OK(rig_agent());
        eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
        CHECK_MSG(e != EAS_OK, "cut at %zu of %zu bytes was taken as a whole response", cut, total);
        /* In RAM and after a reboot: K1 and the three old folders. */
        CHECK_MSG(eas_agent_folder_count(&R.agent) == 3 && has_folder("tasks", "Tasks") && !has_folder("work", NULL),
                  "cut at %zu changed the folders in RAM", cut);
        CHECK_OK(rig_agent());
        CHECK_MSG(!strcmp(R.agent.folder_key, "K1"), "cut at %zu: stored SyncKey %s", cut, R.agent.folder_key);
        CHECK_MSG(eas_agent_folder_count(&R.agent) == 3 && has_folder("tasks", "Tasks") && has_folder("cal", "Calendar"),
                  "cut at %zu changed the stored folders", cut);
    }
}

static void new_script(void);

/* One FolderSync answered with xml from the image saved, power cut after `cut` flash operations, then a
 * reboot. *e: what the operation returned; returns whether the cut happened (0: it needed fewer). */
static int foldersync_cut(flash_emu *saved, unsigned long cut, const char *xml, eas_err *e)
{
    flash_emu_copy_image(&R.flash, saved);
    new_script();
    add_response(&R.conn, 200, NULL, xml);
    if (rig_agent() != EAS_OK) return 0;
    flash_emu_cut_after(&R.flash, cut);
    *e = rig_run(EAS_OP_FOLDER_SYNC);
    int cut_happened = R.flash.cuts > 0;
    flash_emu_power_on(&R.flash);
    eas_err boot = rig_agent(); /* reboot */
    if (boot != EAS_OK) check_fail(__FILE__, __LINE__, "reboot after cut %lu: %s", cut, eas_err_name(boot));
    return cut_happened;
}

TEST(agent_power_cut_at_any_flash_operation_keeps_old_or_new_state)
{
    CHECK(first_sync() == 0);
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 1024, 16, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    int old_seen = 0, new_seen = 0;
    for (unsigned long cut = 1; cut < 400; cut++) {
        eas_err e = EAS_OK;
        int cut_happened = foldersync_cut(&saved, cut, FOLDERSYNC_K2, &e);
        int is_old = !strcmp(R.agent.folder_key, "K1") && eas_agent_folder_count(&R.agent) == 3 &&
                     has_folder("tasks", "Tasks") && has_folder("cal", "Calendar") && !has_folder("work", NULL);
        int is_new = !strcmp(R.agent.folder_key, "K2") && eas_agent_folder_count(&R.agent) == 3 &&
                     has_folder("work", "Work") && has_folder("cal", "Main calendar") && !has_folder("tasks", NULL);
        CHECK_MSG(is_old || is_new, "power cut at flash operation %lu left a mixed state (key %s)", cut, R.agent.folder_key);
        old_seen += is_old;
        new_seen += is_new;
        if (!cut_happened) {
            CHECK_OK(e);
            CHECK(is_new);
            break; /* the operation needed fewer flash operations than cut: all cut points covered */
        }
    }
    CHECK(old_seen > 0 && new_seen > 0);
}

TEST(agent_status_9_resets_the_hierarchy)
{
    CHECK(first_sync() == 0);
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>9</Status></FolderSync>");
    add_response(&R.conn, 200, NULL,
                 "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>R1</SyncKey><Changes><Count>1</Count>"
                 "<Add><ServerId>only</ServerId><ParentId>0</ParentId><DisplayName>Only</DisplayName><Type>8</Type></Add>"
                 "</Changes></FolderSync>");
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    const char *second = strstr(strstr(R.conn.requests, "Cmd=FolderSync") + 1, "Cmd=FolderSync");
    CHECK(second != NULL);
    CHECK_EQ(eas_agent_folder_count(&R.agent), 1);
    CHECK(has_folder("only", "Only"));
    CHECK_OK(rig_agent());
    CHECK(!strcmp(R.agent.folder_key, "R1"));
}

TEST(agent_449_provisions_with_both_phases_then_retries)
{
    CHECK(first_sync() == 0);
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    add_response(&R.conn, 449, NULL, NULL);
    add_response(&R.conn, 200, NULL, PROVISION_TEMP_1111);
    add_response(&R.conn, 200, NULL, PROVISION_FINAL_2222);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    /* The acknowledgement carried the temporary key; the retried FolderSync the final one. */
    const char *last = strstr(R.conn.requests, "X-MS-PolicyKey: 2222");
    CHECK(last != NULL);
    CHECK(strstr(last, "Cmd=FolderSync") == NULL); /* the header comes after the request line */
    CHECK(has_folder("work", "Work"));
    CHECK_OK(rig_agent());
    CHECK(!strcmp(R.agent.policy_key, "2222"));
}

TEST(agent_503_waits_for_retry_after)
{
    CHECK(first_sync() == 0);
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    add_response(&R.conn, 503, "Retry-After: 30\r\n", NULL);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    uint64_t t0 = fake_ms;
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(fake_ms - t0 >= 30000);
    CHECK(has_folder("work", "Work"));
    /* said, as a warning, with the wait */
    CHECK(strstr(core_log, "W HTTP 503: the server is busy, asking again in 30 s (wait 1)\n") != NULL);
}

TEST(agent_http_failures_map_to_errors_and_keep_state)
{
    static const struct {
        int status;
        eas_err err;
    } cases[] = {{401, EAS_ERR_AUTH}, {403, EAS_ERR_FORBIDDEN}, {456, EAS_ERR_ACCOUNT_BLOCKED}, {457, EAS_ERR_PASSWORD_EXPIRED},
                 {500, EAS_ERR_SERVER}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(first_sync() == 0);
        memset(&R.conn, 0, sizeof R.conn);
        R.conn.serving = -1;
        add_response(&R.conn, cases[i].status, NULL, NULL);
        CHECK_OK(rig_agent());
        eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
        CHECK_MSG(e == cases[i].err, "HTTP %d gave %s", cases[i].status, eas_err_name(e));
        CHECK_EQ(eas_agent_last_failure(&R.agent)->http_status, cases[i].status);
        CHECK_OK(rig_agent());
        CHECK(!strcmp(R.agent.folder_key, "K1"));
    }
}

/* 456 and 457 are told apart, and a 457's X-MS-Credential-Service-Url reaches the application. */
TEST(agent_password_expired_names_where_to_change_it)
{
    CHECK(first_sync() == 0);
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    add_response(&R.conn, 457, "X-MS-Credential-Service-Url: https://account.example.test/password\r\n", NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_PASSWORD_EXPIRED);
    CHECK_STR(eas_agent_response_header(&R.agent, EAS_HTTP_H_X_MS_CREDENTIAL_SERVICE_URL),
              "https://account.example.test/password");
    CHECK_EQ(eas_err_kind_of(EAS_ERR_PASSWORD_EXPIRED), EAS_KIND_ACCOUNT);
    CHECK_EQ(eas_err_kind_of(EAS_ERR_ACCOUNT_BLOCKED), EAS_KIND_ACCOUNT);
    CHECK(strcmp(eas_err_str(EAS_ERR_PASSWORD_EXPIRED), eas_err_str(EAS_ERR_ACCOUNT_BLOCKED)) != 0);
}

TEST(agent_malformed_body_fails_with_offset_and_keeps_state)
{
    CHECK(first_sync() == 0);
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
    const char *php = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: 38\r\n\r\n"
                      "<b>Fatal error</b>: Allowed memory ...";
    memcpy(R.conn.resp[0], php, strlen(php));
    R.conn.resp_len[0] = strlen(php);
    R.conn.nresp = 1;
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
    CHECK_EQ(e, EAS_ERR_WBXML_VERSION);
    CHECK_EQ(eas_agent_last_failure(&R.agent)->wbxml_offset, 0);
    CHECK_OK(rig_agent());
    CHECK(!strcmp(R.agent.folder_key, "K1"));
}

TEST(agent_refuses_plain_http_unless_allowed)
{
    rig_init();
    CHECK(rig_flash() == 0);
    R.cfg.url = "http://eas.test/Microsoft-Server-ActiveSync";
    CHECK_EQ(eas_agent_init(&R.agent, &R.cfg, &R.pal, &R.t, &R.t, &R.store, NULL), EAS_ERR_PLAIN_HTTP_REFUSED);
    R.cfg.allow_plain_http = 1;
    CHECK_OK(eas_agent_init(&R.agent, &R.cfg, &R.pal, &R.t, &R.t, &R.store, NULL));
}

/* ---- Sync: windows, recovery, client changes, conflicts ---- */

static const char *const SYNC_INIT = "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>S1</SyncKey>"
                                     "<CollectionId>cal</CollectionId><Status>1</Status></Collection></Collections></Sync>";

static char xml_buf[4][2048];

/* A Sync response for collection cal with key, status and the given commands/responses XML. */
static const char *sync_resp(int which, const char *key, int status, const char *inner, int more)
{
    snprintf(xml_buf[which], sizeof xml_buf[0],
             "<Sync xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><Collections><Collection><SyncKey>%s</SyncKey>"
             "<CollectionId>cal</CollectionId><Status>%d</Status>%s%s</Collection></Collections></Sync>",
             key, status, inner ? inner : "", more ? "<MoreAvailable/>" : "");
    return xml_buf[which];
}

static const char *EV(const char *id, const char *subject)
{
    static char b[8][256];
    static int k;
    k = (k + 1) % 8;
    snprintf(b[k], sizeof b[k],
             "<Add><ServerId>%s</ServerId><ApplicationData><calendar:Subject>%s</calendar:Subject>"
             "<calendar:StartTime>20261201T090000Z</calendar:StartTime><calendar:EndTime>20261201T100000Z</calendar:EndTime>"
             "</ApplicationData></Add>",
             id, subject);
    return b[k];
}

typedef struct {
    int n;
    char subjects[512];
} items_seen;

static eas_err collect(void *ctx, const eas_folder *f, const uint8_t *rec, size_t len)
{
    items_seen *s = ctx;
    char subj[64];
    (void)f;
    eas_item_get_str(rec, len, EAS_Calendar_Subject, subj, sizeof subj);
    s->n++;
    size_t used = strlen(s->subjects);
    if (used + strlen(subj) + 2 > sizeof s->subjects) return EAS_OK; /* counted, not listed */
    strcat(s->subjects, subj);
    strcat(s->subjects, ";");
    return EAS_OK;
}

static items_seen items_now(void)
{
    items_seen s;
    memset(&s, 0, sizeof s);
    eas_agent_items(&R.agent, EAS_CLASS_CALENDAR, collect, &s);
    return s;
}

static void new_script(void)
{
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
}

/* A FolderSync answer with the new key and no changes. */
static const char *foldersync_no_changes(const char *key)
{
    static char b[4][160];
    static int k;
    k = (k + 1) % 4;
    snprintf(b[k], sizeof b[k],
             "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>%s</SyncKey>"
             "<Changes><Count>0</Count></Changes></FolderSync>",
             key);
    return b[k];
}

/* K1 hierarchy, then the calendar collection initialised and the given Commands in it (key S2). */
static int synced_with(const char *commands)
{
    if (first_sync_for(EAS_SYNC_CLASS(EAS_CLASS_CALENDAR)) != 0) return -1;
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, commands, 0));
    if (rig_agent() != EAS_OK) return -1;
    return rig_run(EAS_OP_SYNC) == EAS_OK ? 0 : -1;
}

/* The same with two events, e1 "One" and e2 "Two". */
static int synced_two(void)
{
    char inner[600];
    snprintf(inner, sizeof inner, "<Commands>%s%s</Commands>", EV("e1", "One"), EV("e2", "Two"));
    return synced_with(inner);
}

TEST(agent_sync_initialises_pages_and_stores_items)
{
    CHECK(first_sync_for(EAS_SYNC_CLASS(EAS_CLASS_CALENDAR)) == 0);
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    char inner[900];
    snprintf(inner, sizeof inner, "<Commands>%s%s</Commands>", EV("e1", "One"), EV("e2", "Two"));
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, inner, 1));
    snprintf(inner, sizeof inner, "<Commands>%s<Delete><ServerId>e1</ServerId></Delete></Commands>", EV("e3", "Three"));
    add_response(&R.conn, 200, NULL, sync_resp(1, "S3", 1, inner, 0));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    items_seen s = items_now();
    CHECK_EQ(s.n, 2);
    CHECK(strstr(s.subjects, "Two;") && strstr(s.subjects, "Three;") && !strstr(s.subjects, "One;"));
    /* the first request of the collection had SyncKey 0 and no GetChanges; the next ones the keys */
    CHECK(strstr(R.conn.requests, "Cmd=Sync") != NULL);
    CHECK_OK(rig_agent());
    char key[EAS_SYNC_KEY_MAX];
    size_t klen = 0;
    CHECK_OK(eas_store_get(&R.store, 0x00020000u + 0u, key, sizeof key - 1, &klen)); /* folder slot 0: cal */
    key[klen] = '\0';
    CHECK_STR(key, "S3");
}

static uint32_t progress_total, progress_calls;
static void on_progress_t(void *ctx, eas_class cls, const char *folder_id, uint32_t done, uint32_t estimate)
{
    (void)ctx, (void)cls, (void)folder_id, (void)done;
    progress_total = estimate;
    progress_calls++;
}

/* GetItemEstimate only feeds the progress callback's total: asked when there is one that wants it
 * (no_estimate 0), else one round trip less and a total of 0. */
TEST(agent_sync_estimate_only_for_a_progress_that_wants_it)
{
    for (int skip = 0; skip < 2; skip++) {
        CHECK(first_sync_for(EAS_SYNC_CLASS(EAS_CLASS_CALENDAR)) == 0);
        new_script();
        add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                         "<Changes><Count>0</Count></Changes></FolderSync>");
        add_response(&R.conn, 200, NULL, SYNC_INIT);
        if (!skip)
            add_response(&R.conn, 200, NULL,
                         "<GetItemEstimate xmlns=\"GetItemEstimate:\"><Response><Status>1</Status><Collection>"
                         "<CollectionId>cal</CollectionId><Estimate>2</Estimate></Collection></Response></GetItemEstimate>");
        char inner[600];
        snprintf(inner, sizeof inner, "<Commands>%s%s</Commands>", EV("e1", "One"), EV("e2", "Two"));
        add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, inner, 0));
        R.cfg.no_estimate = (uint8_t)skip;
        CHECK_OK(rig_agent());
        eas_agent_events ev = {NULL, NULL, NULL, NULL, on_progress_t, NULL};
        R.agent.ev = ev;
        progress_total = UINT32_MAX;
        progress_calls = 0;
        eas_err e = rig_run(EAS_OP_SYNC);
        R.cfg.no_estimate = 0;
        CHECK_MSG(e == EAS_OK, "no_estimate %d: %s after %s", skip, eas_err_name(e), R.conn.requests);
        CHECK_EQ(strstr(R.conn.requests, "GetItemEstimate") != NULL, !skip);
        CHECK(progress_calls > 0);
        CHECK_EQ(progress_total, skip ? 0u : 2u);
        CHECK_EQ(items_now().n, 2);
    }
}

TEST(agent_sync_window_cut_at_any_byte_keeps_items_and_key)
{
    CHECK(synced_two() == 0);
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 1024, 16, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    char inner[900];
    snprintf(inner, sizeof inner, "<Commands>%s<Delete><ServerId>e1</ServerId></Delete></Commands>", EV("e3", "Three"));
    const char *resp = sync_resp(1, "S3", 1, inner, 0);
    script probe;
    memset(&probe, 0, sizeof probe);
    add_response(&probe, 200, NULL, resp);
    size_t total = probe.resp_len[0];
    for (size_t cut = 1; cut < total; cut++) {
        flash_emu_copy_image(&R.flash, &saved);
        new_script();
        add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                         "<Changes><Count>0</Count></Changes></FolderSync>");
        add_response(&R.conn, 200, NULL, resp);
        R.conn.cut = cut;
        R.conn.cut_resp = 1;
        CHECK_OK(rig_agent());
        CHECK_MSG(rig_run(EAS_OP_SYNC) != EAS_OK, "cut at %zu accepted", cut);
        CHECK_OK(rig_agent());
        items_seen s = items_now();
        CHECK_MSG(s.n == 2 && strstr(s.subjects, "One;") && strstr(s.subjects, "Two;"), "cut at %zu changed items: %s", cut,
                  s.subjects);
    }
}

TEST(agent_sync_status_3_resets_collection_and_keeps_pending_changes)
{
    CHECK(synced_two() == 0);
    /* a change of the device's, queued */
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    CHECK_OK(eas_agent_item_get(&R.agent, "cal", "e2", rec, sizeof rec, &len));
    eas_item_override ov = {EAS_Calendar_Subject, "Two (edited)", 12};
    uint8_t out[EAS_ITEM_RECORD_MAX];
    size_t olen = eas_item_copy_with(rec, len, &ov, 1, out, sizeof out);
    CHECK(olen > 0);
    CHECK_OK(eas_agent_queue_change(&R.agent, "cal", out, olen));
    CHECK_EQ(eas_agent_pending(&R.agent), 1);
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 3, NULL, 0)); /* invalid key */
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    char inner[600];
    snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e9", "Fresh"));
    add_response(&R.conn, 200, NULL, sync_resp(1, "S4", 1, inner, 0));
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK || e == EAS_ERR_NET_CLOSED, "%s", eas_err_name(e));
    items_seen s = items_now();
    CHECK(strstr(s.subjects, "Fresh;") != NULL);
    CHECK(!strstr(s.subjects, "One;")); /* the old items went with the reset */
    /* the device's change survived the reset: still queued (it goes with the next request) */
    CHECK(eas_agent_pending(&R.agent) >= 1 || strstr(R.conn.requests, "Two (edited)") != NULL);
}

static struct {
    int n;
    uint32_t status;
    int kept;
} rejected_seen;

static void on_rejected_t(void *ctx, eas_class cls, const char *folder, eas_item_change change, const char *id,
                          uint32_t status, int kept)
{
    (void)ctx, (void)cls, (void)folder, (void)change, (void)id;
    rejected_seen.n++;
    rejected_seen.status = status;
    rejected_seen.kept = kept;
}

/* Queues a Change of the stored item id: its subject edited. */
static eas_err queue_subject_change(const char *id, const char *subject)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX], out[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    eas_err e = eas_agent_item_get(&R.agent, "cal", id, rec, sizeof rec, &len);
    if (e != EAS_OK) return e;
    eas_item_override ov = {EAS_Calendar_Subject, subject, strlen(subject)};
    size_t olen = eas_item_copy_with(rec, len, &ov, 1, out, sizeof out);
    return olen ? eas_agent_queue_change(&R.agent, "cal", out, olen) : EAS_ERR_NOSPACE;
}

TEST(agent_change_before_16_of_an_item_held_in_part_is_refused)
{
    /* e1's location is longer than a record keeps: the device holds it cut */
    char loc[301], inner[1200];
    memset(loc, 'L', 300);
    loc[300] = '\0';
    snprintf(inner, sizeof inner,
             "<Commands>%s<Add><ServerId>e1</ServerId><ApplicationData><calendar:Subject>Long</calendar:Subject>"
             "<calendar:Location>%s</calendar:Location><calendar:StartTime>20261201T090000Z</calendar:StartTime>"
             "<calendar:EndTime>20261201T100000Z</calendar:EndTime></ApplicationData></Add></Commands>",
             EV("e2", "Two"), loc);
    CHECK(synced_with(inner) == 0);
    CHECK_EQ(R.agent.version, EAS_PROTO_14_1);
    /* 14.1: a Change is the whole item, so the cut location would replace the server's: refused, nothing
     * queued, the device's copy as it was */
    CHECK_EQ(queue_subject_change("e1", "Edited"), EAS_ERR_ITEM_PARTIAL);
    CHECK_EQ(eas_err_kind_of(EAS_ERR_ITEM_PARTIAL), EAS_KIND_CONFIG);
    CHECK_EQ(eas_agent_pending(&R.agent), 0);
    CHECK_EQ(eas_agent_queue_instance(&R.agent, "cal", "e1", "20261201T090000Z", NULL, 0, 1), EAS_ERR_ITEM_PARTIAL);
    CHECK_EQ(eas_agent_pending(&R.agent), 0);
    items_seen s = items_now();
    CHECK(strstr(s.subjects, "Long;") && !strstr(s.subjects, "Edited;"));
    /* a whole item changes as before */
    CHECK_OK(queue_subject_change("e2", "Two edited"));
    CHECK_EQ(eas_agent_pending(&R.agent), 1);
    /* 16.x leaves out of a Change what the device did not touch: allowed */
    R.agent.version = EAS_PROTO_16_0;
    CHECK_OK(queue_subject_change("e1", "Edited"));
    CHECK_EQ(eas_agent_pending(&R.agent), 2);
    /* and it carries only the edit: the location the device holds cut short does not go back */
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 1, NULL, 0));
    R.agent.version = EAS_PROTO_16_0;
    (void)rig_run(EAS_OP_SYNC);
    const char *edited = strstr(R.conn.requests, "Edited");
    CHECK(edited != NULL);
    CHECK(strstr(R.conn.requests, "LLLLLLLL") == NULL);
    CHECK(strstr(R.conn.requests, "Two edited") != NULL);
}

TEST(agent_server_change_of_a_pending_item_is_a_reported_conflict_server_wins)
{
    CHECK(synced_two() == 0);
    CHECK_OK(queue_subject_change("e2", "Mine"));
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    /* the server answers the request (which carried our Change) with its own change of the item */
    add_response(&R.conn, 200, NULL,
                 sync_resp(0, "S3", 1,
                           "<Commands><Change><ServerId>e2</ServerId><ApplicationData><calendar:Subject>Theirs"
                           "</calendar:Subject></ApplicationData></Change></Commands>",
                           0));
    CHECK_OK(rig_agent());
    eas_agent_events ev = {NULL, NULL, NULL, NULL, NULL, on_rejected_t};
    R.agent.ev = ev;
    memset(&rejected_seen, 0, sizeof rejected_seen);
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK_EQ(rejected_seen.n, 1);
    CHECK_EQ(rejected_seen.status, 7);
    CHECK_EQ(rejected_seen.kept, 0);
    items_seen s = items_now();
    CHECK(strstr(s.subjects, "Theirs;") != NULL && !strstr(s.subjects, "Mine;"));
    CHECK_EQ(eas_agent_pending(&R.agent), 0);
}

/* Queues the Add of an event with a DtStamp, one more field (tag, value) and a subject. */
static eas_err queue_event_add(eas_tag tag, const char *value, const char *subject, char cid[16])
{
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    eas_item_builder b;
    eas_item_begin(&b, rec, sizeof rec, EAS_CLASS_CALENDAR);
    eas_item_set_id(&b, "x", 1);
    eas_item_put_field(&b, EAS_Calendar_DtStamp, "20261124T090000Z", 16);
    eas_item_put_field(&b, tag, value, strlen(value));
    eas_item_put_field(&b, EAS_Calendar_Subject, subject, strlen(subject));
    return eas_agent_queue_add(&R.agent, "cal", rec, eas_item_finish(&b), cid);
}

TEST(agent_client_add_gets_server_id_and_leaves_the_queue)
{
    CHECK(synced_two() == 0);
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    char cid[16];
    CHECK_OK(queue_event_add(EAS_Calendar_UID, "UID42", "Added here", cid));
    CHECK_EQ(eas_agent_pending(&R.agent), 1);
    char resp[512];
    snprintf(resp, sizeof resp, "<Responses><Add><ClientId>%s</ClientId><ServerId>UID42</ServerId><Status>1</Status></Add></Responses>", cid);
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, resp, 0));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK(strstr(R.conn.requests, cid) != NULL); /* the ClientId went out */
    CHECK_EQ(eas_agent_pending(&R.agent), 0);
    size_t n = 0;
    CHECK_OK(eas_agent_item_get(&R.agent, "cal", "UID42", rec, sizeof rec, &n));
    char subj[32];
    CHECK(eas_item_get_str(rec, n, EAS_Calendar_Subject, subj, sizeof subj) && !strcmp(subj, "Added here"));
}

/* The device's changes in the form of the negotiated version: at 16.x no DtStamp and the location as
 * AirSyncBase:Location/DisplayName (Horde answers the 14.x form with HTTP 500); at 14.x as they are. */
static void outbox_as_log(uint8_t version, char *log_text, size_t cap)
{
    uint8_t doc[2048];
    mem_sink m = {doc, sizeof doc, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    R.agent.version = version;
    R.agent.coll_slot = (uint8_t)eas_account_find_folder(&R.agent, "cal");
    eas_wbxml_start(&w, EAS_AirSync_Sync);
    CHECK_OK(eas_outbox_write_commands(&R.agent, &w));
    CHECK_OK(eas_wbxml_end(&w));
    wbxml_log log;
    wbxml_log_init(&log, log_text, cap);
    CHECK_OK(wbxml_decode_log(doc, m.len, 0, 0, &log, NULL));
}

TEST(agent_client_changes_take_the_form_of_the_version)
{
    CHECK(synced_two() == 0);
    char cid[16];
    CHECK_OK(queue_event_add(EAS_Calendar_Location, "Room Ada", "Booked", cid));
    char v16[2048], v14[2048], dtstamp[8], cal_loc[8], base_loc[24];
    snprintf(dtstamp, sizeof dtstamp, "<%04x>", (unsigned)EAS_Calendar_DtStamp);
    snprintf(cal_loc, sizeof cal_loc, "<%04x>", (unsigned)EAS_Calendar_Location);
    snprintf(base_loc, sizeof base_loc, "<%04x><%04x>T[Room Ada]", (unsigned)EAS_AirSyncBase_Location,
             (unsigned)EAS_AirSyncBase_DisplayName);
    outbox_as_log(EAS_PROTO_16_0, v16, sizeof v16);
    CHECK_MSG(!strstr(v16, dtstamp) && !strstr(v16, cal_loc) && strstr(v16, base_loc), "%s", v16);
    outbox_as_log(EAS_PROTO_14_1, v14, sizeof v14);
    CHECK_MSG(strstr(v14, dtstamp) && strstr(v14, cal_loc) && !strstr(v14, base_loc), "%s", v14);
}

typedef struct {
    int n;
    char text[512];
} agenda_seen;

static eas_err note_occurrence(void *ctx, const eas_agenda_entry *e)
{
    agenda_seen *s = ctx;
    char line[sizeof e->subject + sizeof e->location + 32];
    snprintf(line, sizeof line, "%lld %s @%s%s;", (long long)(e->occ.start % 86400), e->subject, e->location,
             e->is_exception ? " [x]" : "");
    strncat(s->text, line, sizeof s->text - strlen(s->text) - 1);
    s->n++;
    return EAS_OK;
}

/* After synced_two: one more window (key S3) with these commands, the hierarchy unchanged. */
static eas_err sync_commands(const char *inner)
{
    static char xml[3072];
    snprintf(xml, sizeof xml,
             "<Sync xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\" xmlns:airsyncbase=\"AirSyncBase:\"><Collections>"
             "<Collection><SyncKey>S3</SyncKey><CollectionId>cal</CollectionId><Status>1</Status>%s</Collection>"
             "</Collections></Sync>",
             inner);
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, xml);
    eas_err e = rig_agent();
    return e == EAS_OK ? rig_run(EAS_OP_SYNC) : e;
}

/* An event in its 16.x form (MS-ASCAL 16.0, as Horde sends it): the location is AirSyncBase:Location's
 * DisplayName and an exception names its instance with AirSyncBase:InstanceId. The agenda moves the
 * instance and shows each location. */
TEST(agent_agenda_reads_the_16_x_form)
{
    CHECK(synced_two() == 0);
    const char *inner =
        "<Commands><Add><ServerId>s16</ServerId><ApplicationData>"
        "<calendar:Subject>Daily</calendar:Subject>"
        "<calendar:StartTime>20261201T090000Z</calendar:StartTime><calendar:EndTime>20261201T093000Z</calendar:EndTime>"
        "<calendar:Recurrence><calendar:Type>0</calendar:Type><calendar:Interval>1</calendar:Interval>"
        "<calendar:Occurrences>3</calendar:Occurrences></calendar:Recurrence>"
        "<calendar:Exceptions><calendar:Exception>"
        "<airsyncbase:InstanceId>20261202T090000Z</airsyncbase:InstanceId>"
        "<calendar:StartTime>20261202T110000Z</calendar:StartTime><calendar:EndTime>20261202T113000Z</calendar:EndTime>"
        "<airsyncbase:Location><airsyncbase:DisplayName>Room B</airsyncbase:DisplayName></airsyncbase:Location>"
        "</calendar:Exception></calendar:Exceptions>"
        /* after the exceptions, as Horde orders it */
        "<airsyncbase:Location><airsyncbase:DisplayName>Room A</airsyncbase:DisplayName></airsyncbase:Location>"
        "</ApplicationData></Add></Commands>";
    CHECK_OK(sync_commands(inner));
    eas_tz_rule utc;
    eas_tz_rule_fixed(&utc, 0);
    int64_t from = 0, to = 0;
    CHECK_OK(eas_datetime_parse("20261201T000000Z", 16, &from));
    CHECK_OK(eas_datetime_parse("20261204T000000Z", 16, &to));
    static eas_agenda_work work;
    agenda_seen seen;
    memset(&seen, 0, sizeof seen);
    unsigned skipped = 0;
    CHECK_OK(eas_agent_agenda(&R.agent, &work, &utc, from, to, note_occurrence, &seen, &skipped));
    CHECK_EQ(skipped, 0);
    /* e1 and e2 of synced_two are on 1 December too */
    CHECK_MSG(strstr(seen.text, "32400 Daily @Room A;") != NULL, "%s", seen.text);
    CHECK_MSG(strstr(seen.text, "39600 Daily @Room B [x];") != NULL, "%s", seen.text);
    const char *first = strstr(seen.text, "32400 Daily @Room A;");
    CHECK(first && strstr(first + 1, "32400 Daily @Room A;") != NULL); /* 1 and 3 December */
    CHECK_EQ(seen.n, 5);
}

TEST(agent_sync_statuses_map_to_errors)
{
    static const struct {
        int status;
        eas_err err;
    } cases[] = {{126, EAS_ERR_FORBIDDEN}, {177, EAS_ERR_FORBIDDEN}, {110, EAS_ERR_SERVER},
                 {111, EAS_ERR_THROTTLED}, {16, EAS_ERR_THROTTLED},  {5, EAS_ERR_THROTTLED},
                 {4, EAS_ERR_PROTOCOL},    {9, EAS_ERR_PROTOCOL},    {15, EAS_ERR_PROTOCOL}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(synced_two() == 0);
        new_script();
        add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                         "<Changes><Count>0</Count></Changes></FolderSync>");
        /* a busy server is asked again after a growing wait: it says the same every time here */
        for (int k = 0; k < 5; k++) add_response(&R.conn, 200, NULL, sync_resp(0, "S2", cases[i].status, NULL, 0));
        CHECK_OK(rig_agent());
        uint64_t t0 = fake_ms;
        eas_err e = rig_run(EAS_OP_SYNC);
        CHECK_MSG(e == cases[i].err, "status %d gave %s", cases[i].status, eas_err_name(e));
        if (e == EAS_ERR_THROTTLED) CHECK_MSG(fake_ms - t0 >= 5000, "status %d: no wait before retrying", cases[i].status);
        /* 110: the device should not retry (MS-ASCMD): one Sync and no wait. */
        if (cases[i].status == 110) CHECK_MSG(R.conn.next == 2 && fake_ms == t0, "status 110 retried");
        CHECK_EQ(items_now().n, 2);
    }
}

/* FolderSync 6 and 11, Ping 8 and common 111 pass: the same request after a growing wait, then on;
 * common 110 ends at once. */
TEST(agent_transient_foldersync_and_ping_statuses_are_retried)
{
    static const int transient[] = {6, 11, 111};
    for (size_t i = 0; i < sizeof transient / sizeof transient[0]; i++) {
        char bad[160];
        CHECK(synced_two() == 0);
        new_script();
        snprintf(bad, sizeof bad, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>%d</Status></FolderSync>", transient[i]);
        add_response(&R.conn, 200, NULL, bad);
        add_response(&R.conn, 200, NULL, bad);
        add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K9</SyncKey>"
                                         "<Changes><Count>0</Count></Changes></FolderSync>");
        CHECK_OK(rig_agent());
        uint64_t t0 = fake_ms;
        eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
        CHECK_MSG(e == EAS_OK, "FolderSync status %d gave %s", transient[i], eas_err_name(e));
        CHECK_MSG(R.conn.next == 3 && fake_ms - t0 >= 2000 + 5000, "FolderSync status %d: %d requests, %llu ms",
                  transient[i], R.conn.next, (unsigned long long)(fake_ms - t0));
    }
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>110</Status></FolderSync>");
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_SERVER);
    CHECK_EQ(R.conn.next, 1);
    /* Ping 8, then a quiet heartbeat. */
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>8</Status></Ping>");
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>");
    R.conn.answer_delay_ms = 300000; /* a quiet heartbeat: "no change" at once would be a cut */
    CHECK_OK(rig_agent());
    uint64_t t0 = fake_ms;
    CHECK_OK(rig_run(EAS_OP_PING));
    CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_QUIET);
    CHECK_MSG(R.conn.next == 2 && fake_ms - t0 >= 2000, "Ping 8: %d requests", R.conn.next);
    /* Ping 8 every time: bounded. */
    CHECK(synced_two() == 0);
    new_script();
    for (int k = 0; k < 8; k++) add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>8</Status></Ping>");
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_PING), EAS_ERR_THROTTLED);
    CHECK_MSG(R.conn.next <= 5, "Ping 8 forever: %d requests", R.conn.next);
}

/* A 503 whose Retry-After is longer than the agent waits: the operation ends, and the wait the server
 * asked for and its X-MS-ASThrottle reason reach the application. */
TEST(agent_long_retry_after_reaches_the_application)
{
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 503, "Retry-After: 7200\r\nX-MS-ASThrottle: CommandFrequency\r\n", NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_THROTTLED);
    const eas_agent_failure *f = eas_agent_last_failure(&R.agent);
    CHECK_EQ(f->http_status, 503);
    CHECK_EQ(f->retry_after_s, 7200);
    CHECK_STR(f->throttle_reason, "CommandFrequency");
    CHECK_EQ(R.conn.next, 1);
    /* A short one is waited out and leaves no request for the application. */
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 503, "Retry-After: 2\r\n", NULL);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
}

TEST(agent_ping_adopts_status_5_and_reports_changes)
{
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>5</Status><HeartbeatInterval>120</HeartbeatInterval></Ping>");
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>2</Status><Folders><Folder>cal</Folder></Folders></Ping>");
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_PING));
    CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_CHANGED);
    CHECK_EQ(eas_agent_heartbeat(&R.agent), 120);
    CHECK(strstr(R.conn.requests, "Cmd=Ping") != NULL);
    /* a quiet heartbeat grows it again, up to the server's limit */
    new_script();
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>");
    R.conn.answer_delay_ms = 120000;
    CHECK_OK(rig_run(EAS_OP_PING));
    CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_QUIET);
    CHECK_EQ(eas_agent_heartbeat(&R.agent), 120); /* capped by the limit the server gave */
}

TEST(agent_ping_cut_steps_the_heartbeat_down)
{
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>");
    R.conn.cut = 1; /* the path drops the idle connection */
    R.conn.cut_resp = 0;
    R.conn.resp_len[0] = 0;
    CHECK_OK(rig_agent());
    uint32_t before = eas_agent_heartbeat(&R.agent);
    CHECK_OK(rig_run(EAS_OP_PING));
    CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_CUT);
    CHECK(eas_agent_heartbeat(&R.agent) < before);
}

TEST(agent_sync_busy_server_is_retried_after_a_wait)
{
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 16, NULL, 0));
    char inner[300];
    snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e5", "After the wait"));
    add_response(&R.conn, 200, NULL, sync_resp(1, "S3", 1, inner, 0));
    CHECK_OK(rig_agent());
    uint64_t t0 = fake_ms;
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK(fake_ms - t0 >= 2000);
    CHECK(strstr(items_now().subjects, "After the wait;") != NULL);
}

/* Sync status 12 (hierarchy changed) and 8 (collection not found): FolderSync, then the collection
 * goes on from its key; a second time in one run is an error, not a loop. */
TEST(agent_sync_status_12_and_8_foldersync_then_continue)
{
    static const int statuses[] = {12, 8};
    for (size_t i = 0; i < 2; i++) {
        CHECK(synced_two() == 0);
        new_script();
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
        add_response(&R.conn, 200, NULL, sync_resp(0, "S2", statuses[i], NULL, 0));
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K2"));
        char inner[300];
        snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e6", "After the FolderSync"));
        add_response(&R.conn, 200, NULL, sync_resp(1, "S3", 1, inner, 0));
        CHECK_OK(rig_agent());
        eas_err e = rig_run(EAS_OP_SYNC);
        CHECK_MSG(e == EAS_OK, "status %d: %s", statuses[i], eas_err_name(e));
        const char *second = strstr(R.conn.requests, "Cmd=FolderSync");
        CHECK(second && strstr(second + 1, "Cmd=FolderSync") != NULL);
        CHECK_MSG(strstr(items_now().subjects, "After the FolderSync;") != NULL, "status %d", statuses[i]);
        CHECK_EQ(items_now().n, 3);

        /* Said again after the FolderSync: reported, not looped on. */
        new_script();
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K3"));
        add_response(&R.conn, 200, NULL, sync_resp(0, "S3", statuses[i], NULL, 0));
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K4"));
        add_response(&R.conn, 200, NULL, sync_resp(1, "S3", statuses[i], NULL, 0));
        CHECK_OK(rig_agent());
        CHECK_EQ(rig_run(EAS_OP_SYNC), EAS_ERR_PROTOCOL);
        CHECK_EQ(items_now().n, 3);
    }
    /* 8 because the calendar is gone: the FolderSync says so, and its items go with it. */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K5"));
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 8, NULL, 0));
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K6</SyncKey>"
                                     "<Changes><Count>1</Count><Delete><ServerId>cal</ServerId></Delete></Changes></FolderSync>");
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s", eas_err_name(e));
    CHECK_EQ(items_now().n, 0);
}

TEST(agent_lost_window_answer_leads_to_a_full_resync)
{
    /* Some servers (SOGo) count a window as delivered once they answered it, and do not send its items
     * again for the same key: after an answer that never got committed, the collection starts over. */
    CHECK(synced_two() == 0);
    char inner[1200];
    snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e3", "Three"));
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 1, inner, 0));
    R.conn.cut = 40; /* the window's answer is cut */
    R.conn.cut_resp = 1;
    CHECK_OK(rig_agent());
    CHECK(rig_run(EAS_OP_SYNC) != EAS_OK);
    CHECK_EQ(items_now().n, 2); /* nothing of the cut answer */
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    snprintf(inner, sizeof inner, "<Commands>%s%s%s</Commands>", EV("e1", "One"), EV("e2", "Two"), EV("e3", "Three"));
    add_response(&R.conn, 200, NULL, sync_resp(1, "S4", 1, inner, 0));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    /* the collection was asked for from SyncKey 0 again, and holds the server's set exactly */
    /* SyncKey (AirSync 0x0B with content: 'K'), STR_I (0x03), "0", NUL (logged as '.') */
    CHECK(strstr(R.conn.requests, "K\x03" "0.") != NULL);
    CHECK(strstr(core_log, "W the answer to a Sync window was lost: folder slot 0 is synced again from 0\n") != NULL);
    items_seen s2 = items_now();
    CHECK_EQ(s2.n, 3);
    CHECK(strstr(s2.subjects, "Three;") != NULL);
    /* and a clean window afterwards does not trigger it again */
    new_script();
    add_response(&R.conn, 200, NULL, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K1</SyncKey>"
                                     "<Changes><Count>0</Count></Changes></FolderSync>");
    add_response(&R.conn, 200, NULL, sync_resp(0, "S5", 1, NULL, 0));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK(strstr(R.conn.requests, "Cmd=Sync") != NULL);
    CHECK_EQ(items_now().n, 3);
}

/* ---- the outbox counts kept in RAM ---- */

static eas_err count_entry(void *ctx, uint32_t key, size_t len)
{
    (void)key, (void)len;
    (*(unsigned *)ctx)++;
    return EAS_OK;
}

/* What the flash says is queued: a walk of the outbox keys (what eas_agent_pending answers without). */
static unsigned outbox_on_flash(void)
{
    unsigned n = 0;
    if (eas_store_visit_range(&R.store, EAS_KEY_OUTBOX(0), EAS_KEY_OUTBOX_LAST, count_entry, &n) != EAS_OK) return 999;
    return n;
}

/* The Sync answer to three queued changes: the first Add taken, the second refused, the Change done. */
static void script_answers(const char *cid1, const char *cid2)
{
    static char resp[512];
    snprintf(resp, sizeof resp,
             "<Responses><Add><ClientId>%s</ClientId><ServerId>UID1</ServerId><Status>1</Status></Add>"
             "<Add><ClientId>%s</ClientId><Status>6</Status></Add></Responses>",
             cid1, cid2);
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 1, resp, 0));
}

TEST(agent_outbox_counts_follow_adds_answers_power_cuts_and_remount)
{
    CHECK(synced_two() == 0);
    char cid1[16], cid2[16];
    CHECK_OK(queue_event_add(EAS_Calendar_UID, "UID1", "First", cid1));
    CHECK_OK(queue_event_add(EAS_Calendar_UID, "UID2", "Second", cid2));
    CHECK_OK(queue_subject_change("e2", "Edited"));
    /* Known without reading the flash, and the same as the flash says. */
    unsigned long reads = R.flash.reads;
    CHECK_EQ(eas_agent_pending(&R.agent), 3);
    CHECK_EQ(R.flash.reads, reads);
    CHECK_EQ(outbox_on_flash(), 3);
    CHECK_OK(rig_agent()); /* remount */
    reads = R.flash.reads;
    CHECK_EQ(eas_agent_pending(&R.agent), 3);
    CHECK_EQ(R.flash.reads, reads);

    /* An Add cut by a power cut at each of its flash operations: counted only if it is on flash. */
    static flash_emu before_add;
    if (!before_add.mem) CHECK(flash_emu_init(&before_add, 1024, 16, 16) == 0);
    flash_emu_copy_image(&before_add, &R.flash);
    for (unsigned long cut = 1; cut < 100; cut++) {
        flash_emu_copy_image(&R.flash, &before_add);
        CHECK_OK(rig_agent());
        flash_emu_cut_after(&R.flash, cut);
        char cid[16];
        eas_err e = queue_event_add(EAS_Calendar_UID, "UID3", "Third", cid);
        int cut_happened = R.flash.cuts > 0;
        flash_emu_power_on(&R.flash);
        if (!cut_happened) {
            CHECK_OK(e);
            CHECK_EQ(eas_agent_pending(&R.agent), 4);
            break;
        }
        CHECK_MSG(eas_agent_pending(&R.agent) >= 3, "cut %lu: the counts lost queued changes", cut);
        CHECK_OK(rig_agent());
        unsigned truth = outbox_on_flash();
        CHECK_MSG(truth == 3 || truth == 4, "cut %lu: %u queued", cut, truth);
        CHECK_MSG(eas_agent_pending(&R.agent) == truth, "cut %lu: %u counted, %u on flash", cut,
                  eas_agent_pending(&R.agent), truth);
    }
    flash_emu_copy_image(&R.flash, &before_add);

    /* The answers, cut by a power cut at each flash operation of the Sync: after the reboot the counts
     * are what the flash holds, all three or none; without a cut, none, in RAM as on flash. */
    int old_seen = 0, new_seen = 0;
    for (unsigned long cut = 1; cut < 400; cut++) {
        flash_emu_copy_image(&R.flash, &before_add);
        script_answers(cid1, cid2);
        CHECK_OK(rig_agent());
        flash_emu_cut_after(&R.flash, cut);
        eas_err e = rig_run(EAS_OP_SYNC);
        int cut_happened = R.flash.cuts > 0;
        flash_emu_power_on(&R.flash);
        if (!cut_happened) {
            CHECK_OK(e);
            reads = R.flash.reads;
            CHECK_EQ(eas_agent_pending(&R.agent), 0);
            CHECK_EQ(R.flash.reads, reads);
            CHECK_EQ(outbox_on_flash(), 0);
            CHECK_OK(rig_agent());
            CHECK_EQ(eas_agent_pending(&R.agent), 0);
            break;
        }
        CHECK_OK(rig_agent());
        unsigned truth = outbox_on_flash();
        CHECK_MSG(truth == 3 || truth == 0, "cut %lu: %u queued", cut, truth);
        CHECK_MSG(eas_agent_pending(&R.agent) == truth, "cut %lu: %u counted, %u on flash", cut,
                  eas_agent_pending(&R.agent), truth);
        old_seen += truth == 3;
        new_seen += truth == 0;
    }
    CHECK(old_seen > 0 && new_seen > 0);
}

/* ---- a window of 512 (the host's EAS_SYNC_WINDOW), cut ---- */

/* A 200 answer (HTTP head and the WBXML of xml[0, used)) into buf, larger than add_response takes: its
 * length, 0 when it does not fit. */
static size_t wbxml_response(const char *xml, size_t used, uint8_t *buf, size_t cap)
{
    static uint8_t body[32 * 1024];
    mem_sink m = {body, sizeof body, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    size_t off;
    if (eas_xml_to_wbxml(xml, used, &w, &off) != EAS_OK) return 0;
    int head = snprintf((char *)buf, cap, "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ms-sync.wbxml\r\n"
                                          "Content-Length: %zu\r\n\r\n", m.len);
    if (head < 0 || (size_t)head + m.len > cap) return 0;
    memcpy(buf + head, body, m.len);
    return (size_t)head + m.len;
}

/* A Sync answer (HTTP head and WBXML) of n small Adds w000... with key S3, into buf. */
static size_t big_window(uint8_t *buf, size_t cap, int n)
{
    static char xml[96 * 1024];
    size_t used = (size_t)snprintf(xml, sizeof xml,
                                   "<Sync xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><Collections><Collection>"
                                   "<SyncKey>S3</SyncKey><CollectionId>cal</CollectionId><Status>1</Status><Commands>");
    for (int i = 0; i < n && used < sizeof xml; i++)
        used += (size_t)snprintf(xml + used, sizeof xml - used,
                                 "<Add><ServerId>w%03d</ServerId><ApplicationData><calendar:Subject>S</calendar:Subject>"
                                 "</ApplicationData></Add>",
                                 i);
    used += (size_t)snprintf(xml + used, sizeof xml - used, "</Commands></Collection></Collections></Sync>");
    if (used >= sizeof xml) return 0;
    return wbxml_response(xml, used, buf, cap);
}

/* Every byte with EAS_CUT_EVERY_BYTE=1 (the stage does that); else every byte of the head and the
 * first and last 400, and every 29th in between (the unit run stays short). */
static int cut_here(size_t cut, size_t total)
{
    static int every = -1;
    if (every < 0) every = getenv("EAS_CUT_EVERY_BYTE") != NULL;
    return every || cut < 600 || cut + 600 > total || cut % 23 == 0;
}

/* The FolderSync answer, then the window (total bytes at resp), cut after cut bytes (0: whole). */
static void script_window(const uint8_t *resp, size_t total, size_t cut)
{
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    R.conn.big = resp;
    R.conn.big_len = total;
    R.conn.big_at = R.conn.nresp++;
    R.conn.cut = cut;
    R.conn.cut_resp = R.conn.big_at;
}

TEST(agent_sync_window_of_512_cut_at_any_byte_keeps_items_and_key)
{
    static eas_store_index_slot index[4096];
    rig_sector_size = 4096;
    rig_sectors = 32;
    rig_index = index;
    rig_index_slots = 4096;
    /* (kept for the whole test, set back at its end) */
    CHECK(synced_two() == 0);
    items_seen s0 = items_now();
    CHECK_EQ(s0.n, 2);
    CHECK_OK(rig_agent());
    s0 = items_now();
    CHECK_EQ(s0.n, 2);
    static uint8_t resp[40 * 1024];
    size_t total = big_window(resp, sizeof resp, 512);
    CHECK(total > 5000);
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 4096, 32, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    unsigned runs = 0;
    for (size_t cut = 1; cut < total; cut++) {
        if (!cut_here(cut, total)) continue;
        flash_emu_copy_image(&R.flash, &saved);
        script_window(resp, total, cut);
        CHECK_OK(rig_agent());
        CHECK_MSG(rig_run(EAS_OP_SYNC) != EAS_OK, "cut at %zu of %zu accepted", cut, total);
        CHECK_OK(rig_agent());
        char key[EAS_SYNC_KEY_MAX];
        CHECK_OK(eas_coll_get_key(&R.agent, 0, key, sizeof key));
        items_seen s = items_now();
        CHECK_MSG(s.n == 2 && strstr(s.subjects, "One;") && strstr(s.subjects, "Two;") && !strcmp(key, "S2"),
                  "cut at %zu of %zu: %d items, key %s", cut, total, s.n, key);
        runs++;
    }
    /* Then the whole window applies: 514 items, key S3. */
    flash_emu_copy_image(&R.flash, &saved);
    script_window(resp, total, 0);
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s after %d responses: %s", eas_err_name(e), R.conn.next, R.conn.requests);
    CHECK(strstr(R.conn.requests, "S2") != NULL);
    CHECK_OK(rig_agent());
    items_seen s = items_now();
    CHECK_EQ(s.n, 514);
    rig_sector_size = 1024, rig_sectors = 16, rig_index = NULL, rig_index_slots = 0;
    printf("    %u cuts of a %zu-byte window of 512\n", runs, total);
}

TEST(agent_info_and_folder_state_say_what_the_device_holds)
{
    CHECK(synced_two() == 0);
    eas_agent_info in;
    eas_agent_get_info(&R.agent, &in);
    CHECK_EQ(in.version, EAS_PROTO_14_1);
    CHECK(in.provisioned && !in.has_policy_key && !in.redirected);
    CHECK_EQ(in.folders, 1); /* the calendar: the configuration keeps calendars only */
    CHECK_EQ(in.pending, 0);
    CHECK(!strcmp(in.folder_sync_key, "K1"));
    CHECK(in.server_versions & eas_proto_bit(EAS_PROTO_14_1));
    eas_folder_state fs;
    CHECK_OK(eas_agent_folder_state(&R.agent, "cal", &fs));
    CHECK(fs.synced && fs.kept && !fs.lost_window);
    CHECK_EQ(fs.items, 2);
    /* the configuration keeps calendars only: the tasks folder is not stored at all */
    CHECK_EQ(eas_agent_folder_state(&R.agent, "tasks", &fs), EAS_ERR_NOT_FOUND);
    CHECK_EQ(eas_agent_folder_state(&R.agent, "nowhere", &fs), EAS_ERR_NOT_FOUND);
    /* a window whose answer was lost shows until the next sync starts the folder again */
    const uint8_t mark = 1;
    CHECK_OK(eas_store_put(&R.store, EAS_KEY_COLL_INFLIGHT(eas_account_find_folder(&R.agent, "cal")), &mark, 1));
    CHECK_OK(eas_agent_folder_state(&R.agent, "cal", &fs));
    CHECK(fs.lost_window);
}

/* ---- directory lookups: Search/Find, ResolveRecipients, Fetch; nothing of them is stored ---- */

static void script_reset(void)
{
    memset(&R.conn, 0, sizeof R.conn);
    R.conn.serving = -1;
}

typedef struct {
    int n;
    char first[EAS_GAL_FIELD_MAX];
} lookup_seen;

static eas_err lookup_entry(void *ctx, const eas_gal_entry *e)
{
    lookup_seen *s = ctx;
    if (s->n++ == 0) strcpy(s->first, e->field[EAS_GAL_DISPLAY_NAME]);
    return EAS_OK;
}

static const char *const SEARCH_ANSWER =
    "<Search xmlns=\"Search:\" xmlns:gal=\"GAL:\"><Status>1</Status><Response><Store><Status>1</Status>"
    "<Result><Properties><gal:DisplayName>Bob Example</gal:DisplayName><gal:EmailAddress>bob@example.test</gal:EmailAddress>"
    "</Properties></Result><Range>0-0</Range><Total>1</Total></Store></Response></Search>";

/* The flash before and after: a lookup must leave it untouched. */
static int flash_unchanged(const flash_emu *before)
{
    return memcmp(before->mem, R.flash.mem, R.flash.size) == 0 && memcmp(before->written, R.flash.written, R.flash.size) == 0;
}

TEST(agent_gal_search_asks_the_commands_then_searches_and_stores_nothing)
{
    CHECK(first_sync() == 0);
    static flash_emu before;
    if (!before.mem) CHECK(flash_emu_init(&before, 1024, 16, 16) == 0);
    script_reset();
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\nMS-ASProtocolCommands: Sync,FolderSync,Search,ResolveRecipients\r\n", NULL);
    add_response(&R.conn, 200, NULL, SEARCH_ANSWER);
    CHECK_OK(rig_agent());
    flash_emu_copy_image(&before, &R.flash);
    unsigned long progs = R.flash.progs, erases = R.flash.erases;
    lookup_seen s = {0, ""};
    eas_gal_query q = {"bo", 10, 0, 0, 0, 0};
    CHECK_EQ(eas_agent_begin(&R.agent, EAS_OP_GAL_SEARCH), EAS_ERR_STATE); /* not set up */
    CHECK_OK(eas_agent_gal_search(&R.agent, &q, lookup_entry, &s));
    CHECK_OK(rig_run(EAS_OP_GAL_SEARCH));
    CHECK_EQ(s.n, 1);
    CHECK_STR(s.first, "Bob Example");
    CHECK_EQ(eas_agent_gal_result(&R.agent)->total, 1);
    CHECK(strstr(R.conn.requests, "OPTIONS") != NULL);
    CHECK(strstr(R.conn.requests, "Cmd=Search") != NULL);
    CHECK_EQ(R.flash.progs, progs);
    CHECK_EQ(R.flash.erases, erases);
    CHECK(flash_unchanged(&before));
    /* The commands are known now: the next lookup goes straight out. */
    script_reset();
    add_response(&R.conn, 200, NULL, SEARCH_ANSWER);
    CHECK_OK(eas_agent_gal_search(&R.agent, &q, lookup_entry, &s));
    CHECK_OK(rig_run(EAS_OP_GAL_SEARCH));
    CHECK(strstr(R.conn.requests, "OPTIONS") == NULL);
    CHECK_EQ(s.n, 2);
    /* One setup, one run. */
    CHECK_EQ(eas_agent_begin(&R.agent, EAS_OP_GAL_SEARCH), EAS_ERR_STATE);
}

TEST(agent_lookup_the_server_does_not_offer_is_refused_by_name)
{
    CHECK(first_sync() == 0);
    script_reset();
    add_response(&R.conn, 200, "MS-ASProtocolCommands: Sync,FolderSync,Ping\r\n", NULL);
    CHECK_OK(rig_agent());
    eas_gal_query q = {"bo", 0, 0, 0, 0, 0};
    CHECK_OK(eas_agent_gal_search(&R.agent, &q, NULL, NULL));
    CHECK_EQ(rig_run(EAS_OP_GAL_SEARCH), EAS_ERR_UNSUPPORTED);
    CHECK_EQ(eas_agent_last_failure(&R.agent)->cmd, EAS_CMD_SEARCH);
    static const char *const to[] = {"bob@example.test"};
    eas_resolve_request rr = {to, 1, 0, 0, 0};
    CHECK_OK(eas_agent_resolve(&R.agent, &rr, NULL));
    CHECK_EQ(rig_run(EAS_OP_RESOLVE), EAS_ERR_UNSUPPORTED);
    CHECK_EQ(eas_agent_last_failure(&R.agent)->cmd, EAS_CMD_RESOLVERECIPIENTS);
    CHECK(strstr(R.conn.requests, "Cmd=") == NULL); /* nothing but the OPTIONS went out */
}

TEST(agent_gal_search_uses_find_at_16_1)
{
    CHECK(first_sync() == 0);
    R.cfg.protocol_version = EAS_PROTO_16_1;
    script_reset();
    add_response(&R.conn, 200, "MS-ASProtocolCommands: Sync,FolderSync,Search,Find\r\n", NULL);
    add_response(&R.conn, 200, NULL,
                 "<Find xmlns=\"Find:\" xmlns:gal=\"GAL:\"><Status>1</Status><Response><Status>1</Status><Result><Properties>"
                 "<gal:DisplayName>Ada Room</gal:DisplayName></Properties></Result><Range>0-0</Range><Total>1</Total>"
                 "</Response></Find>");
    CHECK_OK(rig_agent());
    lookup_seen s = {0, ""};
    eas_gal_query q = {"ada", 5, 0, 0, 0, 0};
    CHECK_OK(eas_agent_gal_search(&R.agent, &q, lookup_entry, &s));
    eas_err e = rig_run(EAS_OP_GAL_SEARCH);
    R.cfg.protocol_version = 0;
    CHECK_OK(e);
    CHECK(strstr(R.conn.requests, "Cmd=Find") != NULL);
    CHECK_STR(s.first, "Ada Room");
    CHECK_EQ(eas_agent_gal_result(&R.agent)->find, 1);
}

TEST(agent_lookup_statuses)
{
    CHECK(first_sync() == 0);
    eas_gal_query q = {"bo", 0, 0, 0, 0, 0};
    static const struct {
        const char *xml;
        eas_err want;
    } cases[] = {
        {"<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>12</Status></Store></Response></Search>", EAS_OK},
        {"<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>8</Status></Store></Response></Search>", EAS_ERR_ARG},
        {"<Search xmlns=\"Search:\"><Status>3</Status></Search>", EAS_ERR_SERVER},
        {"<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>5</Status></Store></Response></Search>", EAS_ERR_FORBIDDEN},
        {"<Search xmlns=\"Search:\"><Status>1</Status><Response><Store><Status>14</Status></Store></Response></Search>", EAS_ERR_AUTH},
        {"<Search xmlns=\"Search:\"><Status>129</Status></Search>", EAS_ERR_FORBIDDEN},
        {"<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>", EAS_ERR_PROTOCOL},
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        script_reset();
        add_response(&R.conn, 200, "MS-ASProtocolCommands: Search\r\n", NULL);
        add_response(&R.conn, 200, NULL, cases[i].xml);
        CHECK_OK(rig_agent());
        CHECK_OK(eas_agent_gal_search(&R.agent, &q, NULL, NULL));
        eas_err e = rig_run(EAS_OP_GAL_SEARCH);
        CHECK_MSG(e == cases[i].want, "case %u: %s", i, eas_err_name(e));
    }
    /* 110 (server error): not asked again (MS-ASCMD); 111 (retry later): asked again after a wait. */
    script_reset();
    add_response(&R.conn, 200, "MS-ASProtocolCommands: Search\r\n", NULL);
    add_response(&R.conn, 200, NULL, "<Search xmlns=\"Search:\"><Status>110</Status></Search>");
    add_response(&R.conn, 200, NULL, SEARCH_ANSWER);
    CHECK_OK(rig_agent());
    CHECK_OK(eas_agent_gal_search(&R.agent, &q, NULL, NULL));
    CHECK_EQ(rig_run(EAS_OP_GAL_SEARCH), EAS_ERR_SERVER);
    script_reset();
    add_response(&R.conn, 200, "MS-ASProtocolCommands: Search\r\n", NULL);
    add_response(&R.conn, 200, NULL, "<Search xmlns=\"Search:\"><Status>111</Status></Search>");
    add_response(&R.conn, 200, NULL, SEARCH_ANSWER);
    CHECK_OK(rig_agent());
    lookup_seen s = {0, ""};
    CHECK_OK(eas_agent_gal_search(&R.agent, &q, lookup_entry, &s));
    CHECK_OK(rig_run(EAS_OP_GAL_SEARCH));
    CHECK_EQ(s.n, 1);
}

typedef struct {
    char buf[256];
    size_t len;
} body_buf;

static eas_err body_write_test(void *ctx, const uint8_t *p, size_t n)
{
    body_buf *b = ctx;
    if (b->len + n >= sizeof b->buf) return EAS_ERR_SINK;
    memcpy(b->buf + b->len, p, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return EAS_OK;
}

TEST(agent_fetch_streams_the_body_under_the_budget)
{
    CHECK(first_sync() == 0);
    script_reset();
    add_response(&R.conn, 200, "MS-ASProtocolCommands: ItemOperations\r\n", NULL);
    add_response(&R.conn, 200, NULL,
                 "<ItemOperations xmlns=\"ItemOperations:\" xmlns:airsyncbase=\"AirSyncBase:\"><Status>1</Status><Response>"
                 "<Fetch><Status>1</Status><Properties><airsyncbase:Body><airsyncbase:Type>1</airsyncbase:Type>"
                 "<airsyncbase:EstimatedDataSize>33</airsyncbase:EstimatedDataSize>"
                 "<airsyncbase:Data>Quarterly review of the room plan</airsyncbase:Data></airsyncbase:Body></Properties>"
                 "</Fetch></Response></ItemOperations>");
    add_response(&R.conn, 200, NULL,
                 "<ItemOperations xmlns=\"ItemOperations:\"><Status>1</Status><Response><Fetch><Status>6</Status></Fetch>"
                 "</Response></ItemOperations>");
    CHECK_OK(rig_agent());
    body_buf b = {"", 0};
    CHECK_OK(eas_agent_fetch(&R.agent, "cal", "ev1", 9, (eas_sink){body_write_test, &b}));
    CHECK_OK(rig_run(EAS_OP_FETCH));
    CHECK_STR(b.buf, "Quarterly");
    CHECK(eas_fetch_decoder_truncated(eas_agent_fetch_result(&R.agent)));
    CHECK_EQ(eas_agent_fetch_result(&R.agent)->estimated, 33);
    CHECK(strstr(R.conn.requests, "Cmd=ItemOperations") != NULL);
    CHECK_OK(eas_agent_fetch(&R.agent, "cal", "gone", 0, (eas_sink){body_write_test, &b}));
    CHECK_EQ(rig_run(EAS_OP_FETCH), EAS_ERR_NOT_FOUND);
}

/* ---- a hostile server (issue 11); the stand-in (tests/standin, s24-s29) runs the same end to end ---- */

static const char *const FOLDERSYNC_EMPTY_K2 =
    "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K2</SyncKey><Changes><Count>0</Count></Changes>"
    "</FolderSync>";

static int asked_host(const char *host)
{
    char line[128];
    snprintf(line, sizeof line, "Host: %s\r\n", host);
    return strstr(R.conn.requests, line) != NULL;
}

TEST(agent_redirect_stays_in_the_domain_is_stored_once_answered_and_expires)
{
    CHECK(first_sync() == 0);
    /* Another domain: refused, nothing stored. */
    new_script();
    add_response(&R.conn, 451, "X-MS-Location: https://mail.evil.test/Microsoft-Server-ActiveSync\r\n", NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_HTTP_REDIRECT);
    CHECK(!asked_host("mail.evil.test"));
    /* A subdomain of the configured host's domain: followed, and stored with the 200. */
    new_script();
    add_response(&R.conn, 451, "X-MS-Location: https://mail.eas.test/x\r\n", NULL);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_EMPTY_K2);
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(asked_host("mail.eas.test"));
    CHECK_STR(eas_agent_redirected_host(&R.agent), "mail.eas.test");
    new_script();
    add_response(&R.conn, 200, NULL, FOLDERSYNC_EMPTY_K2);
    CHECK_OK(rig_agent()); /* a restart: the stored redirect holds */
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(asked_host("mail.eas.test") && !asked_host("eas.test"));
    /* A day later it has expired: the configured URL again (where the day's OPTIONS goes first). */
    fake_wall += EAS_REDIRECT_TTL_S + 1;
    new_script();
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_EMPTY_K2);
    CHECK_OK(rig_agent());
    CHECK(eas_agent_redirected_host(&R.agent) == NULL);
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(asked_host("eas.test") && !asked_host("mail.eas.test"));
    fake_wall = 1795000000;
    /* https to http: refused even with allow_plain_http. */
    R.cfg.allow_plain_http = 1;
    new_script();
    add_response(&R.conn, 451, "X-MS-Location: http://eas.test/x\r\n", NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_HTTP_REDIRECT);
    R.cfg.allow_plain_http = 0;
}

TEST(agent_sync_windows_are_bounded_and_yield)
{
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, FOLDERSYNC_EMPTY_K2);
    for (int k = 0; k < 6; k++) add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, NULL, 1));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK_EQ(R.conn.next, 1 + EAS_SYNC_MAX_IDLE_WINDOWS); /* the FolderSync, then 3 windows that brought nothing */
    /* A window with items: the step returns (a time wait of zero) before the next window goes out. */
    new_script();
    add_response(&R.conn, 200, NULL, FOLDERSYNC_EMPTY_K2);
    char inner[300];
    snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e3", "Three"));
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 1, inner, 1));
    add_response(&R.conn, 200, NULL, sync_resp(1, "S4", 1, NULL, 0));
    CHECK_OK(rig_agent());
    CHECK_OK(eas_agent_begin(&R.agent, EAS_OP_SYNC));
    int yields = 0;
    for (int i = 0; i < 10000; i++) {
        eas_wait w;
        eas_err e = eas_agent_step(&R.agent, &w);
        if (e == EAS_OK) break;
        CHECK_EQ(e, EAS_ERR_WOULD_BLOCK);
        if ((w.what & EAS_WAIT_TIME) && w.until_ms == fake_ms && R.conn.next == 2) yields++;
        fake_ms += 1;
    }
    CHECK(yields >= 1);
    CHECK_EQ(items_now().n, 3);
}

TEST(agent_ping_answered_at_once_is_a_cut_and_waits)
{
    CHECK(synced_two() == 0);
    CHECK_OK(rig_agent());
    uint64_t t0 = fake_ms;
    for (int k = 0; k < 4; k++) {
        new_script();
        add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>");
        CHECK_OK(rig_run(EAS_OP_PING));
        CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_CUT);
    }
    /* 10, 20 and 40 s of pause before the 2nd, 3rd and 4th Pings; the heartbeat stepped down. */
    CHECK(fake_ms - t0 >= (10u + 20u + 40u) * 1000u);
    CHECK(eas_agent_heartbeat(&R.agent) < EAS_PING_START_S);
    CHECK(eas_agent_next_ping_ms(&R.agent) > fake_ms);
}

/* ---- the hierarchy: deleted folders purged, only the kept classes, past the capacity ---- */

/* A FolderSync answer (key) with n generated Adds "<prefix><i>" of type, after the changes in head. */
static const char *foldersync_adds(const char *key, const char *head, const char *prefix, int n, int type)
{
    static char b[2][8192];
    static int k;
    k = (k + 1) % 2;
    int at = snprintf(b[k], sizeof b[k], "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>%s</SyncKey><Changes>%s",
                      key, head ? head : "");
    for (int i = 0; i < n; i++)
        at += snprintf(b[k] + at, sizeof b[k] - (size_t)at,
                       "<Add><ServerId>%s%d</ServerId><ParentId>0</ParentId><DisplayName>%s %d</DisplayName><Type>%d</Type></Add>",
                       prefix, i, prefix, i, type);
    snprintf(b[k] + at, sizeof b[k] - (size_t)at, "</Changes></FolderSync>");
    return b[k];
}

static int slot_has_items(unsigned slot)
{
    uint32_t key;
    size_t len;
    return eas_store_next(&R.store, EAS_KEY_ITEM_BASE(slot), EAS_KEY_ITEM_LAST(slot), &key, &len) == EAS_OK;
}

static int stored(uint32_t key)
{
    uint8_t b[EAS_STORE_MAX_VALUE];
    size_t len = 0;
    return eas_store_get(&R.store, key, b, sizeof b, &len) == EAS_OK;
}

static const char *const DELETE_CAL_ADD_CAL2 =
    "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>K2</SyncKey><Changes><Count>2</Count>"
    "<Delete><ServerId>cal</ServerId></Delete>"
    "<Add><ServerId>cal2</ServerId><ParentId>0</ParentId><DisplayName>Second</DisplayName><Type>8</Type></Add>"
    "</Changes></FolderSync>";

TEST(agent_deleted_folder_leaves_nothing_to_the_next_one)
{
    CHECK(synced_two() == 0); /* cal in slot 0: e1, e2, SyncKey S2 */
    CHECK_OK(eas_store_put(&R.store, EAS_KEY_COLL_INFLIGHT(0), "\1\0\0\0", 4)); /* a window in flight */
    new_script();
    add_response(&R.conn, 200, NULL, DELETE_CAL_ADD_CAL2);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(eas_agent_folder_count(&R.agent), 1);
    CHECK(has_folder("cal2", "Second") && !has_folder("cal", NULL));
    CHECK_EQ(items_now().n, 0);
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) {
        CHECK_MSG(!slot_has_items(s), "items left in slot %u", s);
        CHECK_MSG(!stored(EAS_KEY_COLL_SYNC_KEY(s)) && !stored(EAS_KEY_COLL_INFLIGHT(s)), "keys left in slot %u", s);
    }
    /* cal2 starts from SyncKey 0, never with cal's S2 */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K2"));
    add_response(&R.conn, 200, NULL, "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>T1</SyncKey>"
                                     "<CollectionId>cal2</CollectionId><Status>1</Status></Collection></Collections></Sync>");
    add_response(&R.conn, 200, NULL, "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>T2</SyncKey>"
                                     "<CollectionId>cal2</CollectionId><Status>1</Status></Collection></Collections></Sync>");
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK(strstr(R.conn.requests, "S2") == NULL);
    CHECK(strstr(R.conn.requests, "K\x03" "0.") != NULL);
}

TEST(agent_power_cut_during_a_folder_deletion_never_shows_its_items_elsewhere)
{
    CHECK(synced_two() == 0);
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 1024, 16, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    int old_seen = 0, new_seen = 0;
    for (unsigned long cut = 1; cut < 2000; cut++) {
        eas_err e = EAS_OK;
        int cut_happened = foldersync_cut(&saved, cut, DELETE_CAL_ADD_CAL2, &e);
        items_seen s = items_now();
        int is_old = !strcmp(R.agent.folder_key, "K1") && has_folder("cal", NULL) && !has_folder("cal2", NULL) && s.n == 2;
        int is_new = !strcmp(R.agent.folder_key, "K2") && has_folder("cal2", NULL) && !has_folder("cal", NULL) && s.n == 0;
        CHECK_MSG(is_old || is_new, "power cut at flash operation %lu: key %s, %d items", cut, R.agent.folder_key, s.n);
        if (is_new) { /* cal2 never inherits cal's key; a purge cut short is finished by the next FolderSync */
            int slot = eas_account_find_folder(&R.agent, "cal2");
            CHECK(slot >= 0 && !stored(EAS_KEY_COLL_SYNC_KEY((unsigned)slot)) && !slot_has_items((unsigned)slot));
            new_script();
            add_response(&R.conn, 200, NULL, foldersync_no_changes("K2"));
            CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
            for (unsigned k = 0; k < EAS_MAX_FOLDERS; k++) CHECK_MSG(!slot_has_items(k), "cut %lu: slot %u", cut, k);
        }
        old_seen += is_old;
        new_seen += is_new;
        if (!cut_happened) {
            CHECK_OK(e);
            CHECK(is_new);
            break;
        }
    }
    CHECK(old_seen > 0 && new_seen > 0);
}

TEST(agent_keeps_only_the_folders_of_its_classes)
{
    /* An Exchange-sized hierarchy: 50 address books, 4 calendars, 6 mail folders. */
    static const char head[] =
             "<Add><ServerId>m0</ServerId><ParentId>0</ParentId><DisplayName>Inbox</DisplayName><Type>2</Type></Add>"
             "<Add><ServerId>m1</ServerId><ParentId>0</ParentId><DisplayName>Junk</DisplayName><Type>12</Type></Add>"
             "<Add><ServerId>m2</ServerId><ParentId>0</ParentId><DisplayName>Outbox</DisplayName><Type>6</Type></Add>"
             "<Add><ServerId>m3</ServerId><ParentId>0</ParentId><DisplayName>Sync Issues</DisplayName><Type>12</Type></Add>"
             "<Add><ServerId>n0</ServerId><ParentId>0</ParentId><DisplayName>Notes</DisplayName><Type>10</Type></Add>"
             "<Add><ServerId>j0</ServerId><ParentId>0</ParentId><DisplayName>Journal</DisplayName><Type>11</Type></Add>"
             "<Add><ServerId>c0</ServerId><ParentId>0</ParentId><DisplayName>Calendar</DisplayName><Type>8</Type></Add>"
             "<Add><ServerId>c1</ServerId><ParentId>c0</ParentId><DisplayName>Room A</DisplayName><Type>13</Type></Add>"
             "<Add><ServerId>c2</ServerId><ParentId>c0</ParentId><DisplayName>Room B</DisplayName><Type>13</Type></Add>"
             "<Add><ServerId>c3</ServerId><ParentId>c0</ParentId><DisplayName>Room C</DisplayName><Type>13</Type></Add>";
    rig_init();
    R.cfg.sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CALENDAR);
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, foldersync_adds("H1", head, "book", 50, 14));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(eas_agent_folder_count(&R.agent), 4);
    CHECK(has_folder("c0", "Calendar") && has_folder("c3", "Room C") && !has_folder("m0", NULL) && !has_folder("book7", NULL));
    CHECK_EQ(eas_agent_folders_skipped(&R.agent), 0);
    /* Updates and Deletes of folders not kept are ignored; a kept one that changes class goes. */
    new_script();
    add_response(&R.conn, 200, NULL,
                 "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>H2</SyncKey><Changes>"
                 "<Update><ServerId>book3</ServerId><ParentId>0</ParentId><DisplayName>Renamed</DisplayName><Type>14</Type></Update>"
                 "<Delete><ServerId>m1</ServerId></Delete>"
                 "<Update><ServerId>c2</ServerId><ParentId>0</ParentId><DisplayName>Now tasks</DisplayName><Type>15</Type></Update>"
                 "</Changes></FolderSync>");
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    CHECK(!has_folder("c2", NULL) && !has_folder("book3", NULL) && !strcmp(R.agent.folder_key, "H2"));
}

TEST(agent_more_folders_than_slots_syncs_what_fits_and_says_so)
{
    /* 60 address books against EAS_MAX_FOLDERS slots: FolderSync succeeds, the rest is counted. */
    rig_init();
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, foldersync_adds("H1", NULL, "b", 60, 14));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(eas_agent_folder_count(&R.agent), EAS_MAX_FOLDERS);
    CHECK_EQ(eas_agent_folders_skipped(&R.agent), 60 - EAS_MAX_FOLDERS);
    CHECK_OK(rig_agent()); /* kept with the hierarchy */
    CHECK_EQ(eas_agent_folders_skipped(&R.agent), 60 - EAS_MAX_FOLDERS);
    CHECK(!strcmp(R.agent.folder_key, "H1"));
    /* All of them deleted at once: more records than one transaction holds (3 per folder) on the boards
     * (lm3s6965evb: 16); the host's hold them all, so the test takes a board's size. */
    eas_test_hierarchy_txn_records = 16;
    static char del[4096];
    int at = snprintf(del, sizeof del, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>H2</SyncKey><Changes>");
    for (int i = 0; i < 60; i++) at += snprintf(del + at, sizeof del - (size_t)at, "<Delete><ServerId>b%d</ServerId></Delete>", i);
    snprintf(del + at, sizeof del - (size_t)at, "</Changes></FolderSync>");
    new_script();
    add_response(&R.conn, 200, NULL, del);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(eas_agent_folder_count(&R.agent), 0);
    eas_test_hierarchy_txn_records = EAS_STORE_MAX_TXN_RECORDS;
    CHECK_OK(rig_agent());
    CHECK_EQ(eas_agent_folder_count(&R.agent), 0);
    CHECK(!strcmp(R.agent.folder_key, "H2"));
}

TEST(agent_power_cut_in_a_hierarchy_over_several_transactions_replays_to_the_new_state)
{
    /* EAS_MAX_FOLDERS folders deleted at once take several transactions, the SyncKey in the last: a cut
     * between them leaves the old key and some folders gone, and the same answer again finishes it. */
    rig_init();
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, foldersync_adds("H1", NULL, "b", EAS_MAX_FOLDERS, 14));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    static char del[4096];
    int at = snprintf(del, sizeof del, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status><SyncKey>H2</SyncKey><Changes>");
    for (int i = 0; i < (int)EAS_MAX_FOLDERS; i++)
        at += snprintf(del + at, sizeof del - (size_t)at, "<Delete><ServerId>b%d</ServerId></Delete>", i);
    snprintf(del + at, sizeof del - (size_t)at, "</Changes></FolderSync>");
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 1024, 16, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    int partial_seen = 0;
    eas_test_hierarchy_txn_records = 16; /* a board's transaction (lm3s6965evb), which the host's exceed */
    /* Every cut point in tests/stages/30-store-powercut.sh; every 9th in the unit run (it is long). */
    unsigned long step = getenv("EAS_AGENT_SWEEP_FULL") ? 1 : 9;
    for (unsigned long cut = 1; cut < 5000; cut += step) {
        eas_err e = EAS_OK;
        int cut_happened = foldersync_cut(&saved, cut, del, &e);
        unsigned n = eas_agent_folder_count(&R.agent);
        int is_new = !strcmp(R.agent.folder_key, "H2") && n == 0;
        int is_old_key = !strcmp(R.agent.folder_key, "H1");
        CHECK_MSG(is_new || is_old_key, "cut %lu: key %s with %u folders", cut, R.agent.folder_key, n);
        partial_seen += is_old_key && n > 0 && n < EAS_MAX_FOLDERS;
        if (is_old_key) { /* the answer is asked for again with the old key: the same one finishes it */
            new_script();
            add_response(&R.conn, 200, NULL, del);
            CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
            CHECK_MSG(!strcmp(R.agent.folder_key, "H2") && eas_agent_folder_count(&R.agent) == 0, "cut %lu: replay", cut);
        }
        if (!cut_happened) {
            CHECK_OK(e);
            CHECK(is_new);
            break;
        }
    }
    eas_test_hierarchy_txn_records = EAS_STORE_MAX_TXN_RECORDS;
    CHECK(partial_seen > 0);
}

TEST(agent_other_classes_configured_sync_the_hierarchy_again)
{
    CHECK(synced_two() == 0); /* calendar only: cal kept, with two events */
    CHECK_EQ(eas_agent_folder_count(&R.agent), 1);
    R.cfg.sync_classes = 0; /* now calendar, contacts and tasks */
    new_script();
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "\x03" "0.") != NULL); /* FolderSync from SyncKey 0 */
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    CHECK_EQ(items_now().n, 0); /* the calendar is synced again from 0 */
    CHECK_OK(rig_agent());
    CHECK(!strcmp(R.agent.folder_key, "K1"));
    for (unsigned s = 0; s < EAS_MAX_FOLDERS; s++) CHECK(!stored(EAS_KEY_COLL_SYNC_KEY(s)));
}

/* ---- what a room display shows: no cancelled meeting, no private subject, the join link ---- */

typedef struct {
    unsigned n;
    eas_agenda_entry e[12];
} entries_seen;

static eas_err keep_entry(void *ctx, const eas_agenda_entry *e)
{
    entries_seen *s = ctx;
    if (s->n < 12) s->e[s->n++] = *e;
    return EAS_OK;
}

static const eas_agenda_entry *entry_of(const entries_seen *s, const char *id, int64_t start)
{
    for (unsigned i = 0; i < s->n; i++)
        if (!strcmp(s->e[i].server_id, id) && s->e[i].occ.start == start) return &s->e[i];
    return NULL;
}

TEST(agent_agenda_marks_cancelled_and_private_for_the_display)
{
    CHECK(synced_two() == 0); /* e1, e2: 1 December 09:00-10:00 */
    const char *inner =
        "<Commands>"
        "<Add><ServerId>sc</ServerId><ApplicationData><calendar:Subject>Called off</calendar:Subject>"
        "<calendar:StartTime>20261201T110000Z</calendar:StartTime><calendar:EndTime>20261201T120000Z</calendar:EndTime>"
        "<calendar:MeetingStatus>5</calendar:MeetingStatus></ApplicationData></Add>"
        "<Add><ServerId>sp</ServerId><ApplicationData><calendar:Subject>Secret</calendar:Subject>"
        "<calendar:Location>Board room</calendar:Location>"
        "<calendar:StartTime>20261201T130000Z</calendar:StartTime><calendar:EndTime>20261201T140000Z</calendar:EndTime>"
        "<calendar:Sensitivity>2</calendar:Sensitivity><calendar:MeetingStatus>3</calendar:MeetingStatus></ApplicationData></Add>"
        "<Add><ServerId>sf</ServerId><ApplicationData><calendar:Subject>Merger</calendar:Subject>"
        "<calendar:StartTime>20261201T160000Z</calendar:StartTime><calendar:EndTime>20261201T170000Z</calendar:EndTime>"
        "<calendar:Sensitivity>3</calendar:Sensitivity></ApplicationData></Add>"
        "<Add><ServerId>sx</ServerId><ApplicationData><calendar:Subject>Online</calendar:Subject>"
        "<calendar:StartTime>20261201T150000Z</calendar:StartTime><calendar:EndTime>20261201T153000Z</calendar:EndTime>"
        "<calendar:MeetingStatus>3</calendar:MeetingStatus>"
        "<calendar:OnlineMeetingExternalLink>https://meet.example.test/j/42</calendar:OnlineMeetingExternalLink>"
        "<calendar:Recurrence><calendar:Type>0</calendar:Type><calendar:Interval>1</calendar:Interval>"
        "<calendar:Occurrences>2</calendar:Occurrences></calendar:Recurrence>"
        "<calendar:Exceptions><calendar:Exception><calendar:ExceptionStartTime>20261202T150000Z</calendar:ExceptionStartTime>"
        "<calendar:MeetingStatus>7</calendar:MeetingStatus></calendar:Exception></calendar:Exceptions>"
        "</ApplicationData></Add></Commands>";
    CHECK_OK(sync_commands(inner));
    eas_tz_rule utc;
    eas_tz_rule_fixed(&utc, 0);
    int64_t d1 = 0, d3 = 0;
    CHECK_OK(eas_datetime_parse("20261201T000000Z", 16, &d1));
    CHECK_OK(eas_datetime_parse("20261203T000000Z", 16, &d3));
    static eas_agenda_work work;
    static entries_seen s;
    memset(&s, 0, sizeof s);
    CHECK_OK(eas_agent_agenda(&R.agent, &work, &utc, d1, d3, keep_entry, &s, NULL));
    const eas_agenda_entry *c = entry_of(&s, "sc", d1 + 11 * 3600), *p = entry_of(&s, "sp", d1 + 13 * 3600),
                           *f = entry_of(&s, "sf", d1 + 16 * 3600), *x1 = entry_of(&s, "sx", d1 + 15 * 3600),
                           *x2 = entry_of(&s, "sx", d1 + 86400 + 15 * 3600), *e1 = entry_of(&s, "e1", d1 + 9 * 3600);
    CHECK(c && p && f && x1 && x2 && e1);
    if (!(c && p && f && x1 && x2 && e1)) return;
    CHECK(c->cancelled && !c->is_private);
    CHECK(!p->cancelled && p->is_private && f->is_private && !e1->is_private && !e1->cancelled);
    CHECK(!x1->cancelled && x2->cancelled); /* the instance's own MeetingStatus */
    CHECK_STR(eas_agenda_display_subject(p), "Private appointment");
    CHECK_STR(eas_agenda_display_location(p), "");
    CHECK_STR(p->subject, "Secret"); /* the data stays: only what a display shows changes */
    CHECK_STR(eas_agenda_display_subject(e1), "One");
#if EAS_ITEM_KEEP_JOIN_URL
    CHECK_STR(x1->join_url, "https://meet.example.test/j/42");
    CHECK_STR(e1->join_url, "");
#endif
    /* NOW/NEXT: at 11:30 the cancelled meeting is not on, the next one is the private one */
    eas_agenda_entry cur, next;
    int has_cur = 0, has_next = 0;
    CHECK_OK(eas_agent_now_next(&R.agent, &work, &utc, d1 + 11 * 3600 + 1800, 86400, &cur, &has_cur, &next, &has_next));
    CHECK(!has_cur);
    CHECK(has_next && !strcmp(next.server_id, "sp"));
    /* on 2 December at 15:10 the cancelled instance is not on either */
    CHECK_OK(eas_agent_now_next(&R.agent, &work, &utc, d1 + 86400 + 15 * 3600 + 600, 3600, &cur, &has_cur, &next, &has_next));
    CHECK(!has_cur && !has_next);
}

/* ---- MeetingResponse: SendResponse at 16.x (the server mails the organizer), none before ---- */

static void meeting_request_log(uint8_t send, char *log_text, size_t cap)
{
    uint8_t buf[256];
    mem_sink m = {buf, sizeof buf, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    eas_meeting_request r = {EAS_RESPONSE_ACCEPT, "cal", "e1", NULL, send};
    CHECK_OK(eas_meeting_request_write(&w, &r));
    CHECK_OK(eas_wbxml_writer_finish(&w));
    wbxml_log log;
    uint32_t off = 0;
    wbxml_log_init(&log, log_text, cap);
    CHECK_OK(wbxml_decode_log(buf, m.len, 0, 0, &log, &off));
}

TEST(agent_meeting_response_asks_the_server_to_mail_the_organizer_at_16)
{
    char with[1024], without[1024];
    meeting_request_log(1, with, sizeof with);
    meeting_request_log(0, without, sizeof without);
    /* SendResponse is MeetingResponse (page 8) tag 0x12, empty: a mail with no body of its own */
    CHECK_MSG(strstr(with, "<0808>T[e1]</0808><0812/></0809>") != NULL, "%s", with);
    CHECK_MSG(strstr(without, "<0812") == NULL, "%s", without);
    /* the agent sets it by the version in use */
    CHECK(synced_two() == 0);
    for (int v16 = 0; v16 < 2; v16++) {
        R.cfg.protocol_version = v16 ? EAS_PROTO_16_0 : EAS_PROTO_14_1;
        new_script();
        add_response(&R.conn, 200, NULL, "<MeetingResponse xmlns=\"MeetingResponse:\"><Result><RequestId>e1</RequestId>"
                                         "<Status>1</Status></Result></MeetingResponse>");
        add_response(&R.conn, 200, NULL, sync_resp(0, v16 ? "S4" : "S3", 1, NULL, 0));
        CHECK_OK(rig_agent());
        CHECK_OK(eas_agent_respond(&R.agent, "cal", "e1", EAS_RESPONSE_ACCEPT, NULL));
        CHECK_OK(rig_run(EAS_OP_RESPOND));
        /* SendResponse: MeetingResponse page (8) tag 0x12, without content; the log shows NUL as '.' */
        const char *req = strstr(R.conn.requests, "Cmd=MeetingResponse");
        CHECK(req != NULL);
        const char *body = req ? strstr(req, "\r\n\r\n") : NULL;
        const char *next = body ? strstr(body, "Cmd=") : NULL;
        int has = 0;
        for (const char *p = body; p && *p && (!next || p < next); p++) has |= *p == '\x12';
        CHECK_MSG(has == v16, "16.x %d: SendResponse %s", v16, has ? "sent" : "not sent");
    }
}

/* ---- 16.x: what the device may write, and one instance through its InstanceId ---- */

/* A meeting from the server with everything the device must not send back at 16.x. */
static int synced_meeting(void)
{
    if (synced_two() != 0) return -1;
    return sync_commands(
               "<Commands><Add><ServerId>m16</ServerId><ApplicationData>"
               "<calendar:Subject>Planning</calendar:Subject><calendar:UID>0400000082ABCDEF</calendar:UID>"
               "<calendar:OrganizerName>Olga</calendar:OrganizerName><calendar:OrganizerEmail>olga@example.test</calendar:OrganizerEmail>"
               "<calendar:StartTime>20261201T090000Z</calendar:StartTime><calendar:EndTime>20261201T100000Z</calendar:EndTime>"
               "<calendar:MeetingStatus>3</calendar:MeetingStatus><calendar:ResponseType>3</calendar:ResponseType>"
               "<calendar:Attendees><calendar:Attendee><calendar:Email>bob@example.test</calendar:Email>"
               "<calendar:AttendeeStatus>3</calendar:AttendeeStatus></calendar:Attendee></calendar:Attendees>"
               "<calendar:Recurrence><calendar:Type>0</calendar:Type><calendar:Interval>1</calendar:Interval>"
               "<calendar:Occurrences>5</calendar:Occurrences></calendar:Recurrence>"
               "<calendar:Exceptions><calendar:Exception><airsyncbase:InstanceId>20261203T090000Z</airsyncbase:InstanceId>"
               "<calendar:Deleted>1</calendar:Deleted></calendar:Exception></calendar:Exceptions>"
               "</ApplicationData></Add></Commands>") == EAS_OK
               ? 0
               : -1;
}

static int logged(const char *log, eas_tag tag)
{
    char t[8];
    snprintf(t, sizeof t, "<%04x", (unsigned)tag);
    return strstr(log, t) != NULL;
}

TEST(agent_change_at_16_sends_only_what_the_client_may_write)
{
    static const eas_tag must_not[] = {EAS_Calendar_UID,          EAS_Calendar_OrganizerName, EAS_Calendar_OrganizerEmail,
                                       EAS_Calendar_MeetingStatus, EAS_Calendar_ResponseType,  EAS_Calendar_AttendeeStatus,
                                       EAS_Calendar_Attendees,     EAS_Calendar_Exceptions,    EAS_Calendar_DtStamp,
                                       EAS_Calendar_Recurrence};
    for (int v16 = 1; v16 >= 0; v16--) {
        CHECK(synced_meeting() == 0);
        uint8_t rec[EAS_ITEM_RECORD_MAX], out[EAS_ITEM_RECORD_MAX];
        size_t len = 0;
        CHECK_OK(eas_agent_item_get(&R.agent, "cal", "m16", rec, sizeof rec, &len));
        eas_item_override ov[2] = {{EAS_Calendar_Subject, "Planning (moved)", 16}, {EAS_Calendar_DtStamp, "20261130T100000Z", 16}};
        size_t olen = eas_item_copy_with(rec, len, ov, 2, out, sizeof out);
        CHECK(olen > 0);
        CHECK_OK(eas_agent_queue_change(&R.agent, "cal", out, olen));
        static char log[4096];
        outbox_as_log(v16 ? EAS_PROTO_16_0 : EAS_PROTO_14_1, log, sizeof log);
        CHECK_MSG(strstr(log, "T[Planning (moved)]") && logged(log, EAS_Calendar_StartTime), "%s", log);
        for (size_t k = 0; k < sizeof must_not / sizeof must_not[0]; k++)
            CHECK_MSG(logged(log, must_not[k]) == !v16, "16.x %d: tag %04x %s", v16, (unsigned)must_not[k],
                      v16 ? "sent" : "not sent at 14.1");
    }
}

TEST(agent_one_instance_changes_through_its_instance_id_at_16)
{
    eas_tz_rule utc;
    eas_tz_rule_fixed(&utc, 0);
    int64_t d1 = 0;
    CHECK_OK(eas_datetime_parse("20261201T000000Z", 16, &d1));
    for (int v16 = 1; v16 >= 0; v16--) {
        CHECK(synced_meeting() == 0);
        R.agent.version = v16 ? EAS_PROTO_16_0 : EAS_PROTO_14_1;
        eas_item_override ov[3] = {{EAS_Calendar_Subject, "Planning (late)", 15},
                                   {EAS_Calendar_StartTime, "20261202T140000Z", 16},
                                   {EAS_Calendar_EndTime, "20261202T150000Z", 16}};
        CHECK_OK(eas_agent_queue_instance(&R.agent, "cal", "m16", "20261202T090000Z", ov, 3, 0));
        CHECK_OK(eas_agent_queue_instance(&R.agent, "cal", "m16", "20261204T090000Z", NULL, 0, 1));
        static char log[4096];
        outbox_as_log(R.agent.version, log, sizeof log);
        char change[160], del[160];
        snprintf(change, sizeof change, "<%04x><%04x>T[m16]</%04x><%04x>T[20261202T090000Z]</%04x><%04x>", (unsigned)EAS_AirSync_Change,
                 (unsigned)EAS_AirSync_ServerId, (unsigned)EAS_AirSync_ServerId, (unsigned)EAS_AirSyncBase_InstanceId,
                 (unsigned)EAS_AirSyncBase_InstanceId, (unsigned)EAS_AirSync_ApplicationData);
        snprintf(del, sizeof del, "<%04x><%04x>T[m16]</%04x><%04x>T[20261204T090000Z]</%04x></%04x>", (unsigned)EAS_AirSync_Delete,
                 (unsigned)EAS_AirSync_ServerId, (unsigned)EAS_AirSync_ServerId, (unsigned)EAS_AirSyncBase_InstanceId,
                 (unsigned)EAS_AirSyncBase_InstanceId, (unsigned)EAS_AirSync_Delete);
        if (v16) {
            CHECK_MSG(strstr(log, change) && strstr(log, del), "%s", log);
            CHECK_MSG(!logged(log, EAS_Calendar_Exceptions) && !logged(log, EAS_Calendar_Recurrence), "%s", log);
        } else {
            /* 14.1: the series, its Exceptions holding the new ones by ExceptionStartTime */
            CHECK_MSG(!strstr(log, change) && logged(log, EAS_Calendar_Exceptions) && strstr(log, "T[20261202T090000Z]") &&
                          strstr(log, "T[20261204T090000Z]") && logged(log, EAS_Calendar_ExceptionStartTime),
                      "%s", log);
        }
        /* the device's copy shows both at once: the moved instance, the cancelled one gone */
        static eas_agenda_work work;
        static entries_seen s;
        memset(&s, 0, sizeof s);
        CHECK_OK(eas_agent_agenda(&R.agent, &work, &utc, d1, d1 + 6 * 86400, keep_entry, &s, NULL));
        const eas_agenda_entry *moved = entry_of(&s, "m16", d1 + 86400 + 14 * 3600);
        CHECK(moved && !strcmp(moved->subject, "Planning (late)") && moved->is_exception);
        CHECK(!entry_of(&s, "m16", d1 + 86400 + 9 * 3600) && !entry_of(&s, "m16", d1 + 3 * 86400 + 9 * 3600));
        CHECK(!entry_of(&s, "m16", d1 + 2 * 86400 + 9 * 3600)); /* the server's own deleted instance */
        CHECK(entry_of(&s, "m16", d1 + 9 * 3600) && entry_of(&s, "m16", d1 + 4 * 86400 + 9 * 3600));
    }
}

/* ---- OAuth: the agent refreshes the Bearer token itself (cfg.oauth) ---- */

static eas_oauth_client oauth_c;
static const eas_oauth_config oauth_cfg = {"9e5f94bc-e8a4-4e73-b8be-63364c29d753", "organizations",
                                           "https://outlook.office.com/EAS.AccessAsUser.All offline_access", ""};

/* A raw response (the identity platform's JSON). */
static void add_raw(script *s, int status, const char *body)
{
    char *r = (char *)s->resp[s->nresp];
    int n = snprintf(r, sizeof s->resp[0], "HTTP/1.1 %d X\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                     status, strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof s->resp[0]) {
        check_fail(__FILE__, __LINE__, "test response does not fit the script");
        return;
    }
    s->resp_len[s->nresp++] = (size_t)n;
}

static char oauth_json[2048];
static const char *token_answer(const char *access, const char *refresh, unsigned expires_in)
{
    snprintf(oauth_json, sizeof oauth_json,
             "{\"token_type\":\"Bearer\",\"scope\":\"EAS.AccessAsUser.All\",\"expires_in\":%u,\"access_token\":\"%s\","
             "\"refresh_token\":\"%s\"}", expires_in, access, refresh);
    return oauth_json;
}

/* An account at K1 (signed in with Basic for its first sync), then on OAuth with the pair stored: access
 * token access, refresh token "RT-one", lifetime lifetime_s from now. The script is empty. */
static int oauth_account_after(int (*setup)(void), const char *access, uint32_t lifetime_s)
{
    if (setup() != 0) return -1;
    new_script();
    R.cfg.password = NULL;
    R.cfg.oauth = &oauth_c;
    if (eas_oauth_tokens_save(&R.store, access, strlen(access), "RT-one", 6, (uint64_t)fake_wall, lifetime_s, NULL) != EAS_OK)
        return -1;
    if (rig_agent() != EAS_OK) return -1;
    /* The sign-in's requests go over the agent's own exchange, as on the boards. */
    return eas_oauth_client_init(&oauth_c, &oauth_cfg, "https://login.test", &R.store, eas_agent_exchange(&R.agent),
                                 &R.pal) == EAS_OK ? 0 : -1;
}

static int oauth_account(const char *access, uint32_t lifetime_s)
{
    return oauth_account_after(first_sync, access, lifetime_s);
}

static unsigned count_of(const char *hay, const char *needle)
{
    unsigned n = 0;
    for (const char *p = hay; (p = strstr(p, needle)) != NULL; p += strlen(needle)) n++;
    return n;
}

TEST(agent_oauth_401_refreshes_once_and_sends_the_request_again)
{
    CHECK(oauth_account("AT-one", 3600) == 0);
    add_response(&R.conn, 401, "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n", NULL);
    add_raw(&R.conn, 200, token_answer("AT-two", "RT-two", 3600));
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(!strcmp(R.agent.folder_key, "K2"));
    /* the FolderSync with the old token, the refresh with the stored refresh token, the FolderSync again */
    const char *first = strstr(R.conn.requests, "Authorization: Bearer AT-one\r\n");
    const char *refresh = strstr(R.conn.requests, "POST /organizations/oauth2/v2.0/token HTTP/1.1");
    const char *again = strstr(R.conn.requests, "Authorization: Bearer AT-two\r\n");
    CHECK_MSG(first && refresh && again && first < refresh && refresh < again, "%s", R.conn.requests);
    CHECK(strstr(refresh, "grant_type=refresh_token") && strstr(refresh, "refresh_token=RT-one"));
    CHECK_EQ(count_of(R.conn.requests, "Cmd=FolderSync"), 2);
    /* the rotated pair is the stored one; no token in the core's log */
    eas_oauth_tokens t;
    CHECK_OK(eas_oauth_tokens_load(&R.store, &t));
    CHECK_EQ(t.access_len, 6);
    CHECK(strstr(core_log, "HTTP 401 to the access token: refreshing it") != NULL);
    CHECK(!strstr(core_log, "AT-") && !strstr(core_log, "RT-"));
}

TEST(agent_oauth_second_401_is_an_authentication_error)
{
    CHECK(oauth_account("AT-one", 3600) == 0);
    add_response(&R.conn, 401, NULL, NULL);
    add_raw(&R.conn, 200, token_answer("AT-two", "RT-two", 3600));
    add_response(&R.conn, 401, NULL, NULL);
    add_raw(&R.conn, 200, token_answer("AT-three", "RT-three", 3600)); /* never asked for */
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_AUTH);
    CHECK_EQ(eas_agent_last_failure(&R.agent)->http_status, 401);
    CHECK_EQ(count_of(R.conn.requests, "oauth2/v2.0/token"), 1);
    CHECK_OK(rig_agent());
    CHECK(!strcmp(R.agent.folder_key, "K1"));
}

TEST(agent_oauth_refreshes_before_a_request_when_the_token_is_about_to_expire)
{
    CHECK(oauth_account("AT-one", 600) == 0); /* margin: min(300 s, a quarter of 600 s) = 150 s */
    fake_wall += 440;                          /* 160 s left: still fresh */
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(count_of(R.conn.requests, "oauth2/v2.0/token"), 0);
    fake_wall += 20; /* 140 s left: refreshed first, then the request with the new token only */
    new_script();
    add_raw(&R.conn, 200, token_answer("AT-two", "RT-two", 1)); /* stale at once: still one refresh, then it goes */
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    const char *refresh = strstr(R.conn.requests, "oauth2/v2.0/token");
    const char *sent = strstr(R.conn.requests, "Authorization: Bearer AT-two\r\n");
    CHECK_MSG(refresh && sent && refresh < sent && !strstr(R.conn.requests, "Bearer AT-one"), "%s", R.conn.requests);
    CHECK_EQ(count_of(R.conn.requests, "oauth2/v2.0/token"), 1);
    CHECK(strstr(core_log, "the access token is about to expire: refreshing it") != NULL);
    fake_wall -= 460;
}

TEST(agent_oauth_revoked_refresh_forgets_the_pair_then_not_signed_in)
{
    CHECK(oauth_account("AT-one", 3600) == 0);
    add_response(&R.conn, 401, NULL, NULL);
    add_raw(&R.conn, 400, "{\"error\":\"invalid_grant\",\"error_description\":\"AADSTS50173: The provided grant has expired "
                          "due to it being revoked.\",\"error_codes\":[50173]}");
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_SIGNIN_REVOKED);
    eas_oauth_tokens t;
    CHECK_EQ(eas_oauth_tokens_load(&R.store, &t), EAS_ERR_NOT_SIGNED_IN);
    CHECK_EQ(eas_agent_begin(&R.agent, EAS_OP_FOLDER_SYNC), EAS_ERR_NOT_SIGNED_IN);
    CHECK_OK(rig_agent());
    CHECK(!strcmp(R.agent.folder_key, "K1"));
}

/* A Ping refused with 401 was never held: after the refresh it goes again at once, not after the pause
 * between Pings. */
TEST(agent_oauth_ping_refused_401_goes_again_at_once)
{
    CHECK(oauth_account_after(synced_two, "AT-one", 3600) == 0);
    add_response(&R.conn, 401, NULL, NULL);
    add_raw(&R.conn, 200, token_answer("AT-two", "RT-two", 3600));
    add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>2</Status><Folders><Folder>cal</Folder></Folders></Ping>");
    uint64_t t0 = fake_ms;
    CHECK_OK(rig_run(EAS_OP_PING));
    CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_CHANGED);
    CHECK_EQ(count_of(R.conn.requests, "Cmd=Ping"), 2);
    CHECK(strstr(R.conn.requests, "Bearer AT-two") != NULL);
    CHECK_MSG(fake_ms - t0 < EAS_PING_MIN_INTERVAL_S * 1000u, "%llu ms", (unsigned long long)(fake_ms - t0));
}

/* A Sync window refused with 401 never reached the mailbox: its in-flight mark goes with the answer, so a
 * sign-in revoked mid-sync (or a wrong password) does not cost the collection a sync from 0. */
TEST(agent_401_to_a_sync_window_leaves_no_lost_window)
{
    for (int oauth = 0; oauth < 2; oauth++) {
        if (oauth) {
            CHECK(oauth_account_after(synced_two, "AT-one", 3600) == 0);
        } else {
            CHECK(synced_two() == 0);
            new_script();
            CHECK_OK(rig_agent());
        }
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
        add_response(&R.conn, 401, NULL, NULL);
        if (oauth) add_raw(&R.conn, 400, "{\"error\":\"invalid_grant\",\"error_codes\":[50173]}");
        CHECK_EQ(rig_run(EAS_OP_SYNC), oauth ? EAS_ERR_SIGNIN_REVOKED : EAS_ERR_AUTH);
        CHECK(strstr(R.conn.requests, "Cmd=Sync") != NULL);
        eas_folder_state fs;
        CHECK_OK(eas_agent_folder_state(&R.agent, "cal", &fs));
        CHECK_MSG(!fs.lost_window && fs.synced && fs.items == 2, "oauth %d: lost %d, %u items", oauth, fs.lost_window,
                  (unsigned)fs.items);
    }
}

/* Basic accounts are untouched: a 401 is an authentication error at once, and no token request goes. */
TEST(agent_basic_401_is_not_refreshed)
{
    CHECK(first_sync() == 0);
    new_script();
    add_response(&R.conn, 401, NULL, NULL);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_AUTH);
    CHECK_EQ(count_of(R.conn.requests, "Cmd=FolderSync"), 1);
}

/* ---- the account's URL from Autodiscover (core/agent/home.c) ---- */

static eas_discovery_config home_dc;
static eas_discovery home_work;

/* A v1 Autodiscover answer (MS-ASCMD 2.2.1.1) naming url as the MobileSync server. */
static void add_pox(script *s, const char *url)
{
    char *r = (char *)s->resp[s->nresp];
    char body[768];
    int b = snprintf(body, sizeof body,
                     "<?xml version=\"1.0\" encoding=\"utf-8\"?><Autodiscover xmlns=\"http://schemas.microsoft.com/"
                     "exchange/autodiscover/responseschema/2006\"><Response xmlns=\"http://schemas.microsoft.com/exchange/"
                     "autodiscover/mobilesync/responseschema/2006\"><Action><Settings><Server><Type>MobileSync</Type>"
                     "<Url>%s</Url></Server></Settings></Action></Response></Autodiscover>",
                     url);
    int n = snprintf(r, sizeof s->resp[0], "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: %d\r\n\r\n%s", b,
                     body);
    s->resp_len[s->nresp++] = (size_t)n;
}

static void home_rig(void)
{
    rig_init();
    R.cfg.url = NULL;
    memset(&home_dc, 0, sizeof home_dc);
    home_dc.address = "alice@example.test";
    home_dc.base = "https://ad.example.test";
    home_dc.flags = EAS_DISCOVER_ONLY_CONFIGURED;
    R.cfg.discovery = &home_dc;
    R.cfg.discovery_work = &home_work;
    R.cfg.rediscover_after_s = 600;
}

/* A new account with no URL: discovered first (one v1 POST), then OPTIONS, Provision, FolderSync there. */
static int home_first(void)
{
    home_rig();
    if (rig_flash() != 0) return -1;
    add_pox(&R.conn, "https://mail.example.test/Microsoft-Server-ActiveSync");
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    if (rig_agent() != EAS_OK) return -1;
    return rig_run(EAS_OP_FOLDER_SYNC) == EAS_OK ? 0 : -1;
}

static const char *discovered_url(void)
{
    eas_agent_info info;
    eas_agent_get_info(&R.agent, &info);
    return info.discovered_url ? info.discovered_url : "";
}

TEST(home_discovers_a_new_account_first_and_keeps_the_url)
{
    eas_discover_source src = EAS_DISCOVER_SRC_COUNT;
    CHECK(home_first() == 0);
    CHECK(strstr(R.conn.requests, "POST /autodiscover/autodiscover.xml HTTP/1.1\r\nHost: ad.example.test") != NULL);
    CHECK(strstr(R.conn.requests, "Authorization: Basic ") != NULL); /* the agent's own credentials */
    CHECK(strstr(R.conn.requests, "OPTIONS /Microsoft-Server-ActiveSync HTTP/1.1\r\nHost: mail.example.test") != NULL);
    CHECK_STR(eas_agent_discovered(&R.agent, &src), "https://mail.example.test/Microsoft-Server-ActiveSync");
    CHECK_EQ(src, EAS_DISCOVER_SRC_CONFIG_V1);
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    /* After a restart: the stored URL, no discovery. */
    new_script();
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_STR(discovered_url(), "https://mail.example.test/Microsoft-Server-ActiveSync");
    CHECK(eas_agent_discovered(&R.agent, NULL) == NULL);
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "autodiscover") == NULL);
    CHECK(strstr(R.conn.requests, "Host: mail.example.test") != NULL);
    /* Without discovery there must be a URL. */
    R.cfg.discovery = NULL;
    CHECK_EQ(rig_agent(), EAS_ERR_CONFIG);
}

TEST(home_451_without_location_discovers_again_within_the_policy)
{
    CHECK(home_first() == 0);
    /* The server says the mailbox moved without saying where: Autodiscover names mail2, the same
     * FolderSync goes there, and the new URL is stored. */
    new_script();
    add_response(&R.conn, 451, NULL, NULL);
    add_pox(&R.conn, "https://mail2.example.test/Microsoft-Server-ActiveSync");
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    const char *moved = strstr(R.conn.requests, "POST /autodiscover/autodiscover.xml");
    CHECK(moved && strstr(moved, "Cmd=FolderSync") && strstr(strstr(moved, "Cmd=FolderSync"), "Host: mail2.example.test"));
    CHECK(has_folder("work", "Work"));
    CHECK_OK(rig_agent());
    CHECK_STR(discovered_url(), "https://mail2.example.test/Microsoft-Server-ActiveSync");
    /* Found again somewhere outside the account's domain and redirect_hosts: refused, the URL kept. */
    new_script();
    add_response(&R.conn, 451, NULL, NULL);
    add_pox(&R.conn, "https://mail.evil.test/Microsoft-Server-ActiveSync");
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_HTTP_REDIRECT);
    CHECK(strstr(R.conn.requests, "evil") == NULL);
    CHECK_OK(rig_agent());
    CHECK_STR(discovered_url(), "https://mail2.example.test/Microsoft-Server-ActiveSync");
    /* A second 451 without a location in the same operation: not a second discovery. */
    new_script();
    add_response(&R.conn, 451, NULL, NULL);
    add_pox(&R.conn, "https://mail3.example.test/Microsoft-Server-ActiveSync");
    add_response(&R.conn, 451, NULL, NULL);
    add_pox(&R.conn, "https://mail4.example.test/Microsoft-Server-ActiveSync");
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_HTTP_REDIRECT);
    CHECK(strstr(R.conn.requests, "mail4") == NULL);
    /* On a configured URL a 451 without a location is the error it always was. */
    rig_init();
    CHECK(rig_flash() == 0);
    R.cfg.discovery = &home_dc;
    R.cfg.discovery_work = &home_work;
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 451, NULL, NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_HTTP_REDIRECT);
    CHECK(strstr(R.conn.requests, "autodiscover") == NULL);
}

TEST(home_url_out_of_reach_for_long_is_discovered_again)
{
    CHECK(home_first() == 0);
    /* Three operations in a row cannot connect, within a minute: not persistent yet (600 s). */
    for (int i = 0; i < 3; i++) {
        new_script();
        R.conn.refuse = 1;
        fake_wall += 20;
        CHECK_OK(rig_agent()); /* each a new run: the count is in the store */
        CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_NET_CONNECT);
        CHECK(strstr(R.conn.requests, "autodiscover") == NULL);
    }
    /* Any answer, even a 500, forgets the count. */
    new_script();
    add_response(&R.conn, 500, NULL, NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_SERVER);
    /* Again three failures, now over ten minutes: the third discovers again and the FolderSync goes on
     * at the URL found. */
    for (int i = 0; i < 3; i++) {
        new_script();
        R.conn.refuse = 1;
        fake_wall += 301;
        if (i == 2) {
            add_pox(&R.conn, "https://mail5.example.test/Microsoft-Server-ActiveSync");
            add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
        }
        CHECK_OK(rig_agent());
        eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
        CHECK_EQ(e, i == 2 ? EAS_OK : EAS_ERR_NET_CONNECT);
        CHECK_EQ(strstr(R.conn.requests, "POST /autodiscover/autodiscover.xml") != NULL, i == 2);
    }
    CHECK(has_folder("work", "Work"));
    CHECK_OK(rig_agent());
    CHECK_STR(discovered_url(), "https://mail5.example.test/Microsoft-Server-ActiveSync");
    /* Found the same again: the operation fails as it did, and the count starts over. */
    for (int i = 0; i < 3; i++) {
        new_script();
        R.conn.refuse = 1;
        fake_wall += 301;
        if (i == 2) add_pox(&R.conn, "https://mail5.example.test/Microsoft-Server-ActiveSync");
        CHECK_OK(rig_agent());
        CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_NET_CONNECT);
    }
    CHECK(strstr(R.conn.requests, "POST /autodiscover/autodiscover.xml") != NULL);
    new_script();
    R.conn.refuse = 1;
    fake_wall += 301;
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_NET_CONNECT);
    CHECK(strstr(R.conn.requests, "autodiscover") == NULL);
}

/* ---- EAS 16.1 and Exchange's own behaviour: Settings, the server's commands, probing again ---- */

static const char *const SETTINGS_OK =
    "<Settings xmlns=\"Settings:\"><Status>1</Status><DeviceInformation><Status>1</Status></DeviceInformation>"
    "<UserInformation><Status>1</Status><Get><Accounts><Account><EmailAddresses><SMTPAddress>alias@example.test"
    "</SMTPAddress><PrimarySmtpAddress>alice@example.test</PrimarySmtpAddress></EmailAddresses></Account></Accounts>"
    "</Get></UserInformation></Settings>";
#define OPTIONS_WITH_SETTINGS "MS-ASProtocolVersions: 14.1\r\nMS-ASProtocolCommands: Sync,FolderSync,Settings,Ping,Provision\r\n"

/* The request of the given command in the log: from its request line to the next one. */
static const char *request_of(const char *cmd, char *out, size_t cap)
{
    char needle[48];
    snprintf(needle, sizeof needle, "Cmd=%s", cmd);
    const char *p = strstr(R.conn.requests, needle);
    out[0] = '\0';
    if (!p) return NULL;
    const char *end = strstr(p + 1, "POST /");
    size_t n = end ? (size_t)(end - p) : strlen(p);
    if (n >= cap) n = cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return out;
}

TEST(agent_settings_follows_provisioning_once_per_device_information)
{
    static char req[4096];
    rig_init();
    R.cfg.device_model = "Phone X";
    R.cfg.friendly_name = "Room 4.12";
    R.cfg.device_os = "RTOS 1.0";
    R.cfg.user_agent = "easagent/test";
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, OPTIONS_WITH_SETTINGS, NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    CHECK_OK(rig_agent());
    eas_err e0 = rig_run(EAS_OP_FOLDER_SYNC);
    CHECK_MSG(e0 == EAS_OK, "%s: %s\n%s", eas_err_name(e0), core_log, R.conn.requests);
    /* The first sync of the folders: no Settings in front of it (Provision carried DeviceInformation). */
    CHECK_MSG(strstr(R.conn.requests, "Cmd=Settings") == NULL, "%s", R.conn.requests);
    CHECK(request_of("Provision", req, sizeof req) && strstr(req, "Phone X"));
    char addr[EAS_DISCOVER_ADDRESS_MAX];
    CHECK_OK(eas_agent_primary_address(&R.agent, addr, sizeof addr));
    CHECK_STR(addr, ""); /* not asked yet */
    /* The next operation says what the device is, first. */
    new_script();
    add_response(&R.conn, 200, NULL, SETTINGS_OK);
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1b"));
    CHECK_OK(rig_agent());
    e0 = rig_run(EAS_OP_FOLDER_SYNC);
    CHECK_MSG(e0 == EAS_OK, "%s: %s\n%s", eas_err_name(e0), core_log, R.conn.requests);
    const char *set = strstr(R.conn.requests, "Cmd=Settings"), *fs = strstr(R.conn.requests, "Cmd=FolderSync");
    CHECK_MSG(set && fs && set < fs && strstr(R.conn.requests, "Cmd=Provision") == NULL, "%s", R.conn.requests);
    CHECK(request_of("Settings", req, sizeof req) != NULL);
    /* DeviceInformation as configured, OSLanguage by default, and the UserInformation Get */
    CHECK_MSG(strstr(req, "Phone X") && strstr(req, "Room 4.12") && strstr(req, "RTOS 1.0") && strstr(req, "English") &&
                  strstr(req, "easagent/test"),
              "%s", req);
    CHECK_OK(eas_agent_primary_address(&R.agent, addr, sizeof addr));
    CHECK_STR(addr, "alice@example.test"); /* the primary one, not the first SMTPAddress */
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    /* After a restart: not again, the same information went out. */
    new_script();
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K2);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "Cmd=Settings") == NULL);
    CHECK_OK(eas_agent_primary_address(&R.agent, addr, sizeof addr));
    CHECK_STR(addr, "alice@example.test");
    /* A new friendly name: sent again; an error status does not stop the operation. */
    R.cfg.friendly_name = "Room 5.01";
    new_script();
    add_response(&R.conn, 200, NULL, "<Settings xmlns=\"Settings:\"><Status>2</Status></Settings>");
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K3"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(request_of("Settings", req, sizeof req) && strstr(req, "Room 5.01"));
    CHECK(strstr(R.conn.requests, "Cmd=FolderSync") != NULL);
    CHECK_OK(eas_agent_primary_address(&R.agent, addr, sizeof addr));
    CHECK_STR(addr, ""); /* that answer gave none */
    /* Nor does an HTTP error, an empty answer, or one that is not a Settings answer at all. */
    static const char *const names[] = {"Room 6", "Room 7", "Room 8"};
    for (int k = 0; k < 3; k++) {
        R.cfg.friendly_name = names[k];
        new_script();
        if (k == 0) add_response(&R.conn, 500, NULL, NULL);
        else if (k == 1) add_response(&R.conn, 200, NULL, NULL);
        else add_response(&R.conn, 200, NULL, "<Ping xmlns=\"Ping:\"><Status>1</Status></Ping>");
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K4"));
        CHECK_OK(rig_agent());
        eas_err e = rig_run(EAS_OP_FOLDER_SYNC);
        CHECK_MSG(e == EAS_OK, "case %d: %s", k, eas_err_name(e));
        CHECK(strstr(R.conn.requests, "Cmd=Settings") && strstr(R.conn.requests, "Cmd=FolderSync"));
    }
    /* SOGo's answer: no DeviceInformation, and the address without a UserInformation Status. */
    R.cfg.friendly_name = "Room 9";
    new_script();
    add_response(&R.conn, 200, NULL,
                 "<Settings xmlns=\"Settings:\"><Status>1</Status><UserInformation><Get><Accounts><Account>"
                 "<UserDisplayName>Bob</UserDisplayName><EmailAddresses><PrimarySmtpAddress>bob@example.test"
                 "</PrimarySmtpAddress></EmailAddresses></Account></Accounts></Get></UserInformation></Settings>");
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K5"));
    core_log[0] = '\0';
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_OK(eas_agent_primary_address(&R.agent, addr, sizeof addr));
    CHECK_STR(addr, "bob@example.test");
    CHECK_MSG(strstr(core_log, "Settings") == NULL, "%s", core_log); /* nothing to warn about */
}

/* The number of requests of the given command (Cmd=X, or OPTIONS) in the log. */
static int requests_of(const char *cmd)
{
    char needle[48];
    int n = 0;
    snprintf(needle, sizeof needle, strcmp(cmd, "OPTIONS") ? "Cmd=%s&" : "%s /", cmd);
    for (const char *p = R.conn.requests; (p = strstr(p, needle)) != NULL; p++) n++;
    return n;
}

TEST(agent_provisions_up_front_only_where_the_server_lists_provision)
{
    /* SOGo's shape: commands listed, Provision not among them. The first sync is OPTIONS, FolderSync,
     * the SyncKey-0 Sync, then the windows: ceil(n / window) + 3 round trips. */
    rig_init();
    R.cfg.sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CALENDAR);
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\nMS-ASProtocolCommands: Sync,FolderSync,Settings,Ping\r\n", NULL);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, NULL, 0));
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s: %s\n%s", eas_err_name(e), core_log, R.conn.requests);
    CHECK_EQ(requests_of("OPTIONS"), 1);
    CHECK_EQ(requests_of("Provision"), 0);
    CHECK_EQ(requests_of("Settings"), 0);
    CHECK_EQ(requests_of("FolderSync"), 1);
    CHECK_EQ(requests_of("Sync"), 2); /* the SyncKey-0 one and one window */
    CHECK(strstr(R.conn.requests, "X-MS-PolicyKey") == NULL); /* none to send */
    /* Such a server asking for a policy after all: 449, then both phases, then the same request. */
    new_script();
    add_response(&R.conn, 200, NULL, SETTINGS_OK);
    add_response(&R.conn, 449, NULL, NULL);
    add_response(&R.conn, 200, NULL, PROVISION_TEMP_1111);
    add_response(&R.conn, 200, NULL, PROVISION_FINAL_2222);
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K2"));
    CHECK_OK(rig_agent());
    e = rig_run(EAS_OP_FOLDER_SYNC);
    CHECK_MSG(e == EAS_OK, "%s: %s\n%s", eas_err_name(e), core_log, R.conn.requests);
    CHECK_EQ(requests_of("Settings"), 1); /* the operation after the first sync says what the device is */
    CHECK_EQ(requests_of("Provision"), 2);
    CHECK_EQ(requests_of("FolderSync"), 2);
    CHECK_STR(R.agent.policy_key, "2222");
    CHECK(strstr(strstr(R.conn.requests, "X-MS-PolicyKey: 2222"), "Cmd=FolderSync") == NULL);
    /* Provisioned now: the key goes on every request, and no Provision comes up front again. */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K3"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(requests_of("Provision"), 0);
    CHECK(strstr(R.conn.requests, "X-MS-PolicyKey: 2222") != NULL);
    /* A server that lists Provision (Exchange, Horde) is provisioned before anything else. */
    rig_init();
    R.cfg.sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CALENDAR);
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, OPTIONS_WITH_SETTINGS, NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    const char *prov = strstr(R.conn.requests, "Cmd=Provision"), *fs = strstr(R.conn.requests, "Cmd=FolderSync");
    CHECK_MSG(prov && fs && prov < fs, "%s", R.conn.requests);
}

TEST(agent_settings_and_ping_only_where_the_server_lists_them)
{
    /* No list at all (SOGo's OPTIONS in the other tests has one): Settings is not sent. */
    CHECK(first_sync() == 0);
    CHECK(strstr(R.conn.requests, "Cmd=Settings") == NULL);
    /* A list without Settings and Ping. */
    rig_init();
    R.cfg.sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CALENDAR);
    CHECK(rig_flash() == 0);
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\nMS-ASProtocolCommands: Sync,FolderSync,Provision\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, FOLDERSYNC_K1);
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 1, NULL, 0));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK(strstr(R.conn.requests, "Cmd=Settings") == NULL);
    /* Push without Ping: a wait of the heartbeat, no request, then every collection to sync. */
    new_script();
    CHECK_OK(rig_agent());
    uint64_t t0 = fake_ms;
    CHECK_OK(rig_run(EAS_OP_PING));
    CHECK_EQ(R.conn.req_len, 0);
    CHECK_MSG(fake_ms - t0 >= (uint64_t)eas_agent_heartbeat(&R.agent) * 1000u, "waited %llu ms",
              (unsigned long long)(fake_ms - t0));
    CHECK_EQ(eas_agent_ping_result(&R.agent), EAS_PING_CHANGED);
    new_script();
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 1, NULL, 0));
    CHECK_OK(rig_run(EAS_OP_SYNC_CHANGED));
    CHECK(strstr(R.conn.requests, "Cmd=Sync") != NULL && strstr(R.conn.requests, "Cmd=Ping") == NULL);
    /* MeetingResponse is not listed either: refused by name, nothing sent. */
    new_script();
    CHECK_OK(eas_agent_respond(&R.agent, "cal", "e1", EAS_RESPONSE_ACCEPT, NULL));
    CHECK_EQ(rig_run(EAS_OP_RESPOND), EAS_ERR_UNSUPPORTED);
    CHECK_EQ(eas_agent_last_failure(&R.agent)->cmd, EAS_CMD_MEETINGRESPONSE);
    CHECK_EQ(R.conn.req_len, 0);
}

TEST(agent_asks_options_again_a_day_on_and_after_a_403)
{
    CHECK(first_sync() == 0); /* 14.1, at fake_wall */
    int64_t wall0 = fake_wall;
    /* Within the day: no OPTIONS. */
    fake_wall = wall0 + 86399;
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K2"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "OPTIONS") == NULL);
    /* A day on, the server offers 16.1 alone: the account moves there, its SyncKeys kept. */
    fake_wall = wall0 + 86400;
    new_script();
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 16.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K3"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    static char req[4096];
    CHECK_MSG(strstr(R.conn.requests, "OPTIONS") < strstr(R.conn.requests, "Cmd=FolderSync"), "%s", R.conn.requests);
    CHECK(request_of("FolderSync", req, sizeof req) && strstr(req, "MS-ASProtocolVersion: 16.1") && strstr(req, "K2"));
    CHECK_EQ(eas_agent_version(&R.agent), EAS_PROTO_16_1);
    CHECK_EQ(eas_agent_folder_count(&R.agent), 3);
    CHECK_OK(rig_agent()); /* stored */
    CHECK_EQ(eas_agent_version(&R.agent), EAS_PROTO_16_1);
    /* A day later OPTIONS fails: the account goes on at 16.1, and asks again only the day after. */
    fake_wall = wall0 + 2 * 86400;
    new_script();
    add_response(&R.conn, 500, NULL, NULL);
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K4"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK_EQ(eas_agent_version(&R.agent), EAS_PROTO_16_1);
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K5"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "OPTIONS") == NULL);
    /* A 403: that operation fails, the next asks OPTIONS first. */
    new_script();
    add_response(&R.conn, 403, NULL, NULL);
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_FOLDER_SYNC), EAS_ERR_FORBIDDEN);
    new_script();
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.0,14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K6"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strncmp(R.conn.requests, "OPTIONS", 7) == 0);
    CHECK_EQ(eas_agent_version(&R.agent), EAS_PROTO_14_1);
    /* A fixed version is never probed. */
    R.cfg.protocol_version = EAS_PROTO_14_1;
    fake_wall = wall0 + 9 * 86400;
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K7"));
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_FOLDER_SYNC));
    CHECK(strstr(R.conn.requests, "OPTIONS") == NULL);
    R.cfg.protocol_version = 0;
    fake_wall = wall0;
}

TEST(agent_sync_status_5_three_times_starts_the_collection_again_from_0)
{
    CHECK(synced_two() == 0);
    char cid[16];
    CHECK_OK(queue_event_add(EAS_Calendar_UID, "UID5", "Queued", cid));
    /* 5, 5, 5: then SyncKey 0; that fails too: the device's copy and key stay as they were. */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    for (int k = 0; k < 5; k++) add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 5, NULL, 0));
    CHECK_OK(rig_agent());
    CHECK_EQ(rig_run(EAS_OP_SYNC), EAS_ERR_THROTTLED);
    const char *k0 = strstr(R.conn.requests, "S2");
    CHECK(k0 != NULL);
    CHECK_EQ(items_now().n, 2);
    CHECK_EQ(eas_agent_pending(&R.agent), 1);
    eas_folder_state st;
    CHECK_OK(eas_agent_folder_state(&R.agent, "cal", &st));
    CHECK(st.synced && !st.lost_window); /* answered windows: not lost ones */
    /* Again, and SyncKey 0 answers: the old items go, the server's come, the queued Add goes out. */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    for (int k = 0; k < 3; k++) add_response(&R.conn, 200, NULL, sync_resp(0, "S2", 5, NULL, 0));
    add_response(&R.conn, 200, NULL, SYNC_INIT);
    char inner[600];
    snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e9", "Nine"));
    add_response(&R.conn, 200, NULL, sync_resp(0, "S2b", 1, inner, 0));
    snprintf(inner, sizeof inner, "<Responses><Add><ClientId>%s</ClientId><ServerId>q1</ServerId><Status>1</Status>"
                                  "</Add></Responses>", cid);
    add_response(&R.conn, 200, NULL, sync_resp(1, "S3b", 1, inner, 0));
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s", eas_err_name(e));
    /* the fourth Sync went with SyncKey 0 (an inline string "0"), the three before it with S2 */
    const char *q = R.conn.requests;
    for (int k = 0; k < 4 && q; k++) q = strstr(q + 1, "Cmd=Sync&");
    CHECK(q != NULL);
    if (q) {
        const char *next = strstr(q + 1, "Cmd=Sync&");
        size_t n = next ? (size_t)(next - q) : strlen(q);
        static char seg[2048];
        if (n >= sizeof seg) n = sizeof seg - 1;
        memcpy(seg, q, n);
        seg[n] = '\0';
        CHECK_MSG(strstr(seg, "\x03" "0.") != NULL && strstr(seg, "S2") == NULL, "%s", seg);
    }
    items_seen s = items_now();
    CHECK_MSG(strstr(s.subjects, "Nine;") && !strstr(s.subjects, "One;") && !strstr(s.subjects, "Two;"), "%s", s.subjects);
    CHECK_EQ(eas_agent_pending(&R.agent), 0);
    CHECK_MSG(strstr(s.subjects, "Queued;") != NULL, "%s", s.subjects);
}

TEST(agent_estimate_takes_the_12_1_form_at_12_1)
{
    /* The form alone (the codec's own test checks the bytes): Class first at 12.1, Options from 14.0. */
    static const uint8_t v[] = {EAS_PROTO_12_1, EAS_PROTO_14_1};
    for (int i = 0; i < 2; i++) {
        eas_agent a;
        eas_agent_config c;
        memset(&a, 0, sizeof a);
        memset(&c, 0, sizeof c);
        a.cfg = &c;
        a.version = v[i];
        a.coll_cls = EAS_CLASS_CALENDAR;
        strcpy(a.coll_key, "S1");
        strcpy(a.coll_id, "cal");
        uint8_t buf[256];
        mem_sink m = {buf, sizeof buf, 0};
        eas_wbxml_writer w;
        eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
        a.phase = PH_ESTIMATE;
        CHECK_OK(eas_phases[PH_ESTIMATE].body(&a, &w));
        CHECK_OK(eas_wbxml_writer_finish(&w));
        static char text[1024];
        wbxml_log log;
        wbxml_log_init(&log, text, sizeof text);
        CHECK_OK(wbxml_decode_log(buf, m.len, 0, 0, &log, NULL));
        CHECK_MSG(logged(text, EAS_GetItemEstimate_Class) == (v[i] == EAS_PROTO_12_1), "%s", text);
        CHECK_MSG(logged(text, EAS_AirSync_Options) == (v[i] != EAS_PROTO_12_1), "%s", text);
    }
}

/* ---- the first Sync of several collections in one request (PH_SYNC_INIT_ALL) ---- */

/* A Sync answer of one collection (cal, tasks or contacts) with key, status and inner XML. */
static const char *coll_resp(int which, const char *coll, const char *key, int status, const char *inner)
{
    snprintf(xml_buf[which], sizeof xml_buf[0],
             "<Sync xmlns=\"AirSync:\" xmlns:calendar=\"Calendar:\"><Collections><Collection><SyncKey>%s</SyncKey>"
             "<CollectionId>%s</CollectionId><Status>%d</Status>%s</Collection></Collections></Sync>",
             key, coll, status, inner ? inner : "");
    return xml_buf[which];
}

/* The combined answer: the three collections' first keys (C1, T1, P1) with status 1. */
static const char *const INIT_ALL =
    "<Sync xmlns=\"AirSync:\"><Collections>"
    "<Collection><SyncKey>C1</SyncKey><CollectionId>cal</CollectionId><Status>1</Status></Collection>"
    "<Collection><SyncKey>T1</SyncKey><CollectionId>tasks</CollectionId><Status>1</Status></Collection>"
    "<Collection><SyncKey>P1</SyncKey><CollectionId>contacts</CollectionId><Status>1</Status></Collection>"
    "</Collections></Sync>";

/* The stored SyncKey of a folder slot ("0" when it has none). */
static const char *slot_key(unsigned slot)
{
    static char key[4][EAS_SYNC_KEY_MAX];
    static int k;
    k = (k + 1) % 4;
    size_t len = 0;
    if (eas_store_get(&R.store, 0x00020000u + slot, key[k], sizeof key[k] - 1, &len) != EAS_OK) return "0";
    key[k][len] = '\0';
    return key[k];
}

/* The i-th request (0-based) of the script's log that carries Cmd=name, as text; "" when there is none. */
static const char *nth_request(const char *cmd, int i)
{
    static char seg[4096];
    char pat[48];
    snprintf(pat, sizeof pat, "Cmd=%s&", cmd);
    const char *q = strstr(R.conn.requests, pat);
    for (int k = 0; k < i && q; k++) q = strstr(q + 1, pat);
    seg[0] = '\0';
    if (!q) return seg;
    const char *next = strstr(q + 1, "Cmd=");
    size_t n = next ? (size_t)(next - q) : strlen(q);
    if (n >= sizeof seg) n = sizeof seg - 1;
    memcpy(seg, q, n);
    seg[n] = '\0';
    return seg;
}

static int count_str(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) n++;
    return n;
}

/* The three collections' windows after their first keys C1, T1, P1: two events, no tasks, no contacts. */
static void add_three_windows(void)
{
    char inner[600];
    snprintf(inner, sizeof inner, "<Commands>%s%s</Commands>", EV("e1", "One"), EV("e2", "Two"));
    add_response(&R.conn, 200, NULL, coll_resp(0, "cal", "C2", 1, inner));
    add_response(&R.conn, 200, NULL, coll_resp(1, "tasks", "T2", 1, NULL));
    add_response(&R.conn, 200, NULL, coll_resp(2, "contacts", "P2", 1, NULL));
}

TEST(agent_first_sync_of_three_collections_takes_one_key_0_round_trip)
{
    CHECK(first_sync() == 0); /* cal, tasks, contacts in slots 0, 1, 2: the default classes */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, INIT_ALL);
    add_three_windows();
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s", eas_err_name(e));
    /* FolderSync, one Sync at key 0 for all three, one window each: 5 round trips (one key-0 Sync per
     * collection made it 7). */
    CHECK_EQ(count_str(R.conn.requests, "HTTP/1.1\r\nHost:"), 5);
    CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 4);
    const char *first = nth_request("Sync", 0);
    CHECK_MSG(strstr(first, "cal") && strstr(first, "tasks") && strstr(first, "contacts"), "%s", first);
    /* SyncKey 0 three times (STR_I "0" NUL), and no GetChanges: a first request */
    CHECK_EQ(count_str(first, "\x03" "0."), 3);
    /* then each collection's window with its own first key, in slot order */
    CHECK(strstr(nth_request("Sync", 1), "C1") && strstr(nth_request("Sync", 1), "cal"));
    CHECK(strstr(nth_request("Sync", 2), "T1") && strstr(nth_request("Sync", 2), "tasks"));
    CHECK(strstr(nth_request("Sync", 3), "P1") && strstr(nth_request("Sync", 3), "contacts"));
    CHECK_OK(rig_agent());
    CHECK_STR(slot_key(0), "C2");
    CHECK_STR(slot_key(1), "T2");
    CHECK_STR(slot_key(2), "P2");
    CHECK_EQ(items_now().n, 2);
    /* The next sync has keys for all: no key-0 request at all. */
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, coll_resp(0, "cal", "C3", 1, NULL));
    add_response(&R.conn, 200, NULL, coll_resp(1, "tasks", "T3", 1, NULL));
    add_response(&R.conn, 200, NULL, coll_resp(2, "contacts", "P3", 1, NULL));
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 3);
    CHECK(strstr(nth_request("Sync", 0), "C2") && strstr(nth_request("Sync", 1), "T2") &&
          strstr(nth_request("Sync", 2), "P2"));
}

TEST(agent_first_sync_of_several_leaves_what_it_did_not_settle_to_the_single_path)
{
    /* 0: tasks answered status 3 and contacts missing; 1: contacts answered with items (a first answer
     * has none: not taken, never lost: its own key-0 Sync brings them again); 2: tasks named twice (the
     * whole answer unusable: all three one by one). */
    static const char *const answers[] = {
        "<Sync xmlns=\"AirSync:\"><Collections>"
        "<Collection><SyncKey>C1</SyncKey><CollectionId>cal</CollectionId><Status>1</Status></Collection>"
        "<Collection><SyncKey>0</SyncKey><CollectionId>tasks</CollectionId><Status>3</Status></Collection>"
        "</Collections></Sync>",
        "<Sync xmlns=\"AirSync:\" xmlns:contacts=\"Contacts:\"><Collections>"
        "<Collection><SyncKey>C1</SyncKey><CollectionId>cal</CollectionId><Status>1</Status></Collection>"
        "<Collection><SyncKey>T1</SyncKey><CollectionId>tasks</CollectionId><Status>1</Status></Collection>"
        "<Collection><SyncKey>P1</SyncKey><CollectionId>contacts</CollectionId><Status>1</Status><Commands><Add>"
        "<ServerId>p1</ServerId><ApplicationData><contacts:FileAs>Ada</contacts:FileAs></ApplicationData></Add>"
        "</Commands></Collection></Collections></Sync>",
        "<Sync xmlns=\"AirSync:\"><Collections>"
        "<Collection><SyncKey>C1</SyncKey><CollectionId>cal</CollectionId><Status>1</Status></Collection>"
        "<Collection><SyncKey>T1</SyncKey><CollectionId>tasks</CollectionId><Status>1</Status></Collection>"
        "<Collection><SyncKey>T9</SyncKey><CollectionId>tasks</CollectionId><Status>1</Status></Collection>"
        "</Collections></Sync>",
    };
    for (int v = 0; v < 3; v++) {
        CHECK(first_sync() == 0);
        new_script();
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
        add_response(&R.conn, 200, NULL, answers[v]);
        char inner[600];
        snprintf(inner, sizeof inner, "<Commands>%s</Commands>", EV("e1", "One"));
        if (v == 2) add_response(&R.conn, 200, NULL, coll_resp(0, "cal", "C1", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(0, "cal", "C2", 1, inner));
        if (v != 1) add_response(&R.conn, 200, NULL, coll_resp(1, "tasks", "T1", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(1, "tasks", "T2", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(2, "contacts", "P1", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(2, "contacts", "P2", 1, NULL));
        CHECK_OK(rig_agent());
        eas_err e = rig_run(EAS_OP_SYNC);
        CHECK_MSG(e == EAS_OK, "answer %d: %s", v, eas_err_name(e));
        /* the combined request once, then the single path: key 0 for each collection it did not settle */
        int singles = v == 0 ? 2 : v == 1 ? 1 : 3;
        CHECK_MSG(R.conn.next == R.conn.nresp, "answer %d: %d of %d answers used", v, R.conn.next, R.conn.nresp);
        CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 1 + 3 + singles);
        CHECK_EQ(count_str(nth_request("Sync", 0), "\x03" "0."), 3);
        for (int k = 1; k < 1 + 3 + singles; k++) /* never again three at once */
            CHECK_MSG(count_str(nth_request("Sync", k), "\x03" "0.") <= 1, "answer %d, request %d", v, k);
        CHECK_OK(rig_agent());
        CHECK_MSG(!strcmp(slot_key(0), "C2") && !strcmp(slot_key(1), "T2") && !strcmp(slot_key(2), "P2"),
                  "answer %d: keys %s %s %s", v, slot_key(0), slot_key(1), slot_key(2));
    }
}

TEST(agent_first_sync_of_several_statuses_and_errors)
{
    /* A top-level 142: provisioning, then the combined request again. */
    CHECK(first_sync() == 0);
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, "<Sync xmlns=\"AirSync:\"><Status>142</Status></Sync>");
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    add_response(&R.conn, 200, NULL, INIT_ALL);
    add_three_windows();
    CHECK_OK(rig_agent());
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s", eas_err_name(e));
    CHECK_EQ(count_str(R.conn.requests, "Cmd=Provision"), 1);
    CHECK_EQ(count_str(nth_request("Sync", 1), "\x03" "0."), 3);
    CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 5);
    CHECK_OK(rig_agent());
    CHECK(!strcmp(slot_key(0), "C2") && !strcmp(slot_key(1), "T2") && !strcmp(slot_key(2), "P2"));
    /* Any other top-level status, an HTTP error, an empty or an unreadable answer, one for a folder not
     * asked for: every collection one by one, once (no second combined request). */
    static const char *const other[] = {"<Sync xmlns=\"AirSync:\"><Status>12</Status></Sync>", NULL, "", "bad",
                                        "<Sync xmlns=\"AirSync:\"><Collections><Collection><SyncKey>X1</SyncKey>"
                                        "<CollectionId>work</CollectionId><Status>1</Status></Collection>"
                                        "</Collections></Sync>"};
    for (int v = 0; v < 5; v++) {
        CHECK(first_sync() == 0);
        new_script();
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
        if (v == 1) add_response(&R.conn, 500, NULL, NULL);
        else if (v == 2) add_response(&R.conn, 200, NULL, NULL);
        else if (v == 3) {
            /* a body that is not WBXML */
            const char *php = "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.ms-sync.wbxml\r\nContent-Length: 38\r\n\r\n"
                              "<b>Fatal error</b>: Allowed memory ...";
            memcpy(R.conn.resp[R.conn.nresp], php, strlen(php));
            R.conn.resp_len[R.conn.nresp++] = strlen(php);
        } else add_response(&R.conn, 200, NULL, other[v]);
        add_response(&R.conn, 200, NULL, coll_resp(0, "cal", "C1", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(0, "cal", "C2", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(1, "tasks", "T1", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(1, "tasks", "T2", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(2, "contacts", "P1", 1, NULL));
        add_response(&R.conn, 200, NULL, coll_resp(2, "contacts", "P2", 1, NULL));
        CHECK_OK(rig_agent());
        e = rig_run(EAS_OP_SYNC);
        CHECK_MSG(e == EAS_OK, "case %d: %s", v, eas_err_name(e));
        CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 7);
        CHECK_MSG(R.conn.next == R.conn.nresp, "case %d: %d of %d answers used", v, R.conn.next, R.conn.nresp);
        CHECK_OK(rig_agent());
        CHECK_MSG(!strcmp(slot_key(0), "C2") && !strcmp(slot_key(1), "T2") && !strcmp(slot_key(2), "P2"),
                  "case %d: keys %s %s %s", v, slot_key(0), slot_key(1), slot_key(2));
    }
    /* One collection kept (calendar only): no combined request, the single path as before. */
    CHECK(synced_two() == 0);
    CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 2);
}

TEST(agent_power_cut_while_the_first_keys_are_stored_leaves_all_or_none)
{
    CHECK(first_sync() == 0);
    static flash_emu saved;
    if (!saved.mem) CHECK(flash_emu_init(&saved, 1024, 16, 16) == 0);
    flash_emu_copy_image(&saved, &R.flash);
    int none_seen = 0, all_seen = 0;
    for (unsigned long cut = 1; cut < 400; cut++) {
        flash_emu_copy_image(&R.flash, &saved);
        new_script();
        /* the hierarchy, the combined answer, and then no answer: the operation ends there */
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
        add_response(&R.conn, 200, NULL, INIT_ALL);
        CHECK_OK(rig_agent());
        flash_emu_cut_after(&R.flash, cut);
        (void)rig_run(EAS_OP_SYNC);
        int cut_happened = R.flash.cuts > 0;
        flash_emu_power_on(&R.flash);
        CHECK_OK(rig_agent()); /* reboot */
        const char *k0 = slot_key(0), *k1 = slot_key(1), *k2 = slot_key(2);
        int none = !strcmp(k0, "0") && !strcmp(k1, "0") && !strcmp(k2, "0");
        int all = !strcmp(k0, "C1") && !strcmp(k1, "T1") && !strcmp(k2, "P1");
        CHECK_MSG(none || all, "power cut at flash operation %lu: keys %s %s %s", cut, k0, k1, k2);
        none_seen += none;
        all_seen += all;
        if (!cut_happened) break;
    }
    CHECK(none_seen > 0 && all_seen > 0);
    /* From a cut that left them at 0, the next sync redoes the key-0 step in one request. */
    flash_emu_copy_image(&R.flash, &saved);
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, INIT_ALL);
    add_three_windows();
    CHECK_OK(rig_agent());
    CHECK_OK(rig_run(EAS_OP_SYNC));
    CHECK_EQ(count_str(R.conn.requests, "Cmd=Sync&"), 4);
    CHECK(!strcmp(slot_key(0), "C2") && !strcmp(slot_key(1), "T2") && !strcmp(slot_key(2), "P2"));
}

/* A new account with 48 address books (the host's EAS_MAX_FOLDERS) of 64-character ServerIds f00xxx...,
 * f01xxx..., contacts only kept, synced to the hierarchy K1 (64 sectors of flash: set back by the caller). */
static int hierarchy_of_48(void)
{
    static char xml[16 * 1024];
    static uint8_t folders[16 * 1024];
    rig_sectors = 64;
    rig_init();
    R.cfg.sync_classes = EAS_SYNC_CLASS(EAS_CLASS_CONTACTS);
    if (rig_flash() != 0) return -1;
    size_t used = (size_t)snprintf(xml, sizeof xml, "<FolderSync xmlns=\"FolderHierarchy:\"><Status>1</Status>"
                                                    "<SyncKey>K1</SyncKey><Changes><Count>%u</Count>", EAS_MAX_FOLDERS);
    for (unsigned i = 0; i < EAS_MAX_FOLDERS && used < sizeof xml; i++)
        used += (size_t)snprintf(xml + used, sizeof xml - used,
                                 "<Add><ServerId>f%02u%.61s</ServerId><ParentId>0</ParentId><DisplayName>C%u</DisplayName>"
                                 "<Type>14</Type></Add>", i,
                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", i);
    used += (size_t)snprintf(xml + used, sizeof xml - used, "</Changes></FolderSync>");
    if (used >= sizeof xml) return -1;
    add_response(&R.conn, 200, "MS-ASProtocolVersions: 14.1\r\n", NULL);
    add_response(&R.conn, 200, NULL, PROVISION_NO_KEY);
    R.conn.big_len = wbxml_response(xml, used, folders, sizeof folders);
    R.conn.big = folders;
    R.conn.big_at = R.conn.nresp++;
    if (R.conn.big_len == 0 || rig_agent() != EAS_OK || rig_run(EAS_OP_FOLDER_SYNC) != EAS_OK) return -1;
    return eas_agent_folder_count(&R.agent) == EAS_MAX_FOLDERS ? 0 : -1;
}

TEST(agent_first_sync_of_several_carries_what_fits_half_the_request_buffer)
{
    /* With the contacts' long Supported list the host's EAS_REQUEST_MAX / 2 takes all 48 (4.6 KiB);
     * lm3s6965evb's (1 KiB: 512 bytes) the first ones in slot order, the rest go one by one. */
    for (int board = 0; board < 2; board++) {
        CHECK(hierarchy_of_48() == 0);
        eas_test_sync_init_body_max = board ? 1024u / 2u : EAS_REQUEST_MAX / 2u;
        new_script();
        add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
        /* the combined request, then no answer: the operation ends there, the request is in the log */
        CHECK(rig_run(EAS_OP_SYNC) != EAS_OK);
        const char *q = strstr(R.conn.requests, "Cmd=Sync&");
        CHECK(q != NULL);
        if (q) {
            const char *body = strstr(q, "\r\n\r\n");
            size_t len = body ? strlen(body + 4) : 0;
            int n = count_str(q, "xxxxxxxxxx" "xxxxxxxxxx" "xxxxxxxxxx" "xxxxxxxxxx" "xxxxxxxxxx" "xxxxxxxxxxx.");
            CHECK_MSG(board ? n >= 2 && n < 8 : n == (int)EAS_MAX_FOLDERS, "%d collections in %zu bytes", n, len);
            CHECK_EQ(count_str(q, "\x03" "0."), n); /* each at SyncKey 0 */
            CHECK_MSG(len <= eas_test_sync_init_body_max && len + 100 > eas_test_sync_init_body_max / 2,
                      "a body of %zu bytes", len);
            CHECK(strstr(q, "f00x") != NULL && strstr(q, "f01x") != NULL); /* slot order: the first ones */
            char last[8];
            snprintf(last, sizeof last, "f%02ux", (unsigned)n);
            CHECK(strstr(q, last) == NULL);
        }
    }
    eas_test_sync_init_body_max = EAS_REQUEST_MAX / 2u;
    rig_sectors = 16;
}

/* An Authorization value of long_auth_n bytes, streamed (as an OAuth token is). */
static size_t long_auth_n;
static eas_err long_auth(void *ctx, eas_sink out)
{
    uint8_t piece[64];
    (void)ctx;
    memset(piece, 'a', sizeof piece);
    for (size_t left = long_auth_n; left > 0;) {
        size_t n = left < sizeof piece ? left : sizeof piece;
        eas_err e = out.write(out.ctx, piece, n);
        if (e != EAS_OK) return e;
        left -= n;
    }
    return EAS_OK;
}

TEST(agent_first_sync_of_several_that_does_not_fit_goes_one_by_one)
{
    /* A head so long (an 8 KiB token) that the combined request of the 48 (4.6 KiB) passes
     * EAS_REQUEST_MAX while a single one fits: the first single key-0 Sync goes instead, the operation
     * does not fail for it (here it ends on the missing answer). */
    CHECK(hierarchy_of_48() == 0);
    long_auth_n = EAS_HTTP_STREAMED_VALUE_MAX - 16;
    R.cfg.auth = (eas_auth){NULL, NULL, long_auth};
    new_script();
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    CHECK_OK(rig_agent());
    core_log[0] = '\0';
    eas_err e = rig_run(EAS_OP_SYNC);
    R.cfg.auth = (eas_auth){NULL, NULL, NULL};
    CHECK_MSG(eas_err_kind_of(e) == EAS_KIND_NETWORK, "%s", eas_err_name(e));
    CHECK_EQ(R.conn.next, 1); /* the FolderSync's answer, then the single Sync went out unanswered */
    CHECK_MSG(strstr(core_log, "first Sync of several collections had no usable answer") != NULL, "%s", core_log);
    CHECK(strstr(R.conn.requests, "Cmd=Sync&") != NULL);
    char id[EAS_FOLDER_ID_MAX];
    snprintf(id, sizeof id, "f00%061d", 0);
    memset(id + 3, 'x', 61);
    eas_folder_state st;
    CHECK_OK(eas_agent_folder_state(&R.agent, id, &st));
    CHECK(!st.synced);
    rig_sectors = 16;
}

TEST(agent_window_that_never_went_out_marks_nothing_lost_later)
{
    /* The FolderSync answered, then the window's connection cannot be made: its request never left, so
     * nothing is in flight. The next operation's requests (FolderSync first) mark no window either: the
     * collection goes on from its key, not from 0. */
    CHECK(synced_two() == 0);
    new_script();
    add_response(&R.conn, 200, "Connection: close\r\n", foldersync_no_changes("K1"));
    R.conn.refuse_from = 1;
    CHECK_OK(rig_agent());
    CHECK_EQ(eas_err_kind_of(rig_run(EAS_OP_SYNC)), EAS_KIND_NETWORK);
    eas_folder_state st;
    CHECK_OK(eas_agent_folder_state(&R.agent, "cal", &st));
    CHECK(st.synced && !st.lost_window);
    new_script(); /* the same agent (no reboot): what it keeps in RAM is what matters */
    add_response(&R.conn, 200, NULL, foldersync_no_changes("K1"));
    add_response(&R.conn, 200, NULL, sync_resp(0, "S3", 1, NULL, 0));
    eas_err e = rig_run(EAS_OP_SYNC);
    CHECK_MSG(e == EAS_OK, "%s", eas_err_name(e));
    CHECK_MSG(strstr(nth_request("Sync", 0), "S2") != NULL, "%s", nth_request("Sync", 0));
    CHECK_EQ(items_now().n, 2);
    CHECK_OK(eas_agent_folder_state(&R.agent, "cal", &st));
    CHECK(st.synced && !st.lost_window);
}
