#include "agent_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eas/ashttp.h"
#include "eas/url.h"
#include "eas/version.h"
#include "eas/url.h"
#include "json_arena.h"
#include "tls.h"

typedef enum { T_STRING, T_BOOL, T_ARRAY, T_SECONDS } key_type;

typedef struct {
    const char *name;
    key_type type;
    size_t offset; /* of the field in eas_cli_config, for strings and booleans */
    size_t cap;    /* string capacity */
} key_spec;

#define STR_KEY(name, field) {name, T_STRING, offsetof(eas_cli_config, field), sizeof(((eas_cli_config *)0)->field)}

static const key_spec keys[] = {
    STR_KEY("url", url),
    STR_KEY("autodiscover_url", autodiscover_url),
    STR_KEY("user", user),
    STR_KEY("address", address),
    STR_KEY("password", password),
    {"password_env", T_STRING, 0, 0},
    STR_KEY("device_id", device_id),
    STR_KEY("device_type", device_type),
    STR_KEY("device_model", device_model),
    STR_KEY("user_agent", user_agent),
    STR_KEY("device_os", device_os),
    STR_KEY("friendly_name", friendly_name),
    STR_KEY("os_language", os_language),
    {"probe_interval_s", T_SECONDS, offsetof(eas_cli_config, probe_interval_s), 0},
    {"protocol_version", T_STRING, 0, 0},
    STR_KEY("ca_file", ca_file),
    {"allow_plain_http", T_BOOL, offsetof(eas_cli_config, allow_plain_http), 0},
    {"anchor_mailbox", T_BOOL, offsetof(eas_cli_config, anchor_mailbox), 0},
    {"autodiscover_public", T_BOOL, offsetof(eas_cli_config, autodiscover_public), 0},
    {"rediscover_after_s", T_SECONDS, offsetof(eas_cli_config, rediscover_after_s), 0},
    STR_KEY("state_file", state_file),
    STR_KEY("timezone", timezone),
    {"classes", T_ARRAY, 0, 0},
    {"conflicts", T_STRING, 0, 0},
    {"calendar_filter", T_STRING, 0, 0},
    STR_KEY("tls_server_name", tls_server_name),
    {"redirect_hosts", T_ARRAY, 0, 0},
    {"auth", T_STRING, 0, 0},
    STR_KEY("client_id", client_id),
    STR_KEY("tenant", tenant),
    STR_KEY("authority", authority),
    STR_KEY("scope", scope),
};

/* "calendar_filter": how far back calendars are synced, as MS-ASCMD's FilterType (everything ahead is
 * always kept). The list of names is also in boards/common/gen_account.py. */
static const char *const calendar_filters[] = {"all", "1 day", "3 days", "1 week", "2 weeks", "1 month", "3 months",
                                               "6 months"};

/* Every byte of s is one of the characters allowed besides letters and digits (extra). */
static int chars_ok(const char *s, const char *extra)
{
    for (; *s; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(extra, c)))
            return 0;
    }
    return 1;
}

static eas_err bad(char *msg, size_t cap, const char *fmt, const char *key)
{
    snprintf(msg, cap, fmt, key);
    return EAS_ERR_CONFIG;
}

static eas_err copy(char *dst, size_t cap, const char *src, const char *key, char *msg, size_t msg_cap)
{
    size_t n = strlen(src);
    if (n >= cap) return bad(msg, msg_cap, "value of key \"%s\" is too long", key);
    memcpy(dst, src, n + 1);
    return EAS_OK;
}

/* Values that go into a request head: a control character (CR, LF, ...) would end a header early or
 * smuggle another one in; refused here rather than at the first request. */
static int has_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f) return 1;
    return 0;
}

/* A DNS name as the redirect policy compares it: letters, digits, '-' and '.'. */
static int host_name_ok(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

static eas_err parse_redirect_hosts(const cJSON *item, eas_cli_config *out, char *msg, size_t cap)
{
    for (const cJSON *c = item->child; c; c = c->next) {
        if (!cJSON_IsString(c) || !host_name_ok(c->valuestring))
            return bad(msg, cap, "key \"%s\" takes a list of host names", "redirect_hosts");
        if (out->redirect_host_count == EAS_CLI_REDIRECT_HOSTS_MAX)
            return bad(msg, cap, "key \"%s\": at most 8 hosts", "redirect_hosts");
        if (strlen(c->valuestring) >= sizeof out->redirect_hosts[0])
            return bad(msg, cap, "value of key \"%s\" is too long", "redirect_hosts");
        strcpy(out->redirect_hosts[out->redirect_host_count], c->valuestring);
        out->redirect_host_list[out->redirect_host_count] = out->redirect_hosts[out->redirect_host_count];
        out->redirect_host_count++;
    }
    return EAS_OK;
}

/* What would only fail at the first request fails here, naming the key: the URL, and the request
 * target it makes with the user and the device (longest command name, longest policy key). */
static eas_err check_url(eas_cli_config *out, char *msg, size_t cap)
{
    eas_url url;
    char target[EAS_HTTP_TARGET_MAX + 1];
    size_t n = 0;
    eas_err e = eas_url_parse(out->url, strlen(out->url), &url);
    if (e == EAS_ERR_NOSPACE)
        return bad(msg, cap, "key \"%s\": the URL, its host or its path is too long", "url");
    if (e != EAS_OK) return bad(msg, cap, "key \"%s\": not an http:// or https:// URL", "url");
    eas_ashttp_request r;
    memset(&r, 0, sizeof r);
    r.cmd = EAS_CMD_MEETINGRESPONSE;
    r.user = "u";
    r.device_id = out->device_id;
    r.device_type = out->device_type;
    if (eas_ashttp_target(&r, url.path, target, sizeof target, &n) != EAS_OK)
        return bad(msg, cap, "key \"%s\": the path is too long for a request line (EAS_HTTP_TARGET_MAX)", "url");
    r.user = out->user;
    if (eas_ashttp_target(&r, url.path, target, sizeof target, &n) != EAS_OK)
        return bad(msg, cap, "key \"%s\" is too long for a request line with the URL's path", "user");
    if (url.scheme == EAS_URL_HTTPS && eas_tls_is_ip_literal(url.host) && !out->tls_server_name[0])
        return bad(msg, cap,
                   "key \"url\": TLS cannot check an IP address against the certificate; give the name the "
                   "certificate carries in \"%s\"",
                   "tls_server_name");
    if (out->tls_server_name[0] && (!host_name_ok(out->tls_server_name) || eas_tls_is_ip_literal(out->tls_server_name)))
        return bad(msg, cap, "key \"%s\" must be a host name", "tls_server_name");
    return EAS_OK;
}

static eas_err parse_version(const char *v, uint8_t *out)
{
    static const struct {
        const char *name;
        uint8_t value;
    } versions[] = {{"auto", 0},
                    {"12.1", EAS_PROTO_12_1},
                    {"14.0", EAS_PROTO_14_0},
                    {"14.1", EAS_PROTO_14_1},
                    {"16.0", EAS_PROTO_16_0},
                    {"16.1", EAS_PROTO_16_1}};
    for (size_t i = 0; i < sizeof versions / sizeof versions[0]; i++) {
        if (!strcmp(v, versions[i].name)) {
            *out = versions[i].value;
            return EAS_OK;
        }
    }
    return EAS_ERR_CONFIG;
}

static int device_id_ok(const char *s)
{
    size_t n = strlen(s);
    return n > 0 && n <= 32 && chars_ok(s, "");
}

/* The sign-in keys: consistent with "auth", well formed, defaults filled in. */
static eas_err check_sign_in(eas_cli_config *out, const char *password_env, char *msg, size_t cap)
{
    static const char *const oauth_keys[] = {"client_id", "tenant", "authority", "scope"};
    const char *const given[] = {out->client_id, out->tenant, out->authority, out->scope};
    eas_url url;
    if (!out->oauth) {
        for (size_t i = 0; i < sizeof oauth_keys / sizeof oauth_keys[0]; i++)
            if (given[i][0]) return bad(msg, cap, "key \"%s\" needs \"auth\": \"oauth2-device\"", oauth_keys[i]);
        return EAS_OK;
    }
    if (out->password[0]) return bad(msg, cap, "key \"%s\" is not used with \"auth\": \"oauth2-device\"", "password");
    if (password_env) return bad(msg, cap, "key \"%s\" is not used with \"auth\": \"oauth2-device\"", "password_env");
    if (!out->client_id[0]) return bad(msg, cap, "missing key \"%s\" (required with \"auth\": \"oauth2-device\")",
                                       "client_id");
    /* Application ids are GUIDs; anything else that travels in a form body safely is let through. */
    if (!chars_ok(out->client_id, "-._")) return bad(msg, cap, "key \"%s\" must be letters, digits, '-', '.' or '_'",
                                                     "client_id");
    if (!out->tenant[0]) memcpy(out->tenant, EAS_CLI_DEFAULT_TENANT, sizeof EAS_CLI_DEFAULT_TENANT);
    /* A tenant id (GUID), a domain, or organizations/common/consumers: one path segment. */
    if (!chars_ok(out->tenant, "-._")) return bad(msg, cap, "key \"%s\" must be a tenant id or a domain name", "tenant");
    if (!out->authority[0]) memcpy(out->authority, EAS_CLI_DEFAULT_AUTHORITY, sizeof EAS_CLI_DEFAULT_AUTHORITY);
    size_t n = strlen(out->authority);
    while (n > 0 && out->authority[n - 1] == '/') out->authority[--n] = '\0';
    if (eas_url_parse(out->authority, n, &url) != EAS_OK || strchr(out->authority, '?'))
        return bad(msg, cap, "key \"%s\" must be a URL such as https://login.microsoftonline.com", "authority");
    if (url.scheme != EAS_URL_HTTPS && !out->allow_plain_http)
        return bad(msg, cap, "key \"%s\" must be https:// (or set \"allow_plain_http\")", "authority");
    if (!out->scope[0]) memcpy(out->scope, EAS_CLI_DEFAULT_SCOPE, sizeof EAS_CLI_DEFAULT_SCOPE);
    for (const char *c = out->scope; *c; c++)
        if (*c < 0x20 || *c > 0x7e) return bad(msg, cap, "key \"%s\" must be printable ASCII", "scope");
    return EAS_OK;
}

eas_err eas_cli_config_parse(const char *text, size_t len, const char *config_path, eas_cli_config *out, char *msg,
                             size_t cap)
{
    cJSON *root = NULL;
    size_t err_at = 0;
    eas_err e;
    memset(out, 0, sizeof *out);
    out->calendar_filter = 4; /* two weeks back */
    out->autodiscover_public = 1;
    out->rediscover_after_s = EAS_CLI_REDISCOVER_AFTER_S;
    eas_json_arena_install();
    e = eas_json_parse(text, len, &root, &err_at);
    if (e != EAS_OK) {
        snprintf(msg, cap, "configuration is not valid JSON (at byte %zu)", err_at);
        return EAS_ERR_CONFIG;
    }
    if (!cJSON_IsObject(root)) return bad(msg, cap, "configuration must be a JSON object%s", "");

    const char *password_env = NULL;
    int have_version = 0, have_anchor = 0;
    for (const cJSON *item = root->child; item; item = item->next) {
        const key_spec *k = NULL;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0] && !k; i++)
            if (item->string && !strcmp(item->string, keys[i].name)) k = &keys[i];
        if (!k) return bad(msg, cap, "unknown key \"%s\"", item->string ? item->string : "");
        if (k->type == T_STRING && !cJSON_IsString(item)) return bad(msg, cap, "key \"%s\" must be a string", k->name);
        if (k->type == T_BOOL && !cJSON_IsBool(item)) return bad(msg, cap, "key \"%s\" must be true or false", k->name);
        if (k->type == T_SECONDS) {
            double v = cJSON_IsNumber(item) ? item->valuedouble : -1;
            if (v < 0 || v > 86400.0 * 365 || v != (double)(uint32_t)v)
                return bad(msg, cap, "key \"%s\" must be a whole number of seconds (at most a year)", k->name);
            *(uint32_t *)(void *)((char *)out + k->offset) = (uint32_t)v;
            continue;
        }
        if (k->type == T_ARRAY && !strcmp(k->name, "redirect_hosts")) {
            if (!cJSON_IsArray(item)) return bad(msg, cap, "key \"%s\" must be a list", k->name);
            if ((e = parse_redirect_hosts(item, out, msg, cap)) != EAS_OK) return e;
            continue;
        }
        if (k->type == T_ARRAY) {
            static const char *const names[] = {"", "calendar", "contacts", "tasks", "email"};
            if (!cJSON_IsArray(item)) return bad(msg, cap, "key \"%s\" must be a list", k->name);
            for (const cJSON *c = item->child; c; c = c->next) {
                int found = 0;
                for (int i = 1; i < 5; i++)
                    if (cJSON_IsString(c) && !strcmp(c->valuestring, names[i])) {
                        out->sync_classes |= (uint8_t)(1u << i);
                        found = 1;
                    }
                if (!found)
                    return bad(msg, cap, "key \"%s\" takes \"calendar\", \"contacts\", \"tasks\" and \"email\"", k->name);
            }
            continue;
        }
        if (!strcmp(k->name, "conflicts")) {
            if (!strcmp(item->valuestring, "client-wins")) out->client_wins = 1;
            else if (strcmp(item->valuestring, "server-wins") != 0)
                return bad(msg, cap, "key \"%s\" must be \"server-wins\" or \"client-wins\"", k->name);
        } else if (!strcmp(k->name, "calendar_filter")) {
            size_t i = 0;
            while (i < sizeof calendar_filters / sizeof calendar_filters[0] && strcmp(item->valuestring, calendar_filters[i]))
                i++;
            if (i == sizeof calendar_filters / sizeof calendar_filters[0])
                return bad(msg, cap,
                           "key \"%s\" must be \"all\", \"1 day\", \"3 days\", \"1 week\", \"2 weeks\", \"1 month\", "
                           "\"3 months\" or \"6 months\"",
                           k->name);
            out->calendar_filter = (uint8_t)i;
        } else if (!strcmp(k->name, "auth")) {
            if (!strcmp(item->valuestring, "oauth2-device")) out->oauth = 1;
            else if (strcmp(item->valuestring, "basic") != 0)
                return bad(msg, cap, "key \"%s\" must be \"basic\" or \"oauth2-device\"", k->name);
        } else if (!strcmp(k->name, "password_env")) {
            password_env = item->valuestring;
        } else if (!strcmp(k->name, "protocol_version")) {
            if (parse_version(item->valuestring, &out->protocol_version) != EAS_OK)
                return bad(msg, cap, "key \"%s\" must be \"auto\", \"12.1\", \"14.0\", \"14.1\", \"16.0\" or \"16.1\"",
                           k->name);
            have_version = 1;
        } else if (k->type == T_BOOL) {
            *((uint8_t *)out + k->offset) = cJSON_IsTrue(item) ? 1 : 0;
            if (!strcmp(k->name, "anchor_mailbox")) have_anchor = 1;
        } else if ((e = copy((char *)out + k->offset, k->cap, item->valuestring, k->name, msg, cap)) != EAS_OK) {
            return e;
        }
    }
    (void)have_version;
    if ((e = check_sign_in(out, password_env, msg, cap)) != EAS_OK) return e;
    if (password_env) {
        if (out->password[0]) return bad(msg, cap, "give either \"password\" or \"%s\", not both", "password_env");
        const char *v = getenv(password_env);
        if (!v) {
            /* Not an error yet: the commands that only read the device's store need no password (a
             * display showing the agenda should not hold the account's secret). */
            if ((e = copy(out->password_env_unset, sizeof out->password_env_unset, password_env, "password_env", msg,
                          cap)) != EAS_OK)
                return e;
        } else if ((e = copy(out->password, sizeof out->password, v, "password_env", msg, cap)) != EAS_OK) {
            return e;
        }
    }
    if (!out->user[0]) return bad(msg, cap, "missing key \"%s\"", "user");
    out->password_inline = !password_env && out->password[0];
    /* The mailbox's address: given, or the user when that is one. Without a url, discovery finds it
     * from the address (eas-agent discover). */
    if (!out->address[0] && strchr(out->user, '@')) memcpy(out->address, out->user, strlen(out->user) + 1);
    if (out->address[0] && !strchr(out->address, '@'))
        return bad(msg, cap, "key \"%s\" must be an e-mail address", "address");
    /* Exchange Online routes a token's requests by the anchor mailbox: on by default with OAuth (where
     * the user is the mailbox's address), unless the configuration says otherwise. */
    if (out->oauth && !have_anchor && out->address[0]) out->anchor_mailbox = 1;
    if (out->anchor_mailbox && !out->address[0])
        return bad(msg, cap, "key \"%s\" needs an e-mail address in \"user\" or \"address\"", "anchor_mailbox");
    if (!out->url[0] && !out->address[0])
        return bad(msg, cap, "missing key \"%s\" (or an e-mail address in \"user\" or \"address\" to discover it from)",
                   "url");
    if (!out->oauth && !out->password[0] && !out->password_env_unset[0])
        return bad(msg, cap, "missing key \"%s\" (or \"password_env\")", "password");
    if (!out->device_id[0]) return bad(msg, cap, "missing key \"%s\"", "device_id");
    if (!device_id_ok(out->device_id)) return bad(msg, cap, "key \"%s\" must be 1 to 32 letters and digits", "device_id");
    if (!out->device_type[0]) memcpy(out->device_type, "easagent", 9);
    if (!out->device_model[0]) memcpy(out->device_model, "easagent-posix", 15);
    if (!out->user_agent[0]) memcpy(out->user_agent, "easagent/" EAS_RELEASE, sizeof "easagent/" EAS_RELEASE);
    if (!out->timezone[0]) memcpy(out->timezone, "UTC0", 5);
    const char *const head_keys[] = {"user", password_env ? "password_env" : "password", "device_type", "device_model",
                                     "user_agent", "os_language"};
    const char *head_values[] = {out->user, out->password, out->device_type, out->device_model, out->user_agent,
                                 out->os_language};
    for (size_t i = 0; i < sizeof head_keys / sizeof head_keys[0]; i++)
        if (has_control(head_values[i]))
            return bad(msg, cap, "key \"%s\" holds a control character (CR, LF, tab, ...)", head_keys[i]);
    if (out->url[0] && (e = check_url(out, msg, cap)) != EAS_OK) return e; /* none: discovery finds it */
    if (!out->state_file[0]) {
        if (snprintf(out->state_file, sizeof out->state_file, "%s.state", config_path) >= (int)sizeof out->state_file)
            return bad(msg, cap, "key \"%s\": the default path is too long", "state_file");
    }
    eas_json_arena_reset();
    return EAS_OK;
}
