/*
 * lwipopts.h of the raw-API port's host test: lwIP 2.2.1 built from source
 * with NO_SYS 1 (no threads, no sockets, no netconn), IPv4, TCP, ARP and
 * Ethernet over the Unix port's tapif, as a bare-metal firmware would have
 * it. Sized like a small target so the pbuf queue and window handling are
 * exercised, not hidden by huge pools.
 */
#ifndef BL_TEST_LWIPOPTS_H
#define BL_TEST_LWIPOPTS_H

/* Bare metal: the application calls lwIP, nothing runs behind its back. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0 /* one thread; input comes from the poll hook, not an ISR */
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_CALLBACK_API 1

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_UDP 1 /* DNS */
#define LWIP_TCP 1
#define LWIP_DHCP 0
#define LWIP_IGMP 0

/* DNS: one local name (the TLS certificate's), and a server the test's
 * NXDOMAIN responder plays, so both the synchronous and the asynchronous
 * path of dns_gethostbyname() run. */
#define LWIP_DNS 1
#define DNS_LOCAL_HOSTLIST 1
#define DNS_LOCAL_HOSTLIST_IS_DYNAMIC 0
#define DNS_LOCAL_HOSTLIST_INIT {DNS_LOCAL_HOSTLIST_ELEM("banklink-mock.test", IPADDR4_INIT_BYTES(198, 18, 0, 1))}

/* TCP: full-size Ethernet segments, a window of 4 segments. */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN 16
#define MEMP_NUM_TCP_SEG 32
/* The client, the test's control connections, and pcbs in TIME_WAIT. */
#define MEMP_NUM_TCP_PCB 8
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define TCP_LISTEN_BACKLOG 0
#define LWIP_TCP_KEEPALIVE 0

/* Memory: one window of pool pbufs plus room for frames in flight. */
#define MEM_ALIGNMENT 8
#define MEM_SIZE (32 * 1024)
#define PBUF_POOL_SIZE 16
#define MEMP_NUM_PBUF 16
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)

/* Statistics: the test checks that every pool pbuf comes back. */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 1
#define MEMP_STATS 1

#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_HAVE_LOOPIF 0

#endif /* BL_TEST_LWIPOPTS_H */
