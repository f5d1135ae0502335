/* cmd_parse.c - STUB */
#include "cefguard/cli.h"
int cg_cmd_parse(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return 1;
}
