/* An emulated NOR flash behind the eas_flash interface, for the store's tests.
 *
 * It enforces the rules of pal.h and counts every breach as a violation (and answers EAS_ERR_FLASH):
 * prog must be prog_size-aligned in address and length, inside the region, and may only touch bytes not
 * programmed since their sector's last erase; programming only clears bits. erase sets a sector to
 * 0xFF. It counts operations, and injects faults:
 *  - a power cut at the Nth prog or erase (counted in `ops`): that operation is torn (prog: a random
 *    prefix of the bytes lands, optionally with random cleared bits in the rest of the unit where it
 *    stopped; erase: a random part of the sector is erased, the rest kept or turned to garbage), and
 *    every later operation, reads included, fails with EAS_ERR_FLASH until flash_emu_power_on();
 *  - a bit flip anywhere (flash_emu_flip_bit). */
#ifndef EAS_FLASH_EMU_H
#define EAS_FLASH_EMU_H

#include <stddef.h>
#include <stdint.h>

#include "pal.h"

typedef struct flash_emu {
    eas_flash flash;          /* hand &emu->flash to the code under test (ctx is the emu) */
    uint8_t *mem;             /* sector_size * sector_count bytes */
    uint8_t *written;         /* per byte: programmed since the last erase */
    uint32_t size;
    unsigned long ops;        /* progs + erases attempted while powered: the cut counter */
    unsigned long reads, progs, erases;
    unsigned long violations; /* breaches of the rules above: a bug in the caller */
    unsigned long *sector_erases;
    unsigned long cut_at;     /* the operation with this ops number is torn; 0 = never */
    unsigned long cuts;       /* power cuts that happened */
    int powered;
    int noise;                /* a torn prog also clears random bits after the prefix */
    uint64_t rng;
    char last_violation[128];
} flash_emu;

/* Allocates an erased (all 0xFF) region. Returns 0, or -1 on a bad geometry or no memory. */
int flash_emu_init(flash_emu *e, uint32_t sector_size, uint32_t sector_count, uint32_t prog_size);
void flash_emu_free(flash_emu *e);
void flash_emu_seed(flash_emu *e, uint64_t seed);
/* Arms a power cut at the n-th operation from now (n >= 1); 0 disarms. */
void flash_emu_cut_after(flash_emu *e, unsigned long n);
/* Power returns: operations work again (the cut is disarmed). */
void flash_emu_power_on(flash_emu *e);
/* Toggles one bit of the region (bit index over the whole region, 8 per byte). */
void flash_emu_flip_bit(flash_emu *e, uint64_t bit);
/* Copies contents and programmed-state of src into dst (same geometry); counters are not copied. */
void flash_emu_copy_image(flash_emu *dst, const flash_emu *src);
/* Fills the raw contents, as if written by someone else (marks the bytes programmed unless 0xFF). */
void flash_emu_fill(flash_emu *e, uint32_t addr, uint8_t byte, uint32_t len);
uint32_t flash_emu_rand(flash_emu *e);

#endif
