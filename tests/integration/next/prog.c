/* prog.c - opens a missing file and renames a missing one
 * (tests/integration/next.sh). */
#include <fcntl.h>
#include <stdio.h>

int main(void)
{
    int fd = open("missing-file", O_RDONLY);

    return fd >= 0 || rename("missing-a", "missing-b") == 0 ? 1 : 0;
}
