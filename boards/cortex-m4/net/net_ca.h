/*
 * The root certificate built into the image: the test PKI's ca.pem, turned
 * into bl_net_ca.c in the build folder by embed_ca.cmake (never committed).
 */
#ifndef BL_NET_CA_H
#define BL_NET_CA_H

/** PEM text of the trust anchor, NUL included (mbedTLS parses PEM as a string). */
extern const unsigned char bl_net_ca_pem[];
/** Bytes of bl_net_ca_pem, the NUL counted. */
extern const unsigned int bl_net_ca_pem_len;

#endif /* BL_NET_CA_H */
