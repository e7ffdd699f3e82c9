#!/usr/bin/env bash
# README.md's configuration table lists every environment variable of the
# shim's one table (shim/pure/config.c) with the default that table gives, and
# every connection-string parameter the shim owns, so neither can drift.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

readme=$root/README.md
# { "NAME", "values", "default", ... } entries of config_vars[]
missing=()
while IFS='|' read -r name deflt; do
	row=$(grep -E "^\| \`$name\` \|" "$readme" || true)
	if [ -z "$row" ]; then
		missing+=("$name (no row)")
	elif [ "$deflt" != "(stderr)" ] && [ "$deflt" != "(none)" ] && ! grep -q "| \`$deflt\` |" <<<"$row"; then
		missing+=("$name (default $deflt)")
	fi
done < <(grep -oE '^[[:space:]]*\{ "[A-Za-z_]+", "[^"]*", "[^"]*"' "$root/shim/pure/config.c" |
	sed -E 's/^[[:space:]]*\{ "([A-Za-z_]+)", "[^"]*", "([^"]*)"/\1|\2/')
check_eq "README configuration table matches shim/pure/config.c" "" "${missing[*]}"

params=$(grep -oE '"(pqshim_mode|prepared_statements|pgbouncer|connection_limit|pool_timeout)"' \
	"$root/shim/pure/conninfo.c" | tr -d '"' | sort -u)
missing=()
for p in $params; do
	grep -q "\`$p" "$readme" || missing+=("$p")
done
check_eq "README lists the connection-string parameters" "" "${missing[*]}"
