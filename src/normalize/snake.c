/*
 * snake.c - field keys from the labels of the data (see map.h): "Computer name" ->
 * computer_name, "TargetHostName" -> target_host_name, with a small per-normalizer cache.
 */
#include "map.h"

size_t cg_nz_snake(const char *s, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    bool sep = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool up = nz_isupper(c);
        if (!up && !nz_islower(c) && !nz_isdigit(c) && c < 0x80) {
            sep = o > 0;
            continue;
        }
        if (up && i > 0 && o > 0) {
            unsigned char p = (unsigned char)s[i - 1];
            bool acronym_end = nz_isupper(p) && i + 2 < n && nz_islower((unsigned char)s[i + 1]) &&
                               nz_islower((unsigned char)s[i + 2]);
            if (nz_islower(p) || nz_isdigit(p) || acronym_end)
                sep = true;
        }
        if (o + (sep ? 2 : 1) > cap)
            return 0;
        if (sep)
            out[o++] = '_';
        sep = false;
        out[o++] = up ? (char)(c + ('a' - 'A')) : (char)c;
    }
    return o;
}

static bool nz_snake_hit(const struct nz_snake_slot *sl, size_t n, const uint64_t w[4])
{
    return sl->llen == n && sl->w[0] == w[0] && sl->w[1] == w[1] && sl->w[2] == w[2] &&
           sl->w[3] == w[3];
}

size_t cg_nz_snake_cached(struct nz_snake_cache *c, const char *s, size_t n, char *out, size_t cap,
                          size_t room)
{
    if (!c || n == 0 || n > 32 || room < sizeof(c->v[0][0].key))
        return cg_nz_snake(s, n, out, cap);
    /* bytes 0-7, 8-15 and 16-23 when the label is longer than 16 / 24, the last 8; a
     * label shorter than 8 bytes is one zero-padded word */
    uint64_t w0 = 0, w1 = 0, w2 = 0, w3;
    if (n >= 8) {
        w0 = nz_load8(s);
        w1 = n > 16 ? nz_load8(s + 8) : 0;
        w2 = n > 24 ? nz_load8(s + 16) : 0;
        w3 = nz_load8(s + n - 8);
    } else {
        for (size_t i = 0; i < n; i++)
            w0 |= (uint64_t)(unsigned char)s[i] << (8 * i);
        w3 = w0;
    }
    uint64_t w[4] = {w0, w1, w2, w3};
    uint64_t h = (w0 * 0x9e3779b97f4a7c15u) ^ (w3 * 0xc2b2ae3d27d4eb4fu) ^ (w1 + w2) ^ n;
    struct nz_snake_slot *set = c->v[((h * 0xff51afd7ed558ccdu) >> 56) % NZ_SNAKE_SETS];
    struct nz_snake_slot *sl = &set[0];
    if (!nz_snake_hit(sl, n, w) && !nz_snake_hit(sl = &set[1], n, w)) {
        size_t k = cg_nz_snake(s, n, out, cap);
        if (k == 0 || k > sizeof(sl->key))
            return k; /* not kept: empty, or longer than a slot's key */
        set[1] = set[0];
        sl = &set[0];
        memcpy(sl->w, w, sizeof(w));
        sl->llen = (unsigned char)n;
        sl->klen = (unsigned char)k;
        memcpy(sl->key, out, k);
        return k;
    }
    if (sl->klen > cap)
        return 0;
    memcpy(out, sl->key, sizeof(sl->key)); /* the whole slot: a constant-size copy */
    return sl->klen;
}
