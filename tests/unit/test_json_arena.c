/* cJSON over the static arena of platform/json_arena.c. */
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "eas/config.h"
#include "eas/err.h"
#include "json_arena.h"

static const char config_json[] =
    "{\n"
    "  \"server\": \"https://mail.example.com/Microsoft-Server-ActiveSync\",\n"
    "  \"user\": \"alice@example.com\",\n"
    "  \"device_id\": \"EASAGENT0001\",\n"
    "  \"protocol\": \"16.1\",\n"
    "  \"allow_plain_http\": false,\n"
    "  \"ca_file\": \"/etc/ssl/certs/ca-certificates.crt\",\n"
    "  \"folders\": [\"Calendar\", \"Inbox\"],\n"
    "  \"window_days\": 30,\n"
    "  \"heartbeat_s\": 540.5\n"
    "}\n";

TEST(json_arena_parses_a_config_document)
{
    cJSON *root = NULL;
    CHECK_OK(eas_json_parse(config_json, strlen(config_json), &root, NULL));
    CHECK(root != NULL);
    CHECK(cJSON_IsObject(root));
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "user")), "alice@example.com");
    CHECK(cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(root, "allow_plain_http")));
    const cJSON *folders = cJSON_GetObjectItemCaseSensitive(root, "folders");
    CHECK_EQ(cJSON_GetArraySize(folders), 2);
    CHECK_STR(cJSON_GetStringValue(cJSON_GetArrayItem(folders, 1)), "Inbox");
    CHECK_EQ(cJSON_GetObjectItemCaseSensitive(root, "window_days")->valueint, 30);
    CHECK(cJSON_GetObjectItemCaseSensitive(root, "heartbeat_s")->valuedouble == 540.5);
    /* The tree lives in the arena, not on the heap. */
    size_t used = eas_json_arena_used();
    CHECK(used > 0 && used <= EAS_JSON_ARENA_SIZE);
    CHECK(eas_json_arena_peak() >= used);
    cJSON_Delete(root); /* harmless: free is a no-op */
    CHECK_EQ(eas_json_arena_used(), used);
    CHECK_EQ((uintptr_t)root % _Alignof(max_align_t), 0);
}

TEST(json_arena_exhaustion_fails_cleanly)
{
    /* An array of more small objects than the arena has room for. */
    static char big[EAS_JSON_ARENA_SIZE * 2];
    size_t pos = 0;
    big[pos++] = '[';
    for (int i = 0; pos + 16 < sizeof big; i++) {
        int n = snprintf(big + pos, sizeof big - pos, "%s{\"a\":%d}", i ? "," : "", i % 10);
        pos += (size_t)n;
    }
    big[pos++] = ']';
    cJSON *root = (cJSON *)&root;
    CHECK_EQ(eas_json_parse(big, pos, &root, NULL), EAS_ERR_NOSPACE);
    CHECK(root == NULL);
    CHECK(eas_json_arena_peak() <= EAS_JSON_ARENA_SIZE);
    CHECK(eas_json_arena_peak() > EAS_JSON_ARENA_SIZE - 256); /* it really filled up */

    /* After a reset the same arena serves the next document in full. */
    CHECK_OK(eas_json_parse(config_json, strlen(config_json), &root, NULL));
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "protocol")), "16.1");
}

TEST(json_arena_reset_reuses_the_arena)
{
    cJSON *root = NULL;
    CHECK_OK(eas_json_parse(config_json, strlen(config_json), &root, NULL));
    size_t first = eas_json_arena_used();
    cJSON *first_root = root;
    /* Many documents in a row never grow the use beyond one document's. */
    for (int i = 0; i < 1000; i++) {
        CHECK_OK(eas_json_parse(config_json, strlen(config_json), &root, NULL));
        CHECK_EQ(eas_json_arena_used(), first);
    }
    CHECK(root == first_root); /* same place: the arena started over */
    eas_json_arena_reset();
    CHECK_EQ(eas_json_arena_used(), 0);
    /* Building a document allocates from the arena too. */
    eas_json_arena_install();
    cJSON *obj = cJSON_CreateObject();
    CHECK(obj != NULL);
    CHECK(cJSON_AddNumberToObject(obj, "n", 5) != NULL);
    CHECK(eas_json_arena_used() > 0);
    char out[64];
    CHECK(cJSON_PrintPreallocated(obj, out, sizeof out, 0));
    CHECK_STR(out, "{\"n\":5}");
}

TEST(json_arena_syntax_errors)
{
    cJSON *root = NULL;
    size_t at = 999;
    static const char bad[] = "{\"a\": 1, \"b\": }";
    CHECK_EQ(eas_json_parse(bad, strlen(bad), &root, &at), EAS_ERR_CONFIG);
    CHECK(root == NULL);
    CHECK(at > 5 && at <= strlen(bad));
    static const char trailing[] = "{\"a\": 1} x";
    CHECK_EQ(eas_json_parse(trailing, strlen(trailing), &root, &at), EAS_ERR_CONFIG);
    CHECK_EQ(at, 9);
    /* Trailing white space, and a trailing NUL inside the length, are fine. */
    static const char ws[] = "{\"a\": 1}  \n";
    CHECK_OK(eas_json_parse(ws, sizeof ws, &root, &at));
    /* Only len bytes are read: the document cut short is an error even though more text follows. */
    CHECK_EQ(eas_json_parse(ws, 5, &root, &at), EAS_ERR_CONFIG);
    CHECK_EQ(eas_json_parse(NULL, 1, &root, &at), EAS_ERR_ARG);
    CHECK_EQ(eas_json_parse(ws, 1, NULL, &at), EAS_ERR_ARG);
}
