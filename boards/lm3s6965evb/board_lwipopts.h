/* lwIP sizes on lm3s6965evb (64 KiB of RAM for everything): a small MSS keeps the pool buffers and
 * the window small; the server sends more, smaller segments. */
#ifndef EAS_BOARD_LWIPOPTS_H
#define EAS_BOARD_LWIPOPTS_H

#define MEM_SIZE (4 * 1024)
#define TCP_MSS 536
#define PBUF_POOL_SIZE 6
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (2 * TCP_MSS)
#define MEMP_NUM_TCP_SEG 8

#endif
