/*
 * record.c - the one record path (record.h).
 */
#include "record.h"

#include <string.h>

#include "spool.h"
#include "store.h"

size_t tm__scrub_room_out(const char *s, size_t n)
{
    return TM_SCRUB_OUT_SIZE(tm__scrub_cut(s, n, TM_SCRUB_INPUT_MAX));
}

size_t tm__scrub_room_spans(const char *s, size_t n)
{
    return tm__scrub_cut(s, n, TM_SCRUB_INPUT_MAX) + 16;
}

static int is_private(const struct tm__config *cfg, const char *repo)
{
    return tm__repo_is_private(repo, cfg->private_repos, cfg->hash_all);
}

void tm__record_private_word(const struct tm__config *cfg, const char *repo,
                             const char *stored, struct tm__scrub_word *w)
{
    w->word = is_private(cfg, repo) ? repo : NULL;
    w->marker = stored;
}

int tm__record_repo_needs_dir(const struct tm__config *cfg,
                              const struct tm__repo_key *k, const char *repo)
{
    return !k->loaded && is_private(cfg, repo);
}

int tm__record_repo(const struct tm__config *cfg, const char *dir,
                    struct tm__repo_key *k, const char *repo, char *out,
                    size_t cap, const struct tm__scrub_room *room)
{
    int rc;

    if (!is_private(cfg, repo)) {
        size_t n = strlen(repo);

        if (room->cap < tm__scrub_room_out(repo, n))
            return TM_EINVAL;
        tm__scrub(repo, n, room->out, room->cap, room->spans, room->nspans);
        return tm__strlcpy(out, room->out, cap) == 0 ? 0 : TM_EINVAL;
    }
    if (cap < TM_REPO_HASH_HEX + 1)
        return TM_EINVAL;
    if (!k->loaded) {
        rc = tm__hash_key_load(dir, cfg->has_hash_key ? cfg->hash_key : NULL,
                               k->key);
        if (rc != 0)
            return rc;
        k->loaded = 1;
    }
    tm__repo_hash(k->key, repo, out);
    return 0;
}

int tm__record_line(int dfd, const struct tm__event *ev, char *line,
                    long long max_bytes, struct tm__lock_wait *wait)
{
    struct tm__store_opts so = {.max_bytes = max_bytes, .wait_ms = wait ? 0 : -1,
                               .closes_dir = 1};
    size_t len = tm__event_encode(ev, line);
    int rc = tm__store_line_budget(dfd, ev->repo, line, len, &so,
                                   wait ? &wait->budget_us : NULL);

    if (wait != NULL && (wait->missed = rc == TM_EBUSY))
        rc = tm__spool_append(dfd, line, len);
    return rc;
}
