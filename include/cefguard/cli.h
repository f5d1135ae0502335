/*
 * cli.h - subcommands of the cefguard executable. Each takes argv with argv[0]
 * being the subcommand name and returns the process exit status
 * (0 ok, 1 failure of the work, 2 usage or configuration error).
 */
#ifndef CEFGUARD_CLI_H
#define CEFGUARD_CLI_H

int cg_cmd_parse(int argc, char **argv);
int cg_cmd_replay(int argc, char **argv);
int cg_cmd_check(int argc, char **argv);
int cg_cmd_test(int argc, char **argv);
int cg_cmd_help(int argc, char **argv);
int cg_cmd_run(int argc, char **argv);
int cg_cmd_omprog(int argc, char **argv);
int cg_cmd_stats(int argc, char **argv);
int cg_cmd_reload(int argc, char **argv);

#endif
