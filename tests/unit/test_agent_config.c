/* The eas-agent configuration (port/posix/agent_config.c): the sign-in keys "auth", "client_id",
 * "tenant", "authority", "scope" and "rediscover_after_s": defaults, and every bad value an error naming its key. */
#include <stdio.h>
#include <string.h>

#include "agent_config.h"
#include "check.h"

static eas_cli_config cfg;
static char msg[256];

static eas_err parse(const char *json)
{
    msg[0] = '\0';
    return eas_cli_config_parse(json, strlen(json), "/tmp/x.json", &cfg, msg, sizeof msg);
}

#define BASE "\"url\": \"https://eas.example.com/Microsoft-Server-ActiveSync\", \"user\": \"alice@example.com\", " \
             "\"device_id\": \"dev1\""

TEST(config_oauth_defaults)
{
    CHECK_OK(parse("{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"9e5f94bc-e8a4-4e73-b8be-63364c29d753\"}"));
    CHECK_EQ(cfg.oauth, 1);
    CHECK_STR(cfg.client_id, "9e5f94bc-e8a4-4e73-b8be-63364c29d753");
    CHECK_STR(cfg.tenant, "organizations");
    CHECK_STR(cfg.authority, "https://login.microsoftonline.com");
    CHECK_STR(cfg.scope, "https://outlook.office.com/EAS.AccessAsUser.All offline_access");
    CHECK_EQ(cfg.password[0], 0);
}

/* Exchange Online wants the DefaultAnchorMailbox cookie with a token: on by default with oauth2-device,
 * off by default with basic, and what the configuration says when it says something. */
TEST(config_anchor_mailbox_default_follows_auth)
{
    CHECK_OK(parse("{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"app1\"}"));
    CHECK_EQ(cfg.anchor_mailbox, 1);
    CHECK_OK(parse("{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"app1\", \"anchor_mailbox\": false}"));
    CHECK_EQ(cfg.anchor_mailbox, 0);
    CHECK_OK(parse("{" BASE ", \"password\": \"p\"}"));
    CHECK_EQ(cfg.anchor_mailbox, 0);
    CHECK_OK(parse("{" BASE ", \"password\": \"p\", \"anchor_mailbox\": true}"));
    CHECK_EQ(cfg.anchor_mailbox, 1);
    /* A user that is no address, and no address given: nothing to anchor on, and not an error. */
    CHECK_OK(parse("{\"url\": \"https://eas.example.com/Microsoft-Server-ActiveSync\", \"user\": \"alice\", "
                   "\"device_id\": \"dev1\", \"auth\": \"oauth2-device\", \"client_id\": \"app1\"}"));
    CHECK_EQ(cfg.anchor_mailbox, 0);
}

TEST(config_oauth_given_keys)
{
    CHECK_OK(parse("{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"app1\", \"tenant\": \"contoso.onmicrosoft.com\","
                   " \"authority\": \"https://eas.test:9443/\", \"scope\": \"https://outlook.office.com/EAS.AccessAsUser.All\"}"));
    CHECK_STR(cfg.tenant, "contoso.onmicrosoft.com");
    CHECK_STR(cfg.authority, "https://eas.test:9443"); /* the trailing '/' goes: paths are appended */
    CHECK_STR(cfg.scope, "https://outlook.office.com/EAS.AccessAsUser.All");
    /* basic stays the default, with a password */
    CHECK_OK(parse("{" BASE ", \"password\": \"p\"}"));
    CHECK_EQ(cfg.oauth, 0);
    CHECK_OK(parse("{" BASE ", \"auth\": \"basic\", \"password\": \"p\"}"));
    CHECK_EQ(cfg.oauth, 0);
}

TEST(config_oauth_errors_name_the_key)
{
    static const struct {
        const char *json, *key;
    } cases[] = {
        {"{" BASE ", \"auth\": \"oauth2\"}", "\"auth\""},
        {"{" BASE ", \"auth\": true}", "\"auth\""},
        {"{" BASE ", \"auth\": \"oauth2-device\"}", "\"client_id\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"a b\"}", "\"client_id\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"password\": \"p\"}", "\"password\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"password_env\": \"P\"}", "\"password_env\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"tenant\": \"a/b\"}", "\"tenant\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"authority\": \"login.example.com\"}",
         "\"authority\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"authority\": \"http://login.example.com\"}",
         "\"authority\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"authority\": \"https://x/?a=b\"}",
         "\"authority\""},
        {"{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"scope\": \"a\\nb\"}", "\"scope\""},
        {"{" BASE ", \"password\": \"p\", \"client_id\": \"c\"}", "\"client_id\""},
        {"{" BASE ", \"password\": \"p\", \"tenant\": \"t\"}", "\"tenant\""},
        {"{" BASE ", \"auth\": \"basic\", \"password\": \"p\", \"scope\": \"s\"}", "\"scope\""},
        {"{" BASE ", \"auth\": \"basic\"}", "\"password\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_err e = parse(cases[i].json);
        CHECK_MSG(e == EAS_ERR_CONFIG && strstr(msg, cases[i].key), "case %zu: %s -> %s \"%s\"", i, cases[i].json,
                  eas_err_name(e), msg);
        CHECK_EQ(eas_err_kind_of(e), EAS_KIND_CONFIG); /* exit 1 */
    }
    /* plain http for the authority only with allow_plain_http (the tests' stand-in may be plain) */
    CHECK_OK(parse("{" BASE ", \"auth\": \"oauth2-device\", \"client_id\": \"c\", \"authority\": "
                   "\"http://127.0.0.1:8\", \"allow_plain_http\": true}"));
}

TEST(config_rediscover_after)
{
    CHECK_OK(parse("{" BASE ", \"password\": \"p\"}"));
    CHECK_EQ(cfg.rediscover_after_s, EAS_CLI_REDISCOVER_AFTER_S);
    CHECK_OK(parse("{" BASE ", \"password\": \"p\", \"rediscover_after_s\": 0}"));
    CHECK_EQ(cfg.rediscover_after_s, 0);
    CHECK_OK(parse("{" BASE ", \"password\": \"p\", \"rediscover_after_s\": 3600}"));
    CHECK_EQ(cfg.rediscover_after_s, 3600);
    static const char *const bad_values[] = {"-1", "1.5", "\"600\"", "true", "99999999999"};
    for (size_t i = 0; i < sizeof bad_values / sizeof bad_values[0]; i++) {
        char json[256];
        snprintf(json, sizeof json, "{" BASE ", \"password\": \"p\", \"rediscover_after_s\": %s}", bad_values[i]);
        eas_err e = parse(json);
        CHECK_MSG(e == EAS_ERR_CONFIG && strstr(msg, "rediscover_after_s"), "%s -> %s \"%s\"", bad_values[i],
                  eas_err_str(e), msg);
    }
}
