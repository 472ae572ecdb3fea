/*
 * mbedTLS 3.6 configuration of the network firmware (MBEDTLS_CONFIG_FILE):
 * a TLS 1.2 client that verifies X.509 chains, with everything it needs and
 * nothing else, and all memory from an arena the application owns.
 *
 * Why TLS 1.2 only for now: a TLS 1.2 session-ticket resumption is an
 * abbreviated handshake that skips the certificate exchange AND the ECDHE
 * key exchange, which is what the "resumed handshake >= 10x cheaper" target
 * measures; a TLS 1.3 resumption (psk_dhe_ke, what servers offer) still
 * runs ECDHE, and 1.3 in 3.6 also needs PSA crypto. TLS 1.3 on the board is
 * a later issue.
 *
 * Record buffers: MBEDTLS_SSL_IN_CONTENT_LEN / _OUT_CONTENT_LEN come from the
 * build (16384/4096 for banklink_net_16k, 4096/4096 + MFL for _4k); the
 * defaults below are the 16k image's.
 */
#ifndef BL_NET_MBEDTLS_CONFIG_H
#define BL_NET_MBEDTLS_CONFIG_H

/* ---- platform: no heap, no file system, no sockets, time from the board ---- */
#define MBEDTLS_HAVE_ASM              /* bignum inner loops in Thumb-2 assembly */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE        /* certificate validity */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY       /* calloc/free = the arena's */
#define MBEDTLS_PLATFORM_NO_STD_FUNCTIONS /* never libc's calloc/free/printf */
#define MBEDTLS_PLATFORM_TIME_ALT     /* mbedtls_platform_set_time(): net_board.c */
#define MBEDTLS_PLATFORM_MS_TIME_ALT  /* mbedtls_ms_time(): net_board.c */
#define MBEDTLS_PLATFORM_GMTIME_R_ALT /* mbedtls_platform_gmtime_r(): newlib's gmtime_r (gmtime() may allocate) */
/* Output and exit only appear in self-tests and MEMORY_DEBUG reports: route
 * them to the board (net_board.c) so that newlib's stdio (which allocates)
 * never links. */
#define MBEDTLS_PLATFORM_FPRINTF_MACRO  bl_board_mbedtls_fprintf
#define MBEDTLS_PLATFORM_PRINTF_MACRO   bl_board_mbedtls_printf
#define MBEDTLS_PLATFORM_SNPRINTF_MACRO bl_board_mbedtls_snprintf
#define MBEDTLS_PLATFORM_EXIT_MACRO     bl_board_mbedtls_exit
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C   /* the arena: bl_mbedtls_arena_init() */
#define MBEDTLS_MEMORY_DEBUG            /* high-water figures (max_get/max_reset) */
#define MBEDTLS_DEPRECATED_REMOVED

/* ---- entropy: the board's hook only ---- */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT    /* mbedtls_hardware_poll(): net_entropy.c */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* ---- symmetric crypto and hashes ---- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES          /* 8 KiB of tables in flash, not RAM */
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C                /* mbedTLS builds SHA-224 and -256 together */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C

/* ---- public key: P-256 (and P-384) ECDHE/ECDSA, RSA verify ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_WINDOW_SIZE 2       /* smaller precomputation tables in the arena */
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0 /* no per-curve tables in RAM */
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_MPI_MAX_SIZE 512        /* RSA up to 4096 bits */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C            /* ECDSA needs it */
#define MBEDTLS_OID_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C             /* the built-in CA is PEM */

/* ---- X.509 ---- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_X509_RSASSA_PSS_SUPPORT
#define MBEDTLS_X509_REMOVE_INFO        /* no text dumps of certificates */

/* ---- TLS: 1.2 client ---- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_ALL_ALERT_MESSAGES
/* MBEDTLS_SSL_KEEP_PEER_CERTIFICATE stays off: the chain is freed after the
 * handshake (a digest is kept), which the port does not need. */

#ifndef MBEDTLS_SSL_IN_CONTENT_LEN
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#endif
#ifndef MBEDTLS_SSL_OUT_CONTENT_LEN
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096
#endif

/* The board functions the macros above name (net_board.c). stdio.h only
 * declares FILE and stderr here (memory_buffer_alloc.c names it); none of
 * newlib's stdio functions is called. */
#include <stddef.h>
#include <stdio.h>
int bl_board_mbedtls_fprintf(FILE *stream, const char *fmt, ...);
int bl_board_mbedtls_printf(const char *fmt, ...);
int bl_board_mbedtls_snprintf(char *buf, size_t size, const char *fmt, ...);
void bl_board_mbedtls_exit(int status);

#endif /* BL_NET_MBEDTLS_CONFIG_H */
