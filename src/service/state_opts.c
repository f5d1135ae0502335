/* state_opts.c - the state store's option table and counter table (see state.h). */
#include "cefguard/state.h"

#define AT(member) offsetof(struct cg_state_opts, member)
#define SEC_US 1000000ull
#define DAY_US (86400 * SEC_US)

/* Defaults here are the defaults; those of state.h are what a zero means to open, and the
 * unit test keeps the two equal. Kept out of clang-format (one field a line otherwise). */
/* clang-format off */
static const struct cg_opt opts[] = {
    {.name = "state-sync", .type = CG_OPT_STRING, .arg = "MODE", .def = "normal",
     .commands = 1, .offset = AT(synchronous),
     .help = "when a committed batch is durable: normal (it survives the process being "
             "killed) or full (also a power loss: one fsync per batch)"},
    {.name = "alert-retention", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "7d",
     .min = 60 * SEC_US, .max = 3660 * DAY_US, .commands = 1, .offset = AT(alert_retention_us),
     .help = "how long, in event time, the ids of delivered alerts are kept to suppress "
             "them when input is delivered again"},
    {.name = "audit-retention", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "90d",
     .min = 60 * SEC_US, .max = 3660 * DAY_US, .commands = 1, .offset = AT(audit_retention_us),
     .help = "how long audit rows are kept"},
    {.name = "alert-cache", .type = CG_OPT_UINT, .arg = "N", .unit = "ids", .def = "65536",
     .min = 16, .max = 1u << 24, .commands = 1, .offset = AT(alert_cache),
     .help = "ids of delivered alerts kept in memory in front of the database (about 100 "
             "bytes each), the oldest pushed out"},
    {.name = "state-busy-timeout", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "100ms",
     .min = 1000, .max = 60 * SEC_US, .commands = 1, .offset = AT(busy_timeout_us),
     .help = "how long a state database locked by another connection is waited for before "
             "the batch fails (and is retried)"},
};
/* clang-format on */

static const char *const command_names[] = {"state"};

const struct cg_opt_table cg_state_options = {opts, CG_ARRAY_LEN(opts), command_names,
                                              CG_ARRAY_LEN(command_names)};

#define TOTAL(name, member, help)                                                                  \
    {                                                                                              \
        "state." name, CG_COUNTER_TOTAL, offsetof(struct cg_state_stats, member), help, NULL, 0, 0 \
    }
#define GAUGE(name, member, help)                                                                  \
    {                                                                                              \
        "state." name, CG_COUNTER_GAUGE, offsetof(struct cg_state_stats, member), help, NULL, 0, 0 \
    }

static const struct cg_counter counters[] = {
    TOTAL("snapshots", snapshots, "engine snapshots saved (committed)"),
    GAUGE("snapshot_bytes", snapshot_bytes, "size of the stored engine snapshot in bytes"),
    GAUGE("journal_rows", journal_rows,
          "acknowledged frames in the journal, processed again after a crash"),
    TOTAL("alerts_recorded", alerts_recorded, "ids of delivered alerts stored"),
    TOTAL("alerts_suppressed", alerts_suppressed,
          "alerts found delivered already (when input is processed again) and not sent again"),
    TOTAL("alerts_pruned", alerts_pruned, "ids of delivered alerts dropped past alert-retention"),
    TOTAL("alert_cache_evicted", alert_cache_evicted,
          "ids pushed out of the in-memory set by alert-cache (the database still has them)"),
    TOTAL("commits", commits, "state transactions committed"),
    TOTAL("errors", errors, "state store calls that failed (locked, disk full, I/O, corrupt)"),
    TOTAL("corrupt", corrupt, "corrupt state databases moved aside at start-up"),
};

const struct cg_counter_table cg_state_counters = {counters, CG_ARRAY_LEN(counters)};
