/* lwIP 2.1 options for easagent's port: raw API, NO_SYS=1 (a superloop or one RTOS task owns lwIP),
 * IPv4 with DHCP, DNS (with a static host table in front) and SNTP, TCP for the one ActiveSync
 * connection. Every pool is static: lwIP's heap (MEM_SIZE) and pools are arrays in .bss, never malloc.
 *
 * A board sets its sizes in board_lwipopts.h (included first; anything it leaves undefined gets the
 * default below). */
#ifndef EAS_LWIPOPTS_H
#define EAS_LWIPOPTS_H

#include "board_lwipopts.h"

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* lwIP is never entered from an interrupt: the drivers only flag */
#define LWIP_TIMERS 1
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_RAW 0
#define LWIP_ALTCP 0 /* TLS is ours (platform/tls_mbedtls.c), over eas_transport, verification required */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_IGMP 0
#define LWIP_AUTOIP 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
#define LWIP_DNS 1
#define LWIP_SINGLE_NETIF 1
#define LWIP_NETIF_HOSTNAME 1
#define LWIP_STATS 0
#define LWIP_STATS_DISPLAY 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_CHECKSUM_CTRL_PER_NETIF 0
#define IP_REASSEMBLY 0 /* nothing we receive is fragmented by design: TCP with MSS, small UDP */
#define IP_FRAG 0
#define ETH_PAD_SIZE 0

/* ---- memory: static ---- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 4
#ifndef MEM_SIZE
#define MEM_SIZE (16 * 1024) /* outgoing TCP data (TCP_WRITE_FLAG_COPY) and DHCP/DNS/SNTP messages */
#endif
#ifndef PBUF_POOL_SIZE
#define PBUF_POOL_SIZE 8 /* received frames: the TCP window plus a few in flight */
#endif
#define MEMP_NUM_TCP_PCB 2
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_UDP_PCB 3 /* DHCP, DNS, SNTP */
#ifndef MEMP_NUM_TCP_SEG
#define MEMP_NUM_TCP_SEG 16
#endif
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2) /* + SNTP (an app lwIP does not count) */
#define MEMP_NUM_REASSDATA 0
#define MEMP_NUM_FRAG_PBUF 0
#define MEMP_NUM_ARP_QUEUE 4
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 1

/* ---- TCP ---- */
#ifndef TCP_MSS
#define TCP_MSS 1460
#endif
/* The window is the receive back-pressure: bytes wait in the port's pbuf queue until the core reads
 * them, and only then is the window reopened (tcp_recved). */
#ifndef TCP_WND
#define TCP_WND (4 * TCP_MSS)
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF (2 * TCP_MSS)
#endif
#define TCP_SND_QUEUELEN ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define LWIP_TCP_KEEPALIVE 0
#define TCP_QUEUE_OOSEQ 0 /* an out-of-order segment is dropped and resent: no pool held for it */
#define LWIP_WND_SCALE 0

/* ---- DHCP, DNS, SNTP ---- */
#define LWIP_DHCP_CHECK_LINK_UP 1
#define DNS_TABLE_SIZE 2
#define DNS_MAX_NAME_LENGTH 128
#define DNS_MAX_SERVERS 2
/* Static names (the test maps eas.test to the emulator's host): looked up before any DNS query. */
#define DNS_LOCAL_HOSTLIST 1
#define DNS_LOCAL_HOSTLIST_IS_DYNAMIC 1
#define MEMP_NUM_LOCALHOSTLIST 4
#define DNS_LOCAL_HOSTLIST_MAX_NAMELEN 64
#define SNTP_SERVER_DNS 1
#define SNTP_MAX_SERVERS 1
#define LWIP_DHCP_GET_NTP_SRV 1 /* an NTP server offered by DHCP (option 42) is used */
#define SNTP_GET_SERVERS_FROM_DHCP 1
#define LWIP_DHCP_MAX_NTP_SERVERS 1
#define SNTP_STARTUP_DELAY 0
#define SNTP_UPDATE_DELAY (3600u * 1000u)
#define SNTP_SET_SYSTEM_TIME(sec) eas_lwip_sntp_set_time(sec)

/* ---- platform hooks ---- */
#define LWIP_RAND() eas_lwip_rand()
#define LWIP_CHKSUM_ALGORITHM 3
#define LWIP_NOASSERT_ON_ERROR 0

#if !defined(__ASSEMBLER__)
#include <stdint.h>
/* port/lwip/lwip_net.c */
uint32_t eas_lwip_rand(void);
void eas_lwip_sntp_set_time(uint32_t sec);
#endif

#endif
