/* SMSC LAN9118 Ethernet controller (MPS2 AN385: 0x40200000, interrupt 13) feeding lwIP.
 *
 * Receive is interrupt-driven: the RX-status-FIFO-level interrupt wakes the CPU from WFI and notes that
 * frames wait; board_netif_poll(), called from the main loop, moves them out of the controller's FIFO
 * into pbufs and hands them to lwIP (lwIP runs NO_SYS and is never entered from an interrupt).
 * Transmit is polled: a frame is written whole into the TX data FIFO when it has room.
 * Register map: SMSC LAN9118 datasheet, section 5 (system control and status registers) and 6.2 (MAC). */
#include <string.h>

#include "board.h"
#include "cortex_m.h"
#include "eth_netif.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define LAN_BASE 0x40200000u
#define LAN_IRQ 13u
#define LAN(off) CM_REG(LAN_BASE + (off))
#define RX_DATA_FIFO LAN(0x00u)
#define TX_DATA_FIFO LAN(0x20u)
#define RX_STATUS_FIFO LAN(0x40u)
#define TX_STATUS_FIFO LAN(0x48u)
#define ID_REV LAN(0x50u)
#define IRQ_CFG LAN(0x54u)
#define INT_STS LAN(0x58u)
#define INT_EN LAN(0x5Cu)
#define BYTE_TEST LAN(0x64u)
#define FIFO_INT LAN(0x68u)
#define RX_CFG LAN(0x6Cu)
#define TX_CFG LAN(0x70u)
#define HW_CFG LAN(0x74u)
#define RX_FIFO_INF LAN(0x7Cu)
#define TX_FIFO_INF LAN(0x80u)
#define MAC_CSR_CMD LAN(0xA4u)
#define MAC_CSR_DATA LAN(0xA8u)

#define IRQ_CFG_EN 0x100u
#define IRQ_CFG_POL_HIGH 0x10u
#define IRQ_CFG_PUSH_PULL 0x1u
#define INT_RSFL 0x8u /* RX status FIFO above its level */
#define HW_CFG_SRST 0x1u
#define TX_CFG_TX_ON 0x2u
#define MAC_CSR_BUSY 0x80000000u
#define MAC_CSR_READ 0x40000000u
#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_CR_TXEN 0x8u
#define MAC_CR_RXEN 0x4u
#define MAC_CR_FDPX 0x100000u
#define TXA_FIRST 0x2000u
#define TXA_LAST 0x1000u
#define RXS_ERROR 0x8000u
#define BYTE_TEST_VALUE 0x87654321u

#define FRAME_MAX 1536u /* Ethernet frame with FCS, rounded */

static volatile uint8_t rx_pending;
static uint32_t frame[FRAME_MAX / 4u]; /* bounce buffer: the FIFOs move 32-bit words */
static uint32_t rx_dropped, tx_dropped;

void Eth_Handler(void);
void Eth_Handler(void)
{
    uint32_t sts = INT_STS;
    INT_STS = sts; /* acknowledge; the frames stay in the FIFO for the main loop */
    if (sts & INT_RSFL) rx_pending = 1;
}

static int mac_wait(void)
{
    for (uint32_t i = 0; i < 100000u; i++)
        if (!(MAC_CSR_CMD & MAC_CSR_BUSY)) return 0;
    return -1;
}

static uint32_t mac_read(uint32_t reg)
{
    if (mac_wait()) return 0;
    MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | reg;
    if (mac_wait()) return 0;
    return MAC_CSR_DATA;
}

static void mac_write(uint32_t reg, uint32_t val)
{
    if (mac_wait()) return;
    MAC_CSR_DATA = val;
    MAC_CSR_CMD = MAC_CSR_BUSY | reg;
    (void)mac_wait();
}

static err_t lan_output(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    uint32_t len = p->tot_len;
    if (len > FRAME_MAX - 4u) {
        tx_dropped++;
        return ERR_BUF;
    }
    /* Room for the two command words and the data, in bytes (TDFREE). Bounded wait: the emulated FIFO
     * drains at once, a real one within a frame time. */
    uint32_t words = (len + 3u) / 4u;
    for (uint32_t spin = 0; (TX_FIFO_INF & 0xffffu) < words * 4u + 8u; spin++)
        if (spin > 100000u) {
            tx_dropped++;
            return ERR_IF;
        }
    frame[words - 1u] = 0;
    pbuf_copy_partial(p, frame, (u16_t)len, 0);
    TX_DATA_FIFO = TXA_FIRST | TXA_LAST | len;
    TX_DATA_FIFO = (len << 16) | len; /* packet tag (the length), packet length */
    for (uint32_t i = 0; i < words; i++) TX_DATA_FIFO = frame[i];
    /* Nothing reads the transmit statuses: drop them so that their FIFO never fills. */
    for (uint32_t n = (TX_FIFO_INF >> 16) & 0xffu; n > 0; n--) (void)TX_STATUS_FIFO;
    return ERR_OK;
}

unsigned board_netif_poll(struct netif *netif)
{
    unsigned delivered = 0;
    if (!rx_pending && ((RX_FIFO_INF >> 16) & 0xffu) == 0) return 0;
    rx_pending = 0;
    /* At most a pool's worth per call, so that timers and the core get their turn. */
    for (unsigned n = 0; n < 16u && ((RX_FIFO_INF >> 16) & 0xffu) != 0; n++) {
        uint32_t status = RX_STATUS_FIFO;
        uint32_t len = (status >> 16) & 0x3fffu; /* frame with its 4-byte FCS */
        uint32_t words = (len + 3u) / 4u;
        if ((status & RXS_ERROR) || len < 18u || len > FRAME_MAX) {
            for (uint32_t i = 0; i < words; i++) (void)RX_DATA_FIFO;
            rx_dropped++;
            continue;
        }
        for (uint32_t i = 0; i < words; i++) frame[i] = RX_DATA_FIFO;
        struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)(len - 4u), PBUF_POOL);
        if (!p) {
            rx_dropped++; /* pool exhausted: TCP resends, DHCP and ARP retry */
            continue;
        }
        pbuf_take(p, frame, (u16_t)(len - 4u));
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
    if (BYTE_TEST != BYTE_TEST_VALUE) return ERR_IF; /* no controller, or the bus is byte-swapped */
    if ((ID_REV >> 16) != 0x0118u) return ERR_IF;
    HW_CFG = HW_CFG_SRST;
    for (uint32_t spin = 0; HW_CFG & HW_CFG_SRST; spin++)
        if (spin > 100000u) return ERR_IF;

    uint32_t lo = mac_read(MAC_ADDRL), hi = mac_read(MAC_ADDRH);
    eth_netif_fill(netif, lo, hi, lan_output);

    /* Unicast to our address and broadcast; full duplex; transmitter and receiver on. */
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | MAC_CR_FDPX);
    TX_CFG = TX_CFG_TX_ON;
    RX_CFG = 0;     /* no offset, no end padding */
    FIFO_INT = 0;   /* interrupt as soon as one receive status waits */
    INT_STS = 0xffffffffu;
    INT_EN = INT_RSFL;
    IRQ_CFG = IRQ_CFG_EN | IRQ_CFG_POL_HIGH | IRQ_CFG_PUSH_PULL;
    cm_enable_irq(LAN_IRQ);
    return ERR_OK;
}
