/* eas-ics: the ICS (MS-OXCFXICS) structures of the core on the command line, for people reading real
 * captures.
 *   eas-ics idset decode [--replguid]    hex on standard input; a header line per replica
 *                                        (REPLID 0x0001 or REPLGUID {GUID}), then its GLOBCNTs, one per
 *                                        line: a value or lo-hi, in hex
 *   eas-ics idset encode [--replguid]    the same lines in (values decimal or 0x hex), hex out
 *   eas-ics fxstream dump FILE           a FastTransfer stream's structure with byte offsets (IDSETs of the
 *                                        deletion, read-state and state properties decoded too)
 *   eas-ics pcl decode HEX               one XID a line: GUID, then the LocalId in hex
 *   eas-ics pcl compare HEX_A HEX_B      equal, a-includes-b, b-includes-a or conflict
 *   eas-ics pcl merge HEX_A HEX_B        the merged PCL (sorted by GUID, one XID per GUID) as hex
 * Bad input: exit status 1 and "error: ... at offset N" on standard error (N counts bytes of the
 * decoded input, or characters of text input). */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eas/ics_fx.h"
#include "eas/ics_idset.h"
#include "eas/ics_pcl.h"
#include "eas/ics_set.h"

#define INPUT_MAX (4u * 1024u * 1024u)

static uint8_t input[INPUT_MAX];

static int usage(void)
{
    fprintf(stderr, "usage: eas-ics idset decode|encode [--replguid]\n"
                    "       eas-ics fxstream dump FILE\n"
                    "       eas-ics pcl decode HEX\n"
                    "       eas-ics pcl compare|merge HEX_A HEX_B\n");
    return 2;
}

static int fail_at(const char *what, unsigned long offset)
{
    fprintf(stderr, "error: %s at offset %lu\n", what, offset);
    return 1;
}

static size_t read_all(FILE *in, uint8_t *buf, size_t cap, int *too_big)
{
    size_t n = fread(buf, 1, cap, in);
    *too_big = n == cap && fgetc(in) != EOF;
    return n;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = tolower(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Hex text (whitespace ignored) to bytes in place of out; -1 and *bad (character offset) on error. */
static long unhex(const char *text, size_t len, uint8_t *out, size_t cap, unsigned long *bad)
{
    size_t n = 0;
    int hi = -1;
    for (size_t i = 0; i < len; i++) {
        if (isspace((unsigned char)text[i])) continue;
        int v = hexval((unsigned char)text[i]);
        if (v < 0 || n >= cap) {
            *bad = (unsigned long)i;
            return -1;
        }
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    if (hi >= 0) {
        *bad = (unsigned long)len;
        return -1;
    }
    return (long)n;
}

static void print_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) printf("%02x", p[i]);
}

static void print_guid(const eas_ics_guid *g)
{
    const uint8_t *b = g->b;
    printf("{%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x}", b[3], b[2], b[1], b[0], b[5],
           b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

/* {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} (braces optional) into the wire bytes; 0 on error. */
static int parse_guid(const char *s, eas_ics_guid *g)
{
    char hex[33];
    size_t n = 0;
    for (size_t i = 0; s[i] && n < 33; i++) {
        if (s[i] == '{' || s[i] == '}' || s[i] == '-') continue;
        if (hexval((unsigned char)s[i]) < 0) return 0;
        hex[n++] = s[i];
    }
    if (n != 32) return 0;
    uint8_t v[16];
    for (unsigned i = 0; i < 16; i++) v[i] = (uint8_t)(hexval(hex[2 * i]) << 4 | hexval(hex[2 * i + 1]));
    /* Data1..Data3 are written big-endian in the text and travel little-endian. */
    static const uint8_t order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    for (unsigned i = 0; i < 16; i++) g->b[i] = v[order[i]];
    return 1;
}

/* ------------------------------------------------------------------------------------------- idset */

typedef struct idset_print {
    const char *indent;
    eas_ics_form form;
} idset_print;

static eas_err print_replica(void *user, uint32_t offset, const eas_ics_guid *replica)
{
    idset_print *p = user;
    (void)offset;
    if (p->form == EAS_ICS_REPLID) {
        printf("%sREPLID 0x%04x\n", p->indent, eas_ics_guid_replid(replica));
    } else {
        printf("%sREPLGUID ", p->indent);
        print_guid(replica);
        printf("\n");
    }
    return EAS_OK;
}

static eas_err print_range(void *user, const eas_ics_guid *replica, uint64_t lo, uint64_t hi)
{
    idset_print *p = user;
    (void)replica;
    if (lo == hi) printf("%s0x%" PRIx64 "\n", p->indent, lo);
    else printf("%s0x%" PRIx64 "-0x%" PRIx64 "\n", p->indent, lo, hi);
    return EAS_OK;
}

static const eas_ics_idset_handler idset_printer = {print_replica, print_range, NULL};

static int idset_decode(eas_ics_form form)
{
    static char text[INPUT_MAX];
    int too_big;
    size_t len = read_all(stdin, (uint8_t *)text, sizeof text, &too_big);
    if (too_big) return fail_at("input too large", (unsigned long)len);
    unsigned long bad = 0;
    long n = unhex(text, len, input, sizeof input, &bad);
    if (n < 0) return fail_at("invalid hex", bad);
    idset_print p = {"", form};
    eas_ics_idset_decoder d;
    eas_ics_idset_decoder_init(&d, form, &idset_printer, &p);
    eas_err e = eas_ics_idset_feed(&d, input, (size_t)n);
    if (e == EAS_OK) e = eas_ics_idset_finish(&d);
    fflush(stdout);
    if (e != EAS_OK) return fail_at(eas_err_str(e), eas_ics_idset_error_offset(&d));
    return 0;
}

/* A number: decimal or 0x hex, the whole of [s, end). */
static int parse_u64(const char *s, const char *end, uint64_t *v)
{
    if (s == end) return 0;
    int base = 10;
    if (end - s > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        s += 2;
    }
    uint64_t x = 0;
    for (const char *c = s; c < end; c++) {
        int d = hexval((unsigned char)*c);
        if (d < 0 || d >= base || x > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return 0;
        x = x * (uint64_t)base + (uint64_t)d;
    }
    *v = x;
    return 1;
}

static eas_err hex_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    print_hex(data, len);
    return EAS_OK;
}

static int idset_encode(eas_ics_form form)
{
    static char text[INPUT_MAX + 1];
    static eas_ics_set set;
    int too_big;
    size_t len = read_all(stdin, (uint8_t *)text, INPUT_MAX, &too_big);
    if (too_big) return fail_at("input too large", (unsigned long)len);
    text[len] = 0;
    eas_ics_set_init(&set, form);
    eas_ics_guid replica;
    int have_replica = 0;
    /* With REPLID form and no header, REPLID 1 (a mailbox's own replica). */
    if (form == EAS_ICS_REPLID) {
        replica = eas_ics_replid(1);
        have_replica = 1;
    }
    size_t pos = 0;
    while (pos < len) {
        size_t start = pos;
        while (pos < len && text[pos] != '\n') pos++;
        size_t line_end = pos;
        if (pos < len) pos++;
        /* Trim. */
        size_t a = start, b = line_end;
        while (a < b && isspace((unsigned char)text[a])) a++;
        while (b > a && isspace((unsigned char)text[b - 1])) b--;
        if (a == b || text[a] == '#') continue;
        char line[256];
        size_t ln = b - a < sizeof line - 1 ? b - a : sizeof line - 1;
        memcpy(line, text + a, ln);
        line[ln] = 0;
        if (strncmp(line, "REPLID ", 7) == 0) {
            uint64_t v;
            if (form != EAS_ICS_REPLID || !parse_u64(line + 7, line + ln, &v) || v > 0xFFFF)
                return fail_at("bad REPLID header", (unsigned long)a);
            replica = eas_ics_replid((uint16_t)v);
            have_replica = 1;
            continue;
        }
        if (strncmp(line, "REPLGUID ", 9) == 0) {
            if (form != EAS_ICS_REPLGUID || !parse_guid(line + 9, &replica))
                return fail_at("bad REPLGUID header", (unsigned long)a);
            have_replica = 1;
            continue;
        }
        if (!have_replica) return fail_at("value before a REPLGUID header", (unsigned long)a);
        char *dash = strchr(line, '-');
        uint64_t lo, hi;
        if (dash) {
            if (!parse_u64(line, dash, &lo) || !parse_u64(dash + 1, line + ln, &hi))
                return fail_at("bad range", (unsigned long)a);
        } else {
            if (!parse_u64(line, line + ln, &lo)) return fail_at("bad value", (unsigned long)a);
            hi = lo;
        }
        eas_err e = eas_ics_set_add_range(&set, &replica, lo, hi);
        if (e == EAS_ERR_ARG) return fail_at("value out of range (GLOBCNTs are 48 bits, lo <= hi)", (unsigned long)a);
        if (e != EAS_OK) return fail_at(eas_err_str(e), (unsigned long)a);
    }
    eas_sink sink = {hex_sink, NULL};
    eas_err e = eas_ics_idset_encode(&set, sink, NULL);
    printf("\n");
    if (e != EAS_OK) return fail_at(eas_err_str(e), 0);
    return 0;
}

/* ---------------------------------------------------------------------------------------- fxstream */

typedef struct tag_name {
    uint32_t tag;
    const char *name;
} tag_name;

static const tag_name names[] = {
    {EAS_FX_START_TOP_FLD, "StartTopFld"},
    {EAS_FX_START_SUB_FLD, "StartSubFld"},
    {EAS_FX_END_FOLDER, "EndFolder"},
    {EAS_FX_START_MESSAGE, "StartMessage"},
    {EAS_FX_START_FAI_MSG, "StartFAIMsg"},
    {EAS_FX_END_MESSAGE, "EndMessage"},
    {EAS_FX_START_EMBED, "StartEmbed"},
    {EAS_FX_END_EMBED, "EndEmbed"},
    {EAS_FX_START_RECIP, "StartRecip"},
    {EAS_FX_END_TO_RECIP, "EndToRecip"},
    {EAS_FX_NEW_ATTACH, "NewAttach"},
    {EAS_FX_END_ATTACH, "EndAttach"},
    {EAS_FX_INCR_SYNC_CHG, "IncrSyncChg"},
    {EAS_FX_INCR_SYNC_CHG_PARTIAL, "IncrSyncChgPartial"},
    {EAS_FX_INCR_SYNC_DEL, "IncrSyncDel"},
    {EAS_FX_INCR_SYNC_END, "IncrSyncEnd"},
    {EAS_FX_INCR_SYNC_READ, "IncrSyncRead"},
    {EAS_FX_INCR_SYNC_STATE_BEGIN, "IncrSyncStateBegin"},
    {EAS_FX_INCR_SYNC_STATE_END, "IncrSyncStateEnd"},
    {EAS_FX_INCR_SYNC_PROGRESS_MODE, "IncrSyncProgressMode"},
    {EAS_FX_INCR_SYNC_PROGRESS_PER_MSG, "IncrSyncProgressPerMsg"},
    {EAS_FX_INCR_SYNC_MESSAGE, "IncrSyncMessage"},
    {EAS_FX_INCR_SYNC_GROUP_INFO, "IncrSyncGroupInfo"},
    {EAS_FX_ERROR_INFO, "FXErrorInfo"},
    {EAS_FX_META_FX_DEL_PROP, "MetaTagFXDelProp"},
    {EAS_FX_META_EC_WARNING, "MetaTagEcWarning"},
    {EAS_FX_META_NEW_FX_FOLDER, "MetaTagNewFXFolder"},
    {EAS_FX_META_INCR_SYNC_GROUP_ID, "MetaTagIncrSyncGroupId"},
    {EAS_FX_META_INCR_SYNC_MESSAGE_PARTIAL, "MetaTagIncrementalSyncMessagePartial"},
    {EAS_FX_META_DN_PREFIX, "MetaTagDnPrefix"},
    {EAS_FX_META_IDSET_GIVEN, "MetaTagIdsetGiven"},
    {EAS_FX_META_CNSET_SEEN, "MetaTagCnsetSeen"},
    {EAS_FX_META_CNSET_SEEN_FAI, "MetaTagCnsetSeenFAI"},
    {EAS_FX_META_CNSET_READ, "MetaTagCnsetRead"},
    {EAS_FX_META_IDSET_DELETED, "MetaTagIdsetDeleted"},
    {EAS_FX_META_IDSET_NO_LONGER_IN_SCOPE, "MetaTagIdsetNoLongerInScope"},
    {EAS_FX_META_IDSET_EXPIRED, "MetaTagIdsetExpired"},
    {EAS_FX_META_IDSET_READ, "MetaTagIdsetRead"},
    {EAS_FX_META_IDSET_UNREAD, "MetaTagIdsetUnread"},
    {0x65E00102, "PidTagSourceKey"},
    {0x65E20102, "PidTagChangeKey"},
    {0x65E30102, "PidTagPredecessorChangeList"},
    {0x30080040, "PidTagLastModificationTime"},
    {0x67AA000B, "PidTagAssociated"},
    {0x674A0014, "PidTagMid"},
    {0x0E080003, "PidTagMessageSize"},
    {0x0037001F, "PidTagSubject"},
    {0x3001001F, "PidTagDisplayName"},
    {0x0E210003, "PidTagAttachNumber"},
    {0x37050003, "PidTagAttachMethod"},
    {0x00000102, "PidTagIncrementalSyncProgress"},
};

static const char *tag_name_of(uint32_t tag)
{
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (names[i].tag == tag) return names[i].name;
    return NULL;
}

static const char *type_name(uint16_t type)
{
    if (type & EAS_PT_CODEPAGE) return "PtypString8 (code page)";
    int mv = (type & EAS_PT_MV) != 0;
    switch (type & ~EAS_PT_MV) {
    case EAS_PT_I2: return mv ? "PtypMultipleInteger16" : "PtypInteger16";
    case EAS_PT_LONG: return mv ? "PtypMultipleInteger32" : "PtypInteger32";
    case EAS_PT_FLOAT: return mv ? "PtypMultipleFloating32" : "PtypFloating32";
    case EAS_PT_DOUBLE: return mv ? "PtypMultipleFloating64" : "PtypFloating64";
    case EAS_PT_CURRENCY: return mv ? "PtypMultipleCurrency" : "PtypCurrency";
    case EAS_PT_APPTIME: return mv ? "PtypMultipleFloatingTime" : "PtypFloatingTime";
    case EAS_PT_ERROR: return "PtypErrorCode";
    case EAS_PT_BOOLEAN: return "PtypBoolean";
    case EAS_PT_OBJECT: return "PtypObject";
    case EAS_PT_I8: return mv ? "PtypMultipleInteger64" : "PtypInteger64";
    case EAS_PT_STRING8: return mv ? "PtypMultipleString8" : "PtypString8";
    case EAS_PT_UNICODE: return mv ? "PtypMultipleString" : "PtypString";
    case EAS_PT_SYSTIME: return mv ? "PtypMultipleTime" : "PtypTime";
    case EAS_PT_CLSID: return mv ? "PtypMultipleGuid" : "PtypGuid";
    case EAS_PT_SVREID: return "PtypServerId";
    case EAS_PT_BINARY: return mv ? "PtypMultipleBinary" : "PtypBinary";
    default: return "?";
    }
}

/* IDSETs inside properties: which form (0: not an IDSET). */
static int idset_form_of(uint32_t tag)
{
    switch (tag) {
    case EAS_FX_META_IDSET_GIVEN:
    case EAS_FX_META_CNSET_SEEN:
    case EAS_FX_META_CNSET_SEEN_FAI:
    case EAS_FX_META_CNSET_READ: return EAS_ICS_REPLGUID;
    case EAS_FX_META_IDSET_DELETED:
    case EAS_FX_META_IDSET_NO_LONGER_IN_SCOPE:
    case EAS_FX_META_IDSET_EXPIRED:
    case EAS_FX_META_IDSET_READ:
    case EAS_FX_META_IDSET_UNREAD: return EAS_ICS_REPLID;
    default: return 0;
    }
}

#define DUMP_SHOW 64 /* bytes of a value shown in hex */

typedef struct dumper {
    unsigned depth;
    uint8_t name[EAS_ICS_FX_MAX_NAME];
    size_t name_len;
    uint8_t shown[DUMP_SHOW];
    size_t shown_len;
    int idset_form;      /* the property holds an IDSET of this form (0: it does not) */
    uint8_t idset[65536]; /* its bytes, decoded once the value is complete */
    size_t idset_len;
} dumper;

static void indent(unsigned depth)
{
    for (unsigned i = 0; i < depth; i++) printf("  ");
}

static eas_err dump_marker(void *user, uint32_t marker, uint32_t offset)
{
    dumper *d = user;
    int closes = marker == EAS_FX_END_FOLDER || marker == EAS_FX_END_MESSAGE || marker == EAS_FX_END_EMBED ||
                 marker == EAS_FX_END_TO_RECIP || marker == EAS_FX_END_ATTACH || marker == EAS_FX_INCR_SYNC_STATE_END;
    if (closes && d->depth > 0) d->depth--;
    printf("%06x ", (unsigned)offset);
    indent(d->depth);
    printf("%s (0x%08X)\n", tag_name_of(marker), (unsigned)marker);
    int opens = marker == EAS_FX_START_TOP_FLD || marker == EAS_FX_START_SUB_FLD || marker == EAS_FX_START_MESSAGE ||
                marker == EAS_FX_START_FAI_MSG || marker == EAS_FX_START_EMBED || marker == EAS_FX_START_RECIP ||
                marker == EAS_FX_NEW_ATTACH || marker == EAS_FX_INCR_SYNC_STATE_BEGIN;
    if (opens) d->depth++;
    return EAS_OK;
}

static eas_err dump_name(void *user, const uint8_t *data, size_t len, int last)
{
    dumper *d = user;
    (void)last;
    for (size_t i = 0; i < len && d->name_len < sizeof d->name; i++) d->name[d->name_len++] = data[i];
    return EAS_OK;
}

static eas_err dump_begin(void *user, const eas_ics_fx_prop *p)
{
    dumper *d = user;
    printf("%06x ", (unsigned)p->offset);
    indent(d->depth);
    const char *n = tag_name_of(p->tag);
    printf("0x%08X", (unsigned)p->tag);
    if (n) printf(" %s", n);
    printf(" %s", type_name(p->type));
    if (p->named) {
        printf(" named ");
        print_guid(&p->name_guid);
        if (p->name_kind == 0) {
            printf(" lid 0x%04X", (unsigned)p->name_lid);
        } else {
            printf(" \"");
            for (size_t i = 0; i + 1 < d->name_len; i += 2)
                putchar(d->name[i + 1] == 0 && isprint(d->name[i]) ? d->name[i] : '?');
            printf("\"");
        }
    }
    if (p->type & EAS_PT_MV) printf(" count %u", (unsigned)p->count);
    printf("\n");
    d->name_len = 0;
    d->shown_len = 0;
    d->idset_form = idset_form_of(p->tag);
    d->idset_len = 0;
    return EAS_OK;
}

static void show_value(const dumper *d, const eas_ics_fx_prop *p, uint32_t index, uint32_t total)
{
    uint16_t base = (uint16_t)(p->type & ~EAS_PT_MV);
    indent(d->depth);
    printf("       ");
    if (p->type & EAS_PT_MV) printf("[%u] ", (unsigned)index);
    const uint8_t *v = d->shown;
    uint64_t x = 0;
    for (size_t i = d->shown_len; i > 0 && i <= 8; i--) x = (x << 8) | v[i - 1];
    if (!(p->type & EAS_PT_CODEPAGE) && (base == EAS_PT_I2 || base == EAS_PT_LONG || base == EAS_PT_I8 ||
                                         base == EAS_PT_ERROR || base == EAS_PT_BOOLEAN || base == EAS_PT_SYSTIME ||
                                         base == EAS_PT_CURRENCY)) {
        printf("%" PRIu64 " (0x%" PRIx64 ")\n", x, x);
        return;
    }
    if (base == EAS_PT_UNICODE && !(p->type & EAS_PT_CODEPAGE)) {
        printf("\"");
        for (size_t i = 0; i + 1 < d->shown_len; i += 2) {
            if (v[i] == 0 && v[i + 1] == 0) break;
            putchar(v[i + 1] == 0 && isprint(v[i]) ? v[i] : '?');
        }
        printf("\"%s\n", total > DUMP_SHOW ? "..." : "");
        return;
    }
    printf("%u bytes: ", (unsigned)total);
    print_hex(v, d->shown_len);
    printf("%s\n", total > d->shown_len ? "..." : "");
}

static eas_err dump_value(void *user, const eas_ics_fx_prop *p, uint32_t index, uint32_t total, const uint8_t *data,
                          size_t len, int last)
{
    dumper *d = user;
    for (size_t i = 0; i < len && d->shown_len < sizeof d->shown; i++) d->shown[d->shown_len++] = data[i];
    for (size_t i = 0; d->idset_form && i < len && d->idset_len < sizeof d->idset; i++) d->idset[d->idset_len++] = data[i];
    if (last) {
        show_value(d, p, index, total);
        d->shown_len = 0;
    }
    return EAS_OK;
}

static eas_err dump_end(void *user, const eas_ics_fx_prop *p)
{
    dumper *d = user;
    (void)p;
    if (!d->idset_form) return EAS_OK;
    /* Under the value line: its indent and two more. */
    char ind[48];
    size_t w = 9 + 2 * (d->depth < 16 ? d->depth : 16);
    memset(ind, ' ', w);
    ind[w] = 0;
    idset_print ip = {ind, (eas_ics_form)d->idset_form};
    eas_ics_idset_decoder dec;
    eas_ics_idset_decoder_init(&dec, (eas_ics_form)d->idset_form, &idset_printer, &ip);
    eas_err e = eas_ics_idset_feed(&dec, d->idset, d->idset_len);
    if (e == EAS_OK) e = eas_ics_idset_finish(&dec);
    if (e != EAS_OK)
        printf("%s(not an IDSET: %s at offset %u)\n", ip.indent, eas_err_str(e), (unsigned)eas_ics_idset_error_offset(&dec));
    d->idset_form = 0;
    return EAS_OK;
}

static const eas_ics_fx_handler fx_dumper = {dump_marker, dump_name, dump_begin, dump_value, dump_end};

static int fxstream_dump(const char *path)
{
    FILE *in = fopen(path, "rb");
    if (!in) {
        fprintf(stderr, "error: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    static dumper d;
    memset(&d, 0, sizeof d);
    eas_ics_fx_reader r;
    eas_ics_fx_reader_init(&r, &fx_dumper, &d);
    /* Fed in pieces, as RopFastTransferSourceGetBuffer hands them over. */
    static uint8_t buf[4096];
    size_t n;
    eas_err e = EAS_OK;
    while (e == EAS_OK && (n = fread(buf, 1, sizeof buf, in)) > 0) e = eas_ics_fx_feed(&r, buf, n);
    fclose(in);
    if (e == EAS_OK) e = eas_ics_fx_finish(&r);
    fflush(stdout);
    if (e != EAS_OK) return fail_at(eas_err_str(e), eas_ics_fx_error_offset(&r));
    printf("%06x end of stream\n", (unsigned)r.offset);
    return 0;
}

/* --------------------------------------------------------------------------------------------- pcl */

static int pcl_from_hex(const char *hex, eas_ics_pcl *pcl)
{
    unsigned long bad = 0;
    long n = unhex(hex, strlen(hex), input, sizeof input, &bad);
    if (n < 0) return fail_at("invalid hex", bad);
    eas_ics_pcl_init(pcl);
    uint32_t at = 0;
    eas_err e = eas_ics_pcl_decode(pcl, input, (size_t)n, &at);
    if (e != EAS_OK) return fail_at(eas_err_str(e), at);
    return 0;
}

static int pcl_cmd(int argc, char **argv)
{
    int decode = argc == 2 && strcmp(argv[0], "decode") == 0;
    if (!decode && !(argc == 3 && (strcmp(argv[0], "compare") == 0 || strcmp(argv[0], "merge") == 0)))
        return usage();
    eas_ics_pcl a, b;
    int rc = pcl_from_hex(argv[1], &a);
    if (rc) return rc;
    if (decode) {
        for (unsigned i = 0; i < a.n; i++) {
            print_guid(&a.xid[i].guid);
            printf(" 0x");
            print_hex(a.xid[i].local, a.xid[i].local_len);
            printf("\n");
        }
        return 0;
    }
    if ((rc = pcl_from_hex(argv[2], &b)) != 0) return rc;
    if (strcmp(argv[0], "compare") == 0) {
        static const char *const words[] = {"equal", "a-includes-b", "b-includes-a", "conflict"};
        printf("%s\n", words[eas_ics_pcl_compare(&a, &b)]);
        return 0;
    }
    if (strcmp(argv[0], "merge") == 0) {
        eas_err e = eas_ics_pcl_merge(&a, &b);
        if (e != EAS_OK) return fail_at(eas_err_str(e), 0);
        uint8_t out[EAS_ICS_PCL_MAX_XIDS * (1 + EAS_ICS_XID_MAX)];
        size_t n = 0;
        if ((e = eas_ics_pcl_encode(&a, out, sizeof out, &n)) != EAS_OK) return fail_at(eas_err_str(e), 0);
        print_hex(out, n);
        printf("\n");
        return 0;
    }
    return usage();
}

int main(int argc, char **argv)
{
    if (argc < 3) return usage();
    if (strcmp(argv[1], "idset") == 0) {
        eas_ics_form form = EAS_ICS_REPLID;
        for (int i = 3; i < argc; i++) {
            if (strcmp(argv[i], "--replguid") == 0) form = EAS_ICS_REPLGUID;
            else return usage();
        }
        if (strcmp(argv[2], "decode") == 0) return idset_decode(form);
        if (strcmp(argv[2], "encode") == 0) return idset_encode(form);
        return usage();
    }
    if (strcmp(argv[1], "fxstream") == 0 && argc == 4 && strcmp(argv[2], "dump") == 0) return fxstream_dump(argv[3]);
    if (strcmp(argv[1], "pcl") == 0) return pcl_cmd(argc - 2, argv + 2);
    return usage();
}
