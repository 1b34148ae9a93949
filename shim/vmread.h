/*
 * vmread.h - copies of this process's own memory that cannot fault:
 * process_vm_readv on our own pid, many requests per call.
 *
 * The kernel pins and copies each remote range of a call on its own, and a
 * range costs about as much as a page of copying (README "Performance",
 * "A Python stack").  So the requests that start in the same page are read
 * as one range: a page is readable or not as a whole, and a range that
 * stops short is split back into its requests, so each request reads,
 * or fails, as it would alone.
 *
 * Allocates nothing; no descriptor, no lock; async-signal-safe.
 */
#ifndef TM_SHIM_VMREAD_H
#define TM_SHIM_VMREAD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* One copy: len bytes from address src into dst; ok set by the read. */
struct tm__vm_req {
    void *dst;
    uint64_t src;
    size_t len;
    int ok;
};

/* What a batch cost, for tests and benchmarks. */
struct tm__vm_cost {
    int calls;  /* process_vm_readv calls */
    int ranges; /* remote ranges they were given */
};

/* Reads r[0..n) from process pid (ours).  A request from below the
 * first page, of no bytes or of more than 1 GiB fails without a read; an
 * error of the call itself (no such process, no memory) fails them all.  gbuf
 * (gcap bytes; NULL: none) receives the ranges that hold several requests,
 * which are then copied to their dst: no request's dst may lie in it.  cost,
 * when not NULL, is added to.  Returns how many requests read whole, or -1 when
 * the call itself is refused (ENOSYS, EPERM: a seccomp filter; then the ones
 * not yet read are failed). */
int tm__vm_batch(pid_t pid, struct tm__vm_req *r, int n, unsigned char *gbuf,
                 size_t gcap, struct tm__vm_cost *cost);

#endif
