/**
 * @file cli.h
 * @brief Internals of the host tool `banklink`: argument and URL parsing
 * (cli_args.c), JSON and diagnostic output (cli_print.c), transport choice
 * (cli_transport.c), and the commands (banklink_main.c, banklink_heron.c,
 * banklink_moneykit.c). The first three are pure functions where possible,
 * so they are unit-tested without a network (boards/posix/test/test_cli.c).
 */
#ifndef BL_CLI_H
#define BL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "banklink.h"
#include "bl_posix.h"

#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
/* TLS: cli_tls.h/cli_tls.c wrap the mbedTLS port; see
 * cli_transport.c and boards/posix/CMakeLists.txt. */
#include "cli_tls.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Longest host name (or address) accepted in a base URL, without NUL. */
#define BL_CLI_HOST_MAX 253u
/** Longest path prefix accepted in a base URL, without NUL. */
#define BL_CLI_PATH_MAX 255u
/** Room for a usage-error message. */
#define BL_CLI_ERR_MAX 256u

/** Default deadline of a call (`--timeout-ms`). */
#define BL_CLI_DEFAULT_TIMEOUT_MS 15000u
/** Default retries (`--retries`). */
#define BL_CLI_DEFAULT_RETRIES 2u
/** Largest `--retries` accepted. */
#define BL_CLI_MAX_RETRIES 100u

/** Heron's production base URL. */
#define BL_CLI_HERON_URL "https://app.herondata.io"
/** MoneyKit's production base URL. */
#define BL_CLI_MONEYKIT_URL "https://api.moneykit.com"

/** What the command line asks for. Heron commands first, then MoneyKit's. */
typedef enum bl_cli_command {
    BL_CLI_HELP,                   /**< `--help` / `-h` */
    BL_CLI_VERSION,                /**< `--version` */
    BL_CLI_HERON_UPDATE_LINK,      /**< `heron update-link ITEM_ID --access-token TOKEN` */
    BL_CLI_HERON_LIST_LINKS,       /**< `heron list-links END_USER_ID_OR_HERON_ID [--integration HERON_ID]` */
    BL_CLI_HERON_CREATE_LINK,      /**< `heron create-link INTEGRATION_HERON_ID --item-id --end-user-id --access-token [--end-user-name]` */
    BL_CLI_HERON_REFRESH_LINK,     /**< `heron refresh-link INTEGRATION_HERON_ID ITEM_ID` */
    BL_CLI_HERON_DELETE_LINKS,     /**< `heron delete-links INTEGRATION_HERON_ID END_USER_ID_OR_HERON_ID` */
    BL_CLI_MONEYKIT_EXCHANGE,      /**< `moneykit exchange-token EXCHANGEABLE_TOKEN` */
    BL_CLI_MONEYKIT_TOKEN,         /**< `moneykit token` */
    BL_CLI_MONEYKIT_GET_LINK,      /**< `moneykit get-link LINK_ID` */
    BL_CLI_MONEYKIT_DELETE_LINK,   /**< `moneykit delete-link LINK_ID` */
    BL_CLI_MONEYKIT_LIST_LINKS,    /**< `moneykit list-links [--page-size N]` */
    BL_CLI_COMMAND_COUNT           /**< Number of commands; not a command. */
} bl_cli_command_t;

/** Largest `--page-size` accepted. */
#define BL_CLI_MAX_PAGE_SIZE 1000u

/** Parsed command line. Strings point into argv. */
typedef struct bl_cli_opts {
    bl_cli_command_t command;  /**< What to do. */
    const char *name;          /**< The subcommand word ("list-links"), for failure lines; NULL for help/version. */
    const char *base_url;      /**< `--base-url`, or NULL for the vendor's. */
    uint32_t timeout_ms;       /**< `--timeout-ms`, default BL_CLI_DEFAULT_TIMEOUT_MS. */
    uint32_t retries;          /**< `--retries`, default BL_CLI_DEFAULT_RETRIES. */
    bool verbose;              /**< `-v` / `--verbose` */
    const char *ca_file;       /**< `--ca-file` (https trust anchors), or NULL. */
    const char *pin_sha256;    /**< `--pin-sha256` (base64 SHA-256 of the server key), or NULL. */
    const char *item_id;       /**< Heron item id (update-link, refresh-link; create-link's `--item-id`). */
    const char *access_token;  /**< `--access-token` (Heron update-link, create-link). */
    const char *integration_id;/**< Heron integration heron_id (create/refresh/delete; list-links' `--integration`). */
    const char *end_user;      /**< Heron END_USER_ID_OR_HERON_ID (list-links, delete-links). */
    const char *end_user_id;   /**< `--end-user-id` (create-link). */
    const char *end_user_name; /**< `--end-user-name` (create-link), or NULL. */
    const char *exchangeable_token; /**< MoneyKit exchangeable token. */
    const char *link_id;       /**< MoneyKit link id (get-link, delete-link). */
    uint32_t page_size;        /**< `--page-size` (moneykit list-links), 0 for the server's default. */
    const char *record_file;   /**< `--record FILE`: write the session there (port/testkit recorder), or NULL. */
    const char *replay_file;   /**< `--replay FILE`: play that script instead of the network, or NULL. */
} bl_cli_opts_t;

/** Exit code of a `--replay` run whose script was not played exactly to its end. */
#define BL_CLI_EXIT_REPLAY 6

/** True for the commands that talk to Heron (the others talk to MoneyKit). */
bool bl_cli_is_heron(bl_cli_command_t command);

/**
 * @brief Parse the command line. Options may come before the vendor word or
 * after the subcommand, as `--opt VALUE` or `--opt=VALUE`; `--` ends them.
 *
 * @param argc,argv As given to main().
 * @param opts      Filled on success.
 * @param err       Receives a one-line reason on failure (no trailing newline).
 * @param err_cap   Its size; BL_CLI_ERR_MAX suffices.
 * @return true on success; false on a usage error (exit code 2).
 */
bool bl_cli_parse_args(int argc, char *const argv[], bl_cli_opts_t *opts, char *err, size_t err_cap);

/** A parsed base URL. */
typedef struct bl_cli_url {
    bool tls;                           /**< https */
    char host[BL_CLI_HOST_MAX + 1u];    /**< Host name or address, no brackets. */
    uint16_t port;                      /**< Port (80 / 443 by default). */
    char path[BL_CLI_PATH_MAX + 1u];    /**< Path prefix without trailing '/', "" for none. */
} bl_cli_url_t;

/**
 * @brief Parse `scheme://host[:port][/path]` (scheme http or https, host a
 * name, IPv4 address or `[IPv6]`). User info, query and fragment are
 * refused; the path may use RFC 3986 path characters and %XX escapes.
 *
 * @param url  The text.
 * @param out  Filled on success.
 * @param why  Receives a static reason on failure.
 * @return true on success.
 */
bool bl_cli_parse_url(const char *url, bl_cli_url_t *out, const char **why);

/**
 * @brief Parse a decimal number in [min, max] (digits only, no sign).
 * @return true and *out set, or false for anything else.
 */
bool bl_cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out);

/** Exit code of a status: 0, 2 (refused input), 3 (network), 4 (API), 5 (response). */
int bl_cli_exit_code(bl_status_t status);

/** One-sentence explanation of a status, for the stderr line. */
const char *bl_cli_explain(bl_status_t status);

/** Usage text printed by `--help`. */
extern const char bl_cli_usage[];

/* ------------------------------------------------------------ printing */

/**
 * @brief Append one Heron link object `{"item_id", "status", ...}` with the
 * decoded fields of @p link (absent fields omitted, nulls as `null`,
 * datetimes in UTC, `data_source_heron_id` when the answer had it).
 * @return true when everything fitted in @p b.
 */
bool bl_cli_json_heron_link_obj(bl_buf_t *b, const bl_heron_link_t *link);

/**
 * @brief Append `{"<key>": {...}}`: the link object under @p key, as the
 * API wraps it ("integration_link" for update-link, "link" for create-link
 * and refresh-link).
 * @return true when everything fitted in @p b.
 */
bool bl_cli_json_heron_wrapped(bl_buf_t *b, const char *key, const bl_heron_link_t *link);

/** Append `{"integration_link": {...}}` (update-link's answer). @return true when it fitted. */
bool bl_cli_json_heron_link(bl_buf_t *b, const bl_heron_link_t *link);

/**
 * @brief Append one MoneyKit link object (LinkCommon: `link_id`, ...,
 * `products`), as get-link answers it and as list elements print.
 * @return true when it fitted.
 */
bool bl_cli_json_moneykit_link(bl_buf_t *b, const bl_moneykit_link_t *link);

/** Append `{"link_id", "link": {...}}` of an exchange-token answer. @return true when it fitted. */
bool bl_cli_json_moneykit_exchange(bl_buf_t *b, const bl_moneykit_exchange_t *ex);

/** Append `{"access_token", "token_type", "expires_in"}` of @p auth. @return true when it fitted. */
bool bl_cli_json_moneykit_token(bl_buf_t *b, const bl_moneykit_auth_t *auth);

/**
 * A list printed as it streams: `{"<key>":[` goes out with the first
 * element, each element in one write, `]}` at the end. Only one element is
 * ever held in memory. A run that fails after elements were written leaves
 * an unterminated document, which no JSON parser accepts as a whole list.
 */
typedef struct bl_cli_list {
    FILE *f;            /**< Destination (stdout). */
    const char *key;    /**< Member that holds the array ("links"). */
    size_t count;       /**< Elements written. */
    bool failed;        /**< An element did not fit its buffer or a write failed. */
} bl_cli_list_t;

/** Start a list on @p f under @p key (nothing is written yet). */
void bl_cli_list_init(bl_cli_list_t *l, FILE *f, const char *key);

/** Put what precedes the next element into @p b: `{"<key>":[` before the first, `,` after. */
void bl_cli_list_item_begin(const bl_cli_list_t *l, bl_buf_t *b);

/**
 * @brief Write @p b (separator + one element) in one write and count it.
 * @return false, with l->failed set, when @p b overflowed or the write failed.
 */
bool bl_cli_list_item_end(bl_cli_list_t *l, const bl_buf_t *b);

/**
 * @brief Close the document: `]}` and a newline, or the whole `{"<key>":[]}`
 * when no element came. @return false when the write failed.
 */
bool bl_cli_list_finish(bl_cli_list_t *l);

/**
 * @brief What a user should do after BL_ERR_OUTCOME_UNKNOWN on @p command
 * (the request went out, no answer came back), or NULL when the command
 * cannot end that way.
 */
const char *bl_cli_outcome_hint(bl_cli_command_t command);

/**
 * @brief Append @p s[0..n) for a terminal: printable ASCII as is, `\n`,
 * `\r`, `\t` escaped, every other byte as `\xNN` (so nothing the API sends
 * can drive the terminal).
 */
void bl_cli_put_escaped(bl_buf_t *b, const char *s, size_t n);

/**
 * @brief Append the one-line diagnostic of a failed call (no newline):
 * the API's HTTP status, error code and message for BL_ERR_API and
 * BL_ERR_RATE_LIMITED (with Retry-After and Heron's rate-limit headers),
 * the explanation otherwise, the needed size for *_TOO_LARGE, the raw
 * transport code for network errors, and the status name last.
 *
 * @param what   The step that failed, e.g. "update-link"; may be NULL.
 * @param detail More words about the failure: the TLS check that failed, or
 *               for BL_ERR_OUTCOME_UNKNOWN what to do instead of repeating
 *               (bl_cli_outcome_hint()); may be NULL.
 * @param timeout_ms  The call's deadline (`--timeout-ms`), named for BL_ERR_TIMEOUT.
 * @param max_retries The call's `--retries`: with last->attempts it tells
 *               whether a BL_ERR_RATE_LIMITED call ran out of retries or
 *               of time.
 * @param note   Appended before the status name after "; ", e.g. "3 links
 *               were printed before the failure"; may be NULL.
 */
void bl_cli_describe_failure(bl_buf_t *b, const char *what, bl_status_t status, const bl_error_info_t *last,
                             uint32_t timeout_ms, uint32_t max_retries, const char *detail, const char *note);

/** State of the -v log: lines may span several log calls. */
typedef struct bl_cli_log {
    FILE *f;              /**< Destination (stderr). */
    bool open;            /**< A line has been started and not ended. */
    bool pending_cr;      /**< A CR was seen; a following LF makes it a line end. */
    bl_log_kind_t kind;   /**< Kind of the open line. */
} bl_cli_log_t;

/** Start a log on @p f. */
void bl_cli_log_init(bl_cli_log_t *log, FILE *f);

/**
 * @brief bl_log_fn (ctx: a bl_cli_log_t): each line goes out prefixed with
 * `> ` (request), `< ` (response) or `* ` (client), CRLF shown as a line
 * end, other non-printable bytes escaped (`\xNN`, `\r`, `\t`).
 */
void bl_cli_log(void *ctx, bl_log_kind_t kind, const char *text, size_t len);

/** End the open line, if any, and flush. */
void bl_cli_log_end(bl_cli_log_t *log);

/* ----------------------------------------------------------- transport */

/** Everything a connection needs, owned by main (no heap). */
typedef struct bl_cli_transport {
    bl_posix_socket_t sock;   /**< Plain TCP state. */
    bl_transport_t tcp;       /**< Plain TCP transport. */
    bool tls_used;            /**< The TLS layer below was set up. */
#if defined(BL_TOOL_TLS) && BL_TOOL_TLS
    bl_cli_tls_t tls;         /**< TLS layered on tcp. */
#endif
} bl_cli_transport_t;

/** True when this build can speak https. */
bool bl_cli_have_tls(void);

/**
 * @brief Choose the transport for @p url: plain TCP for http, TLS over TCP
 * for https. The only place the tool decides between them.
 *
 * @param t     Storage for the transports.
 * @param url   Parsed base URL.
 * @param clock Clock for TLS deadlines.
 * @param opts  `--ca-file` and `--pin-sha256` (https only).
 * @param out   Receives the transport the client must use.
 * @param why   Receives a static reason on failure.
 * @return BL_OK; BL_ERR_UNSUPPORTED for https in a build without TLS;
 *         BL_ERR_INVALID_ARG for a bad pin or unusable trust anchors.
 *         Call bl_cli_transport_free() in every case.
 */
bl_status_t bl_cli_transport_setup(bl_cli_transport_t *t, const bl_cli_url_t *url, const bl_clock_t *clock,
                                   const bl_cli_opts_t *opts, const bl_transport_t **out, const char **why);

/**
 * @brief Why the last connect failed, in words, when the TLS layer knows
 * ("certificate expired", "host name mismatch", ...); NULL otherwise.
 */
const char *bl_cli_transport_reason(const bl_cli_transport_t *t, bl_status_t status);

/** Release what the transports hold (mbedTLS contexts). */
void bl_cli_transport_free(bl_cli_transport_t *t);

/* ----------------------------------------------------- record / replay */

/** True when this build has `--record` and `--replay` (the test kit, port/testkit). */
bool bl_cli_have_testkit(void);

/**
 * @brief `--record FILE`: create (truncate) @p path and put the recorder
 * between the client and @p inner (the real transport, TLS included: the
 * plaintext is recorded, secrets masked). Static buffers: 1 MiB of record
 * buffer, no heap.
 * @param out Receives the transport the client must use.
 * @param why Receives a reason on failure (static, or built in a static buffer).
 * @return BL_OK; BL_ERR_INVALID_ARG when the file cannot be created;
 *         BL_ERR_UNSUPPORTED in a build without the test kit.
 */
bl_status_t bl_cli_record_begin(const char *path, const bl_transport_t *inner, const bl_transport_t **out,
                                const char **why);

/**
 * @brief Write what the recorder still holds and close the file.
 * @return 0, or 1 when a write failed (a line on stderr says so).
 */
int bl_cli_record_end(void);

/**
 * @brief `--replay FILE`: load the script at @p path into the test kit;
 * the client then runs on the kit's transport and fake clock, no network.
 * @param transport,clock Receive the kit's.
 * @param why Receives a reason on failure.
 * @return BL_OK; BL_ERR_INVALID_ARG when the file cannot be read, is
 *         larger than 1 MiB, is not a script or does not fit the kit;
 *         BL_ERR_UNSUPPORTED in a build without the test kit.
 */
bl_status_t bl_cli_replay_begin(const char *path, const bl_transport_t **transport, const bl_clock_t **clock,
                                const char **why);

/**
 * @brief After the command: when the script was not played exactly to its
 * end, print `banklink: replay: <bl_tk_report()>` on stderr and return
 * BL_CLI_EXIT_REPLAY; else return @p rc (the command's exit code).
 */
int bl_cli_replay_end(int rc);

/* ------------------------------------------------------------ commands */

/**
 * Work buffer: requests are built and responses read (lists stream) here.
 * Set at build time: CMake `-DBL_TOOL_WORK_SIZE=2048` (at least 256, the
 * client's floor). Lists need only their largest element to fit.
 */
#ifndef BL_CLI_WORK_SIZE
#define BL_CLI_WORK_SIZE 4096u
#endif
/** JSON tokens for the largest answer (a link with many tags and products). */
#define BL_CLI_TOKENS 256u
/**
 * Output of one document or list element. Decoding never lengthens a
 * string and printing only adds quotes, escapes already counted in the body
 * and a 'Z' per timestamp, so twice the work buffer is ample.
 */
#define BL_CLI_OUT_SIZE (2u * (BL_CLI_WORK_SIZE))

/** A list and room for the printed form of one element (what a list callback needs). */
typedef struct bl_cli_list_out {
    bl_cli_list_t list;        /**< The document being written. */
    char out[BL_CLI_OUT_SIZE]; /**< One element, printed. */
} bl_cli_list_out_t;

/** One run of the tool: what main sets up, the commands use. */
typedef struct bl_cli_run {
    const bl_cli_opts_t *opts;  /**< The command line. */
    bl_cli_transport_t net;     /**< Transports (main frees them). */
    bl_client_t client;         /**< The one client of the run. */
    bl_cli_log_t log;           /**< The -v log. */
} bl_cli_run_t;

/**
 * @brief Print the failure line of the client's last call on stderr.
 * @param what The step that failed, or NULL for the command's name.
 * @param note As in bl_cli_describe_failure().
 */
void bl_cli_report(const bl_cli_run_t *run, const char *what, bl_status_t status, const char *note);

/** Print `banklink: <reason> [STATUS]` for a failure before any request; returns the exit code. */
int bl_cli_refuse(const char *reason, bl_status_t status);

/** Refuse a command whose calls this build of the library leaves out
 * (@p option is the BL_CONFIG_* switch at 0); nothing is sent. */
int bl_cli_not_built(const char *commands, const char *option);

/** An environment variable, or NULL when unset or empty. */
const char *bl_cli_env(const char *name);

/** Write the document in @p b (plus a newline) to stdout in one write; returns the exit code. */
int bl_cli_emit(bool fitted, bl_buf_t *b);

/** Run a Heron command (banklink_heron.c). @return the exit code. */
int bl_cli_heron_main(bl_cli_run_t *run);

/** Run a MoneyKit command (banklink_moneykit.c). @return the exit code. */
int bl_cli_moneykit_main(bl_cli_run_t *run);

#ifdef __cplusplus
}
#endif

#endif /* BL_CLI_H */
