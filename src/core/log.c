/* log.c - stderr diagnostics and rate-limited reject reports (see log.h). */
#include "cefguard/log.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum cg_log_level log_level = CG_LOG_INFO;

void cg_log_set_level(enum cg_log_level lvl)
{
    log_level = lvl;
}

void cg_log(enum cg_log_level lvl, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warning", "info", "debug"};
    if (lvl > log_level)
        return;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof(msg) ? (size_t)n : sizeof(msg) - 1;
    struct cg_buf b;
    cg_buf_init(&b);
    bool ok = cg_log_put_text(&b, msg, len) == CG_OK;
    fprintf(stderr, "cefguard: %s: %s\n", names[lvl], ok ? cg_buf_cstr(&b) : "(out of memory)");
    cg_buf_fini(&b);
}

static const char hex[] = "0123456789abcdef";

int cg_log_put_text(struct cg_buf *b, const char *p, size_t n)
{
    if (cg_buf_reserve(b, n * 4) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 0x20 && c != 0x7f) {
            *o++ = (char)c;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}

int cg_log_put_name(struct cg_buf *b, const char *name)
{
    return cg_log_escape(b, name, strlen(name), CG_LOG_NAME_MAX);
}

int cg_log_escape(struct cg_buf *b, const char *p, size_t n, size_t max)
{
    size_t lim = n < max ? n : max;
    if (cg_buf_reserve(b, lim * 4 + 3) != CG_OK)
        return CG_ENOMEM;
    char *o = b->p + b->n;
    for (size_t i = 0; i < lim; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c == '\\') {
            *o++ = '\\';
            *o++ = '\\';
        } else if (c >= 0x20 && c < 0x7f) {
            *o++ = (char)c;
        } else {
            *o++ = '\\';
            *o++ = 'x';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
        }
    }
    if (lim < n) {
        memcpy(o, "...", 3);
        o += 3;
    }
    b->n = (size_t)(o - b->p);
    return CG_OK;
}

void cg_log_rejects_init(struct cg_log_rejects *rl, unsigned burst, unsigned interval)
{
    memset(rl, 0, sizeof(*rl));
    rl->burst = burst;
    rl->interval = interval ? interval : 1;
}

static int64_t mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec;
}

void cg_log_reject(struct cg_log_rejects *rl, const char *source, uint64_t lineno,
                   enum cg_reject reason, struct cg_str line)
{
    enum cg_reject r = reason < CG_REJ_MAX ? reason : CG_REJ_NONE;
    if (log_level < CG_LOG_WARN)
        return;
    int64_t now = mono_seconds();
    if (now - rl->window_start[r] >= (int64_t)rl->interval) {
        rl->window_start[r] = now;
        rl->in_window[r] = 0;
    }
    if (rl->in_window[r] >= rl->burst) {
        rl->held_back[r]++;
        return;
    }
    rl->in_window[r]++;
    struct cg_buf b, name;
    cg_buf_init(&b);
    cg_buf_init(&name);
    cg_log_escape(&b, line.p, line.n, 200);
    cg_log_escape(&name, source, strlen(source), 200);
    char held[64] = "";
    if (rl->held_back[r])
        snprintf(held, sizeof(held), " [%" PRIu64 " more not shown]", rl->held_back[r]);
    rl->held_back[r] = 0;
    cg_log(CG_LOG_WARN, "rejected %s:%" PRIu64 " (%s)%s: %s", cg_buf_cstr(&name), lineno,
           cg_reject_name(r), held, cg_buf_cstr(&b));
    cg_buf_fini(&name);
    cg_buf_fini(&b);
}

void cg_log_rejects_flush(struct cg_log_rejects *rl)
{
    for (unsigned r = 0; r < CG_REJ_MAX; r++) {
        if (!rl->held_back[r])
            continue;
        cg_log(CG_LOG_WARN, "rejected (%s) [%" PRIu64 " more not shown]",
               cg_reject_name((enum cg_reject)r), rl->held_back[r]);
        rl->held_back[r] = 0;
    }
}
