/* The sign-in carried over an HTTP exchange (eas/exchange.h): the requests of an eas_oauth_flow as
 * POSTs to the identity platform, the answers fed back, the polling interval waited out without
 * blocking. Non-blocking like the agent: eas_oauth_client_step until it returns something other than
 * EAS_ERR_WOULD_BLOCK. The exchange must not be in use by anything else meanwhile (the agent's
 * connection closed first when both share the PAL's streams). */
#ifndef EAS_OAUTH_CLIENT_H
#define EAS_OAUTH_CLIENT_H

#include "eas/exchange.h"
#include "eas/oauth.h"
#include "eas/url.h"
#include "pal.h"

typedef struct eas_oauth_client {
    eas_oauth_flow flow;         /* show/ctx: set them before login */
    eas_oauth_config cfg_copy;   /* the caller's, with the authority's path */
    const eas_oauth_config *cfg;
    eas_url authority;
    eas_store *st;
    eas_exchange *x;
    const eas_pal *pal;
    eas_exchange_head head;
    char target[EAS_URL_PATH_MAX + 32];
    uint8_t busy;                /* an exchange is under way */
} eas_oauth_client;

/* authority: "https://login.microsoftonline.com" (a path is kept: "{path}/{tenant}/oauth2/v2.0/..."). */
eas_err eas_oauth_client_init(eas_oauth_client *c, const eas_oauth_config *cfg, const char *authority,
                              eas_store *st, eas_exchange *x, const eas_pal *pal);
void eas_oauth_client_login(eas_oauth_client *c);
void eas_oauth_client_refresh(eas_oauth_client *c);
/* EAS_ERR_WOULD_BLOCK: call again after *w; EAS_OK: signed in (the tokens are in the store); else why
 * not (eas_oauth_flow_error, EAS_ERR_SIGNIN_*, network and TLS errors). */
eas_err eas_oauth_client_step(eas_oauth_client *c, eas_wait *w);

#endif
