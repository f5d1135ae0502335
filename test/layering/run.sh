#!/usr/bin/env bash
# The layering test: the tree as built passes check.sh, and check.sh fails - naming the
# file and line - on each kind of violation injected into a copy of the tree.
#
# usage: test/layering/run.sh MANIFEST SOURCE_DIR
set -uo pipefail
manifest=$1 src=$2
check=$(dirname "${BASH_SOURCE[0]}")/check.sh
work=$(mktemp -d "${TMPDIR:-/tmp}/cefguard-layering.XXXXXX")
trap 'rm -rf "$work"' EXIT
pass=0 failed=0
ok() { pass=$((pass + 1)); echo "ok: $*"; }
ko() { failed=$((failed + 1)); echo "FAILED: $*"; }

# expect_violation NAME PATTERN: check.sh on $work/tree must exit 1 and print PATTERN
expect_violation() {
    local out rc
    out=$(bash "$check" "$work/manifest" "$work/tree" --no-symbols 2>&1)
    rc=$?
    if [ "$rc" -eq 1 ] && grep -qE -- "$2" <<<"$out"; then ok "$1"; else ko "$1 (exit $rc): $out"; fi
}
fresh_tree() {
    rm -rf "$work/tree"
    mkdir -p "$work/tree"
    cp -r "$src/src" "$src/include" "$work/tree/"
    grep -v '^stage ' "$manifest" >"$work/manifest"
    grep '^stage ' "$manifest" | awk '{ $5 = "-"; print }' >>"$work/manifest"
}

# The real tree, symbols included.
if out=$(bash "$check" "$manifest" "$src" 2>&1); then ok "the tree: $out"; else ko "the tree: $out"; fi

# An upward include: core takes the engine's header.
fresh_tree
sed -i '1i #include "cefguard/engine.h"' "$work/tree/src/core/arena.c"
expect_violation "upward include" '^src/core/arena.c:1: stage core includes "cefguard/engine.h" of stage engine'

# A public header of a lower stage including a higher one.
fresh_tree
sed -i '0,/#include/s//#include "cefguard\/rules.h"\n#include/' "$work/tree/include/cefguard/event.h"
expect_violation "upward include in a public header" '^include/cefguard/event.h:[0-9]+: stage event includes "cefguard/rules.h" of stage rules'

# Another stage's private header, and a path into another folder.
fresh_tree
sed -i '1i #include "engine_int.h"' "$work/tree/src/rules/match.c"
expect_violation "another folder's private header" '^src/rules/match.c:1: includes "engine_int.h", which is not a private header'
fresh_tree
sed -i '1i #include "../engine/engine_int.h"' "$work/tree/src/pipeline.c"
expect_violation "a path to a private header" '^src/pipeline.c:1: includes "../engine/engine_int.h"'

# A file that no stage lists, and a header no stage declares.
fresh_tree
echo 'int cg_stray(void);' >"$work/tree/src/core/stray.c"
expect_violation "a file outside every stage" '^src/core/stray.c:1: not a source of any stage'
fresh_tree
echo '#define X 1' >"$work/tree/include/cefguard/stray.h"
expect_violation "a header of no stage" '^include/cefguard/stray.h:1: public header of no stage'

# A symbol taken from a higher stage through a hand-written prototype (no include at all).
mkdir -p "$work/sym/src/core" "$work/sym/src/engine" "$work/sym/include/cefguard"
printf 'int cg_engine_thing(void);\nint cg_core_thing(void) { return cg_engine_thing(); }\n' >"$work/sym/src/core/a.c"
printf 'int cg_engine_thing(void) { return 1; }\n' >"$work/sym/src/engine/b.c"
(cd "$work/sym" && cc -c src/core/a.c -o a.o && cc -c src/engine/b.c -o b.o &&
    ar rcs libcg_core.a a.o && ar rcs libcg_engine.a b.o) || ko "cannot build the symbol case"
cat >"$work/sym/manifest" <<M
stage core 0 src/core $work/sym/libcg_core.a
source core src/core/a.c
stage engine 5 src/engine $work/sym/libcg_engine.a
source engine src/engine/b.c
M
out=$(bash "$check" "$work/sym/manifest" "$work/sym" 2>&1)
rc=$?
if [ "$rc" -eq 1 ] && grep -q 'stage core uses cg_engine_thing of stage engine' <<<"$out"; then
    ok "a call to a higher stage without its header"
else
    ko "a call to a higher stage without its header (exit $rc): $out"
fi

echo "layering: $pass passed, $failed failed"
[ "$failed" -eq 0 ]
