/*
 * summary_pipe.c - lines parsed and masked on every core, handed over in
 * order (see summary_pipe.h).
 *
 * Every thread, the caller's included, owns chunks of its own and runs one
 * loop: hand over the next chunk in log order when it is one of its own,
 * ready, and nobody is handing over; else fill a free chunk of its own from
 * the reader (one filler at a time: the reader is not shared) and parse
 * it; else wait.  Chunks get their sequence number when filled, so the
 * order of the log is the order of the hand-over.
 */
#include "summary_pipe.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "summary.h"
#include "telemetry.h"

#define CHUNK_LINES 256
/* Room for one line of any length the reader returns: its bytes, its
 * decoded strings (tm__event_read: the length plus a little) and its
 * masked message. */
#define LINE_ROOM(len) (2 * (len) + 64 + TM_TEMPLATE_MAX)
#define ARENA (LINE_ROOM((size_t)TM_READER_BUF) + 64)

enum { FREE, BUSY, READY };

struct chunk {
    int state;                 /* FREE, BUSY (filled / parsed), READY */
    unsigned long long seq;    /* its place in the log, when not FREE */
    size_t n, used;            /* lines, and the bytes they take */
    size_t budget;             /* the room their parsing may take */
    char *arena;               /* owned: ARENA bytes */
    struct tm__pipe_item *items; /* owned: CHUNK_LINES */
};

struct pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct tm__reader *r;           /* used by the filler only */
    const struct tm__grouper *g;
    tm__pipe_fn each;
    void *arg;
    struct chunk *chunks;           /* owned */
    int nchunks, per;               /* chunks, and each thread's share */
    int filling, handing, eof, err;
    unsigned long long next_fill, next_hand;
    const char *pending;            /* a line read that did not fit */
    size_t pending_len;
};

void tm__pipe_group_input(const struct tm__event_view *v,
                          struct tm__group_input *in)
{
    in->error_type = v->error_type;
    in->message = v->error_message;
    in->repo = v->repo;
    in->agent = v->agent;
    in->source = v->source;
    in->category = v->category;
    in->program = v->program;
    in->frames = v->frames;
    in->nframes = v->nframes;
    in->stack = v->stack;
    in->nstack = v->nstack;
}

int tm__pipe_threads(void)
{
    const char *v = getenv("TELEMETRY_THREADS");
    cpu_set_t set;
    int n;

    if (v != NULL && *v != '\0') {
        char *end;
        long x;
        errno = 0;
        x = strtol(v, &end, 10);
        if (errno == 0 && *end == '\0' && x >= 1 && x <= TM_PIPE_MAX_THREADS)
            return (int)x;
    }
    if (sched_getaffinity(0, sizeof(set), &set) != 0)
        return 1;
    n = CPU_COUNT(&set);
    return n < 1 ? 1 : n > 4 ? 4 : n;
}

/* Fills c from the reader (the caller is the one filler).  Returns 1 when
 * more may follow, 0 at the end, or the reader's error. */
static int fill(struct pipe *p, struct chunk *c)
{
    c->n = 0;
    c->used = 0;
    c->budget = 0;
    for (;;) {
        const char *line;
        size_t len;
        if (p->pending != NULL) {
            line = p->pending;
            len = p->pending_len;
            p->pending = NULL;
        } else {
            int rc = tm__reader_next(p->r, &line, &len);
            if (rc <= 0)
                return rc;
            if (len == 0)
                continue;
        }
        if (c->n == CHUNK_LINES || ARENA - c->budget < LINE_ROOM(len)) {
            p->pending = line; /* valid until the reader is called again */
            p->pending_len = len;
            return 1;
        }
        memcpy(c->arena + c->used, line, len);
        c->items[c->n].line = c->arena + c->used;
        c->items[c->n].len = len;
        c->used += len;
        c->budget += LINE_ROOM(len);
        c->n++;
    }
}

static void key(struct tm__pipe_key *k, const char *s)
{
    k->s = s;
    k->n = strlen(s);
    k->h = tm__counter_hash(s, k->n);
}

/* The part of each line that depends on the line alone. */
static void parse(const struct pipe *p, struct chunk *c)
{
    /* After the lines, each line's decoded strings and masked message,
     * packed: the room they take, not the most they could (the budget),
     * so that a chunk stays in the cache of the core that parsed it. */
    char *scratch = c->arena + c->used;

    for (size_t i = 0; i < c->n; i++) {
        struct tm__pipe_item *it = &c->items[i];
        struct tm__group_input in;

        it->ok = tm__event_read_inplace(it->line, it->len, &it->v,
                                        scratch, it->len + 64) == 0;
        if (!it->ok)
            continue;
        tm__pipe_group_input(&it->v, &in);
        tm__group_prepare(p->g, &in, scratch + it->len + 64, TM_TEMPLATE_MAX,
                          &it->g);
        it->cat = tm__summary_category(&it->v);
        it->missing_module = strstr(it->v.error_message, "No module named '") != NULL;
        it->weight = tm__summary_weight(&it->v);
        key(&it->type, it->v.error_type);
        key(&it->agent, it->v.agent);
        key(&it->repo, it->v.repo);
        scratch += it->len + 64 + it->g.mlen + 1;
    }
}

/* A chunk of thread `me` in `state` (READY: the one numbered seq).  Each
 * thread fills, parses and hands over chunks of its own: their bytes stay
 * in the cache of its core (a chunk another core wrote last is cache
 * misses to fill and parse: 6% of the CPU time on two cores). */
static struct chunk *find(struct pipe *p, int state, unsigned long long seq,
                          int me)
{
    for (int i = me * p->per; i < (me + 1) * p->per; i++)
        if (p->chunks[i].state == state &&
            (state == FREE || p->chunks[i].seq == seq))
            return &p->chunks[i];
    return NULL;
}

/* One thread's part: `me` is its number. */
struct worker {
    struct pipe *p;
    int me;
};

static void *loop(void *arg)
{
    struct pipe *p = ((struct worker *)arg)->p;
    int me = ((struct worker *)arg)->me;
    struct chunk *c;

    pthread_mutex_lock(&p->mu);
    for (;;) {
        if (p->err != 0)
            break;
        /* The thread that parsed a chunk hands it over: its lines are in
         * that core's cache, and what the hand-over changes (a few
         * tables) is less to move between cores than a chunk. */
        if (!p->handing && (c = find(p, READY, p->next_hand, me)) != NULL) {
            p->handing = 1;
            pthread_mutex_unlock(&p->mu);
            for (size_t i = 0; i < c->n; i++)
                p->each(p->arg, &c->items[i]);
            pthread_mutex_lock(&p->mu);
            c->state = FREE;
            p->next_hand++;
            p->handing = 0;
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        if (!p->eof && !p->filling && (c = find(p, FREE, 0, me)) != NULL) {
            int rc;
            p->filling = 1;
            c->state = BUSY;
            pthread_mutex_unlock(&p->mu);
            rc = fill(p, c);
            pthread_mutex_lock(&p->mu);
            p->filling = 0;
            if (rc < 0) {
                p->err = rc;
                c->state = FREE;
            } else {
                p->eof = rc == 0;
                if (c->n == 0) {
                    c->state = FREE;
                } else {
                    c->seq = p->next_fill++;
                    pthread_cond_broadcast(&p->cv); /* the next may fill */
                    pthread_mutex_unlock(&p->mu);
                    parse(p, c);
                    pthread_mutex_lock(&p->mu);
                    c->state = READY;
                }
            }
            pthread_cond_broadcast(&p->cv);
            continue;
        }
        if (p->eof && !p->filling && p->next_hand == p->next_fill)
            break;
        pthread_cond_wait(&p->cv, &p->mu);
    }
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

int tm__pipe_run(struct tm__reader *r, const struct tm__grouper *g,
                 int threads, tm__pipe_fn each, void *arg)
{
    struct pipe p;
    pthread_t tid[TM_PIPE_MAX_THREADS];
    struct worker w[TM_PIPE_MAX_THREADS];
    int started = 0, rc;

    if (threads < 1)
        threads = 1;
    if (threads > TM_PIPE_MAX_THREADS)
        threads = TM_PIPE_MAX_THREADS;
    memset(&p, 0, sizeof(p));
    p.r = r;
    p.g = g;
    p.each = each;
    p.arg = arg;
    p.per = threads == 1 ? 1 : 2;
    p.nchunks = p.per * threads;
    p.chunks = calloc((size_t)p.nchunks, sizeof(*p.chunks));
    if (p.chunks == NULL)
        return TM_ENOMEM;
    for (int i = 0; i < p.nchunks; i++) {
        p.chunks[i].arena = malloc(ARENA);
        p.chunks[i].items = malloc(CHUNK_LINES * sizeof(struct tm__pipe_item));
        if (p.chunks[i].arena == NULL || p.chunks[i].items == NULL) {
            p.nchunks = i + 1;
            rc = TM_ENOMEM;
            goto out;
        }
    }
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    if (threads > 1) {
        /* Signals stay the caller's thread's to take. */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        for (; started < threads - 1; started++) {
            w[started + 1].p = &p;
            w[started + 1].me = started + 1;
            if (pthread_create(&tid[started], NULL, loop, &w[started + 1]) != 0)
                break; /* fewer threads: the same result, later */
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    w[0].p = &p;
    w[0].me = 0;
    loop(&w[0]);
    for (int i = 0; i < started; i++)
        pthread_join(tid[i], NULL);
    pthread_cond_destroy(&p.cv);
    pthread_mutex_destroy(&p.mu);
    rc = p.err;
out:
    for (int i = 0; i < p.nchunks; i++) {
        free(p.chunks[i].arena);
        free(p.chunks[i].items);
    }
    free(p.chunks);
    return rc;
}
