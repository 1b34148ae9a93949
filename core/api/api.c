/*
 * api.c - the public API of telemetry.h (the collector).
 */
#include "api.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "context.h"
#include "dir.h"
#include "event.h"
#include "privacy.h"
#include "sanitize.h"
#include "store.h"
#include "summary.h"

const char *tm_strerror(int code)
{
    switch (code) {
#define TM__MSG(name, value, msg) case value: return msg;
        TM_ERRNO_MAP(TM__MSG)
#undef TM__MSG
    default:
        return "unknown error";
    }
}

struct tm_collector *tm__collector_open(const struct tm__config *cfg, int *err)
{
    struct tm_collector *c = calloc(1, sizeof(*c));
    int fd;

    if (c == NULL) {
        if (err)
            *err = TM_ENOMEM;
        return NULL;
    }
    c->cfg = *cfg;
    /* The directory in use (the per-user default, say), normalized: the
     * later opens by path (events, the hash key) reach that one. */
    fd = tm__dir_use(cfg, 1, c->cfg.dir, sizeof(c->cfg.dir), NULL);
    if (fd < 0) {
        if (err)
            *err = fd;
        free(c);
        return NULL;
    }
    close(fd);
    pthread_mutex_init(&c->key_lock, NULL);
    return c;
}

tm_collector *tm_open(const char *dir, int *err)
{
    struct tm__config cfg = {0};

    tm__config_from_env(&cfg);
    if (dir != NULL) {
        if (*dir == '\0' || tm__strlcpy(cfg.dir, dir, sizeof(cfg.dir)) != 0) {
            if (err)
                *err = TM_EINVAL;
            return NULL;
        }
        cfg.dir_is_default = 0;
    }
    return tm__collector_open(&cfg, err);
}

void tm_close(tm_collector *c)
{
    if (c == NULL)
        return;
    pthread_mutex_destroy(&c->key_lock);
    memset(&c->key, 0, sizeof(c->key));
    free(c);
}

const char *tm_collector_dir(const tm_collector *c)
{
    return c->cfg.dir;
}

int tm_hash_repo_if_needed(tm_collector *c, const char *repo, char *out,
                           size_t outsz)
{
    struct tm__scrub_room room;
    int rc = TM_ENOMEM;

    if (c == NULL || repo == NULL || out == NULL || outsz == 0)
        return TM_EINVAL;
    room.cap = tm__scrub_room_out(repo, strlen(repo));
    room.nspans = tm__scrub_room_spans(repo, strlen(repo));
    room.out = malloc(room.cap);
    room.spans = malloc(room.nspans * sizeof(*room.spans));
    if (room.out != NULL && room.spans != NULL) {
        pthread_mutex_lock(&c->key_lock);
        rc = tm__record_repo(&c->cfg, c->cfg.dir, &c->key, repo, out, outsz,
                             &room);
        pthread_mutex_unlock(&c->key_lock);
    }
    free(room.out);
    free(room.spans);
    return rc;
}

static int nonempty(const char *s)
{
    return s != NULL && *s != '\0';
}

int tm__record(struct tm_collector *c, const char *repo, const char *agent,
               const char *error_type, const char *message,
               const cJSON *context, const char *source,
               char id_out[TM_ID_SIZE])
{
    struct tm__event ev;
    struct tm__ctx_buf *ctx = NULL;
    char stored_repo[TM_STORED_REPO_MAX], *line = NULL, *msg = NULL, *ag = NULL, *ty = NULL;
    struct tm__scrub_word rw;
    int rc, dfd = -1;

    if (c == NULL || !nonempty(repo) || !nonempty(agent) ||
        !nonempty(error_type) || !nonempty(message) || id_out == NULL)
        return TM_EINVAL;
    if ((rc = tm_hash_repo_if_needed(c, repo, stored_repo,
                                     sizeof(stored_repo))) != 0)
        return rc == TM_EINVAL ? TM_EINVAL : rc;
    /* A private repo's name is replaced by its hash wherever it stands. */
    tm__record_private_word(&c->cfg, repo, stored_repo, &rw);
    rc = TM_ENOMEM;
    msg = tm__scrub_word_dup(message, strlen(message), &rw);
    ag = tm__scrub_word_dup(agent, strlen(agent), &rw);
    ty = tm__scrub_word_dup(error_type, strlen(error_type), &rw);
    ctx = malloc(sizeof(*ctx));
    line = malloc(TM_LINE_MAX);
    if (msg == NULL || ag == NULL || ty == NULL || ctx == NULL || line == NULL)
        goto out;
    if ((rc = tm__ctx_filter(context, c->cfg.context_keys, ctx)) != 0 ||
        (rc = tm__ctx_replace_word(ctx, &rw)) != 0)
        goto out;
    tm__event_init(&ev);
    ev.repo = stored_repo;
    ev.agent = ag;
    ev.error_type = ty;
    ev.message = msg;
    ev.message_len = strlen(msg);
    ev.ctx = ctx->items;
    ev.nctx = ctx->n;
    ev.source = source;
    /* Recorded inside a run (TELEMETRY_RUN_ID when the collector opened):
     * the event is the run's (README "Runs"). */
    ev.run = c->cfg.run_id[0] ? c->cfg.run_id : NULL;
    dfd = tm__dir_open(c->cfg.dir);
    if (dfd < 0) {
        rc = dfd;
        goto out;
    }
    rc = tm__record_line(dfd, &ev, line, c->cfg.max_bytes, NULL);
    if (rc == 0)
        memcpy(id_out, ev.id, TM_ID_SIZE);
out:
    if (dfd >= 0)
        close(dfd);
    free(msg);
    free(ag);
    free(ty);
    free(ctx);
    free(line);
    return rc;
}

int tm_record_error(tm_collector *c, const char *repo, const char *agent,
                    const char *error_type, const char *message,
                    const cJSON *context, char id_out[TM_ID_SIZE])
{
    return tm__record(c, repo, agent, error_type, message, context, "api",
                      id_out);
}

cJSON *tm_error_summary(tm_collector *c, const tm_summary_opts *opts, int *err)
{
    struct tm__summary_filter f;
    int dummy, fd;
    cJSON *out;

    if (err == NULL)
        err = &dummy;
    if (c == NULL) {
        *err = TM_EINVAL;
        return NULL;
    }
    memset(&f, 0, sizeof(f));
    if (opts != NULL) {
        if (opts->since != NULL &&
            tm__ts_parse_bound(opts->since, (int64_t)time(NULL), f.since) != 0) {
            *err = TM_ETIME;
            return NULL;
        }
        f.repo = opts->repo;
        f.agent = opts->agent;
        f.run = opts->run;
        f.limit = opts->limit;
    }
    fd = tm__dir_open(c->cfg.dir);
    if (fd < 0) {
        *err = fd;
        return NULL;
    }
    out = tm__summary_build(fd, &f, err);
    close(fd);
    return out;
}

char *tm_sanitize_message(const char *message)
{
    if (message == NULL)
        return NULL;
    return tm__scrub_dup(message, strlen(message));
}

cJSON *tm_sanitize_context(const tm_collector *c, const cJSON *context)
{
    struct tm__ctx_buf *buf = malloc(sizeof(*buf));
    cJSON *out = NULL;

    if (buf == NULL)
        return NULL;
    if (tm__ctx_filter(context, c ? c->cfg.context_keys : NULL, buf) == 0)
        out = tm__ctx_to_json(buf);
    free(buf);
    return out;
}
