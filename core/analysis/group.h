/*
 * group.h - one failure, one group (SPEC §7.2).
 *
 * Evidence first: for events from the shim, the fingerprint is a hash of
 * the category, the class of the path the failure is about (computed from
 * the raw path, before masking) and the top in-app frame (else the
 * program).  For other events it is the id of the template cluster the
 * masked message falls into under its error type.  Either way the template
 * shown is the message with variable tokens masked (mask.h) and positions
 * that vary within the group turned into <*> (drain.h).
 */
#ifndef TM_GROUP_H
#define TM_GROUP_H

#include <stdint.h>

#include "drain.h"

#define TM_TEMPLATE_MAX 1024
#define TM_FP_HEX 16

struct tm__group_input {
    const char *error_type;
    const char *message;
    const char *repo;     /* masked in the message as <REPO>; may be NULL */
    const char *agent;    /* masked as <AGENT>; may be NULL */
    const char *source;   /* "shim" selects the evidence fingerprint */
    const char *category; /* from the shim's context; may be NULL */
    const char *program;
    const char *const *frames;
    int nframes;
};

struct tm__grouper {
    struct tm__drain drain;
};

/* An empty grouper holding at most `max` templates. */
void tm__grouper_init(struct tm__grouper *g, size_t max);
void tm__grouper_free(struct tm__grouper *g);

/* Groups one event: sets *fp and returns its template cluster (owned by
 * the grouper), or NULL when the grouper is full or out of memory (*fp is
 * still set: the event's own masked message hashed). */
struct tm__cluster *tm__group(struct tm__grouper *g,
                              const struct tm__group_input *in, uint64_t *fp);

/* 16 lowercase hex digits of a fingerprint, NUL-terminated. */
void tm__fp_hex(uint64_t fp, char out[TM_FP_HEX + 1]);

#endif
