/* A small test runner for the host unit tests. Each TEST registers itself (a constructor: host only);
 * the runner prints every failure with file and line and ends with the plain line
 * "N passed, N failed" that CI reads. `unit-tests NAME...` runs the tests whose name contains NAME. */
#ifndef EAS_CHECK_H
#define EAS_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef void (*check_fn)(void);
void check_register(const char *name, check_fn fn, const char *file);
void check_fail(const char *file, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
int check_failed_now(void);

#define TEST(name)                                                                                  \
    static void name(void);                                                                         \
    __attribute__((constructor)) static void check_reg_##name(void) { check_register(#name, name, __FILE__); } \
    static void name(void)

#define CHECK(cond)                                                                                 \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            check_fail(__FILE__, __LINE__, "CHECK(%s)", #cond);                                     \
            return;                                                                                 \
        }                                                                                           \
    } while (0)

#define CHECK_MSG(cond, ...)                                                                        \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            check_fail(__FILE__, __LINE__, __VA_ARGS__);                                            \
            return;                                                                                 \
        }                                                                                           \
    } while (0)

#define CHECK_EQ(a, b)                                                                              \
    do {                                                                                            \
        long long check_a_ = (long long)(a), check_b_ = (long long)(b);                             \
        if (check_a_ != check_b_) {                                                                 \
            check_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, check_a_, check_b_);   \
            return;                                                                                 \
        }                                                                                           \
    } while (0)

#define CHECK_STR(a, b)                                                                             \
    do {                                                                                            \
        const char *check_a_ = (a), *check_b_ = (b);                                                \
        if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {                            \
            check_fail(__FILE__, __LINE__, "%s == %s: \"%s\" != \"%s\"", #a, #b,                    \
                       check_a_ ? check_a_ : "(null)", check_b_ ? check_b_ : "(null)");             \
            return;                                                                                 \
        }                                                                                           \
    } while (0)

#define CHECK_MEM(a, b, n)                                                                          \
    do {                                                                                            \
        if (memcmp((a), (b), (n)) != 0) {                                                           \
            check_fail(__FILE__, __LINE__, "memory %s == %s differs (%zu bytes)", #a, #b, (size_t)(n)); \
            return;                                                                                 \
        }                                                                                           \
    } while (0)

/* CHECK_OK(expr): expr returns eas_err and must be EAS_OK. */
#define CHECK_OK(expr)                                                                              \
    do {                                                                                            \
        int check_e_ = (int)(expr);                                                                 \
        if (check_e_ != 0) {                                                                        \
            check_fail(__FILE__, __LINE__, "%s failed: %s", #expr, eas_err_name((eas_err)check_e_)); \
            return;                                                                                 \
        }                                                                                           \
    } while (0)

/* Reads a test data file relative to the tests/ folder (EAS_TEST_DIR); returns its length or -1. */
long check_read_file(const char *relpath, uint8_t *buf, size_t cap);

#endif
