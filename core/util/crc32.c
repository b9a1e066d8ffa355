#include "eas/crc32.h"

#include "eas/config.h"

#if EAS_CRC32_TABLE == 2048
/* Eight bytes per step from eight tables (8 KiB of ROM, scripts/gen_crc32_tables.py), where ROM is
 * plentiful (the host): about three times the byte table's speed. */
#include "crc32_slice8.inc"

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t eas_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    size_t i = 0;
    crc = ~crc;
    for (; i + 8u <= len; i += 8u) {
        uint32_t a = crc ^ le32(p + i), b = le32(p + i + 4u);
        crc = slice8_table[7][a & 0xFFu] ^ slice8_table[6][(a >> 8) & 0xFFu] ^ slice8_table[5][(a >> 16) & 0xFFu] ^
              slice8_table[4][a >> 24] ^ slice8_table[3][b & 0xFFu] ^ slice8_table[2][(b >> 8) & 0xFFu] ^
              slice8_table[1][(b >> 16) & 0xFFu] ^ slice8_table[0][b >> 24];
    }
    for (; i < len; i++) crc = (crc >> 8) ^ slice8_table[0][(crc ^ p[i]) & 0xFFu];
    return ~crc;
}
#elif EAS_CRC32_TABLE == 256
/* One lookup per byte. Entry i is the CRC register after shifting the byte i through eight steps of the
 * reflected polynomial; the table is made by the compiler from that rule (1 KiB of ROM). */
#define CRC_STEP(c) (((c) >> 1) ^ (0xEDB88320u & (0u - ((c) & 1u))))
#define CRC_BYTE(i) CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP(CRC_STEP((uint32_t)(i)))))))))
#define CRC_4(i) CRC_BYTE(i), CRC_BYTE((i) + 1), CRC_BYTE((i) + 2), CRC_BYTE((i) + 3)
#define CRC_16(i) CRC_4(i), CRC_4((i) + 4), CRC_4((i) + 8), CRC_4((i) + 12)
#define CRC_64(i) CRC_16(i), CRC_16((i) + 16), CRC_16((i) + 32), CRC_16((i) + 48)
static const uint32_t byte_table[256] = {CRC_64(0), CRC_64(64), CRC_64(128), CRC_64(192)};

uint32_t eas_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    size_t i = 0;
    crc = ~crc;
    /* Four bytes taken in at once (compilers make the little-endian word one load), then four lookups. */
    for (; i + 4u <= len; i += 4u) {
        crc ^= (uint32_t)p[i] | (uint32_t)p[i + 1u] << 8 | (uint32_t)p[i + 2u] << 16 | (uint32_t)p[i + 3u] << 24;
        crc = (crc >> 8) ^ byte_table[crc & 0xFFu];
        crc = (crc >> 8) ^ byte_table[crc & 0xFFu];
        crc = (crc >> 8) ^ byte_table[crc & 0xFFu];
        crc = (crc >> 8) ^ byte_table[crc & 0xFFu];
    }
    for (; i < len; i++) crc = (crc >> 8) ^ byte_table[(crc ^ p[i]) & 0xFFu];
    return ~crc;
}
#elif EAS_CRC32_TABLE == 16
/* Entry i is the CRC register after shifting the nibble i through four steps of the reflected
 * polynomial; two lookups then replace the eight bit steps of one byte. */
static const uint32_t nibble_table[16] = {
    0x00000000u, 0x1DB71064u, 0x3B6E20C8u, 0x26D930ACu, 0x76DC4190u, 0x6B6B51F4u, 0x4DB26158u, 0x5005713Cu,
    0xEDB88320u, 0xF00F9344u, 0xD6D6A3E8u, 0xCB61B38Cu, 0x9B64C2B0u, 0x86D3D2D4u, 0xA00AE278u, 0xBDBDF21Cu,
};

uint32_t eas_crc32(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ nibble_table[crc & 15u];
        crc = (crc >> 4) ^ nibble_table[crc & 15u];
    }
    return ~crc;
}
#else
#error "EAS_CRC32_TABLE must be 2048 (slicing-by-8, 8 KiB), 256 (byte table, 1 KiB) or 16 (nibble table, 64 bytes)"
#endif
