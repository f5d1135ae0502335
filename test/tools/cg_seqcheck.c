/*
 * cg_seqcheck - checks that a delivery lost nothing (the model: rsyslog's tests/chkseq.c).
 *
 * usage: cg_seqcheck -n N [--start K] [--dups-ok] [--strict] [-q] [FILE...]   (no FILE: stdin)
 *
 * Each line's number is the digits after its first "msgnum=" or "msgnum:" (cg_sender writes
 * "msgnum=%08llu"; rsyslog's tcpflood "msgnum:%08d"). Every number of [K, K+N) must be present:
 *   - a gap fails, listing the missing ranges (up to 20, then "and R more ranges");
 *   - a duplicate fails unless --dups-ok (at-least-once delivery: omprog re-sends what was not
 *     confirmed when the program dies);
 *   - a number outside [K, K+N) fails;
 *   - a line without a number is counted and ignored (rsyslog's own messages, a sink's other
 *     lines), or fails with --strict.
 * Lines may be of any length and hold any bytes; only the number is read.
 *
 * Output (stdout): the problems, then one summary line
 *   "P of N present, D duplicates, O out of range, L lines without a number"
 * Exit: 0 all present (and no duplicate unless --dups-ok), 1 a check failed, 2 usage or I/O.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGES 20
#define MAX_N (UINT64_C(1) << 36)

struct check {
    uint64_t start, n;
    uint8_t *seen; /* occurrences per number, saturating at 255 */
    uint64_t dups, out_of_range, no_number, lines;
    uint64_t first_out;
    bool have_out;
};

/* The number of a line: false when the line has no "msgnum=" / "msgnum:" followed by a digit.
 * At most 18 digits are read (no overflow); more make the number out of range. */
static bool line_number(const char *p, size_t len, uint64_t *num, bool *too_long)
{
    static const char key[] = "msgnum";
    const char *end = p + len;
    *too_long = false;
    for (const char *s = p; (s = memmem(s, (size_t)(end - s), key, 6)) != NULL; s += 6) {
        const char *d = s + 6;
        if (d >= end || (*d != '=' && *d != ':'))
            continue;
        d++;
        if (d >= end || *d < '0' || *d > '9')
            return false;
        uint64_t v = 0;
        int digits = 0;
        for (; d < end && *d >= '0' && *d <= '9'; d++, digits++)
            if (digits < 18)
                v = v * 10 + (uint64_t)(*d - '0');
        *too_long = digits > 18;
        *num = v;
        return true;
    }
    return false;
}

static void check_line(struct check *c, const char *p, size_t len)
{
    uint64_t v;
    bool too_long;
    c->lines++;
    if (!line_number(p, len, &v, &too_long)) {
        c->no_number++;
        return;
    }
    if (too_long || v < c->start || v - c->start >= c->n) {
        if (!c->have_out)
            c->first_out = v;
        c->have_out = true;
        c->out_of_range++;
        return;
    }
    uint8_t *s = &c->seen[v - c->start];
    if (*s)
        c->dups++;
    if (*s < 255)
        (*s)++;
}

static int read_stream(struct check *c, FILE *f, const char *name)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, f)) > 0)
        check_line(c, line, (size_t)n);
    int rc = ferror(f) ? 2 : 0;
    if (rc)
        fprintf(stderr, "cg_seqcheck: %s: %s\n", name, strerror(errno));
    free(line);
    return rc;
}

/* Prints the missing ranges (up to MAX_RANGES); returns how many numbers are present. */
static uint64_t report_missing(const struct check *c)
{
    uint64_t present = 0, ranges = 0;
    for (uint64_t i = 0; i < c->n;) {
        if (c->seen[i]) {
            present++;
            i++;
            continue;
        }
        uint64_t j = i;
        while (j + 1 < c->n && !c->seen[j + 1])
            j++;
        if (ranges < MAX_RANGES) {
            if (i == j)
                printf("missing: %" PRIu64 "\n", c->start + i);
            else
                printf("missing: %" PRIu64 "-%" PRIu64 " (%" PRIu64 ")\n", c->start + i,
                       c->start + j, j - i + 1);
        }
        ranges++;
        i = j + 1;
    }
    if (ranges > MAX_RANGES)
        printf("missing: and %" PRIu64 " more ranges\n", ranges - MAX_RANGES);
    return present;
}

static void report_dups(const struct check *c)
{
    unsigned shown = 0;
    for (uint64_t i = 0; i < c->n && shown < MAX_RANGES; i++) {
        if (c->seen[i] > 1) {
            printf("duplicate: %" PRIu64 " (%u times%s)\n", c->start + i, c->seen[i],
                   c->seen[i] == 255 ? " or more" : "");
            shown++;
        }
    }
}

static void usage(void)
{
    fputs("usage: cg_seqcheck -n N [--start K] [--dups-ok] [--strict] [-q] [FILE...]\n", stderr);
    exit(2);
}

static uint64_t number(const char *s, const char *what)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || *s == '-' || v > MAX_N) {
        fprintf(stderr, "cg_seqcheck: %s: '%s' is not a number up to %" PRIu64 "\n", what, s,
                MAX_N);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    static const struct option lo[] = {{"start", required_argument, 0, 's'},
                                       {"dups-ok", no_argument, 0, 'd'},
                                       {"strict", no_argument, 0, 'S'},
                                       {"quiet", no_argument, 0, 'q'},
                                       {0, 0, 0, 0}};
    struct check c = {0};
    bool dups_ok = false, strict = false, quiet = false, have_n = false;
    int opt, rc = 0;
    while ((opt = getopt_long(argc, argv, "n:s:q", lo, NULL)) != -1) {
        switch (opt) {
        case 'n':
            c.n = number(optarg, "-n");
            have_n = true;
            break;
        case 's': c.start = number(optarg, "--start"); break;
        case 'd': dups_ok = true; break;
        case 'S': strict = true; break;
        case 'q': quiet = true; break;
        default: usage();
        }
    }
    if (!have_n)
        usage();
    c.seen = calloc(c.n ? c.n : 1, 1);
    if (!c.seen) {
        fprintf(stderr, "cg_seqcheck: out of memory for %" PRIu64 " numbers\n", c.n);
        return 2;
    }
    if (optind == argc)
        rc = read_stream(&c, stdin, "stdin");
    for (int i = optind; i < argc && rc == 0; i++) {
        FILE *f = strcmp(argv[i], "-") == 0 ? stdin : fopen(argv[i], "r");
        if (!f) {
            fprintf(stderr, "cg_seqcheck: %s: %s\n", argv[i], strerror(errno));
            rc = 2;
            break;
        }
        rc = read_stream(&c, f, argv[i]);
        if (f != stdin)
            fclose(f);
    }
    if (rc == 0) {
        uint64_t present = report_missing(&c);
        if (!dups_ok)
            report_dups(&c);
        if (c.have_out)
            printf("out of range: %" PRIu64 " lines, the first %" PRIu64 " (expected %" PRIu64
                   "-%" PRIu64 ")\n",
                   c.out_of_range, c.first_out, c.start, c.start + c.n - (c.n > 0));
        bool ok = present == c.n && (dups_ok || c.dups == 0) && c.out_of_range == 0 &&
                  !(strict && c.no_number > 0);
        if (!quiet || !ok)
            printf("%" PRIu64 " of %" PRIu64 " present, %" PRIu64 " duplicates, %" PRIu64
                   " out of range, %" PRIu64 " lines without a number\n",
                   present, c.n, c.dups, c.out_of_range, c.no_number);
        rc = ok ? 0 : 1;
    }
    free(c.seen);
    return rc;
}
