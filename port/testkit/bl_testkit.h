/**
 * @file bl_testkit.h
 * @brief Test kit for code that calls banklink: a replay transport that
 * plays a scripted server, a fake clock, and checks on what banklink sent.
 *
 * A test builds a script (in C, from the text format below, or from the
 * named vendor fixtures of bl_testkit_fixtures.h), hands the kit's
 * transport and clock to an ordinary bl_client_t, runs the code under test,
 * then checks the requests and that the script was played to its end. No
 * socket, no thread, no server process, no heap: the kit is one struct the
 * test owns. Time is the kit's own counter: it moves only when the client
 * sleeps (back-off, Retry-After), when a step stalls past the client's
 * deadline, at a `wait` step, or when the test calls bl_tk_advance(), so
 * timeouts and token expiry run instantly and the same way every time.
 *
 * @code
 * bl_testkit_t kit;
 * bl_tk_init(&kit);
 * (void)bl_tk_fixture(&kit, BL_TK_FIX_HERON_UPDATE_LINK_401);
 * bl_client_config_init(&cfg);
 * cfg.transport = &kit.transport;
 * cfg.clock = &kit.clock;
 * ...                                           // run the code under test
 * bl_tk_request_t req;
 * assert(bl_tk_get_request(&kit, 0, &req));
 * assert(bl_tk_method_is(&req, "PUT"));
 * assert(bl_tk_path_is(&req, "/api/integration_links/item-1"));
 * assert(bl_tk_finished(&kit));                // or print bl_tk_report(&kit)
 * @endcode
 *
 * ## How the replay server behaves
 *
 * The script is one list of steps, read in order by the transport:
 *
 * | step      | what the scripted server does                                 |
 * |-----------|---------------------------------------------------------------|
 * | `connect` | the next exchange is on a new connection: connect() takes this step; a client still holding an older connection finds it closed (recv 0 / send error) |
 * | `refuse`  | connect() fails with the step's status (BL_ERR_TIMEOUT also moves the clock by the connect timeout) |
 * | `request` | reads one whole request (head, then Content-Length bytes); the method and path pattern are checked when the step has them |
 * | `answer`  | recv() hands out these bytes, at most one piece per call when the step is split |
 * | `stall`   | the next recv() with a timeout waits it out: the clock moves by the timeout and recv gives BL_IO_TIMEOUT |
 * | `wait`    | the clock moves by the step's milliseconds (a slow server), then the next step plays |
 * | `close`   | recv() gives BL_IO_CLOSED from here on; send gives BL_IO_ERROR |
 * | `reset`   | recv() and send() give BL_IO_ERROR, raw_error() BL_TK_RESET_CODE |
 *
 * A connect() with a `request` step next is accepted without a `connect`
 * step, so fixtures chain whether or not the client keeps the connection
 * alive. A zero-timeout recv() (the client probing an idle connection)
 * never consumes a `stall` or `request` step: it sees BL_IO_TIMEOUT
 * ("still open"). When the client closes a connection, the steps left for
 * it (answers, stalls, waits, close, reset) are skipped; answers, stalls
 * and resets are counted in bl_testkit_t::skipped (assert it is 0 when a
 * test needs every stall reached). Anything the script did not foresee (a request
 * where an answer was due, a method or path that does not match, a read
 * with no step left) is a mismatch: the transport fails the operation,
 * bl_tk_finished() is false and bl_tk_report() says which step and why.
 *
 * ## Script text (what bl_tk_load() reads and the recorder writes)
 *
 * Line-based, `#` starts a comment line. The first non-comment line is
 * `banklink-script 1`. Byte blocks follow their step line: exactly N bytes,
 * then one `\n` that is not part of them, so any byte (CR, NUL) can be
 * recorded.
 *
 * ```
 * banklink-script 1
 * connect HOST PORT               # HOST PORT optional, not checked
 * refuse BL_ERR_CONNECT           # any bl_status_str() name
 * request PUT /api/integration_links/{item_id}   # method, pattern: no bytes
 * request PUT /api/integration_links/i1 214   # ... or the 214 bytes sent
 * answer 95                       # 95 bytes follow
 * answer 95 split 1,10            # pieces of 1, then 10, then 10, ...
 * answer 95 split 1 pace 20       # one byte per recv, each 20 ms later
 * stall
 * wait 2500
 * close
 * reset
 * ```
 *
 * A path pattern is compared segment by segment after percent-decoding;
 * a segment written `{name}` (or a lone star) matches any one segment. A
 * pattern with a query needs the same parameters with the same decoded
 * values, in any order (a value `{name}` matches any value); a pattern
 * without `?` ignores the query. Method `*` matches any method.
 *
 * Steps loaded from text point into the text: keep it alive (and
 * unchanged) while the kit plays it.
 */
#ifndef BL_TESTKIT_H
#define BL_TESTKIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "banklink.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ capacities */

/* The kit is a fixed-size struct; these size it. They are read when the
 * library is built and when a test includes this header: bl_tk_init()
 * compares the two, so a test compiled with other values fails loudly
 * instead of corrupting memory. */
#ifndef BL_TK_MAX_STEPS
/** Steps one kit holds (a fixture is two or three). */
#define BL_TK_MAX_STEPS 96u
#endif
#ifndef BL_TK_MAX_PIECES
/** Piece sizes one split answer lists (the last one repeats). */
#define BL_TK_MAX_PIECES 8u
#endif
#ifndef BL_TK_CAPTURE_SIZE
/** Bytes of requests kept for the checks (all requests, back to back). */
#define BL_TK_CAPTURE_SIZE 16384u
#endif
#ifndef BL_TK_MAX_REQUESTS
/** Requests kept for the checks. */
#define BL_TK_MAX_REQUESTS 48u
#endif
#ifndef BL_TK_JSON_TOKENS
/** JSON tokens one request body may have for the bl_tk_json_* checks. */
#define BL_TK_JSON_TOKENS 128u
#endif
#ifndef BL_TK_BODY_MAX
/** Longest request body the bl_tk_json_* and bl_tk_form checks read. */
#define BL_TK_BODY_MAX 4096u
#endif
#ifndef BL_TK_REPORT_MAX
/** Room for the report text. */
#define BL_TK_REPORT_MAX 200u
#endif

/** raw_error() after a `reset` step (ECONNRESET's value on Linux). */
#define BL_TK_RESET_CODE 104
/** The fake clock's reading after bl_tk_init(). */
#define BL_TK_START_MS 1000u

/* ------------------------------------------------------------ steps */

/** What one step of the scripted server does; see the table above. */
typedef enum bl_tk_step_kind {
    BL_TK_STEP_CONNECT, /**< The next exchange is on a new connection. */
    BL_TK_STEP_REFUSE,  /**< connect() fails with bl_tk_step_t::status. */
    BL_TK_STEP_REQUEST, /**< One whole request is read and checked. */
    BL_TK_STEP_ANSWER,  /**< recv() hands out bl_tk_step_t::data. */
    BL_TK_STEP_STALL,   /**< The next recv() with a timeout waits it out. */
    BL_TK_STEP_WAIT,    /**< The clock moves by bl_tk_step_t::ms. */
    BL_TK_STEP_CLOSE,   /**< The server closes the connection. */
    BL_TK_STEP_RESET    /**< The connection is reset. */
} bl_tk_step_kind_t;

/** Text that need not be NUL-terminated. */
typedef struct bl_tk_text {
    const char *ptr; /**< NULL when absent. */
    size_t len;      /**< Bytes at ptr. */
} bl_tk_text_t;

/** One step. Built by the bl_tk_* step functions or bl_tk_load(). */
typedef struct bl_tk_step {
    bl_tk_step_kind_t kind;  /**< What the step does. */
    bl_tk_text_t method;     /**< REQUEST: method to check, absent = any. */
    bl_tk_text_t target;     /**< REQUEST: path pattern to check, absent = any. */
    const uint8_t *data;     /**< ANSWER: the bytes; REQUEST: the recorded request (not compared). */
    size_t len;              /**< Bytes at data. */
    uint16_t pieces[BL_TK_MAX_PIECES]; /**< ANSWER: piece sizes; the last repeats. */
    uint8_t piece_count;     /**< 0: as much as recv asks for. */
    uint32_t ms;             /**< WAIT: milliseconds. */
    uint32_t pace_ms;        /**< ANSWER: each piece arrives this long after recv is called (a slow link). */
    bl_status_t status;      /**< REFUSE: what connect() returns. */
    size_t fail_after;       /**< REQUEST: send fails once this many bytes of it went out; SIZE_MAX: never. */
    int32_t fail_io;         /**< REQUEST: BL_IO_ERROR or BL_IO_TIMEOUT for that failure. */
} bl_tk_step_t;

/** Where one captured request sits in bl_testkit_t::capture. */
typedef struct bl_tk_span {
    size_t off; /**< First byte. */
    size_t len; /**< Bytes kept (a request larger than the room left is cut). */
} bl_tk_span_t;

/**
 * @brief The kit: script, replay state, fake clock and captured requests.
 *
 * Give @ref transport and @ref clock to bl_client_config_t. Read the other
 * fields for facts a test checks (connects, closes, slept_ms); change them
 * only through functions.
 */
typedef struct bl_testkit {
    bl_transport_t transport; /**< The replay transport (ctx is the kit). */
    bl_clock_t clock;         /**< The fake clock (ctx is the kit). */
    bl_tk_step_t steps[BL_TK_MAX_STEPS]; /**< The script. */
    size_t step_count;        /**< Steps in it. */
    size_t next;              /**< Index of the step that plays next. */
    size_t answer_off;        /**< Bytes of the current answer already handed out. */
    size_t piece_index;       /**< Pieces of it handed out. */
    size_t send_max;          /**< Most bytes one send() accepts; 0: all it is given. */
    uint32_t send_pace_ms;    /**< Each send() takes this long on the clock (a slow reader). */
    uint32_t now_ms;          /**< The fake clock. */
    uint32_t slept_ms;        /**< Sum of the client's sleep_ms() calls. */
    uint32_t sleeps;          /**< Number of them. */
    uint32_t connects;        /**< connect() calls that succeeded. */
    uint32_t refused;         /**< connect() calls a `refuse` step failed. */
    uint32_t closes;          /**< close() calls on an open connection. */
    uint32_t skipped;         /**< Answers, stalls and resets skipped because the client closed first. */
    uint32_t sends;           /**< send() calls on an open connection. */
    size_t bytes_sent;        /**< Bytes send() accepted, cut requests included: 0 proves nothing went out. */
    bool open;                /**< The client holds a connection. */
    bool peer_closed;         /**< A `close` step played on it. */
    bool peer_reset;          /**< A `reset` step played on it. */
    bool overflow;            /**< A step did not fit: bl_tk_finished() is false. */
    bool mismatch;            /**< The client did something the script did not foresee. */
    char report[BL_TK_REPORT_MAX]; /**< The first mismatch, or what bl_tk_report() found. */
    uint8_t capture[BL_TK_CAPTURE_SIZE]; /**< Requests as sent, back to back. */
    size_t capture_len;       /**< Bytes used. */
    bl_tk_span_t requests[BL_TK_MAX_REQUESTS]; /**< Complete requests in capture. */
    size_t request_count;     /**< Requests in @ref requests. */
    size_t request_total;     /**< Requests seen (may exceed BL_TK_MAX_REQUESTS). */
    size_t pending_off;       /**< Start of the request being received. */
    size_t pending_len;       /**< Its bytes so far (counted even when not kept). */
    size_t pending_need;      /**< Its total length once the head arrived, else 0. */
} bl_testkit_t;

/**
 * @brief Prepare @p kit: empty script, clock at BL_TK_START_MS, transport
 * and clock ready to hand to a client.
 *
 * A macro around bl_tk_init_sized(), so the size the test was compiled
 * with is checked against the library's.
 * @return BL_OK, or BL_ERR_INVALID_ARG when @p kit is NULL or the sizes
 *         differ (the BL_TK_* capacities were changed on one side only).
 * @code
 * static bl_testkit_t kit;                 // about 27 KiB: static, not on a small stack
 * if (bl_tk_init(&kit) != BL_OK) abort();
 * @endcode
 */
#define bl_tk_init(kit) bl_tk_init_sized((kit), sizeof(bl_testkit_t))
/** See bl_tk_init(). */
BL_NODISCARD bl_status_t bl_tk_init_sized(bl_testkit_t *kit, size_t size);

/**
 * @brief Forget the script, the captured requests and every counter; the
 * clock keeps its reading. For a test that reuses one kit for two phases.
 */
void bl_tk_clear(bl_testkit_t *kit);

/**
 * @brief Fill @p cfg for a client that talks to the kit:
 * bl_client_config_init() defaults, the kit's transport and clock, host
 * BL_TK_HOST, port 443 and a fixed jitter seed (so back-off is the same
 * every run). The caller still sets buf/buf_size and tokens/token_count.
 * @code
 * bl_client_config_t cfg;
 * bl_tk_client_config(&kit, &cfg);
 * cfg.buf = work;      cfg.buf_size = sizeof work;
 * cfg.tokens = tokens; cfg.token_count = 128;
 * @endcode
 */
void bl_tk_client_config(bl_testkit_t *kit, bl_client_config_t *cfg);

/** Host name bl_tk_client_config() sets (the kit ignores it; a log shows it). */
#define BL_TK_HOST "banklink.test"

/* ------------------------------------------------------------ building scripts */

/*
 * Each appends one step and returns BL_OK, or BL_ERR_INVALID_ARG when the
 * script is full or an argument is NULL/invalid. A step that did not fit
 * also makes bl_tk_finished() false, so a test that ignores the return
 * value still fails.
 */

/** Append `connect`: the next exchange is on a new connection. */
BL_NODISCARD bl_status_t bl_tk_connect(bl_testkit_t *kit);
/** Append `refuse`: connect() returns @p status (not BL_OK). */
BL_NODISCARD bl_status_t bl_tk_refuse(bl_testkit_t *kit, bl_status_t status);
/**
 * @brief Append `request`: read one request; check its method and path
 * pattern (either may be NULL or "*" for any).
 * @code
 * (void)bl_tk_expect(&kit, "PUT", "/api/integration_links/{item_id}");
 * @endcode
 */
BL_NODISCARD bl_status_t bl_tk_expect(bl_testkit_t *kit, const char *method, const char *path_pattern);
/** Append `answer` with the NUL-terminated @p bytes (kept by pointer: keep them alive). */
BL_NODISCARD bl_status_t bl_tk_answer(bl_testkit_t *kit, const char *bytes);
/** Append `answer` with @p len bytes at @p bytes (kept by pointer). */
BL_NODISCARD bl_status_t bl_tk_answer_bytes(bl_testkit_t *kit, const void *bytes, size_t len);
/**
 * @brief Split the last step (an answer) into pieces: recv hands out at
 * most sizes[0] bytes, then sizes[1], ..., then sizes[n-1] each time.
 * @return BL_OK, or BL_ERR_INVALID_ARG when the last step is not an answer,
 *         @p n is 0 or over BL_TK_MAX_PIECES, or a size is 0.
 * @code
 * static const uint16_t bytewise[] = {1};
 * (void)bl_tk_split(&kit, bytewise, 1);   // one byte per recv
 * @endcode
 */
BL_NODISCARD bl_status_t bl_tk_split(bl_testkit_t *kit, const uint16_t *sizes, size_t n);
/**
 * @brief Make the last step (a request) fail in send() once @p after_bytes
 * of it went out, with @p io (BL_IO_ERROR, raw_error() BL_TK_RESET_CODE; or
 * BL_IO_TIMEOUT, which moves the clock by the send timeout). The cut
 * request plays its step and breaks the connection: a retry needs a
 * request step of its own, so "cut, cut, then whole" is three steps.
 */
BL_NODISCARD bl_status_t bl_tk_send_fails(bl_testkit_t *kit, size_t after_bytes, int32_t io);
/**
 * @brief Pace the last step (an answer): each piece arrives @p ms after
 * recv() is called; when recv's timeout is shorter, the clock moves by the
 * timeout and recv gives BL_IO_TIMEOUT with the piece still due. With
 * bl_tk_split() this is a server that trickles (text: `pace MS` after the
 * answer's size and split).
 */
BL_NODISCARD bl_status_t bl_tk_pace(bl_testkit_t *kit, uint32_t ms);
/** Append `stall`: the next recv with a timeout waits it out. */
BL_NODISCARD bl_status_t bl_tk_stall(bl_testkit_t *kit);
/** Append `wait`: the clock moves by @p ms before the next step plays. */
BL_NODISCARD bl_status_t bl_tk_wait(bl_testkit_t *kit, uint32_t ms);
/** Append `close`: the server closes the connection (orderly). */
BL_NODISCARD bl_status_t bl_tk_close(bl_testkit_t *kit);
/** Append `reset`: the connection is reset. */
BL_NODISCARD bl_status_t bl_tk_reset_conn(bl_testkit_t *kit);

/**
 * @brief Append the steps of a script text (format above).
 *
 * Nothing is appended unless the whole text parses and fits.
 * @param line Receives the 1-based line of the first error (may be NULL).
 * @return BL_OK, BL_ERR_DECODE for a malformed script (with @p line), or
 *         BL_ERR_INVALID_ARG when the steps do not fit.
 * @code
 * static const char script[] =
 *     "banklink-script 1\n"
 *     "request GET /links/{id}\n"
 *     "answer 38\n"
 *     "HTTP/1.1 404 Not Found\r\n"
 *     "Content-Length: 0\r\n\r\n\n";
 * size_t line;
 * if (bl_tk_load(&kit, script, sizeof script - 1, &line) != BL_OK) ...
 * @endcode
 */
BL_NODISCARD bl_status_t bl_tk_load(bl_testkit_t *kit, const char *text, size_t len, size_t *line);

/**
 * @brief Make each send() accept at most @p max bytes (0: all), so a test
 * sees the client finish a request over several partial writes.
 */
void bl_tk_set_send_max(bl_testkit_t *kit, size_t max);
/**
 * @brief Make each send() take @p ms on the fake clock (a server that reads
 * slowly); a send whose timeout is shorter moves the clock by the timeout
 * and gives BL_IO_TIMEOUT, nothing accepted.
 */
void bl_tk_set_send_pace(bl_testkit_t *kit, uint32_t ms);

/* ------------------------------------------------------------ the clock */

/** Move the fake clock by @p ms (e.g. past a token's expiry). */
void bl_tk_advance(bl_testkit_t *kit, uint32_t ms);
/** The fake clock's reading (what the client's clock returns). */
uint32_t bl_tk_now(const bl_testkit_t *kit);

/* ------------------------------------------------------------ results */

/**
 * @brief True when every step was played (or skipped because the client
 * closed first), nothing unforeseen happened, every step fitted and every
 * request was kept whole.
 */
bool bl_tk_finished(const bl_testkit_t *kit);

/**
 * @brief One line for a failing test's message: "ok", the first mismatch
 * ("step 3 (request): method GET, the script expects PUT"), or the first
 * step not played. Never NULL; valid until the kit changes.
 */
const char *bl_tk_report(bl_testkit_t *kit);

/** Name of a step kind ("connect", "request", ...). */
const char *bl_tk_step_name(bl_tk_step_kind_t kind);

/* ------------------------------------------------------------ request checks */

/**
 * @brief One captured request, split into its parts (views into the kit's
 * capture; valid while the kit lives and is not reset).
 */
typedef struct bl_tk_request {
    bl_tk_text_t raw;    /**< The whole request as sent. */
    bl_tk_text_t method; /**< "PUT" */
    bl_tk_text_t target; /**< "/api/x?y=1" as sent (percent-encoded). */
    bl_tk_text_t path;   /**< The target before '?'. */
    bl_tk_text_t query;  /**< After '?', absent when there is none. */
    bl_tk_text_t head;   /**< The header lines after the request line, with their CRLFs. */
    bl_tk_text_t body;   /**< The body (Content-Length bytes). */
} bl_tk_request_t;

/** Requests captured so far (complete ones, kept whole or cut). */
size_t bl_tk_request_count(const bl_testkit_t *kit);

/**
 * @brief Split the request number @p index (0 = first) into @p out.
 * @return false when there is no such request or it is not a well-formed
 *         HTTP/1.1 request (then @p out has only raw).
 */
bool bl_tk_get_request(const bl_testkit_t *kit, size_t index, bl_tk_request_t *out);

/** True when the method is exactly @p method. */
bool bl_tk_method_is(const bl_tk_request_t *req, const char *method);
/** True when the path matches @p pattern (rules above; the query is ignored unless the pattern has one). */
bool bl_tk_path_is(const bl_tk_request_t *req, const char *pattern);
/** Path segments ("/a/b%20c" has 2). */
size_t bl_tk_segment_count(const bl_tk_request_t *req);
/**
 * @brief The percent-decoded path segment @p index (0 = first) in @p out.
 * @return @p out, or NULL when absent, badly encoded or longer than @p cap - 1.
 */
const char *bl_tk_segment(const bl_tk_request_t *req, size_t index, char *out, size_t cap);
/**
 * @brief The percent-decoded value of query parameter @p name ('+' stays '+').
 * @return @p out, or NULL when absent, badly encoded or too long.
 */
const char *bl_tk_query(const bl_tk_request_t *req, const char *name, char *out, size_t cap);
/**
 * @brief The value of header @p name (case-insensitive), without the
 * white space around it. The first when the header repeats.
 * @return @p out, or NULL when absent or longer than @p cap - 1.
 */
const char *bl_tk_header(const bl_tk_request_t *req, const char *name, char *out, size_t cap);
/** True when header @p name is present with exactly @p value. */
bool bl_tk_header_is(const bl_tk_request_t *req, const char *name, const char *value);
/**
 * @brief A field of an `application/x-www-form-urlencoded` body, decoded
 * ('+' is a space there).
 * @return @p out, or NULL when absent, badly encoded or too long.
 */
const char *bl_tk_form(const bl_tk_request_t *req, const char *name, char *out, size_t cap);

/**
 * @brief A string in the JSON body at a dotted path of object keys
 * ("end_user.access_token"), unescaped.
 * @return @p out, or NULL when the body is not JSON, the path is absent or
 *         not a string, or it does not fit @p cap - 1.
 * @code
 * char v[64];
 * const char *tok = bl_tk_json_string(&req, "end_user.access_token", v, sizeof v);
 * assert(tok != NULL && strcmp(tok, "access-sandbox-1") == 0);
 * @endcode
 */
const char *bl_tk_json_string(const bl_tk_request_t *req, const char *path, char *out, size_t cap);
/** An integer at @p path; false when absent or not an integer. */
bool bl_tk_json_int(const bl_tk_request_t *req, const char *path, int64_t *out);
/** A boolean at @p path; false when absent or not a boolean. */
bool bl_tk_json_bool(const bl_tk_request_t *req, const char *path, bool *out);
/** What is at @p path: BL_ABSENT (also for a body that is not JSON), BL_NULL or BL_PRESENT. */
bl_presence_t bl_tk_json_presence(const bl_tk_request_t *req, const char *path);
/** Object members at @p path ("" for the top level), or -1 when it is not an object. */
int bl_tk_json_members(const bl_tk_request_t *req, const char *path);

#ifdef __cplusplus
}
#endif

#endif /* BL_TESTKIT_H */
