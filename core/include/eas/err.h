/* Every fallible function of the core returns an eas_err: 0 is success, the rest name what went wrong
 * precisely enough to act on it. The list is an X-macro so that the names and the messages (kept in ROM)
 * cannot drift apart. Append new codes at the end of their group; never reuse a value. */
#ifndef EAS_ERR_H
#define EAS_ERR_H

#define EAS_ERR_LIST(X)                                                                        \
    X(EAS_OK, 0, "ok")                                                                         \
    /* generic */                                                                              \
    X(EAS_ERR_ARG, 1, "invalid argument")                                                      \
    X(EAS_ERR_NOSPACE, 2, "buffer or capacity too small")                                      \
    X(EAS_ERR_WOULD_BLOCK, 3, "operation would block")                                         \
    X(EAS_ERR_STATE, 4, "call not valid in this state")                                        \
    X(EAS_ERR_NOT_FOUND, 5, "not found")                                                       \
    X(EAS_ERR_UNSUPPORTED, 6, "unsupported")                                                   \
    X(EAS_ERR_IO, 7, "I/O error")                                                              \
    X(EAS_ERR_SINK, 8, "output sink refused data")                                             \
    X(EAS_ERR_ABORTED, 9, "aborted by the application")                                        \
    X(EAS_ERR_ITEM_PARTIAL, 10, "item held in part: a change before EAS 16.0 would lose the rest") \
    /* WBXML input (MS-ASWBXML, WBXML 1.3) */                                                  \
    X(EAS_ERR_WBXML_TRUNCATED, 20, "WBXML input ends inside a token or element")               \
    X(EAS_ERR_WBXML_VERSION, 21, "unsupported WBXML version")                                  \
    X(EAS_ERR_WBXML_PUBLIC_ID, 22, "unsupported WBXML public identifier")                      \
    X(EAS_ERR_WBXML_CHARSET, 23, "unsupported WBXML charset (UTF-8 only)")                     \
    X(EAS_ERR_WBXML_STRING_TABLE, 24, "WBXML string table not allowed")                        \
    X(EAS_ERR_WBXML_MBUINT_OVERFLOW, 25, "mb_u_int32 longer than 5 bytes or over 32 bits")     \
    X(EAS_ERR_WBXML_UNKNOWN_PAGE, 26, "unknown WBXML code page")                               \
    X(EAS_ERR_WBXML_UNKNOWN_TOKEN, 27, "unknown WBXML tag token")                              \
    X(EAS_ERR_WBXML_ATTRIBUTES, 28, "WBXML attributes are not used by ActiveSync")             \
    X(EAS_ERR_WBXML_LITERAL, 29, "WBXML literal tags are not used by ActiveSync")              \
    X(EAS_ERR_WBXML_STRING_REF, 30, "WBXML string table reference (STR_T) not allowed")        \
    X(EAS_ERR_WBXML_ENTITY, 31, "WBXML ENTITY token not allowed")                              \
    X(EAS_ERR_WBXML_EXTENSION, 32, "WBXML extension token not allowed")                        \
    X(EAS_ERR_WBXML_PI, 33, "WBXML processing instruction not allowed")                        \
    X(EAS_ERR_WBXML_DEPTH, 34, "WBXML nesting deeper than EAS_WBXML_MAX_DEPTH")                \
    X(EAS_ERR_WBXML_UNBALANCED_END, 35, "WBXML END without a matching start tag")              \
    X(EAS_ERR_WBXML_TRAILING, 36, "bytes after the WBXML root element")                        \
    X(EAS_ERR_WBXML_CONTENT_OUTSIDE_ROOT, 37, "WBXML content outside the root element")        \
    X(EAS_ERR_WBXML_STRING_TOO_LONG, 38, "WBXML string longer than allowed")                   \
    X(EAS_ERR_WBXML_OPAQUE_TOO_LONG, 39, "WBXML opaque data longer than allowed")              \
    X(EAS_ERR_WBXML_INVALID_RESERVED, 40, "reserved WBXML token")                              \
    X(EAS_ERR_WBXML_EMPTY, 41, "WBXML document has no root element")                          \
    X(EAS_ERR_WBXML_NUL_IN_OPAQUE, 42, "NUL byte inside an inline string")                     \
    /* XML text (the eas-wbxml encode direction) */                                           \
    X(EAS_ERR_XML_SYNTAX, 60, "XML syntax error")                                              \
    X(EAS_ERR_XML_UNKNOWN_NAMESPACE, 61, "unknown XML namespace for ActiveSync")               \
    X(EAS_ERR_XML_UNKNOWN_ELEMENT, 62, "element not in its ActiveSync code page")              \
    X(EAS_ERR_XML_MISMATCHED_END, 63, "XML end tag does not match its start tag")              \
    X(EAS_ERR_XML_BASE64, 64, "invalid base64 in opaque data")                                 \
    X(EAS_ERR_XML_TRUNCATED, 65, "XML input ends inside the document")                        \
    X(EAS_ERR_XML_DEPTH, 66, "XML nesting deeper than allowed")                               \
    /* HTTP / MS-ASHTTP */                                                                     \
    X(EAS_ERR_HTTP_MALFORMED, 80, "malformed HTTP response")                                   \
    X(EAS_ERR_HTTP_HEADER_TOO_LARGE, 81, "HTTP header larger than EAS_HTTP_HEADER_MAX")        \
    X(EAS_ERR_HTTP_TRUNCATED, 82, "HTTP response ended early")                                 \
    X(EAS_ERR_HTTP_STATUS, 83, "unexpected HTTP status")                                       \
    X(EAS_ERR_HTTP_CHUNK, 84, "malformed HTTP chunked encoding")                               \
    X(EAS_ERR_HTTP_CONTENT_TYPE, 85, "unexpected HTTP content type")                           \
    X(EAS_ERR_HTTP_REDIRECT, 86, "server moved the mailbox; redirect not followed")            \
    X(EAS_ERR_HTTP_URL, 87, "malformed URL")                                                   \
    X(EAS_ERR_HTTP_HEAD_TOO_LARGE, 88, "HTTP head longer than EAS_HTTP_HEAD_TOTAL_MAX")        \
    /* network and TLS */                                                                      \
    X(EAS_ERR_NET_CONNECT, 100, "connection failed")                                           \
    X(EAS_ERR_NET_CLOSED, 101, "connection closed by peer")                                    \
    X(EAS_ERR_NET_RESOLVE, 102, "host name not resolved")                                      \
    X(EAS_ERR_NET_TIMEOUT, 103, "network timeout")                                             \
    X(EAS_ERR_NET_IO, 104, "network I/O error")                                                \
    X(EAS_ERR_TLS_HANDSHAKE, 110, "TLS handshake failed")                                      \
    X(EAS_ERR_TLS_VERIFY, 111, "TLS certificate verification failed")                         \
    X(EAS_ERR_TLS_CONFIG, 112, "TLS configuration error")                                      \
    X(EAS_ERR_TLS_IO, 113, "TLS record error")                                                 \
    X(EAS_ERR_PLAIN_HTTP_REFUSED, 114, "plain http refused (allow_plain_http is false)")       \
    X(EAS_ERR_TLS_IP_NAME, 115, "TLS to an IP address needs the certificate's host name")      \
    /* account and protocol */                                                                 \
    X(EAS_ERR_AUTH, 120, "authentication failed")                                              \
    X(EAS_ERR_FORBIDDEN, 121, "access forbidden or device blocked")                            \
    X(EAS_ERR_ACCOUNT, 122, "account blocked or password expired")                             \
    X(EAS_ERR_PROVISION, 123, "provisioning required or refused")                              \
    X(EAS_ERR_SERVER, 124, "server error")                                                     \
    X(EAS_ERR_THROTTLED, 125, "server busy: retry later")                                      \
    X(EAS_ERR_PROTOCOL, 126, "protocol error")                                                 \
    X(EAS_ERR_VERSION, 127, "no common protocol version")                                      \
    X(EAS_ERR_REMOTE_WIPE, 128, "remote wipe requested")                                       \
    X(EAS_ERR_QUARANTINED, 129, "device quarantined: the server answers with no content")      \
    X(EAS_ERR_ACCOUNT_BLOCKED, 130, "account blocked by the server (HTTP 456)")                \
    X(EAS_ERR_PASSWORD_EXPIRED, 131, "password expired (HTTP 457): change it, then run again")  \
    /* state store and flash */                                                                \
    X(EAS_ERR_FLASH, 140, "flash operation failed")                                            \
    X(EAS_ERR_STORE_CORRUPT, 141, "state store corrupt")                                       \
    X(EAS_ERR_STORE_EMPTY, 142, "state store holds no state yet")                              \
    X(EAS_ERR_STORE_FULL, 143, "state store full")                                             \
    X(EAS_ERR_STORE_GEOMETRY, 144, "flash geometry not usable by the store")                   \
    X(EAS_ERR_FLASH_BUSY, 145, "state in use by another process")                              \
    X(EAS_ERR_TXN_FULL, 146, "response over a store transaction (EAS_STORE_MAX_TXN_RECORDS)")  \
    /* configuration */                                                                        \
    X(EAS_ERR_CONFIG, 160, "configuration error")                                              \
    /* calendar math: time zones and recurrences (core/calendar) */                            \
    X(EAS_ERR_TZ_BLOB, 180, "malformed ActiveSync TimeZone blob")                              \
    X(EAS_ERR_TZ_STRING, 181, "malformed POSIX TZ string")                                     \
    X(EAS_ERR_TIME_RANGE, 182, "date or time outside years 1-9999")                            \
    X(EAS_ERR_TIME_SKIPPED, 183, "local time skipped by a daylight-saving change")             \
    X(EAS_ERR_TIME_REPEATED, 184, "local time repeated by a daylight-saving change")           \
    X(EAS_ERR_RECUR, 185, "invalid recurrence rule")                                           \
    /* ICS, MS-OXCFXICS (core/ics): ID sets, PCLs, FastTransfer streams */                     \
    X(EAS_ERR_ICS_TRUNCATED, 200, "ICS input ends inside a structure")                         \
    X(EAS_ERR_ICS_GLOBSET, 201, "malformed GLOBSET command stream")                            \
    X(EAS_ERR_ICS_SET_FULL, 202, "ID set needs more ranges or replicas than its capacity")     \
    X(EAS_ERR_ICS_XID, 203, "malformed XID or PCL")                                            \
    X(EAS_ERR_ICS_PCL_FULL, 204, "PCL has more XIDs than EAS_ICS_PCL_MAX_XIDS")                \
    X(EAS_ERR_ICS_FX_TYPE, 205, "FastTransfer stream: unknown property type")                  \
    X(EAS_ERR_ICS_FX_MARKER, 206, "FastTransfer stream: marker out of place or too deep")      \
    X(EAS_ERR_ICS_FX_VALUE, 207, "FastTransfer stream: value longer than allowed")             \
    X(EAS_ERR_ICS_STATE, 208, "malformed ICS state")                                           \
                                                                                               \
    X(EAS_ERR_DISCOVER_NONE, 220, "Autodiscover found no ActiveSync URL for the address")     \
    X(EAS_ERR_DISCOVER_LOOP, 221, "Autodiscover redirects loop or exceed their bound")        \
    X(EAS_ERR_DISCOVER_ADDRESS, 222, "not an e-mail address Autodiscover can use")            \
    X(EAS_ERR_DNS_MALFORMED, 223, "malformed DNS answer")                                      \
    /* OAuth sign-in */                                                                        \
    X(EAS_ERR_NOT_SIGNED_IN, 240, "not signed in: run login")                                  \
    X(EAS_ERR_SIGNIN_EXPIRED, 241, "sign-in code expired before it was entered: sign in again") \
    X(EAS_ERR_SIGNIN_DENIED, 242, "sign-in declined by the user")                              \
    X(EAS_ERR_SIGNIN_CLIENT, 243, "app registration refused (client_id; public client flows on?)") \
    X(EAS_ERR_SIGNIN_SCOPE, 244, "scope refused by the identity platform")                     \
    X(EAS_ERR_SIGNIN_CONSENT, 245, "an administrator must consent to the app")                 \
    X(EAS_ERR_SIGNIN_BLOCKED, 246, "sign-in blocked by a Conditional Access policy")           \
    X(EAS_ERR_SIGNIN_REVOKED, 247, "sign-in no longer valid: sign in again")                   \
    X(EAS_ERR_SIGNIN_REFUSED, 248, "request refused by the identity platform")

typedef enum {
#define EAS_ERR_ENUM_(name, value, text) name = value,
    EAS_ERR_LIST(EAS_ERR_ENUM_)
#undef EAS_ERR_ENUM_
} eas_err;

/* What kind of failure an error is, for an application's exit status or its display: the values are
 * the exit statuses of eas-agent and of the firmware. */
typedef enum {
    EAS_KIND_OK = 0,
    EAS_KIND_CONFIG = 1,   /* usage or configuration: fix the settings */
    EAS_KIND_NETWORK = 2,  /* network or TLS: try again later, or check the certificate */
    EAS_KIND_ACCOUNT = 3,  /* authentication or account state: 401, 403, 456, 457, blocked, quarantined, wipe */
    EAS_KIND_PROTOCOL = 4  /* protocol or server error (and everything else) */
} eas_err_kind;
eas_err_kind eas_err_kind_of(eas_err err);

/* A fixed English message for the code (never NULL; "unknown error" for values not in the list). */
const char *eas_err_str(eas_err err);
/* The enumerator's own name, e.g. "EAS_ERR_WBXML_TRUNCATED" (for tests and traces). */
const char *eas_err_name(eas_err err);

#endif
