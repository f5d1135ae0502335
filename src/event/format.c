/* format.c - names of the event formats (see event.h). */
#include "cefguard/event.h"

const char *cg_format_name(enum cg_format f)
{
    switch (f) {
    case CG_FMT_RAW: return "raw";
    case CG_FMT_CEF: return "cef";
    case CG_FMT_LEEF: return "leef";
    case CG_FMT_LOGNORM: return "lognorm";
    case CG_FMT_INTERNAL: return "internal";
    case CG_FMT_MAX: break;
    }
    return "unknown";
}
