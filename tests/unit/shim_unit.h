/*
 * shim_unit.h - names in the shim's case files: interposed calls by their
 * id in TM_SHIM_CALLS ("open", "pwritev64v2"), errnos by name ("ENOENT")
 * or number.
 */
#ifndef TM_UNIT_SHIM_H
#define TM_UNIT_SHIM_H

#include "unit.h"

#include "capture.h"
#include "classify.h"

static inline enum tm__call unit_call(const char *name)
{
#define UNIT_CALL(id, sym, shape)                                               \
    if (strcmp(name, #id) == 0)                                                \
        return TM_CALL_##id;
    TM_SHIM_CALLS(UNIT_CALL)
#undef UNIT_CALL
    fail_msg("unknown call %s", name);
    return TM_CALL_COUNT;
}

/* By name through the core's errno table, or a decimal number. */
static inline int unit_errno(const char *name)
{
    char *end;
    long v = strtol(name, &end, 10);

    if (end != name && *end == '\0')
        return (int)v;
    for (int e = 1; e < 4096; e++)
        if (strcmp(tm__errno_info(e)->name, name) == 0)
            return e;
    fail_msg("unknown errno %s", name);
    return 0;
}

#endif
