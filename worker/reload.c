/*
 * Runtime reconfiguration (see reload.h).
 */

#include "reload.h"

#include <stdlib.h>
#include <string.h>

#include "config_load.h"
#include "log.h"

static void
log_problems(const char *path, const struct sv_diags *diags)
{
    char text[SV_DIAG_TEXT_MAX + PATH_MAX + 64];

    for (size_t i = 0; i < diags->count; i++) {
        sv_diag_format(&diags->item[i], path, text, sizeof(text));
        sv_log(SV_LOG_ERROR, "configuration not reloaded; fix the problem and "
               "send SIGHUP again, the old configuration stays in effect",
               SV_STR("error", text));
    }
}

/* Takes over the settings that can change while running. */
static void
apply(struct sv_config *running, const struct sv_config *loaded)
{
    char err[PATH_MAX + 128];
    char restart[128];

    if (strcmp(loaded->log_file, running->log_file) != 0) {
        if (sv_log_open(loaded->log_file, err, sizeof(err)) == 0) {
            memcpy(running->log_file, loaded->log_file,
                   sizeof(running->log_file));
        } else {
            sv_log(SV_LOG_ERROR, "cannot switch to the new log_file; still "
                   "logging to the old one", SV_STR("error", err));
        }
    }

    running->log_level = loaded->log_level;
    sv_log_set_level(running->log_level);
    running->heartbeat_interval = loaded->heartbeat_interval;
    running->recorder = loaded->recorder;
    running->twitch = loaded->twitch;

    sv_config_restart_needed(running, loaded, restart, sizeof(restart));
    if (restart[0] == '\0') {
        sv_log(SV_LOG_INFO, "configuration reloaded");
    } else {
        sv_log(SV_LOG_WARN, "configuration reloaded; restart the worker to "
               "apply the changed settings listed in restart_needed",
               SV_STR("restart_needed", restart));
    }
}

bool
sv_reload_config(const char *path, struct sv_config *running)
{
    /* Two configs and a problem list are ~60 KiB: keep them off the stack. */
    struct sv_config  *loaded = malloc(sizeof(*loaded));
    struct sv_diags   *diags = malloc(sizeof(*diags));
    bool               ok = false;

    if (loaded == NULL || diags == NULL) {
        sv_log(SV_LOG_ERROR, "cannot reload the configuration: out of memory; "
               "the old one stays in effect");
    } else if (!sv_config_load(path, loaded, diags)) {
        log_problems(path, diags);
    } else {
        apply(running, loaded);
        ok = true;
    }

    free(loaded);
    free(diags);
    return ok;
}

void
sv_reopen_log(void)
{
    char err[PATH_MAX + 128];

    if (sv_log_reopen(err, sizeof(err)) != 0) {
        sv_log(SV_LOG_ERROR, "cannot reopen the log file; still writing to "
               "the old one", SV_STR("error", err));
        return;
    }

    sv_log(SV_LOG_INFO, "log file reopened");
}
