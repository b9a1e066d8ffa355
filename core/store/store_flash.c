/* The state store's flash layer: geometry, the sector header and entry codecs, and appending a record
 * with read-back verification. Format: docs/STORE.md. */
#include <string.h>

#include "eas/crc32.h"
#include "store_int.h"

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

/* Four bytes at a time, without a branch per byte: the common case (an erased sector) reads it all. */
static int all_ff(const uint8_t *p, size_t n)
{
    uint32_t acc = 0xFFFFFFFFu;
    size_t i = 0;
    for (; i + 4u <= n; i += 4u) {
        uint32_t w;
        memcpy(&w, p + i, 4);
        acc &= w;
    }
    for (; i < n; i++) acc &= 0xFFFFFF00u | p[i];
    return acc == 0xFFFFFFFFu;
}

eas_err stf_check_geometry(const eas_flash *f)
{
    if (!f || !f->read || !f->prog || !f->erase) return EAS_ERR_ARG;
    uint32_t p = f->prog_size;
    if (f->sector_count < 2u) return EAS_ERR_STORE_GEOMETRY;
    if (p == 0u || (p & (p - 1u)) != 0u || p > EAS_STORE_MAX_PROG_SIZE) return EAS_ERR_STORE_GEOMETRY;
    uint32_t slot = p > STF_ENT_BYTES ? p : STF_ENT_BYTES;
    if (f->sector_size == 0u || f->sector_size % slot != 0u) return EAS_ERR_STORE_GEOMETRY;
    if ((uint64_t)f->sector_size * f->sector_count > 0x100000000ull) return EAS_ERR_STORE_GEOMETRY;
    /* An empty sector (two header copies, OPEN, guard) must take the largest one-record transaction:
     * its value, its entry, the commit and the slot kept for deletes. */
    uint64_t value = ((uint64_t)EAS_STORE_MAX_VALUE + p - 1u) & ~(uint64_t)(p - 1u);
    if ((uint64_t)f->sector_size < value + 7u * (uint64_t)slot) return EAS_ERR_STORE_GEOMETRY;
    return EAS_OK;
}

eas_err stf_read(eas_store *st, uint32_t sector, uint32_t off, void *buf, size_t len)
{
    const eas_flash *f = st->flash;
    if (f->read(f->ctx, sector * f->sector_size + off, buf, len) != EAS_OK) return EAS_ERR_FLASH;
    return EAS_OK;
}

static eas_err prog(eas_store *st, uint32_t sector, uint32_t off, const void *buf, size_t len)
{
    const eas_flash *f = st->flash;
    if (f->prog(f->ctx, sector * f->sector_size + off, buf, len) != EAS_OK) return EAS_ERR_FLASH;
    return EAS_OK;
}

eas_err stf_sector_erased(eas_store *st, uint32_t sector, int *erased)
{
    const eas_flash *f = st->flash;
    uint32_t size = f->sector_size;
    *erased = 0;
    if (f->erased) {
        int yes = 0;
        if (f->erased(f->ctx, sector, &yes) != EAS_OK) return EAS_ERR_FLASH;
        if (yes) {
            *erased = 1;
            return EAS_OK;
        }
    }
    for (uint32_t off = 0; off < size; off += EAS_STORE_SCRATCH) {
        uint32_t n = size - off < EAS_STORE_SCRATCH ? size - off : EAS_STORE_SCRATCH;
        eas_err err = stf_read(st, sector, off, st->scratch, n);
        if (err != EAS_OK) return err;
        if (!all_ff(st->scratch, n)) return EAS_OK;
    }
    *erased = 1;
    return EAS_OK;
}

/* An erase that does not leave every byte at 0xFF is a failed erase: the sector is not used. */
eas_err stf_erase(eas_store *st, uint32_t sector)
{
    const eas_flash *f = st->flash;
    if (f->erase(f->ctx, sector) != EAS_OK) return EAS_ERR_FLASH;
    int erased;
    eas_err err = stf_sector_erased(st, sector, &erased);
    if (err != EAS_OK) return err;
    return erased ? EAS_OK : EAS_ERR_FLASH;
}

/* Saves an erase cycle when the sector is already blank, and catches a torn erase or stray bits that
 * would make the next program a double program. */
eas_err stf_ensure_erased(eas_store *st, uint32_t sector)
{
    int erased;
    eas_err err = stf_sector_erased(st, sector, &erased);
    if (err != EAS_OK || erased) return err;
    return stf_erase(st, sector);
}

static int header_decode(const eas_store *st, const uint8_t *b, uint32_t *gen, uint32_t *seq_base)
{
    if (b[0] != STF_HDR_MAGIC0 || b[1] != STF_HDR_MAGIC1 || b[2] != STF_HDR_MAGIC2 || b[3] != STF_HDR_MAGIC3)
        return 0;
    if (eas_crc32(0, b, STF_CRC_BYTES) != get32(b + 28)) return 0;
    if (b[4] != STF_VERSION || b[5] != 0u) return 0;
    /* A sector of another geometry is not ours: mounting it would misread every offset. */
    if (((uint32_t)b[6] | ((uint32_t)b[7] << 8)) != st->flash->prog_size) return 0;
    if (get32(b + 8) != st->flash->sector_size) return 0;
    *gen = get32(b + 12);
    *seq_base = get32(b + 16);
    return 1;
}

eas_err stf_read_header(eas_store *st, uint32_t sector, int *kind, uint32_t *gen, uint32_t *seq_base)
{
    uint8_t b[STF_SLOT_MAX];
    int blank = 1;
    *gen = 0;
    *seq_base = 0;
    for (uint32_t copy = 0; copy < 2u; copy++) {
        eas_err err = stf_read(st, sector, copy * st->slot, b, st->slot);
        if (err != EAS_OK) return err;
        if (header_decode(st, b, gen, seq_base)) {
            *kind = STF_SEC_VALID;
            return EAS_OK;
        }
        if (!all_ff(b, st->slot)) blank = 0;
    }
    *kind = blank ? STF_SEC_ERASED : STF_SEC_OTHER;
    return EAS_OK;
}

eas_err stf_write_header(eas_store *st, uint32_t sector, uint32_t gen, uint32_t seq_base)
{
    uint8_t b[STF_SLOT_MAX];
    memset(b, 0xFF, sizeof b);
    b[0] = STF_HDR_MAGIC0;
    b[1] = STF_HDR_MAGIC1;
    b[2] = STF_HDR_MAGIC2;
    b[3] = STF_HDR_MAGIC3;
    b[4] = STF_VERSION;
    b[5] = 0;
    b[6] = (uint8_t)st->flash->prog_size;
    b[7] = (uint8_t)(st->flash->prog_size >> 8);
    put32(b + 8, st->flash->sector_size);
    put32(b + 12, gen);
    put32(b + 16, seq_base);
    put32(b + 28, eas_crc32(0, b, STF_CRC_BYTES));
    for (uint32_t copy = 0; copy < 2u; copy++) {
        eas_err err = prog(st, sector, copy * st->slot, b, st->slot);
        if (err != EAS_OK) return err;
    }
    return EAS_OK;
}

static void ent_encode(const eas_store *st, const stf_ent *e, uint8_t *b)
{
    memset(b, 0xFF, st->slot);
    b[0] = STF_ENT_MAGIC0;
    b[1] = STF_ENT_MAGIC1;
    b[2] = e->type;
    b[3] = e->flags;
    put32(b + 4, e->key);
    put32(b + 8, e->seq);
    put32(b + 12, e->txn);
    put32(b + 16, e->off);
    put32(b + 20, e->len);
    put32(b + 24, e->vcrc);
    put32(b + 28, eas_crc32(0, b, STF_CRC_BYTES));
}

/* Beyond the CRC, the fields must describe something this sector can hold: a value lies between the
 * headers and its own entry, so a bad entry can never send a read outside the sector. */
static int ent_decode(const eas_store *st, const uint8_t *b, uint32_t slot_off, stf_ent *e)
{
    if (b[0] != STF_ENT_MAGIC0 || b[1] != STF_ENT_MAGIC1) return 0;
    if (eas_crc32(0, b, STF_CRC_BYTES) != get32(b + 28)) return 0;
    e->type = b[2];
    e->flags = b[3];
    e->key = get32(b + 4);
    e->seq = get32(b + 8);
    e->txn = get32(b + 12);
    e->off = get32(b + 16);
    e->len = get32(b + 20);
    e->vcrc = get32(b + 24);
    if ((e->flags & ~STF_FLAG_TXN) != 0u) return 0;
    switch (e->type) {
    case STF_PUT:
        if (e->len == 0u) return e->off == 0u;
        if (e->off < stf_hdr_end(st) || e->off % st->flash->prog_size != 0u) return 0;
        return (uint64_t)e->off + e->len <= slot_off;
    case STF_DEL:
    case STF_OPEN:
        return e->off == 0u && e->len == 0u;
    case STF_COMMIT:
        return e->off == 0u && (e->flags & STF_FLAG_TXN) == 0u;
    default:
        return 0;
    }
}

eas_err stf_read_slot(eas_store *st, uint32_t sector, uint32_t off, int *kind, stf_ent *e)
{
    uint8_t b[STF_SLOT_MAX];
    eas_err err = stf_read(st, sector, off, b, st->slot);
    if (err != EAS_OK) return err;
    if (all_ff(b, st->slot))
        *kind = STF_SLOT_FREE;
    else
        *kind = ent_decode(st, b, off, e) ? STF_SLOT_ENTRY : STF_SLOT_BAD;
    return EAS_OK;
}

eas_err stf_value_ok(eas_store *st, uint32_t sector, const stf_ent *e, int *ok)
{
    uint32_t crc = 0;
    *ok = 0;
    for (uint32_t done = 0; done < e->len;) {
        uint32_t n = e->len - done < EAS_STORE_SCRATCH ? e->len - done : EAS_STORE_SCRATCH;
        eas_err err = stf_read(st, sector, e->off + done, st->scratch, n);
        if (err != EAS_OK) return err;
        crc = eas_crc32(crc, st->scratch, n);
        done += n;
    }
    *ok = crc == e->vcrc;
    return EAS_OK;
}

int stf_fits(const eas_store *st, uint32_t data, uint32_t slots)
{
    if (st->data_ptr > st->ent) return 0;
    return (uint64_t)st->data_ptr + data + (uint64_t)slots * st->slot <= st->ent;
}

static eas_err write_value(eas_store *st, const stf_ent *e, const stf_src *src)
{
    /* Whole scratch-sized chunks keep every program aligned; only the last one is padded. */
    for (uint32_t done = 0; done < e->len;) {
        uint32_t n = e->len - done < EAS_STORE_SCRATCH ? e->len - done : EAS_STORE_SCRATCH;
        uint32_t pn = stf_align(st, n);
        if (src->mem) {
            memcpy(st->scratch, src->mem + done, n);
        } else {
            eas_err err = stf_read(st, src->sector, src->off + done, st->scratch, n);
            if (err != EAS_OK) return err;
        }
        memset(st->scratch + n, 0xFF, pn - n);
        eas_err err = prog(st, st->head, e->off + done, st->scratch, pn);
        if (err != EAS_OK) return err;
        done += n;
    }
    return EAS_OK;
}

/* The entry goes first, the value after it: an entry always tells how far the values of its sector
 * reach, so a value torn by a power cut is never written over, and the value's CRC is what makes the
 * record complete. */
/* Whether the value of e just programmed in the head reads back as mem (cheaper than its CRC). */
static eas_err value_same(eas_store *st, const stf_ent *e, const uint8_t *mem, int *ok)
{
    *ok = 0;
    for (uint32_t done = 0; done < e->len;) {
        uint32_t n = e->len - done < EAS_STORE_SCRATCH ? e->len - done : EAS_STORE_SCRATCH;
        eas_err err = stf_read(st, st->head, e->off + done, st->scratch, n);
        if (err != EAS_OK) return err;
        if (memcmp(st->scratch, mem + done, n) != 0) return EAS_OK;
        done += n;
    }
    *ok = 1;
    return EAS_OK;
}

eas_err stf_append(eas_store *st, stf_ent *e, const stf_src *src, uint32_t reserve)
{
    uint32_t dlen = e->type == STF_PUT ? stf_align(st, e->len) : 0u;
    for (uint32_t attempt = 0; attempt < STF_WRITE_ATTEMPTS; attempt++) {
        if (!stf_fits(st, dlen, 1u + reserve)) return EAS_ERR_STORE_FULL;
        uint32_t slot_off = st->ent;
        uint8_t b[STF_SLOT_MAX];
        e->off = dlen ? st->data_ptr : 0u;
        ent_encode(st, e, b);
        /* The pointers move before anything is programmed: whatever happens next, these bytes are
         * never programmed again. */
        st->ent -= st->slot;
        st->data_ptr += dlen;
        eas_err err = prog(st, st->head, slot_off, b, st->slot);
        if (err != EAS_OK) return err;
        if (dlen) {
            err = write_value(st, e, src);
            if (err != EAS_OK) return err;
        }
        int kind, ok = 1;
        stf_ent back;
        err = stf_read_slot(st, st->head, slot_off, &kind, &back);
        if (err != EAS_OK) return err;
        if (kind != STF_SLOT_ENTRY || back.type != e->type || back.flags != e->flags || back.key != e->key ||
            back.seq != e->seq || back.txn != e->txn || back.off != e->off || back.len != e->len ||
            back.vcrc != e->vcrc)
            ok = 0;
        if (ok && e->type == STF_PUT && e->len) {
            err = src->mem ? value_same(st, e, src->mem, &ok) : stf_value_ok(st, st->head, e, &ok);
            if (err != EAS_OK) return err;
        }
        if (ok) {
            /* A record is only as readable as its sector's header: with both copies damaged the
             * sector is not part of the store any more, so the write must not count as done. */
            uint32_t gen, base;
            err = stf_read_header(st, st->head, &kind, &gen, &base);
            if (err != EAS_OK) return err;
            return kind == STF_SEC_VALID && gen == st->head_gen ? EAS_OK : EAS_ERR_FLASH;
        }
    }
    return EAS_ERR_FLASH;
}
