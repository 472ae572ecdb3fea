/**
 * @file banklink_main.c
 * @brief The host tool `banklink`: read the command line and environment,
 * make one call through the library, print the answer as JSON.
 *
 * Memory is what a device would have: one 4 KiB work buffer and 256 JSON
 * tokens, both static; the tool itself never touches the heap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/** Work buffer: requests are built and responses read here. */
#define BL_CLI_WORK_SIZE 4096u
/** JSON tokens for the largest answer (a link with many tags and products). */
#define BL_CLI_TOKENS 256u
/**
 * Output JSON. Decoding never lengthens a string and printing only adds
 * quotes, escapes already counted in the body and a 'Z' per timestamp, so
 * twice the work buffer is ample.
 */
#define BL_CLI_OUT_SIZE (2u * BL_CLI_WORK_SIZE)

static uint8_t bl_cli_work[BL_CLI_WORK_SIZE];
static bl_json_token_t bl_cli_tokens[BL_CLI_TOKENS];

/* One run of the tool: what main sets up, the commands use. */
typedef struct bl_cli_run {
    const bl_cli_opts_t *opts;
    bl_cli_transport_t net;
    bl_client_t client;
    bl_cli_log_t log;
} bl_cli_run_t;

/* One line on stderr; the buffer bounds it however long the API's text. */
static void bl_cli_report(const bl_cli_run_t *run, bl_status_t status, const char *what)
{
    char line[1024];
    bl_buf_t b;
    bl_buf_init(&b, line, sizeof line);
    bl_cli_describe_failure(&b, what, status, &run->client.last, run->opts->timeout_ms,
                            bl_cli_transport_reason(&run->net, status));
    size_t n = b.len < sizeof line ? b.len : sizeof line;
    (void)fwrite(line, 1, n, stderr);
    (void)fputc('\n', stderr);
}

/* A failure before any client exists: the tool's own reason plus a status. */
static int bl_cli_refuse(const char *reason, bl_status_t status)
{
    (void)fprintf(stderr, "banklink: %s [%s]\n", reason, bl_status_str(status));
    return bl_cli_exit_code(status);
}

static const char *bl_cli_env(const char *name)
{
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

static int bl_cli_emit(bool fitted, bl_buf_t *b)
{
    bl_buf_put(b, "\n", 1);
    if (!fitted || !bl_buf_ok(b)) {
        (void)fprintf(stderr, "banklink: the answer does not fit the %u-byte output buffer (needs %lu)\n",
                      (unsigned)BL_CLI_OUT_SIZE, (unsigned long)b->len);
        return 1;
    }
    /* stdout is unbuffered (see main): one write for the whole document. */
    if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0) {
        (void)fprintf(stderr, "banklink: cannot write to stdout\n");
        return 1;
    }
    return 0;
}

static int bl_cli_heron(bl_cli_run_t *run)
{
    const bl_cli_opts_t *o = run->opts;
    const char *key = bl_cli_env("HERON_API_KEY");
    if (key == NULL) {
        return bl_cli_refuse("HERON_API_KEY is not set: the Heron API key comes from the environment",
                             BL_ERR_INVALID_ARG);
    }
    bl_heron_link_t link;
    bl_status_t st = bl_heron_update_link(&run->client, key, o->item_id, o->access_token, &link);
    bl_cli_log_end(&run->log);
    if (st != BL_OK) {
        bl_cli_report(run, st, "update-link");
        return bl_cli_exit_code(st);
    }
    char out[BL_CLI_OUT_SIZE];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    return bl_cli_emit(bl_cli_json_heron_link(&b, &link), &b);
}

/* Fill @p auth from the environment; returns 0 or an exit code. */
static int bl_cli_moneykit_auth(bl_moneykit_auth_t *auth, bool need_credentials)
{
    const char *id = bl_cli_env("MONEYKIT_CLIENT_ID");
    const char *secret = bl_cli_env("MONEYKIT_CLIENT_SECRET");
    const char *token = bl_cli_env("MONEYKIT_ACCESS_TOKEN");
    if ((id == NULL) != (secret == NULL)) {
        return bl_cli_refuse(id == NULL ? "MONEYKIT_CLIENT_SECRET is set but MONEYKIT_CLIENT_ID is not"
                                        : "MONEYKIT_CLIENT_ID is set but MONEYKIT_CLIENT_SECRET is not",
                             BL_ERR_NO_TOKEN);
    }
    if (need_credentials && id == NULL) {
        return bl_cli_refuse("moneykit token needs MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET in the environment",
                             BL_ERR_NO_TOKEN);
    }
    if (id == NULL && token == NULL) {
        return bl_cli_refuse("set MONEYKIT_ACCESS_TOKEN, or MONEYKIT_CLIENT_ID and MONEYKIT_CLIENT_SECRET",
                             BL_ERR_NO_TOKEN);
    }
    /* With credentials too, the client can renew a token that expired. */
    bl_moneykit_auth_init(auth, id, secret);
    if (token != NULL && !need_credentials) {
        bl_status_t st = bl_moneykit_auth_set_token(auth, token);
        if (st != BL_OK) {
            return bl_cli_refuse("MONEYKIT_ACCESS_TOKEN is empty, too long or has a byte a header cannot carry", st);
        }
    }
    return 0;
}

static int bl_cli_moneykit(bl_cli_run_t *run)
{
    const bl_cli_opts_t *o = run->opts;
    bl_moneykit_auth_t auth;
    int rc = bl_cli_moneykit_auth(&auth, o->command == BL_CLI_MONEYKIT_TOKEN);
    if (rc != 0) {
        return rc;
    }
    char out[BL_CLI_OUT_SIZE];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);

    if (!auth.valid) {
        if (o->verbose) {
            static const char note[] = "fetching a MoneyKit access token with the client credentials";
            bl_cli_log(&run->log, BL_LOG_INFO, note, sizeof note - 1u);
        }
        bl_status_t st = bl_moneykit_fetch_token(&run->client, &auth);
        bl_cli_log_end(&run->log);
        if (st != BL_OK) {
            bl_cli_report(run, st, "auth/token");
            bl_moneykit_auth_clear(&auth);
            return bl_cli_exit_code(st);
        }
    }
    if (o->command == BL_CLI_MONEYKIT_TOKEN) {
        rc = bl_cli_emit(bl_cli_json_moneykit_token(&b, &auth), &b);
    } else {
        bl_moneykit_exchange_t ex;
        bl_status_t st = bl_moneykit_exchange_token(&run->client, &auth, o->exchangeable_token, &ex);
        bl_cli_log_end(&run->log);
        if (st != BL_OK) {
            bl_cli_report(run, st, "exchange-token");
            rc = bl_cli_exit_code(st);
        } else {
            rc = bl_cli_emit(bl_cli_json_moneykit_exchange(&b, &ex), &b);
        }
    }
    bl_moneykit_auth_clear(&auth);
    bl_secure_zero(out, sizeof out);
    return rc;
}

int main(int argc, char **argv)
{
    /* Unbuffered: stdio would otherwise take its buffer from the heap, and
     * every document leaves in a single fwrite anyway. */
    (void)setvbuf(stdout, NULL, _IONBF, 0);
    bl_cli_opts_t opts;
    char err[BL_CLI_ERR_MAX];
    if (!bl_cli_parse_args(argc, argv, &opts, err, sizeof err)) {
        (void)fprintf(stderr, "banklink: usage error: %s (see banklink --help)\n", err);
        return 2;
    }
    if (opts.command == BL_CLI_HELP) {
        (void)fputs(bl_cli_usage, stdout);
        return 0;
    }
    if (opts.command == BL_CLI_VERSION) {
        (void)printf("banklink %s\n", BL_VERSION_STRING);
        return 0;
    }

    bool heron = opts.command == BL_CLI_HERON_UPDATE_LINK;
    const char *base = opts.base_url != NULL ? opts.base_url : heron ? BL_CLI_HERON_URL : BL_CLI_MONEYKIT_URL;
    bl_cli_url_t url;
    const char *why = NULL;
    if (!bl_cli_parse_url(base, &url, &why)) {
        (void)fprintf(stderr, "banklink: usage error: bad --base-url: %s (see banklink --help)\n", why);
        return 2;
    }

    bl_clock_t clock;
    bl_posix_clock_init(&clock);
    bl_cli_run_t run;
    run.opts = &opts;
    bl_cli_log_init(&run.log, stderr);
    const bl_transport_t *transport = NULL;
    bl_status_t st = bl_cli_transport_setup(&run.net, &url, &clock, &opts, &transport, &why);
    if (st != BL_OK) {
        bl_cli_transport_free(&run.net);
        return bl_cli_refuse(why != NULL ? why : bl_cli_explain(st), st);
    }

    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = transport;
    cfg.clock = &clock;
    cfg.host = url.host;
    cfg.port = url.port;
    cfg.base_path = url.path;
    cfg.buf = bl_cli_work;
    cfg.buf_size = sizeof bl_cli_work;
    cfg.tokens = bl_cli_tokens;
    cfg.token_count = BL_CLI_TOKENS;
    cfg.timeout_ms = opts.timeout_ms;
    cfg.max_retries = opts.retries;
    /* Jitter only has to differ between processes started together. */
    cfg.jitter_seed = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^ clock.now_ms(clock.ctx);
    if (opts.verbose) {
        cfg.log = bl_cli_log;
        cfg.log_ctx = &run.log;
    }

    int rc;
    st = bl_client_init(&run.client, &cfg);
    if (st != BL_OK) {
        rc = bl_cli_refuse("the client refused its configuration (host or buffers)", st);
    } else {
        rc = heron ? bl_cli_heron(&run) : bl_cli_moneykit(&run);
        bl_client_close(&run.client);
    }
    bl_cli_log_end(&run.log);
    bl_cli_transport_free(&run.net);
    bl_secure_zero(bl_cli_work, sizeof bl_cli_work);
    return rc;
}
