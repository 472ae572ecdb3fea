/*
 * banklink configuration of the Cortex-M4 example: the "lean" profile.
 *
 * A device that only replaces Heron access tokens and exchanges MoneyKit
 * Connect tokens keeps those calls, retries with back-off, keep-alive and
 * the strict HTTP/JSON checks, and leaves out what it does not use. The
 * size report measures this file as the "lean" profile, and the test suite
 * builds the library with it (test/profile) and runs it against the mock.
 *
 * Use it with -DBL_USE_CONFIG_H and this folder on the include path, or
 * with -DBL_CONFIG_FILE='"bl_config.h"'. Every other tunable keeps its
 * default from bl_config_defaults.h.
 */
#ifndef BL_BOARD_CONFIG_H
#define BL_BOARD_CONFIG_H

#define BL_CONFIG_LIFECYCLE 0    /* no create/refresh/delete/get-link */
#define BL_CONFIG_LISTS 0        /* no streamed lists */
#define BL_CONFIG_LOG 0          /* no log hook: nowhere to send it */
#define BL_CONFIG_STATUS_NAMES 0 /* bl_status_str() gives the number */
#define BL_CONFIG_HTTP_DATE 0    /* Retry-After in seconds only */

#endif /* BL_BOARD_CONFIG_H */
