/* A NOR flash part emulated in RAM that survives a system reset: the state region of boards whose
 * emulator has no programmable flash (QEMU's mps2 and Stellaris models load flash as ROM).
 *
 * The rules are those of the real part, enforced like port/posix's flash file: erase sets a sector to
 * 0xFF; prog writes whole prog_size units at aligned addresses, only clears bits, and only on units not
 * programmed since their last erase; any breach is EAS_ERR_FLASH and changes nothing. A bitmap of
 * programmed units sits beside the data.
 *
 * Layout of the RAM given to ram_flash_attach (outside the loaded image, so that neither the startup
 * code nor the emulator's reset reloads it): a header (magic, geometry, boot counter), the bitmap, the
 * data. A cold start (no valid header: power-on RAM) gives a factory-fresh part: all 0xFF. */
#ifndef EAS_RAM_FLASH_H
#define EAS_RAM_FLASH_H

#include <stddef.h>
#include <stdint.h>

#include "pal.h"

typedef struct ram_flash {
    eas_flash flash; /* the interface handed to the store; ctx points here */
    uint8_t *data;
    uint8_t *programmed; /* one bit per prog unit */
    uint32_t size;
    uint32_t boots;      /* 1 on a cold start, +1 per reset since */
    uint32_t erases, progs;
} ram_flash;

/* Bytes of RAM a region of this geometry takes (header, bitmap, data), as a constant expression for
 * static buffers, and as a function. */
#define RAM_FLASH_HEADER_SIZE 24u
#define RAM_FLASH_FOOTPRINT(sector_size, sector_count, prog_size)                                            \
    (RAM_FLASH_HEADER_SIZE + (((sector_size) * (sector_count) / (prog_size) + 31u) / 32u) * 4u +              \
     (sector_size) * (sector_count))
size_t ram_flash_footprint(uint32_t sector_size, uint32_t sector_count, uint32_t prog_size);
/* Takes over ram (ram_size bytes, 4-byte aligned, kept across resets). EAS_ERR_ARG for a bad geometry,
 * EAS_ERR_NOSPACE when ram is too small. */
eas_err ram_flash_attach(ram_flash *f, void *ram, size_t ram_size, uint32_t sector_size, uint32_t sector_count,
                         uint32_t prog_size);

#endif
