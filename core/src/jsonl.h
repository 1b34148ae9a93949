/*
 * jsonl.h - one event line read without building a JSON tree.
 *
 * The line is checked against the JSON grammar (objects, arrays, strings
 * with escapes, numbers, literals; nesting at most 32 deep); the fields the
 * analysis needs are decoded into the caller's scratch buffer.  Unknown keys
 * are skipped.  No allocation; thread-safe.
 */
#ifndef TM_JSONL_H
#define TM_JSONL_H

#include <stddef.h>

#define TM_VIEW_FRAMES 16

struct tm__event_view {
    /* NUL-terminated, in the scratch buffer; NULL when absent */
    const char *timestamp, *repo, *agent, *error_type, *error_message;
    const char *source, *program, *category; /* category: context.category */
    const char *frames[TM_VIEW_FRAMES];      /* backtrace strings */
    int nframes;
    int fatal; /* -1 absent, 0 false, 1 true */
};

/* Reads line[0..len) into v, strings decoded into scratch (cap bytes; the
 * line's length plus a little always suffices).  Returns 0 when the line
 * is a JSON object with the five required string fields of SPEC §2, -1
 * otherwise (malformed, a field missing or not a string, no room). */
int tm__event_view_parse(const char *line, size_t len,
                         struct tm__event_view *v, char *scratch, size_t cap);

#endif
