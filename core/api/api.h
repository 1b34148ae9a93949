/*
 * api.h - the collector behind the public API, shared with the CLI.
 */
#ifndef TM_COLLECTOR_H
#define TM_COLLECTOR_H

#include <pthread.h>

#include "config.h"
#include "hash.h"
#include "record.h"
#include "telemetry.h"

struct tm_collector {
    struct tm__config cfg;  /* dir is the directory in use */
    pthread_mutex_t key_lock; /* guards key */
    struct tm__repo_key key;  /* private repo names' key (record.h) */
};

/* Opens a collector on a complete configuration (the CLI applies its flags
 * first).  Creates the directory (parents too unless it is the default)
 * and checks it.  Returns a collector freed with tm_close(), or NULL with
 * *err set. */
struct tm_collector *tm__collector_open(const struct tm__config *cfg, int *err);

/* tm_record_error() with an explicit source ("api", "cli"). */
int tm__record(struct tm_collector *c, const char *repo, const char *agent,
               const char *error_type, const char *message,
               const cJSON *context, const char *source,
               char id_out[TM_ID_SIZE]);

#endif
