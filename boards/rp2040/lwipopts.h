/*
 * lwIP options for banklink on the Pico W: the Pico SDK's lwIP with the
 * socket API on FreeRTOS (pico_cyw43_arch_lwip_sys_freertos). What the port
 * needs is listed in port/lwip/README.md.
 */
#ifndef BL_PICOW_LWIPOPTS_H
#define BL_PICOW_LWIPOPTS_H

#define NO_SYS                      0
#define LWIP_SOCKET                 1
#define LWIP_NETCONN                1
#define LWIP_SOCKET_POLL            1
#define LWIP_DNS                    1
#define LWIP_COMPAT_SOCKETS         0
#define LWIP_POSIX_SOCKETS_IO_NAMES 0
#define LWIP_TIMEVAL_PRIVATE        0   /* newlib has struct timeval */

#define LWIP_IPV4                   1
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_DHCP                   1
#define LWIP_ICMP                   1
#define LWIP_RAW                    1
#define LWIP_NETIF_HOSTNAME         1
#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_TX_SINGLE_PBUF   1   /* the CYW43 driver wants one pbuf per frame */

#define MEM_LIBC_MALLOC             0
#define MEM_ALIGNMENT               4
#define MEM_SIZE                    (16 * 1024)
#define MEMP_NUM_TCP_SEG            32
#define MEMP_NUM_NETCONN            8
#define PBUF_POOL_SIZE              24
#define TCP_MSS                     1460
#define TCP_WND                     (8 * TCP_MSS)
#define TCP_SND_BUF                 (8 * TCP_MSS)
#define TCP_SND_QUEUELEN            ((4 * TCP_SND_BUF + (TCP_MSS - 1)) / TCP_MSS)

#define TCPIP_THREAD_STACKSIZE      2048
#define TCPIP_THREAD_PRIO           8
#define TCPIP_MBOX_SIZE             8
#define DEFAULT_THREAD_STACKSIZE    1024
#define DEFAULT_TCP_RECVMBOX_SIZE   8
#define DEFAULT_UDP_RECVMBOX_SIZE   8
#define DEFAULT_RAW_RECVMBOX_SIZE   8
#define DEFAULT_ACCEPTMBOX_SIZE     8
#define LWIP_TCPIP_CORE_LOCKING_INPUT 1

#define LWIP_STATS                  0
#define LWIP_CHKSUM_ALGORITHM       3

#endif /* BL_PICOW_LWIPOPTS_H */
