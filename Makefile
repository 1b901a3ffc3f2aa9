# idlebell — build and test on Debian 12. `make test` is what CI runs (.ci/run).
#
#   make deps        install the Debian packages for building and testing (root), or print the command
#   make test        go vet, every test with -race against real Dovecot and a headless desktop, gofmt check
#   make build       bin/idlebell
#   make demo        run the app against its built-in demo server
#   make bench       benchmarks against the Dovecot instances (tray app under Xvfb); writes BENCHMARKS.md

SHELL := /bin/bash
GO    ?= go

BUILD_PKGS := gcc libc6-dev pkg-config libgl1-mesa-dev xorg-dev libgl1-mesa-dri
TEST_PKGS  := xvfb xauth dbus-daemon dbus-bin gnome-keyring libsecret-tools dunst libnotify-bin xdg-utils \
              haskell-status-notifier-item-utils dovecot-imapd
# Checked after installing: a package that installs but lacks its program fails here, not in a test.
BUILD_BINS := gcc pkg-config
TEST_BINS  := Xvfb xauth dbus-daemon dbus-send gnome-keyring-daemon secret-tool dunst dunstctl notify-send xdg-mime \
              status-notifier-watcher dovecot doveadm /usr/lib/dovecot/dovecot-lda

# Starts the services, runs the command after --, stops them: see internal/testsession/cmd/testsession.
# Built, not `go run`: `go run` does not pass SIGTERM on, and the session must clean up on it.
TESTSESSION := bin/testsession

.PHONY: all deps deps-build vet fmt-check test bench build build-headless cross demo clean testsession

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

# Run after the tests in `make test`, so that a formatting slip does not hide test results.
fmt-check:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt needed:" >&2; echo "$$unformatted" >&2; exit 1; fi

testsession:
	$(GO) build -o $(TESTSESSION) ./internal/testsession/cmd/testsession

test: deps vet testsession
	$(TESTSESSION) -desktop -- $(GO) test -race -count=1 -timeout 25m ./...
	CGO_ENABLED=0 $(GO) build -tags nogui -o bin/idlebell-headless .
	@# Windows and macOS must keep building: the pure-Go part here, the tray with `make cross`.
	GOOS=windows CGO_ENABLED=0 $(GO) build -tags nogui -o /dev/null .
	GOOS=darwin CGO_ENABLED=0 $(GO) build -tags nogui -o /dev/null .
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
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X main.version=$(VERSION) -X main.commit=$(COMMIT)

build: deps-build
	$(GO) build -ldflags "$(LDFLAGS)" -o bin/idlebell .

# The same program without the tray app: no cgo, no OpenGL/X11 libraries, a third of the memory.
# For servers and tiling desktops: --headless, check, login.
build-headless:
	CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/idlebell-headless .

# The Windows tray app, cross-built with MinGW (Debian's gcc-mingw-w64-x86-64; a cold build takes
# about 8 minutes). macOS needs Apple's SDK for cgo: only the nogui build is checked here.
cross:
	$(call install_pkgs,gcc-mingw-w64-x86-64,x86_64-w64-mingw32-gcc)
	CGO_ENABLED=1 CC=x86_64-w64-mingw32-gcc GOOS=windows GOARCH=amd64 $(GO) build -ldflags "$(LDFLAGS)" -o bin/idlebell.exe .
	GOOS=darwin CGO_ENABLED=0 $(GO) build -tags nogui -ldflags "$(LDFLAGS)" -o bin/idlebell-headless-darwin .

demo: build
	./bin/idlebell --demo

clean:
	rm -rf bin
