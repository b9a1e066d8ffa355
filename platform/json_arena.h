/* cJSON on a fixed static arena: no heap, a hard upper bound on memory, one document at a time.
 *
 * cJSON's allocation hooks point at a bump allocator over EAS_JSON_ARENA_SIZE bytes (core/include/eas/
 * config.h). free is a no-op; the whole arena is given back at once by eas_json_arena_reset, which
 * eas_json_parse does before each document. So a parsed tree lives until the next parse or reset, and
 * cJSON_Delete is harmless but unnecessary. A document too large for the arena fails cleanly
 * (EAS_ERR_NOSPACE): cJSON sees a NULL from its allocator and unwinds.
 *
 * cJSON's hooks are process-wide: once installed, every cJSON call in the process allocates here. Not
 * thread-safe (one arena). Printing also goes through the arena; prefer cJSON_PrintPreallocated into a
 * buffer of the caller's, since cJSON_Print grows its buffer by doubling and a bump arena keeps every
 * abandoned size. */
#ifndef EAS_JSON_ARENA_H
#define EAS_JSON_ARENA_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "eas/config.h"
#include "eas/err.h"

/* Installs the arena as cJSON's allocator (idempotent) and empties it. */
void eas_json_arena_install(void);
/* Empties the arena: every tree or string allocated from it becomes invalid. */
void eas_json_arena_reset(void);
/* Zeroes what the last document used (it held secrets: tokens), then empties the arena. */
void eas_json_arena_wipe(void);
/* Bytes in use now, and the most ever in use since start (for sizing EAS_JSON_ARENA_SIZE). */
size_t eas_json_arena_used(void);
size_t eas_json_arena_peak(void);

/* Resets the arena and parses len bytes of text (no NUL needed) into *root. EAS_ERR_NOSPACE when the
 * arena ran out, EAS_ERR_CONFIG for a syntax error (then *error_at, if given, is the byte offset where
 * parsing stopped), EAS_ERR_ARG for NULL arguments. */
eas_err eas_json_parse(const char *text, size_t len, cJSON **root, size_t *error_at);

#endif
