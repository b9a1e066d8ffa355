/* The LM3S6965's Ethernet MAC (0x40048000, interrupt 42) feeding lwIP.
 *
 * Receive is interrupt-driven as on mps2-an385: the RX interrupt wakes the CPU from WFI and notes that
 * frames wait, board_netif_poll() moves them from the MAC's FIFO into pbufs for lwIP. In the FIFO a
 * received frame starts with a 16-bit length (the length field, the frame and its FCS); a frame to
 * send starts with a 16-bit length of its payload (the frame less its 14-byte header), and goes when
 * the transmit request bit is set. Stellaris LM3S6965 datasheet, "Ethernet Controller". */
#include <string.h>

#include "board.h"
#include "cortex_m.h"
#include "eth_netif.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define MAC_BASE 0x40048000u
#define MAC_IRQ 42u
#define MAC(off) CM_REG(MAC_BASE + (off))
#define MACRIS MAC(0x00u) /* read: raw interrupt status; write: acknowledge (MACIACK) */
#define MACIM MAC(0x04u)
#define MACRCTL MAC(0x08u)
#define MACTCTL MAC(0x0Cu)
#define MACDATA MAC(0x10u)
#define MACIA0 MAC(0x14u)
#define MACIA1 MAC(0x18u)
#define MACTHR MAC(0x1Cu)
#define MACNP MAC(0x34u)
#define MACTR MAC(0x38u)

#define INT_RX 0x01u
#define RCTL_RXEN 0x01u
#define RCTL_BADCRC 0x08u
#define RCTL_RSTFIFO 0x10u
#define TCTL_TXEN 0x01u
#define TCTL_PADEN 0x02u
#define TCTL_CRC 0x04u
#define TCTL_DUPLEX 0x10u
#define TR_NEWTX 0x01u

#define FRAME_MAX 1536u

static volatile uint8_t rx_pending;
static uint32_t frame[(FRAME_MAX + 8u) / 4u];
static uint32_t rx_dropped, tx_dropped;

void Eth_Handler(void);
void Eth_Handler(void)
{
    uint32_t ris = MACRIS;
    MACRIS = ris; /* acknowledge; frames stay in the FIFO for the main loop */
    if (ris & INT_RX) rx_pending = 1;
}

static err_t mac_output(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    uint32_t len = p->tot_len;
    if (len < 14u || len > FRAME_MAX - 4u) {
        tx_dropped++;
        return ERR_BUF;
    }
    /* The previous frame must have left: NEWTX clears when it has. */
    for (uint32_t spin = 0; MACTR & TR_NEWTX; spin++)
        if (spin > 100000u) {
            tx_dropped++;
            return ERR_IF;
        }
    /* Laid out as the FIFO wants it: 2 bytes of payload length, then the frame. */
    uint8_t *b = (uint8_t *)frame;
    b[0] = (uint8_t)(len - 14u);
    b[1] = (uint8_t)((len - 14u) >> 8);
    pbuf_copy_partial(p, b + 2, (u16_t)len, 0);
    uint32_t words = (len + 2u + 3u) / 4u;
    memset(b + 2 + len, 0, words * 4u - (len + 2u));
    for (uint32_t i = 0; i < words; i++) MACDATA = frame[i];
    MACTR = TR_NEWTX;
    return ERR_OK;
}

unsigned board_netif_poll(struct netif *netif)
{
    unsigned delivered = 0;
    if (!rx_pending && MACNP == 0) return 0;
    rx_pending = 0;
    for (unsigned n = 0; n < 16u && MACNP != 0; n++) {
        uint32_t first = MACDATA;
        uint32_t total = first & 0xffffu; /* length field + frame + FCS */
        uint32_t words = (total + 3u) / 4u;
        if (total < 6u + 14u || total > FRAME_MAX + 6u) {
            /* Nonsense length: the FIFO is out of step; start it afresh. */
            MACRCTL = RCTL_RXEN | RCTL_BADCRC | RCTL_RSTFIFO;
            MACRCTL = RCTL_RXEN | RCTL_BADCRC;
            rx_dropped++;
            break;
        }
        frame[0] = first;
        for (uint32_t i = 1; i < words; i++) frame[i] = MACDATA;
        uint32_t len = total - 6u;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
        if (!p) {
            rx_dropped++;
            continue;
        }
        pbuf_take(p, (const uint8_t *)frame + 2, (u16_t)len);
        if (netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
            rx_dropped++;
            continue;
        }
        delivered++;
    }
    return delivered;
}

err_t board_netif_init(struct netif *netif)
{
    uint32_t ia0 = MACIA0, ia1 = MACIA1;
    eth_netif_fill(netif, ia0, ia1, mac_output);

    MACIM = 0;
    MACRIS = 0xffu;
    MACTHR = 0x3fu; /* send on the transmit request, not at a FIFO threshold */
    MACTCTL = TCTL_TXEN | TCTL_PADEN | TCTL_CRC | TCTL_DUPLEX;
    MACRCTL = RCTL_RXEN | RCTL_BADCRC | RCTL_RSTFIFO;
    MACRCTL = RCTL_RXEN | RCTL_BADCRC;
    MACIM = INT_RX;
    cm_enable_irq(MAC_IRQ);
    return ERR_OK;
}
