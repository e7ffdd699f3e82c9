#!/usr/bin/env bash
# make deb: build/pqshim_<version>_<arch>.deb with dpkg-deb, no debian/ folder.
#
# The layout (what `make install PREFIX=/usr LIBDIR=/usr/lib/<multiarch>/pqshim`
# puts in place, then what Debian's helpers would do to it, done here by hand):
#   /usr/bin/pqshim, /usr/bin/pqshim-doctor, /usr/bin/pqshim-stats
#   /usr/lib/<multiarch>/pqshim/libpqshim.so     (LD_PRELOAD names this path)
#   /usr/share/man/man1/pqshim.1.gz              pqshim-doctor.1.gz, pqshim-stats.1.gz: links
#   /usr/share/doc/pqshim/README.md.gz, SECURITY.md.gz, changelog.gz, copyright
#   /usr/share/pqshim/VERSION
# Built in build/deb/ (its own objects: Debian's hardening flags from
# dpkg-buildflags, never mixed with the test build), binaries stripped as
# dh_strip does, man page and documents compressed as dh_compress does,
# Depends from dpkg-shlibdeps, files owned by root (dpkg-deb
# --root-owner-group), timestamps from the last commit (SOURCE_DATE_EPOCH).
#
# Environment: CC (the target: its -dumpmachine gives the architecture),
# DEB_MAINTAINER (default: the last commit's author), SOURCE_DATE_EPOCH.
# Prints the path of the package on its last line.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

die() {
    echo "deb.sh: $*" >&2
    exit 1
}
for tool in dpkg-deb dpkg-architecture dpkg-buildflags dpkg-shlibdeps gzip; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is missing (Debian's dpkg-dev)"
done

: "${CC:=gcc}"
triplet=$($CC -dumpmachine) || die "cannot run $CC -dumpmachine"
arch=$(dpkg-architecture -t "$triplet" -qDEB_HOST_ARCH 2>/dev/null) ||
    die "dpkg-architecture does not know $CC's target $triplet"
multiarch=$(dpkg-architecture -t "$triplet" -qDEB_HOST_MULTIARCH 2>/dev/null)
version=$(head -n 1 VERSION)
[[ $version =~ ^[0-9][0-9A-Za-z.+~]*$ ]] || die "VERSION '$version' is not a native Debian version"
strip="strip"
command -v "$triplet-strip" >/dev/null 2>&1 && strip=$triplet-strip

commit=$(git -C "$root" rev-parse --short=12 HEAD 2>/dev/null || true)
if [[ -z ${SOURCE_DATE_EPOCH:-} ]]; then
    SOURCE_DATE_EPOCH=$(git -C "$root" log -1 --format=%ct 2>/dev/null || date +%s)
fi
export SOURCE_DATE_EPOCH
if [[ -z ${DEB_MAINTAINER:-} ]]; then
    DEB_MAINTAINER=$(git -C "$root" log -1 --format='%an <%ae>' 2>/dev/null || true)
fi
[[ $DEB_MAINTAINER == *' <'*@*'>' ]] || die "set DEB_MAINTAINER='Name <address>'"

bdir=build/deb
stage=$bdir/stage
rm -rf "$stage"
mkdir -p "$bdir"

# Debian's hardening flags (stack protector, fortify, relro, bind now); the
# project's own -Werror warnings stay on top of them
export DEB_BUILD_MAINT_OPTIONS=hardening=+all
flags=(
    "CFLAGS=$(dpkg-buildflags --get CFLAGS)"
    "CPPFLAGS=$(dpkg-buildflags --get CPPFLAGS)"
    "LDFLAGS=$(dpkg-buildflags --get LDFLAGS)"
)
mk() {
    env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -C "$root" \
        B="$bdir" CC="$CC" "${flags[@]}" "$@"
}
mk all
mk install DESTDIR="$root/$stage" PREFIX=/usr LIBDIR="/usr/lib/$multiarch/pqshim" >/dev/null

# as dh_strip: shared objects lose their local symbols too
"$strip" --remove-section=.comment --remove-section=.note --strip-unneeded \
    "$stage/usr/lib/$multiarch/pqshim/libpqshim.so"
"$strip" --remove-section=.comment --remove-section=.note \
    "$stage/usr/bin/pqshim-doctor" "$stage/usr/bin/pqshim-stats"

# as dh_compress: man pages, and documents above 4 kB (never the copyright);
# links follow their targets
man1=$stage/usr/share/man/man1
gzip -9n "$man1/pqshim.1"
for link in pqshim-doctor pqshim-stats; do
    rm "$man1/$link.1"
    ln -s pqshim.1.gz "$man1/$link.1.gz"
done
doc=$stage/usr/share/doc/pqshim
for f in "$doc"/*; do
    (($(stat -c %s "$f") > 4096)) && gzip -9n "$f"
done

# a native package's changelog, in Debian's format
when=$(date -u -R -d "@$SOURCE_DATE_EPOCH")
{
    printf 'pqshim (%s) unstable; urgency=medium\n\n' "$version"
    printf '  * pqshim %s%s.\n' "$version" "${commit:+, built from commit $commit}"
    printf '    The changes are in the project'\''s git history.\n\n'
    printf ' -- %s  %s\n' "$DEB_MAINTAINER" "$when"
} | gzip -9n >"$doc/changelog.gz"

# machine-readable copyright; uthash is compiled into the library
cat >"$doc/copyright" <<'EOF'
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: pqshim
Comment: The pqshim authors have not chosen a licence for pqshim yet; until
 they do, this package grants no rights beyond those the law gives.

Files: *
Copyright: 2026 the pqshim authors
License: none-chosen

License: none-chosen
 No licence has been chosen for pqshim yet.

License: BSD-1-Clause
 Redistribution and use in source and binary forms, with or without
 modification, are permitted provided that the following conditions
 are met:
 1. Redistributions of source code must retain the above copyright
    notice, this list of conditions and the following disclaimer.
 .
 THIS SOFTWARE IS PROVIDED BY THE COPYRIGHT HOLDERS AND CONTRIBUTORS
 ``AS IS'' AND ANY EXPRESS OR IMPLIED WARRANTIES, INCLUDING, BUT NOT
 LIMITED TO, THE IMPLIED WARRANTIES OF MERCHANTABILITY AND FITNESS FOR
 A PARTICULAR PURPOSE ARE DISCLAIMED.  IN NO EVENT SHALL THE HOLDERS OR
 CONTRIBUTORS BE LIABLE FOR ANY DIRECT, INDIRECT, INCIDENTAL, SPECIAL,
 EXEMPLARY, OR CONSEQUENTIAL DAMAGES (INCLUDING, BUT NOT LIMITED TO,
 PROCUREMENT OF SUBSTITUTE GOODS OR SERVICES; LOSS OF USE, DATA, OR
 PROFITS; OR BUSINESS INTERRUPTION) HOWEVER CAUSED AND ON ANY THEORY OF
 LIABILITY, WHETHER IN CONTRACT, STRICT LIABILITY, OR TORT (INCLUDING
 NEGLIGENCE OR OTHERWISE) ARISING IN ANY WAY OUT OF THE USE OF THIS
 SOFTWARE, EVEN IF ADVISED OF THE POSSIBILITY OF SUCH DAMAGE.
Comment: libpqshim.so includes uthash.h from Debian's uthash-dev,
 Copyright 2003-2021 Troy D. Hanson <tdh@tkhanson.net>, under this licence.
EOF
chmod 0644 "$doc/copyright"

# Depends: what the binaries link (libc6; libpq5 for the doctor), with the
# versions dpkg-shlibdeps reads from those packages' symbols files. It wants a
# debian/control beside it, so it runs in a scratch folder.
work=$bdir/shlibdeps
rm -rf "$work"
mkdir -p "$work/debian"
printf 'Source: pqshim\n\nPackage: pqshim\nArchitecture: any\n' >"$work/debian/control"
elves=("$stage/usr/lib/$multiarch/pqshim/libpqshim.so" "$stage/usr/bin/pqshim-doctor"
    "$stage/usr/bin/pqshim-stats")
shlibs=$(cd "$work" && dpkg-shlibdeps -O "${elves[@]/#/$root/}") || die "dpkg-shlibdeps failed"
depends=$(sed -n 's/^shlibs:Depends=//p' <<<"$shlibs")
[[ $depends == *libc6* ]] || die "dpkg-shlibdeps gave no dependencies"
rm -rf "$work"

# as dpkg-gencontrol counts it: each file in whole KiB, 1 for each folder and
# link (not du, whose folder sizes depend on the file system)
installed_size=$(find "$stage" -mindepth 1 -printf '%y %s\n' |
    awk '{ n += $1 == "f" ? int(($2 + 1023) / 1024) : 1 } END { print n }')
mkdir -p "$stage/DEBIAN"
cat >"$stage/DEBIAN/control" <<EOF
Package: pqshim
Version: $version
Architecture: $arch
Maintainer: $DEB_MAINTAINER
Installed-Size: $installed_size
Depends: $depends
Section: database
Priority: optional
Description: LD_PRELOAD shim making libpq prepared statements pooler-safe
 Applications that use libpq name their prepared statements; behind a
 transaction pooler such as PgBouncer, or after a lost connection, they fail
 with "prepared statement already exists" or "does not exist", or run another
 client's statement of the same name. pqshim fixes this in existing binaries
 without a code change: preload the library (LD_PRELOAD, or the pqshim
 wrapper) and re-prepares succeed, names keep their meaning for the
 connection, and no result changes.
 .
 This package holds the library (under the multiarch library directory), the
 pqshim wrapper, its doctor, which tells which mode a connection needs, and
 pqshim-stats, which reads the live statistics files.
EOF
(cd "$stage" && find . -path ./DEBIAN -prune -o -type f -printf '%P\n' | LC_ALL=C sort |
    xargs md5sum) >"$stage/DEBIAN/md5sums"
# whatever the builder's umask: folders and programs 0755, the rest 0644
find "$stage" -type d -exec chmod 0755 {} +
find "$stage" -type f -perm /0111 -exec chmod 0755 {} +
find "$stage" -type f ! -perm /0111 -exec chmod 0644 {} +
find "$stage" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +

deb=build/pqshim_${version}_$arch.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "$root/$deb"
