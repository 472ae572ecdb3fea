/*
 * lwIP options for the Cortex-M4 example: lwIP 2.1 on an RTOS (NO_SYS 0)
 * with the socket API, as banklink's lwIP port needs (port/lwip/README.md).
 * Sized for a part with 64 KiB of RAM: one or two TLS connections.
 *
 * The #ifndef lines let the board build compile the port against other
 * variants of this file (select instead of poll, no DNS, IPv6) too.
 */
#ifndef BL_BOARD_LWIPOPTS_H
#define BL_BOARD_LWIPOPTS_H

/* ---- what banklink's port requires ---- */
#define NO_SYS                      0   /* sockets need the tcpip thread */
#define LWIP_SOCKET                 1
#define LWIP_NETCONN                1   /* the socket API sits on netconn */
#define LWIP_TCP                    1
#ifndef LWIP_SOCKET_POLL
#define LWIP_SOCKET_POLL            1   /* lwip_poll() waits for the deadlines... */
#endif
#ifndef LWIP_SOCKET_SELECT
#define LWIP_SOCKET_SELECT          1   /* ...or lwip_select() when poll is off */
#endif
#ifndef LWIP_DNS
#define LWIP_DNS                    1   /* host names through lwip_getaddrinfo() */
#endif
#define LWIP_COMPAT_SOCKETS         0   /* the port calls lwip_* names only */
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_SOCKET_SET_ERRNO       1   /* raw_error() reports errno */
#define LWIP_SO_RCVTIMEO            0   /* not needed: deadlines use poll/select */
#define LWIP_SO_SNDTIMEO            0

/* ---- protocols ---- */
#ifndef LWIP_IPV4
#define LWIP_IPV4                   1
#endif
#ifndef LWIP_IPV6
#define LWIP_IPV6                   0
#endif
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_UDP                    1   /* DNS and DHCP */
#define LWIP_DHCP                   1
#define LWIP_RAW                    0
#define LWIP_IGMP                   0

/* ---- memory (64 KiB part; banklink's own buffers are the application's) ---- */
#define MEM_ALIGNMENT               4
#define MEM_SIZE                    (10 * 1024)
#define MEMP_NUM_NETCONN            4
#define MEMP_NUM_TCP_PCB            4
#define MEMP_NUM_TCP_SEG            16
#define PBUF_POOL_SIZE              8
#define TCP_MSS                     1460
#define TCP_WND                     (2 * TCP_MSS)
#define TCP_SND_BUF                 (2 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF) / TCP_MSS)

/* ---- threads (sizes in bytes for the RTOS port) ---- */
#define LWIP_TCPIP_CORE_LOCKING     1
#define SYS_LIGHTWEIGHT_PROT        1
#define TCPIP_THREAD_STACKSIZE      1024
#define TCPIP_THREAD_PRIO           3
#define TCPIP_MBOX_SIZE             8
#define DEFAULT_TCP_RECVMBOX_SIZE   8
#define DEFAULT_UDP_RECVMBOX_SIZE   4
#define DEFAULT_ACCEPTMBOX_SIZE     4
#define DEFAULT_THREAD_STACKSIZE    1024

#define LWIP_STATS                  0
#define LWIP_NETIF_API              0

#endif /* BL_BOARD_LWIPOPTS_H */
