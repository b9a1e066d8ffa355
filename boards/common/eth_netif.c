#include "eth_netif.h"

#include "lwip/etharp.h"
#include "netif/ethernet.h"

void eth_netif_fill(struct netif *netif, uint32_t addr_lo, uint32_t addr_hi, netif_linkoutput_fn linkoutput)
{
    netif->hwaddr_len = ETH_HWADDR_LEN;
    for (int i = 0; i < 4; i++) netif->hwaddr[i] = (u8_t)(addr_lo >> (8 * i));
    netif->hwaddr[4] = (u8_t)addr_hi;
    netif->hwaddr[5] = (u8_t)(addr_hi >> 8);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->output = etharp_output;
    netif->linkoutput = linkoutput;
}
