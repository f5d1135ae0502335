/*
 * cmd_help.c - `cefguard help TOPIC [--markdown]`: the reference of every option
 * (TOPIC options) or of every counter --stats prints (TOPIC counters), as text or as the
 * Markdown that README.md carries; `cefguard help COMMAND` is `cefguard COMMAND --help`.
 */
#include "cefguard/cli.h"

#include "cli_opts.h"
#include "cli_stats.h"

#include "cefguard/service.h"

#include <stdio.h>

static void help_usage(FILE *f)
{
    fprintf(f, "usage: cefguard help options|counters|types [--markdown]\n"
               "       cefguard help config\n"
               "       cefguard help COMMAND\n"
               "Prints the reference of every option, of every counter --stats prints or of the\n"
               "options of each input and sink type, as text or (--markdown) as README.md has\n"
               "it; the bundled configuration; or a command's help.\n");
}

int cg_cmd_help(int argc, char **argv)
{
    const char *topic = argc > 1 ? argv[1] : "";
    bool markdown = argc > 2 && strcmp(argv[2], "--markdown") == 0;
    enum cli_command cmd = cli_opts_command(topic);
    bool options = strcmp(topic, "options") == 0, counters = strcmp(topic, "counters") == 0;
    bool types = strcmp(topic, "types") == 0;
    if (strcmp(topic, "config") == 0 && argc == 2) {
        fputs(cg_service_default_config, stdout);
        return 0;
    }
    if (!cmd && !options && !counters && !types) {
        cli_complain("cefguard help", "unknown topic", topic);
        help_usage(stderr);
        return 2;
    }
    int extra = argc > 3 ? 3 : argc == 3 && (cmd || !markdown) ? 2 : 0;
    if (extra) {
        cli_complain("cefguard help", "unexpected argument", argv[extra]);
        help_usage(stderr);
        return 2;
    }
    if (cmd) {
        cli_opts_usage(cmd, stdout);
        return 0;
    }
    struct cg_buf b;
    cg_buf_init(&b);
    int rc = options    ? cli_opts_reference(markdown, &b)
             : counters ? cli_stats_reference(markdown, &b)
                        : cg_config_markdown(cg_service_types, cg_service_ntypes, &b);
    if (rc == CG_OK && fwrite(b.p, 1, b.n, stdout) != b.n)
        rc = CG_EIO;
    cg_buf_fini(&b);
    if (rc != CG_OK)
        fprintf(stderr, "cefguard help: %s\n", cg_err_str(rc));
    return rc == CG_OK ? 0 : 1;
}
