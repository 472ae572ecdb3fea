/*
 * Unit tests of the host tool's pure parts: command line, base URL,
 * exit codes, JSON output of decoded models, failure lines and the -v log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

/* ------------------------------------------------------------ helpers */

static bool parse(bl_cli_opts_t *o, char *err, const char *a0, ...)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"banklink";
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a != NULL; a = va_arg(ap, const char *)) {
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    argv[argc] = NULL;
    return bl_cli_parse_args(argc, argv, o, err, BL_CLI_ERR_MAX);
}

static bl_str_t str(const char *s)
{
    bl_str_t v;
    v.ptr = s;
    v.len = strlen(s);
    v.presence = BL_PRESENT;
    return v;
}

static bl_str_t null_str(void)
{
    bl_str_t v = {NULL, 0, BL_NULL};
    return v;
}

/* What bl_client_clear_last() leaves: no HTTP status, no figures (-1). */
static void clear_last(bl_error_info_t *last)
{
    memset(last, 0, sizeof *last);
    last->retry_after_ms = -1;
    last->ratelimit_limit = -1;
    last->ratelimit_remaining = -1;
    last->ratelimit_reset_s = -1;
}

static bl_timestamp_t ts(int64_t unix_s, uint32_t ns)
{
    bl_timestamp_t t;
    t.unix_s = unix_s;
    t.nanosecond = ns;
    t.presence = BL_PRESENT;
    return t;
}

/* ------------------------------------------------------------ arguments */

static void test_args_heron(void **state)
{
    (void)state;
    bl_cli_opts_t o;
    char err[BL_CLI_ERR_MAX];
    assert_true(parse(&o, err, "--base-url", "http://127.0.0.1:8080", "--timeout-ms", "500", "--retries", "0", "-v",
                      "heron", "update-link", "ITEM", "--access-token", "TOK", NULL));
    assert_int_equal(o.command, BL_CLI_HERON_UPDATE_LINK);
    assert_string_equal(o.base_url, "http://127.0.0.1:8080");
    assert_int_equal(o.timeout_ms, 500);
    assert_int_equal(o.retries, 0);
    assert_true(o.verbose);
    assert_string_equal(o.item_id, "ITEM");
    assert_string_equal(o.access_token, "TOK");

    /* Options after the subcommand, and --opt=value. */
    assert_true(parse(&o, err, "heron", "update-link", "--access-token=T2", "ITEM2", "--timeout-ms=7", NULL));
    assert_string_equal(o.item_id, "ITEM2");
    assert_string_equal(o.access_token, "T2");
    assert_int_equal(o.timeout_ms, 7);
    assert_int_equal(o.retries, BL_CLI_DEFAULT_RETRIES);
    assert_null(o.base_url);
    assert_false(o.verbose);

    /* "--" lets an id start with '-'. */
    assert_true(parse(&o, err, "heron", "update-link", "--access-token", "T", "--", "-odd-id", NULL));
    assert_string_equal(o.item_id, "-odd-id");
}

static void test_args_moneykit(void **state)
{
    (void)state;
    bl_cli_opts_t o;
    char err[BL_CLI_ERR_MAX];
    assert_true(parse(&o, err, "moneykit", "exchange-token", "c7318ff7", "--retries", "5", "--ca-file", "/x.pem",
                      "--pin-sha256=AAAA", NULL));
    assert_string_equal(o.ca_file, "/x.pem");
    assert_string_equal(o.pin_sha256, "AAAA");
    assert_int_equal(o.command, BL_CLI_MONEYKIT_EXCHANGE);
    assert_string_equal(o.exchangeable_token, "c7318ff7");
    assert_int_equal(o.retries, 5);
    assert_int_equal(o.timeout_ms, BL_CLI_DEFAULT_TIMEOUT_MS);
    assert_true(parse(&o, err, "-v", "moneykit", "token", NULL));
    assert_int_equal(o.command, BL_CLI_MONEYKIT_TOKEN);
}

static void test_args_help_version(void **state)
{
    (void)state;
    bl_cli_opts_t o;
    char err[BL_CLI_ERR_MAX];
    assert_true(parse(&o, err, "--help", NULL));
    assert_int_equal(o.command, BL_CLI_HELP);
    assert_true(parse(&o, err, "heron", "-h", "--bogus", NULL));
    assert_int_equal(o.command, BL_CLI_HELP);
    assert_true(parse(&o, err, "--version", NULL));
    assert_int_equal(o.command, BL_CLI_VERSION);
    assert_non_null(strstr(bl_cli_usage, "heron update-link ITEM_ID --access-token TOKEN"));
    for (int c = BL_CLI_HERON_UPDATE_LINK; c < BL_CLI_COMMAND_COUNT; c++) {
        static const char *const words[] = {"update-link", "list-links", "create-link", "refresh-link",
                                            "delete-links", "exchange-token", "token", "get-link",
                                            "delete-link", "list-links"};
        assert_non_null(strstr(bl_cli_usage, words[c - BL_CLI_HERON_UPDATE_LINK]));
    }
    assert_non_null(strstr(bl_cli_usage, "--page-size N"));
}

static void expect_usage_error(const char *needle, const char *a0, ...)
{
    char *argv[16];
    int argc = 0;
    argv[argc++] = (char *)"banklink";
    va_list ap;
    va_start(ap, a0);
    for (const char *a = a0; a != NULL; a = va_arg(ap, const char *)) {
        argv[argc++] = (char *)a;
    }
    va_end(ap);
    bl_cli_opts_t o;
    char err[BL_CLI_ERR_MAX];
    assert_false(bl_cli_parse_args(argc, argv, &o, err, sizeof err));
    if (strstr(err, needle) == NULL) {
        fail_msg("error '%s' lacks '%s'", err, needle);
    }
}

static void test_args_errors(void **state)
{
    (void)state;
    expect_usage_error("missing command", NULL);
    expect_usage_error("missing command", "-v", NULL);
    expect_usage_error("unknown command 'plaid'", "plaid", NULL);
    /* A vendor without a command names what is missing, not an empty one. */
    expect_usage_error("missing heron command (expected update-link,", "heron", NULL);
    expect_usage_error("missing moneykit command (expected exchange-token,", "moneykit", NULL);
    expect_usage_error("unknown heron command 'nope'", "heron", "nope", NULL);
    expect_usage_error("unknown option '--nope'", "--nope", "heron", NULL);
    expect_usage_error("needs a value", "heron", "update-link", "X", "--access-token", NULL);
    expect_usage_error("--timeout-ms", "--timeout-ms", "abc", "moneykit", "token", NULL);
    expect_usage_error("--timeout-ms", "--timeout-ms", "-5", "moneykit", "token", NULL);
    expect_usage_error("--timeout-ms", "--timeout-ms", "0", "moneykit", "token", NULL);
    expect_usage_error("--timeout-ms", "--timeout-ms", "12x", "moneykit", "token", NULL);
    expect_usage_error("--timeout-ms", "--timeout-ms=99999999999999999999", "moneykit", "token", NULL);
    expect_usage_error("--retries", "--retries", "", "moneykit", "token", NULL);
    expect_usage_error("--retries", "--retries", "101", "moneykit", "token", NULL);
    expect_usage_error("--retries", "--retries", "+1", "moneykit", "token", NULL);
    expect_usage_error("needs --access-token", "heron", "update-link", "ITEM", NULL);
    expect_usage_error("needs ITEM_ID", "heron", "update-link", "--access-token", "T", NULL);
    expect_usage_error("expected update-link", "heron", "delete-link", "X", NULL);
    expect_usage_error("unexpected argument 'extra'", "heron", "update-link", "X", "extra", "--access-token", "T",
                       NULL);
    expect_usage_error("needs EXCHANGEABLE_TOKEN", "moneykit", "exchange-token", NULL);
    expect_usage_error("unexpected argument 'x'", "moneykit", "token", "x", NULL);
    expect_usage_error("expected exchange-token, token, get-link, delete-link or list-links", "moneykit", NULL);
    expect_usage_error("MONEYKIT_ACCESS_TOKEN", "moneykit", "token", "--access-token", "T", NULL);
    expect_usage_error("must not be empty", "moneykit", "exchange-token", "", NULL);
    expect_usage_error("unexpected argument", "a", "b", "c", "d", "e", "f", NULL);
    /* A hostile argument is shown printable and bounded. */
    expect_usage_error("unknown command 'ab?c'", "ab\x1b" "c", NULL);
}

/* --record and --replay: a file each, any command, never together. */
static void test_args_record_replay(void **state)
{
    (void)state;
    bl_cli_opts_t o;
    char err[BL_CLI_ERR_MAX];
    assert_true(parse(&o, err, "--record", "s.script", "heron", "update-link", "I", "--access-token", "T", NULL));
    assert_string_equal(o.record_file, "s.script");
    assert_null(o.replay_file);
    assert_true(parse(&o, err, "moneykit", "list-links", "--page-size", "2", "--replay=r.script", NULL));
    assert_string_equal(o.replay_file, "r.script");
    assert_null(o.record_file);
    assert_true(parse(&o, err, "heron", "list-links", "eu", NULL));
    assert_null(o.record_file);
    assert_null(o.replay_file);
    expect_usage_error("do not go together", "--record", "a", "--replay", "b", "moneykit", "token", NULL);
    expect_usage_error("--record needs a file name", "--record=", "moneykit", "token", NULL);
    expect_usage_error("--replay needs a file name", "--replay", "", "moneykit", "token", NULL);
    expect_usage_error("needs a value", "moneykit", "token", "--record", NULL);
    /* Help still wins. */
    assert_true(parse(&o, err, "--record", "a", "--replay", "b", "--help", NULL));
    assert_int_equal(o.command, BL_CLI_HELP);
}

/* The files behind --record and --replay: errors name the file and, for a
 * script, the line; a replay left off script is exit code 6. */
static void test_record_replay_files(void **state)
{
    (void)state;
    const bl_transport_t *t = NULL;
    const bl_clock_t *c = NULL;
    const char *why = NULL;
    if (!bl_cli_have_testkit()) {
        assert_int_equal(bl_cli_replay_begin("x", &t, &c, &why), BL_ERR_UNSUPPORTED);
        assert_non_null(strstr(why, "test kit"));
        skip();
    }
    assert_int_equal(bl_cli_replay_begin("/nonexistent/dir/s.script", &t, &c, &why), BL_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "cannot open /nonexistent/dir/s.script"));
    bl_transport_t tcp;
    bl_posix_socket_t sock;
    bl_posix_transport_init(&tcp, &sock);
    assert_int_equal(bl_cli_record_begin("/nonexistent/dir/r.script", &tcp, &t, &why), BL_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "cannot create /nonexistent/dir/r.script"));
    assert_int_equal(bl_cli_record_end(), 0);

    char path[] = "/tmp/bl-test-cli-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    static const char bad[] = "banklink-script 1\n# two steps\nstall\nanswr 3\nabc\n";
    assert_int_equal(write(fd, bad, sizeof bad - 1u), (ssize_t)(sizeof bad - 1u));
    assert_int_equal(bl_cli_replay_begin(path, &t, &c, &why), BL_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "line 4"));
    assert_int_equal(ftruncate(fd, 0), 0);
    static const char good[] = "banklink-script 1\nstall\n";
    assert_int_equal(pwrite(fd, good, sizeof good - 1u, 0), (ssize_t)(sizeof good - 1u));
    (void)close(fd);
    assert_int_equal(bl_cli_replay_begin(path, &t, &c, &why), BL_OK);
    assert_non_null(t);
    assert_non_null(c);
    assert_int_equal(bl_cli_replay_end(0), BL_CLI_EXIT_REPLAY); /* the stall was never played */
    assert_int_equal(t->connect(t->ctx, "h", 1, 10u), BL_ERR_CONNECT);
    (void)unlink(path);
}

static void test_args_link_commands(void **state)
{
    (void)state;
    bl_cli_opts_t o;
    char err[BL_CLI_ERR_MAX];

    assert_true(parse(&o, err, "heron", "list-links", "eu-1", NULL));
    assert_int_equal(o.command, BL_CLI_HERON_LIST_LINKS);
    assert_string_equal(o.name, "list-links");
    assert_string_equal(o.end_user, "eu-1");
    assert_null(o.integration_id);
    assert_true(bl_cli_is_heron(o.command));
    assert_true(parse(&o, err, "heron", "list-links", "--integration=int_1", "eu-2", NULL));
    assert_string_equal(o.integration_id, "int_1");
    assert_string_equal(o.end_user, "eu-2");

    assert_true(parse(&o, err, "heron", "create-link", "int_1", "--item-id", "item-9", "--end-user-id", "eu-9",
                      "--access-token", "tok", "--end-user-name", "Acme Corp", NULL));
    assert_int_equal(o.command, BL_CLI_HERON_CREATE_LINK);
    assert_string_equal(o.integration_id, "int_1");
    assert_string_equal(o.item_id, "item-9");
    assert_string_equal(o.end_user_id, "eu-9");
    assert_string_equal(o.access_token, "tok");
    assert_string_equal(o.end_user_name, "Acme Corp");
    assert_true(parse(&o, err, "--item-id=i", "--end-user-id=e", "--access-token=t", "heron", "create-link", "int",
                      NULL));
    assert_null(o.end_user_name);

    assert_true(parse(&o, err, "heron", "refresh-link", "int_1", "item-1", NULL));
    assert_int_equal(o.command, BL_CLI_HERON_REFRESH_LINK);
    assert_string_equal(o.integration_id, "int_1");
    assert_string_equal(o.item_id, "item-1");

    assert_true(parse(&o, err, "heron", "delete-links", "int_1", "eu-1", NULL));
    assert_int_equal(o.command, BL_CLI_HERON_DELETE_LINKS);
    assert_string_equal(o.integration_id, "int_1");
    assert_string_equal(o.end_user, "eu-1");

    assert_true(parse(&o, err, "moneykit", "get-link", "mk_1", NULL));
    assert_int_equal(o.command, BL_CLI_MONEYKIT_GET_LINK);
    assert_string_equal(o.link_id, "mk_1");
    assert_false(bl_cli_is_heron(o.command));
    assert_true(parse(&o, err, "moneykit", "delete-link", "--", "-mk", NULL));
    assert_int_equal(o.command, BL_CLI_MONEYKIT_DELETE_LINK);
    assert_string_equal(o.link_id, "-mk");
    assert_true(parse(&o, err, "moneykit", "list-links", NULL));
    assert_int_equal(o.command, BL_CLI_MONEYKIT_LIST_LINKS);
    assert_int_equal(o.page_size, 0);
    assert_true(parse(&o, err, "moneykit", "list-links", "--page-size", "1000", NULL));
    assert_int_equal(o.page_size, 1000);
    assert_false(bl_cli_is_heron(BL_CLI_MONEYKIT_TOKEN));
    assert_true(bl_cli_is_heron(BL_CLI_HERON_UPDATE_LINK));
}

static void test_args_link_command_errors(void **state)
{
    (void)state;
    expect_usage_error("heron list-links needs END_USER_ID_OR_HERON_ID", "heron", "list-links", NULL);
    expect_usage_error("heron refresh-link needs INTEGRATION_HERON_ID ITEM_ID", "heron", "refresh-link", NULL);
    expect_usage_error("heron refresh-link needs ITEM_ID", "heron", "refresh-link", "int", NULL);
    expect_usage_error("heron delete-links needs INTEGRATION_HERON_ID END_USER_ID_OR_HERON_ID", "heron",
                       "delete-links", NULL);
    expect_usage_error("unexpected argument 'x'", "heron", "delete-links", "int", "eu", "x", NULL);
    expect_usage_error("heron create-link needs --item-id ID --end-user-id ID --access-token TOKEN", "heron",
                       "create-link", "int", "--item-id", "i", "--access-token", "t", NULL);
    expect_usage_error("heron create-link needs INTEGRATION_HERON_ID", "heron", "create-link", "--item-id", "i",
                       "--end-user-id", "e", "--access-token", "t", NULL);
    expect_usage_error("--end-user-id must not be empty", "heron", "create-link", "int", "--item-id", "i",
                       "--end-user-id", "", "--access-token", "t", NULL);
    expect_usage_error("INTEGRATION_HERON_ID must not be empty", "heron", "refresh-link", "", "item", NULL);
    expect_usage_error("END_USER_ID_OR_HERON_ID must not be empty", "heron", "list-links", "", NULL);
    expect_usage_error("LINK_ID must not be empty", "moneykit", "get-link", "", NULL);
    expect_usage_error("moneykit get-link needs LINK_ID", "moneykit", "get-link", NULL);
    expect_usage_error("unexpected argument 'x'", "moneykit", "list-links", "x", NULL);
    /* Options that belong to another command are refused, not ignored. */
    expect_usage_error("heron list-links does not take --item-id", "heron", "list-links", "eu", "--item-id", "i",
                       NULL);
    expect_usage_error("heron update-link does not take --end-user-name", "heron", "update-link", "i",
                       "--access-token", "t", "--end-user-name", "n", NULL);
    expect_usage_error("heron refresh-link does not take --access-token", "heron", "refresh-link", "int", "i",
                       "--access-token", "t", NULL);
    expect_usage_error("moneykit get-link does not take --page-size", "moneykit", "get-link", "mk",
                       "--page-size", "5", NULL);
    expect_usage_error("heron list-links does not take --page-size", "heron", "list-links", "eu", "--page-size",
                       "5", NULL);
    expect_usage_error("MONEYKIT_ACCESS_TOKEN", "moneykit", "list-links", "--access-token", "t", NULL);
    expect_usage_error("--page-size needs a number from 1 to 1000, not '0'", "moneykit", "list-links",
                       "--page-size", "0", NULL);
    expect_usage_error("--page-size", "moneykit", "list-links", "--page-size", "1001", NULL);
    expect_usage_error("--page-size", "moneykit", "list-links", "--page-size=x", NULL);
    expect_usage_error("expected update-link, list-links, create-link, refresh-link or delete-links", "heron",
                       "list", NULL);
}

static void test_parse_u32(void **state)
{
    (void)state;
    uint32_t v = 0;
    assert_true(bl_cli_parse_u32("4294967295", 0, UINT32_MAX, &v));
    assert_int_equal(v, UINT32_MAX);
    assert_false(bl_cli_parse_u32("4294967296", 0, UINT32_MAX, &v));
    assert_true(bl_cli_parse_u32("007", 1, 10, &v));
    assert_int_equal(v, 7);
    assert_false(bl_cli_parse_u32(" 7", 0, 10, &v));
    assert_false(bl_cli_parse_u32("7 ", 0, 10, &v));
    assert_false(bl_cli_parse_u32("", 0, 10, &v));
    assert_false(bl_cli_parse_u32(NULL, 0, 10, &v));
    assert_false(bl_cli_parse_u32("0", 1, 10, &v));
}

/* ------------------------------------------------------------ URLs */

static void expect_url(const char *text, bool tls, const char *host, unsigned port, const char *path)
{
    bl_cli_url_t u;
    const char *why = NULL;
    if (!bl_cli_parse_url(text, &u, &why)) {
        fail_msg("'%s' refused: %s", text, why);
    }
    assert_int_equal(u.tls, tls);
    assert_string_equal(u.host, host);
    assert_int_equal(u.port, port);
    assert_string_equal(u.path, path);
}

static void expect_bad_url(const char *text, const char *needle)
{
    bl_cli_url_t u;
    const char *why = NULL;
    if (bl_cli_parse_url(text, &u, &why)) {
        fail_msg("'%s' accepted", text);
    }
    assert_non_null(why);
    if (strstr(why, needle) == NULL) {
        fail_msg("'%s': reason '%s' lacks '%s'", text, why, needle);
    }
}

static void test_url_good(void **state)
{
    (void)state;
    expect_url("https://app.herondata.io", true, "app.herondata.io", 443, "");
    expect_url("http://api.moneykit.com", false, "api.moneykit.com", 80, "");
    expect_url("HTTP://LocalHost:8080/", false, "LocalHost", 8080, "");
    expect_url("http://127.0.0.1:9/sandbox/v1/", false, "127.0.0.1", 9, "/sandbox/v1");
    expect_url("http://[::1]:4010", false, "::1", 4010, "");
    expect_url("https://[2001:db8::7]/api%20x", true, "2001:db8::7", 443, "/api%20x");
    expect_url("http://[::ffff:127.0.0.1]:1", false, "::ffff:127.0.0.1", 1, "");
    expect_url("http://[fe80::1%25eth0]:80", false, "fe80::1%eth0", 80, "");
    expect_url("http://host:/p", false, "host", 80, "/p");
    expect_url("http://host:65535", false, "host", 65535, "");
    expect_url("http://my_host.local//", false, "my_host.local", 80, "");
    expect_url("http://h/a:b@c;d=e~f", false, "h", 80, "/a:b@c;d=e~f");
}

static void test_url_bad(void **state)
{
    (void)state;
    expect_bad_url("ftp://host", "scheme");
    expect_bad_url("host:80", "scheme");
    expect_bad_url("http:/host", "scheme");
    expect_bad_url("http://", "no host");
    expect_bad_url("http://:80", "no host");
    expect_bad_url("http://user:pw@host", "user info");
    expect_bad_url("http://host:0", "port");
    expect_bad_url("http://host:65536", "port");
    expect_bad_url("http://host:123456789", "port");
    expect_bad_url("http://host:8x", "after the host");
    expect_bad_url("http://host?q=1", "query");
    expect_bad_url("http://host/p?q=1", "query");
    expect_bad_url("http://host/p#frag", "fragment");
    expect_bad_url("http://ho st", "host");
    expect_bad_url("http://host\r\nX: y", "host");
    expect_bad_url("http://host/a b", "path");
    expect_bad_url("http://host/a%2", "escape");
    expect_bad_url("http://host/a%zz", "escape");
    expect_bad_url("http://[::1", "unterminated");
    expect_bad_url("http://[127.0.0.1]", "IPv6");
    expect_bad_url("http://[::g]", "IPv6");
    expect_bad_url("http://[fe80::1%eth0]", "zone");
    expect_bad_url("http://[]", "IPv6");
}

/* ------------------------------------------------------------ exit codes */

static void test_exit_codes(void **state)
{
    (void)state;
    assert_int_equal(bl_cli_exit_code(BL_OK), 0);
    assert_int_equal(bl_cli_exit_code(BL_ERR_INVALID_ARG), 2);
    assert_int_equal(bl_cli_exit_code(BL_ERR_REQUEST_TOO_LARGE), 2);
    assert_int_equal(bl_cli_exit_code(BL_ERR_UNSUPPORTED), 2);
    assert_int_equal(bl_cli_exit_code(BL_ERR_NO_TOKEN), 2);
    for (int s = BL_ERR_RESOLVE; s <= BL_ERR_TLS_PIN; s++) {
        assert_int_equal(bl_cli_exit_code((bl_status_t)s), 3);
    }
    for (int s = BL_ERR_HTTP_MALFORMED; s <= BL_ERR_DECODE; s++) {
        assert_int_equal(bl_cli_exit_code((bl_status_t)s), 5);
    }
    assert_int_equal(bl_cli_exit_code(BL_ERR_API), 4);
    assert_int_equal(bl_cli_exit_code(BL_ERR_RATE_LIMITED), 4);
    assert_int_equal(bl_cli_exit_code(BL_STATUS_COUNT), 1);
    /* --replay's own code is none of a status's. */
    for (int s = 0; s <= BL_STATUS_COUNT; s++) {
        assert_int_not_equal(bl_cli_exit_code((bl_status_t)s), BL_CLI_EXIT_REPLAY);
    }
    for (int s = 0; s < BL_STATUS_COUNT; s++) {
        assert_string_not_equal(bl_cli_explain((bl_status_t)s), "unexpected status");
    }
}

/* ------------------------------------------------------------ JSON output */

static void test_json_heron_full(void **state)
{
    (void)state;
    bl_heron_link_t l;
    memset(&l, 0, sizeof l);
    l.item_id = str("M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op");
    l.status = BL_HERON_LINK_ACTIVE;
    l.status_raw = str("active");
    l.status_message = str("say \"hi\"\\\n\x01 caf\xc3\xa9");
    l.type = str("plaid_assets_report");
    l.created = ts(1577836800, 0);
    l.last_successful_sync = ts(-1, 500000000);
    l.last_updated.presence = BL_NULL;
    char out[1024];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link(&b, &l));
    out[b.len] = '\0';
    assert_string_equal(out,
                        "{\"integration_link\":{\"item_id\":\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\","
                        "\"status\":\"active\",\"status_message\":\"say \\\"hi\\\"\\\\\\n\\u0001 caf\xc3\xa9\","
                        "\"type\":\"plaid_assets_report\",\"created\":\"2020-01-01T00:00:00Z\","
                        "\"last_successful_sync\":\"1969-12-31T23:59:59.5Z\",\"last_updated\":null}}");
}

static void test_json_heron_absent(void **state)
{
    (void)state;
    bl_heron_link_t l;
    memset(&l, 0, sizeof l); /* every presence is BL_ABSENT (0) */
    l.status_raw = str("brand_new_state");
    l.status_message = null_str();
    char out[256];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link(&b, &l));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"integration_link\":{\"status\":\"brand_new_state\",\"status_message\":null}}");

    memset(&l, 0, sizeof l);
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link(&b, &l));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"integration_link\":{}}");
}

static void test_json_overflow(void **state)
{
    (void)state;
    bl_heron_link_t l;
    memset(&l, 0, sizeof l);
    l.item_id = str("0123456789012345678901234567890123456789");
    char out[32];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_false(bl_cli_json_heron_link(&b, &l));
    assert_true(b.len > sizeof out);
}

static void test_json_invalid_utf8(void **state)
{
    (void)state;
    bl_heron_link_t l;
    memset(&l, 0, sizeof l);
    l.type = str("a\xff" "b\xc3\xa9\xe2\x82" "c\"");
    char out[256];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link(&b, &l));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"integration_link\":{\"type\":\"a\\ufffdb\xc3\xa9\\ufffd\\ufffdc\\\"\"}}");
}

static void test_json_moneykit_exchange(void **state)
{
    (void)state;
    bl_moneykit_exchange_t ex;
    memset(&ex, 0, sizeof ex);
    static const char tags[] = "user_type:admin\0x\"y\0";
    ex.link_id = str("mk_eqkWN34UEoa2NxyALG8pcV");
    ex.link.link_id = str("mk_eqkWN34UEoa2NxyALG8pcV");
    ex.link.institution_id = str("chase");
    ex.link.institution_name = str("Chase");
    ex.link.provider = str("mx");
    ex.link.state = BL_MONEYKIT_LINK_CONNECTED;
    ex.link.state_raw = str("connected");
    ex.link.error_code = null_str();
    ex.link.last_synced_at = ts(1676538851, 0);
    ex.link.tags.first = tags;
    ex.link.tags.count = 2;
    ex.link.tags.presence = BL_PRESENT;
    ex.link.products.accounts.presence = BL_PRESENT;
    ex.link.products.accounts.refreshed_at = ts(1676538851, 0);
    ex.link.products.accounts.last_attempted_at = ts(1676538851, 0);
    ex.link.products.identity.presence = BL_PRESENT;
    ex.link.products.identity.refreshed_at.presence = BL_NULL;
    ex.link.products.identity.error_code = str("e");
    ex.link.products.identity.error_message = null_str();
    ex.link.products.identity.settings.presence = BL_PRESENT;
    ex.link.products.identity.settings.required.presence = BL_PRESENT;
    ex.link.products.identity.settings.required.value = true;
    ex.link.products.identity.settings.prefetch.presence = BL_PRESENT;
    ex.link.products.identity.settings.prefetch.value = false;
    ex.link.products.transactions.presence = BL_NULL;
    ex.link.products.investments.presence = BL_PRESENT;
    ex.link.products.investments.settings.presence = BL_NULL;
    ex.link.products.account_numbers.presence = BL_PRESENT;
    ex.link.products.account_numbers.settings.presence = BL_PRESENT;
    ex.link.products.account_numbers.settings.prefetch.presence = BL_NULL;

    char out[2048];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_moneykit_exchange(&b, &ex));
    out[b.len] = '\0';
    assert_string_equal(out,
                        "{\"link_id\":\"mk_eqkWN34UEoa2NxyALG8pcV\",\"link\":{\"link_id\":\"mk_eqkWN34UEoa2NxyALG8pcV\","
                        "\"institution_id\":\"chase\",\"institution_name\":\"Chase\",\"provider\":\"mx\","
                        "\"state\":\"connected\",\"error_code\":null,\"last_synced_at\":\"2023-02-16T09:14:11Z\","
                        "\"tags\":[\"user_type:admin\",\"x\\\"y\"],\"products\":{"
                        "\"accounts\":{\"refreshed_at\":\"2023-02-16T09:14:11Z\",\"last_attempted_at\":\"2023-02-16T09:14:11Z\"},"
                        "\"account_numbers\":{\"settings\":{\"prefetch\":null}},"
                        "\"identity\":{\"refreshed_at\":null,\"error_code\":\"e\",\"error_message\":null,"
                        "\"settings\":{\"required\":true,\"prefetch\":false}},"
                        "\"transactions\":null,\"investments\":{\"settings\":null}}}}");

    /* Empty and null tag lists. */
    memset(&ex, 0, sizeof ex);
    ex.link.tags.presence = BL_PRESENT;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_moneykit_exchange(&b, &ex));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"link\":{\"tags\":[],\"products\":{}}}");
    ex.link.tags.presence = BL_NULL;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_moneykit_exchange(&b, &ex));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"link\":{\"tags\":null,\"products\":{}}}");
}

/* The decoders of the core feed the printer: the seed documents' answers
 * round-trip to the same fields. */
static void test_json_from_decoded_seeds(void **state)
{
    (void)state;
    static bl_json_token_t tokens[256];
    char body[] = "{\"integration_link\": {\"created\": \"2020-01-01T00:00:00Z\", \"item_id\": "
                  "\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\", \"last_successful_sync\": \"2020-01-01T00:00:00+01:00\","
                  " \"last_updated\": null, \"status\": \"active\", \"status_message\": \"a\\u00e9\\n\","
                  " \"type\": \"plaid_assets_report\", \"unknown\": {\"x\": [1,2]}}}";
    bl_heron_link_t l;
    assert_int_equal(bl_heron_decode_link_response(body, strlen(body), tokens, 256, &l), BL_OK);
    char out[1024];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link(&b, &l));
    out[b.len] = '\0';
    assert_string_equal(out,
                        "{\"integration_link\":{\"item_id\":\"M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op\","
                        "\"status\":\"active\",\"status_message\":\"a\xc3\xa9\\n\",\"type\":\"plaid_assets_report\","
                        "\"created\":\"2020-01-01T00:00:00Z\",\"last_successful_sync\":\"2019-12-31T23:00:00Z\","
                        "\"last_updated\":null}}");

    char mk[] = "{\"link_id\":\"mk_1\",\"link\":{\"link_id\":\"mk_1\",\"institution_id\":\"chase\","
                "\"institution_name\":\"Chase\",\"provider\":\"mx\",\"state\":\"connected\","
                "\"last_synced_at\":\"2023-02-16T09:14:11\",\"tags\":[\"user_type:admin\"],"
                "\"products\":{\"accounts\":{\"refreshed_at\":\"2023-02-16T09:14:11\","
                "\"last_attempted_at\":\"2023-02-16T09:14:11\"},\"identity\":{\"refreshed_at\":\"2023-02-16T09:14:11\","
                "\"last_attempted_at\":\"2023-02-16T09:14:11\",\"settings\":{\"required\":true,\"prefetch\":false}}}}}";
    bl_moneykit_exchange_t ex;
    assert_int_equal(bl_moneykit_decode_exchange(mk, strlen(mk), tokens, 256, &ex), BL_OK);
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_moneykit_exchange(&b, &ex));
    out[b.len] = '\0';
    assert_string_equal(out,
                        "{\"link_id\":\"mk_1\",\"link\":{\"link_id\":\"mk_1\",\"institution_id\":\"chase\","
                        "\"institution_name\":\"Chase\",\"provider\":\"mx\",\"state\":\"connected\","
                        "\"last_synced_at\":\"2023-02-16T09:14:11Z\",\"tags\":[\"user_type:admin\"],"
                        "\"products\":{\"accounts\":{\"refreshed_at\":\"2023-02-16T09:14:11Z\","
                        "\"last_attempted_at\":\"2023-02-16T09:14:11Z\"},\"identity\":{\"refreshed_at\":\"2023-02-16T09:14:11Z\","
                        "\"last_attempted_at\":\"2023-02-16T09:14:11Z\",\"settings\":{\"required\":true,\"prefetch\":false}}}}}");
}

static void test_json_token(void **state)
{
    (void)state;
    bl_moneykit_auth_t auth;
    bl_moneykit_auth_init(&auth, NULL, NULL);
    assert_int_equal(bl_moneykit_auth_set_token(&auth, "tok-123"), BL_OK);
    static const char type[] = "bearer";
    auth.token_type.ptr = type;
    auth.token_type.len = sizeof type - 1u;
    auth.token_type.presence = BL_PRESENT;
    auth.expires_in_s = 3600;
    auth.has_expiry = true;
    char out[256];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_moneykit_token(&b, &auth));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"access_token\":\"tok-123\",\"token_type\":\"bearer\",\"expires_in\":3600}");
}

static void test_json_heron_link_objects(void **state)
{
    (void)state;
    bl_heron_link_t l;
    memset(&l, 0, sizeof l);
    l.item_id = str("item-1");
    l.status_raw = str("pending");
    l.created = ts(1577836800, 0);
    l.data_source_heron_id = str("ds_123");
    char out[512];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_wrapped(&b, "link", &l));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"link\":{\"item_id\":\"item-1\",\"status\":\"pending\",\"created\":"
                             "\"2020-01-01T00:00:00Z\",\"data_source_heron_id\":\"ds_123\"}}");
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link_obj(&b, &l));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"item_id\":\"item-1\",\"status\":\"pending\",\"created\":"
                             "\"2020-01-01T00:00:00Z\",\"data_source_heron_id\":\"ds_123\"}");

    /* An element of a list answer, decoded by the core, printed back. */
    static bl_json_token_t tokens[64];
    char elem[] = "{\"item_id\": \"it\\u00e9m\", \"status\": \"erroring\", \"status_message\": null,"
                  " \"last_updated\": \"2020-01-01T01:00:00+01:00\", \"heron_id\": \"itl_1\", \"x\": [1, {}]}";
    bl_heron_link_t d;
    assert_int_equal(bl_heron_decode_link(elem, strlen(elem), tokens, 64, &d), BL_OK);
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_heron_link_obj(&b, &d));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"item_id\":\"it\xc3\xa9m\",\"status\":\"erroring\",\"status_message\":null,"
                             "\"last_updated\":\"2020-01-01T00:00:00Z\"}");
}

static void test_json_moneykit_link(void **state)
{
    (void)state;
    static bl_json_token_t tokens[256];
    char body[] = "{\"link_id\":\"mk_2\",\"institution_id\":\"chase\",\"institution_name\":\"Chase\","
                  "\"provider\":\"mx\",\"state\":\"error\",\"error_code\":\"auth_expired\",\"last_synced_at\":null,"
                  "\"tags\":[],\"products\":{\"transactions\":{\"refreshed_at\":\"2023-02-16T09:14:11.500\"}},"
                  "\"institution_avatar\":null}";
    bl_moneykit_link_t link;
    assert_int_equal(bl_moneykit_decode_link(body, strlen(body), tokens, 256, &link), BL_OK);
    char out[1024];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    assert_true(bl_cli_json_moneykit_link(&b, &link));
    out[b.len] = '\0';
    assert_string_equal(out, "{\"link_id\":\"mk_2\",\"institution_id\":\"chase\",\"institution_name\":\"Chase\","
                             "\"provider\":\"mx\",\"state\":\"error\",\"error_code\":\"auth_expired\","
                             "\"last_synced_at\":null,\"tags\":[],\"products\":{\"transactions\":"
                             "{\"refreshed_at\":\"2023-02-16T09:14:11.5Z\"}}}");
    /* Too small a buffer is reported, not cut silently. */
    char small[40];
    bl_buf_init(&b, small, sizeof small);
    assert_false(bl_cli_json_moneykit_link(&b, &link));
}

/* A list written to a memory stream: nothing before the first element,
 * one write per element, the empty list whole. */
static void test_list_writer(void **state)
{
    (void)state;
    char mem[256];
    memset(mem, 0, sizeof mem);
    FILE *f = fmemopen(mem, sizeof mem, "w");
    assert_non_null(f);
    assert_int_equal(setvbuf(f, NULL, _IONBF, 0), 0);
    bl_cli_list_t l;
    bl_cli_list_init(&l, f, "links");
    char item[64];
    bl_buf_t b;
    for (int i = 0; i < 3; i++) {
        bl_buf_init(&b, item, sizeof item);
        bl_cli_list_item_begin(&l, &b);
        bl_buf_puts(&b, i == 0 ? "{\"a\":1}" : i == 1 ? "{}" : "{\"b\":[2]}");
        assert_true(bl_cli_list_item_end(&l, &b));
        assert_int_equal(ftell(f), (long)strlen(mem));
        if (i == 0) {
            assert_string_equal(mem, "{\"links\":[{\"a\":1}");
        }
    }
    assert_int_equal(l.count, 3);
    assert_true(bl_cli_list_finish(&l));
    assert_int_equal(fclose(f), 0);
    assert_string_equal(mem, "{\"links\":[{\"a\":1},{},{\"b\":[2]}]}\n");

    memset(mem, 0, sizeof mem);
    f = fmemopen(mem, sizeof mem, "w");
    assert_non_null(f);
    bl_cli_list_init(&l, f, "links");
    assert_true(bl_cli_list_finish(&l));
    assert_int_equal(fclose(f), 0);
    assert_string_equal(mem, "{\"links\":[]}\n");

    /* An element that overflowed its buffer is not written, and stops the list. */
    memset(mem, 0, sizeof mem);
    f = fmemopen(mem, sizeof mem, "w");
    assert_non_null(f);
    bl_cli_list_init(&l, f, "links");
    char tiny[8];
    bl_buf_init(&b, tiny, sizeof tiny);
    bl_cli_list_item_begin(&l, &b);
    bl_buf_puts(&b, "{}");
    assert_false(bl_cli_list_item_end(&l, &b));
    assert_true(l.failed);
    assert_int_equal(l.count, 0);
    assert_false(bl_cli_list_finish(&l));
    assert_int_equal(fclose(f), 0);
    assert_string_equal(mem, "");
}

static void test_outcome_hints(void **state)
{
    (void)state;
    assert_non_null(strstr(bl_cli_outcome_hint(BL_CLI_MONEYKIT_EXCHANGE), "exchanged once"));
    assert_non_null(strstr(bl_cli_outcome_hint(BL_CLI_HERON_CREATE_LINK), "heron list-links"));
    assert_non_null(strstr(bl_cli_outcome_hint(BL_CLI_HERON_REFRESH_LINK), "refresh may have started"));
    /* Idempotent calls are retried instead: no outcome to reconcile. */
    assert_null(bl_cli_outcome_hint(BL_CLI_HERON_LIST_LINKS));
    assert_null(bl_cli_outcome_hint(BL_CLI_MONEYKIT_DELETE_LINK));

    bl_error_info_t last;
    clear_last(&last);
    char out[512];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out - 1u);
    bl_cli_describe_failure(&b, "create-link", BL_ERR_OUTCOME_UNKNOWN, &last, 1000, 2,
                            bl_cli_outcome_hint(BL_CLI_HERON_CREATE_LINK), NULL);
    out[b.len] = '\0';
    assert_string_equal(out, "banklink: create-link: the request was sent but no complete answer came back: the "
                             "link may have been created; do not repeat it blindly, list the end user's links "
                             "(heron list-links) first [BL_ERR_OUTCOME_UNKNOWN]");

    /* A note goes before the status name, whatever the status. */
    bl_buf_init(&b, out, sizeof out - 1u);
    bl_cli_describe_failure(&b, "list-links", BL_ERR_RECV, &last, 1000, 2, NULL,
                            "3 links were printed before the failure; the list is incomplete");
    out[b.len] = '\0';
    assert_string_equal(out, "banklink: list-links: the connection failed before a complete response arrived; "
                             "3 links were printed before the failure; the list is incomplete [BL_ERR_RECV]");

    /* Heron's rate-limit figures. */
    last.http_status = 429;
    last.api_code = str("429");
    last.api_name = str("Too Many Requests");
    last.api_message = str("Slow down");
    last.retry_after_ms = 120000;
    last.ratelimit_limit = 100;
    last.ratelimit_remaining = 0;
    last.ratelimit_reset_s = 42;
    bl_buf_init(&b, out, sizeof out - 1u);
    last.attempts = 1;
    bl_cli_describe_failure(&b, "list-links", BL_ERR_RATE_LIMITED, &last, 1000, 2, NULL, NULL);
    out[b.len] = '\0';
    assert_string_equal(out, "banklink: list-links: API error: HTTP 429 Too Many Requests: Slow down; rate limited; "
                             "the wait it asked for does not fit the deadline; retry after 120 s; rate limit 100, "
                             "0 remaining, resets in 42 s [BL_ERR_RATE_LIMITED]");

    /* A 503 with Retry-After, the retries used up: neither a rate limit nor
     * the deadline is the reason. */
    clear_last(&last);
    last.http_status = 503;
    last.api_code = str("503");
    last.api_name = str("Service Unavailable");
    last.api_message = str("Down for maintenance");
    last.retry_after_ms = 1000;
    last.attempts = 2;
    bl_buf_init(&b, out, sizeof out - 1u);
    bl_cli_describe_failure(&b, "list-links", BL_ERR_RATE_LIMITED, &last, 15000, 1, NULL, NULL);
    out[b.len] = '\0';
    assert_string_equal(out, "banklink: list-links: API error: HTTP 503 Service Unavailable: Down for maintenance; "
                             "unavailable, asked to wait; no retry left after 2 attempts; retry after 1 s "
                             "[BL_ERR_RATE_LIMITED]");
}

/* ------------------------------------------------------------ diagnostics */

static const char *describe_d(bl_status_t st, const bl_error_info_t *last, const char *detail, char *out, size_t cap)
{
    bl_buf_t b;
    bl_buf_init(&b, out, cap - 1u);
    bl_cli_describe_failure(&b, "update-link", st, last, 1500, 2, detail, NULL);
    out[b.len < cap - 1u ? b.len : cap - 1u] = '\0';
    return out;
}

static const char *describe(bl_status_t st, const bl_error_info_t *last, char *out, size_t cap)
{
    return describe_d(st, last, NULL, out, cap);
}

static void test_describe(void **state)
{
    (void)state;
    bl_error_info_t last;
    clear_last(&last);
    char out[512];

    last.http_status = 404;
    last.api_code = str("not_found");
    last.api_message = str("Integration link not found");
    assert_string_equal(describe(BL_ERR_API, &last, out, sizeof out),
                        "banklink: update-link: API error: HTTP 404 not_found: Integration link not found [BL_ERR_API]");

    /* Heron: numeric code plus name; terminal escapes neutralised. */
    last.api_code = str("404");
    last.api_name = str("Not Found");
    last.api_message = str("no\x1b[31m link");
    assert_string_equal(describe(BL_ERR_API, &last, out, sizeof out),
                        "banklink: update-link: API error: HTTP 404 Not Found: no\\x1b[31m link [BL_ERR_API]");

    /* MoneyKit: code, message and documentation link. */
    clear_last(&last);
    last.http_status = 400;
    last.api_code = str("link_session_error.invalid_token_exchange");
    last.api_message = str("Token already exchanged");
    last.api_doc_url = str("https://docs.moneykit.com/x");
    assert_string_equal(describe(BL_ERR_API, &last, out, sizeof out),
                        "banklink: update-link: API error: HTTP 400 link_session_error.invalid_token_exchange: "
                        "Token already exchanged (see https://docs.moneykit.com/x) [BL_ERR_API]");
    last.http_status = 429;
    last.retry_after_ms = 1500;
    last.attempts = 3;
    assert_string_equal(describe(BL_ERR_RATE_LIMITED, &last, out, sizeof out),
                        "banklink: update-link: API error: HTTP 429 link_session_error.invalid_token_exchange: "
                        "Token already exchanged (see https://docs.moneykit.com/x); rate limited; no retry left "
                        "after 3 attempts; retry after 2 s [BL_ERR_RATE_LIMITED]");

    clear_last(&last);
    last.http_status = 429;
    last.retry_after_ms = 120000;
    last.attempts = 1;
    assert_string_equal(describe(BL_ERR_RATE_LIMITED, &last, out, sizeof out),
                        "banklink: update-link: API error: HTTP 429: the API asked the client to wait (HTTP 429, "
                        "or 503 with Retry-After); the wait it asked for does not fit the deadline; retry after "
                        "120 s [BL_ERR_RATE_LIMITED]");

    clear_last(&last);
    last.needed_size = 9000;
    last.http_status = 200;
    assert_string_equal(describe(BL_ERR_RESPONSE_TOO_LARGE, &last, out, sizeof out),
                        "banklink: update-link: the response does not fit the work buffer; it needs a buffer of 9000 "
                        "bytes (HTTP 200) [BL_ERR_RESPONSE_TOO_LARGE]");

    clear_last(&last);
    last.transport_code = 111;
    assert_string_equal(describe(BL_ERR_CONNECT, &last, out, sizeof out),
                        "banklink: update-link: could not connect to the server (refused or unreachable) "
                        "(transport code 111) [BL_ERR_CONNECT]");
    clear_last(&last);
    assert_string_equal(describe(BL_ERR_TIMEOUT, &last, out, sizeof out),
                        "banklink: update-link: no complete answer before the deadline (1500 ms) [BL_ERR_TIMEOUT]");
    assert_string_equal(describe_d(BL_ERR_TLS_CERT, &last, "certificate expired", out, sizeof out),
                        "banklink: update-link: the server certificate failed verification; no request byte was "
                        "sent: certificate expired [BL_ERR_TLS_CERT]");
    describe(BL_ERR_OUTCOME_UNKNOWN, &last, out, sizeof out);
    assert_non_null(strstr(out, "may have happened"));
    assert_non_null(strstr(out, "do not repeat"));
    assert_non_null(strstr(out, "[BL_ERR_OUTCOME_UNKNOWN]"));
}

static void test_log_lines(void **state)
{
    (void)state;
    char mem[1024];
    memset(mem, 0, sizeof mem);
    FILE *f = fmemopen(mem, sizeof mem, "w");
    assert_non_null(f);
    bl_cli_log_t log;
    bl_cli_log_init(&log, f);
    /* The core logs a request in pieces around each redacted secret, the
     * CR of a CRLF possibly at the end of one piece and the LF in the next. */
    bl_cli_log(&log, BL_LOG_INFO, "connected", 9);
    bl_cli_log(&log, BL_LOG_TX, "PUT /api/x HTTP/1.1\r\nx-api-key: ", 32);
    bl_cli_log(&log, BL_LOG_TX, "[REDACTED]", 10);
    bl_cli_log(&log, BL_LOG_TX, "\r", 1);
    bl_cli_log(&log, BL_LOG_TX, "\n\r\n{\"a\":\"\x01\xff\\n\"}", 15);
    bl_cli_log(&log, BL_LOG_RX, "HTTP/1.1 200 OK", 15);
    bl_cli_log(&log, BL_LOG_RX, "Bad\rLine", 8);
    bl_cli_log(&log, BL_LOG_RX, "{\"k\":\"caf\\u00e9\"}\n", 18);
    bl_cli_log(&log, BL_LOG_INFO, "retry\tin 200 ms", 15);
    bl_cli_log(&log, BL_LOG_TX, "tail\r", 5);
    bl_cli_log_end(&log);
    bl_cli_log_end(&log); /* idempotent */
    assert_int_equal(fclose(f), 0);
    assert_string_equal(mem, "* connected\n"
                             "> PUT /api/x HTTP/1.1\n"
                             "> x-api-key: [REDACTED]\n"
                             "> \n"
                             "> {\"a\":\"\\x01\\xff\\n\"}\n"
                             "< HTTP/1.1 200 OK\n"
                             "< Bad\\rLine\n"
                             "< {\"k\":\"caf\\u00e9\"}\n"
                             "* retry\\tin 200 ms\n"
                             "> tail\\r\n");
}

static void test_log_long_line(void **state)
{
    (void)state;
    static char mem[8192];
    static char text[1000];
    memset(text, 0x07, sizeof text);
    FILE *f = fmemopen(mem, sizeof mem, "w");
    assert_non_null(f);
    bl_cli_log_t log;
    bl_cli_log_init(&log, f);
    bl_cli_log(&log, BL_LOG_RX, text, sizeof text);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(strlen(mem), 2u + 4u * sizeof text + 1u);
    assert_memory_equal(mem, "< \\x07\\x07", 10);
    assert_int_equal(mem[strlen(mem) - 1u], '\n');
}

/* ------------------------------------------------------------ transport choice */

static void test_transport_choice(void **state)
{
    (void)state;
    bl_cli_url_t url;
    const char *why;
    bl_cli_transport_t t;
    bl_clock_t clock;
    bl_posix_clock_init(&clock);
    bl_cli_opts_t o;
    memset(&o, 0, sizeof o);
    const bl_transport_t *tr = NULL;
    assert_true(bl_cli_parse_url("http://127.0.0.1:1", &url, &why));
    assert_int_equal(bl_cli_transport_setup(&t, &url, &clock, &o, &tr, &why), BL_OK);
    assert_ptr_equal(tr, &t.tcp);
    assert_ptr_equal(tr->ctx, &t.sock);
    assert_null(bl_cli_transport_reason(&t, BL_ERR_TLS_CERT));
    bl_cli_transport_free(&t);

    assert_true(bl_cli_parse_url("https://127.0.0.1:1", &url, &why));
    if (!bl_cli_have_tls()) {
        assert_int_equal(bl_cli_transport_setup(&t, &url, &clock, &o, &tr, &why), BL_ERR_UNSUPPORTED);
        assert_null(tr);
        assert_non_null(strstr(why, "https needs the TLS transport, not built in"));
        bl_cli_transport_free(&t);
        return;
    }
    /* TLS over the TCP transport, anchors from a file. */
    o.ca_file = "/etc/ssl/certs/ca-certificates.crt";
    FILE *bundle = fopen(o.ca_file, "r");
    if (bundle != NULL) {
        fclose(bundle);
        assert_int_equal(bl_cli_transport_setup(&t, &url, &clock, &o, &tr, &why), BL_OK);
        assert_non_null(tr);
        assert_ptr_not_equal(tr, &t.tcp);
        bl_cli_transport_free(&t);
    }
    o.ca_file = "/nonexistent/ca.pem";
    assert_int_equal(bl_cli_transport_setup(&t, &url, &clock, &o, &tr, &why), BL_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "--ca-file"));
    assert_null(tr);
    bl_cli_transport_free(&t);
    o.ca_file = NULL;
    o.pin_sha256 = "not-base64!";
    assert_int_equal(bl_cli_transport_setup(&t, &url, &clock, &o, &tr, &why), BL_ERR_INVALID_ARG);
    assert_non_null(strstr(why, "--pin-sha256"));
    bl_cli_transport_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_args_heron),
        cmocka_unit_test(test_args_moneykit),
        cmocka_unit_test(test_args_help_version),
        cmocka_unit_test(test_args_errors),
        cmocka_unit_test(test_args_record_replay),
        cmocka_unit_test(test_record_replay_files),
        cmocka_unit_test(test_args_link_commands),
        cmocka_unit_test(test_args_link_command_errors),
        cmocka_unit_test(test_parse_u32),
        cmocka_unit_test(test_url_good),
        cmocka_unit_test(test_url_bad),
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_json_heron_full),
        cmocka_unit_test(test_json_heron_absent),
        cmocka_unit_test(test_json_overflow),
        cmocka_unit_test(test_json_invalid_utf8),
        cmocka_unit_test(test_json_moneykit_exchange),
        cmocka_unit_test(test_json_from_decoded_seeds),
        cmocka_unit_test(test_json_token),
        cmocka_unit_test(test_json_heron_link_objects),
        cmocka_unit_test(test_json_moneykit_link),
        cmocka_unit_test(test_list_writer),
        cmocka_unit_test(test_outcome_hints),
        cmocka_unit_test(test_describe),
        cmocka_unit_test(test_log_lines),
        cmocka_unit_test(test_log_long_line),
        cmocka_unit_test(test_transport_choice),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
