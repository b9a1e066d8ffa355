#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define CHECK_MAX_TESTS 2048

static struct {
    const char *name;
    const char *file;
    check_fn fn;
} tests[CHECK_MAX_TESTS];
static int test_count;
static int current_failed;

void check_register(const char *name, check_fn fn, const char *file)
{
    if (test_count == CHECK_MAX_TESTS) {
        fprintf(stderr, "check: too many tests (raise CHECK_MAX_TESTS)\n");
        exit(2);
    }
    tests[test_count].name = name;
    tests[test_count].file = file;
    tests[test_count].fn = fn;
    test_count++;
}

void check_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stdout, "  FAIL %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    current_failed = 1;
}

int check_failed_now(void) { return current_failed; }

long check_read_file(const char *relpath, uint8_t *buf, size_t cap)
{
    char path[1024];
    const char *dir = getenv("EAS_TEST_DIR");
    snprintf(path, sizeof path, "%s/%s", dir ? dir : "tests", relpath);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(buf, 1, cap, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    return more ? -1 : (long)n;
}

static int name_selected(const char *name, int argc, char **argv)
{
    if (argc < 2) return 1;
    for (int i = 1; i < argc; i++)
        if (strstr(name, argv[i])) return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int passed = 0, failed = 0;
    int verbose = getenv("CHECK_VERBOSE") != NULL;
    for (int i = 0; i < test_count; i++) {
        if (!name_selected(tests[i].name, argc, argv)) continue;
        current_failed = 0;
        tests[i].fn();
        if (current_failed) {
            printf("not ok %s (%s)\n", tests[i].name, tests[i].file);
            failed++;
        } else {
            if (verbose) printf("ok %s\n", tests[i].name);
            passed++;
        }
    }
    printf("unit: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
