/* What every Ethernet driver here tells lwIP the same way. */
#ifndef EAS_BOARD_ETH_NETIF_H
#define EAS_BOARD_ETH_NETIF_H

#include <stdint.h>

#include "lwip/netif.h"

/* Fills netif for a 1500-byte Ethernet MAC: the address from the MAC's two address registers (lo holds
 * bytes 0-3, hi bytes 4-5, least significant first), ARP and broadcast, link up, name "en", IPv4 output
 * through etharp and frames out through linkoutput. */
void eth_netif_fill(struct netif *netif, uint32_t addr_lo, uint32_t addr_hi, netif_linkoutput_fn linkoutput);

#endif
