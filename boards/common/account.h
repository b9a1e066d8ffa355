/* The device's account and network configuration, generated at build time from a JSON file
 * (make fw BOARD=... ACCOUNT=path.json; boards/common/gen_account.py writes build/BOARD/gen/account.c).
 * Sources are never edited to configure a device. */
#ifndef EAS_FW_ACCOUNT_H
#define EAS_FW_ACCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "eas_lwip.h"

typedef struct fw_account {
    const char *url;          /* NULL: found by Autodiscover for discover_address (docs/DISCOVER.md) */
    const char *discover_address; /* without url: "address", or "user" when it is an e-mail address */
    const char *autodiscover_url; /* a base discovery tries first, or NULL */
    uint8_t autodiscover_public;  /* 0: that base only ("autodiscover_public": false) */
    uint32_t rediscover_after_s;  /* a discovered URL out of reach this long (3 rounds at least): again */
    const char *anchor_mailbox;   /* the DefaultAnchorMailbox cookie's address; NULL: none */
    const char *user;
    const char *password;     /* "" with oauth */
    uint8_t oauth;            /* "auth": "oauth2-device" (docs/OAUTH.md) */
    const char *client_id;    /* the OAuth keys: NULL unless oauth */
    const char *tenant;
    const char *authority;
    const char *scope;
    const char *device_id;
    const char *device_type;
    const char *device_model;
    const char *user_agent;
    const char *os_language;  /* Settings' DeviceInformation OSLanguage; NULL: the core's "English" */
    uint32_t probe_interval_s; /* OPTIONS asked again after this long ("auto" only); 0: a day */
    uint8_t protocol_version; /* 0: negotiate */
    uint8_t allow_plain_http;
    uint8_t calendar_filter;  /* MS-ASCMD FilterType of the calendar Sync (4: two weeks back) */
    const uint8_t *ca;        /* PEM bundle, NUL-terminated; ca_len counts the NUL */
    size_t ca_len;
    const eas_lwip_host *hosts; /* static names, e.g. the test server's name -> the emulator's host */
    size_t host_count;
    const char *sntp_server;    /* NULL: only an NTP server offered by DHCP */
    const char *timezone;       /* the device's zone, a POSIX TZ string ("UTC0" unless configured) */
    uint32_t sync_interval_s;   /* before a new round when a round failed (Ping replaces the timed wait) */
    uint32_t heartbeat_max_s;   /* 0: Ping's adaptive heartbeat; else at most this */
    uint32_t test_boots;        /* 0: one boot, run for ever; N (emulation tests): boots before N reset
                                 * after their Sync, boot N goes on to Ping */
    uint32_t ping_rounds;       /* emulation tests: exit 0 after this many Ping rounds (0: no limit) */
    uint32_t ping_seconds;      /* emulation tests: exit 0 after this long in Ping (0: no limit) */
    const char *address;        /* the display's own mailbox (its room): free/busy after the agenda; NULL: none */
    uint32_t freebusy_hours;    /* how far ahead that free/busy looks */
    const char *gal_lookup;     /* a name looked up in the GAL at the first round; NULL: none */
} fw_account;

extern const fw_account fw_account_cfg;

#endif
