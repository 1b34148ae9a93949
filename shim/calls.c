/*
 * calls.c - the table of interposed calls (calls.h), as data.
 */
#include "capture.h"

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
    };

    return names[op];
}
