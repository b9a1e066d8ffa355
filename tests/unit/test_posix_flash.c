/* The file-backed flash of the POSIX port: NOR rules enforced, content and programmed state persistent,
 * power cuts simulated. Each test works in its own temporary directory. */
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "eas/err.h"
#include "eas_posix.h"

typedef struct {
    char dir[256];
    char image[300];
    char map[310];
} flash_tmp;

static int flash_tmp_make(flash_tmp *t)
{
    const char *base = getenv("TMPDIR");
    snprintf(t->dir, sizeof t->dir, "%s/eas-flash-XXXXXX", base ? base : "/tmp");
    if (!mkdtemp(t->dir)) return 0;
    snprintf(t->image, sizeof t->image, "%s/flash.img", t->dir);
    snprintf(t->map, sizeof t->map, "%s/flash.img.prog", t->dir);
    return 1;
}

static void flash_tmp_drop(flash_tmp *t)
{
    unlink(t->image);
    unlink(t->map);
    rmdir(t->dir);
}

/* Runs body in a fresh temporary directory, removed afterwards. */
static void in_flash_tmp(void (*body)(flash_tmp *))
{
    flash_tmp t;
    CHECK(flash_tmp_make(&t));
    body(&t);
    flash_tmp_drop(&t);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static int all_ff(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0xFF) return 0;
    return 1;
}

/* 4 sectors of 256 bytes, programmed 16 bytes at a time. */
#define SS 256u
#define SC 4u
#define PS 16u

static void flash_geometry_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    CHECK_EQ(eas_posix_flash_open(&f, t->image, 250, SC, PS, &fl), EAS_ERR_ARG); /* 250 % 16 != 0 */
    CHECK_EQ(eas_posix_flash_open(&f, t->image, SS, 0, PS, &fl), EAS_ERR_ARG);
    CHECK_EQ(eas_posix_flash_open(&f, t->image, SS, SC, 0, &fl), EAS_ERR_ARG);
    CHECK_EQ(eas_posix_flash_open(&f, t->image, 65536u, 65537u, 16, &fl), EAS_ERR_ARG); /* over 4 GiB */
    CHECK_EQ(file_size(t->image), -1);

    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(fl.sector_size, SS);
    CHECK_EQ(fl.sector_count, SC);
    CHECK_EQ(fl.prog_size, PS);
    CHECK(fl.ctx == &f);
    CHECK_EQ(file_size(t->image), SS * SC);
    uint8_t buf[SS * SC];
    CHECK_OK(fl.read(fl.ctx, 0, buf, sizeof buf));
    CHECK(all_ff(buf, sizeof buf)); /* created erased */

    uint8_t data[32];
    for (size_t i = 0; i < sizeof data; i++) data[i] = (uint8_t)(i * 7 + 1);
    CHECK_EQ(fl.prog(fl.ctx, 8, data, PS), EAS_ERR_FLASH);          /* address not aligned */
    CHECK_EQ(fl.prog(fl.ctx, 16, data, 8), EAS_ERR_FLASH);          /* length not a multiple */
    CHECK_EQ(fl.prog(fl.ctx, 16, data, 0), EAS_ERR_FLASH);          /* nothing to program */
    CHECK_EQ(fl.prog(fl.ctx, SS * SC - PS, data, 32), EAS_ERR_FLASH); /* past the end */
    CHECK_EQ(fl.read(fl.ctx, SS * SC - 4, buf, 8), EAS_ERR_FLASH);
    CHECK_EQ(fl.erase(fl.ctx, SC), EAS_ERR_FLASH);
    CHECK_OK(fl.read(fl.ctx, 0, buf, sizeof buf));
    CHECK(all_ff(buf, sizeof buf)); /* refused calls changed nothing */

    CHECK_OK(fl.prog(fl.ctx, 32, data, 32));
    CHECK_OK(fl.read(fl.ctx, 30, buf, 36)); /* reads have no alignment rule */
    CHECK_EQ(buf[0], 0xFF);
    CHECK_EQ(buf[1], 0xFF);
    CHECK_MEM(buf + 2, data, 32);
    CHECK_EQ(buf[34], 0xFF);

    /* Programming again without an erase is refused, even where it would only clear bits, and even for
     * a unit that was programmed with 0xFF. */
    uint8_t zeros[PS] = {0}, ffs[PS];
    memset(ffs, 0xFF, sizeof ffs);
    CHECK_EQ(fl.prog(fl.ctx, 48, zeros, PS), EAS_ERR_FLASH);
    CHECK_OK(fl.prog(fl.ctx, 64, ffs, PS));
    CHECK_EQ(fl.prog(fl.ctx, 64, zeros, PS), EAS_ERR_FLASH);
    /* A range overlapping one programmed unit is refused as a whole. */
    uint8_t two[2 * PS];
    memset(two, 0x11, sizeof two);
    CHECK_OK(fl.prog(fl.ctx, 80, zeros, PS));
    CHECK_EQ(fl.prog(fl.ctx, 80, two, sizeof two), EAS_ERR_FLASH);
    CHECK_OK(fl.read(fl.ctx, 80, buf, 2 * PS));
    CHECK_MEM(buf, zeros, PS);
    CHECK(all_ff(buf + PS, PS));
    CHECK_OK(fl.prog(fl.ctx, 96, two, PS)); /* the untouched neighbour is still programmable */

    /* Erase brings a whole sector back to 0xFF and makes it programmable; the others keep their data. */
    CHECK_OK(fl.prog(fl.ctx, SS + 0, data, PS));
    CHECK_OK(fl.erase(fl.ctx, 0));
    CHECK_OK(fl.read(fl.ctx, 0, buf, SS));
    CHECK(all_ff(buf, SS));
    CHECK_OK(fl.read(fl.ctx, SS, buf, PS));
    CHECK_MEM(buf, data, PS);
    CHECK_OK(fl.prog(fl.ctx, 48, zeros, PS));
    CHECK_OK(fl.prog(fl.ctx, 64, zeros, PS));
    CHECK_EQ(f.erases, 1);
    eas_posix_flash_close(&f);
    CHECK_EQ(fl.read(fl.ctx, 0, buf, 1), EAS_ERR_FLASH); /* closed */
}

TEST(posix_flash_enforces_nor_rules) { in_flash_tmp(flash_geometry_body); }

static void flash_persist_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    uint8_t data[PS], buf[PS];
    memset(data, 0xA5, sizeof data);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_OK(fl.prog(fl.ctx, SS * 2, data, PS));
    uint8_t ffs[PS];
    memset(ffs, 0xFF, sizeof ffs);
    CHECK_OK(fl.prog(fl.ctx, SS * 3, ffs, PS));
    eas_posix_flash_close(&f);

    /* Reopen: the content and which units were programmed both survived. */
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_OK(fl.read(fl.ctx, SS * 2, buf, PS));
    CHECK_MEM(buf, data, PS);
    CHECK_EQ(fl.prog(fl.ctx, SS * 2, data, PS), EAS_ERR_FLASH);
    CHECK_EQ(fl.prog(fl.ctx, SS * 3, data, PS), EAS_ERR_FLASH);
    CHECK_OK(fl.prog(fl.ctx, SS * 2 + PS, data, PS));
    eas_posix_flash_close(&f);

    /* Another geometry on the same image is refused rather than reinterpreted. */
    CHECK_EQ(eas_posix_flash_open(&f, t->image, SS, SC * 2, PS, &fl), EAS_ERR_FLASH);
    CHECK_EQ(file_size(t->image), SS * SC);

    /* Without the bitmap, units are judged by their content: non-0xFF ones count as programmed. */
    CHECK(unlink(t->map) == 0);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(fl.prog(fl.ctx, SS * 2, data, PS), EAS_ERR_FLASH);
    CHECK_EQ(fl.prog(fl.ctx, SS * 2 + PS, data, PS), EAS_ERR_FLASH);
    CHECK_OK(fl.prog(fl.ctx, SS * 2 + 2 * PS, data, PS));
    CHECK_OK(fl.read(fl.ctx, SS * 2 + PS, buf, PS));
    CHECK_MEM(buf, data, PS);
    eas_posix_flash_close(&f);
}

TEST(posix_flash_persists_across_reopen) { in_flash_tmp(flash_persist_body); }

static void flash_cut_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    uint8_t data[4 * PS], buf[4 * PS];
    memset(data, 0x3C, sizeof data);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    eas_posix_flash_cut_power_after(&f, 1);
    CHECK_OK(fl.prog(fl.ctx, 0, data, PS));                      /* the one that still completes */
    CHECK_EQ(fl.prog(fl.ctx, SS, data, sizeof data), EAS_ERR_FLASH); /* cut half-way */
    CHECK_EQ(fl.read(fl.ctx, 0, buf, PS), EAS_ERR_FLASH);        /* power is off */
    CHECK_EQ(fl.erase(fl.ctx, 1), EAS_ERR_FLASH);
    eas_posix_flash_close(&f);

    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl)); /* reboot */
    CHECK_OK(fl.read(fl.ctx, SS, buf, sizeof buf));
    CHECK_MEM(buf, data, 2 * PS);          /* the first half landed */
    CHECK(all_ff(buf + 2 * PS, 2 * PS));  /* the rest did not ... */
    CHECK_EQ(fl.prog(fl.ctx, SS + 3 * PS, data, PS), EAS_ERR_FLASH); /* ... yet is not programmable */
    CHECK_OK(fl.erase(fl.ctx, 1));
    CHECK_OK(fl.prog(fl.ctx, SS + 3 * PS, data, PS));

    /* An erase cut half-way leaves the sector unusable until erased again. */
    CHECK_OK(fl.prog(fl.ctx, 2 * SS + SS - PS, data, PS));
    eas_posix_flash_cut_power_after(&f, 0);
    CHECK_EQ(fl.erase(fl.ctx, 2), EAS_ERR_FLASH);
    eas_posix_flash_close(&f);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_OK(fl.read(fl.ctx, 2 * SS + SS - PS, buf, PS));
    CHECK_MEM(buf, data, PS); /* the second half of the sector was not reached */
    CHECK_EQ(fl.prog(fl.ctx, 2 * SS, data, PS), EAS_ERR_FLASH);
    CHECK_OK(fl.erase(fl.ctx, 2));
    CHECK_OK(fl.prog(fl.ctx, 2 * SS, data, PS));
    eas_posix_flash_cut_power_after(&f, -1);
    CHECK_OK(fl.prog(fl.ctx, 2 * SS + PS, data, PS));
    eas_posix_flash_close(&f);
}

TEST(posix_flash_power_cut_simulation) { in_flash_tmp(flash_cut_body); }

/* One process at a time, and what a killed process leaves behind opens again. */
static void flash_kill_body(flash_tmp *t)
{
    eas_posix_flash f, g;
    eas_flash fl, gl;
    uint8_t data[PS], buf[PS];
    memset(data, 0x5A, sizeof data);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    /* A second open (another process, or this one) is refused while the first holds the image. */
    CHECK_EQ(eas_posix_flash_open(&g, t->image, SS, SC, PS, &gl), EAS_ERR_FLASH_BUSY);
    CHECK_OK(fl.prog(fl.ctx, 0, data, PS)); /* the refused open disturbed nothing */
    eas_posix_flash_close(&f);
    CHECK_OK(eas_posix_flash_open(&g, t->image, SS, SC, PS, &gl));
    CHECK_OK(gl.read(gl.ctx, 0, buf, PS));
    CHECK_MEM(buf, data, PS);
    eas_posix_flash_close(&g);

    /* Killed while creating the image: a half-written PATH.new and no image. The next open starts
     * over and gets a whole erased image. */
    char tmp_path[320];
    snprintf(tmp_path, sizeof tmp_path, "%s.new", t->image);
    CHECK(unlink(t->image) == 0);
    FILE *half = fopen(tmp_path, "wb");
    CHECK(half != NULL);
    if (half) {
        for (unsigned i = 0; i < SS / 2; i++) fputc(0xFF, half);
        fclose(half);
    }
    /* The bitmap of the deleted image still marks unit 0: it must not carry over to the new image. */
    CHECK_EQ(file_size(t->map), (long)(SS * SC / PS / 8 + 16)); /* the bits and the trailer */
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(file_size(t->image), (long)(SS * SC));
    CHECK_EQ(file_size(tmp_path), -1);
    CHECK_OK(fl.prog(fl.ctx, 0, data, PS));
    eas_posix_flash_close(&f);

    /* Killed between the rename and the bitmap: the image is whole, the bitmap empty. */
    CHECK(truncate(t->map, 0) == 0);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(fl.prog(fl.ctx, 0, data, PS), EAS_ERR_FLASH); /* unit 0 holds data: judged programmed */
    CHECK_OK(fl.prog(fl.ctx, PS, data, PS));
    eas_posix_flash_close(&f);
    unlink(tmp_path);
}

TEST(posix_flash_one_process_and_kill_leftovers) { in_flash_tmp(flash_kill_body); }

/* Readers beside a writer: a copy taken while the writer lets readers in, never while it writes. */
static void flash_reader_body(flash_tmp *t)
{
    eas_posix_flash w, r, w2;
    eas_flash wl, rl, w2l;
    uint8_t a[PS], b[PS], buf[PS];
    memset(a, 0xA1, sizeof a);
    memset(b, 0xB2, sizeof b);
    CHECK_EQ(eas_posix_flash_open_snapshot(&r, t->image, SS, SC, PS, &rl), EAS_ERR_NOT_FOUND);
    CHECK_OK(eas_posix_flash_open(&w, t->image, SS, SC, PS, &wl));
    CHECK_OK(wl.prog(wl.ctx, 0, a, PS));
    /* While the writer holds the image, a reader gives up (after its bounded wait). */
    CHECK_EQ(eas_posix_flash_open_snapshot(&r, t->image, SS, SC, PS, &rl), EAS_ERR_FLASH_BUSY);

    CHECK_OK(eas_posix_flash_share(&w));
    CHECK_OK(eas_posix_flash_open_snapshot(&r, t->image, SS, SC, PS, &rl));
    CHECK_OK(rl.read(rl.ctx, 0, buf, PS));
    CHECK_MEM(buf, a, PS);
    CHECK_EQ(rl.prog(rl.ctx, PS, b, PS), EAS_ERR_FLASH); /* a reader never writes */
    CHECK_EQ(rl.erase(rl.ctx, 1), EAS_ERR_FLASH);
    /* Letting readers in is not letting another writer in. */
    CHECK_EQ(eas_posix_flash_open(&w2, t->image, SS, SC, PS, &w2l), EAS_ERR_FLASH_BUSY);
    CHECK_OK(eas_posix_flash_own(&w)); /* the reader holds no lock once its copy is taken */
    CHECK_OK(wl.prog(wl.ctx, PS, b, PS));
    CHECK_OK(rl.read(rl.ctx, PS, buf, PS));
    CHECK(all_ff(buf, PS)); /* the copy is the state at the time it was taken */
    eas_posix_flash_close(&r);
    CHECK_EQ(eas_posix_flash_share(&r), EAS_ERR_STATE);
    eas_posix_flash_close(&w);

    CHECK_OK(eas_posix_flash_open_snapshot(&r, t->image, SS, SC, PS, &rl)); /* no writer at all */
    CHECK_OK(rl.read(rl.ctx, PS, buf, PS));
    CHECK_MEM(buf, b, PS);
    eas_posix_flash_close(&r);
}

TEST(posix_flash_readers_beside_a_writer) { in_flash_tmp(flash_reader_body); }

/* Reads: many small pieces of one sector cost one system call, an erased sector none. */
static void flash_read_cost_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    uint8_t data[PS], buf[32];
    memset(data, 0x42, sizeof data);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    uint64_t before = f.preads;
    for (uint32_t off = 0; off < SS * SC; off += 32) CHECK_OK(fl.read(fl.ctx, off, buf, 32));
    CHECK_EQ(f.preads, before); /* all erased: answered from RAM */
    CHECK_OK(fl.prog(fl.ctx, SS, data, PS));
    for (uint32_t off = SS; off < 2 * SS; off += 8) CHECK_OK(fl.read(fl.ctx, off, buf, 8));
    CHECK_EQ(f.preads, before + 1);
    CHECK_OK(fl.read(fl.ctx, SS, buf, PS));
    CHECK_MEM(buf, data, PS);
    CHECK_OK(fl.prog(fl.ctx, SS + PS, data, PS)); /* a cached sector follows its writes */
    CHECK_OK(fl.read(fl.ctx, SS + PS, buf, PS));
    CHECK_MEM(buf, data, PS);
    CHECK_OK(fl.erase(fl.ctx, 1));
    CHECK_OK(fl.read(fl.ctx, SS, buf, PS));
    CHECK(all_ff(buf, PS));
    /* The blank check answers from the same record: erased, programmed, erased again, and after a
     * reopen from the content. */
    int yes = -1;
    CHECK_OK(fl.erased(fl.ctx, 1, &yes));
    CHECK_EQ(yes, 1);
    CHECK_OK(fl.prog(fl.ctx, 2 * SS + PS, data, PS));
    CHECK_OK(fl.erased(fl.ctx, 2, &yes));
    CHECK_EQ(yes, 0);
    CHECK_OK(fl.erased(fl.ctx, 3, &yes));
    CHECK_EQ(yes, 1);
    CHECK_EQ(fl.erased(fl.ctx, SC, &yes), EAS_ERR_FLASH);
    eas_posix_flash_close(&f);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_OK(fl.erased(fl.ctx, 2, &yes));
    CHECK_EQ(yes, 0);
    CHECK_OK(fl.erased(fl.ctx, 1, &yes));
    CHECK_EQ(yes, 1);
    CHECK_OK(fl.erase(fl.ctx, 2));
    CHECK_OK(fl.erased(fl.ctx, 2, &yes));
    CHECK_EQ(yes, 1);
    eas_posix_flash_close(&f);
}

TEST(posix_flash_reads_without_a_system_call_per_piece) { in_flash_tmp(flash_read_cost_body); }

/* The on-disk state a power cut left with a writer that did not order its writes: the bitmap marks
 * units whose data never reached the disk (they read erased). Open repairs it instead of refusing
 * every later prog there; a bitmap written in order (with its trailer) is trusted as it is. */
static void flash_repair_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    uint8_t data[PS], buf[PS];
    memset(data, 0x77, sizeof data);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_OK(fl.prog(fl.ctx, 0, data, PS));
    eas_posix_flash_close(&f);
    /* Construct it: an old-format bitmap (no trailer) marking units 0..7, of which only unit 0 holds data. */
    FILE *m = fopen(t->map, "wb");
    CHECK(m != NULL);
    if (m) {
        fputc(0xFF, m);
        for (unsigned i = 1; i < SS * SC / PS / 8; i++) fputc(0, m);
        fclose(m);
    }
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(fl.prog(fl.ctx, 0, data, PS), EAS_ERR_FLASH); /* holds data: programmed */
    CHECK_OK(fl.prog(fl.ctx, PS, data, PS));                /* marked but erased: repaired */
    CHECK_OK(fl.prog(fl.ctx, 7 * PS, data, PS));
    CHECK_OK(fl.read(fl.ctx, 7 * PS, buf, PS));
    CHECK_MEM(buf, data, PS);
    eas_posix_flash_close(&f);
    CHECK_EQ(file_size(t->map), (long)(SS * SC / PS / 8 + 16)); /* rewritten in the ordered format */

    /* A unit holding data whose bit never reached the bitmap file is marked from its content. */
    CHECK(truncate(t->map, 0) == 0 && truncate(t->map, SS * SC / PS / 8) == 0);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(fl.prog(fl.ctx, 7 * PS, data, PS), EAS_ERR_FLASH);
    eas_posix_flash_close(&f);
}

TEST(posix_flash_repairs_a_bitmap_ahead_of_its_data) { in_flash_tmp(flash_repair_body); }

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 0777) : -1;
}

/* The state is its owner's: created 0600, and an older 0644 one is made so. */
static void flash_mode_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(mode_of(t->image), 0600);
    CHECK_EQ(mode_of(t->map), 0600);
    eas_posix_flash_close(&f);
    CHECK(chmod(t->image, 0644) == 0 && chmod(t->map, 0644) == 0);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_EQ(mode_of(t->image), 0600);
    CHECK_EQ(mode_of(t->map), 0600);
    eas_posix_flash_close(&f);
}

TEST(posix_flash_files_are_the_owners) { in_flash_tmp(flash_mode_body); }

/* ---- the lock, against a second process ---- */

static long ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000L + (t.tv_nsec - t0->tv_nsec) / 1000000L;
}

/* A process that holds a read lock (a plain POSIX record lock, as any local user could take) on the
 * image until killed. Returns its pid once the lock is held, or -1. */
static pid_t hostile_reader(const char *image)
{
    int ready[2];
    if (pipe(ready) != 0) return -1;
    pid_t pid = fork();
    if (pid == 0) {
        int fd = open(image, O_RDONLY);
        struct flock l;
        memset(&l, 0, sizeof l);
        l.l_type = F_RDLCK;
        l.l_whence = SEEK_SET;
        char ok = (fd >= 0 && fcntl(fd, F_SETLK, &l) == 0) ? 'y' : 'n';
        if (write(ready[1], &ok, 1) != 1) _exit(1);
        for (;;) pause();
    }
    close(ready[1]);
    char ok = 'n';
    if (pid < 0 || read(ready[0], &ok, 1) != 1 || ok != 'y') {
        if (pid > 0) kill(pid, SIGKILL), waitpid(pid, NULL, 0);
        pid = -1;
    }
    close(ready[0]);
    return pid;
}

/* Runs open as a writer in a second process: its result. */
static eas_err open_in_child(const char *image, int unlink_map_first)
{
    pid_t pid = fork();
    if (pid == 0) {
        char map[320];
        snprintf(map, sizeof map, "%s.prog", image);
        if (unlink_map_first) unlink(map);
        eas_posix_flash g;
        eas_flash gl;
        eas_err e = eas_posix_flash_open(&g, image, SS, SC, PS, &gl);
        if (e == EAS_OK) eas_posix_flash_close(&g);
        _exit(e == EAS_OK ? 0 : e == EAS_ERR_FLASH_BUSY ? 1 : 2);
    }
    int st = 0;
    if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st)) return EAS_ERR_STATE;
    return WEXITSTATUS(st) == 0 ? EAS_OK : WEXITSTATUS(st) == 1 ? EAS_ERR_FLASH_BUSY : EAS_ERR_FLASH;
}

static void flash_lock_body(flash_tmp *t)
{
    eas_posix_flash f;
    eas_flash fl;
    uint8_t data[PS];
    memset(data, 0x5C, sizeof data);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    /* A second writer is refused, also after the bitmap file was deleted under the first. */
    CHECK_EQ(open_in_child(t->image, 0), EAS_ERR_FLASH_BUSY);
    CHECK_EQ(open_in_child(t->image, 1), EAS_ERR_FLASH_BUSY);
    CHECK_OK(fl.prog(fl.ctx, 0, data, PS));

    /* A reader that keeps its lock stalls the writer for a bounded time only. */
    CHECK_OK(eas_posix_flash_share(&f));
    pid_t r = hostile_reader(t->image);
    CHECK(r > 0);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    eas_err e = eas_posix_flash_own(&f);
    long waited = ms_since(&t0);
    kill(r, SIGKILL);
    waitpid(r, NULL, 0);
    CHECK_EQ(e, EAS_ERR_FLASH_BUSY);
    CHECK_MSG(waited >= 1000 && waited < 5000, "own() waited %ld ms", waited);
    CHECK_OK(eas_posix_flash_own(&f)); /* the reader is gone */
    CHECK_OK(fl.prog(fl.ctx, PS, data, PS));
    eas_posix_flash_close(&f);

    /* Nor can it keep a writer from starting for longer than a try. */
    r = hostile_reader(t->image);
    CHECK(r > 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    e = eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl);
    waited = ms_since(&t0);
    kill(r, SIGKILL);
    waitpid(r, NULL, 0);
    CHECK_EQ(e, EAS_ERR_FLASH_BUSY);
    CHECK_MSG(waited < 1000, "open waited %ld ms", waited);

    /* The image replaced under a writer (deleted, and a second writer made a new one): the first one
     * notices when it takes the image back, and writes no more. */
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK(unlink(t->image) == 0);
    CHECK_OK(open_in_child(t->image, 0));
    CHECK_OK(eas_posix_flash_share(&f));
    CHECK_EQ(eas_posix_flash_own(&f), EAS_ERR_FLASH);
    CHECK_EQ(fl.prog(fl.ctx, 2 * PS, data, PS), EAS_ERR_FLASH);
    eas_posix_flash_close(&f);
    CHECK_OK(eas_posix_flash_open(&f, t->image, SS, SC, PS, &fl));
    CHECK_OK(fl.prog(fl.ctx, 0, data, PS)); /* the new image, untouched by the old writer */
    eas_posix_flash_close(&f);
}

TEST(posix_flash_lock_against_a_second_process) { in_flash_tmp(flash_lock_body); }
