/*
 * pystack.h - the CPython stack of the calling thread, read without the
 * GIL and without calling into the interpreter (README "Where in the
 * agent: the Python stack").
 *
 * The walk starts from PyGILState_GetThisThreadState() (a thread-local
 * lookup, what faulthandler uses), checks the thread state belongs to
 * this thread (native_thread_id == gettid), then follows the frame chain
 * of _PyInterpreterFrame records.  Offsets come from one table, one row
 * per CPython minor version (3.11, 3.12, 3.13), each taken from that
 * version's own headers; another version gets no stack, never a guess.
 * On 3.13 the row is checked against the interpreter's _Py_DebugOffsets,
 * which also refuses a free-threaded build.
 *
 * Every read of interpreter memory is a process_vm_readv on our own pid:
 * a wrong offset or a freed object gives "no stack" (or a shorter one),
 * never a fault.  Reads are batched breadth-first: the frame chain in
 * page windows, then every distinct code object, then every distinct
 * name and location table, header and (mostly) text in one piece - a
 * 16-frame stack costs five or six system calls.  No allocation, no lock, no descriptor: async-signal-safe
 * once tm__py_load() has run.  Scratch lives in the work area (work.h).
 */
#ifndef TM_SHIM_PYSTACK_H
#define TM_SHIM_PYSTACK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define TM_PY_FRAMES TM_FRAMES_MAX /* entries kept, innermost first */
/* C frames kept in the backtrace of an event that carries a Python stack:
 * the call's own C path into the interpreter; the frames beyond it are
 * the interpreter's loop once per Python call, which the stack names
 * (README "Where in the agent: the Python stack"). */
#define TM_PY_CFRAMES 8
#define TM_PY_WINDOW 8192          /* bytes of frame chain per read */
#define TM_PY_CODE_HDR 192         /* bytes of a code object read */
#define TM_PY_OBJS (3 * TM_PY_FRAMES) /* distinct strs and bytes read */
#define TM_PY_OBJ 320              /* bytes first read of each: its header
                                      and, mostly, all its text */
#define TM_PY_MORE 8192            /* longer texts, read again whole */
#define TM_PY_FILE_MAX 512         /* bytes of a co_filename kept */
#define TM_PY_QUAL_MAX 256         /* bytes of a co_qualname kept */
#define TM_PY_LT_CHUNK 1024        /* bytes of a location table per read */
/* Between entries: no blank, so no scrubber rule reads two entries as
 * one phrase (a function "basic" followed by the next file is no HTTP
 * Basic credential). */
#define TM_PY_SEP '\x1f'

/* Where one CPython minor version keeps what the walk reads: byte
 * offsets, from that version's headers (pystack.c has the rows and
 * says which header each comes from).  -1: absent in this version. */
struct tm__py_layout {
    unsigned version; /* 0x030b for 3.11 (Py_Version >> 16) */
    /* PyThreadState (cpython/pystate.h) */
    int ts_native_thread_id;
    int ts_cframe;        /* 3.11, 3.12: tstate->cframe; 3.13: -1 */
    int ts_current_frame; /* in _PyCFrame (3.11, 3.12) or PyThreadState */
    /* _PyInterpreterFrame (internal/pycore_frame.h) */
    int fr_code;     /* f_code, 3.13 f_executable */
    int fr_previous;
    int fr_instr;    /* prev_instr, 3.13 instr_ptr */
    int fr_owner;
    /* PyCodeObject (cpython/code.h); co_firsttraceable: _co_firsttraceable,
     * the index of its first instruction a traceback shows */
    int co_filename, co_qualname, co_linetable, co_firstlineno, co_code;
    int co_firsttraceable;
    /* str (cpython/unicodeobject.h): length, state, and where compact
     * ASCII and compact non-ASCII data start */
    int str_length, str_state, str_ascii_size, str_compact_size;
    /* bytes (cpython/bytesobject.h) */
    int bytes_size, bytes_data; /* bytes_size: PyVarObject ob_size (also a
                                   code object's count of code units) */
    int ob_type;
    /* _PyRuntimeState._finalizing (internal/pycore_runtime.h) */
    int rt_finalizing;
};

/* Per-walk scratch (in the work area: never on the host's stack). */
struct tm__py_scratch {
    unsigned char win[TM_PY_WINDOW];
    unsigned char code[TM_PY_FRAMES][TM_PY_CODE_HDR];
    unsigned char obj[TM_PY_OBJS][TM_PY_OBJ];
    unsigned char more[TM_PY_MORE];
    unsigned char lt[TM_PY_LT_CHUNK];
    uint64_t lt_at;  /* the address lt holds len bytes of (0: none) */
    size_t lt_len;
    uint64_t code_at[TM_PY_FRAMES], instr_at[TM_PY_FRAMES];
    unsigned char owner[TM_PY_FRAMES]; /* the frames' owners */
};

/* The offset row of CPython major.minor `version` (0x030b: 3.11), or NULL
 * for a version the table does not know. */
const struct tm__py_layout *tm__py_row(unsigned version);

/* Finds the interpreter (Py_Version, PyGILState_GetThisThreadState,
 * _PyRuntime, PyCode_Type, PyUnicode_Type, PyBytes_Type with dlsym),
 * picks its row (`use`, for tests, instead of the table), and on 3.13
 * checks it against _Py_DebugOffsets.  Allocates (dlsym): the one-time
 * initialization only (once.c).  Returns 0 when stacks can be read. */
int tm__py_load(const struct tm__py_layout *use);

/* In a fork()ed child (its pid and its thread's id are new). */
void tm__py_forked(void);

/* The calling thread's Python stack, innermost first, at most
 * TM_PY_FRAMES entries "<file>:<line> in <qualname>" joined by TM_PY_SEP into
 * out (cap bytes), the file shown relative to the work tree ws (wslen
 * bytes) when inside it.  Returns the number of entries: 0 when the
 * process is no CPython tm__py_load accepted, the thread has no Python
 * frame, the interpreter is finalizing, or memory did not read. */
int tm__py_stack(struct tm__py_scratch *s, char *out, size_t cap,
                 const char *ws, size_t wslen);

#endif
