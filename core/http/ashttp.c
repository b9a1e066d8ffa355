/* MS-ASHTTP request building, version negotiation, response classification and back-off. */
#include <string.h>

#include "eas/ashttp.h"
#include "eas/base64.h"
#include "eas/bytes.h"

/* ------------------------------------------------------------------------------- names ---- */

static const char *const cmd_names[24] = {
    "Sync",       "SendMail",     "SmartForward", "SmartReply",   "GetAttachment",   NULL,
    NULL,         NULL,           NULL,           "FolderSync",   "FolderCreate",    "FolderDelete",
    "FolderUpdate", "MoveItems",  "GetItemEstimate", "MeetingResponse", "Search",    "Settings",
    "Ping",       "ItemOperations", "Provision",  "ResolveRecipients", "ValidateCert", "Find",
};

const char *eas_cmd_name(eas_cmd cmd)
{
    if ((unsigned)cmd < sizeof cmd_names / sizeof cmd_names[0]) return cmd_names[cmd];
    if (cmd == EAS_CMD_OPTIONS) return "OPTIONS";
    return NULL;
}

static const struct {
    uint8_t v;
    char name[5];
} versions[] = {
    {EAS_PROTO_2_5, "2.5"},   {EAS_PROTO_12_0, "12.0"}, {EAS_PROTO_12_1, "12.1"}, {EAS_PROTO_14_0, "14.0"},
    {EAS_PROTO_14_1, "14.1"}, {EAS_PROTO_16_0, "16.0"}, {EAS_PROTO_16_1, "16.1"},
};
#define VERSION_COUNT (sizeof versions / sizeof versions[0])

/* What this client implements, best first. */
static const uint8_t client_versions[] = {EAS_PROTO_16_1, EAS_PROTO_16_0, EAS_PROTO_14_1, EAS_PROTO_14_0,
                                          EAS_PROTO_12_1};

uint8_t eas_proto_client_version(unsigned i) { return i < sizeof client_versions ? client_versions[i] : 0; }

const char *eas_proto_version_name(uint8_t v)
{
    for (size_t i = 0; i < VERSION_COUNT; i++)
        if (versions[i].v == v) return versions[i].name;
    return NULL;
}

uint32_t eas_proto_bit(uint8_t v)
{
    for (size_t i = 0; i < VERSION_COUNT; i++)
        if (versions[i].v == v) return 1u << i;
    return 0;
}


/* Calls each trimmed, non-empty item of a comma-separated list. */
typedef void (*item_fn)(const char *s, size_t n, uint32_t *mask);

static void for_each_item(const char *s, size_t len, item_fn fn, uint32_t *mask)
{
    size_t i = 0;
    while (i < len) {
        size_t a, b;
        while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == ',')) i++;
        a = i;
        while (i < len && s[i] != ',') i++;
        b = i;
        while (b > a && (s[b - 1] == ' ' || s[b - 1] == '\t')) b--;
        if (b > a) fn(s + a, b - a, mask);
    }
}

static void version_item(const char *s, size_t n, uint32_t *mask)
{
    for (size_t i = 0; i < VERSION_COUNT; i++)
        if (eas_ascii_ieq(s, n, versions[i].name)) *mask |= 1u << i;
}

static void command_item(const char *s, size_t n, uint32_t *mask)
{
    for (size_t i = 0; i < sizeof cmd_names / sizeof cmd_names[0]; i++)
        if (cmd_names[i] && eas_ascii_ieq(s, n, cmd_names[i])) *mask |= 1u << i;
}

eas_err eas_ashttp_parse_versions(const char *s, size_t len, uint32_t *mask)
{
    if (!mask || (!s && len)) return EAS_ERR_ARG;
    *mask = 0;
    for_each_item(s, len, version_item, mask);
    return EAS_OK;
}

eas_err eas_ashttp_parse_commands(const char *s, size_t len, uint32_t *mask)
{
    if (!mask || (!s && len)) return EAS_ERR_ARG;
    *mask = 0;
    for_each_item(s, len, command_item, mask);
    return EAS_OK;
}

eas_err eas_ashttp_pick_version(uint32_t server_mask, uint8_t fixed, uint8_t *out)
{
    if (!out) return EAS_ERR_ARG;
    if (fixed) {
        for (size_t i = 0; i < sizeof client_versions; i++) {
            if (client_versions[i] == fixed) {
                *out = fixed;
                return EAS_OK;
            }
        }
        return EAS_ERR_CONFIG;
    }
    for (size_t i = 0; i < sizeof client_versions; i++) {
        if (server_mask & eas_proto_bit(client_versions[i])) {
            *out = client_versions[i];
            return EAS_OK;
        }
    }
    return EAS_ERR_VERSION;
}

/* -------------------------------------------------------------------------- out buffer ---- */

typedef struct {
    char *p;
    size_t cap, n;
    int over;
} outbuf;

static void put(outbuf *o, const void *s, size_t n)
{
    if (o->over || n > o->cap - o->n) {
        o->over = 1;
        return;
    }
    memcpy(o->p + o->n, s, n);
    o->n += n;
}

static void put_str(outbuf *o, const char *s) { put(o, s, strlen(s)); }

/* Everything but RFC 3986 unreserved characters is escaped, so a value can never add a parameter,
 * end the request line or break the header. */
static void put_pct(outbuf *o, const char *s, size_t n)
{
    size_t k = 0;
    if (o->over) return;
    if (o->n >= o->cap || eas_url_pct_encode(s, n, o->p + o->n, o->cap - o->n, &k) != EAS_OK) {
        o->over = 1;
        return;
    }
    o->n += k;
}

/* Base64 of a byte stream, three bytes at a time, straight into an outbuf (no intermediate copy). */
typedef struct {
    outbuf *o;
    uint8_t acc[3];
    unsigned k;
} b64stream;

static void b64_flush(b64stream *b)
{
    char quad[5];
    size_t n = 0;
    if (b->k == 0) return;
    (void)eas_base64_encode(b->acc, b->k, quad, sizeof quad, &n);
    put(b->o, quad, n);
    b->k = 0;
}

static void b64_byte(b64stream *b, uint8_t c)
{
    b->acc[b->k++] = c;
    if (b->k == 3) b64_flush(b);
}

static void b64_bytes(b64stream *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) b64_byte(b, (uint8_t)s[i]);
}

static void wipe(void *p, size_t n)
{
    volatile uint8_t *v = (volatile uint8_t *)p;
    for (size_t i = 0; i < n; i++) v[i] = 0;
}

/* Bounded strlen: max + 1 when longer. */
static size_t blen(const char *s, size_t max)
{
    size_t n = 0;
    if (!s) return 0;
    while (n <= max && s[n] != '\0') n++;
    return n;
}

/* ------------------------------------------------------------------------- request target ---- */

#define FIELD_MAX 255u /* one length byte in the base64 form; plenty for the plain form */

eas_err eas_ashttp_target(const eas_ashttp_request *r, const char *base_path, char *out, size_t cap, size_t *len)
{
    outbuf o;
    size_t bl, ul, dl, tl;
    const char *name;
    struct {
        const char *key;
        const char *val;
        uint8_t tag;
    } params[] = {
        {"AttachmentName", NULL, 0}, {"CollectionId", NULL, 1}, {"ItemId", NULL, 3},
        {"LongId", NULL, 4},         {"Occurrence", NULL, 6},
    };
    if (!r || !base_path || !out || cap == 0) return EAS_ERR_ARG;
    params[0].val = r->attachment_name;
    params[1].val = r->collection_id;
    params[2].val = r->item_id;
    params[3].val = r->long_id;
    params[4].val = r->occurrence;
    name = eas_cmd_name(r->cmd);
    if (!name || r->cmd == EAS_CMD_OPTIONS) return EAS_ERR_ARG;
    bl = blen(base_path, EAS_URL_PATH_MAX);
    ul = blen(r->user, FIELD_MAX);
    dl = blen(r->device_id, FIELD_MAX);
    tl = blen(r->device_type, FIELD_MAX);
    if (bl == 0 || bl > EAS_URL_PATH_MAX || base_path[0] != '/') return EAS_ERR_ARG;
    if (ul > FIELD_MAX || dl == 0 || dl > FIELD_MAX || tl == 0 || tl > FIELD_MAX) return EAS_ERR_ARG;
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++)
        if (blen(params[i].val, FIELD_MAX) > FIELD_MAX) return EAS_ERR_ARG;

    o.p = out;
    o.cap = cap - 1; /* room for the NUL */
    o.n = 0;
    o.over = 0;
    put(&o, base_path, bl);

    if (r->base64_query) {
        b64stream b;
        uint16_t locale = r->locale ? r->locale : 0x0409u;
        /* The binary form exists from 12.1 on, and its query is the whole query. */
        if (r->version < EAS_PROTO_12_1 || !eas_proto_version_name(r->version)) return EAS_ERR_ARG;
        if (memchr(base_path, '?', bl)) return EAS_ERR_ARG;
        put(&o, "?", 1);
        b.o = &o;
        b.k = 0;
        b64_byte(&b, r->version);
        b64_byte(&b, (uint8_t)r->cmd);
        b64_byte(&b, (uint8_t)(locale & 0xFFu)); /* little-endian */
        b64_byte(&b, (uint8_t)(locale >> 8));
        b64_byte(&b, (uint8_t)dl);
        b64_bytes(&b, r->device_id, dl);
        if (r->policy_key) {
            b64_byte(&b, 4);
            for (unsigned k = 0; k < 4; k++) b64_byte(&b, (uint8_t)(r->policy_key >> (8u * k)));
        } else {
            b64_byte(&b, 0);
        }
        b64_byte(&b, (uint8_t)tl);
        b64_bytes(&b, r->device_type, tl);
        for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
            size_t n = blen(params[i].val, FIELD_MAX);
            if (!params[i].val) continue;
            b64_byte(&b, params[i].tag);
            b64_byte(&b, (uint8_t)n);
            b64_bytes(&b, params[i].val, n);
        }
        if (r->options & (EAS_ASHTTP_SAVE_IN_SENT | EAS_ASHTTP_ACCEPT_MULTIPART)) {
            b64_byte(&b, 7);
            b64_byte(&b, 1);
            b64_byte(&b, (uint8_t)(r->options & (EAS_ASHTTP_SAVE_IN_SENT | EAS_ASHTTP_ACCEPT_MULTIPART)));
        }
        if (ul) {
            b64_byte(&b, 8);
            b64_byte(&b, (uint8_t)ul);
            b64_bytes(&b, r->user, ul);
        }
        b64_flush(&b); /* pads the last quantum */
    } else {
        if (ul == 0) return EAS_ERR_ARG;
        put(&o, memchr(base_path, '?', bl) ? "&Cmd=" : "?Cmd=", 5);
        put_str(&o, name);
        put_str(&o, "&User=");
        put_pct(&o, r->user, ul);
        put_str(&o, "&DeviceId=");
        put_pct(&o, r->device_id, dl);
        put_str(&o, "&DeviceType=");
        put_pct(&o, r->device_type, tl);
        for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
            if (!params[i].val) continue;
            put(&o, "&", 1);
            put_str(&o, params[i].key);
            put(&o, "=", 1);
            put_pct(&o, params[i].val, blen(params[i].val, FIELD_MAX));
        }
        if (r->options & EAS_ASHTTP_SAVE_IN_SENT) put_str(&o, "&SaveInSent=T");
    }
    if (o.over) return EAS_ERR_NOSPACE;
    out[o.n] = '\0';
    if (len) *len = o.n;
    return EAS_OK;
}

/* ---------------------------------------------------------------------------------- auth ---- */

eas_err eas_auth_basic(void *ctx, char *out, size_t cap, size_t *len)
{
    const eas_basic_credentials *c = (const eas_basic_credentials *)ctx;
    outbuf o;
    b64stream b;
    if (!c || !out || (!c->user && c->user_len) || (!c->password && c->password_len)) return EAS_ERR_ARG;
    for (size_t i = 0; i < c->user_len; i++) {
        uint8_t ch = (uint8_t)c->user[i];
        if (ch == ':' || ch < 0x20 || ch == 0x7F) return EAS_ERR_ARG;
    }
    for (size_t i = 0; i < c->password_len; i++) {
        uint8_t ch = (uint8_t)c->password[i];
        if (ch < 0x20 || ch == 0x7F) return EAS_ERR_ARG;
    }
    if (c->user_len > SIZE_MAX / 2 || c->password_len > SIZE_MAX / 2 - c->user_len - 8) return EAS_ERR_ARG;
    if (6u + EAS_BASE64_ENCODED_LEN(c->user_len + 1u + c->password_len) > cap) return EAS_ERR_NOSPACE;
    o.p = out;
    o.cap = cap;
    o.n = 0;
    o.over = 0;
    put(&o, "Basic ", 6);
    b.o = &o;
    b.k = 0;
    b64_bytes(&b, c->user, c->user_len);
    b64_byte(&b, ':');
    b64_bytes(&b, c->password, c->password_len);
    b64_flush(&b);
    wipe(b.acc, sizeof b.acc);
    if (o.over) {
        wipe(out, cap);
        return EAS_ERR_NOSPACE;
    }
    if (o.n < cap) out[o.n] = '\0';
    if (len) *len = o.n;
    return EAS_OK;
}

/* ------------------------------------------------------------------------------ the head ---- */

static eas_err optional_header(eas_http_writer *w, const char *name, const char *value)
{
    return value ? eas_http_writer_header(w, name, value) : EAS_OK;
}

eas_err eas_ashttp_write_head(eas_http_writer *w, eas_sink sink, const eas_url *url, const eas_ashttp_request *r,
                              const eas_auth *auth, char *scratch, size_t scratch_cap)
{
    eas_err err;
    size_t n = 0;
    int options;
    if (!w || !url || !r || !scratch || scratch_cap == 0) return EAS_ERR_ARG;
    options = r->cmd == EAS_CMD_OPTIONS;
    if (options) {
        err = eas_http_writer_begin(w, sink, "OPTIONS", url->path);
    } else {
        err = eas_ashttp_target(r, url->path, scratch, scratch_cap, &n);
        if (!err) err = eas_http_writer_begin(w, sink, "POST", scratch);
    }
    if (!err) err = eas_url_host_header(url, scratch, scratch_cap, &n);
    if (!err) err = eas_http_writer_header_n(w, "Host", scratch, n);
    if (!err && auth && auth->stream) {
        err = eas_http_writer_header_stream(w, "Authorization", auth->stream, auth->ctx);
    } else if (!err && auth && auth->write) {
        err = auth->write(auth->ctx, scratch, scratch_cap, &n);
        if (!err) err = eas_http_writer_header_n(w, "Authorization", scratch, n);
        wipe(scratch, scratch_cap);
    }
    if (!err && !options && !r->base64_query) {
        const char *v = eas_proto_version_name(r->version);
        err = v ? eas_http_writer_header(w, "MS-ASProtocolVersion", v) : EAS_ERR_ARG;
        if (!err && r->policy_key) {
            char digits[11];
            size_t k = sizeof digits;
            uint32_t pk = r->policy_key;
            do {
                digits[--k] = (char)('0' + pk % 10u);
                pk /= 10u;
            } while (pk && k > 0);
            err = eas_http_writer_header_n(w, "X-MS-PolicyKey", digits + k, sizeof digits - k);
        }
        if (!err && (r->options & EAS_ASHTTP_ACCEPT_MULTIPART))
            err = eas_http_writer_header(w, "MS-ASAcceptMultiPart", "T");
    }
    if (!err) err = optional_header(w, "User-Agent", r->user_agent);
    if (!err) err = optional_header(w, "Accept-Language", r->accept_language);
    if (!err && r->anchor_mailbox) {
        /* The scratch is free again here (the target, Host and Authorization went out). */
        static const char name[] = "DefaultAnchorMailbox=";
        size_t an = strlen(r->anchor_mailbox);
        if (sizeof name - 1 + an >= scratch_cap) err = EAS_ERR_NOSPACE;
        else {
            memcpy(scratch, name, sizeof name - 1);
            memcpy(scratch + sizeof name - 1, r->anchor_mailbox, an);
            err = eas_http_writer_header_n(w, "Cookie", scratch, sizeof name - 1 + an);
        }
    }
    if (!err && !options) {
        err = eas_http_writer_header(w, "Content-Type",
                                     r->content_type ? r->content_type : "application/vnd.ms-sync.wbxml");
        if (!err) err = eas_http_writer_content_length(w, r->content_length);
    }
    if (!err) err = eas_http_writer_end_head(w);
    wipe(scratch, scratch_cap);
    return err;
}

/* ------------------------------------------------------------------------------ response ---- */

/* Retry-After: delay-seconds or an HTTP-date. */
static void retry_after(const eas_http_parser *p, int64_t now, eas_ashttp_outcome *o)
{
    size_t n, i;
    const char *v = eas_http_parser_header(p, EAS_HTTP_H_RETRY_AFTER, &n);
    int64_t when, ref;
    if (!v || n == 0) return;
    for (i = 0; i < n && v[i] >= '0' && v[i] <= '9'; i++) {
    }
    if (i == n) {
        uint64_t s = 0;
        for (i = 0; i < n; i++) {
            s = s * 10u + (uint64_t)(v[i] - '0');
            if (s > UINT32_MAX) s = UINT32_MAX;
        }
        o->retry_after_present = true;
        o->retry_after_s = (uint32_t)s;
        return;
    }
    if (eas_http_parse_date(v, n, &when) != EAS_OK) return;
    /* The server's own clock (Date) is the right reference: the device's may be off or unset. */
    {
        size_t dn;
        const char *d = eas_http_parser_header(p, EAS_HTTP_H_DATE, &dn);
        if (!d || eas_http_parse_date(d, dn, &ref) != EAS_OK) {
            if (now < 0) return;
            ref = now;
        }
    }
    o->retry_after_present = true;
    if (when <= ref) o->retry_after_s = 0;
    else o->retry_after_s = (when - ref > (int64_t)UINT32_MAX) ? UINT32_MAX : (uint32_t)(when - ref);
}

eas_err eas_ashttp_classify(const eas_http_parser *p, int64_t now, eas_ashttp_outcome *o)
{
    if (!p || !o) return EAS_ERR_ARG;
    memset(o, 0, sizeof *o);
    if (!eas_http_parser_head_complete(p)) {
        o->action = EAS_ASHTTP_FAIL;
        o->err = EAS_ERR_STATE;
        return o->err;
    }
    o->status = eas_http_parser_status(p);
    o->throttle_reason = eas_http_parser_header(p, EAS_HTTP_H_X_MS_ASTHROTTLE, NULL);
    o->action = EAS_ASHTTP_FAIL;
    switch (o->status) {
    case 200:
        if (eas_http_parser_body_mode(p) == EAS_HTTP_BODY_NONE ||
            (eas_http_parser_body_mode(p) == EAS_HTTP_BODY_LENGTH && eas_http_parser_content_length(p) == 0))
            o->action = EAS_ASHTTP_OK_EMPTY;
        else
            o->action = EAS_ASHTTP_OK;
        o->err = EAS_OK;
        break;
    case 204:
        o->action = EAS_ASHTTP_OK_EMPTY;
        o->err = EAS_OK;
        break;
    case 401:
        o->err = EAS_ERR_AUTH;
        break;
    case 403:
        o->err = EAS_ERR_FORBIDDEN;
        break;
    case 449:
        o->action = EAS_ASHTTP_PROVISION;
        o->err = EAS_ERR_PROVISION;
        break;
    case 451:
        o->action = EAS_ASHTTP_REDIRECT;
        o->err = EAS_ERR_HTTP_REDIRECT;
        o->location = eas_http_parser_header(p, EAS_HTTP_H_X_MS_LOCATION, NULL);
        break;
    case 456:
        o->err = EAS_ERR_ACCOUNT_BLOCKED;
        break;
    case 457:
        o->err = EAS_ERR_PASSWORD_EXPIRED;
        o->location = eas_http_parser_header(p, EAS_HTTP_H_X_MS_CREDENTIAL_SERVICE_URL, NULL);
        break;
    case 500:
        o->err = EAS_ERR_SERVER;
        break;
    case 503:
        o->action = EAS_ASHTTP_RETRY_LATER;
        o->err = EAS_ERR_THROTTLED;
        retry_after(p, now, o);
        break;
    default:
        o->err = EAS_ERR_HTTP_STATUS;
        break;
    }
    return o->err;
}

uint32_t eas_backoff_next(uint32_t attempt, uint32_t base, uint32_t max, uint32_t random)
{
    uint32_t ceiling = base, half;
    if (base == 0 || max == 0) return 0;
    if (ceiling > max) ceiling = max;
    /* Doubling from at least 1 reaches any 32-bit max within 32 steps, whatever attempt is. */
    for (uint32_t k = 0; k < attempt && ceiling < max; k++) ceiling = (ceiling > max / 2u) ? max : ceiling * 2u;
    half = ceiling / 2u;
    return half + random % (ceiling - half + 1u);
}
