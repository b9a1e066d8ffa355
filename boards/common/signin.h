/* The firmware's OAuth 2.0 sign-in on its console (docs/OAUTH.md): with "auth": "oauth2-device" the
 * device shows the identity platform's message (the URI and the user code, never a token) on the UART,
 * polls until someone has entered the code, and keeps the tokens in the state store, so a reset finds
 * them and the agent refreshes them itself (eas_agent_config.oauth is this client). A round refused
 * (declined, expired, consent, Conditional Access) or a sign-in the service revoked is said on the
 * console, and a new device-code round starts after a back-off that grows (from the account's
 * sync_interval_s, doubling, with jitter, up to an hour) instead of hammering the service.
 *
 * Console lines (tests parse them):
 *   signin: <the service's message>
 *   SIGNIN <verification URI> <user code>
 *   signin: signed in                        or  signin: signed in (tokens in the store)   at boot
 *   signin: <why>; a new sign-in in <N> s */
#ifndef EAS_FW_SIGNIN_H
#define EAS_FW_SIGNIN_H

#include "account.h"
#include "eas/oauth_client.h"

#if EAS_ENABLE_OAUTH
typedef struct fw_signin {
    eas_oauth_client client; /* for the agent's refreshes too */
    eas_oauth_config cfg;
    const eas_pal *pal;
    eas_store *st;
    uint32_t refusals;       /* in a row: the back-off grows */
    uint64_t round_at_ms;    /* the next device-code round starts then */
    uint8_t waiting;         /* a back-off before the round */
} fw_signin;

/* The client over x (the agent's exchange: one request buffer for both). */
eas_err fw_signin_init(fw_signin *s, const fw_account *acc, eas_store *st, eas_exchange *x, const eas_pal *pal);
/* Tokens in the store (said on the console when say). */
int fw_signin_signed_in(fw_signin *s, int say);
/* A device-code round: at once, or (after is the reason, an EAS_ERR_SIGNIN_* or any failure) said on the
 * console and started after the back-off. */
void fw_signin_start(fw_signin *s, eas_err after);
/* EAS_ERR_WOULD_BLOCK: step again after *w; EAS_OK: signed in; a network or TLS error ends the round
 * (the caller decides: a device starts another after its interval, an emulation test exits). A
 * refusal does not end it: it is said and the next round follows the back-off. */
eas_err fw_signin_step(fw_signin *s, eas_wait *w);
/* A sign-in error: the account needs a new device-code round. */
int fw_signin_error(eas_err e);
#endif

#endif
