/* A bump allocator for cJSON. See json_arena.h. */
#include "json_arena.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdint.h>

/* Every block is aligned for any type: cJSON allocates both nodes (pointers, doubles) and strings. */
#define ARENA_ALIGN alignof(max_align_t)

static alignas(max_align_t) unsigned char json_arena[EAS_JSON_ARENA_SIZE];
static size_t arena_used;
static size_t arena_peak;
static int arena_exhausted;

static void *CJSON_CDECL arena_malloc(size_t size)
{
    size_t start = (arena_used + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
    if (size == 0) size = 1;
    if (start > sizeof json_arena || size > sizeof json_arena - start) {
        arena_exhausted = 1;
        return NULL;
    }
    arena_used = start + size;
    if (arena_used > arena_peak) arena_peak = arena_used;
    return json_arena + start;
}

static void CJSON_CDECL arena_free(void *p) { (void)p; }

void eas_json_arena_install(void)
{
    cJSON_Hooks hooks = {arena_malloc, arena_free};
    cJSON_InitHooks(&hooks);
    eas_json_arena_reset();
}

void eas_json_arena_reset(void)
{
    arena_used = 0;
    arena_exhausted = 0;
}

void eas_json_arena_wipe(void)
{
    volatile unsigned char *p = json_arena;
    for (size_t i = 0; i < arena_used; i++) p[i] = 0;
    eas_json_arena_reset();
}

size_t eas_json_arena_used(void) { return arena_used; }
size_t eas_json_arena_peak(void) { return arena_peak; }

eas_err eas_json_parse(const char *text, size_t len, cJSON **root, size_t *error_at)
{
    if (!text || !root) return EAS_ERR_ARG;
    *root = NULL;
    eas_json_arena_install();
    const char *end = NULL;
    cJSON *doc = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (doc) {
        /* cJSON stops after the first value; anything but white space after it is an error too (its own
         * check for that wants a NUL inside len). */
        size_t at = (end && end >= text && end <= text + len) ? (size_t)(end - text) : len;
        while (at < len && (text[at] == ' ' || text[at] == '\t' || text[at] == '\r' || text[at] == '\n'))
            at++;
        if (at == len || text[at] == '\0') {
            *root = doc;
            return EAS_OK;
        }
        if (error_at) *error_at = at;
        eas_json_arena_reset();
        return EAS_ERR_CONFIG;
    }
    if (arena_exhausted) {
        eas_json_arena_reset();
        return EAS_ERR_NOSPACE;
    }
    if (error_at) *error_at = (end && end >= text && end <= text + len) ? (size_t)(end - text) : 0;
    eas_json_arena_reset();
    return EAS_ERR_CONFIG;
}
