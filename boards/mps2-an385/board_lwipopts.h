/* lwIP sizes on mps2-an385 (port/lwip/include/lwipopts.h reads this first). */
#ifndef EAS_BOARD_LWIPOPTS_H
#define EAS_BOARD_LWIPOPTS_H

#define MEM_SIZE (12 * 1024)
#define PBUF_POOL_SIZE 8
#define TCP_MSS 1460

#endif
