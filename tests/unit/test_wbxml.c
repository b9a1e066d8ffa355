/* The streaming WBXML reader and writer: exact bytes, every split point, every malformed-input path. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "eas/wbxml.h"
#include "wbxml_log.h"

/* <FolderSync xmlns="FolderHierarchy:"><SyncKey>0</SyncKey></FolderSync> */
static const uint8_t foldersync_req[] = {0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, 0x30, 0x00, 0x01, 0x01};

static eas_tag tag_of(const char *ns, const char *name)
{
    eas_tag t = 0;
    if (!eas_wbxml_tag_lookup(ns, strlen(ns), name, strlen(name), &t)) return 0;
    return t;
}

TEST(wbxml_writer_exact_bytes_foldersync)
{
    uint8_t out[64];
    mem_sink m = {out, sizeof out, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
    CHECK_OK(eas_wbxml_start(&w, tag_of("FolderHierarchy", "FolderSync")));
    CHECK_OK(eas_wbxml_text_element(&w, tag_of("FolderHierarchy", "SyncKey"), "0"));
    CHECK_OK(eas_wbxml_end(&w));
    CHECK_OK(eas_wbxml_writer_finish(&w));
    CHECK_EQ(m.len, sizeof foldersync_req);
    CHECK_MEM(out, foldersync_req, sizeof foldersync_req);
    CHECK_EQ(w.bytes, sizeof foldersync_req);
}

/* A document using several pages, an empty element, an opaque block with a two-byte length, and a
 * string with every byte value but NUL. */
static size_t build_mixed(uint8_t *out, size_t cap, eas_sink_fn fn, uint32_t *count)
{
    mem_sink m = {out, cap, 0};
    eas_wbxml_writer w;
    uint8_t blob[200];
    char all[256];
    for (size_t i = 0; i < sizeof blob; i++) blob[i] = (uint8_t)(i * 7);
    for (size_t i = 0; i < 255; i++) all[i] = (char)(i + 1);
    eas_wbxml_writer_init(&w, (eas_sink){fn, &m});
    eas_wbxml_start(&w, tag_of("AirSync", "Sync"));
    eas_wbxml_start(&w, tag_of("AirSync", "Collections"));
    eas_wbxml_start(&w, tag_of("AirSync", "Collection"));
    eas_wbxml_text_element(&w, tag_of("AirSync", "SyncKey"), "1234567890");
    eas_wbxml_text_element(&w, tag_of("AirSync", "CollectionId"), "vevent%2Fpersonal");
    eas_wbxml_empty(&w, tag_of("AirSync", "GetChanges"));
    eas_wbxml_start(&w, tag_of("AirSync", "Options"));
    eas_wbxml_start(&w, tag_of("AirSyncBase", "BodyPreference"));
    eas_wbxml_text_element(&w, tag_of("AirSyncBase", "Type"), "1");
    eas_wbxml_end(&w);
    eas_wbxml_end(&w);
    eas_wbxml_start(&w, tag_of("AirSync", "Commands"));
    eas_wbxml_start(&w, tag_of("AirSync", "Add"));
    eas_wbxml_start(&w, tag_of("AirSync", "ApplicationData"));
    eas_wbxml_text_element(&w, tag_of("Calendar", "Subject"), "Stand-up <daily> & more");
    eas_wbxml_start(&w, tag_of("Calendar", "Location"));
    eas_wbxml_str(&w, all, 255);
    eas_wbxml_end(&w);
    eas_wbxml_start(&w, tag_of("Email2", "ConversationId"));
    eas_wbxml_opaque(&w, blob, sizeof blob);
    eas_wbxml_end(&w);
    eas_wbxml_start(&w, tag_of("Calendar", "Body"));
    eas_wbxml_end(&w); /* content flag, nothing inside */
    eas_wbxml_end(&w);
    eas_wbxml_end(&w);
    eas_wbxml_end(&w);
    eas_wbxml_end(&w);
    eas_wbxml_end(&w);
    eas_wbxml_end(&w);
    if (count) *count = w.bytes;
    return eas_wbxml_writer_finish(&w) == EAS_OK ? m.len : 0;
}

TEST(wbxml_counting_sink_gives_exact_length)
{
    uint8_t out[1024];
    uint32_t counted = 0, written = 0;
    size_t n = build_mixed(out, sizeof out, NULL, &counted);
    CHECK(n == 0); /* a NULL sink function writes nothing */
    n = build_mixed(out, sizeof out, mem_sink_write, &written);
    CHECK(n > 0);
    CHECK_EQ(counted, n);
    CHECK_EQ(written, n);
}

TEST(wbxml_switch_page_only_on_change)
{
    uint8_t out[1024];
    size_t n = build_mixed(out, sizeof out, mem_sink_write, NULL);
    CHECK(n > 0);
    /* The page sequence is 0, 17 (AirSyncBase), 0, 4 (Calendar), 22 (Email2), 4: exactly five
     * switches; the pair 00 11 (to AirSyncBase) must appear once. Strings hold no NUL, so a byte scan
     * for "00 PP" followed by a tag byte cannot be fooled by text. */
    int to_airsyncbase = 0;
    for (size_t i = 4; i + 1 < n; i++)
        if (out[i] == 0x00 && out[i + 1] == 0x11) to_airsyncbase++;
    CHECK_EQ(to_airsyncbase, 1);
}

TEST(wbxml_every_split_point_gives_same_events)
{
    uint8_t doc[1024];
    size_t n = build_mixed(doc, sizeof doc, mem_sink_write, NULL);
    CHECK(n > 300);
    static char ref[16384], got[16384];
    wbxml_log lref, lgot;
    wbxml_log_init(&lref, ref, sizeof ref);
    CHECK_OK(wbxml_decode_log(doc, n, 0, 0, &lref, NULL));
    CHECK(!lref.overflow);
    CHECK(strstr(ref, "T[Stand-up <daily> & more]") != NULL);
    CHECK(strstr(ref, "O(200)[") != NULL);
    for (size_t split = 1; split < n; split++) {
        wbxml_log_init(&lgot, got, sizeof got);
        CHECK_OK(wbxml_decode_log(doc, n, split, 0, &lgot, NULL));
        CHECK_MSG(strcmp(ref, got) == 0, "events differ when split at %zu", split);
    }
    for (size_t step = 1; step <= 7; step++) {
        wbxml_log_init(&lgot, got, sizeof got);
        CHECK_OK(wbxml_decode_log(doc, n, 0, step, &lgot, NULL));
        CHECK_MSG(strcmp(ref, got) == 0, "events differ with step %zu", step);
    }
}

TEST(wbxml_reader_reports_tags_and_text)
{
    char text[512];
    wbxml_log log;
    wbxml_log_init(&log, text, sizeof text);
    CHECK_OK(wbxml_decode_log(foldersync_req, sizeof foldersync_req, 0, 1, &log, NULL));
    CHECK_STR(text, "<0716><0712>T[0]</0712></0716>");
}

TEST(wbxml_empty_root_and_empty_string)
{
    /* <Sync/> */
    const uint8_t empty_root[] = {0x03, 0x01, 0x6A, 0x00, 0x05};
    /* <Sync><SyncKey></SyncKey> with an empty STR_I */
    const uint8_t empty_str[] = {0x03, 0x01, 0x6A, 0x00, 0x45, 0x4B, 0x03, 0x00, 0x01, 0x01};
    char text[256];
    wbxml_log log;
    wbxml_log_init(&log, text, sizeof text);
    CHECK_OK(wbxml_decode_log(empty_root, sizeof empty_root, 0, 0, &log, NULL));
    CHECK_STR(text, "<0005/>");
    wbxml_log_init(&log, text, sizeof text);
    CHECK_OK(wbxml_decode_log(empty_str, sizeof empty_str, 0, 1, &log, NULL));
    CHECK_STR(text, "<0005><000b>T[]</000b></0005>");
}

TEST(wbxml_string_table_is_skipped)
{
    /* A string table of 3 bytes that nothing references. */
    const uint8_t doc[] = {0x03, 0x01, 0x6A, 0x03, 'a', 0, 'b', 0x05};
    char text[64];
    wbxml_log log;
    wbxml_log_init(&log, text, sizeof text);
    CHECK_OK(wbxml_decode_log(doc, sizeof doc, 0, 1, &log, NULL));
    CHECK_STR(text, "<0005/>");
}

TEST(wbxml_public_id_by_string_table_index)
{
    /* WBXML 1.3: publicid 0, then the index of "-//AIRSYNC//DTD AirSync//EN" in the string table. */
    static const char pid[] = "-//AIRSYNC//DTD AirSync//EN";
    uint8_t doc[64];
    size_t n = 0;
    doc[n++] = 0x03;
    doc[n++] = 0x00;
    doc[n++] = 0x02; /* the id starts after "x\0" */
    doc[n++] = 0x6A;
    doc[n++] = (uint8_t)(2 + sizeof pid);
    doc[n++] = 'x';
    doc[n++] = 0;
    memcpy(doc + n, pid, sizeof pid);
    n += sizeof pid;
    doc[n++] = 0x45; /* <Sync> */
    doc[n++] = 0x01;
    char text[64];
    wbxml_log log;
    for (size_t step = 0; step <= 1; step++) {
        wbxml_log_init(&log, text, sizeof text);
        CHECK_OK(wbxml_decode_log(doc, n, 0, step, &log, NULL));
        CHECK_STR(text, "<0005></0005>");
    }
}

TEST(wbxml_opaque_lengths)
{
    /* Opaque blocks of 0, 127, 128 and 16384 bytes: one, one, two and three length bytes. */
    static uint8_t blob[16384], doc[20000];
    const size_t sizes[] = {0, 127, 128, 16384};
    const size_t len_bytes[] = {1, 1, 2, 3};
    for (size_t k = 0; k < 4; k++) {
        mem_sink m = {doc, sizeof doc, 0};
        eas_wbxml_writer w;
        eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
        eas_wbxml_start(&w, tag_of("AirSync", "Sync"));
        eas_wbxml_opaque(&w, blob, sizes[k]);
        eas_wbxml_end(&w);
        CHECK_OK(eas_wbxml_writer_finish(&w));
        CHECK_EQ(m.len, 4 + 1 + 1 + len_bytes[k] + sizes[k] + 1);
        static char text[70000];
        wbxml_log log;
        wbxml_log_init(&log, text, sizeof text);
        CHECK_OK(wbxml_decode_log(doc, m.len, 0, 3, &log, NULL));
        char expect[32];
        snprintf(expect, sizeof expect, "<0005>O(%zu)[", sizes[k]);
        CHECK(strncmp(text, expect, strlen(expect)) == 0);
    }
}

TEST(wbxml_writer_misuse_is_refused)
{
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    CHECK_EQ(eas_wbxml_end(&w), EAS_ERR_STATE);
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    CHECK_EQ(eas_wbxml_start(&w, EAS_TAG_ID(0, 0x04)), EAS_ERR_ARG); /* not a tag */
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    CHECK_OK(eas_wbxml_start(&w, tag_of("AirSync", "Sync")));
    CHECK_EQ(eas_wbxml_str(&w, "a\0b", 3), EAS_ERR_ARG);
    CHECK_EQ(eas_wbxml_end(&w), EAS_ERR_ARG); /* the error sticks */
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    CHECK_OK(eas_wbxml_empty(&w, tag_of("AirSync", "Sync")));
    CHECK_EQ(eas_wbxml_start(&w, tag_of("AirSync", "Sync")), EAS_ERR_STATE); /* a second root */
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    CHECK_OK(eas_wbxml_start(&w, tag_of("AirSync", "Sync")));
    CHECK_OK(eas_wbxml_opaque_begin(&w, 4));
    CHECK_OK(eas_wbxml_opaque_part(&w, (const uint8_t *)"ab", 2));
    CHECK_EQ(eas_wbxml_end(&w), EAS_ERR_STATE); /* two bytes still owed */
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    CHECK_OK(eas_wbxml_start(&w, tag_of("AirSync", "Sync")));
    CHECK_EQ(eas_wbxml_writer_finish(&w), EAS_ERR_STATE); /* not closed */
    eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
    for (int i = 0; i < EAS_WBXML_MAX_DEPTH; i++) CHECK_OK(eas_wbxml_start(&w, tag_of("AirSync", "Sync")));
    CHECK_EQ(eas_wbxml_start(&w, tag_of("AirSync", "Sync")), EAS_ERR_WBXML_DEPTH);
}

static eas_err failing_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)data;
    size_t *budget = ctx;
    if (len > *budget) return EAS_ERR_SINK;
    *budget -= len;
    return EAS_OK;
}

TEST(wbxml_writer_passes_sink_error_back)
{
    size_t budget = 5;
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){failing_sink, &budget});
    CHECK_OK(eas_wbxml_start(&w, tag_of("AirSync", "Sync"))); /* header 4 + tag 1 */
    CHECK_EQ(eas_wbxml_text_element(&w, tag_of("AirSync", "SyncKey"), "0"), EAS_ERR_SINK);
    CHECK_EQ(eas_wbxml_writer_finish(&w), EAS_ERR_SINK);
}

/* ---- malformed input: each case names the exact error and offset ---- */

typedef struct {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    eas_err err;
    uint32_t offset;
} bad_case;

static const bad_case bad_cases[] = {
    {"empty input", {0}, 0, EAS_ERR_WBXML_TRUNCATED, 0},
    {"header only", {0x03, 0x01, 0x6A, 0x00}, 4, EAS_ERR_WBXML_EMPTY, 4},
    {"version 2.0", {0x10, 0x01, 0x6A, 0x00, 0x05}, 5, EAS_ERR_WBXML_VERSION, 0},
    {"public id index, no string table", {0x03, 0x00, 0x00, 0x6A, 0x00, 0x05}, 6, EAS_ERR_WBXML_PUBLIC_ID, 4},
    {"public id index past the table", {0x03, 0x00, 0x03, 0x6A, 0x03, 'a', 0, 0, 0x05}, 9, EAS_ERR_WBXML_PUBLIC_ID, 4},
    {"public id index cut", {0x03, 0x00, 0x80}, 3, EAS_ERR_WBXML_TRUNCATED, 3},
    {"public id of WML 1.1", {0x03, 0x04, 0x6A, 0x00, 0x05}, 5, EAS_ERR_WBXML_PUBLIC_ID, 1},
    {"charset latin1", {0x03, 0x01, 0x04, 0x00, 0x05}, 5, EAS_ERR_WBXML_CHARSET, 2},
    {"truncated header mb_u_int32", {0x03, 0x01, 0xEA}, 3, EAS_ERR_WBXML_TRUNCATED, 3},
    {"mb_u_int32 six bytes", {0x03, 0x01, 0x6A, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, 9, EAS_ERR_WBXML_MBUINT_OVERFLOW, 8},
    {"mb_u_int32 over 32 bits", {0x03, 0x01, 0x6A, 0x9F, 0xFF, 0xFF, 0xFF, 0x7F}, 8, EAS_ERR_WBXML_MBUINT_OVERFLOW, 7},
    {"string table cut", {0x03, 0x01, 0x6A, 0x05, 'a', 'b'}, 6, EAS_ERR_WBXML_TRUNCATED, 6},
    {"unknown page", {0x03, 0x01, 0x6A, 0x00, 0x00, 0x1A, 0x05}, 7, EAS_ERR_WBXML_UNKNOWN_PAGE, 5},
    {"page 255", {0x03, 0x01, 0x6A, 0x00, 0x00, 0xFF}, 6, EAS_ERR_WBXML_UNKNOWN_PAGE, 5},
    {"unknown token", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x3F, 0x01, 0x01}, 8, EAS_ERR_WBXML_UNKNOWN_TOKEN, 5},
    {"attributes", {0x03, 0x01, 0x6A, 0x00, 0x85, 0x01}, 6, EAS_ERR_WBXML_ATTRIBUTES, 4},
    {"attributes and content", {0x03, 0x01, 0x6A, 0x00, 0xC5, 0x01}, 6, EAS_ERR_WBXML_ATTRIBUTES, 4},
    {"LITERAL", {0x03, 0x01, 0x6A, 0x00, 0x04, 0x00}, 6, EAS_ERR_WBXML_LITERAL, 4},
    {"LITERAL_C", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x44, 0x00}, 7, EAS_ERR_WBXML_LITERAL, 5},
    {"LITERAL_A", {0x03, 0x01, 0x6A, 0x00, 0x84, 0x00}, 6, EAS_ERR_WBXML_LITERAL, 4},
    {"LITERAL_AC", {0x03, 0x01, 0x6A, 0x00, 0xC4, 0x00}, 6, EAS_ERR_WBXML_LITERAL, 4},
    {"STR_T reference", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x83, 0x00, 0x01}, 8, EAS_ERR_WBXML_STRING_REF, 5},
    {"ENTITY", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x02, 0x41, 0x01}, 8, EAS_ERR_WBXML_ENTITY, 5},
    {"EXT_I_0", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x40, 'x', 0x00, 0x01}, 9, EAS_ERR_WBXML_EXTENSION, 5},
    {"EXT_T_1", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x81, 0x00, 0x01}, 8, EAS_ERR_WBXML_EXTENSION, 5},
    {"EXT_2", {0x03, 0x01, 0x6A, 0x00, 0x45, 0xC2, 0x01}, 7, EAS_ERR_WBXML_EXTENSION, 5},
    {"PI", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x43, 0x01}, 7, EAS_ERR_WBXML_PI, 5},
    {"END without start", {0x03, 0x01, 0x6A, 0x00, 0x01}, 5, EAS_ERR_WBXML_UNBALANCED_END, 4},
    {"text before root", {0x03, 0x01, 0x6A, 0x00, 0x03, 'a', 0x00, 0x05}, 8, EAS_ERR_WBXML_CONTENT_OUTSIDE_ROOT, 4},
    {"opaque before root", {0x03, 0x01, 0x6A, 0x00, 0xC3, 0x00, 0x05}, 7, EAS_ERR_WBXML_CONTENT_OUTSIDE_ROOT, 4},
    {"trailing garbage", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x01, 0x00}, 7, EAS_ERR_WBXML_TRAILING, 6},
    {"second root", {0x03, 0x01, 0x6A, 0x00, 0x05, 0x05}, 6, EAS_ERR_WBXML_TRAILING, 5},
    {"missing END", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x4B, 0x01}, 7, EAS_ERR_WBXML_TRUNCATED, 7},
    {"string not terminated", {0x03, 0x01, 0x6A, 0x00, 0x45, 0x03, 'a', 'b'}, 8, EAS_ERR_WBXML_TRUNCATED, 8},
    {"opaque cut", {0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x05, 'a', 'b'}, 9, EAS_ERR_WBXML_TRUNCATED, 9},
    {"opaque length cut", {0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x85}, 7, EAS_ERR_WBXML_TRUNCATED, 7},
    {"opaque too long", {0x03, 0x01, 0x6A, 0x00, 0x45, 0xC3, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F}, 11, EAS_ERR_WBXML_OPAQUE_TOO_LONG, 10},
    {"switch page cut", {0x03, 0x01, 0x6A, 0x00, 0x00}, 5, EAS_ERR_WBXML_TRUNCATED, 5},
};

TEST(wbxml_malformed_inputs_fail_precisely)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        char text[256];
        wbxml_log log;
        uint32_t off = 0xFFFFFFFF;
        for (size_t step = 0; step <= 1; step++) { /* whole, then one byte at a time */
            wbxml_log_init(&log, text, sizeof text);
            eas_err e = wbxml_decode_log(c->bytes, c->len, 0, step, &log, &off);
            CHECK_MSG(e == c->err, "%s: got %s, want %s", c->name, eas_err_name(e), eas_err_name(c->err));
            CHECK_MSG(off == c->offset, "%s: offset %u, want %u", c->name, off, c->offset);
        }
    }
}

TEST(wbxml_depth_limit)
{
    uint8_t doc[4 + EAS_WBXML_MAX_DEPTH + 2];
    memcpy(doc, "\x03\x01\x6A\x00", 4);
    memset(doc + 4, 0x45, EAS_WBXML_MAX_DEPTH + 1); /* one deeper than allowed */
    char text[4096];
    wbxml_log log;
    wbxml_log_init(&log, text, sizeof text);
    uint32_t off = 0;
    CHECK_EQ(wbxml_decode_log(doc, 4 + EAS_WBXML_MAX_DEPTH + 1, 0, 0, &log, &off), EAS_ERR_WBXML_DEPTH);
    CHECK_EQ(off, 4 + EAS_WBXML_MAX_DEPTH);
}

TEST(wbxml_error_is_sticky_and_callback_error_propagates)
{
    eas_wbxml_reader r;
    eas_wbxml_reader_init(&r, &wbxml_log_handler, NULL);
    CHECK_EQ(eas_wbxml_reader_feed(&r, (const uint8_t *)"\x07", 1), EAS_ERR_WBXML_VERSION);
    CHECK_EQ(eas_wbxml_reader_feed(&r, foldersync_req, sizeof foldersync_req), EAS_ERR_WBXML_VERSION);
    CHECK_EQ(eas_wbxml_reader_finish(&r), EAS_ERR_WBXML_VERSION);
}

static eas_err refuse_text(void *user, const uint8_t *data, size_t len, int last)
{
    (void)user, (void)data, (void)len, (void)last;
    return EAS_ERR_ABORTED;
}

TEST(wbxml_callback_error_stops_reader)
{
    const eas_wbxml_handler h = {NULL, NULL, refuse_text, NULL};
    eas_wbxml_reader r;
    eas_wbxml_reader_init(&r, &h, NULL);
    CHECK_EQ(eas_wbxml_reader_feed(&r, foldersync_req, sizeof foldersync_req), EAS_ERR_ABORTED);
    CHECK_EQ(eas_wbxml_reader_error_offset(&r), 9);
}

TEST(wbxml_textbuf_truncates_and_flags)
{
    char buf[6];
    eas_wbxml_textbuf t;
    eas_wbxml_textbuf_init(&t, buf, sizeof buf);
    eas_wbxml_textbuf_append(&t, (const uint8_t *)"abc", 3);
    CHECK(!t.truncated);
    eas_wbxml_textbuf_append(&t, (const uint8_t *)"defg", 4);
    CHECK(t.truncated);
    CHECK_STR(buf, "abcde");
    CHECK_EQ(t.len, 5);
}

TEST(wbxml_textbuf_never_cuts_a_utf8_sequence)
{
    char buf[5];
    eas_wbxml_textbuf t;
    eas_wbxml_textbuf_init(&t, buf, sizeof buf);
    /* "ab" then "€" (3 bytes): only one byte of it would fit, so none of it is kept. */
    eas_wbxml_textbuf_append(&t, (const uint8_t *)"ab\xE2\x82\xAC", 5);
    CHECK(t.truncated);
    CHECK_STR(buf, "ab");
    /* The room the cut left stays empty: what comes later is past the cut (found by fuzz_directory:
     * the kept text depended on how the value arrived in pieces). */
    eas_wbxml_textbuf_append(&t, (const uint8_t *)"c", 1);
    CHECK_STR(buf, "ab");
}

/* ---- every vector of tests/vectors/xml: encode, then every split point decodes the same ---- */

#include <dirent.h>
#include <stdlib.h>

static int for_each_vector(void (*fn)(const char *name, const uint8_t *wbxml, size_t len, const char *xml, size_t xml_len))
{
    const char *dir_env = getenv("EAS_TEST_DIR");
    char dir[512];
    snprintf(dir, sizeof dir, "%s/vectors/xml", dir_env ? dir_env : "tests");
    DIR *d = opendir(dir);
    if (!d) return -1;
    struct dirent *e;
    int count = 0;
    static char xml[65536];
    static uint8_t wbxml[65536];
    while ((e = readdir(d)) != NULL) {
        size_t n = strlen(e->d_name);
        if (n < 5 || strcmp(e->d_name + n - 4, ".xml") != 0) continue;
        char rel[600];
        snprintf(rel, sizeof rel, "vectors/xml/%s", e->d_name);
        long len = check_read_file(rel, (uint8_t *)xml, sizeof xml);
        if (len < 0) continue;
        mem_sink m = {wbxml, sizeof wbxml, 0};
        eas_wbxml_writer w;
        eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &m});
        size_t off = 0;
        if (eas_xml_to_wbxml(xml, (size_t)len, &w, &off) != EAS_OK || eas_wbxml_writer_finish(&w) != EAS_OK) {
            check_fail(__FILE__, __LINE__, "%s does not encode (offset %zu)", e->d_name, off);
            continue;
        }
        fn(e->d_name, wbxml, m.len, xml, (size_t)len);
        count++;
    }
    closedir(d);
    return count;
}

static void split_every_point(const char *name, const uint8_t *doc, size_t n, const char *xml, size_t xml_len)
{
    (void)xml, (void)xml_len;
    static char ref[65536], got[65536];
    wbxml_log lref, lgot;
    wbxml_log_init(&lref, ref, sizeof ref);
    if (wbxml_decode_log(doc, n, 0, 0, &lref, NULL) != EAS_OK || lref.overflow) {
        check_fail(__FILE__, __LINE__, "%s: reference decode failed", name);
        return;
    }
    for (size_t split = 1; split < n; split++) {
        wbxml_log_init(&lgot, got, sizeof got);
        if (wbxml_decode_log(doc, n, split, 0, &lgot, NULL) != EAS_OK || strcmp(ref, got) != 0) {
            check_fail(__FILE__, __LINE__, "%s: events differ when split at %zu", name, split);
            return;
        }
    }
    wbxml_log_init(&lgot, got, sizeof got);
    if (wbxml_decode_log(doc, n, 0, 1, &lgot, NULL) != EAS_OK || strcmp(ref, got) != 0)
        check_fail(__FILE__, __LINE__, "%s: events differ one byte at a time", name);
    /* Every proper prefix is an incomplete document, never a success nor a crash. */
    for (size_t cut = 0; cut < n; cut++) {
        wbxml_log_init(&lgot, got, sizeof got);
        eas_err e = wbxml_decode_log(doc, cut, 0, 0, &lgot, NULL);
        if (e != EAS_ERR_WBXML_TRUNCATED && e != EAS_ERR_WBXML_EMPTY) {
            check_fail(__FILE__, __LINE__, "%s: prefix of %zu bytes gave %s", name, cut, eas_err_name(e));
            return;
        }
    }
}

TEST(wbxml_vectors_every_split_point)
{
    int n = for_each_vector(split_every_point);
    CHECK_MSG(n >= 10, "expected the XML vectors in tests/vectors/xml, found %d", n);
}

static void print_then_encode(const char *name, const uint8_t *doc, size_t n, const char *xml, size_t xml_len)
{
    (void)xml, (void)xml_len;
    static uint8_t printed[131072], again[65536];
    mem_sink pm = {printed, sizeof printed - 1, 0};
    eas_wbxml_xml_printer p;
    eas_wbxml_xml_printer_init(&p, (eas_sink){mem_sink_write, &pm}, 0);
    eas_wbxml_reader r;
    eas_wbxml_reader_init(&r, &eas_wbxml_xml_handler, &p);
    if (eas_wbxml_reader_feed(&r, doc, n) != EAS_OK || eas_wbxml_reader_finish(&r) != EAS_OK ||
        eas_wbxml_xml_printer_finish(&p) != EAS_OK) {
        check_fail(__FILE__, __LINE__, "%s: printing failed", name);
        return;
    }
    mem_sink am = {again, sizeof again, 0};
    eas_wbxml_writer w;
    eas_wbxml_writer_init(&w, (eas_sink){mem_sink_write, &am});
    size_t off = 0;
    eas_err e = eas_xml_to_wbxml((const char *)printed, pm.len, &w, &off);
    if (e != EAS_OK || am.len != n || memcmp(again, doc, n) != 0)
        check_fail(__FILE__, __LINE__, "%s: printed XML re-encodes differently (%s at %zu)", name, eas_err_name(e), off);
}

TEST(wbxml_vectors_print_and_reencode_identically)
{
    CHECK(for_each_vector(print_then_encode) >= 10);
}

TEST(xml_encoder_rejects_bad_xml_with_offset)
{
    static const struct {
        const char *xml;
        eas_err err;
        size_t offset;
    } cases[] = {
        {"<Sync xmlns=\"AirSync:\"><SyncKey>1</Sync>", EAS_ERR_XML_MISMATCHED_END, 33},
        {"<Sync xmlns=\"NoSuch:\"/>", EAS_ERR_XML_UNKNOWN_NAMESPACE, 13},
        {"<Sync/>", EAS_ERR_XML_UNKNOWN_NAMESPACE, 0},
        {"<Sync xmlns=\"AirSync:\"><Bogus/></Sync>", EAS_ERR_XML_UNKNOWN_ELEMENT, 23},
        {"<Sync xmlns=\"AirSync:\" a=\"1\"/>", EAS_ERR_XML_SYNTAX, 23},
        {"<Sync xmlns=\"AirSync:\"><SyncKey>&bogus;</SyncKey></Sync>", EAS_ERR_XML_SYNTAX, 32},
        {"<Sync xmlns=\"AirSync:\">text<SyncKey/></Sync>", EAS_ERR_XML_SYNTAX, 27},
        {"<Sync xmlns=\"AirSync:\"><SyncKey>1</SyncKey>", EAS_ERR_XML_SYNTAX, 43},
        {"<Sync xmlns=\"AirSync:\"/><Sync xmlns=\"AirSync:\"/>", EAS_ERR_XML_SYNTAX, 25},
        {"<Sync xmlns=\"AirSync:\" xmlns:e2=\"Email2:\"><e2:ConversationId>!!</e2:ConversationId></Sync>",
         EAS_ERR_XML_BASE64, 61},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        eas_wbxml_writer w;
        eas_wbxml_writer_init(&w, (eas_sink){NULL, NULL});
        size_t off = 0;
        eas_err e = eas_xml_to_wbxml(cases[i].xml, strlen(cases[i].xml), &w, &off);
        CHECK_MSG(e == cases[i].err, "case %zu: got %s, want %s", i, eas_err_name(e), eas_err_name(cases[i].err));
        CHECK_MSG(off == cases[i].offset, "case %zu: offset %zu, want %zu", i, off, cases[i].offset);
    }
}
