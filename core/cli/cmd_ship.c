/*
 * cmd_ship.c - `telemetry ship`: new events of the central log to a
 * ClickHouse table, then the new records of the run file (README "Runs")
 * to another, in batches, resuming where the last run stopped.
 *
 * Every run reads the rotated log and the live one from their start,
 * through the same grouper the local summary uses, so each event carries
 * the fingerprint and template the local summary would give it; only the
 * events past the saved position are sent.  The position is saved after
 * the server acknowledged a batch, never before: a failure sends that
 * batch again next time, and the table keeps one copy of each event.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ch.h"
#include "cli.h"
#include "evidence.h"
#include "log_reader.h"
#include "runs.h"
#include "spool_merge.h"
#include "ship_row.h"
#include "ship_state.h"
#include "store.h"
#include "summary.h"
#include "telemetry.h"

#define BATCH_DEFAULT 1000
#define BATCH_MAX 50000
#define BATCH_BYTES (16u << 20) /* a batch is sent once this big */

/* The parts of the log ship reads, in the reader's order (enum
 * tm__reader_part): the rotated file, then the live one (the spool joins
 * the live file first: open_parts()). */
#define SHIP_PARTS (TM_PART_LIVE + 1)

/* A log file of this run: the rotated one or the live one. */
struct part {
    int fd;
    struct stat st;
    const char *name;
};

struct ship {
    const char *url, *table, *name;
    int runs;        /* the run file (its records), not the central log */
    const char *log; /* TM_CENTRAL_LOG or TM_RUNS_LOG */
    struct tm__run_line rl; /* the run record of the current line */
    long batch;
    int dfd;
    long long max_bytes; /* TELEMETRY_MAX_BYTES: the spool merge rotates */
    struct ch_conn ch;
    struct ship_state st;
    struct part parts[SHIP_PARTS]; /* by enum tm__reader_part */
    int from;              /* part the saved position is in */
    unsigned long long from_off;
    struct tm__grouper grouper;
    char order_ts[128]; /* the latest timestamp so far along the log */
    struct ch_buf rows;
    long pending, sent, batches;
    struct ship_state next; /* the state once `rows` is acknowledged */
    int next_part;          /* the part next.offset is in; -1: not moved */
    unsigned long long done_bytes, total_bytes;
    int progress, shown;
    char scratch[TM_READER_BUF + 64];     /* the view of the current line */
    char ctx_scratch[TM_READER_BUF + 64]; /* its context's members */
};

/* Calls each(s, part, line, len, end) for every complete line of part p
 * (end: the offset past its '\n'), from the start of the file, until it
 * returns an exit code other than EXIT_OK (after a message).  A last line
 * without '\n' counts only in the rotated file (nothing appends to it any
 * more).  Returns EXIT_OK, or EXIT_RUNTIME after a message. */
static int each_line(struct ship *s, int p,
                     int (*each)(struct ship *, int, const char *, size_t,
                                 unsigned long long))
{
    struct tm__reader r;
    const char *line;
    size_t len;
    int rc;

    if (lseek(s->parts[p].fd, 0, SEEK_SET) != 0 ||
        tm__reader_open_fd(&r, s->parts[p].fd, p == TM_PART_ROTATED) != 0) {
        cli_error("cannot read %s: %s", s->parts[p].name, strerror(errno));
        return EXIT_RUNTIME;
    }
    while ((rc = tm__reader_next(&r, &line, &len)) == 1)
        if (each(s, p, line, len, tm__reader_offset(&r)) != EXIT_OK)
            break;
    tm__reader_close(&r);
    if (rc < 0)
        cli_error("cannot read %s: %s", s->parts[p].name, strerror(errno));
    return rc == 0 ? EXIT_OK : EXIT_RUNTIME;
}

static void progress(struct ship *s, int last)
{
    if (!s->progress)
        return;
    fprintf(stderr, "\rtelemetry: shipped %ld %s (%llu%%)%s", s->sent,
            s->runs ? "run records" : "events",
            s->total_bytes ? s->done_bytes * 100 / s->total_bytes : 100,
            last ? "\n" : "");
    s->shown = 1;
}

/* Sends the pending rows; on success saves the state they lead to.
 * Returns EXIT_OK, or EXIT_RUNTIME after a message. */
static int flush(struct ship *s)
{
    char query[160];

    if (s->pending > 0) {
        snprintf(query, sizeof(query), "INSERT INTO %s FORMAT JSONEachRow",
                 s->table);
        if (ch_exec(&s->ch, query, s->rows.data, s->rows.len, NULL) != 0) {
            if (s->shown)
                fputc('\n', stderr);
            cli_error("cannot ship to %s: %s (%ld %s sent before this "
                      "batch; the next run sends the rest)",
                      s->url, s->ch.err, s->sent,
                      s->runs ? "run records" : "events");
            return EXIT_RUNTIME;
        }
        s->sent += s->pending;
        s->batches++;
    }
    if (s->next_part >= 0 && ship_tail_hash(s->parts[s->next_part].fd,
                                            s->next.offset, &s->next.tail) != 0) {
        cli_error("cannot read %s: %s", s->parts[s->next_part].name,
                  strerror(errno));
        return EXIT_RUNTIME;
    }
    if (s->next.present &&
        memcmp(&s->next, &s->st, sizeof(s->st)) != 0 &&
        ship_state_save(s->dfd, s->name, &s->next, s->url, s->table) != 0) {
        cli_error("batch sent, but the ship state cannot be saved: %s (the "
                  "next run sends it again; the table keeps one copy)",
                  strerror(errno));
        return EXIT_RUNTIME;
    }
    s->st = s->next;
    s->pending = 0;
    s->rows.len = 0;
    s->rows.overflow = 0;
    progress(s, 0);
    return EXIT_OK;
}

/* Appends the row of one event (its line, its view) to the batch, sending
 * the batch first when the row no longer fits.  Returns EXIT_OK, or
 * EXIT_RUNTIME after a message. */
static int add_row(struct ship *s, const char *line, size_t len,
                   const struct tm__event_view *v, const struct ship_derived *d)
{
    char id[SHIP_ID_MAX + 1];
    int rc;

    ship_event_id(v, line, len, id);
    rc = ship_row(&s->rows, v, d, id, s->ctx_scratch, sizeof(s->ctx_scratch));
    if (rc != 0 && s->pending > 0) { /* no room left: send, then retry */
        if (flush(s) != EXIT_OK)
            return EXIT_RUNTIME;
        rc = ship_row(&s->rows, v, d, id, s->ctx_scratch, sizeof(s->ctx_scratch));
    }
    if (rc != 0) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    memcpy(s->next.last, id, sizeof(id));
    s->next.seq = d->seq;
    s->pending++;
    return EXIT_OK;
}

/* Appends the row of one run record; as add_row. */
static int add_run_row(struct ship *s, const char *line, size_t len)
{
    char id[SHIP_ID_MAX + 1];
    int rc;

    ship_run_id(line, len, id);
    rc = ship_run_row(&s->rows, &s->rl, id);
    if (rc != 0 && s->pending > 0) {
        if (flush(s) != EXIT_OK)
            return EXIT_RUNTIME;
        rc = ship_run_row(&s->rows, &s->rl, id);
    }
    if (rc != 0) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    memcpy(s->next.last, id, sizeof(id));
    s->next.seq++;
    s->pending++;
    return EXIT_OK;
}

/* One line at `end` in part p: an event is grouped always (the grouping
 * must see the whole log, as the local summary does) and sent when it
 * lies past the saved position; a line that is not an event only moves
 * the position. */
static int take(struct ship *s, int p, const char *line, size_t len,
                unsigned long long end)
{
    int send = p > s->from || (p == s->from && end > s->from_off);
    struct tm__event_view v;

    s->done_bytes += len + 1;
    if (s->runs) {
        const char *why;
        /* A line that is no run record only moves the position. */
        if (!send)
            return EXIT_OK;
        if (tm__run_line_parse(line, len, &s->rl, s->scratch,
                               sizeof(s->scratch), &why) == 0 &&
            add_run_row(s, line, len) != EXIT_OK)
            return EXIT_RUNTIME;
    } else if (tm__event_view_parse(line, len, &v, s->scratch, sizeof(s->scratch)) == 0) {
        char fp[TM_FP_HEX + 1], culprit[256];
        uint64_t id;
        struct tm__cluster *cl = tm__summary_group(&s->grouper, &v, &id);
        struct ship_derived d;

        if (strcmp(v.timestamp, s->order_ts) > 0)
            tm__strlcpy(s->order_ts, v.timestamp, sizeof(s->order_ts));
        if (!send)
            return EXIT_OK;
        tm__fp_hex(id, fp);
        d.fingerprint = fp;
        d.category = tm__category_name(tm__summary_category(&v));
        d.template_text = cl ? cl->text : "";
        tm__culprit(v.stack, v.nstack, v.frames, v.nframes, culprit,
                    sizeof(culprit));
        d.culprit = culprit;
        d.order_ts = s->order_ts;
        d.seq = s->next.seq + 1;
        if (add_row(s, line, len, &v, &d) != EXIT_OK)
            return EXIT_RUNTIME;
    } else if (!send) {
        return EXIT_OK;
    }
    s->next.present = 1;
    s->next.dev = (unsigned long long)s->parts[p].st.st_dev;
    s->next.ino = (unsigned long long)s->parts[p].st.st_ino;
    s->next.offset = end;
    s->next_part = p; /* the tail hash is taken when the state is saved */
    if (s->pending >= s->batch || s->rows.len >= BATCH_BYTES)
        return flush(s);
    return EXIT_OK;
}

/* Opens .1 and the live log together under the directory lock, so that no
 * rotation falls between the two.  The lock is exclusive: spooled events
 * of exited processes join the central log first, and are shipped with it
 * (README, "Storage").  Returns EXIT_OK, or EXIT_RUNTIME after a message. */
static int open_parts(struct ship *s)
{
    char rotated[64];
    const char *names[SHIP_PARTS];
    struct tm__store_opts so = {.max_bytes = s->max_bytes, .wait_ms = -1};
    struct tm__lock_held lk;
    int lkrc = tm__lock(s->dfd, 1, 30000, &lk), err, rc = EXIT_RUNTIME;

    snprintf(rotated, sizeof(rotated), "%s%s", s->log, TM_ROTATED_SUFFIX);
    names[TM_PART_ROTATED] = rotated;
    names[TM_PART_LIVE] = s->log;
    if (lkrc < 0) {
        cli_error("cannot lock the telemetry directory: %s", tm_strerror(lkrc));
        return EXIT_RUNTIME;
    }
    if (!s->runs && (err = tm__spool_merge(s->dfd, &so, NULL)) != 0)
        cli_error("spooled events stay in the spool for now: %s",
                  tm_strerror(err));
    for (int i = 0; i < SHIP_PARTS; i++) {
        struct part *p = &s->parts[i];
        p->name = i == TM_PART_ROTATED ? (s->runs ? TM_RUNS_LOG TM_ROTATED_SUFFIX
                                                  : TM_CENTRAL_LOG TM_ROTATED_SUFFIX)
                                       : s->log;
        if ((err = tm__reader_open_log(s->dfd, names[i], &p->fd)) != 0) {
            cli_error("cannot open %s: %s", names[i],
                      err == TM_ENOTREG ? tm_strerror(err) : strerror(errno));
            goto out;
        }
        if (p->fd >= 0 && fstat(p->fd, &p->st) != 0) {
            cli_error("cannot read %s: %s", names[i], strerror(errno));
            goto out;
        }
        if (p->fd >= 0)
            s->total_bytes += (unsigned long long)p->st.st_size;
    }
    rc = EXIT_OK;
out:
    tm__unlock(&lk);
    return rc;
}

/* Where the saved position is: the part with the saved identity whose
 * bytes before the offset are unchanged.  Returns 0 when found, else -1. */
static int find_by_identity(struct ship *s)
{
    for (int i = TM_PART_LIVE; i >= TM_PART_ROTATED; i--) {
        const struct part *p = &s->parts[i];
        uint64_t tail;
        if (p->fd < 0 || (unsigned long long)p->st.st_dev != s->st.dev ||
            (unsigned long long)p->st.st_ino != s->st.ino ||
            (unsigned long long)p->st.st_size < s->st.offset ||
            ship_tail_hash(p->fd, s->st.offset, &tail) != 0 || tail != s->st.tail)
            continue;
        s->from = i;
        s->from_off = s->st.offset;
        return 0;
    }
    return -1;
}

/* The last event sent, looked for by its id (read as take() reads it);
 * never ends the walk: returns EXIT_OK. */
static int id_seen(struct ship *s, int p, const char *line, size_t len,
                   unsigned long long end)
{
    struct tm__event_view v;
    char id[SHIP_ID_MAX + 1];

    if (s->runs) {
        ship_run_id(line, len, id);
        if (strcmp(id, s->st.last) == 0) {
            s->from = p;
            s->from_off = end;
        }
        return EXIT_OK;
    }
    if (tm__event_view_parse(line, len, &v, s->scratch, sizeof(s->scratch)) == 0 &&
        ship_line_has_id(&v, line, len, s->st.last)) {
        s->from = p;
        s->from_off = end;
    }
    return EXIT_OK;
}

/* The logs were rotated twice or rewritten since the last run: look for
 * the last event sent by its id.  Not found: everything is sent again.
 * Returns EXIT_OK, or EXIT_RUNTIME after a message. */
static int find_by_id(struct ship *s)
{
    s->from = TM_PART_ROTATED;
    s->from_off = 0;
    for (int i = 0; s->st.last[0] && i < SHIP_PARTS; i++)
        if (s->parts[i].fd >= 0 && each_line(s, i, id_seen) != EXIT_OK)
            return EXIT_RUNTIME;
    if (s->from == TM_PART_ROTATED && s->from_off == 0 && s->total_bytes > 0)
        cli_error("note: the last %s shipped is no longer in %s "
                  "(rotated twice or cleaned since); sending every one "
                  "again, the table keeps one copy of each",
                  s->runs ? "run record" : "event", s->log);
    return EXIT_OK;
}

/* A table an older telemetry made gets the columns added since. */
static int upgrade(struct ship *s)
{
    struct ch_buf q = {0}, desc = {0}, alter = {0};
    int rc = EXIT_RUNTIME;

    s->ch.err[0] = '\0';
    ch_buf_printf(&q, "DESCRIBE TABLE %s", s->table);
    if (q.overflow || ch_exec(&s->ch, NULL, q.data, q.len, &desc) != 0 ||
        ship_upgrade_sql(desc.data ? desc.data : "", desc.len, s->table,
                         &alter) != 0 ||
        (alter.len > 0 &&
         ch_exec(&s->ch, NULL, alter.data, alter.len, NULL) != 0))
        cli_error("cannot ship to %s: %s", s->url,
                  s->ch.err[0] ? s->ch.err : "out of memory");
    else
        rc = EXIT_OK;
    ch_buf_free(&q);
    ch_buf_free(&desc);
    ch_buf_free(&alter);
    return rc;
}

/* Creates the table and sends what is new.  Returns EXIT_OK, or
 * EXIT_RUNTIME after a message. */
static int run(struct ship *s)
{
    struct ch_buf sql[2] = {{0}, {0}}; /* the database, the table */
    int rc = EXIT_RUNTIME;

    /* The table first: a server that is down fails here, nothing read. */
    if ((s->runs ? ship_runs_create_sql(&sql[0], &sql[1], s->table)
                 : ship_create_sql(&sql[0], &sql[1], s->table)) != 0) {
        cli_error("out of memory");
        goto out;
    }
    for (int i = 0; i < 2; i++)
        if (sql[i].len > 0 &&
            ch_exec(&s->ch, NULL, sql[i].data, sql[i].len, NULL) != 0) {
            cli_error("cannot ship to %s: %s", s->url, s->ch.err);
            goto out;
        }
    if (!s->runs && upgrade(s) != EXIT_OK)
        goto out;
    if (open_parts(s) != EXIT_OK)
        goto out;
    s->from = TM_PART_ROTATED;
    s->from_off = 0;
    if (s->st.present && find_by_identity(s) != 0 && find_by_id(s) != EXIT_OK)
        goto out;
    s->next = s->st;
    s->next_part = -1;
    for (int i = 0; i < SHIP_PARTS; i++)
        if (s->parts[i].fd >= 0 && each_line(s, i, take) != EXIT_OK)
            goto out;
    rc = flush(s);
out:
    ch_buf_free(&sql[0]);
    ch_buf_free(&sql[1]);
    return rc;
}

/* Ships one file (the central log, or the run file when `runs`) to
 * `table`, from where the last ship to that table stopped.  Returns
 * EXIT_OK, or EXIT_RUNTIME after a message. */
static int ship_file(const char *url, const char *table, int runs, long batch,
                     const struct tm__config *cfg, int dfd)
{
    struct ship *s = calloc(1, sizeof(*s));
    char why[256], name[32];
    int rc = EXIT_RUNTIME, lockfd = -1;

    if (s == NULL) {
        cli_error("out of memory");
        return EXIT_RUNTIME;
    }
    s->url = url;
    s->table = table;
    s->runs = runs;
    s->log = runs ? TM_RUNS_LOG : TM_CENTRAL_LOG;
    s->batch = batch;
    s->dfd = dfd;
    s->parts[TM_PART_ROTATED].fd = s->parts[TM_PART_LIVE].fd = -1;
    ship_state_name(url, table, name);
    s->name = name;
    s->max_bytes = cfg->max_bytes;
    if ((lockfd = ship_lock(s->dfd, name)) < 0) {
        cli_error(lockfd == SHIP_LOCK_BUSY ? "another 'telemetry ship' to this table is "
                                 "running in %s"
                               : "cannot lock the ship state in %s", cfg->dir);
        goto out;
    }
    if (ship_state_load(s->dfd, name, &s->st, why, sizeof(why)) != 0) {
        cli_error("%s", why);
        goto out;
    }
    if (ch_open(&s->ch, s->url) != 0) {
        cli_error("%s", s->ch.err);
        goto out;
    }
    /* A batch is sent once past BATCH_BYTES; its last row may come from a
     * line as long as the reader takes, and is at most about three times
     * that line (the context is sent twice). */
    s->rows.max = BATCH_BYTES + 4 * TM_READER_BUF;
    s->progress = isatty(STDERR_FILENO);
    tm__grouper_init(&s->grouper, TM_MAX_GROUPS);
    if ((rc = run(s)) == EXIT_OK) {
        progress(s, 1);
        printf("shipped %ld %s to %s in %ld batches\n", s->sent,
               runs ? "run records" : "events", s->table, s->batches);
    }
out:
    tm__grouper_free(&s->grouper); /* zeroed by calloc until initialised */
    ch_close(&s->ch);
    for (int i = 0; i < SHIP_PARTS; i++)
        if (s->parts[i].fd >= 0)
            close(s->parts[i].fd);
    if (lockfd >= 0)
        close(lockfd);
    ch_buf_free(&s->rows);
    free(s);
    return rc;
}

int cmd_ship(int argc, char **argv)
{
    static const struct option opts[] = {
        {"clickhouse", required_argument, NULL, 'c'},
        {"table", required_argument, NULL, 't'},
        {"runs-table", required_argument, NULL, 'R'},
        {"batch", required_argument, NULL, 'b'},
        {"dir", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct tm__config cfg = {0};
    const char *url = NULL, *table = CH_DEFAULT_TABLE;
    const char *runs_table = CH_DEFAULT_RUNS_TABLE;
    long batch = BATCH_DEFAULT;
    char why[256];
    int opt, rc, dfd;

    tm__config_from_env(&cfg);
    cli_getopt_reset();
    while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': url = optarg; break;
        case 't': table = optarg; break;
        case 'R': runs_table = optarg; break;
        case 'b':
            if (cli_parse_count(optarg, BATCH_MAX, &batch) != 0)
                return cli_usage("ship", "--batch needs a number from 1 to %d",
                                 BATCH_MAX);
            break;
        default:
            if (cli_common_option("ship", opt, &cfg, argv, &rc) == CLI_OPT_END)
                return rc;
        }
    }
    if (optind < argc)
        return cli_usage("ship", "unexpected argument '%s'", argv[optind]);
    if (url == NULL)
        return cli_usage("ship", "--clickhouse URL is required");
    if (ch_check_target(url, table, why, sizeof(why)) != 0)
        return cli_usage("ship", "%s", why);
    if (ch_check_table(runs_table) != 0)
        return cli_usage("ship", "--runs-table '%s' is not NAME or DB.NAME "
                                 "(letters, digits, '_')", runs_table);
    if (strcmp(table, runs_table) == 0)
        return cli_usage("ship", "--table and --runs-table must differ");
    if ((dfd = cli_open_dir(&cfg)) < 0)
        return EXIT_RUNTIME;
    rc = ship_file(url, table, 0, batch, &cfg, dfd);
    if (rc == EXIT_OK)
        rc = ship_file(url, runs_table, 1, batch, &cfg, dfd);
    close(dfd);
    return rc;
}
