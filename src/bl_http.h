/**
 * @file bl_http.h
 * @brief HTTP/1.1 request writer and incremental response reader.
 *
 * Both work inside one caller buffer. The writer serialises the whole
 * request (head and body) so it leaves in a single send. The reader takes
 * the response in whatever pieces the transport returns, down to one byte:
 * header lines are parsed and dropped, chunk framing is removed in place,
 * so when it is done the decoded body sits at the start of the buffer.
 */
#ifndef BL_HTTP_H
#define BL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bl_config_defaults.h"
#include "bl_json.h"
#include "bl_status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Request methods banklink uses. */
typedef enum bl_method { BL_GET, BL_PUT, BL_POST, BL_DELETE } bl_method_t;

/** One caller header. */
typedef struct bl_header {
    const char *name;  /**< Header name (a token: letters, digits, `-`). */
    const char *value; /**< Value; refused if empty or it has a control byte. */
    bool secret;       /**< Redacted in logs and wiped after sending. */
} bl_header_t;

/** One query parameter; both parts are percent-encoded. */
typedef struct bl_query {
    const char *name;  /**< Parameter name. */
    const char *value; /**< Parameter value. */
} bl_query_t;

/** Byte ranges of secrets inside a serialised request. */
typedef struct bl_secrets {
    size_t start[BL_MAX_SECRETS]; /**< First byte of each secret. */
    size_t end[BL_MAX_SECRETS];   /**< One past its last byte. */
    size_t count;                 /**< Ranges recorded. */
} bl_secrets_t;

/** Record that bytes [start, end) of the request are secret (more than
 *  BL_MAX_SECRETS make bl_http_write_request() refuse the request). */
void bl_secrets_mark(bl_secrets_t *s, size_t start, size_t end);

/**
 * Writes a request body by appending to @p b. Called twice per request:
 * once on a zero-capacity buffer to learn the length, once for real. Marks
 * secret values it writes with bl_secrets_mark() (offsets are b->len).
 * @return BL_OK or BL_ERR_INVALID_ARG (a value it refuses).
 */
typedef bl_status_t (*bl_body_fn)(bl_buf_t *b, const void *ctx, bl_secrets_t *secrets);

/** Everything needed to serialise one request. */
typedef struct bl_http_request {
    bl_method_t method;              /**< Method. */
    const char *base_path;           /**< Prefix such as "" or "/v1" (not encoded). */
    const char *const *segments;     /**< Path segments, each percent-encoded and preceded by '/'. */
    size_t segment_count;            /**< Their number. */
    const bl_query_t *query;         /**< Query parameters, or NULL. */
    size_t query_count;              /**< Their number. */
    const bl_header_t *headers;      /**< Provider headers, or NULL. */
    size_t header_count;             /**< Their number. */
    const char *content_type;        /**< Body type, or NULL for no body. */
    bl_body_fn body;                 /**< Body writer, or NULL. */
    const void *body_ctx;            /**< Passed to @ref body. */
} bl_http_request_t;

/**
 * @brief Serialise @p req for @p host into @p out.
 *
 * Writes the request line, `Host` (`host:port` unless port is 80 or 443;
 * IPv6 literals in brackets), `User-Agent`, `Accept: application/json`,
 * the caller's headers, `Content-Type` and `Content-Length` when there is a
 * body, then the body.
 *
 * @param out     Output; on failure its content is unspecified but nothing
 *                was sent.
 * @param secrets Receives the ranges of secret values.
 * @return BL_OK; BL_ERR_INVALID_ARG for an empty segment, an empty value, a
 *         control byte in a header value, a bad header name or a body value
 *         refused; BL_ERR_REQUEST_TOO_LARGE when it does not fit (out->len
 *         then holds the size that would).
 */
BL_NODISCARD bl_status_t bl_http_write_request(bl_buf_t *out, const char *host, uint16_t port,
                                               const bl_http_request_t *req, bl_secrets_t *secrets);

/** Append @p s percent-encoded (RFC 3986 unreserved bytes stay, except
 *  that "." and ".." are encoded so they are not dot-segments). */
void bl_http_put_encoded(bl_buf_t *b, const char *s, size_t len);

/** True when @p v can be a header value: non-empty printable ASCII
 *  (0x20–0x7E), at most BL_MAX_VALUE_LEN bytes. */
bool bl_http_value_ok(const char *v);

/** True when @p v can be an encoded value (path segment, query, JSON
 *  string): non-empty, valid UTF-8, no control byte, at most
 *  BL_MAX_VALUE_LEN bytes. */
bool bl_http_text_ok(const char *v);

/** Response line and header facts the client keeps. -1 means "not sent". */
typedef struct bl_http_meta {
    int status;                /**< Final status code (1xx skipped). */
    int64_t content_length;    /**< Declared body length, or -1. */
    int64_t retry_after_s;     /**< Retry-After as seconds (a date is converted using Date), or -1. */
    int64_t date_unix;         /**< Date header, or -1. */
    int64_t ratelimit_limit;     /**< x-ratelimit-limit, or -1. */
    int64_t ratelimit_remaining; /**< x-ratelimit-remaining, or -1. */
    int64_t ratelimit_reset;     /**< x-ratelimit-reset as sent, or -1. */
    bool chunked;              /**< Transfer-Encoding: chunked. */
    bool keep_alive;           /**< The connection may be reused afterwards. */
} bl_http_meta_t;

/**
 * The kind of line a BL_ERR_HTTP_MALFORMED refers to (bl_error_info_t::http_part,
 * bl_http_reader_malformed()). The reader refuses what RFC 9112 and RFC 9110
 * refuse: a bare CR or another control byte outside the body, a field name
 * outside tchar, a chunk-size line outside the chunk-ext grammar. A bare LF
 * still ends a line.
 */
typedef enum bl_http_part {
    BL_HTTP_PART_NONE = 0,    /**< Not a malformed response. */
    BL_HTTP_PART_STATUS_LINE, /**< The status line: version, code, reason phrase. */
    BL_HTTP_PART_FIELD,       /**< A header field line: its syntax, or a Content-Length / Transfer-Encoding value. */
    BL_HTTP_PART_CHUNK_LINE,  /**< A chunk-size line: the size or its extensions. */
    BL_HTTP_PART_CHUNK_END,   /**< The line end that must follow a chunk's data. */
    BL_HTTP_PART_TRAILER      /**< A trailer field line. */
} bl_http_part_t;

/** Log hook the reader calls with each header line it parses. */
typedef void (*bl_http_line_fn)(void *ctx, const char *line, size_t len);

/** Incremental response reader. Fields are private; use the functions. */
typedef struct bl_http_reader {
    char *buf;          /**< Caller's buffer. */
    size_t cap;         /**< Its size. */
    size_t len;         /**< Bytes held. */
    size_t pos;         /**< Parse position. */
    size_t body_len;    /**< Decoded body bytes at buf[0..body_len). */
    uint64_t chunk_left;/**< Bytes left in the current chunk. */
    size_t extra;       /**< Bytes received past the end of the message. */
    size_t scanned;     /**< Bytes after pos already searched for a line end. */
    int64_t retry_at;   /**< Retry-After given as a date (Unix s), or -1. */
    uint8_t state;      /**< Parser state. */
    bool no_body;       /**< HEAD request or 1xx/204/304 status. */
    bool head_request;  /**< The request was HEAD. */
    bool seen_te;       /**< A Transfer-Encoding header was seen. */
    bool stream;        /**< The body may be larger than the buffer: the caller consumes it as it comes. */
    uint8_t malformed;  /**< bl_http_part_t of the line a BL_ERR_HTTP_MALFORMED refused. */
    uint64_t consumed;  /**< Body bytes the caller consumed (stream mode). */
    bl_http_meta_t meta;/**< What the headers said. */
    bl_http_line_fn on_line; /**< Optional header-line hook (logging). */
    void *on_line_ctx;  /**< Its context. */
} bl_http_reader_t;

/** Start reading a response into @p buf[0..cap). */
void bl_http_reader_init(bl_http_reader_t *r, char *buf, size_t cap);

/**
 * @brief Where to put the next received bytes.
 * @param avail Receives the free space (0 when the buffer is full: the
 *              response does not fit).
 */
char *bl_http_reader_space(bl_http_reader_t *r, size_t *avail);

/**
 * @brief Take @p n bytes just written at bl_http_reader_space().
 * @return BL_OK (check bl_http_reader_done()), BL_ERR_HTTP_MALFORMED (which
 *         line: bl_http_reader_malformed()) or BL_ERR_RESPONSE_TOO_LARGE (the
 *         declared body cannot fit).
 */
BL_NODISCARD bl_status_t bl_http_reader_feed(bl_http_reader_t *r, size_t n);

/** The kind of line the last BL_ERR_HTTP_MALFORMED refused; BL_HTTP_PART_NONE
 *  when the reader has refused nothing. */
bl_http_part_t bl_http_reader_malformed(const bl_http_reader_t *r);

/**
 * @brief The peer closed the connection.
 * @return BL_OK when that completes a close-delimited body, else
 *         BL_ERR_RECV (truncated response).
 */
BL_NODISCARD bl_status_t bl_http_reader_eof(bl_http_reader_t *r);

/** True once a whole final response has been read. */
bool bl_http_reader_done(const bl_http_reader_t *r);

/** True once the status line of the final response has been read. */
bool bl_http_reader_started(const bl_http_reader_t *r);

/**
 * @brief The decoded body (valid when done), NUL-terminated when there was
 * room (a byte is always kept free for it).
 */
char *bl_http_reader_body(const bl_http_reader_t *r, size_t *len);

/** True once the headers of the final response have been read. */
bool bl_http_reader_in_body(const bl_http_reader_t *r);

#if BL_CONFIG_LISTS
/**
 * @brief Stream mode: a body longer than the buffer is allowed; the caller
 * reads bl_http_reader_body() as it grows and drops what it has used with
 * bl_http_reader_consume(). Call before the first feed.
 */
void bl_http_reader_set_stream(bl_http_reader_t *r);

/** Drop the first @p n bytes of the decoded body (n <= its length). */
void bl_http_reader_consume(bl_http_reader_t *r, size_t n);
#endif

#ifdef __cplusplus
}
#endif

#endif /* BL_HTTP_H */
