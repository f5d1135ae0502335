/* err.c - names of the error codes (common.h). */
#include "cefguard/common.h"

const char *cg_err_str(enum cg_err e)
{
    switch (e) {
    case CG_OK: return "ok";
    case CG_ENOMEM: return "out of memory";
    case CG_EINVAL: return "invalid argument";
    case CG_EIO: return "i/o error";
    case CG_ENOENT: return "not found";
    case CG_ELIMIT: return "limit reached";
    case CG_EPARSE: return "parse error";
    case CG_EBUSY: return "busy";
    }
    return "unknown error";
}
