/*
 * tsv.h - case files for data-driven unit tests: tests/fixtures/NAME.tsv
 * (or $TM_FIXTURES/NAME.tsv), one case a line, fields separated by tabs,
 * '#' lines and empty lines skipped.  Escapes in every field: \t \n \\
 * \xHH, and \0 alone for an empty field.
 */
#ifndef TM_UNIT_TSV_H
#define TM_UNIT_TSV_H

#include "unit.h"

#define TSV_FIELDS 8
#define TSV_LINE 4096

/* One case: its fields (unescaped, pointing into `buf`) and its line. */
struct tsv_row {
    char buf[TSV_LINE];
    char *f[TSV_FIELDS];
    int n;
    int line;
};

static inline void tsv_unescape(char *s)
{
    char *out = s;

    if (strcmp(s, "\\0") == 0) {
        s[0] = '\0';
        return;
    }
    for (; *s; s++) {
        if (*s != '\\' || s[1] == '\0') {
            *out++ = *s;
            continue;
        }
        s++;
        switch (*s) {
        case 't': *out++ = '\t'; break;
        case 'n': *out++ = '\n'; break;
        case '\\': *out++ = '\\'; break;
        case 'x': {
            char hex[3] = {s[1], s[2], 0};
            assert_true(hex[0] != '\0' && hex[1] != '\0');
            *out++ = (char)strtol(hex, NULL, 16);
            s += 2;
            break;
        }
        default: *out++ = '\\'; *out++ = *s;
        }
    }
    *out = '\0';
}

/* Calls fn for every case of NAME.tsv; each must have `nfields` fields.
 * Returns the number of cases. */
static inline int tsv_each(const char *name, int nfields,
                           void (*fn)(struct tsv_row *r, void *arg), void *arg)
{
    char path[1024];
    const char *dir = getenv("TM_FIXTURES");
    struct tsv_row *r = malloc(sizeof(*r));
    FILE *f;
    int lineno = 0, cases = 0;

    assert_non_null(r);
    assert_true(nfields <= TSV_FIELDS);
    snprintf(path, sizeof(path), "%s/%s.tsv", dir ? dir : "tests/fixtures", name);
    f = fopen(path, "r");
    if (f == NULL)
        fail_msg("cannot open %s", path);
    while (fgets(r->buf, sizeof(r->buf), f) != NULL) {
        char *p = r->buf, *nl = strchr(p, '\n');
        lineno++;
        if (nl == NULL && !feof(f))
            fail_msg("%s:%d: line too long", path, lineno);
        if (nl != NULL)
            *nl = '\0';
        if (p[0] == '#' || p[0] == '\0')
            continue;
        r->n = 0;
        r->line = lineno;
        for (;;) {
            char *tab = strchr(p, '\t');
            if (r->n == TSV_FIELDS)
                fail_msg("%s:%d: too many fields", path, lineno);
            r->f[r->n++] = p;
            if (tab == NULL)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        if (r->n != nfields)
            fail_msg("%s:%d: %d fields, want %d", path, lineno, r->n, nfields);
        for (int i = 0; i < r->n; i++)
            tsv_unescape(r->f[i]);
        fn(r, arg);
        cases++;
    }
    fclose(f);
    free(r);
    return cases;
}

#endif
