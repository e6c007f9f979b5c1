#!/usr/bin/env bash
# Builds the Debian package of TollGuard from the release build (Swift runtime linked in):
#
#   Packaging/build-deb.sh                     # swift build -c release --static-swift-stdlib, then the .deb
#   Packaging/build-deb.sh --binary PATH       # package a tollguard binary built already that way
#   Packaging/build-deb.sh --output DIR        # where the .deb goes (default: .build/debian)
#
# It prints the path of the .deb it wrote. Install it with `sudo apt install ./tollguard_*.deb`
# (or dpkg -i); Packaging/check-deb.sh is what CI runs on it.
set -euo pipefail
cd "$(dirname "$0")/.."
repository=$(pwd)

binary=""
output=".build/debian"
while [ $# -gt 0 ]; do
    case "$1" in
        --binary) binary=${2:?--binary needs a path}; shift 2 ;;
        --output) output=${2:?--output needs a folder}; shift 2 ;;
        -h | --help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "build-deb: unknown argument '$1' (see --help)" >&2; exit 64 ;;
    esac
done

for tool in dpkg-deb dpkg-query strip readelf; do
    command -v "$tool" >/dev/null || { echo "build-deb: $tool is missing (apt-get install dpkg binutils)" >&2; exit 1; }
done

if [ -z "$binary" ]; then
    swift build -c release --static-swift-stdlib --product tollguard >&2
    binary="$(swift build -c release --static-swift-stdlib --show-bin-path)/tollguard"
fi
[ -x "$binary" ] || { echo "build-deb: $binary is not an executable" >&2; exit 1; }
# The Swift runtime must be inside: the machines it is installed on have no Swift toolchain.
if ldd "$binary" | grep -q 'libswift'; then
    echo "build-deb: $binary links the Swift runtime dynamically; build it with --static-swift-stdlib" >&2
    exit 1
fi

upstream=$("$binary" --version)
version=$upstream
if git -C "$repository" rev-parse --git-dir >/dev/null 2>&1; then
    # 0.1.0+git20261202.1f05c1a: newer commits sort after older ones of the same release.
    version="$upstream+git$(git -C "$repository" log -1 --format=%cd --date=format:%Y%m%d%H%M%S).$(git -C "$repository" rev-parse --short=7 HEAD)"
fi
architecture=$(dpkg --print-architecture)

root=$(mktemp -d)
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
install -d "$root/DEBIAN"

# The program, stripped of its debugging symbols.
install -D -m 755 "$binary" "$root/usr/bin/tollguard"
strip --strip-unneeded "$root/usr/bin/tollguard"

# systemd units: the ones in Data/systemd, pointing at /usr/bin instead of /usr/local/bin.
for unit in Data/systemd/*.service Data/systemd/*.timer; do
    install -D -m 644 "$unit" "$root/usr/lib/systemd/system/$(basename "$unit")"
    sed -i 's|/usr/local/bin/tollguard|/usr/bin/tollguard|g' "$root/usr/lib/systemd/system/$(basename "$unit")"
done

# Configuration (conffiles: dpkg keeps the admin's edits across upgrades).
install -D -m 644 Data/tollguard.example.toml "$root/etc/tollguard/tollguard.toml"
install -D -m 644 Data/fail2ban/filter.d/tollguard.conf "$root/etc/fail2ban/filter.d/tollguard.conf"
install -D -m 644 Data/fail2ban/jail.d/tollguard.local "$root/etc/fail2ban/jail.d/tollguard.local"
install -D -m 644 Packaging/debian/tollguard.logrotate "$root/etc/logrotate.d/tollguard"

# Hook examples, ready to be named by a [[hooks]] path.
for hook in Data/hooks/*; do
    install -D -m 755 "$hook" "$root/usr/share/tollguard/hooks/$(basename "$hook")"
done

# Documentation.
install -D -m 644 README.md "$root/usr/share/doc/tollguard/README.md"
install -D -m 644 Data/README.md "$root/usr/share/doc/tollguard/README.data.md"
install -D -m 644 Data/tollguard.example.toml "$root/usr/share/doc/tollguard/examples/tollguard.example.toml"
cp -r Sources/TollGuardCLI/Documentation.docc/Articles "$root/usr/share/doc/tollguard/articles"
find "$root/usr/share/doc/tollguard/articles" -type f -exec chmod 644 {} +
{
    echo "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
    echo "Upstream-Name: TollGuard"
    echo
    echo "Files: *"
    echo "License: Apache-2.0"
    echo
    cat LICENSE
    echo
    echo "Reference data and fixtures taken from other projects (NOTICE):"
    echo
    cat NOTICE
} > "$root/usr/share/doc/tollguard/copyright"
chmod 644 "$root/usr/share/doc/tollguard/copyright"

# Maintainer scripts and the list of conffiles.
for script in postinst prerm postrm; do
    install -m 755 "Packaging/debian/$script" "$root/DEBIAN/$script"
done
(cd "$root" && find etc -type f | sort | sed 's|^|/|') > "$root/DEBIAN/conffiles"

# Dependencies: the packages of the shared libraries the binary links (libsqlite3, zlib, libc...),
# at least the versions it was built against.
owner_of() {
    # ldd and dpkg may name a library by its /lib or its /usr/lib path (merged /usr), or a link.
    local path owner
    for path in "$1" "$(readlink -f "$1")" "/usr$1" "${1#/usr}"; do
        owner=$(dpkg-query -S "$path" 2>/dev/null | head -1 | cut -d: -f1) && [ -n "$owner" ] && {
            echo "$owner"
            return 0
        }
    done
    return 1
}
depends="adduser"
# The libraries it names itself (NEEDED), found where ldd finds them; theirs follow from theirs.
needed=$(LC_ALL=C readelf -d "$binary" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
for name in $needed; do
    library=$(ldd "$binary" | awk -v name="$name" '$1 == name && $3 ~ /^\// { print $3 } $1 ~ /^\// && $1 ~ name { print $1 }' | head -1)
    [ -n "$library" ] || { echo "build-deb: ldd does not find $name" >&2; exit 1; }
    owner=$(owner_of "$library") || { echo "build-deb: no Debian package owns $library" >&2; exit 1; }
    case "$depends" in *"$owner ("*) continue ;; esac
    installed=$(dpkg-query -W -f='${Version}' "$owner")
    depends="$depends, $owner (>= ${installed%%-*})"
done

size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: tollguard
Version: $version
Architecture: $architecture
Maintainer: TollGuard developers <tollguard@users.noreply.github.com>
Installed-Size: $size
Depends: $depends
Suggests: fail2ban, freeswitch | asterisk
Section: net
Priority: optional
Description: toll-fraud detector for FreeSWITCH and Asterisk PBXes
 TollGuard loads a PBX's call records and live calls into one SQLite store,
 judges every call with one analyzer engine (velocity, concurrency, daily
 quotas, risky destinations, fraud lists, pumping, scanning, wangiri,
 behaviour change), raises alerts with their evidence, suspends accounts
 through hooks, hangs up a suspended account's live calls, and writes bans
 for fail2ban from the switch's SIP security logs.
CONTROL

mkdir -p "$output"
deb="$output/tollguard_${version}_${architecture}.deb"
dpkg-deb --root-owner-group --build "$root" "$deb" >&2
echo "$deb"
