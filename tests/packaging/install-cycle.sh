#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Install, run, upgrade, remove: installs the .deb that check-package.sh built (ctest fixture)
# into / with dpkg -i, starts /usr/bin/barkeep --headless (and once with the window, on the
# offscreen platform) with a throw-away HOME and asks /api/v1/health; installs a newer build
# of the same tree over it (cpack with CPACK_DEBIAN_PACKAGE_RELEASE bumped), runs it again,
# then dpkg -r and dpkg --purge. The user's data and config must be byte-for-byte untouched by
# the upgrade and by both removals.
#
# It installs for real, so it needs root (CI runs in a throw-away root container) and skips
# (exit 77) otherwise, or when a barkeep package or /usr/bin/barkeep that this test did not
# install is present: it never replaces an installation someone uses. BARKEEP_TEST_NO_INSTALL=1
# skips it on a root machine where a real install is unwanted.
#   install-cycle.sh BUILD_DIR PACKAGE_DIR
set -euo pipefail
# After a pipe: grep >/dev/null, not grep -q, whose early exit could SIGPIPE the writer and
# fail the pipeline under pipefail.
build=$1
pkgdir=$2
skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*" >&2; exit 1; }

[[ -z "${BARKEEP_TEST_NO_INSTALL:-}" ]] || skip "BARKEEP_TEST_NO_INSTALL is set"
[[ $(id -u) -eq 0 ]] || skip "needs root: dpkg -i installs into / (CI runs as root in a throw-away container)"
command -v dpkg >/dev/null || skip "no dpkg on this machine"
# Left by a run of this test that did not get to its cleanup: then the package is ours.
marker=/var/tmp/barkeep-packaging-test.installed
status=$(dpkg-query -W -f='${db:Status-Status}' barkeep 2>/dev/null || true)
if [[ -n "$status" && "$status" != not-installed ]]; then
    [[ -e "$marker" ]] || skip "a barkeep package this test did not install is present (status $status); not replacing it"
    echo "purging the barkeep package an interrupted run of this test left"
    dpkg --purge barkeep >/dev/null
elif [[ -e /usr/bin/barkeep ]]; then
    skip "/usr/bin/barkeep exists and belongs to no package; not overwriting it"
fi

deb=$(ls "$pkgdir"/barkeep_*.deb 2>/dev/null) || fail "no package in $pkgdir (the packaging test builds it)"
work=$(mktemp -d)
home=$work/home
mkdir -p "$home" "$work/run"
chmod 700 "$work/run"
server=
cleanup() {
    [[ -z "$server" ]] || kill -KILL "$server" 2>/dev/null || true
    if [[ -e "$marker" ]]; then
        dpkg --purge barkeep >/dev/null 2>&1 || true
        rm -f "$marker"
    fi
    rm -rf "$work"
}
trap cleanup EXIT

# dpkg with a retry while another dpkg/apt holds the lock (a shared machine).
run_dpkg() {
    local i
    for i in $(seq 30); do
        if dpkg "$@" >"$work/dpkg.log" 2>&1; then return 0; fi
        grep -qi 'lock' "$work/dpkg.log" || { cat "$work/dpkg.log" >&2; fail "dpkg $*"; }
        sleep 2
    done
    cat "$work/dpkg.log" >&2
    fail "dpkg $*: lock still held after 60 s"
}
installed_version() { dpkg-query -W -f='${Version}' barkeep 2>/dev/null || true; }

# Everything in HOME with size, mode, mtime and content hash.
snapshot() {
    (cd "$home" && find . -printf '%p %y %m %s %T@\n' | LC_ALL=C sort \
        && find . -type f -print0 | LC_ALL=C sort -z | xargs -0r sha256sum)
}

# GET /api/v1/health over bash's /dev/tcp (no curl needed); prints the body.
health() {
    local port=$1 token=$2 line len=0 body=
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nAuthorization: Bearer %s\r\n\r\n' \
        "$port" "$token" >&3
    IFS= read -r -t 10 line <&3 || fail "no answer from 127.0.0.1:$port"
    [[ "$line" == "HTTP/1.1 200"* ]] || fail "health answered '$line'"
    while IFS= read -r -t 10 line <&3; do
        line=${line%$'\r'}
        [[ -n "$line" ]] || break
        shopt -s nocasematch
        [[ "$line" =~ ^content-length:\ *([0-9]+) ]] && len=${BASH_REMATCH[1]}
        shopt -u nocasematch
    done
    ((len > 0)) && IFS= read -r -N "$len" -t 10 body <&3
    exec 3<&-
    echo "$body"
}

# Starts /usr/bin/barkeep (extra arguments passed on), waits for the API line, checks health
# and the version, stops it with SIGTERM and expects exit 0.
run_barkeep() {
    local what=$1 platform=$2
    shift 2
    local log=$work/barkeep-$what.log port= i body token
    env -i PATH=/usr/bin:/bin HOME="$home" XDG_RUNTIME_DIR="$work/run" LANG=C.UTF-8 \
        ${platform:+QT_QPA_PLATFORM=$platform} \
        /usr/bin/barkeep "$@" --set api.listen=127.0.0.1:0 >"$log" 2>&1 &
    server=$!
    for i in $(seq 300); do
        port=$(sed -n 's|.*API: http://127\.0\.0\.1:\([0-9]*\)/api/v1/.*|\1|p' "$log" | sed -n 1p)
        [[ -z "$port" ]] || break
        kill -0 "$server" 2>/dev/null || { cat "$log" >&2; fail "$what: barkeep exited before serving"; }
        sleep 0.1
    done
    [[ -n "$port" ]] || { cat "$log" >&2; fail "$what: no API line within 30 s"; }
    token=$(head -n1 "$home/.config/barkeep/api-token")
    body=$(health "$port" "$token")
    echo "$what: health on port $port: $body"
    [[ "$body" == *'"status":"ok"'* && "$body" == *'"version":"'* ]] || fail "$what: health body '$body'"
    if grep -q 'window module was not found' "$log"; then
        cat "$log" >&2
        fail "$what: the installed barkeep did not find its window module"
    fi
    # The window's first chart load runs on the thread pool against the store: SIGTERM during
    # it crashes in teardown (SqliteBarStore::seriesId after Application::stop, MainWindow::
    # reload's task; a bug of its own, not of the package), so the window gets time to settle.
    [[ -z "$platform" ]] || sleep 2
    kill -TERM "$server"
    local rc=0
    for i in $(seq 150); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
    wait "$server" || rc=$?
    server=
    ((rc == 0)) || { cat "$log" >&2; fail "$what: exit $rc after SIGTERM"; }
}

# The newer build: the same tree packed with the next Debian revision.
old_version=$(dpkg-deb -f "$deb" Version)
release=${old_version##*-}
(cd "$build" && cpack -G DEB -B "$work/new" -D CPACK_DEBIAN_PACKAGE_RELEASE=$((release + 1)) \
    >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log" >&2; fail "cpack (newer revision)"; }
newdeb=$(ls "$work"/new/barkeep_*.deb)
new_version=$(dpkg-deb -f "$newdeb" Version)
dpkg --compare-versions "$new_version" gt "$old_version" || fail "$new_version is not newer than $old_version"
echo "packages: $old_version, then $new_version"

touch "$marker"
run_dpkg -i "$deb"
[[ "$(installed_version)" == "$old_version" ]] || fail "installed version '$(installed_version)', expected $old_version"
core=$(dpkg -L barkeep | grep '/barkeep/libbarkeep-core\.so\.[0-9]*$')
loaded=$(ldd /usr/bin/barkeep | sed -n 's/.*libbarkeep-core[^ ]* => \([^ ]*\) .*/\1/p')
[[ -n "$loaded" && "$(readlink -f "$loaded")" == "$(readlink -f "$core")" ]] \
    || fail "/usr/bin/barkeep loads libbarkeep-core from '$loaded', not $core"
! ldconfig -p | grep >/dev/null libbarkeep || fail "libbarkeep is in the ldconfig cache: it is private"
run_barkeep "installed $old_version, headless" "" --headless
# The window module from the private directory (the offscreen platform needs no display).
run_barkeep "installed $old_version, window" offscreen
store=$(find "$home" -name barkeep.db)
[[ -n "$store" ]] || fail "no store barkeep.db under the temp HOME: $(cd "$home" && find .)"
[[ -s "$home/.config/barkeep/api-token" ]] || fail "no api-token under the temp HOME"
before=$(snapshot)

run_dpkg -i "$newdeb"
[[ "$(installed_version)" == "$new_version" ]] || fail "after upgrade: version '$(installed_version)', expected $new_version"
[[ "$(snapshot)" == "$before" ]] || { diff <(echo "$before") <(snapshot) >&2 || true; fail "the upgrade changed the user's files"; }
run_barkeep "upgraded to $new_version" "" --headless
[[ -e "$store" ]] || fail "the upgraded barkeep lost $store"
before=$(snapshot)

run_dpkg -r barkeep
[[ ! -e /usr/bin/barkeep && ! -e "$core" ]] || fail "dpkg -r left /usr/bin/barkeep or $core"
[[ "$(snapshot)" == "$before" ]] || { diff <(echo "$before") <(snapshot) >&2 || true; fail "dpkg -r changed the user's files"; }
run_dpkg --purge barkeep
[[ "$(dpkg-query -W -f='${db:Status-Status}' barkeep 2>/dev/null || echo not-installed)" == not-installed ]] \
    || fail "barkeep still known to dpkg after --purge"
[[ "$(snapshot)" == "$before" ]] || { diff <(echo "$before") <(snapshot) >&2 || true; fail "dpkg --purge changed the user's files"; }
[[ ! -e "$(dirname "$core")" ]] || fail "purge left $(dirname "$core")"
rm -f "$marker"
echo "install, run, upgrade, remove, purge: passed; user files untouched ($(cd "$home" && find . -type f | wc -l) files)"
