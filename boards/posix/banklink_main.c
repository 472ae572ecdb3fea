/**
 * @file banklink_main.c
 * @brief The host tool `banklink`: read the command line and environment,
 * set up one client, run the command (banklink_heron.c,
 * banklink_moneykit.c), print the answer as JSON.
 *
 * Memory is what a device would have: one work buffer (BL_CLI_WORK_SIZE,
 * 4 KiB unless the build sets it) and 256 JSON tokens, both static; the
 * tool itself never touches the heap. `--record` and `--replay`
 * (cli_session.c) wrap or replace the transport and keep to static memory
 * too.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#if BL_CLI_WORK_SIZE < 256
#error "BL_CLI_WORK_SIZE must be at least 256 bytes (the client's floor)"
#endif

static uint8_t bl_cli_work[BL_CLI_WORK_SIZE];
static bl_json_token_t bl_cli_tokens[BL_CLI_TOKENS];

/* One line on stderr; the buffer bounds it however long the API's text. */
void bl_cli_report(const bl_cli_run_t *run, const char *what, bl_status_t status, const char *note)
{
    char line[1024];
    bl_buf_t b;
    bl_buf_init(&b, line, sizeof line);
    const char *detail = bl_cli_transport_reason(&run->net, status);
    if (status == BL_ERR_OUTCOME_UNKNOWN) {
        detail = bl_cli_outcome_hint(run->opts->command);
    }
    bl_cli_describe_failure(&b, what != NULL ? what : run->opts->name, status, &run->client.last, run->opts->timeout_ms,
                            run->opts->retries, detail, note);
    size_t n = b.len < sizeof line ? b.len : sizeof line;
    (void)fwrite(line, 1, n, stderr);
    (void)fputc('\n', stderr);
}

int bl_cli_refuse(const char *reason, bl_status_t status)
{
    (void)fprintf(stderr, "banklink: %s [%s]\n", reason, bl_status_str(status));
    return bl_cli_exit_code(status);
}

int bl_cli_not_built(const char *commands, const char *option)
{
    char reason[160];
    (void)snprintf(reason, sizeof reason, "%s not in this build (%s is 0)", commands, option);
    return bl_cli_refuse(reason, BL_ERR_UNSUPPORTED);
}

const char *bl_cli_env(const char *name)
{
    const char *v = getenv(name);
    return (v != NULL && v[0] != '\0') ? v : NULL;
}

int bl_cli_emit(bool fitted, bl_buf_t *b)
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
        (void)printf("banklink %s (work buffer %u bytes)\n", BL_VERSION_STRING, (unsigned)BL_CLI_WORK_SIZE);
        return 0;
    }

    bool heron = bl_cli_is_heron(opts.command);
    const char *base = opts.base_url != NULL ? opts.base_url : heron ? BL_CLI_HERON_URL : BL_CLI_MONEYKIT_URL;
    bl_cli_url_t url;
    const char *why = NULL;
    if (!bl_cli_parse_url(base, &url, &why)) {
        (void)fprintf(stderr, "banklink: usage error: bad --base-url: %s (see banklink --help)\n", why);
        return 2;
    }

    bl_clock_t posix_clock;
    bl_posix_clock_init(&posix_clock);
    const bl_clock_t *clock = &posix_clock;
    bl_cli_run_t run;
    run.opts = &opts;
    bl_cli_log_init(&run.log, stderr);
    const bl_transport_t *transport = NULL;
    bl_status_t st;
    if (opts.replay_file != NULL) {
        /* No network at all: the script plays the server, on its own clock. */
        memset(&run.net, 0, sizeof run.net);
        st = bl_cli_replay_begin(opts.replay_file, &transport, &clock, &why);
    } else {
        st = bl_cli_transport_setup(&run.net, &url, clock, &opts, &transport, &why);
        if (st == BL_OK && opts.record_file != NULL) {
            st = bl_cli_record_begin(opts.record_file, transport, &transport, &why);
        }
    }
    if (st != BL_OK) {
        (void)bl_cli_record_end();
        bl_cli_transport_free(&run.net);
        return bl_cli_refuse(why != NULL ? why : bl_cli_explain(st), st);
    }

    bl_client_config_t cfg;
    bl_client_config_init(&cfg);
    cfg.transport = transport;
    cfg.clock = clock;
    cfg.host = url.host;
    cfg.port = url.port;
    cfg.base_path = url.path;
    cfg.buf = bl_cli_work;
    cfg.buf_size = sizeof bl_cli_work;
    cfg.tokens = bl_cli_tokens;
    cfg.token_count = BL_CLI_TOKENS;
    cfg.timeout_ms = opts.timeout_ms;
    cfg.max_retries = opts.retries;
    /* Jitter only has to differ between processes started together; a
     * replay runs the same way every time. */
    cfg.jitter_seed = opts.replay_file != NULL ? 1u
                                               : (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16) ^
                                                     clock->now_ms(clock->ctx);
    if (opts.verbose) {
        cfg.log = bl_cli_log;
        cfg.log_ctx = &run.log;
    }

    int rc;
    st = bl_client_init(&run.client, &cfg);
    if (st != BL_OK) {
        rc = bl_cli_refuse("the client refused its configuration (host or buffers)", st);
    } else {
        rc = heron ? bl_cli_heron_main(&run) : bl_cli_moneykit_main(&run);
        bl_client_close(&run.client);
    }
    rc = bl_cli_replay_end(rc);
    int rec_rc = bl_cli_record_end();
    rc = rc == 0 ? rec_rc : rc;
    bl_cli_log_end(&run.log);
    bl_cli_transport_free(&run.net);
    bl_secure_zero(bl_cli_work, sizeof bl_cli_work);
    return rc;
}
