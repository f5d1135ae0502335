#!/usr/bin/env bash
# gen_rules.sh N - writes N generated rules (YAML) to stdout, deterministic, for the
# "many rules" benchmark row: the shape of a large site's custom rule set, one rule per
# signature with a field condition, spread over the Deep Security ID ranges the corpus
# uses (IPS 1000000+, integrity 2000000+, log inspection 3000000+, web reputation
# 5000000+, application control 6000000+). A few IDs coincide with signatures the corpus
# emits, so those rules really are evaluated against their events; the rest can never
# match, and the index must keep them from costing anything.
set -eu
n=${1:-10000}
awk -v n="$n" 'BEGIN {
    base[0] = 1000000; base[1] = 2000000; base[2] = 3000000; base[3] = 5000000; base[4] = 6000000
    print "rules:"
    for (i = 0; i < n; i++) {
        b = base[i % 5]; id = b + int(i / 5)
        printf "  - id: gen-%05d\n", i
        printf "    description: generated rule %d\n", i
        printf "    severity: %s\n", (i % 3 == 0) ? "low" : "medium"
        printf "    match:\n"
        printf "      product: Deep Security Agent\n"
        printf "      event_id: %d\n", id
        if (i % 4 == 0)      printf "      fields.dpt: {in: [%d, %d]}\n", 1000 + i % 60000, 2000 + i % 60000
        else if (i % 4 == 1) printf "      fields.src: {cidr: 198.51.%d.0/24}\n", i % 256
        else if (i % 4 == 2) printf "      fields.dvchost: {prefix: gen-%d-}\n", i
        else                 printf "      fields.msg: {regex: \"^generated-%d\"}\n", i
        printf "    key: [subject]\n"
        if (i % 10 == 0)     printf "    threshold: {count: 5, window: 10m}\n"
    }
}'
