/* The whole POSIX PAL in one call. */
#include "eas_posix.h"

#include <string.h>

eas_err eas_posix_pal_init(eas_pal *pal, eas_posix_pal *p, const eas_posix_pal_config *cfg)
{
    if (!pal || !p || !cfg) return EAS_ERR_ARG;
    memset(pal, 0, sizeof *pal);
    memset(p, 0, sizeof *p);
    p->flash.fd = -1;
    p->flash.map_fd = -1;
    if (cfg->flash_path) {
        eas_err e = (cfg->flash_snapshot ? eas_posix_flash_open_snapshot : eas_posix_flash_open)(
            &p->flash, cfg->flash_path, cfg->sector_size, cfg->sector_count, cfg->prog_size, &pal->flash);
        if (e != EAS_OK) return e;
    }
    eas_posix_tcp_init(&p->tcp, &pal->tcp);
    eas_posix_clock_init(&pal->clock);
    eas_posix_entropy_init(&pal->entropy);
    if (cfg->log_level) eas_posix_log_init(&p->log, cfg->log_level, &pal->log);
    return EAS_OK;
}

void eas_posix_pal_deinit(eas_posix_pal *p)
{
    if (!p) return;
    eas_posix_tcp_close(&p->tcp);
    eas_posix_flash_close(&p->flash);
}
