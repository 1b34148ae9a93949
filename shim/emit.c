/*
 * emit.c - one failure (a work area's tm__failure) made an event and
 * stored: the message and backtrace scrubbed, the context assembled, the
 * line written through the core's record path (record.h) with a bounded
 * wait for the directory lock.
 */
#include "emit.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "argv.h"
#include "backtrace.h"
#include "classify.h"
#include "jsonw.h"
#include "message.h"
#include "once.h"
#include "proc.h"
#include "record.h"
#include "shim_state.h"
#include "store.h"

/* The most an event waits for the directory lock (README, "Manners in someone else's process");
 * past it the event goes to the process's spool. */
#define LOCK_WAIT_US 2000
#define LOCK_BUSY_US 200

/* The event's repo (the failure's, README "Which repository") as stored
 * (record.h), into the work area: each event may name another repository.
 * A private repo's first hash loads libsodium and the key from the
 * directory in use (once per process). */
static int stored_repo(struct tm__work *w)
{
    struct tm__scrub_room room = {w->clean, sizeof(w->clean), w->spans,
                                  TM_WORK_SPANS};
    const char *repo = w->f.repo[0] ? w->f.repo : "unknown";

    /* The repo this area stored last time: the same result (the
     * configuration and the key do not change), with no scrub (about
     * 1,040 instructions an event: an agent fails mostly in one repo). */
    if (w->stored_of[0] != '\0' && strcmp(w->stored_of, repo) == 0)
        return 0;
    w->stored_of[0] = '\0';

    /* The directory (which holds the key) is found only when a private
     * name's key must be loaded. */
    w->dir[0] = '\0';
    if (tm__record_repo_needs_dir(&tm__shim.cfg, &tm__shim.repo_key, repo)) {
        int dfd = tm__dir_use(&tm__shim.cfg, 1, w->dir, sizeof(w->dir), NULL);

        if (dfd < 0)
            w->dir[0] = '\0'; /* the key load fails: nothing recorded */
        else
            syscall(SYS_close, dfd);
    }
    if (tm__record_repo(&tm__shim.cfg, w->dir, &tm__shim.repo_key, repo,
                        w->stored_repo, sizeof(w->stored_repo), &room) != 0) {
        /* Never write a private name in clear: record nothing. */
        tm__shim_debug("private repo and no hash key: not recording");
        w->stored_repo[0] = '\0';
        return -1;
    }
    /* kept only from a scrubber that ran (not the fail-closed text of one
     * still initializing in this thread) */
    if (tm__scrub_init() == 0 && strlen(repo) < sizeof(w->stored_of))
        memcpy(w->stored_of, repo, strlen(repo) + 1);
    return 0;
}

/* The word the event's text must not hold: a private repo's name (its
 * stored hash stands in for it).  Set for every event: the work area is
 * another thread's next time. */
static void private_word(struct tm__work *w)
{
    tm__record_private_word(&tm__shim.cfg, w->f.repo[0] ? w->f.repo : "unknown",
                            w->stored_repo, &w->private);
}

/* Whether the scrubber's output is a function of its input alone: no
 * private repository's name to replace in this event (the memos below
 * hold only such output). */
static int memo_ok(const struct tm__work *w)
{
    return w->private.word == NULL || w->private.word[0] == '\0';
}

/* The index of part p[0..n) in the parts joined so far (b), added when
 * new; -1 when there is no room. */
static int part(struct tm__buf *b, const char **seen, size_t *seenlen,
                int *nseen, int max, const char *p, size_t n)
{
    for (int i = 0; i < *nseen; i++)
        if (seenlen[i] == n && memcmp(seen[i], p, n) == 0)
            return i;
    if (*nseen == max || b->len + n + 2 > b->cap)
        return -1;
    if (*nseen > 0)
        tm__buf_putn(b, (const char[]){TM_PY_SEP}, 1);
    seen[*nseen] = b->p + b->len;
    seenlen[*nseen] = n;
    tm__buf_putn(b, p, n);
    return (*nseen)++;
}

/* The joined parts (raw, len bytes) scrubbed once into clean (cap bytes)
 * and split again into out: 0 when all nparts came back, -1 when the
 * scrubber's output was cut. */
static int scrub_parts(struct tm__work *w, struct tm__scrub_memo *m,
                       const char *raw, size_t len, char *clean, size_t cap,
                       const char **out, int nparts)
{
    int np = 0;
    int memo = memo_ok(w) &&
               len > 0 && len <= sizeof(m->raw) && cap <= sizeof(m->clean);

    if (memo && m->len == len && memcmp(m->raw, raw, len) == 0 &&
        m->clean_len < cap) {
        memcpy(clean, m->clean, m->clean_len + 1);
    } else {
        size_t n = tm__scrub_word(raw, len, clean, cap, w->spans,
                                  TM_WORK_SPANS, &w->private);
        /* kept only from a scrubber that ran (not the fail-closed text of
         * one still initializing in this thread) */
        if (memo && n < cap && tm__scrub_init() == 0) {
            memcpy(m->raw, raw, len);
            memcpy(m->clean, clean, n + 1);
            m->len = len;
            m->clean_len = n;
        }
    }
    for (char *p = clean; p && np < nparts;) {
        char *sep = strchr(p, TM_PY_SEP);

        out[np++] = p;
        if (sep)
            *sep++ = '\0';
        p = sep;
    }
    return np == nparts ? 0 : -1;
}

/* Ends the entry begun at mark: NUL-terminated in place, 0; or, when it
 * did not fit whole, taken back, -1. */
static int entry_end(struct tm__buf *b, size_t mark)
{
    if (b->len + 1 >= b->cap) {
        b->len = mark;
        b->p[mark] = '\0';
        return -1;
    }
    tm__buf_putn(b, "", 1);
    return 0;
}

/* Backtrace frames "module+0xoff": the distinct module names, joined,
 * scrubbed once (a basename may hold anything a path does), then each
 * frame its module's scrubbed name and its offset, the shim's own number
 * (README "Event format").  The raw names' buffer takes the frames. */
static int frames(struct tm__work *w)
{
    const char *seen[TM_FRAMES_MAX], *clean[TM_FRAMES_MAX];
    size_t seenlen[TM_FRAMES_MAX];
    uintptr_t off[TM_FRAMES_MAX];
    int mi[TM_FRAMES_MAX], nseen = 0, n = 0;
    struct tm__buf b = {w->frames_raw, sizeof(w->frames_raw), 0};
    char hex[16];

    w->frames_raw[0] = '\0';
    for (int i = 0; i < w->f.npcs && n < TM_FRAMES_MAX; i++) {
        const char *mod = tm__bt_module(w->f.pcs[i], &off[n]);

        if ((mi[n] = part(&b, seen, seenlen, &nseen, TM_FRAMES_MAX, mod,
                          strlen(mod))) >= 0)
            n++;
    }
    if (n == 0 || scrub_parts(w, &w->memo_frames, w->frames_raw, b.len,
                              w->frames_clean, sizeof(w->frames_clean), clean,
                              nseen) != 0)
        return 0; /* none, or the scrubber's output was cut */
    b.len = 0;
    for (int i = 0; i < n; i++) {
        size_t mark = b.len;
        /* the offset's hex digits, no leading zero (one for 0) */
        int bits = off[i] ? 64 - __builtin_clzll((unsigned long long)off[i]) : 1;
        int d = (bits + 3) / 4;

        tm__fmt_hex(hex, off[i], d);
        tm__buf_put(&b, clean[mi[i]]);
        tm__buf_put(&b, "+0x");
        tm__buf_putn(&b, hex, (size_t)d);
        if (entry_end(&b, mark) != 0) {
            n = i;
            break;
        }
        w->frames[i] = w->frames_raw + mark;
    }
    return n;
}

/* A stack entry's file with every path segment that does not look like
 * a file name (tm__argv_name_ok: no blank, '=', ';', quote ...) made
 * "***": the main script's path comes from the command line, which is
 * never stored beyond a file-like basename (README "How the agent is
 * named").  A pseudo-file "<frozen importlib._bootstrap>" keeps its
 * words when each is file-like.  Returns the length written into out. */
static size_t safe_file(const char *f, size_t n, char *out, size_t cap)
{
    struct tm__buf b = {out, cap, 0};
    int pseudo = n >= 2 && f[0] == '<' && f[n - 1] == '>';
    char sep = pseudo ? ' ' : '/';
    const char *p = f + pseudo, *end = f + n - pseudo;

    out[0] = '\0';
    if (pseudo)
        tm__buf_put(&b, "<");
    while (p <= end) {
        const char *q = memchr(p, sep, (size_t)(end - p));

        if (q == NULL)
            q = end;
        if (q == p || tm__argv_name_ok(p, (size_t)(q - p)))
            tm__buf_putn(&b, p, (size_t)(q - p));
        else
            tm__buf_put(&b, "***");
        if (q < end)
            tm__buf_putn(&b, &sep, 1);
        p = q + 1;
    }
    if (pseudo)
        tm__buf_put(&b, ">");
    return b.len;
}

/* The Python stack scrubbed: its distinct files and functions only, once
 * (the scrubber's time grows with its input, and a stack repeats its
 * files), then each entry made again from the scrubbed parts.  Returns
 * the entries in w->py. */
static int stack_made(struct tm__work *w)
{
    enum { MAXP = 2 * TM_PY_FRAMES };
    const char *seen[MAXP], *clean[MAXP];
    size_t seenlen[MAXP];
    int nseen = 0, n = 0, fi[TM_PY_FRAMES], qi[TM_PY_FRAMES];
    int same[TM_PY_FRAMES]; /* an earlier entry it repeats, or -1 */
    const char *line[TM_PY_FRAMES], *raw[TM_PY_FRAMES];
    size_t linelen[TM_PY_FRAMES], rawlen[TM_PY_FRAMES], filelen[TM_PY_FRAMES];
    size_t elen[TM_PY_FRAMES];
    struct tm__buf b = {w->py_parts, sizeof(w->py_parts), 0};
    struct tm__buf e = {w->py_clean, sizeof(w->py_clean), 0};

    w->py_parts[0] = '\0';
    /* "<file>:<line> in <function>": a function has no blank, so the
     * last " in " ends the file and its line.  An entry met before (a
     * recursion) takes that one's parts; a file met before, its part. */
    for (const char *s = w->py_raw; *s && n < TM_PY_FRAMES;) {
        const char *end = strchr(s, TM_PY_SEP), *in = NULL, *colon = NULL;
        int j;

        if (end == NULL)
            end = s + strlen(s);
        for (j = 0; j < n; j++)
            if (rawlen[j] == (size_t)(end - s) && memcmp(raw[j], s, rawlen[j]) == 0)
                break;
        if (j < n) {
            same[n] = j;
            fi[n] = fi[j];
            qi[n] = qi[j];
            line[n] = line[j];
            linelen[n] = linelen[j];
            filelen[n] = filelen[j];
            raw[n] = s;
            rawlen[n++] = (size_t)(end - s);
            s = *end ? end + 1 : end;
            continue;
        }
        /* i: one past the place tried (no pointer before s is formed) */
        for (size_t i = end - s >= 4 ? (size_t)(end - s) - 3 : 0; !in && i > 0; i--)
            if (s[i - 1] == ' ' && memcmp(s + i - 1, " in ", 4) == 0)
                in = s + i - 1;
        for (size_t i = in ? (size_t)(in - s) : 0; !colon && i > 0; i--)
            if (s[i - 1] == ':')
                colon = s + i - 1;
        if (in != NULL && colon != NULL) {
            char file[TM_PY_FILE_MAX + 64];

            filelen[n] = (size_t)(colon - s);
            for (j = 0; j < n; j++)
                if (filelen[j] == filelen[n] && memcmp(raw[j], s, filelen[n]) == 0)
                    break;
            if (j < n) {
                fi[n] = fi[j];
            } else {
                size_t fn = safe_file(s, filelen[n], file, sizeof(file));

                fi[n] = part(&b, seen, seenlen, &nseen, MAXP, file, fn);
            }
            qi[n] = part(&b, seen, seenlen, &nseen, MAXP, in + 4,
                         (size_t)(end - in - 4));
            line[n] = colon + 1;
            linelen[n] = (size_t)(in - colon - 1);
            same[n] = -1;
            raw[n] = s;
            rawlen[n] = (size_t)(end - s);
            if (fi[n] >= 0 && qi[n] >= 0)
                n++;
        }
        s = *end ? end + 1 : end;
    }
    if (n == 0 || scrub_parts(w, &w->memo_py, w->py_parts, b.len,
                              w->py_parts_clean, sizeof(w->py_parts_clean),
                              clean, nseen) != 0)
        return 0; /* none, or the scrubber's output was cut */
    for (int i = 0; i < n; i++) {
        size_t mark = e.len;

        if (same[i] >= 0) { /* a recursion: the entry made already */
            tm__buf_putn(&e, w->py[same[i]], elen[same[i]]);
        } else {
            tm__buf_put(&e, clean[fi[i]]);
            tm__buf_putn(&e, ":", 1);
            tm__buf_putn(&e, line[i], linelen[i]);
            tm__buf_putn(&e, " in ", 4);
            tm__buf_put(&e, clean[qi[i]]);
        }
        elen[i] = e.len - mark;
        if (entry_end(&e, mark) != 0) {
            n = i;
            break;
        }
        w->py[i] = w->py_clean + mark;
    }
    return n;
}

/* The stack's entries (stack_made), or the area's last ones when its
 * stack is the same: a failure repeated from one place in the agent (a
 * retry, a loop over files) has the same stack event after event, and
 * the entries are a function of it alone when no private repository's
 * name is replaced (about 6,000 instructions an event of 16 frames). */
static int stack(struct tm__work *w)
{
    size_t len = strlen(w->py_raw);
    int plain = memo_ok(w), n;

    if (plain && w->py_last_n > 0 && w->py_last_len == len &&
        memcmp(w->py_last, w->py_raw, len) == 0)
        return w->py_last_n;
    w->py_last_n = 0;
    n = stack_made(w);
    /* kept only from a scrubber that ran (not the fail-closed text of one
     * still initializing in this thread) */
    if (plain && n > 0 && len < sizeof(w->py_last) && tm__scrub_init() == 0) {
        memcpy(w->py_last, w->py_raw, len);
        w->py_last_len = len;
        w->py_last_n = n;
    }
    return n;
}

/* Why the storage failed, from the errno it left. */
static enum tm__emit_result storage_failure(void)
{
    return errno == EMFILE || errno == ENFILE ? TM_EMIT_NO_FD : TM_EMIT_LOST;
}

static enum tm__emit_result emit(struct tm__work *w, int fatal,
                                 int exit_status, long repeat)
{
    struct tm__failure *f = &w->f;
    struct tm__event ev;
    enum tm__category cat;
    int nctx = 0, dfd, rc;
    long lost;

    tm__euid_refresh(); /* one geteuid for all the event's checks */
    /* initialization failed (or still running at the exit), no hash key */
    if (tm__once() != 0 || stored_repo(w) != 0) {
        __atomic_add_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
        return TM_EMIT_LOST;
    }
    private_word(w);
    /* Over the per-process cap: dropped on purpose, before any system
     * call.  An event counts once it has a directory to go to (one kept
     * for want of a descriptor and written at exit counts once). */
    if (__atomic_load_n(&tm__shim.written, __ATOMIC_RELAXED) >=
        tm__shim.cfg.max_events)
        return TM_EMIT_DONE;
    /* configured, shared default or per-user default; created when
     * absent (the first event, or removed meanwhile) */
    dfd = tm__dir_use(&tm__shim.cfg, 1, w->dir, sizeof(w->dir), NULL);
    if (dfd < 0) {
        enum tm__emit_result why = storage_failure();
        tm__shim_debug("telemetry directory refused (run 'telemetry doctor')");
        __atomic_add_fetch(&tm__shim.lost, 1, __ATOMIC_RELAXED);
        return why;
    }
    if (__atomic_add_fetch(&tm__shim.written, 1, __ATOMIC_RELAXED) >
        tm__shim.cfg.max_events) {
        syscall(SYS_close, dfd);
        return TM_EMIT_DONE; /* another thread took the last place */
    }
    tm__message(f, w->msg, sizeof(w->msg));
    tm__scrub_word(w->msg, strlen(w->msg), w->clean, sizeof(w->clean),
                   w->spans, TM_WORK_SPANS, &w->private);
    cat = tm__classify_errno(f->err, f->path);
    memset(&ev, 0, sizeof(ev));
    if (f->ts.tv_sec != 0) /* the time of the failure; a repeat count: now */
        tm__ts_format((int64_t)f->ts.tv_sec, f->ts.tv_nsec / 1000, ev.timestamp);
    else
        tm__ts_now(ev.timestamp);
    if (__atomic_load_n(&tm__shim.id_keyed, __ATOMIC_ACQUIRE))
        tm__id_seq(ev.id, tm__shim.id_key,
                   __atomic_fetch_add(&tm__shim.id_next, 1, __ATOMIC_RELAXED));
    else
        tm__id_new(ev.id);
    ev.repo = w->stored_repo;
    ev.agent = tm__shim.agent;
    ev.error_type = tm__errno_info(f->err)->type;
    ev.message = w->clean;
    ev.message_len = strlen(w->clean);
#define CTX(k, v)                                                              \
    w->ctx[nctx++] = (struct tm__ctx_item){k, TM_CTX_STR, v, strlen(v)}
    CTX("operation", tm__op_name(tm__calls[f->call].op));
    tm__file_type(f->path, w->ftype, sizeof(w->ftype));
    if (cat == TM_CAT_git_lock_conflict || cat == TM_CAT_lock_conflict)
        memcpy(w->ftype, "lock", 5);
    if (w->ftype[0])
        CTX("file_type", w->ftype);
    CTX("syscall", tm__calls[f->call].symbol);
    CTX("errno", tm__errno_info(f->err)->name);
    if (tm__calls[f->call].op == TM_OP_OPEN) {
        tm__flags_text(f->flags, w->flags, sizeof(w->flags));
        CTX("flags", w->flags);
    }
    CTX("category", tm__category_name(cat));
    if (f->searched > 1) { /* one event for a failed search (capture.c) */
        w->searched[tm__fmt_u64(w->searched, (uint64_t)f->searched)] = '\0';
        w->ctx[nctx++] = (struct tm__ctx_item){"searched", TM_CTX_RAW,
                                               w->searched, strlen(w->searched)};
    }
#undef CTX
    ev.ctx = w->ctx;
    ev.nctx = nctx;
    ev.source = "shim";
    ev.program = tm__shim.program;
    ev.pid = tm__proc.pid;
    ev.ppid = (int64_t)tm__proc_ppid(); /* the parent may be gone: asked again each second */
    ev.flags = TM_EV_PID | (ev.ppid >= 0 ? TM_EV_PPID : 0); /* 0: pid 1's */
    ev.run = tm__shim.cfg.run_id[0] ? tm__shim.cfg.run_id : NULL;
    ev.nframes = frames(w);
    ev.frames = w->frames;
    ev.nstack = w->npy > 0 ? stack(w) : 0;
    ev.stack = w->py;
    if (repeat > 0) {
        ev.flags |= TM_EV_REPEAT;
        ev.repeat = repeat;
    }
    if (fatal) {
        ev.flags |= TM_EV_FATAL | TM_EV_EXIT;
        ev.fatal = 1;
        ev.exit_status = exit_status;
    }
    lost = __atomic_exchange_n(&tm__shim.lost, 0, __ATOMIC_ACQ_REL);
    if (lost > 0) { /* the events this process could not store before */
        w->lost[tm__fmt_u64(w->lost, (uint64_t)lost)] = '\0';
        w->ctx[ev.nctx++] = (struct tm__ctx_item){"events_lost", TM_CTX_RAW,
                                                  w->lost, strlen(w->lost)};
    }
    {
        /* An event waits at most LOCK_WAIT_US for the lock.  Once one has
         * waited that long in vain (a clean holds it), the next ones wait
         * LOCK_BUSY_US, until the lock is had again: a long hold costs the
         * host one full wait, not one per failure.  What found no lock is
         * spooled. */
        int busy = __atomic_load_n(&tm__shim.lock_busy, __ATOMIC_RELAXED);
        struct tm__lock_wait wait = {busy ? LOCK_BUSY_US : LOCK_WAIT_US, 0};

        rc = tm__record_line(dfd, &ev, w->line, tm__shim.cfg.max_bytes, &wait);
        __atomic_store_n(&tm__shim.lock_busy, wait.missed, __ATOMIC_RELAXED);
    }
    if (rc != 0) {
        /* Not stored (a full disk, the file-size limit, ...): counted, and
         * said by the next event this process stores. */
        enum tm__emit_result why = storage_failure();
        __atomic_add_fetch(&tm__shim.lost, lost + 1, __ATOMIC_RELAXED);
        syscall(SYS_close, dfd);
        return why;
    }
    syscall(SYS_close, dfd);
    return TM_EMIT_DONE;
}

enum tm__emit_result tm__emit(struct tm__work *w, int fatal, int exit_status,
                              long repeat)
{
    int saved = errno;
    enum tm__emit_result r = emit(w, fatal, exit_status, repeat);

    errno = saved;
    return r;
}
