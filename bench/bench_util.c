/* Clock, files, medians, and the checks that keep the decoders honest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_common.h"

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long bench_peak_rss_kib(void)
{
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) != 0) {
        return -1;
    }
    return ru.ru_maxrss;
}

char *bench_load(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return NULL;
    }
    char *buf = malloc(65536);
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    fclose(f);
    if (buf == NULL || n == 0 || n == 65535) {
        fprintf(stderr, "%s: empty, unreadable or too large\n", path);
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return (n % 2u) ? v[n / 2u] : (v[n / 2u - 1u] + v[n / 2u]) / 2.0;
}

int peer_timestamp(const char *s, size_t len, bl_timestamp_t *out)
{
    bl_datetime_t dt;
    if (bl_datetime_parse(s, len, &dt) != BL_OK) {
        return -1;
    }
    out->unix_s = bl_datetime_to_unix(&dt);
    out->nanosecond = dt.nanosecond;
    out->presence = BL_PRESENT;
    return 0;
}

bl_moneykit_link_state_t peer_mk_state(const char *s)
{
    static const char *const names[] = {"connecting", "awaiting_token_exchange", "connected", "deleted", "error"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            return (bl_moneykit_link_state_t)(i + 1u);
        }
    }
    return BL_MONEYKIT_LINK_UNKNOWN;
}

bl_heron_link_status_t peer_heron_status(const char *s)
{
    static const char *const names[] = {"pending", "active", "syncing", "erroring", "sync_disabled",
                                        "deleted_in_plaid"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(s, names[i]) == 0) {
            return (bl_heron_link_status_t)(i + 1u);
        }
    }
    return BL_HERON_LINK_UNKNOWN;
}

/* ------------------------------------------------------------ comparisons */

/* A banklink string equals a peer array (absent or null is ""). */
static bool str_same(const bl_str_t *a, const char *b)
{
    if (a->presence != BL_PRESENT) {
        return b[0] == '\0';
    }
    return strlen(b) == a->len && memcmp(a->ptr, b, a->len) == 0;
}

static bool ts_same(const bl_timestamp_t *a, const bl_timestamp_t *b)
{
    if (a->presence != BL_PRESENT || b->presence != BL_PRESENT) {
        return a->presence == b->presence;
    }
    return a->unix_s == b->unix_s && a->nanosecond == b->nanosecond;
}

static bool bool_same(const bl_opt_bool_t *a, const bl_opt_bool_t *b)
{
    return a->presence == b->presence && (a->presence != BL_PRESENT || a->value == b->value);
}

static const char *product_diff(const bl_moneykit_product_t *a, const peer_mk_product_t *b)
{
    if (a->presence != b->presence) return "product.presence";
    if (!ts_same(&a->refreshed_at, &b->refreshed_at)) return "product.refreshed_at";
    if (!ts_same(&a->last_attempted_at, &b->last_attempted_at)) return "product.last_attempted_at";
    if (!str_same(&a->error_code, b->error_code)) return "product.error_code";
    if (!str_same(&a->error_message, b->error_message)) return "product.error_message";
    if (a->settings.presence != b->settings_presence) return "product.settings";
    if (!bool_same(&a->settings.required, &b->required)) return "product.settings.required";
    if (!bool_same(&a->settings.prefetch, &b->prefetch)) return "product.settings.prefetch";
    return NULL;
}

const char *bench_diff_mk(const bl_moneykit_exchange_t *a, const peer_mk_exchange_t *b)
{
    const bl_moneykit_link_t *l = &a->link;
    const peer_mk_link_t *p = &b->link;
    if (!str_same(&a->link_id, b->link_id)) return "link_id";
    if (!str_same(&l->link_id, p->link_id)) return "link.link_id";
    if (!str_same(&l->institution_id, p->institution_id)) return "link.institution_id";
    if (!str_same(&l->institution_name, p->institution_name)) return "link.institution_name";
    if (!str_same(&l->provider, p->provider)) return "link.provider";
    if (!str_same(&l->state_raw, p->state_raw) || l->state != p->state) return "link.state";
    if (!str_same(&l->error_code, p->error_code)) return "link.error_code";
    if (!ts_same(&l->last_synced_at, &p->last_synced_at)) return "link.last_synced_at";
    if (l->tags.count != p->tag_count) return "link.tags.count";
    const char *tag = l->tags.first;
    for (size_t i = 0; i < l->tags.count; i++, tag = bl_str_list_next(tag)) {
        if (strcmp(tag, p->tags[i]) != 0) return "link.tags";
    }
    const char *d = product_diff(&l->products.accounts, &p->accounts);
    if (d == NULL) d = product_diff(&l->products.account_numbers, &p->account_numbers);
    if (d == NULL) d = product_diff(&l->products.identity, &p->identity);
    if (d == NULL) d = product_diff(&l->products.transactions, &p->transactions);
    if (d == NULL) d = product_diff(&l->products.investments, &p->investments);
    return d;
}

const char *bench_diff_heron(const bl_heron_link_t *a, const peer_heron_link_t *b)
{
    if (!str_same(&a->item_id, b->item_id)) return "item_id";
    if (!str_same(&a->status_raw, b->status_raw) || a->status != b->status) return "status";
    if (!str_same(&a->status_message, b->status_message)) return "status_message";
    if (!str_same(&a->type, b->type)) return "type";
    if (!ts_same(&a->created, &b->created)) return "created";
    if (!ts_same(&a->last_successful_sync, &b->last_successful_sync)) return "last_successful_sync";
    if (!ts_same(&a->last_updated, &b->last_updated)) return "last_updated";
    return NULL;
}

int bench_check_mk(const peer_mk_exchange_t *x)
{
    /* 2023-02-16T09:14:11 (zone-less: UTC) */
    const int64_t t = 1676538851;
    const peer_mk_link_t *l = &x->link;
    bool ok = strcmp(x->link_id, "mk_eqkWN34UEoa2NxyALG8pcV") == 0 && strcmp(l->link_id, x->link_id) == 0 &&
              strcmp(l->institution_id, "chase") == 0 && strcmp(l->institution_name, "Chase") == 0 &&
              strcmp(l->provider, "mx") == 0 && l->state == BL_MONEYKIT_LINK_CONNECTED &&
              l->last_synced_at.unix_s == t && l->tag_count == 1u && strcmp(l->tags[0], "user_type:admin") == 0 &&
              l->accounts.presence == BL_PRESENT && l->accounts.refreshed_at.unix_s == t &&
              l->identity.last_attempted_at.unix_s == t && l->identity.required.value &&
              l->identity.prefetch.presence == BL_PRESENT && !l->identity.prefetch.value &&
              l->transactions.presence == BL_ABSENT;
    return ok ? 0 : -1;
}

int bench_check_heron(const peer_heron_link_t *x)
{
    const int64_t t = 1577836800; /* 2020-01-01T00:00:00Z */
    bool ok = strcmp(x->item_id, "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op") == 0 && x->status == BL_HERON_LINK_ACTIVE &&
              strncmp(x->status_message, "[ITEM_LOGIN_REQUIRED]", 21) == 0 &&
              strcmp(x->type, "plaid_assets_report") == 0 && x->created.unix_s == t &&
              x->last_successful_sync.unix_s == t && x->last_updated.unix_s == t;
    return ok ? 0 : -1;
}
