/* timeguard.c - the event clock one line cannot move (see timeguard.h). */
#include "cefguard/timeguard.h"

void cg_timeguard_init(struct cg_timeguard *g, const struct cg_timeguard_opts *o)
{
    memset(g, 0, sizeof(*g));
    g->max_jump_us = o && o->max_jump_us > 0 ? o->max_jump_us : CG_TIMEGUARD_MAX_JUMP_DEFAULT;
    g->confirm = o && o->confirm ? o->confirm : CG_TIMEGUARD_CONFIRM_DEFAULT;
}

/* FNV-1a: senders only need telling apart, not hiding. */
static uint64_t host_hash(struct cg_str h)
{
    uint64_t x = 1469598103934665603ull;
    for (size_t i = 0; i < h.n; i++)
        x = (x ^ (unsigned char)h.p[i]) * 1099511628211ull;
    return x;
}

/* |a - b| <= lim without overflow (stamps span years 0..9999, far from the limits). */
static bool near(int64_t a, int64_t b, int64_t lim)
{
    return a >= b ? a - b <= lim : b - a <= lim;
}

static void note_host(struct cg_timeguard *g, uint64_t h)
{
    if (!g->has_host0) {
        g->host0 = h;
        g->has_host0 = true;
    } else if (h != g->host0) {
        g->multi_host = true;
    }
}

/* An outlier: it starts a candidate, or agrees with the one there is, which it may
 * confirm. */
static enum cg_timeguard_verdict candidate(struct cg_timeguard *g, int64_t t, uint64_t h)
{
    if (!g->has_cand || !near(t, g->cand_us, g->max_jump_us)) {
        g->has_cand = true;
        g->cand_us = t;
        g->cand_n = 1;
        g->cand_host = h;
        g->cand_hosts2 = false;
        return CG_TG_OUTLIER;
    }
    g->cand_n++;
    if (t > g->cand_us)
        g->cand_us = t;
    if (h != g->cand_host)
        g->cand_hosts2 = true;
    /* Where several senders speak, one of them alone cannot move the clock. */
    if (g->cand_n <= g->confirm || (g->multi_host && !g->cand_hosts2))
        return CG_TG_OUTLIER;
    g->clock_us = t;
    g->has_cand = false;
    note_host(g, h);
    return CG_TG_JUMP;
}

enum cg_timeguard_verdict cg_timeguard_check(struct cg_timeguard *g, int64_t t_us,
                                             struct cg_str host, int64_t wall_us)
{
    /* Live: a stamp farther from the wall clock than the bound, either way, is never the
     * clock (a sender's clock months off, a forged year): the line counts at its arrival. */
    if (wall_us && !near(t_us, wall_us, g->max_jump_us))
        return CG_TG_OUTLIER;
    if (!g->has_clock) {
        g->has_clock = true;
        g->clock_us = t_us;
        note_host(g, host_hash(host));
        return CG_TG_ACCEPT;
    }
    if (!near(t_us, g->clock_us, g->max_jump_us))
        return candidate(g, t_us, host_hash(host));
    g->has_cand = false; /* a line that agrees with the clock: the outlier was alone */
    if (t_us > g->clock_us)
        g->clock_us = t_us;
    if (!g->multi_host) /* the hot path hashes nothing once two senders were seen */
        note_host(g, host_hash(host));
    return CG_TG_ACCEPT;
}
