/* service_types.c - the kinds of input and sink a configuration can declare, and the
 * bundled configuration (packaging/cefguard.yml, which a test keeps equal to it). */
#include "cefguard/service.h"
#include "cefguard/sink_forward.h"
#include "cefguard/sink_jsonl.h"
#include "cefguard/source_lines.h"
#include "cefguard/source_tcp.h"
#include "cefguard/source_udp.h"

#include <string.h>

static int tls_check(const void *conf, struct cg_buf *err)
{
    return cg_source_tls_check(conf, err);
}

static int forward_check(const void *conf, struct cg_buf *err)
{
    return cg_sink_forward_check(conf, err);
}

const struct cg_config_type cg_service_types[] = {
    {"tcp", &cg_source_tcp_ops, NULL, &cg_source_tcp_options, sizeof(struct cg_source_tcp_conf),
     &cg_source_tcp_counters, NULL},
    {"tls", &cg_source_tls_ops, NULL, &cg_source_tls_options, sizeof(struct cg_source_tcp_conf),
     &cg_source_tcp_counters, tls_check},
    {"udp", &cg_source_udp_ops, NULL, &cg_source_udp_options, sizeof(struct cg_source_udp_conf),
     &cg_source_udp_counters, NULL},
    {"stdin", &cg_source_lines_ops, NULL, &cg_source_lines_options,
     sizeof(struct cg_source_lines_conf), &cg_source_lines_counters, NULL},
    {"jsonl", NULL, &cg_sink_jsonl_ops, &cg_sink_jsonl_options, sizeof(struct cg_sink_jsonl_conf),
     &cg_sink_jsonl_counters, NULL},
    {"forward", NULL, &cg_sink_forward_ops, &cg_sink_forward_options,
     sizeof(struct cg_sink_forward_conf), &cg_sink_forward_counters, forward_check},
};
const size_t cg_service_ntypes = CG_ARRAY_LEN(cg_service_types);

/* clang-format off */
const char cg_service_default_config[] =
    "# cefguard's bundled configuration: what `cefguard run` and `cefguard omprog` use without -c\n"
    "# (`cefguard help config` prints it). Copy it to /etc/cefguard/cefguard.yml to change it;\n"
    "# every key is in README.md, \"Configuration reference\", and `cefguard run --help`.\n"
    "#\n"
    "# Paths that are not set use the shipped rules and rulebases; the state directory is\n"
    "# $STATE_DIRECTORY (systemd's StateDirectory=) or ./cefguard-state.\n"
    "\n"
    "inputs:\n"
    "  # syslog over UDP (RFC 3164 / RFC 5424, one message per datagram)\n"
    "  udp:\n"
    "    type: udp\n"
    "    listen: \"127.0.0.1:5514\"\n"
    "  # syslog over TCP, newline or octet-counted framing (RFC 6587), told apart per connection\n"
    "  tcp:\n"
    "    type: tcp\n"
    "    listen: \"127.0.0.1:5514\"\n"
    "\n"
    "sinks:\n"
    "  # alerts as JSON lines on stdout\n"
    "  stdout:\n"
    "    type: jsonl\n"
    "    path: \"-\"\n";
/* clang-format on */

bool cg_service_sink_on_stdout(const struct cg_config_item *it)
{
    if (it->type->sink != &cg_sink_jsonl_ops)
        return false;
    const struct cg_sink_jsonl_conf *c = it->conf;
    return c->path && strcmp(c->path, "-") == 0;
}
