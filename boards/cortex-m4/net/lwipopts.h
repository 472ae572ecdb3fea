/*
 * lwIP 2.2 options of the network firmware (mps2-an386 under QEMU): bare
 * metal, NO_SYS 1, the raw TCP API only, lwIP's slipif over UART0, IPv4 with
 * a numeric server address (no DNS server on the SLIP link).
 *
 * Sizing: banklink's calls are one request and one answer of a few KiB,
 * carried in TLS records of up to 16 KiB (4 KiB with MFL). The receive
 * window is four segments: enough to keep the link busy while mbedTLS reads
 * a record, and PBUF_POOL holds the whole window plus slack, so a full
 * window never makes slipif drop a frame. The send buffer holds one 4 KiB
 * TLS record plus its header in flight.
 */
#ifndef BL_NET_LWIPOPTS_H
#define BL_NET_LWIPOPTS_H

/* ---- system: no OS, one thread, nothing runs from interrupts ---- */
#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0   /* the UART ISR touches only its own ring */
#define LWIP_NETCONN                0
#define LWIP_SOCKET                 0
#define LWIP_NETIF_API              0
#define LWIP_TIMERS                 1   /* sys_check_timeouts() from the poll hook */

/* ---- protocols ---- */
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    0   /* SLIP: point to point, no link layer */
#define LWIP_ETHERNET               0
#define LWIP_ICMP                   1   /* answers ping: the bring-up check */
#define LWIP_RAW                    0
#define LWIP_UDP                    0
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0   /* numeric address on the link */
#define LWIP_TCP                    1
#define LWIP_CALLBACK_API           1
#define LWIP_HAVE_SLIPIF            1
#define SLIP_USE_RX_THREAD          0   /* slipif_poll() from the superloop */
#define SLIP_RX_FROM_ISR            0
#define IP_REASSEMBLY               0   /* the peer sends MSS-sized segments */
#define IP_FRAG                     0
#define LWIP_NETIF_LOOPBACK         0
#define LWIP_SINGLE_NETIF           1

/* ---- checksums: computed and checked in software (SLIP has no offload) ---- */
#define CHECKSUM_GEN_IP             1
#define CHECKSUM_GEN_TCP            1
#define CHECKSUM_GEN_ICMP           1
#define CHECKSUM_CHECK_IP           1
#define CHECKSUM_CHECK_TCP          1
#define CHECKSUM_CHECK_ICMP         1

/* ---- TCP ---- */
#define TCP_MSS                     1460
#define TCP_WND                     (4 * TCP_MSS)
#define TCP_SND_BUF                 (4 * TCP_MSS)
#define TCP_SND_QUEUELEN            (2 * TCP_SND_BUF / TCP_MSS + 2)
#define TCP_QUEUE_OOSEQ             1
#define LWIP_TCP_SACK_OUT           0
#define LWIP_WND_SCALE              0

/* ---- memory ---- */
#define MEM_ALIGNMENT               4
/* tcp_write() copies into PBUF_RAM segments from this heap: the send buffer
 * plus the slipif state and headroom. */
#define MEM_SIZE                    (TCP_SND_BUF + 2048)
#define MEMP_NUM_TCP_PCB            4   /* TIME_WAIT ones are recycled when short */
#define MEMP_NUM_TCP_PCB_LISTEN     1
#define MEMP_NUM_TCP_SEG            (TCP_SND_QUEUELEN + 4)
#define MEMP_NUM_PBUF               8
#define PBUF_POOL_SIZE              (TCP_WND / TCP_MSS + 4)
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)

/* ---- statistics: the high-water marks the firmware prints ---- */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          1   /* pools carry their names (only the names are used) */
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define TCP_STATS                   1
#define LINK_STATS                  1
#define IP_STATS                    0
#define ICMP_STATS                  0
#define SYS_STATS                   0

#define LWIP_NOASSERT_ON_ERROR      0

#endif /* BL_NET_LWIPOPTS_H */
