/*
 * calls.c - the table of interposed calls (calls.h), as data.
 */
#include "capture.h"

#include <fcntl.h>

#define TM__CAT2(a, b) a##b
#define TM__CAT(a, b) TM__CAT2(a, b)

const struct tm__call_info tm__calls[TM_CALL_COUNT] = {
#define TM__CALL_ROW(id, sym, shape)                                           \
    [TM_CALL_##id] = {#sym, TM__CAT(TM_OP_, TM_SHAPE_##shape##_OP)},
    TM_SHIM_CALLS(TM__CALL_ROW)
#undef TM__CALL_ROW
};

const char *tm__op_name(enum tm__op op)
{
    static const char *const names[] = {
        [TM_OP_OPEN] = "open",
        [TM_OP_RENAME] = "rename",
        [TM_OP_WRITE] = "write",
        [TM_OP_END] = "end",
        [TM_OP_CWD] = "chdir",
        [TM_OP_FORK] = "fork",
    };

    return names[op];
}

int tm__fopen_flags(const char *mode)
{
    int flags = O_RDONLY;

    if (mode == NULL)
        return 0;
    switch (mode[0]) {
    case 'w': flags = O_WRONLY | O_CREAT | O_TRUNC; break;
    case 'a': flags = O_WRONLY | O_CREAT | O_APPEND; break;
    default: break;
    }
    for (const char *p = mode + (mode[0] != '\0'); *p && *p != ','; p++) {
        if (*p == '+')
            flags = (flags & ~O_ACCMODE) | O_RDWR;
        else if (*p == 'x')
            flags |= O_EXCL;
        else if (*p == 'e')
            flags |= O_CLOEXEC;
    }
    return flags;
}
