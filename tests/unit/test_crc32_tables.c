/* CRC-32 (the store checks every record with it): the check values, and every table size:
 * core/util/crc32.c built here with EAS_CRC32_TABLE 16 and 256 under other names (this build's own
 * eas_crc32 has the default, 2048), all held to the bitwise definition. */
#include <stddef.h>
#include <stdint.h>

#include "check.h"

uint32_t crc32_nibble(uint32_t crc, const void *data, size_t len);
uint32_t crc32_byte(uint32_t crc, const void *data, size_t len);
#define EAS_CRC32_TABLE 16
#define eas_crc32 crc32_nibble
#include "../../core/util/crc32.c"
#undef eas_crc32
#undef EAS_CRC32_TABLE
#define EAS_CRC32_TABLE 256
#define eas_crc32 crc32_byte
#include "../../core/util/crc32.c"
#undef eas_crc32
#undef EAS_CRC32_TABLE
uint32_t eas_crc32(uint32_t crc, const void *data, size_t len);

static uint32_t bitwise(uint32_t crc, const uint8_t *p, size_t n)
{
    uint32_t c = ~crc;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
}

TEST(crc32_vectors)
{
    CHECK_EQ(eas_crc32(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ(eas_crc32(0, NULL, 0), 0u);
    CHECK_EQ(eas_crc32(0, "a", 1), 0xE8B7BE43u);
    CHECK_EQ(eas_crc32(0, "The quick brown fox jumps over the lazy dog", 43), 0x414FA339u);
    CHECK_EQ(crc32_nibble(0, "123456789", 9), 0xCBF43926u);
    CHECK_EQ(crc32_byte(0, "123456789", 9), 0xCBF43926u);
    uint8_t buf[300];
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)(i * 7u + 3u);
    /* chaining equals one pass */
    CHECK_EQ(eas_crc32(eas_crc32(0, buf, 123), buf + 123, sizeof buf - 123), eas_crc32(0, buf, sizeof buf));
}

TEST(crc32_both_tables_agree_with_the_definition)
{
    static uint8_t buf[1024];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) buf[i] = (uint8_t)((x = x * 1103515245u + 12345u) >> 24);
    for (size_t n = 0; n <= sizeof buf; n += 1 + n / 8) {
        uint32_t want = bitwise(0x1234u, buf, n);
        CHECK_EQ(eas_crc32(0x1234u, buf, n), want);
        CHECK_EQ(crc32_nibble(0x1234u, buf, n), want);
        CHECK_EQ(crc32_byte(0x1234u, buf, n), want);
        if (n > 3) CHECK_EQ(eas_crc32(eas_crc32(0x1234u, buf, 3), buf + 3, n - 3), want); /* unaligned */
    }
}
