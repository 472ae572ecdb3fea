/**
 * @file banklink_heron.c
 * @brief The Heron commands of the host tool: update-link, list-links,
 * create-link, refresh-link, delete-links.
 *
 * Lists are printed while they stream: each link goes to stdout as the
 * library delivers it, so the tool never holds more than one link (in the
 * work buffer) and its printed form (in a static buffer).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#if BL_CONFIG_LISTS
static bl_status_t bl_cli_print_heron_link(void *ctx, const bl_heron_link_t *link)
{
    bl_cli_list_out_t *l = (bl_cli_list_out_t *)ctx;
    bl_buf_t b;
    bl_buf_init(&b, l->out, sizeof l->out);
    bl_cli_list_item_begin(&l->list, &b);
    (void)bl_cli_json_heron_link_obj(&b, link);
    /* Any status other than BL_OK stops the walk; list.failed says why. */
    return bl_cli_list_item_end(&l->list, &b) ? BL_OK : BL_ERR_UNSUPPORTED;
}

/* Static, off the stack, as a device would keep it. */
static bl_cli_list_out_t bl_cli_heron_out;

static int bl_cli_heron_list(bl_cli_run_t *run, const char *key)
{
    const bl_cli_opts_t *o = run->opts;
    bl_cli_list_out_t *l = &bl_cli_heron_out;
    bl_cli_list_init(&l->list, stdout, "links");
    bl_status_t st;
    if (o->integration_id != NULL) {
        st = bl_heron_list_integration_links(&run->client, key, o->integration_id, o->end_user,
                                             bl_cli_print_heron_link, l, NULL);
    } else {
        st = bl_heron_list_links(&run->client, key, o->end_user, bl_cli_print_heron_link, l, NULL);
    }
    bl_cli_log_end(&run->log);
    int rc = 0;
    if (l->list.failed) {
        (void)fprintf(stderr, "banklink: list-links: cannot write to stdout (after %lu links)\n",
                      (unsigned long)l->list.count);
        rc = 1;
    } else if (st != BL_OK) {
        char note[96];
        note[0] = '\0';
        if (l->list.count > 0u) {
            /* stdout holds an unterminated document: say so. */
            (void)snprintf(note, sizeof note, "%lu links were printed before the failure; the list is incomplete",
                           (unsigned long)l->list.count);
        }
        bl_cli_report(run, NULL, st, note);
        rc = bl_cli_exit_code(st);
    } else if (!bl_cli_list_finish(&l->list)) {
        (void)fprintf(stderr, "banklink: list-links: cannot write to stdout\n");
        rc = 1;
    }
    bl_secure_zero(l->out, sizeof l->out);
    return rc;
}
#endif /* BL_CONFIG_LISTS */

int bl_cli_heron_main(bl_cli_run_t *run)
{
    const bl_cli_opts_t *o = run->opts;
    const char *key = bl_cli_env("HERON_API_KEY");
    if (key == NULL) {
        return bl_cli_refuse("HERON_API_KEY is not set: the Heron API key comes from the environment",
                             BL_ERR_INVALID_ARG);
    }
    if (o->command == BL_CLI_HERON_LIST_LINKS) {
#if BL_CONFIG_LISTS
        return bl_cli_heron_list(run, key);
#else
        return bl_cli_not_built("list-links", "BL_CONFIG_LISTS");
#endif
    }

    bl_heron_link_t link;
    bl_status_t st;
    const char *wrapper = "link";
    switch (o->command) {
    case BL_CLI_HERON_UPDATE_LINK:
        st = bl_heron_update_link(&run->client, key, o->item_id, o->access_token, &link);
        wrapper = "integration_link";
        break;
#if BL_CONFIG_LIFECYCLE
    case BL_CLI_HERON_CREATE_LINK: {
        bl_heron_new_link_t req;
        memset(&req, 0, sizeof req);
        req.item_id = o->item_id;
        req.end_user_id = o->end_user_id;
        req.access_token = o->access_token;
        req.end_user_name = o->end_user_name;
        st = bl_heron_create_link(&run->client, key, o->integration_id, &req, &link);
        break;
    }
    case BL_CLI_HERON_REFRESH_LINK:
        st = bl_heron_refresh_link(&run->client, key, o->integration_id, o->item_id, &link);
        break;
    case BL_CLI_HERON_DELETE_LINKS:
        st = bl_heron_delete_links(&run->client, key, o->integration_id, o->end_user);
        wrapper = NULL;
        break;
#else
    case BL_CLI_HERON_CREATE_LINK:
    case BL_CLI_HERON_REFRESH_LINK:
    case BL_CLI_HERON_DELETE_LINKS:
        return bl_cli_not_built("create-link, refresh-link and delete-links", "BL_CONFIG_LIFECYCLE");
#endif
    default:
        return bl_cli_refuse("not a Heron command", BL_ERR_INVALID_ARG);
    }
    bl_cli_log_end(&run->log);
    if (st != BL_OK) {
        bl_cli_report(run, NULL, st, NULL);
        return bl_cli_exit_code(st);
    }
    char out[BL_CLI_OUT_SIZE];
    bl_buf_t b;
    bl_buf_init(&b, out, sizeof out);
    if (wrapper == NULL) {
        /* 204: the API answers no body; success is the exit code. */
        bl_buf_puts(&b, "{}");
        return bl_cli_emit(bl_buf_ok(&b), &b);
    }
    return bl_cli_emit(bl_cli_json_heron_wrapped(&b, wrapper, &link), &b);
}
