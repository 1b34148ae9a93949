/*
 * euid.c - the effective uid of the ownership checks (dir.h), for the
 * shim, in place of core/record/euid.c.
 *
 * Asked again for every event: a process that drops its privileges
 * (setuid() without exec, as runuser does before it runs its command)
 * must not go on comparing with the uid it had, or it would create the
 * per-user default of the user it was.  Within one event the shim asks
 * once (tm__euid_refresh) instead of at each of its checks.  Kept per
 * thread: credentials are a thread's own (the system call changes the
 * calling thread's only, as servers that act for several users do), and
 * another thread's event must not change the uid this one's checks
 * compare with.  Not cached across events (README "Storage").
 */
#include "dir.h"

#include <sys/syscall.h>
#include <unistd.h>

#include "start.h"

static TM_TLS long pinned; /* 1 + the uid tm__euid_refresh() read, or 0 */

uid_t tm__euid_refresh(void)
{
    uid_t u = (uid_t)syscall(SYS_geteuid);

    pinned = (long)u + 1;
    return u;
}

uid_t tm__euid(void)
{
    long u = pinned;

    return u > 0 ? (uid_t)(u - 1) : (uid_t)syscall(SYS_geteuid);
}
