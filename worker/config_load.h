/*
 * Loading the configuration the way the program does: defaults, the file,
 * the environment.
 */

#ifndef SV_CONFIG_LOAD_H
#define SV_CONFIG_LOAD_H

#include <stdbool.h>

#include "config.h"
#include "diag.h"

/* The file read in at most this size; a config file is a few lines. */
#define SV_CONFIG_FILE_MAX  (1024 * 1024)

/* Where the config file is: the -c argument, else $STREAMVAULT_CONFIG,
 * else the built-in default. */
const char *sv_config_path(const char *from_cli, const char *from_env);

/* True if there were no problems; otherwise they are in diags. */
bool sv_config_load(const char *path, struct sv_config *cfg,
                    struct sv_diags *diags);

/* --check-config: reports on path; returns the exit status (0 or 2). */
int sv_config_check(const char *path);

#endif /* SV_CONFIG_LOAD_H */
