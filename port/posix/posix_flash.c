/* A file that behaves like NOR flash, strictly. See eas_posix.h.
 *
 * The image file is the flash content, byte for byte, so it can be inspected or copied. Beside it,
 * PATH.prog holds one bit per prog unit, set by prog and cleared by erase: the content alone cannot tell
 * an erased unit from one programmed with 0xFF, and programming such a unit again is exactly the mistake
 * (ECC flash rejects it) that this simulation exists to catch. */
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

#define FLASH_CHUNK 512u /* bytes moved per read/write of the helpers below */
#define FLASH_MAX_PATH 4096u
#define FLASH_IO_TRIES 64 /* partial reads/writes of a regular file are rare; this many is broken */

static uint64_t flash_size(const eas_posix_flash *f) { return (uint64_t)f->sector_size * f->sector_count; }
static uint64_t flash_units(const eas_posix_flash *f) { return flash_size(f) / f->prog_size; }
static uint64_t map_bytes(const eas_posix_flash *f) { return (flash_units(f) + 7u) / 8u; }

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

static eas_err pread_all(int fd, void *buf, size_t len, uint64_t off)
{
    uint8_t *p = buf;
    for (int i = 0; len > 0 && i < FLASH_IO_TRIES; i++) {
        ssize_t n = pread(fd, p, len, (off_t)off);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return EAS_ERR_FLASH;
        p += n;
        off += (uint64_t)n;
        len -= (size_t)n;
    }
    return len == 0 ? EAS_OK : EAS_ERR_FLASH;
}

/* Writes len bytes of value at off. */
static eas_err fill_bytes(int fd, uint8_t value, uint64_t off, uint64_t len)
{
    uint8_t chunk[FLASH_CHUNK];
    memset(chunk, value, sizeof chunk);
    while (len > 0) {
        size_t n = len > sizeof chunk ? sizeof chunk : (size_t)len;
        eas_err e = pwrite_all(fd, chunk, n, off);
        if (e != EAS_OK) return e;
        off += n;
        len -= n;
    }
    return EAS_OK;
}

/* Walks the bitmap bits of units [first, first + count): with set < 0 reports EAS_ERR_FLASH if any bit is
 * set; with set 0 or 1 writes that value into all of them. */
static eas_err map_walk(const eas_posix_flash *f, uint64_t first, uint64_t count, int set)
{
    uint8_t chunk[FLASH_CHUNK];
    uint64_t end = first + count;
    uint64_t unit = first;
    while (unit < end) {
        uint64_t byte0 = unit / 8u;
        uint64_t byte_end = (end + 7u) / 8u;
        size_t n = byte_end - byte0 > sizeof chunk ? sizeof chunk : (size_t)(byte_end - byte0);
        eas_err e = pread_all(f->map_fd, chunk, n, byte0);
        if (e != EAS_OK) return e;
        uint64_t chunk_end = (byte0 + n) * 8u;
        if (chunk_end > end) chunk_end = end;
        for (uint64_t u = unit; u < chunk_end; u++) {
            uint8_t *b = &chunk[u / 8u - byte0];
            uint8_t bit = (uint8_t)(1u << (u % 8u));
            if (set < 0) {
                if (*b & bit) return EAS_ERR_FLASH;
            } else if (set) {
                *b |= bit;
            } else {
                *b &= (uint8_t)~bit;
            }
        }
        if (set >= 0) {
            e = pwrite_all(f->map_fd, chunk, n, byte0);
            if (e != EAS_OK) return e;
        }
        unit = chunk_end;
    }
    return EAS_OK;
}

/* Rebuilds a missing or foreign bitmap from the content: a unit holding anything but 0xFF was
 * programmed; one holding only 0xFF is taken as erased (the best the content can say). */
static eas_err map_rebuild(const eas_posix_flash *f, int image_erased)
{
    if (ftruncate(f->map_fd, 0) != 0) return EAS_ERR_FLASH;
    eas_err e = fill_bytes(f->map_fd, 0, 0, map_bytes(f));
    if (e != EAS_OK || image_erased) return e;
    uint8_t unit_buf[FLASH_CHUNK];
    uint64_t units = flash_units(f);
    for (uint64_t u = 0; u < units; u++) {
        int programmed = 0;
        for (uint32_t off = 0; off < f->prog_size && !programmed;) {
            size_t n = f->prog_size - off > sizeof unit_buf ? sizeof unit_buf : f->prog_size - off;
            e = pread_all(f->fd, unit_buf, n, u * f->prog_size + off);
            if (e != EAS_OK) return e;
            for (size_t i = 0; i < n; i++)
                if (unit_buf[i] != 0xFF) programmed = 1;
            off += (uint32_t)n;
        }
        if (programmed) {
            e = map_walk(f, u, 1, 1);
            if (e != EAS_OK) return e;
        }
    }
    return EAS_OK;
}

/* Takes (type F_WRLCK or F_RDLCK), converts, or drops (F_UNLCK) this open file's lock on the bitmap
 * file; wait: block until it can be had. 0 on success, -1 with errno (EAGAIN/EACCES/EWOULDBLOCK: held
 * by another open). */
static int lock_map(int fd, short type, int wait)
{
#ifdef F_OFD_SETLK
    struct flock l;
    memset(&l, 0, sizeof l); /* whole file; l_pid must be 0 */
    l.l_type = type;
    l.l_whence = SEEK_SET;
    for (;;) {
        int rc = fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &l);
        if (rc == 0 || errno != EINTR) return rc;
    }
#else
    /* Elsewhere flock(): a conversion there may let another process in between. */
    int op = type == F_WRLCK ? LOCK_EX : type == F_RDLCK ? LOCK_SH : LOCK_UN;
    return flock(fd, op | (wait ? 0 : LOCK_NB));
#endif
}

static int lock_busy(int err) { return err == EAGAIN || err == EACCES || err == EWOULDBLOCK; }

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
    return 1;
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
}

/* Creates the erased image under a temporary name and renames it into place, so that a process killed
 * half-way leaves either no image or a whole one, never a short file that the size check would refuse
 * forever. Returns the open descriptor of the new image, or -1. */
static int image_create(const eas_posix_flash *f, const char *path)
{
    char tmp_path[FLASH_MAX_PATH];
    int n = snprintf(tmp_path, sizeof tmp_path, "%s.new", path);
    if (n < 0 || (size_t)n >= sizeof tmp_path) return -1;
    int fd = open(tmp_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return -1;
    if (fill_bytes(fd, 0xFF, 0, flash_size(f)) != EAS_OK || fsync(fd) != 0 || rename(tmp_path, path) != 0) {
        close(fd);
        unlink(tmp_path);
        return -1;
    }
    return fd;
}

eas_err eas_posix_flash_open(eas_posix_flash *f, const char *path, uint32_t sector_size, uint32_t sector_count,
                             uint32_t prog_size, eas_flash *out)
{
    char map_path[FLASH_MAX_PATH];
    if (!flash_init(f, path, sector_size, sector_count, prog_size, map_path) || !out) return EAS_ERR_ARG;
    eas_err e = EAS_ERR_FLASH;
    struct stat st;
    /* The bitmap file is opened first and locked for as long as the image is open: two processes on
     * one image would each trust their own view of the log and program over each other (a cron'd sync
     * beside a running push). The lock also covers the creation of the image below. */
    f->map_fd = open(map_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f->map_fd < 0) goto fail;
    if (lock_map(f->map_fd, F_WRLCK, 0) != 0) {
        if (lock_busy(errno)) e = EAS_ERR_FLASH_BUSY;
        goto fail;
    }
    int fresh = 0;
    f->fd = open(path, O_RDWR | O_CLOEXEC);
    if (f->fd < 0 && errno == ENOENT) {
        /* A bitmap left behind by a deleted image describes nothing: empty it before the new image
         * appears, so that a kill between the two leaves it to be rebuilt from the (erased) content. */
        if (ftruncate(f->map_fd, 0) != 0) goto fail;
        f->fd = image_create(f, path);
        fresh = 1;
    }
    if (f->fd < 0 || fstat(f->fd, &st) != 0) goto fail;
    if ((uint64_t)st.st_size != flash_size(f)) {
        e = EAS_ERR_FLASH; /* another geometry's image: refuse rather than silently reshape it */
        goto fail;
    }
    if (fstat(f->map_fd, &st) != 0) goto fail;
    if (fresh || (uint64_t)st.st_size != map_bytes(f)) {
        e = map_rebuild(f, fresh);
        if (e != EAS_OK) goto fail;
    }
    flash_interface(f, out);
    return EAS_OK;

fail:
    eas_posix_flash_close(f);
    return e;
}

#define SNAPSHOT_TRIES 40      /* times SNAPSHOT_PAUSE_MS: how long a reader waits out a writer's step */
#define SNAPSHOT_PAUSE_MS 50

eas_err eas_posix_flash_open_snapshot(eas_posix_flash *f, const char *path, uint32_t sector_size,
                                      uint32_t sector_count, uint32_t prog_size, eas_flash *out)
{
    char map_path[FLASH_MAX_PATH];
    if (!flash_init(f, path, sector_size, sector_count, prog_size, map_path) || !out) return EAS_ERR_ARG;
    eas_err e = EAS_ERR_FLASH;
    struct stat st;
    f->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (f->fd < 0) {
        if (errno == ENOENT) e = EAS_ERR_NOT_FOUND;
        goto fail;
    }
    f->map_fd = open(map_path, O_RDONLY | O_CLOEXEC);
    if (f->map_fd < 0) goto fail; /* no bitmap: the writer that creates it again is the one to ask */
    int i = 0;
    while (lock_map(f->map_fd, F_RDLCK, 0) != 0) {
        if (!lock_busy(errno)) goto fail;
        if (++i == SNAPSHOT_TRIES) {
            e = EAS_ERR_FLASH_BUSY;
            goto fail;
        }
        struct timespec pause = {0, SNAPSHOT_PAUSE_MS * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (fstat(f->fd, &st) != 0 || (uint64_t)st.st_size != flash_size(f)) goto fail;
    f->snapshot = malloc((size_t)flash_size(f));
    if (!f->snapshot) goto fail;
    if ((e = pread_all(f->fd, f->snapshot, (size_t)flash_size(f), 0)) != EAS_OK) goto fail;
    /* The copy is taken: the writer may go on. */
    close(f->map_fd);
    close(f->fd);
    f->map_fd = f->fd = -1;
    flash_interface(f, out);
    return EAS_OK;

fail:
    eas_posix_flash_close(f);
    return e;
}

eas_err eas_posix_flash_share(eas_posix_flash *f)
{
    if (!f || f->map_fd < 0 || f->snapshot) return EAS_ERR_STATE;
    return lock_map(f->map_fd, F_RDLCK, 0) == 0 ? EAS_OK : EAS_ERR_FLASH;
}

eas_err eas_posix_flash_own(eas_posix_flash *f)
{
    if (!f || f->map_fd < 0 || f->snapshot) return EAS_ERR_STATE;
    /* Readers hold the shared lock only while they copy the image: the wait is short. */
    return lock_map(f->map_fd, F_WRLCK, 1) == 0 ? EAS_OK : EAS_ERR_FLASH;
}

void eas_posix_flash_close(eas_posix_flash *f)
{
    if (!f) return;
    if (f->fd >= 0) close(f->fd);
    if (f->map_fd >= 0) close(f->map_fd);
    free(f->snapshot);
    f->snapshot = NULL;
    f->fd = -1;
    f->map_fd = -1;
    f->dead = 0;
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
    return pread_all(f->fd, buf, len, addr);
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

eas_err eas_posix_flash_prog(void *ctx, uint32_t addr, const void *buf, size_t len)
{
    eas_posix_flash *f = ctx;
    if (!f || !buf) return EAS_ERR_ARG;
    if (f->fd < 0 || f->dead) return EAS_ERR_FLASH;
    if (len == 0 || addr % f->prog_size || len % f->prog_size) return EAS_ERR_FLASH;
    if ((uint64_t)addr + len > flash_size(f)) return EAS_ERR_FLASH;
    uint64_t first = addr / f->prog_size, count = len / f->prog_size;
    eas_err e = map_walk(f, first, count, -1);
    if (e != EAS_OK) return e;
    if (flash_cut_now(f)) {
        /* Half of the units land; all of them are in an unknown state until erased. */
        size_t landed = (size_t)(count / 2u) * f->prog_size;
        if (landed) (void)pwrite_all(f->fd, buf, landed, addr);
        (void)map_walk(f, first, count, 1);
        return EAS_ERR_FLASH;
    }
    /* Content first: a process killed between the two writes leaves units that hold data but are not
     * marked, which the store never programs again (it only programs what reads 0xFF). The other order
     * would leave units marked but reading 0xFF, which the store would take as free and this file would
     * then refuse to program, for good. */
    e = pwrite_all(f->fd, buf, len, addr);
    if (e == EAS_OK) e = map_walk(f, first, count, 1);
    if (e == EAS_OK) f->progs++;
    return e;
}

eas_err eas_posix_flash_erase(void *ctx, uint32_t sector)
{
    eas_posix_flash *f = ctx;
    if (!f) return EAS_ERR_ARG;
    if (f->fd < 0 || f->dead) return EAS_ERR_FLASH;
    if (sector >= f->sector_count) return EAS_ERR_FLASH;
    uint64_t addr = (uint64_t)sector * f->sector_size;
    uint64_t first = addr / f->prog_size, count = f->sector_size / f->prog_size;
    if (flash_cut_now(f)) {
        (void)fill_bytes(f->fd, 0xFF, addr, f->sector_size / 2u);
        (void)map_walk(f, first, count, 1);
        return EAS_ERR_FLASH;
    }
    eas_err e = fill_bytes(f->fd, 0xFF, addr, f->sector_size);
    if (e == EAS_OK) e = map_walk(f, first, count, 0);
    if (e == EAS_OK) f->erases++;
    return e;
}
