#!/usr/bin/env bash
# Checks the layout of src/ against the layer order the build declares.
#
# usage: test/layering/check.sh MANIFEST SOURCE_DIR [--no-symbols]
#
# MANIFEST is what CMakeLists.txt writes (build/layers.gen.txt): for every stage of
# CG_LAYERS its level, folder and library, its source files and its public headers.
# A stage may use what is at its own level or below and nothing above. Checked:
#   1. every file under src/ belongs to a stage, every header in include/cefguard/ to one
#      stage, and every file a stage lists exists;
#   2. every #include "cefguard/X.h" in a stage's files (and in a public header) names a
#      header of the same stage or a lower one;
#   3. every other #include "x.h" is a private header of the same folder (no "../", no
#      private header of another stage);
#   4. every cg_ symbol a stage's library leaves undefined is defined by its own library or
#      a lower one (this catches a call made through a prototype written by hand); skipped
#      with --no-symbols.
# Prints each violation as file:line: message, then a summary; exits 1 if there was one.
set -uo pipefail

manifest=${1:?usage: check.sh MANIFEST SOURCE_DIR [--no-symbols]}
root=${2:?usage: check.sh MANIFEST SOURCE_DIR [--no-symbols]}
symbols=1
[ "${3:-}" = "--no-symbols" ] && symbols=0
cd "$root" || exit 2

declare -A level lib file_stage header_stage
stages=()
while read -r kind stage a b c; do
    case $kind in
    stage) level[$stage]=$a; lib[$stage]=$c; stages+=("$stage") ;;
    source) file_stage[$a]=$stage ;;
    header)
        if [ -n "${header_stage[$a]:-}" ]; then
            echo "$a: claimed by stages ${header_stage[$a]} and $stage"
            header_stage[$a]="$stage"
            bad=1
        fi
        header_stage[$a]=$stage
        ;;
    esac
done < <(grep -v '^#' "$manifest")
[ ${#stages[@]} -gt 0 ] || { echo "layering: no stage in $manifest" >&2; exit 2; }

bad=${bad:-0} nincl=0 nsym=0
fail() { echo "$*"; bad=1; }

# 1. every file belongs somewhere, and what the stages list exists
while IFS= read -r f; do
    [ -n "${file_stage[$f]:-}" ] || fail "$f:1: not a source of any stage (list it in its folder's CMakeLists.txt)"
done < <(find src -name '*.[ch]' | sort)
while IFS= read -r h; do
    [ -n "${header_stage[$h]:-}" ] || fail "$h:1: public header of no stage (list it under HEADERS of the stage it belongs to)"
done < <(find include/cefguard -name '*.h' | sort)
for f in "${!file_stage[@]}" "${!header_stage[@]}"; do
    [ -f "$f" ] || fail "$f:1: listed by stage ${file_stage[$f]:-${header_stage[$f]:-}} but missing"
done

# 2 and 3: the includes of one file. $1 file, $2 its stage, $3 public (1) or stage file (0)
check_includes() {
    local f=$1 st=$2 public=$3 lineno inc owner
    while IFS=: read -r lineno inc; do
        inc=${inc#*\"} inc=${inc%%\"*}
        nincl=$((nincl + 1))
        if [[ $inc == cefguard/* ]]; then
            owner=${header_stage[include/$inc]:-}
            if [ -z "$owner" ]; then
                fail "$f:$lineno: includes \"$inc\", which no stage declares"
            elif [ "${level[$owner]}" -gt "${level[$st]}" ]; then
                fail "$f:$lineno: stage $st includes \"$inc\" of stage $owner, which is above it (layers: ${stages[*]})"
            fi
        elif [ "$public" -eq 1 ]; then
            fail "$f:$lineno: a public header includes \"$inc\"; public headers include only cefguard/*.h"
        elif [[ $inc == */* ]] || [ ! -f "$(dirname "$f")/$inc" ]; then
            fail "$f:$lineno: includes \"$inc\", which is not a private header of $(dirname "$f")/ (another stage's private header, or a path)"
        fi
    done < <(grep -nE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"' "$f")
}
for f in "${!file_stage[@]}"; do
    [ -f "$f" ] && check_includes "$f" "${file_stage[$f]}" 0
done
for h in "${!header_stage[@]}"; do
    [ -f "$h" ] && check_includes "$h" "${header_stage[$h]}" 1
done

# 4. symbols: who defines each cg_ symbol, and who takes it
if [ "$symbols" -eq 1 ]; then
    declare -A defined_by
    for st in "${stages[@]}"; do
        [ -f "${lib[$st]}" ] || { fail "${lib[$st]}:1: library of stage $st not built"; continue; }
        while read -r sym; do
            defined_by[$sym]=$st
        done < <(nm --defined-only -g "${lib[$st]}" 2>/dev/null | awk 'NF == 3 && $3 ~ /^cg_/ { print $3 }')
    done
    for st in "${stages[@]}"; do
        [ -f "${lib[$st]}" ] || continue
        while read -r sym; do
            nsym=$((nsym + 1))
            owner=${defined_by[$sym]:-}
            [ -n "$owner" ] || continue # defined outside the stages (main.c)
            if [ "${level[$owner]}" -gt "${level[$st]}" ]; then
                fail "${lib[$st]}:1: stage $st uses $sym of stage $owner, which is above it"
            fi
        done < <(nm -u "${lib[$st]}" 2>/dev/null | awk '$1 == "U" && $2 ~ /^cg_/ { print $2 }' | sort -u)
    done
fi

summary="${#stages[@]} stages, ${#file_stage[@]} files, ${#header_stage[@]} public headers, $nincl includes, $nsym symbol uses"
if [ "$bad" -ne 0 ]; then
    echo "layering: FAILED ($summary)"
    exit 1
fi
echo "layering: ok ($summary; layers: ${stages[*]})"
