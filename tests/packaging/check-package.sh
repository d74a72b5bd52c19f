#!/usr/bin/env bash
# Package check: cpack DEB → dpkg-deb -x → run barkeep --version from the unpacked tree.
set -euo pipefail
build=$1
src=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

if command -v desktop-file-validate >/dev/null; then
    desktop-file-validate "$src/packaging/org.barkeep.Barkeep.desktop"
fi
if command -v appstreamcli >/dev/null; then
    appstreamcli validate --no-net "$src/packaging/org.barkeep.Barkeep.metainfo.xml"
fi

(cd "$build" && cpack -G DEB -B "$work/pkg" >"$work/cpack.log" 2>&1) || { cat "$work/cpack.log"; exit 1; }
deb=$(ls "$work"/pkg/*.deb | head -n1)
echo "package: $(basename "$deb")"
dpkg-deb -I "$deb" | grep -E "Depends|Package|Version"
dpkg-deb -x "$deb" "$work/root"
for f in usr/bin/barkeep usr/share/applications/org.barkeep.Barkeep.desktop \
         usr/share/metainfo/org.barkeep.Barkeep.metainfo.xml usr/share/man/man1/barkeep.1 \
         usr/lib/systemd/user/barkeep.service usr/share/icons/hicolor/scalable/apps/org.barkeep.Barkeep.svg; do
    [[ -e "$work/root/$f" ]] || { echo "missing in package: $f"; exit 1; }
done
[[ -n "$(find "$work/root/usr" -name libbarkeep-gui.so -path '*/barkeep/*')" ]] \
    || { echo "missing in package: the window module libbarkeep-gui.so"; exit 1; }
out=$(QT_QPA_PLATFORM=offscreen "$work/root/usr/bin/barkeep" --version)
echo "$out"
[[ "$out" == barkeep\ * ]]
# The unpacked binary must find its own core library, not the build tree's.
ldd "$work/root/usr/bin/barkeep" | grep "libbarkeep-core" | grep -q "$work/root/usr/" || {
    echo "barkeep does not load the packaged libbarkeep-core"; ldd "$work/root/usr/bin/barkeep"; exit 1; }
