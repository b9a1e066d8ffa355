/* A file that behaves like NOR flash, strictly. See eas_posix.h.
 *
 * The image file is the flash content, byte for byte, so it can be inspected or copied. Beside it,
 * PATH.prog holds one bit per prog unit, set by prog and cleared by erase: the content alone cannot tell
 * an erased unit from one programmed with 0xFF, and programming such a unit again is exactly the mistake
 * (ECC flash rejects it) that this simulation exists to catch.
 *
 * Speed: the bitmap lives in RAM (written back at flush points), erased sectors are known in RAM (a
 * read there costs no system call), and the last sectors read are kept whole in a small cache, so
 * the store's many small reads (32-byte entries, scratch-sized pieces) do not each become a pread.
 *
 * Order on disk: the bitmap file is written only after the image data it describes has reached the
 * disk (fdatasync), and an erase clears its bits on disk before it writes 0xFF. So after a power cut
 * a marked unit holds what was programmed; a unit holding data may be unmarked (its bits had not been
 * written yet) and is marked at the next open from its content. Bitmaps written by earlier versions,
 * without that order, are recognised by their lack of a trailer and repaired: their marked units that
 * read erased are erased (the page cache may have written the bitmap ahead of the data). */
/* For the open file description locks of Linux (F_OFD_SETLK): unlike flock(), they turn an exclusive
 * lock into a shared one and back atomically; unlike plain fcntl() locks, they belong to the open file,
 * not the process, so two opens in one process exclude each other too. */
#define _GNU_SOURCE
#include "eas_posix.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define FLASH_MAX_PATH 4096u
#define FLASH_IO_TRIES 64        /* partial reads/writes of a regular file are rare; this many is broken */
#define FLASH_FILL_CHUNK 4096u   /* bytes of 0xFF written per call when erasing */
#define FLASH_CACHE_BYTES (32u * 1024u) /* sectors kept whole in RAM (at least two, at most all): the head and
                                         * the one read last; more cost RSS and saved nothing measurable */
#define FLASH_OPEN_TRIES 4       /* the image swapped between open and lock this often: give up */
#define FLASH_LOCK_WAIT_MS 2000u /* longest wait for a lock (readers copy the image in milliseconds) */
#define FLASH_LOCK_PAUSE_MS 10u
#define FLASH_FLUSH_MS 1000u     /* between two write-backs of the bitmap while the writer waits */

/* PATH.prog ends with this trailer since the bitmap is written in order (after its data). */
static const char MAP_TRAILER[16] = "EASPROG ordered\n";
#define MAP_TRAILER_LEN 16u

static uint64_t flash_size(const eas_posix_flash *f) { return (uint64_t)f->sector_size * f->sector_count; }
static uint64_t flash_units(const eas_posix_flash *f) { return flash_size(f) / f->prog_size; }
static uint64_t map_bytes(const eas_posix_flash *f) { return (flash_units(f) + 7u) / 8u; }

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void pause_ms(unsigned ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

static eas_err pwrite_all(int fd, const void *buf, size_t len, uint64_t off)
{
    const uint8_t *p = buf;
    for (int i = 0; len > 0 && i < FLASH_IO_TRIES; i++) {
        ssize_t n = pwrite(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return EAS_ERR_FLASH;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return len == 0 ? EAS_OK : EAS_ERR_FLASH;
}

static eas_err pread_all(eas_posix_flash *f, int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    for (int i = 0; len > 0 && i < FLASH_IO_TRIES; i++) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        f->preads++;
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return EAS_ERR_FLASH;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return len == 0 ? EAS_OK : EAS_ERR_FLASH;
}

/* Writes len bytes of 0xFF at off. */
static eas_err fill_ff(int fd, uint64_t off, uint64_t len)
{
    uint8_t chunk[FLASH_FILL_CHUNK];
    memset(chunk, 0xFF, sizeof chunk);
    while (len > 0) {
        size_t n = len > sizeof chunk ? sizeof chunk : (size_t)len;
        eas_err e = pwrite_all(fd, chunk, n, off);
        if (e != EAS_OK) return e;
        off += n;
        len -= n;
    }
    return EAS_OK;
}

static int all_ff(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        if (w != UINT64_MAX) return 0;
    }
    for (; i < n; i++)
        if (p[i] != 0xFF) return 0;
    return 1;
}

/* Whether path still names the file open as fd: a lock on a file that was renamed over or deleted
 * since it was opened keeps nobody out. */
static int same_file(int fd, const char *path)
{
    struct stat a, b;
    return fstat(fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* ---- the bitmap, in RAM ---- */

static int map_get(const eas_posix_flash *f, uint64_t u) { return (f->map[u / 8u] >> (u % 8u)) & 1u; }

static void map_dirty(eas_posix_flash *f, uint64_t byte0, uint64_t byte_end)
{
    if (f->map_lo > byte0) f->map_lo = byte0;
    if (f->map_hi < byte_end) f->map_hi = byte_end;
}

/* Sets (value 1) or clears the bits of units [first, first + count). */
static void map_set(eas_posix_flash *f, uint64_t first, uint64_t count, int value)
{
    for (uint64_t u = first; u < first + count; u++) {
        uint8_t bit = (uint8_t)(1u << (u % 8u));
        if (value) f->map[u / 8u] |= bit;
        else f->map[u / 8u] &= (uint8_t)~bit;
    }
    map_dirty(f, first / 8u, (first + count + 7u) / 8u);
}

static int map_any(const eas_posix_flash *f, uint64_t first, uint64_t count)
{
    for (uint64_t u = first; u < first + count; u++)
        if (map_get(f, u)) return 1;
    return 0;
}

/* Writes the changed part of the bitmap (and the trailer) to PATH.prog: after the data it describes
 * is on disk (fdatasync of the image first), so that a marked unit on disk always holds its data. */
static eas_err map_write_back(eas_posix_flash *f, int durable)
{
    /* The image deleted or replaced under this writer: PATH.prog may be another writer's now. */
    if (!f->replaced && !same_file(f->fd, f->path)) f->replaced = f->dead = 1;
    if (f->replaced) return EAS_ERR_FLASH;
    if (f->data_dirty) {
        if (fdatasync(f->fd) != 0) return EAS_ERR_FLASH;
        f->data_dirty = 0;
    }
    if (f->map_hi > f->map_lo) {
        eas_err e = pwrite_all(f->map_fd, f->map + f->map_lo, (size_t)(f->map_hi - f->map_lo), f->map_lo);
        if (e != EAS_OK) return e;
        f->map_lo = UINT64_MAX;
        f->map_hi = 0;
        f->map_unsynced = 1;
    }
    if (durable && f->map_unsynced) {
        if (fdatasync(f->map_fd) != 0) return EAS_ERR_FLASH;
        f->map_unsynced = 0;
    }
    f->flushed_ms = now_ms();
    return EAS_OK;
}

/* ---- the sector cache ---- */

static uint8_t *cache_slot(eas_posix_flash *f, uint32_t slot) { return f->cache + (size_t)slot * f->sector_size; }

static void cache_drop_all(eas_posix_flash *f)
{
    for (uint32_t s = 0; s < f->sector_count; s++) f->slot_of[s] = -1;
    for (uint32_t i = 0; i < f->cache_slots; i++) f->cache_sector[i] = UINT32_MAX;
}

/* The cached copy of sector s, loaded with one read if it is not there (replacing the slot in turn). */
static eas_err cache_get(eas_posix_flash *f, uint32_t s, const uint8_t **out)
{
    int32_t slot = f->slot_of[s];
    if (slot < 0) {
        uint32_t i = f->cache_next;
        f->cache_next = (i + 1u) % f->cache_slots;
        if (f->cache_sector[i] != UINT32_MAX) f->slot_of[f->cache_sector[i]] = -1;
        f->cache_sector[i] = UINT32_MAX;
        eas_err e = pread_all(f, f->fd, cache_slot(f, i), f->sector_size, (uint64_t)s * f->sector_size);
        if (e != EAS_OK) return e;
        f->cache_sector[i] = s;
        f->slot_of[s] = (int32_t)i;
        slot = (int32_t)i;
    }
    *out = cache_slot(f, (uint32_t)slot);
    return EAS_OK;
}

/* Keeps a cached copy of sector s in step with a write of len bytes (NULL: 0xFF) at offset off. */
static void cache_write(eas_posix_flash *f, uint32_t s, uint32_t off, const void *buf, size_t len)
{
    int32_t slot = f->slot_of[s];
    if (slot < 0) return;
    if (buf) memcpy(cache_slot(f, (uint32_t)slot) + off, buf, len);
    else memset(cache_slot(f, (uint32_t)slot) + off, 0xFF, len);
}

/* ---- open ---- */

/* Checks the geometry, sets f up closed, and writes PATH.prog into map_path (FLASH_MAX_PATH bytes).
 * 0 for a geometry that is not sector_size a non-zero multiple of prog_size, or too long a path. */
static int flash_init(eas_posix_flash *f, const char *path, uint32_t sector_size, uint32_t sector_count,
                      uint32_t prog_size, char *map_path)
{
    if (!f || !path) return 0;
    if (!sector_size || !sector_count || !prog_size || sector_size % prog_size) return 0;
    /* Addresses are 32-bit. */
    if ((uint64_t)sector_size * sector_count > UINT32_MAX) return 0;
    int pn = snprintf(map_path, FLASH_MAX_PATH, "%s.prog", path);
    if (pn < 0 || (size_t)pn >= FLASH_MAX_PATH) return 0;
    memset(f, 0, sizeof *f);
    f->fd = -1;
    f->map_fd = -1;
    f->sector_size = sector_size;
    f->sector_count = sector_count;
    f->prog_size = prog_size;
    f->cut_after = -1;
    f->map_lo = UINT64_MAX;
    f->path = strdup(path);
    return f->path != NULL;
}

static void flash_interface(eas_posix_flash *f, eas_flash *out)
{
    out->ctx = f;
    out->sector_size = f->sector_size;
    out->sector_count = f->sector_count;
    out->prog_size = f->prog_size;
    out->read = eas_posix_flash_read;
    out->prog = eas_posix_flash_prog;
    out->erase = eas_posix_flash_erase;
    out->erased = eas_posix_flash_erased;
}

/* Takes (type F_WRLCK or F_RDLCK), converts, or drops (F_UNLCK) this open file's lock, trying for at
 * most wait_ms. 0 on success, -1 with errno (EAGAIN/EACCES/EWOULDBLOCK: held by another open). */
static int lock_file(int fd, short type, unsigned wait_ms)
{
    uint64_t until = now_ms() + wait_ms;
    for (;;) {
#ifdef F_OFD_SETLK
        struct flock l;
        memset(&l, 0, sizeof l); /* whole file; l_pid must be 0 */
        l.l_type = type;
        l.l_whence = SEEK_SET;
        int rc = fcntl(fd, F_OFD_SETLK, &l);
#else
        /* Elsewhere flock(): a conversion there may let another process in between. */
        int op = type == F_WRLCK ? LOCK_EX : type == F_RDLCK ? LOCK_SH : LOCK_UN;
        int rc = flock(fd, op | LOCK_NB);
#endif
        if (rc == 0) return 0;
        int busy = errno == EAGAIN || errno == EACCES || errno == EWOULDBLOCK;
        if (errno == EINTR) continue;
        if (!busy || now_ms() >= until) return -1;
        pause_ms(FLASH_LOCK_PAUSE_MS);
        errno = EAGAIN;
    }
}

static int lock_busy(int err) { return err == EAGAIN || err == EACCES || err == EWOULDBLOCK; }


/* The state holds the account's keys and data: only its owner reads it. */
static int owner_only(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    return (st.st_mode & 077) ? fchmod(fd, st.st_mode & 0700) : 0;
}

/* Creates the erased image under a temporary name, locked, and renames it into place, so that a
 * process killed half-way leaves either no image or a whole one, never a short file that the size
 * check would refuse forever. Returns the locked descriptor of the new image, -1 (errno), or -2 when
 * the image appeared meanwhile (open it). */
static int image_create(eas_posix_flash *f, const char *path, const char *map_path)
{
    char tmp_path[FLASH_MAX_PATH];
    int n = snprintf(tmp_path, sizeof tmp_path, "%s.new", path);
    if (n < 0 || (size_t)n >= sizeof tmp_path) return -1;
    int fd = open(tmp_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return -1;
    if (lock_file(fd, F_WRLCK, 0) != 0 || owner_only(fd) != 0) {
        int err = errno;
        close(fd);
        errno = err;
        return -1;
    }
    if (access(path, F_OK) == 0 || !same_file(fd, tmp_path)) {
        close(fd); /* another process created it first */
        return -2;
    }
    /* A bitmap left behind by a deleted image describes nothing: emptied before the new image
     * appears, so that a kill between the two leaves it to be judged from the (erased) content. */
    if (ftruncate(fd, 0) != 0 || fill_ff(fd, 0, flash_size(f)) != EAS_OK || fsync(fd) != 0 ||
        (truncate(map_path, 0) != 0 && errno != ENOENT) || rename(tmp_path, path) != 0) {
        close(fd);
        unlink(tmp_path);
        errno = EIO;
        return -1;
    }
    return fd;
}

/* Opens path and takes its lock (exclusive for the writer, shared for a reader), retrying when the
 * file was replaced between the open and the lock. Creates the image when there is none (writer).
 * *fresh: it was just created. */
static eas_err open_locked(eas_posix_flash *f, const char *path, const char *map_path, int writer, int *fresh)
{
    *fresh = 0;
    for (int i = 0; i < FLASH_OPEN_TRIES; i++) {
        int fd = open(path, (writer ? O_RDWR : O_RDONLY) | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT) {
            if (!writer) return EAS_ERR_NOT_FOUND;
            fd = image_create(f, path, map_path);
            if (fd == -2) continue;
            if (fd < 0) return lock_busy(errno) ? EAS_ERR_FLASH_BUSY : EAS_ERR_FLASH;
            f->fd = fd;
            *fresh = 1;
            return EAS_OK;
        }
        if (fd < 0) return EAS_ERR_FLASH;
        if (lock_file(fd, writer ? F_WRLCK : F_RDLCK, writer ? 0 : FLASH_LOCK_WAIT_MS) != 0) {
            int busy = lock_busy(errno);
            close(fd);
            return busy ? EAS_ERR_FLASH_BUSY : EAS_ERR_FLASH;
        }
        if (!same_file(fd, path)) {
            close(fd);
            continue;
        }
        f->fd = fd;
        return EAS_OK;
    }
    return EAS_ERR_FLASH_BUSY;
}

/* One pass over the image at open: which sectors are erased, and the bitmap made to agree with the
 * content. A unit holding anything but 0xFF is programmed. A marked unit that reads erased stays
 * marked if the bitmap was written in order (trusted: it was programmed with 0xFF, or cut), and is
 * cleared if not (an old bitmap that may have run ahead of its data). The cache is the buffer. */
static eas_err scan_image(eas_posix_flash *f, int trust_marks)
{
    uint32_t per = f->cache_slots;
    int changed = 0;
    for (uint32_t s0 = 0; s0 < f->sector_count; s0 += per) {
        uint32_t n = f->sector_count - s0 < per ? f->sector_count - s0 : per;
        eas_err e = pread_all(f, f->fd, f->cache, (size_t)n * f->sector_size, (uint64_t)s0 * f->sector_size);
        if (e != EAS_OK) return e;
        for (uint32_t k = 0; k < n; k++) {
            const uint8_t *sec = f->cache + (size_t)k * f->sector_size;
            uint64_t first = (uint64_t)(s0 + k) * (f->sector_size / f->prog_size);
            int blank = all_ff(sec, f->sector_size);
            f->blank[s0 + k] = (uint8_t)blank;
            /* An erased sector with trusted (or no) marks: nothing to make agree. */
            if (blank && (trust_marks || !map_any(f, first, f->sector_size / f->prog_size))) continue;
            for (uint32_t u = 0; u < f->sector_size / f->prog_size; u++) {
                int held = !blank && !all_ff(sec + (size_t)u * f->prog_size, f->prog_size);
                int marked = map_get(f, first + u);
                if (held && !marked) {
                    map_set(f, first + u, 1, 1);
                    changed = 1;
                } else if (!held && marked && !trust_marks) {
                    map_set(f, first + u, 1, 0);
                    changed = 1;
                }
            }
        }
    }
    cache_drop_all(f);
    if (!changed) {
        f->map_lo = UINT64_MAX;
        f->map_hi = 0;
    }
    return EAS_OK;
}

/* The RAM parts of a writer: bitmap, erased sectors, cache. */
static eas_err alloc_ram(eas_posix_flash *f)
{
    uint32_t slots = FLASH_CACHE_BYTES / f->sector_size;
    if (slots < 2u) slots = 2u;
    if (slots > f->sector_count) slots = f->sector_count;
    f->cache_slots = slots;
    f->map = calloc(1, (size_t)map_bytes(f) + MAP_TRAILER_LEN);
    f->blank = calloc(f->sector_count, 1);
    f->slot_of = calloc(f->sector_count, sizeof *f->slot_of);
    f->cache_sector = calloc(slots, sizeof *f->cache_sector);
    f->cache = malloc((size_t)slots * f->sector_size);
    if (!f->map || !f->blank || !f->slot_of || !f->cache_sector || !f->cache) return EAS_ERR_FLASH;
    cache_drop_all(f);
    return EAS_OK;
}

eas_err eas_posix_flash_open(eas_posix_flash *f, const char *path, uint32_t sector_size, uint32_t sector_count,
                             uint32_t prog_size, eas_flash *out)
{
    char map_path[FLASH_MAX_PATH];
    if (!flash_init(f, path, sector_size, sector_count, prog_size, map_path) || !out) return EAS_ERR_ARG;
    struct stat st;
    int fresh = 0;
    /* The image itself is locked for as long as it is open (checked to be the file at path): two
     * processes on one image would each trust their own view of the log and program over each other (a
     * cron'd sync beside a running push). */
    eas_err e = open_locked(f, path, map_path, 1, &fresh);
    if (e != EAS_OK) goto fail;
    e = EAS_ERR_FLASH;
    if (owner_only(f->fd) != 0 || fstat(f->fd, &st) != 0) goto fail;
    if ((uint64_t)st.st_size != flash_size(f)) goto fail; /* another geometry's image: refuse, never reshape */
    f->map_fd = open(map_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (f->map_fd < 0 || owner_only(f->map_fd) != 0 || fstat(f->map_fd, &st) != 0) goto fail;
    if ((e = alloc_ram(f)) != EAS_OK) goto fail;
    /* A bitmap of another size or without the trailer is judged from the content. */
    int trusted = 0;
    if (!fresh && (uint64_t)st.st_size >= map_bytes(f)) {
        if ((e = pread_all(f, f->map_fd, f->map, (size_t)map_bytes(f), 0)) != EAS_OK) goto fail;
        char tail[MAP_TRAILER_LEN];
        trusted = (uint64_t)st.st_size == map_bytes(f) + MAP_TRAILER_LEN &&
                  pread_all(f, f->map_fd, tail, sizeof tail, map_bytes(f)) == EAS_OK &&
                  memcmp(tail, MAP_TRAILER, MAP_TRAILER_LEN) == 0;
    }
    if (fresh) memset(f->blank, 1, f->sector_count); /* just written erased, whole */
    else if ((e = scan_image(f, trusted)) != EAS_OK) goto fail;
    if (!trusted) {
        /* Rewritten whole, in order, with the trailer. */
        memcpy(f->map + map_bytes(f), MAP_TRAILER, MAP_TRAILER_LEN);
        if (ftruncate(f->map_fd, 0) != 0) goto fail;
        map_dirty(f, 0, map_bytes(f) + MAP_TRAILER_LEN);
    }
    if ((e = map_write_back(f, 1)) != EAS_OK) goto fail;
    flash_interface(f, out);
    return EAS_OK;

fail:
    eas_posix_flash_close(f);
    return e;
}

eas_err eas_posix_flash_open_snapshot(eas_posix_flash *f, const char *path, uint32_t sector_size,
                                      uint32_t sector_count, uint32_t prog_size, eas_flash *out)
{
    char map_path[FLASH_MAX_PATH];
    if (!flash_init(f, path, sector_size, sector_count, prog_size, map_path) || !out) return EAS_ERR_ARG;
    struct stat st;
    int fresh;
    eas_err e = open_locked(f, path, map_path, 0, &fresh);
    if (e != EAS_OK) goto fail;
    e = EAS_ERR_FLASH;
    if (fstat(f->fd, &st) != 0 || (uint64_t)st.st_size != flash_size(f)) goto fail;
    f->snapshot = malloc((size_t)flash_size(f));
    if (!f->snapshot) goto fail;
    if ((e = pread_all(f, f->fd, f->snapshot, (size_t)flash_size(f), 0)) != EAS_OK) goto fail;
    /* The copy is taken: the writer may go on. */
    close(f->fd);
    f->fd = -1;
    flash_interface(f, out);
    return EAS_OK;

fail:
    eas_posix_flash_close(f);
    return e;
}

eas_err eas_posix_flash_share(eas_posix_flash *f)
{
    if (!f || f->fd < 0 || f->snapshot) return EAS_ERR_STATE;
    /* While the writer waits anyway, the bitmap catches up (not more than once a second). */
    if (!f->dead && (f->map_hi > f->map_lo || f->data_dirty) && now_ms() - f->flushed_ms >= FLASH_FLUSH_MS)
        (void)map_write_back(f, 0);
    return lock_file(f->fd, F_RDLCK, 0) == 0 ? EAS_OK : EAS_ERR_FLASH;
}

eas_err eas_posix_flash_own(eas_posix_flash *f)
{
    if (!f || f->fd < 0 || f->snapshot) return EAS_ERR_STATE;
    /* Readers hold the shared lock only while they copy the image: the wait is short, and bounded. */
    if (lock_file(f->fd, F_WRLCK, FLASH_LOCK_WAIT_MS) != 0) return lock_busy(errno) ? EAS_ERR_FLASH_BUSY : EAS_ERR_FLASH;
    /* Deleted or replaced meanwhile: a second writer may be on the new file, and this one's bitmap
     * file is now its. Stop here rather than write over it. */
    if (!same_file(f->fd, f->path)) {
        f->dead = f->replaced = 1;
        return EAS_ERR_FLASH;
    }
    return EAS_OK;
}

void eas_posix_flash_close(eas_posix_flash *f)
{
    if (!f) return;
    if (f->fd >= 0 && f->map_fd >= 0 && f->map) (void)map_write_back(f, 1);
    if (f->fd >= 0) close(f->fd);
    if (f->map_fd >= 0) close(f->map_fd);
    free(f->snapshot);
    free(f->path);
    f->path = NULL;
    free(f->map);
    free(f->blank);
    free(f->slot_of);
    free(f->cache_sector);
    free(f->cache);
    f->snapshot = f->map = f->blank = f->cache = NULL;
    f->slot_of = NULL;
    f->cache_sector = NULL;
    f->fd = -1;
    f->map_fd = -1;
    f->dead = f->replaced = 0;
    f->cut_after = -1;
}

void eas_posix_flash_cut_power_after(eas_posix_flash *f, int32_t n) { f->cut_after = n < 0 ? -1 : n; }

eas_err eas_posix_flash_read(void *ctx, uint32_t addr, void *buf, size_t len)
{
    eas_posix_flash *f = ctx;
    if (!f || (!buf && len)) return EAS_ERR_ARG;
    if ((f->fd < 0 && !f->snapshot) || f->dead) return EAS_ERR_FLASH;
    if ((uint64_t)addr + len > flash_size(f)) return EAS_ERR_FLASH;
    if (len == 0) return EAS_OK;
    if (f->snapshot) {
        memcpy(buf, f->snapshot + addr, len);
        return EAS_OK;
    }
    uint8_t *out = buf;
    while (len > 0) {
        uint32_t s = addr / f->sector_size, off = addr % f->sector_size;
        size_t n = f->sector_size - off < len ? f->sector_size - off : len;
        if (f->blank[s] && f->slot_of[s] < 0) {
            memset(out, 0xFF, n);
        } else {
            const uint8_t *sec;
            eas_err e = cache_get(f, s, &sec);
            if (e != EAS_OK) return e;
            memcpy(out, sec + off, n);
        }
        out += n;
        addr += (uint32_t)n;
        len -= n;
    }
    return EAS_OK;
}

eas_err eas_posix_flash_erased(void *ctx, uint32_t sector, int *yes)
{
    eas_posix_flash *f = ctx;
    if (!f || !yes) return EAS_ERR_ARG;
    if ((f->fd < 0 && !f->snapshot) || f->dead || sector >= f->sector_count) return EAS_ERR_FLASH;
    /* A reader's copy has no record: the store reads it. */
    *yes = f->blank ? f->blank[sector] : 0;
    return EAS_OK;
}

/* Counts down a planned power cut: nonzero when this operation is the one that gets cut. */
static int flash_cut_now(eas_posix_flash *f)
{
    if (f->cut_after < 0) return 0;
    if (f->cut_after == 0) {
        f->cut_after = -1;
        f->dead = 1;
        return 1;
    }
    f->cut_after--;
    return 0;
}

/* Programs len bytes at addr into the image and the cache; within one sector. */
static eas_err image_write(eas_posix_flash *f, uint32_t addr, const void *buf, size_t len)
{
    eas_err e = pwrite_all(f->fd, buf, len, addr);
    uint32_t s = addr / f->sector_size;
    cache_write(f, s, addr % f->sector_size, buf, len);
    f->blank[s] = 0;
    f->data_dirty = 1;
    return e;
}

eas_err eas_posix_flash_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    eas_posix_flash *f = ctx;
    if (!f || !buf) return EAS_ERR_ARG;
    if (f->fd < 0 || f->snapshot || f->dead) return EAS_ERR_FLASH;
    if (len == 0 || addr % f->prog_size || len % f->prog_size) return EAS_ERR_FLASH;
    if ((uint64_t)addr + len > flash_size(f)) return EAS_ERR_FLASH;
    uint64_t first = addr / f->prog_size, count = len / f->prog_size;
    if (map_any(f, first, count)) return EAS_ERR_FLASH;
    if (flash_cut_now(f)) {
        /* Half of the units land; all of them are in an unknown state until erased. */
        size_t landed = (size_t)(count / 2u) * f->prog_size;
        for (size_t done = 0; done < landed;) {
            uint32_t a = addr + (uint32_t)done;
            size_t n = f->sector_size - a % f->sector_size;
            if (n > landed - done) n = landed - done;
            (void)image_write(f, a, (const uint8_t *)buf + done, n);
            done += n;
        }
        map_set(f, first, count, 1);
        return EAS_ERR_FLASH;
    }
    /* The data goes to the image now, its bits to the bitmap file after the data is on disk. */
    for (size_t done = 0; done < len;) {
        uint32_t a = addr + (uint32_t)done;
        size_t n = f->sector_size - a % f->sector_size;
        if (n > len - done) n = len - done;
        eas_err e = image_write(f, a, (const uint8_t *)buf + done, n);
        if (e != EAS_OK) return e;
        done += n;
    }
    map_set(f, first, count, 1);
    f->progs++;
    return EAS_OK;
}

eas_err eas_posix_flash_erase(void *ctx, uint32_t sector)
{
    eas_posix_flash *f = ctx;
    if (!f) return EAS_ERR_ARG;
    if (f->fd < 0 || f->snapshot || f->dead) return EAS_ERR_FLASH;
    if (sector >= f->sector_count) return EAS_ERR_FLASH;
    uint64_t addr = (uint64_t)sector * f->sector_size;
    uint64_t first = addr / f->prog_size, count = f->sector_size / f->prog_size;
    if (flash_cut_now(f)) {
        (void)fill_ff(f->fd, addr, f->sector_size / 2u);
        cache_write(f, sector, 0, NULL, f->sector_size / 2u);
        f->data_dirty = 1;
        map_set(f, first, count, 1);
        return EAS_ERR_FLASH;
    }
    /* What was programmed before this erase reaches the disk before it (a compaction erases the sector
     * it has just copied), and the cleared bits before the 0xFF: a power cut in between leaves units
     * holding data and unmarked, which the next open marks again. */
    map_set(f, first, count, 0);
    eas_err e = map_write_back(f, 1);
    if (e == EAS_OK) e = fill_ff(f->fd, addr, f->sector_size);
    if (e != EAS_OK) return e;
    cache_write(f, sector, 0, NULL, f->sector_size);
    f->blank[sector] = 1;
    f->data_dirty = 1;
    f->erases++;
    return EAS_OK;
}
