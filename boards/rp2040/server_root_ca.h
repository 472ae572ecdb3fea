/*
 * The root CA certificate of your API host, PEM, as one C string (keep the
 * \n line ends). Get it with
 *   openssl s_client -connect app.herondata.io:443 -showcerts </dev/null
 * (the last certificate of the chain, or its issuer from your OS store).
 * Left empty, bl_mbedtls_init() refuses to start (BL_ERR_INVALID_ARG).
 */
#ifndef SERVER_ROOT_CA_H
#define SERVER_ROOT_CA_H

#define SERVER_ROOT_CA_PEM ""

#endif /* SERVER_ROOT_CA_H */
