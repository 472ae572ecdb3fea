/*
 * mbedTLS build options for the Pico W example (pico_mbedtls reads this file
 * through MBEDTLS_CONFIG_FILE): a TLS 1.2 client with ECDHE, AES-GCM,
 * ECDSA and RSA certificates, SNI, session tickets. Written for the mbedTLS
 * 3.x that Pico SDK 2.x ships; with mbedTLS 2.28 (SDK 1.5) add
 * #include "mbedtls/check_config.h" at the end.
 *
 * MBEDTLS_HAVE_TIME_DATE is left out: the Pico has no calendar clock until
 * the application sets one (SNTP), and with it mbedTLS would refuse every
 * certificate as "not yet valid". Turn it on once the clock is set, so that
 * expiry is checked too.
 */
#ifndef BL_PICOW_MBEDTLS_CONFIG_H
#define BL_PICOW_MBEDTLS_CONFIG_H

/* Platform: entropy from the RP2040's ROSC via pico_mbedtls. */
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_CTR_DRBG_C

/* Crypto */
#define MBEDTLS_AES_C
#define MBEDTLS_GCM_C
#define MBEDTLS_CIPHER_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA224_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21

/* Certificates */
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_OID_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_BASE64_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* TLS */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_SESSION_TICKETS
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
#define MBEDTLS_ERROR_C

/* Record buffers: 16 KiB in (a server may send full records), 4 KiB out. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif /* BL_PICOW_MBEDTLS_CONFIG_H */
