/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* placeholder until the sandbox-shell issue lands: refuses every login. */
#include <stdio.h>

int main(void)
{
        fputs("sandbox-shellctl: not implemented\n", stderr);
        return 1;
}
