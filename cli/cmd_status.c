#include <stdio.h>

#include "cli/commands.h"

int cmd_status(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "netra %s: not built yet\n", argv[0]);
    return 2;
}
