/*
 * hostaddr.h - is a value a machine's host name or address? And the validated target
 * of a response request, which only that check makes.
 *
 * Every value checked here comes from a log line, so from whoever can send one. A value
 * is accepted only as one of:
 *   - an IPv4 address in strict dotted-quad form ("10.1.2.3": four decimal octets 0-255,
 *     no leading zeros, which inet_pton(AF_INET) demands);
 *   - an IPv6 address as inet_pton(AF_INET6) reads it ("fe80::1", "::ffff:1.2.3.4" - an
 *     IPv4-mapped address is an address); no zone ("%eth0": meaningful on one host only);
 *   - a host name after RFC 1123 2.1: dot-separated labels of 1-63 ASCII letters, digits
 *     and hyphens, no label starting or ending with '-', at most 253 bytes in all. No
 *     trailing dot (no product logs one, and a consumer may not expect it), no '_', no
 *     UTF-8 (IDNs are accepted in their punycode "xn--" form), and not a name that
 *     inet_aton(3) would read as an address ("1234", "0x7f.1", "1.2.3.256": all digits
 *     and dots, or a hex/octal form), since resolvers turn those into addresses nobody
 *     logged.
 * So mail addresses ("user@test.com"), "N/A", empty values, anything with a space,
 * control byte, ';', '/', '%', or a leading '-' ("-oProxyCommand=x") are refused.
 *
 * Thread use: pure functions.
 */
#ifndef CEFGUARD_HOSTADDR_H
#define CEFGUARD_HOSTADDR_H

#include "cefguard/common.h"

#define CG_HOSTNAME_MAX 253

enum cg_hostaddr_kind {
    CG_HOSTADDR_NONE = 0, /* not a host name or address */
    CG_HOSTADDR_NAME,
    CG_HOSTADDR_IPV4,
    CG_HOSTADDR_IPV6,
};

/* What v is ("none" when v is unset). */
enum cg_hostaddr_kind cg_hostaddr_check(struct cg_str v);

/* "none", "name", "ipv4", "ipv6" */
const char *cg_hostaddr_kind_name(enum cg_hostaddr_kind k);

/* Does v name the same machine as w? Equal ignoring ASCII case, or one is a host name
 * whose first label is the other one ("web-01" and "web-01.corp.example"). Both must be
 * valid (cg_hostaddr_check); false otherwise. */
bool cg_hostaddr_same(struct cg_str v, struct cg_str w);

/*
 * The machine a response request is for. Only cg_target_make constructs one, after the
 * check above; its members are private. Consumers read it with cg_target_value, which
 * checks again, so a target made by hand (or zeroed, or corrupted) is never a machine:
 * no later stage can receive an unvalidated target through this type.
 */
struct cg_target {
    struct cg_str value_;
    enum cg_hostaddr_kind kind_;
};

/* On a valid v: *t holds v (a view: v's bytes must outlive *t) and CG_OK. Otherwise *t is
 * made empty and CG_EINVAL. */
int cg_target_make(struct cg_target *t, struct cg_str v);

/* The validated value: true and *out = it, or false (empty or invalid target). */
bool cg_target_value(const struct cg_target *t, struct cg_str *out);

/* The kind of a valid target, CG_HOSTADDR_NONE otherwise. */
enum cg_hostaddr_kind cg_target_kind(const struct cg_target *t);

#endif
