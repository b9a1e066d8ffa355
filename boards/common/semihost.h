/* ARM semihosting (BKPT 0xAB on M-profile): the emulator's host services. Only for emulated boards: on
 * real hardware without a debugger attached, BKPT faults. QEMU needs -semihosting-config enable=on. */
#ifndef EAS_SEMIHOST_H
#define EAS_SEMIHOST_H

#include <stddef.h>
#include <stdint.h>

/* Ends the emulation with this exit status (SYS_EXIT_EXTENDED: any code, not only 0/1). */
_Noreturn void semihost_exit(int code);
/* Host wall-clock seconds since 1970 (SYS_TIME), or -1 when the call fails. */
int64_t semihost_time(void);
/* Opens a host file read-only in binary mode: a handle >= 0, or -1. */
int semihost_open_read(const char *path);
/* Reads exactly len bytes; 0 on success, -1 when fewer came. */
int semihost_read(int handle, void *buf, size_t len);

#endif
