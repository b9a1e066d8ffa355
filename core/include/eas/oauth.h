/* OAuth 2.0 sign-in for Exchange Online: the device authorization grant (RFC 8628) and refresh tokens
 * that rotate (RFC 6749 6), against Microsoft's identity platform or anything speaking the same.
 *
 * Three parts, none of which does I/O of its own (the application or the agent carries the requests over
 * its HTTP exchange):
 *  - the tokens in the state store (one record of facts, then the access and refresh tokens in chunks of
 *    EAS_OAUTH_CHUNK bytes). A new pair replaces the old in one store transaction: a power cut at any
 *    flash write leaves either the old pair or the new one, whole, never a mix, so a rotated refresh
 *    token is forgotten only once its successor is on flash. The tokens are never held whole in RAM
 *    outside the response being parsed: the Authorization value and the refresh request's body are
 *    streamed from the store into a sink.
 *  - the request bodies (application/x-www-form-urlencoded) and endpoint paths;
 *  - the flow (eas_oauth_flow): which request comes next, when, and what an answer means.
 *
 * Tokens are secrets: nothing here logs them, and no error message carries them. */
#ifndef EAS_OAUTH_H
#define EAS_OAUTH_H

#include <stddef.h>
#include <stdint.h>

#include "eas/config.h"
#include "eas/err.h"
#include "eas/sink.h"
#include "eas/store.h"

#if EAS_ENABLE_OAUTH
#if EAS_OAUTH_CHUNK > EAS_STORE_MAX_VALUE || EAS_OAUTH_CHUNK < 16
#error "EAS_OAUTH_CHUNK must be 16 .. EAS_STORE_MAX_VALUE"
#endif
#define EAS_OAUTH_CHUNKS ((EAS_OAUTH_TOKEN_MAX + EAS_OAUTH_CHUNK - 1u) / EAS_OAUTH_CHUNK)
#if 2u * EAS_OAUTH_CHUNKS + 1u > EAS_STORE_MAX_TXN_RECORDS
#error "two tokens of EAS_OAUTH_TOKEN_MAX bytes and their record must fit one store transaction"
#endif
#endif

/* Store keys (beside the account state of eas/agent.h). */
#define EAS_KEY_OAUTH 0x00200000u                                 /* the facts: lengths, expiry */
#define EAS_KEY_OAUTH_ACCESS(i) (0x00200100u + (uint32_t)(i))     /* access token, chunk i */
#define EAS_KEY_OAUTH_REFRESH(i) (0x00200200u + (uint32_t)(i))    /* refresh token, chunk i */
#define EAS_KEY_OAUTH_LAST 0x002002FFu

typedef struct eas_oauth_config {
    const char *client_id; /* the app registration */
    const char *tenant;    /* "organizations", a tenant id or a domain */
    const char *scope;     /* "https://outlook.office.com/EAS.AccessAsUser.All offline_access" */
    const char *base_path; /* the authority URL's path ("" for https://login.microsoftonline.com) */
} eas_oauth_config;

/* ---------------------------------------------------------------- tokens in the store */
typedef struct eas_oauth_tokens {
    uint64_t expires_at;  /* wall-clock seconds since 1970 when the access token expires */
    uint32_t lifetime_s;  /* expires_in as given */
    uint32_t generation;  /* +1 per pair stored: tells rotations apart */
    uint16_t access_len;
    uint16_t refresh_len; /* 0: no refresh token (scope without offline_access) */
} eas_oauth_tokens;

/* The stored pair's facts: EAS_ERR_NOT_SIGNED_IN when there is none (or a broken record). */
eas_err eas_oauth_tokens_load(eas_store *st, eas_oauth_tokens *out);
/* Stores a new pair in one transaction, replacing the old one (its extra chunks deleted). expires_in
 * is counted from now (wall seconds). A token longer than EAS_OAUTH_TOKEN_MAX, an empty access token or
 * one with bytes that cannot go into a header (control bytes, space) is EAS_ERR_NOSPACE / EAS_ERR_ARG
 * and changes nothing. out (may be NULL) gets the new facts. */
eas_err eas_oauth_tokens_save(eas_store *st, const char *access, size_t access_len, const char *refresh,
                              size_t refresh_len, uint64_t now, uint32_t expires_in, eas_oauth_tokens *out);
/* Forgets the pair (sign out, or a sign-in the service no longer honours). */
eas_err eas_oauth_tokens_forget(eas_store *st);
/* The access token is good for a request now: not within the refresh margin of its expiry
 * (min(EAS_OAUTH_REFRESH_MARGIN_S, lifetime / 4) before it). */
int eas_oauth_access_fresh(const eas_oauth_tokens *t, uint64_t now);
/* Writes "Bearer <access token>" to sink, the token streamed from the store a chunk at a time. */
eas_err eas_oauth_write_bearer(eas_store *st, const eas_oauth_tokens *t, eas_sink sink);
/* The Authorization provider for requests (an eas_auth's stream, eas/ashttp.h): ctx is an eas_oauth_bearer
 * whose tokens were loaded from st. */
typedef struct eas_oauth_bearer {
    eas_store *st;
    eas_oauth_tokens tokens;
} eas_oauth_bearer;
eas_err eas_oauth_bearer_stream(void *ctx, eas_sink out);
/* The length of what eas_oauth_write_bearer writes. */
size_t eas_oauth_bearer_len(const eas_oauth_tokens *t);

/* ---------------------------------------------------------------- requests */
typedef enum { EAS_OAUTH_DEVICECODE = 0, EAS_OAUTH_TOKEN = 1 } eas_oauth_endpoint;

/* "{base_path}/{tenant}/oauth2/v2.0/devicecode" (or .../token), NUL-terminated. */
eas_err eas_oauth_target(const eas_oauth_config *c, eas_oauth_endpoint ep, char *out, size_t cap, size_t *len);
/* The form bodies. With sink.write NULL nothing is written and *len is the length (Content-Length
 * first, then the same call with a real sink). */
eas_err eas_oauth_devicecode_body(const eas_oauth_config *c, eas_sink sink, size_t *len);
eas_err eas_oauth_poll_body(const eas_oauth_config *c, const char *device_code, eas_sink sink, size_t *len);
/* grant_type=refresh_token, the refresh token streamed from the store (EAS_ERR_NOT_SIGNED_IN when
 * there is none). */
eas_err eas_oauth_refresh_body(const eas_oauth_config *c, eas_store *st, const eas_oauth_tokens *t, eas_sink sink,
                               size_t *len);

/* ---------------------------------------------------------------- the flow */
typedef enum {
    EAS_OAUTH_SEND_DEVICECODE = 1, /* POST the devicecode body to the devicecode endpoint */
    EAS_OAUTH_SEND_POLL,           /* POST the poll body to the token endpoint, at *at_ms */
    EAS_OAUTH_SEND_REFRESH,        /* POST the refresh body to the token endpoint */
    EAS_OAUTH_DONE,                /* signed in: the tokens are in the store */
    EAS_OAUTH_FAILED               /* eas_oauth_flow_error says why */
} eas_oauth_action;

typedef struct eas_oauth_flow {
    const eas_oauth_config *cfg;
    eas_store *st;
    /* Called once per device-code round with the service's message (it holds the verification URI and
     * the user code) to show the user; the user code and URI alone too. NUL-terminated. */
    void (*show)(void *ctx, const char *message, const char *user_code, const char *uri);
    void *ctx;
    uint8_t action;      /* eas_oauth_action */
    uint8_t refreshing;  /* the request in flight is a refresh */
    eas_err err;
    uint32_t aadsts;     /* the AADSTS code of the last refusal (0: none) */
    uint32_t interval_s; /* polling interval (grows by 5 s on slow_down) */
    uint32_t polls;
    uint64_t next_ms;    /* monotonic time of the next poll */
    uint64_t code_expires_ms;
    eas_oauth_tokens tokens;
    size_t body_len;
    char device_code[EAS_OAUTH_DEVICE_CODE_MAX];
    /* The response body being received; read by the platform's JSON binding (platform/oauth_json.h). */
    char body[EAS_OAUTH_BODY_MAX];
} eas_oauth_flow;

/* A device-code round: the next action is EAS_OAUTH_SEND_DEVICECODE. */
void eas_oauth_login_begin(eas_oauth_flow *f, const eas_oauth_config *cfg, eas_store *st);
/* A refresh of the stored pair: EAS_OAUTH_SEND_REFRESH, or EAS_OAUTH_FAILED (EAS_ERR_NOT_SIGNED_IN). */
void eas_oauth_refresh_begin(eas_oauth_flow *f, const eas_oauth_config *cfg, eas_store *st);
/* What to do next; for EAS_OAUTH_SEND_POLL, not before *at_ms (monotonic). */
eas_oauth_action eas_oauth_next(const eas_oauth_flow *f, uint64_t *at_ms);
/* Where the response body goes (as the exchange receives it); more than EAS_OAUTH_BODY_MAX bytes is
 * EAS_ERR_NOSPACE. Emptied by each eas_oauth_response. */
eas_sink eas_oauth_body_sink(eas_oauth_flow *f);
/* The answer to the request of the current action: its HTTP status, the body received through the
 * sink. now_ms is monotonic, wall_s the wall clock (for the token's expiry). Returns the next action.
 * A refusal fails the flow with a precise error (EAS_ERR_SIGNIN_*); a refresh refused with
 * invalid_grant also forgets the stored pair (the service will not take it again: sign in again). A
 * 5xx or temporarily_unavailable fails with EAS_ERR_SERVER and keeps the tokens (try again later). */
eas_oauth_action eas_oauth_response(eas_oauth_flow *f, uint16_t http_status, uint64_t now_ms, uint64_t wall_s);
/* A request that got no answer (network, TLS): the flow fails with err, the stored pair stays. */
void eas_oauth_lost(eas_oauth_flow *f, eas_err err);
eas_err eas_oauth_flow_error(const eas_oauth_flow *f);

#endif
