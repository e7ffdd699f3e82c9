#!/usr/bin/env bash
# Install the Debian packages pqshim needs to build and test.
#
# Usage: scripts/deps.sh [EXTRA_PACKAGE...]
#   e.g. scripts/deps.sh valgrind, or scripts/deps.sh libpq5:arm64 (adds the
#   architecture to dpkg when it is missing)
#
# Fast no-op (no apt-get at all) when every package is already installed.
# Otherwise runs `apt-get update` once and installs only what is missing.
#
# Installing postgresql-15 / pgbouncer would normally auto-start system
# services (cluster "main" on 5432, pgbouncer on 6432).  The tests never use
# them, so during the install a temporary /usr/sbin/policy-rc.d that denies
# service starts is put in place (only if none exists; removed afterwards).
set -euo pipefail

packages=(
    build-essential
    pkg-config
    libpq-dev
    uthash-dev
    check
    postgresql-15
    pgbouncer
    python3
    "$@"
)

# is_installed PKG[:ARCH]: installed for ARCH (default the native one) or as
# Architecture: all. A Multi-Arch: same package (check) may be installed for
# two architectures at once: dpkg-query then prints one line for each.
is_installed() {
    local name=${1%%:*} want=${1#*:} arch status
    [[ $1 == *:* ]] || want=$(dpkg --print-architecture)
    while read -r arch status; do
        [[ $status == "install ok installed" && ($arch == "$want" || $arch == all) ]] && return 0
    done <<<"$(dpkg-query -W -f='${Architecture} ${Status}\n' "$name" 2>/dev/null)"
    return 1
}

missing=()
for pkg in "${packages[@]}"; do
    [[ -n $pkg ]] || continue
    if ! is_installed "$pkg"; then
        missing+=("$pkg")
    fi
done

if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
        sudo=(sudo -n)
    else
        echo "deps.sh: missing Debian packages: ${missing[*]}" >&2
        echo "deps.sh: not root and passwordless sudo is unavailable; run as root:" >&2
        echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
        exit 1
    fi
fi

echo "deps.sh: installing: ${missing[*]}" >&2

# Keep apt from starting system services (postgresql@15-main, pgbouncer).
policy=/usr/sbin/policy-rc.d
created_policy=0
remove_policy() {
    if ((created_policy)); then
        "${sudo[@]}" rm -f "$policy" || true
        created_policy=0
    fi
}
trap remove_policy EXIT
trap 'remove_policy; exit 130' INT
trap 'remove_policy; exit 143' TERM
if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\n# temporary, created by pqshim scripts/deps.sh\nexit 101\n' |
        "${sudo[@]}" tee "$policy" >/dev/null
    created_policy=1
    "${sudo[@]}" chmod 0755 "$policy"
fi

# packages of another architecture (libpq5:arm64 for make test-arm64) need
# it added to dpkg first (multiarch)
for pkg in "${missing[@]}"; do
    [[ $pkg == *:* ]] || continue
    foreign=${pkg##*:}
    if [[ $foreign != "$(dpkg --print-architecture)" ]] &&
        ! grep -qx "$foreign" <<<"$(dpkg --print-foreign-architectures)"; then
        echo "deps.sh: adding the $foreign architecture to dpkg (multiarch)" >&2
        "${sudo[@]}" dpkg --add-architecture "$foreign"
    fi
done
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"

remove_policy

still_missing=()
for pkg in "${missing[@]}"; do
    if ! is_installed "$pkg"; then
        still_missing+=("$pkg")
    fi
done
if ((${#still_missing[@]} > 0)); then
    echo "deps.sh: still not installed after apt-get: ${still_missing[*]}" >&2
    exit 1
fi
echo "deps.sh: done" >&2
