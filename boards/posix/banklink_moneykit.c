/**
 * @file banklink_moneykit.c
 * @brief The MoneyKit commands of the host tool: token, exchange-token,
 * get-link, delete-link, list-links.
 *
 * The access token comes from MONEYKIT_ACCESS_TOKEN or is fetched with the
 * client credentials; with credentials the library also renews it before
 * it expires and once when a call answers that it expired. list-links
 * walks every page with the cursor and prints all links of all pages as
 * one streamed document.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

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

/*
 * The step to name in a failure line: a call that failed while no token is
 * held failed at fetching one (POST /auth/token), unless its input was
 * refused before anything was sent. NULL: the command itself.
 */
static const char *bl_cli_failed_step(const bl_moneykit_auth_t *auth, bl_status_t st)
{
    bool credentials = auth->client_id != NULL && auth->client_secret != NULL;
    return (!auth->valid && credentials && bl_cli_exit_code(st) != 2) ? "auth/token" : NULL;
}

#if BL_CONFIG_LISTS
static bl_status_t bl_cli_print_mk_link(void *ctx, const bl_moneykit_link_t *link)
{
    bl_cli_list_out_t *l = (bl_cli_list_out_t *)ctx;
    bl_buf_t b;
    bl_buf_init(&b, l->out, sizeof l->out);
    bl_cli_list_item_begin(&l->list, &b);
    (void)bl_cli_json_moneykit_link(&b, link);
    /* Any status other than BL_OK stops the walk; list.failed says why. */
    return bl_cli_list_item_end(&l->list, &b) ? BL_OK : BL_ERR_UNSUPPORTED;
}

/* The walk's state (~1 KiB with the cursors and the decoded link) and the
 * printed form of one link: static, off the stack, as a device would. */
static bl_moneykit_list_t bl_cli_mk_walk;
static bl_cli_list_out_t bl_cli_mk_out;

/* Every page, in one document. Returns the exit code. */
static int bl_cli_moneykit_list(bl_cli_run_t *run, bl_moneykit_auth_t *auth)
{
    bl_cli_list_out_t *l = &bl_cli_mk_out;
    bl_cli_list_init(&l->list, stdout, "links");
    bl_moneykit_list_t *walk = &bl_cli_mk_walk;
    bl_moneykit_list_init(walk, run->opts->page_size, bl_cli_print_mk_link, l);
    /* The previous cursor is kept to catch a server that hands the same
     * one back forever. */
    char previous[BL_MONEYKIT_CURSOR_MAX];
    bl_status_t st = BL_OK;
    unsigned pages = 0;
    bool looped = false;
    do {
        (void)memcpy(previous, walk->cursor, sizeof previous);
        st = bl_moneykit_list_links(&run->client, auth, walk);
        bl_cli_log_end(&run->log);
        pages++;
        if (st == BL_OK && walk->cursor[0] != '\0' && strcmp(walk->cursor, previous) == 0) {
            looped = true;
            st = bl_client_fail(&run->client, BL_ERR_DECODE);
        }
    } while (st == BL_OK && walk->cursor[0] != '\0');

    int rc = 0;
    if (l->list.failed) {
        (void)fprintf(stderr, "banklink: list-links: cannot write to stdout (after %lu links)\n",
                      (unsigned long)l->list.count);
        rc = 1;
    } else if (st != BL_OK) {
        char note[128];
        note[0] = '\0';
        if (looped) {
            (void)snprintf(note, sizeof note, "page %u handed back the cursor it was asked for (%lu links printed)",
                           pages, (unsigned long)l->list.count);
        } else if (l->list.count > 0u) {
            /* stdout holds an unterminated document: say so. */
            (void)snprintf(note, sizeof note,
                           "page %u failed after %lu links were printed; the list is incomplete", pages,
                           (unsigned long)l->list.count);
        }
        bl_cli_report(run, bl_cli_failed_step(auth, st), st, note);
        rc = bl_cli_exit_code(st);
    } else if (!bl_cli_list_finish(&l->list)) {
        (void)fprintf(stderr, "banklink: list-links: cannot write to stdout\n");
        rc = 1;
    }
    bl_secure_zero(l->out, sizeof l->out);
    bl_secure_zero(walk, sizeof *walk);
    return rc;
}
#endif /* BL_CONFIG_LISTS */

/* The command proper, once a token is at hand (or can be fetched). */
static int bl_cli_moneykit_call(bl_cli_run_t *run, bl_moneykit_auth_t *auth, char *out, size_t cap)
{
    const bl_cli_opts_t *o = run->opts;
    bl_buf_t b;
    bl_buf_init(&b, out, cap);
    bl_status_t st;
    bool fitted = false;
    switch (o->command) {
    case BL_CLI_MONEYKIT_TOKEN:
        return bl_cli_emit(bl_cli_json_moneykit_token(&b, auth), &b);
    case BL_CLI_MONEYKIT_LIST_LINKS:
#if BL_CONFIG_LISTS
        return bl_cli_moneykit_list(run, auth);
#else
        return bl_cli_not_built("list-links", "BL_CONFIG_LISTS");
#endif
    case BL_CLI_MONEYKIT_EXCHANGE: {
        bl_moneykit_exchange_t ex;
        st = bl_moneykit_exchange_token(&run->client, auth, o->exchangeable_token, &ex);
        fitted = st == BL_OK && bl_cli_json_moneykit_exchange(&b, &ex);
        break;
    }
#if BL_CONFIG_LIFECYCLE
    case BL_CLI_MONEYKIT_GET_LINK: {
        bl_moneykit_link_t link;
        st = bl_moneykit_get_link(&run->client, auth, o->link_id, &link);
        fitted = st == BL_OK && bl_cli_json_moneykit_link(&b, &link);
        break;
    }
    case BL_CLI_MONEYKIT_DELETE_LINK:
        st = bl_moneykit_delete_link(&run->client, auth, o->link_id);
        /* The API answers no body; success is the exit code. */
        bl_buf_puts(&b, "{}");
        fitted = bl_buf_ok(&b);
        break;
#else
    case BL_CLI_MONEYKIT_GET_LINK:
    case BL_CLI_MONEYKIT_DELETE_LINK:
        return bl_cli_not_built("get-link and delete-link", "BL_CONFIG_LIFECYCLE");
#endif
    default:
        return bl_cli_refuse("not a MoneyKit command", BL_ERR_INVALID_ARG);
    }
    bl_cli_log_end(&run->log);
    if (st != BL_OK) {
        bl_cli_report(run, bl_cli_failed_step(auth, st), st, NULL);
        return bl_cli_exit_code(st);
    }
    return bl_cli_emit(fitted, &b);
}

int bl_cli_moneykit_main(bl_cli_run_t *run)
{
    const bl_cli_opts_t *o = run->opts;
    bl_moneykit_auth_t auth;
    int rc = bl_cli_moneykit_auth(&auth, o->command == BL_CLI_MONEYKIT_TOKEN);
    if (rc != 0) {
        return rc;
    }
    if (o->command == BL_CLI_MONEYKIT_TOKEN) {
        if (o->verbose) {
            static const char note[] = "fetching a MoneyKit access token with the client credentials";
            bl_cli_log(&run->log, BL_LOG_INFO, note, sizeof note - 1u);
        }
        bl_status_t st = bl_moneykit_fetch_token(&run->client, &auth);
        bl_cli_log_end(&run->log);
        if (st != BL_OK) {
            bl_cli_report(run, "auth/token", st, NULL);
            bl_moneykit_auth_clear(&auth);
            return bl_cli_exit_code(st);
        }
    }
    /* Other commands leave the token to the library: it checks the
     * caller's values first (refused input sends nothing, not even a token
     * request), then fetches or renews the token as needed. */
    char out[BL_CLI_OUT_SIZE];
    rc = bl_cli_moneykit_call(run, &auth, out, sizeof out);
    bl_moneykit_auth_clear(&auth);
    bl_secure_zero(out, sizeof out);
    return rc;
}
