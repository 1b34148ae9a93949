/*
 * unit.h - helpers shared by the cmocka unit tests.
 */
#ifndef TM_UNIT_H
#define TM_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Creates a fresh private temporary directory; the caller removes it with
 * unit_rmdir(). */
static inline char *unit_tmpdir(void)
{
    char tmpl[] = "/tmp/tm-unit-XXXXXX";
    char *d = mkdtemp(tmpl);

    assert_non_null(d);
    chmod(d, 0700);
    return strdup(d);
}

static inline void unit_rmdir(char *dir)
{
    char cmd[512];

    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

/* Writes n bytes of data as the file dir/name (replacing it). */
static inline void unit_write(const char *dir, const char *name,
                              const char *data, size_t n)
{
    char path[1024];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
}

/* Whole file as a NUL-terminated string (caller frees), NULL if missing. */
static inline char *unit_slurp(const char *dir, const char *name)
{
    char path[1024];
    FILE *f;
    long n;
    char *buf;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static inline int unit_count_lines(const char *s)
{
    int n = 0;
    for (; s && *s; s++)
        n += *s == '\n';
    return n;
}

#endif
