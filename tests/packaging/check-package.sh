#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Package check, no root needed: cpack DEB (+ the -dbgsym.ddeb) from the built tree into
# OUT, lintian (any error or warning fails), the package's layout (private core library with
# RUNPATH, stripped binaries whose symbols are in the dbgsym package, Debian docs, compressed
# man page, no maintainer scripts), then barkeep --version and the window module from the
# unpacked tree. OUT keeps the packages for packaging_install (ctest fixture).
#   check-package.sh BUILD_DIR SOURCE_DIR OUT_DIR
set -euo pipefail
# After a pipe: grep >/dev/null, not grep -q, whose early exit could SIGPIPE the writer and
# fail the pipeline under pipefail.
build=$1
src=$2
out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

command -v lintian >/dev/null || fail "lintian is not installed (tools/install-deps.sh --test installs it)"
if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$src/packaging/org.barkeep.Barkeep.desktop"
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$src/packaging/org.barkeep.Barkeep.metainfo.xml"
fi

rm -rf "$out"
mkdir -p "$out"
t0=$SECONDS
(cd "$build" && cpack -G DEB -B "$out" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; fail "cpack"; }
echo "cpack: $((SECONDS - t0)) s"
rm -rf "$out/_CPack_Packages"
deb=$(ls "$out"/barkeep_*.deb)
ddeb=$(ls "$out"/barkeep-dbgsym_*.ddeb) || fail "no barkeep-dbgsym .ddeb next to $(basename "$deb")"
echo "package: $(basename "$deb") + $(basename "$ddeb")"
dpkg-deb -f "$deb" Package Version Depends Suggests

# lintian: no error or warning may remain (overrides, with their reasons, ship in the package;
# a dbgsym package may not ship files outside /usr/lib/debug, so its one possible exception is
# made here: a tree built without BARKEEP_DEBUG_INFO has symbol tables but no DWARF to split off).
dpkg-deb -x "$ddeb" "$work/dbg"
suppress=()
for f in $(find "$work/dbg/usr/lib/debug" -name '*.debug'); do
    readelf -S "$f" 2>/dev/null | grep >/dev/null '\.debug_info' && continue
    echo "note: $(basename "$f") has no DWARF (tree built without -DBARKEEP_DEBUG_INFO=ON): lintian's debug-file-with-no-debug-symbols is not counted"
    suppress=(--suppress-tags debug-file-with-no-debug-symbols)
    break
done
t0=$SECONDS
lintian --fail-on error,warning --display-level '>=warning' "${suppress[@]}" "$deb" "$ddeb" || fail "lintian (above)"
echo "lintian: clean ($((SECONDS - t0)) s)"

# Depends comes from dpkg-shlibdeps: the Qt, PostgreSQL and hiredis libraries the binaries
# link, qt6-base-abi of this exact Qt (libbarkeep-core uses Qt's private QTimerInfoList), and
# the SQLite driver no ELF file links. Each exactly once; never the package's own library.
depends=$(dpkg-deb -f "$deb" Depends)
abi=$(dpkg-query -W -f='${Provides}' libqt6core6 | grep -o 'qt6-base-abi (= [^)]*)')
for d in libc6 libqt6core6 libqt6network6 libqt6httpserver6 libpq5 libhiredis libqt6widgets6 \
         libqt6sql6-sqlite "$abi"; do
    [[ "$depends" == *"$d"* ]] || fail "Depends lacks $d: $depends"
done
dups=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | sort | uniq -d)
[[ -z "$dups" ]] || fail "Depends names $dups more than once: $depends"
[[ "$depends" != *barkeep* ]] || fail "Depends names the package's own library: $depends"

dpkg-deb -x "$deb" "$work/root"
dpkg-deb -e "$deb" "$work/control"
r=$work/root
for f in usr/bin/barkeep usr/share/applications/org.barkeep.Barkeep.desktop \
         usr/share/metainfo/org.barkeep.Barkeep.metainfo.xml usr/share/man/man1/barkeep.1.gz \
         usr/lib/systemd/user/barkeep.service usr/share/icons/hicolor/scalable/apps/org.barkeep.Barkeep.svg \
         usr/share/doc/barkeep/copyright usr/share/doc/barkeep/changelog.Debian.gz; do
    [[ -e "$r/$f" ]] || fail "missing in package: $f"
done
if [[ -e "$src/packaging/barkeep.bash-completion" ]]; then
    [[ -e "$r/usr/share/bash-completion/completions/barkeep" ]] \
        || fail "missing in package: usr/share/bash-completion/completions/barkeep"
fi
# Every lintian override carries its reason: a comment right above it.
ov=$r/usr/share/lintian/overrides/barkeep
[[ -e "$ov" ]] || fail "missing in package: usr/share/lintian/overrides/barkeep"
awk '/^[^#[:space:]]/ && prev !~ /^#/ { print; bad = 1 } { prev = $0 } END { exit bad }' "$ov" \
    || fail "lintian override without a reason comment (above)"
grep -q '^Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/' \
    "$r/usr/share/doc/barkeep/copyright" || fail "copyright is not DEP-5"
version=$(dpkg-deb -f "$deb" Version)
zcat "$r/usr/share/doc/barkeep/changelog.Debian.gz" | sed -n 1p | grep -F >/dev/null "barkeep ($version)" \
    || fail "changelog.Debian.gz does not start with version $version"
grep -qx 'ExecStart=/usr/bin/barkeep --headless' "$r/usr/lib/systemd/user/barkeep.service" \
    || fail "the packaged systemd unit does not start /usr/bin/barkeep: $(grep ExecStart "$r/usr/lib/systemd/user/barkeep.service")"
# The private library: nothing in the linker's public directories, so no ldconfig, no
# shlibs file and no maintainer scripts.
public=$(find "$r/usr/lib" -maxdepth 2 -name 'lib*.so*' | sed "s|$r/||")
[[ -z "$public" ]] || fail "libraries in a public linker directory: $public"
for s in postinst postrm preinst prerm shlibs triggers; do
    [[ ! -e "$work/control/$s" ]] || fail "unexpected control file $s: $(cat "$work/control/$s")"
done
core=$(find "$r/usr/lib" -path '*/barkeep/libbarkeep-core.so.*' -type f)
gui=$(find "$r/usr/lib" -path '*/barkeep/libbarkeep-gui.so' -type f)
[[ -n "$core" ]] || fail "missing in package: usr/lib/<triplet>/barkeep/libbarkeep-core.so.*"
[[ -n "$gui" ]] || fail "missing in package: the window module libbarkeep-gui.so next to libbarkeep-core"
libdir=$(dirname "${core#"$r"}")
# RUNPATH: the executable finds the private directory relative to itself, the window
# module next to itself.
runpath() { readelf -d "$1" | sed -n 's/.*(\(RUNPATH\|RPATH\)).*\[\(.*\)\]/\2/p'; }
[[ "$(runpath "$r/usr/bin/barkeep")" == "\$ORIGIN/..${libdir#/usr}" ]] \
    || fail "barkeep RUNPATH '$(runpath "$r/usr/bin/barkeep")', expected \$ORIGIN/..${libdir#/usr}"
[[ "$(runpath "$gui")" == '$ORIGIN' ]] || fail "libbarkeep-gui.so RUNPATH '$(runpath "$gui")', expected \$ORIGIN"
# Stripped, and each binary's build-id has its symbols in the dbgsym package.
for f in "$r/usr/bin/barkeep" "$core" "$gui"; do
    file -b "$f" | grep >/dev/null ', stripped' || fail "not stripped: ${f#"$r"}"
    id=$(readelf -n "$f" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
    [[ -n "$id" ]] || fail "no build-id: ${f#"$r"}"
    dbg="$work/dbg/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug"
    [[ -s "$dbg" ]] || fail "no debug file for ${f#"$r"} (build-id $id) in $(basename "$ddeb")"
    readelf -S "$dbg" 2>/dev/null | grep >/dev/null '\.symtab' || fail "no symbol table in $dbg"
done
[[ "$(dpkg-deb -f "$ddeb" Depends)" == "barkeep (= $version)" ]] \
    || fail "dbgsym Depends: $(dpkg-deb -f "$ddeb" Depends)"

out_version=$(QT_QPA_PLATFORM=offscreen "$r/usr/bin/barkeep" --version)
echo "$out_version"
[[ "$out_version" == barkeep\ * ]] || fail "barkeep --version printed '$out_version'"
# The unpacked binary must find its own core library, not the build tree's.
ldd "$r/usr/bin/barkeep" | grep "libbarkeep-core" | grep >/dev/null "$r/usr/" || {
    ldd "$r/usr/bin/barkeep"; fail "barkeep does not load the packaged libbarkeep-core"; }
ldd "$gui" | grep "libbarkeep-core" | grep >/dev/null "$r/usr/" || {
    ldd "$gui"; fail "libbarkeep-gui.so does not load the packaged libbarkeep-core"; }
echo "package check passed"
