/* MS-ASHTTP: the HTTP shape of an ActiveSync request and the meaning of the response status.
 *
 * A command is "POST <path>?<query> HTTP/1.1" with a WBXML body. The query is either the plain text
 * form (Cmd=..&User=..&DeviceId=..&DeviceType=..) or the base64-encoded binary form of MS-ASHTTP
 * 2.2.1.1.1.1. Authentication is a pluggable provider that writes the Authorization value (Basic is
 * built in; OAuth Bearer plugs in the same way). See docs/HTTP.md. */
#ifndef EAS_ASHTTP_H
#define EAS_ASHTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"
#include "eas/http.h"
#include "eas/sink.h"
#include "eas/url.h"

/* Command codes of MS-ASHTTP 2.2.1.1.1.1.2 (the byte of the base64 query). */
typedef enum {
    EAS_CMD_SYNC = 0,
    EAS_CMD_SENDMAIL = 1,
    EAS_CMD_SMARTFORWARD = 2,
    EAS_CMD_SMARTREPLY = 3,
    EAS_CMD_GETATTACHMENT = 4,
    EAS_CMD_FOLDERSYNC = 9,
    EAS_CMD_FOLDERCREATE = 10,
    EAS_CMD_FOLDERDELETE = 11,
    EAS_CMD_FOLDERUPDATE = 12,
    EAS_CMD_MOVEITEMS = 13,
    EAS_CMD_GETITEMESTIMATE = 14,
    EAS_CMD_MEETINGRESPONSE = 15,
    EAS_CMD_SEARCH = 16,
    EAS_CMD_SETTINGS = 17,
    EAS_CMD_PING = 18,
    EAS_CMD_ITEMOPERATIONS = 19,
    EAS_CMD_PROVISION = 20,
    EAS_CMD_RESOLVERECIPIENTS = 21,
    EAS_CMD_VALIDATECERT = 22,
    EAS_CMD_FIND = 23,
    EAS_CMD_OPTIONS = 255 /* the OPTIONS request, not a command */
} eas_cmd;

/* The command's name as in Cmd= and MS-ASProtocolCommands, or NULL. */
const char *eas_cmd_name(eas_cmd cmd);

/* ---- protocol versions: the value is the version times ten, as in the base64 query's first byte ---- */
#define EAS_PROTO_2_5 25u
#define EAS_PROTO_12_0 120u
#define EAS_PROTO_12_1 121u
#define EAS_PROTO_14_0 140u
#define EAS_PROTO_14_1 141u
#define EAS_PROTO_16_0 160u
#define EAS_PROTO_16_1 161u

/* "14.1" for 141; NULL for a value that is not a protocol version. */
const char *eas_proto_version_name(uint8_t v);
/* The mask bit of a known version (0 for unknown); masks are what parse_versions returns. */
uint32_t eas_proto_bit(uint8_t v);
/* The versions this client speaks, best first: the i-th, or 0 past the end. */
uint8_t eas_proto_client_version(unsigned i);
/* MS-ASProtocolVersions ("2.5,12.0,12.1,14.0,14.1,16.0,16.1") into a mask of eas_proto_bit. Unknown
 * entries are skipped. */
eas_err eas_ashttp_parse_versions(const char *s, size_t len, uint32_t *mask);
/* The version to speak: fixed when non-zero (it must be one the client implements, else
 * EAS_ERR_CONFIG); otherwise the highest of 16.1, 16.0, 14.1, 14.0, 12.1 in server_mask, or
 * EAS_ERR_VERSION when none is. */
eas_err eas_ashttp_pick_version(uint32_t server_mask, uint8_t fixed, uint8_t *out);
/* MS-ASProtocolCommands ("Sync,SendMail,...") into a mask of (1u << eas_cmd). Unknown names skipped. */
eas_err eas_ashttp_parse_commands(const char *s, size_t len, uint32_t *mask);

/* ---- authentication ----
 * A provider writes the whole Authorization value ("Basic ...", "Bearer ...") into out (cap bytes)
 * and sets *len. The value is a secret: the core sends it and wipes the buffer; it never logs it. */
typedef eas_err (*eas_auth_fn)(void *ctx, char *out, size_t cap, size_t *len);
/* Or the provider writes the value straight into the request, in pieces (eas_http_writer_header_stream):
 * a long token streamed from the store needs no buffer of its size. Used when set. */
typedef eas_err (*eas_auth_stream_fn)(void *ctx, eas_sink out);
typedef struct eas_auth {
    eas_auth_fn write;
    void *ctx;
    eas_auth_stream_fn stream;
} eas_auth;

/* HTTP Basic (RFC 7617, charset UTF-8): "Basic " base64(user ":" password). The user may not contain
 * ':' and neither may contain control bytes (EAS_ERR_ARG); EAS_ERR_NOSPACE when cap is too small.
 * The clear "user:password" is never assembled in memory: it is encoded three bytes at a time. */
typedef struct eas_basic_credentials {
    const char *user;
    size_t user_len;
    const char *password;
    size_t password_len;
} eas_basic_credentials;
/* An eas_auth_fn; ctx is an eas_basic_credentials. */
eas_err eas_auth_basic(void *ctx, char *out, size_t cap, size_t *len);

/* ---- the request ---- */
#define EAS_ASHTTP_SAVE_IN_SENT 0x01u     /* SendMail/SmartForward/SmartReply: keep a copy in Sent Items */
#define EAS_ASHTTP_ACCEPT_MULTIPART 0x02u /* ItemOperations: multipart response */

typedef struct eas_ashttp_request {
    eas_cmd cmd;
    uint8_t version;             /* EAS_PROTO_*; not used by OPTIONS */
    uint8_t base64_query;        /* use the MS-ASHTTP 2.2.1.1.1.1 form (12.1 and later only) */
    uint8_t options;             /* EAS_ASHTTP_* */
    uint16_t locale;             /* base64 form: a Windows LCID; 0 means 0x0409 (en-US) */
    uint32_t policy_key;         /* 0: none (no X-MS-PolicyKey) */
    uint64_t content_length;     /* of the body that follows the head */
    const char *user;            /* User= (required by the plain form) */
    const char *device_id;       /* required, at most 32 characters, letters and digits */
    const char *device_type;     /* required, e.g. "SmartPhone" */
    const char *user_agent;      /* NULL: no User-Agent */
    const char *accept_language; /* NULL: no Accept-Language */
    const char *anchor_mailbox;  /* NULL: none; else "Cookie: DefaultAnchorMailbox=" it (consumer mailboxes
                                  * of Exchange Online route by it) */
    const char *content_type;    /* NULL: application/vnd.ms-sync.wbxml */
    /* command parameters (NULL: absent) */
    const char *collection_id;
    const char *item_id;
    const char *long_id;
    const char *occurrence;
    const char *attachment_name;
} eas_ashttp_request;

/* The request target: base_path (the URL's path) followed by the query in the chosen form. For the
 * plain form values are percent-encoded ("alice@example.test" -> "alice%40example.test"); the base64
 * form is padded (SOGo answers 501 to an unpadded one). NUL-terminated. EAS_ERR_NOSPACE when cap is
 * too small, EAS_ERR_ARG for a missing or over-long field. */
eas_err eas_ashttp_target(const eas_ashttp_request *r, const char *base_path, char *out, size_t cap, size_t *len);

/* Writes the request line and headers to sink through w: Host, Authorization (from auth, may be
 * NULL), MS-ASProtocolVersion and X-MS-PolicyKey (plain form; the base64 form carries them),
 * User-Agent, Accept-Language, MS-ASAcceptMultiPart, and for POST Content-Type and Content-Length.
 * scratch (at least the target's length + 1, and the Authorization value's) is wiped before return.
 * The body then goes through eas_http_writer_body_sink(w), and eas_http_writer_finish(w) ends it. */
eas_err eas_ashttp_write_head(eas_http_writer *w, eas_sink sink, const eas_url *url, const eas_ashttp_request *r,
                              const eas_auth *auth, char *scratch, size_t scratch_cap);

/* ---- the response ---- */
typedef enum {
    EAS_ASHTTP_OK,          /* 200 with a body */
    EAS_ASHTTP_OK_EMPTY,    /* 200 with Content-Length 0 (or 204): no content */
    EAS_ASHTTP_PROVISION,   /* 449: provision, then retry */
    EAS_ASHTTP_REDIRECT,    /* 451: the mailbox lives at location */
    EAS_ASHTTP_RETRY_LATER, /* 503: throttled; wait retry_after_s (or back off when absent) */
    EAS_ASHTTP_FAIL         /* err says why */
} eas_ashttp_action;

typedef struct eas_ashttp_outcome {
    eas_ashttp_action action;
    eas_err err;                 /* EAS_OK only for OK and OK_EMPTY */
    uint16_t status;
    bool retry_after_present;    /* 503: Retry-After given (seconds or a date) */
    uint32_t retry_after_s;
    const char *location;        /* 451: X-MS-Location; 457: X-MS-Credential-Service-Url (into the parser), else NULL */
    const char *throttle_reason; /* X-MS-ASThrottle (into the parser), else NULL */
} eas_ashttp_outcome;

/* Classifies a response whose head is complete. Returns out->err:
 * 200/204 EAS_OK; 401 EAS_ERR_AUTH; 403 EAS_ERR_FORBIDDEN; 449 EAS_ERR_PROVISION; 451
 * EAS_ERR_HTTP_REDIRECT; 456 EAS_ERR_ACCOUNT_BLOCKED; 457 EAS_ERR_PASSWORD_EXPIRED (location: X-MS-Credential-Service-Url, or NULL); 500 EAS_ERR_SERVER; 503 EAS_ERR_THROTTLED; any other
 * status EAS_ERR_HTTP_STATUS. A Retry-After date is counted from the response's Date header, else
 * from now (seconds since 1970, -1 if unknown). */
eas_err eas_ashttp_classify(const eas_http_parser *p, int64_t now, eas_ashttp_outcome *out);

/* Delay before retry number attempt (0-based) when the server gave no Retry-After: exponential from
 * base, capped at max, with "equal jitter" (half fixed, half from random) so that many devices do not
 * return in step. */
uint32_t eas_backoff_next(uint32_t attempt, uint32_t base, uint32_t max, uint32_t random);

#endif
