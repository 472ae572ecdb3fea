/*
 * The cJSON peer, written the way its README teaches: parse the body into a
 * tree, look each field up by name, copy the value out, delete the tree.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "bench_common.h"

/* Copy a string field; absent or null leaves "". @return 0 or -1. */
static int get_str(const cJSON *obj, const char *key, char *dst, size_t cap)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL || cJSON_IsNull(it)) {
        return 0;
    }
    if (!cJSON_IsString(it)) {
        return -1;
    }
    size_t n = strlen(it->valuestring);
    if (n >= cap) {
        return -1;
    }
    memcpy(dst, it->valuestring, n + 1u);
    return 0;
}

static int get_ts(const cJSON *obj, const char *key, bl_timestamp_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL) {
        return 0;
    }
    if (cJSON_IsNull(it)) {
        out->presence = BL_NULL;
        return 0;
    }
    if (!cJSON_IsString(it)) {
        return -1;
    }
    return peer_timestamp(it->valuestring, strlen(it->valuestring), out);
}

static int get_bool(const cJSON *obj, const char *key, bl_opt_bool_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it == NULL) {
        return 0;
    }
    if (cJSON_IsNull(it)) {
        out->presence = BL_NULL;
        return 0;
    }
    if (!cJSON_IsBool(it)) {
        return -1;
    }
    out->value = cJSON_IsTrue(it) != 0;
    out->presence = BL_PRESENT;
    return 0;
}

static int get_product(const cJSON *products, const char *key, peer_mk_product_t *p)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(products, key);
    if (it == NULL) {
        return 0;
    }
    if (cJSON_IsNull(it)) {
        p->presence = BL_NULL;
        return 0;
    }
    if (!cJSON_IsObject(it)) {
        return -1;
    }
    p->presence = BL_PRESENT;
    int rc = get_ts(it, "refreshed_at", &p->refreshed_at);
    rc |= get_ts(it, "last_attempted_at", &p->last_attempted_at);
    rc |= get_str(it, "error_code", p->error_code, sizeof p->error_code);
    rc |= get_str(it, "error_message", p->error_message, sizeof p->error_message);
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(it, "settings");
    if (s != NULL && cJSON_IsNull(s)) {
        p->settings_presence = BL_NULL;
    } else if (s != NULL) {
        if (!cJSON_IsObject(s)) {
            return -1;
        }
        p->settings_presence = BL_PRESENT;
        rc |= get_bool(s, "required", &p->required);
        rc |= get_bool(s, "prefetch", &p->prefetch);
    }
    return rc;
}

static int get_link(const cJSON *link, peer_mk_link_t *l)
{
    int rc = get_str(link, "link_id", l->link_id, sizeof l->link_id);
    rc |= get_str(link, "institution_id", l->institution_id, sizeof l->institution_id);
    rc |= get_str(link, "institution_name", l->institution_name, sizeof l->institution_name);
    rc |= get_str(link, "provider", l->provider, sizeof l->provider);
    rc |= get_str(link, "state", l->state_raw, sizeof l->state_raw);
    rc |= get_str(link, "error_code", l->error_code, sizeof l->error_code);
    rc |= get_ts(link, "last_synced_at", &l->last_synced_at);
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(link, "tags");
    if (cJSON_IsArray(tags)) {
        const cJSON *tag;
        cJSON_ArrayForEach(tag, tags) {
            if (!cJSON_IsString(tag) || l->tag_count >= PEER_TAGS_MAX ||
                strlen(tag->valuestring) >= PEER_ID_MAX) {
                return -1;
            }
            strcpy(l->tags[l->tag_count++], tag->valuestring);
        }
    }
    const cJSON *products = cJSON_GetObjectItemCaseSensitive(link, "products");
    if (!cJSON_IsObject(products)) {
        return -1;
    }
    rc |= get_product(products, "accounts", &l->accounts);
    rc |= get_product(products, "account_numbers", &l->account_numbers);
    rc |= get_product(products, "identity", &l->identity);
    rc |= get_product(products, "transactions", &l->transactions);
    rc |= get_product(products, "investments", &l->investments);
    if (l->link_id[0] == '\0' || l->institution_id[0] == '\0' || l->institution_name[0] == '\0' ||
        l->provider[0] == '\0' || l->state_raw[0] == '\0') {
        return -1;
    }
    l->state = peer_mk_state(l->state_raw);
    return rc;
}

int peer_cjson_decode_mk(const char *body, size_t len, peer_mk_exchange_t *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (root == NULL) {
        return -1;
    }
    int rc = get_str(root, "link_id", out->link_id, sizeof out->link_id);
    const cJSON *link = cJSON_GetObjectItemCaseSensitive(root, "link");
    rc |= cJSON_IsObject(link) ? get_link(link, &out->link) : -1;
    cJSON_Delete(root);
    return rc;
}

int peer_cjson_decode_heron(const char *body, size_t len, peer_heron_link_t *out)
{
    memset(out, 0, sizeof *out);
    cJSON *root = cJSON_ParseWithLength(body, len);
    if (root == NULL) {
        return -1;
    }
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "integration_link");
    int rc = -1;
    if (cJSON_IsObject(l)) {
        rc = get_str(l, "item_id", out->item_id, sizeof out->item_id);
        rc |= get_str(l, "status", out->status_raw, sizeof out->status_raw);
        rc |= get_str(l, "status_message", out->status_message, sizeof out->status_message);
        rc |= get_str(l, "type", out->type, sizeof out->type);
        rc |= get_ts(l, "created", &out->created);
        rc |= get_ts(l, "last_successful_sync", &out->last_successful_sync);
        rc |= get_ts(l, "last_updated", &out->last_updated);
        out->status = peer_heron_status(out->status_raw);
    }
    cJSON_Delete(root);
    return rc;
}
