/* Unit tests: the pool of work areas in a fork's child (shim/work.c). */
#include "shim_unit.h"

#include <pthread.h>
#include <string.h>

#include "work.h"

static struct tm__work *held;

/* Memos as emit.c leaves them after an event. */
static void remember(struct tm__work *w)
{
    w->memo_frames.len = 5;
    w->memo_py.len = 7;
    w->py_last_len = 3;
    w->py_last_n = 2;
}

/* A thread that takes an area and is gone at the fork with it held, its
 * repo memo half-written ("alpha" over "alphabet": two stores apart), and
 * its other memos as they stood (it may have been writing any of them). */
static void *holder(void *arg)
{
    (void)arg;
    held = tm__work_take();
    if (held != NULL)
        remember(held);
    if (held != NULL)
        memcpy(held->stored_of, "alphabet", 9);
    if (held != NULL)
        memcpy(held->stored_of, "alph", 4); /* the fork came here */
    return NULL;
}

/* After tm__work_forked, the area another thread held is free and has
 * forgotten its memos (the repo's would file the child's events in
 * "alphabet" under the stored name of "alpha"; the others would give a
 * torn input another's output); an area given back whole keeps its own. */
static void forked_child_forgets_held_memos(void **state)
{
    pthread_t t;
    struct tm__work *given, *a, *b;

    (void)state;
    assert_int_equal(pthread_create(&t, NULL, holder, NULL), 0);
    assert_int_equal(pthread_join(t, NULL), 0);
    assert_non_null(held);
    given = tm__work_take();
    assert_non_null(given);
    memcpy(given->stored_of, "kept", 5);
    remember(given);
    tm__work_give(given);

    tm__work_forked();

    a = tm__work_take(); /* the lowest free area first: the held one */
    assert_ptr_equal(a, held);
    assert_int_equal(a->stored_of[0], '\0');
    assert_int_equal(a->memo_frames.len, 0);
    assert_int_equal(a->memo_py.len, 0);
    assert_int_equal(a->py_last_n, 0);
    b = tm__work_take();
    assert_ptr_equal(b, given);
    assert_string_equal(b->stored_of, "kept");
    assert_int_equal(b->memo_frames.len, 5);
    assert_int_equal(b->memo_py.len, 7);
    assert_int_equal(b->py_last_n, 2);
    tm__work_give(b);
    tm__work_give(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forked_child_forgets_held_memos),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
