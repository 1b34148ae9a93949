/*
 * next.c - dlsym(RTLD_NEXT) for many names at once (next.h).
 *
 * The rules follow glibc's symbol lookup (elf/dl-lookup.c, check_match and
 * do_lookup_x) for a lookup without a version: a symbol of version index 0
 * or 1 (unversioned) matches at once; among versioned ones, the one that is
 * not hidden matches when it is the only such; weak counts as global.
 * Every other case is left to dlsym, which is always right.
 */
#include "next.h"

#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <stdint.h>

#include "start.h"

/* This object's dynamic section: how the walk knows itself among the
 * loaded objects. */
extern ElfW(Dyn) _DYNAMIC[] __attribute__((visibility("hidden")));
extern char **environ;

#define NEXT_MAX 64 /* names per call; more: all asked of dlsym */

#ifndef DT_AUDIT
#define DT_AUDIT 0x6ffffefc
#endif
#ifndef DT_DEPAUDIT
#define DT_DEPAUDIT 0x6ffffefb
#endif

struct walk {
    size_t n;
    const char *name[NEXT_MAX];
    uint32_t hash[NEXT_MAX];
    void **out;
    int *where;
    int passed;  /* this object seen: the next ones are searched */
    int ordinal; /* of the object being searched */
    int audited; /* DT_AUDIT / DT_DEPAUDIT in the program: dlsym only */
    int objects; /* visited */
};

uint32_t tm__gnu_hash(const char *s)
{
    uint32_t h = 5381;

    for (; *s; s++)
        h = h * 33 + (unsigned char)*s;
    return h;
}

static int same(const char *a, const char *b)
{
    while (*a && *a == *b)
        a++, b++;
    return *a == *b;
}

/* The loader adjusts the addresses of a dynamic section to the load
 * address in place, except where it is read-only (the vDSO's): an address
 * below the base is still an offset. */
static uintptr_t at(const struct dl_phdr_info *info, ElfW(Addr) p)
{
    if (p < info->dlpi_addr)
        p += info->dlpi_addr;
    return (uintptr_t)p;
}

struct table {
    uintptr_t lo, hi; /* the span of the object's loaded segments */
    const uint32_t *gnu;
    const ElfW(Sym) *sym;
    const char *str;
    const ElfW(Half) *ver;
    size_t strsz;
};

/* Is [p, p+len) inside the object? */
static int inside(const struct table *t, uintptr_t p, size_t len)
{
    return p >= t->lo && p < t->hi && len <= t->hi - p;
}

/* Reads an object's symbol table; -1 when it has none the walk can read
 * (no GNU hash table, addresses outside it). */
TM_START_TEXT static int table_of(const struct dl_phdr_info *info, const ElfW(Dyn) *dyn,
                    struct table *t)
{
    /* the span in locals, stored once: two stores of constants together
     * become a vector load from .rodata, a page the start touches for
     * nothing, a fault in every process (counted with perf) */
    uintptr_t span_lo = UINTPTR_MAX, span_hi = 0;

    t->gnu = NULL, t->sym = NULL, t->str = NULL, t->ver = NULL, t->strsz = 0;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        uintptr_t lo = (uintptr_t)(info->dlpi_addr + ph->p_vaddr);

        if (ph->p_type != PT_LOAD)
            continue;
        if (lo < span_lo)
            span_lo = lo;
        if (lo + ph->p_memsz > span_hi)
            span_hi = lo + ph->p_memsz;
    }
    t->lo = span_lo, t->hi = span_hi;
    for (; dyn->d_tag != DT_NULL; dyn++) {
        switch (dyn->d_tag) {
        case DT_GNU_HASH:
            t->gnu = (const uint32_t *)at(info, dyn->d_un.d_ptr);
            break;
        case DT_SYMTAB:
            t->sym = (const ElfW(Sym) *)at(info, dyn->d_un.d_ptr);
            break;
        case DT_STRTAB:
            t->str = (const char *)at(info, dyn->d_un.d_ptr);
            break;
        case DT_VERSYM:
            t->ver = (const ElfW(Half) *)at(info, dyn->d_un.d_ptr);
            break;
        case DT_STRSZ:
            t->strsz = dyn->d_un.d_val;
            break;
        }
    }
    if (t->gnu == NULL || t->sym == NULL || t->str == NULL ||
        !inside(t, (uintptr_t)t->gnu, 16) ||
        !inside(t, (uintptr_t)t->str, t->strsz) ||
        !inside(t, (uintptr_t)t->sym, sizeof(ElfW(Sym))) ||
        (t->ver != NULL && !inside(t, (uintptr_t)t->ver, 2)))
        return -1;
    return 0;
}

/* Looks name up in one object.  Returns 1 with *addr set (found), 0 (not
 * defined here: the search goes on) or -1 (a case left to dlsym).  With
 * call_ifunc, an indirect function is answered as dlsym answers it: its
 * resolver's result (on x86_64 the loader calls it without arguments). */
TM_START_TEXT static int lookup(const struct dl_phdr_info *info, const struct table *t,
                  const char *name, uint32_t h, void **addr, int call_ifunc)
{
    int ifunc = 0;

    const uint32_t nbuckets = t->gnu[0], symoffset = t->gnu[1];
    const uint32_t nwords = t->gnu[2], shift = t->gnu[3];
    const ElfW(Addr) *bloom = (const ElfW(Addr) *)(t->gnu + 4);
    const uint32_t *buckets = (const uint32_t *)(bloom + nwords);
    const unsigned bits = sizeof(ElfW(Addr)) * 8;
    const ElfW(Sym) *found = NULL;
    int versions = 0;
    ElfW(Addr) word;

    if (nbuckets == 0 || nwords == 0 || (nwords & (nwords - 1)) != 0)
        return nbuckets == 0 ? 0 : -1;
    word = bloom[(h / bits) & (nwords - 1)];
    if (((word >> (h % bits)) & (word >> ((h >> shift) % bits)) & 1) == 0)
        return 0;
    uint32_t i = buckets[h % nbuckets];
    if (i == 0)
        return 0;
    if (i < symoffset)
        return -1;
    const uint32_t *chain = buckets + nbuckets - symoffset;
    for (;; i++) {
        uint32_t ch = chain[i];
        if (((ch ^ h) >> 1) == 0) {
            const ElfW(Sym) *s = &t->sym[i];
            int stt = ELF64_ST_TYPE(s->st_info);

            if (s->st_name < t->strsz && same(name, t->str + s->st_name)) {
                if (s->st_shndx == SHN_UNDEF) {
                    if (s->st_value != 0)
                        return -1; /* an executable's canonical PLT */
                } else if (s->st_value != 0 || s->st_shndx == SHN_ABS ||
                           stt == STT_TLS) {
                    ElfW(Half) v = t->ver != NULL ? t->ver[i] : 0;

                    if ((v & 0x7fff) < 2) { /* unversioned: taken at once */
                        found = s;
                        versions = 1;
                        break;
                    }
                    if ((v & 0x8000) == 0 && versions++ == 0)
                        found = s;
                }
            }
        }
        if (ch & 1)
            break;
    }
    if (versions == 0)
        return 0;
    if (versions > 1 || found->st_shndx == SHN_ABS ||
        found->st_shndx == SHN_COMMON)
        return -1;
    switch (ELF64_ST_TYPE(found->st_info)) {
    case STT_FUNC:
    case STT_OBJECT:
    case STT_NOTYPE:
        break;
#if defined(__x86_64__)
    case STT_GNU_IFUNC:
        if (!call_ifunc)
            return -1;
        ifunc = 1;
        break;
#endif
    default:
        return -1; /* IFUNC (dlsym calls its resolver), TLS, ... */
    }
    switch (ELF64_ST_BIND(found->st_info)) {
    case STB_GLOBAL:
    case STB_WEAK:
        break;
    default:
        return -1; /* unique, local */
    }
    *addr = (void *)(info->dlpi_addr + found->st_value);
    if (!inside(t, (uintptr_t)*addr, 1))
        return -1;
    if (ifunc) /* what dlsym would do, without the loader's lock */
        *addr = ((void *(*)(void))*addr)();
    return 1;
}

/* An object's dynamic section (NULL: none); *audited set when it names
 * an auditor.  The loader reads DT_AUDIT and DT_DEPAUDIT in the program's
 * own dynamic section only (glibc's rtld.c): callers ask for the first
 * object of the walk, the program. */
TM_START_TEXT static const ElfW(Dyn) *dynamic_of(const struct dl_phdr_info *info,
                                   int *audited)
{
    const ElfW(Dyn) *dyn = NULL;

    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_DYNAMIC)
            dyn = (const ElfW(Dyn) *)(info->dlpi_addr +
                                      info->dlpi_phdr[i].p_vaddr);
    if (dyn != NULL && audited != NULL)
        for (const ElfW(Dyn) *d = dyn; d->d_tag != DT_NULL; d++)
            if (d->d_tag == DT_AUDIT || d->d_tag == DT_DEPAUDIT)
                *audited = 1;
    return dyn;
}

static int visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct walk *w = arg;
    const ElfW(Dyn) *dyn = dynamic_of(info, w->objects++ == 0 ? &w->audited : NULL);
    struct table t;
    int usable;

    (void)size;
    if (dyn == NULL)
        return 0;
    if (!w->passed) {
        w->passed = dyn == _DYNAMIC;
        return 0;
    }
    w->ordinal++;
    usable = table_of(info, dyn, &t) == 0;
    for (size_t k = 0; k < w->n; k++) {
        int r;

        if (w->where[k] != -1) /* answered, or left to dlsym (-2) */
            continue;
        r = usable ? lookup(info, &t, w->name[k], w->hash[k], &w->out[k], 0) : -1;
        if (r != 0)
            w->where[k] = r > 0 ? w->ordinal : -2;
    }
    return 0;
}

static const char ld_audit[] TM_START_CONST = "AUDIT=";
static const char ld_weak[] TM_START_CONST = "DYNAMIC_WEAK=";

/* Does s (after "LD_") start with var (with its '=')?  Returns what
 * follows, or NULL. */
static const char *ld_var(const char *s, const char *var)
{
    while (*var && *s == *var)
        s++, var++;
    return *var == '\0' ? s : NULL;
}

/* The loader's variables that change what dlsym answers, in one pass over
 * the environment: LD_AUDIT not empty (auditors), LD_DYNAMIC_WEAK
 * whatever its value (the loader then passes a weak definition over for a
 * strong one further on; ignored by the loader in a secure process, so
 * taken as set). */
#define LD_AUDITED 1
#define LD_WEAK 2
TM_START_TEXT static int ld_env(void)
{
    int found = 0;

    for (char **e = environ; e != NULL && *e != NULL; e++) {
        const char *s = *e, *v;

        if (s[0] != 'L' || s[1] != 'D' || s[2] != '_')
            continue;
        if ((v = ld_var(s + 3, ld_audit)) != NULL && *v != '\0')
            found |= LD_AUDITED;
        else if (ld_var(s + 3, ld_weak) != NULL)
            found |= LD_WEAK;
    }
    return found;
}

/* name[k]: where name k starts (its offset, or found by scanning). */
static void split(const struct tm__next_names *nm, const char **name)
{
    const char *p = nm->text;

    for (size_t k = 0; k < nm->n; k++) {
        if (nm->offset != NULL) {
            name[k] = nm->text + nm->offset[k];
            continue;
        }
        name[k] = p;
        while (*p++)
            ;
    }
}

static int walk(const struct tm__next_names *nm, const char **name, void **out,
                int *where)
{
    struct walk w;
    size_t n = nm->n;

    if (ld_env() & LD_AUDITED)
        return -1;
    w.n = n, w.out = out, w.where = where;
    w.passed = 0, w.ordinal = 0, w.audited = 0, w.objects = 0;
    for (size_t k = 0; k < n; k++) {
        w.name[k] = name[k];
        w.hash[k] = nm->hash != NULL ? nm->hash[k] : tm__gnu_hash(name[k]);
        out[k] = NULL;
        where[k] = -1;
    }
    dl_iterate_phdr(visit, &w);
    if (!w.passed || w.audited)
        return -1;
    for (size_t k = 0; k < n; k++)
        if (where[k] < 0) {
            out[k] = NULL;
            where[k] = -1;
        }
    return 0;
}

int tm__next_walk(const struct tm__next_names *nm, void **out, int *where)
{
    const char *name[NEXT_MAX];

    if (nm->n > NEXT_MAX)
        return -1;
    split(nm, name);
    return walk(nm, name, out, where);
}

void tm__next_resolve(const struct tm__next_names *nm, void **out,
                      struct tm__next_stats *st)
{
    int where[NEXT_MAX];
    const char *name[NEXT_MAX];
    struct tm__next_stats s = {0, 0, 0};
    size_t n = nm->n;

    if (n > NEXT_MAX) { /* not for the walk: dlsym, name by name */
        const char *p = nm->text;

        for (size_t k = 0; k < n; k++) {
            out[k] = dlsym(RTLD_NEXT, p);
            s.asked++;
            while (*p++)
                ;
        }
        goto done;
    }
    split(nm, name);
    if (walk(nm, name, out, where) != 0)
        for (size_t k = 0; k < n; k++)
            where[k] = -1;
    /* One dlsym per object that answered: is it in the scope? */
    for (size_t k = 0; k < n; k++) {
        int obj = where[k];
        int agree;

        if (obj < 0)
            continue;
        agree = dlsym(RTLD_NEXT, name[k]) == out[k];
        s.objects++;
        for (size_t j = k; j < n; j++)
            if (where[j] == obj) {
                where[j] = agree ? -3 : -1;
                if (agree)
                    s.walked++;
            }
    }
    for (size_t k = 0; k < n; k++)
        if (where[k] == -1) {
            out[k] = dlsym(RTLD_NEXT, name[k]);
            s.asked++;
        }
done:
    if (st != NULL)
        *st = s;
}

/* The objects after this one, from tm__next_prepare: all of them loaded
 * at start (none after the loader, which the start's objects end with
 * unless a dependency of a dependency follows it), so never unloaded and
 * all in the global scope: no dlsym needed to confirm an answer.  Written
 * once by the constructor, on the page it writes anyway (start.h). */
#define NEXT_OBJS 8
static struct {
    int n; /* 0: not prepared, every name is left to dlsym */
    struct next_obj {
        uintptr_t addr;
        const ElfW(Phdr) *phdr;
        ElfW(Half) phnum;
    } o[NEXT_OBJS];
} objs TM_START_DATA;

const char *tm__next_interp(const struct dl_phdr_info *info)
{
    for (int i = 0; i < info->dlpi_phnum; i++)
        if (info->dlpi_phdr[i].p_type == PT_INTERP)
            return (const char *)(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    return NULL;
}

/* glibc names the loader with the program's very PT_INTERP string (that
 * pointer).  Run as a command ("ld.so [--audit LIST] prog"), it is named by
 * another copy of the name: then it is not taken for the loader, nothing
 * is prepared and every name is asked of dlsym, which alone sees auditors
 * given with --audit.  Not getauxval(AT_BASE) (0 in that case): its first
 * call would bind it in every process. */
int tm__next_loader(const struct dl_phdr_info *info, const char *interp)
{
    return interp != NULL && info->dlpi_name == interp;
}

struct prep {
    const char *interp; /* the program's PT_INTERP: the loader's name */
    int passed, at_end, refused, audited, n, objects;
    struct next_obj o[NEXT_OBJS];
};

TM_START_TEXT static int prep_visit(struct dl_phdr_info *info, size_t size, void *arg)
{
    struct prep *p = arg;
    const ElfW(Dyn) *dyn = dynamic_of(info, p->objects++ == 0 ? &p->audited : NULL);
    struct table t;

    (void)size;
    if (p->objects == 1) /* the program, first */
        p->interp = tm__next_interp(info);
    if (!p->passed) {
        p->passed = dyn != NULL && dyn == _DYNAMIC;
        return 0;
    }
    /* After the loader: perhaps dlopen'ed (unloadable, maybe outside the
     * scope); more than the room; a table the walk cannot read. */
    if (p->at_end || p->n == NEXT_OBJS || dyn == NULL ||
        table_of(info, dyn, &t) != 0) {
        p->refused = 1;
        return 1;
    }
    p->o[p->n].addr = info->dlpi_addr;
    p->o[p->n].phdr = info->dlpi_phdr;
    p->o[p->n].phnum = info->dlpi_phnum;
    p->n++;
    p->at_end = tm__next_loader(info, p->interp);
    return 0;
}

TM_START_TEXT int tm__next_prepare(void)
{
    struct prep p = {0};

    /* LD_DYNAMIC_WEAK: dlsym passes a weak definition over for a strong
     * one further on (libc's open and write are weak); the lookup does
     * not (ignored by the loader in a secure process, so taken as set). */
    if (ld_env() != 0)
        return -1;
    dl_iterate_phdr(prep_visit, &p);
    if (!p.passed || !p.at_end || p.refused || p.audited)
        return -1;
    for (int k = 0; k < p.n; k++)
        objs.o[k] = p.o[k];
    __atomic_store_n(&objs.n, p.n, __ATOMIC_RELEASE);
    return 0;
}

/* Each kept object's table, read from its dynamic section by the first
 * lookup that needs it and kept (about 400 instructions an object, which
 * every lookup paid again).  In .bss: a process that looks nothing up
 * never touches it.  No lock: state 0 unread, 1 being stored by someone
 * (a thread, or the code a signal handler interrupted, or the forking
 * thread in a child: then read it again, here), 2 ready. */
static struct table tables[NEXT_OBJS];
static int table_state[NEXT_OBJS];

static const struct table *table_at(int k, const struct dl_phdr_info *info,
                                    struct table *local)
{
    int state = __atomic_load_n(&table_state[k], __ATOMIC_ACQUIRE), unread = 0;
    const ElfW(Dyn) *dyn;

    if (state == 2)
        return &tables[k];
    dyn = dynamic_of(info, NULL);
    if (dyn == NULL || table_of(info, dyn, local) != 0)
        return NULL;
    if (state == 0 &&
        __atomic_compare_exchange_n(&table_state[k], &unread, 1, 0,
                                    __ATOMIC_ACQUIRE, __ATOMIC_RELAXED)) {
        tables[k] = *local;
        __atomic_store_n(&table_state[k], 2, __ATOMIC_RELEASE);
    }
    return local;
}

TM_START_TEXT int tm__next_find(const char *name, uint32_t hash, void **addr)
{
    int n = __atomic_load_n(&objs.n, __ATOMIC_ACQUIRE);

    if (n == 0)
        return -1;
    for (int k = 0; k < n; k++) {
        struct dl_phdr_info info = {0};
        const struct table *t;
        struct table local;
        int r;

        info.dlpi_addr = objs.o[k].addr;
        info.dlpi_phdr = objs.o[k].phdr;
        info.dlpi_phnum = objs.o[k].phnum;
        if ((t = table_at(k, &info, &local)) == NULL)
            return -1;
        r = lookup(&info, t, name, hash, addr, 1);
        if (r != 0)
            return r;
    }
    *addr = NULL;
    return 0;
}
