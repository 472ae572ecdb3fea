/*
 * Entropy of the network firmware.
 *
 * !!! TEST ONLY !!! Under QEMU there is no TRNG: the host harness draws a
 * fresh 32-byte seed per run (os.urandom) and hands it over on the
 * semihosting command line as seed=<64 hex digits>; mbedtls_hardware_poll()
 * expands it with SHA-256 in counter mode. Anyone who can read the command
 * line knows every key this firmware makes. A real board's
 * mbedtls_hardware_poll() returns bytes of the part's TRNG (STM32 RNG,
 * RP2040 ROSC/RP2350 TRNG, ESP32 RNG, ...) and nothing else.
 */
#include <string.h>

#include "board.h"
#include "net.h"

#include "mbedtls/entropy.h"
#include "mbedtls/sha256.h"

#include "arch/cc.h"

#define SEED_LEN 32u

static uint8_t seed[SEED_LEN];
static bool seeded;
static uint32_t counter;

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

bool bl_net_entropy_init(void)
{
    static char cmdline[256];
    if (!bl_board_cmdline(cmdline, sizeof cmdline)) {
        return false;
    }
    const char *p = strstr(cmdline, "seed=");
    if (p == NULL) {
        return false;
    }
    p += 5;
    for (size_t i = 0; i < SEED_LEN; i++) {
        int hi = hex_value(p[2u * i]);
        int lo = hi < 0 ? -1 : hex_value(p[2u * i + 1u]);
        if (lo < 0) {
            return false;
        }
        seed[i] = (uint8_t)((hi << 4) | lo);
    }
    char end = p[2u * SEED_LEN];
    seeded = end == '\0' || end == ' ';
    return seeded;
}

void bl_net_entropy_fill(uint8_t *out, size_t len)
{
    /* block_i = SHA-256(seed || counter_i), counter never repeats. */
    uint8_t in[SEED_LEN + 4u];
    uint8_t block[32];
    memcpy(in, seed, SEED_LEN);
    while (len > 0u) {
        uint32_t c = counter++;
        in[SEED_LEN] = (uint8_t)(c >> 24);
        in[SEED_LEN + 1u] = (uint8_t)(c >> 16);
        in[SEED_LEN + 2u] = (uint8_t)(c >> 8);
        in[SEED_LEN + 3u] = (uint8_t)c;
        (void)mbedtls_sha256(in, sizeof in, block, 0);
        size_t n = len < sizeof block ? len : sizeof block;
        memcpy(out, block, n);
        out += n;
        len -= n;
    }
    memset(block, 0, sizeof block);
    memset(in, 0, sizeof in);
}

/* mbedTLS's hardware entropy source (MBEDTLS_ENTROPY_HARDWARE_ALT). TEST ONLY. */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen)
{
    (void)data;
    if (!seeded) {
        *olen = 0u;
        return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED; /* fail closed: no seed, no TLS */
    }
    bl_net_entropy_fill(output, len);
    *olen = len;
    return 0;
}

/* lwIP's LWIP_RAND(): initial sequence numbers and local ports. */
uint32_t bl_board_lwip_rand(void)
{
    uint8_t b[4];
    bl_net_entropy_fill(b, sizeof b);
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
}
