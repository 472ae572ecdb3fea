/*
 * Counts heap allocation calls of the whole process without LD_PRELOAD:
 * an executable that defines malloc, calloc, realloc and free replaces
 * glibc's for every shared library too (glibc documents this as
 * "Replacing malloc"), so libcurl, OpenSSL, cJSON and mbedTLS are counted.
 * The real work is forwarded to glibc's own entry points.
 */
#include <stddef.h>
#include <stdint.h>

/* Declared in bench_common.h; repeated here so the server, which links no
 * banklink, can use this file too. */
uint64_t bench_alloc_calls(void);

/* glibc's allocator under its internal names (exported since 2.2.5). */
extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

/* Atomic: libcurl may resolve names on a helper thread. */
static uint64_t alloc_calls;

static void count_one(void)
{
    __atomic_fetch_add(&alloc_calls, 1u, __ATOMIC_RELAXED);
}

uint64_t bench_alloc_calls(void)
{
    return __atomic_load_n(&alloc_calls, __ATOMIC_RELAXED);
}

void *malloc(size_t size)
{
    count_one();
    return __libc_malloc(size);
}

void *calloc(size_t n, size_t size)
{
    count_one();
    return __libc_calloc(n, size);
}

void *realloc(void *p, size_t size)
{
    count_one();
    return __libc_realloc(p, size);
}

void free(void *p)
{
    __libc_free(p);
}
