/**
 * @file cli_session.c
 * @brief `--record FILE` and `--replay FILE` of the host tool, over the
 * test kit (port/testkit): the recorder wraps the real transport, the
 * replay transport and fake clock replace the network.
 *
 * Compiled (with BL_TOOL_TESTKIT=1) when the build has the target
 * banklink_testkit; see boards/posix/CMakeLists.txt. Without it both
 * options are refused before anything is sent. Memory stays static, as on
 * a device: the files go through open/read/write, not stdio, so a run
 * still makes no heap allocation.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#if defined(BL_TOOL_TESTKIT) && BL_TOOL_TESTKIT

#include "bl_testkit.h"
#include "bl_testkit_record.h"

/** Largest script --replay reads, and the recorder's buffer (the largest
 * answer kept as one step: a 1,000-link Heron list is ~380 KB). */
#define BL_CLI_SCRIPT_MAX (1024u * 1024u)

/* One run records or replays, once: the state of either lives here. */
static struct {
    int fd;            /* the record file; -1 when not recording */
    bool write_failed;
    int write_errno;
    const char *path;
} bl_cli_recording = {-1, false, 0, NULL};
static bl_tk_recorder_t bl_cli_rec;
static uint8_t bl_cli_rec_buf[BL_CLI_SCRIPT_MAX];

static bl_testkit_t bl_cli_kit;
static char bl_cli_script[BL_CLI_SCRIPT_MAX];
static bool bl_cli_replaying;
static char bl_cli_why[BL_CLI_ERR_MAX];

bool bl_cli_have_testkit(void)
{
    return true;
}

static void bl_cli_record_write(void *ctx, const char *data, size_t len)
{
    (void)ctx;
    while (len > 0u && !bl_cli_recording.write_failed) {
        ssize_t n = write(bl_cli_recording.fd, data, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            bl_cli_recording.write_failed = true;
            bl_cli_recording.write_errno = n < 0 ? errno : EIO;
            return;
        }
        data += n;
        len -= (size_t)n;
    }
}

bl_status_t bl_cli_record_begin(const char *path, const bl_transport_t *inner, const bl_transport_t **out,
                                const char **why)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        (void)snprintf(bl_cli_why, sizeof bl_cli_why, "--record: cannot create %s: %s; nothing was sent", path,
                       strerror(errno));
        *why = bl_cli_why;
        return BL_ERR_INVALID_ARG;
    }
    bl_cli_recording.fd = fd;
    bl_cli_recording.path = path;
    bl_status_t st = bl_tk_recorder_init(&bl_cli_rec, inner, bl_cli_rec_buf, sizeof bl_cli_rec_buf,
                                         bl_cli_record_write, NULL);
    if (st != BL_OK) {
        *why = "--record: the recorder refused the transport";
        return st;
    }
    *out = &bl_cli_rec.transport;
    return BL_OK;
}

int bl_cli_record_end(void)
{
    if (bl_cli_recording.fd < 0) {
        return 0;
    }
    bl_tk_recorder_finish(&bl_cli_rec);
    /* What the recorder held may include a secret it did not recognise. */
    bl_secure_zero(bl_cli_rec_buf, sizeof bl_cli_rec_buf);
    int rc = close(bl_cli_recording.fd);
    bl_cli_recording.fd = -1;
    if (bl_cli_recording.write_failed || rc != 0) {
        (void)fprintf(stderr, "banklink: --record: writing %s failed: %s; the record is incomplete\n",
                      bl_cli_recording.path,
                      strerror(bl_cli_recording.write_failed ? bl_cli_recording.write_errno : errno));
        return 1;
    }
    return 0;
}

/* Read the whole file into bl_cli_script; returns its length or -1 (why set). */
static long bl_cli_read_script(const char *path, const char **why)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        (void)snprintf(bl_cli_why, sizeof bl_cli_why, "--replay: cannot open %s: %s", path, strerror(errno));
        *why = bl_cli_why;
        return -1;
    }
    size_t len = 0;
    for (;;) {
        if (len == sizeof bl_cli_script) {
            char probe;
            ssize_t more = read(fd, &probe, 1);
            if (more != 0) {
                (void)close(fd);
                (void)snprintf(bl_cli_why, sizeof bl_cli_why, "--replay: %s is larger than %u bytes", path,
                               (unsigned)sizeof bl_cli_script);
                *why = bl_cli_why;
                return -1;
            }
            break;
        }
        ssize_t n = read(fd, bl_cli_script + len, sizeof bl_cli_script - len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            (void)snprintf(bl_cli_why, sizeof bl_cli_why, "--replay: cannot read %s: %s", path, strerror(errno));
            *why = bl_cli_why;
            (void)close(fd);
            return -1;
        }
        if (n == 0) {
            break;
        }
        len += (size_t)n;
    }
    (void)close(fd);
    return (long)len;
}

bl_status_t bl_cli_replay_begin(const char *path, const bl_transport_t **transport, const bl_clock_t **clock,
                                const char **why)
{
    long len = bl_cli_read_script(path, why);
    if (len < 0) {
        return BL_ERR_INVALID_ARG;
    }
    if (bl_tk_init(&bl_cli_kit) != BL_OK) {
        *why = "--replay: the test kit was built with other sizes than this tool";
        return BL_ERR_INVALID_ARG;
    }
    size_t line = 0;
    bl_status_t st = bl_tk_load(&bl_cli_kit, bl_cli_script, (size_t)len, &line);
    if (st != BL_OK) {
        (void)snprintf(bl_cli_why, sizeof bl_cli_why, "--replay: %s line %lu: %s", path, (unsigned long)line,
                       st == BL_ERR_DECODE ? "not a banklink script step"
                                           : "the script has more steps than the test kit holds (BL_TK_MAX_STEPS)");
        *why = bl_cli_why;
        return BL_ERR_INVALID_ARG;
    }
    bl_cli_replaying = true;
    *transport = &bl_cli_kit.transport;
    *clock = &bl_cli_kit.clock;
    return BL_OK;
}

int bl_cli_replay_end(int rc)
{
    if (!bl_cli_replaying || bl_tk_finished(&bl_cli_kit)) {
        return rc;
    }
    (void)fprintf(stderr, "banklink: replay: %s\n", bl_tk_report(&bl_cli_kit));
    return BL_CLI_EXIT_REPLAY;
}

#else /* BL_TOOL_TESTKIT */

bool bl_cli_have_testkit(void)
{
    return false;
}

bl_status_t bl_cli_record_begin(const char *path, const bl_transport_t *inner, const bl_transport_t **out,
                                const char **why)
{
    (void)path;
    (void)inner;
    (void)out;
    *why = "--record needs the test kit (port/testkit), not in this build; nothing was sent";
    return BL_ERR_UNSUPPORTED;
}

int bl_cli_record_end(void)
{
    return 0;
}

bl_status_t bl_cli_replay_begin(const char *path, const bl_transport_t **transport, const bl_clock_t **clock,
                                const char **why)
{
    (void)path;
    (void)transport;
    (void)clock;
    *why = "--replay needs the test kit (port/testkit), not in this build";
    return BL_ERR_UNSUPPORTED;
}

int bl_cli_replay_end(int rc)
{
    return rc;
}

#endif /* BL_TOOL_TESTKIT */
