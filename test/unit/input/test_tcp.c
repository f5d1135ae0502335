/*
 * test_tcp.c - the TCP input (source_tcp.h) on a real event_base and real sockets on
 * 127.0.0.1:0: numbered messages over LF framing and octet counting from several
 * connections at once arrive exactly once and in order per connection, whatever the
 * pieces they were written in; each bound (a 10 MiB line, bogus octet counts, connections
 * beyond max-connections, a slow writer, an idle one, no descriptor left) closes only the
 * connection that hit it, counted, while a good sender loses nothing; pause, resume and
 * stop, also from within a frame; a failing frame closes only its connection; the option
 * and counter tables.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_tcp_harness.h"

#include "cefguard/counters.h"
#include "cefguard/options.h"

#include <fcntl.h>
#include <sys/resource.h>

#define N 5000

static void expect_numbered(struct h *h, int id, uint64_t n)
{
    struct h_conn *c = h_conn_by_id(h, id);
    if (!c)
        fail_msg("sender %d delivered nothing", id);
    if (c->frames != n)
        fail_msg("sender %d: %llu frames, want %llu", id, (unsigned long long)c->frames,
                 (unsigned long long)n);
}

/* Senders 0..k-1 at once, LF framing or octet counting by id (octet_mask). */
static void many(uint64_t octet_mask, int k)
{
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    h.numbered = true;
    h.octet_mask = octet_mask;
    struct h_sender snd[8] = {0};
    for (int i = 0; i < k; i++)
        h_sender_start(&h, &snd[i], i, N, octet_mask >> i & 1);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == (uint64_t)k, 20000);
    for (int i = 0; i < k; i++) {
        h_sender_join(&snd[i]);
        assert_true(snd[i].ok);
        expect_numbered(&h, i, N);
    }
    struct cg_source_tcp_stats *st = h_st(&h);
    assert_int_equal(h.frames, (uint64_t)k * N);
    assert_int_equal(st->received, (uint64_t)k * N);
    assert_int_equal(st->connections_accepted, k);
    assert_int_equal(st->connections_open, 0);
    assert_int_equal(st->eof_partial + st->dropped_partial + st->closed_too_long +
                         st->closed_bad_octet_count + st->closed_error,
                     0);
    h_fini(&h);
}

static void test_lf_many(void **state)
{
    (void)state;
    many(0, 4);
}

static void test_octet_many(void **state)
{
    (void)state;
    many(0xf, 4);
}

static void test_mixed_many(void **state)
{
    (void)state;
    many(0x5, 6);
}

/* A 10 MiB line without LF closes its connection; a parallel good one loses nothing. */
static void test_too_long(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    h.numbered = true;
    size_t big = 10u << 20;
    char *line = malloc(big + 1);
    assert_non_null(line);
    memcpy(line, "<13>cg 9 1 ", 11);
    memset(line + 11, 'x', big - 11);
    line[big] = '\n';
    struct h_sender bad = {.bytes = line, .nbytes = big + 1}, good = {0};
    h_sender_start(&h, &bad, 9, 0, false);
    h_sender_start(&h, &good, 1, N, false);
    H_RUN_UNTIL(&h, h_st(&h)->closed_too_long == 1 && h_st(&h)->closed_eof == 1, 20000);
    h_sender_join(&bad);
    h_sender_join(&good);
    assert_false(bad.ok); /* the server closed on it */
    assert_true(good.ok);
    expect_numbered(&h, 1, N);
    assert_int_equal(h.frames, N);
    assert_null(h_conn_by_id(&h, 9));
    assert_int_equal(h_st(&h)->dropped_partial, 1);
    free(line);
    h_fini(&h);
}

/* Writes all of p on a non-blocking-read client (blocking writes of small data). */
static void put(int fd, const char *p)
{
    assert_int_equal(send(fd, p, strlen(p), MSG_NOSIGNAL), (ssize_t)strlen(p));
}

/* true once the server has closed fd (EOF or reset). */
static bool closed_by_peer(int fd)
{
    char c;
    ssize_t r = recv(fd, &c, 1, MSG_DONTWAIT);
    return r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* The input's buffers stay within max-buffered: the connection whose long message would
 * take them beyond is closed, the one holding its share and a small sender go on, and
 * the memory comes back. */
static void test_max_buffered(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    h.conf.max_message = 600000;
    h.conf.max_buffered = 1u << 20;
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    char *part = malloc(530000);
    assert_non_null(part);
    memset(part, 'x', 530000);
    part[0] = '<';
    int a = h_connect(&h), b = h_connect(&h), small = h_connect(&h);
    assert_int_equal(send(a, part, 500000, MSG_NOSIGNAL), 500000);
    H_RUN_UNTIL(&h, h_st(&h)->bytes == 500000, 5000);
    /* a: 16 KiB doubled to hold 500000; b and small: 16 KiB each since their first read */
    assert_int_equal(h_st(&h)->buffered, 524288 + 2 * 16384);
    assert_int_equal(send(b, part, 530000, MSG_NOSIGNAL), 530000);
    H_RUN_UNTIL(&h, h_st(&h)->closed_memory == 1, 5000);
    assert_false(closed_by_peer(a));
    put(small, "<13>small\n");
    H_RUN_UNTIL(&h, h.frames == 1, 5000);
    assert_string_equal(h.last, "<13>small");
    put(a, "\n"); /* a's message completes */
    H_RUN_UNTIL(&h, h.frames == 2, 5000);
    close(a);
    close(b);
    close(small);
    H_RUN_UNTIL(&h, h_st(&h)->connections_open == 0, 5000);
    assert_int_equal(h_st(&h)->buffered, 0);
    assert_int_equal(h_st(&h)->dropped_partial, 1);
    free(part);
    h_fini(&h);
}

/* Each bogus octet count closes its connection after the good frame before it; a good
 * connection open all along goes on. */
static void test_bad_counts(void **state)
{
    (void)state;
    static const char *const bogus[] = {"99999999999 x", "0 x",  "01 x",
                                        "12a x",         "-1 x", "1048577 x"};
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    int good = h_connect(&h);
    put(good, "<13>good 1\n");
    H_RUN_UNTIL(&h, h.frames == 1, 5000);
    for (size_t i = 0; i < CG_ARRAY_LEN(bogus); i++) {
        int fd = h_connect(&h);
        char first[32];
        snprintf(first, sizeof(first), "5 <13>%zu", i); /* a good frame first */
        put(fd, first);
        H_RUN_UNTIL(&h, h.frames == 2 + 2 * i, 5000);
        put(fd, bogus[i]);
        H_RUN_UNTIL(&h, h_st(&h)->closed_bad_octet_count == i + 1 && closed_by_peer(fd), 5000);
        close(fd);
        put(good, "<13>good\n");
        H_RUN_UNTIL(&h, h.frames == 3 + 2 * i, 5000);
        assert_string_equal(h.last, "<13>good");
    }
    assert_int_equal(h_st(&h)->connections_open, 1);
    assert_int_equal(h_st(&h)->closed_too_long + h_st(&h)->closed_error, 0);
    close(good);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 1, 5000);
    h_fini(&h);
}

/* 500 connections beyond max-connections are accepted and closed at once; the good one
 * among the first delivers. */
static void test_max_connections(void **state)
{
    (void)state;
    enum { MAX = 10, EXTRA = 500 };
    struct h h = {0};
    h_conf(&h);
    h.conf.max_connections = MAX;
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    int good = h_connect(&h);
    H_RUN_UNTIL(&h, h_st(&h)->connections_open == 1, 5000);
    int fds[MAX - 1 + EXTRA];
    for (int i = 0; i < MAX - 1 + EXTRA; i++) {
        fds[i] = h_connect(&h);
        if (i % 50 == 49) /* do not overflow the listen backlog */
            H_RUN_UNTIL(&h,
                        h_st(&h)->connections_open + h_st(&h)->rejected_max_connections ==
                            (uint64_t)i + 2,
                        5000);
    }
    H_RUN_UNTIL(&h, h_st(&h)->rejected_max_connections == EXTRA, 5000);
    assert_int_equal(h_st(&h)->connections_open, MAX);
    for (int i = MAX - 1; i < MAX - 1 + EXTRA; i++)
        H_RUN_UNTIL(&h, closed_by_peer(fds[i]), 5000);
    for (int i = 0; i < MAX - 1; i++)
        assert_false(closed_by_peer(fds[i]));
    struct cg_buf b;
    cg_buf_init(&b);
    for (uint64_t i = 1; i <= 100; i++)
        h_msg(&b, 3, i, false);
    h.numbered = true;
    assert_int_equal(send(good, b.p, b.n, MSG_NOSIGNAL), (ssize_t)b.n);
    H_RUN_UNTIL(&h, h.frames == 100, 5000);
    expect_numbered(&h, 3, 100);
    cg_buf_fini(&b);
    for (int i = 0; i < MAX - 1 + EXTRA; i++)
        close(fds[i]);
    close(good);
    H_RUN_UNTIL(&h, h_st(&h)->connections_open == 0, 5000);
    assert_int_equal(h_st(&h)->connections_accepted, MAX);
    h_fini(&h);
}

/* A writer that begins a message and sends nothing more is closed after frame-timeout;
 * an idle one after idle-timeout; a good sender writing all along stays. */
static void test_slow_and_idle(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    h.conf.frame_timeout_us = 300000;
    h.conf.idle_timeout_us = 600000;
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    h.numbered = true;
    int good = h_connect(&h), slow = h_connect(&h), idle = h_connect(&h);
    int64_t t0 = h_now_ms();
    put(slow, "123 <13>cg 7 1 part");
    struct cg_buf b;
    cg_buf_init(&b);
    h_msg(&b, 8, 1, false);
    put(idle, cg_buf_cstr(&b));
    uint64_t sent = 0;
    while (h_st(&h)->closed_idle == 0) {
        cg_buf_clear(&b);
        for (int i = 0; i < 20; i++)
            h_msg(&b, 1, ++sent, false);
        assert_int_equal(send(good, b.p, b.n, MSG_NOSIGNAL), (ssize_t)b.n);
        h_run_for(&h, 20);
        if (h_st(&h)->closed_slow == 1 && !closed_by_peer(slow))
            fail_msg("closed.slow counted but the connection is open");
        if (h_st(&h)->closed_slow == 0 && h_now_ms() - t0 > 1500)
            fail_msg("the slow writer was not closed");
        assert_true(h_now_ms() - t0 < 3000);
    }
    int64_t took = h_now_ms() - t0;
    assert_true(took >= 600);
    assert_int_equal(h_st(&h)->closed_slow, 1);
    assert_int_equal(h_st(&h)->closed_idle, 1);
    assert_true(closed_by_peer(idle));
    H_RUN_UNTIL(&h, h_conn_by_id(&h, 1) && h_conn_by_id(&h, 1)->frames == sent, 5000);
    assert_false(closed_by_peer(good));
    assert_int_equal(h_st(&h)->dropped_partial, 1); /* the slow one's */
    assert_int_equal(h_conn_by_id(&h, 8)->frames, 1);
    assert_null(h_conn_by_id(&h, 7));
    cg_buf_fini(&b);
    close(good);
    close(slow);
    close(idle);
    h_fini(&h);
}

/* No descriptor left: pending connections are taken off the backlog on the spare and
 * closed, the loop does not spin, and once descriptors are back a sender delivers. */
static void test_emfile(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    enum { PENDING = 5 };
    int pending[PENDING];
    for (int i = 0; i < PENDING; i++)
        pending[i] = h_connect(&h);
    struct rlimit saved, low;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    int top = dup(0);
    assert_true(top >= 0);
    close(top);
    low = saved;
    low.rlim_cur = (rlim_t)top + 8;
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int fill[64], nfill = 0;
    while (nfill < 64) {
        int fd = open("/dev/null", O_RDONLY);
        if (fd < 0)
            break;
        fill[nfill++] = fd;
    }
    assert_int_equal(errno, EMFILE);
    /* at most a few loop turns: every pending one is taken and closed */
    for (int turn = 0; turn < 20 && h_st(&h)->rejected_emfile < PENDING; turn++)
        event_base_loop(h.base, EVLOOP_NONBLOCK);
    assert_int_equal(h_st(&h)->rejected_emfile, PENDING);
    assert_int_equal(h_st(&h)->connections_open, 0);
    /* nothing is left to accept: the loop has nothing to do (no busy loop) */
    int64_t t0 = h_now_ms();
    assert_int_equal(event_base_loop(h.base, EVLOOP_ONCE | EVLOOP_NONBLOCK), 0);
    assert_true(h_now_ms() - t0 < 100);
    for (int i = 0; i < nfill; i++)
        close(fill[i]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
    for (int i = 0; i < PENDING; i++) {
        H_RUN_UNTIL(&h, closed_by_peer(pending[i]), 5000);
        close(pending[i]);
    }
    h.numbered = true;
    struct h_sender s = {0};
    h_sender_start(&h, &s, 2, 1000, false);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 1, 10000);
    h_sender_join(&s);
    expect_numbered(&h, 2, 1000);
    assert_int_equal(h_st(&h)->accept_errors, 0);
    h_fini(&h);
}

/* EOF: a last LF line without its LF is delivered; an incomplete counted frame is not. */
static void test_eof(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    int a = h_connect(&h), b = h_connect(&h);
    put(a, "<13>one\r\n\n<13>two");
    put(b, "4 <13>9 <13>x");
    close(a);
    close(b);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 2, 5000);
    assert_int_equal(h.frames, 3);
    assert_int_equal(h_st(&h)->eof_partial, 1);
    assert_int_equal(h_st(&h)->dropped_partial, 1);
    assert_int_equal(h_st(&h)->bytes, 17 + 13);
    h_fini(&h);
}

/* pause from within a frame: nothing is delivered or accepted until resume; then all. */
static void test_pause_resume(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    h.numbered = true;
    h.pause_at = 10;
    struct h_sender s = {0};
    h_sender_start(&h, &s, 0, 2000, false);
    H_RUN_UNTIL(&h, h.frames == 10, 5000);
    h_run_for(&h, 200);
    assert_int_equal(h.frames, 10);
    int late = h_connect(&h); /* not accepted while paused */
    h_run_for(&h, 100);
    assert_int_equal(h_st(&h)->connections_accepted, 1);
    h.s.ops->resume(&h.s);
    h.s.ops->pause(&h.s);
    h.s.ops->resume(&h.s);
    H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 1 && h_st(&h)->connections_accepted == 2, 10000);
    h_sender_join(&s);
    expect_numbered(&h, 0, 2000);
    close(late);
    h_fini(&h);
}

/* stop delivers the complete frames already buffered, closes everything, ends once. */
static void test_stop_delivers_buffered(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    h.pause_at = 1;
    int a = h_connect(&h);
    put(a, "<13>1\n<13>2\n<13>3\n<13>4 part");
    H_RUN_UNTIL(&h, h.frames == 1, 5000);
    h_run_for(&h, 50);
    assert_int_equal(h.frames, 1);
    h.s.ops->stop(&h.s);
    assert_int_equal(h.ends, 1);
    assert_int_equal(h.end_rc, CG_OK);
    assert_int_equal(h.frames, 3);
    assert_string_equal(h.last, "<13>3");
    assert_int_equal(h_st(&h)->closed_stop, 1);
    assert_int_equal(h_st(&h)->dropped_partial, 1);
    h.s.ops->stop(&h.s); /* once */
    h.s.ops->resume(&h.s);
    h_run_for(&h, 20);
    assert_true(closed_by_peer(a));
    close(a);
    h_fini(&h);
}

/* stop from within a frame: nothing more is delivered, every connection is closed. */
static void test_stop_in_frame(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    int a = h_connect(&h), b = h_connect(&h);
    H_RUN_UNTIL(&h, h_st(&h)->connections_open == 2, 5000);
    put(b, "<13>b1\n<13>b2\n");
    h.stop_at = 3;
    put(a, "<13>a1\n");
    H_RUN_UNTIL(&h, h.frames >= 3 || h.ends == 1, 5000);
    H_RUN_UNTIL(&h, h.ends == 1, 5000);
    assert_int_equal(h.frames, 3);
    assert_int_equal(h_st(&h)->closed_stop, 2);
    assert_int_equal(h_st(&h)->connections_open, 0);
    h_run_for(&h, 20);
    close(a);
    close(b);
    h_fini(&h);
}

/* A frame the pipeline fails closes that connection; the other goes on. */
static void test_frame_error(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
    h.numbered = true;
    h.fail_id = 5;
    h.fail_after = 99;
    struct h_sender bad = {0}, good = {0};
    h_sender_start(&h, &bad, 5, N, false);
    h_sender_start(&h, &good, 6, N, false);
    H_RUN_UNTIL(&h, h_st(&h)->closed_frame_error == 1 && h_st(&h)->closed_eof == 1, 10000);
    h_sender_join(&bad);
    h_sender_join(&good);
    expect_numbered(&h, 5, 100);
    expect_numbered(&h, 6, N);
    h_fini(&h);
}

/* origin is the peer: IPv4 as IPv4 also on a dual-stack "*" listener, IPv6 in brackets. */
static void test_origin(void **state)
{
    (void)state;
    static const struct {
        const char *listen;
        int family;
    } cases[] = {{"*:0", AF_INET}, {"[::1]:0", AF_INET6}, {"127.0.0.1:0", AF_INET}};
    for (size_t i = 0; i < CG_ARRAY_LEN(cases); i++) {
        struct h h = {0};
        h_conf(&h);
        h.conf.listen = cases[i].listen;
        assert_int_equal(h_init(&h, &cg_source_tcp_ops), CG_OK);
        int fd = socket(cases[i].family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(fd >= 0);
        struct sockaddr_storage ss = {0}, me;
        socklen_t len;
        if (cases[i].family == AF_INET) {
            struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
            sin->sin_family = AF_INET;
            sin->sin_port = htons((uint16_t)h_st(&h)->port);
            sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof(*sin);
        } else {
            struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
            sin6->sin6_family = AF_INET6;
            sin6->sin6_port = htons((uint16_t)h_st(&h)->port);
            sin6->sin6_addr = in6addr_loopback;
            len = sizeof(*sin6);
        }
        assert_int_equal(connect(fd, (struct sockaddr *)&ss, len), 0);
        len = sizeof(me);
        assert_int_equal(getsockname(fd, (struct sockaddr *)&me, &len), 0);
        char want[80];
        unsigned port = ntohs(((struct sockaddr_in *)&me)->sin_port); /* same offset in v6 */
        snprintf(want, sizeof(want), cases[i].family == AF_INET ? "127.0.0.1:%u" : "[::1]:%u",
                 port);
        put(fd, "<13>x\n");
        H_RUN_UNTIL(&h, h.frames == 1, 5000);
        assert_string_equal(h.conns[0].origin, want);
        close(fd);
        H_RUN_UNTIL(&h, h_st(&h)->closed_eof == 1, 5000);
        h_fini(&h);
    }
}

static void test_init_errors(void **state)
{
    (void)state;
    struct h h = {0};
    h_conf(&h);
    h.conf.listen = "nowhere:1";
    assert_int_equal(h_init_only(&h, &cg_source_tcp_ops, false), CG_EINVAL);
    event_base_free(h.base);

    struct h a = {0};
    h_conf(&a);
    assert_int_equal(h_init(&a, &cg_source_tcp_ops), CG_OK);
    char taken[32];
    snprintf(taken, sizeof(taken), "127.0.0.1:%llu", (unsigned long long)h_st(&a)->port);
    struct h b = {0};
    h_conf(&b);
    b.conf.listen = taken;
    assert_int_equal(h_init(&b, &cg_source_tcp_ops), CG_EIO);
    event_base_free(b.base);
    h_fini(&a);

    /* without a loop start fails */
    struct h c = {0};
    h_conf(&c);
    assert_int_equal(h_init_only(&c, &cg_source_tcp_ops, true), CG_OK);
    assert_int_equal(cg_source_tcp_ops.start(&c.s), CG_EINVAL);
    cg_source_tcp_ops.fini(&c.s);
}

/* The tables pass their checks; the defaults are the header's. */
static void test_tables(void **state)
{
    (void)state;
    const struct cg_opt_table *tables[] = {&cg_source_tcp_options, &cg_source_tls_options};
    for (size_t i = 0; i < 2; i++) {
        struct cg_buf err;
        cg_buf_init(&err);
        assert_int_equal(cg_opt_check(tables[i], &err), CG_OK);
        assert_string_equal(cg_buf_cstr(&err), "");
        struct cg_source_tcp_conf c = {0};
        assert_int_equal(cg_opt_defaults(tables[i], &c, &err), CG_OK);
        assert_string_equal(c.listen, i ? CG_SOURCE_TLS_LISTEN : CG_SOURCE_TCP_LISTEN);
        assert_int_equal(c.max_message, CG_SOURCE_TCP_MAX_MESSAGE);
        assert_int_equal(c.max_connections, CG_SOURCE_TCP_MAX_CONNECTIONS);
        assert_int_equal(c.max_buffered, CG_SOURCE_TCP_MAX_BUFFERED);
        assert_int_equal(c.idle_timeout_us, CG_SOURCE_TCP_IDLE_TIMEOUT_US);
        assert_int_equal(c.frame_timeout_us, CG_SOURCE_TCP_FRAME_TIMEOUT_US);
        assert_null(c.tls_cert);
        assert_false(c.tls_verify_client);
        assert_null(c.name);
        assert_string_equal(tables[i]->commands[0], i ? "tls" : "tcp");
        cg_opt_fini(tables[i], &c);
        cg_buf_fini(&err);
    }
    assert_int_equal(cg_source_tls_options.n, cg_source_tcp_options.n + 4);
    struct cg_source_tcp_stats st = {0};
    st.closed_bad_octet_count = 3;
    st.port = 5514;
    struct cg_buf out;
    cg_buf_init(&out);
    assert_int_equal(cg_counters_write(&cg_source_tcp_counters, &st, &out), CG_OK);
    assert_non_null(strstr(cg_buf_cstr(&out), "\nclosed.bad_octet_count 3\n"));
    assert_non_null(strstr(cg_buf_cstr(&out), "\nport 5514\n"));
    assert_int_equal(cg_source_tcp_counters.n, sizeof(st) / sizeof(uint64_t));
    cg_buf_fini(&out);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN);
    cg_log_set_level(getenv("CG_TEST_LOG") ? CG_LOG_DEBUG : CG_LOG_ERR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lf_many),         cmocka_unit_test(test_octet_many),
        cmocka_unit_test(test_mixed_many),      cmocka_unit_test(test_too_long),
        cmocka_unit_test(test_bad_counts),      cmocka_unit_test(test_max_buffered),
        cmocka_unit_test(test_max_connections), cmocka_unit_test(test_slow_and_idle),
        cmocka_unit_test(test_emfile),          cmocka_unit_test(test_eof),
        cmocka_unit_test(test_pause_resume),    cmocka_unit_test(test_stop_delivers_buffered),
        cmocka_unit_test(test_stop_in_frame),   cmocka_unit_test(test_frame_error),
        cmocka_unit_test(test_origin),          cmocka_unit_test(test_init_errors),
        cmocka_unit_test(test_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
