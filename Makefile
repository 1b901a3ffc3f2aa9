# idlebell — build and test on Debian 12. `make test` is what CI runs (.ci/run).
#
#   make deps        install the Debian packages for building and testing (root), or print the command
#   make test        go vet, every test with -race against real Dovecot and a headless desktop, gofmt check
#   make build       bin/idlebell
#   make install     bin/idlebell, menu entry, icons, man page, user unit into ~/.local (root: /usr/local)
#   make deb         idlebell_VERSION_ARCH.deb        make uninstall   remove what make install put
#   make demo        run the app against its built-in demo server
#   make bench       benchmarks against the Dovecot instances (tray app under Xvfb); writes BENCHMARKS.md

SHELL := /bin/bash
GO    ?= go

BUILD_PKGS := gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev libgl1-mesa-dri
TEST_PKGS  := xvfb xauth dbus-daemon dbus-bin gnome-keyring libsecret-tools dunst libnotify-bin xdg-utils \
              haskell-status-notifier-item-utils dovecot-imapd $(PKG_TEST_PKGS)
# make install and make deb are checked with these (make test-packaging).
PKG_TEST_PKGS := desktop-file-utils appstream lintian dpkg-dev man-db
PKG_TEST_BINS := desktop-file-validate appstreamcli lintian dpkg-shlibdeps man
# Checked after installing: a package that installs but lacks its program fails here, not in a test.
BUILD_BINS := gcc pkg-config
TEST_BINS  := Xvfb xauth dbus-daemon dbus-send gnome-keyring-daemon secret-tool dunst dunstctl notify-send xdg-mime \
              status-notifier-watcher dovecot doveadm /usr/lib/dovecot/dovecot-lda $(PKG_TEST_BINS)

# Starts the services, runs the command after --, stops them: see internal/testsession/cmd/testsession.
# Built, not `go run`: `go run` does not pass SIGTERM on, and the session must clean up on it.
TESTSESSION := bin/testsession

.PHONY: all deps deps-build vet fmt-check test test-windows bench build build-headless cross demo clean testsession

all: build

# install_pkgs PACKAGES, PROGRAMS: apt-get install what dpkg does not report installed, then check
# that every program is there. Without root it prints the command to run and fails.
define install_pkgs
	@missing=""; \
	for p in $(1); do \
	  [ "$$(dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null)" = "install ok installed" ] || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing$$missing"; \
	    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing || exit 1; \
	  else \
	    echo "deps: missing Debian packages:$$missing" >&2; \
	    echo "deps: run: sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$$missing" >&2; \
	    exit 1; \
	  fi; \
	fi; \
	for b in $(2); do \
	  command -v "$$b" >/dev/null || { echo "deps: $$b not found although its package is installed" >&2; exit 1; }; \
	done
endef

deps:
	$(call install_pkgs,$(BUILD_PKGS) $(TEST_PKGS),$(BUILD_BINS) $(TEST_BINS))

deps-build:
	$(call install_pkgs,$(BUILD_PKGS),$(BUILD_BINS))

vet:
	$(GO) vet ./...
	$(GO) vet -tags nogui .
	@# The Windows build's packages and tests too (the tray's ui needs cgo: `make cross` builds it).
	GOOS=windows CGO_ENABLED=0 $(GO) vet -tags nogui $$(GOOS=windows $(GO) list -tags nogui ./... 2>/dev/null | grep -v '/ui$$')

# Run after the tests in `make test`, so that a formatting slip does not hide test results.
fmt-check:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" >&2; echo "$$unformatted" >&2; exit 1; fi

testsession:
	$(GO) build -o $(TESTSESSION) ./internal/testsession/cmd/testsession

# The Windows headless program under Wine (8.0, Debian's) against the test Dovecot: quoted commands,
# cmd hooks, the Job Object kill, Credential Manager and the state folder (internal/winetest). About
# 2 minutes; not part of `make test`.
test-windows: deps testsession
	$(call install_pkgs,wine wine64 gcc-mingw-w64-x86-64,wine wineserver x86_64-w64-mingw32-gcc)
	$(GO) vet -tags winetest ./internal/winetest
	$(TESTSESSION) -- $(GO) test -tags winetest -count=1 -v -timeout 20m ./internal/winetest

# The tests read English texts unless they set a language themselves: a developer's own LANGUAGE,
# LC_ALL or LC_MESSAGES (German, say) must not change what they see.
TEST_LOCALE := env -u LANGUAGE -u LC_ALL -u LC_MESSAGES LANG=C.UTF-8

test: deps vet testsession
	$(TEST_LOCALE) $(TESTSESSION) -desktop -- $(GO) test -race -count=1 -timeout 25m ./...
	CGO_ENABLED=0 $(GO) build -tags nogui -o bin/idlebell-headless .
	@# Windows and macOS must keep building: the pure-Go part here, the tray with `make cross`.
	GOOS=windows CGO_ENABLED=0 $(GO) build -tags nogui -o /dev/null .
	GOOS=darwin CGO_ENABLED=0 $(GO) build -tags nogui -o /dev/null .
	@$(MAKE) --no-print-directory test-packaging
	@$(MAKE) --no-print-directory fmt-check

# bench/cmd/idlebench measures the headless binary, the library and same-run baselines against
# the Dovecot instances, and the tray app under the desktop session's Xvfb; it prints one table
# per section and writes BENCHMARKS.md. The testing.B benchmarks run first (quick, printed only).
# BENCH_FLAGS="-n 10 -n-inproc 20 -idle-window 20s -cpu-window 10s" for a quick run; see docs/bench.md.
BENCH_FLAGS ?=
bench: deps testsession
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/idlebell .
	CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/idlebell-headless .
	$(GO) build -o bin/idlebench ./bench/cmd/idlebench
	$(GO) build -o bin/benchserver ./bench/cmd/benchserver
	$(GO) build -o bin/rawidle ./bench/cmd/rawidle
	$(GO) test -run '^$$' -bench . -benchtime 200x ./imapwatch/
	$(TESTSESSION) -desktop -- bin/idlebench $(BENCH_FLAGS)

# Version and commit go in through ldflags: GOFLAGS may hold -buildvcs=false, so the VCS stamp is not relied on.
# packaging/version.sh turns `git describe` into a version that is also a valid Debian one.
VERSION ?= $(shell packaging/version.sh)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT) $(EXTRA_LDFLAGS)
# GOBUILDFLAGS and IDLEBELL_BIN: make test-packaging builds a -race binary elsewhere (see there).
GOBUILDFLAGS ?=
IDLEBELL_BIN ?= bin/idlebell

build: deps-build
	$(GO) build $(GOBUILDFLAGS) -ldflags "$(LDFLAGS)" -o $(IDLEBELL_BIN) .

# The same program without the tray app: no cgo, no OpenGL/X11 libraries, a third of the memory.
# For servers and tiling desktops: --headless, check, login.
build-headless:
	CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/idlebell-headless .

# The Windows tray app, cross-built with MinGW (Debian's gcc-mingw-w64-x86-64; a cold build takes
# about 8 minutes), as a GUI program (-H=windowsgui: no console window beside the tray icon), and the
# headless one as a console program; both with the icon, version and manifest that tools/winres
# makes from FyneApp.toml (the resources `fyne package -os windows` adds), then checked with
# internal/winexe/checkexe. macOS needs Apple's SDK for cgo: only the nogui build is checked here.
WINRES := rsrc_windows_amd64.syso
cross: icons
	$(call install_pkgs,gcc-mingw-w64-x86-64,x86_64-w64-mingw32-gcc)
	cd tools && $(GO) run ./winres -app ../FyneApp.toml -icons $(abspath $(SHARE))/icons/hicolor -version "$(VERSION)" -o ../$(WINRES)
	CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 $(GO) build -ldflags "-H=windowsgui $(LDFLAGS)" -o bin/idlebell.exe . && \
	  GOOS=windows GOARCH=amd64 CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/idlebell-headless.exe .; \
	  rc=$$?; rm -f $(WINRES); exit $$rc
	$(GO) run ./internal/winexe/checkexe -version "$(VERSION)" -gui bin/idlebell.exe -console bin/idlebell-headless.exe
	GOOS=darwin CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/idlebell-headless-darwin .

demo: build
	./bin/idlebell --demo

# ---- Install and packages --------------------------------------------------------------------
# The app ID comes from FyneApp.toml; the programs nfpm and fyne from tools/go.mod (their own module,
# so that they do not move the versions idlebell is built with).
APP_ID     := $(shell sed -n 's/^ID *= *"\([^"]*\)".*/\1/p' FyneApp.toml)
GOTOOL     := $(GO) tool -modfile=tools/go.mod
PREFIX     ?= $(if $(filter 0,$(shell id -u)),/usr/local,$(HOME)/.local)
DESTDIR    ?=
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
DOCDIR     ?= $(DATADIR)/doc/idlebell
# systemd reads user units from ~/.local/share/systemd/user and PREFIX/lib/systemd/user.
USERUNITDIR ?= $(if $(filter $(HOME)/%,$(PREFIX)),$(DATADIR)/systemd/user,$(PREFIX)/lib/systemd/user)
ICON_SIZES := 16 22 24 32 48 64 128 256
ICONS      := $(foreach n,$(ICON_SIZES),icons/hicolor/$(n)x$(n)/apps/$(APP_ID).png) icons/hicolor/scalable/apps/$(APP_ID).svg
# What make install puts under PREFIX (make uninstall removes exactly these).
INSTALLED  := $(BINDIR)/idlebell $(DATADIR)/applications/$(APP_ID).desktop \
              $(DATADIR)/metainfo/$(APP_ID).metainfo.xml $(addprefix $(DATADIR)/,$(ICONS)) \
              $(MANDIR)/man1/idlebell.1.gz $(USERUNITDIR)/idlebell.service $(DOCDIR)/README.md \
              $(DOCDIR)/changelog.gz
# Generated files to install (test-packaging moves it and DEB_STAGE to a temporary folder).
SHARE      ?= bin/share

.PHONY: icons install uninstall refresh-menus package deb test-packaging

# The hicolor icons are drawn by assets/gen_bell.go (only bell.png, the tray's, is committed).
icons: $(SHARE)/icons/.done
$(SHARE)/icons/.done: assets/gen_bell.go FyneApp.toml
	rm -rf $(SHARE)/icons
	$(GO) run assets/gen_bell.go -hicolor $(SHARE)/icons/hicolor -name $(APP_ID)
	touch $@

# make install: per user into ~/.local (no root needed), or PREFIX=/usr/local as root; DESTDIR stages.
install: build icons
	mkdir -p $(SHARE)
	sed -e 's|^Exec=idlebell$$|Exec=$(BINDIR)/idlebell|' -e 's|^TryExec=idlebell$$|TryExec=$(BINDIR)/idlebell|' \
	    packaging/$(APP_ID).desktop > $(SHARE)/$(APP_ID).desktop
	sed -e 's|^ExecStart=%h/.local/bin/idlebell |ExecStart=$(BINDIR)/idlebell |' packaging/idlebell.service > $(SHARE)/idlebell.service
	gzip -9n < docs/idlebell.1 > $(SHARE)/idlebell.1.gz
	gzip -9n < packaging/changelog > $(SHARE)/changelog.gz
	install -Dm755 $(IDLEBELL_BIN) "$(DESTDIR)$(BINDIR)/idlebell"
	install -Dm644 $(SHARE)/$(APP_ID).desktop "$(DESTDIR)$(DATADIR)/applications/$(APP_ID).desktop"
	install -Dm644 packaging/$(APP_ID).metainfo.xml "$(DESTDIR)$(DATADIR)/metainfo/$(APP_ID).metainfo.xml"
	for f in $(ICONS); do install -Dm644 $(SHARE)/$$f "$(DESTDIR)$(DATADIR)/$$f" || exit 1; done
	install -Dm644 $(SHARE)/idlebell.1.gz "$(DESTDIR)$(MANDIR)/man1/idlebell.1.gz"
	install -Dm644 $(SHARE)/idlebell.service "$(DESTDIR)$(USERUNITDIR)/idlebell.service"
	install -Dm644 README.md "$(DESTDIR)$(DOCDIR)/README.md"
	install -Dm644 $(SHARE)/changelog.gz "$(DESTDIR)$(DOCDIR)/changelog.gz"
	@if [ -z "$(DESTDIR)" ]; then $(MAKE) --no-print-directory refresh-menus; \
	  echo "installed $(BINDIR)/idlebell; the app menu lists idlebell"; fi

uninstall:
	rm -f $(addprefix "$(DESTDIR),$(addsuffix ",$(INSTALLED)))
	-rmdir "$(DESTDIR)$(DOCDIR)" 2>/dev/null
	@if [ -z "$(DESTDIR)" ]; then $(MAKE) --no-print-directory refresh-menus; fi

# Desktops notice new entries and icons by themselves; these caches make it immediate where they exist.
refresh-menus:
	@if command -v update-desktop-database >/dev/null; then update-desktop-database -q "$(DATADIR)/applications" || true; fi
	@if [ -f "$(DATADIR)/icons/hicolor/index.theme" ] && command -v gtk-update-icon-cache >/dev/null; then \
	  gtk-update-icon-cache -q -t -f "$(DATADIR)/icons/hicolor" || true; fi

# make package: the Fyne CLI's Linux tarball (idlebell.tar.xz: binary, .desktop, icon, a Makefile)
# of bin/idlebell. fyne counts FyneApp.toml's Build up after packaging; the committed file is kept.
package: build icons
	cp FyneApp.toml $(SHARE)/FyneApp.toml.orig
	$(GOTOOL) fyne package -os linux -executable $(IDLEBELL_BIN) \
	    -icon $(SHARE)/icons/hicolor/256x256/apps/$(APP_ID).png; \
	  rc=$$?; cp $(SHARE)/FyneApp.toml.orig FyneApp.toml; exit $$rc

# make deb: idlebell_VERSION_ARCH.deb in DEBDIR from what make install DESTDIR=... PREFIX=/usr stages.
# Depends: dpkg-shlibdeps on the binary (libc6, libgl1, libx11-6), plus the X11 libraries GLFW
# opens at run time, which no tool can see. The binary is position independent (ASLR) and stripped.
DEBDIR     ?= .
DEB_GOBUILDFLAGS ?= -buildmode=pie
DEB_STAGE  ?= bin/deb-root
DEB_DLOPEN := libxcursor1, libxi6, libxinerama1, libxrandr2, libxxf86vm1
MAINTAINER ?= The idlebell developers <idlebell@users.noreply.github.com>
deb:
	$(call install_pkgs,dpkg-dev,dpkg-shlibdeps)
	rm -rf $(DEB_STAGE)
	$(MAKE) --no-print-directory install DESTDIR=$(abspath $(DEB_STAGE)) PREFIX=/usr \
	    GOBUILDFLAGS="$(DEB_GOBUILDFLAGS)" EXTRA_LDFLAGS="-s -w"
	mkdir -p $(DEB_STAGE).shlibs/debian
	printf 'Source: idlebell\n\nPackage: idlebell\nArchitecture: any\n' > $(DEB_STAGE).shlibs/debian/control
	deps=$$(cd $(DEB_STAGE).shlibs && dpkg-shlibdeps -O -e$(abspath $(DEB_STAGE))/usr/bin/idlebell 2>/dev/null) || exit 1; \
	  deps=$${deps#shlibs:Depends=}; \
	  IDLEBELL_VERSION="$(VERSION)" IDLEBELL_ARCH="$$($(GO) env GOARCH)" IDLEBELL_STAGE="$(DEB_STAGE)" \
	  IDLEBELL_DEPENDS="$$deps, $(DEB_DLOPEN)" IDLEBELL_MAINTAINER="$(MAINTAINER)" \
	  $(GOTOOL) nfpm package -f packaging/nfpm.yaml -p deb -t $(DEBDIR)/

# Part of make test (after the Go tests): make install into a temporary folder, make deb, and what
# they produce (packaging/test.sh). The binary is built with -race in a temporary folder: the test
# run has just built Fyne that way, where a plain build would compile it again (5 minutes cold).
test-packaging:
	$(call install_pkgs,$(PKG_TEST_PKGS),$(PKG_TEST_BINS))
	packaging/test.sh

clean:
	rm -rf bin
	rm -f idlebell_*.deb idlebell.tar.xz $(WINRES)
