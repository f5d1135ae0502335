/* service_state.c - the state directory, recovery and snapshots (see service_int.h).
 * Interim: the directory only; the SQLite store (state.h) plugs in here. */
#include "service_int.h"

#include "cefguard/log.h"

#include <errno.h>
#include <sys/stat.h>

int cg_service_state_open(struct cg_service *sv)
{
    sv->state_dir = cg_service_state_dir(&sv->build->svc);
    if (mkdir(sv->state_dir, 0700) != 0 && errno != EEXIST) {
        cg_log(CG_LOG_ERR, "state directory %s: %s", sv->state_dir, strerror(errno));
        return CG_EIO;
    }
    return CG_OK;
}

int cg_service_recover(struct cg_service *sv)
{
    return CG_OK;
}

int cg_service_save(struct cg_service *sv)
{
    return CG_OK;
}

void cg_service_state_close(struct cg_service *sv)
{
}

int cg_service_hook_alert(void *ctx, const struct cg_alert *a)
{
    return CG_OK;
}

int cg_service_hook_frame(void *ctx, const struct cg_frame *f)
{
    return CG_OK;
}

int cg_service_hook_durable(void *ctx)
{
    return CG_OK;
}

void cg_service_keepalive(struct cg_service *sv)
{
    if (sv->omprog)
        cg_source_lines_keepalive(sv->omprog);
}
