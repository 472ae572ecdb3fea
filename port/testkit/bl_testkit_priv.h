/*
 * Internals shared by the kit's three files (not installed): appending
 * steps, framing a request, matching a path pattern, and the report text.
 */
#ifndef BL_TESTKIT_PRIV_H
#define BL_TESTKIT_PRIV_H

#include "bl_testkit.h"

/** Append @p step; on a full script set overflow and return BL_ERR_INVALID_ARG. */
bl_status_t bl_tk_push(bl_testkit_t *kit, const bl_tk_step_t *step);

/** A step of @p kind with every optional field empty. */
void bl_tk_step_clear(bl_tk_step_t *step, bl_tk_step_kind_t kind);

/**
 * Once the request head in p[0..len) is complete, its total length (head
 * plus Content-Length) in @p total. False while the head is incomplete.
 * A head with an unreadable Content-Length counts as a head alone.
 */
bool bl_tk_request_length(const uint8_t *p, size_t len, size_t *total);

/** Split raw request bytes into @p out (false: not a well-formed request line/head). */
bool bl_tk_split_request(const uint8_t *p, size_t len, bl_tk_request_t *out);

/** Does the request's path and query match @p pattern (rules in bl_testkit.h)? */
bool bl_tk_target_matches(const bl_tk_request_t *req, bl_tk_text_t pattern);

/** Does text equal the NUL-terminated @p s? */
bool bl_tk_text_is(bl_tk_text_t text, const char *s);

/** Appending to the report without printf: text, a number, a view. */
void bl_tk_report_clear(bl_testkit_t *kit);
void bl_tk_report_add(bl_testkit_t *kit, const char *s);
void bl_tk_report_num(bl_testkit_t *kit, size_t n);
void bl_tk_report_text(bl_testkit_t *kit, bl_tk_text_t text);

#endif /* BL_TESTKIT_PRIV_H */
