#!/usr/bin/env bash
# The man page man/pqshim.1: renders without a warning, has its sections, and
# documents every environment variable of the shim's table (shim/pure/config.c),
# every connection-string parameter (shim/pure/conninfo.c) and every option of the
# wrapper (scripts/pqshim), read from those files so that a new one cannot
# go undocumented.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

page=$root/man/pqshim.1

capture groff -ww -man -z "$page"
check_eq "groff -ww -man -z: no warnings" "rc=0 " "rc=$rc $err$out"

capture env MANWIDTH=80 man -l "$page"
check_eq "man -l: renders without warnings" "" "$err"
rendered=$out

missing=()
for section in NAME SYNOPSIS DESCRIPTION OPTIONS COMMANDS ENVIRONMENT MODES EXAMPLES \
    "EXIT STATUS" LIMITATIONS "SEE ALSO"; do
    grep -qx "$section" <<<"$rendered" || missing+=("$section")
done
check_eq "sections" "" "${missing[*]}"

# The ENVIRONMENT section, rendered: a variable is documented when it is the
# tag of an entry (a line of its own, indented by 7).
env_section=$(sed -n '/^ENVIRONMENT$/,/^EXAMPLES$/p' <<<"$rendered")
vars=$(grep -oE '^[[:space:]]*\{ "[A-Za-z_][A-Za-z0-9_]*",' "$root/shim/pure/config.c" |
    grep -oE '"[^"]+"' | tr -d '"')
missing=()
[[ -n $vars ]] || missing+=("(no variable found in shim/pure/config.c)")
for v in $vars; do
    grep -qE "^ {7}$v\$" <<<"$env_section" || missing+=("$v")
done
check_eq "ENVIRONMENT: every variable of shim/pure/config.c ($(wc -w <<<"$vars") found)" "" "${missing[*]}"

params=$(grep -oE '\[K_[A-Z]+\] = "[a-z_]+"' "$root/shim/pure/conninfo.c" | grep -oE '"[^"]+"' | tr -d '"')
missing=()
[[ -n $params ]] || missing+=("(no parameter found in shim/pure/conninfo.c)")
for p in $params pgbouncer connection_limit pool_timeout; do
    grep -qE "^ {7}.*\\<$p\\>" <<<"$env_section" || missing+=("$p")
done
check_eq "ENVIRONMENT: every connection-string parameter of shim/pure/conninfo.c" "" "${missing[*]}"

opts=$(grep -oE '^[[:space:]]+(-[a-zA-Z] \| )?--[a-z][a-z-]*[)= |]' "$root/scripts/pqshim" |
    grep -oE -- '--[a-z][a-z-]*' | sort -u)
help=$("$pqshim" --help)
missing=()
[[ -n $opts ]] || missing+=("(no option found in scripts/pqshim)")
for o in $opts; do
    [[ $o == --lib ]] && o_help="--lib PATH" || o_help=$o
    grep -qE "^ {7}(-[a-zA-Z], )?$o( |,|$)" <<<"$rendered" || [[ $o == --lib ]] ||
        missing+=("$o (man)")
    [[ $help == *"$o_help"* ]] || missing+=("$o (--help)")
done
[[ $rendered == *"env [--lib path]"* ]] || missing+=("--lib (man)")
check_eq "OPTIONS: every option of scripts/pqshim, in the man page and --help ($(wc -w <<<"$opts") found)" \
    "" "${missing[*]}"

check_lacks "version not repeated in the page (VERSION is the one place)" \
    "$(grep '^\.TH' "$page")" "$(head -n 1 "$root/VERSION")"
