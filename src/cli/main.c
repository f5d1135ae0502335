/* main.c - the cefguard command: dispatches to subcommands. */
#include "cefguard/cli.h"

#include "cli_opts.h"

#include <stdio.h>
#include <string.h>

static void usage(FILE *f)
{
    fprintf(f,
            "usage: cefguard <command> [options]\n"
            "\n"
            "commands:\n"
            "  parse [FILE...]   decode lines into normalized JSON events, one per line\n"
            "  replay [FILE...]  run log files through the rules on event time: alerts\n"
            "  check             validate rule files and rulebases\n"
            "  test              run the test cases that rule files carry\n"
            "  run               the service: syslog inputs, rules, alert sinks, state\n"
            "  omprog            the service as rsyslog's omprog program (stdin, OK per message)\n"
            "  stats             the counters of the running service\n"
            "  reload            make the running service reload (as SIGHUP)\n"
            "  version           print the version\n"
            "  help [TOPIC]      this; TOPIC options, counters or types [--markdown]: the\n"
            "                    reference; config: the bundled configuration\n"
            "\n"
            "'cefguard <command> --help' describes a command's options.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "parse") == 0)
        return cg_cmd_parse(argc - 1, argv + 1);
    if (strcmp(cmd, "replay") == 0)
        return cg_cmd_replay(argc - 1, argv + 1);
    if (strcmp(cmd, "check") == 0)
        return cg_cmd_check(argc - 1, argv + 1);
    if (strcmp(cmd, "test") == 0)
        return cg_cmd_test(argc - 1, argv + 1);
    if (strcmp(cmd, "run") == 0)
        return cg_cmd_run(argc - 1, argv + 1);
    if (strcmp(cmd, "omprog") == 0)
        return cg_cmd_omprog(argc - 1, argv + 1);
    if (strcmp(cmd, "stats") == 0)
        return cg_cmd_stats(argc - 1, argv + 1);
    if (strcmp(cmd, "reload") == 0)
        return cg_cmd_reload(argc - 1, argv + 1);
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("cefguard %s\n", CG_VERSION);
        return 0;
    }
    if (strcmp(cmd, "help") == 0 && argc > 2)
        return cg_cmd_help(argc - 1, argv + 1);
    if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
        usage(stdout);
        return 0;
    }
    cli_complain("cefguard", "unknown command", cmd);
    usage(stderr);
    return 2;
}
