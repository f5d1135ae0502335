/*
 * fuzz_octet.c - libFuzzer target for the TCP/TLS inputs' RFC 6587 framing
 * (src/input/framing_octet.h): octet counting or LF framing, decided by the first byte.
 *
 * Input: byte 0 sets max_message (1..256), byte 1 the size of the reads (1..17 bytes);
 * the rest is the stream. It is framed twice, as one read and in reads of that size, each
 * time from a heap buffer exactly as long as the unread bytes (ASan sees any overread).
 * Both must give the same frames and the same error (the header's "however they are
 * split"); every frame is a view into the unread bytes and at most max_message long; the
 * unread bytes after CG_OCTET_MORE stay within cg_octet_max_pending.
 */
#include "input/framing_octet.h"

#include "check.h"

#include "cefguard/buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Frames the stream in reads of step bytes; appends "F<len>:<bytes>" per frame and
 * "E<rc>" for an error to out. */
CHECK_NOCOV static void frame_all(const uint8_t *s, size_t n, size_t step, size_t max_message,
                                  struct cg_buf *out)
{
    struct cg_octet f;
    cg_octet_init(&f, max_message);
    char *pending = NULL; /* the unread bytes, in a buffer of their exact size */
    size_t np = 0, fed = 0;
    int rc = CG_OCTET_MORE;
    while (rc == CG_OCTET_MORE && fed < n) {
        size_t k = n - fed < step ? n - fed : step;
        char *p = malloc(np + k + 1);
        CHECK(p, "out of memory");
        if (np)
            memcpy(p, pending, np);
        memcpy(p + np, s + fed, k);
        free(pending);
        pending = p;
        np += k;
        fed += k;
        for (;;) {
            struct cg_str frame = CG_STR_NULL;
            size_t used = (size_t)-1;
            const char *why = NULL;
            rc = cg_octet_next(&f, pending, np, &frame, &used, &why);
            if (rc == CG_OCTET_BAD_COUNT || rc == CG_OCTET_TOO_LONG) {
                CHECK(why && *why, "an error without its reason");
                cg_buf_printf(out, "E%d", rc);
                break;
            }
            CHECK(used <= np, "used %zu of %zu bytes", used, np);
            if (rc == CG_OCTET_FRAME) {
                CHECK(frame.n <= max_message, "a frame of %zu bytes over %zu", frame.n,
                      max_message);
                CHECK(frame.n == 0 || (frame.p >= pending && frame.p + frame.n <= pending + np),
                      "a frame outside the unread bytes");
                cg_buf_printf(out, "F%zu:", frame.n);
                cg_buf_put(out, frame.p, frame.n);
            }
            memmove(pending, pending + used, np - used);
            np -= used;
            if (rc == CG_OCTET_MORE) {
                CHECK(np <= cg_octet_max_pending(&f), "%zu unread bytes over the bound", np);
                break;
            }
            rc = CG_OCTET_MORE;
        }
    }
    struct cg_str last;
    if (rc == CG_OCTET_MORE && cg_octet_eof(&f, pending, np, &last)) {
        CHECK(last.n <= max_message, "a last frame over max_message");
        cg_buf_printf(out, "L%zu:", last.n);
        cg_buf_put(out, last.p, last.n);
    }
    free(pending);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    size_t max_message = 1 + data[0], step = 1 + data[1] % 17;
    struct cg_buf whole, split;
    cg_buf_init(&whole);
    cg_buf_init(&split);
    frame_all(data + 2, size - 2, size, max_message, &whole);
    frame_all(data + 2, size - 2, step, max_message, &split);
    CHECK(whole.n == split.n && (whole.n == 0 || memcmp(whole.p, split.p, whole.n) == 0),
          "reads of %zu bytes frame otherwise than one read", step);
    cg_buf_fini(&whole);
    cg_buf_fini(&split);
    return 0;
}
