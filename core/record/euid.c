/*
 * euid.c - the effective uid of the ownership checks (dir.h), for the
 * library and the command: asked of the kernel at each check.  The shim
 * links its own (shim/euid.c), which asks once per event.
 */
#include "dir.h"

#include <sys/syscall.h>
#include <unistd.h>

uid_t tm__euid_refresh(void)
{
    return (uid_t)syscall(SYS_geteuid);
}

uid_t tm__euid(void)
{
    return (uid_t)syscall(SYS_geteuid);
}
