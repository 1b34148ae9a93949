/*
 * pystack.c - the calling thread's CPython stack (see pystack.h).
 */
#include "pystack.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "jsonw.h"
#include "start.h"
#include "strutil.h"
#include "vmread.h"

#define PAGE 4096
#define MAX_LINKS 64 /* frames followed (C-stack entries included) */
#define OWNED_BY_GENERATOR 1
#define OWNED_BY_CSTACK 3
#define HDR_MAX 64 /* str and bytes header fields lie below this */
/* Read with the first reads: the codes and their objects guessed from
 * this thread's last failure, and a chunk of a location table. */
#define PRE_MAX (TM_PY_FRAMES + TM_PY_OBJS + 1)
/* One round: the first reads (4 words), those, and the frame window. */
#define BATCH (4 + PRE_MAX + TM_PY_WINDOW / PAGE)
/* The walk's buffer for the ranges that hold several requests (vmread.h),
 * on the work area's stack: room for the pages of a round's codes and
 * names (16 distinct codes and their names lay on 20 pages, 9 KB of
 * ranges, in bench.py's stack of 15 functions). */
#define GROUP 16384

/* One row per CPython minor version.  Every number is an offsetof() or
 * sizeof() taken from that version's headers (Include/cpython/pystate.h,
 * Include/internal/pycore_frame.h, Include/cpython/code.h,
 * Include/cpython/unicodeobject.h, Include/cpython/bytesobject.h,
 * Include/internal/pycore_runtime.h) at the v3.11.7, v3.12.1 and v3.13.0
 * tags, on x86-64, and checked against Debian 12's 3.11.2 headers;
 * tests/integration/pystack.sh recomputes them from the headers on the
 * machine.  3.14 changed the frame layout: no row, no stack. */
static const struct tm__py_layout layouts[] = {
    {
        .version = 0x030b,
        .ts_native_thread_id = 160, .ts_cframe = 56, .ts_current_frame = 8,
        .fr_code = 32, .fr_previous = 48, .fr_instr = 56, .fr_owner = 69,
        .co_filename = 112, .co_qualname = 128, .co_linetable = 136,
        .co_firstlineno = 72, .co_code = 184,
        .co_firsttraceable = 168,
        .str_length = 16, .str_state = 32, .str_ascii_size = 48,
        .str_compact_size = 72,
        .bytes_size = 16, .bytes_data = 32, .ob_type = 8, .rt_finalizing = 24,
    },
    {
        .version = 0x030c,
        .ts_native_thread_id = 144, .ts_cframe = 56, .ts_current_frame = 0,
        .fr_code = 0, .fr_previous = 8, .fr_instr = 56, .fr_owner = 70,
        .co_filename = 112, .co_qualname = 128, .co_linetable = 136,
        .co_firstlineno = 68, .co_code = 192,
        .co_firsttraceable = 176,
        .str_length = 16, .str_state = 32, .str_ascii_size = 40,
        .str_compact_size = 56,
        .bytes_size = 16, .bytes_data = 32, .ob_type = 8, .rt_finalizing = 24,
    },
    {
        .version = 0x030d,
        .ts_native_thread_id = 160, .ts_cframe = -1, .ts_current_frame = 72,
        .fr_code = 0, .fr_previous = 8, .fr_instr = 56, .fr_owner = 70,
        .co_filename = 112, .co_qualname = 128, .co_linetable = 136,
        .co_firstlineno = 68, .co_code = 200,
        .co_firsttraceable = 184,
        .str_length = 16, .str_state = 32, .str_ascii_size = 40,
        .str_compact_size = 56,
        .bytes_size = 16, .bytes_data = 32, .ob_type = 8, .rt_finalizing = 608,
    },
};

const struct tm__py_layout *tm__py_row(unsigned version)
{
    for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
        if (layouts[i].version == version)
            return &layouts[i];
    return NULL;
}

/* Code objects whose first traceable instruction lies past their last
 * one, so that no frame of theirs is ever shown (3.13's trampoline that
 * ends an __init__ called from a specialized call site): the interpreter's
 * static objects, never freed (a code made at run time has its first
 * traceable instruction within it, or at its end when it has none).  Their
 * frames are passed over without taking one of the TM_PY_FRAMES places.
 * Learnt from the codes read (learn_never). */
#define NEVER_SLOTS 4
static uint64_t never_shown[NEVER_SLOTS];

/* What tm__py_load found; read-only afterwards. */
static struct {
    int ok;
    struct tm__py_layout l;
    void *(*this_tstate)(void); /* PyGILState_GetThisThreadState */
    uint64_t runtime, code_type, str_type, bytes_type;
} py;

/* ---- reads that cannot fault ---- */

/* Our pid and this thread's id, asked once (system calls cost a walk as
 * much as its reads); a fork child asks again (tm__py_forked). */
static pid_t walk_pid;
static TM_TLS pid_t my_tid;

void tm__py_forked(void)
{
    __atomic_store_n(&walk_pid, 0, __ATOMIC_RELAXED);
    my_tid = 0; /* the forking thread's: the child's only thread */
}

static void ids(void)
{
    if (__atomic_load_n(&walk_pid, __ATOMIC_RELAXED) == 0)
        __atomic_store_n(&walk_pid, (pid_t)syscall(SYS_getpid), __ATOMIC_RELAXED);
    if (my_tid == 0)
        my_tid = (pid_t)syscall(SYS_gettid);
}

/* Reads every request (vmread.h); gbuf (GROUP bytes, or NULL): where the
 * requests that start in one page are read together.  A container whose
 * seccomp profile refuses the call gets no stacks from then on. */
static int vm_batch(struct tm__vm_req *r, int n, unsigned char *gbuf)
{
    int done = tm__vm_batch(__atomic_load_n(&walk_pid, __ATOMIC_RELAXED), r, n,
                            gbuf, gbuf != NULL ? GROUP : 0, NULL);

    if (done < 0) {
        __atomic_store_n(&py.ok, 0, __ATOMIC_RELAXED); /* seccomp */
        return 0;
    }
    return done;
}

static int vm_read(void *dst, uint64_t src, size_t len)
{
    struct tm__vm_req r = {dst, src, len, 0};

    return vm_batch(&r, 1, NULL) == 1 ? 0 : -1;
}

static uint64_t u64_at(const unsigned char *p, int off)
{
    uint64_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

static uint32_t u32_at(const unsigned char *p, int off)
{
    uint32_t v;

    memcpy(&v, p + off, sizeof(v));
    return v;
}

/* ---- loading ---- */

/* _Py_DebugOffsets (3.13, internal/pycore_runtime.h) as 64-bit words:
 * the index of each word the row must agree with. */
enum {
    DO_COOKIE = 0, DO_VERSION = 1, DO_FREE_THREADED = 2,
    DO_RT_FINALIZING = 4,
    DO_TS_CURRENT_FRAME = 23, DO_TS_NATIVE_THREAD_ID = 25,
    DO_FR_PREVIOUS = 29, DO_FR_EXECUTABLE = 30, DO_FR_INSTR_PTR = 31,
    DO_FR_OWNER = 33,
    DO_CO_FILENAME = 35, DO_CO_QUALNAME = 37, DO_CO_LINETABLE = 38,
    DO_CO_FIRSTLINENO = 39, DO_CO_CODE_ADAPTIVE = 43,
    DO_OB_TYPE = 45,
    DO_BYTES_OB_SIZE = 65, DO_BYTES_OB_SVAL = 66,
    DO_STR_STATE = 68, DO_STR_LENGTH = 69, DO_STR_ASCII_SIZE = 70,
    DO_WORDS = 71
};

static int debug_offsets_agree(const struct tm__py_layout *l)
{
    static const struct {
        int word;
        size_t field;
    } pairs[] = {
#define P(w, f) {w, offsetof(struct tm__py_layout, f)}
        P(DO_RT_FINALIZING, rt_finalizing),
        P(DO_TS_CURRENT_FRAME, ts_current_frame),
        P(DO_TS_NATIVE_THREAD_ID, ts_native_thread_id),
        P(DO_FR_PREVIOUS, fr_previous), P(DO_FR_EXECUTABLE, fr_code),
        P(DO_FR_INSTR_PTR, fr_instr), P(DO_FR_OWNER, fr_owner),
        P(DO_CO_FILENAME, co_filename), P(DO_CO_QUALNAME, co_qualname),
        P(DO_CO_LINETABLE, co_linetable),
        P(DO_CO_FIRSTLINENO, co_firstlineno),
        P(DO_CO_CODE_ADAPTIVE, co_code), P(DO_OB_TYPE, ob_type),
        P(DO_BYTES_OB_SIZE, bytes_size), P(DO_BYTES_OB_SVAL, bytes_data),
        P(DO_STR_STATE, str_state), P(DO_STR_LENGTH, str_length),
        P(DO_STR_ASCII_SIZE, str_ascii_size),
#undef P
    };
    uint64_t d[DO_WORDS];

    if (vm_read(d, py.runtime, sizeof(d)) != 0 ||
        memcmp(&d[DO_COOKIE], "xdebugpy", 8) != 0 ||
        (d[DO_VERSION] >> 16) != l->version || d[DO_FREE_THREADED] != 0)
        return 0;
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        int want;

        memcpy(&want, (const char *)l + pairs[i].field, sizeof(want));
        if (d[pairs[i].word] != (uint64_t)want)
            return 0;
    }
    return 1;
}

/* How many bytes of a frame the walk reads. */
static size_t frame_need(const struct tm__py_layout *l)
{
    int m = l->fr_owner + 1;

    if (l->fr_code + 8 > m)
        m = l->fr_code + 8;
    if (l->fr_previous + 8 > m)
        m = l->fr_previous + 8;
    if (l->fr_instr + 8 > m)
        m = l->fr_instr + 8;
    return (size_t)m;
}

/* Does every offset the walk applies to its own copies fall inside them?
 * (Offsets into interpreter memory need no check: they are only read.) */
static int layout_fits(const struct tm__py_layout *l)
{
#define IN(off, size, cap) ((off) >= 0 && (off) + (size) <= (cap))
    return IN(l->fr_code, 8, PAGE) && IN(l->fr_previous, 8, PAGE) &&
           IN(l->fr_instr, 8, PAGE) && IN(l->fr_owner, 1, PAGE) &&
           IN(l->co_filename, 8, TM_PY_CODE_HDR) &&
           IN(l->co_qualname, 8, TM_PY_CODE_HDR) &&
           IN(l->co_linetable, 8, TM_PY_CODE_HDR) &&
           IN(l->co_firstlineno, 4, TM_PY_CODE_HDR) &&
           IN(l->co_firsttraceable, 4, TM_PY_CODE_HDR) &&
           IN(l->ob_type, 8, TM_PY_CODE_HDR) &&
           IN(l->ob_type, 8, HDR_MAX) &&
           IN(l->str_length, 8, HDR_MAX) &&
           IN(l->str_state, 4, HDR_MAX) &&
           IN(l->bytes_size, 8, HDR_MAX) &&
           IN(l->bytes_data, 0, HDR_MAX) && l->bytes_data > 0 &&
           l->str_ascii_size >= 0 && l->str_compact_size >= 0 &&
           l->co_code >= 0 && l->ts_native_thread_id >= 0 &&
           l->ts_current_frame >= 0 && l->rt_finalizing >= 0;
#undef IN
}

int tm__py_load(const struct tm__py_layout *use)
{
    const unsigned long *version;
    void *sym;

    py.ok = 0;
    ids();
    memset(never_shown, 0, sizeof(never_shown)); /* another row: learnt again */
    version = dlsym(RTLD_DEFAULT, "Py_Version"); /* 3.11 and later */
    *(void **)&py.this_tstate = dlsym(RTLD_DEFAULT, "PyGILState_GetThisThreadState");
    if (version == NULL || py.this_tstate == NULL)
        return -1;
#define ADDR(field, name)                                                      \
    if ((sym = dlsym(RTLD_DEFAULT, name)) == NULL)                             \
        return -1;                                                             \
    py.field = (uint64_t)(uintptr_t)sym
    ADDR(runtime, "_PyRuntime");
    ADDR(code_type, "PyCode_Type");
    ADDR(str_type, "PyUnicode_Type");
    ADDR(bytes_type, "PyBytes_Type");
#undef ADDR
    if (use == NULL) /* the row of exactly this major.minor, or none */
        use = tm__py_row((unsigned)(*version >> 16));
    if (use == NULL || !layout_fits(use))
        return -1;
    py.l = *use;
    if (use->version >= 0x030d && !debug_offsets_agree(use))
        return -1;
    py.ok = 1;
    return 0;
}

/* ---- the location table (Objects/locations.md) ---- */

/* A varint of the location table: 6 bits a byte, bit 6 says more. */
static unsigned lt_varint(const unsigned char **p, const unsigned char *end)
{
    unsigned v = 0, shift = 0;

    while (*p < end && shift < 32) {
        unsigned b = *(*p)++;
        v |= (b & 63) << shift;
        shift += 6;
        if (!(b & 64))
            break;
    }
    return v;
}

struct lt_walk {
    int line;     /* the line of the entries read so far */
    int addr_end; /* where the entries read so far end (bytes) */
    size_t pos;   /* where the next entry starts in the table */
};

/* Reads entries of tab[0..n) (the table's bytes from s->pos, `last` when
 * the table ends there) until the one covering byte address addr.
 * Returns 1 with *line set (-1: an entry without a line), 0 when more
 * of the table is needed (s->pos says from where), -1 when the table
 * ends or is not one. */
static int lt_find(struct lt_walk *s, const unsigned char *tab, size_t n,
                   int last, int addr, int *line)
{
    size_t i = 0;

    while (i < n) {
        const unsigned char *e = tab + i, *q = e + 1, *end = tab + n;
        unsigned code = (*e >> 3) & 15;
        int delta = 0;

        if (!(*e & 0x80))
            return -1;
        while (q < end && !(*q & 0x80))
            q++;
        if (q == end && !last)
            return 0; /* the entry may go on in the next chunk */
        if (code == 13 || code == 14) { /* no columns, long form */
            const unsigned char *v = e + 1;
            unsigned u = lt_varint(&v, q);
            delta = (u & 1) ? -(int)(u >> 1) : (int)(u >> 1);
        } else if (code >= 10 && code <= 12) { /* one-line forms */
            delta = (int)code - 10;
        }
        s->line += delta;
        s->addr_end += ((*e & 7) + 1) * 2;
        s->pos += (size_t)(q - e);
        i = (size_t)(q - tab);
        if (addr < s->addr_end) {
            *line = code == 15 ? -1 : s->line;
            return 1;
        }
    }
    return last ? -1 : 0;
}

/* ---- strings ---- */

/* The UTF-8 of one code point (a lone surrogate or worse: '?'). */
static size_t utf8_put(uint32_t c, char *o)
{
    if (c < 0x80) {
        o[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        o[0] = (char)(0xc0 | (c >> 6));
        o[1] = (char)(0x80 | (c & 63));
        return 2;
    }
    if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff) {
        o[0] = '?';
        return 1;
    }
    if (c < 0x10000) {
        o[0] = (char)(0xe0 | (c >> 12));
        o[1] = (char)(0x80 | ((c >> 6) & 63));
        o[2] = (char)(0x80 | (c & 63));
        return 3;
    }
    o[0] = (char)(0xf0 | (c >> 18));
    o[1] = (char)(0x80 | ((c >> 12) & 63));
    o[2] = (char)(0x80 | ((c >> 6) & 63));
    o[3] = (char)(0x80 | (c & 63));
    return 4;
}

/* Where a str's characters are (address, kind: bytes a character, and
 * how many bytes to read, at most cap), from its header; -1 when it is
 * not a compact str. */
static int str_data(const unsigned char *hdr, uint64_t at, size_t cap,
                    uint64_t *data, unsigned *kind, size_t *len)
{
    uint32_t st = u32_at(hdr, py.l.str_state);
    uint64_t n = u64_at(hdr, py.l.str_length);
    unsigned k = (st >> 2) & 7;

    if (u64_at(hdr, py.l.ob_type) != py.str_type || !((st >> 5) & 1) ||
        (k != 1 && k != 2 && k != 4) || n > (1u << 30))
        return -1;
    *kind = k;
    *data = at + (uint64_t)((st >> 6) & 1 ? py.l.str_ascii_size
                                           : py.l.str_compact_size);
    *len = n > cap / k ? cap / k * k : (size_t)n * k;
    return 0;
}

/* Appends the characters (kind bytes each) as UTF-8, control characters
 * as '?', to b. */
static void str_put(struct tm__buf *b, const unsigned char *p, size_t n,
                    unsigned kind)
{
    char u[4];

    for (size_t i = 0; i + kind <= n; i += kind) {
        uint32_t c;
        size_t k;

        if (kind == 1) { /* a run of printable ASCII: copied as it is */
            size_t j = i, m, room;

            while (j < n && p[j] >= 0x20 && p[j] < 0x7f)
                j++;
            if (j > i) {
                m = j - i;
                room = b->len + 1 < b->cap ? b->cap - b->len - 1 : 0;
                if (m > room)
                    m = room;
                if (m > 0) {
                    memcpy(b->p + b->len, p + i, m);
                    b->len += m;
                    b->p[b->len] = '\0';
                }
                if (m < j - i || j == n)
                    return;
                i = j;
            }
        }
        c = kind == 1   ? p[i]
            : kind == 2 ? (uint32_t)(p[i] | p[i + 1] << 8)
                        : u32_at(p, (int)i);
        if (c < 0x20 || c == 0x7f)
            c = '?';
        k = utf8_put(c, u);
        if (b->len + k >= b->cap)
            break;
        memcpy(b->p + b->len, u, k);
        b->len += k;
        b->p[b->len] = '\0';
    }
}

/* ---- the walk ---- */

/* A frame's head (previous, code, instruction, owner) is read from the
 * window s->win: the pages of the thread's frame stack from the frame's
 * down, each read alone so an unmapped one below costs only itself and
 * those under it. */
#define WIN_PAGES (TM_PY_WINDOW / PAGE)
struct win {
    uint64_t lo, hi; /* the addresses s->win holds */
    size_t base;     /* where lo is in s->win */
};

/* Where this thread's last window ended: the next failure's frames are
 * most often there again, so those pages are read with the first reads
 * of the walk, not in a round of their own (a system call each). */
static TM_TLS uint64_t win_top;

static void win_ask(struct tm__py_scratch *s, struct tm__vm_req *r,
                    uint64_t top)
{
    for (int i = 0; i < WIN_PAGES; i++)
        r[i] = (struct tm__vm_req){
            s->win + TM_PY_WINDOW - (size_t)(i + 1) * PAGE,
            top - (uint64_t)(i + 1) * PAGE, PAGE, 0};
}

/* The window from the pages read from top down, as far as they read. */
static void win_take(struct win *w, const struct tm__vm_req *r, uint64_t top)
{
    int got = 0;

    while (got < WIN_PAGES && r[got].ok)
        got++;
    if (got == 0) {
        w->lo = w->hi = 0;
        return;
    }
    w->hi = top;
    w->lo = top - (uint64_t)got * PAGE;
    w->base = TM_PY_WINDOW - (size_t)got * PAGE; /* the end of s->win */
}

/* 3.11, 3.12: where this thread's tstate->cframe pointed at its last failure.
 * A failure at the same depth of C calls finds it there again, and the
 * frame it names is read with the first reads, not in a round of its own. */
static TM_TLS uint64_t cframe_last;

/* The innermost frame of this thread, or 0; *w the window read beside it
 * (empty when none was).  The npre requests pre are read with the first
 * reads (their ok set; none read when there is no frame). */
static uint64_t first_frame(struct tm__py_scratch *s, struct win *w,
                            struct tm__vm_req *pre, int npre,
                            unsigned char *group)
{
    uint64_t ts = (uint64_t)(uintptr_t)py.this_tstate();
    uint64_t tid = 0, fin = 1, ptr = 0, cur = 0, top = win_top;
    uint64_t cf = py.l.ts_cframe >= 0 ? cframe_last : 0;
    struct tm__vm_req r[BATCH] = {
        {&fin, py.runtime + (uint64_t)py.l.rt_finalizing, 8, 0},
        {&tid, ts + (uint64_t)py.l.ts_native_thread_id, 8, 0},
        {&ptr, ts + (uint64_t)(py.l.ts_cframe >= 0 ? py.l.ts_cframe
                                                   : py.l.ts_current_frame),
         8, 0},
        {&cur, cf + (uint64_t)py.l.ts_current_frame, 8, 0},
    };
    int k = cf != 0 ? 4 : 3; /* the guessed cframe's frame: r[3] */
    struct tm__vm_req *rw = &r[k + npre];
    int nw = top != 0 ? WIN_PAGES : 0;

    w->lo = w->hi = 0;
    w->base = 0;
    if (ts == 0)
        return 0;
    for (int i = 0; i < npre; i++)
        r[k + i] = pre[i];
    /* The window goes with the last read the frame needs, and last: a
     * page of it that is not mapped (below the interpreter's chunk of
     * frames) fails alone, with no read after it to be made again. */
    if (py.l.ts_cframe < 0 || cf != 0)
        win_ask(s, rw, top);
    else
        nw = 0;
    vm_batch(r, k + npre + nw, group);
    for (int i = 0; i < npre; i++)
        pre[i].ok = r[k + i].ok;
    if (!r[0].ok || !r[1].ok || !r[2].ok || fin != 0 || tid != (uint64_t)my_tid)
        return 0;
    if (py.l.ts_cframe >= 0) {
        if (cf != 0 && ptr == cf && r[3].ok) {
            ptr = cur; /* read beside tstate->cframe, which still named cf */
        } else {
            cframe_last = ptr;
            r[0] = (struct tm__vm_req){
                &ptr, ptr + (uint64_t)py.l.ts_current_frame, 8, 0};
            if (nw == 0) { /* the window was not read yet */
                rw = &r[1];
                nw = top != 0 ? WIN_PAGES : 0;
                win_ask(s, rw, top);
            }
            vm_batch(r, rw == &r[1] ? 1 + nw : 1, group);
            if (!r[0].ok)
                return 0;
        }
    }
    if (nw > 0)
        win_take(w, rw, top);
    return ptr;
}

static const unsigned char *frame_at(struct tm__py_scratch *s, struct win *w,
                                     uint64_t f)
{
    size_t need = frame_need(&py.l);
    struct tm__vm_req r[WIN_PAGES];
    uint64_t top = (f + need + PAGE - 1) & ~(uint64_t)(PAGE - 1);

    if (f >= w->lo && f + need <= w->hi)
        return s->win + w->base + (f - w->lo);
    win_ask(s, r, top);
    vm_batch(r, WIN_PAGES, NULL);
    win_take(w, r, top);
    if (w->hi == 0 || f < w->lo)
        return NULL;
    win_top = top;
    return s->win + w->base + (f - w->lo);
}

static int is_never_shown(uint64_t code)
{
    for (int i = 0; i < NEVER_SLOTS; i++)
        if (__atomic_load_n(&never_shown[i], __ATOMIC_RELAXED) == code)
            return 1;
    return 0;
}

/* Notes the code at `code` (header h) when it is one; 1 when newly noted. */
static int learn_never(uint64_t code, const unsigned char *h)
{
    int64_t first = (int32_t)u32_at(h, py.l.co_firsttraceable);
    int64_t size = (int64_t)u64_at(h, py.l.bytes_size); /* ob_size: code units */

    if (code == 0 || size <= 0 || first <= size || is_never_shown(code))
        return 0;
    for (int i = 0; i < NEVER_SLOTS; i++) {
        uint64_t empty = 0;

        if (__atomic_compare_exchange_n(&never_shown[i], &empty, code, 0,
                                        __ATOMIC_RELAXED, __ATOMIC_RELAXED))
            return 1;
    }
    return 0;
}

/* The frames' code objects and instruction pointers, innermost first;
 * pre read with the first reads (first_frame); group: the rounds' GROUP
 * bytes for ranges of several requests (vm_batch). */
static int chain(struct tm__py_scratch *s, struct tm__vm_req *pre, int npre,
                 unsigned char *group)
{
    struct win w;
    uint64_t f = first_frame(s, &w, pre, npre, group);
    int n = 0;

    for (int links = 0; f != 0 && links < MAX_LINKS && n < TM_PY_FRAMES;
         links++) {
        const unsigned char *h = frame_at(s, &w, f);

        if (h == NULL)
            break;
        if (h[py.l.fr_owner] != OWNED_BY_CSTACK &&
            !is_never_shown(u64_at(h, py.l.fr_code))) {
            s->code_at[n] = u64_at(h, py.l.fr_code);
            s->instr_at[n] = u64_at(h, py.l.fr_instr);
            s->owner[n] = h[py.l.fr_owner];
            n++;
        }
        f = u64_at(h, py.l.fr_previous);
    }
    return n;
}

/* The line of the instruction at byte address addr of a code object
 * whose location table is len bytes at `data`, the first `have` of them
 * at tab; the rest is read in chunks into s->lt. */
/* The chunk of a location table this thread's last failure read first
 * (lt_last), and this failure's (lt_next): read with the first reads
 * next time.  The table is immutable and held by a code object a frame
 * of the same read holds, so the bytes are the table's if the walk asks
 * for that address. */
static TM_TLS uint64_t lt_last, lt_next;
static TM_TLS size_t lt_last_len, lt_next_len;

static int line_of(struct tm__py_scratch *s, const unsigned char *tab,
                   size_t have, uint64_t data, size_t len, int first,
                   int64_t addr)
{
    struct lt_walk lw = {first, 0, 0};
    int line = 0;

    if (addr < 0)
        return first; /* not started yet */
    if (addr > (1 << 26))
        return 0;
    for (int rounds = 0; rounds < 64; rounds++) {
        int rc = lt_find(&lw, tab, have, lw.pos + have >= len, (int)addr,
                         &line);
        size_t more;

        if (rc != 0)
            return rc > 0 && line > 0 ? line : 0;
        /* a long table: the next chunk, from the entry not finished
         * (read with the first reads when the last failure needed it) */
        more = len - lw.pos;
        have = more < TM_PY_LT_CHUNK ? more : TM_PY_LT_CHUNK;
        if (have == 0)
            return 0;
        if (s->lt_at != data + lw.pos || s->lt_len != have) {
            s->lt_at = 0;
            if (vm_read(s->lt, data + lw.pos, have) != 0)
                return 0;
            s->lt_at = data + lw.pos;
            s->lt_len = have;
        }
        if (lt_next == 0) { /* the first chunk this failure needs */
            lt_next = s->lt_at;
            lt_next_len = have;
        }
        tab = s->lt;
    }
    return 0;
}

/* A str or bytes object the entries need, read once however many frames
 * name it. */
struct pyobj {
    uint64_t at;
    int bytes;                 /* a bytes object (else a str) */
    const unsigned char *text; /* its characters / bytes, as far as read */
    size_t len;                /* bytes at text */
    size_t full;               /* bytes it has (bytes objects) */
    unsigned kind;             /* bytes a character (str) */
};

static int obj_index(struct pyobj *o, int *n, uint64_t at, int bytes)
{
    for (int i = 0; i < *n; i++)
        if (o[i].at == at && o[i].bytes == bytes)
            return i;
    o[*n] = (struct pyobj){at, bytes, NULL, 0, 0, 1};
    return (*n)++;
}

/* From the first `got` bytes of object o (at h): where its text is.  A
 * str's text not all read (past `cap` bytes of it, at most) is left for
 * another read: *more_at and *more_len say what.  A bytes object's text
 * is what was read (the location table reads on when it needs more).
 * Returns -1 when it is not what it should be. */
static int obj_shape(struct pyobj *o, const unsigned char *h, size_t got,
                     size_t cap, uint64_t *more_at, size_t *more_len)
{
    *more_len = 0;
    if (o->bytes) {
        uint64_t n;

        if (got < (size_t)py.l.bytes_data ||
            u64_at(h, py.l.ob_type) != py.bytes_type)
            return -1;
        n = u64_at(h, py.l.bytes_size);
        if (n >= (1u << 24))
            return -1;
        o->full = (size_t)n;
        o->text = h + py.l.bytes_data;
        o->len = got - (size_t)py.l.bytes_data;
        if (o->len > o->full)
            o->len = o->full;
        return 0;
    } else {
        uint64_t data;
        size_t len, off;

        if (got < (size_t)py.l.str_state + 4 ||
            str_data(h, o->at, cap, &data, &o->kind, &len) != 0)
            return -1;
        off = (size_t)(data - o->at);
        if (off + len <= got) {
            o->text = h + off;
            o->len = len;
        } else {
            *more_at = data;
            *more_len = len;
        }
        return 0;
    }
}

/* The objects a code object names (file, qualified name, location table),
 * as seen with it last, by any thread: a guess, checked against the code
 * object read in the same round (a torn or stale entry is only a wrong
 * guess). */
struct py_names {
    uint64_t code, file, qual, lt;
};
#define NAMES_SEEN 64
static struct py_names names_seen[NAMES_SEEN];

static unsigned names_slot(uint64_t code)
{
    return (unsigned)((code >> 4) ^ (code >> 10)) & (NAMES_SEEN - 1);
}

/* Code c's three objects, indexed (in this order: the order the reads and
 * their room for longer texts go in). */
static void index_names(struct pyobj *o, int *no, int c, uint64_t file,
                        uint64_t qual, uint64_t lt, int *ofile, int *oqual,
                        int *olt)
{
    ofile[c] = obj_index(o, no, file, 0);
    oqual[c] = obj_index(o, no, qual, 0);
    olt[c] = obj_index(o, no, lt, 1);
}

/* The distinct code objects this thread's last failure found, in order,
 * with the objects each named (file 0: not known).  The thread's own
 * record, not names_seen's slots, which codes of one stack can share. */
static TM_TLS struct py_names last[TM_PY_FRAMES];
static TM_TLS int last_nc;

/* Asks for the nc code objects ucode (into r[0..nc)) and, when each one's
 * names are known (mine[c], for the same code, or names_seen), for those
 * objects too (r[nc..nc + *no)): returns whether it did (the guess). */
static int ask_codes(struct tm__py_scratch *s, struct tm__vm_req *r,
                     struct pyobj *o, int *no, const uint64_t *ucode,
                     const struct py_names *mine, int nc, int *ofile,
                     int *oqual, int *olt)
{
    int guess = 1;

    for (int c = 0; c < nc; c++) {
        const struct py_names *g =
            mine != NULL && mine[c].code == ucode[c] && mine[c].file != 0
                ? &mine[c]
                : &names_seen[names_slot(ucode[c])];

        r[c] = (struct tm__vm_req){s->code[c], ucode[c], TM_PY_CODE_HDR, 0};
        if (guess && __atomic_load_n(&g->code, __ATOMIC_RELAXED) == ucode[c])
            index_names(o, no, c, __atomic_load_n(&g->file, __ATOMIC_RELAXED),
                        __atomic_load_n(&g->qual, __ATOMIC_RELAXED),
                        __atomic_load_n(&g->lt, __ATOMIC_RELAXED), ofile, oqual,
                        olt);
        else
            guess = 0;
    }
    if (guess)
        for (int i = 0; i < *no; i++)
            r[nc + i] = (struct tm__vm_req){s->obj[i], o[i].at, TM_PY_OBJ, 0};
    return guess;
}

/* One walk (tm__py_stack); *again set when it learnt a code whose frames
 * are never shown after its chain filled every place: walked again, the
 * frames those took go to the outer frames. */
static int walk(struct tm__py_scratch *s, char *out, size_t cap,
                const char *ws, size_t wslen, int *again)
{
    struct tm__vm_req r[PRE_MAX];
    struct pyobj o[TM_PY_OBJS];
    uint64_t ucode[TM_PY_FRAMES];
    int fcode[TM_PY_FRAMES];                 /* frame -> distinct code */
    int ofile[TM_PY_FRAMES], oqual[TM_PY_FRAMES], olt[TM_PY_FRAMES];
    int codeok[TM_PY_FRAMES];
    unsigned char isfile[TM_PY_OBJS] = {0}; /* an object some code's file name */
    /* Frames at the same instruction of the same code (recursion) have
     * the same line and the same entry: worked out once per event. */
    int fline[TM_PY_FRAMES], same_as[TM_PY_FRAMES];
    size_t estart[TM_PY_FRAMES], elen[TM_PY_FRAMES];
    struct tm__buf b = {out, cap, 0};
    unsigned char group[GROUP];
    int n, nc = 0, no = 0, kept = 0, k, guess;
    size_t used = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    for (int i = 0; i < TM_PY_FRAMES; i++)
        elen[i] = 0;
    if (!__atomic_load_n(&py.ok, __ATOMIC_RELAXED))
        return 0;
    ids();
    /* The code objects this thread's last failure found, in its order, and
     * the objects they name: read with the frames (one round fewer) and
     * kept when the frames name the same codes in the same order. */
    int pnc = last_nc, same;
    uint64_t pcode[TM_PY_FRAMES] = {0};

    for (int c = 0; c < pnc; c++)
        pcode[c] = last[c].code;
    guess = ask_codes(s, r, o, &no, pcode, last, pnc, ofile, oqual, olt);
    int npre = pnc > 0 ? (guess ? pnc + no : pnc) : 0;

    s->lt_at = 0;
    if (lt_last != 0)
        r[npre++] = (struct tm__vm_req){s->lt, lt_last, lt_last_len, 0};
    lt_next = 0;
    n = chain(s, r, npre, group);
    if (lt_last != 0 && r[npre - 1].ok) {
        s->lt_at = lt_last;
        s->lt_len = lt_last_len;
    }
    if (n == 0)
        return 0;
    /* every distinct code object */
    for (int i = 0; i < n; i++) {
        int c = 0;

        while (c < nc && ucode[c] != s->code_at[i])
            c++;
        if (c == nc) {
            if (c >= pnc || pcode[c] != s->code_at[i])
                pnc = -1; /* not the codes read with the frames */
            ucode[nc++] = s->code_at[i];
        }
        fcode[i] = c;
    }
    same = pnc == nc;
    last_nc = nc;
    for (int c = 0; c < nc; c++)
        last[c] = (struct py_names){ucode[c], 0, 0, 0};
    if (!same) {
        /* The code objects, and with them (guessed from the names seen
         * with each code the last time) the objects they name; when a
         * guess is wrong, those are read in a round of their own. */
        no = 0;
        guess = ask_codes(s, r, o, &no, ucode, NULL, nc, ofile, oqual, olt);
        vm_batch(r, guess ? nc + no : nc, group);
    }
    for (int c = 0; c < nc; c++) {
        const unsigned char *h = s->code[c];
        uint64_t file = u64_at(h, py.l.co_filename),
                 qual = u64_at(h, py.l.co_qualname),
                 lt = u64_at(h, py.l.co_linetable);

        codeok[c] = r[c].ok && u64_at(h, py.l.ob_type) == py.code_type;
        if (codeok[c] && learn_never(ucode[c], h) && n == TM_PY_FRAMES)
            *again = 1;
        if (!codeok[c] || (guess && (o[ofile[c]].at != file ||
                                     o[oqual[c]].at != qual || o[olt[c]].at != lt)))
            guess = 0;
        if (codeok[c]) {
            struct py_names *g = &names_seen[names_slot(ucode[c])];

            last[c] = (struct py_names){ucode[c], file, qual, lt};

            __atomic_store_n(&g->code, ucode[c], __ATOMIC_RELAXED);
            __atomic_store_n(&g->file, file, __ATOMIC_RELAXED);
            __atomic_store_n(&g->qual, qual, __ATOMIC_RELAXED);
            __atomic_store_n(&g->lt, lt, __ATOMIC_RELAXED);
        }
    }
    if (guess) { /* the objects read: where the rounds below expect them */
        memmove(r, r + nc, (size_t)no * sizeof(r[0]));
    } else {
        /* then every distinct name and location table: header and text */
        no = 0;
        for (int c = 0; c < nc; c++)
            if (codeok[c])
                index_names(o, &no, c, u64_at(s->code[c], py.l.co_filename),
                            u64_at(s->code[c], py.l.co_qualname),
                            u64_at(s->code[c], py.l.co_linetable), ofile, oqual,
                            olt);
        for (int i = 0; i < no; i++)
            r[i] = (struct tm__vm_req){s->obj[i], o[i].at, TM_PY_OBJ, 0};
        vm_batch(r, no, group);
    }
    for (int c = 0; c < nc; c++)
        if (codeok[c])
            isfile[ofile[c]] = 1;
    /* An object too close to the end of its mapping for the whole first
     * read: its header alone; then the texts longer than the first read. */
    for (k = 0; k < no; k++)
        r[k].len = r[k].ok ? 0 : (size_t)(o[k].bytes ? py.l.bytes_data
                                                      : py.l.str_state + 4);
    vm_batch(r, no, group);
    for (int i = 0; i < no; i++) {
        uint64_t more_at;
        size_t more_len,
            got = r[i].len == 0 ? TM_PY_OBJ : (r[i].ok ? r[i].len : 0);
        size_t capi = isfile[i] ? TM_PY_FILE_MAX : TM_PY_QUAL_MAX;
        r[i] = (struct tm__vm_req){NULL, 0, 0, 0};
        if (got == 0 || obj_shape(&o[i], s->obj[i], got, capi, &more_at,
                                  &more_len) != 0) {
            o[i].len = 0;
            o[i].text = NULL;
            continue;
        }
        if (more_len > 0 && used + more_len <= TM_PY_MORE) {
            r[i] = (struct tm__vm_req){s->more + used, more_at, more_len, 0};
            o[i].text = s->more + used;
            o[i].len = more_len;
            used += more_len;
        }
    }
    if (used > 0) {
        vm_batch(r, no, group);
        for (int i = 0; i < no; i++)
            if (r[i].len > 0 && !r[i].ok)
                o[i].text = NULL;
    }
    for (int i = 0; i < n; i++) {
        int c = fcode[i];
        const struct pyobj *f, *q, *t;
        const unsigned char *fp;
        size_t fn, mark = b.len;
        int64_t addr = (int64_t)(s->instr_at[i] -
                                 (s->code_at[i] + (uint64_t)py.l.co_code));
        int line = 0;

        same_as[i] = -1;
        if (!codeok[c])
            continue;
        /* Not started, or a frame of the interpreter's own (3.13's
         * trampoline that ends an __init__): before its first traceable
         * instruction, which CPython's tracebacks and sys._getframe skip
         * too (_PyFrame_IsIncomplete). */
        if (s->owner[i] != OWNED_BY_GENERATOR &&
            addr < 2 * (int64_t)(int32_t)u32_at(s->code[c], py.l.co_firsttraceable)) {
            same_as[i] = -2;
            continue;
        }
        for (int j = 0; j < i && same_as[i] < 0; j++)
            if (fcode[j] == c && s->instr_at[j] == s->instr_at[i] && same_as[j] != -2)
                same_as[i] = j;
        if (same_as[i] >= 0 && elen[same_as[i]] > 0) { /* its entry again */
            int j = same_as[i];

            if (b.len + 1 + elen[j] + 1 >= b.cap)
                break; /* no room for the whole entry */
            tm__buf_putn(&b, (const char[]){TM_PY_SEP}, 1);
            estart[i] = b.len;
            memmove(b.p + b.len, b.p + estart[j], elen[j]);
            b.len += elen[j];
            b.p[b.len] = '\0';
            elen[i] = elen[j];
            fline[i] = fline[j];
            kept++;
            continue;
        }
        elen[i] = 0;
        f = &o[ofile[c]];
        q = &o[oqual[c]];
        t = &o[olt[c]];
        if (f->text == NULL || q->text == NULL || f->len == 0 || q->len == 0) {
            same_as[i] = -2; /* a frame whose names did not read */
            continue;
        }
        if (same_as[i] >= 0)
            line = fline[same_as[i]];
        else if (t->text != NULL)
            line = line_of(s, t->text, t->len, t->at + (uint64_t)py.l.bytes_data,
                           t->full, (int)u32_at(s->code[c], py.l.co_firstlineno),
                           addr);
        fline[i] = line;
        fp = f->text;
        fn = f->len;
        /* inside the work tree: relative to it */
        if (f->kind == 1 && wslen > 1 && fn > wslen &&
            memcmp(fp, ws, wslen) == 0 && fp[wslen] == '/') {
            fp += wslen + 1;
            fn -= wslen + 1;
        }
        if (kept > 0)
            tm__buf_putn(&b, (const char[]){TM_PY_SEP}, 1);
        str_put(&b, fp, fn, f->kind);
        tm__buf_put(&b, ":");
        if (b.len + 24 < b.cap) {
            b.len += tm__fmt_u64(b.p + b.len, (uint64_t)(line > 0 ? line : 0));
            b.p[b.len] = '\0';
        }
        tm__buf_put(&b, " in ");
        str_put(&b, q->text, q->len, q->kind);
        if (b.len + 1 >= b.cap) { /* no room for the whole entry */
            b.len = mark;
            b.p[mark] = '\0';
            break;
        }
        estart[i] = mark + (kept > 0); /* after the separator */
        elen[i] = b.len - estart[i];
        kept++;
    }
    lt_last = lt_next;
    lt_last_len = lt_next_len;
    return kept;
}

int tm__py_stack(struct tm__py_scratch *s, char *out, size_t cap,
                 const char *ws, size_t wslen)
{
    int again = 0, n = walk(s, out, cap, ws, wslen, &again);

    return again ? walk(s, out, cap, ws, wslen, &again) : n;
}
