/*
 * cmd_record.c - `telemetry record`: one event by hand.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "api.h"
#include "context.h"
#include "event_parse.h"

/* Is s one JSON number, and short? */
static int json_number(const char *s)
{
    size_t n = strlen(s);

    return n > 0 && n < 64 && tm__json_number_len(s, n) == n;
}

/* K=V into obj; returns EXIT_OK, or EXIT_USAGE / EXIT_RUNTIME after a
 * message. */
static int add_context(cJSON *obj, const char *kv)
{
    const char *eq = strchr(kv, '=');
    char key[128];
    const char *v;
    cJSON *item;

    if (eq == NULL)
        return cli_usage("record", "--context needs KEY=VALUE, got '%s'", kv);
    if (eq == kv || (size_t)(eq - kv) >= sizeof(key))
        return cli_usage("record", "--context key must be 1 to 127 bytes");
    memcpy(key, kv, (size_t)(eq - kv));
    key[eq - kv] = '\0';
    v = eq + 1;
    if (strcmp(v, "true") == 0 || strcmp(v, "false") == 0)
        item = cJSON_CreateBool(strcmp(v, "true") == 0);
    else if (strcmp(v, "null") == 0)
        item = cJSON_CreateNull();
    else if (json_number(v) && isfinite(strtod(v, NULL)))
        item = cJSON_CreateNumber(strtod(v, NULL));
    else
        item = cJSON_CreateString(v);
    /* A repeated key: the last one wins. */
    cJSON_DeleteItemFromObjectCaseSensitive(obj, key);
    if (item == NULL || !cJSON_AddItemToObject(obj, key, item)) {
        cJSON_Delete(item);
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    return EXIT_OK;
}

/* Says on stderr, once per key (a repeated key is one item of ctx), which
 * --context keys the allow-list drops (README "Privacy"); the event is
 * recorded without them. */
static void warn_dropped(const cJSON *ctx, const char *extra)
{
    const cJSON *it;

    cJSON_ArrayForEach(it, ctx) {
        if (tm__ctx_key_rank(it->string, extra) >= 0)
            continue;
        fputs("telemetry: record: context key '", stderr);
        cli_put_text(stderr, it->string, 128);
        fprintf(stderr, "' is %s; not recorded (README \"Privacy\")\n",
                tm__ctx_key_sensitive(it->string)
                    ? "a secret's name"
                    : "not in the allow-list (TELEMETRY_CONTEXT_KEYS adds keys)");
    }
}

/* Most bytes of a message read from standard input; the rest is read and
 * dropped (the sanitizer keeps at most 64 KiB anyway). */
#define STDIN_MESSAGE_MAX (1 << 20)

/* Reads standard input for `--message -`.  Returns a string the caller
 * frees, or NULL when out of memory. */
static char *read_stdin_message(void)
{
    char *buf = malloc(STDIN_MESSAGE_MAX + 1), chunk[4096];
    size_t n = 0, got;

    if (buf == NULL)
        return NULL;
    while ((got = fread(n < STDIN_MESSAGE_MAX ? buf + n : chunk, 1,
                        n < STDIN_MESSAGE_MAX ? STDIN_MESSAGE_MAX - n
                                              : sizeof(chunk),
                        stdin)) > 0)
        if (n < STDIN_MESSAGE_MAX)
            n += got;
    /* A trailing newline belongs to the input, not to the message. */
    while (n > 0 && buf[n - 1] == '\n')
        n--;
    buf[n] = '\0';
    return buf;
}

int cmd_record(int argc, char **argv)
{
    static const struct option opts[] = {
        {"repo", required_argument, NULL, 'r'},
        {"agent", required_argument, NULL, 'a'},
        {"type", required_argument, NULL, 't'},
        {"message", required_argument, NULL, 'm'},
        {"context", required_argument, NULL, 'c'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    const char *repo = NULL, *agent = NULL, *type = NULL, *msg = NULL;
    const char *missing;
    char *stdin_msg = NULL;
    struct tm__config cfg = {0};
    struct tm_collector *c = NULL;
    char id[TM_ID_SIZE];
    cJSON *ctx = cJSON_CreateObject();
    int opt, err, rc = EXIT_OK;

    if (ctx == NULL) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (opt) {
        case 'r': repo = optarg; break;
        case 'a': agent = optarg; break;
        case 't': type = optarg; break;
        case 'm': msg = optarg; break;
        case 'c':
            if ((rc = add_context(ctx, optarg)) != EXIT_OK)
                goto out;
            break;
        default:
            if (cli_common_option("record", opt, &cfg, argv, &rc) == CLI_OPT_END)
                goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage("record", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    if (msg != NULL && strcmp(msg, "-") == 0 &&
        (msg = stdin_msg = read_stdin_message()) == NULL) {
        cli_error("out of memory");
        rc = EXIT_RUNTIME;
        goto out;
    }
    missing = !repo || !*repo     ? "--repo"
              : !agent || !*agent ? "--agent"
              : !type || !*type   ? "--type"
              : !msg || !*msg     ? "--message"
                                  : NULL;
    if (missing) {
        rc = cli_usage("record", "%s is required and must not be empty",
                       missing);
        goto out;
    }
    warn_dropped(ctx, cfg.context_keys);
    if ((c = cli_open(&cfg)) == NULL) {
        rc = EXIT_RUNTIME;
        goto out;
    }
    /* The store returns with errno from the system call that failed: the
     * reason (and its fix) the user needs on a full disk, say. */
    signal(SIGXFSZ, SIG_IGN); /* past ulimit -f: EFBIG, said below */
    errno = 0;
    if ((err = tm__record(c, repo, agent, type, msg, ctx, "cli", id)) != 0) {
        char what[4200];
        int saved = errno;
        snprintf(what, sizeof(what), "cannot record in '%s'", cfg.dir);
        cli_write_error(what, err, saved);
        rc = EXIT_RUNTIME;
        goto out;
    }
    puts(id);
out:
    if (c != NULL)
        tm_close(c);
    cJSON_Delete(ctx);
    free(stdin_msg);
    return rc;
}
