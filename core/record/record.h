/*
 * record.h - the one path by which an event is stored, for the shim and
 * for the API and CLI (core/api/api.c) alike: what is private in the repo
 * name, and how an encoded line reaches the directory.
 *
 * Allocation-free and built on raw system calls (the shim's failure path
 * calls it); the scratch room is the caller's.
 */
#ifndef TM_RECORD_H
#define TM_RECORD_H

#include <stddef.h>

#include "config.h"
#include "event.h"
#include "hash.h"
#include "sanitize.h"

/* The key of private repo names, loaded from the directory at its first
 * use and kept by the caller (a collector, the shim's process state). */
struct tm__repo_key {
    int loaded;
    unsigned char key[TM_HASH_KEY_BYTES];
};

/* Room for a repo name as stored, the NUL included: a longer result is
 * refused, never cut. */
#define TM_STORED_REPO_MAX 512

/* Scratch room for the scrubber, the caller's: the shim's work area, or
 * what the API allocates for the input at hand (tm__scrub_room_for). */
struct tm__scrub_room {
    char *out;               /* TM_SCRUB_OUT_SIZE(input) bytes suffice */
    size_t cap;
    struct tm__span *spans;  /* input + 16 spans suffice */
    size_t nspans;
};

/* The output bytes and spans a room needs for s[0..n) (what the scrubber
 * reads of it: at most TM_SCRUB_INPUT_MAX). */
size_t tm__scrub_room_out(const char *s, size_t n);
size_t tm__scrub_room_spans(const char *s, size_t n);

/*
 * The repo as stored (README, "Privacy"): the name scrubbed, or its keyed
 * hash when the configuration makes it private (`dir`: the directory in
 * use, which holds the key; loaded into *k once per holder of k).  Returns
 * 0; TM_EINVAL when out (cap bytes) is too short for the result, or room
 * too small for the name (never cut: a name is stored whole or not at
 * all); the key's error when a private name has no key (a private name is
 * never written in clear).
 */
int tm__record_repo(const struct tm__config *cfg, const char *dir,
                    struct tm__repo_key *k, const char *repo, char *out,
                    size_t cap, const struct tm__scrub_room *room);

/* The word an event's text must not hold in clear (README, "Privacy"): a
 * private repo's name, replaced by `stored` (its hash) wherever it stands
 * as a whole word; w->word is NULL when the repo is stored in clear. */
void tm__record_private_word(const struct tm__config *cfg, const char *repo,
                             const char *stored, struct tm__scrub_word *w);

/* Does tm__record_repo need `dir` for this name (private, and the key not
 * loaded yet)?  A caller that finds the directory only on demand asks. */
int tm__record_repo_needs_dir(const struct tm__config *cfg,
                              const struct tm__repo_key *k, const char *repo);

/* A bounded wait for the directory lock. */
struct tm__lock_wait {
    int budget_us; /* microseconds of elapsed time, decremented */
    int missed;    /* set: the lock was not had, the line was spooled */
};

/*
 * Encodes ev (its strings already as stored) into line (TM_LINE_MAX bytes)
 * and appends it to the logs of the directory dfd (tm__store_line); the
 * caller closes dfd once this returns, which releases the shared lock taken
 * on it (store.h: one system call less per event).  With
 * wait NULL it waits for the directory lock as long as it takes; otherwise
 * at most wait->budget_us, and a line that found no lock goes to the
 * process's spool (spool.h).  Returns 0 or a TM_* code with errno from the
 * storage.
 */
int tm__record_line(int dfd, const struct tm__event *ev, char *line,
                    long long max_bytes, struct tm__lock_wait *wait);

#endif
