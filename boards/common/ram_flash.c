/* NOR flash rules over RAM that survives resets. See ram_flash.h. */
#include "ram_flash.h"

#include <string.h>

#define RAM_FLASH_MAGIC 0x4e4f5221u /* "NOR!" */

typedef struct {
    uint32_t magic;
    uint32_t sector_size, sector_count, prog_size;
    uint32_t boots;
    uint32_t check; /* ~ of the words above but boots: a header half-written by nothing recognisable */
} ram_flash_header;

_Static_assert(sizeof(ram_flash_header) == RAM_FLASH_HEADER_SIZE, "RAM_FLASH_HEADER_SIZE");

static uint32_t header_check(const ram_flash_header *h)
{
    return ~(h->magic ^ h->sector_size ^ (h->sector_count << 8) ^ (h->prog_size << 16));
}

size_t ram_flash_footprint(uint32_t sector_size, uint32_t sector_count, uint32_t prog_size)
{
    size_t size = (size_t)sector_size * sector_count;
    size_t units = prog_size ? size / prog_size : 0;
    return sizeof(ram_flash_header) + ((units + 31u) / 32u) * 4u + size;
}

static int unit_programmed(const ram_flash *f, uint32_t unit) { return (f->programmed[unit / 8u] >> (unit % 8u)) & 1u; }

static eas_err rf_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    ram_flash *f = ctx;
    if (!buf && len) return EAS_ERR_ARG;
    if (addr > f->size || len > f->size - addr) return EAS_ERR_FLASH;
    memcpy(buf, f->data + addr, len);
    return EAS_OK;
}

static eas_err rf_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    ram_flash *f = ctx;
    uint32_t p = f->flash.prog_size;
    if (!buf || len == 0) return EAS_ERR_ARG;
    if (addr % p != 0 || len % p != 0 || addr > f->size || len > f->size - addr) return EAS_ERR_FLASH;
    uint32_t first = addr / p, n = (uint32_t)(len / p);
    /* Check every unit before touching any: a refused program leaves the part as it was. */
    for (uint32_t u = 0; u < n; u++)
        if (unit_programmed(f, first + u)) return EAS_ERR_FLASH;
    const uint8_t *src = buf;
    for (size_t i = 0; i < len; i++) f->data[addr + i] &= src[i]; /* NOR: programming only clears bits */
    for (uint32_t u = 0; u < n; u++) f->programmed[(first + u) / 8u] |= (uint8_t)(1u << ((first + u) % 8u));
    f->progs++;
    return EAS_OK;
}

static eas_err rf_erase(void *ctx, uint32_t sector)
{
    ram_flash *f = ctx;
    if (sector >= f->flash.sector_count) return EAS_ERR_FLASH;
    uint32_t s = f->flash.sector_size, p = f->flash.prog_size;
    memset(f->data + sector * s, 0xff, s);
    for (uint32_t u = sector * s / p; u < (sector + 1u) * s / p; u++) f->programmed[u / 8u] &= (uint8_t)~(1u << (u % 8u));
    f->erases++;
    return EAS_OK;
}

eas_err ram_flash_attach(ram_flash *f, void *ram, size_t ram_size, uint32_t sector_size, uint32_t sector_count,
                         uint32_t prog_size)
{
    if (!f || !ram || ((uintptr_t)ram & 3u) != 0) return EAS_ERR_ARG;
    if (sector_count == 0 || prog_size == 0 || (prog_size & (prog_size - 1u)) != 0 || sector_size % prog_size != 0)
        return EAS_ERR_ARG;
    if (ram_flash_footprint(sector_size, sector_count, prog_size) > ram_size) return EAS_ERR_NOSPACE;
    ram_flash_header *h = ram;
    size_t size = (size_t)sector_size * sector_count;
    size_t bitmap = ((size / prog_size + 31u) / 32u) * 4u;
    memset(f, 0, sizeof *f);
    f->programmed = (uint8_t *)(h + 1);
    f->data = f->programmed + bitmap;
    f->size = (uint32_t)size;
    f->flash = (eas_flash){f, sector_size, sector_count, prog_size, rf_read, rf_prog, rf_erase, NULL};

    if (h->magic != RAM_FLASH_MAGIC || h->sector_size != sector_size || h->sector_count != sector_count ||
        h->prog_size != prog_size || h->check != header_check(h)) {
        /* Power-on: a part straight from the factory is erased. */
        memset(f->programmed, 0, bitmap);
        memset(f->data, 0xff, size);
        h->magic = RAM_FLASH_MAGIC;
        h->sector_size = sector_size;
        h->sector_count = sector_count;
        h->prog_size = prog_size;
        h->check = header_check(h);
        h->boots = 0;
    }
    f->boots = ++h->boots;
    return EAS_OK;
}
