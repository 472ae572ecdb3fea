/*
 * End-to-end client: libcurl (one easy handle, reused, so the connection
 * is kept alive) + cJSON, the way a Linux-class device would make the same
 * calls. Given its best case: the header list is built once, the answer
 * lands in a fixed buffer; per call the URL is formatted, the request body
 * is built with cJSON (it escapes, as banklink's writer does) and the
 * answer is decoded with cJSON into the same information banklink gives.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "bench_e2e.h"

const char *const e2e_client_name = "libcurl+cJSON";

#define ITEM_ID "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op"
#define ACCESS_TOKEN "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6"
#define EXCHANGEABLE "c7318ff7-257c-490e-8242-03a815b223b7"
#define LINK_ID "mk_eqkWN34UEoa2NxyALG8pcV"

typedef struct curl_bench {
    bool moneykit;
    bool tls;
    uint16_t port;
    CURL *easy;
    struct curl_slist *headers;
    long connects;
    size_t len;
    char body[4096];
    peer_heron_link_t link;
    peer_mk_exchange_t ex;
} curl_bench_t;

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
    curl_bench_t *b = ctx;
    size_t len = size * n;
    if (len >= sizeof b->body - b->len) {
        return 0; /* too large: curl fails the transfer */
    }
    memcpy(b->body + b->len, p, len);
    b->len += len;
    return len;
}

void *e2e_setup(const e2e_args_t *a)
{
    static curl_bench_t b;
    memset(&b, 0, sizeof b);
    b.moneykit = a->moneykit;
    b.tls = a->tls;
    b.port = a->port;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (b.easy = curl_easy_init()) == NULL) {
        return NULL;
    }
    b.headers = curl_slist_append(NULL, "Content-Type: application/json");
    if (a->moneykit) {
        b.headers = curl_slist_append(b.headers, "Authorization: Bearer bench-access-token");
        b.headers = curl_slist_append(b.headers, "moneykit-version: 2023-02-18");
    } else {
        b.headers = curl_slist_append(b.headers, "x-api-key: bench-api-key");
    }
    CURL *e = b.easy;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, b.headers);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 5000L);
    curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "bench");
    if (!a->moneykit) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "PUT");
    }
    if (a->tls) {
        static char resolve_entry[64];
        snprintf(resolve_entry, sizeof resolve_entry, "localhost:%u:127.0.0.1", (unsigned)a->port);
        static struct curl_slist resolve;
        resolve.data = resolve_entry;
        resolve.next = NULL;
        curl_easy_setopt(e, CURLOPT_RESOLVE, &resolve);
        curl_easy_setopt(e, CURLOPT_CAINFO, a->ca_file);
        curl_easy_setopt(e, CURLOPT_SSL_CIPHER_LIST, "ECDHE-ECDSA-AES128-GCM-SHA256");
        curl_easy_setopt(e, CURLOPT_SSLVERSION, (long)(CURL_SSLVERSION_TLSv1_2 | CURL_SSLVERSION_MAX_TLSv1_2));
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    return &b;
}

/* Request body, built per call as an application would. NULL on failure. */
static char *request_body(const curl_bench_t *b)
{
    cJSON *root = cJSON_CreateObject();
    char *s = NULL;
    if (b->moneykit) {
        if (cJSON_AddStringToObject(root, "exchangeable_token", EXCHANGEABLE) != NULL) {
            s = cJSON_PrintUnformatted(root);
        }
    } else {
        cJSON *eu = cJSON_AddObjectToObject(root, "end_user");
        if (eu != NULL && cJSON_AddStringToObject(eu, "access_token", ACCESS_TOKEN) != NULL) {
            s = cJSON_PrintUnformatted(root);
        }
    }
    cJSON_Delete(root);
    return s;
}

static int one_call(curl_bench_t *b)
{
    char url[160];
    const char *scheme = b->tls ? "https" : "http";
    const char *host = b->tls ? "localhost" : "127.0.0.1";
    if (b->moneykit) {
        snprintf(url, sizeof url, "%s://%s:%u/link-session/exchange-token", scheme, host, (unsigned)b->port);
    } else {
        snprintf(url, sizeof url, "%s://%s:%u/api/integration_links/%s", scheme, host, (unsigned)b->port, ITEM_ID);
    }
    char *req = request_body(b);
    if (req == NULL) {
        return -1;
    }
    b->len = 0;
    curl_easy_setopt(b->easy, CURLOPT_URL, url);
    curl_easy_setopt(b->easy, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(b->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(req));
    CURLcode rc = curl_easy_perform(b->easy);
    cJSON_free(req);
    long status = 0;
    long new_conns = 0;
    curl_easy_getinfo(b->easy, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(b->easy, CURLINFO_NUM_CONNECTS, &new_conns);
    b->connects += new_conns;
    if (rc != CURLE_OK || status != 200) {
        fprintf(stderr, "libcurl: %s (HTTP %ld)\n", curl_easy_strerror(rc), status);
        return -1;
    }
    if (b->moneykit) {
        return (peer_cjson_decode_mk(b->body, b->len, &b->ex) == 0 && b->ex.link.state == BL_MONEYKIT_LINK_CONNECTED &&
                strcmp(b->ex.link.link_id, LINK_ID) == 0) ? 0 : -1;
    }
    return (peer_cjson_decode_heron(b->body, b->len, &b->link) == 0 && b->link.status == BL_HERON_LINK_ACTIVE &&
            strcmp(b->link.item_id, ITEM_ID) == 0) ? 0 : -1;
}

long e2e_calls(void *state, long n)
{
    long failed = 0;
    for (long i = 0; i < n; i++) {
        failed += one_call(state) != 0;
    }
    return failed;
}

long e2e_connections(void *state)
{
    return ((curl_bench_t *)state)->connects;
}

void e2e_teardown(void *state)
{
    curl_bench_t *b = state;
    curl_slist_free_all(b->headers);
    curl_easy_cleanup(b->easy);
    curl_global_cleanup();
}
