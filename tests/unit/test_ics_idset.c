/* IDSET/GLOBSET codec and the bounded ID set (core/ics): the specification's examples byte for byte and
 * at every split point, malformed input with its offset, and random sets against a naive model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "eas/ics_idset.h"
#include "eas/ics_set.h"

typedef struct expect_range {
    uint16_t replid;
    uint64_t lo, hi;
} expect_range;

typedef struct vector {
    const char *name;
    eas_ics_form form;
    const uint8_t *bytes;
    size_t len;
    const expect_range *ranges;
    size_t nranges;
    int canonical; /* the encoder writes exactly these bytes */
} vector;

/* MS-OXCFXICS 3.1.5.4.3.1.3: five shared high-order bytes, low bytes {0x01-0x03, 0x05, 0x07-0x09}
 * give StartingValue 0x01 and Bitmask 0xEB (the shared bytes are zero here, under REPLID 1). */
static const uint8_t v_bitmask[] = {0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0x42, 0x01, 0xEB, 0x50, 0x00};
static const expect_range r_bitmask[] = {{1, 1, 3}, {1, 5, 5}, {1, 7, 9}};
/* 3.1.5.4.3.1.1: a Push that brings the stack to six bytes is one GLOBCNT, and pops itself. */
static const uint8_t v_singleton[] = {0x01, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00, 0x12, 0x34, 0x00};
static const expect_range r_singleton[] = {{1, 0x1234, 0x1234}};
/* 3.1.5.4.3.1.4: a run whose ends share four high-order bytes: Push 4, Range of the two low bytes. */
static const uint8_t v_range[] = {0x05, 0x00, 0x04, 0, 0, 0, 0, 0x52, 0x10, 0x00, 0x1F, 0xFF, 0x50, 0x00};
static const expect_range r_range[] = {{5, 0x1000, 0x1FFF}};
/* A run that shares no byte: Range of six bytes each. */
static const uint8_t v_range6[] = {0x02, 0x00, 0x52, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
                                   0x7F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
static const expect_range r_range6[] = {{2, 1, 0x7F0000000000ull}};
/* Two replicas (serialized in ascending REPLID) and nested pushes (2.2.2.6.1): under four shared zero
 * bytes, a group under byte 0x01 as a Bitmask, then a run under byte 0x02 as a two-byte Range (a Push
 * of 0x02 and its Pop would cost as much as they save). */
static const uint8_t v_nested[] = {
    0x01, 0x00,                               /* REPLID 1 */
    0x04, 0x00, 0x00, 0x00, 0x00,             /* Push 4: 00 00 00 00 */
    0x01, 0x01,                               /* Push 1: 01 (stack 5) */
    0x42, 0x00, 0x05,                         /* Bitmask: 0x100, 0x101, 0x103 */
    0x50,                                     /* Pop */
    0x52, 0x02, 0x10, 0x02, 0x80,             /* Range 0x210-0x280 */
    0x50, 0x00,                               /* Pop, End */
    0x03, 0x00,                               /* REPLID 3 */
    0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, /* Push 6: 0x10000 */
    0x00,                                     /* End */
};
static const expect_range r_nested[] = {{1, 0x100, 0x101}, {1, 0x103, 0x103}, {1, 0x210, 0x280}, {3, 0x10000, 0x10000}};
/* The same set in a longer but valid form (a Push and Pop where none pays): decodes the same; the
 * encoder writes the form above. */
static const uint8_t v_nested_long[] = {0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x42, 0x00,
                                        0x05, 0x50, 0x01, 0x02, 0x52, 0x10, 0x80, 0x50, 0x50, 0x00, 0x03,
                                        0x00, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
/* The REPLGUID form (2.2.2.4.2), as a MetaTagCnsetSeen of one replica holds it: CNs 1 to 0x2A. */
static const uint8_t v_guid[] = {0xD4, 0x2F, 0x1B, 0x6A, 0x9C, 0x51, 0x4E, 0x45, 0xA8, 0x3B, 0x11, 0x22, 0x33,
                                 0x44, 0x55, 0x66, 0x05, 0, 0, 0, 0, 0, 0x52, 0x01, 0x2A, 0x50, 0x00};
static const expect_range r_guid[] = {{0, 1, 0x2A}};

static const vector vectors[] = {
    {"bitmask", EAS_ICS_REPLID, v_bitmask, sizeof v_bitmask, r_bitmask, 3, 1},
    {"singleton", EAS_ICS_REPLID, v_singleton, sizeof v_singleton, r_singleton, 1, 1},
    {"range", EAS_ICS_REPLID, v_range, sizeof v_range, r_range, 1, 1},
    {"range6", EAS_ICS_REPLID, v_range6, sizeof v_range6, r_range6, 1, 1},
    {"nested", EAS_ICS_REPLID, v_nested, sizeof v_nested, r_nested, 4, 1},
    {"nested-long", EAS_ICS_REPLID, v_nested_long, sizeof v_nested_long, r_nested, 4, 0},
    {"replguid", EAS_ICS_REPLGUID, v_guid, sizeof v_guid, r_guid, 1, 1},
};

static eas_ics_guid vector_replica(const vector *v, const expect_range *r)
{
    if (v->form == EAS_ICS_REPLID) return eas_ics_replid(r->replid);
    eas_ics_guid g;
    memcpy(g.b, v->bytes, 16);
    return g;
}

static int build_expected(const vector *v, eas_ics_set *s)
{
    eas_ics_set_init(s, v->form);
    for (size_t i = 0; i < v->nranges; i++) {
        eas_ics_guid g = vector_replica(v, &v->ranges[i]);
        if (eas_ics_set_add_range(s, &g, v->ranges[i].lo, v->ranges[i].hi) != EAS_OK) return 0;
    }
    return 1;
}

TEST(ics_idset_vectors_round_trip)
{
    for (size_t k = 0; k < sizeof vectors / sizeof vectors[0]; k++) {
        const vector *v = &vectors[k];
        eas_ics_set want, got;
        CHECK(build_expected(v, &want));
        eas_ics_set_init(&got, v->form);
        uint32_t at = 99;
        CHECK_OK(eas_ics_idset_decode(&got, v->bytes, v->len, &at));
        CHECK_MSG(eas_ics_set_equal(&got, &want), "vector %s decodes to other ranges", v->name);
        if (!v->canonical) continue;
        uint8_t out[64];
        size_t n = 0;
        CHECK_OK(eas_ics_idset_encode_buf(&want, out, sizeof out, &n));
        CHECK_MSG(n == v->len && memcmp(out, v->bytes, n) == 0, "vector %s re-encodes differently (%zu bytes)",
                  v->name, n);
        /* Counting first gives the same length. */
        uint32_t counted = 0;
        eas_sink count = {NULL, NULL};
        CHECK_OK(eas_ics_idset_encode(&want, count, &counted));
        CHECK_EQ(counted, v->len);
    }
}

TEST(ics_idset_vectors_every_split)
{
    for (size_t k = 0; k < sizeof vectors / sizeof vectors[0]; k++) {
        const vector *v = &vectors[k];
        eas_ics_set want;
        CHECK(build_expected(v, &want));
        for (size_t a = 0; a <= v->len; a++) {
            for (size_t b = a; b <= v->len; b++) {
                eas_ics_set got;
                eas_ics_set_init(&got, v->form);
                eas_ics_idset_decoder d;
                eas_ics_idset_decoder_init(&d, v->form, &eas_ics_idset_into_set, &got);
                CHECK_OK(eas_ics_idset_feed(&d, v->bytes, a));
                CHECK_OK(eas_ics_idset_feed(&d, v->bytes + a, b - a));
                CHECK_OK(eas_ics_idset_feed(&d, v->bytes + b, v->len - b));
                CHECK_OK(eas_ics_idset_finish(&d));
                CHECK_MSG(eas_ics_set_equal(&got, &want), "vector %s split at %zu,%zu", v->name, a, b);
            }
        }
        /* Cut short anywhere inside: truncated, at the end of what came. */
        for (size_t cut = 1; cut < v->len; cut++) {
            eas_ics_set got;
            eas_ics_set_init(&got, v->form);
            eas_ics_idset_decoder d;
            eas_ics_idset_decoder_init(&d, v->form, &eas_ics_idset_into_set, &got);
            CHECK_OK(eas_ics_idset_feed(&d, v->bytes, cut));
            eas_err e = eas_ics_idset_finish(&d);
            /* A cut right after an End is a shorter, complete IDSET. */
            if (v->bytes[cut - 1] == 0x00 && e == EAS_OK) continue;
            CHECK_EQ(e, EAS_ERR_ICS_TRUNCATED);
            CHECK_EQ(eas_ics_idset_error_offset(&d), cut);
        }
    }
}

typedef struct bad {
    const char *name;
    uint8_t bytes[24];
    size_t len;
    eas_err err;
    uint32_t offset;
} bad;

TEST(ics_idset_malformed_with_offsets)
{
    static const bad cases[] = {
        {"bitmask with 4 bytes pushed", {0x01, 0x00, 0x04, 0, 0, 0, 0, 0x42, 0x01, 0x03, 0x50, 0x00}, 12,
         EAS_ERR_ICS_GLOBSET, 7},
        {"push past 6 bytes", {0x01, 0x00, 0x04, 0, 0, 0, 0, 0x03, 1, 2, 3}, 11, EAS_ERR_ICS_GLOBSET, 7},
        {"pop with nothing pushed", {0x01, 0x00, 0x50}, 3, EAS_ERR_ICS_GLOBSET, 2},
        {"range low above high", {0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0x52, 0x09, 0x03, 0x50, 0x00}, 13,
         EAS_ERR_ICS_GLOBSET, 8},
        {"unknown command", {0x01, 0x00, 0x07}, 3, EAS_ERR_ICS_GLOBSET, 2},
        {"end with bytes pushed", {0x01, 0x00, 0x02, 0, 0, 0x00}, 6, EAS_ERR_ICS_GLOBSET, 5},
        {"bitmask past 0xFF", {0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0x42, 0xFC, 0x10, 0x50, 0x00}, 13,
         EAS_ERR_ICS_GLOBSET, 8},
        {"truncated header", {0x01}, 1, EAS_ERR_ICS_TRUNCATED, 1},
        {"no end", {0x01, 0x00, 0x06, 0, 0, 0, 0, 0, 1}, 9, EAS_ERR_ICS_TRUNCATED, 9},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        eas_ics_set s;
        eas_ics_set_init(&s, EAS_ICS_REPLID);
        uint32_t at = 0;
        eas_err e = eas_ics_idset_decode(&s, cases[k].bytes, cases[k].len, &at);
        CHECK_MSG(e == cases[k].err, "%s: %s", cases[k].name, eas_err_name(e));
        CHECK_MSG(at == cases[k].offset, "%s: offset %u", cases[k].name, (unsigned)at);
    }
    /* Bitmask 0xFC with 0x03: 0xFC..0xFE, in range. */
    static const uint8_t ok[] = {0x01, 0x00, 0x05, 0, 0, 0, 0, 0, 0x42, 0xFC, 0x03, 0x50, 0x00};
    eas_ics_set s;
    eas_ics_set_init(&s, EAS_ICS_REPLID);
    CHECK_OK(eas_ics_idset_decode(&s, ok, sizeof ok, NULL));
    CHECK_EQ(eas_ics_set_count(&s), 3);
}

TEST(ics_set_capacity_error_keeps_set)
{
    eas_ics_set s;
    eas_ics_set_init(&s, EAS_ICS_REPLID);
    eas_ics_guid r = eas_ics_replid(1);
    for (uint64_t i = 0; i < EAS_ICS_SET_MAX_RANGES; i++) CHECK_OK(eas_ics_set_add(&s, &r, 10 * i));
    CHECK_EQ(s.nranges, EAS_ICS_SET_MAX_RANGES);
    eas_ics_set before = s;
    CHECK_EQ(eas_ics_set_add(&s, &r, 5), EAS_ERR_ICS_SET_FULL);
    CHECK(memcmp(&before, &s, sizeof s) == 0);
    /* Touching an existing range still fits. */
    CHECK_OK(eas_ics_set_add(&s, &r, 11));
    CHECK_OK(eas_ics_set_add_range(&s, &r, 0, 30)); /* merges 0, 10-11, 20, 30 */
    CHECK_EQ(s.nranges, EAS_ICS_SET_MAX_RANGES - 3);
    /* Replicas are bounded too. */
    eas_ics_set t;
    eas_ics_set_init(&t, EAS_ICS_REPLID);
    for (unsigned i = 0; i < EAS_ICS_SET_MAX_REPLICAS; i++) {
        eas_ics_guid g = eas_ics_replid((uint16_t)(i + 1));
        CHECK_OK(eas_ics_set_add(&t, &g, 1));
    }
    eas_ics_guid extra = eas_ics_replid(999);
    CHECK_EQ(eas_ics_set_add(&t, &extra, 1), EAS_ERR_ICS_SET_FULL);
    /* Out-of-range input. */
    CHECK_EQ(eas_ics_set_add_range(&t, &r, 5, 4), EAS_ERR_ARG);
    CHECK_EQ(eas_ics_set_add(&t, &r, EAS_ICS_GLOBCNT_MAX + 1), EAS_ERR_ARG);
    /* A union that does not fit changes nothing. */
    eas_ics_set a, b;
    eas_ics_set_init(&a, EAS_ICS_REPLID);
    eas_ics_set_init(&b, EAS_ICS_REPLID);
    for (uint64_t i = 0; i < EAS_ICS_SET_MAX_RANGES; i++) CHECK_OK(eas_ics_set_add(&a, &r, 4 * i));
    CHECK_OK(eas_ics_set_add(&b, &r, 2));
    CHECK_OK(eas_ics_set_add(&b, &r, 4 * EAS_ICS_SET_MAX_RANGES + 2));
    eas_ics_set a0 = a;
    CHECK_EQ(eas_ics_set_union(&a, &b), EAS_ERR_ICS_SET_FULL);
    CHECK(memcmp(&a0, &a, sizeof a) == 0);
}

TEST(ics_id_layout)
{
    /* MS-OXCDATA 2.2.1.2: REPLID 0x0001, GLOBCNT 0x000000000A2B travels as 01 00 00 00 00 00 0A 2B. */
    uint64_t id = eas_ics_make_id(1, 0xA2B);
    uint8_t wire[8];
    for (unsigned i = 0; i < 8; i++) wire[i] = (uint8_t)(id >> (8 * i));
    static const uint8_t want[8] = {0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x0A, 0x2B};
    CHECK_MEM(wire, want, 8);
    uint16_t replid;
    uint64_t gc;
    eas_ics_split_id(id, &replid, &gc);
    CHECK_EQ(replid, 1);
    CHECK_EQ(gc, 0xA2B);
}

/* ------------------------------------------------------------------ random sets vs a naive model */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;
static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

#define MODEL_MAX 64
typedef struct model {
    unsigned n;
    uint16_t rep[MODEL_MAX];
    uint64_t lo[MODEL_MAX], hi[MODEL_MAX];
} model;

/* The naive normal form: sort by (replica, lo) with a plain selection sort, then merge what touches. */
static void model_normalize(model *m)
{
    for (unsigned i = 0; i < m->n; i++)
        for (unsigned j = i + 1; j < m->n; j++)
            if (m->rep[j] < m->rep[i] || (m->rep[j] == m->rep[i] && m->lo[j] < m->lo[i])) {
                uint16_t r = m->rep[i];
                m->rep[i] = m->rep[j];
                m->rep[j] = r;
                uint64_t t = m->lo[i];
                m->lo[i] = m->lo[j];
                m->lo[j] = t;
                t = m->hi[i];
                m->hi[i] = m->hi[j];
                m->hi[j] = t;
            }
    unsigned w = 0;
    for (unsigned i = 0; i < m->n; i++) {
        if (w > 0 && m->rep[w - 1] == m->rep[i] && m->lo[i] <= m->hi[w - 1] + 1) {
            if (m->hi[i] > m->hi[w - 1]) m->hi[w - 1] = m->hi[i];
            continue;
        }
        m->rep[w] = m->rep[i];
        m->lo[w] = m->lo[i];
        m->hi[w] = m->hi[i];
        w++;
    }
    m->n = w;
}

static int model_contains(const model *m, uint16_t rep, uint64_t v)
{
    for (unsigned i = 0; i < m->n; i++)
        if (m->rep[i] == rep && m->lo[i] <= v && v <= m->hi[i]) return 1;
    return 0;
}

/* Values that exercise every command: clustered around a few bases whose high bytes vary. */
static uint64_t random_value(const uint64_t *bases)
{
    uint64_t base = bases[rnd() % 4];
    switch (rnd() % 4) {
    case 0: return (base + rnd() % 24) & EAS_ICS_GLOBCNT_MAX;
    case 1: return (base + rnd() % 600) & EAS_ICS_GLOBCNT_MAX;
    case 2: return (base + rnd() % 0x30000) & EAS_ICS_GLOBCNT_MAX;
    default: return rnd() & EAS_ICS_GLOBCNT_MAX;
    }
}

static void random_model(model *m, unsigned max)
{
    uint64_t bases[4];
    for (unsigned i = 0; i < 4; i++) bases[i] = (rnd() & EAS_ICS_GLOBCNT_MAX) >> (8 * (rnd() % 6));
    m->n = (unsigned)(rnd() % (max + 1));
    for (unsigned i = 0; i < m->n; i++) {
        m->rep[i] = (uint16_t)(1 + rnd() % 3);
        uint64_t a = random_value(bases);
        uint64_t len = rnd() % 3 == 0 ? 0 : rnd() % (rnd() % 2 ? 4 : 300);
        m->lo[i] = a;
        m->hi[i] = a + len > EAS_ICS_GLOBCNT_MAX ? EAS_ICS_GLOBCNT_MAX : a + len;
    }
}

static eas_err model_to_set(const model *m, eas_ics_set *s)
{
    for (unsigned i = 0; i < m->n; i++) {
        eas_ics_guid g = eas_ics_replid(m->rep[i]);
        eas_err e = eas_ics_set_add_range(s, &g, m->lo[i], m->hi[i]);
        if (e != EAS_OK) return e;
    }
    return EAS_OK;
}

/* Compactness, checked on the command stream as it is decoded. */
typedef struct trace {
    int violation;
    unsigned last_depth5_start; /* low byte of the last value command at depth 5, or 0x100 */
    uint8_t popped_first;       /* first byte of the last Push popped, valid when just_popped */
    int just_popped;
    unsigned push_first[7];
    unsigned npush;
} trace;

static eas_err trace_cmd(void *user, uint32_t offset, uint8_t cmd, const uint8_t *args, unsigned nargs,
                         unsigned depth)
{
    trace *t = user;
    (void)offset;
    int value_cmd = (cmd >= 1 && cmd <= 6 && depth + cmd == 6) || cmd == EAS_ICS_CMD_RANGE || cmd == EAS_ICS_CMD_BITMASK;
    /* A Pop followed by a Push of the same next byte: the two groups should have been one. */
    if (cmd >= 1 && cmd <= 6 && t->just_popped && args[0] == t->popped_first && depth + cmd < 6) t->violation = 1;
    /* A Range of one value: a Push is shorter. */
    if (cmd == EAS_ICS_CMD_RANGE && memcmp(args, args + nargs / 2, nargs / 2) == 0) t->violation = 2;
    /* At depth 5, a value within 8 of the previous command's start: one Bitmask would hold both. */
    if (depth == 5 && value_cmd) {
        unsigned hi_low = cmd == EAS_ICS_CMD_RANGE ? args[1] : cmd == EAS_ICS_CMD_BITMASK ? 0x1FF : args[0];
        if (cmd == EAS_ICS_CMD_BITMASK) {
            unsigned top = 0;
            for (unsigned b = 0; b < 8; b++)
                if ((args[1] >> b) & 1) top = b + 1;
            hi_low = args[0] + top;
        }
        if (t->last_depth5_start <= 0xFF && hi_low <= t->last_depth5_start + 8) t->violation = 3;
        t->last_depth5_start = args[0];
    }
    if (depth != 5 || cmd == EAS_ICS_CMD_POP) t->last_depth5_start = 0x100;
    t->just_popped = 0;
    if (cmd >= 1 && cmd <= 6 && depth + cmd < 6) {
        t->push_first[t->npush++] = args[0];
    } else if (cmd == EAS_ICS_CMD_POP && t->npush > 0) {
        t->popped_first = (uint8_t)t->push_first[--t->npush];
        t->just_popped = 1;
    }
    return EAS_OK;
}

/* The size of a plain encoding (what a simple encoder writes): the shared prefix of the whole GLOBSET
 * pushed once, then every range as a Push or a Range. */
static size_t plain_size(const model *m)
{
    size_t total = 0;
    for (unsigned i = 0; i < m->n;) {
        unsigned j = i;
        while (j < m->n && m->rep[j] == m->rep[i]) j++;
        unsigned p = 0;
        while (p < 6 && ((m->lo[i] >> (8 * (5 - p))) & 0xFF) == ((m->hi[j - 1] >> (8 * (5 - p))) & 0xFF)) p++;
        if (p == 6) p = 5;
        total += 2 + (p ? 1 + p + 1 : 0) + 1;
        for (unsigned k = i; k < j; k++) total += m->lo[k] == m->hi[k] ? 1 + (6 - p) : 1 + 2 * (6 - p);
        i = j;
    }
    return total;
}

TEST(ics_idset_random_against_model)
{
    size_t ours = 0, plain = 0;
    for (unsigned round = 0; round < 120000; round++) {
        model m;
        random_model(&m, round % 10 == 0 ? 40 : 8);
        eas_ics_set s;
        eas_ics_set_init(&s, EAS_ICS_REPLID);
        CHECK_OK(model_to_set(&m, &s));
        model_normalize(&m);
        CHECK_EQ(s.nranges, m.n);
        uint64_t count = 0;
        for (unsigned i = 0; i < m.n; i++) count += m.hi[i] - m.lo[i] + 1;
        CHECK_EQ(eas_ics_set_count(&s), count);
        /* contains agrees at the edges of every range and at random points. */
        for (unsigned i = 0; i < m.n && i < 6; i++) {
            eas_ics_guid g = eas_ics_replid(m.rep[i]);
            uint64_t probes[4] = {m.lo[i], m.hi[i], m.lo[i] - 1, m.hi[i] + 1};
            for (unsigned k = 0; k < 4; k++) {
                if (probes[k] > EAS_ICS_GLOBCNT_MAX) continue;
                CHECK_EQ(eas_ics_set_contains(&s, &g, probes[k]), model_contains(&m, m.rep[i], probes[k]));
            }
        }
        uint8_t buf[2048];
        size_t n = 0;
        CHECK_OK(eas_ics_idset_encode_buf(&s, buf, sizeof buf, &n));
        eas_ics_set back;
        eas_ics_set_init(&back, EAS_ICS_REPLID);
        uint32_t at = 0;
        CHECK_OK(eas_ics_idset_decode(&back, buf, n, &at));
        CHECK_MSG(eas_ics_set_equal(&back, &s), "round %u: decode(encode(s)) != s", round);
        ours += n;
        plain += plain_size(&m);
        /* Union against the model. */
        model m2;
        random_model(&m2, 8);
        eas_ics_set s2;
        eas_ics_set_init(&s2, EAS_ICS_REPLID);
        CHECK_OK(model_to_set(&m2, &s2));
        CHECK_OK(eas_ics_set_union(&s, &s2));
        model mu = m;
        for (unsigned i = 0; i < m2.n && mu.n < MODEL_MAX; i++) {
            mu.rep[mu.n] = m2.rep[i];
            mu.lo[mu.n] = m2.lo[i];
            mu.hi[mu.n] = m2.hi[i];
            mu.n++;
        }
        model_normalize(&mu);
        eas_ics_set su;
        eas_ics_set_init(&su, EAS_ICS_REPLID);
        CHECK_OK(model_to_set(&mu, &su));
        CHECK_MSG(eas_ics_set_equal(&s, &su), "round %u: union differs from the model", round);
    }
    printf("  ics: random IDSETs encode to %zu bytes, the plain encoding to %zu (%.1f %%)\n", ours, plain,
           100.0 * (double)ours / (double)plain);
    CHECK(ours < plain);
}

TEST(ics_idset_encoding_is_compact)
{
    for (unsigned round = 0; round < 60000; round++) {
        model m;
        random_model(&m, round % 10 == 0 ? 40 : 8);
        eas_ics_set s;
        eas_ics_set_init(&s, EAS_ICS_REPLID);
        CHECK_OK(model_to_set(&m, &s));
        uint8_t buf[2048];
        size_t n = 0;
        CHECK_OK(eas_ics_idset_encode_buf(&s, buf, sizeof buf, &n));
        trace t;
        memset(&t, 0, sizeof t);
        t.last_depth5_start = 0x100;
        eas_ics_idset_handler h = {NULL, NULL, trace_cmd};
        eas_ics_idset_decoder d;
        eas_ics_idset_decoder_init(&d, EAS_ICS_REPLID, &h, &t);
        CHECK_OK(eas_ics_idset_feed(&d, buf, n));
        CHECK_OK(eas_ics_idset_finish(&d));
        if (t.violation) {
            for (size_t i = 0; i < n; i++) printf("%02x", buf[i]);
            printf("\n");
        }
        CHECK_MSG(t.violation == 0, "round %u: not compact (rule %d)", round, t.violation);
        /* Every split point of the random encodings too, for a share of them. */
        if (round % 50 == 0) {
            for (size_t cut = 0; cut <= n; cut++) {
                eas_ics_set back;
                eas_ics_set_init(&back, EAS_ICS_REPLID);
                eas_ics_idset_decoder_init(&d, EAS_ICS_REPLID, &eas_ics_idset_into_set, &back);
                CHECK_OK(eas_ics_idset_feed(&d, buf, cut));
                CHECK_OK(eas_ics_idset_feed(&d, buf + cut, n - cut));
                CHECK_OK(eas_ics_idset_finish(&d));
                CHECK(eas_ics_set_equal(&back, &s));
            }
        }
    }
}

typedef struct walk_log {
    unsigned n;
    uint32_t v[8];
} walk_log;

static eas_err walk_note(void *user, const eas_ics_guid *replica, uint64_t lo, uint64_t hi)
{
    walk_log *w = user;
    if (w->n < 8) w->v[w->n] = ((uint32_t)replica->b[0] << 24) | (uint32_t)(lo << 16) | (uint32_t)hi;
    w->n++;
    return EAS_OK;
}

TEST(ics_idset_replguid_order)
{
    /* REPLGUID-GLOBSET pairs are written in ascending GUID byte order (2.2.2.4.2). */
    eas_ics_set s;
    eas_ics_set_init(&s, EAS_ICS_REPLGUID);
    eas_ics_guid a, b;
    memset(a.b, 0x22, 16);
    memset(b.b, 0x11, 16);
    CHECK_OK(eas_ics_set_add(&s, &a, 7));
    CHECK_OK(eas_ics_set_add(&s, &b, 9));
    uint8_t buf[64];
    size_t n = 0;
    CHECK_OK(eas_ics_idset_encode_buf(&s, buf, sizeof buf, &n));
    CHECK_EQ(n, 2 * (16 + 8));
    CHECK_EQ(buf[0], 0x11);
    CHECK_EQ(buf[24], 0x22);
    /* The walk goes in the same order, ranges ascending. */
    CHECK_OK(eas_ics_set_add_range(&s, &a, 1, 3));
    walk_log w = {0, {0}};
    CHECK_OK(eas_ics_set_walk(&s, walk_note, &w));
    CHECK_EQ(w.n, 3);
    CHECK_EQ(w.v[0], 0x11090009); /* first byte of the replica, then low and high */
    CHECK_EQ(w.v[1], 0x22010003);
    CHECK_EQ(w.v[2], 0x22070007);
    /* Too small a buffer is an error, not a cut. */
    CHECK_EQ(eas_ics_idset_encode_buf(&s, buf, 30, &n), EAS_ERR_NOSPACE);
}
