/*
 * The jsmn peer: what a firmware engineer writes by hand with the single
 * header — tokenise, walk each object's keys, compare them with the names
 * wanted, copy the raw value bytes out. jsmn is in its default (non-strict)
 * mode, and values are copied without unescaping or checking primitives:
 * the cheapest thing that decodes these bodies, so a lower bound.
 */
#include <string.h>

#define JSMN_STATIC
#include <jsmn.h>

#include "bench_common.h"

#define PEER_JSMN_TOKENS 160

typedef struct walk {
    const char *js;
    const jsmntok_t *t;
} walk_t;

/* Index one past the value at i (recursion over sizes: a key's size is 1). */
static int skip(const jsmntok_t *t, int i)
{
    int n = t[i].size;
    i++;
    while (n-- > 0) {
        i = skip(t, i);
    }
    return i;
}

static bool key_is(const walk_t *w, int i, const char *name)
{
    size_t n = strlen(name);
    return w->t[i].type == JSMN_STRING && (size_t)(w->t[i].end - w->t[i].start) == n &&
           memcmp(w->js + w->t[i].start, name, n) == 0;
}

static bool is_null(const walk_t *w, int i)
{
    return w->t[i].type == JSMN_PRIMITIVE && w->js[w->t[i].start] == 'n';
}

static int copy_str(const walk_t *w, int i, char *dst, size_t cap)
{
    if (is_null(w, i)) {
        return 0;
    }
    size_t n = (size_t)(w->t[i].end - w->t[i].start);
    if (w->t[i].type != JSMN_STRING || n >= cap) {
        return -1;
    }
    memcpy(dst, w->js + w->t[i].start, n);
    dst[n] = '\0';
    return 0;
}

static int copy_ts(const walk_t *w, int i, bl_timestamp_t *out)
{
    if (is_null(w, i)) {
        out->presence = BL_NULL;
        return 0;
    }
    if (w->t[i].type != JSMN_STRING) {
        return -1;
    }
    return peer_timestamp(w->js + w->t[i].start, (size_t)(w->t[i].end - w->t[i].start), out);
}

static int copy_bool(const walk_t *w, int i, bl_opt_bool_t *out)
{
    char c = w->js[w->t[i].start];
    if (w->t[i].type != JSMN_PRIMITIVE || (c != 't' && c != 'f' && c != 'n')) {
        return -1;
    }
    out->presence = c == 'n' ? BL_NULL : BL_PRESENT;
    out->value = c == 't';
    return 0;
}

static int settings(const walk_t *w, int obj, peer_mk_product_t *p)
{
    if (is_null(w, obj)) {
        p->settings_presence = BL_NULL;
        return 0;
    }
    if (w->t[obj].type != JSMN_OBJECT) {
        return -1;
    }
    p->settings_presence = BL_PRESENT;
    int rc = 0;
    int i = obj + 1;
    for (int k = 0; k < w->t[obj].size; k++) {
        if (key_is(w, i, "required")) rc |= copy_bool(w, i + 1, &p->required);
        else if (key_is(w, i, "prefetch")) rc |= copy_bool(w, i + 1, &p->prefetch);
        i = skip(w->t, i + 1);
    }
    return rc;
}

static int product(const walk_t *w, int obj, peer_mk_product_t *p)
{
    if (is_null(w, obj)) {
        p->presence = BL_NULL;
        return 0;
    }
    if (w->t[obj].type != JSMN_OBJECT) {
        return -1;
    }
    p->presence = BL_PRESENT;
    int rc = 0;
    int i = obj + 1;
    for (int k = 0; k < w->t[obj].size; k++) {
        int v = i + 1;
        if (key_is(w, i, "refreshed_at")) rc |= copy_ts(w, v, &p->refreshed_at);
        else if (key_is(w, i, "last_attempted_at")) rc |= copy_ts(w, v, &p->last_attempted_at);
        else if (key_is(w, i, "error_code")) rc |= copy_str(w, v, p->error_code, sizeof p->error_code);
        else if (key_is(w, i, "error_message")) rc |= copy_str(w, v, p->error_message, sizeof p->error_message);
        else if (key_is(w, i, "settings")) rc |= settings(w, v, p);
        i = skip(w->t, v);
    }
    return rc;
}

static int products(const walk_t *w, int obj, peer_mk_link_t *l)
{
    if (w->t[obj].type != JSMN_OBJECT) {
        return -1;
    }
    int rc = 0;
    int i = obj + 1;
    for (int k = 0; k < w->t[obj].size; k++) {
        int v = i + 1;
        if (key_is(w, i, "accounts")) rc |= product(w, v, &l->accounts);
        else if (key_is(w, i, "account_numbers")) rc |= product(w, v, &l->account_numbers);
        else if (key_is(w, i, "identity")) rc |= product(w, v, &l->identity);
        else if (key_is(w, i, "transactions")) rc |= product(w, v, &l->transactions);
        else if (key_is(w, i, "investments")) rc |= product(w, v, &l->investments);
        i = skip(w->t, v);
    }
    return rc;
}

static int tags(const walk_t *w, int arr, peer_mk_link_t *l)
{
    if (is_null(w, arr)) {
        return 0;
    }
    if (w->t[arr].type != JSMN_ARRAY || w->t[arr].size > (int)PEER_TAGS_MAX) {
        return -1;
    }
    int rc = 0;
    int i = arr + 1;
    for (int k = 0; k < w->t[arr].size; k++) {
        rc |= copy_str(w, i, l->tags[l->tag_count++], PEER_ID_MAX);
        i = skip(w->t, i);
    }
    return rc;
}

static int link(const walk_t *w, int obj, peer_mk_link_t *l)
{
    if (w->t[obj].type != JSMN_OBJECT) {
        return -1;
    }
    int rc = 0;
    bool have_products = false;
    int i = obj + 1;
    for (int k = 0; k < w->t[obj].size; k++) {
        int v = i + 1;
        if (key_is(w, i, "link_id")) rc |= copy_str(w, v, l->link_id, sizeof l->link_id);
        else if (key_is(w, i, "institution_id")) rc |= copy_str(w, v, l->institution_id, sizeof l->institution_id);
        else if (key_is(w, i, "institution_name")) rc |= copy_str(w, v, l->institution_name, sizeof l->institution_name);
        else if (key_is(w, i, "provider")) rc |= copy_str(w, v, l->provider, sizeof l->provider);
        else if (key_is(w, i, "state")) rc |= copy_str(w, v, l->state_raw, sizeof l->state_raw);
        else if (key_is(w, i, "error_code")) rc |= copy_str(w, v, l->error_code, sizeof l->error_code);
        else if (key_is(w, i, "last_synced_at")) rc |= copy_ts(w, v, &l->last_synced_at);
        else if (key_is(w, i, "tags")) rc |= tags(w, v, l);
        else if (key_is(w, i, "products")) {
            rc |= products(w, v, l);
            have_products = true;
        }
        i = skip(w->t, v);
    }
    if (!have_products || l->link_id[0] == '\0' || l->institution_id[0] == '\0' ||
        l->institution_name[0] == '\0' || l->provider[0] == '\0' || l->state_raw[0] == '\0') {
        return -1;
    }
    l->state = peer_mk_state(l->state_raw);
    return rc;
}

int peer_jsmn_decode_mk(const char *body, size_t len, peer_mk_exchange_t *out)
{
    memset(out, 0, sizeof *out);
    jsmn_parser p;
    jsmntok_t t[PEER_JSMN_TOKENS];
    jsmn_init(&p);
    int n = jsmn_parse(&p, body, len, t, PEER_JSMN_TOKENS);
    if (n < 1 || t[0].type != JSMN_OBJECT) {
        return -1;
    }
    walk_t w = {body, t};
    int rc = 0;
    bool have_link = false;
    int i = 1;
    for (int k = 0; k < t[0].size; k++) {
        if (key_is(&w, i, "link_id")) rc |= copy_str(&w, i + 1, out->link_id, sizeof out->link_id);
        else if (key_is(&w, i, "link")) {
            rc |= link(&w, i + 1, &out->link);
            have_link = true;
        }
        i = skip(t, i + 1);
    }
    return (have_link && out->link_id[0] != '\0') ? rc : -1;
}

int peer_jsmn_decode_heron(const char *body, size_t len, peer_heron_link_t *out)
{
    memset(out, 0, sizeof *out);
    jsmn_parser p;
    jsmntok_t t[PEER_JSMN_TOKENS];
    jsmn_init(&p);
    int n = jsmn_parse(&p, body, len, t, PEER_JSMN_TOKENS);
    if (n < 1 || t[0].type != JSMN_OBJECT) {
        return -1;
    }
    walk_t w = {body, t};
    int obj = -1;
    int i = 1;
    for (int k = 0; k < t[0].size; k++) {
        if (key_is(&w, i, "integration_link")) {
            obj = i + 1;
        }
        i = skip(t, i + 1);
    }
    if (obj < 0 || t[obj].type != JSMN_OBJECT) {
        return -1;
    }
    int rc = 0;
    i = obj + 1;
    for (int k = 0; k < t[obj].size; k++) {
        int v = i + 1;
        if (key_is(&w, i, "item_id")) rc |= copy_str(&w, v, out->item_id, sizeof out->item_id);
        else if (key_is(&w, i, "status")) rc |= copy_str(&w, v, out->status_raw, sizeof out->status_raw);
        else if (key_is(&w, i, "status_message")) rc |= copy_str(&w, v, out->status_message, sizeof out->status_message);
        else if (key_is(&w, i, "type")) rc |= copy_str(&w, v, out->type, sizeof out->type);
        else if (key_is(&w, i, "created")) rc |= copy_ts(&w, v, &out->created);
        else if (key_is(&w, i, "last_successful_sync")) rc |= copy_ts(&w, v, &out->last_successful_sync);
        else if (key_is(&w, i, "last_updated")) rc |= copy_ts(&w, v, &out->last_updated);
        i = skip(t, v);
    }
    out->status = peer_heron_status(out->status_raw);
    return rc;
}
