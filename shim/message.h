/*
 * message.h - the text of a shim event (see message.c).  All functions
 * write into the caller's fixed buffers and are async-signal-safe.
 */
#ifndef TM_SHIM_MESSAGE_H
#define TM_SHIM_MESSAGE_H

#include <stddef.h>

#include "ring.h"
#include "strutil.h"

/* "O_WRONLY|O_CREAT|O_EXCL" for open(2) flags. */
void tm__flags_text(int flags, char *out, size_t cap);

/* The extension of the path's last component ("" when none). */
void tm__file_type(const char *path, char *out, size_t cap);

/* "[Errno N] text: 'path'" (and " -> 'path2'" for renames): the message
 * an agent's Python OSError would carry. */
void tm__message(const struct tm__failure *f, char *out, size_t cap);

#endif
