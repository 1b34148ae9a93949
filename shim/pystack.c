/*
 * pystack.c - the calling thread's CPython stack (see pystack.h).
 */
#include "pystack.h"

#include <dlfcn.h>
#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "jsonw.h"
#include "strutil.h"

#define PAGE 4096
#define MAX_LINKS 64 /* frames followed (C-stack entries included) */
#define OWNED_BY_CSTACK 3
#define BATCH (TM_PY_FRAMES * 3)

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
        .str_length = 16, .str_state = 32, .str_ascii_size = 40,
        .str_compact_size = 56,
        .bytes_size = 16, .bytes_data = 32, .ob_type = 8, .rt_finalizing = 608,
    },
};

/* What tm__py_load found; read-only afterwards. */
static struct {
    int ok;
    struct tm__py_layout l;
    void *(*this_tstate)(void); /* PyGILState_GetThisThreadState */
    uint64_t runtime, code_type, str_type, bytes_type;
} py;

/* ---- reads that cannot fault ---- */

struct rd {
    void *dst;
    uint64_t src;
    size_t len;
    int ok;
};

/* Reads every request (process_vm_readv on our own pid, as many per call
 * as fit).  A request that does not read whole is marked failed and the
 * ones after it are tried again: one bad pointer costs only its own
 * entry.  Requests from a NULL-ish address fail without a read.  Returns
 * how many read. */
static int vm_batch(struct rd *r, int n)
{
    struct iovec loc[BATCH], rem[BATCH];
    int idx[BATCH];
    pid_t pid = (pid_t)syscall(SYS_getpid);
    int done = 0, i = 0;

    while (i < n) {
        int k = 0, j;
        long got;

        for (; i < n && k < BATCH; i++) {
            r[i].ok = 0;
            if (r[i].src < PAGE || r[i].len == 0)
                continue;
            loc[k] = (struct iovec){r[i].dst, r[i].len};
            rem[k] = (struct iovec){(void *)(uintptr_t)r[i].src, r[i].len};
            idx[k++] = i;
        }
        if (k == 0)
            break;
        got = syscall(SYS_process_vm_readv, pid, loc, (unsigned long)k, rem,
                      (unsigned long)k, 0UL);
        if (got < 0 && (errno == ENOSYS || errno == EPERM)) {
            __atomic_store_n(&py.ok, 0, __ATOMIC_RELAXED); /* seccomp */
            return done;
        }
        for (j = 0; j < k && got >= (long)r[idx[j]].len; j++) {
            got -= (long)r[idx[j]].len;
            r[idx[j]].ok = 1;
            done++;
        }
        if (j < k)
            i = idx[j] + 1; /* the ones after the failed one, again */
    }
    return done;
}

static int vm_read(void *dst, uint64_t src, size_t len)
{
    struct rd r = {dst, src, len, 0};

    return vm_batch(&r, 1) == 1 ? 0 : -1;
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
           IN(l->ob_type, 8, TM_PY_CODE_HDR) &&
           IN(l->ob_type, 8, TM_PY_STR_HDR) &&
           IN(l->str_length, 8, TM_PY_STR_HDR) &&
           IN(l->str_state, 4, TM_PY_STR_HDR) &&
           IN(l->bytes_size, 8, TM_PY_STR_HDR) &&
           IN(l->bytes_data, 0, TM_PY_STR_HDR) && l->bytes_data > 0 &&
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
        for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
            if (layouts[i].version == (*version >> 16))
                use = &layouts[i];
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
        uint32_t c = kind == 1   ? p[i]
                     : kind == 2 ? (uint32_t)(p[i] | p[i + 1] << 8)
                                 : u32_at(p, (int)i);
        size_t k;

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

/* The innermost frame of this thread, or 0. */
static uint64_t first_frame(void)
{
    uint64_t ts = (uint64_t)(uintptr_t)py.this_tstate();
    uint64_t tid = 0, fin = 1, ptr = 0;
    struct rd r[3] = {
        {&fin, py.runtime + (uint64_t)py.l.rt_finalizing, 8, 0},
        {&tid, ts + (uint64_t)py.l.ts_native_thread_id, 8, 0},
        {&ptr, ts + (uint64_t)(py.l.ts_cframe >= 0 ? py.l.ts_cframe
                                                   : py.l.ts_current_frame),
         8, 0},
    };

    if (ts == 0 || vm_batch(r, 3) != 3 || fin != 0 ||
        tid != (uint64_t)syscall(SYS_gettid))
        return 0;
    if (py.l.ts_cframe >= 0 &&
        vm_read(&ptr, ptr + (uint64_t)py.l.ts_current_frame, 8) != 0)
        return 0;
    return ptr;
}

/* A frame's head (previous, code, instruction, owner) from the window
 * s->win, read again around the frame when it is outside. */
struct win {
    uint64_t lo, hi; /* the addresses s->win holds */
    size_t base;     /* where lo is in s->win */
};

static const unsigned char *frame_at(struct tm__py_scratch *s, struct win *w,
                                     uint64_t f)
{
    size_t need = frame_need(&py.l);
    struct rd r[TM_PY_WINDOW / PAGE];
    uint64_t top = (f + need + PAGE - 1) & ~(uint64_t)(PAGE - 1);
    int n = TM_PY_WINDOW / PAGE, got = 0;

    if (f >= w->lo && f + need <= w->hi)
        return s->win + w->base + (f - w->lo);
    /* The chain goes down the thread's frame stack: the pages from the
     * frame's down, each read alone so an unmapped one below costs only
     * itself and those under it. */
    for (int i = 0; i < n; i++)
        r[i] = (struct rd){s->win + TM_PY_WINDOW - (size_t)(i + 1) * PAGE,
                           top - (uint64_t)(i + 1) * PAGE, PAGE, 0};
    vm_batch(r, n);
    while (got < n && r[got].ok)
        got++;
    if (got == 0 || f < top - (uint64_t)got * PAGE) {
        w->lo = w->hi = 0;
        return NULL;
    }
    w->hi = top;
    w->lo = top - (uint64_t)got * PAGE;
    w->base = TM_PY_WINDOW - (size_t)got * PAGE; /* the end of s->win */
    return s->win + w->base + (f - w->lo);
}

/* The frames' code objects and instruction pointers, innermost first. */
static int chain(struct tm__py_scratch *s)
{
    struct win w = {0, 0, 0};
    uint64_t f = first_frame();
    int n = 0;

    for (int links = 0; f != 0 && links < MAX_LINKS && n < TM_PY_FRAMES;
         links++) {
        const unsigned char *h = frame_at(s, &w, f);

        if (h == NULL)
            break;
        if (h[py.l.fr_owner] != OWNED_BY_CSTACK) {
            s->code_at[n] = u64_at(h, py.l.fr_code);
            s->instr_at[n] = u64_at(h, py.l.fr_instr);
            n++;
        }
        f = u64_at(h, py.l.fr_previous);
    }
    return n;
}

/* The line of the instruction at byte address addr of a code object
 * whose location table (len bytes at data) starts with s->lt[i]. */
static int line_of(struct tm__py_scratch *s, int i, uint64_t data, size_t len,
                   int first, int64_t addr)
{
    struct lt_walk lw = {first, 0, 0};
    size_t have = len < TM_PY_LT_CHUNK ? len : TM_PY_LT_CHUNK;
    int line = 0;

    if (addr < 0)
        return first; /* not started yet */
    if (addr > (1 << 26))
        return 0;
    for (int rounds = 0; rounds < 64; rounds++) {
        int rc = lt_find(&lw, s->lt[i], have, lw.pos + have >= len, (int)addr,
                         &line);
        size_t more;

        if (rc != 0)
            return rc > 0 && line > 0 ? line : 0;
        /* a long table: the next chunk, from the entry not finished */
        more = len - lw.pos;
        have = more < TM_PY_LT_CHUNK ? more : TM_PY_LT_CHUNK;
        if (have == 0 || vm_read(s->lt[i], data + lw.pos, have) != 0)
            return 0;
    }
    return 0;
}

int tm__py_stack(struct tm__py_scratch *s, char *out, size_t cap,
                 const char *ws, size_t wslen)
{
    struct rd rc[TM_PY_FRAMES], rh[3 * TM_PY_FRAMES], r[3 * TM_PY_FRAMES];
    struct {
        uint64_t data;
        size_t len;
        unsigned kind;
    } file[TM_PY_FRAMES], qual[TM_PY_FRAMES], lt[TM_PY_FRAMES];
    struct tm__buf b = {out, cap, 0};
    int n, k = 0, kept = 0;

    if (cap == 0)
        return 0;
    out[0] = '\0';
    if (!__atomic_load_n(&py.ok, __ATOMIC_RELAXED) || (n = chain(s)) == 0)
        return 0;
    /* every code object */
    for (int i = 0; i < n; i++)
        rc[i] = (struct rd){s->code[i], s->code_at[i], TM_PY_CODE_HDR, 0};
    vm_batch(rc, n);
    /* then their file, qualified name and location table headers */
    for (int i = 0; i < n; i++) {
        const unsigned char *c = s->code[i];
        int okc = rc[i].ok && u64_at(c, py.l.ob_type) == py.code_type;

        rh[3 * i] = (struct rd){s->hdr[i][0],
                                   okc ? u64_at(c, py.l.co_filename) : 0,
                                   (size_t)py.l.str_state + 4, 0};
        rh[3 * i + 1] = (struct rd){s->hdr[i][1],
                                       okc ? u64_at(c, py.l.co_qualname) : 0,
                                       (size_t)py.l.str_state + 4, 0};
        rh[3 * i + 2] = (struct rd){s->hdr[i][2],
                                       okc ? u64_at(c, py.l.co_linetable) : 0,
                                       (size_t)py.l.bytes_data, 0};
    }
    vm_batch(rh, 3 * n);
    /* then their contents */
    for (int i = 0; i < n; i++) {
        struct rd *h = rh + 3 * i;
        uint64_t ltn;

        file[i].len = qual[i].len = lt[i].len = 0;
        if (!h[0].ok || str_data(s->hdr[i][0], h[0].src, TM_PY_FILE_MAX,
                                 &file[i].data, &file[i].kind, &file[i].len))
            file[i].len = 0;
        if (!h[1].ok || str_data(s->hdr[i][1], h[1].src, TM_PY_QUAL_MAX,
                                 &qual[i].data, &qual[i].kind, &qual[i].len))
            qual[i].len = 0;
        ltn = u64_at(s->hdr[i][2], py.l.bytes_size);
        if (h[2].ok && u64_at(s->hdr[i][2], py.l.ob_type) == py.bytes_type &&
            ltn < (1u << 24)) {
            lt[i].data = h[2].src + (uint64_t)py.l.bytes_data;
            lt[i].len = (size_t)ltn;
        }
    }
    for (int i = 0; i < n; i++) {
        r[k++] = (struct rd){s->file[i], file[i].data, file[i].len, 0};
        r[k++] = (struct rd){s->qual[i], qual[i].data, qual[i].len, 0};
        r[k++] = (struct rd){s->lt[i], lt[i].data,
                             lt[i].len < TM_PY_LT_CHUNK ? lt[i].len
                                                        : TM_PY_LT_CHUNK,
                             0};
    }
    vm_batch(r, k);
    for (int i = 0; i < n; i++) {
        const unsigned char *c = s->code[i];
        const unsigned char *fp = s->file[i];
        size_t fn = file[i].len;
        int64_t addr = (int64_t)(s->instr_at[i] - (s->code_at[i] + (uint64_t)py.l.co_code));
        int line = 0;
        size_t mark = b.len;

        if (!r[3 * i].ok || !r[3 * i + 1].ok || fn == 0 || qual[i].len == 0)
            continue; /* a frame whose names did not read */
        if (r[3 * i + 2].ok)
            line = line_of(s, i, lt[i].data, lt[i].len,
                           (int)u32_at(c, py.l.co_firstlineno), addr);
        /* inside the work tree: relative to it */
        if (file[i].kind == 1 && wslen > 1 && fn > wslen &&
            memcmp(fp, ws, wslen) == 0 && fp[wslen] == '/') {
            fp += wslen + 1;
            fn -= wslen + 1;
        }
        if (kept > 0)
            tm__buf_putn(&b, (const char[]){TM_PY_SEP}, 1);
        str_put(&b, fp, fn, file[i].kind);
        tm__buf_put(&b, ":");
        if (b.len + 24 < b.cap) {
            b.len += tm__fmt_u64(b.p + b.len, (uint64_t)(line > 0 ? line : 0));
            b.p[b.len] = '\0';
        }
        tm__buf_put(&b, " in ");
        str_put(&b, s->qual[i], qual[i].len, qual[i].kind);
        if (b.len + 1 >= b.cap) { /* no room for the whole entry */
            b.len = mark;
            b.p[mark] = '\0';
            break;
        }
        kept++;
    }
    return kept;
}
