/* One probe-class failure (a missing file outside every work tree), then
 * exit(0): the child of the spawn benchmark of a process under a run. */
#include <fcntl.h>

int main(void)
{
    return open("/nonexistent-dir/probe", O_RDONLY) >= 0;
}
