/*
 * vmread.c - copies of this process's own memory that cannot fault
 * (vmread.h): process_vm_readv, the requests that start in one page read
 * as one remote range.
 */
#include "vmread.h"

#include <errno.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096
#define RANGES 72  /* requests (so remote ranges) per call */
#define SLOTS 128  /* a call's pages, hashed: a power of two above RANGES */
#define NO_SLOT -1 /* an empty hash slot */
/* A longer request fails without a read: a call's ranges must add up to
 * what its ssize_t result can say, and the walk's are a few KiB. */
#define LEN_MAX ((size_t)1 << 30)

/* A remote range of one call: a request alone, or the requests that start
 * in one page (members, linked in request order by next[]). */
struct range {
    uint64_t lo, hi;
    int first, n;
    size_t at; /* where in gbuf it is read (several members) */
    int alone; /* each member read in a range of its own */
};

static unsigned page_slot(uint64_t page)
{
    return (unsigned)((page * 0x9E3779B97F4A7C15ull) >> 57) & (SLOTS - 1);
}

/* One round over the pending requests of r[0..n) (n <= RANGES): each
 * starting page one range, as gbuf's room allows; the pending ones are
 * those not yet read nor failed.  Returns how many read whole, or -1 when
 * the call is refused. */
static int round_of(pid_t pid, struct tm__vm_req *r, int n,
                    unsigned char *pending, unsigned char *gbuf, size_t gcap,
                    struct tm__vm_cost *cost)
{
    struct range g[RANGES];
    struct iovec loc[RANGES], rem[RANGES];
    int who[RANGES]; /* a range's request, or -1 - its group */
    int next[RANGES], tail[RANGES];
    signed char slot[SLOTS];
    int ng = 0, k = 0, done = 0;
    size_t used = 0;
    long got;

    memset(slot, NO_SLOT, sizeof(slot));
    for (int i = 0; i < n; i++) {
        uint64_t page = r[i].src / PAGE;
        unsigned h = page_slot(page);
        int u = -1;

        if (!pending[i])
            continue;
        next[i] = -1;
        if (gbuf != NULL && r[i].len <= PAGE) {
            while (slot[h] != NO_SLOT && g[(int)slot[h]].lo / PAGE != page)
                h = (h + 1) & (SLOTS - 1);
            u = slot[h];
        }
        if (u < 0) {
            u = ng++;
            g[u] = (struct range){r[i].src, r[i].src + r[i].len, i, 1, 0, 0};
            if (gbuf != NULL && r[i].len <= PAGE)
                slot[h] = (signed char)u;
        } else {
            /* the same page: lo stays in it, so its slot stays right */
            g[u].lo = r[i].src < g[u].lo ? r[i].src : g[u].lo;
            g[u].hi =
                r[i].src + r[i].len > g[u].hi ? r[i].src + r[i].len : g[u].hi;
            next[tail[u]] = i;
            g[u].n++;
        }
        tail[u] = i;
    }
    for (int u = 0; u < ng; u++) {
        size_t span = (size_t)(g[u].hi - g[u].lo);

        g[u].alone = g[u].n == 1 || span > gcap - used;
        if (!g[u].alone) {
            g[u].at = used;
            loc[k] = (struct iovec){gbuf + used, span};
            rem[k] = (struct iovec){(void *)(uintptr_t)g[u].lo, span};
            who[k++] = -1 - u;
            used += span;
            continue;
        }
        for (int i = g[u].first; i >= 0; i = next[i]) {
            loc[k] = (struct iovec){r[i].dst, r[i].len};
            rem[k] = (struct iovec){(void *)(uintptr_t)r[i].src, r[i].len};
            who[k++] = i;
        }
    }
    got = syscall(SYS_process_vm_readv, pid, loc, (unsigned long)k, rem,
                  (unsigned long)k, 0UL);
    if (cost != NULL) {
        cost->calls++;
        cost->ranges += k;
    }
    if (got < 0 && (errno == ENOSYS || errno == EPERM))
        return -1;
    if (got < 0 && errno != EFAULT) { /* the call's, not a range's: all fail */
        for (int i = 0; i < n; i++)
            pending[i] = 0;
        return 0;
    }
    if (got < 0)
        got = 0; /* the first range could not be read */
    /* In order, as the kernel read them, up to the first range that did
     * not read whole: that one's requests are done (read or failed), the
     * ones after it are left for the next round. */
    for (int j = 0; j < k; j++) {
        if (who[j] >= 0) {
            int i = who[j];

            pending[i] = 0;
            if (got < (long)r[i].len)
                break;
            got -= (long)r[i].len;
            r[i].ok = 1;
            done++;
        } else {
            const struct range *u = &g[-1 - who[j]];
            size_t span = (size_t)(u->hi - u->lo);

            for (int i = u->first; i >= 0; i = next[i]) {
                size_t off = (size_t)(r[i].src - u->lo);

                pending[i] = 0;
                /* read as far as its end: the page it needed read */
                if (off + r[i].len <= (size_t)got) {
                    memcpy(r[i].dst, gbuf + u->at + off, r[i].len);
                    r[i].ok = 1;
                    done++;
                }
            }
            if ((size_t)got < span)
                break;
            got -= (long)span;
        }
    }
    return done;
}

int tm__vm_batch(pid_t pid, struct tm__vm_req *r, int n, unsigned char *gbuf,
                 size_t gcap, struct tm__vm_cost *cost)
{
    unsigned char pending[RANGES];
    int done = 0;

    if (gbuf == NULL)
        gcap = 0;
    for (int base = 0; base < n; base += RANGES) {
        struct tm__vm_req *c = r + base;
        int m = n - base < RANGES ? n - base : RANGES, left = 0;

        for (int i = 0; i < m; i++) {
            c[i].ok = 0;
            pending[i] =
                c[i].src >= PAGE && c[i].len > 0 && c[i].len <= LEN_MAX;
            left += pending[i];
        }
        while (left > 0) {
            int got = round_of(pid, c, m, pending, gbuf, gcap, cost);

            if (got < 0)
                return -1;
            done += got;
            left = 0;
            for (int i = 0; i < m; i++)
                left += pending[i];
        }
    }
    return done;
}
