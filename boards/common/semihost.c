/* ARM semihosting calls. See semihost.h: emulation only. */
#include "semihost.h"

#include <string.h>

enum {
    SYS_OPEN = 0x01,
    SYS_READ = 0x06,
    SYS_TIME = 0x11,
    SYS_EXIT = 0x18,
    SYS_EXIT_EXTENDED = 0x20,
};
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u

static int semihost_call(int op, void *arg)
{
    register int r0 __asm__("r0") = op;
    register void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

_Noreturn void semihost_exit(int code)
{
    uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
    semihost_call(SYS_EXIT_EXTENDED, block);
    /* An emulator without SYS_EXIT_EXTENDED: the plain exit says at least success or failure. */
    semihost_call(SYS_EXIT, (void *)(uintptr_t)(code == 0 ? ADP_STOPPED_APPLICATION_EXIT : 0x20023u));
    for (;;) __asm__ volatile("wfi");
}

int64_t semihost_time(void)
{
    int r = semihost_call(SYS_TIME, NULL);
    return r <= 0 ? -1 : (int64_t)(uint32_t)r;
}

int semihost_open_read(const char *path)
{
    uint32_t block[3] = {(uint32_t)(uintptr_t)path, 1u /* "rb" */, (uint32_t)strlen(path)};
    return semihost_call(SYS_OPEN, block);
}

int semihost_read(int handle, void *buf, size_t len)
{
    uint32_t block[3] = {(uint32_t)handle, (uint32_t)(uintptr_t)buf, (uint32_t)len};
    /* The answer is the number of bytes NOT read. */
    return semihost_call(SYS_READ, block) == 0 ? 0 : -1;
}
