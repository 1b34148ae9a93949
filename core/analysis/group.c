/*
 * group.c - fingerprints from evidence, templates from clusters (see
 * group.h).
 */
#include "group.h"

#include <string.h>

#include "classify.h"
#include "evidence.h"
#include "hash.h"
#include "jsonw.h"
#include "mask.h"
#include "strutil.h"

void tm__grouper_init(struct tm__grouper *g, size_t max)
{
    tm__drain_init(&g->drain, max);
    g->mask_off = 0;
    g->no_tree = 0;
}

int tm__grouper_ablate(struct tm__grouper *g, const char *name)
{
#define TM__ABLATE(id, mbits, dbits, tree, what)                                \
    if (strcmp(name, #id) == 0) {                                              \
        g->mask_off |= (mbits);                                                \
        g->drain.off |= (dbits);                                              \
        g->no_tree |= (tree);                                                  \
        return 0;                                                              \
    }
    TM_GROUP_ABLATIONS(TM__ABLATE)
#undef TM__ABLATE
    return -1;
}

void tm__grouper_free(struct tm__grouper *g)
{
    tm__drain_free(&g->drain);
}

void tm__fp_hex(uint64_t fp, char out[TM_FP_HEX + 1])
{
    tm__fmt_hex(out, fp, TM_FP_HEX);
    out[TM_FP_HEX] = '\0';
}

/* The shim's evidence: category, path class and the culprit - the Python
 * stack's (file and function, not the line), else the top in-app native
 * frame, else the program. */
static uint64_t evidence_fp(const struct tm__group_input *in)
{
    char top[512], key[1024];
    const char *path = NULL, *culprit = tm__stack_culprit(in->stack, in->nstack);
    size_t plen = tm__message_path(in->message, &path);
    enum tm__path_class pc = tm__path_class(path, plen);
    struct tm__buf k = {key, sizeof(key), 0};

    if (culprit != NULL) {
        memcpy(top, "py:", 3);
        tm__culprit_key(culprit, top + 3, sizeof(top) - 3);
    } else {
        tm__top_frame(in->frames, in->nframes, top, sizeof(top));
    }
    /* appended, not snprintf'd: the same bytes (cut at the buffer's end)
     * for a tenth of the instructions, once per shim event */
    tm__buf_putn(&k, "shim\x1f", 5);
    tm__buf_put(&k, in->category ? in->category : "");
    tm__buf_putn(&k, "\x1f", 1);
    tm__buf_put(&k, tm__path_class_name(pc));
    tm__buf_putn(&k, "\x1f", 1);
    tm__buf_put(&k, top[0] ? top : (in->program ? in->program : ""));
    return tm__hash64(key, k.len);
}

void tm__group_prepare(const struct tm__grouper *g,
                       const struct tm__group_input *in, char *out, size_t cap,
                       struct tm__group_prep *p)
{
    const char *type = in->error_type ? in->error_type : "";
    size_t msglen = strlen(in->message);

    p->masked = out;
    p->mlen = tm__mask_off(in->message, msglen, in->repo, in->agent, out, cap,
                           g->mask_off);
    p->shim = in->source && strcmp(in->source, "shim") == 0 && in->category;
    if (p->shim) {
        p->fp = evidence_fp(in);
        tm__fp_hex(p->fp, p->prefix); /* one template per evidence group */
    } else {
        size_t tl = strlen(type) > 128 ? 128 : strlen(type);
        /* "[Errno N]" already vetoes by its number */
        const struct tm__errno_info *err =
            strstr(in->message, "[Errno ") != NULL
                ? NULL
                : tm__errno_named(in->message, msglen);
        memcpy(p->prefix, type, tl);
        p->prefix[tl] = '\0';
        if (err != NULL) {
            /* the errno a message names is a constant of its kind: messages
             * that name different ones never share a group, like a differing
             * "[Errno N]" (README "Grouping") */
            p->prefix[tl] = TM_DRAIN_ERRNO_SEP;
            memcpy(p->prefix + tl + 1, err->name, strlen(err->name) + 1);
        }
        p->fp = 0;
    }
}

struct tm__cluster *tm__group_finish(struct tm__grouper *g,
                                     const struct tm__group_prep *p,
                                     uint64_t *fp)
{
    struct tm__cluster *c;

    *fp = p->fp;
    if (g->no_tree) {
        *fp = tm__hash64(p->masked, p->mlen);
        return NULL;
    }
    c = tm__drain_add(&g->drain, p->prefix, p->masked);
    if (!p->shim)
        *fp = c ? c->id : tm__hash64(p->masked, p->mlen);
    return c;
}

static size_t common_prefix(const char *a, const char *b)
{
    size_t n = 0;

    while (a[n] != '\0' && a[n] == b[n])
        n++;
    return n;
}

size_t tm__fp_id_len(const char *fp, const char *const *sorted, size_t n)
{
    size_t lo = 0, hi = n, len = TM_ID_MIN, c;

    while (lo < hi) { /* the first fingerprint not before fp */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(sorted[mid], fp) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    /* the neighbours share the longest prefixes with fp */
    if (lo > 0 && (c = common_prefix(sorted[lo - 1], fp)) + 1 > len)
        len = c + 1;
    for (size_t i = lo; i < n && i < lo + 2; i++)
        if (strcmp(sorted[i], fp) != 0 &&
            (c = common_prefix(sorted[i], fp)) + 1 > len)
            len = c + 1;
    return len > TM_FP_HEX ? TM_FP_HEX : len;
}

struct tm__cluster *tm__group(struct tm__grouper *g,
                              const struct tm__group_input *in, uint64_t *fp)
{
    char masked[TM_TEMPLATE_MAX];
    struct tm__group_prep p;

    tm__group_prepare(g, in, masked, sizeof(masked), &p);
    return tm__group_finish(g, &p, fp);
}
