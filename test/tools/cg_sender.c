/*
 * cg_sender - numbered syslog messages for delivery and limit tests (the model: rsyslog's
 * tests/tcpflood.c). Every message carries "msgnum=%08llu", the number cg_seqcheck reads.
 *
 * usage: cg_sender (--udp|--tcp|--tls HOST:PORT | --stdout) [--octet] [-n N] [--start K]
 *                  [--connections C] [--rate MSGS_PER_S] [--template T] [--size BYTES]
 *                  [--ca F] [--cert F --key F] [--attack MODE [--hold S] [--expect-close]] [-q]
 *        cg_sender --free-port udp|tcp
 *
 * Messages: numbers start .. start+N-1, sent round-robin over C connections (UDP: C sockets,
 * so C source ports). The default template is an RFC 3164 line with a CEF payload:
 *   <134>Dec  3 10:00:00 host0 CEF:0|Trend Micro|Deep Security Agent|20.0|1000|Test|3|msgnum=...
 * Placeholders of --template: %n the number (8 digits, zero-padded), %c the connection index,
 * %t the current time as an RFC 3164 stamp (local time), %% a percent sign. --size pads each
 * message (without its framing) to BYTES with " pad=xxx...". Framing: UDP one datagram per
 * message; TCP, TLS and stdout an LF after each message, or with --octet RFC 6587 octet
 * counting ("LEN SP MSG", no LF). --rate paces the total over all connections.
 *
 * TLS: --ca F verifies the server's certificate against F (and its name or IP against HOST);
 * without --ca the server is not verified. --cert/--key present a client certificate.
 * After the last message (TCP and TLS) the sender ends its side (close_notify, FIN) and waits
 * up to 5 s for the server to end its side, so that a server that reset the connection (it
 * dropped what it had not read) or refused the client certificate (TLS 1.3 reports that
 * after the handshake) makes the sender fail instead of claiming delivery.
 *
 * Attacks (limit tests; one connection unless said; --hold S, default 60, bounds the wait):
 *   huge-line:BYTES   one LF-terminated line of BYTES bytes (UDP: one datagram of BYTES);
 *   bogus-octet:TEXT  TEXT verbatim (C escapes \n \r \t \\ \xHH decoded), e.g. "99999999999 x";
 *   idle:COUNT        COUNT TCP connections (also with --tls: no handshake) that send nothing;
 *                     "cg_sender: idle: COUNT connections open" on stderr once all are open;
 *   slow              "123 <the first 40 bytes of a message>" and nothing more.
 * After the attack's bytes the sender holds its connections until --hold seconds pass, its
 * stdin reaches EOF (only when stdin is a pipe), or every connection was closed by the peer.
 * With --expect-close it exits 0 only if the peer closed every connection in that time.
 *
 * Exit: 0 everything written (attacks: and closed when --expect-close), 1 a failure (connect,
 * write, handshake, peer closed early), 2 usage. Summary on stderr: "sent N messages in T s".
 * --free-port binds 127.0.0.1:0, prints the port it got and exits (for servers that cannot
 * report the port they bound, as rsyslog's imudp; racy by nature, retry on a clash).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_TEMPLATE                                                                           \
    "<134>%t host%c CEF:0|Trend Micro|Deep Security Agent|20.0|1000|Test|3|msgnum=%n "             \
    "cs1Label=sender cs1=cg_sender"
#define MAX_CONNECTIONS 65536

#include "cg_sender.h"

struct text {
    char *p;
    size_t len, cap;
};

struct opts o = {.n = 1, .conns = 1, .hold = 60};

/* ---- text ------------------------------------------------------------------------------- */

static void text_put(struct text *t, const void *p, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 256;
        while (cap < t->len + n + 1)
            cap *= 2;
        char *np = realloc(t->p, cap);
        if (!np)
            die("out of memory");
        t->p = np;
        t->cap = cap;
    }
    memcpy(t->p + t->len, p, n);
    t->len += n;
    t->p[t->len] = '\0';
}

static void text_fmt(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void text_fmt(struct text *t, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    text_put(t, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

/* The RFC 3164 stamp of now, local time ("Dec  3 10:00:00"), formatted once a second. */
static const char *stamp_3164(void)
{
    static char buf[32];
    static time_t last = -1;
    time_t t = time(NULL);
    if (t != last) {
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(buf, sizeof(buf), "%b %e %H:%M:%S", &tm);
        last = t;
    }
    return buf;
}

/* One message without its framing: the template expanded, padded to --size. */
static void format_message(struct text *t, uint64_t num, unsigned conn)
{
    t->len = 0;
    for (const char *s = o.tmpl; *s; s++) {
        if (*s != '%' || !s[1]) {
            text_put(t, s, 1);
            continue;
        }
        switch (*++s) {
        case 'n': text_fmt(t, "%08" PRIu64, num); break;
        case 'c': text_fmt(t, "%u", conn); break;
        case 't': text_put(t, stamp_3164(), strlen(stamp_3164())); break;
        case '%': text_put(t, "%", 1); break;
        default: text_put(t, s - 1, 2); break;
        }
    }
    if (o.size > t->len) {
        size_t room = o.size - t->len;
        if (room > 5) {
            text_put(t, " pad=", 5);
            room -= 5;
        }
        while (room--)
            text_put(t, "x", 1);
    }
}

/* The message with its framing, ready to write. */
static void frame_message(struct text *wire, const struct text *msg)
{
    wire->len = 0;
    if (o.tr == TR_UDP) {
        text_put(wire, msg->p, msg->len);
    } else if (o.octet) {
        text_fmt(wire, "%zu ", msg->len);
        text_put(wire, msg->p, msg->len);
    } else {
        text_put(wire, msg->p, msg->len);
        text_put(wire, "\n", 1);
    }
}

/* ---- the numbered stream -------------------------------------------------------------------- */

static int send_stream(void)
{
    struct conn *cs = calloc(o.conns, sizeof(*cs));
    struct text msg = {0}, wire = {0};
    if (!cs)
        die("out of memory");
    for (unsigned i = 0; i < o.conns; i++)
        net_open(&cs[i], true);
    double t0 = now_s();
    for (uint64_t i = 0; i < o.n; i++) {
        unsigned ci = (unsigned)(i % o.conns);
        if (o.rate > 0) {
            double due = t0 + (double)i / o.rate;
            double ahead = due - now_s();
            if (ahead > 0.001) { /* flush before sleeping so the paced messages leave now */
                for (unsigned k = 0; k < o.conns; k++)
                    net_flush(&cs[k], k);
                sleep_s(ahead);
            }
        }
        format_message(&msg, o.start + i, ci);
        frame_message(&wire, &msg);
        net_send(&cs[ci], ci, wire.p, wire.len);
    }
    for (unsigned k = 0; k < o.conns; k++)
        net_flush(&cs[k], k);
    double t = now_s() - t0; /* written; what follows waits for the peers */
    for (unsigned k = 0; k < o.conns; k++)
        net_finish(&cs[k]);
    double end = now_s() + 5.0;
    for (unsigned k = 0; k < o.conns && o.tr != TR_UDP && o.tr != TR_STDOUT; k++)
        net_drain(&cs[k], k, end);
    for (unsigned k = 0; k < o.conns; k++)
        net_free(&cs[k]);
    if (!o.quiet)
        fprintf(stderr, "cg_sender: sent %" PRIu64 " messages in %.3f s (%.0f msg/s)\n", o.n, t,
                t > 0 ? (double)o.n / t : 0.0);
    free(cs);
    free(msg.p);
    free(wire.p);
    return 0;
}

/* ---- attacks ----------------------------------------------------------------------------------
 */

/* Holds the connections; returns how many the peer closed. */
static unsigned hold(struct conn *cs, unsigned n)
{
    struct stat st;
    bool watch_stdin = fstat(STDIN_FILENO, &st) == 0 && S_ISFIFO(st.st_mode);
    struct pollfd *p = calloc(n + 1, sizeof(*p));
    unsigned closed = 0;
    if (!p)
        die("out of memory");
    for (unsigned i = 0; i < n; i++)
        if (cs[i].closed)
            closed++;
    double end = now_s() + o.hold;
    for (unsigned i = 0; i < n; i++)
        set_nonblocking(cs[i].fd); /* SSL_read returns when a record was not data */
    while (closed < n) {
        for (unsigned i = 0; i < n; i++)
            p[i] = (struct pollfd){.fd = cs[i].closed ? -1 : cs[i].fd, .events = POLLIN};
        p[n] = (struct pollfd){.fd = watch_stdin ? STDIN_FILENO : -1, .events = POLLIN};
        int ms = (int)((end - now_s()) * 1000);
        if (ms <= 0)
            break;
        int r = poll(p, n + 1, ms);
        if (r < 0 && errno != EINTR)
            die("poll: %s", strerror(errno));
        if (r <= 0)
            continue;
        if (p[n].revents) {
            char b[512];
            if (read(STDIN_FILENO, b, sizeof(b)) <= 0)
                break;
        }
        for (unsigned i = 0; i < n; i++) {
            if (!p[i].revents)
                continue;
            if (net_peer_closed(&cs[i])) {
                cs[i].closed = true;
                closed++;
            }
        }
    }
    free(p);
    return closed;
}

/* Writes an attack's bytes; a peer that closes meanwhile is recorded, not fatal. */
static void attack_write(struct conn *c, const char *p, size_t n, uint64_t *written)
{
    while (n > 0 && !c->closed) {
        size_t chunk = n < OUTBUF_SIZE ? n : OUTBUF_SIZE;
        if (net_write_all(c, p, chunk) != 0) {
            if (errno != EPIPE && errno != ECONNRESET)
                die("write failed: %s", strerror(errno));
            c->closed = true;
            if (!o.quiet)
                fprintf(stderr,
                        "cg_sender: the peer closed the connection after %" PRIu64 " bytes\n",
                        *written);
            return;
        }
        *written += chunk;
        p += chunk;
        n -= chunk;
    }
}

static size_t unescape(const char *s, char *out)
{
    size_t n = 0;
    for (; *s; s++) {
        if (*s != '\\' || !s[1]) {
            out[n++] = *s;
            continue;
        }
        switch (*++s) {
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'x': {
            unsigned v = 0;
            int k = 0;
            while (k < 2 && s[1] && strchr("0123456789abcdefABCDEF", s[1]))
                v = v * 16 + (unsigned)(s[1] <= '9' ? s[1] - '0' : (s[1] | 0x20) - 'a' + 10), s++,
                k++;
            out[n++] = (char)v;
            break;
        }
        default: out[n++] = *s; break;
        }
    }
    return n;
}

static void huge_line(struct conn *c, uint64_t *written)
{
    struct text head = {0};
    const char *save = o.tmpl;
    o.tmpl = "<134>%t host0 CEF:0|Trend Micro|Deep Security Agent|20.0|1000|Huge|3|msg=";
    format_message(&head, 0, 0);
    o.tmpl = save;
    uint64_t body = o.huge_bytes > head.len + 1 ? o.huge_bytes - head.len - 1 : 0;
    if (o.tr == TR_UDP) {
        struct text d = {0};
        text_put(&d, head.p, head.len);
        for (uint64_t i = 0; i + head.len < o.huge_bytes; i++)
            text_put(&d, "x", 1);
        net_udp_send(c, d.p, d.len);
        *written = d.len;
        free(d.p);
        free(head.p);
        return;
    }
    attack_write(c, head.p, head.len, written);
    char *xs = malloc(OUTBUF_SIZE);
    if (!xs)
        die("out of memory");
    memset(xs, 'x', OUTBUF_SIZE);
    while (body > 0 && !c->closed) {
        size_t chunk = body < OUTBUF_SIZE ? (size_t)body : OUTBUF_SIZE;
        attack_write(c, xs, chunk, written);
        body -= chunk;
    }
    attack_write(c, "\n", 1, written);
    free(xs);
    free(head.p);
}

static int send_attack(void)
{
    unsigned n = o.attack == AT_IDLE ? o.idle_count : 1;
    struct conn *cs = calloc(n, sizeof(*cs));
    uint64_t written = 0;
    if (!cs)
        die("out of memory");
    for (unsigned i = 0; i < n; i++)
        net_open(&cs[i], o.attack != AT_IDLE);
    if (o.attack == AT_HUGE) {
        huge_line(&cs[0], &written);
    } else if (o.attack == AT_BOGUS) {
        char *b = malloc(strlen(o.bogus) + 1);
        if (!b)
            die("out of memory");
        attack_write(&cs[0], b, unescape(o.bogus, b), &written);
        free(b);
    } else if (o.attack == AT_SLOW) {
        struct text m = {0};
        format_message(&m, o.start, 0);
        char head[64];
        int hl = snprintf(head, sizeof(head), "123 %.40s", m.p);
        attack_write(&cs[0], head, (size_t)hl, &written);
        free(m.p);
    } else if (!o.quiet) {
        fprintf(stderr, "cg_sender: idle: %u connections open\n", n);
    }
    if (!o.quiet && o.attack != AT_IDLE)
        fprintf(stderr, "cg_sender: attack: %" PRIu64 " bytes written\n", written);
    unsigned closed = o.tr == TR_UDP ? 0 : hold(cs, n);
    if (!o.quiet)
        fprintf(stderr, "cg_sender: %u of %u connections closed by the peer\n", closed, n);
    for (unsigned i = 0; i < n; i++)
        net_free(&cs[i]);
    free(cs);
    if (o.expect_close && closed < n) {
        fprintf(stderr, "cg_sender: expected the peer to close %u connections, %u still open\n", n,
                n - closed);
        return 1;
    }
    return 0;
}

/* ---- options -------------------------------------------------------------------------------- */

static void usage(void)
{
    fputs("usage: cg_sender (--udp|--tcp|--tls HOST:PORT | --stdout) [--octet] [-n N] [--start K]\n"
          "         [--connections C] [--rate MSGS_PER_S] [--template T] [--size BYTES]\n"
          "         [--ca F] [--cert F --key F] [-q]\n"
          "         [--attack huge-line:BYTES|bogus-octet:TEXT|idle:COUNT|slow [--hold S]\n"
          "          [--expect-close]]\n"
          "       cg_sender --free-port udp|tcp\n",
          stderr);
    exit(2);
}

static uint64_t number(const char *s, const char *what, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v < min || v > max) {
        fprintf(stderr, "cg_sender: %s: '%s' is not a number in [%" PRIu64 ", %" PRIu64 "]\n", what,
                s, min, max);
        exit(2);
    }
    return v;
}

static void parse_attack(const char *a)
{
    if (strncmp(a, "huge-line:", 10) == 0) {
        o.attack = AT_HUGE;
        o.huge_bytes = number(a + 10, "huge-line", 1, UINT64_C(1) << 40);
    } else if (strncmp(a, "bogus-octet:", 12) == 0) {
        o.attack = AT_BOGUS;
        o.bogus = a + 12;
    } else if (strncmp(a, "idle:", 5) == 0) {
        o.attack = AT_IDLE;
        o.idle_count = (unsigned)number(a + 5, "idle", 1, MAX_CONNECTIONS);
    } else if (strcmp(a, "slow") == 0) {
        o.attack = AT_SLOW;
    } else {
        fprintf(stderr, "cg_sender: unknown attack '%s'\n", a);
        exit(2);
    }
}

static void set_transport(enum transport t, const char *target)
{
    if (o.tr != TR_NONE)
        usage();
    o.tr = t;
    o.target = target;
}

static void parse_args(int argc, char **argv)
{
    static const struct option lo[] = {{"udp", required_argument, 0, 'U'},
                                       {"tcp", required_argument, 0, 'T'},
                                       {"tls", required_argument, 0, 'L'},
                                       {"stdout", no_argument, 0, 'O'},
                                       {"octet", no_argument, 0, 'o'},
                                       {"start", required_argument, 0, 's'},
                                       {"connections", required_argument, 0, 'c'},
                                       {"rate", required_argument, 0, 'r'},
                                       {"template", required_argument, 0, 't'},
                                       {"size", required_argument, 0, 'z'},
                                       {"ca", required_argument, 0, 'A'},
                                       {"cert", required_argument, 0, 'C'},
                                       {"key", required_argument, 0, 'K'},
                                       {"attack", required_argument, 0, 'a'},
                                       {"hold", required_argument, 0, 'h'},
                                       {"expect-close", no_argument, 0, 'e'},
                                       {"free-port", required_argument, 0, 'F'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {0, 0, 0, 0}};
    int c;
    while ((c = getopt_long(argc, argv, "n:q", lo, NULL)) != -1) {
        switch (c) {
        case 'U': set_transport(TR_UDP, optarg); break;
        case 'T': set_transport(TR_TCP, optarg); break;
        case 'L': set_transport(TR_TLS, optarg); break;
        case 'O': set_transport(TR_STDOUT, NULL); break;
        case 'o': o.octet = true; break;
        case 'n': o.n = number(optarg, "-n", 0, UINT64_C(1) << 48); break;
        case 's': o.start = number(optarg, "--start", 0, UINT64_C(1) << 48); break;
        case 'c': o.conns = (unsigned)number(optarg, "--connections", 1, MAX_CONNECTIONS); break;
        case 'r': o.rate = (double)number(optarg, "--rate", 1, 1000000000); break;
        case 't': o.tmpl = optarg; break;
        case 'z': o.size = (size_t)number(optarg, "--size", 0, 1 << 30); break;
        case 'A': o.ca = optarg; break;
        case 'C': o.cert = optarg; break;
        case 'K': o.key = optarg; break;
        case 'a': parse_attack(optarg); break;
        case 'h': o.hold = (double)number(optarg, "--hold", 0, 86400); break;
        case 'e': o.expect_close = true; break;
        case 'F':
            if (net_free_port(optarg) != 0)
                usage();
            exit(0);
        case 'q': o.quiet = true; break;
        default: usage();
        }
    }
    if (optind != argc || o.tr == TR_NONE)
        usage();
    if (!o.tmpl)
        o.tmpl = DEFAULT_TEMPLATE;
    if (o.tr == TR_STDOUT && o.attack != AT_NONE)
        die("attacks need a network transport");
    if (o.tr == TR_UDP && (o.attack == AT_IDLE || o.attack == AT_SLOW))
        die("idle and slow attacks need a stream (--tcp or --tls)");
    if (o.tr == TR_STDOUT)
        o.conns = 1;
}

int main(int argc, char **argv)
{
    parse_args(argc, argv);
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max; /* 500 idle connections need more than a default 1024? */
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (o.tr != TR_STDOUT)
        net_resolve(o.tr == TR_UDP ? SOCK_DGRAM : SOCK_STREAM);
    if (o.tr == TR_TLS)
        net_tls_setup();
    int rc = o.attack == AT_NONE ? send_stream() : send_attack();
    net_tls_free();
    return rc;
}
