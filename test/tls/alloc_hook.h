/**
 * @file alloc_hook.h
 * @brief Test-only allocation counter: the test executable defines malloc,
 * calloc, realloc and free itself (forwarding to glibc) and, while armed,
 * counts every call and the live bytes, attributed to the object (main
 * executable = banklink + test code, the mbedTLS libraries, anything else)
 * that made the call.
 */
#ifndef BL_TEST_ALLOC_HOOK_H
#define BL_TEST_ALLOC_HOOK_H

#include <stdbool.h>
#include <stddef.h>

/** Who called the allocator. */
enum { BL_ALLOC_EXE, BL_ALLOC_MBEDTLS, BL_ALLOC_OTHER, BL_ALLOC_KINDS };

/** Figures of one armed window. */
typedef struct bl_alloc_report {
    unsigned long calls[BL_ALLOC_KINDS];  /**< malloc/calloc/realloc calls by caller. */
    unsigned long frees[BL_ALLOC_KINDS];  /**< free calls (of blocks allocated in the window) by caller. */
    size_t peak[BL_ALLOC_KINDS];          /**< Most live bytes at once, by caller. */
    size_t peak_all;                      /**< Most live bytes at once, all callers. */
    size_t live_end;                      /**< Bytes still live when disarmed. */
    bool attribution;                     /**< mbedTLS is a separate object, so the split means something. */
} bl_alloc_report_t;

/** Start counting (resets the figures). */
void bl_alloc_arm(void);
/** Stop counting and fill @p out. */
void bl_alloc_disarm(bl_alloc_report_t *out);

#endif
