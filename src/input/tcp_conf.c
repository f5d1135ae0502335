/* tcp_conf.c - the option tables of the tcp and tls inputs and their counter table (see
 * source_tcp.h). */
#include "tcp_int.h"

#include <stddef.h>

#define AT(member) offsetof(struct cg_source_tcp_conf, member)
#define SEC_US 1000000ull
#define DAY_US (86400ull * SEC_US)

/* The options both types have; the defaults are source_tcp.h's. Kept out of clang-format,
 * which would give every field a line of its own. */
/* clang-format off */
#define TCP_COMMON_OPTIONS                                                                      \
    {.name = "max-message", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes",             \
     .def = "1048576", .min = 64, .max = 1u << 30, .commands = 1, .offset = AT(max_message),  \
     .help = "longest message; a longer line or octet count closes its connection"},          \
    {.name = "max-connections", .type = CG_OPT_UINT, .arg = "N", .def = "1000", .min = 1,     \
     .max = 1000000, .commands = 1, .offset = AT(max_connections),                            \
     .help = "connections open at once; one more is accepted and closed at once"},            \
    {.name = "max-buffered", .type = CG_OPT_SIZE, .arg = "BYTES", .unit = "bytes",            \
     .def = "268435456", .min = 1u << 20, .max = 1ull << 40, .commands = 1,                   \
     .offset = AT(max_buffered),                                                              \
     .help = "buffer all connections hold at once; one that needs more is closed"},           \
    {.name = "idle-timeout", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "5m",         \
     .min = 0, .max = 7 * DAY_US, .commands = 1, .offset = AT(idle_timeout_us),               \
     .help = "a connection without a byte for this long is closed (0: never)"},               \
    {.name = "frame-timeout", .type = CG_OPT_DURATION, .arg = "DURATION", .def = "30s",       \
     .min = 0, .max = DAY_US, .commands = 1, .offset = AT(frame_timeout_us),                  \
     .help = "a begun message (and a TLS handshake) must complete within this, or its "       \
             "connection is closed (0: never)"}

static const struct cg_opt tcp_options[] = {
    {.name = "listen", .type = CG_OPT_LISTEN, .arg = "HOST:PORT", .def = CG_SOURCE_TCP_LISTEN,
     .commands = 1, .offset = AT(listen), .help = "address and port to listen on"},
    TCP_COMMON_OPTIONS,
};

static const struct cg_opt tls_options[] = {
    {.name = "listen", .type = CG_OPT_LISTEN, .arg = "HOST:PORT", .def = CG_SOURCE_TLS_LISTEN,
     .commands = 1, .offset = AT(listen), .help = "address and port to listen on"},
    TCP_COMMON_OPTIONS,
    {.name = "tls-cert", .type = CG_OPT_STRING, .arg = "FILE", .def_text = "none: required",
     .commands = 1, .offset = AT(tls_cert),
     .help = "the server's certificate chain (PEM), its own certificate first"},
    {.name = "tls-key", .type = CG_OPT_STRING, .arg = "FILE", .def_text = "none: required",
     .commands = 1, .offset = AT(tls_key), .help = "the private key of tls-cert (PEM)"},
    {.name = "tls-ca", .type = CG_OPT_STRING, .arg = "FILE", .def_text = "none",
     .commands = 1, .offset = AT(tls_ca),
     .help = "CA certificates (PEM) client certificates are verified against"},
    {.name = "verify-client", .type = CG_OPT_FLAG, .commands = 1,
     .offset = AT(tls_verify_client),
     .help = "close clients without a certificate that tls-ca verifies"},
};
/* clang-format on */

static const char *const tcp_commands[] = {"tcp"};
static const char *const tls_commands[] = {"tls"};

const struct cg_opt_table cg_source_tcp_options = {tcp_options, CG_ARRAY_LEN(tcp_options),
                                                   tcp_commands, 1};
const struct cg_opt_table cg_source_tls_options = {tls_options, CG_ARRAY_LEN(tls_options),
                                                   tls_commands, 1};

#define STAT(name, member, help)                                                                   \
    {                                                                                              \
        name, CG_COUNTER_TOTAL, offsetof(struct cg_source_tcp_stats, member), help, NULL, 0, 0     \
    }
#define GAUGE(name, member, help)                                                                  \
    {                                                                                              \
        name, CG_COUNTER_GAUGE, offsetof(struct cg_source_tcp_stats, member), help, NULL, 0, 0     \
    }

static const struct cg_counter tcp_counters[] = {
    STAT("connections.accepted", connections_accepted, "connections taken as streams"),
    GAUGE("connections.open", connections_open, "connections open now"),
    STAT("received", received, "messages delivered"),
    STAT("bytes", bytes, "bytes read from connections (TLS: after decryption)"),
    STAT("eof.partial", eof_partial,
         "LF-framed messages delivered without their LF because the peer closed after them"),
    STAT("dropped.partial", dropped_partial,
         "incomplete messages dropped when their connection was closed"),
    STAT("closed.eof", closed_eof, "connections closed by their peer"),
    STAT("closed.bad_octet_count", closed_bad_octet_count,
         "connections closed for a bad octet count (0, leading 0, non-digit, too many digits, "
         "over max-message)"),
    STAT("closed.too_long", closed_too_long,
         "connections closed for an LF-framed line longer than max-message"),
    STAT("closed.idle", closed_idle, "connections closed after idle-timeout without a byte"),
    STAT("closed.slow", closed_slow,
         "connections closed because a message or TLS handshake took longer than frame-timeout"),
    STAT("closed.error", closed_error, "connections closed by a read or TLS error"),
    STAT("closed.frame_error", closed_frame_error,
         "connections closed because the pipeline failed one of their messages"),
    STAT("closed.tls_handshake", closed_tls_handshake,
         "connections closed because their TLS handshake failed (a client certificate "
         "refused, a bad protocol version)"),
    STAT("closed.stop", closed_stop, "connections closed because the input stopped"),
    STAT("closed.memory", closed_memory,
         "connections closed because their buffer would take the input beyond max-buffered"),
    STAT("rejected.max_connections", rejected_max_connections,
         "connections accepted and closed at once because max-connections were open"),
    STAT("rejected.emfile", rejected_emfile,
         "connections accepted on the spare descriptor and closed because the process had "
         "no descriptor left"),
    STAT("accept.errors", accept_errors,
         "accept failures that paused accepting for 100 ms (no descriptor, no memory)"),
    GAUGE("buffered", buffered, "bytes of buffer the connections hold"),
    GAUGE("port", port, "the port the input listens on"),
};

const struct cg_counter_table cg_source_tcp_counters = {tcp_counters, CG_ARRAY_LEN(tcp_counters)};
