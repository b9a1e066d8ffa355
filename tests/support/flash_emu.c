#include "flash_emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t flash_emu_rand(flash_emu *e)
{
    /* xorshift64*: deterministic per seed, so every cut point replays identically. */
    uint64_t x = e->rng ? e->rng : 0x9E3779B97F4A7C15ull;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    e->rng = x;
    return (uint32_t)((x * 0x2545F4914F6CDD1Dull) >> 32);
}

/* Emulators a failed test returned from without freeing stay reachable from here, so that the leak
 * checker reports the failure rather than a leak. */
#define EMU_TRACKED 256
typedef struct emu_buffers {
    uint8_t *mem, *written;
    unsigned long *sector_erases;
} emu_buffers;
static emu_buffers kept[EMU_TRACKED];

static eas_err violation(flash_emu *e, const char *what, uint32_t addr, size_t len)
{
    e->violations++;
    snprintf(e->last_violation, sizeof e->last_violation, "%s at 0x%x len %zu", what, (unsigned)addr, len);
    return EAS_ERR_FLASH;
}

/* Counts an operation; answers 1 when this one is the cut. */
static int cut_now(flash_emu *e)
{
    e->ops++;
    if (e->cut_at && e->ops == e->cut_at) {
        e->powered = 0;
        e->cuts++;
        return 1;
    }
    return 0;
}

static eas_err emu_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    flash_emu *e = ctx;
    if (!e->powered) return EAS_ERR_FLASH;
    if ((uint64_t)addr + len > e->size) return violation(e, "read out of range", addr, len);
    e->reads++;
    memcpy(buf, e->mem + addr, len);
    return EAS_OK;
}

static void prog_byte(flash_emu *e, uint32_t a, uint8_t v)
{
    e->mem[a] &= v;
    e->written[a] = 1;
}

static eas_err emu_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    flash_emu *e = ctx;
    const uint8_t *p = buf;
    uint32_t unit = e->flash.prog_size;
    if (!e->powered) return EAS_ERR_FLASH;
    if (len == 0 || addr % unit != 0 || len % unit != 0) return violation(e, "misaligned prog", addr, len);
    if ((uint64_t)addr + len > e->size) return violation(e, "prog out of range", addr, len);
    for (size_t i = 0; i < len; i++)
        if (e->written[addr + i]) return violation(e, "double prog", addr + (uint32_t)i, len);
    e->progs++;
    if (cut_now(e)) {
        size_t prefix = flash_emu_rand(e) % (len + 1);
        for (size_t i = 0; i < prefix; i++) prog_byte(e, addr + (uint32_t)i, p[i]);
        if (e->noise && prefix < len) {
            size_t end = (prefix / unit + 1) * unit;
            for (size_t i = prefix; i < end && i < len; i++) {
                uint32_t r = flash_emu_rand(e);
                if (r & 1u) prog_byte(e, addr + (uint32_t)i, (uint8_t)(r >> 8));
            }
        }
        return EAS_ERR_FLASH;
    }
    for (size_t i = 0; i < len; i++) prog_byte(e, addr + (uint32_t)i, p[i]);
    return EAS_OK;
}

static eas_err emu_erase(void *ctx, uint32_t sector)
{
    flash_emu *e = ctx;
    uint32_t ss = e->flash.sector_size;
    if (!e->powered) return EAS_ERR_FLASH;
    if (sector >= e->flash.sector_count) return violation(e, "erase out of range", sector, 0);
    e->erases++;
    e->sector_erases[sector]++;
    uint8_t *m = e->mem + (size_t)sector * ss, *w = e->written + (size_t)sector * ss;
    if (cut_now(e)) {
        /* Which part got erased is not known on real parts: a prefix or a suffix, the rest either
         * untouched or garbage. */
        uint32_t mode = flash_emu_rand(e) % 4u, cut = flash_emu_rand(e) % (ss + 1u);
        for (uint32_t i = 0; i < ss; i++) {
            int erased = (mode & 1u) ? i >= cut : i < cut;
            if (erased) {
                m[i] = 0xFF;
                w[i] = 0;
            } else if (mode & 2u) {
                m[i] = (uint8_t)flash_emu_rand(e);
                w[i] = 1;
            }
        }
        return EAS_ERR_FLASH;
    }
    memset(m, 0xFF, ss);
    memset(w, 0, ss);
    return EAS_OK;
}

int flash_emu_init(flash_emu *e, uint32_t sector_size, uint32_t sector_count, uint32_t prog_size)
{
    memset(e, 0, sizeof *e);
    if (!sector_size || !sector_count || (uint64_t)sector_size * sector_count > 0x10000000ull) return -1;
    e->size = sector_size * sector_count;
    e->mem = malloc(e->size);
    e->written = calloc(e->size, 1);
    e->sector_erases = calloc(sector_count, sizeof *e->sector_erases);
    if (!e->mem || !e->written || !e->sector_erases) {
        flash_emu_free(e);
        return -1;
    }
    memset(e->mem, 0xFF, e->size);
    /* keep the buffers reachable even if the struct on a test's stack goes away unfreed */
    for (int i = 0; i < EMU_TRACKED; i++) {
        if (!kept[i].mem) {
            kept[i].mem = e->mem;
            kept[i].written = e->written;
            kept[i].sector_erases = e->sector_erases;
            break;
        }
    }
    e->flash.ctx = e;
    e->flash.sector_size = sector_size;
    e->flash.sector_count = sector_count;
    e->flash.prog_size = prog_size;
    e->flash.read = emu_read;
    e->flash.prog = emu_prog;
    e->flash.erase = emu_erase;
    e->powered = 1;
    return 0;
}

void flash_emu_free(flash_emu *e)
{
    for (int i = 0; i < EMU_TRACKED; i++)
        if (e->mem && kept[i].mem == e->mem) memset(&kept[i], 0, sizeof kept[i]);
    free(e->mem);
    free(e->written);
    free(e->sector_erases);
    e->mem = NULL;
    e->written = NULL;
    e->sector_erases = NULL;
}

void flash_emu_seed(flash_emu *e, uint64_t seed) { e->rng = seed * 0x9E3779B97F4A7C15ull + 1u; }

void flash_emu_cut_after(flash_emu *e, unsigned long n) { e->cut_at = n ? e->ops + n : 0; }

void flash_emu_power_on(flash_emu *e)
{
    e->powered = 1;
    e->cut_at = 0;
}

void flash_emu_flip_bit(flash_emu *e, uint64_t bit)
{
    if (bit / 8u < e->size) e->mem[bit / 8u] ^= (uint8_t)(1u << (bit % 8u));
}

void flash_emu_copy_image(flash_emu *dst, const flash_emu *src)
{
    if (dst->size != src->size) return;
    memcpy(dst->mem, src->mem, src->size);
    memcpy(dst->written, src->written, src->size);
}

void flash_emu_fill(flash_emu *e, uint32_t addr, uint8_t byte, uint32_t len)
{
    if ((uint64_t)addr + len > e->size) return;
    memset(e->mem + addr, byte, len);
    memset(e->written + addr, byte != 0xFF, len);
}
