/* audit.c - an auditor that audits nothing (tests/integration/next.sh):
 * loaded by LD_AUDIT or a program's DT_AUDIT, it makes the loader's
 * auditing machinery live, under which the first-use lookup is refused. */
#include <link.h>

unsigned int la_version(unsigned int version)
{
    return version;
}
