/* test_timerq.c - the timer queue: order among equal deadlines, strict "before",
 * callbacks that add timers or fail, cancellation, restoring with given seqs, and many
 * timers against a sorted reference. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>

#include "cefguard/timerq.h"

/* What the callbacks write: the label of each timer run, in order. */
struct log {
    char s[64];
    size_t n;
    struct cg_timerq *q;
};

/* A timer's argument: its label, and what its callback does besides logging. */
struct tm {
    struct log *log;
    char label;
    int rc;           /* returned by the callback */
    int64_t child_at; /* when child is set: add it at this deadline */
    const struct tm *child;
};

static int on_timer(void *arg, const struct cg_timerq_entry *t)
{
    const struct tm *m = arg;
    assert_ptr_equal(t->arg, arg);
    m->log->s[m->log->n++] = m->label;
    if (m->child)
        assert_int_equal(cg_timerq_add(m->log->q, m->child_at, on_timer, (void *)m->child, NULL),
                         CG_OK);
    return m->rc;
}

/* ---- order, "before", callbacks ----------------------------------------------------------- */

#define MAX_ADDS 8

struct add {
    char label;
    int64_t deadline;
    int rc;
    char child;       /* label of the timer its callback adds, or 0 */
    int64_t child_at; /* that timer's deadline */
};

/* A timer; one whose callback adds a child timer; one whose callback fails. */
#define T(label, d)                                                                                \
    {                                                                                              \
        label, d, CG_OK, 0, 0                                                                      \
    }
#define TC(label, d, child, at)                                                                    \
    {                                                                                              \
        label, d, CG_OK, child, at                                                                 \
    }
#define TE(label, d, rc)                                                                           \
    {                                                                                              \
        label, d, rc, 0, 0                                                                         \
    }

static const struct run_case {
    const char *name;
    struct add adds[MAX_ADDS];
    int64_t before;
    const char *ran; /* labels in run order */
    int rc;          /* what cg_timerq_run returns */
    size_t left;     /* timers still queued */
} run_cases[] = {
    {"equal deadlines run in add order",
     {T('a', 5), T('b', 5), T('c', 3), T('d', 5), T('e', 4)},
     100,
     "ceabd",
     CG_OK,
     0},
    {"before is strict", {T('a', 5), T('b', 6), T('c', 6), T('d', 7)}, 6, "a", CG_OK, 3},
    {"nothing due", {T('a', 5)}, 5, "", CG_OK, 1},
    {"negative and extreme deadlines",
     {T('a', 0), T('b', -3), T('c', INT64_MIN), T('d', INT64_MAX), T('e', -3)},
     INT64_MAX,
     "cbea",
     CG_OK,
     1},
    {"a child due now runs after the timers already queued at its deadline",
     {TC('a', 10, 'x', 10), T('b', 10), T('c', 11)},
     100,
     "abxc",
     CG_OK,
     0},
    {"a child in the past runs next", {TC('a', 10, 'x', 1), T('b', 12)}, 100, "axb", CG_OK, 0},
    {"a child not yet due stays queued", {TC('a', 10, 'x', 50), T('b', 12)}, 50, "ab", CG_OK, 1},
    {"a child of a child",
     {TC('a', 1, 'x', 2), TC('x', 0, 'y', 2), T('b', 2)},
     100,
     "xabyxy",
     CG_OK,
     0},
    {"an error stops the run after its timer",
     {T('a', 1), TE('b', 2, CG_EINVAL), T('c', 3)},
     100,
     "ab",
     CG_EINVAL,
     1},
};

static void test_run_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(run_cases) / sizeof(run_cases[0]); k++) {
        const struct run_case *c = &run_cases[k];
        struct cg_timerq q;
        cg_timerq_init(&q);
        struct log log = {.q = &q};
        struct tm tms[MAX_ADDS], children[MAX_ADDS];
        size_t nadd = 0;
        for (; nadd < MAX_ADDS && c->adds[nadd].label; nadd++) {
            const struct add *a = &c->adds[nadd];
            children[nadd] = (struct tm){&log, a->child, CG_OK, 0, NULL};
            tms[nadd] =
                (struct tm){&log, a->label, a->rc, a->child_at, a->child ? &children[nadd] : NULL};
        }
        /* A child whose label is also one of the adds is that timer itself (with its own
         * child): "a child of a child". */
        for (size_t i = 0; i < nadd; i++)
            for (size_t j = 0; j < nadd; j++)
                if (tms[i].child && tms[j].label == tms[i].child->label)
                    tms[i].child = &tms[j];
        for (size_t i = 0; i < nadd; i++) {
            uint64_t seq = 0;
            assert_int_equal(cg_timerq_add(&q, c->adds[i].deadline, on_timer, &tms[i], &seq),
                             CG_OK);
            assert_int_equal(seq, i + 1);
        }
        assert_int_equal(cg_timerq_count(&q), nadd);
        int rc = cg_timerq_run(&q, c->before);
        log.s[log.n] = 0;
        if (rc != c->rc || strcmp(log.s, c->ran) != 0 || cg_timerq_count(&q) != c->left)
            fail_msg("%s: ran \"%s\" rc %d left %zu; want \"%s\" rc %d left %zu", c->name, log.s,
                     rc, cg_timerq_count(&q), c->ran, c->rc, c->left);
        cg_timerq_fini(&q);
        assert_int_equal(cg_timerq_count(&q), 0);
    }
}

/* ---- peek, pop, cancel --------------------------------------------------------------------- */

/* Timers a..h at deadlines 1 2 2 3 5 5 8 9, added in the order h c e a g b d f (seqs 1..8),
 * so the heap order differs from the add order and the ties b/c and e/f go by seq: all of
 * them run as "acbdefgh". */
static const struct cancel_case {
    const char *name;
    uint64_t cancel[6]; /* seqs to cancel (0 ends) */
    const char *left;   /* labels popped afterwards, in order */
} cancel_cases[] = {
    {"none", {0}, "acbdefgh"},
    {"the first added (the last to run)", {1}, "acbdefg"},
    {"the last added", {8}, "acbdegh"},
    {"the first to run, and one of a tie", {4, 6}, "cdefgh"},
    {"all but two", {1, 2, 3, 5, 6, 7}, "af"},
};

static void test_cancel_table(void **state)
{
    (void)state;
    static const int64_t deadlines[8] = {1, 2, 2, 3, 5, 5, 8, 9};
    static const char add_order[] = "hceagbdf";
    for (size_t k = 0; k < sizeof(cancel_cases) / sizeof(cancel_cases[0]); k++) {
        const struct cancel_case *c = &cancel_cases[k];
        struct cg_timerq q;
        cg_timerq_init(&q);
        struct log log = {.q = &q};
        struct tm tms[8];
        for (int i = 0; i < 8; i++) {
            int d = add_order[i] - 'a';
            uint64_t seq;
            tms[d] = (struct tm){&log, add_order[i], CG_OK, 0, NULL};
            assert_int_equal(cg_timerq_add(&q, deadlines[d], on_timer, &tms[d], &seq), CG_OK);
            assert_int_equal(seq, (uint64_t)i + 1);
        }
        for (size_t j = 0; j < 6 && c->cancel[j]; j++) {
            assert_true(cg_timerq_cancel(&q, c->cancel[j]));
            assert_false(cg_timerq_cancel(&q, c->cancel[j])); /* already gone */
        }
        assert_false(cg_timerq_cancel(&q, 99));
        assert_int_equal(cg_timerq_count(&q), strlen(c->left));
        struct cg_timerq_entry t;
        int64_t peeked, last = INT64_MIN;
        while (cg_timerq_peek(&q, &peeked)) {
            assert_true(cg_timerq_pop(&q, &t));
            assert_int_equal(t.deadline, peeked);
            assert_true(t.deadline >= last);
            last = t.deadline;
            assert_int_equal(on_timer(t.arg, &t), CG_OK);
        }
        assert_false(cg_timerq_pop(&q, &t));
        log.s[log.n] = 0;
        if (strcmp(log.s, c->left) != 0)
            fail_msg("cancel %s: popped \"%s\", want \"%s\"", c->name, log.s, c->left);
        cg_timerq_fini(&q);
    }
}

static void test_pop_before(void **state)
{
    (void)state;
    struct cg_timerq q;
    cg_timerq_init(&q);
    struct cg_timerq_entry t;
    int64_t d;
    assert_false(cg_timerq_peek(&q, &d));
    assert_false(cg_timerq_pop_before(&q, INT64_MAX, &t));
    assert_int_equal(cg_timerq_add(&q, 7, on_timer, NULL, NULL), CG_OK);
    assert_false(cg_timerq_pop_before(&q, 7, &t));
    assert_true(cg_timerq_pop_before(&q, 8, &t));
    assert_int_equal(t.deadline, 7);
    assert_int_equal(t.seq, 1);
    assert_ptr_equal(t.fn, on_timer);
    assert_int_equal(cg_timerq_count(&q), 0);
    assert_int_equal(cg_timerq_seq(&q), 1);
    cg_timerq_fini(&q);
}

/* ---- a saved queue restored with its seqs ------------------------------------------------ */

static void test_restore(void **state)
{
    (void)state;
    struct cg_timerq a, b;
    cg_timerq_init(&a);
    cg_timerq_init(&b);
    for (int i = 0; i < 50; i++)
        assert_int_equal(cg_timerq_add(&a, (i * 7) % 5, on_timer, NULL, NULL), CG_OK);
    struct cg_timerq_entry t;
    for (int i = 0; i < 10; i++) /* some ran: the counter is ahead of the seqs left */
        assert_true(cg_timerq_pop(&a, &t));
    for (size_t i = 0; i < cg_timerq_count(&a); i++) {
        const struct cg_timerq_entry *e = cg_timerq_at(&a, i);
        assert_int_equal(cg_timerq_add_seq(&b, e->deadline, e->seq, e->fn, e->arg), CG_OK);
    }
    assert_int_equal(cg_timerq_seq(&b), 0); /* add_seq leaves the counter */
    cg_timerq_set_seq(&b, cg_timerq_seq(&a));
    /* Saved in heap order, restored in that order: the same array. */
    assert_int_equal(b.n, a.n);
    assert_memory_equal(b.v, a.v, a.n * sizeof(*a.v));
    uint64_t sa, sb;
    assert_int_equal(cg_timerq_add(&a, 2, on_timer, NULL, &sa), CG_OK);
    assert_int_equal(cg_timerq_add(&b, 2, on_timer, NULL, &sb), CG_OK);
    assert_int_equal(sa, 51);
    assert_int_equal(sb, 51);
    struct cg_timerq_entry ta, tb;
    while (cg_timerq_pop(&a, &ta)) {
        assert_true(cg_timerq_pop(&b, &tb));
        assert_int_equal(ta.deadline, tb.deadline);
        assert_int_equal(ta.seq, tb.seq);
    }
    assert_int_equal(cg_timerq_count(&b), 0);
    cg_timerq_fini(&a);
    cg_timerq_fini(&b);
}

/* ---- many timers against a reference -------------------------------------------------------- */

struct ref {
    int64_t deadline;
    uint64_t seq;
};

static int ref_cmp(const void *x, const void *y)
{
    const struct ref *a = x, *b = y;
    if (a->deadline != b->deadline)
        return a->deadline < b->deadline ? -1 : 1;
    return a->seq < b->seq ? -1 : a->seq > b->seq;
}

static uint64_t lcg(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s >> 33;
}

/* range: deadlines in [0, range), so small ranges make many ties. */
static const struct many_case {
    int64_t range;
    size_t n;
    unsigned cancel_every; /* 0: no cancels */
    unsigned pop_every;    /* after each add, pop one every so many adds (0: only at the end) */
} many_cases[] = {
    {1, 2000, 0, 0},        /* one deadline: add order exactly */
    {16, 20000, 7, 0},      /* many ties, cancels */
    {1000000, 20000, 0, 3}, /* few ties, interleaved pops */
    {64, 20000, 5, 2},      /* both */
};

/* The smallest of the reference's live entries (removed), as pop would. */
static struct ref ref_take_min(struct ref *r, size_t *n)
{
    size_t best = 0;
    for (size_t i = 1; i < *n; i++)
        if (ref_cmp(&r[i], &r[best]) < 0)
            best = i;
    struct ref m = r[best];
    r[best] = r[--*n];
    return m;
}

static void ref_remove_seq(struct ref *r, size_t *n, uint64_t seq)
{
    for (size_t i = 0; i < *n; i++) {
        if (r[i].seq == seq) {
            r[i] = r[--*n];
            return;
        }
    }
    fail_msg("seq %llu not in the reference", (unsigned long long)seq);
}

static void check_pop(struct cg_timerq *q, struct ref *ref, size_t *nref)
{
    struct cg_timerq_entry t;
    struct ref want = ref_take_min(ref, nref);
    assert_true(cg_timerq_pop(q, &t));
    if (t.deadline != want.deadline || t.seq != want.seq)
        fail_msg("popped (%lld, %llu), want (%lld, %llu)", (long long)t.deadline,
                 (unsigned long long)t.seq, (long long)want.deadline, (unsigned long long)want.seq);
}

static void test_many_vs_reference(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(many_cases) / sizeof(many_cases[0]); k++) {
        const struct many_case *c = &many_cases[k];
        struct ref *ref = malloc(c->n * sizeof(*ref));
        assert_non_null(ref);
        size_t nref = 0;
        uint64_t s = 12345 + k;
        struct cg_timerq q;
        cg_timerq_init(&q);
        for (size_t i = 0; i < c->n; i++) {
            int64_t d = (int64_t)(lcg(&s) % (uint64_t)c->range);
            uint64_t seq;
            assert_int_equal(cg_timerq_add(&q, d, on_timer, NULL, &seq), CG_OK);
            ref[nref++] = (struct ref){d, seq};
            if (c->cancel_every && i % c->cancel_every == 0) {
                uint64_t victim = 1 + lcg(&s) % seq;
                if (cg_timerq_cancel(&q, victim))
                    ref_remove_seq(ref, &nref, victim);
            }
            if (c->pop_every && i % c->pop_every == 0 && nref)
                check_pop(&q, ref, &nref);
            assert_int_equal(cg_timerq_count(&q), nref);
        }
        /* The rest in one sorted sweep. */
        qsort(ref, nref, sizeof(*ref), ref_cmp);
        struct cg_timerq_entry t;
        for (size_t i = 0; i < nref; i++) {
            assert_true(cg_timerq_pop(&q, &t));
            if (t.deadline != ref[i].deadline || t.seq != ref[i].seq)
                fail_msg("case %zu, %zu: popped (%lld, %llu), want (%lld, %llu)", k, i,
                         (long long)t.deadline, (unsigned long long)t.seq,
                         (long long)ref[i].deadline, (unsigned long long)ref[i].seq);
        }
        assert_false(cg_timerq_pop(&q, &t));
        cg_timerq_fini(&q);
        free(ref);
    }
}

/* remove_if: every timer whose seq is odd goes (drop sees each once), the rest keep
 * their (deadline, seq) order, and the array shrinks when most went. */
static bool drop_odd(void *ctx, const struct cg_timerq_entry *t)
{
    (*(size_t *)ctx)++;
    return t->seq % 2 == 1;
}

static bool drop_all_but_ten(void *ctx, const struct cg_timerq_entry *t)
{
    (void)ctx;
    return t->seq > 10;
}

static void test_remove_if(void **state)
{
    (void)state;
    struct cg_timerq q;
    cg_timerq_init(&q);
    uint64_t s = 777;
    for (int i = 0; i < 1000; i++)
        assert_int_equal(cg_timerq_add(&q, (int64_t)(lcg(&s) % 50), on_timer, NULL, NULL), CG_OK);
    size_t seen = 0, cap = q.cap;
    assert_int_equal(cg_timerq_remove_if(&q, drop_odd, &seen), 500);
    assert_int_equal(seen, 1000);
    assert_int_equal(cg_timerq_count(&q), 500);
    assert_int_equal(q.cap, cap); /* half left: no shrink */
    assert_int_equal(cg_timerq_remove_if(&q, drop_all_but_ten, NULL), 495);
    assert_true(q.cap < cap);
    assert_int_equal(cg_timerq_mem(&q), q.cap * sizeof(struct cg_timerq_entry));
    struct cg_timerq_entry t, prev = {INT64_MIN, 0, NULL, NULL};
    size_t n = 0;
    while (cg_timerq_pop(&q, &t)) {
        assert_true(t.seq % 2 == 0 && t.seq <= 10);
        assert_true(t.deadline > prev.deadline ||
                    (t.deadline == prev.deadline && t.seq > prev.seq));
        prev = t;
        n++;
    }
    assert_int_equal(n, 5);
    cg_timerq_fini(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_run_table),         cmocka_unit_test(test_cancel_table),
        cmocka_unit_test(test_pop_before),        cmocka_unit_test(test_restore),
        cmocka_unit_test(test_many_vs_reference), cmocka_unit_test(test_remove_if),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
