#!/usr/bin/env bash
# README.md's generated sections are what cefguard prints now: between the lines
# "<!-- NAME:begin -->" and "<!-- NAME:end -->" stand a blank line, the output of
# `cefguard help NAME --markdown`, and a blank line, for NAME in options, counters and types.
# It also shows that it can fail: on copies of README.md with one line of a section
# changed, and with a marker missing.
# UPDATE=1 rewrites the sections instead (review the diff before committing).
#
# usage: test/docs/readme.sh CEFGUARD_BIN README.md
set -u
bin=$1 readme=$2
names=(options counters types)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# section FILE NAME: the lines between NAME's markers; status 1 unless both markers are
# there once, in order.
section() {
    awk -v b="<!-- $2:begin -->" -v e="<!-- $2:end -->" '
        $0 == b { nb++; if (state == 0) state = 1; else bad = 1; next }
        $0 == e { ne++; if (state == 1) state = 2; else bad = 1; next }
        state == 1 { print }
        END { exit (bad || nb != 1 || ne != 1 || state != 2) ? 1 : 0 }' "$1"
}

# expected NAME: what NAME's section must hold.
expected() {
    echo
    "$bin" help "$1" --markdown || return 1
    echo
}

# check FILE: 0 when every section of FILE is as generated, else says which is not.
check() {
    local name rc=0
    for name in "${names[@]}"; do
        if ! section "$1" "$name" > "$tmp/got"; then
            echo "FAIL $name: the markers <!-- $name:begin --> / <!-- $name:end --> are not there once each, in order"
            rc=1; continue
        fi
        if ! expected "$name" > "$tmp/want"; then
            echo "FAIL $name: cefguard help $name --markdown failed"; rc=1; continue
        fi
        if ! cmp -s "$tmp/got" "$tmp/want"; then
            echo "FAIL $name: README.md differs from 'cefguard help $name --markdown' (UPDATE=1 rewrites it)"
            diff "$tmp/want" "$tmp/got" | head -20
            rc=1
        fi
    done
    return $rc
}

if [ "${UPDATE:-0}" = 1 ]; then
    for name in "${names[@]}"; do
        section "$readme" "$name" > /dev/null || { echo "no markers for $name in $readme"; exit 1; }
        expected "$name" > "$tmp/want" || exit 1
        awk -v b="<!-- $name:begin -->" -v e="<!-- $name:end -->" -v gen="$tmp/want" '
            $0 == b { print; while ((getline l < gen) > 0) print l; skip = 1; next }
            $0 == e { skip = 0 }
            !skip { print }' "$readme" > "$tmp/new" && cat "$tmp/new" > "$readme"
        echo "updated $name"
    done
    exit 0
fi

fail=0
check "$readme" || fail=1

# The check must be able to fail: a changed line, a missing marker.
for name in "${names[@]}"; do
    awk -v b="<!-- $name:begin -->" '
        done == 0 && seen == 2 { print $0 "x"; done = 1; next }
        seen == 1 { seen = 2 }
        $0 == b { seen = 1 }
        { print }' "$readme" > "$tmp/changed"
    if check "$tmp/changed" > /dev/null; then echo "FAIL: a changed line of $name went unnoticed"; fail=1; fi
    grep -v -F -x "<!-- $name:end -->" "$readme" > "$tmp/unmarked"
    if check "$tmp/unmarked" > /dev/null; then echo "FAIL: a missing $name marker went unnoticed"; fail=1; fi
done
[ $fail -eq 0 ] && echo "readme: ${names[*]} sections as generated"
exit $fail
