/* IDSET encoder (eas/ics_idset.h, MS-OXCFXICS 3.1.5.4.3.1): the compact form, without recursion.
 *
 * Per replica, the ranges are walked once with a stack of "levels": a level is a group of consecutive
 * ranges that share `depth` high-order bytes, which were pushed once on entering it and are popped on
 * leaving it. Inside a level, the ranges that share one more byte form a sub-group: when pushing the
 * bytes they share pays for its Push and Pop, that is a new level; otherwise they are written one by
 * one. At depth 5 the ranges whose values lie within 8 of the first one's low byte become one Bitmask. */
#include <string.h>

#include "eas/ics_idset.h"

typedef struct out {
    eas_sink sink;
    uint32_t bytes;
    eas_err err;
} out;

static void put(out *o, const uint8_t *p, size_t n)
{
    if (o->err != EAS_OK) return;
    if (o->sink.write) o->err = o->sink.write(o->sink.ctx, p, n);
    o->bytes += (uint32_t)n;
}

static void gc_bytes(uint64_t v, uint8_t b[6])
{
    for (unsigned i = 0; i < 6; i++) b[i] = (uint8_t)(v >> (8 * (5 - i)));
}

/* Leading bytes two GLOBCNTs share (0-6). */
static unsigned shared(uint64_t a, uint64_t b)
{
    unsigned n = 0;
    while (n < 6 && ((a >> (8 * (5 - n))) & 0xFF) == ((b >> (8 * (5 - n))) & 0xFF)) n++;
    return n;
}

static void cmd_push(out *o, uint64_t v, unsigned from, unsigned to)
{
    uint8_t b[6], c = (uint8_t)(to - from);
    gc_bytes(v, b);
    put(o, &c, 1);
    put(o, &b[from], to - from);
}

static void cmd_range(out *o, uint64_t lo, uint64_t hi, unsigned depth)
{
    uint8_t a[6], b[6], c = EAS_ICS_CMD_RANGE;
    gc_bytes(lo, a);
    gc_bytes(hi, b);
    put(o, &c, 1);
    put(o, &a[depth], 6 - depth);
    put(o, &b[depth], 6 - depth);
}

static void cmd_byte(out *o, uint8_t c) { put(o, &c, 1); }

typedef struct level {
    unsigned depth;
    size_t end;  /* the level's ranges end here */
    size_t flat; /* ranges before this one are written one by one at this depth */
} level;

/* One range on its own at depth d: a GLOBCNT as a Push of its remaining bytes, a run as a Range, after
 * a Push of the bytes lo and hi share when that is shorter (more than two of them). */
static void encode_single(out *o, uint64_t lo, uint64_t hi, unsigned d)
{
    if (lo == hi) {
        cmd_push(o, lo, d, 6);
        return;
    }
    unsigned p = shared(lo, hi);
    if (p - d <= 2) {
        cmd_range(o, lo, hi, d);
        return;
    }
    cmd_push(o, lo, d, p);
    cmd_range(o, lo, hi, p);
    cmd_byte(o, EAS_ICS_CMD_POP);
}

/* Whether pushing the g - d bytes a group shares saves more than the Push and Pop cost: each GLOBCNT
 * written below it is that much shorter, each run twice. Five shared bytes always are: they allow the
 * Bitmask. */
static int push_pays(const eas_ics_range *r, size_t n, unsigned d, unsigned g)
{
    if (g == 5) return 1;
    size_t values = 0;
    for (size_t k = 0; k < n; k++) values += r[k].key_lo == r[k].key_hi ? 1 : 2;
    return values * (g - d) > 2 + (g - d);
}

/* At depth 5: the ranges whose values lie within 8 of the first one's low byte, as one Bitmask when
 * there are several; returns how many ranges were written. */
static size_t encode_cluster(out *o, const eas_ics_range *r, size_t n)
{
    const uint64_t lo = r[0].key_lo & EAS_ICS_GLOBCNT_MAX, hi = r[0].key_hi & EAS_ICS_GLOBCNT_MAX;
    unsigned start = (unsigned)(lo & 0xFF), mask = 0;
    size_t j = 0;
    while (j < n && (unsigned)(r[j].key_hi & 0xFF) <= start + 8) {
        for (unsigned v = (unsigned)(r[j].key_lo & 0xFF); v <= (unsigned)(r[j].key_hi & 0xFF); v++)
            if (v != start) mask |= 1u << (v - start - 1);
        j++;
    }
    if (j <= 1) {
        encode_single(o, lo, hi, 5);
        return 1;
    }
    uint8_t c[3] = {EAS_ICS_CMD_BITMASK, (uint8_t)start, (uint8_t)mask};
    put(o, c, 3);
    return j;
}

/* One GLOBSET: ranges r[0..n) of one replica (GLOBCNTs in the low 48 bits of the keys). */
static void encode_globset(out *o, const eas_ics_range *r, size_t n)
{
    level lv[7];
    unsigned nl = 1;
    lv[0].depth = 0;
    lv[0].end = n;
    lv[0].flat = 0;
    size_t i = 0;
    /* Each step writes a range (or several), marks a group flat, enters a level or leaves one. A range
     * lies in at most 5 nested levels and every level or flat group holds one: 11 * n steps suffice. */
    for (size_t guard = 11 * n + 1; guard > 0 && o->err == EAS_OK; guard--) {
        level *L = &lv[nl - 1];
        if (i == L->end) {
            if (nl == 1) break;
            cmd_byte(o, EAS_ICS_CMD_POP);
            nl--;
            continue;
        }
        const unsigned d = L->depth;
        const uint64_t lo = r[i].key_lo & EAS_ICS_GLOBCNT_MAX, hi = r[i].key_hi & EAS_ICS_GLOBCNT_MAX;
        if (d == 5) {
            i += encode_cluster(o, &r[i], L->end - i);
            continue;
        }
        if (i < L->flat || shared(lo, hi) == d) { /* flat, or the run crosses a change of byte d */
            encode_single(o, lo, hi, d);
            i++;
            continue;
        }
        /* The ranges that share byte d (and so every byte up to g) with this one. */
        size_t j = i + 1;
        while (j < L->end && shared(lo, r[j].key_hi & EAS_ICS_GLOBCNT_MAX) > d) j++;
        if (j == i + 1) {
            encode_single(o, lo, hi, d);
            i++;
            continue;
        }
        unsigned g = shared(lo, r[j - 1].key_hi & EAS_ICS_GLOBCNT_MAX);
        if (!push_pays(&r[i], j - i, d, g)) {
            L->flat = j;
            continue;
        }
        cmd_push(o, lo, d, g);
        lv[nl].depth = g;
        lv[nl].end = j;
        lv[nl].flat = 0;
        nl++;
    }
    cmd_byte(o, EAS_ICS_CMD_END);
}

eas_err eas_ics_idset_encode(const eas_ics_set *s, eas_sink sink, uint32_t *len)
{
    out o = {sink, 0, EAS_OK};
    /* Replicas in serialization order; each one's ranges are contiguous in the sorted array. */
    uint8_t done[EAS_ICS_SET_MAX_REPLICAS];
    memset(done, 0, sizeof done);
    for (unsigned k = 0; k < s->nreplicas && o.err == EAS_OK; k++) {
        int best = -1;
        for (unsigned r = 0; r < s->nreplicas; r++) {
            if (done[r]) continue;
            if (best < 0) {
                best = (int)r;
                continue;
            }
            const eas_ics_guid *a = &s->replica[r], *b = &s->replica[best];
            int less = s->form == EAS_ICS_REPLID ? eas_ics_guid_replid(a) < eas_ics_guid_replid(b)
                                                 : eas_ics_guid_cmp(a, b) < 0;
            if (less) best = (int)r;
        }
        done[best] = 1;
        size_t first = 0;
        while (first < s->nranges && (unsigned)(s->range[first].key_lo >> 48) < (unsigned)best) first++;
        size_t end = first;
        while (end < s->nranges && (unsigned)(s->range[end].key_lo >> 48) == (unsigned)best) end++;
        if (end == first) continue;
        put(&o, s->replica[best].b, s->form == EAS_ICS_REPLID ? 2 : 16);
        encode_globset(&o, &s->range[first], end - first);
    }
    if (len) *len = o.bytes;
    return o.err;
}

eas_err eas_ics_idset_encode_buf(const eas_ics_set *s, uint8_t *buf, size_t cap, size_t *len)
{
    eas_buf_sink b = {buf, cap, 0};
    eas_sink sink = {eas_buf_sink_write, &b};
    eas_err e = eas_ics_idset_encode(s, sink, NULL);
    if (len) *len = b.len;
    return e;
}
