/*
 * event_parse.h - one event line read without building a JSON tree.
 *
 * The line is checked against the JSON grammar (objects, arrays, strings
 * with escapes, numbers, literals; nesting at most 32 deep); the fields the
 * analysis needs are decoded into the caller's scratch buffer.  Unknown keys
 * are skipped.  No allocation; thread-safe.
 */
#ifndef TM_JSONL_H
#define TM_JSONL_H

#include <stddef.h>

#include "event.h"


/* A value's JSON text inside the line (not NUL-terminated); p is NULL when
 * the value is absent or of another type. */
struct tm__json_span {
    const char *p;
    size_t n;
};

struct tm__event_view {
    /* NUL-terminated, in the scratch buffer; NULL when absent */
    const char *timestamp, *repo, *agent, *error_type, *error_message;
    const char *source, *program, *category; /* category: context.category */
    const char *errno_name; /* context.errno ("ENOENT") */
    const char *telemetry_id;
    const char *run; /* the run id, as the line has it (any string) */
    const char *frames[TM_FRAMES_MAX]; /* backtrace strings */
    int nframes;
    const char *stack[TM_FRAMES_MAX]; /* stack strings, innermost first */
    int nstack;
    int fatal; /* -1 absent, 0 false, 1 true */
    struct tm__json_span context;                /* an object */
    struct tm__json_span pid, ppid, repeat, exit_status; /* numbers */
};

/* Reads line[0..len) into v, strings decoded into scratch (cap bytes; the
 * line's length plus a little always suffices).  Returns 0 when the line
 * is a JSON object with the five required string fields of README "Event format", -1
 * otherwise (malformed, a field missing or not a string, no room).  A
 * \u0000 in a string is kept as those six characters, never decoded to a
 * NUL that would cut the text. */
int tm__event_view_parse(const char *line, size_t len,
                         struct tm__event_view *v, char *scratch, size_t cap);

/* An event as the readers count it (summary, tail, clean): what
 * tm__event_view_parse accepts, with a timestamp that reads as a time
 * (tm__ts_epoch).  Returns 0, or -1 for a line that is no event. */
int tm__event_read(const char *line, size_t len, struct tm__event_view *v,
                   char *scratch, size_t cap);

/* tm__event_read, faster, for a line the caller owns and reads no more: a
 * string field without an escape stays in the line (its closing quote
 * becomes its NUL), so the line's bytes change, also when -1 is
 * returned; the view points into the line and the scratch. */
int tm__event_read_inplace(char *line, size_t len, struct tm__event_view *v,
                           char *scratch, size_t cap);

/* Called for each member of an object: the key decoded (klen bytes, then a
 * NUL), the value decoded when it is a string (is_string; vlen bytes, then
 * a NUL), else its JSON text without blanks (vlen bytes, not
 * NUL-terminated).  The texts live until the callback returns.  Non-zero
 * stops the walk. */
typedef int (*tm__json_member_fn)(void *arg, const char *key, size_t klen,
                                  const char *val, size_t vlen, int is_string);

/* Walks the members of the JSON object obj (a view's context, say),
 * decoding into scratch (cap bytes: obj.n + 2 always suffices).  Returns
 * 0, the callback's non-zero result, or -1 when obj is not one JSON object
 * or scratch has no room. */
int tm__json_members(struct tm__json_span obj, char *scratch, size_t cap,
                     tm__json_member_fn each, void *arg);

/* Copies the JSON text s without the blanks between its tokens into out
 * (s.n bytes always suffice); returns the length written.  s must be valid
 * JSON (a view's span). */
size_t tm__json_compact(struct tm__json_span s, char *out);

/* The length of the JSON number at the start of s[0..n) (RFC 8259's
 * grammar), or 0 when s does not start with one. */
size_t tm__json_number_len(const char *s, size_t n);

#endif
