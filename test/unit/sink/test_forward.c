/*
 * test_forward.c - the syslog forwarder (sink_forward.h) through its ops, on a real
 * libevent loop, against receivers on 127.0.0.1 port 0 inside the test
 * (test_forward_util.h): UDP and TCP receivers get N alerts exactly once and in order,
 * octet-count framed over TCP (the receiver's parser is strict); a collector that is down
 * at first gets everything once it comes up, and again after it dropped the connection;
 * one that stops reading costs the oldest waiting alerts while the connection stays up;
 * a collector given by name is resolved; a full queue drops the oldest, counts them and
 * says so once; oversized messages are cut or dropped, counted; bad confs fail init with
 * their reasons; the option table passes cg_opt_check. TLS: test_forward_tls.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_forward_util.h"

#include <netdb.h>

/* ---- tests --------------------------------------------------------------------------- */

static void test_udp(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_udp(&r, base);
    struct fsink k;
    struct cg_sink_forward_conf c = {
        .name = "fwd", .target = target_of(r.port), .hostname = "test"};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    assert_int_equal(k.s.takes, CG_SINK_ALERTS);
    assert_ptr_equal(k.s.counters, &cg_sink_forward_counters);
    put_alerts(&k, 1, 200);
    assert_int_equal(fstats(&k)->queued, 200); /* nothing goes before the loop runs */
    struct want_n w = {&r, 200};
    assert_true(run_until(base, got_n, &w, 5000));
    run_for(base, 20); /* nothing more arrives */
    check_msgs(&r, 0, 1, 200);
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_int_equal(st->sent, 200);
    assert_int_equal(st->queued, 0);
    assert_int_equal(st->connects, 1);
    assert_int_equal(st->connected, 1);
    assert_int_equal(st->connect_errors + st->dropped_queue_full + st->write_errors, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

static void test_tcp(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    struct fsink k;
    struct cg_sink_forward_conf c = {
        .target = target_of(r.port), .transport = "tcp", .hostname = "test"};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    put_alerts(&k, 1, 3000); /* more than one window (256 KiB) */
    struct want_n w = {&r, 3000};
    assert_true(run_until(base, got_n, &w, 10000));
    struct sent_n sw = {&k, 3000};
    assert_true(run_until(base, sent, &sw, 2000));
    run_for(base, 20);
    check_msgs(&r, 0, 1, 3000);
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_int_equal(st->sent, 3000);
    assert_int_equal(st->queued, 0);
    assert_int_equal(st->connects, 1);
    assert_int_equal(st->connect_errors + st->disconnects + st->write_errors, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* Nobody listens at first: connects fail (counted, backoff 20 ms doubling to 80 ms) and
 * the alerts wait; the collector comes up and gets them all, once. It drops the
 * connection: the forwarder connects again and the next alerts arrive. */
static void test_reconnect(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    uint16_t port = r.port;
    rx_free(&r); /* the port is free again */
    struct fsink k;
    struct cg_sink_forward_conf c = {.target = target_of(port),
                                     .transport = "tcp",
                                     .hostname = "test",
                                     .reconnect_min_us = 20000,
                                     .reconnect_max_us = 80000};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    put_alerts(&k, 1, 10);
    run_for(base, 300);
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_true(st->connect_errors >= 3); /* 0, 20, 60, 140, 220 ms ... */
    assert_true(st->connect_errors <= 8);
    assert_int_equal(st->connects + st->sent, 0);
    assert_int_equal(st->queued, 10);
    rx_tcp(&r, base, NULL, port);
    struct want_n w = {&r, 10};
    assert_true(run_until(base, got_n, &w, 3000));
    check_msgs(&r, 0, 1, 10);
    assert_int_equal(st->connects, 1);

    rx_drop_conns(&r); /* the collector restarts */
    run_for(base, 100);
    assert_int_equal(st->disconnects, 1);
    put_alerts(&k, 11, 20);
    w.n = 20;
    assert_true(run_until(base, got_n, &w, 3000));
    run_for(base, 20);
    check_msgs(&r, 10, 11, 20);
    assert_int_equal(st->connects, 2);
    assert_int_equal(st->sent, 20);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

static void put_twelve(void *arg)
{
    put_alerts(arg, 1, 12);
}

/* queue-max 5 and nothing sent yet: 12 alerts leave the last 5; the 7 oldest are dropped,
 * counted, and said once. Then the collector gets exactly the 5. */
static void test_queue_full(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    struct fsink k;
    struct cg_sink_forward_conf c = {.name = "q",
                                     .target = target_of(r.port),
                                     .transport = "tcp",
                                     .hostname = "test",
                                     .queue_max = 5};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    char log[1024];
    capture_stderr(put_twelve, &k, log, sizeof(log));
    assert_string_equal(log, "cefguard: warning: sink q: queue full (queue-max 5): dropping the "
                             "oldest alerts\n");
    const struct cg_sink_forward_stats *st = fstats(&k);
    assert_int_equal(st->dropped_queue_full, 7);
    assert_int_equal(st->queued, 5);
    struct want_n w = {&r, 5};
    assert_true(run_until(base, got_n, &w, 3000));
    run_for(base, 20);
    check_msgs(&r, 0, 8, 12);
    assert_int_equal(st->sent, 5);
    assert_int_equal(st->queued, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* A collector that accepts and then reads nothing: the kernel's buffers and the window
 * fill, the queue fills, and the oldest waiting alerts are dropped while the connection is
 * up. Once it reads again it gets exactly what was not dropped, in order, the last
 * queue-max alerts among them: received = sent, received + dropped = put. */
static void test_stalled_collector(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_tcp(&r, base, NULL, 0);
    r.stalled = true;
    struct fsink k;
    struct cg_sink_forward_conf c = {
        .target = target_of(r.port), .transport = "tcp", .hostname = "test", .queue_max = 100};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    const struct cg_sink_forward_stats *st = fstats(&k);
    unsigned put = 0;
    while (st->dropped_queue_full < 5000 && put < 400000) {
        put_alerts(&k, put + 1, put + 1000);
        put += 1000;
        run_for(base, 2);
    }
    assert_true(st->dropped_queue_full >= 5000);
    assert_int_equal(st->connects, 1);
    assert_int_equal(r.n, 0);
    rx_unstall(&r);
    struct sent_n sw = {&k, put - st->dropped_queue_full};
    assert_true(run_until(base, sent, &sw, 20000));
    struct want_n w = {&r, put - st->dropped_queue_full};
    assert_true(run_until(base, got_n, &w, 5000));
    run_for(base, 20);
    assert_int_equal(st->queued, 0);
    assert_int_equal(r.n, st->sent);
    assert_int_equal(r.n + st->dropped_queue_full, put);
    assert_int_equal(r.bad_frames, 0);
    unsigned last = 0;
    for (size_t i = 0; i < r.n; i++) {
        const char *at = strrchr(r.msgs[i], ' ');
        unsigned v = (unsigned)strtoul(at + 1, NULL, 10);
        char want[256];
        want_msg(want, sizeof(want), v);
        assert_string_equal(r.msgs[i], want);
        assert_true(v > last);
        last = v;
    }
    for (size_t i = 0; i < 100; i++) { /* the last queue-max were never dropped */
        char want[256];
        want_msg(want, sizeof(want), put - 99 + (unsigned)i);
        assert_string_equal(r.msgs[r.n - 100 + i], want);
    }
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* A message over max-message is cut (truncated) and one whose header alone is over it is
 * dropped (dropped.too_big); both over UDP. */
static void test_too_big(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    struct rx r;
    rx_udp(&r, base);
    struct fsink k;
    char want[256];
    want_msg(want, sizeof(want), 1234567);
    struct cg_sink_forward_conf c = {
        .target = target_of(r.port), .hostname = "test", .max_message = strlen(want) - 3};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    assert_int_equal(put_alert(&k, 1234567), CG_OK);
    struct want_n w = {&r, 1};
    assert_true(run_until(base, got_n, &w, 3000));
    want[strlen(want) - 3] = '\0';
    assert_string_equal(r.msgs[0], want);
    assert_int_equal(fstats(&k)->truncated, 1);
    k.s.ops->fini(&k.s);
    c.max_message = 20;
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    assert_int_equal(put_alert(&k, 1), CG_OK);
    assert_int_equal(fstats(&k)->dropped_too_big, 1);
    assert_int_equal(fstats(&k)->queued, 0);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* A collector given by name is resolved (getaddrinfo) at connect: the machine's own name,
 * where it resolves to 127.0.0.1 first (it does in the /etc/hosts of most systems);
 * skipped elsewhere. */
static void test_name_target(void **state)
{
    (void)state;
    char host[256];
    if (gethostname(host, sizeof(host)) != 0)
        skip();
    host[sizeof(host) - 1] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_DGRAM}, *res = NULL;
    hints.ai_flags = AI_ADDRCONFIG;
    bool lo = getaddrinfo(host, "9", &hints, &res) == 0 && res->ai_family == AF_INET &&
              ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr == htonl(INADDR_LOOPBACK);
    if (res)
        freeaddrinfo(res);
    if (!lo)
        skip();
    struct event_base *base = event_base_new();
    struct rx r;
    rx_udp(&r, base);
    char tgt[300];
    snprintf(tgt, sizeof(tgt), "%s:%u", host, r.port);
    struct fsink k;
    struct cg_sink_forward_conf c = {.target = tgt, .hostname = "test"};
    assert_int_equal(fsink_init(&k, base, &c), CG_OK);
    put_alerts(&k, 1, 5);
    struct want_n w = {&r, 5};
    assert_true(run_until(base, got_n, &w, 3000));
    check_msgs(&r, 0, 1, 5);
    k.s.ops->fini(&k.s);
    rx_free(&r);
    event_base_free(base);
}

/* ---- configuration ----------------------------------------------------------------- */

struct bad_init {
    struct cg_sink_forward_conf c;
    struct event_base *base;
    int rc;
};

static void do_bad_init(void *arg)
{
    struct bad_init *b = arg;
    struct fsink k;
    b->rc = fsink_init(&k, b->base, &b->c);
    if (b->rc == CG_OK)
        k.s.ops->fini(&k.s);
}

static void test_bad_conf(void **state)
{
    (void)state;
    struct event_base *base = event_base_new();
    char log[2048];
    struct bad_init b = {{.name = "f", .target = "127.0.0.1:514"}, NULL, 0};
    capture_stderr(do_bad_init, &b, log, sizeof(log));
    assert_int_equal(b.rc, CG_EINVAL);
    assert_string_equal(log, "cefguard: error: sink f: needs an event loop (cefguard run)\n");

    b = (struct bad_init){{.name = "f",
                           .target = "127.0.0.1:0",
                           .transport = "sctp",
                           .format = "xml",
                           .message = "all",
                           .facility = "local9",
                           .tls_ca = "x",
                           .tls_key = "k",
                           .reconnect_min_us = 2000000,
                           .reconnect_max_us = 1000000,
                           .max_message = 70000},
                          base,
                          0};
    capture_stderr(do_bad_init, &b, log, sizeof(log));
    assert_int_equal(b.rc, CG_EINVAL);
    assert_string_equal(log,
                        "cefguard: error: sink f: target: a collector needs a host and a port "
                        "other than 0\n"
                        "cefguard: error: sink f: transport: 'sctp': expected udp, tcp or tls\n"
                        "cefguard: error: sink f: format: 'xml': expected rfc5424 or cef\n"
                        "cefguard: error: sink f: message: 'all': expected summary or json\n"
                        "cefguard: error: sink f: facility: 'local9': expected a name (kern ... "
                        "local7) or a number from 0 to 23\n"
                        "cefguard: error: sink f: tls-*: only with transport tls\n"
                        "cefguard: error: sink f: tls-cert: tls-cert and tls-key go together\n"
                        "cefguard: error: sink f: reconnect-min: longer than reconnect-max\n");

    struct cg_buf err;
    cg_buf_init(&err);
    struct cg_sink_forward_conf c = {0};
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err),
                        "target: missing: the collector's HOST:PORT is required\n");
    cg_buf_clear(&err);
    c.target = "bad target:1";
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_EINVAL);
    assert_memory_equal(cg_buf_cstr(&err), "target: expected", 16);
    cg_buf_clear(&err);
    c = (struct cg_sink_forward_conf){.target = "logs.example.net:6514", .max_message = 65508};
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_EINVAL);
    assert_string_equal(cg_buf_cstr(&err), "max-message: over udp at most 65507 bytes\n");
    c.transport = "tcp";
    cg_buf_clear(&err);
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    cg_buf_fini(&err);

    /* a CA file that does not load: CG_EIO, said */
    b = (struct bad_init){
        {.name = "f", .target = "127.0.0.1:6514", .transport = "tls", .tls_ca = "/nonexistent"},
        base,
        0};
    capture_stderr(do_bad_init, &b, log, sizeof(log));
    assert_int_equal(b.rc, CG_EIO);
    assert_memory_equal(log, "cefguard: error: sink f: tls-ca /nonexistent: ", 46);
    event_base_free(base);
}

/* The option table passes cg_opt_check; its defaults, with a target, pass
 * cg_sink_forward_check and are what a zero conf means. */
static void test_options(void **state)
{
    (void)state;
    struct cg_buf err;
    cg_buf_init(&err);
    assert_int_equal(cg_opt_check(&cg_sink_forward_options, &err), CG_OK);
    assert_string_equal(cg_buf_cstr(&err), "");
    assert_string_equal(cg_sink_forward_options.commands[0], "forward");
    struct cg_sink_forward_conf c = {0};
    assert_int_equal(cg_opt_defaults(&cg_sink_forward_options, &c, &err), CG_OK);
    assert_string_equal(c.transport, "udp");
    assert_string_equal(c.format, "rfc5424");
    assert_string_equal(c.message, "summary");
    assert_string_equal(c.facility, "local0");
    assert_string_equal(c.app_name, "cefguard");
    assert_null(c.hostname);
    assert_int_equal(c.queue_max, 10000);
    assert_int_equal(c.max_message, 8192);
    assert_int_equal(c.connect_timeout_us, 10000000);
    assert_int_equal(c.reconnect_min_us, 1000000);
    assert_int_equal(c.reconnect_max_us, 60000000);
    assert_false(c.tls_no_verify);
    for (size_t i = 0; i < cg_sink_forward_options.n; i++)
        assert_int_equal(cg_sink_forward_options.v[i].commands, 1);
    const struct cg_opt *t = &cg_sink_forward_options.v[0];
    assert_string_equal(t->name, "target");
    assert_int_equal(cg_opt_set(t, "logs.example.net:6514", &c, &err), CG_OK);
    assert_int_equal(cg_sink_forward_check(&c, &err), CG_OK);
    struct cg_buf out;
    cg_buf_init(&out);
    struct cg_sink_forward_stats st = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    assert_int_equal(cg_counters_write(&cg_sink_forward_counters, &st, &out), CG_OK);
    assert_string_equal(cg_buf_cstr(&out), "sent 1\nqueued 2\nconnected 3\ndropped.queue_full 4\n"
                                           "dropped.too_big 5\ntruncated 6\nconnects 7\n"
                                           "connect_errors 8\ndisconnects 9\nwrite_errors 10\n");
    cg_buf_fini(&out);
    cg_buf_fini(&err);
}

int main(void)
{
    signal(SIGPIPE, SIG_IGN); /* as the service does: a collector's reset is an error */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_tcp),
        cmocka_unit_test(test_reconnect),
        cmocka_unit_test(test_queue_full),
        cmocka_unit_test(test_stalled_collector),
        cmocka_unit_test(test_too_big),
        cmocka_unit_test(test_name_target),
        cmocka_unit_test(test_bad_conf),
        cmocka_unit_test(test_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
