/* tests/integration/pystack.sh: the offsets of shim/pystack.c's table,
 * "name=value" per line, from the headers of the CPython it is built
 * against (-I its include directory and include/internal). */
#define Py_BUILD_CORE 1
#include <Python.h>
#include <stddef.h>
#include <stdio.h>

#include "internal/pycore_frame.h"
#include "internal/pycore_runtime.h"

#define O(t, f) (int)offsetof(t, f)

int main(void)
{
    printf("version=0x%04x\n", PY_VERSION_HEX >> 16);
    printf("ts_native_thread_id=%d\n", O(PyThreadState, native_thread_id));
#if PY_VERSION_HEX < 0x030d0000
    printf("ts_cframe=%d\n", O(PyThreadState, cframe));
    printf("ts_current_frame=%d\n", O(_PyCFrame, current_frame));
    printf("fr_code=%d\n", O(_PyInterpreterFrame, f_code));
    printf("fr_instr=%d\n", O(_PyInterpreterFrame, prev_instr));
#else
    printf("ts_cframe=-1\n");
    printf("ts_current_frame=%d\n", O(PyThreadState, current_frame));
    printf("fr_code=%d\n", O(_PyInterpreterFrame, f_executable));
    printf("fr_instr=%d\n", O(_PyInterpreterFrame, instr_ptr));
#endif
    printf("fr_previous=%d\n", O(_PyInterpreterFrame, previous));
    printf("fr_owner=%d\n", O(_PyInterpreterFrame, owner));
    printf("co_filename=%d\n", O(PyCodeObject, co_filename));
    printf("co_qualname=%d\n", O(PyCodeObject, co_qualname));
    printf("co_linetable=%d\n", O(PyCodeObject, co_linetable));
    printf("co_firstlineno=%d\n", O(PyCodeObject, co_firstlineno));
    printf("co_code=%d\n", O(PyCodeObject, co_code_adaptive));
    printf("co_firsttraceable=%d\n", O(PyCodeObject, _co_firsttraceable));
    printf("str_length=%d\n", O(PyASCIIObject, length));
    printf("str_state=%d\n", O(PyASCIIObject, state));
    printf("str_ascii_size=%d\n", (int)sizeof(PyASCIIObject));
    printf("str_compact_size=%d\n", (int)sizeof(PyCompactUnicodeObject));
    printf("bytes_size=%d\n", O(PyVarObject, ob_size));
    printf("bytes_data=%d\n", O(PyBytesObject, ob_sval));
    printf("ob_type=%d\n", O(PyObject, ob_type));
    printf("rt_finalizing=%d\n", O(_PyRuntimeState, _finalizing));
    return 0;
}
