/*
 * Configuration loading from the real file and environment (see
 * config_load.h).
 */

#include "config_load.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "read_file.h"

#define DEFAULT_CONFIG_PATH  "/etc/streamvault/worker.conf"

const char *
sv_config_path(const char *from_cli, const char *from_env)
{
    if (from_cli != NULL) {
        return from_cli;
    }

    return from_env != NULL && from_env[0] != '\0' ? from_env
                                                   : DEFAULT_CONFIG_PATH;
}

bool
sv_config_load(const char *path, struct sv_config *cfg,
               struct sv_diags *diags)
{
    char    hostname[HOST_NAME_MAX + 1] = "";
    char    err[SV_DIAG_TEXT_MAX];
    char   *text;
    size_t  len;

    diags->count = 0;
    diags->dropped = 0;

    /* Without a host name the default worker_id falls back to "worker". */
    if (gethostname(hostname, sizeof(hostname) - 1) != 0) {
        hostname[0] = '\0';
    }
    sv_config_set_defaults(cfg, hostname);

    text = sv_read_file(path, SV_CONFIG_FILE_MAX, &len, err, sizeof(err));
    if (text == NULL) {
        sv_diags_add_file(diags, "%s", err);
        return false;
    }

    sv_config_parse(cfg, text, len, diags);
    free(text);
    sv_config_apply_env(cfg, getenv, diags);

    return diags->count == 0;
}

int
sv_config_check(const char *path)
{
    struct sv_config  cfg;
    struct sv_diags   diags;

    if (!sv_config_load(path, &cfg, &diags)) {
        sv_diags_print(&diags, path, stderr);
        return 2;
    }

    printf("streamvault-worker: configuration file %s is ok\n", path);
    return 0;
}
