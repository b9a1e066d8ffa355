/* eas-agent: the sync agent on Linux.
 *   eas-agent --config FILE [--trace] [--verbose] COMMAND: --trace dumps each request and response,
 *   --verbose shows the core's log lines of every level (warnings are always shown), both on stderr
 *   eas-agent --config FILE [--trace] folders [--json]       FolderSync, then the hierarchy
 *   eas-agent --config FILE [--trace] sync [--json]          sync every collection kept
 *   eas-agent --config FILE [--trace] push [--max-seconds N] one NDJSON line per change as it comes
 *   eas-agent --config FILE events|contacts|tasks|mail [--json]   what the device holds (no network)
 *   eas-agent --config FILE add-event --subject S --start T --end T [--location L] [--all-day]
 *   eas-agent --config FILE change-event ID [--subject S] [--start T] [--end T] [--location L]
 *   eas-agent --config FILE delete-event ID
 *   eas-agent --config FILE respond ID accept|tentative|decline [--instance START]
 *   eas-agent --config FILE agenda [--from YYYY-MM-DD] [--days N] [--json]   from the store, no network
 *   eas-agent --config FILE status [--json]                  what the device holds and knows, no network
 *   eas-agent --config FILE discover [ADDRESS] [--json]      Autodiscover: the URL, stored for the next runs
 *   eas-agent --version
 *   eas-agent --config FILE search TEXT [--max N] [--json]                GAL lookup (Find or Search)
 *   eas-agent --config FILE resolve NAME_OR_ADDRESS... [--json]           ResolveRecipients
 *   eas-agent --config FILE availability ADDRESS... --from T --to T [--json]   free/busy
 *   eas-agent --config FILE fetch EVENT_ID [--max-bytes N]                a meeting's full body
 * The directory commands write nothing to the state (they work on a copy of it, beside a push).
 * Times are RFC 3339 (2026-12-01T09:00:00Z, 2026-12-01T10:00:00+01:00; a date alone with --all-day).
 * Exit status: 0 success, 1 usage or configuration, 2 network or TLS, 3 authentication or account
 * state (401, 403, 456, 457, blocked or quarantined), 4 protocol or server error. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agent_config.h"
#include "eas/agenda.h"
#include "eas/agent.h"
#include "eas/civil.h"
#include "eas/discover.h"
#include "eas/tz.h"
#include "eas/url.h"
#include "eas/foldersync.h"
#include "eas/oauth.h"
#include "eas/oauth_client.h"
#include "eas/version.h"
#include "eas/store.h"
#include "eas_posix.h"
#include "tls.h"

enum { EXIT_USAGE = 1, EXIT_NETWORK = 2, EXIT_ACCOUNT = 3, EXIT_PROTOCOL = 4 };

/* Geometry of the state file: 256 sectors of 16 KiB (4 MiB), programmed in 16-byte units, the shape
 * of a serial NOR part. Room for some 20,000 items. */
#define STATE_SECTOR_SIZE 16384u
#define STATE_SECTORS 256u
#define STATE_PROG_SIZE 16u
/* The store's lookup index: 256 KiB of RAM for up to ~28,000 keys (more than the region's some 20,000
 * items), so that finding an item costs a couple of reads instead of a scan of the file. RAM is fixed,
 * whatever the number of items; the passes over the index (one per commit) cost its size. */
#define STATE_INDEX_SLOTS 32768u
static eas_store_index_slot state_index[STATE_INDEX_SLOTS];

static struct {
    eas_cli_config cfg;
    eas_posix_pal pp;
    eas_pal pal;
    eas_store store;
    eas_tls tls;
    eas_transport tls_t, tcp_t;
    eas_agent agent;
    eas_agent_config acfg;
    eas_oauth_config ocfg;
    eas_oauth_client oc;     /* the sign-in and the refreshes, over an exchange of their own */
    eas_exchange idx;
    int trace;
    int verbose; /* the core's log lines of every level on stderr (warnings and errors always) */
    int reader; /* the state is a read-only copy (a command that only reads) */
    int json;
    int tls_ready;
    int tls_lazy; /* a plain-http account: TLS set up at its first https connection */
    int login; /* the command is login: no tokens needed yet */
    int discovering;       /* the command is discover */
    const char *address;   /* discover ADDRESS */
    char tls_name_for[EAS_URL_HOST_MAX]; /* the configured URL's host: the one tls_server_name stands for */
    eas_basic_credentials cred;  /* discovery's v1 POSTs: Basic, also with oauth2-device (no token there) */
    eas_discovery_config dc;     /* Autodiscover, run by the agent (no url, a 451 without a location, discover) */
    eas_discovery discovery;
} g;

static int usage(void)
{
    fprintf(stderr, "usage: eas-agent --config FILE [--trace] [--verbose] COMMAND\n"
                    "commands:\n"
                    "  login              OAuth device-code sign-in (\"auth\": \"oauth2-device\"): shows the code to enter\n"
                    "  folders [--json]   list the folder hierarchy (FolderSync first)\n"
                    "  sync [--json]      sync calendars, contacts and tasks (progress on stderr)\n"
                    "  push [--max-seconds N]   sync, then wait for changes (Ping) and print one JSON line each\n"
                    "  events|contacts|tasks|mail [--json]   list what the device holds, without network\n"
                    "  add-event --subject S --start T --end T [--location L] [--all-day]\n"
                    "  change-event ID [--instance START] [--subject S] [--start T] [--end T] [--location L]\n"
                    "  delete-event ID [--instance START]   (--instance: one occurrence, by its original start)\n"
                    "  respond ID accept|tentative|decline [--instance START]   answer a meeting request\n"
                    "  agenda [--from YYYY-MM-DD] [--days N] [--json]   occurrences in the configured time zone\n"
                    "  search TEXT [--max N] [--json]   look names up in the Global Address List\n"
                    "  resolve NAME_OR_ADDRESS... [--json]   display names and addresses of recipients\n"
                    "  availability ADDRESS... --from T --to T [--json]   free/busy of people and rooms\n"
                    "  fetch EVENT_ID [--max-bytes N]   the full body of a stored event, from the server\n"
                    "  status [--json]    what the device holds and knows (no network)\n"
                    "  discover [ADDRESS] [--json]   find the ActiveSync URL by Autodiscover (ADDRESS: the user's)\n"
                    "eas-agent --version: the release, the ActiveSync versions it speaks, the TLS library\n"
                    "--trace: each request and response on stderr; --verbose: the agent's log lines too\n"
                    "times are RFC 3339: 2026-12-01T09:00:00Z or 2026-12-01T10:00:00+01:00\n");
    return EXIT_USAGE;
}

static int exit_code_of(eas_err e) { return (int)eas_err_kind_of(e); }

static void trace_out(void *ctx, eas_trace_dir dir, const char *text, size_t len)
{
    static int last_dir;
    static int at_line_start = 1;
    (void)ctx;
    /* Each line is marked with its direction, as curl -v does. */
    for (size_t i = 0; i < len; i++) {
        if (at_line_start || last_dir != (int)dir) {
            if (!at_line_start) fputc('\n', stderr);
            fputs(dir == EAS_TRACE_REQUEST ? "> " : "< ", stderr);
            at_line_start = 0;
            last_dir = (int)dir;
        }
        fputc(text[i], stderr);
        if (text[i] == '\n') at_line_start = 1;
    }
}

/* ---- sync: counts per collection, progress on stderr ---- */

/* The folder's display name ("Personal Calendar"), for people; the ServerId where it has none. */
static const char *folder_name(const char *server_id)
{
    static eas_folder f;
    for (unsigned i = 0; eas_agent_folder_get(&g.agent, i, &f) == EAS_OK; i++)
        if (!strcmp(f.server_id, server_id)) return f.display_name[0] ? f.display_name : server_id;
    return server_id;
}

#define MAX_SUMMARY 48
static struct {
    char folder[EAS_FOLDER_ID_MAX];
    eas_class cls;
    unsigned added, changed, deleted;
} summary[MAX_SUMMARY];
static unsigned summary_n;
static int progress_shown;

static unsigned summary_of(eas_class cls, const char *folder)
{
    for (unsigned i = 0; i < summary_n; i++)
        if (!strcmp(summary[i].folder, folder)) return i;
    if (summary_n == MAX_SUMMARY) return MAX_SUMMARY - 1;
    snprintf(summary[summary_n].folder, sizeof summary[0].folder, "%s", folder);
    summary[summary_n].cls = cls;
    return summary_n++;
}

static void on_item_edit(const uint8_t *rec, size_t len);
static void push_line(eas_class cls, const char *folder_id, eas_item_change change, const uint8_t *rec, size_t len);
static int pushing;

static void on_item(void *ctx, eas_class cls, const char *folder_id, eas_item_change change, const uint8_t *rec,
                    size_t len)
{
    (void)ctx;
    if (rec) on_item_edit(rec, len);
    if (pushing && rec) push_line(cls, folder_id, change, rec, len);
    unsigned i = summary_of(cls, folder_id);
    if (change == EAS_ITEM_ADD) summary[i].added++;
    else if (change == EAS_ITEM_CHANGE) summary[i].changed++;
    else summary[i].deleted++;
}

static void on_progress(void *ctx, eas_class cls, const char *folder_id, uint32_t done, uint32_t estimate)
{
    (void)ctx;
    summary_of(cls, folder_id);
    /* A line per hundred items is enough; without the total (no terminal: no GetItemEstimate) the
     * first item says the folder's sync began. */
    if (done % 100 != 0 && done != estimate && !(done == 1 && !estimate)) return;
    /* On a terminal the line is rewritten in place; in a log, each update is a line of its own. */
    const char *lead = isatty(2) ? "\r" : "";
    const char *name = folder_name(folder_id);
    if (estimate) fprintf(stderr, "%ssync %s %s: %lu of %lu", lead, eas_class_name(cls), name, (unsigned long)done,
                          (unsigned long)estimate);
    else fprintf(stderr, "%ssync %s %s: %lu", lead, eas_class_name(cls), name, (unsigned long)done);
    if (!isatty(2)) fputc('\n', stderr);
    progress_shown = isatty(2);
}

static void on_rejected(void *ctx, eas_class cls, const char *folder_id, eas_item_change change, const char *id,
                        uint32_t status, int kept);

static int read_file(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 4096, n = 0, r;
    char *buf = malloc(cap + 1);
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            char *b = realloc(buf, (cap *= 2) + 1);
            if (!b) free(buf);
            buf = b;
        }
    }
    fclose(f);
    if (!buf) return -1;
    buf[n] = '\0';
    *out = buf;
    *len = n;
    return 0;
}

static void json_string(const char *s);

/* The TLS transport from the configured CA or the system's bundle; loud: says why it cannot. */
static const char *ca_path_of(void) { return g.cfg.ca_file[0] ? g.cfg.ca_file : "/etc/ssl/certs/ca-certificates.crt"; }

static eas_err tls_setup(int loud)
{
    const char *ca_path = ca_path_of();
    char *ca = NULL;
    size_t ca_len = 0;
    if (read_file(ca_path, &ca, &ca_len) != 0) {
        if (loud) fprintf(stderr, "eas-agent: cannot read CA file %s: %s\n", ca_path, strerror(errno));
        return EAS_ERR_TLS_CONFIG;
    }
    /* tls_server_name is the configured server's certificate name: a redirect, discovery or sign-in
     * host is checked against its own name. With no URL configured, there is no host it stands for. */
    eas_url cu;
    const char *sni = NULL;
    if (g.cfg.tls_server_name[0] && eas_url_parse(g.cfg.url, strlen(g.cfg.url), &cu) == EAS_OK) {
        memcpy(g.tls_name_for, cu.host, sizeof g.tls_name_for);
        sni = g.cfg.tls_server_name;
    }
    eas_tls_config tc = {(const uint8_t *)ca, ca_len + 1, sni, g.tls_name_for};
    eas_err e = eas_tls_init(&g.tls, &g.pal.tcp, &g.pal.entropy, &tc);
    free(ca);
    if (e != EAS_OK) {
        if (loud) fprintf(stderr, "eas-agent: CA file %s: %s\n", ca_path, eas_err_str(e));
        return e;
    }
    g.tls_t = eas_tls_transport(&g.tls);
    g.tls_ready = 1;
    return EAS_OK;
}

/* A plain-http account's TLS transport: set up at its first connect, then the TLS transport itself. */
static eas_err lazy_tls_connect(void *ctx, const char *host, uint16_t port)
{
    (void)ctx;
    if (!g.tls_ready) {
        eas_err e = tls_setup(1);
        if (e != EAS_OK) return e;
    }
    return eas_tls_transport(&g.tls).connect(&g.tls, host, port);
}
static eas_err lazy_tls_send(void *ctx, const uint8_t *buf, size_t len, size_t *done)
{
    (void)ctx;
    if (!g.tls_ready) return EAS_ERR_NET_IO;
    return eas_tls_transport(&g.tls).send(&g.tls, buf, len, done);
}
static eas_err lazy_tls_recv(void *ctx, uint8_t *buf, size_t len, size_t *done)
{
    (void)ctx;
    if (!g.tls_ready) return EAS_ERR_NET_IO;
    return eas_tls_transport(&g.tls).recv(&g.tls, buf, len, done);
}
static void lazy_tls_close(void *ctx)
{
    (void)ctx;
    if (g.tls_ready) eas_tls_transport(&g.tls).close(&g.tls);
}
static unsigned lazy_tls_hints(void *ctx)
{
    (void)ctx;
    eas_transport t = eas_tls_transport(&g.tls);
    return g.tls_ready && t.hints ? t.hints(&g.tls) : 0u;
}

/* ---- discovery ---- */

static void discover_trace(void *ctx, const eas_discover_candidate *c, int status, eas_err result)
{
    static const char *const methods[] = {"GET", "POST", "GET", "SRV"};
    (void)ctx;
    if (!g.verbose && !g.trace) return;
    fprintf(stderr, "eas-agent: discover %s: %s %s%s", eas_discover_source_name((eas_discover_source)c->source),
            methods[c->method & 3], c->url, c->redirected ? " (redirected)" : "");
    if (status) fprintf(stderr, ": HTTP %d", status);
    fprintf(stderr, ": %s\n", result == EAS_OK ? "ok" : eas_err_str(result));
}

static void discover_failed(const char *address, eas_err e)
{
    fprintf(stderr, "eas-agent: error: discover %s: %s", address, eas_err_str(e));
    if (e == EAS_ERR_TLS_VERIFY && g.tls_ready) {
        char why[160];
        if (eas_tls_verify_describe(eas_tls_verify_flags(&g.tls), why, sizeof why) == EAS_OK) fprintf(stderr, " (%s)", why);
    }
    fputc('\n', stderr);
}

/* Autodiscover for address, as the agent runs it: first of all when there is no url and nothing stored,
 * again after a 451 without a location or when the discovered URL stays out of reach. */
static void discovery_setup(const char *address)
{
    g.cred = (eas_basic_credentials){g.cfg.user, strlen(g.cfg.user), g.cfg.password, strlen(g.cfg.password)};
    memset(&g.dc, 0, sizeof g.dc);
    g.dc.address = address;
    g.dc.base = g.cfg.autodiscover_url[0] ? g.cfg.autodiscover_url : NULL;
    g.dc.flags = (g.cfg.allow_plain_http ? EAS_DISCOVER_ALLOW_PLAIN_HTTP : 0u) |
                 (g.cfg.autodiscover_public ? 0u : EAS_DISCOVER_ONLY_CONFIGURED);
    g.dc.auth = (eas_auth){eas_auth_basic, &g.cred, NULL};
    g.dc.user_agent = g.cfg.user_agent;
    g.dc.trace = discover_trace;
    eas_posix_discovery_hooks(&g.dc);
}

/* Without url, commands that need no network use what discovery stored; none yet is an error. */
static eas_err offline_url(const char *config_path)
{
    char url[EAS_URL_MAX];
    eas_err e = eas_discovered_load(&g.store, g.cfg.address, url, sizeof url, NULL);
    if (e == EAS_ERR_NOT_FOUND) {
        fprintf(stderr, "eas-agent: %s: no \"url\" and none discovered yet for %s (eas-agent discover)\n", config_path,
                g.cfg.address);
        return EAS_ERR_CONFIG;
    }
    if (e != EAS_OK) fprintf(stderr, "eas-agent: state file %s: %s\n", g.cfg.state_file, eas_err_str(e));
    return e;
}

static eas_err run(eas_op op);

static int cmd_discover(void)
{
    eas_discover_source src;
    eas_err e = run(EAS_OP_DISCOVER);
    eas_agent_close(&g.agent);
    const char *url = eas_agent_discovered(&g.agent, &src);
    if (e != EAS_OK || !url) {
        discover_failed(g.dc.address, e != EAS_OK ? e : EAS_ERR_DISCOVER_NONE);
        return exit_code_of(e != EAS_OK ? e : EAS_ERR_DISCOVER_NONE);
    }
    if (g.json) {
        printf("{\"url\": ");
        json_string(url);
        printf(", \"source\": ");
        json_string(eas_discover_source_name(src));
        printf("}\n");
    } else {
        printf("%s\n", url);
        fprintf(stderr, "eas-agent: found by %s\n", eas_discover_source_name(src));
    }
    return 0;
}

/* Why the state file did not open: a file of another size is not "flash operation failed". */
static void state_file_error(eas_err e)
{
    struct stat st;
    uint64_t want = (uint64_t)STATE_SECTOR_SIZE * STATE_SECTORS;
    if (e != EAS_ERR_FLASH_BUSY && stat(g.cfg.state_file, &st) == 0 && (uint64_t)st.st_size != want)
        fprintf(stderr, "eas-agent: state file %s: %llu bytes, not the %llu-byte image eas-agent keeps (another "
                        "file, or damaged); move it away to start the device over\n",
                g.cfg.state_file, (unsigned long long)st.st_size, (unsigned long long)want);
    else
        fprintf(stderr, "eas-agent: state file %s: %s\n", g.cfg.state_file, eas_err_str(e));
}

/* The service's message (it holds the URI and the user code) for the user; never a token. */
static void show_sign_in(void *ctx, const char *message, const char *user_code, const char *uri)
{
    (void)ctx;
    if (message[0]) printf("%s\n", message);
    else printf("To sign in, open %s and enter the code %s\n", uri, user_code);
    fflush(stdout);
}

/* offline: the command needs no network (nor password); copy: it works on a copy of the state (it only
 * reads the store: every offline command, and the directory lookups, which run beside a push). */
static int setup(const char *config_path, int offline, int copy)
{
    char *text = NULL, msg[256];
    size_t len = 0;
    eas_err e;
    if (read_file(config_path, &text, &len) != 0) {
        fprintf(stderr, "eas-agent: cannot read %s: %s\n", config_path, strerror(errno));
        return EXIT_USAGE;
    }
    e = eas_cli_config_parse(text, len, config_path, &g.cfg, msg, sizeof msg);
    free(text);
    if (e != EAS_OK) {
        fprintf(stderr, "eas-agent: %s: %s\n", config_path, msg);
        return EXIT_USAGE;
    }
    /* As ssh does for a private key: a password anyone on the machine can read is worth a warning. */
    struct stat cst;
    if (g.cfg.password_inline && stat(config_path, &cst) == 0 && (cst.st_mode & 044))
        fprintf(stderr, "eas-agent: warning: %s holds a password and is readable by others (mode %04o); "
                        "chmod 600 it or use \"password_env\"\n",
                config_path, (unsigned)(cst.st_mode & 0777));
    if (!offline && g.cfg.password_env_unset[0]) {
        fprintf(stderr, "eas-agent: %s: key \"password_env\": environment variable %s is not set\n", config_path,
                g.cfg.password_env_unset);
        return EXIT_USAGE;
    }

    /* The commands that only read work on a copy of the state: they run beside a `push` (which lets
     * readers in while it waits on the network) and can never damage it. A device with no state yet,
     * or one never formatted, is set up by the ordinary (writing) open. */
    copy |= offline;
    eas_posix_pal_config pc = {g.cfg.state_file, STATE_SECTOR_SIZE, STATE_SECTORS, STATE_PROG_SIZE,
                               g.verbose ? EAS_LOG_DEBUG : EAS_LOG_WARN,
                               (uint8_t)copy};
    e = eas_posix_pal_init(&g.pal, &g.pp, &pc);
    if (copy && e == EAS_OK) {
        e = eas_store_mount_indexed(&g.store, &g.pal.flash, state_index, STATE_INDEX_SLOTS);
        if (e == EAS_OK) g.reader = 1;
        else eas_posix_pal_deinit(&g.pp);
    }
    if (!g.reader) {
        if (copy && e != EAS_ERR_FLASH_BUSY) {
            pc.flash_snapshot = 0;
            e = eas_posix_pal_init(&g.pal, &g.pp, &pc);
        }
        if (e != EAS_OK) {
            state_file_error(e);
            return EXIT_USAGE;
        }
        e = eas_store_mount_indexed(&g.store, &g.pal.flash, state_index, STATE_INDEX_SLOTS);
        if (e == EAS_ERR_STORE_EMPTY)
            e = eas_store_format_indexed(&g.store, &g.pal.flash, state_index, STATE_INDEX_SLOTS);
    }
    if (e != EAS_OK) {
        fprintf(stderr, "eas-agent: state file %s: %s\n", g.cfg.state_file, eas_err_str(e));
        return EXIT_USAGE;
    }

    /* TLS: the configured CA (a private server's), or the system's bundle. A plain-http account gets
     * it on its first https connection only (a 451 may move it to https): parsing the system's bundle
     * costs more instructions than a first sync of 2,000 events, and its certificates stay in RAM. */
    g.tcp_t = g.pal.tcp;
    int plain = strncmp(g.cfg.url, "http://", 7) == 0;
    if (plain) {
        /* No CA to read: no https transport at all (a 451 to https is refused, as it says). */
        if (access(ca_path_of(), R_OK) == 0) {
            g.tls_t = (eas_transport){&g, lazy_tls_connect, lazy_tls_send, lazy_tls_recv, lazy_tls_close, lazy_tls_hints};
            g.tls_lazy = 1;
        }
    } else if ((e = tls_setup(1)) != EAS_OK) {
        return EXIT_USAGE;
    }

    const char *address = g.discovering && g.address ? g.address : g.cfg.address;
    if (g.discovering && !address[0]) {
        fprintf(stderr, "eas-agent: discover: no address (give one, or an e-mail address in \"user\" or \"address\")\n");
        return EXIT_USAGE;
    }
    if (!g.cfg.url[0] && offline && (e = offline_url(config_path)) != EAS_OK)
        return exit_code_of(e) ? exit_code_of(e) : EXIT_USAGE;

    eas_agent_config *c = &g.acfg;
    c->url = g.cfg.url[0] ? g.cfg.url : NULL;
    if (address[0]) {
        discovery_setup(address);
        c->discovery = &g.dc;
        c->discovery_work = &g.discovery;
        c->rediscover_after_s = g.cfg.rediscover_after_s;
    }
    c->user = g.cfg.user;
    c->password = g.cfg.password;
    c->device_id = g.cfg.device_id;
    c->device_type = g.cfg.device_type;
    c->device_model = g.cfg.device_model;
    c->device_os = g.cfg.device_os[0] ? g.cfg.device_os : "Linux";
    c->friendly_name = g.cfg.friendly_name[0] ? g.cfg.friendly_name : g.cfg.device_model;
    c->user_agent = g.cfg.user_agent;
    c->os_language = g.cfg.os_language[0] ? g.cfg.os_language : NULL;
    c->probe_interval_s = g.cfg.probe_interval_s;
    c->anchor_mailbox = g.cfg.anchor_mailbox && g.cfg.address[0] ? g.cfg.address : NULL;
    c->protocol_version = g.cfg.protocol_version;
    c->allow_plain_http = g.cfg.allow_plain_http;
    c->calendar_filter = g.cfg.calendar_filter; /* two weeks back unless configured; everything ahead */
    c->sync_classes = g.cfg.sync_classes;
    c->client_wins = g.cfg.client_wins;
    c->no_estimate = !isatty(2); /* "N of M" is for a terminal; a log gets "N" and one round trip less */
    c->redirect_hosts = g.cfg.redirect_host_list;
    c->redirect_host_count = g.cfg.redirect_host_count;
    if (g.cfg.oauth && !offline && !g.discovering) {
        /* Exchange Online: Bearer tokens from the store (`login` put them there), never a password.
         * The identity platform is reached over the same streams and trust, by an exchange of its own. */
        g.ocfg = (eas_oauth_config){g.cfg.client_id, g.cfg.tenant, g.cfg.scope, ""};
        eas_exchange_init(&g.idx, (g.tls_ready || g.tls_lazy) ? &g.tls_t : NULL, g.cfg.allow_plain_http ? &g.tcp_t : NULL, &g.pal);
        if ((e = eas_oauth_client_init(&g.oc, &g.ocfg, g.cfg.authority, &g.store, &g.idx, &g.pal)) != EAS_OK) {
            fprintf(stderr, "eas-agent: %s: key \"authority\": %s\n", config_path, eas_err_str(e));
            return EXIT_USAGE;
        }
        g.oc.flow.show = show_sign_in;
        eas_oauth_tokens t;
        e = eas_oauth_tokens_load(&g.store, &t);
        if (e != EAS_OK && !g.login) {
            fprintf(stderr, "eas-agent: %s\n", eas_err_str(e));
            return exit_code_of(e);
        }
        c->password = NULL;
        c->oauth = &g.oc; /* the agent refreshes the tokens over the same client */
    }
    eas_agent_events ev = {NULL, NULL, g.trace ? trace_out : NULL, on_item, on_progress, on_rejected};
    e = eas_agent_init(&g.agent, c, &g.pal, (g.tls_ready || g.tls_lazy) ? &g.tls_t : NULL, &g.tcp_t, &g.store, &ev);
    if (e == EAS_ERR_PLAIN_HTTP_REFUSED) {
        fprintf(stderr, "eas-agent: %s: plain http refused; set \"allow_plain_http\": true to allow it\n", config_path);
        return EXIT_USAGE;
    }
    if (e != EAS_OK) {
        fprintf(stderr, "eas-agent: %s: %s\n", config_path, eas_err_str(e));
        return exit_code_of(e);
    }
    return 0;
}

/* Sleeps until what w waits for (the connection, or a time), letting readers in meanwhile (between
 * two steps every store operation is complete: readers, agenda and listings, may take their copy). */
static eas_err wait_for(const eas_wait *w)
{
    if (w->what & EAS_WAIT_NOW) return EAS_OK; /* TLS holds bytes already: no sleep on the socket */
    int shared = eas_posix_flash_share(&g.pp.flash) == EAS_OK;
    eas_posix_wait_as(w, &g.pal.clock, &g.pp.tcp);
    return shared && eas_posix_flash_own(&g.pp.flash) != EAS_OK ? EAS_ERR_FLASH : EAS_OK;
}

/* The device-code sign-in, on the identity platform's exchange; the agent's connection is closed first
 * (they share the streams). */
static eas_err oauth_login(void)
{
    eas_err e;
    eas_agent_close(&g.agent);
    eas_oauth_client_login(&g.oc);
    for (;;) {
        eas_wait w;
        e = eas_oauth_client_step(&g.oc, &w);
        if (e != EAS_ERR_WOULD_BLOCK) break;
        if ((e = wait_for(&w)) != EAS_OK) break;
    }
    eas_exchange_close(&g.idx);
    return e;
}

/* Drives one operation to its end, sleeping in poll() while the agent waits. */
/* Where a server's redirect (451) took the account, said once per host. */
static void note_redirect(void)
{
    static char shown[EAS_URL_HOST_MAX];
    const char *host = eas_agent_redirected_host(&g.agent);
    if (!host || !strcmp(host, shown)) return;
    snprintf(shown, sizeof shown, "%s", host);
    fprintf(stderr, "eas-agent: the server moved the account to %s (HTTP 451)\n", host);
}

/* Monotonic time at which run() gives the operation up (EAS_ERR_ABORTED); 0: none. */
static uint64_t run_until_ms;

/* What discovery found while an operation ran (not for the discover command, which prints it). */
static void note_discovered(void)
{
    static char shown[EAS_URL_MAX];
    eas_discover_source src;
    const char *url = eas_agent_discovered(&g.agent, &src);
    if (!url || g.discovering || !strcmp(url, shown)) return;
    snprintf(shown, sizeof shown, "%s", url);
    fprintf(stderr, "eas-agent: discovered %s (%s)\n", url, eas_discover_source_name(src));
}

/* With OAuth the agent refreshes the access token itself (shortly before it expires, and once on a 401:
 * cfg.oauth, core/agent). */
static eas_err run(eas_op op)
{
    eas_err e = eas_agent_begin(&g.agent, op);
    if (e != EAS_OK) return e;
    for (;;) {
        eas_wait w;
        e = eas_agent_step(&g.agent, &w);
        note_redirect();
        note_discovered();
        if (e != EAS_ERR_WOULD_BLOCK) return e;
        if (w.what & EAS_WAIT_NOW) continue; /* TLS holds bytes already: no sleep on the socket */
        uint64_t now = g.pal.clock.monotonic_ms(g.pal.clock.ctx);
        if (run_until_ms && now >= run_until_ms) {
            eas_agent_close(&g.agent);
            return EAS_ERR_ABORTED;
        }
        if (run_until_ms && run_until_ms < w.until_ms) w.until_ms = run_until_ms;
        /* Between two steps every store operation is complete: readers (agenda, listings) may take
         * their copy while this one waits. */
        int shared = eas_posix_flash_share(&g.pp.flash) == EAS_OK;
        eas_posix_wait_as(&w, &g.pal.clock, &g.pp.tcp);
        if (shared && eas_posix_flash_own(&g.pp.flash) != EAS_OK) return EAS_ERR_FLASH;
    }
}

static void report_failure(eas_err e)
{
    const eas_agent_failure *f = eas_agent_last_failure(&g.agent);
    fprintf(stderr, "eas-agent: error: %s", eas_err_str(e));
    if (e == EAS_ERR_TLS_VERIFY && g.tls_ready) {
        char why[160];
        if (eas_tls_verify_describe(eas_tls_verify_flags(&g.tls), why, sizeof why) == EAS_OK) fprintf(stderr, " (%s)", why);
    }
    if (g.cfg.oauth && e >= EAS_ERR_NOT_SIGNED_IN && e <= EAS_ERR_SIGNIN_REFUSED && g.oc.flow.aadsts) {
        fprintf(stderr, " (AADSTS%lu)\n", (unsigned long)g.oc.flow.aadsts);
        return;
    }
    if (f->http_status && f->http_status != 200) fprintf(stderr, " (HTTP %u)", f->http_status);
    if (f->eas_status > 1) fprintf(stderr, " (%s status %lu)", eas_cmd_name(f->cmd), (unsigned long)f->eas_status);
    if (e == EAS_ERR_PASSWORD_EXPIRED) {
        const char *where = eas_agent_response_header(&g.agent, EAS_HTTP_H_X_MS_CREDENTIAL_SERVICE_URL);
        if (where) fprintf(stderr, " (the server says where: %s)", where);
    }
    if (e == EAS_ERR_THROTTLED && f->retry_after_s)
        fprintf(stderr, " (the server asks to wait %lu s)", (unsigned long)f->retry_after_s);
    if (e == EAS_ERR_THROTTLED && f->throttle_reason[0]) fprintf(stderr, " (X-MS-ASThrottle: %s)", f->throttle_reason);
    if (e >= EAS_ERR_WBXML_TRUNCATED && e <= EAS_ERR_WBXML_NUL_IN_OPAQUE)
        fprintf(stderr, " at offset %lu of the %s response", (unsigned long)f->wbxml_offset, eas_cmd_name(f->cmd));
    fputc('\n', stderr);
}

/* Folders of the kept classes past the device's capacity are never silent. */
static void warn_skipped_folders(void)
{
    unsigned n = eas_agent_folders_skipped(&g.agent);
    if (n)
        fprintf(stderr, "eas-agent: warning: %u folder%s of the kept classes not kept: this device holds %u folders\n", n,
                n == 1 ? "" : "s", (unsigned)EAS_MAX_FOLDERS);
}

static void json_string(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') printf("\\%c", c);
        else if (c < 0x20) printf("\\u%04x", c);
        else putchar(c);
    }
    putchar('"');
}

static int cmd_folders(void)
{
    eas_err e = run(EAS_OP_FOLDER_SYNC);
    eas_agent_close(&g.agent);
    if (e != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    warn_skipped_folders();
    unsigned n = eas_agent_folder_count(&g.agent);
    eas_folder f;
    if (g.json) putchar('[');
    for (unsigned i = 0; i < n; i++) {
        if ((e = eas_agent_folder_get(&g.agent, i, &f)) != EAS_OK) {
            fprintf(stderr, "eas-agent: error: state: %s\n", eas_err_str(e));
            return EXIT_PROTOCOL;
        }
        if (g.json) {
            printf(i ? ",\n {" : "\n {");
            printf("\"server_id\": ");
            json_string(f.server_id);
            printf(", \"parent_id\": ");
            json_string(f.parent_id);
            printf(", \"display_name\": ");
            json_string(f.display_name);
            printf(", \"type\": %u, \"class\": \"%s\"}", f.type, eas_folder_type_name(f.type));
        } else {
            printf("%-32s %-14s %s\n", f.server_id, eas_folder_type_name(f.type), f.display_name);
        }
    }
    if (g.json) printf(n ? "\n]\n" : "]\n");
    return 0;
}

static int cmd_sync(void)
{
    g.acfg.item_no_record = 1; /* sync only counts what came */
    eas_err e = run(EAS_OP_SYNC);
    eas_agent_close(&g.agent);
    if (progress_shown) fputc('\n', stderr);
    if (e != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    warn_skipped_folders();
    if (g.json) putchar('[');
    for (unsigned i = 0; i < summary_n; i++) {
        if (g.json) {
            printf(i ? ",\n {\"class\": " : "\n {\"class\": ");
            json_string(eas_class_name(summary[i].cls));
            printf(", \"folder\": ");
            json_string(summary[i].folder);
            printf(", \"folder_name\": ");
            json_string(folder_name(summary[i].folder));
            printf(", \"added\": %u, \"changed\": %u, \"deleted\": %u}", summary[i].added, summary[i].changed,
                   summary[i].deleted);
        } else {
            printf("%-9s %-32s %u added, %u changed, %u deleted\n", eas_class_name(summary[i].cls),
                   folder_name(summary[i].folder), summary[i].added, summary[i].changed, summary[i].deleted);
        }
    }
    if (g.json) printf(summary_n ? "\n]\n" : "]\n");
    return 0;
}

/* ---- status: what the device holds and knows, without the network ---- */

static int cmd_status(void)
{
    eas_agent_info in;
    eas_store_info st;
    eas_folder f;
    char primary[EAS_DISCOVER_ADDRESS_MAX];
    eas_agent_get_info(&g.agent, &in);
    if (eas_agent_primary_address(&g.agent, primary, sizeof primary) != EAS_OK) primary[0] = '\0';
    unsigned used = eas_store_stats(&g.store, &st) == EAS_OK && st.capacity
                        ? (unsigned)((uint64_t)st.live_bytes * 100u / st.capacity) : 0u;
    const char *v = in.version ? eas_proto_version_name(in.version) : NULL;
    char url[EAS_URL_HOST_MAX + EAS_URL_PATH_MAX + 24], port[8] = "";
    if (in.url->port_explicit) snprintf(port, sizeof port, ":%u", in.url->port);
    snprintf(url, sizeof url, "%s://%s%s%s%s%s", in.url->scheme == EAS_URL_HTTPS ? "https" : "http",
             in.url->ipv6 ? "[" : "", in.url->host, in.url->ipv6 ? "]" : "", port, in.url->path);
    if (g.json) {
        printf("{\"url\": ");
        json_string(url);
        printf(", \"redirected\": %s, \"version\": ", in.redirected ? "true" : "false");
        if (v) json_string(v);
        else printf("null");
        printf(", \"server_versions\": [");
        static const uint8_t known[] = {EAS_PROTO_2_5,  EAS_PROTO_12_0, EAS_PROTO_12_1, EAS_PROTO_14_0,
                                        EAS_PROTO_14_1, EAS_PROTO_16_0, EAS_PROTO_16_1};
        for (unsigned i = 0, k = 0; i < sizeof known; i++) {
            if (!(in.server_versions & eas_proto_bit(known[i]))) continue;
            printf(k++ ? ", " : "");
            json_string(eas_proto_version_name(known[i]));
        }
        printf("], \"primary_address\": ");
        if (primary[0]) json_string(primary);
        else printf("null");
        printf(", \"provisioned\": %s, \"policy_key\": %s, \"folders_synced\": %s, \"pending\": %u, "
               "\"store_used_percent\": %u, \"folders\": [",
               in.provisioned ? "true" : "false", in.has_policy_key ? "true" : "false",
               strcmp(in.folder_sync_key, "0") ? "true" : "false", in.pending, used);
    } else {
        printf("url       %s%s\n", url, in.redirected ? " (a redirect of the server's, kept)" : "");
        printf("protocol  %s, %s%s\n", v ? v : "not negotiated yet", in.provisioned ? "provisioned" : "not provisioned",
               in.has_policy_key ? " (policy key held)" : "");
        if (primary[0]) printf("mailbox   %s (the server's Settings answer)\n", primary);
        printf("queued    %u change%s of the device's\n", in.pending, in.pending == 1 ? "" : "s");
        printf("store     %u %% used\n", used);
        printf("folders   %u%s\n", in.folders, strcmp(in.folder_sync_key, "0") ? "" : " (never synced)");
    }
    for (unsigned i = 0; eas_agent_folder_get(&g.agent, i, &f) == EAS_OK; i++) {
        eas_folder_state fs;
        if (eas_agent_folder_state(&g.agent, f.server_id, &fs) != EAS_OK) continue;
        eas_class cls = eas_class_of_folder_type(f.type);
        if (g.json) {
            printf(i ? ",\n  {\"server_id\": " : "\n  {\"server_id\": ");
            json_string(f.server_id);
            printf(", \"display_name\": ");
            json_string(f.display_name);
            printf(", \"class\": \"%s\", \"kept\": %s, \"synced\": %s, \"items\": %lu, \"lost_window\": %s}",
                   eas_folder_type_name(f.type), fs.kept ? "true" : "false", fs.synced ? "true" : "false",
                   (unsigned long)fs.items, fs.lost_window ? "true" : "false");
        } else {
            printf("  %-9s %-28s %s", cls != EAS_CLASS_NONE ? eas_class_name(cls) : "-", f.display_name,
                   fs.kept ? (fs.synced ? "kept, synced" : "kept, not synced yet") : "skipped");
            if (fs.kept) printf(", %lu item%s", (unsigned long)fs.items, fs.items == 1 ? "" : "s");
            if (fs.lost_window) printf(", an answer was lost: synced again from 0 next time");
            printf("\n");
        }
    }
    if (g.json) printf(in.folders ? "\n]}\n" : "]}\n");
    return 0;
}

static int print_version(void)
{
    printf("eas-agent %s\nActiveSync", EAS_RELEASE);
    for (unsigned i = 0; eas_proto_client_version(i); i++)
        printf("%s%s", i ? ", " : " ", eas_proto_version_name(eas_proto_client_version(i)));
    printf("\nTLS: %s\n", eas_tls_library());
    return 0;
}

/* ---- listing what the device holds ---- */

typedef struct {
    eas_class cls;
    unsigned n;
} listing;

static void json_field(const uint8_t *rec, size_t len, const char *name, eas_tag tag)
{
    char v[EAS_ITEM_VALUE_MAX + 1];
    /* A 16.x location is AirSyncBase:Location's DisplayName: the event reader knows both forms. */
    int got = tag == EAS_Calendar_Location ? eas_item_get_event_str(rec, len, -1, tag, v, sizeof v)
                                           : eas_item_get_str(rec, len, tag, v, sizeof v);
    if (!got) return;
    printf(", \"%s\": ", name);
    json_string(v);
}

/* The body preview sits inside the Body group, where eas_item_get_str (top level only) does not look. */
static void json_body(const uint8_t *rec, size_t len)
{
    eas_item_cursor c;
    eas_item_field f;
    if (eas_item_open(&c, rec, len) != EAS_OK) return;
    while (eas_item_next(&c, &f)) {
        if (f.kind != 0 || f.tag != EAS_AirSyncBase_Data) continue;
        char v[EAS_ITEM_BODY_MAX + 1];
        size_t n = f.len < sizeof v - 1 ? f.len : sizeof v - 1;
        memcpy(v, f.value, n);
        v[n] = '\0';
        printf(", \"body\": ");
        json_string(v);
        return;
    }
}

static eas_err list_item(void *ctx, const eas_folder *folder, const uint8_t *rec, size_t len)
{
    listing *l = ctx;
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    char sid[EAS_ITEM_ID_MAX];
    snprintf(sid, sizeof sid, "%.*s", (int)id_len, id ? id : "");
    static const struct {
        eas_class cls;
        const char *name;
        eas_tag tag;
    } fields[] = {
        {EAS_CLASS_CALENDAR, "subject", EAS_Calendar_Subject},     {EAS_CLASS_CALENDAR, "start", EAS_Calendar_StartTime},
        {EAS_CLASS_CALENDAR, "end", EAS_Calendar_EndTime},         {EAS_CLASS_CALENDAR, "location", EAS_Calendar_Location},
        {EAS_CLASS_CALENDAR, "all_day", EAS_Calendar_AllDayEvent}, {EAS_CLASS_CALENDAR, "uid", EAS_Calendar_UID},
        {EAS_CLASS_CALENDAR, "organizer", EAS_Calendar_OrganizerEmail},
        {EAS_CLASS_CALENDAR, "busy_status", EAS_Calendar_BusyStatus},
        {EAS_CLASS_CALENDAR, "response_type", EAS_Calendar_ResponseType},
        {EAS_CLASS_CONTACTS, "file_as", EAS_Contacts_FileAs},      {EAS_CLASS_CONTACTS, "first_name", EAS_Contacts_FirstName},
        {EAS_CLASS_CONTACTS, "last_name", EAS_Contacts_LastName},  {EAS_CLASS_CONTACTS, "email", EAS_Contacts_Email1Address},
        {EAS_CLASS_CONTACTS, "mobile", EAS_Contacts_MobilePhoneNumber},
        {EAS_CLASS_CONTACTS, "business_phone", EAS_Contacts_BusinessPhoneNumber},
        {EAS_CLASS_CONTACTS, "company", EAS_Contacts_CompanyName},
        {EAS_CLASS_TASKS, "subject", EAS_Tasks_Subject},           {EAS_CLASS_TASKS, "complete", EAS_Tasks_Complete},
        {EAS_CLASS_TASKS, "due", EAS_Tasks_UtcDueDate},            {EAS_CLASS_TASKS, "importance", EAS_Tasks_Importance},
        {EAS_CLASS_EMAIL, "subject", EAS_Email_Subject},           {EAS_CLASS_EMAIL, "from", EAS_Email_From},
        {EAS_CLASS_EMAIL, "to", EAS_Email_To},                     {EAS_CLASS_EMAIL, "received", EAS_Email_DateReceived},
        {EAS_CLASS_EMAIL, "read", EAS_Email_Read},
    };
    if (g.json) {
        printf(l->n ? ",\n {\"server_id\": " : "\n {\"server_id\": ");
        json_string(sid);
        printf(", \"folder\": ");
        json_string(folder->server_id);
        for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
            if (fields[i].cls == l->cls) json_field(rec, len, fields[i].name, fields[i].tag);
        json_body(rec, len);
        printf(", \"truncated\": %s}", (eas_item_flags(rec, len) & (EAS_ITEM_TRUNCATED | EAS_ITEM_DROPPED)) ? "true" : "false");
    } else {
        char a[EAS_ITEM_VALUE_MAX + 1] = "", b[EAS_ITEM_VALUE_MAX + 1] = "";
        for (size_t i = 0, k = 0; i < sizeof fields / sizeof fields[0] && k < 2; i++) {
            if (fields[i].cls != l->cls) continue;
            eas_item_get_str(rec, len, fields[i].tag, k ? b : a, sizeof a);
            k++;
        }
        printf("%-40s %-24s %s\n", sid, b, a);
    }
    l->n++;
    return EAS_OK;
}

static int cmd_list(eas_class cls)
{
    listing l = {cls, 0};
    if (g.json) putchar('[');
    eas_err e = eas_agent_items(&g.agent, cls, list_item, &l);
    if (g.json) printf(l.n ? "\n]\n" : "]\n");
    if (e != EAS_OK) {
        fprintf(stderr, "eas-agent: error: state: %s\n", eas_err_str(e));
        return EXIT_PROTOCOL;
    }
    return 0;
}

/* ---- editing events ---- */

static struct {
    const char *subject, *start, *end, *location, *id, *instance;
    int all_day;
    char new_uid[33];
    char new_server_id[EAS_ITEM_ID_MAX];
} edit;

static void on_rejected(void *ctx, eas_class cls, const char *folder_id, eas_item_change change, const char *id,
                        uint32_t status, int kept)
{
    (void)ctx;
    const char *what = change == EAS_ITEM_ADD ? "add" : change == EAS_ITEM_DELETE ? "delete" : "change";
    fprintf(stderr, "eas-agent: %s %s of %s in %s: %s (status %lu)\n",
            status == 7 ? "conflict:" : "refused:", what, id, folder_id,
            status == 7 ? (kept ? "the device's version is kept" : "the server's version wins")
                        : status == 8 ? "the server no longer has the item" : "the server could not take the change",
            (unsigned long)status);
    (void)cls;
}

/* RFC 3339 to seconds since 1970 UTC; a date alone (YYYY-MM-DD) when date_ok. Returns 0 on success. */
static int parse_rfc3339(const char *s, int date_ok, int64_t *out)
{
    int y, mo, d, h = 0, mi = 0, se = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3 || n != 10) return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31) return -1;
    int64_t t = eas_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400;
    const char *p = s + 10;
    if (*p == '\0') {
        if (!date_ok) return -1;
        *out = t;
        return 0;
    }
    if ((*p != 'T' && *p != 't' && *p != ' ') || sscanf(p + 1, "%2d:%2d:%2d%n", &h, &mi, &se, &n) != 3 || n != 8)
        return -1;
    if (h > 23 || mi > 59 || se > 60) return -1;
    p += 9;
    if (*p == '.') /* fractions of a second are dropped */
        for (p++; *p >= '0' && *p <= '9'; p++) {}
    int off = 0;
    if (*p == 'Z' || *p == 'z') p++;
    else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5) return -1;
        off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
        p += 6;
    } else return -1;
    if (*p != '\0') return -1;
    *out = t + h * 3600 + mi * 60 + se - off;
    return 0;
}

/* EAS's compact UTC form: 20261201T090000Z. */
static void compact_utc(int64_t t, char out[17])
{
    if (eas_datetime_format_compact(t, out, 17) != EAS_OK) out[0] = '\0';
}

/* The calendar folder an event lives in: the one holding ID, or the default calendar. */
static int calendar_folder(const char *id, char *folder, size_t cap, uint8_t *rec, size_t rcap, size_t *rlen)
{
    eas_folder f;
    int fallback = 0;
    for (unsigned i = 0; eas_agent_folder_get(&g.agent, i, &f) == EAS_OK; i++) {
        if (eas_class_of_folder_type(f.type) != EAS_CLASS_CALENDAR) continue;
        if (id && eas_agent_item_get(&g.agent, f.server_id, id, rec, rcap, rlen) == EAS_OK) {
            snprintf(folder, cap, "%s", f.server_id);
            return 1;
        }
        if (!id && (f.type == EAS_FOLDER_CALENDAR || !fallback)) {
            snprintf(folder, cap, "%s", f.server_id);
            fallback = 1;
        }
    }
    return !id && fallback;
}

static void on_item_edit(const uint8_t *rec, size_t len)
{
    char uid[64];
    size_t n = 0;
    const char *id = eas_item_id(rec, len, &n);
    /* The device's own UID went out as UID (14.x) or ClientUid (16.x). */
    int mine = edit.new_uid[0] &&
               ((eas_item_get_str(rec, len, EAS_Calendar_UID, uid, sizeof uid) && !strcmp(uid, edit.new_uid)) ||
                (eas_item_get_str(rec, len, EAS_Calendar_ClientUid, uid, sizeof uid) && !strcmp(uid, edit.new_uid)));
    if (mine) snprintf(edit.new_server_id, sizeof edit.new_server_id, "%.*s", (int)n, id);
}

static int time_arg(const char *what, const char *v, int all_day, int64_t *out)
{
    if (parse_rfc3339(v, all_day, out) != 0) {
        fprintf(stderr, "eas-agent: %s: not an RFC 3339 %s: %s\n", what, all_day ? "date or time" : "time", v);
        return -1;
    }
    return 0;
}

/* The record of the new event (eas_event_build has the 14.x/16.x rules), or an exit status. */
static int new_event_record(uint8_t *rec, size_t cap, size_t *len)
{
    eas_event_new ev = {edit.subject, edit.location, 0, 0, (uint8_t)edit.all_day, edit.new_uid, (int64_t)time(NULL)};
    eas_tz_rule zone;
    if (eas_tz_parse_posix(g.cfg.timezone, strlen(g.cfg.timezone), &zone) != EAS_OK) {
        fprintf(stderr, "eas-agent: configuration: \"timezone\" is not a POSIX TZ string: %s\n", g.cfg.timezone);
        return EXIT_USAGE;
    }
    if (edit.all_day) {
        if (strlen(edit.start) != 10 || strlen(edit.end) != 10 || parse_rfc3339(edit.start, 1, &ev.start) ||
            parse_rfc3339(edit.end, 1, &ev.end)) {
            fprintf(stderr, "eas-agent: --all-day takes dates: --start YYYY-MM-DD --end YYYY-MM-DD (end exclusive)\n");
            return EXIT_USAGE;
        }
    } else if (time_arg("--start", edit.start, 0, &ev.start) || time_arg("--end", edit.end, 0, &ev.end)) {
        return EXIT_USAGE;
    }
    /* A UID of the device's own: a resend after a lost answer names the same event, and the server
     * (SOGo) files it under that name instead of making a second one. */
    uint8_t rnd[16];
    g.pal.entropy.fill(g.pal.entropy.ctx, rnd, sizeof rnd);
    for (int i = 0; i < 16; i++) snprintf(edit.new_uid + 2 * i, 3, "%02X", rnd[i]);
    eas_err e = eas_event_build(&ev, &zone, eas_agent_version(&g.agent), rec, cap, len);
    if (e == EAS_ERR_ARG) fprintf(stderr, "eas-agent: --end must come after --start\n");
    else if (e != EAS_OK) fprintf(stderr, "eas-agent: --subject is too long\n");
    return e == EAS_OK ? 0 : EXIT_USAGE;
}

static int cmd_edit(const char *command)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX], out[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    char folder[EAS_FOLDER_ID_MAX];
    eas_err e;
    /* The hierarchy first, when the device has never seen it. */
    if (eas_agent_folder_count(&g.agent) == 0 && (e = run(EAS_OP_FOLDER_SYNC)) != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    if (!strcmp(command, "add-event")) {
        if (!edit.subject || !edit.start || !edit.end) return usage();
        size_t nlen = 0;
        int rc = new_event_record(out, sizeof out, &nlen);
        if (rc != 0) return rc;
        if (!calendar_folder(NULL, folder, sizeof folder, rec, sizeof rec, &len)) {
            fprintf(stderr, "eas-agent: error: the account has no calendar folder\n");
            return EXIT_PROTOCOL;
        }
        e = eas_agent_queue_add(&g.agent, folder, out, nlen, NULL);
    } else {
        if (!edit.id) return usage();
        if (!calendar_folder(edit.id, folder, sizeof folder, rec, sizeof rec, &len)) {
            fprintf(stderr, "eas-agent: error: no event %s on this device (run sync first)\n", edit.id);
            return EXIT_USAGE;
        }
        /* --instance: one occurrence, named by its original start */
        char inst[EAS_DATETIME_COMPACT_SIZE] = "";
        int64_t when = 0;
        if (edit.instance && (time_arg("--instance", edit.instance, 0, &when) ||
                              eas_datetime_format_compact(when, inst, sizeof inst) != EAS_OK))
            return EXIT_USAGE;
        int64_t start = 0, end = 0;
        if (edit.start && time_arg("--start", edit.start, 0, &start)) return EXIT_USAGE;
        if (edit.end && time_arg("--end", edit.end, 0, &end)) return EXIT_USAGE;
        if (!strcmp(command, "delete-event") && edit.instance) {
            e = eas_agent_queue_instance(&g.agent, folder, edit.id, inst, NULL, 0, 1);
        } else if (!strcmp(command, "delete-event")) {
            e = eas_agent_queue_delete(&g.agent, folder, edit.id);
        } else if (edit.instance) {
            char s[EAS_DATETIME_COMPACT_SIZE], en[EAS_DATETIME_COMPACT_SIZE];
            eas_item_override ov[4];
            size_t n = 0;
            if (edit.subject) ov[n++] = (eas_item_override){EAS_Calendar_Subject, edit.subject, strlen(edit.subject)};
            if (edit.location) ov[n++] = (eas_item_override){EAS_Calendar_Location, edit.location, strlen(edit.location)};
            if (edit.start && eas_datetime_format_compact(start, s, sizeof s) == EAS_OK)
                ov[n++] = (eas_item_override){EAS_Calendar_StartTime, s, 16};
            if (edit.end && eas_datetime_format_compact(end, en, sizeof en) == EAS_OK)
                ov[n++] = (eas_item_override){EAS_Calendar_EndTime, en, 16};
            e = eas_agent_queue_instance(&g.agent, folder, edit.id, inst, ov, n, 0);
        } else {
            size_t olen = 0;
            if (eas_event_change(rec, len, edit.subject, edit.location, edit.start ? &start : NULL,
                                 edit.end ? &end : NULL, (int64_t)time(NULL), out, sizeof out, &olen) != EAS_OK) {
                fprintf(stderr, "eas-agent: error: the changed event does not fit a record\n");
                return EXIT_USAGE;
            }
            e = eas_agent_queue_change(&g.agent, folder, out, olen);
        }
    }
    if (e != EAS_OK) {
        fprintf(stderr, "eas-agent: error: queueing the change: %s\n", eas_err_str(e));
        return exit_code_of(e);
    }
    /* Queued on flash: now send it (and take the server's news). */
    e = run(EAS_OP_SYNC);
    eas_agent_close(&g.agent);
    if (e != EAS_OK) {
        report_failure(e);
        fprintf(stderr, "eas-agent: the change stays queued and goes out with the next sync\n");
        return exit_code_of(e);
    }
    if (edit.new_server_id[0]) printf("%s\n", edit.new_server_id);
    return eas_agent_pending(&g.agent) ? EXIT_PROTOCOL : 0;
}

/* ---- push ---- */

static void push_line(eas_class cls, const char *folder_id, eas_item_change change, const uint8_t *rec, size_t len)
{
    static const char *const changes[] = {"", "added", "changed", "deleted", "deleted"};
    size_t id_len = 0;
    const char *id = eas_item_id(rec, len, &id_len);
    char sid[EAS_ITEM_ID_MAX], subject[EAS_ITEM_VALUE_MAX + 1] = "";
    snprintf(sid, sizeof sid, "%.*s", (int)id_len, id ? id : "");
    printf("{\"change\": \"%s\", \"class\": ", changes[change <= 4 ? change : 0]);
    json_string(eas_class_name(cls));
    printf(", \"folder\": ");
    json_string(folder_id);
    printf(", \"server_id\": ");
    json_string(sid);
    eas_tag subj = cls == EAS_CLASS_CALENDAR ? EAS_Calendar_Subject
                   : cls == EAS_CLASS_TASKS  ? EAS_Tasks_Subject
                   : cls == EAS_CLASS_EMAIL  ? EAS_Email_Subject
                                             : EAS_Contacts_FileAs;
    if (change != EAS_ITEM_DELETE && eas_item_get_str(rec, len, subj, subject, sizeof subject)) {
        printf(", \"%s\": ", cls == EAS_CLASS_CONTACTS ? "file_as" : "subject");
        json_string(subject);
    }
    if (cls == EAS_CLASS_CALENDAR && change != EAS_ITEM_DELETE) json_field(rec, len, "start", EAS_Calendar_StartTime);
    printf("}\n");
    fflush(stdout);
}

/* The device-code sign-in: the service's message on stdout, the tokens into the store. */
static int cmd_login(void)
{
    eas_err e = oauth_login();
    if (e != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    fprintf(stderr, "eas-agent: signed in\n");
    return 0;
}

static int cmd_push(long max_seconds)
{
    time_t end = time(NULL) + max_seconds; /* max_seconds is at most PUSH_MAX_SECONDS: no overflow */
    eas_err e = run(EAS_OP_SYNC);
    if (e != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    pushing = 1;
    for (;;) {
        /* The heartbeat ends 5 s before the limit, after the wait before the Ping (EAS_PING_MIN_INTERVAL_S,
         * longer after early answers); a server that does not answer by the limit is given up then,
         * rather than after its EAS_PING_MARGIN_S. */
        uint64_t now_ms = g.pal.clock.monotonic_ms(g.pal.clock.ctx), next_ms = eas_agent_next_ping_ms(&g.agent);
        long wait_s = next_ms > now_ms ? (long)((next_ms - now_ms + 999u) / 1000u) : 0;
        long left = (long)(end - time(NULL)) - wait_s - 5;
        if (max_seconds > 0 && left < (long)EAS_PING_MIN_S) break;
        if (max_seconds > 0) {
            eas_agent_cap_heartbeat(&g.agent, (uint32_t)left);
            run_until_ms = now_ms + (uint64_t)(end - time(NULL)) * 1000u;
        }
        fprintf(stderr, "push: waiting for changes (heartbeat %lu s)\n", (unsigned long)eas_agent_heartbeat(&g.agent));
        e = run(EAS_OP_PING);
        run_until_ms = 0;
        if (e == EAS_ERR_ABORTED) { /* the limit came first */
            e = EAS_OK;
            break;
        }
        if (e != EAS_OK) break;
        eas_ping_result r = eas_agent_ping_result(&g.agent);
        if (r == EAS_PING_CUT) fprintf(stderr, "push: connection cut before the heartbeat ended; next heartbeat %lu s\n",
                                       (unsigned long)eas_agent_heartbeat(&g.agent));
        if (r == EAS_PING_CHANGED && (e = run(EAS_OP_SYNC_CHANGED)) != EAS_OK) break;
    }
    eas_agent_close(&g.agent);
    if (e != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    return 0;
}

static int cmd_respond(const char *id, const char *answer, const char *instance)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    char folder[EAS_FOLDER_ID_MAX], inst[32];
    eas_user_response r = !strcmp(answer, "accept")      ? EAS_RESPONSE_ACCEPT
                          : !strcmp(answer, "tentative") ? EAS_RESPONSE_TENTATIVE
                          : !strcmp(answer, "decline")   ? EAS_RESPONSE_DECLINE
                                                         : (eas_user_response)0;
    if (!r) return usage();
    if (!calendar_folder(id, folder, sizeof folder, rec, sizeof rec, &len)) {
        fprintf(stderr, "eas-agent: error: no event %s on this device (run sync first)\n", id);
        return EXIT_USAGE;
    }
    if (instance) {
        int64_t t;
        char c[17];
        if (parse_rfc3339(instance, 0, &t) != 0) {
            fprintf(stderr, "eas-agent: --instance: not an RFC 3339 time: %s\n", instance);
            return EXIT_USAGE;
        }
        compact_utc(t, c);
        /* MS-ASCMD InstanceId: 2026-12-08T08:00:00.000Z */
        snprintf(inst, sizeof inst, "%.4s-%.2s-%.2sT%.2s:%.2s:%.2s.000Z", c, c + 4, c + 6, c + 9, c + 11, c + 13);
    }
    eas_err e = eas_agent_respond(&g.agent, folder, id, r, instance ? inst : NULL);
    if (e == EAS_OK) e = run(EAS_OP_RESPOND);
    eas_agent_close(&g.agent);
    if (e != EAS_OK) {
        report_failure(e);
        return exit_code_of(e);
    }
    /* Before 16.0 MeetingResponse only records the answer: the mail to the organizer would be the
     * client's own, through SendMail, which the agent does not have yet. */
    if (eas_agent_version(&g.agent) >= EAS_PROTO_16_0)
        fprintf(stderr, "eas-agent: the server sends the answer to the organizer (SendResponse)\n");
    else
        fprintf(stderr, "eas-agent: note: answer recorded on the server; at EAS %u.%u the organizer is not notified "
                        "(that takes SendMail, which eas-agent does not send yet)\n",
                eas_agent_version(&g.agent) / 10u, eas_agent_version(&g.agent) % 10u);
    return 0;
}

/* ---- agenda ---- */

static eas_agenda_work agenda_work;

typedef struct {
    const eas_tz_rule *zone;
    unsigned n;
} agenda_out;

static void rfc3339_utc(int64_t t, char out[32])
{
    eas_civil c;
    eas_civil_from_seconds(t, &c);
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02uZ", (unsigned)c.year % 10000u, (unsigned)c.month % 13u,
             (unsigned)c.day % 32u, (unsigned)c.hour % 24u, (unsigned)c.minute % 60u, (unsigned)c.second % 60u);
}

static void date_of_day(int64_t day, char out[32])
{
    int32_t y;
    unsigned m, d;
    eas_civil_from_days(day, &y, &m, &d);
    snprintf(out, 32, "%04u-%02u-%02u", (unsigned)y % 10000u, m % 13u, d % 32u);
}

static const char *busy_name(uint8_t b)
{
    static const char *const n[] = {"free", "tentative", "busy", "out_of_office", "working_elsewhere"};
    return b < 5 ? n[b] : "busy";
}

static const char *response_name(uint8_t r)
{
    static const char *const n[] = {"none", "organizer", "tentative", "accepted", "declined", "not_responded"};
    return r < 6 ? n[r] : "none";
}

static eas_err print_occurrence(void *ctx, const eas_agenda_entry *e)
{
    agenda_out *o = ctx;
    char start[32], end[32];
    if (e->occ.all_day) {
        date_of_day(e->occ.day, start);
        date_of_day(e->occ.day + e->days, end);
    } else {
        rfc3339_utc(e->occ.start, start);
        rfc3339_utc(e->occ.end, end);
    }
    if (g.json) {
        printf(o->n ? ",\n {\"server_id\": " : "\n {\"server_id\": ");
        json_string(e->server_id);
        printf(", \"subject\": ");
        json_string(e->subject);
        printf(", \"location\": ");
        json_string(e->location);
        printf(", \"start\": \"%s\", \"end\": \"%s\", \"all_day\": %s, \"organizer\": ", start, end,
               e->occ.all_day ? "true" : "false");
        json_string(e->organizer);
        printf(", \"busy_status\": \"%s\", \"response_status\": \"%s\", \"is_exception\": %s, \"cancelled\": %s, "
               "\"private\": %s, \"join_url\": ",
               busy_name(e->busy_status), response_name(e->response_type), e->is_exception ? "true" : "false",
               e->cancelled ? "true" : "false", e->is_private ? "true" : "false");
        if (e->join_url[0]) json_string(e->join_url);
        else printf("null");
        putchar('}');
    } else {
        if (e->cancelled) return EAS_OK; /* the display's view: a cancelled meeting is not on it */
        int64_t ls = 0, le = 0;
        eas_tz_utc_to_local(o->zone, e->occ.start, &ls);
        eas_tz_utc_to_local(o->zone, e->occ.end, &le);
        char day[32];
        date_of_day(e->occ.all_day ? e->occ.day : eas_floor_div(ls, 86400), day);
        const char *subject = eas_agenda_display_subject(e), *location = eas_agenda_display_location(e);
        if (e->occ.all_day)
            printf("%s  all day      %s", day, subject);
        else
            printf("%s  %02d:%02d-%02d:%02d  %s", day, (int)(eas_floor_mod(ls, 86400) / 3600), (int)(eas_floor_mod(ls, 3600) / 60),
                   (int)(eas_floor_mod(le, 86400) / 3600), (int)(eas_floor_mod(le, 3600) / 60), subject);
        if (location[0]) printf("  (%s)", location);
        if (e->is_exception) printf("  [moved]");
        putchar('\n');
    }
    o->n++;
    return EAS_OK;
}

static int cmd_agenda(const char *from_date, long days)
{
    eas_tz_rule zone;
    if (eas_tz_parse_posix(g.cfg.timezone, strlen(g.cfg.timezone), &zone) != EAS_OK) {
        fprintf(stderr, "eas-agent: configuration: \"timezone\" is not a POSIX TZ string: %s\n", g.cfg.timezone);
        return EXIT_USAGE;
    }
    int64_t now = (int64_t)time(NULL), local_now = 0, day;
    eas_tz_utc_to_local(&zone, now, &local_now);
    if (from_date) {
        int64_t t;
        if (strlen(from_date) != 10 || parse_rfc3339(from_date, 1, &t) != 0) {
            fprintf(stderr, "eas-agent: --from: not a date (YYYY-MM-DD): %s\n", from_date);
            return EXIT_USAGE;
        }
        day = eas_floor_div(t, 86400);
    } else {
        day = eas_floor_div(local_now, 86400);
    }
    if (days < 1 || days > 3660) return usage();
    int64_t from = 0, to = 0;
    eas_tz_local_to_utc(&zone, day * 86400, EAS_TZ_PICK_EARLIER, &from, NULL);
    eas_tz_local_to_utc(&zone, (day + days) * 86400, EAS_TZ_PICK_EARLIER, &to, NULL);
    agenda_out o = {&zone, 0};
    if (g.json) putchar('[');
    else if (!from_date) {
        /* The room display's line: what is on now, and what comes next today. */
        eas_agenda_entry cur, next;
        int has_cur = 0, has_next = 0;
        if (eas_agent_now_next(&g.agent, &agenda_work, &zone, now, to - now, &cur, &has_cur, &next, &has_next) == EAS_OK) {
            int64_t l = 0;
            if (has_cur && cur.occ.all_day) {
                printf("now:  %s (all day)\n", eas_agenda_display_subject(&cur));
            } else if (has_cur) {
                eas_tz_utc_to_local(&zone, cur.occ.end, &l);
                printf("now:  %s (until %02d:%02d)\n", eas_agenda_display_subject(&cur), (int)(eas_floor_mod(l, 86400) / 3600), (int)(eas_floor_mod(l, 3600) / 60));
            } else {
                printf("now:  free\n");
            }
            if (has_next) {
                eas_tz_utc_to_local(&zone, next.occ.start, &l);
                printf("next: %s at %02d:%02d\n", eas_agenda_display_subject(&next), (int)(eas_floor_mod(l, 86400) / 3600), (int)(eas_floor_mod(l, 3600) / 60));
            } else {
                printf("next: nothing more today\n");
            }
        }
    }
    unsigned skipped = 0;
    eas_err e = eas_agent_agenda(&g.agent, &agenda_work, &zone, from, to, print_occurrence, &o, &skipped);
    if (g.json) printf(o.n ? "\n]\n" : "]\n");
    if (skipped) fprintf(stderr, "eas-agent: %u stored events could not be read and were left out\n", skipped);
    if (agenda_work.incomplete)
        fprintf(stderr, "eas-agent: warning: %u events did not fit a record (EAS_ITEM_RECORD_MAX) with all the agenda "
                        "shows (changed or cancelled instances, a subject or location); those may show incomplete\n",
                agenda_work.incomplete);
    if (e != EAS_OK) {
        fprintf(stderr, "eas-agent: error: agenda: %s\n", eas_err_str(e));
        return EXIT_PROTOCOL;
    }
    return 0;
}

/* ---- the directory: GAL search, recipients, free/busy, a meeting's body (nothing is stored) ---- */

static int lookup_failed(eas_err e, const char *what)
{
    if (e == EAS_ERR_UNSUPPORTED) {
        fprintf(stderr, "eas-agent: error: the server does not offer %s\n",
                eas_cmd_name(eas_agent_last_failure(&g.agent)->cmd));
        return EXIT_PROTOCOL;
    }
    if (e == EAS_ERR_ARG) {
        /* Search 2 or 8, Find 2: the server would not take the query as it is. */
        fprintf(stderr, "eas-agent: %s: the server refused the query (%s status %lu): make it longer or simpler\n", what,
                eas_cmd_name(eas_agent_last_failure(&g.agent)->cmd), (unsigned long)eas_agent_last_failure(&g.agent)->eas_status);
        return EXIT_USAGE;
    }
    report_failure(e);
    return exit_code_of(e);
}

static unsigned gal_shown;

static eas_err print_gal_entry(void *ctx, const eas_gal_entry *e)
{
    (void)ctx;
    static const struct {
        const char *key;
        eas_gal_field f;
    } keys[] = {{"display_name", EAS_GAL_DISPLAY_NAME}, {"email", EAS_GAL_EMAIL},     {"phone", EAS_GAL_PHONE},
                {"mobile_phone", EAS_GAL_MOBILE_PHONE}, {"office", EAS_GAL_OFFICE}, {"company", EAS_GAL_COMPANY},
                {"title", EAS_GAL_TITLE}};
    if (g.json) {
        printf(gal_shown ? ",\n {" : "\n {");
        for (unsigned i = 0; i < sizeof keys / sizeof keys[0]; i++) {
            printf(i ? ", \"%s\": " : "\"%s\": ", keys[i].key);
            json_string(e->field[keys[i].f]);
        }
        putchar('}');
    } else {
        const char *name = e->field[EAS_GAL_DISPLAY_NAME][0] ? e->field[EAS_GAL_DISPLAY_NAME] : e->field[EAS_GAL_ALIAS];
        printf("%s", name);
        if (e->field[EAS_GAL_EMAIL][0]) printf(" <%s>", e->field[EAS_GAL_EMAIL]);
        for (unsigned i = 2; i < sizeof keys / sizeof keys[0]; i++)
            if (e->field[keys[i].f][0]) printf("  %s: %s", keys[i].key, e->field[keys[i].f]);
        putchar('\n');
    }
    gal_shown++;
    return EAS_OK;
}

static int cmd_search(const char *text, long max)
{
    eas_gal_query q = {text, (uint32_t)max, 0, 0, 0, 0};
    if (eas_gal_query_check(&q) != EAS_OK) {
        fprintf(stderr, "eas-agent: search: the query must be 1 to %u bytes without control characters, --max 1 to %u\n",
                EAS_GAL_QUERY_MAX, EAS_GAL_MAX_RESULTS);
        return EXIT_USAGE;
    }
    eas_err e = eas_agent_gal_search(&g.agent, &q, print_gal_entry, NULL);
    if (g.json) putchar('[');
    if (e == EAS_OK) e = run(EAS_OP_GAL_SEARCH);
    eas_agent_close(&g.agent);
    if (g.json) printf(gal_shown ? "\n]\n" : "]\n");
    if (e != EAS_OK) return lookup_failed(e, "search");
    const eas_gal_decoder *r = eas_agent_gal_result(&g.agent);
    if (r->have_total && r->total > gal_shown)
        fprintf(stderr, "search: %u of %lu matches shown (--max)\n", gal_shown, (unsigned long)r->total);
    return 0;
}

/* ResolveRecipients: one line (or object) per recipient; free/busy runs of the current one. */
#define MAX_RUNS 20000u
static struct {
    int availability;
    const eas_tz_rule *zone;
    int64_t from, to;
    unsigned n_recipients;
    int answered[EAS_RESOLVE_MAX_TO];
    const char *const *names;
    unsigned n_names;
    unsigned runs;
    int64_t run_start[MAX_RUNS], run_end[MAX_RUNS];
    uint8_t run_status[MAX_RUNS];
} rs;

static eas_err resolve_run(void *ctx, const eas_recipient *r, int64_t start, int64_t end, eas_fb_status s)
{
    (void)ctx, (void)r;
    if (rs.runs == MAX_RUNS) return EAS_ERR_NOSPACE;
    rs.run_start[rs.runs] = start;
    rs.run_end[rs.runs] = end;
    rs.run_status[rs.runs] = (uint8_t)s;
    rs.runs++;
    return EAS_OK;
}

/* "10:30", or "2026-12-02 10:30" when the window spans more than one local day. */
static void local_time(int64_t t, char out[32])
{
    int64_t l = 0, lf = 0, lt = 0;
    eas_tz_utc_to_local(rs.zone, t, &l);
    eas_tz_utc_to_local(rs.zone, rs.from, &lf);
    eas_tz_utc_to_local(rs.zone, rs.to - 1, &lt);
    if (eas_floor_div(lf, 86400) == eas_floor_div(lt, 86400)) {
        snprintf(out, 32, "%02d:%02d", (int)(eas_floor_mod(l, 86400) / 3600), (int)(eas_floor_mod(l, 3600) / 60));
    } else {
        char day[32];
        date_of_day(eas_floor_div(l, 86400), day);
        snprintf(out, 32, "%.10s %02u:%02u", day, (unsigned)(eas_floor_mod(l, 86400) / 3600) % 24u,
                 (unsigned)(eas_floor_mod(l, 3600) / 60) % 60u);
    }
}

static void mark_answered(const char *to)
{
    for (unsigned i = 0; i < rs.n_names; i++)
        if (!strcasecmp(rs.names[i], to)) rs.answered[i] = 1;
}

static eas_err resolve_recipient(void *ctx, const eas_recipient *r)
{
    (void)ctx;
    mark_answered(r->to);
    if (g.json) {
        printf(rs.n_recipients ? ",\n {\"query\": " : "\n {\"query\": ");
        json_string(r->to);
        printf(", \"display_name\": ");
        json_string(r->display_name);
        printf(", \"email\": ");
        json_string(r->email);
        printf(", \"type\": \"%s\"", r->type == EAS_RECIPIENT_CONTACT ? "contact" : "gal");
        if (rs.availability) {
            char a[32], b[32];
            printf(", \"availability_status\": %lu, \"slots\": [", (unsigned long)r->availability_status);
            for (unsigned i = 0; i < rs.runs; i++) {
                rfc3339_utc(rs.run_start[i], a);
                rfc3339_utc(rs.run_end[i], b);
                printf("%s{\"start\": \"%s\", \"end\": \"%s\", \"status\": \"%s\"}", i ? ", " : "", a, b,
                       eas_fb_status_name((eas_fb_status)rs.run_status[i]));
            }
            printf("], \"free\": [");
            for (unsigned i = 0, k = 0; i < rs.runs; i++) {
                if (rs.run_status[i] != EAS_FB_FREE) continue;
                rfc3339_utc(rs.run_start[i], a);
                rfc3339_utc(rs.run_end[i], b);
                printf("%s{\"start\": \"%s\", \"end\": \"%s\"}", k++ ? ", " : "", a, b);
            }
            putchar(']');
        }
        putchar('}');
    } else if (rs.availability) {
        printf("%s:", r->display_name[0] ? r->display_name : r->email);
        if (r->availability_status != EAS_AVAILABILITY_OK)
            printf(" no free/busy (Availability status %lu)", (unsigned long)r->availability_status);
        for (unsigned i = 0; i < rs.runs; i++) {
            char a[32], b[32];
            local_time(rs.run_start[i], a);
            local_time(rs.run_end[i], b);
            printf("%s %s %s-%s", i ? "," : "", eas_fb_status_name((eas_fb_status)rs.run_status[i]), a, b);
        }
        putchar('\n');
    } else {
        printf("%s: %s <%s>%s\n", r->to, r->display_name, r->email, r->response_status == EAS_RESOLVE_RESOLVED ? "" : "  (suggestion)");
    }
    rs.n_recipients++;
    rs.runs = 0;
    return EAS_OK;
}

static eas_err resolve_response(void *ctx, const char *to, uint32_t status, uint32_t n)
{
    (void)ctx;
    mark_answered(to);
    if (n == 0 || status == EAS_RESOLVE_UNRESOLVED) fprintf(stderr, "%s: not resolved\n", to);
    return EAS_OK;
}

static int cmd_resolve(const char *const *names, unsigned n, const char *from, const char *to)
{
    eas_tz_rule zone;
    int64_t t0 = 0, t1 = 0, now = (int64_t)time(NULL);
    if (n == 0 || n > EAS_RESOLVE_MAX_TO) {
        fprintf(stderr, "eas-agent: 1 to %u names or addresses at once\n", EAS_RESOLVE_MAX_TO);
        return EXIT_USAGE;
    }
    for (unsigned i = 0; i < n; i++)
        if (!names[i][0] || strlen(names[i]) > 256) {
            fprintf(stderr, "eas-agent: a name or address is 1 to 256 bytes\n");
            return EXIT_USAGE;
        }
    if (eas_tz_parse_posix(g.cfg.timezone, strlen(g.cfg.timezone), &zone) != EAS_OK) {
        fprintf(stderr, "eas-agent: configuration: \"timezone\" is not a POSIX TZ string: %s\n", g.cfg.timezone);
        return EXIT_USAGE;
    }
    rs.availability = from != NULL;
    if (rs.availability) {
        if (parse_rfc3339(from, 0, &t0) != 0 || parse_rfc3339(to, 0, &t1) != 0 || t1 <= t0 || t1 - t0 > 366LL * 86400) {
            fprintf(stderr, "eas-agent: availability: --from and --to are RFC 3339 times, --to after --from, at most a year apart\n");
            return EXIT_USAGE;
        }
    } else {
        /* SOGo answers ResolveRecipients only when Availability is asked (nothing at all otherwise):
         * a half hour from now is asked and not shown. */
        t0 = now - eas_floor_mod(now, 1800);
        t1 = t0 + 1800;
    }
    rs.zone = &zone;
    rs.from = t0;
    rs.to = t1;
    rs.names = names;
    rs.n_names = n;
    eas_resolve_request r = {names, n, t0, t1, 0};
    eas_resolve_events ev = {NULL, resolve_recipient, resolve_response, resolve_run};
    eas_err e = eas_agent_resolve(&g.agent, &r, &ev);
    if (g.json) putchar('[');
    if (e == EAS_OK) e = run(EAS_OP_RESOLVE);
    eas_agent_close(&g.agent);
    if (g.json) printf(rs.n_recipients ? "\n]\n" : "]\n");
    if (e == EAS_ERR_PROTOCOL && eas_agent_last_failure(&g.agent)->http_status == 200 &&
        !eas_agent_last_failure(&g.agent)->eas_status) {
        fprintf(stderr, "eas-agent: error: the server gave no ResolveRecipients answer\n");
        return EXIT_PROTOCOL;
    }
    if (e != EAS_OK) return lookup_failed(e, rs.availability ? "availability" : "resolve");
    /* A name the server left out of its answer altogether (SOGo does so for what is not an address). */
    for (unsigned i = 0; i < n; i++)
        if (!rs.answered[i]) fprintf(stderr, "%s: not resolved\n", names[i]);
    return 0;
}

static eas_err fetch_write(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    return fwrite(data, 1, len, stdout) == len ? EAS_OK : EAS_ERR_SINK;
}

static int cmd_fetch(const char *id, long max_bytes)
{
    uint8_t rec[EAS_ITEM_RECORD_MAX];
    size_t len = 0;
    char folder[EAS_FOLDER_ID_MAX];
    if (max_bytes < 0 || max_bytes > 16L * 1024 * 1024) {
        fprintf(stderr, "eas-agent: fetch: --max-bytes is 0 (all) to 16 MiB\n");
        return EXIT_USAGE;
    }
    if (!calendar_folder(id, folder, sizeof folder, rec, sizeof rec, &len)) {
        fprintf(stderr, "eas-agent: error: no event %s on this device (run sync first)\n", id);
        return EXIT_USAGE;
    }
    eas_err e = eas_agent_fetch(&g.agent, folder, id, (uint32_t)max_bytes, (eas_sink){fetch_write, NULL});
    if (e == EAS_OK) e = run(EAS_OP_FETCH);
    eas_agent_close(&g.agent);
    if (e == EAS_ERR_NOT_FOUND) {
        fprintf(stderr, "eas-agent: error: the server no longer has event %s\n", id);
        return EXIT_PROTOCOL;
    }
    if (e != EAS_OK) return lookup_failed(e, "fetch");
    const eas_fetch_decoder *f = eas_agent_fetch_result(&g.agent);
    if (f->written) putchar('\n');
    if (eas_fetch_decoder_truncated(f))
        fprintf(stderr, "fetch: body cut at %lu bytes (%lu on the server)\n", (unsigned long)f->written,
                (unsigned long)(f->estimated ? f->estimated : f->received));
    return 0;
}

/* --max-seconds: 1 to ten years of seconds; anything else (abc, 12x, -1, 0, overflow) is a usage error. */
#define PUSH_MAX_SECONDS (3660L * 86400L)
static long seconds_arg(const char *s)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < 1 || v > PUSH_MAX_SECONDS) {
        fprintf(stderr, "eas-agent: --max-seconds: not a number of seconds from 1 to %ld: %s\n", PUSH_MAX_SECONDS, s);
        return -1;
    }
    return v;
}

int main(int argc, char **argv)
{
    const char *config = NULL, *command = NULL;
    long max_seconds = 0;
    const char *instance = NULL, *answer = NULL, *from_date = NULL, *to_time = NULL;
    long days = 1, max = 20, max_bytes = 0;
    const char *pos[EAS_RESOLVE_MAX_TO + 1];
    unsigned npos = 0;
    int i;
    for (i = 1; i < argc; i++) {
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(argv[i], "--config") && v) config = argv[++i];
        else if (!strcmp(argv[i], "--trace")) g.trace = 1;
        else if (!strcmp(argv[i], "--verbose")) g.verbose = 1;
        else if (!strcmp(argv[i], "--version")) return print_version();
        else if (!strcmp(argv[i], "--json")) g.json = 1;
        else if (!strcmp(argv[i], "--all-day")) edit.all_day = 1;
        else if (!strcmp(argv[i], "--subject") && v) edit.subject = argv[++i];
        else if (!strcmp(argv[i], "--start") && v) edit.start = argv[++i];
        else if (!strcmp(argv[i], "--end") && v) edit.end = argv[++i];
        else if (!strcmp(argv[i], "--location") && v) edit.location = argv[++i];
        else if (!strcmp(argv[i], "--max-seconds") && v) {
            if ((max_seconds = seconds_arg(argv[++i])) < 0) return usage();
        }
        else if (!strcmp(argv[i], "--instance") && v) instance = edit.instance = argv[++i];
        else if (!strcmp(argv[i], "--from") && v) from_date = argv[++i];
        else if (!strcmp(argv[i], "--days") && v) days = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--to") && v) to_time = argv[++i];
        else if (!strcmp(argv[i], "--max") && v) max = strtol(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--max-bytes") && v) max_bytes = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] == '-' && argv[i][1] != '\0') return usage();
        else if (!command) command = argv[i];
        else if (npos < sizeof pos / sizeof pos[0]) pos[npos++] = argv[i];
        else return usage();
    }
    if (!config || !command) return usage();
    /* The directory: lookups on the server, nothing stored (the state is only read). */
    int searching = !strcmp(command, "search"), resolving = !strcmp(command, "resolve"),
        availability = !strcmp(command, "availability"), fetching = !strcmp(command, "fetch");
    if (searching || resolving || availability || fetching) {
        if ((searching || fetching) && npos != 1) return usage();
        if ((resolving || availability) && npos == 0) return usage();
        if (availability != (from_date && to_time)) return usage();
        int rc = setup(config, 0, 1);
        if (rc != 0) return rc;
        if (searching) rc = cmd_search(pos[0], max);
        else if (fetching) rc = cmd_fetch(pos[0], max_bytes);
        else rc = cmd_resolve(pos, npos, availability ? from_date : NULL, to_time);
        if (g.tls_ready) eas_tls_free(&g.tls);
        eas_posix_pal_deinit(&g.pp);
        return rc;
    }
    if (npos > 2 || to_time) return usage();
    if (npos > 0) edit.id = pos[0];
    if (npos > 1) answer = pos[1];
    static const struct {
        const char *name;
        eas_class cls;
    } lists[] = {{"events", EAS_CLASS_CALENDAR}, {"contacts", EAS_CLASS_CONTACTS}, {"tasks", EAS_CLASS_TASKS},
                 {"mail", EAS_CLASS_EMAIL}};
    int list = -1, editing = !strcmp(command, "add-event") || !strcmp(command, "change-event") ||
                             !strcmp(command, "delete-event");
    for (int k = 0; k < 4; k++)
        if (!strcmp(command, lists[k].name)) list = k;
    if (list < 0 && !editing && strcmp(command, "folders") != 0 && strcmp(command, "sync") != 0 &&
        strcmp(command, "push") != 0 && strcmp(command, "respond") != 0 && strcmp(command, "agenda") != 0 &&
        strcmp(command, "status") != 0 && strcmp(command, "discover") != 0 && strcmp(command, "login") != 0)
        return usage();
    g.discovering = !strcmp(command, "discover");
    if (g.discovering) g.address = edit.id;
    if (max_seconds < 0) return usage();
    if (max_seconds > 0 && max_seconds < (long)EAS_PING_MIN_S) {
        /* A Ping's heartbeat is a minute at the least: a shorter session would end before its first
         * wait, and look as if push did nothing. */
        fprintf(stderr, "eas-agent: push --max-seconds %ld: too short; the server is asked to hold a Ping for at least "
                        "%u s (MS-ASCMD), so the least is %u (0: no limit)\n", max_seconds, (unsigned)EAS_PING_MIN_S,
                (unsigned)EAS_PING_MIN_S);
        return EXIT_USAGE;
    }
    int responding = !strcmp(command, "respond");
    if (responding && (!edit.id || !answer)) return usage();
    if ((edit.id && !editing && !responding && !g.discovering) || (answer && !responding)) return usage();
    /* The listings and the agenda read the store only: no network, no password needed. */
    g.login = !strcmp(command, "login");
    int rc = setup(config, list >= 0 || !strcmp(command, "agenda") || !strcmp(command, "status"), 0);
    if (rc != 0) return rc;
    if (g.login && !g.cfg.oauth) {
        fprintf(stderr, "eas-agent: login: %s: key \"auth\" is not \"oauth2-device\"\n", config);
        rc = EXIT_USAGE;
    } else if (g.login) {
        rc = cmd_login();
    } else
    if (list >= 0) rc = cmd_list(lists[list].cls);
    else if (editing) rc = cmd_edit(command);
    else if (!strcmp(command, "respond")) rc = cmd_respond(edit.id, answer, instance);
    else if (!strcmp(command, "agenda")) rc = cmd_agenda(from_date, days);
    else if (!strcmp(command, "status")) rc = cmd_status();
    else if (!strcmp(command, "sync")) rc = cmd_sync();
    else if (!strcmp(command, "push")) rc = cmd_push(max_seconds);
    else if (g.discovering) rc = cmd_discover();
    else rc = cmd_folders();
    if (g.tls_ready) eas_tls_free(&g.tls);
    eas_posix_pal_deinit(&g.pp);
    return rc;
}
