/* eas-wbxml: ActiveSync WBXML to XML and back, on the command line.
 *   eas-wbxml decode [--chunk N] [FILE]   WBXML in, XML out (FILE or standard input)
 *   eas-wbxml encode [FILE]               XML in, WBXML 1.3 out
 *   eas-wbxml check [FILE]                validate only: prints element count and depth
 * Malformed input: exit status 1 and "eas-wbxml: error: ... at offset N" on standard error. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eas/wbxml.h"

#define READ_CHUNK 65536

static int usage(void)
{
    fprintf(stderr, "usage: eas-wbxml decode [--chunk N] [FILE]\n"
                    "       eas-wbxml encode [FILE]\n"
                    "       eas-wbxml check [--chunk N] [FILE]\n");
    return 2;
}

static eas_err stdout_sink(void *ctx, const uint8_t *data, size_t len)
{
    (void)ctx;
    return fwrite(data, 1, len, stdout) == len ? EAS_OK : EAS_ERR_SINK;
}

static int report(eas_err err, unsigned long offset)
{
    fprintf(stderr, "eas-wbxml: error: %s at offset %lu\n", eas_err_str(err), offset);
    return 1;
}

/* Feeds the whole stream to a reader in pieces of chunk bytes. */
static eas_err run_reader(FILE *in, eas_wbxml_reader *r, size_t chunk, unsigned long *err_offset)
{
    static uint8_t buf[READ_CHUNK];
    size_t n;
    eas_err err = EAS_OK;
    while ((n = fread(buf, 1, chunk, in)) > 0) {
        if ((err = eas_wbxml_reader_feed(r, buf, n)) != EAS_OK) break;
    }
    if (err == EAS_OK && ferror(in)) {
        fprintf(stderr, "eas-wbxml: read error: %s\n", strerror(errno));
        exit(1);
    }
    if (err == EAS_OK) err = eas_wbxml_reader_finish(r);
    *err_offset = eas_wbxml_reader_error_offset(r);
    return err;
}

static int decode(const char *path, size_t chunk)
{
    FILE *in = path ? fopen(path, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "eas-wbxml: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    eas_wbxml_reader r;
    unsigned long offset = 0;
    eas_err err;
    uint32_t pages = 0;
    struct stat st;
    /* A file that can be read twice gets all its namespaces declared on the root, as MS-ASCMD's
     * examples do; a pipe is printed in one pass, declaring each namespace where it is first used. */
    if (fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode)) {
        eas_wbxml_reader_init(&r, &eas_wbxml_page_scan_handler, &pages);
        if ((err = run_reader(in, &r, READ_CHUNK, &offset)) != EAS_OK) return report(err, offset);
        rewind(in);
    }
    eas_wbxml_xml_printer printer;
    eas_sink sink = {stdout_sink, NULL};
    eas_wbxml_xml_printer_init(&printer, sink, pages);
    eas_wbxml_reader_init(&r, &eas_wbxml_xml_handler, &printer);
    err = run_reader(in, &r, chunk, &offset);
    if (err == EAS_OK) err = eas_wbxml_xml_printer_finish(&printer);
    if (path) fclose(in);
    if (fflush(stdout) != 0 && err == EAS_OK) err = EAS_ERR_SINK;
    if (err != EAS_OK) {
        fflush(stdout);
        return report(err, offset);
    }
    return 0;
}

typedef struct {
    unsigned long elements;
    unsigned depth, max_depth;
} stats;

static eas_err count_start(void *user, eas_tag tag, int has_content)
{
    stats *st = user;
    (void)tag;
    st->elements++;
    if (has_content && ++st->depth > st->max_depth) st->max_depth = st->depth;
    return EAS_OK;
}

static eas_err count_end(void *user, eas_tag tag)
{
    stats *st = user;
    (void)tag;
    if (st->depth) st->depth--;
    return EAS_OK;
}

/* The reader alone, with no output: what a device pays to validate and walk a response. */
static int check(const char *path, size_t chunk)
{
    static const eas_wbxml_handler counter = {count_start, count_end, NULL, NULL};
    FILE *in = path ? fopen(path, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "eas-wbxml: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    stats st = {0, 0, 0};
    eas_wbxml_reader r;
    unsigned long offset = 0;
    eas_wbxml_reader_init(&r, &counter, &st);
    eas_err err = run_reader(in, &r, chunk, &offset);
    if (path) fclose(in);
    if (err != EAS_OK) return report(err, offset);
    printf("ok: %lu bytes, %lu elements, depth %u\n", (unsigned long)r.offset, st.elements, st.max_depth);
    return 0;
}

static int encode(const char *path)
{
    FILE *in = path ? fopen(path, "rb") : stdin;
    if (!in) {
        fprintf(stderr, "eas-wbxml: cannot open %s: %s\n", path, strerror(errno));
        return 1;
    }
    size_t cap = 1 << 16, len = 0, n;
    char *xml = malloc(cap);
    while (xml && (n = fread(xml + len, 1, cap - len, in)) > 0) {
        len += n;
        if (len == cap) {
            char *bigger = realloc(xml, cap *= 2);
            if (!bigger) free(xml);
            xml = bigger;
        }
    }
    if (path) fclose(in);
    if (!xml) {
        fprintf(stderr, "eas-wbxml: out of memory\n");
        return 1;
    }
    eas_wbxml_writer w;
    eas_sink sink = {stdout_sink, NULL};
    eas_wbxml_writer_init(&w, sink);
    size_t offset = 0;
    eas_err err = eas_xml_to_wbxml(xml, len, &w, &offset);
    if (err == EAS_OK) err = eas_wbxml_writer_finish(&w);
    free(xml);
    if (fflush(stdout) != 0 && err == EAS_OK) err = EAS_ERR_SINK;
    return err == EAS_OK ? 0 : report(err, (unsigned long)offset);
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage();
    const char *cmd = argv[1], *path = NULL;
    size_t chunk = READ_CHUNK;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--chunk") && i + 1 < argc) {
            long v = strtol(argv[++i], NULL, 10);
            if (v < 1 || v > READ_CHUNK) return usage();
            chunk = (size_t)v;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            return usage();
        } else if (!path) {
            path = strcmp(argv[i], "-") ? argv[i] : NULL;
        } else {
            return usage();
        }
    }
    if (!strcmp(cmd, "decode")) return decode(path, chunk);
    if (!strcmp(cmd, "encode")) return encode(path);
    if (!strcmp(cmd, "check")) return check(path, chunk);
    return usage();
}
