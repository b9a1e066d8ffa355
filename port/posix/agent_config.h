/* The eas-agent configuration file: JSON, parsed with cJSON on the static arena. Every key is known
 * by name and type; an unknown key or a wrong type is an error that names the key. */
#ifndef EAS_POSIX_AGENT_CONFIG_H
#define EAS_POSIX_AGENT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "eas/err.h"

#define EAS_CLI_STR_MAX 512
#define EAS_CLI_REDIRECT_HOSTS_MAX 8

typedef struct eas_cli_config {
    char url[EAS_CLI_STR_MAX];              /* empty: found by discovery (user is an address) */
    char autodiscover_url[EAS_CLI_STR_MAX]; /* a base tried first by discovery, or empty */
    char user[256];
    char address[256]; /* the mailbox's e-mail address: "address", or user when that is one; or empty */
    char password[256]; /* from "password", or from the variable named by "password_env" */
    char password_env_unset[128]; /* the name in "password_env" when that variable is not set: an
                                   * error for the commands that talk to the server, not for the
                                   * ones that only read the store */
    char device_id[33];
    char device_type[64];
    char device_model[64];
    char user_agent[128];
    char device_os[64];     /* DeviceInformation OS (default "Linux") */
    char friendly_name[64]; /* DeviceInformation FriendlyName (default: device_model) */
    char os_language[64];   /* DeviceInformation OSLanguage (default "English") */
    uint32_t probe_interval_s; /* "probe_interval_s": OPTIONS asked again after this long (0: a day) */
    char ca_file[EAS_CLI_STR_MAX];
    char state_file[EAS_CLI_STR_MAX];
    char timezone[128];
    char tls_server_name[256]; /* the certificate's name when the URL's host is an IP address */
    char redirect_hosts[EAS_CLI_REDIRECT_HOSTS_MAX][256]; /* hosts a 451 may move the account to, beyond
                                                          * the configured host's domain */
    const char *redirect_host_list[EAS_CLI_REDIRECT_HOSTS_MAX]; /* pointers into redirect_hosts */
    uint8_t redirect_host_count;
    uint8_t protocol_version; /* 0: auto */
    uint8_t allow_plain_http;
    uint8_t anchor_mailbox;      /* "anchor_mailbox": true: Cookie: DefaultAnchorMailbox=address */
    uint8_t autodiscover_public; /* 0: discovery asks autodiscover_url only ("autodiscover_public": false) */
    uint32_t rediscover_after_s; /* a discovered URL out of reach this long (and EAS_REDISCOVER_FAILURES runs) */
    uint8_t sync_classes; /* from "classes": EAS_SYNC_CLASS bits; 0: the agent's default */
    uint8_t client_wins;  /* "conflicts": "client-wins" */
    uint8_t calendar_filter; /* "calendar_filter" as MS-ASCMD FilterType: 0 all, 1 one day ... 7 six months back (4) */
    uint8_t password_inline; /* the password is in the file itself (not in the environment) */
    /* sign-in: "auth" is "basic" (user and password) or "oauth2-device" (OAuth 2.0 device code, RFC 8628,
     * at {authority}/{tenant}/oauth2/v2.0/devicecode and .../token) */
    uint8_t oauth;        /* "auth": "oauth2-device" */
    char client_id[128];  /* the app registration (required with oauth2-device) */
    char tenant[128];     /* default "organizations" */
    char authority[EAS_CLI_STR_MAX]; /* default "https://login.microsoftonline.com", no trailing '/' */
    char scope[EAS_CLI_STR_MAX];     /* default EAS_CLI_DEFAULT_SCOPE */
} eas_cli_config;

#define EAS_CLI_REDISCOVER_AFTER_S 600u /* ten minutes: three failed runs of a device retrying every 5 */
#define EAS_CLI_DEFAULT_AUTHORITY "https://login.microsoftonline.com"
#define EAS_CLI_DEFAULT_TENANT "organizations"
#define EAS_CLI_DEFAULT_SCOPE "https://outlook.office.com/EAS.AccessAsUser.All offline_access"

/* Parses text (len bytes). config_path is used for the default state_file (config_path + ".state").
 * On error, msg (cap bytes) says what is wrong, naming the key; the result is EAS_ERR_CONFIG. */
eas_err eas_cli_config_parse(const char *text, size_t len, const char *config_path, eas_cli_config *out, char *msg,
                             size_t cap);

#endif
