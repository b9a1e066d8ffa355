/* CRC-32 as in IEEE 802.3 / zlib / PNG (reflected polynomial 0xEDB88320, initial value and final XOR
 * 0xFFFFFFFF), from a table of EAS_CRC32_TABLE entries (eas/config.h): 256 (a byte at a time, 1 KiB of
 * ROM) or 16 (a nibble at a time, 64 bytes, about half the speed).
 * Check value: eas_crc32(0, "123456789", 9) == 0xCBF43926. */
#ifndef EAS_CRC32_H
#define EAS_CRC32_H

#include <stddef.h>
#include <stdint.h>

/* Continues a CRC over data[0..len). Start with crc = 0; pass the previous result to chain pieces:
 * eas_crc32(eas_crc32(0, a, n), b, m) == the CRC of a followed by b. data may be NULL when len is 0. */
uint32_t eas_crc32(uint32_t crc, const void *data, size_t len);

#endif
