#!/bin/bash
# Checks what make install, make uninstall and make deb produce: the file list and modes, the
# desktop entry and AppStream metadata (desktop-file-validate, appstreamcli), the man page, the
# .deb's name, version and Depends, an install with dpkg into a throwaway root whose idlebell
# then runs, and lintian (no errors). Run by make test-packaging, part of make test.
#
# Everything is made in a temporary folder (IDLEBELL_BIN, SHARE, DEB_STAGE, DEBDIR), nothing in
# bin/. The binary is built with -race: after the test run that is a quick link, where a plain
# build would compile Fyne again (5 minutes cold).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
start=$SECONDS
checks=0

fail() {
	echo "test-packaging: FAIL: $*" >&2
	exit 1
}
ok() {
	checks=$((checks + 1))
	echo "test-packaging: ok: $*"
}
mk() {
	local log=$tmp/make.log
	if ! make --no-print-directory GOBUILDFLAGS=-race DEB_GOBUILDFLAGS=-race IDLEBELL_BIN="$tmp/idlebell" \
		SHARE="$tmp/share" DEB_STAGE="$tmp/deb-root" "$@" >"$log" 2>&1; then
		cat "$log" >&2
		fail "make $*"
	fi
}

id=$(sed -n 's/^ID *= *"\([^"]*\)".*/\1/p' FyneApp.toml)
version=$(packaging/version.sh)
[ "$id" = io.github.idlebell ] || fail "FyneApp.toml: ID $id"

# What make install puts under PREFIX=/usr, with modes; the .deb has the same plus the copyright.
want_files() {
	cat <<EOF
755 usr/bin/idlebell
644 usr/lib/systemd/user/idlebell.service
644 usr/share/applications/$id.desktop
644 usr/share/doc/idlebell/README.md
644 usr/share/doc/idlebell/changelog.gz
644 usr/share/man/man1/idlebell.1.gz
644 usr/share/metainfo/$id.metainfo.xml
644 usr/share/icons/hicolor/scalable/apps/$id.svg
EOF
	for n in 16 22 24 32 48 64 128 256; do
		echo "644 usr/share/icons/hicolor/${n}x$n/apps/$id.png"
	done
}
files_in() { (cd "$1" && find . -type f -printf '%m %P\n' | LC_ALL=C sort); }

# 1. make install DESTDIR=... PREFIX=/usr
inst=$tmp/inst
mk install DESTDIR="$inst" PREFIX=/usr
diff -u <(want_files | LC_ALL=C sort) <(files_in "$inst") || fail "make install DESTDIR=... PREFIX=/usr: other files or modes (- wanted, + got)"
if find "$inst" -type d ! -perm 755 | grep .; then fail "make install: folders above not 0755"; fi
ok "make install: $(want_files | wc -l) files, modes 755/644"

desktop=$inst/usr/share/applications/$id.desktop
desktop-file-validate "$desktop" || fail "desktop-file-validate $desktop"
grep -qx 'Exec=/usr/bin/idlebell' "$desktop" || fail "$desktop: Exec is not the installed binary"
for key in 'Name' 'Name\[de\]' 'GenericName=Mail notifier' 'Comment\[de\]' 'Categories=Network;Email;' 'Keywords' \
	'StartupNotify=false' 'X-GNOME-UsesNotifications=true' "Icon=$id"; do
	grep -q "^$key" "$desktop" || fail "$desktop: no $key"
done
ok "desktop entry: desktop-file-validate, Exec=/usr/bin/idlebell, German Name and Comment"

appstreamcli validate --no-net --pedantic "$inst/usr/share/metainfo/$id.metainfo.xml" >"$tmp/as.log" 2>&1 ||
	{ cat "$tmp/as.log" >&2; fail "appstreamcli validate --no-net"; }
ok "AppStream metainfo: appstreamcli validate --no-net --pedantic"

for n in 16 22 24 32 48 64 128 256; do
	png=$inst/usr/share/icons/hicolor/${n}x$n/apps/$id.png
	# PNG: width and height are big-endian at bytes 16 and 20.
	read -r w h < <(od -An -tu4 --endian=big -j16 -N8 "$png")
	[ "$w $h" = "$n $n" ] || fail "$png is ${w}x$h"
done
grep -q '<svg' "$inst/usr/share/icons/hicolor/scalable/apps/$id.svg" || fail "scalable icon is no SVG"
ok "icons: each PNG has the size of its folder"

warn=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l "$inst/usr/share/man/man1/idlebell.1.gz" 2>&1 >/dev/null)
[ -z "$warn" ] || fail "man page warnings: $warn"
grep -qx 'ExecStart=/usr/bin/idlebell --headless' "$inst/usr/lib/systemd/user/idlebell.service" ||
	fail "the user unit does not start /usr/bin/idlebell"
ok "man page renders without warnings; the user unit runs /usr/bin/idlebell"

# 2. make uninstall removes exactly that.
mk uninstall DESTDIR="$inst" PREFIX=/usr
left=$(find "$inst" -type f)
[ -z "$left" ] || fail "make uninstall left: $left"
ok "make uninstall removes every file"

# 2b. Without DESTDIR, as a user runs it: the menu caches are refreshed where
# the tools exist, and nothing reads like a failure.
for target in install uninstall; do
	mk "$target" PREFIX="$tmp/user"
	if grep -n 'Error' "$tmp/make.log"; then fail "make $target PREFIX=... printed an error (above)"; fi
done
ok "make install and uninstall without DESTDIR print no error"

# 3. make deb
mk deb DEBDIR="$tmp"
arch=$(dpkg --print-architecture)
deb=$tmp/idlebell_${version}_$arch.deb
[ -f "$deb" ] || fail "make deb made $(ls "$tmp"/*.deb), want $deb"
[ "$(dpkg-deb -f "$deb" Package)" = idlebell ] || fail "Package: $(dpkg-deb -f "$deb" Package)"
[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "Version: $(dpkg-deb -f "$deb" Version), want $version"
depends=$(dpkg-deb -f "$deb" Depends)
for d in 'libc6 (>= ' libgl1 libx11-6 libxrandr2 libxcursor1; do
	[[ $depends == *"$d"* ]] || fail "Depends: $depends lacks $d"
done
[ "$(dpkg-deb -f "$deb" Recommends)" = "gnome-keyring | kwalletmanager, xdg-utils" ] ||
	fail "Recommends: $(dpkg-deb -f "$deb" Recommends)"
diff -u <( (want_files; echo "644 usr/share/doc/idlebell/copyright") | awk '{print $2}' | LC_ALL=C sort) \
	<(dpkg-deb --fsys-tarfile "$deb" | tar -t | grep -v '/$' | sed 's|^\./||' | LC_ALL=C sort) ||
	fail "the .deb's files differ from make install's (- wanted, + got)"
ok "make deb: $(basename "$deb"), Depends: $depends"

# 4. Install it with dpkg into a throwaway root (no chroot: the package has no maintainer scripts)
# and run it from there.
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
touch "$root/var/lib/dpkg/status"
dpkg --root="$root" --force-depends --log=/dev/null -i "$deb" >"$tmp/dpkg.log" 2>&1 ||
	{ cat "$tmp/dpkg.log" >&2; fail "dpkg --root -i"; }
dpkg --root="$root" -L idlebell | grep -qx /usr/bin/idlebell || fail "dpkg -L idlebell lacks /usr/bin/idlebell"
got=$("$root/usr/bin/idlebell" --version)
[[ $got == "idlebell $version (commit "* ]] || fail "installed idlebell --version: $got, want version $version"
ok "dpkg -i into a throwaway root; its idlebell --version: $got"

# 5. lintian: no errors; warnings are listed.
lintian --fail-on error --suppress-tags hardening-no-pie "$deb" 2>&1 | { grep -v 'root privileges' || true; } | tee "$tmp/lintian.log" ||
	fail "lintian reports errors"
ok "lintian: no errors ($(grep -c '^W' "$tmp/lintian.log" || true) warnings; hardening-no-pie: this build is -race, make deb builds PIE)"

echo "test-packaging: took $((SECONDS - start)) s"
echo "test-packaging: $checks passed, 0 failed"
