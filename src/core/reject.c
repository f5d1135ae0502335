/* reject.c - names of the reject reasons (see reject.h). */
#include "cefguard/reject.h"

const char *cg_reject_name(enum cg_reject r)
{
    static const char *const names[CG_REJ_MAX] = {
        [CG_REJ_NONE] = "none",
        [CG_REJ_EMPTY] = "empty",
        [CG_REJ_LINE_TOO_LONG] = "line_too_long",
        [CG_REJ_NO_DECODER] = "no_decoder",
        [CG_REJ_CEF_BAD_VERSION] = "cef_bad_version",
        [CG_REJ_CEF_TRUNCATED] = "cef_truncated",
        [CG_REJ_LEEF_BAD_VERSION] = "leef_bad_version",
        [CG_REJ_LEEF_TRUNCATED] = "leef_truncated",
        [CG_REJ_LEEF_BAD_DELIM] = "leef_bad_delimiter",
    };
    if ((unsigned)r >= CG_REJ_MAX || !names[r])
        return "unknown";
    return names[r];
}
