/*
 * next.h - what dlsym(RTLD_NEXT, name) answers, for many names at once,
 * without paying dlsym's error-catching machinery once per name.
 *
 * RTLD_NEXT's answer for a library loaded at start (LD_PRELOAD) is the
 * first definition of the name in the objects after it in the global
 * search order: another preload after it (an interposer), then the
 * program's libraries, libc.  The walk reads the loaded objects after this
 * one (dl_iterate_phdr, the load order: the search order for the objects
 * loaded at start) and looks each name up in their GNU hash tables,
 * choosing among versions as dlsym does (the default one; hidden versions
 * never).  Anything it does not read with certainty is left to dlsym: an
 * object without a GNU hash table, an indirect (IFUNC), TLS, unique,
 * absolute or local symbol, two visible versions, an auditor (LD_AUDIT,
 * DT_AUDIT), this object not among the loaded ones.  Then one dlsym per
 * object that answered checks that the object is in the search scope at
 * all (dlopen'ed without RTLD_GLOBAL it is not): if dlsym disagrees, every
 * name that object answered is asked of dlsym.
 *
 * Call it where dlsym may be called (a constructor): it takes the loader's
 * locks.  Used by real.c; tests/integration/next.sh compares the walk with
 * dlsym name by name.
 */
#ifndef TM_SHIM_NEXT_H
#define TM_SHIM_NEXT_H

#include <stddef.h>
#include <stdint.h>

/* How the answers were found (for the tests and TELEMETRY_DEBUG). */
struct tm__next_stats {
    int walked;  /* answered by the walk and confirmed */
    int asked;   /* answered by dlsym (fallback) */
    int objects; /* objects that answered (one dlsym each to confirm) */
};

/* The names asked about. */
struct tm__next_names {
    const char *text;       /* each NUL-terminated, one after the other */
    const uint16_t *offset; /* where each starts in text; NULL: scanned */
    const uint32_t *hash;   /* their GNU hashes (TM_GNU_HASH); NULL:
                               computed */
    size_t n;
};

/* Fills out[i] with what dlsym(RTLD_NEXT, name i) called from this object
 * answers (NULL: not defined).  st may be NULL. */
void tm__next_resolve(const struct tm__next_names *nm, void **out,
                      struct tm__next_stats *st);

/* The walk alone: out[i] its answer, NULL where it leaves the name to
 * dlsym; where[i] an ordinal of the object that answered (-1: none).
 * Returns -1 when the walk cannot be used at all. */
int tm__next_walk(const struct tm__next_names *nm, void **out, int *where);

/* From the constructor: remembers the objects after this one so that
 * tm__next_find can answer on first use, without the loader's locks.
 * Returns 0, or -1 when it cannot (an auditor; LD_DYNAMIC_WEAK, under
 * which dlsym passes weak definitions over; an object after the loader
 * itself, which may have been dlopen'ed before this constructor ran; more
 * objects than it keeps; a table it cannot read): then resolve eagerly. */
int tm__next_prepare(void);

/* dlsym(RTLD_NEXT, name)'s answer from the objects tm__next_prepare kept:
 * 1 with *addr set, 0 (*addr NULL: defined nowhere after this object),
 * -1 (not prepared, or a case left to dlsym: two visible versions, TLS,
 * unique, absolute).  An indirect function (IFUNC) is answered by calling
 * its resolver, as dlsym does (x86_64).  Reads only memory that stays
 * mapped: async-signal-safe, no lock, fork-safe. */
int tm__next_find(const char *name, uint32_t hash, void **addr);

/* The objects of the start end with the dynamic loader (objects after it
 * were dlopen'ed): the program's PT_INTERP names it.  tm__next_interp:
 * that name, from the program's entry of dl_iterate_phdr (the first one),
 * or NULL; tm__next_loader: is this entry the loader? */
struct dl_phdr_info;
const char *tm__next_interp(const struct dl_phdr_info *info);
int tm__next_loader(const struct dl_phdr_info *info, const char *interp);

/* The GNU hash of a name (the ELF symbol hash of DT_GNU_HASH). */
uint32_t tm__gnu_hash(const char *s);

/* TM_GNU_HASH("literal"): the same, a constant (names of up to 16
 * characters; a longer one does not compile).  h = 5381 * 33^n + the sum
 * of c[k] * 33^(n-1-k), modulo 2^32. */
#define TM__GH_P(e)                                                            \
    ((e) == 0 ? 1u : (e) == 1 ? 33u : (e) == 2 ? 1089u :  \
     (e) == 3 ? 35937u : (e) == 4 ? 1185921u : (e) == 5 ? 39135393u :  \
     (e) == 6 ? 1291467969u : (e) == 7 ? 3963737313u :  \
     (e) == 8 ? 1954312449u : (e) == 9 ? 67801377u :  \
     (e) == 10 ? 2237445441u : (e) == 11 ? 821255521u :  \
     (e) == 12 ? 1331628417u : (e) == 13 ? 994064801u :  \
     (e) == 14 ? 2739367361u : (e) == 15 ? 204809697u :  \
     (e) == 16 ? 2463752705u : 0u)
#define TM__GH_T(s, k)                                                         \
    ((k) < sizeof(s) - 1                                                      \
         ? (uint32_t)(unsigned char)(s)[(k) < sizeof(s) ? (k) : 0] *         \
               TM__GH_P(sizeof(s) - 2 - (k))                                  \
         : 0u)
#define TM_GNU_HASH(s)                                                         \
    ((uint32_t)(5381u * TM__GH_P(sizeof(s) - 1) + TM__GH_T(s, 0) +           \
                TM__GH_T(s, 1) + TM__GH_T(s, 2) + TM__GH_T(s, 3) +            \
                TM__GH_T(s, 4) + TM__GH_T(s, 5) + TM__GH_T(s, 6) +            \
                TM__GH_T(s, 7) + TM__GH_T(s, 8) + TM__GH_T(s, 9) +            \
                TM__GH_T(s, 10) + TM__GH_T(s, 11) + TM__GH_T(s, 12) +         \
                TM__GH_T(s, 13) + TM__GH_T(s, 14) + TM__GH_T(s, 15)) *        \
     (uint32_t)sizeof(char[sizeof(s) <= 17 ? 1 : -1]))

#endif
