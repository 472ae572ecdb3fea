/**
 * @file alloc_hook.c
 * @brief See alloc_hook.h. Test code only: it defines the C library's
 * allocator entry points in the executable, which the dynamic linker then
 * binds for every shared object too (mbedTLS included), and forwards them to
 * glibc's own implementation (__libc_malloc and friends, glibc's exported
 * names, hence the leading underscores).
 */
#define _GNU_SOURCE 1

#include "alloc_hook.h"

#include <dlfcn.h>
#include <stdint.h>
#include <string.h>

#include "mbedtls/md.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t n);
extern void __libc_free(void *p);

int main(int argc, char **argv);

#define BL_ALLOC_SLOTS 8192

typedef struct {
    void *p;
    size_t n;
    int kind;
} bl_alloc_rec_t;

static struct {
    bool armed;
    bool busy;            /* the hook's own work (dladdr) must not recurse */
    bool bases_known;
    const void *exe_base;
    const void *mbed_base[3];
    bl_alloc_rec_t rec[BL_ALLOC_SLOTS];
    size_t nrec;
    size_t live[BL_ALLOC_KINDS];
    size_t live_all;
    bl_alloc_report_t r;
} g;

static const void *bl_alloc_base(const void *addr)
{
    Dl_info info;
    if (dladdr(addr, &info) == 0) {
        return NULL;
    }
    return info.dli_fbase;
}

static void bl_alloc_learn_bases(void)
{
    /* Function pointers to data pointers: fine on every platform glibc runs on. */
    union { int (*f)(int, char **); const void *p; } m;
    union { int (*f)(mbedtls_ssl_context *, const mbedtls_ssl_config *); const void *p; } s;
    union { int (*f)(mbedtls_x509_crt *, const unsigned char *, size_t); const void *p; } x;
    union { const mbedtls_md_info_t *(*f)(mbedtls_md_type_t); const void *p; } c;
    m.f = main;
    s.f = mbedtls_ssl_setup;
    x.f = mbedtls_x509_crt_parse;
    c.f = mbedtls_md_info_from_type;
    g.exe_base = bl_alloc_base(m.p);
    g.mbed_base[0] = bl_alloc_base(s.p);
    g.mbed_base[1] = bl_alloc_base(x.p);
    g.mbed_base[2] = bl_alloc_base(c.p);
    g.r.attribution = g.exe_base != NULL && g.mbed_base[0] != NULL && g.mbed_base[0] != g.exe_base;
    g.bases_known = true;
}

static int bl_alloc_kind(const void *caller)
{
    const void *base = bl_alloc_base(caller);
    if (base != NULL && base == g.exe_base) {
        return BL_ALLOC_EXE;
    }
    for (int i = 0; i < 3; i++) {
        if (base != NULL && base == g.mbed_base[i]) {
            return BL_ALLOC_MBEDTLS;
        }
    }
    return BL_ALLOC_OTHER;
}

static void bl_alloc_add(void *p, size_t n, const void *caller)
{
    if (!g.armed || g.busy || p == NULL) {
        return;
    }
    g.busy = true;
    int k = bl_alloc_kind(caller);
    g.r.calls[k]++;
    if (g.nrec < BL_ALLOC_SLOTS) {
        g.rec[g.nrec].p = p;
        g.rec[g.nrec].n = n;
        g.rec[g.nrec].kind = k;
        g.nrec++;
        g.live[k] += n;
        g.live_all += n;
        if (g.live[k] > g.r.peak[k]) {
            g.r.peak[k] = g.live[k];
        }
        if (g.live_all > g.r.peak_all) {
            g.r.peak_all = g.live_all;
        }
    }
    g.busy = false;
}

static void bl_alloc_remove(void *p)
{
    if (!g.armed || g.busy || p == NULL) {
        return;
    }
    for (size_t i = g.nrec; i > 0; i--) {
        if (g.rec[i - 1].p == p) {
            bl_alloc_rec_t r = g.rec[i - 1];
            g.live[r.kind] -= r.n;
            g.live_all -= r.n;
            g.r.frees[r.kind]++;
            g.rec[i - 1] = g.rec[g.nrec - 1];
            g.nrec--;
            return;
        }
    }
}

void *malloc(size_t n)
{
    void *p = __libc_malloc(n);
    bl_alloc_add(p, n, __builtin_return_address(0));
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = __libc_calloc(n, size);
    bl_alloc_add(p, n * size, __builtin_return_address(0));
    return p;
}

void *realloc(void *old, size_t n)
{
    bl_alloc_remove(old);
    void *p = __libc_realloc(old, n);
    bl_alloc_add(p, n, __builtin_return_address(0));
    return p;
}

void free(void *p)
{
    bl_alloc_remove(p);
    __libc_free(p);
}

void bl_alloc_arm(void)
{
    if (!g.bases_known) {
        bl_alloc_learn_bases();
    }
    bool attribution = g.r.attribution;
    memset(&g.r, 0, sizeof g.r);
    g.r.attribution = attribution;
    memset(g.live, 0, sizeof g.live);
    g.live_all = 0;
    g.nrec = 0;
    g.armed = true;
}

void bl_alloc_disarm(bl_alloc_report_t *out)
{
    g.armed = false;
    g.r.live_end = g.live_all;
    *out = g.r;
}
