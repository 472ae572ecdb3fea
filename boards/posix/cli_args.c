/**
 * @file cli_args.c
 * @brief Command line, base URL and number parsing of the host tool, and
 * the mapping from status to exit code. No I/O: unit-tested directly.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/** Longest --timeout-ms accepted: one day, far inside the core's 32-bit clock arithmetic. */
#define BL_CLI_MAX_TIMEOUT_MS 86400000u

const char bl_cli_usage[] =
    "usage:\n"
    "  banklink [OPTIONS] heron update-link ITEM_ID --access-token TOKEN\n"
    "  banklink [OPTIONS] heron list-links END_USER_ID_OR_HERON_ID [--integration HERON_ID]\n"
    "  banklink [OPTIONS] heron create-link INTEGRATION_HERON_ID --item-id ID --end-user-id ID\n"
    "                     --access-token TOKEN [--end-user-name NAME]\n"
    "  banklink [OPTIONS] heron refresh-link INTEGRATION_HERON_ID ITEM_ID\n"
    "  banklink [OPTIONS] heron delete-links INTEGRATION_HERON_ID END_USER_ID_OR_HERON_ID\n"
    "  banklink [OPTIONS] moneykit exchange-token EXCHANGEABLE_TOKEN\n"
    "  banklink [OPTIONS] moneykit token\n"
    "  banklink [OPTIONS] moneykit get-link LINK_ID\n"
    "  banklink [OPTIONS] moneykit delete-link LINK_ID\n"
    "  banklink [OPTIONS] moneykit list-links [--page-size N]\n"
    "  banklink --help | --version\n"
    "\n"
    "options (before the vendor word or after the command):\n"
    "  --base-url URL     http[s]://host[:port][/prefix]; default " BL_CLI_HERON_URL "\n"
    "                     for heron, " BL_CLI_MONEYKIT_URL " for moneykit\n"
    "  --timeout-ms N     deadline of each call, all retries included (default 15000)\n"
    "  --retries N        retries after the first attempt (default 2)\n"
    "  --ca-file PATH     https: trust anchors (PEM/DER; default $SSL_CERT_FILE, else\n"
    "                     the system bundle)\n"
    "  --pin-sha256 B64   https: also require this SHA-256 of the server public key\n"
    "  -v, --verbose      log the HTTP exchange to stderr (secrets redacted)\n"
    "  --record FILE      also write the session to FILE as a test-kit script\n"
    "                     (secrets masked), to replay later\n"
    "  --replay FILE      no network: play the script FILE as the server, on a\n"
    "                     fake clock; exit 6 if the run left it off script\n"
    "  -h, --help         show this help\n"
    "  --version          show the version\n"
    "\n"
    "environment:\n"
    "  HERON_API_KEY            Heron API key (x-api-key)\n"
    "  MONEYKIT_ACCESS_TOKEN    MoneyKit bearer token, or:\n"
    "  MONEYKIT_CLIENT_ID, MONEYKIT_CLIENT_SECRET\n"
    "                           client credentials; a token is fetched first\n"
    "\n"
    "On success one JSON document is printed to stdout; lists stream as\n"
    "{\"links\":[...]} one element at a time (MoneyKit: every page); delete\n"
    "commands print {}.\n"
    "exit codes: 0 ok, 2 usage error or refused input (nothing sent),\n"
    "  3 network/TLS/timeout or outcome unknown, 4 the API answered an error,\n"
    "  5 malformed or oversized response, 6 --replay: the run did not follow FILE\n";

bool bl_cli_is_heron(bl_cli_command_t command)
{
    return command >= BL_CLI_HERON_UPDATE_LINK && command <= BL_CLI_HERON_DELETE_LINKS;
}

bool bl_cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
    if (s == NULL || s[0] == '\0') {
        return false;
    }
    uint64_t v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10u + (uint64_t)(*p - '0');
        if (v > max) {
            return false;
        }
    }
    if (v < min) {
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

/* One bit per command, for the options that belong to some commands only. */
#define CMD_BIT(c) (1u << (unsigned)(c))
#define ALL_COMMANDS 0xFFFFFFFFu

/* Options that take a value, where each goes, and which commands take it. */
typedef enum {
    OPT_BASE_URL, OPT_TIMEOUT, OPT_RETRIES, OPT_CA_FILE, OPT_PIN, OPT_ACCESS_TOKEN, OPT_ITEM_ID, OPT_END_USER_ID,
    OPT_END_USER_NAME, OPT_INTEGRATION, OPT_PAGE_SIZE, OPT_RECORD, OPT_REPLAY, OPT_COUNT, OPT_NONE = OPT_COUNT
} bl_cli_opt_t;

typedef struct bl_cli_opt_def {
    const char *name;
    uint32_t commands;  /* CMD_BITs of the commands that accept it */
} bl_cli_opt_def_t;

static const bl_cli_opt_def_t bl_cli_opt_defs[OPT_COUNT] = {
    {"--base-url", ALL_COMMANDS},
    {"--timeout-ms", ALL_COMMANDS},
    {"--retries", ALL_COMMANDS},
    {"--ca-file", ALL_COMMANDS},
    {"--pin-sha256", ALL_COMMANDS},
    {"--access-token", CMD_BIT(BL_CLI_HERON_UPDATE_LINK) | CMD_BIT(BL_CLI_HERON_CREATE_LINK)},
    {"--item-id", CMD_BIT(BL_CLI_HERON_CREATE_LINK)},
    {"--end-user-id", CMD_BIT(BL_CLI_HERON_CREATE_LINK)},
    {"--end-user-name", CMD_BIT(BL_CLI_HERON_CREATE_LINK)},
    {"--integration", CMD_BIT(BL_CLI_HERON_LIST_LINKS)},
    {"--page-size", CMD_BIT(BL_CLI_MONEYKIT_LIST_LINKS)},
    {"--record", ALL_COMMANDS},
    {"--replay", ALL_COMMANDS},
};

static bl_cli_opt_t bl_cli_value_option(const char *name, size_t len)
{
    for (size_t i = 0; i < OPT_COUNT; i++) {
        if (strlen(bl_cli_opt_defs[i].name) == len && memcmp(bl_cli_opt_defs[i].name, name, len) == 0) {
            return (bl_cli_opt_t)i;
        }
    }
    return OPT_NONE;
}

static bool bl_cli_fail(char *err, size_t cap, const char *fmt, const char *arg)
{
    if (cap > 0u) {
        /* Arguments may be long or hold control bytes: show a bounded,
         * printable excerpt only. */
        char shown[48];
        size_t n = 0;
        for (const char *p = arg != NULL ? arg : ""; *p != '\0' && n + 1u < sizeof shown; p++) {
            unsigned char c = (unsigned char)*p;
            shown[n++] = (c >= 0x20u && c < 0x7Fu) ? (char)c : '?';
        }
        shown[n] = '\0';
        (void)snprintf(err, cap, fmt, shown);
    }
    return false;
}

/* A usage error whose whole text is ours (no argument to sanitise). */
static bool bl_cli_fail_text(char *err, size_t cap, const char *text)
{
    if (cap > 0u) {
        (void)snprintf(err, cap, "%s", text);
    }
    return false;
}

static bool bl_cli_set_option(bl_cli_opts_t *o, bl_cli_opt_t opt, const char *value, char *err, size_t cap)
{
    switch (opt) {
    case OPT_BASE_URL:
        o->base_url = value;
        return true;
    case OPT_TIMEOUT:
        if (!bl_cli_parse_u32(value, 1u, BL_CLI_MAX_TIMEOUT_MS, &o->timeout_ms)) {
            return bl_cli_fail(err, cap, "--timeout-ms needs a number of milliseconds from 1 to 86400000, not '%s'",
                               value);
        }
        return true;
    case OPT_RETRIES:
        if (!bl_cli_parse_u32(value, 0u, BL_CLI_MAX_RETRIES, &o->retries)) {
            return bl_cli_fail(err, cap, "--retries needs a number from 0 to 100, not '%s'", value);
        }
        return true;
    case OPT_CA_FILE:
        o->ca_file = value;
        return true;
    case OPT_PIN:
        o->pin_sha256 = value;
        return true;
    case OPT_ACCESS_TOKEN:
        o->access_token = value;
        return true;
    case OPT_ITEM_ID:
        o->item_id = value;
        return true;
    case OPT_END_USER_ID:
        o->end_user_id = value;
        return true;
    case OPT_END_USER_NAME:
        o->end_user_name = value;
        return true;
    case OPT_INTEGRATION:
        o->integration_id = value;
        return true;
    case OPT_PAGE_SIZE:
        if (!bl_cli_parse_u32(value, 1u, BL_CLI_MAX_PAGE_SIZE, &o->page_size)) {
            return bl_cli_fail(err, cap, "--page-size needs a number from 1 to 1000, not '%s'", value);
        }
        return true;
    case OPT_RECORD:
    case OPT_REPLAY:
        if (value[0] == '\0') {
            return bl_cli_fail_text(err, cap, opt == OPT_RECORD ? "--record needs a file name" : "--replay needs a file name");
        }
        *(opt == OPT_RECORD ? &o->record_file : &o->replay_file) = value;
        return true;
    case OPT_NONE:
    default:
        return bl_cli_fail(err, cap, "unknown option '%s'", "");
    }
}

/* Where a positional word or a required option lands in bl_cli_opts_t. */
#define FIELD(f) offsetof(bl_cli_opts_t, f)
#define NO_FIELD ((size_t)-1)

/* A subcommand: its words, positional arguments and required options. */
typedef struct bl_cli_cmd_def {
    bl_cli_command_t command;
    const char *vendor;
    const char *name;
    size_t npos;
    const char *pos_names[2];
    size_t pos_fields[2];
    const char *required_usage; /* e.g. "--access-token TOKEN", or NULL */
    bl_cli_opt_t required[3];   /* OPT_NONE-terminated */
} bl_cli_cmd_def_t;

static const bl_cli_cmd_def_t bl_cli_cmd_defs[] = {
    {BL_CLI_HERON_UPDATE_LINK, "heron", "update-link", 1, {"ITEM_ID", NULL}, {FIELD(item_id), NO_FIELD},
     "--access-token TOKEN", {OPT_ACCESS_TOKEN, OPT_NONE, OPT_NONE}},
    {BL_CLI_HERON_LIST_LINKS, "heron", "list-links", 1, {"END_USER_ID_OR_HERON_ID", NULL},
     {FIELD(end_user), NO_FIELD}, NULL, {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_HERON_CREATE_LINK, "heron", "create-link", 1, {"INTEGRATION_HERON_ID", NULL},
     {FIELD(integration_id), NO_FIELD}, "--item-id ID --end-user-id ID --access-token TOKEN",
     {OPT_ITEM_ID, OPT_END_USER_ID, OPT_ACCESS_TOKEN}},
    {BL_CLI_HERON_REFRESH_LINK, "heron", "refresh-link", 2, {"INTEGRATION_HERON_ID", "ITEM_ID"},
     {FIELD(integration_id), FIELD(item_id)}, NULL, {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_HERON_DELETE_LINKS, "heron", "delete-links", 2, {"INTEGRATION_HERON_ID", "END_USER_ID_OR_HERON_ID"},
     {FIELD(integration_id), FIELD(end_user)}, NULL, {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_MONEYKIT_EXCHANGE, "moneykit", "exchange-token", 1, {"EXCHANGEABLE_TOKEN", NULL},
     {FIELD(exchangeable_token), NO_FIELD}, NULL, {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_MONEYKIT_TOKEN, "moneykit", "token", 0, {NULL, NULL}, {NO_FIELD, NO_FIELD}, NULL,
     {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_MONEYKIT_GET_LINK, "moneykit", "get-link", 1, {"LINK_ID", NULL}, {FIELD(link_id), NO_FIELD}, NULL,
     {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_MONEYKIT_DELETE_LINK, "moneykit", "delete-link", 1, {"LINK_ID", NULL}, {FIELD(link_id), NO_FIELD},
     NULL, {OPT_NONE, OPT_NONE, OPT_NONE}},
    {BL_CLI_MONEYKIT_LIST_LINKS, "moneykit", "list-links", 0, {NULL, NULL}, {NO_FIELD, NO_FIELD}, NULL,
     {OPT_NONE, OPT_NONE, OPT_NONE}},
};

#define CMD_COUNT (sizeof bl_cli_cmd_defs / sizeof bl_cli_cmd_defs[0])

static const char **bl_cli_field(bl_cli_opts_t *o, size_t offset)
{
    return (const char **)(void *)((char *)o + offset);
}

static const char *bl_cli_option_value(bl_cli_opts_t *o, bl_cli_opt_t opt)
{
    switch (opt) {
    case OPT_ACCESS_TOKEN:
        return o->access_token;
    case OPT_ITEM_ID:
        return o->item_id;
    case OPT_END_USER_ID:
        return o->end_user_id;
    case OPT_END_USER_NAME:
        return o->end_user_name;
    case OPT_INTEGRATION:
        return o->integration_id;
    default:
        return NULL;
    }
}

/* Turn the positional words into a command, then check its options. */
static bool bl_cli_command(bl_cli_opts_t *o, const char *const *pos, size_t n, const bool *given, char *err,
                           size_t cap)
{
    if (n == 0u) {
        return bl_cli_fail(err, cap, "missing command: heron or moneykit%s", "");
    }
    bool heron = strcmp(pos[0], "heron") == 0;
    if (!heron && strcmp(pos[0], "moneykit") != 0) {
        return bl_cli_fail(err, cap, "unknown command '%s' (expected heron or moneykit)", pos[0]);
    }
    if (!heron && given[OPT_ACCESS_TOKEN]) {
        return bl_cli_fail(err, cap, "--access-token is for heron commands; MoneyKit reads MONEYKIT_ACCESS_TOKEN%s",
                           "");
    }
    const bl_cli_cmd_def_t *def = NULL;
    for (size_t i = 0; i < CMD_COUNT && n >= 2u; i++) {
        if (strcmp(bl_cli_cmd_defs[i].vendor, pos[0]) == 0 && strcmp(bl_cli_cmd_defs[i].name, pos[1]) == 0) {
            def = &bl_cli_cmd_defs[i];
        }
    }
    if (n < 2u) {
        return bl_cli_fail_text(err, cap,
                                heron ? "missing heron command (expected update-link, list-links, create-link, "
                                        "refresh-link or delete-links)"
                                      : "missing moneykit command (expected exchange-token, token, get-link, "
                                        "delete-link or list-links)");
    }
    if (def == NULL) {
        return bl_cli_fail(err, cap,
                           heron ? "unknown heron command '%s' (expected update-link, list-links, create-link, "
                                   "refresh-link or delete-links)"
                                 : "unknown moneykit command '%s' (expected exchange-token, token, get-link, "
                                   "delete-link or list-links)",
                           pos[1]);
    }
    char what[96];
    (void)snprintf(what, sizeof what, "%s %s", def->vendor, def->name);
    if (n < 2u + def->npos) {
        char need[160];
        (void)snprintf(need, sizeof need, "%s needs %s%s%s", what, def->pos_names[n - 2u],
                       n - 2u + 1u < def->npos ? " " : "", n - 2u + 1u < def->npos ? def->pos_names[1] : "");
        return bl_cli_fail_text(err, cap, need);
    }
    if (n > 2u + def->npos) {
        return bl_cli_fail(err, cap, "unexpected argument '%s'", pos[2u + def->npos]);
    }
    for (size_t i = 0; i < def->npos; i++) {
        if (pos[2u + i][0] == '\0') {
            char msg[64];
            (void)snprintf(msg, sizeof msg, "%s must not be empty", def->pos_names[i]);
            return bl_cli_fail_text(err, cap, msg);
        }
        *bl_cli_field(o, def->pos_fields[i]) = pos[2u + i];
    }
    for (size_t i = 0; i < OPT_COUNT; i++) {
        if (given[i] && (bl_cli_opt_defs[i].commands & CMD_BIT(def->command)) == 0u) {
            char msg[160];
            (void)snprintf(msg, sizeof msg, "%s does not take %s", what, bl_cli_opt_defs[i].name);
            return bl_cli_fail_text(err, cap, msg);
        }
        const char *v = bl_cli_option_value(o, (bl_cli_opt_t)i);
        if (given[i] && v != NULL && v[0] == '\0') {
            char msg[64];
            (void)snprintf(msg, sizeof msg, "%s must not be empty", bl_cli_opt_defs[i].name);
            return bl_cli_fail_text(err, cap, msg);
        }
    }
    for (size_t i = 0; i < 3u && def->required[i] != OPT_NONE; i++) {
        if (!given[def->required[i]]) {
            char msg[160];
            (void)snprintf(msg, sizeof msg, "%s needs %s", what, def->required_usage);
            return bl_cli_fail_text(err, cap, msg);
        }
    }
    o->command = def->command;
    o->name = def->name;
    return true;
}

bool bl_cli_parse_args(int argc, char *const argv[], bl_cli_opts_t *opts, char *err, size_t err_cap)
{
    memset(opts, 0, sizeof *opts);
    opts->timeout_ms = BL_CLI_DEFAULT_TIMEOUT_MS;
    opts->retries = BL_CLI_DEFAULT_RETRIES;
    if (err_cap > 0u) {
        err[0] = '\0';
    }

    /* Room for one positional more than any command takes, so an extra
     * word is reported as such. */
    const char *pos[5];
    size_t npos = 0;
    bool given[OPT_COUNT];
    memset(given, 0, sizeof given);
    bool options_done = false;
    bool version = false;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            if (npos == sizeof pos / sizeof pos[0]) {
                return bl_cli_fail(err, err_cap, "unexpected argument '%s'", a);
            }
            pos[npos++] = a;
            continue;
        }
        if (strcmp(a, "--") == 0) {
            options_done = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            /* Help wins over everything else on the line, even errors. */
            opts->command = BL_CLI_HELP;
            return true;
        } else if (strcmp(a, "--version") == 0) {
            version = true;
        } else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            opts->verbose = true;
        } else {
            const char *eq = strchr(a, '=');
            size_t name_len = eq != NULL ? (size_t)(eq - a) : strlen(a);
            bl_cli_opt_t opt = bl_cli_value_option(a, name_len);
            if (opt == OPT_NONE) {
                return bl_cli_fail(err, err_cap, "unknown option '%s'", a);
            }
            const char *value;
            if (eq != NULL) {
                value = eq + 1;
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                return bl_cli_fail(err, err_cap, "option '%s' needs a value", a);
            }
            if (!bl_cli_set_option(opts, opt, value, err, err_cap)) {
                return false;
            }
            given[opt] = true;
        }
    }
    if (version) {
        opts->command = BL_CLI_VERSION;
        return true;
    }
    if (given[OPT_RECORD] && given[OPT_REPLAY]) {
        return bl_cli_fail_text(err, err_cap, "--record and --replay do not go together (a replay sends nothing)");
    }
    return bl_cli_command(opts, pos, npos, given, err, err_cap);
}

/* ------------------------------------------------------------- URLs */

static bool bl_cli_is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool bl_cli_is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* RFC 3986 pchar minus '%' (checked separately) plus '/'. */
static bool bl_cli_is_path_char(char c)
{
    return bl_cli_is_alnum(c) || (c != '\0' && strchr("-._~!$&'()*+,;=:@/", c) != NULL);
}

static bool bl_cli_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix != '\0'; s++, prefix++) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != *prefix) {
            return false;
        }
    }
    return true;
}

static bool bl_cli_url_fail(const char **why, const char *reason)
{
    if (why != NULL) {
        *why = reason;
    }
    return false;
}

/* Copy the bracketed IPv6 literal at p (just after '['); returns the byte
 * after ']', or NULL with *why set. */
static const char *bl_cli_parse_ipv6(const char *p, bl_cli_url_t *out, const char **why)
{
    size_t n = 0;
    bool colon = false;
    bool zone = false;
    for (; *p != ']'; p++) {
        char c = *p;
        if (c == '\0') {
            (void)bl_cli_url_fail(why, "unterminated '[' in host");
            return NULL;
        }
        if (!zone && c == '%') {
            /* Zone id, written %25 in a URL (RFC 6874); getaddrinfo wants '%'. */
            if (p[1] != '2' || p[2] != '5') {
                (void)bl_cli_url_fail(why, "bad IPv6 zone (write it as %25zone)");
                return NULL;
            }
            p += 2;
            zone = true;
        } else if (zone ? !(bl_cli_is_alnum(c) || strchr("-._~", c) != NULL)
                        : !(bl_cli_is_hex(c) || c == ':' || c == '.')) {
            (void)bl_cli_url_fail(why, "bad character in IPv6 address");
            return NULL;
        }
        colon = colon || c == ':';
        if (n == BL_CLI_HOST_MAX) {
            (void)bl_cli_url_fail(why, "host too long");
            return NULL;
        }
        out->host[n++] = c;
    }
    out->host[n] = '\0';
    if (!colon || (zone && out->host[n - 1u] == '%')) {
        (void)bl_cli_url_fail(why, "brackets must hold an IPv6 address");
        return NULL;
    }
    return p + 1;
}

bool bl_cli_parse_url(const char *url, bl_cli_url_t *out, const char **why)
{
    memset(out, 0, sizeof *out);
    if (url == NULL) {
        return bl_cli_url_fail(why, "no URL");
    }
    const char *p;
    if (bl_cli_prefix_ci(url, "https://")) {
        out->tls = true;
        out->port = 443u;
        p = url + 8;
    } else if (bl_cli_prefix_ci(url, "http://")) {
        out->port = 80u;
        p = url + 7;
    } else {
        return bl_cli_url_fail(why, "the scheme must be http:// or https://");
    }
    size_t auth_len = strcspn(p, "/?#");
    if (memchr(p, '@', auth_len) != NULL) {
        return bl_cli_url_fail(why, "user info in the URL is not supported");
    }

    if (*p == '[') {
        p = bl_cli_parse_ipv6(p + 1, out, why);
        if (p == NULL) {
            return false;
        }
    } else {
        size_t n = 0;
        for (; *p != '\0' && strchr(":/?#", *p) == NULL; p++) {
            if (!bl_cli_is_alnum(*p) && *p != '-' && *p != '.' && *p != '_') {
                return bl_cli_url_fail(why, "bad character in host name");
            }
            if (n == BL_CLI_HOST_MAX) {
                return bl_cli_url_fail(why, "host name too long");
            }
            out->host[n++] = *p;
        }
        out->host[n] = '\0';
    }
    if (out->host[0] == '\0') {
        return bl_cli_url_fail(why, "no host");
    }

    if (*p == ':') {
        p++;
        size_t digits = strspn(p, "0123456789");
        if (digits > 0u) {
            char num[8];
            uint32_t port = 0;
            if (digits >= sizeof num) {
                return bl_cli_url_fail(why, "port must be 1 to 65535");
            }
            memcpy(num, p, digits);
            num[digits] = '\0';
            if (!bl_cli_parse_u32(num, 1u, 65535u, &port)) {
                return bl_cli_url_fail(why, "port must be 1 to 65535");
            }
            out->port = (uint16_t)port;
            p += digits;
        }
        /* An empty port (":" alone) means the default (RFC 3986 3.2.3). */
    }

    if (*p == '?' || *p == '#') {
        return bl_cli_url_fail(why, "query and fragment are not supported in the base URL");
    }
    if (*p != '\0' && *p != '/') {
        return bl_cli_url_fail(why, "bad character after the host (port must be digits)");
    }
    size_t n = 0;
    for (; *p != '\0'; p++) {
        if (*p == '?' || *p == '#') {
            return bl_cli_url_fail(why, "query and fragment are not supported in the base URL");
        }
        if (*p == '%') {
            if (!bl_cli_is_hex(p[1]) || !bl_cli_is_hex(p[2])) {
                return bl_cli_url_fail(why, "bad %-escape in path");
            }
        } else if (!bl_cli_is_path_char(*p)) {
            return bl_cli_url_fail(why, "bad character in path");
        }
        if (n == BL_CLI_PATH_MAX) {
            return bl_cli_url_fail(why, "path too long");
        }
        out->path[n++] = *p;
    }
    /* The request writer appends "/segment": a trailing '/' would double it. */
    while (n > 0u && out->path[n - 1u] == '/') {
        n--;
    }
    out->path[n] = '\0';
    return true;
}

/* ------------------------------------------------------------ statuses */

int bl_cli_exit_code(bl_status_t status)
{
    switch (status) {
    case BL_OK:
        return 0;
    case BL_ERR_INVALID_ARG:
    case BL_ERR_REQUEST_TOO_LARGE:
    case BL_ERR_UNSUPPORTED:
    case BL_ERR_NO_TOKEN:
        return 2;
    case BL_ERR_RESOLVE:
    case BL_ERR_CONNECT:
    case BL_ERR_SEND:
    case BL_ERR_RECV:
    case BL_ERR_TIMEOUT:
    case BL_ERR_OUTCOME_UNKNOWN:
    case BL_ERR_TLS_HANDSHAKE:
    case BL_ERR_TLS_CERT:
    case BL_ERR_TLS_PIN:
        return 3;
    case BL_ERR_API:
    case BL_ERR_RATE_LIMITED:
        return 4;
    case BL_ERR_HTTP_MALFORMED:
    case BL_ERR_RESPONSE_TOO_LARGE:
    case BL_ERR_JSON:
    case BL_ERR_JSON_TOKENS:
    case BL_ERR_DECODE:
        return 5;
    case BL_STATUS_COUNT:
    default:
        return 1;
    }
}

const char *bl_cli_explain(bl_status_t status)
{
    switch (status) {
    case BL_OK:
        return "success";
    case BL_ERR_INVALID_ARG:
        return "a value was refused (empty, too long, a control byte or not UTF-8); nothing was sent";
    case BL_ERR_REQUEST_TOO_LARGE:
        return "the request does not fit the work buffer; nothing was sent";
    case BL_ERR_UNSUPPORTED:
        return "this build cannot do what was asked; nothing was sent";
    case BL_ERR_NO_TOKEN:
        return "no MoneyKit access token and no client credentials to fetch one; nothing was sent";
    case BL_ERR_RESOLVE:
        return "the host name did not resolve";
    case BL_ERR_CONNECT:
        return "could not connect to the server (refused or unreachable)";
    case BL_ERR_SEND:
        return "the request could not be sent; the server cannot have processed it";
    case BL_ERR_RECV:
        return "the connection failed before a complete response arrived";
    case BL_ERR_TIMEOUT:
        return "no complete answer before the deadline";
    case BL_ERR_OUTCOME_UNKNOWN:
        return "the request was sent but no complete answer came back: it may have happened; "
               "do not repeat it blindly, look first";
    case BL_ERR_TLS_HANDSHAKE:
        return "the TLS handshake failed; no request byte was sent";
    case BL_ERR_TLS_CERT:
        return "the server certificate failed verification; no request byte was sent";
    case BL_ERR_TLS_PIN:
        return "the server key does not match the pinned key; no request byte was sent";
    case BL_ERR_HTTP_MALFORMED:
        return "the response is not valid HTTP/1.1";
    case BL_ERR_RESPONSE_TOO_LARGE:
        return "the response does not fit the work buffer";
    case BL_ERR_JSON:
        return "the response body is not valid JSON";
    case BL_ERR_JSON_TOKENS:
        return "the response has more JSON values than the token array holds";
    case BL_ERR_DECODE:
        return "the response lacks a required field or has one of the wrong type";
    case BL_ERR_API:
        return "the API answered with an error";
    case BL_ERR_RATE_LIMITED:
        return "the API asked the client to wait (HTTP 429, or 503 with Retry-After)";
    case BL_STATUS_COUNT:
    default:
        return "unexpected status";
    }
}

const char *bl_cli_outcome_hint(bl_cli_command_t command)
{
    switch (command) {
    case BL_CLI_MONEYKIT_EXCHANGE:
        return "the exchange may have happened; do not repeat it blindly (a token can be exchanged once), "
               "look the link up instead";
    case BL_CLI_HERON_CREATE_LINK:
        return "the link may have been created; do not repeat it blindly, list the end user's links "
               "(heron list-links) first";
    case BL_CLI_HERON_REFRESH_LINK:
        return "the refresh may have started; do not repeat it blindly, check the link's status "
               "(heron list-links) first";
    default:
        return NULL;
    }
}
