/*
 * Fuzz target: the incremental HTTP/1.1 response reader.
 *
 * Input layout (the seed generator writes the same):
 *   byte 0-1  buffer capacity, little endian, modulo 8193 (0..8192 bytes)
 *   byte 2    largest piece the "transport" returns: 1 + 4 * byte
 *   byte 3    bit 0: the request was HEAD; bits 1-7 seed the piece sizes
 *   byte 4..  the response bytes, as the server sent them
 *
 * The response is read twice: in pieces of pseudo-random size (down to
 * one byte) and in pieces as large as the buffer takes. Both must end the
 * same way, with the same body and header facts. Then twice more in stream
 * mode (the caller consumes the body as it arrives: all of it, or random
 * parts): the same again, and whatever the normal reads decoded or refused
 * (other than for size), stream mode decodes or refuses the same way.
 */
#include "fuzz_http_drive.h"

#define FUZZ_HTTP_PREFIX 4u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < FUZZ_HTTP_PREFIX) {
        return 0;
    }
    size_t cap = (size_t)((unsigned)data[0] | ((unsigned)data[1] << 8)) % 8193u;
    fuzz_pieces_t small = {0x9E3779B9u ^ ((uint32_t)data[3] << 8) ^ (uint32_t)size, 1u + 4u * (size_t)data[2]};
    bool head = (data[3] & 1u) != 0u;
    fuzz_pieces_t whole = {0u, 1u};

    /* The response in its own exactly-sized block: the reader copies from
     * here, and ASan sees any read of the harness past its end. */
    size_t n = size - FUZZ_HTTP_PREFIX;
    char *in = fuzz_dup(data + FUZZ_HTTP_PREFIX, n);

    fuzz_http_result_t a;
    fuzz_http_result_t b;
    fuzz_http_read((const uint8_t *)in, n, cap, small, head, FUZZ_STREAM_OFF, &a);
    fuzz_http_read((const uint8_t *)in, n, cap, whole, head, FUZZ_STREAM_OFF, &b);
    fuzz_http_same(&a, &b);

    fuzz_http_result_t sa;
    fuzz_http_result_t sb;
    fuzz_http_read((const uint8_t *)in, n, cap, small, head, FUZZ_STREAM_RANDOM, &sa);
    fuzz_http_read((const uint8_t *)in, n, cap, whole, head, FUZZ_STREAM_ALL, &sb);
    fuzz_http_same(&sa, &sb);
    if (a.status != BL_ERR_RESPONSE_TOO_LARGE) {
        fuzz_http_same(&a, &sa); /* stream mode only lifts the size limit */
    }

    fuzz_http_result_free(&a);
    fuzz_http_result_free(&b);
    fuzz_http_result_free(&sa);
    fuzz_http_result_free(&sb);
    free(in);
    return 0;
}
