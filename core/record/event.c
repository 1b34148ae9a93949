/*
 * event.c - event ids and the one-line JSON encoder (see event.h).
 */
#include "event.h"

#include <string.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "jsonw.h"

/* Escaped-size budgets: the required fields together stay well under
 * TM_LINE_MAX, so only optional entries can ever be left out. */
#define ESC_NAME 512
#define ESC_MESSAGE 4096
#define ESC_CTX_VALUE 768
#define TAIL_RESERVE 640 /* id and scalar extensions after the context */

static uint64_t mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

void tm__id_new(char out[TM_ID_SIZE])
{
    static unsigned long seq;
    uint64_t v = 0;

    /* the system call, not getrandom(): that one alone would add a symbol
     * version for the loader to check in every process the shim is in */
    if (syscall(SYS_getrandom, &v, sizeof(v), GRND_NONBLOCK) != (long)sizeof(v)) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        v = mix64((uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec);
        v = mix64(v ^ ((uint64_t)getpid() << 32) ^
                  (uint64_t)syscall(SYS_gettid));
        v = mix64(v ^ __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
    }
    tm__fmt_hex(out, v, 16);
    out[16] = '\0';
}

void tm__id_seq(char out[TM_ID_SIZE], uint64_t key, uint64_t n)
{
    /* mix64 is a bijection: distinct n, distinct ids under one key */
    tm__fmt_hex(out, mix64(key + n * 0x9e3779b97f4a7c15ULL), 16);
    out[16] = '\0';
}

int tm__run_id_valid(const char *s)
{
    int i = 0;

    if (s == NULL)
        return 0;
    for (; s[i] && i <= TM_RUN_ID_LEN; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return i == TM_RUN_ID_LEN;
}

void tm__event_init(struct tm__event *ev)
{
    memset(ev, 0, sizeof(*ev));
    tm__ts_now(ev->timestamp);
    tm__id_new(ev->id);
}

static void encode_context(struct tm__jw *w, const struct tm__event *ev)
{
    int first = 1;

    TM_JW_LIT(w, ",\"context\":{");
    for (int i = 0; i < ev->nctx && i < TM_CTX_MAX; i++) {
        const struct tm__ctx_item *it = &ev->ctx[i];
        size_t mark = w->len;

        if (!first)
            tm__jw_char(w, ',');
        tm__jw_str(w, it->key, strlen(it->key), 64, 128);
        tm__jw_char(w, ':');
        if (it->kind == TM_CTX_RAW)
            tm__jw_raw(w, it->val, it->len);
        else
            tm__jw_str(w, it->val, it->len, TM_CTX_VALUE_MAX, ESC_CTX_VALUE);
        if (w->overflow) { /* leave this entry out, keep the rest */
            w->overflow = 0;
            w->len = mark;
            continue;
        }
        first = 0;
    }
    tm__jw_char(w, '}');
}

/* An array of strings (backtrace, stack): the entries that fit. */
static void encode_list(struct tm__jw *w, const char *lit, size_t litlen,
                        const char *const *list, int n, size_t max)
{
    size_t start = w->len, enc = 0, enclen = 0, len, prevlen = 0;

    tm__jw_raw(w, lit, litlen);
    if (w->overflow) { /* not even its opening: no list, not a lone ']' */
        w->overflow = 0;
        w->len = start;
        return;
    }
    for (int i = 0; i < n && i < TM_FRAMES_MAX; i++) {
        size_t mark = w->len;

        if (i > 0)
            tm__jw_char(w, ',');
        len = strlen(list[i]);
        /* An entry equal to the one before (a recursion's frames): the
         * same encoding copied, not escaped again. */
        if (i > 0 && len == prevlen && memcmp(list[i], list[i - 1], len) == 0) {
            tm__jw_raw(w, w->buf + enc, enclen);
        } else {
            enc = w->len;
            tm__jw_str(w, list[i], len, max, 2 * max);
            enclen = w->len - enc;
        }
        prevlen = len;
        if (w->overflow) {
            w->overflow = 0;
            w->len = mark;
            break;
        }
    }
    tm__jw_char(w, ']');
    if (w->overflow) {
        w->overflow = 0;
        w->len = start;
    }
}

size_t tm__event_encode(const struct tm__event *ev, char *buf)
{
    struct tm__jw w;
    size_t full = TM_LINE_MAX - 2; /* room for '}' and '\n' */

    tm__jw_init(&w, buf, full - TAIL_RESERVE);
    TM_JW_LIT(&w, "{\"timestamp\":\"");
    tm__jw_raw(&w, ev->timestamp, strlen(ev->timestamp));
    tm__jw_char(&w, '"');
    tm__jw_field_str(&w, "repo", ev->repo, TM_NAME_MAX, ESC_NAME);
    tm__jw_field_str(&w, "agent", ev->agent, TM_AGENT_MAX, ESC_NAME);
    tm__jw_field_str(&w, "error_type", ev->error_type, TM_NAME_MAX, ESC_NAME);
    TM_JW_LIT(&w, ",\"error_message\":");
    tm__jw_str(&w, ev->message ? ev->message : "",
               ev->message ? ev->message_len : 0, TM_MESSAGE_MAX, ESC_MESSAGE);
    encode_context(&w, ev);

    w.cap = full;
    TM_JW_LIT(&w, ",\"telemetry_id\":\"");
    tm__jw_raw(&w, ev->id, strlen(ev->id));
    tm__jw_char(&w, '"');
    if (ev->source)
        tm__jw_field_str(&w, "source", ev->source, 16, 32);
    if (ev->program)
        tm__jw_field_str(&w, "program", ev->program, TM_NAME_MAX, 256);
    if (ev->flags & TM_EV_PID) {
        TM_JW_LIT(&w, ",\"pid\":");
        tm__jw_i64(&w, ev->pid);
    }
    if (ev->flags & TM_EV_PPID) {
        TM_JW_LIT(&w, ",\"ppid\":");
        tm__jw_i64(&w, ev->ppid);
    }
    if (ev->run && tm__run_id_valid(ev->run))
        tm__jw_field_str(&w, "run", ev->run, TM_RUN_ID_LEN, TM_RUN_ID_LEN);
    /* The backtrace takes what is left but the last few scalars' room. */
    w.cap = full - 128;
    if (ev->nframes > 0)
        encode_list(&w, ",\"backtrace\":[", 14, ev->frames, ev->nframes, 256);
    if (ev->nstack > 0)
        encode_list(&w, ",\"stack\":[", 10, ev->stack, ev->nstack, 384);
    w.cap = full;
    if (ev->flags & TM_EV_REPEAT) {
        TM_JW_LIT(&w, ",\"repeat\":");
        tm__jw_i64(&w, ev->repeat);
    }
    if (ev->flags & TM_EV_FATAL)
        tm__jw_raw(&w, ev->fatal ? ",\"fatal\":true" : ",\"fatal\":false",
                   ev->fatal ? 13 : 14);
    if (ev->flags & TM_EV_EXIT) {
        TM_JW_LIT(&w, ",\"exit_status\":");
        tm__jw_i64(&w, ev->exit_status);
    }
    if (ev->fingerprint)
        tm__jw_field_str(&w, "fingerprint", ev->fingerprint, 16, 16);
    w.cap = TM_LINE_MAX;
    TM_JW_LIT(&w, "}\n");
    return w.len;
}
